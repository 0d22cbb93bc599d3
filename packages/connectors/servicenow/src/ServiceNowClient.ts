/**
 * The ServiceNow REST client: the Table API (get, list, create, patch, delete), the Batch API and
 * the Import Set API, on Effect.
 *
 * What it does so a sync does not have to:
 *
 * - **Pinned versions.** Table calls go to `/api/now/v2/table` (v1 answers 404 to an empty list),
 *   batches to `/api/now/v1/batch`, imports to `/api/now/v1/import`.
 * - **Paging that neither loses nor repeats rows.** `list` is a `Stream` that pages by keyset,
 *   not by offset: rows are ordered by `sys_id` (or by the query's one sort field with `sys_id`
 *   as the tie-breaker, e.g. `sys_updated_on` for incremental pulls) and each page asks for the
 *   rows after the last one delivered, so a row inserted or deleted during a long listing neither
 *   repeats nor hides a surviving row. An order the keyset cannot follow (two sort fields, a
 *   dot-walk) is refused with `Invalid`. Only an empty page ends a listing: the instance applies
 *   the limit before ACLs, so a page can be short while more rows follow. Pages of 1,000 by
 *   default; when the instance cancels a page ("maximum execution time exceeded") the page size
 *   is halved and the page asked again.
 * - **Typed values.** Values come back as strings; pass a zod `schema` built from {@link Fields}
 *   to get typed records, and write dates, money and booleans with {@link Fields.encodeValue}'s
 *   rules (dates in UTC, money as `CODE;amount`).
 * - **Authentication.** OAuth tokens are fetched with a form-encoded request, refreshed before
 *   they expire, and a 401 gets exactly one new token and one retry; basic and API key too.
 *   Secrets stay `Redacted` and are never logged.
 * - **Rate limits.** A 429 is waited out for `Retry-After`, else until `X-RateLimit-Reset`, else
 *   for an exponential backoff with jitter; the cooldown is shared by every call of the client,
 *   so concurrent calls stop together instead of hammering the instance. A client-side limiter
 *   (`limits`: requests per window, and concurrency) keeps a sync under the instance's rule in
 *   the first place.
 * - **Retries.** 502, 503, 504, timeouts and connection failures are retried with backoff within
 *   a budget, for calls that are safe to repeat: reads, patches, deletes, coalescing imports, and
 *   creates that carry a `correlation_id` (the client looks the record up before creating again).
 *
 * ```ts
 * import { Auth, ServiceNowClient } from "@procura/connector-servicenow"
 * import { Effect, Redacted, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const client = yield* ServiceNowClient.ServiceNowClient
 *   const open = yield* client.list("proc_po", { query: "status=ordered", fields: ["number", "total_cost"] }).pipe(
 *     Stream.runCollect
 *   )
 *   return open.length
 * }).pipe(Effect.provide(ServiceNowClient.layer({
 *   instanceUrl: "https://acme.service-now.com",
 *   auth: Auth.basic("procura.integration", Redacted.make("...")),
 *   limits: { requestsPerWindow: 5000, window: "1 hour", maxConcurrency: 4 }
 * })))
 * ```
 *
 * @since 0.1.0
 */
import { Config, Context, Duration, Effect, Layer, Option, Stream } from "effect"
import { Base64 } from "effect/encoding"
import { FetchHttpClient, HttpClient } from "effect/http"
import type { z } from "zod"
import * as Auth from "./Auth.js"
import type * as Batch from "./Batch.js"
import { tablePath } from "./Batch.js"
import { ConnectorError, invalid, type Issue } from "./ConnectorError.js"
import * as Fields from "./Fields.js"
import type * as ImportSet from "./ImportSet.js"
import * as Query from "./Query.js"
import * as Decode from "./internal/decode.js"
import { HttpTransport as Transport } from "@procura/connector-kit"
import { serviceNow } from "./internal/transport.js"

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/**
 * How hard the client tries before giving up.
 *
 * @since 0.1.0
 * @category options
 */
export interface RetryOptions {
  /** Retries of 502/503/504, timeouts and connection failures per call; default 4. */
  readonly maxRetries?: number
  /** Time a call may spend on those retries; default 2 minutes. */
  readonly budget?: Duration.Input
  /** First backoff delay; default 250 ms, doubling, with jitter. */
  readonly baseDelay?: Duration.Input
  /** Longest backoff delay; default 30 seconds. */
  readonly maxDelay?: Duration.Input
  /**
   * Time a call may spend waiting out 429s; default 1 hour (rate-limit windows are hourly).
   * A wait longer than what remains fails with `RateLimited` and `retryAfterMillis`, for a
   * worker to reschedule.
   */
  readonly rateLimitBudget?: Duration.Input
  /** Longest backoff after a 429 without `Retry-After` or `X-RateLimit-Reset`; default 5 minutes. */
  readonly rateLimitMaxDelay?: Duration.Input
}

