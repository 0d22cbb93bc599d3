/**
 * The pure rules of a catalog import: the shape of an import row, its problems by field, the
 * approved vendors a row names, whether a row changes an item, and the report. No storage.
 *
 * @since 0.1.0
 */
import type * as Storage from "../Storage.js"
import { z } from "zod"
import { Currency } from "../Money.js"
import * as Text from "../Text.js"
import { csvRows, jsonRows, toMinorUnits, valueRows } from "./internal/importRows.js"
import { ApprovedVendor, type CatalogItem, ImportFormat, ImportIssue, ImportMode, type ImportReport, ImportRowStatus, ItemKind, maxImportRows, type Vendor } from "./CatalogModel.js"

/**
 * One item of an import, as a JSON item or a CSV row gives it. Prices are in major units
 * (`"1200.50"` EUR), as price lists write them, and become integer minor units.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CatalogImportRow = z.strictObject({
  sku: z.string({ error: (issue) => (issue.input === undefined ? "every item needs a sku" : "expected text") })
    .trim().min(1, "the sku must not be blank").max(Text.limits.code, `at most ${Text.limits.code} characters`)
    .refine(Text.isStorable, Text.unstorable),
  name: z.string({ error: (issue) => (issue.input === undefined ? "every item needs a name" : "expected text") })
    .trim().min(1, "the name must not be blank").max(Text.limits.name, `at most ${Text.limits.name} characters`)
    .refine(Text.isStorable, Text.unstorable),
  kind: z.enum(ItemKind.options, {
    error: (issue) => `${issue.input === undefined ? "every item needs a kind" : `${JSON.stringify(issue.input)} is not a kind`}: one of ${ItemKind.options.join(", ")}`
  }),
  category: Text.name.optional(),
  manufacturer: Text.name.optional(),
  model: Text.name.optional(),
  createAsset: z.boolean().optional(),
  capitalisable: z.boolean().optional(),
  vendors: z.array(z.strictObject({
    vendor: z.string({ error: "name the vendor by its code" }).trim().min(1, "name the vendor by its code")
      .max(Text.limits.code, `at most ${Text.limits.code} characters`).refine(Text.isStorable, Text.unstorable),
    unitCost: z.union([z.string().max(40, "at most 40 characters"), z.number()], { error: "give the unit cost, such as 1200.50" }),
    currency: z.string({ error: "give the currency, such as EUR" }).trim().pipe(Currency)
  })).max(100).optional()
})

/**
 * Input of {@link importCatalog}: the file's `content` and its `format`, or the `rows` as values.
 * `mode` defaults to `import`.
 *
 * @since 0.1.0
 * @category inputs
 */
export const ImportCatalogInput = z.object({
  format: ImportFormat.optional(),
  content: z.string().max(64 * 1024 * 1024, "an import file holds at most 64 MiB").refine(Text.isStorable, Text.unstorable).optional(),
  rows: z.array(z.unknown()).max(maxImportRows, `one import takes at most ${maxImportRows} rows`).optional(),
  mode: ImportMode.default("import")
}).transform((input, ctx) => {
  const { format, content, rows, mode } = input
  if (content !== undefined && rows !== undefined) {
    ctx.addIssue({ code: "custom", path: ["rows"], message: "give the file's content or rows, not both" })
  } else if (content !== undefined && format === undefined) {
    ctx.addIssue({ code: "custom", path: ["format"], message: "say which format the content is in: csv or json" })
  } else if (content !== undefined && format !== undefined) {
    return { mode, format, file: format === "csv" ? csvRows(content) : jsonRows(content) }
  } else if (rows !== undefined) {
    return { mode, format: "rows" as const, file: valueRows(rows) }
  } else {
    ctx.addIssue({ code: "custom", path: ["content"], message: "give the file's content (with its format) or rows" })
  }
  return z.NEVER
})

/**
 * What callers pass to {@link importCatalog}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type ImportCatalogInput = z.input<typeof ImportCatalogInput>

type RowIssue = z.infer<typeof ImportIssue>

const rowFields = Object.keys(CatalogImportRow.shape).join(", ")

/**
 * The problems of a row's shape, by field (unknown fields named with the fields there are).
 *
 * @since 0.1.0
 * @category getters
 */
export const importIssues = (error: z.ZodError): Array<RowIssue> =>
  error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ field: key, message: `unknown field "${key}"; the fields are ${rowFields}` }))
      : [{ field: issue.path.map(String).join(".") || "(row)", message: issue.message }]
  )

/**
 * `items` in chunks of at most `size`.
 *
 * @since 0.1.0
 * @category getters
 */
export const inChunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

