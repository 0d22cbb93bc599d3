/**
 * The resilient request path every call of a connector goes through: a shared cooldown after
 * 429s, a request limiter that keeps the system's count of requests per window under its rule, a
 * concurrency limit, authentication (with one token refresh and retry on 401), a per-attempt
 * timeout, and retries of 502/503/504, timeouts and connection failures within a budget. What
 * differs between systems (their error envelope, their error class, defaults) comes in as a
 * {@link System}.
 *
 * ```ts
 * import { HttpAuth, HttpTransport } from "@procura/connector-kit"
 * import { Effect } from "effect"
 * import { HttpClient } from "effect/http"
 *
 * const transport = Effect.map(HttpClient.HttpClient, (http) =>
 *   HttpTransport.make(http, {
 *     instanceUrl: new URL("https://acme.example.com"),
 *     auth: HttpAuth.oauthClientCredentials({ clientId: "id", clientSecret: "secret", tokenPath: "/oauth2/token" }),
 *     timeout: 30_000,
 *     retry: { maxRetries: 4, budget: 60_000, baseDelay: 250, maxDelay: 10_000, rateLimitBudget: 600_000, rateLimitMaxDelay: 60_000 },
 *     limits: { requests: 20, window: 1_000, margin: 10, maxConcurrency: 4 }
 *   }, HttpTransport.plainSystem("Acme")))
 * ```
 *
 * @since 0.1.0
 */
import { Clock, Deferred, Duration, Effect, Random, Redacted, Semaphore } from "effect"
import { Base64 } from "effect/encoding"
import { HttpClient, HttpClientRequest } from "effect/http"
import type * as HttpAuth from "./HttpAuth.js"

/**
 * An HTTP method.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/**
 * Why a call failed, in the same words for every system.
 *
 * - `Unauthorized`: 401 (after one new token), or the token endpoint refused the credentials.
 * - `Forbidden`: 403: the credentials lack a permission (an ACL, a scope).
 * - `NotFound`: 404.
 * - `Invalid`: another 4xx, or an answer that could not be read.
 * - `Conflict`: 409.
 * - `RateLimited`: 429 and the wait asked for does not fit the retry budget.
 * - `Unavailable`: 5xx or the connection failed.
 * - `Timeout`: no answer within the timeout.
 *
 * @since 0.1.0
 * @category models
 */
export type Reason = "Unauthorized" | "Forbidden" | "NotFound" | "Invalid" | "Conflict" | "RateLimited" | "Unavailable" | "Timeout"

/**
 * How a connector's failures map to HTTP statuses for hosts (spread into its `Problem.family`):
 * a failed call is the host's upstream failing, not its caller's fault, so refused credentials,
 * permissions and input are a 502; a rate limit a 429, an unreachable system a 503, a timeout a
 * 504. The system's own `status` and `detail` are published as `upstreamStatus` and
 * `upstreamDetail`.
 *
 * @since 0.1.0
 * @category problems
 */
export const upstreamProblem = {
  reasons: {
    Unauthorized: 502,
    Forbidden: 502,
    Invalid: 502,
    NotFound: 404,
    Conflict: 409,
    RateLimited: 429,
    Unavailable: 503,
    Timeout: 504
  },
  rename: { status: "upstreamStatus", detail: "upstreamDetail" }
} as const satisfies { readonly reasons: { readonly [R in Reason]: number }; readonly rename: Readonly<Record<string, string>> }

/**
 * A failed call, before the connector turns it into its own error class.
 *
 * @since 0.1.0
 * @category models
 */
export interface Failure {
  readonly reason: Reason
  /** Whether the same call may succeed later. */
  readonly retryable: boolean
  /** The client operation, e.g. `Table.list`. */
  readonly operation: string
  readonly message: string
  /** The HTTP status, when the system answered. */
  readonly status?: number
  /** The detail of the system's error envelope. */
  readonly detail?: string
  /** For `RateLimited`: how long the system asked to wait, in milliseconds. */
  readonly retryAfterMillis?: number
}

/**
 * What a system's transport needs to know of it.
 *
 * @since 0.1.0
 * @category models
 */