/**
 * The client-side limits that keep a sync under the instance's rate-limit rule.
 *
 * @since 0.1.0
 * @category options
 */
export interface LimitOptions {
  /** At most this many requests in any `window` (no limit when omitted). */
  readonly requestsPerWindow?: number
  /** Default 1 hour, as `sys_rate_limit_rules` count. */
  readonly window?: Duration.Input
  /** Extra spacing against clock skew and network jitter; default 1% of the window (10 ms to 30 s). */
  readonly margin?: Duration.Input
  /** Requests in flight at once; default 4. */
  readonly maxConcurrency?: number
}

/**
 * Options of the client.
 *
 * @since 0.1.0
 * @category options
 */
export interface ClientOptions {
  /** `https://<instance>.service-now.com` */
  readonly instanceUrl: string
  readonly auth: Auth.Auth
  /** Per attempt; default 90 seconds (the instance cancels Table API transactions after 60). */
  readonly timeout?: Duration.Input
  /** Rows per list page; default 1000, at most 10000. */
  readonly pageSize?: number
  /** The page size never shrinks below this; default 10. */
  readonly minPageSize?: number
  /** Rows per `insertMultiple` call in `importAll`; default 200. */
  readonly importBatchSize?: number
  readonly retry?: RetryOptions
  readonly limits?: LimitOptions
}

// ---------------------------------------------------------------------------------------------
// The service
// ---------------------------------------------------------------------------------------------

/**
 * A record as the Table API returns it: field name to string (or reference object).
 *
 * @since 0.1.0
 * @category models
 */
export type ServiceNowRecord = Readonly<Record<string, Fields.FieldValue>>

/**
 * Values to write: see {@link Fields.Writable}.
 *
 * @since 0.1.0
 * @category models
 */
export type Values = Readonly<Record<string, Fields.Writable>>

/**
 * How records are read.
 *
 * @since 0.1.0
 * @category options
 */
export interface ReadOptions<A> {
  /** `sysparm_fields`: only these fields (dot-walks allowed). Default all. */
  readonly fields?: ReadonlyArray<string>
  /**
   * `sysparm_display_value`: actual values (default), display values, or both. With `true`,
   * reference links are always kept (`{display_value, link}`): without them a reference would be
   * its display name alone, and a sys_id is never read from a display name.
   */
  readonly displayValue?: boolean | "all"
  /**
   * Keep the `link` of reference fields; default false (`sysparm_exclude_reference_link=true`),
   * except with `displayValue: true`, which keeps them.
   */
  readonly referenceLinks?: boolean
  /** Decodes each record; a record that does not fit fails with `Invalid`. */
  readonly schema?: z.ZodType<A, unknown>
}

/**
 * How a table is listed.
 *
 * @since 0.1.0
 * @category options
 */
export interface ListOptions<A, F extends string = string> extends ReadOptions<A> {
  readonly query?: Query.Query<F> | string
  /** Rows per page; default the client's `pageSize`. */
  readonly pageSize?: number
  /** Ask for `X-Total-Count` (a fallback when there is no `Link` header); default true. */
  readonly count?: boolean
  /**
   * Start after this position in the listing's order (its sort field's value and a sys_id; the
   * sys_id may be `""` for "from this value on"): how an incremental pull resumes from its
   * watermark. A position containing `^` is refused.
   */
  readonly after?: Query.KeysetPosition
}

/**
 * How a create or patch is sent.
 *
 * @since 0.1.0
 * @category options
 */
export interface WriteOptions<A> extends ReadOptions<A> {
  /** `sysparm_input_display_value`: values are display values (references by name). */
  readonly inputDisplayValue?: boolean
}

/**
 * Options of `importAll`.
 *
 * @since 0.1.0
 * @category options
 */
export interface ImportAllOptions {
  /** Rows per `insertMultiple` call; default the client's `importBatchSize` (200). */
  readonly batchSize?: number
  /** Calls in flight; default the client's `maxConcurrency`. */
  readonly concurrency?: number
}

/**
 * The client's operations.
 *
 * @since 0.1.0
 * @category models
 */