/**
 * What an item looks like for deciding whether an import row changes it.
 *
 * @since 0.1.0
 * @category getters
 */
export const comparable = (item: Storage.New<CatalogItem>): string =>
  JSON.stringify([
    item.name,
    item.kind,
    item.category ?? null,
    item.manufacturer ?? null,
    item.model ?? null,
    item.createAsset,
    item.capitalisable,
    item.source,
    item.approvedVendors.map((v) => [v.vendorId, v.unitCost.amount, v.unitCost.currency])
  ])

/**
 * What an import does with a valid row.
 *
 * @since 0.1.0
 * @category models
 */
export type RowPlan =
  | { readonly status: "created"; readonly item: Storage.New<CatalogItem> }
  | { readonly status: "updated" | "unchanged"; readonly item: CatalogItem }

/**
 * A row being checked: what it gives (when its shape is valid), its problems, and what it will do.
 *
 * @since 0.1.0
 * @category models
 */
export interface CheckedRow {
  readonly row: number
  readonly sku: string | undefined
  readonly errors: Array<RowIssue>
  readonly value: z.output<typeof CatalogImportRow> | undefined
  plan?: RowPlan
}

/**
 * Resolves a row's vendors (by code) to approved vendors, recording the problems in `errors`.
 *
 * @since 0.1.0
 * @category getters
 */
export const approvedVendorsOf = (
  given: z.output<typeof CatalogImportRow>["vendors"],
  errors: Array<RowIssue>,
  vendorsByCode: ReadonlyMap<string, Vendor>
): Array<z.infer<typeof ApprovedVendor>> | undefined => {
  if (given === undefined) return undefined
  const approved: Array<z.infer<typeof ApprovedVendor>> = []
  const seen = new Set<string>()
  given.forEach((entry, i) => {
    const vendor = vendorsByCode.get(entry.vendor)
    const price = toMinorUnits(entry.unitCost, entry.currency)
    if (vendor === undefined) {
      errors.push({ field: `vendors.${i}.vendor`, message: `no vendor has the code ${entry.vendor}; create it first (catalog.createVendor)` })
    } else if (seen.has(vendor.id)) {
      errors.push({ field: `vendors.${i}.vendor`, message: `the vendor ${entry.vendor} is listed more than once` })
    }
    if ("error" in price) errors.push({ field: `vendors.${i}.unitCost`, message: price.error })
    if (vendor !== undefined && "amount" in price) {
      seen.add(vendor.id)
      approved.push({ vendorId: vendor.id, unitCost: { amount: price.amount, currency: entry.currency } })
    }
  })
  return approved
}

/**
 * The report of checked rows.
 *
 * @since 0.1.0
 * @category getters
 */
export const reportOf = (
  mode: z.infer<typeof ImportMode>,
  imported: boolean,
  fileErrors: ReadonlyArray<RowIssue>,
  rows: ReadonlyArray<CheckedRow>,
  idOf: (row: CheckedRow) => string | undefined
): ImportReport => {
  const statusOf = (r: CheckedRow) => (r.errors.length > 0 || r.plan === undefined ? "error" : r.plan.status)
  const count = (status: z.infer<typeof ImportRowStatus>) => rows.filter((r) => statusOf(r) === status).length
  return {
    mode,
    imported,
    counts: { rows: rows.length, created: count("created"), updated: count("updated"), unchanged: count("unchanged"), errors: count("error") },
    fileErrors: [...fileErrors],
    rows: rows.map((r) => {
      const itemId = statusOf(r) === "error" ? undefined : idOf(r)
      return {
        row: r.row,
        ...(r.sku !== undefined ? { sku: r.sku } : {}),
        status: statusOf(r),
        ...(itemId !== undefined ? { itemId } : {}),
        errors: r.errors
      }
    })
  }
}

/**
 * The message of a refused import: how many rows failed, and the first problems.
 *
 * @since 0.1.0
 * @category getters
 */
export const rejection = (report: ImportReport): string => {
  const problems = [
    ...report.fileErrors.map((e) => `${e.field}: ${e.message}`),
    ...report.rows.flatMap((r) => r.errors.map((e) => `row ${r.row}${r.sku !== undefined ? ` (SKU ${r.sku})` : ""}, ${e.field}: ${e.message}`))
  ]
  const summary = report.fileErrors.length > 0
    ? "the file cannot be imported"
    : `${report.counts.errors} of ${report.counts.rows} rows ${report.counts.errors === 1 ? "has errors" : "have errors"}`
  return `Catalog import refused, nothing was imported: ${summary}. ${problems.slice(0, 5).join("; ")}` +
    (problems.length > 5 ? `; and ${problems.length - 5} more in the report` : "")
}
