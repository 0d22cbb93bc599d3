/**
 * A stateful ServiceNow instance in the test process, on msw: connector tests (and integrators'
 * own tests) run against it instead of a real instance.
 *
 * It answers the Table API (any table, v1 and v2), the Batch API, the Import Set API (single
 * rows and `insertMultiple`, with transform and coalesce), the PPM API's `insert_project_tasks`
 * (a project, its nested tasks and their dependencies in one call) and the OAuth token endpoint,
 * the way the platform documents them: every value a string, `sys_id` / `sys_created_on` /
 * `sys_updated_on` / `correlation_id` on every record, encoded queries with their operators and
 * `ORDERBY`, `Link` and `X-Total-Count` paging with the limit applied before ACLs, the error
 * envelope `{"error": {"message", "detail"}, "status": "failure"}` and its status codes, and
 * per-user rate-limit rules with `Retry-After` and `X-RateLimit-*` headers. Table definitions
 * add references, currency fields, journal fields (`work_notes`, `comments`: write-only, kept
 * in `sys_journal_field`) and table hierarchy (a reference to or a read of a base table such as
 * `planned_task` covers the tables extending it).
 *
 * `POST /api/now/ppm/insert_project_tasks` (also `/api/now/v1/ppm/...`) takes
 * `{short_description, external_id, ...project fields, child_tasks: [{short_description,
 * external_id, ...task fields, child_tasks: [...], dependencies: [{external_id}]}]}` and writes
 * one `pm_project` (its `top_task` itself), a `pm_project_task` per task (`parent` the enclosing
 * task or the project, `top_task` the project, `order` its position among its siblings from 1
 * unless given) and a `planned_task_rel_planned_task` per dependency (`parent` the task the
 * `external_id` names, the predecessor; `child` the dependent task; `type` `fs` and `lag` `0`
 * unless the dependency gives them). It answers 200 with only `{"result": {"status":
 * "success"}}`: callers find the records by `external_id`. A payload without a
 * `short_description`, with a duplicate `external_id`, a dependency naming no other task of the
 * payload, `child_tasks` / `dependencies` that are not arrays of objects, or another field that
 * is not a string, number, boolean or null, writes nothing and answers 400 with the error
 * envelope (`"Invalid request body"`, the detail naming the fault). It counts as one request
 * (rate limit, log with `api` `"ppm"`, faults).
 *
 * Faults are injected on demand (latency, 429 with or without headers, 5xx, timeouts, network
 * errors, "maximum execution time exceeded", token expiry, unserviced batch items, rows inserted
 * or deleted while a listing is under way) and every request is logged for assertions.
 *
 * ```ts
 * import { ServiceNowSimulator } from "@procura/testkit"
 *
 * const sim = ServiceNowSimulator.make({
 *   auth: { oauth: { clientId: "id", clientSecret: "secret", users: { integration: "pw" } } },
 *   importSets: { u_po_import: { target: "proc_po", coalesce: ["correlation_id"] } }
 * })
 * sim.listen() // in beforeAll; sim.close() in afterAll
 * sim.inject({ type: "rateLimit", times: 3, headers: "none" })
 * ```
 *
 * Unordered list results come back in a different order on every request (as a database may
 * return them): a client that pages without a deterministic `ORDERBY` loses and repeats records.
 *
 * @since 0.1.0
 */
import { Context, Effect, Layer } from "effect"
import { http, HttpResponse } from "msw"
import { setupServer, type SetupServer } from "msw/node"

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

/**
 * A plain field value as a client may send it; the simulator stores every value as a string,
 * as the platform does.
 *
 * @since 0.1.0
 * @category models
 */
export type InputValue = string | number | boolean | null

/**
 * A stored record: every field a string.
 *
 * @since 0.1.0
 * @category models
 */
export type StoredRecord = Readonly<Record<string, string>>

/**
 * How the simulator treats one table. Every table exists without a definition; a definition
 * adds reference fields (rendered as `{link, value}`), currency fields (a bare number written to
 * one is stored as `0.00`, as on a real instance: write `"USD;10.00"`), the field used as a
 * reference's display value, journal fields, the table it extends, and seed records.
 *
 * A table that `extends` another (`pm_project` extends `planned_task`, which extends `task`)
 * inherits its references, currency fields, journal fields and display field, and its records
 * carry `sys_class_name`. A base table then stands for its extensions, as on the platform: a
 * reference to `planned_task` resolves against `pm_project` and `pm_project_task` records
 * (display value, dot-walking; the link names the base table, as the platform's do), a Table
 * API read of `planned_task` lists or gets the records of every table extending it (each
 * rendered as its own table), a PATCH or DELETE through the base table changes the record in
 * its own table, and `INSTANCEOF` matches a record of an extending table. `records(table)` and
 * the {@link Instance} functions still address one table's own records.
 *
 * @since 0.1.0
 * @category options
 */
export interface TableDefinition {
  /** field -> referenced table (a base table matches records of the tables extending it) */
  readonly references?: Readonly<Record<string, string>>
  readonly currencyFields?: ReadonlyArray<string>
  /** Defaults to `number`, then `name`, then `sys_id`. */
  readonly displayField?: string
  /**
   * The table this one extends (e.g. `"planned_task"`).
   *
   * @since 0.3.0
   */
  readonly extends?: string
  /**
   * Journal fields (`work_notes`, `comments`): write-only, as through the platform's Table API.
   * A non-empty value written on insert or update (through any API, a seed or a rule) appends a
   * `sys_journal_field` record `{element_id, name, element, value}` (the record's `sys_id`, its
   * table, the field, the text) and counts as a change of the record; the field reads back
   * empty.
   *
   * @since 0.3.0
   */
  readonly journalFields?: ReadonlyArray<string>
  readonly records?: ReadonlyArray<Readonly<Record<string, InputValue>>>
}

/**
 * An import staging table and its transform map: each row is transformed (by default, copied)
 * into `target`, matching an existing target record on the `coalesce` fields (an upsert); a row
 * whose coalesce fields are empty is skipped. `transform` may throw to reject a row (status
 * `error`). `insertMultiple` is asynchronous by default, as on the platform: the response then
 * carries only the import set ids; `"synchronous"` adds a `result` per row.
 *
 * @since 0.1.0
 * @category options
 */
export interface ImportSetDefinition {
  readonly target: string
  readonly coalesce?: ReadonlyArray<string>
  readonly transform?: (row: StoredRecord) => Readonly<Record<string, InputValue>>
  readonly transformMap?: string
  readonly insertMultiple?: "synchronous" | "asynchronous"
}

/**
 * The OAuth application registry entry (`oauth_entity`) and its users.
 *
 * @since 0.1.0
 * @category options
 */
export interface OAuthOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** username -> password, for the password grant. */
  readonly users?: Readonly<Record<string, string>>
  /** The client_credentials grant is off by default on an instance. */
  readonly clientCredentials?: boolean
  /** Seconds; default 1800. */
  readonly accessTokenLifetime?: number
  /** Seconds; default 100 days. */
  readonly refreshTokenLifetime?: number
}

/**
 * Which credentials the instance accepts. Without any, requests are not authenticated.
 *
 * @since 0.1.0
 * @category options
 */
export interface AuthOptions {
  readonly basic?: ReadonlyArray<{ readonly username: string; readonly password: string }>
  readonly apiKeys?: ReadonlyArray<string>
  readonly oauth?: OAuthOptions
}

/**
 * A rate-limit rule (`sys_rate_limit_rules`): at most `limit` API requests per `window`
 * milliseconds (default one hour), counted in a fixed window that starts with the first request
 * after the previous one ended. Requests over the limit get 429 with `Retry-After` (whole seconds
 * unless `precise`) and `X-RateLimit-Reset`; every counted request gets `X-RateLimit-Limit`,
 * `X-RateLimit-Reset` and `X-RateLimit-Rule`. The OAuth endpoint is not counted; a batch counts once,
 * and so does a PPM `insert_project_tasks` call however many records it creates.
 *
 * @since 0.1.0
 * @category options
 */
export interface RateLimitRule {
  readonly limit: number
  readonly window?: number
  readonly precise?: boolean
}

/**
 * Options of {@link make}.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /** Default `https://acme.service-now.test`. */
  readonly instanceUrl?: string
  readonly tables?: Readonly<Record<string, TableDefinition>>
  readonly importSets?: Readonly<Record<string, ImportSetDefinition>>
  readonly auth?: AuthOptions
  readonly rateLimit?: RateLimitRule
  /** Milliseconds added to every response (a number, or a range drawn from the seeded generator). */
  readonly latency?: number | { readonly min: number; readonly max: number }
  /** List requests asking for more rows than this fail with "maximum execution time exceeded". */
  readonly maxRowsPerRequest?: number
  /** Simulated milliseconds each batch item takes; items past `batchTimeLimit` (default 30 s) go unserviced. */
  readonly batchItemCost?: number
  readonly batchTimeLimit?: number
  /** Records hidden from the caller (ACLs): filtered after the page limit is applied. */
  readonly acl?: (table: string, record: StoredRecord) => boolean
  /** Order of list results without ORDERBY: `shuffled` (default, changes per request) or `insertion`. */
  readonly unordered?: "shuffled" | "insertion"
  /** Send `Link` headers on list pages (default true); false simulates a proxy that strips them. */
  readonly linkHeader?: boolean
  /** `glide.invalid_query.returns_no_rows`: an unknown field in a query matches nothing instead of being ignored. */
  readonly invalidQueryReturnsNoRows?: boolean
  /**
   * Answer with display values whatever `sysparm_display_value` asks: `"true"` (with reference
   * links excluded, a reference is then its display name as a plain string) or `"all"`. Simulates
   * an instance or proxy a client cannot trust to return actual values.
   */
  readonly displayValues?: "true" | "all"
  /** The instance clock (epoch milliseconds); default `Date.now`. */
  readonly now?: () => number
  /** Seed of the generator for sys_ids, tokens, shuffles and latency ranges. */
  readonly seed?: number
  /**
   * Business rules: what the instance does after a record of a table is inserted or updated
   * (through any API, a seed or another rule), such as ITAM rolling receiving-slip lines up into
   * the purchase order line (`ServiceNowTables.itamSpo.rules`).
   */
  readonly rules?: ReadonlyArray<BusinessRule>
}