export interface System<E> {
  /** Its name, in messages and logs: "ServiceNow", "Coupa". */
  readonly name: string
  /** Reads its error envelope: the message and detail of a failed answer. */
  readonly envelope: (body: unknown) => { readonly message?: string; readonly detail?: string }
  /** The connector's error for a failure. */
  readonly fail: (failure: Failure) => E
  /**
   * An answer the system means otherwise than its status says (ServiceNow's "maximum execution
   * time exceeded" 400): its error, never retried.
   */
  readonly special?: (operation: string, reply: Reply) => E | undefined
  /** Words added to a 401's message (ServiceNow: the user has multi-factor authentication). */
  readonly unauthorizedHint?: (reply: Reply) => string | undefined
  /** Where tokens come from when the auth names no `tokenPath`; the API key header by default. */
  readonly defaults?: { readonly tokenPath?: string; readonly apiKeyHeader?: string }
}

/**
 * How calls are retried.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  /** Retries of 502/503/504, timeouts and connection failures (idempotent calls only). */
  readonly maxRetries: number
  /** Time a call may spend retrying those, in milliseconds. */
  readonly budget: number
  readonly baseDelay: number
  readonly maxDelay: number
  /** Time a call may spend waiting out 429s, in milliseconds. */
  readonly rateLimitBudget: number
  /** Cap of the backoff after a 429 without Retry-After or X-RateLimit-Reset. */
  readonly rateLimitMaxDelay: number
}

/**
 * How many requests go out: at most `requests` in any `window` milliseconds (plus `margin`),
 * `maxConcurrency` at a time.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limits {
  readonly requests: number | undefined
  readonly window: number
  readonly margin: number
  readonly maxConcurrency: number
}

/**
 * The options of a transport, resolved: every duration in milliseconds.
 *
 * @since 0.1.0
 * @category models
 */
export interface ResolvedOptions {
  readonly instanceUrl: URL
  readonly auth: HttpAuth.Auth
  readonly timeout: number
  readonly retry: RetryPolicy
  readonly limits: Limits
}

/**
 * One call.
 *
 * @since 0.1.0
 * @category models
 */
export interface Call {
  readonly operation: string
  readonly method: Method
  readonly url: URL
  readonly body?: unknown
  /** Whether sending it twice is harmless, so ambiguous failures (timeouts, 5xx) may be retried. */
  readonly idempotent: boolean
}

/**
 * An answer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  /** The body was not JSON (`body` then describes it as an error envelope). */
  readonly unparsable?: boolean
}

/**
 * A transport: `send` a call and get its answer (2xx) or the connector's error.
 *
 * @since 0.1.0
 * @category models
 */
export interface Transport<E> {
  readonly send: (call: Call) => Effect.Effect<Reply, E>
  /** A URL on the instance, with query parameters (undefined ones left out). */
  readonly url: (path: string, params?: Readonly<Record<string, string | undefined>>) => URL
  /** The error of a non-2xx answer (for answers inside a batch, say). */
  readonly replyError: (operation: string, reply: Reply, extra?: { readonly retryAfterMillis?: number }) => E
  readonly options: ResolvedOptions
}

type Outcome =
  | { readonly _tag: "Reply"; readonly reply: Reply }
  | { readonly _tag: "Timeout" }
  | { readonly _tag: "Transport"; readonly message: string }