export interface ServiceNowClientService {
  /** One record by sys_id; `NotFound` when it does not exist or an ACL hides it. */
  readonly get: <A = ServiceNowRecord>(table: string, sysId: string, options?: ReadOptions<A>) => Effect.Effect<A, ConnectorError>
  /**
   * Every matching record, page by page by keyset (`sys_id>last`, or `field>last` with sys_id as
   * the tie-breaker): each record that exists for the whole listing arrives exactly once.
   */
  readonly list: <A = ServiceNowRecord, F extends string = string>(
    table: string,
    options?: ListOptions<A, F>
  ) => Stream.Stream<A, ConnectorError>
  /** Creates a record (201) and returns it as stored. */
  readonly create: <A = ServiceNowRecord>(table: string, values: Values, options?: WriteOptions<A>) => Effect.Effect<A, ConnectorError>
  /** Updates the given fields of a record and returns it. */
  readonly patch: <A = ServiceNowRecord>(
    table: string,
    sysId: string,
    values: Values,
    options?: WriteOptions<A>
  ) => Effect.Effect<A, ConnectorError>
  /** Deletes a record. */
  readonly delete: (table: string, sysId: string) => Effect.Effect<void, ConnectorError>
  /** Runs requests through the Batch API; per-item statuses, unserviced items sent again. */
  readonly batch: (requests: ReadonlyArray<Batch.Request>, options?: Batch.Options) => Effect.Effect<Batch.Result, ConnectorError>
  /** Imports one row into a staging table (synchronous transform). */
  readonly importRecord: (stagingTable: string, values: Values) => Effect.Effect<ImportSet.Response, ConnectorError>
  /** Imports rows with one `insertMultiple` call. */
  readonly importMultiple: (
    stagingTable: string,
    records: ReadonlyArray<Values>,
    options?: { readonly multiImportSetId?: string }
  ) => Effect.Effect<ImportSet.MultipleResponse, ConnectorError>
  /** Imports any number of rows in `insertMultiple` batches, with bounded concurrency. */
  readonly importAll: <E = never, R = never>(
    stagingTable: string,
    records: Iterable<Values> | Stream.Stream<Values, E, R>,
    options?: ImportAllOptions
  ) => Stream.Stream<ImportSet.MultipleResponse, ConnectorError | E, R>
  /**
   * Creates a `pm_project` and its nested `pm_project_task`s in one request
   * (`POST /api/now/ppm/insert_project_tasks`, role `it_project_manager`). It answers only a
   * status: look the records up by `external_id` afterwards. Not repeated on a timeout (it is
   * not idempotent): look for the project by its `external_id` before trying again.
   */
  readonly insertProjectTasks: (project: ProjectTree) => Effect.Effect<{ readonly status: string }, ConnectorError>
}

/**
 * A project task and its children as `insert_project_tasks` takes them: `values` are its other
 * fields (`state`, `order`, `start_date`, ...); `dependencies` name earlier tasks of the same
 * tree by `external_id`, its predecessors.
 *
 * @since 0.3.0
 * @category models
 */
export interface TaskTree {
  readonly short_description: string
  readonly external_id: string
  readonly values?: Values
  readonly child_tasks?: ReadonlyArray<TaskTree>
  readonly dependencies?: ReadonlyArray<{ readonly external_id: string }>
}

/**
 * A project and its task tree, as `insert_project_tasks` takes it.
 *
 * @since 0.3.0
 * @category models
 */
export interface ProjectTree {
  readonly short_description: string
  readonly external_id: string
  readonly values?: Values
  readonly child_tasks?: ReadonlyArray<TaskTree>
}

/**
 * The service tag of the client.
 *
 * @since 0.1.0
 * @category services
 */
export class ServiceNowClient extends Context.Service<ServiceNowClient, ServiceNowClientService>()(
  "@procura/connector-servicenow/ServiceNowClient"
) {}

// ---------------------------------------------------------------------------------------------
// Implementation
// ---------------------------------------------------------------------------------------------

const tablePattern = /^[A-Za-z0-9_]{1,80}$/
const sysIdPattern = /^[A-Za-z0-9._-]{1,32}$/

const millis = (input: Duration.Input | undefined, fallback: number): number =>
  input === undefined ? fallback : Duration.toMillis(input)