/**
 * A business rule of the simulated instance: runs after a record of `table` is inserted or
 * updated, with the record as stored and the instance to read and write.
 *
 * @since 0.2.0
 * @category options
 */
export interface BusinessRule {
  readonly table: string
  readonly when: "insert" | "update"
  readonly run: (record: StoredRecord, instance: Instance) => void
}

// ---------------------------------------------------------------------------------------------
// Faults and the request log
// ---------------------------------------------------------------------------------------------

/**
 * Which requests a fault applies to.
 *
 * @since 0.1.0
 * @category faults
 */
export interface FaultMatch {
  readonly method?: string
  /** A path prefix or a pattern, e.g. `/api/now/v2/table/incident`. */
  readonly path?: string | RegExp
  readonly api?: Api
}

/**
 * When a fault fires: among the requests it matches, skip the first `after`, then fire on every
 * `every`-th (default each) until it fired `times` times (default 1; `Infinity` for a storm).
 *
 * @since 0.1.0
 * @category faults
 */
export interface FaultTiming {
  readonly times?: number
  readonly after?: number
  readonly every?: number
  readonly match?: FaultMatch
}

/**
 * A fault to inject:
 *
 * - `rateLimit`: 429 with `Retry-After` and/or `X-RateLimit-Reset` (`headers`, default both), or none;
 * - `status`: any status with the error envelope (e.g. 502, 503, 500);
 * - `timeout`: no answer until the client gives up (or `hangMs`, then 504);
 * - with `apply: true`, a `status` or `timeout` fault lets the request take effect first and
 *   loses its response, as a gateway failing after the instance did the work;
 * - `latency`: extra milliseconds before the normal answer;
 * - `networkError`: the connection fails;
 * - `executionTimeExceeded`: the platform's "Transaction cancelled: maximum execution time exceeded";
 * - `expireTokens`: every access token issued so far expires as this request arrives;
 * - `unserviced`: a batch services only its first `serviced` items and lists the rest as unserviced
 *   (batch requests only);
 * - `mutate`: runs `change` on the instance's records just before the request is answered (the
 *   request is answered normally), e.g. rows inserted or deleted by someone else between two
 *   pages of a listing: `{ type: "mutate", after: 2, match: { method: "GET" }, change: (i) => i.seed(...) }`.
 *
 * Faults do not apply to the OAuth token endpoint unless `match.api` is `"oauth"`; a response
 * fault does not fire on a request refused with 401.
 *
 * @since 0.1.0
 * @category faults
 */
export type Fault = FaultTiming & (
  | {
    readonly type: "rateLimit"
    readonly headers?: "both" | "retryAfter" | "reset" | "none"
    /** Seconds; default 1. */
    readonly retryAfter?: number
  }
  | {
    readonly type: "status"
    readonly status: number
    readonly message?: string
    readonly detail?: string
    /** Apply the request first, then answer with the error (a lost response). */
    readonly apply?: boolean
  }
  | { readonly type: "timeout"; readonly hangMs?: number; readonly apply?: boolean }
  | { readonly type: "latency"; readonly ms: number }
  | { readonly type: "networkError" }
  | { readonly type: "executionTimeExceeded" }
  | { readonly type: "expireTokens" }
  | { readonly type: "unserviced"; readonly serviced: number }
  | { readonly type: "mutate"; readonly change: (instance: Instance) => void }
)

/**
 * What a `mutate` fault may do to the instance's records.
 *
 * @since 0.2.0
 * @category faults
 */
export interface Instance {
  /** The records of a table, in insertion order. */
  readonly records: (table: string) => ReadonlyArray<StoredRecord>
  /** Inserts records as if created through the API. */
  readonly seed: (table: string, records: ReadonlyArray<Readonly<Record<string, InputValue>>>) => ReadonlyArray<StoredRecord>
  /** Deletes a record as if deleted through the API. */
  readonly remove: (table: string, sysId: string) => void
  /** Updates fields of a record as if patched through the API (no-op when it does not exist). */
  readonly update: (table: string, sysId: string, values: Readonly<Record<string, InputValue>>) => void
}

/**
 * The API a request went to: `table`, `batch`, `import` (Import Set API), `ppm` (the PPM API,
 * `/api/now/ppm/...`, since 0.3.0), `oauth` (the token endpoint) or `other`.
 *
 * @since 0.1.0
 * @category models
 */
export type Api = "table" | "batch" | "import" | "ppm" | "oauth" | "other"

/**
 * One request as the simulator saw it, with the status it answered (0 for a network error or a
 * request the client abandoned). Header names are lower case.
 *
 * @since 0.1.0
 * @category models
 */
export interface LoggedRequest {
  readonly seq: number
  readonly at: number
  readonly method: string
  readonly url: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly api: Api
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  status: number
  fault?: Fault["type"]
  /** For a batch: the number of items and how many were serviced. */
  batch?: { readonly items: number; readonly serviced: number }
}

/**
 * Counters kept by the simulator.
 *
 * @since 0.1.0
 * @category models
 */
export interface Stats {
  readonly requests: number
  readonly byApi: Readonly<Record<Api, number>>
  readonly rateLimited: number
  readonly maxInFlight: number
}

// ---------------------------------------------------------------------------------------------
// The simulator
// ---------------------------------------------------------------------------------------------

/**
 * A running simulator: its msw server and handlers, its state, faults and request log.
 *
 * @since 0.1.0
 * @category models
 */
export interface Simulator {
  readonly instanceUrl: string
  /** The msw server with the simulator's handlers (not listening until {@link Simulator.listen}). */
  readonly server: SetupServer
  /** The handlers, to mount on an msw server of your own instead: `server.use(...sim.handlers)`. */
  readonly handlers: ReadonlyArray<ReturnType<typeof http.all>>
  /** Answers one request as the instance (what the msw handlers and `ServiceNowLoopback` call). */
  readonly handle: (request: Request) => Promise<Response>
  /** Starts intercepting `fetch` (unhandled requests fail). */
  readonly listen: () => void
  readonly close: () => void
  /** The records of a table, in insertion order. */
  readonly records: (table: string) => ReadonlyArray<StoredRecord>
  /** Inserts records as if created through the API; returns them with their system fields. */
  readonly seed: (table: string, records: ReadonlyArray<Readonly<Record<string, InputValue>>>) => ReadonlyArray<StoredRecord>
  /** Deletes a record as if deleted through the API (nothing when it does not exist). */
  readonly remove: (table: string, sysId: string) => void
  /** Updates fields of a record as a user would in the instance (rules run; `sys_updated_on` moves). */
  readonly update: (table: string, sysId: string, values: Readonly<Record<string, InputValue>>) => void
  /** Clears tables, tokens, faults, rate-limit counters and the log (keeps the options). */
  readonly reset: () => void
  readonly inject: (...faults: ReadonlyArray<Fault>) => void
  readonly clearFaults: () => void
  /** Expires every access token issued so far. */
  readonly expireTokens: () => void
  /** Revokes every refresh token issued so far. */
  readonly revokeRefreshTokens: () => void
  /** Counters: requests by API, 429s answered, and the most requests that were in flight at once. */
  readonly stats: () => Stats
  /** The requests seen so far, oldest first. */
  readonly requests: () => ReadonlyArray<LoggedRequest>
  readonly clearLog: () => void
  /** Resolves once asynchronous `insertMultiple` transforms have run. */
  readonly settled: () => Promise<void>
}

const systemFields = ["sys_id", "sys_created_on", "sys_updated_on", "sys_created_by", "sys_updated_by", "sys_mod_count"]

interface FaultState {
  readonly fault: Fault
  matched: number
  fired: number
}

interface Token {
  readonly value: string
  readonly user: string
  expiresAt: number
}

interface Reply {
  readonly status: number
  readonly body?: unknown
  readonly headers?: Record<string, string>
}

/** A small seeded generator (mulberry32), so ids, tokens and shuffles repeat from run to run. */
const generator = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0")

/**
 * Formats an instant as the platform stores it: `yyyy-MM-dd HH:mm:ss` in UTC.
 *
 * @since 0.1.0
 * @category formatting
 */