interface Credential {
  readonly header: string
  readonly value: Redacted.Redacted<string>
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const reasonOf = (status: number): Reason => {
  if (status === 401) return "Unauthorized"
  if (status === 403) return "Forbidden"
  if (status === 404) return "NotFound"
  if (status === 409) return "Conflict"
  if (status === 429) return "RateLimited"
  if (status === 408 || status === 504) return "Timeout"
  if (status >= 500) return "Unavailable"
  return "Invalid"
}

/**
 * The error of a non-2xx answer, for a system.
 *
 * @since 0.1.0
 * @category errors
 */
export const replyError = <E>(system: System<E>, operation: string, reply: Reply, extra?: { readonly retryAfterMillis?: number }): E => {
  const special = system.special?.(operation, reply)
  if (special !== undefined) return special
  const { message, detail } = system.envelope(reply.body)
  const reason = reasonOf(reply.status)
  const hint = reply.status === 401 ? system.unauthorizedHint?.(reply) : undefined
  const retryable = reason === "RateLimited" || reason === "Timeout" || reply.status === 502 || reply.status === 503
  return system.fail({
    reason,
    retryable,
    operation,
    status: reply.status,
    message: `${operation}: ${reply.status} ${message ?? reason}${hint === undefined ? "" : ` (${hint})`}`,
    ...(detail === undefined ? {} : { detail }),
    ...(extra?.retryAfterMillis === undefined ? {} : { retryAfterMillis: extra.retryAfterMillis })
  })
}

/**
 * A system with the common error envelopes (`{"error": {"message", "detail"}}`, `{"error",
 * "error_description"}`, `{"errors": ...}`), whose errors are the failures themselves.
 *
 * @since 0.1.0
 * @category constructors
 */
export const plainSystem = (name: string): System<Failure> => ({ name, envelope: commonEnvelope, fail: (failure) => failure })

/**
 * Reads the common error envelopes: `{"error": {"message", "detail"}}`, OAuth's `{"error",
 * "error_description"}`, and `{"errors": {"<resource>": ["...", ...]}}` or `{"errors": ["..."]}`.
 *
 * @since 0.1.0
 * @category helpers
 */
export const commonEnvelope = (body: unknown): { readonly message?: string; readonly detail?: string } => {
  if (!isObject(body)) return {}
  const error = body["error"]
  if (isObject(error)) {
    return {
      ...(typeof error["message"] === "string" ? { message: error["message"] } : {}),
      ...(typeof error["detail"] === "string" ? { detail: error["detail"] } : {})
    }
  }
  if (typeof error === "string") {
    return {
      message: error,
      ...(typeof body["error_description"] === "string" ? { detail: body["error_description"] } : {})
    }
  }
  const errors = body["errors"]
  const messages = Array.isArray(errors)
    ? errors.filter((e): e is string => typeof e === "string")
    : isObject(errors)
    ? Object.entries(errors).flatMap(([field, list]) =>
      (Array.isArray(list) ? list : [list]).filter((e): e is string => typeof e === "string").map((e) => field === "base" ? e : `${field}: ${e}`)
    )
    : []
  return messages.length === 0 ? {} : { message: messages.join("; ") }
}

/**
 * `Retry-After` in seconds (decimals accepted) or as an HTTP date, as a delay in milliseconds.
 *
 * @since 0.1.0
 * @category helpers
 */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const seconds = Number(value.trim())
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/**
 * `X-RateLimit-Reset`: the UNIX time (seconds) the window resets, as a delay in milliseconds.
 *
 * @since 0.1.0
 * @category helpers
 */
export const parseRateLimitReset = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const n = Number(value.trim())
  if (!Number.isFinite(n) || n < 0) return undefined
  if (n > 1e12) return Math.max(0, n - now) // milliseconds
  if (n > 1e9) return Math.max(0, n * 1000 - now) // seconds since the epoch
  return n * 1000 // a relative number of seconds
}

const describe = (error: unknown): string => {
  if (isObject(error) && isObject(error["reason"])) {
    const reason = error["reason"]
    const cause = reason["cause"]
    const tag = typeof reason["_tag"] === "string" ? reason["_tag"] : "TransportError"
    const text = cause instanceof Error ? cause.message : typeof reason["description"] === "string" ? reason["description"] : ""
    return text === "" ? tag : `${tag}: ${text}`
  }
  return error instanceof Error ? error.message : String(error)
}

/** A response body: `undefined` when empty, `{ ok: false }` when it is not JSON. */
const parseBody = (text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } => {
  if (text.trim() === "") return { ok: true, value: undefined }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false }
  }
}

// ---------------------------------------------------------------------------------------------
// Limiter: at most `requests` requests in any `window` (+ margin)
// ---------------------------------------------------------------------------------------------

