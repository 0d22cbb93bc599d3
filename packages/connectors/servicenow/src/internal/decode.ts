/**
 * Decoders of the Batch and Import Set response bodies.
 *
 * @internal
 */
import { Base64 } from "effect/encoding"
import { Result } from "effect"
import type * as ImportSet from "../ImportSet.js"

export const isObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u)

const text = (o: Record<string, unknown>, key: string): string | undefined =>
  typeof o[key] === "string" ? o[key] : undefined

export const rowResult = (raw: unknown): ImportSet.RowResult | undefined => {
  if (!isObject(raw)) return undefined
  const status = text(raw, "status")
  const sysId = text(raw, "sys_id")
  if (status === undefined || sysId === undefined) return undefined
  const optional = (key: string, name: keyof ImportSet.RowResult) => {
    const value = text(raw, key)
    return value === undefined ? {} : { [name]: value }
  }
  return {
    status,
    sysId,
    ...optional("table", "table"),
    ...optional("transform_map", "transformMap"),
    ...optional("display_name", "displayName"),
    ...optional("display_value", "displayValue"),
    ...optional("record_link", "recordLink"),
    ...optional("status_message", "statusMessage"),
    ...optional("error_message", "errorMessage")
  }
}

const rowResults = (raw: unknown): ReadonlyArray<ImportSet.RowResult> | undefined => {
  if (!Array.isArray(raw)) return undefined
  const rows = raw.map(rowResult)
  return rows.every((row) => row !== undefined) ? (rows as ReadonlyArray<ImportSet.RowResult>) : undefined
}

export const importResponse = (raw: unknown): ImportSet.Response | undefined => {
  if (!isObject(raw)) return undefined
  const results = rowResults(raw["result"])
  if (results === undefined) return undefined
  return { importSet: text(raw, "import_set") ?? "", stagingTable: text(raw, "staging_table") ?? "", results }
}

export const multipleResponse = (raw: unknown, records: number): ImportSet.MultipleResponse | undefined => {
  if (!isObject(raw)) return undefined
  const importSetId = text(raw, "import_set_id")
  const multiImportSetId = text(raw, "multi_import_set_id")
  if (importSetId === undefined || multiImportSetId === undefined) return undefined
  if (raw["result"] === undefined) return { importSetId, multiImportSetId, records }
  const results = rowResults(raw["result"])
  return results === undefined ? undefined : { importSetId, multiImportSetId, records, results }
}

export interface ServicedItem {
  readonly id: string
  readonly status: number
  readonly statusText: string
  readonly headers: Readonly<Record<string, string>>
  readonly bodyText: string
  readonly executionTime: number
}

export const batchResponse = (
  raw: unknown
): { readonly serviced: ReadonlyArray<ServicedItem>; readonly unserviced: ReadonlyArray<string> } | undefined => {
  if (!isObject(raw)) return undefined
  const servicedRaw = raw["serviced_requests"] ?? []
  const unservicedRaw = raw["unserviced_requests"] ?? []
  if (!Array.isArray(servicedRaw) || !Array.isArray(unservicedRaw)) return undefined
  const serviced: Array<ServicedItem> = []
  for (const item of servicedRaw) {
    if (!isObject(item) || typeof item["id"] !== "string" || typeof item["status_code"] !== "number") return undefined
    const headers: Record<string, string> = {}
    if (Array.isArray(item["headers"])) {
      for (const header of item["headers"]) {
        if (isObject(header) && typeof header["name"] === "string" && typeof header["value"] === "string") {
          headers[header["name"].toLowerCase()] = header["value"]
        }
      }
    }
    const body = typeof item["body"] === "string" ? item["body"] : ""
    const decoded = body === "" ? Result.succeed("") : Base64.decodeString(body)
    if (Result.isFailure(decoded)) return undefined
    serviced.push({
      id: item["id"],
      status: item["status_code"],
      statusText: typeof item["status_text"] === "string" ? item["status_text"] : "",
      headers,
      bodyText: decoded.success,
      executionTime: typeof item["execution_time"] === "number" ? item["execution_time"] : 0
    })
  }
  return { serviced, unserviced: unservicedRaw.map(String) }
}