export const formatDateTime = (epochMillis: number): string => {
  const d = new Date(epochMillis)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${
    pad(d.getUTCMinutes())
  }:${pad(d.getUTCSeconds())}`
}

const envelope = (message: string, detail: string | null = null) => ({ error: { message, detail }, status: "failure" })

const failure = (status: number, message: string, detail: string | null = null, headers?: Record<string, string>): Reply =>
  headers === undefined ? { status, body: envelope(message, detail) } : { status, body: envelope(message, detail), headers }

const executionTimeExceeded = () =>
  failure(
    500,
    "Transaction cancelled: maximum execution time exceeded",
    "Transaction cancelled: maximum execution time exceeded Check logs for error trace or enable glide.rest.debug property to verify REST request processing"
  )

const toStored = (value: InputValue | undefined): string =>
  value === null || value === undefined ? "" : typeof value === "string" ? value : String(value)

const statusTexts: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  415: "Unsupported Media Type",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

// ---------------------------------------------------------------------------------------------
// Encoded queries
// ---------------------------------------------------------------------------------------------

/**
 * The encoded-query operators the simulator evaluates.
 *
 * @since 0.1.0
 * @category queries
 */
export const operators = [
  "ISNOTEMPTY",
  "ISEMPTY",
  "ANYTHING",
  "NOT IN",
  "NOTLIKE",
  "STARTSWITH",
  "ENDSWITH",
  "INSTANCEOF",
  "BETWEEN",
  "LIKE",
  "IN",
  "!=",
  "<=",
  ">=",
  "=",
  "<",
  ">"
] as const

/**
 * An encoded-query operator.
 *
 * @since 0.1.0
 * @category queries
 */
export type Operator = typeof operators[number]

/**
 * One condition of an encoded query.
 *
 * @since 0.1.0
 * @category queries
 */
export interface Condition {
  readonly field: string
  readonly operator: Operator
  readonly value: string
}

/**
 * A parsed encoded query.
 *
 * @since 0.1.0
 * @category queries
 */
export interface ParsedQuery {
  /** OR of groups (^NQ); each group an AND of clauses; each clause an OR of conditions. */
  readonly groups: ReadonlyArray<ReadonlyArray<ReadonlyArray<Condition>>>
  readonly order: ReadonlyArray<{ readonly field: string; readonly descending: boolean }>
}

const parseCondition = (term: string): Condition | undefined => {
  const match = /^([a-z0-9_.]+)(.*)$/s.exec(term)
  if (match === null) return undefined
  const [, field, rest] = match
  const operator = operators.find((op) => rest!.startsWith(op))
  if (operator === undefined) return undefined
  return { field: field!, operator, value: rest!.slice(operator.length) }
}

/**
 * Parses an encoded query: `^` (AND), `^OR` (OR with the adjacent condition), `^NQ` (a new
 * query, OR between groups), `^ORDERBY` / `^ORDERBYDESC`. There is no escape for a caret, as on
 * the platform: `a=x^^y` is the condition `a=x` and an empty and an invalid term, both ignored,
 * as the platform ignores invalid parts of a query.
 *
 * @since 0.1.0
 * @category queries
 */
export const parseQuery = (encoded: string): ParsedQuery => {
  const order: Array<{ field: string; descending: boolean }> = []
  const groups = encoded.split("^NQ").map((group) => {
    const clauses: Array<Array<Condition>> = []
    for (const term of group.split("^")) {
      if (term === "" || term === "EQ") continue
      if (term.startsWith("ORDERBYDESC")) {
        order.push({ field: term.slice("ORDERBYDESC".length), descending: true })
      } else if (term.startsWith("ORDERBY")) {
        order.push({ field: term.slice("ORDERBY".length), descending: false })
      } else if (term.startsWith("OR") && clauses.length > 0) {
        const condition = parseCondition(term.slice(2))
        if (condition !== undefined) clauses[clauses.length - 1]!.push(condition)
      } else {
        const condition = parseCondition(term)
        if (condition !== undefined) clauses.push([condition])
      }
    }
    return clauses
  })
  return { groups, order }
}

const numeric = (value: string): number | undefined => {
  if (value.trim() === "") return undefined
  const n = Number(value)
  return Number.isFinite(n) ? n : undefined
}

/**
 * Compares two stored values: numerically when both are numbers, otherwise as strings (the
 * `yyyy-MM-dd HH:mm:ss` dates order correctly as strings).
 *
 * @since 0.1.0
 * @category queries
 */
export const compareValues = (a: string, b: string): number => {
  const x = numeric(a)
  const y = numeric(b)
  if (x !== undefined && y !== undefined) return x - y
  return a < b ? -1 : a > b ? 1 : 0
}

// ---------------------------------------------------------------------------------------------
// The instance's parts
// ---------------------------------------------------------------------------------------------

/** The instance's records: tables, coalesce indexes, rendering and encoded-query evaluation. */
const makeStore = (options: Options, instanceUrl: string, now: () => number) => {
  const seed = options.seed ?? 7
  let random = generator(seed)
  const tableDefinitions = options.tables ?? {}
  const importSets = options.importSets ?? {}

  let tables = new Map<string, Map<string, Record<string, string>>>()
  /** Coalesce indexes of import targets: table -> [fields, key -> sys_id]. */
  const indexes = new Map<string, Array<{ readonly fields: ReadonlyArray<string>; readonly keys: Map<string, string> }>>()
  for (const definition of Object.values(importSets)) {
    if ((definition.coalesce ?? []).length === 0) continue
    const list = indexes.get(definition.target) ?? []
    list.push({ fields: definition.coalesce!, keys: new Map() })
    indexes.set(definition.target, list)
  }
  const keyOf = (record: StoredRecord, fields: ReadonlyArray<string>) => JSON.stringify(fields.map((f) => record[f] ?? ""))
  const unindex = (table: string, record: StoredRecord) => {
    for (const index of indexes.get(table) ?? []) {
      const key = keyOf(record, index.fields)
      if (index.keys.get(key) === record["sys_id"]) index.keys.delete(key)
    }
  }
  const reindex = (table: string, record: StoredRecord) => {
    for (const index of indexes.get(table) ?? []) {
      const key = keyOf(record, index.fields)
      if (!index.keys.has(key)) index.keys.set(key, record["sys_id"]!)
    }
  }
  const hex = (length: number) => {
    let out = ""
    for (let i = 0; i < length; i++) out += Math.floor(random() * 16).toString(16)
    return out
  }

  const tableOf = (name: string) => {
    let table = tables.get(name)
    if (table === undefined) {
      table = new Map()
      tables.set(name, table)
    }
    return table
  }

  // --- table hierarchy -------------------------------------------------------------------------

  /** The table and the tables it extends, nearest first (a cycle in the definitions is cut). */
  const ancestry = (table: string): ReadonlyArray<string> => {
    const chain = [table]
    for (let next = tableDefinitions[table]?.extends; next !== undefined && !chain.includes(next); next = tableDefinitions[next]?.extends) {
      chain.push(next)
    }
    return chain
  }
  /** The table and every table extending it, directly or not (the definitions never change: memoized). */
  const families = new Map<string, ReadonlyArray<string>>()
  const familyOf = (table: string): ReadonlyArray<string> => {
    let family = families.get(table)
    if (family === undefined) {
      family = [table, ...Object.keys(tableDefinitions).filter((name) => name !== table && ancestry(name).includes(table))]
      families.set(table, family)
    }
    return family
  }
  interface EffectiveDefinition {
    readonly references: Readonly<Record<string, string>>
    readonly currencyFields: ReadonlyArray<string>
    readonly journalFields: ReadonlyArray<string>
    readonly displayField: string | undefined
    readonly extended: boolean
  }
  /** A table's definition with what it inherits: the nearest declaration wins (memoized). */
  const definitions = new Map<string, EffectiveDefinition>()
  const definitionOf = (table: string): EffectiveDefinition => {
    let definition = definitions.get(table)
    if (definition === undefined) {
      const chain = ancestry(table).map((name) => tableDefinitions[name] ?? {})
      definition = {
        references: Object.assign({}, ...chain.toReversed().map((d) => d.references ?? {})) as Readonly<Record<string, string>>,
        currencyFields: chain.flatMap((d) => d.currencyFields ?? []),
        journalFields: chain.flatMap((d) => d.journalFields ?? []),
        displayField: chain.find((d) => d.displayField !== undefined)?.displayField,
        extended: chain.length > 1
      }
      definitions.set(table, definition)
    }
    return definition
  }
  /** The table each stored record belongs to, and the order records were inserted in (across tables). */
  const classes = new WeakMap<StoredRecord, string>()
  const insertionOrder = new WeakMap<StoredRecord, number>()
  let inserted = 0
  const classOf = (record: StoredRecord, fallback: string) => classes.get(record) ?? fallback
  /** A record of the table or of a table extending it, with the table it belongs to. */
  const find = (table: string, sysId: string): { readonly table: string; readonly record: Record<string, string> } | undefined => {
    for (const name of familyOf(table)) {
      const record = tables.get(name)?.get(sysId)
      if (record !== undefined) return { table: name, record }
    }
    return undefined
  }

  const displayFieldOf = (table: string, record: StoredRecord): string => {
    const declared = definitionOf(table).displayField
    if (declared !== undefined) return declared
    if (record["number"] !== undefined && record["number"] !== "") return "number"
    if (record["name"] !== undefined && record["name"] !== "") return "name"
    return "sys_id"
  }

  interface JournalEntry {
    readonly element: string
    readonly value: string
  }

  /** Writes values into a record; returns the journal entries to append (journal fields stay empty). */
  const writeValues = (table: string, target: Record<string, string>, values: Readonly<Record<string, InputValue>>) => {
    const { currencyFields: currencies, journalFields: journal } = definitionOf(table)
    const entries: Array<JournalEntry> = []
    for (const [field, value] of Object.entries(values)) {
      if (systemFields.includes(field)) continue
      let stored = toStored(value)
      if (journal.includes(field)) {
        if (stored !== "") entries.push({ element: field, value: stored })
        target[field] = ""
        continue
      }
      // A currency field takes "CODE;amount"; anything else is silently stored as 0.00.
      if (currencies.includes(field) && stored !== "" && !/^[A-Z]{3};-?\d+(\.\d+)?$/.test(stored)) stored = "0.00"
      target[field] = stored
    }
    return entries
  }

  const appendJournal = (table: string, record: StoredRecord, entries: ReadonlyArray<JournalEntry>, user: string) => {
    for (const entry of entries) {
      insert("sys_journal_field", { element_id: record["sys_id"]!, name: table, element: entry.element, value: entry.value }, user)
    }
  }

  const rules = options.rules ?? []
  /** The instance as business rules see it (records, inserts, updates and deletes that run rules too). */
  const ruleInstance: Instance = {
    records: (table) => [...(tables.get(table)?.values() ?? [])].map((record) => ({ ...record })),
    seed: (table, records) => records.map((record) => ({ ...insert(table, record) })),
    remove: (table, sysId) => remove(table, sysId),
    update: (table, sysId, values) => {
      const record = tables.get(table)?.get(sysId)
      if (record !== undefined) update(table, record, values)
    }
  }
  const runRules = (table: string, when: BusinessRule["when"], record: StoredRecord) => {
    for (const rule of rules) {
      if (rule.table === table && rule.when === when) rule.run({ ...record }, ruleInstance)
    }
  }

  /** Inserts a record (`sysId` drawn beforehand when a value must name the record itself). */
  const insert = (table: string, values: Readonly<Record<string, InputValue>>, user = "admin", sysId = hex(32)): StoredRecord => {
    const at = formatDateTime(now())
    const definition = definitionOf(table)
    const record: Record<string, string> = {
      sys_id: sysId,
      sys_created_on: at,
      sys_updated_on: at,
      sys_created_by: user,
      sys_updated_by: user,
      sys_mod_count: "0",
      correlation_id: ""
    }
    if (definition.extended) record["sys_class_name"] = table
    for (const field of definition.journalFields) record[field] = ""
    const entries = writeValues(table, record, values)
    tableOf(table).set(record["sys_id"]!, record)
    classes.set(record, table)
    insertionOrder.set(record, ++inserted)
    reindex(table, record)
    appendJournal(table, record, entries, user)
    runRules(table, "insert", record)
    return record
  }

  const update = (table: string, record: Record<string, string>, values: Readonly<Record<string, InputValue>>, user = "admin") => {
    const before = JSON.stringify(record)
    unindex(table, record)
    const entries = writeValues(table, record, values)
    reindex(table, record)
    if (JSON.stringify(record) === before && entries.length === 0) return false
    appendJournal(table, record, entries, user)
    record["sys_updated_on"] = formatDateTime(now())
    record["sys_updated_by"] = user
    record["sys_mod_count"] = String(Number(record["sys_mod_count"] ?? "0") + 1)
    runRules(table, "update", record)
    return true
  }

  const seedTables = () => {
    for (const [name, definition] of Object.entries(tableDefinitions)) {
      tableOf(name)
      for (const record of definition.records ?? []) insert(name, record)
    }
  }

  // --- rendering -------------------------------------------------------------------------------

  interface Display {
    readonly mode: "false" | "true" | "all"
    readonly excludeLinks: boolean
    readonly fields: ReadonlyArray<string> | undefined
    readonly version: string
  }

  const displayOf = (query: URLSearchParams, version: string): Display => {
    const mode = options.displayValues ?? query.get("sysparm_display_value")
    const fields = query.get("sysparm_fields")
    return {
      mode: mode === "true" || mode === "all" ? mode : "false",
      excludeLinks: query.get("sysparm_exclude_reference_link") === "true",
      fields: fields === null || fields.trim() === ""
        ? undefined
        : fields.split(",").map((f) => f.trim()).filter((f) => f !== ""),
      version
    }
  }

  const lookup = (table: string, record: StoredRecord, path: string): string | undefined => {
    const [head, ...rest] = path.split(".")
    const value = record[head!]
    if (rest.length === 0) return value
    const target = definitionOf(classOf(record, table)).references[head!]
    if (target === undefined || value === undefined || value === "") return undefined
    const referenced = find(target, value)
    return referenced === undefined ? undefined : lookup(referenced.table, referenced.record, rest.join("."))
  }

  const render = (table: string, record: StoredRecord, display: Display): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    const references = definitionOf(table).references
    const fields = display.fields ?? Object.keys(record)
    for (const field of fields) {
      const value = field.includes(".") ? lookup(table, record, field) : record[field]
      if (value === undefined) continue // invalid names are ignored
      const referenceTable = field.includes(".") ? undefined : references[field]
      if (referenceTable === undefined) {
        out[field] = display.mode === "all" ? { display_value: value, value } : value
        continue
      }
      if (value === "") {
        out[field] = display.mode === "all" ? { display_value: "", value: "" } : ""
        continue
      }
      const referenced = find(referenceTable, value)
      const displayValue = referenced === undefined ? "" : referenced.record[displayFieldOf(referenced.table, referenced.record)] ?? ""
      const link = `${instanceUrl}/api/now/${display.version === "v1" ? "v1/" : ""}table/${referenceTable}/${value}`
      if (display.excludeLinks) {
        out[field] = display.mode === "true"
          ? displayValue
          : display.mode === "all"
          ? { display_value: displayValue, value }
          : value
      } else {
        out[field] = display.mode === "true"
          ? { display_value: displayValue, link }
          : display.mode === "all"
          ? { display_value: displayValue, value, link }
          : { link, value }
      }
    }
    return out
  }

  // --- query evaluation ------------------------------------------------------------------------

  const knownFields = (table: string): Set<string> => {
    const known = new Set<string>([...systemFields, "correlation_id"])
    for (const name of familyOf(table)) {
      for (const field of Object.keys(definitionOf(name).references)) known.add(field)
      for (const record of tables.get(name)?.values() ?? []) for (const field of Object.keys(record)) known.add(field)
    }
    return known
  }

  const evaluate = (table: string, record: StoredRecord, condition: Condition): boolean => {
    const actual = lookup(table, record, condition.field) ?? ""
    const expected = condition.value
    const lower = actual.toLowerCase()
    switch (condition.operator) {
      case "=":
        return actual === expected
      case "!=":
        return actual !== expected
      case "<":
        return actual !== "" && compareValues(actual, expected) < 0
      case "<=":
        return actual !== "" && compareValues(actual, expected) <= 0
      case ">":
        return actual !== "" && compareValues(actual, expected) > 0
      case ">=":
        return actual !== "" && compareValues(actual, expected) >= 0
      case "LIKE":
        return lower.includes(expected.toLowerCase())
      case "NOTLIKE":
        return !lower.includes(expected.toLowerCase())
      case "STARTSWITH":
        return lower.startsWith(expected.toLowerCase())
      case "ENDSWITH":
        return lower.endsWith(expected.toLowerCase())
      case "IN":
        return expected.split(",").includes(actual)
      case "NOT IN":
        return !expected.split(",").includes(actual)
      case "ISEMPTY":
        return actual === ""
      case "ISNOTEMPTY":
        return actual !== ""
      case "ANYTHING":
        return true
      case "BETWEEN": {
        const [low = "", high = ""] = expected.split("@")
        return actual !== "" && compareValues(actual, low) >= 0 && compareValues(actual, high) <= 0
      }
      case "INSTANCEOF":
        return ancestry(record["sys_class_name"] ?? classOf(record, table)).includes(expected)
    }
  }

  /** The records of a table and of the tables extending it, filtered and ordered by an encoded query. */
  const select = (table: string, encoded: string | null): Array<StoredRecord> => {
    const family = familyOf(table)
    const all = family.flatMap((name) => [...(tables.get(name)?.values() ?? [])])
    if (family.length > 1) all.sort((a, b) => (insertionOrder.get(a) ?? 0) - (insertionOrder.get(b) ?? 0))
    if (options.unordered !== "insertion") {
      for (let i = all.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1))
        ;[all[i], all[j]] = [all[j]!, all[i]!]
      }
    }
    if (encoded === null || encoded === "") return all
    const query = parseQuery(encoded)
    const known = knownFields(table)
    const valid = (condition: Condition) => known.has(condition.field.split(".")[0]!) || condition.field.includes(".")
    const invalidMatchesNothing = options.invalidQueryReturnsNoRows === true
    const groups = query.groups.map((clauses) =>
      clauses.map((clause) => {
        const usable = clause.filter(valid)
        return { conditions: usable, invalid: usable.length < clause.length }
      })
    )
    const matches = (record: StoredRecord) =>
      groups.some((clauses) =>
        clauses.every(({ conditions, invalid }) => {
          if (invalid && invalidMatchesNothing) return false
          if (conditions.length === 0) return true
          return conditions.some((condition) => evaluate(table, record, condition))
        })
      )
    const selected = groups.length === 0 ? all : all.filter(matches)
    const order = query.order.filter((term) => known.has(term.field) || term.field.includes("."))
    if (order.length > 0) {
      selected.sort((a, b) => {
        for (const term of order) {
          const c = compareValues(lookup(table, a, term.field) ?? "", lookup(table, b, term.field) ?? "")
          if (c !== 0) return term.descending ? -c : c
        }
        return 0
      })
    }
    return selected
  }

  const remove = (table: string, sysId: string) => {
    const record = tables.get(table)?.get(sysId)
    if (record === undefined) return
    tables.get(table)!.delete(sysId)
    unindex(table, record)
  }

  const reset = () => {
    random = generator(seed)
    tables = new Map()
    inserted = 0
    for (const list of indexes.values()) for (const index of list) index.keys.clear()
    seedTables()
  }
  seedTables()

  return {
    random: () => random(),
    hex,
    tables: () => tables,
    indexes,
    tableOf,
    displayFieldOf,
    classOf,
    find,
    insert,
    update,
    remove,
    lookup,
    render,
    displayOf,
    select,
    reset
  }
}

type Store = ReturnType<typeof makeStore>

/** The OAuth token endpoint, the tokens it issued, and how a request proves who it is. */
const makeTokens = (options: Options, store: Store, now: () => number) => {
  const { hex } = store
  let accessTokens = new Map<string, Token>()
  let refreshTokens = new Map<string, Token>()

  const authenticate = (request: Request): string | undefined => {
    const auth = options.auth
    if (auth === undefined) return "admin"
    const authorization = request.headers.get("authorization") ?? ""
    if (authorization.startsWith("Bearer ")) {
      const token = accessTokens.get(authorization.slice(7))
      return token !== undefined && token.expiresAt > now() ? token.user : undefined
    }
    if (authorization.startsWith("Basic ")) {
      const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8")
      const split = decoded.indexOf(":")
      const username = decoded.slice(0, split)
      const password = decoded.slice(split + 1)
      return auth.basic?.some((user) => user.username === username && user.password === password) ? username : undefined
    }
    const apiKey = request.headers.get("x-sn-apikey")
    if (apiKey !== null && auth.apiKeys?.includes(apiKey)) return "api_key_user"
    return undefined
  }

  const issue = (user: string, lifetime: number): Token => {
    const token = { value: hex(48), user, expiresAt: now() + lifetime * 1000 }
    accessTokens.set(token.value, token)
    return token
  }

  const oauthError = (status: number) => ({ status, body: { error_description: "access_denied", error: "server_error" } })

  const tokenEndpoint = async (request: Request): Promise<Reply> => {
    const oauth = options.auth?.oauth
    if (request.method !== "POST") return failure(405, "Method not Supported")
    if (oauth === undefined) return oauthError(401)
    const contentType = request.headers.get("content-type") ?? ""
    if (!contentType.includes("application/x-www-form-urlencoded")) return oauthError(400)
    const form = new URLSearchParams(await request.text())
    if (form.get("client_id") !== oauth.clientId || form.get("client_secret") !== oauth.clientSecret) return oauthError(401)
    const lifetime = oauth.accessTokenLifetime ?? 1800
    const refreshLifetime = oauth.refreshTokenLifetime ?? 100 * 24 * 3600
    const grant = form.get("grant_type")
    const respond = (access: Token, refresh: Token | undefined): Reply => ({
      status: 200,
      body: {
        access_token: access.value,
        ...(refresh === undefined ? {} : { refresh_token: refresh.value }),
        scope: "useraccount",
        token_type: "Bearer",
        expires_in: Math.max(0, Math.round((access.expiresAt - now()) / 1000))
      }
    })
    if (grant === "password") {
      const username = form.get("username") ?? ""
      if (oauth.users?.[username] === undefined || oauth.users[username] !== form.get("password")) return oauthError(401)
      // Asking again while a token is valid returns the same token, its expiry extended.
      const current = [...accessTokens.values()].find((t) => t.user === username && t.expiresAt > now())
      const access = current ?? issue(username, lifetime)
      access.expiresAt = now() + lifetime * 1000
      const refresh = { value: hex(48), user: username, expiresAt: now() + refreshLifetime * 1000 }
      refreshTokens.set(refresh.value, refresh)
      return respond(access, refresh)
    }
    if (grant === "refresh_token") {
      const refresh = refreshTokens.get(form.get("refresh_token") ?? "")
      if (refresh === undefined || refresh.expiresAt <= now()) return oauthError(401)
      return respond(issue(refresh.user, lifetime), refresh)
    }
    if (grant === "client_credentials") {
      if (oauth.clientCredentials !== true) return { status: 400, body: { error_description: "access_denied", error: "unsupported_grant_type" } }
      return respond(issue("oauth_application_user", lifetime), undefined)
    }
    return { status: 400, body: { error_description: "access_denied", error: "unsupported_grant_type" } }
  }

  return {
    authenticate,
    tokenEndpoint,
    expire: () => {
      for (const token of accessTokens.values()) token.expiresAt = Math.min(token.expiresAt, now())
    },
    revokeRefreshTokens: () => {
      refreshTokens = new Map()
    },
    reset: () => {
      accessTokens = new Map()
      refreshTokens = new Map()
    }
  }
}

/** The rate-limit rule: a fixed window that starts with the first request after the last one ended. */
const makeRateLimit = (options: Options, now: () => number) => {
  let rateWindow: { start: number; count: number } | undefined

  const rateLimitHeaders = (rule: RateLimitRule, resetAt: number): Record<string, string> => ({
    "X-RateLimit-Limit": String(rule.limit),
    "X-RateLimit-Reset": rule.precise === true ? String(resetAt / 1000) : String(Math.ceil(resetAt / 1000)),
    "X-RateLimit-Rule": "6a1f5a3c1b2e4d5f8a9b0c1d2e3f4a5b"
  })

  const countRequest = (): Reply | Record<string, string> => {
    const rule = options.rateLimit
    if (rule === undefined) return {}
    const window = rule.window ?? 3_600_000
    const at = now()
    if (rateWindow === undefined || at >= rateWindow.start + window) rateWindow = { start: at, count: 0 }
    const resetAt = rateWindow.start + window
    const headers = rateLimitHeaders(rule, resetAt)
    if (rateWindow.count >= rule.limit) {
      const seconds = (resetAt - at) / 1000
      return failure(
        429,
        "Rate limit exceeded",
        `Rate limit of ${rule.limit} requests per ${window >= 3_600_000 ? "hour" : `${window} ms`} for REST API exceeded`,
        { ...headers, "Retry-After": rule.precise === true ? String(seconds) : String(Math.max(1, Math.ceil(seconds))) }
      )
    }
    rateWindow.count++
    return headers
  }

  return {
    countRequest,
    reset: () => {
      rateWindow = undefined
    }
  }
}

/** The Table, Import Set and Batch APIs, on the store. */
const makeApis = (options: Options, instanceUrl: string, store: Store) => {
  const importSets = options.importSets ?? {}
  const { classOf, displayFieldOf, displayOf, find, hex, indexes, insert, remove, render, select, tableOf, update } = store
  let importSetCounter = 0
  let pending: Array<Promise<void>> = []

  // --- Table API -------------------------------------------------------------------------------

  const readJson = async (request: Request): Promise<{ ok: true; value: unknown } | { ok: false; reply: Reply }> => {
    const contentType = request.headers.get("content-type") ?? ""
    if (!contentType.includes("application/json")) {
      return { ok: false, reply: failure(415, "Unsupported Media Type", `Content-Type ${contentType || "(none)"} is not supported`) }
    }
    const text = await request.text()
    try {
      return { ok: true, value: text === "" ? {} : JSON.parse(text) }
    } catch {
      return { ok: false, reply: failure(400, "Exception while reading request", "The payload is not valid JSON.") }
    }
  }

  const isValues = (value: unknown): value is Record<string, InputValue> =>
    typeof value === "object" && value !== null && !Array.isArray(value)

  const notFound = () => failure(404, "No Record found", "Record doesn't exist or ACL restricts the record retrieval")

  const visible = (table: string, record: StoredRecord) => options.acl === undefined || options.acl(table, record)

  const tableApi = async (
    request: Request,
    url: URL,
    version: string,
    table: string,
    sysId: string | undefined,
    user: string
  ): Promise<Reply> => {
    const query = url.searchParams
    const display = displayOf(query, version)
    tableOf(table)
    const method = request.method
    if (sysId === undefined) {
      if (method === "GET") {
        const limit = Number(query.get("sysparm_limit") ?? "10000")
        const offset = Number(query.get("sysparm_offset") ?? "0")
        if (!Number.isInteger(offset) || offset < 0) return failure(400, "Negative offset is not supported")
        if (!Number.isInteger(limit) || limit < 1) return failure(400, "Invalid sysparm_limit", String(query.get("sysparm_limit")))
        if (options.maxRowsPerRequest !== undefined && limit > options.maxRowsPerRequest) return executionTimeExceeded()
        const selected = select(table, query.get("sysparm_query"))
        // The limit is applied before ACLs: a page may hold fewer rows than the limit.
        const page = selected.slice(offset, offset + limit).filter((record) => visible(classOf(record, table), record))
        const headers: Record<string, string> = {}
        if (query.get("sysparm_no_count") !== "true") headers["X-Total-Count"] = String(selected.length)
        const onePage = offset === 0 && selected.length <= limit
        if (query.get("sysparm_suppress_pagination_header") !== "true" && options.linkHeader !== false && !onePage) {
          const linkTo = (at: number) => {
            const next = new URL(url)
            next.searchParams.set("sysparm_offset", String(at))
            next.searchParams.set("sysparm_limit", String(limit))
            return next.toString()
          }
          const lastOffset = Math.max(0, Math.floor((selected.length - 1) / limit) * limit)
          const links = [`<${linkTo(0)}>;rel="first"`]
          if (offset > 0) links.push(`<${linkTo(Math.max(0, offset - limit))}>;rel="prev"`)
          if (offset + limit < selected.length) links.push(`<${linkTo(offset + limit)}>;rel="next"`)
          links.push(`<${linkTo(lastOffset)}>;rel="last"`)
          headers["Link"] = links.join(",")
        }
        if (page.length === 0 && version === "v1") return { ...failure(404, "No Record found", "Records matching query not found. Check query parameter or offset parameter"), headers }
        return { status: 200, body: { result: page.map((record) => render(classOf(record, table), record, display)) }, headers }
      }
      if (method === "POST") {
        const body = await readJson(request)
        if (!body.ok) return body.reply
        if (!isValues(body.value)) return failure(400, "Invalid request body", "Expected a JSON object")
        const record = insert(table, body.value, user)
        return { status: 201, body: { result: render(table, record, display) }, headers: { Location: `${instanceUrl}/api/now/table/${table}/${record["sys_id"]}` } }
      }
      return failure(405, "Method not Supported", `${method} is not supported on a table`)
    }
    // A record of the table, or (through a base table) of a table extending it.
    const found = find(table, sysId)
    if (found === undefined || !visible(found.table, found.record)) {
      if (method === "POST") return failure(405, "Method not Supported")
      return notFound()
    }
    const { record, table: own } = found
    switch (method) {
      case "GET":
        return { status: 200, body: { result: render(own, record, display) } }
      case "PUT":
      case "PATCH": {
        const body = await readJson(request)
        if (!body.ok) return body.reply
        if (!isValues(body.value)) return failure(400, "Invalid request body", "Expected a JSON object")
        update(own, record, body.value, user)
        return { status: 200, body: { result: render(own, record, display) } }
      }
      case "DELETE":
        remove(own, sysId)
        return { status: 204 }
      default:
        return failure(405, "Method not Supported", `${method} is not supported on a record`)
    }
  }

  // --- Import Set API --------------------------------------------------------------------------

  interface RowResult {
    transform_map: string
    table: string
    display_name: string
    display_value: string
    record_link: string
    status: string
    sys_id: string
    status_message?: string
    error_message?: string
  }

  const transformRow = (staging: string, definition: ImportSetDefinition, row: Readonly<Record<string, InputValue>>, importSetId: string, user: string): RowResult => {
    const stagingRow = insert(staging, { ...row, sys_import_set: importSetId, sys_import_state: "pending" }, user) as Record<string, string>
    const transformMap = definition.transformMap ?? `${staging} to ${definition.target}`
    const base = { transform_map: transformMap, table: definition.target, display_name: "", display_value: "", record_link: "" }
    let values: Readonly<Record<string, InputValue>>
    try {
      values = definition.transform === undefined ? row : definition.transform(stagingRow)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      stagingRow["sys_import_state"] = "error"
      stagingRow["sys_row_error"] = message
      return { ...base, status: "error", sys_id: stagingRow["sys_id"]!, error_message: message }
    }
    const coalesce = definition.coalesce ?? []
    const keys = coalesce.map((field) => toStored(values[field]))
    if (coalesce.length > 0 && keys.some((key) => key === "")) {
      stagingRow["sys_import_state"] = "skipped"
      return { ...base, status: "skipped", sys_id: stagingRow["sys_id"]!, status_message: "No coalesce value" }
    }
    const target = tableOf(definition.target)
    const index = indexes.get(definition.target)?.find((i) => i.fields === definition.coalesce)
    const existing = coalesce.length === 0
      ? undefined
      : index !== undefined
      ? target.get(index.keys.get(JSON.stringify(keys)) ?? "")
      : [...target.values()].find((record) => coalesce.every((field, i) => record[field] === keys[i]))
    let status: string
    let record: Record<string, string>
    if (existing === undefined) {
      record = insert(definition.target, values, user) as Record<string, string>
      status = "inserted"
    } else {
      record = existing
      status = update(definition.target, existing, values, user) ? "updated" : "ignored"
    }
    stagingRow["sys_import_state"] = status
    stagingRow["sys_target_sys_id"] = record["sys_id"]!
    stagingRow["sys_target_table"] = definition.target
    const displayName = displayFieldOf(definition.target, record)
    return {
      ...base,
      display_name: displayName,
      display_value: record[displayName] ?? "",
      record_link: `${instanceUrl}/api/now/table/${definition.target}/${record["sys_id"]}`,
      status,
      sys_id: record["sys_id"]!
    }
  }

  const newImportSet = () => {
    importSetCounter++
    return { sysId: hex(32), number: `ISET${String(10000 + importSetCounter).padStart(7, "0")}` }
  }

  const importApi = async (request: Request, url: URL, staging: string, rest: ReadonlyArray<string>, user: string): Promise<Reply> => {
    const definition = importSets[staging]
    if (definition === undefined) return failure(400, `Invalid table ${staging}`, "The import set table does not exist")
    if (request.method === "GET" && rest.length === 1) {
      const row = store.tables().get(staging)?.get(rest[0]!)
      if (row === undefined) return notFound()
      return {
        status: 200,
        body: {
          import_set: row["sys_import_set"] ?? "",
          staging_table: staging,
          result: [{
            transform_map: definition.transformMap ?? `${staging} to ${definition.target}`,
            table: definition.target,
            status: row["sys_import_state"] ?? "",
            sys_id: row["sys_target_sys_id"] ?? row["sys_id"]!
          }]
        }
      }
    }
    if (request.method !== "POST") return failure(405, "Method not Supported")
    const body = await readJson(request)
    if (!body.ok) return body.reply
    if (rest.length === 0) {
      if (!isValues(body.value)) return failure(400, "Invalid request body", "Expected a JSON object")
      const set = newImportSet()
      const result = transformRow(staging, definition, body.value, set.sysId, user)
      return { status: 201, body: { import_set: set.number, staging_table: staging, result: [result] } }
    }
    if (rest.length === 1 && rest[0] === "insertMultiple") {
      const payload = body.value
      if (!isValues(payload) || !Array.isArray(payload["records"]) || !payload["records"].every(isValues)) {
        return failure(400, "Invalid request body", "Expected {\"records\": [...]}")
      }
      const rows = payload["records"] as ReadonlyArray<Record<string, InputValue>>
      const set = newImportSet()
      const multi = url.searchParams.get("multi_import_set_id") ?? hex(32)
      const ids = { import_set_id: set.sysId, multi_import_set_id: multi }
      if (definition.insertMultiple === "synchronous") {
        const result = rows.map((row) => transformRow(staging, definition, row, set.sysId, user))
        return { status: 201, body: { ...ids, result } }
      }
      pending.push(new Promise<void>((resolve) => {
        setTimeout(() => {
          for (const row of rows) transformRow(staging, definition, row, set.sysId, user)
          resolve()
        }, 0)
      }))
      return { status: 201, body: ids }
    }
    return failure(400, "Invalid request", `Unknown import path ${url.pathname}`)
  }

  // --- Batch API -------------------------------------------------------------------------------

  const batchApi = async (request: Request, user: string, fault: Fault | undefined, entry: LoggedRequest): Promise<Reply> => {
    if (request.method !== "POST") return failure(405, "Method not Supported")
    const body = await readJson(request)
    if (!body.ok) return body.reply
    const payload = body.value
    if (!isValues(payload) || !Array.isArray(payload["rest_requests"])) {
      return failure(400, "Invalid request body", "Expected rest_requests")
    }
    const items = payload["rest_requests"] as ReadonlyArray<Record<string, unknown>>
    const serviced: Array<Record<string, unknown>> = []
    const unserviced: Array<string> = []
    const cost = options.batchItemCost ?? 0
    const limit = options.batchTimeLimit ?? 30_000
    const servicedMax = fault?.type === "unserviced" ? fault.serviced : Infinity
    let elapsed = 0
    for (const [index, item] of items.entries()) {
      const id = String(item["id"] ?? "")
      if (index >= servicedMax || (cost > 0 && elapsed + cost > limit)) {
        unserviced.push(id)
        continue
      }
      elapsed += cost
      const headers = new Headers()
      const authorization = request.headers.get("authorization")
      if (authorization !== null) headers.set("authorization", authorization)
      const apiKey = request.headers.get("x-sn-apikey")
      if (apiKey !== null) headers.set("x-sn-apikey", apiKey)
      if (Array.isArray(item["headers"])) {
        for (const header of item["headers"] as ReadonlyArray<{ name?: unknown; value?: unknown }>) {
          if (typeof header.name === "string" && typeof header.value === "string") headers.set(header.name, header.value)
        }
      }
      const method = String(item["method"] ?? "GET").toUpperCase()
      const itemBody = typeof item["body"] === "string" && item["body"] !== ""
        ? Buffer.from(item["body"], "base64").toString("utf8")
        : undefined
      const inner = new Request(new URL(String(item["url"] ?? ""), instanceUrl), {
        method,
        headers,
        ...(itemBody === undefined || method === "GET" || method === "DELETE" ? {} : { body: itemBody })
      })
      const started = performance.now()
      const reply = await route(inner, user)
      const text = reply.body === undefined ? "" : JSON.stringify(reply.body)
      serviced.push({
        id,
        status_code: reply.status,
        status_text: statusTexts[reply.status] ?? "",
        headers: item["exclude_response_headers"] === true
          ? []
          : [{ name: "Content-Type", value: "application/json;charset=UTF-8" }, ...Object.entries(reply.headers ?? {}).map(([name, value]) => ({ name, value }))],
        body: Buffer.from(text, "utf8").toString("base64"),
        execution_time: Math.round(performance.now() - started) + cost
      })
    }
    entry.batch = { items: items.length, serviced: serviced.length }
    return {
      status: 200,
      body: {
        batch_request_id: String(payload["batch_request_id"] ?? ""),
        serviced_requests: serviced,
        unserviced_requests: unserviced
      }
    }
  }

  // --- PPM API ---------------------------------------------------------------------------------

  /** A project or task of an `insert_project_tasks` payload, validated. */
  interface PlannedTask {
    readonly values: Readonly<Record<string, InputValue>>
    readonly externalId: string
    readonly children: ReadonlyArray<PlannedTask>
    readonly dependencies: ReadonlyArray<{ readonly externalId: string; readonly values: Readonly<Record<string, InputValue>> }>
  }

  const isScalar = (value: unknown): value is InputValue =>
    value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean"

  /** The scalar fields of an object, or the first field that is not one (`except` fields are left out). */
  const scalars = (value: Record<string, unknown>, at: string, except: ReadonlyArray<string>): Record<string, InputValue> | string => {
    const values: Record<string, InputValue> = {}
    for (const [field, v] of Object.entries(value)) {
      if (except.includes(field)) continue
      if (!isScalar(v)) return `${at}.${field} must be a string, a number, a boolean or null`
      values[field] = v
    }
    return values
  }

  /** Validates a project (`task` false) or task of the payload and everything under it; a string says what is wrong. */
  const parsePlanned = (value: unknown, at: string, task: boolean): PlannedTask | string => {
    if (!isValues(value)) return `${at} must be an object`
    const values = scalars(value, at, task ? ["child_tasks", "dependencies"] : ["child_tasks"])
    if (typeof values === "string") return values
    const shortDescription = values["short_description"]
    if (typeof shortDescription !== "string" || shortDescription.trim() === "") return `${at}.short_description is required`
    const children: Array<PlannedTask> = []
    const childTasks = value["child_tasks"] ?? []
    if (!Array.isArray(childTasks)) return `${at}.child_tasks must be an array`
    for (const [i, child] of childTasks.entries()) {
      const parsed = parsePlanned(child, `${at}.child_tasks[${i}]`, true)
      if (typeof parsed === "string") return parsed
      children.push(parsed)
    }
    const dependencies: Array<PlannedTask["dependencies"][number]> = []
    const declared = task ? value["dependencies"] ?? [] : []
    if (!Array.isArray(declared)) return `${at}.dependencies must be an array`
    for (const [i, dependency] of declared.entries()) {
      const where = `${at}.dependencies[${i}]`
      if (!isValues(dependency)) return `${where} must be an object`
      const externalId = dependency["external_id"]
      if (typeof externalId !== "string" || externalId === "") return `${where}.external_id is required`
      const rest = scalars(dependency, where, ["external_id"])
      if (typeof rest === "string") return rest
      dependencies.push({ externalId, values: rest })
    }
    return { values, externalId: toStored(values["external_id"]), children, dependencies }
  }

  /**
   * `POST /api/now/ppm/insert_project_tasks`: one `pm_project` and its nested `pm_project_task`
   * rows and their dependencies, all or nothing; answers only `{"result": {"status": "success"}}`.
   */
  const ppmInsertProjectTasks = async (request: Request, user: string): Promise<Reply> => {
    if (request.method !== "POST") return failure(405, "Method not Supported", `${request.method} is not supported by insert_project_tasks`)
    const body = await readJson(request)
    if (!body.ok) return body.reply
    const invalid = (detail: string) => failure(400, "Invalid request body", detail)
    const project = parsePlanned(body.value, "project", false)
    if (typeof project === "string") return invalid(project)
    // Every external_id of the payload is unique; a dependency names another task of the payload.
    const tasks: Array<PlannedTask> = []
    const collect = (task: PlannedTask) => {
      for (const child of task.children) {
        tasks.push(child)
        collect(child)
      }
    }
    collect(project)
    const seen = new Set<string>()
    for (const externalId of [project.externalId, ...tasks.map((t) => t.externalId)]) {
      if (externalId === "") continue
      if (seen.has(externalId)) return invalid(`Duplicate external_id ${externalId} in the payload`)
      seen.add(externalId)
    }
    const byExternalId = new Map(tasks.filter((t) => t.externalId !== "").map((t) => [t.externalId, t]))
    for (const task of tasks) {
      for (const dependency of task.dependencies) {
        const predecessor = byExternalId.get(dependency.externalId)
        if (predecessor === undefined) return invalid(`Dependency ${dependency.externalId} names no task of the payload`)
        if (predecessor === task) return invalid(`Task ${task.externalId} depends on itself`)
      }
    }
    // Valid: write the project, its tasks (each after its parent), then the dependencies.
    const projectId = hex(32)
    insert("pm_project", { ...project.values, top_task: projectId }, user, projectId)
    const ids = new Map<PlannedTask, string>()
    const insertChildren = (parent: PlannedTask, parentId: string) => {
      for (const [i, child] of parent.children.entries()) {
        const record = insert("pm_project_task", { order: i + 1, ...child.values, parent: parentId, top_task: projectId }, user)
        ids.set(child, record["sys_id"]!)
        insertChildren(child, record["sys_id"]!)
      }
    }
    insertChildren(project, projectId)
    for (const task of tasks) {
      for (const dependency of task.dependencies) {
        const predecessor = ids.get(byExternalId.get(dependency.externalId)!)!
        insert("planned_task_rel_planned_task", { type: "fs", lag: 0, ...dependency.values, parent: predecessor, child: ids.get(task)! }, user)
      }
    }
    return { status: 200, body: { result: { status: "success" } } }
  }

  // --- routing ---------------------------------------------------------------------------------

  const apiOf = (path: string): Api => {
    if (path === "/oauth_token.do") return "oauth"
    if (/^\/api\/now\/(v\d+\/)?table\//.test(path)) return "table"
    if (/^\/api\/now\/(v\d+\/)?batch$/.test(path)) return "batch"
    if (/^\/api\/now\/(v\d+\/)?import\//.test(path)) return "import"
    if (/^\/api\/now\/(v\d+\/)?ppm\//.test(path)) return "ppm"
    return "other"
  }

  /** Routes an authenticated API request (also used for batch items). */
  const route = async (request: Request, user: string, fault?: Fault, entry?: LoggedRequest): Promise<Reply> => {
    const url = new URL(request.url)
    const accept = request.headers.get("accept")
    if (accept !== null && accept !== "" && !accept.includes("json") && !accept.includes("*/*")) {
      return failure(406, "Not Acceptable", `Accept ${accept} is not supported; use application/json`)
    }
    const table = /^\/api\/now\/(?:(v\d+)\/)?table\/([^/]+)(?:\/([^/]+))?\/?$/.exec(url.pathname)
    if (table !== null) return tableApi(request, url, table[1] ?? "v2", table[2]!, table[3], user)
    const batch = /^\/api\/now\/(?:v\d+\/)?batch\/?$/.exec(url.pathname)
    if (batch !== null) {
      if (entry === undefined) return failure(400, "Nested batch requests are not supported")
      return batchApi(request, user, fault, entry)
    }
    const importPath = /^\/api\/now\/(?:v\d+\/)?import\/([^/]+)((?:\/[^/]+)*)\/?$/.exec(url.pathname)
    if (importPath !== null) {
      return importApi(request, url, importPath[1]!, importPath[2]!.split("/").filter((p) => p !== ""), user)
    }
    if (/^\/api\/now\/(?:v\d+\/)?ppm\/insert_project_tasks\/?$/.test(url.pathname)) return ppmInsertProjectTasks(request, user)
    return failure(400, "Requested URI does not represent any resource", url.pathname)
  }

  return {
    apiOf,
    route,
    reset: () => {
      importSetCounter = 0
      pending = []
    },
    settled: async () => {
      while (pending.length > 0) {
        const current = pending
        pending = []
        await Promise.all(current)
      }
    }
  }
}

/** Injected faults and when they fire. */
const makeFaults = () => {
  let faults: Array<FaultState> = []

  const matches = (match: FaultMatch | undefined, method: string, path: string, api: Api) => {
    if (match === undefined) return api !== "oauth"
    if (match.method !== undefined && match.method.toUpperCase() !== method) return false
    if (match.api !== undefined && match.api !== api) return false
    if (match.api === undefined && api === "oauth") return false
    if (typeof match.path === "string" && !path.startsWith(match.path)) return false
    if (match.path instanceof RegExp && !match.path.test(path)) return false
    return true
  }

  /**
   * The faults of the given kinds that fire on this request. Every fault counts the requests it
   * matches; of the response faults due on one request only the first fires, and the others stay
   * due (a fault with `every: 1` fires on the next request instead).
   */
  const firing = (method: string, path: string, api: Api, response: boolean): Array<Fault> => {
    const fired: Array<Fault> = []
    for (const state of faults) {
      const fault = state.fault
      const isResponse = fault.type !== "latency" && fault.type !== "expireTokens" && fault.type !== "mutate"
      if (isResponse !== response) continue
      if (!matches(fault.match, method, path, api)) continue
      if (fault.type === "unserviced" && api !== "batch") continue
      if (state.fired >= (fault.times ?? 1)) continue
      state.matched++
      const after = fault.after ?? 0
      if (state.matched <= after) continue
      if ((state.matched - after - 1) % Math.max(1, fault.every ?? 1) !== 0) continue
      if (response && fired.length > 0) continue
      state.fired++
      fired.push(fault)
    }
    return fired
  }

  return {
    firing,
    inject: (added: ReadonlyArray<Fault>) => {
      faults.push(...added.map((fault) => ({ fault, matched: 0, fired: 0 })))
    },
    clear: () => {
      faults = []
    }
  }
}

// ---------------------------------------------------------------------------------------------
// make
// ---------------------------------------------------------------------------------------------

/**
 * Builds a simulator. Call `listen()` before the client's first request and `close()` after
 * the tests (or use {@link layer}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: Options = {}): Simulator => {
  const instanceUrl = (options.instanceUrl ?? "https://acme.service-now.test").replace(/\/+$/, "")
  const origin = new URL(instanceUrl).origin
  const now = options.now ?? Date.now
  const store = makeStore(options, instanceUrl, now)
  const tokens = makeTokens(options, store, now)
  const rateLimit = makeRateLimit(options, now)
  const apis = makeApis(options, instanceUrl, store)
  const faults = makeFaults()
  const { authenticate, tokenEndpoint } = tokens
  const { countRequest } = rateLimit
  const { apiOf, route } = apis
  const { firing } = faults
  const instance: Instance = {
    records: (table) => [...(store.tables().get(table)?.values() ?? [])].map((record) => ({ ...record })),
    seed: (table, records) => records.map((record) => ({ ...store.insert(table, record) })),
    remove: (table, sysId) => store.remove(table, sysId),
    update: (table, sysId, values) => {
      const record = store.tables().get(table)?.get(sysId)
      if (record !== undefined) store.update(table, record, values)
    }
  }
  let log: Array<LoggedRequest> = []
  let seq = 0
  let inFlight = 0
  let maxInFlight = 0

  const wait = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || signal.aborted) return resolve()
      const timer = setTimeout(done, ms)
      function done() {
        clearTimeout(timer)
        signal.removeEventListener("abort", done)
        resolve()
      }
      signal.addEventListener("abort", done, { once: true })
    })

  const latencyMs = () => {
    const latency = options.latency
    if (latency === undefined) return 0
    if (typeof latency === "number") return latency
    return latency.min + store.random() * (latency.max - latency.min)
  }

  const toResponse = (reply: Reply) => {
    const headers = { ...(reply.body === undefined ? {} : { "Content-Type": "application/json;charset=UTF-8" }), ...reply.headers }
    return reply.body === undefined
      ? new HttpResponse(null, { status: reply.status, headers })
      : HttpResponse.json(reply.body as Record<string, unknown>, { status: reply.status, headers })
  }

  const handle = async (request: Request): Promise<Response> => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    try {
      return await handleCounted(request)
    } finally {
      inFlight--
    }
  }

  const handleCounted = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    const path = url.pathname
    const api = apiOf(path)
    const method = request.method.toUpperCase()
    const bodyText = method === "GET" || method === "DELETE" ? "" : await request.clone().text()
    let body: unknown = undefined
    if (bodyText !== "") {
      const contentType = request.headers.get("content-type") ?? ""
      if (contentType.includes("json")) {
        try {
          body = JSON.parse(bodyText)
        } catch {
          body = bodyText
        }
      } else if (contentType.includes("x-www-form-urlencoded")) {
        body = Object.fromEntries(new URLSearchParams(bodyText))
      } else {
        body = bodyText
      }
    }
    const entry: LoggedRequest = {
      seq: ++seq,
      at: now(),
      method,
      url: request.url,
      path,
      query: Object.fromEntries(url.searchParams),
      api,
      headers: Object.fromEntries(request.headers),
      body,
      status: 0
    }
    log.push(entry)
    // Token expiry and latency apply to every matching request; a response fault only to a
    // request that got past authentication (a 401 does not use up a fault).
    const early = firing(method, path, api, false)
    const extra = early.reduce((sum, fault) => sum + (fault.type === "latency" ? fault.ms : 0), 0)
    if (early.some((fault) => fault.type === "expireTokens")) {
      tokens.expire()
    }
    for (const fault of early) {
      if (fault.type !== "mutate") continue
      entry.fault = "mutate"
      fault.change(instance)
    }
    let fault: Fault | undefined

    const reply = await (async (): Promise<Reply | "network" | "hang"> => {
      const user = api === "oauth" ? "" : authenticate(request)
      if (user === undefined) {
        return failure(401, "User Not Authenticated", "Required to provide Auth information")
      }
      fault = firing(method, path, api, true)[0]
      if (fault !== undefined) entry.fault = fault.type
      if (api === "oauth" && fault === undefined) return tokenEndpoint(request)
      if (fault !== undefined) {
        const applied = (fault.type === "timeout" || fault.type === "status") && fault.apply === true
        if (applied) await (api === "oauth" ? tokenEndpoint(request) : route(request, user, undefined, entry))
        switch (fault.type) {
          case "networkError":
            return "network"
          case "timeout":
            return "hang"
          case "status":
            return failure(fault.status, fault.message ?? statusTexts[fault.status] ?? "Error", fault.detail ?? null)
          case "executionTimeExceeded":
            return executionTimeExceeded()
          case "rateLimit": {
            const seconds = fault.retryAfter ?? 1
            const headers: Record<string, string> = {}
            const mode = fault.headers ?? "both"
            if (mode === "both" || mode === "retryAfter") headers["Retry-After"] = String(seconds)
            if (mode === "both" || mode === "reset") {
              headers["X-RateLimit-Reset"] = String((now() + seconds * 1000) / 1000)
              headers["X-RateLimit-Limit"] = String(options.rateLimit?.limit ?? 100)
            }
            return failure(429, "Rate limit exceeded", "Rate limit of requests per hour for REST API exceeded", headers)
          }
          default:
            break
        }
      }
      const counted = countRequest()
      if ("status" in counted && typeof counted.status === "number") return counted as Reply
      const rateHeaders = counted as Record<string, string>
      const answer = await route(request, user, fault, entry)
      return { ...answer, headers: { ...rateHeaders, ...answer.headers } }
    })()

    await wait(latencyMs() + extra, request.signal)
    if (reply === "network") return HttpResponse.error()
    if (reply === "hang") {
      const hangMs = fault?.type === "timeout" ? fault.hangMs ?? 60_000 : 60_000
      await wait(hangMs, request.signal)
      if (request.signal.aborted) return HttpResponse.error()
      entry.status = 504
      return toResponse(failure(504, "Gateway Timeout"))
    }
    if (request.signal.aborted) return HttpResponse.error()
    entry.status = reply.status
    return toResponse(reply)
  }

  const handlers = [http.all(`${origin}/*`, ({ request }) => handle(request))]
  const server = setupServer(...handlers)

  return {
    instanceUrl,
    server,
    handlers,
    handle,
    listen: () => server.listen({ onUnhandledFrame: "error" }),
    close: () => server.close(),
    records: instance.records,
    seed: instance.seed,
    remove: instance.remove,
    update: instance.update,
    reset: () => {
      store.reset()
      tokens.reset()
      rateLimit.reset()
      apis.reset()
      faults.clear()
      log = []
      seq = 0
      maxInFlight = 0
    },
    inject: (...added) => faults.inject(added),
    clearFaults: () => faults.clear(),
    expireTokens: () => tokens.expire(),
    revokeRefreshTokens: () => tokens.revokeRefreshTokens(),
    stats: () => {
      const byApi: Record<Api, number> = { table: 0, batch: 0, import: 0, ppm: 0, oauth: 0, other: 0 }
      for (const entry of log) byApi[entry.api]++
      return { requests: log.length, byApi, rateLimited: log.filter((e) => e.status === 429).length, maxInFlight }
    },
    requests: () => [...log],
    clearLog: () => {
      log = []
    },
    settled: () => apis.settled()
  }
}

// ---------------------------------------------------------------------------------------------
// Layer
// ---------------------------------------------------------------------------------------------

/**
 * The service tag of a simulator provided by {@link layer}.
 *
 * @since 0.1.0
 * @category services
 */
export class ServiceNowSimulator extends Context.Service<ServiceNowSimulator, Simulator>()(
  "@procura/testkit/ServiceNowSimulator"
) {}

/**
 * A simulator listening for the layer's lifetime (closed when the layer's scope closes).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<ServiceNowSimulator> =>
  Layer.effect(
    ServiceNowSimulator,
    Effect.acquireRelease(
      Effect.sync(() => {
        const simulator = make(options)
        simulator.listen()
        return simulator
      }),
      (simulator) => Effect.sync(() => simulator.close())
    )
  )
