/**
 * Turning an import file (CSV or JSON) into raw rows for the catalog import to validate, and
 * reading prices written in major units. Private to the catalog module.
 */
import { minorDigits } from "../../Money.js"
import { parseCsv } from "./csv.js"

/**
 * What was wrong, and where: a field of a row (`vendors.0.unitCost`) or of the file (a column).
 */
export interface ImportIssue {
  readonly field: string
  readonly message: string
}

/**
 * A row as read from the file, before validation: its row number, the values it gives, and the
 * problems already found while reading it (a malformed boolean or vendors cell).
 */
export interface RawRow {
  readonly row: number
  readonly values: Readonly<Record<string, unknown>>
  readonly errors: ReadonlyArray<ImportIssue>
}

/**
 * The rows of a file, or the problems that stop it being read at all.
 */
export interface RawRows {
  readonly rows: ReadonlyArray<RawRow>
  readonly fileErrors: ReadonlyArray<ImportIssue>
}

/** The CSV columns, by their normalised header (lower case, without spaces, `_` and `-`). */
const columns: Readonly<Record<string, string>> = {
  sku: "sku",
  name: "name",
  kind: "kind",
  category: "category",
  manufacturer: "manufacturer",
  model: "model",
  createasset: "createAsset",
  capitalisable: "capitalisable",
  vendors: "vendors"
}

const requiredColumns = ["sku", "name", "kind"]

const booleanColumns = new Set(["createAsset", "capitalisable"])

const booleans: Readonly<Record<string, boolean>> = { true: true, yes: true, y: true, "1": true, false: false, no: false, n: false, "0": false }

const normaliseHeader = (header: string): string => header.toLowerCase().replace(/[\s_-]/g, "")

/**
 * Reads a `vendors` cell: `CODE:AMOUNT CURRENCY` entries separated by `;`, such as
 * `ACME:1200.00 EUR; DELL:1150 EUR`. The code is everything before the entry's last colon.
 */
export const parseVendorsCell = (cell: string): { readonly vendors: ReadonlyArray<Record<string, string>> } | { readonly error: string } => {
  const vendors: Array<Record<string, string>> = []
  for (const entry of cell.split(";").map((e) => e.trim()).filter((e) => e !== "")) {
    const colon = entry.lastIndexOf(":")
    const price = entry.slice(colon + 1).trim().split(/\s+/)
    const code = entry.slice(0, Math.max(colon, 0)).trim()
    if (colon < 0 || code === "" || price.length !== 2) {
      return { error: `"${entry}" is not CODE:AMOUNT CURRENCY (for example ACME:1200.00 EUR); separate vendors with ";"` }
    }
    vendors.push({ vendor: code, unitCost: price[0]!, currency: price[1]! })
  }
  return { vendors }
}

/**
 * Reads CSV content: the header (row 1) names the columns, each later record is a row. Blank
 * records are skipped; blank cells give no value.
 */
export const csvRows = (content: string): RawRows => {
  const parsed = parseCsv(content)
  if (!parsed.ok) return { rows: [], fileErrors: [{ field: "content", message: parsed.message }] }
  const [header, ...records] = parsed.records
  if (header === undefined) return { rows: [], fileErrors: [{ field: "content", message: "the file is empty: it needs a header row and rows of items" }] }
  const fileErrors: Array<ImportIssue> = []
  const keys = header.fields.map((name, i) => {
    const key = columns[normaliseHeader(name)]
    if (key === undefined) {
      fileErrors.push({
        field: name,
        message: `row 1, column ${i + 1}: unknown column "${name}"; the columns are ${Object.values(columns).join(", ")}`
      })
    }
    return key
  })
  for (const key of new Set(keys)) {
    if (key !== undefined && keys.indexOf(key) !== keys.lastIndexOf(key)) fileErrors.push({ field: key, message: `row 1: the column ${key} appears more than once` })
  }
  for (const key of requiredColumns) {
    if (!keys.includes(key)) fileErrors.push({ field: key, message: `row 1: the header has no ${key} column, which every item needs` })
  }
  if (fileErrors.length > 0) return { rows: [], fileErrors }
  const rows: Array<RawRow> = []
  for (const record of records) {
    if (record.fields.every((f) => f.trim() === "")) continue
    const values: Record<string, unknown> = {}
    const errors: Array<ImportIssue> = []
    if (record.fields.length > keys.length) {
      errors.push({ field: "(row)", message: `the row has ${record.fields.length} fields and the header ${keys.length} columns` })
    }
    keys.forEach((key, i) => {
      const cell = (record.fields[i] ?? "").trim()
      if (key === undefined || cell === "") return
      if (booleanColumns.has(key)) {
        const value = booleans[cell.toLowerCase()]
        if (value === undefined) errors.push({ field: key, message: `expected true or false (or yes/no, 1/0), got "${cell}"` })
        else values[key] = value
      } else if (key === "vendors") {
        const read = parseVendorsCell(cell)
        if ("error" in read) errors.push({ field: key, message: read.error })
        else values[key] = read.vendors
      } else {
        values[key] = cell
      }
    })
    rows.push({ row: record.row, values, errors })
  }
  return { rows, fileErrors: [] }
}

/**
 * Reads rows given as values (JSON content once parsed, or rows passed directly): a list of
 * items, or an object with an `items` list. Row numbers count the items from 1.
 */
export const valueRows = (value: unknown): RawRows => {
  const items = Array.isArray(value)
    ? value
    : typeof value === "object" && value !== null && Array.isArray((value as { items?: unknown }).items)
    ? (value as { items: Array<unknown> }).items
    : undefined
  if (items === undefined) {
    return { rows: [], fileErrors: [{ field: "content", message: "expected a list of items, or an object with an \"items\" list" }] }
  }
  return {
    rows: items.map((item, i) =>
      typeof item === "object" && item !== null && !Array.isArray(item)
        ? { row: i + 1, values: item as Record<string, unknown>, errors: [] }
        : { row: i + 1, values: {}, errors: [{ field: "(row)", message: `expected an object describing an item, got ${JSON.stringify(item)}` }] }
    ),
    fileErrors: []
  }
}

/**
 * Reads JSON content (see {@link valueRows}).
 */
export const jsonRows = (content: string): RawRows => {
  let value: unknown
  try {
    value = JSON.parse(content.startsWith("\uFEFF") ? content.slice(1) : content)
  } catch (error) {
    return { rows: [], fileErrors: [{ field: "content", message: `not valid JSON: ${error instanceof Error ? error.message : String(error)}` }] }
  }
  return valueRows(value)
}

/**
 * Converts a price in major units (`1200.50`, as price lists write it) to integer minor units
 * of the currency, exactly (no floating point). Gives a message when it cannot.
 */
export const toMinorUnits = (price: string | number, currency: string): { readonly amount: number } | { readonly error: string } => {
  const text = typeof price === "number" ? String(price) : price.trim()
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text)
  if (match === null) {
    return { error: `"${text}" is not a price; write it in ${currency} with a decimal point and no thousands separators, such as 1200.50` }
  }
  const digits = minorDigits(currency)
  const fraction = match[2] ?? ""
  if (/[1-9]/.test(fraction.slice(digits))) {
    return { error: `${text} has more decimals than ${currency} has (${digits})` }
  }
  const amount = Number(match[1]! + fraction.slice(0, digits).padEnd(digits, "0"))
  if (!Number.isSafeInteger(amount)) return { error: `${text} ${currency} is too large` }
  return { amount }
}