const resolve = (options: ClientOptions): Transport.ResolvedOptions | ConnectorError => {
  let instanceUrl: URL
  if (!URL.canParse(options.instanceUrl)) return invalid("ServiceNowClient.make", `instanceUrl "${options.instanceUrl}" is not a URL`)
  instanceUrl = new URL(options.instanceUrl)
  if (instanceUrl.protocol !== "https:" && instanceUrl.protocol !== "http:") {
    return invalid("ServiceNowClient.make", `instanceUrl must be an https URL, got ${instanceUrl.protocol}`)
  }
  instanceUrl = new URL(instanceUrl.origin)
  const window = millis(options.limits?.window, 3_600_000)
  const requests = options.limits?.requestsPerWindow
  if (requests !== undefined && (!Number.isInteger(requests) || requests < 1)) {
    return invalid("ServiceNowClient.make", `limits.requestsPerWindow must be a positive integer, got ${requests}`)
  }
  const maxConcurrency = options.limits?.maxConcurrency ?? 4
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    return invalid("ServiceNowClient.make", `limits.maxConcurrency must be a positive integer, got ${maxConcurrency}`)
  }
  return {
    instanceUrl,
    auth: options.auth,
    timeout: millis(options.timeout, 90_000),
    retry: {
      maxRetries: options.retry?.maxRetries ?? 4,
      budget: millis(options.retry?.budget, 120_000),
      baseDelay: millis(options.retry?.baseDelay, 250),
      maxDelay: millis(options.retry?.maxDelay, 30_000),
      rateLimitBudget: millis(options.retry?.rateLimitBudget, 3_600_000),
      rateLimitMaxDelay: millis(options.retry?.rateLimitMaxDelay, 300_000)
    },
    limits: {
      requests,
      window,
      margin: millis(options.limits?.margin, Math.min(30_000, Math.max(10, window * 0.01))),
      maxConcurrency
    }
  }
}

const isObject = Decode.isObject

const issuesOf = (error: z.ZodError): ReadonlyArray<Issue> =>
  error.issues.map((issue) => ({ path: issue.path.map((p) => (typeof p === "number" ? p : String(p))), message: issue.message }))

const readParams = <A>(options: ReadOptions<A> | undefined): Record<string, string | undefined> => ({
  sysparm_fields: options?.fields === undefined || options.fields.length === 0 ? undefined : options.fields.join(","),
  sysparm_display_value: options?.displayValue === undefined ? undefined : String(options.displayValue),
  // With display values, a reference without its link is only a display name: the link is kept,
  // so the sys_id is read from it and never from the name.
  sysparm_exclude_reference_link: options?.referenceLinks === true || options?.displayValue === true ? undefined : "true"
})

