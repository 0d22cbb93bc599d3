/**
 * The Coupa Core API client, on Effect and the connectors' shared transport.
 *
 * What it does so a sync does not have to:
 *
 * - **Authentication.** OAuth 2.0 client credentials against `/oauth2/token` (form-encoded,
 *   scopes space-separated); the token is cached, renewed before it expires and once more on a
 *   401. `Accept: application/json` on every call. Secrets stay `Redacted`.
 * - **Rate limit.** Coupa allows about 25 requests per second with bursts of 20: the client sends
 *   25 per second spread evenly (at most 5 in any 200 ms, so never a burst the instance refuses),
 *   waits out a 429 (its `Retry-After` if any, else a jittered backoff) with one cooldown shared
 *   by every call, and retries 5xx and timeouts of calls safe to repeat.
 * - **Listings that neither skip nor repeat.** `list` pages 50 at a time by id (`id[gt]=<last>`,
 *   `order_by=id`), not by offset: a record created or deleted while a listing runs does not
 *   shift the pages. `changes` pulls what changed since a {@link Watermark}
 *   (`updated-at[gt_or_eq]`), and the watermark remembers what it already delivered at and after
 *   its instant, so records sharing a timestamp are neither skipped nor delivered twice, and a
 *   record changed twice within one second is delivered again.
 * - **Typed filters.** `{ status: { in: ["issued", "closed"] }, supplier: { name: "Acme" } }`
 *   becomes `status[in]=issued,closed&supplier[name]=Acme`; `fields` trims responses. Field names
 *   may be written with hyphens or underscores; bodies go out hyphenated, as Coupa's JSON is.
 * - **Creates that never duplicate.** Coupa has no idempotency keys, so `createOnce` looks the
 *   record up by a natural key first (a PO number, an external reference, an invoice number and
 *   supplier), and after a create that got no answer looks again before trying again.
 *
 * ```ts
 * import { CoupaClient } from "@procura/connector-coupa"
 * import { Effect } from "effect"
 *
 * const issuedOrders = Effect.gen(function*() {
 *   const coupa = yield* CoupaClient.CoupaClient
 *   return yield* coupa.all("purchase_orders", { filters: { status: "issued" }, fields: ["id", "po-number"] })
 * }).pipe(Effect.provide(CoupaClient.layer({
 *   instanceUrl: "https://acme.coupahost.com",
 *   clientId: "procura",
 *   clientSecret: "...",
 *   scopes: ["core.purchase_order.read"]
 * })))
 * ```
 *
 * @since 0.1.0
 */
import { HttpAuth, HttpTransport } from "@procura/connector-kit"
import { Clock, Config, Context, Duration, Effect, Layer, Option, type Redacted, Stream } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { CoupaError, invalid } from "./CoupaError.js"

// ---------------------------------------------------------------------------------------------
// Options and models
// ---------------------------------------------------------------------------------------------

/**
 * Options of the client.
 *
 * @since 0.1.0
 * @category options
 */
export interface ClientOptions {
  /** `https://<org>.coupahost.com` */
  readonly instanceUrl: string
  /** The OAuth client's identifier (Setup > Integrations > OAuth2/OpenID Connect Clients). */
  readonly clientId: string
  readonly clientSecret: string | Redacted.Redacted<string>
  /** The scopes to ask for, as granted to the client: `core.purchase_order.read`, ... */
  readonly scopes: ReadonlyArray<string>
  /** Per attempt; default 60 seconds. */
  readonly timeout?: Duration.Input
  /**
   * Requests per second, spread evenly over fifths of a second; default 25 (Coupa: 25 per
   * second, bursts of 20).
   */
  readonly requestsPerSecond?: number
  /** Requests in flight at once; default 4. */
  readonly maxConcurrency?: number
  /** Retries of 5xx, timeouts and dropped connections per call; default 4. */
  readonly maxRetries?: number
  /** Time a call may spend waiting out 429s; default 5 minutes. */
  readonly rateLimitBudget?: Duration.Input
  /**
   * How far the instance's clock may be behind this one; default 1 minute. `changes` reads
   * again what changed this long before a pull began, in case it was written while the pull ran.
   */
  readonly clockSkew?: Duration.Input
}

/**
 * A record as Coupa renders it: hyphenated field names, ids as numbers, money and quantities as
 * decimal strings.
 *
 * @since 0.1.0
 * @category models
 */
