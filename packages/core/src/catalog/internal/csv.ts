/**
 * A CSV reader (RFC 4180, comma-separated) for catalog imports. Private to the catalog module.
 *
 * - A leading byte-order mark is dropped; records end at CRLF, LF or CR.
 * - A field that starts with a double quote is quoted: it runs to the next lone quote and may hold
 *   commas, line breaks and doubled quotes (`""` is one `"`). Only a comma or the end of the record
 *   may follow its closing quote.
 * - A quote inside an unquoted field is kept as it is (`24" monitor`), as spreadsheets read it.
 * - Rows are counted as spreadsheets count them: one per record, so a quoted field spanning
 *   several lines is still one row. The first record is row 1.
 */

/**
 * One record: its row number and its fields.
 */
export interface CsvRecord {
  readonly row: number
  readonly fields: ReadonlyArray<string>
}

/**
 * The records of a file, or the first structural problem found (with its row).
 */
export type CsvResult =
  | { readonly ok: true; readonly records: ReadonlyArray<CsvRecord> }
  | { readonly ok: false; readonly row: number; readonly message: string }

/**
 * Reads CSV text into records.
 */
export const parseCsv = (input: string): CsvResult => {
  const text = input.startsWith("\uFEFF") ? input.slice(1) : input
  const records: Array<CsvRecord> = []
  let fields: Array<string> = []
  let field = ""
  let inQuotes = false
  let closedQuote = false
  let row = 1
  const endField = () => {
    fields.push(field)
    field = ""
    closedQuote = false
  }
  const endRecord = () => {
    endField()
    records.push({ row, fields })
    fields = []
    row++
  }
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (inQuotes) {
      if (c !== "\"") {
        field += c
        i++
      } else if (text[i + 1] === "\"") {
        field += "\""
        i += 2
      } else {
        inQuotes = false
        closedQuote = true
        i++
      }
      continue
    }
    if (c === ",") {
      endField()
      i++
    } else if (c === "\r" || c === "\n") {
      endRecord()
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1
    } else if (closedQuote) {
      return {
        ok: false,
        row,
        message: `row ${row}, field ${fields.length + 1}: ${JSON.stringify(c)} follows the closing quote of a quoted field; ` +
          `quote the whole field and double the quotes inside it ("")`
      }
    } else if (c === "\"" && field === "") {
      inQuotes = true
      i++
    } else {
      field += c
      i++
    }
  }
  if (inQuotes) {
    return { ok: false, row, message: `row ${row}, field ${fields.length + 1}: a quoted field is never closed` }
  }
  if (field !== "" || fields.length > 0 || closedQuote) endRecord()
  return { ok: true, records }
}