/**
 * Builds the client on an `HttpClient` (inject one in tests, or a platform's own).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClient = (
  http: HttpClient.HttpClient,
  options: ClientOptions
): Effect.Effect<ServiceNowClientService, ConnectorError> =>
  Effect.suspend(() => {
    const resolved = resolve(options)
    if (resolved instanceof ConnectorError) return Effect.fail(resolved)
    const transport = Transport.make(http, resolved, serviceNow)
    const pageSizeDefault = options.pageSize ?? 1000
    const minPageSize = Math.max(1, options.minPageSize ?? 10)
    const importBatchSize = options.importBatchSize ?? 200
    let batchCounter = 0

    const checkTable = (operation: string, table: string) =>
      tablePattern.test(table) ? Effect.void : Effect.fail(invalid(operation, `"${table}" is not a table name`))
    const checkSysId = (operation: string, sysId: string) =>
      sysIdPattern.test(sysId) ? Effect.void : Effect.fail(invalid(operation, `"${sysId}" is not a sys_id`))

    const decode = <A>(operation: string, raw: unknown, schema: z.ZodType<A, unknown> | undefined) => {
      if (!isObject(raw)) {
        return Effect.fail(invalid(operation, "the instance returned a record that is not an object"))
      }
      if (schema === undefined) return Effect.succeed(raw as A)
      const parsed = schema.safeParse(raw)
      if (parsed.success) return Effect.succeed(parsed.data)
      const sysId = typeof raw["sys_id"] === "string" ? raw["sys_id"] : undefined
      return Effect.fail(
        new ConnectorError({
          reason: "Invalid",
          retryable: false,
          operation,
          issues: issuesOf(parsed.error),
          message: `${operation}: record ${sysId ?? "(no sys_id)"} does not fit the schema: ${
            parsed.error.issues.map((i) => `${i.path.join(".") || "(record)"}: ${i.message}`).join("; ")
          }`
        })
      )
    }

    const resultOf = (operation: string, reply: Transport.Reply) =>
      isObject(reply.body) && "result" in reply.body
        ? Effect.succeed(reply.body["result"])
        : Effect.fail(invalid(operation, "the instance answered without a result"))

    const get = Effect.fn("ServiceNowClient.get")(function*<A = ServiceNowRecord>(
      table: string,
      sysId: string,
      options?: ReadOptions<A>
    ) {
      const operation = "Table.get"
      yield* checkTable(operation, table)
      yield* checkSysId(operation, sysId)
      const reply = yield* transport.send({
        operation,
        method: "GET",
        url: transport.url(tablePath(table, sysId), readParams(options)),
        idempotent: true
      })
      return yield* decode(operation, yield* resultOf(operation, reply), options?.schema)
    })

    /** The actual value of a field in a raw row: a string, or the `value` of `{value, display_value}`. */
    const keyValue = (raw: Record<string, unknown>, field: string): string | undefined => {
      const value = raw[field]
      if (typeof value === "string") return value
      if (isObject(value) && typeof value["value"] === "string") return value["value"]
      return undefined
    }

    /** Whether the instance says rows matched beyond the ones it hid (a whole page hidden by ACLs). */
    const moreMatched = (reply: Transport.Reply, skip: number, size: number): boolean => {
      const link = reply.headers["link"]
      if (link !== undefined && link.trim() !== "" && parseLinkHeader(link)["next"] !== undefined) return true
      const total = Number(reply.headers["x-total-count"])
      return reply.headers["x-total-count"] !== undefined && Number.isFinite(total) && total > skip + size
    }

    const list = <A = ServiceNowRecord, F extends string = string>(table: string, options?: ListOptions<A, F>) =>
      Stream.unwrap(Effect.gen(function*() {
        const operation = "Table.list"
        yield* checkTable(operation, table)
        const problems = options?.query === undefined ? [] : Query.issues(options.query)
        if (problems.length > 0) return yield* invalid(operation, `the query has problems: ${problems.join("; ")}`)
        const pageSize = options?.pageSize ?? pageSizeDefault
        if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 10_000) {
          return yield* invalid(operation, `pageSize must be an integer from 1 to 10000, got ${pageSize}`)
        }
        const plan = Query.keyset(options?.query)
        if (typeof plan === "string") return yield* invalid(operation, plan)
        const field = plan.field?.name
        const start = options?.after
        if (start !== undefined && (start.sysId.includes("^") || (start.value ?? "").includes("^"))) {
          return yield* invalid(operation, `a listing cannot start after a position containing "^"`)
        }
        if (start !== undefined && field === undefined && start.value !== undefined) {
          return yield* invalid(operation, `a start position with a value needs a query ordered by one field`)
        }
        if (field !== undefined && options?.displayValue === true) {
          return yield* invalid(
            operation,
            `ordering by ${field} with displayValue true: the keyset needs the stored value; use displayValue "all"`
          )
        }
        // The keyset needs sys_id and the sort field of every row; fields added for it are not delivered.
        const asked = options?.fields === undefined || options.fields.length === 0 ? undefined : options.fields
        const added = asked === undefined
          ? []
          : ["sys_id", ...(field === undefined ? [] : [field])].filter((f, i, all) => !asked.includes(f) && all.indexOf(f) === i)
        const params = {
          ...readParams(options),
          ...(asked === undefined ? {} : { sysparm_fields: [...asked, ...added].join(",") }),
          sysparm_no_count: options?.count === false ? "true" : undefined
        }
        const path = tablePath(table)
        interface Page {
          readonly after: Query.KeysetPosition | undefined
          /** Rows to skip past the position: only after a page the ACLs hid entirely. */
          readonly skip: number
          readonly size: number
        }
        const fetchPage = (page: Page) =>
          Effect.gen(function*() {
            let size = page.size
            while (true) {
              const sent = yield* Effect.result(transport.send({
                operation,
                method: "GET",
                url: transport.url(path, {
                  ...params,
                  sysparm_query: Query.keysetQuery(plan, page.after),
                  sysparm_limit: String(size),
                  sysparm_offset: page.skip === 0 ? undefined : String(page.skip)
                }),
                idempotent: true
              }))
              if (sent._tag === "Failure") {
                const error = sent.failure
                if (error.executionTimeExceeded === true && size > minPageSize) {
                  const smaller = Math.max(minPageSize, Math.floor(size / 2))
                  yield* Effect.logDebug("ServiceNow cancelled a page (maximum execution time); asking for fewer rows").pipe(
                    Effect.annotateLogs({ table, from: size, to: smaller })
                  )
                  size = smaller
                  continue
                }
                return yield* error
              }
              const reply = sent.success
              const result = yield* resultOf(operation, reply)
              if (!Array.isArray(result)) return yield* invalid(operation, "the instance answered a list without an array")
              const last: unknown = result[result.length - 1]
              if (last === undefined) {
                // Only an empty page ends a keyset listing; the limit applies before ACLs, so an
                // empty page the instance says has rows behind it was hidden whole: step over it.
                const next = moreMatched(reply, page.skip, size)
                  ? Option.some<Page>({ after: page.after, skip: page.skip + size, size })
                  : Option.none<Page>()
                return [[] as Array<A>, next] as const
              }
              if (!isObject(last)) return yield* invalid(operation, "the instance returned a record that is not an object")
              const sysId = keyValue(last, "sys_id")
              const value = field === undefined ? undefined : keyValue(last, field)
              if (sysId === undefined || sysId === "" || (field !== undefined && value === undefined)) {
                return yield* invalid(operation, `a row came back without the ${sysId === undefined ? "sys_id" : field} the keyset pages by`)
              }
              if (sysId.includes("^") || (value ?? "").includes("^")) {
                return yield* invalid(operation, `cannot page on from a key containing "^" (${field ?? "sys_id"} of ${sysId})`)
              }
              const records = yield* Effect.forEach(result, (raw) => {
                if (added.length === 0 || !isObject(raw)) return decode(operation, raw, options?.schema)
                const trimmed: Record<string, unknown> = { ...raw }
                for (const f of added) delete trimmed[f]
                return decode(operation, trimmed, options?.schema)
              })
              const after: Query.KeysetPosition = field === undefined ? { sysId } : { sysId, value: value! }
              return [records, Option.some<Page>({ after, skip: 0, size })] as const
            }
          })
        return Stream.paginate<Page, A, ConnectorError>({ after: start, skip: 0, size: pageSize }, fetchPage)
      })).pipe(Stream.withSpan("ServiceNowClient.list", { attributes: { table } }))

    const writeParams = <A>(options: WriteOptions<A> | undefined) => ({
      ...readParams(options),
      sysparm_input_display_value: options?.inputDisplayValue === true ? "true" : undefined
    })

    /** A create that failed ambiguously may have been applied: find it by correlation_id. */
    const findByCorrelation = (table: string, correlationId: string) =>
      Effect.gen(function*() {
        const reply = yield* transport.send({
          operation: "Table.create",
          method: "GET",
          url: transport.url(tablePath(table), {
            sysparm_query: Query.encode(Query.make().where("correlation_id", "=", correlationId).orderBy("sys_created_on")),
            sysparm_limit: "1",
            sysparm_fields: "sys_id"
          }),
          idempotent: true
        })
        const result = isObject(reply.body) ? reply.body["result"] : undefined
        const first = Array.isArray(result) ? result[0] : undefined
        return isObject(first) && typeof first["sys_id"] === "string" ? first["sys_id"] : undefined
      })

    const create = Effect.fn("ServiceNowClient.create")(function*<A = ServiceNowRecord>(
      table: string,
      values: Values,
      options?: WriteOptions<A>
    ) {
      const operation = "Table.create"
      yield* checkTable(operation, table)
      const body = Fields.encodeRecord(values)
      const correlationId = body["correlation_id"]
      const url = transport.url(tablePath(table), writeParams(options))
      let attempts = 0
      while (true) {
        const sent = yield* Effect.result(transport.send({ operation, method: "POST", url, body, idempotent: false }))
        if (sent._tag === "Success") return yield* decode(operation, yield* resultOf(operation, sent.success), options?.schema)
        const error = sent.failure
        const ambiguous = error.reason === "Timeout" || (error.reason === "Unavailable" && error.status !== 500)
        if (!ambiguous || correlationId === undefined || correlationId === "" || attempts >= resolved.retry.maxRetries) {
          return yield* error
        }
        attempts++
        const existing = yield* findByCorrelation(table, correlationId)
        if (existing !== undefined) return yield* get<A>(table, existing, options)
        yield* Effect.logDebug("ServiceNow create failed before it was applied; creating again").pipe(
          Effect.annotateLogs({ table, attempt: attempts })
        )
      }
    })

    const patch = Effect.fn("ServiceNowClient.patch")(function*<A = ServiceNowRecord>(
      table: string,
      sysId: string,
      values: Values,
      options?: WriteOptions<A>
    ) {
      const operation = "Table.patch"
      yield* checkTable(operation, table)
      yield* checkSysId(operation, sysId)
      const reply = yield* transport.send({
        operation,
        method: "PATCH",
        url: transport.url(tablePath(table, sysId), writeParams(options)),
        body: Fields.encodeRecord(values),
        idempotent: true
      })
      return yield* decode(operation, yield* resultOf(operation, reply), options?.schema)
    })

    const remove = Effect.fn("ServiceNowClient.delete")(function*(table: string, sysId: string) {
      const operation = "Table.delete"
      yield* checkTable(operation, table)
      yield* checkSysId(operation, sysId)
      yield* transport.send({ operation, method: "DELETE", url: transport.url(tablePath(table, sysId)), idempotent: true })
    })

    const batch = Effect.fn("ServiceNowClient.batch")(function*(
      requests: ReadonlyArray<Batch.Request>,
      batchOptions?: Batch.Options
    ) {
      const operation = "Batch.execute"
      const withIds = requests.map((request, i) => ({ ...request, id: request.id ?? String(i + 1) }))
      const ids = new Set(withIds.map((request) => request.id))
      if (ids.size !== withIds.length) return yield* invalid(operation, "request ids must be unique")
      const badUrl = withIds.find((request) => !request.url.startsWith("/api/"))
      if (badUrl !== undefined) return yield* invalid(operation, `item ${badUrl.id}: url must start with /api/, got ${badUrl.url}`)
      const items = new Map<string, Batch.ItemResult>()
      let pending = withIds
      let unserviced: ReadonlyArray<string> = []
      const maxRounds = batchOptions?.maxRounds ?? 3
      for (let round = 0; pending.length > 0; round++) {
        batchCounter++
        const body = {
          batch_request_id: `procura-${batchCounter}`,
          rest_requests: pending.map((request) => ({
            id: request.id,
            method: request.method,
            url: request.url,
            headers: [
              { name: "Accept", value: "application/json" },
              { name: "Content-Type", value: "application/json" },
              ...Object.entries(request.headers ?? {}).map(([name, value]) => ({ name, value }))
            ],
            ...(request.body === undefined ? {} : { body: Base64.encode(JSON.stringify(request.body)) }),
            exclude_response_headers: false
          }))
        }
        const reply = yield* transport.send({
          operation,
          method: "POST",
          url: transport.url("/api/now/v1/batch"),
          body,
          // Items that were applied would be applied again: only batches of repeatable items are retried.
          idempotent: pending.every((request) => request.method !== "POST")
        })
        const decoded = Decode.batchResponse(reply.body)
        if (decoded === undefined) return yield* invalid(operation, "the instance answered a batch with an unexpected body")
        for (const item of decoded.serviced) {
          const parsed = parseJson(item.bodyText)
          const ok = item.status >= 200 && item.status < 300
          const error = ok
            ? undefined
            : transport.replyError(`Batch.item ${item.id}`, { status: item.status, headers: item.headers, body: parsed })
          items.set(item.id, {
            id: item.id,
            status: item.status,
            statusText: item.statusText,
            ok,
            body: parsed,
            headers: item.headers,
            executionTime: item.executionTime,
            ...(error === undefined ? {} : { error })
          })
        }
        // Items the instance neither serviced nor listed count as unserviced.
        unserviced = pending.filter((request) => !items.has(request.id)).map((request) => request.id)
        if (unserviced.length === 0 || batchOptions?.retryUnserviced === false || round >= maxRounds) break
        yield* Effect.logDebug("ServiceNow batch left items unserviced; sending them again").pipe(
          Effect.annotateLogs({ unserviced: unserviced.length, round: round + 1 })
        )
        const left = new Set(unserviced)
        pending = pending.filter((request) => left.has(request.id))
      }
      return {
        items: withIds.flatMap((request) => {
          const item = items.get(request.id)
          return item === undefined ? [] : [item]
        }),
        unserviced
      } satisfies Batch.Result
    })

    const importPath = (staging: string) => `/api/now/v1/import/${encodeURIComponent(staging)}`

    const importRecord = Effect.fn("ServiceNowClient.importRecord")(function*(stagingTable: string, values: Values) {
      const operation = "ImportSet.insert"
      yield* checkTable(operation, stagingTable)
      const reply = yield* transport.send({
        operation,
        method: "POST",
        url: transport.url(importPath(stagingTable)),
        body: Fields.encodeRecord(values),
        idempotent: true
      })
      const decoded = Decode.importResponse(reply.body)
      if (decoded === undefined) return yield* invalid(operation, "the instance answered an import with an unexpected body")
      return decoded
    })

    const importMultiple = Effect.fn("ServiceNowClient.importMultiple")(function*(
      stagingTable: string,
      records: ReadonlyArray<Values>,
      options?: { readonly multiImportSetId?: string }
    ) {
      const operation = "ImportSet.insertMultiple"
      yield* checkTable(operation, stagingTable)
      if (records.length === 0) return yield* invalid(operation, "no records to import")
      const reply = yield* transport.send({
        operation,
        method: "POST",
        url: transport.url(`${importPath(stagingTable)}/insertMultiple`, { multi_import_set_id: options?.multiImportSetId }),
        body: { records: records.map(Fields.encodeRecord) },
        idempotent: true
      })
      const decoded = Decode.multipleResponse(reply.body, records.length)
      if (decoded === undefined) return yield* invalid(operation, "the instance answered insertMultiple with an unexpected body")
      return decoded
    })

    const importAll = <E = never, R = never>(
      stagingTable: string,
      records: Iterable<Values> | Stream.Stream<Values, E, R>,
      options?: ImportAllOptions
    ): Stream.Stream<ImportSet.MultipleResponse, ConnectorError | E, R> => {
      const size = options?.batchSize ?? importBatchSize
      const source: Stream.Stream<Values, E, R> = Stream.isStream(records)
        ? (records as Stream.Stream<Values, E, R>)
        : Stream.fromIterable(records as Iterable<Values>)
      return source.pipe(
        Stream.grouped(Math.max(1, size)),
        Stream.mapEffect((chunk) => importMultiple(stagingTable, chunk), {
          concurrency: options?.concurrency ?? resolved.limits.maxConcurrency
        })
      )
    }

    const encodeTree = (tree: ProjectTree | TaskTree): Record<string, unknown> => ({
      ...Fields.encodeRecord(tree.values ?? {}),
      short_description: tree.short_description,
      external_id: tree.external_id,
      ...(tree.child_tasks === undefined ? {} : { child_tasks: tree.child_tasks.map(encodeTree) }),
      ...("dependencies" in tree && tree.dependencies !== undefined ? { dependencies: tree.dependencies.map((d) => ({ external_id: d.external_id })) } : {})
    })

    const insertProjectTasks = Effect.fn("ServiceNowClient.insertProjectTasks")(function*(project: ProjectTree) {
      const operation = "Ppm.insertProjectTasks"
      const reply = yield* transport.send({
        operation,
        method: "POST",
        url: transport.url("/api/now/ppm/insert_project_tasks"),
        body: encodeTree(project),
        idempotent: false
      })
      const result = typeof reply.body === "object" && reply.body !== null ? (reply.body as { result?: { status?: unknown } }).result : undefined
      if (typeof result?.status !== "string") return yield* invalid(operation, "the instance answered insert_project_tasks with an unexpected body")
      return { status: result.status }
    })

    return Effect.succeed<ServiceNowClientService>({
      get,
      list,
      create,
      patch,
      delete: remove,
      batch,
      importRecord,
      importMultiple,
      importAll,
      insertProjectTasks
    })
  })