export type CoupaRecord = { readonly [field: string]: unknown }

/**
 * A filter operator (`field[operator]=value`).
 *
 * @since 0.1.0
 * @category models
 */
export type Operator =
  | "contains"
  | "starts_with"
  | "ends_with"
  | "gt"
  | "lt"
  | "gt_or_eq"
  | "lt_or_eq"
  | "not_eq"
  | "in"
  | "not_in"
  | "blank"

const operators: ReadonlySet<string> = new Set<Operator>(
  ["contains", "starts_with", "ends_with", "gt", "lt", "gt_or_eq", "lt_or_eq", "not_eq", "in", "not_in", "blank"]
)

/**
 * A value to compare with; dates are sent as ISO-8601 instants.
 *
 * @since 0.1.0
 * @category models
 */
export type Scalar = string | number | boolean | Date

/**
 * The conditions on one field: a value (equal), or operators with their values.
 *
 * @since 0.1.0
 * @category models
 */
export type Condition =
  | Scalar
  | {
    readonly contains?: string
    readonly starts_with?: string
    readonly ends_with?: string
    readonly gt?: Scalar
    readonly lt?: Scalar
    readonly gt_or_eq?: Scalar
    readonly lt_or_eq?: Scalar
    readonly not_eq?: Scalar
    readonly in?: ReadonlyArray<string | number>
    readonly not_in?: ReadonlyArray<string | number>
    readonly blank?: boolean
  }

/**
 * Filters: conditions per field, and per field of an association (`{ supplier: { name: "Acme" } }`,
 * `{ order_lines: { account: { code: "a-c" } } }`). All of them must hold.
 *
 * @since 0.1.0
 * @category models
 */
export interface Filters {
  readonly [field: string]: Condition | Filters
}

/**
 * The fields to return: names, and `{ association: [names] }` for an association's.
 *
 * @since 0.1.0
 * @category models
 */
export type Fields = ReadonlyArray<string | { readonly [association: string]: Fields }>

/**
 * Where a pull of changes stands: the instant it reads from, and what it delivered at or after
 * that instant (ids with a fingerprint of the record as delivered). Store it between pulls.
 *
 * @since 0.1.0
 * @category models
 */
export interface Watermark {
  readonly updatedAt: string
  readonly seen: ReadonlyArray<readonly [id: number, fingerprint: string]>
}

/**
 * What `changes` found: the records changed since the watermark, and the next watermark.
 *
 * @since 0.1.0
 * @category models
 */
export interface Changes {
  readonly records: ReadonlyArray<CoupaRecord>
  readonly watermark: Watermark
}

/**
 * The client's operations. Resources are Coupa's API paths: `purchase_orders`, `requisitions`,
 * `receiving_transactions`, `invoices`, `suppliers`, `items`, ...
 *
 * @since 0.1.0
 * @category models
 */
export interface CoupaClientService {
  /** One record by id; `NotFound` when there is none. */
  readonly get: (resource: string, id: number, options?: { readonly fields?: Fields }) => Effect.Effect<CoupaRecord, CoupaError>
  /** Every matching record, in id order, 50 per request by id keyset. */
  readonly list: (
    resource: string,
    options?: { readonly filters?: Filters; readonly fields?: Fields; readonly pageSize?: number }
  ) => Stream.Stream<CoupaRecord, CoupaError>
  /** `list`, collected. */
  readonly all: (
    resource: string,
    options?: { readonly filters?: Filters; readonly fields?: Fields }
  ) => Effect.Effect<ReadonlyArray<CoupaRecord>, CoupaError>
  /** The records changed since `since` (all of them without one), and the next watermark. */
  readonly changes: (
    resource: string,
    options?: { readonly since?: Watermark; readonly filters?: Filters; readonly fields?: Fields }
  ) => Effect.Effect<Changes, CoupaError>
  /**
   * Creates a record unless one with its natural key exists: `created` says which. After a
   * create that got no answer (a timeout, a dropped connection), looks again before trying again.
   */
  readonly createOnce: (
    resource: string,
    body: CoupaRecord,
    options: { readonly key: Filters; readonly fields?: Fields }
  ) => Effect.Effect<{ readonly record: CoupaRecord; readonly created: boolean }, CoupaError>
  /** Changes the given fields of a record. */
  readonly update: (
    resource: string,
    id: number,
    body: CoupaRecord,
    options?: { readonly fields?: Fields }
  ) => Effect.Effect<CoupaRecord, CoupaError>
  /** Runs an action: `issue`, `close`, `cancel` on purchase orders, `submit`, `void` on invoices, ... */
  readonly act: (resource: string, id: number, action: string) => Effect.Effect<CoupaRecord, CoupaError>
  /** Marks a record exported (`exported=true`), as an integration does after taking it. */
  readonly markExported: (resource: string, id: number) => Effect.Effect<void, CoupaError>
}