/**
 * Spaces requests so that the instance, counting them as they arrive in windows of `window`
 * milliseconds, never sees more than `requests` in one window, whatever the windows' alignment.
 *
 * Request k may leave only `window + margin` after request k - requests *finished*: the instance
 * counts a request somewhere between its send and its answer, so measuring from the answer keeps
 * the guarantee however long requests take to arrive (a busy event loop, a slow network, a first
 * connection). When the answer of request k - requests said when its window resets
 * (`X-RateLimit-Reset`), request k may leave at that reset instead, if that is sooner: it then
 * falls in a later window than request k - requests. Tickets are served first come, first served.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeLimiter = (limits: Limits) => {
  const limit = limits.requests
  const span = limits.window + limits.margin
  /** When each of the last `limit` tickets lets the ticket `limit` places later go, by ticket modulo `limit`. */
  const finished: Array<Deferred.Deferred<number>> = []
  let issued = 0
  return {
    run: <A, E, R>(effect: Effect.Effect<A, E, R>, resetOf: (a: A) => number | undefined): Effect.Effect<A, E, R> => {
      if (limit === undefined) return effect
      return Effect.suspend(() => {
        const slot = issued++ % limit
        const previous = finished[slot]
        const mine = Deferred.makeUnsafe<number>()
        finished[slot] = mine
        const wait = previous === undefined ? Effect.void : Effect.gen(function*() {
          const free = yield* Deferred.await(previous)
          const now = yield* Clock.currentTimeMillis
          if (free > now) yield* Effect.sleep(free - now)
        })
        let reset: number | undefined
        return wait.pipe(
          Effect.andThen(effect),
          Effect.tap((a) => Effect.sync(() => {
            reset = resetOf(a)
          })),
          Effect.ensuring(Effect.flatMap(Clock.currentTimeMillis, (now) =>
            Deferred.succeed(mine, Math.min(now + span, reset === undefined || reset < now - span ? Infinity : reset + limits.margin))))
        )
      })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------------------------

interface Authenticator<E> {
  readonly credential: Effect.Effect<Credential, E>
  /** Drops the credential after a 401; true when a new one may be worth a retry (OAuth). */
  readonly invalidate: (credential: Credential) => Effect.Effect<boolean>
}

interface TokenState {
  access: { readonly value: Redacted.Redacted<string>; readonly expiresAt: number; readonly lifetime: number } | undefined
  refresh: Redacted.Redacted<string> | undefined
}

const makeAuthenticator = <E>(
  http: HttpClient.HttpClient,
  options: ResolvedOptions,
  system: System<E>,
  backoff: (attempt: number, cap: number) => Effect.Effect<number>
): Authenticator<E> => {
  const auth = options.auth
  if (auth.type === "basic") {
    const credential: Credential = {
      header: "Authorization",
      value: Redacted.make(`Basic ${Base64.encode(`${auth.username}:${Redacted.value(auth.password)}`)}`)
    }
    return { credential: Effect.succeed(credential), invalidate: () => Effect.succeed(false) }
  }
  if (auth.type === "apiKey") {
    const credential: Credential = { header: auth.header ?? system.defaults?.apiKeyHeader ?? "x-api-key", value: auth.key }
    return { credential: Effect.succeed(credential), invalidate: () => Effect.succeed(false) }
  }
  const state: TokenState = {
    access: undefined,
    refresh: auth.grant.type === "refresh_token" ? auth.grant.refreshToken : undefined
  }
  const lock = Semaphore.makeUnsafe(1)
  const tokenUrl = new URL(auth.tokenPath ?? system.defaults?.tokenPath ?? "/oauth/token", options.instanceUrl)
  const refreshBefore = auth.refreshBefore === undefined ? 60_000 : Duration.toMillis(auth.refreshBefore)
  const operation = "OAuth.token"
  // Failures stay failures inside (a refused refresh falls back to the primary grant by its
  // reason); the credential turns them into the system's error.
  const fail = (failure: Failure) => Effect.fail(failure)

  const request = (grant: "password" | "refresh_token" | "client_credentials") =>
    Effect.gen(function*() {
      const params: Record<string, string> = {
        grant_type: grant,
        client_id: auth.clientId,
        client_secret: Redacted.value(auth.clientSecret)
      }
      if (grant === "password" && auth.grant.type === "password") {
        params["username"] = auth.grant.username
        params["password"] = Redacted.value(auth.grant.password)
      }
      if (grant === "refresh_token" && state.refresh !== undefined) params["refresh_token"] = Redacted.value(state.refresh)
      // Scopes, space-separated, as OAuth 2.0 says (a comma-separated list is one unknown scope).
      if (auth.scopes !== undefined && auth.scopes.length > 0) params["scope"] = auth.scopes.join(" ")
      let attempt = 0
      while (true) {
        const outcome: Outcome = yield* http.execute(
          HttpClientRequest.post(tokenUrl, { acceptJson: true }).pipe(HttpClientRequest.bodyUrlParams(params))
        ).pipe(
          Effect.flatMap((response) =>
            Effect.map(response.text, (text): Outcome => {
              const parsed = parseBody(text)
              const body = parsed.ok ? parsed.value : text
              return { _tag: "Reply", reply: { status: response.status, headers: response.headers, body } }
            })
          ),
          Effect.catch((error) => Effect.succeed<Outcome>({ _tag: "Transport", message: describe(error) })),
          Effect.timeoutOrElse({ duration: options.timeout, orElse: () => Effect.succeed<Outcome>({ _tag: "Timeout" }) })
        )
        if (outcome._tag === "Reply" && outcome.reply.status >= 200 && outcome.reply.status < 300) {
          const body = outcome.reply.body
          if (!isObject(body) || typeof body["access_token"] !== "string" || body["access_token"] === "") {
            return yield* fail({
              reason: "Invalid",
              retryable: false,
              operation,
              status: outcome.reply.status,
              message: `${operation}: the token endpoint answered without an access_token`
            })
          }
          const expiresIn = Number(body["expires_in"] ?? 1800)
          const lifetime = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 1_800_000
          const now = yield* Clock.currentTimeMillis
          state.access = { value: Redacted.make(body["access_token"]), expiresAt: now + lifetime, lifetime }
          if (typeof body["refresh_token"] === "string" && body["refresh_token"] !== "") {
            state.refresh = Redacted.make(body["refresh_token"])
          }
          return
        }
        const transient = outcome._tag !== "Reply" || [502, 503, 504].includes(outcome.reply.status)
        if (transient && attempt < options.retry.maxRetries) {
          const delay = yield* backoff(attempt, options.retry.maxDelay)
          attempt++
          yield* Effect.logDebug(`${system.name} token request failed; retrying`).pipe(
            Effect.annotateLogs({ grant, delayMillis: Math.round(delay) })
          )
          yield* Effect.sleep(delay)
          continue
        }
        if (outcome._tag === "Timeout") {
          return yield* fail({ reason: "Timeout", retryable: true, operation, message: `${operation}: no answer from the token endpoint` })
        }
        if (outcome._tag === "Transport") {
          return yield* fail({ reason: "Unavailable", retryable: true, operation, message: `${operation}: ${outcome.message}` })
        }
        const { message, detail } = system.envelope(outcome.reply.body)
        const refused = outcome.reply.status === 400 || outcome.reply.status === 401
        return yield* fail({
          reason: refused ? "Unauthorized" : reasonOf(outcome.reply.status),
          retryable: !refused && outcome.reply.status >= 500,
          operation,
          status: outcome.reply.status,
          message: `${operation}: the token endpoint refused the ${grant} grant (${outcome.reply.status}${message === undefined ? "" : ` ${message}`})`,
          ...(detail === undefined ? {} : { detail })
        })
      }
    })

  const primary = auth.grant.type === "refresh_token" ? undefined : auth.grant.type
  const obtain = Effect.gen(function*() {
    if (state.refresh !== undefined) {
      const refreshed = yield* request("refresh_token").pipe(
        Effect.as(true),
        Effect.catch((error) =>
          primary !== undefined && error.reason === "Unauthorized" ? Effect.succeed(false) : Effect.fail(error)
        )
      )
      if (refreshed) return
      state.refresh = undefined
    }
    if (primary === undefined) {
      return yield* fail({ reason: "Unauthorized", retryable: false, operation, message: `${operation}: no refresh token to use` })
    }
    yield* request(primary)
  })

  const fresh = (now: number) =>
    state.access !== undefined && now < state.access.expiresAt - Math.min(refreshBefore, state.access.lifetime / 2)

  const credential = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    if (!fresh(now)) {
      yield* lock.withPermit(Effect.gen(function*() {
        // Another fiber may have refreshed while this one waited for the lock.
        if (fresh(yield* Clock.currentTimeMillis)) return
        yield* obtain
      }))
    }
    return { header: "Authorization", value: Redacted.make(`Bearer ${Redacted.value(state.access!.value)}`) } satisfies Credential
  }).pipe(Effect.mapError(system.fail))

  return {
    credential,
    invalidate: (used) =>
      Effect.sync(() => {
        if (state.access !== undefined && Redacted.value(used.value) === `Bearer ${Redacted.value(state.access.value)}`) {
          state.access = undefined
        }
        return true
      })
  }
}

