/**
 * The resilient request path every API call goes through: a shared cooldown after 429s, a
 * request limiter that keeps the instance's count of requests per window under the rule, a
 * concurrency limit, authentication (with one token refresh and retry on 401), a per-attempt
 * timeout, and retries of 502/503/504, timeouts and connection failures within a budget.
 *
 * @internal
 */
import { Clock, Deferred, Duration, Effect, Random, Redacted, Semaphore } from "effect"
import { Base64 } from "effect/encoding"
import { HttpClient, HttpClientRequest } from "effect/http"
import type * as Auth from "../Auth.js"
import { ConnectorError, type ConnectorErrorReason } from "../ConnectorError.js"

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

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

export interface Limits {
  readonly requests: number | undefined
  readonly window: number
  readonly margin: number
  readonly maxConcurrency: number
}

export interface ResolvedOptions {
  readonly instanceUrl: URL
  readonly auth: Auth.Auth
  readonly timeout: number
  readonly retry: RetryPolicy
  readonly limits: Limits
}

export interface Call {
  readonly operation: string
  readonly method: Method
  readonly url: URL
  readonly body?: unknown
  /** Whether sending it twice is harmless, so ambiguous failures (timeouts, 5xx) may be retried. */
  readonly idempotent: boolean
}

export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  /** The body was not JSON (`body` then describes it as an error envelope). */
  readonly unparsable?: boolean
}