/**
 * The service tag of the client.
 *
 * @since 0.1.0
 * @category services
 */
export class CoupaClient extends Context.Service<CoupaClient, CoupaClientService>()("@procura/connector-coupa/CoupaClient") {}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

/** Query names take underscores, as Coupa's docs write them (`updated_at`); both are accepted. */
const underscored = (name: string) => name.replaceAll("-", "_")
/** Body names take hyphens, as Coupa's JSON has them (`po-number`); `_delete` and the like stay. */
const hyphenated = (name: string) => (name.startsWith("_") ? name : name.replaceAll("_", "-"))

const isPlainObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === "object" && u !== null && !Array.isArray(u) && !(u instanceof Date)

const scalar = (value: Scalar) => (value instanceof Date ? value.toISOString() : String(value))

const isConditions = (value: object) => {
  const keys = Object.keys(value)
  return keys.length > 0 && keys.every((key) => operators.has(key))
}

/**
 * The query parameters of filters: `field[operator]=value`, `association[field]=value`.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeFilters = (filters: Filters, prefix = ""): Array<readonly [string, string]> =>
  Object.entries(filters).flatMap(([field, condition]): Array<readonly [string, string]> => {
    const name = prefix === "" ? underscored(field) : `${prefix}[${underscored(field)}]`
    if (!isPlainObject(condition)) return [[name, scalar(condition as Scalar)]]
    if (!isConditions(condition)) return encodeFilters(condition as Filters, name)
    return Object.entries(condition).map(([operator, value]): readonly [string, string] => [
      `${name}[${operator}]`,
      Array.isArray(value) ? value.map(String).join(",") : scalar(value as Scalar)
    ])
  })

/**
 * The `fields` parameter: a JSON array of names and `{association: [names]}` objects.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeFields = (fields: Fields): string => {
  const walk = (list: Fields): Array<unknown> =>
    list.map((entry) =>
      typeof entry === "string"
        ? underscored(entry)
        : Object.fromEntries(Object.entries(entry).map(([association, inner]) => [underscored(association), walk(inner)]))
    )
  return JSON.stringify(walk(fields))
}

/**
 * A body with every field name hyphenated, at any depth (dates as ISO-8601 instants).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeBody = (body: unknown): unknown =>
  Array.isArray(body)
    ? body.map(encodeBody)
    : body instanceof Date
    ? body.toISOString()
    : isPlainObject(body)
    ? Object.fromEntries(Object.entries(body).map(([key, value]) => [hyphenated(key), encodeBody(value)]))
    : body

/** FNV-1a, 32 bits, of a record's JSON: enough to tell a record changed from one delivered. */
const fingerprint = (record: CoupaRecord): string => {
  const text = JSON.stringify(record)
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return (hash >>> 0).toString(16).padStart(8, "0")
}

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/** Coupa, as a system of the shared transport. */
const coupa: HttpTransport.System<CoupaError> = {
  name: "Coupa",
  envelope: HttpTransport.commonEnvelope,
  fail: (failure) => new CoupaError(failure),
  defaults: { tokenPath: "/oauth2/token" }
}

const resourcePattern = /^[a-z][a-z_]{0,60}$/
const actionPattern = /^[a-z][a-z_]{0,60}$/
const millis = (input: Duration.Input | undefined, fallback: number) => (input === undefined ? fallback : Duration.toMillis(input))

