/**
 * The Batch API (`POST /api/now/v1/batch`): many REST calls in one HTTP request, each with its
 * own status. Items run one after another on the instance, without a transaction; a batch that
 * runs out of time (30 s by default) lists the items it did not run as unserviced, and the client
 * sends those again in a follow-up batch.
 *
 * ```ts
 * import { Batch } from "@procura/connector-servicenow"
 *
 * const requests = [
 *   Batch.create("proc_po", { short_description: "Laptops", correlation_id: "PO-1" }),
 *   Batch.patch("proc_po", "0f3c...", { status: "ordered" }),
 *   Batch.get("core_company", "a1b2...", { fields: ["name"] })
 * ]
 * // const result = yield* client.batch(requests)
 * // result.items[0].status === 201, result.items[1].error?.reason === "NotFound", ...
 * ```
 *
 * @since 0.1.0
 */
import type { ConnectorError } from "./ConnectorError.js"
import * as Fields from "./Fields.js"
import * as Query from "./Query.js"

/**
 * A method an item may use.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * One call inside a batch. `url` is relative to the instance (`/api/now/v2/table/...`); `body` is
 * sent as JSON. Without an `id`, the item's position (from 1) is its id.
 *
 * @since 0.1.0
 * @category models
 */
export interface Request {
  readonly id?: string
  readonly method: Method
  readonly url: string
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * The outcome of one serviced item: its status, its decoded body, and for a failed item the
 * error it would have been as a single call.
 *
 * @since 0.1.0
 * @category models
 */
export interface ItemResult {
  readonly id: string
  readonly status: number
  readonly statusText: string
  readonly ok: boolean
  readonly body: unknown
  readonly headers: Readonly<Record<string, string>>
  /** Milliseconds the instance spent on the item. */
  readonly executionTime: number
  readonly error?: ConnectorError
}

/**
 * The outcome of a batch: the serviced items in request order, and the ids still unserviced
 * after the follow-up rounds.
 *
 * @since 0.1.0
 * @category models
 */
export interface Result {
  readonly items: ReadonlyArray<ItemResult>
  readonly unserviced: ReadonlyArray<string>
}

/**
 * Options of a batch call.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Send unserviced items again in follow-up batches; default true. */
  readonly retryUnserviced?: boolean
  /** Follow-up batches at most; default 3. */
  readonly maxRounds?: number
}

/**
 * The pinned Table API path of a table or record: `/api/now/v2/table/{table}[/{sys_id}]`.
 *
 * @since 0.1.0
 * @category paths
 */
export const tablePath = (table: string, sysId?: string): string =>
  `/api/now/v2/table/${encodeURIComponent(table)}${sysId === undefined ? "" : `/${encodeURIComponent(sysId)}`}`

const withParams = (path: string, params: Readonly<Record<string, string | undefined>>) => {
  const search = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, value)
  const text = search.toString()
  return text === "" ? path : `${path}?${text}`
}

const withId = (id: string | undefined) => (id === undefined ? {} : { id })

/**
 * Reads one record.
 *
 * @since 0.1.0
 * @category constructors
 */
export const get = (
  table: string,
  sysId: string,
  options: { readonly fields?: ReadonlyArray<string>; readonly id?: string } = {}
): Request => ({
  ...withId(options.id),
  method: "GET",
  url: withParams(tablePath(table, sysId), {
    sysparm_fields: options.fields?.join(","),
    sysparm_exclude_reference_link: "true"
  })
})

/**
 * Reads one page of a table (no paging: use the client's `list` for whole tables).
 *
 * @since 0.1.0
 * @category constructors
 */
export const list = <F extends string>(
  table: string,
  options: {
    readonly query?: Query.Query<F> | string
    readonly fields?: ReadonlyArray<string>
    readonly limit?: number
    readonly offset?: number
    readonly id?: string
  } = {}
): Request => ({
  ...withId(options.id),
  method: "GET",
  url: withParams(tablePath(table), {
    sysparm_query: Query.withTieBreaker(options.query),
    sysparm_fields: options.fields?.join(","),
    sysparm_limit: String(options.limit ?? 100),
    sysparm_offset: options.offset === undefined ? undefined : String(options.offset),
    sysparm_exclude_reference_link: "true"
  })
})

/**
 * Creates a record.
 *
 * @since 0.1.0
 * @category constructors
 */
export const create = (
  table: string,
  values: Readonly<Record<string, Fields.Writable>>,
  options: { readonly id?: string } = {}
): Request => ({
  ...withId(options.id),
  method: "POST",
  url: withParams(tablePath(table), { sysparm_exclude_reference_link: "true" }),
  body: Fields.encodeRecord(values)
})

/**
 * Updates some fields of a record.
 *
 * @since 0.1.0
 * @category constructors
 */
export const patch = (
  table: string,
  sysId: string,
  values: Readonly<Record<string, Fields.Writable>>,
  options: { readonly id?: string } = {}
): Request => ({
  ...withId(options.id),
  method: "PATCH",
  url: withParams(tablePath(table, sysId), { sysparm_exclude_reference_link: "true" }),
  body: Fields.encodeRecord(values)
})

/**
 * Deletes a record.
 *
 * @since 0.1.0
 * @category constructors
 */
export const del = (table: string, sysId: string, options: { readonly id?: string } = {}): Request => ({
  ...withId(options.id),
  method: "DELETE",
  url: tablePath(table, sysId)
})

/**
 * The `result` of a serviced item's body (the record or records a Table API item returned).
 *
 * @since 0.1.0
 * @category getters
 */
export const resultOf = (item: ItemResult): unknown =>
  typeof item.body === "object" && item.body !== null && "result" in item.body
    ? (item.body as { readonly result: unknown }).result
    : undefined