export interface Transport {
  readonly send: (call: Call) => Effect.Effect<Reply, ConnectorError>
  readonly url: (path: string, params?: Readonly<Record<string, string | undefined>>) => URL
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

/** The instance's error envelope: `{"error": {"message", "detail"}, "status": "failure"}`. */
export const errorEnvelope = (body: unknown): { readonly message?: string; readonly detail?: string } => {
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
  return {}
}

export const isExecutionTimeExceeded = (body: unknown): boolean => {
  const { message, detail } = errorEnvelope(body)
  return /maximum execution time exceeded/i.test(`${message ?? ""} ${detail ?? ""}`)
}

const reasonOf = (status: number): ConnectorErrorReason => {
  if (status === 401) return "Unauthorized"
  if (status === 403) return "Forbidden"
  if (status === 404) return "NotFound"
  if (status === 409) return "Conflict"
  if (status === 429) return "RateLimited"
  if (status === 408 || status === 504) return "Timeout"
  if (status >= 500) return "Unavailable"
  return "Invalid"
}

/** Maps a non-2xx reply to an error. */
export const replyError = (operation: string, reply: Reply, extra?: { readonly retryAfterMillis?: number }): ConnectorError => {
  const { message, detail } = errorEnvelope(reply.body)
  if (isExecutionTimeExceeded(reply.body)) {
    return new ConnectorError({
      reason: "Timeout",
      retryable: true,
      operation,
      status: reply.status,
      executionTimeExceeded: true,
      message: `${operation}: the instance cancelled the transaction (maximum execution time exceeded); ask for fewer rows or fields`,
      ...(detail === undefined ? {} : { detail })
    })
  }
  const reason = reasonOf(reply.status)
  const mfa = reply.status === 401 && reply.headers["x-mfa_token"] !== undefined
  const retryable = reason === "RateLimited" || reason === "Timeout" || reply.status === 502 || reply.status === 503
  return new ConnectorError({
    reason,
    retryable,
    operation,
    status: reply.status,
    message: `${operation}: ${reply.status} ${message ?? reason}${mfa ? " (the user has multi-factor authentication: use OAuth)" : ""}`,
    ...(detail === undefined ? {} : { detail }),
    ...(extra?.retryAfterMillis === undefined ? {} : { retryAfterMillis: extra.retryAfterMillis })
  })
}

/** `Retry-After` in seconds (decimals accepted) or as an HTTP date, as a delay in milliseconds. */
export const parseRetryAfter = (value: string | undefined, now: number): number | undefined => {
  if (value === undefined || value.trim() === "") return undefined
  const seconds = Number(value.trim())
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** `X-RateLimit-Reset`: the UNIX time (seconds) the window resets, as a delay in milliseconds. */
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

interface Authenticator {
  readonly credential: Effect.Effect<Credential, ConnectorError>
  /** Drops the credential after a 401; true when a new one may be worth a retry (OAuth). */
  readonly invalidate: (credential: Credential) => Effect.Effect<boolean>
}

interface TokenState {
  access: { readonly value: Redacted.Redacted<string>; readonly expiresAt: number; readonly lifetime: number } | undefined
  refresh: Redacted.Redacted<string> | undefined
}

const makeAuthenticator = (
  http: HttpClient.HttpClient,
  options: ResolvedOptions,
  backoff: (attempt: number, cap: number) => Effect.Effect<number>
): Authenticator => {
  const auth = options.auth
  if (auth.type === "basic") {
    const credential: Credential = {
      header: "Authorization",
      value: Redacted.make(`Basic ${Base64.encode(`${auth.username}:${Redacted.value(auth.password)}`)}`)
    }
    return { credential: Effect.succeed(credential), invalidate: () => Effect.succeed(false) }
  }
  if (auth.type === "apiKey") {
    const credential: Credential = { header: auth.header ?? "x-sn-apikey", value: auth.key }
    return { credential: Effect.succeed(credential), invalidate: () => Effect.succeed(false) }
  }
  const state: TokenState = {
    access: undefined,
    refresh: auth.grant.type === "refresh_token" ? auth.grant.refreshToken : undefined
  }
  const lock = Semaphore.makeUnsafe(1)
  const tokenUrl = new URL(auth.tokenPath ?? "/oauth_token.do", options.instanceUrl)
  const refreshBefore = auth.refreshBefore === undefined ? 60_000 : Duration.toMillis(auth.refreshBefore)
  const operation = "OAuth.token"

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
            return yield* new ConnectorError({
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
          yield* Effect.logDebug("ServiceNow token request failed; retrying").pipe(
            Effect.annotateLogs({ grant, delayMillis: Math.round(delay) })
          )
          yield* Effect.sleep(delay)
          continue
        }
        if (outcome._tag === "Timeout") {
          return yield* new ConnectorError({ reason: "Timeout", retryable: true, operation, message: `${operation}: no answer from the token endpoint` })
        }
        if (outcome._tag === "Transport") {
          return yield* new ConnectorError({ reason: "Unavailable", retryable: true, operation, message: `${operation}: ${outcome.message}` })
        }
        const { message, detail } = errorEnvelope(outcome.reply.body)
        const refused = outcome.reply.status === 400 || outcome.reply.status === 401
        return yield* new ConnectorError({
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
      return yield* new ConnectorError({ reason: "Unauthorized", retryable: false, operation, message: `${operation}: no refresh token to use` })
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
  })

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

export const makeTransport = (http: HttpClient.HttpClient, options: ResolvedOptions): Transport => {
  const permits = Semaphore.makeUnsafe(Math.max(1, options.limits.maxConcurrency))
  const limiter = makeLimiter(options.limits)
  /** Shared by every call: one cooldown after a 429, and how many headerless 429s came in a row. */
  const shared = { cooldownUntil: 0, epoch: 0, headerless: 0 }

  const backoff = (attempt: number, cap: number) =>
    Effect.map(Random.next, (r) => {
      const ceiling = Math.min(cap, options.retry.baseDelay * 2 ** attempt)
      return ceiling * (0.5 + r / 2) // half fixed, half jitter
    })

  const authenticator = makeAuthenticator(http, options, backoff)

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

  const send = (call: Call): Effect.Effect<Reply, ConnectorError> =>
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
              return yield* new ConnectorError({
                reason: "Invalid",
                retryable: false,
                operation: call.operation,
                status: reply.status,
                message: `${call.operation}: the instance answered ${reply.status} with a body that is not JSON`
              })
            }
            if (epoch === shared.epoch) shared.headerless = 0
            return reply
          }
          if (reply.status === 401 && !authRetried && (yield* authenticator.invalidate(credential))) {
            // The token expired or was revoked: one new token, one retry.
            authRetried = true
            yield* Effect.logDebug("ServiceNow answered 401; getting a new token and retrying once").pipe(
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
              return yield* replyError(call.operation, reply, { retryAfterMillis: wait })
            }
            yield* Effect.logDebug("ServiceNow answered 429; cooling down").pipe(
              Effect.annotateLogs({ operation: call.operation, delayMillis: Math.round(wait), fromHeaders: told !== undefined })
            )
            continue
          }
          const transient = reply.status === 502 || reply.status === 503 || reply.status === 504
          if (!transient || isExecutionTimeExceeded(reply.body)) return yield* replyError(call.operation, reply)
          if (!call.idempotent || retries >= options.retry.maxRetries) return yield* replyError(call.operation, reply)
        } else if (!call.idempotent || retries >= options.retry.maxRetries) {
          return yield* outcomeError(call, outcome)
        }

        const delay = yield* backoff(retries, options.retry.maxDelay)
        if (now + delay - started > options.retry.budget) {
          return yield* outcome._tag === "Reply" ? replyError(call.operation, outcome.reply) : outcomeError(call, outcome)
        }
        retries++
        yield* Effect.logDebug("ServiceNow call failed; retrying").pipe(
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

  return { send, url, options }
}

const outcomeError = (call: Call, outcome: Exclude<Outcome, { readonly _tag: "Reply" }>): ConnectorError =>
  outcome._tag === "Timeout"
    ? new ConnectorError({
      reason: "Timeout",
      retryable: true,
      operation: call.operation,
      message: `${call.operation}: no answer within the timeout${call.idempotent ? "" : " (not retried: the call may have been applied)"}`
    })
    : new ConnectorError({
      reason: "Unavailable",
      retryable: true,
      operation: call.operation,
      message: `${call.operation}: ${outcome.message}`
    })