const resolve = (options: ClientOptions): HttpTransport.ResolvedOptions | CoupaError => {
  const operation = "CoupaClient.make"
  if (!URL.canParse(options.instanceUrl)) return invalid(operation, `instanceUrl "${options.instanceUrl}" is not a URL`)
  const instanceUrl = new URL(new URL(options.instanceUrl).origin)
  if (instanceUrl.protocol !== "https:" && instanceUrl.protocol !== "http:") {
    return invalid(operation, `instanceUrl must be an https URL, got ${instanceUrl.protocol}`)
  }
  const perSecond = options.requestsPerSecond ?? 25
  if (!Number.isInteger(perSecond) || perSecond < 1) return invalid(operation, `requestsPerSecond must be a positive integer, got ${perSecond}`)
  const bad = options.scopes.find((scope) => /[\s,]/.test(scope) || scope === "")
  if (bad !== undefined) return invalid(operation, `scope "${bad}" is not one scope: give each scope as its own string`)
  return {
    instanceUrl,
    auth: HttpAuth.oauthClientCredentials({ clientId: options.clientId, clientSecret: options.clientSecret, scopes: options.scopes }),
    timeout: millis(options.timeout, 60_000),
    retry: {
      maxRetries: options.maxRetries ?? 4,
      budget: 120_000,
      baseDelay: 250,
      maxDelay: 10_000,
      rateLimitBudget: millis(options.rateLimitBudget, 300_000),
      rateLimitMaxDelay: 30_000
    },
    // Spread evenly: `chunk` requests per `chunk / perSecond` seconds (5 per 200 ms at 25 per
    // second), never a burst near the instance's 20.
    limits: {
      requests: Math.max(1, Math.floor(perSecond / 5)),
      window: (1_000 * Math.max(1, Math.floor(perSecond / 5))) / perSecond,
      margin: 5,
      maxConcurrency: options.maxConcurrency ?? 4
    }
  }
}