// ---------------------------------------------------------------------------------------------
// Transport
// ---------------------------------------------------------------------------------------------

/**
 * Builds a transport on an `HttpClient` for a system.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <E>(http: HttpClient.HttpClient, options: ResolvedOptions, system: System<E>): Transport<E> => {
  const permits = Semaphore.makeUnsafe(Math.max(1, options.limits.maxConcurrency))
  const limiter = makeLimiter(options.limits)
  /** Shared by every call: one cooldown after a 429, and how many headerless 429s came in a row. */
  const shared = { cooldownUntil: 0, epoch: 0, headerless: 0 }

  const backoff = (attempt: number, cap: number) =>
    Effect.map(Random.next, (r) => {
      const ceiling = Math.min(cap, options.retry.baseDelay * 2 ** attempt)
      return ceiling * (0.5 + r / 2) // half fixed, half jitter
    })

  const authenticator = makeAuthenticator(http, options, system, backoff)
  const failWith = (call: Call, reply: Reply, extra?: { readonly retryAfterMillis?: number }) => replyError(system, call.operation, reply, extra)

  const waitCooldown = Effect.gen(function*() {
    while (true) {
      const now = yield* Clock.currentTimeMillis
      if (shared.cooldownUntil <= now) return
      yield* Effect.sleep(shared.cooldownUntil - now)
    }
  })

  const attempt = (call: Call, credential: Credential): Effect.Effect<Outcome> => {
    const headers: Record<string, string> = { Accept: "application/json" }
    headers[credential.header] = Redacted.value(credential.value)
    let request = HttpClientRequest.make(call.method)(call.url, { headers })
    if (call.body !== undefined) request = HttpClientRequest.bodyText(request, JSON.stringify(call.body), "application/json")
    return http.execute(request).pipe(
      Effect.flatMap((response) =>
        Effect.map(response.text, (text): Outcome => {
          const parsed = parseBody(text)
          const reply: Reply = parsed.ok
            ? { status: response.status, headers: response.headers, body: parsed.value }
            : {
              status: response.status,
              headers: response.headers,
              body: { error: { message: "the response is not JSON", detail: text.slice(0, 200) } },
              unparsable: true
            }
          return { _tag: "Reply", reply }
        })
      ),
      Effect.catch((error) => Effect.succeed<Outcome>({ _tag: "Transport", message: describe(error) })),
      Effect.timeoutOrElse({ duration: options.timeout, orElse: () => Effect.succeed<Outcome>({ _tag: "Timeout" }) })
    )
  }

  const send = (call: Call): Effect.Effect<Reply, E> =>
    Effect.gen(function*() {
      const started = yield* Clock.currentTimeMillis
      let retries = 0
      let authRetried = false
      while (true) {
        yield* waitCooldown
        const { outcome, epoch, credential } = yield* permits.withPermit(limiter.run(
          Effect.gen(function*() {
            yield* waitCooldown
            const credential = yield* authenticator.credential
            const epoch = shared.epoch
            const outcome = yield* attempt(call, credential)
            return { outcome, epoch, credential, answeredAt: yield* Clock.currentTimeMillis }
          }),
          // When the instance says the window of this request resets, for the limiter.
          ({ answeredAt, outcome }) => {
            if (outcome._tag !== "Reply" || outcome.reply.status === 429) return undefined
            const delay = parseRateLimitReset(outcome.reply.headers["x-ratelimit-reset"], answeredAt)
            return delay === undefined ? undefined : answeredAt + delay
          }
        ))
        const now = yield* Clock.currentTimeMillis

        if (outcome._tag === "Reply") {
          const reply = outcome.reply
          if (reply.status >= 200 && reply.status < 300) {
            if (reply.unparsable === true) {
              return yield* Effect.fail(system.fail({
                reason: "Invalid",
                retryable: false,
                operation: call.operation,
                status: reply.status,
                message: `${call.operation}: ${system.name} answered ${reply.status} with a body that is not JSON`
              }))
            }
            if (epoch === shared.epoch) shared.headerless = 0
            return reply
          }
          if (reply.status === 401 && !authRetried && (yield* authenticator.invalidate(credential))) {
            // The token expired or was revoked: one new token, one retry.
            authRetried = true
            yield* Effect.logDebug(`${system.name} answered 401; getting a new token and retrying once`).pipe(
              Effect.annotateLogs({ operation: call.operation })
            )
            continue
          }
          if (reply.status === 429) {
            const told = parseRetryAfter(reply.headers["retry-after"], now) ??
              parseRateLimitReset(reply.headers["x-ratelimit-reset"], now)
            let until: number
            if (told !== undefined) {
              until = now + told
              shared.epoch++
            } else if (epoch === shared.epoch) {
              // Headerless 429 (queue saturation): back off, longer each time, for every call at once.
              until = now + (yield* backoff(shared.headerless, options.retry.rateLimitMaxDelay))
              shared.headerless++
              shared.epoch++
            } else {
              // A cooldown began after this request was sent: it covers this one too.
              until = shared.cooldownUntil
            }
            shared.cooldownUntil = Math.max(shared.cooldownUntil, until)
            const wait = Math.max(0, shared.cooldownUntil - now)
            if (now + wait - started > options.retry.rateLimitBudget) {
              return yield* Effect.fail(failWith(call, reply, { retryAfterMillis: wait }))
            }
            yield* Effect.logDebug(`${system.name} answered 429; cooling down`).pipe(
              Effect.annotateLogs({ operation: call.operation, delayMillis: Math.round(wait), fromHeaders: told !== undefined })
            )
            continue
          }
          const transient = reply.status === 502 || reply.status === 503 || reply.status === 504
          if (!transient || system.special?.(call.operation, reply) !== undefined) return yield* Effect.fail(failWith(call, reply))
          if (!call.idempotent || retries >= options.retry.maxRetries) return yield* Effect.fail(failWith(call, reply))
        } else if (!call.idempotent || retries >= options.retry.maxRetries) {
          return yield* Effect.fail(system.fail(outcomeFailure(call, outcome)))
        }

        const delay = yield* backoff(retries, options.retry.maxDelay)
        if (now + delay - started > options.retry.budget) {
          return yield* Effect.fail(outcome._tag === "Reply" ? failWith(call, outcome.reply) : system.fail(outcomeFailure(call, outcome)))
        }
        retries++
        yield* Effect.logDebug(`${system.name} call failed; retrying`).pipe(
          Effect.annotateLogs({
            operation: call.operation,
            failure: outcome._tag === "Reply" ? String(outcome.reply.status) : outcome._tag,
            attempt: retries,
            delayMillis: Math.round(delay)
          })
        )
        yield* Effect.sleep(delay)
      }
    })

  const url = (path: string, params?: Readonly<Record<string, string | undefined>>) => {
    const target = new URL(path, options.instanceUrl)
    for (const [name, value] of Object.entries(params ?? {})) if (value !== undefined) target.searchParams.set(name, value)
    return target
  }

  return { send, url, replyError: (operation, reply, extra) => replyError(system, operation, reply, extra), options }
}

const outcomeFailure = (call: Call, outcome: Exclude<Outcome, { readonly _tag: "Reply" }>): Failure =>
  outcome._tag === "Timeout"
    ? ({
      reason: "Timeout",
      retryable: true,
      operation: call.operation,
      message: `${call.operation}: no answer within the timeout${call.idempotent ? "" : " (not retried: the call may have been applied)"}`
    })
    : ({
      reason: "Unavailable",
      retryable: true,
      operation: call.operation,
      message: `${call.operation}: ${outcome.message}`
    })