const parseJson = (text: string): unknown => {
  if (text.trim() === "") return undefined
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/**
 * Reads a `Link` header (`<url>;rel="next",<url>;rel="last"`) into relation -> URL.
 *
 * @since 0.1.0
 * @category paging
 */
export const parseLinkHeader = (header: string): Readonly<Record<string, string>> => {
  const links: Record<string, string> = {}
  for (const match of header.matchAll(/<([^>]*)>\s*((?:;\s*[^,;]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(match[2] ?? "")
    if (rel !== null) for (const name of rel[1]!.trim().split(/\s+/)) links[name] = match[1]!
  }
  return links
}

/**
 * Builds the client on the `HttpClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: ClientOptions): Effect.Effect<ServiceNowClientService, ConnectorError, HttpClient.HttpClient> =>
  Effect.flatMap(HttpClient.HttpClient, (http) => fromClient(http, options))

// fetch is looked up on every request, so test interceptors installed after start (msw) apply.
const lateFetch: typeof globalThis.fetch = (input, init) => globalThis.fetch(input, init)

const fetchClient = FetchHttpClient.layer.pipe(Layer.provide(Layer.succeed(FetchHttpClient.Fetch, lateFetch)))

/**
 * Provides the client, on `fetch`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ClientOptions): Layer.Layer<ServiceNowClient, ConnectorError> =>
  Layer.effect(ServiceNowClient, make(options)).pipe(Layer.provide(fetchClient))

/**
 * Reads the client's options from configuration (default prefix `SERVICENOW`):
 * `_INSTANCE_URL`, the authentication of {@link Auth.config} (secrets as `Config.Redacted`),
 * and optionally `_REQUESTS_PER_HOUR` and `_MAX_CONCURRENCY` for the client-side limits.
 *
 * @since 0.1.0
 * @category config
 */
export const config = (prefix = "SERVICENOW"): Config.Config<ClientOptions> =>
  Config.all({
    instanceUrl: Config.String(`${prefix}_INSTANCE_URL`),
    auth: Auth.config(prefix),
    requestsPerHour: Config.option(Config.Int(`${prefix}_REQUESTS_PER_HOUR`)),
    maxConcurrency: Config.option(Config.Int(`${prefix}_MAX_CONCURRENCY`))
  }).pipe(
    Config.map(({ auth, instanceUrl, maxConcurrency, requestsPerHour }): ClientOptions => ({
      instanceUrl,
      auth,
      limits: {
        ...(Option.isSome(requestsPerHour) ? { requestsPerWindow: requestsPerHour.value, window: "1 hour" } : {}),
        ...(Option.isSome(maxConcurrency) ? { maxConcurrency: maxConcurrency.value } : {})
      }
    }))
  )

/**
 * Provides the client with its options read from `Config`: by default {@link config}, so
 * `SERVICENOW_INSTANCE_URL`, `SERVICENOW_AUTH` and the secrets it needs as `Config.Redacted`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  options: Config.Config<ClientOptions> = config()
): Layer.Layer<ServiceNowClient, ConnectorError | Config.ConfigError> =>
  Layer.effect(ServiceNowClient, Effect.flatMap(options, make)).pipe(Layer.provide(fetchClient))