/**
 * Builds the client on an `HttpClient` (inject one in tests, or a platform's own).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClient = (http: HttpClient.HttpClient, options: ClientOptions): Effect.Effect<CoupaClientService, CoupaError> =>
  Effect.suspend(() => {
    const resolved = resolve(options)
    if (resolved instanceof CoupaError) return Effect.fail(resolved)
    const transport = HttpTransport.make(http, resolved, coupa)
    const clockSkew = millis(options.clockSkew, 60_000)

    const checked = (operation: string, resource: string) =>
      resourcePattern.test(resource) ? Effect.void : Effect.fail(invalid(operation, `"${resource}" is not a Coupa resource path`))

    const url = (path: string, params: ReadonlyArray<readonly [string, string]> = []) => {
      const target = transport.url(`/api/${path}`)
      for (const [name, value] of params) target.searchParams.append(name, value)
      return target
    }
    const fieldsParam = (fields: Fields | undefined): Array<readonly [string, string]> =>
      fields === undefined ? [] : [["fields", encodeFields(fields)]]

    const asRecord = (operation: string, body: unknown): Effect.Effect<CoupaRecord, CoupaError> =>
      isPlainObject(body) ? Effect.succeed(body) : Effect.fail(new CoupaError({
        reason: "Invalid",
        retryable: false,
        operation,
        message: `${operation}: Coupa answered with ${Array.isArray(body) ? "a list" : typeof body}, not a record`
      }))

    const get: CoupaClientService["get"] = (resource, id, getOptions) =>
      Effect.andThen(checked("Coupa.get", resource), () =>
        transport.send({ operation: "Coupa.get", method: "GET", url: url(`${resource}/${id}`, fieldsParam(getOptions?.fields)), idempotent: true })
      ).pipe(Effect.flatMap((reply) => asRecord("Coupa.get", reply.body)))

    const page = (operation: string, resource: string, filters: Filters, fields: Fields | undefined, size: number, after: number | undefined) =>
      transport.send({
        operation,
        method: "GET",
        url: url(resource, [
          ...encodeFilters(filters),
          ...(after === undefined ? [] : [["id[gt]", String(after)] as const]),
          ["order_by", "id"],
          ["dir", "asc"],
          ["limit", String(size)],
          // The keyset needs each record's id, whatever else is asked for.
          ...fieldsParam(fields === undefined || fields.includes("id") ? fields : ["id", ...fields])
        ]),
        idempotent: true
      }).pipe(Effect.flatMap((reply) =>
        Array.isArray(reply.body) && reply.body.every((row) => isPlainObject(row) && typeof row["id"] === "number")
          ? Effect.succeed(reply.body as ReadonlyArray<CoupaRecord & { readonly id: number }>)
          : Effect.fail(new CoupaError({ reason: "Invalid", retryable: false, operation, message: `${operation}: Coupa answered a list request with something else than records with ids` }))
      ))

    const list: CoupaClientService["list"] = (resource, listOptions) => {
      const operation = "Coupa.list"
      const filters = listOptions?.filters ?? {}
      const size = Math.min(50, Math.max(1, listOptions?.pageSize ?? 50))
      if (Object.keys(filters).some((field) => underscored(field) === "id")) {
        return Stream.fail(invalid(operation, "a listing pages by id: filter on other fields, or get the record by id"))
      }
      return Stream.unwrap(Effect.as(checked(operation, resource), Stream.paginate(undefined as number | undefined, (after) =>
        Effect.map(page(operation, resource, filters, listOptions?.fields, size, after), (rows) => [
          rows,
          // A short page is the last; Coupa gives no count, and an empty page ends it too.
          rows.length < size ? Option.none() : Option.some(rows[rows.length - 1]!.id)
        ] as const))))
    }

    const all: CoupaClientService["all"] = (resource, allOptions) => Stream.runCollect(list(resource, allOptions))

    const changes: CoupaClientService["changes"] = (resource, changeOptions) =>
      Effect.gen(function*() {
        const started = yield* Clock.currentTimeMillis
        const since = changeOptions?.since
        const seen = new Map(since?.seen ?? [])
        const records = yield* all(resource, {
          filters: { ...changeOptions?.filters, ...(since === undefined ? {} : { updated_at: { gt_or_eq: since.updatedAt } }) },
          ...(changeOptions?.fields === undefined ? {} : { fields: changeOptions.fields.includes("updated-at") ? changeOptions.fields : [...changeOptions.fields, "updated-at"] })
        })
        const instant = (record: CoupaRecord) => Date.parse(String(record["updated-at"]))
        if (records.some((record) => Number.isNaN(instant(record)))) {
          return yield* new CoupaError({ reason: "Invalid", retryable: false, operation: "Coupa.changes", message: `Coupa.changes: a ${resource} record has no updated-at` })
        }
        const fresh = records.filter((record) => seen.get(record["id"] as number) !== fingerprint(record))
        // The next pull reads from the newest change, or from a clock skew before this pull began
        // if that is earlier (a record written while the pull ran, behind the keyset, is read next
        // time); never from earlier than this one. Every record it will read again is remembered
        // with its fingerprint, so it is delivered again only if it changed.
        const previous = since === undefined ? Number.NEGATIVE_INFINITY : Date.parse(since.updatedAt)
        const newest = records.reduce((max, record) => Math.max(max, instant(record)), previous)
        const next = Math.max(previous, Math.min(newest, started - clockSkew))
        const watermark: Watermark = {
          updatedAt: Number.isFinite(next) ? new Date(next).toISOString() : new Date(0).toISOString(),
          seen: records.filter((record) => instant(record) >= next).map((record) => [record["id"] as number, fingerprint(record)] as const)
        }
        return { records: fresh, watermark }
      })

    const firstWith = (operation: string, resource: string, key: Filters, fields: Fields | undefined) =>
      Effect.flatMap(page(operation, resource, key, fields, 2, undefined), (rows) =>
        rows.length > 1
          ? Effect.fail(invalid(operation, `the key ${JSON.stringify(key)} matches several ${resource}: it is not a natural key`))
          : Effect.succeed(rows[0] as CoupaRecord | undefined))

    const createOnce: CoupaClientService["createOnce"] = (resource, body, createOptions) =>
      Effect.gen(function*() {
        const operation = "Coupa.createOnce"
        yield* checked(operation, resource)
        if (Object.keys(createOptions.key).length === 0) return yield* invalid(operation, "a create needs a natural key to look for first")
        let posted = false
        for (let attempt = 0; ; attempt++) {
          const existing = yield* firstWith(operation, resource, createOptions.key, createOptions.fields)
          if (existing !== undefined) return { record: existing, created: posted }
          const sent = yield* Effect.result(transport.send({
            operation,
            method: "POST",
            url: url(resource, fieldsParam(createOptions.fields)),
            body: encodeBody(body),
            idempotent: false
          }))
          if (sent._tag === "Success") return { record: yield* asRecord(operation, sent.success.body), created: true }
          const error = sent.failure
          // No answer: the create may have happened. A "taken" refusal: someone created it meanwhile.
          const unanswered = error.status === undefined && (error.reason === "Timeout" || error.reason === "Unavailable")
          const taken = error.reason === "Invalid" && /already been taken/i.test(`${error.message} ${error.detail ?? ""}`)
          if (!(unanswered || taken) || attempt >= resolved.retry.maxRetries) return yield* error
          posted = posted || unanswered
          yield* Effect.logDebug("Coupa create got no answer or found the key taken; looking again").pipe(
            Effect.annotateLogs({ resource, attempt, reason: error.reason })
          )
        }
      })

    const update: CoupaClientService["update"] = (resource, id, body, updateOptions) =>
      Effect.andThen(checked("Coupa.update", resource), () =>
        transport.send({
          operation: "Coupa.update",
          method: "PUT",
          url: url(`${resource}/${id}`, fieldsParam(updateOptions?.fields)),
          body: encodeBody(body),
          idempotent: true
        })
      ).pipe(Effect.flatMap((reply) => asRecord("Coupa.update", reply.body)))

    const act: CoupaClientService["act"] = (resource, id, action) =>
      actionPattern.test(action)
        ? Effect.andThen(checked("Coupa.act", resource), () =>
          transport.send({ operation: `Coupa.${action}`, method: "PUT", url: url(`${resource}/${id}/${action}`), idempotent: false })
        ).pipe(Effect.flatMap((reply) => asRecord(`Coupa.${action}`, reply.body)))
        : Effect.fail(invalid("Coupa.act", `"${action}" is not an action name`))

    const markExported: CoupaClientService["markExported"] = (resource, id) =>
      Effect.andThen(checked("Coupa.markExported", resource), () =>
        transport.send({ operation: "Coupa.markExported", method: "PUT", url: url(`${resource}/${id}`, [["exported", "true"]]), idempotent: true })
      ).pipe(Effect.asVoid)

    return Effect.succeed({ get, list, all, changes, createOnce, update, act, markExported })
  })

/**
 * The client as a layer, on the platform's `fetch`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: ClientOptions): Layer.Layer<CoupaClient, CoupaError> =>
  Layer.effect(CoupaClient, Effect.flatMap(HttpClient.HttpClient, (http) => fromClient(http, options))).pipe(
    Layer.provide(FetchHttpClient.layer)
  )

/**
 * The client's options read from `Config` (environment variables by default):
 * `<prefix>_INSTANCE_URL`, `<prefix>_CLIENT_ID`, `<prefix>_CLIENT_SECRET` (redacted),
 * `<prefix>_SCOPES` (space-separated, as Coupa lists them) and, optionally,
 * `<prefix>_REQUESTS_PER_SECOND`.
 *
 * @since 0.1.0
 * @category options
 */
export const config = (prefix = "COUPA"): Config.Config<ClientOptions> =>
  Config.all({
    instanceUrl: Config.String(`${prefix}_INSTANCE_URL`),
    clientId: Config.String(`${prefix}_CLIENT_ID`),
    clientSecret: Config.Redacted(`${prefix}_CLIENT_SECRET`),
    scopes: Config.String(`${prefix}_SCOPES`),
    requestsPerSecond: Config.option(Config.Int(`${prefix}_REQUESTS_PER_SECOND`))
  }).pipe(
    Config.map(({ clientId, clientSecret, instanceUrl, requestsPerSecond, scopes }): ClientOptions => ({
      instanceUrl,
      clientId,
      clientSecret,
      scopes: scopes.split(/\s+/).filter((scope) => scope !== ""),
      ...(Option.isSome(requestsPerSecond) ? { requestsPerSecond: requestsPerSecond.value } : {})
    }))
  )

/**
 * The client as a layer, its options read from `Config` (by default {@link config}: `COUPA_*`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (options: Config.Config<ClientOptions> = config()): Layer.Layer<CoupaClient, CoupaError | Config.ConfigError> =>
  Layer.effect(CoupaClient, Effect.flatMap(options, (resolved) => Effect.flatMap(HttpClient.HttpClient, (http) => fromClient(http, resolved)))).pipe(
    Layer.provide(FetchHttpClient.layer)
  )
