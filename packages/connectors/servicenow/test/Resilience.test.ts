import { ImportSet } from "@procura/connector-servicenow"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { apiRequests, Client, setup, Sim } from "./utils.js"

const seedOne = Effect.map(Sim, (sim) => sim.seed("incident", [{ number: "INC1" }])[0]!["sys_id"]!)

const gaps = (times: ReadonlyArray<number>) => times.slice(1).map((t, i) => t - times[i]!)

const elapsed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = Date.now()
    const value = yield* effect
    return { value, millis: Date.now() - start }
  })

describe("Resilience", () => {
  describe("429", () => {
    it.live("waits as long as Retry-After says", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        sim.inject({ type: "rateLimit", headers: "retryAfter", retryAfter: 0.3 })
        yield* client.get("incident", id)
        const requests = yield* apiRequests
        assert.deepStrictEqual(requests.map((r) => r.status), [429, 200])
        assert.isAtLeast(requests[1]!.at - requests[0]!.at, 295)
      }).pipe(Effect.provide(setup())))

    it.live("waits whole seconds of a standard Retry-After", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        sim.inject({ type: "rateLimit", headers: "retryAfter", retryAfter: 1 })
        yield* client.get("incident", id)
        const requests = yield* apiRequests
        assert.isAtLeast(requests[1]!.at - requests[0]!.at, 995)
      }).pipe(Effect.provide(setup())))

    it.live("waits until X-RateLimit-Reset when there is no Retry-After", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        sim.inject({ type: "rateLimit", headers: "reset", retryAfter: 0.35 })
        yield* client.get("incident", id)
        const requests = yield* apiRequests
        assert.isUndefined(requests[0]!.headers["retry-after"])
        assert.deepStrictEqual(requests.map((r) => r.status), [429, 200])
        assert.isAtLeast(requests[1]!.at - requests[0]!.at, 340)
      }).pipe(Effect.provide(setup())))

    it.live("backs off exponentially with jitter when the 429 has no headers", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        sim.inject({ type: "rateLimit", headers: "none", times: 4 })
        yield* client.get("incident", id)
        const requests = yield* apiRequests
        assert.deepStrictEqual(requests.map((r) => r.status), [429, 429, 429, 429, 200])
        const [g1, g2, g3, g4] = gaps(requests.map((r) => r.at)) as [number, number, number, number]
        // base 40 ms, doubling, each delay between half and all of its ceiling
        assert.isAtLeast(g1, 19)
        assert.isAtLeast(g2, 39)
        assert.isAtLeast(g3, 79)
        assert.isAtLeast(g4, 159)
        assert.isAbove(g4, g1)
      }).pipe(Effect.provide(setup({}, { retry: { baseDelay: 40, rateLimitMaxDelay: 1000 } }))))

    it.live("one cooldown holds every concurrent call", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        sim.inject({ type: "rateLimit", headers: "retryAfter", retryAfter: 0.25 })
        yield* Effect.all(Array.from({ length: 8 }, () => client.get("incident", id)), { concurrency: "unbounded" })
        const requests = yield* apiRequests
        const limited = requests.filter((r) => r.status === 429)
        assert.strictEqual(limited.length, 1)
        assert.strictEqual(requests.filter((r) => r.status === 200).length, 8)
        const t0 = limited[0]!.at
        const during = requests.filter((r) => r.at > t0 + 120 && r.at < t0 + 265)
        assert.deepStrictEqual(during.map((r) => r.at - t0), [], "nothing is sent during the cooldown")
      }).pipe(Effect.provide(setup({ latency: 20 }, { limits: { maxConcurrency: 2 } }))))

    it.live("a headerless storm on concurrent calls escalates the shared backoff once, not once per call", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        yield* client.get("incident", id) // token first
        sim.clearLog()
        sim.inject({ type: "rateLimit", headers: "none", times: 4 })
        const { millis } = yield* elapsed(
          Effect.all(Array.from({ length: 4 }, () => client.get("incident", id)), { concurrency: "unbounded" })
        )
        const requests = sim.requests()
        assert.strictEqual(requests.filter((r) => r.status === 429).length, 4)
        assert.strictEqual(requests.filter((r) => r.status === 200).length, 4)
        // One step of a 100 ms base: 50 to 100 ms (four steps would be 400 to 800 ms).
        assert.isAtLeast(millis, 50)
        assert.isBelow(millis, 380)
      }).pipe(Effect.provide(setup({ latency: 15 }, { retry: { baseDelay: 100 }, limits: { maxConcurrency: 4 } }))))

    it.live("a wait beyond the rate-limit budget fails RateLimited with the wait, for a worker to reschedule", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        sim.inject({ type: "rateLimit", headers: "both", retryAfter: 30 })
        const { value: error, millis } = yield* elapsed(Effect.flip(client.get("incident", id)))
        assert.strictEqual(error.reason, "RateLimited")
        assert.isTrue(error.isRetryable)
        assert.strictEqual(error.status, 429)
        assert.approximately(error.retryAfterMillis ?? 0, 30_000, 1_000)
        assert.isBelow(millis, 1_000)
      }).pipe(Effect.provide(setup({}, { retry: { rateLimitBudget: 500 } }))))
  })

  describe("5xx, timeouts and connection failures", () => {
    it.live("retries 502 and 503 with backoff", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        sim.inject({ type: "status", status: 502 }, { type: "status", status: 503, after: 1 }, { type: "networkError", after: 2 })
        const record = yield* client.get("incident", id)
        assert.strictEqual(record["number"], "INC1")
        assert.deepStrictEqual((yield* apiRequests).map((r) => r.status), [502, 503, 0, 200])
      }).pipe(Effect.provide(setup())))

    it.live("gives up after maxRetries, marked retryable", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        sim.inject({ type: "status", status: 503, times: Infinity })
        const error = yield* Effect.flip(client.get("incident", id))
        assert.strictEqual(error.reason, "Unavailable")
        assert.strictEqual(error.status, 503)
        assert.isTrue(error.isRetryable)
        assert.strictEqual((yield* apiRequests).length, 3)
      }).pipe(Effect.provide(setup({}, { retry: { maxRetries: 2, baseDelay: 5 } }))))

    it.live("retries a timeout, and stops within the retry budget", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        sim.inject({ type: "timeout" })
        assert.strictEqual((yield* client.get("incident", id))["number"], "INC1")
        assert.deepStrictEqual((yield* apiRequests).map((r) => r.status), [0, 200])
        sim.clearLog()
        sim.inject({ type: "timeout", times: Infinity })
        const { value: error, millis } = yield* elapsed(Effect.flip(client.get("incident", id)))
        assert.strictEqual(error.reason, "Timeout")
        assert.isTrue(error.isRetryable)
        assert.isBelow(millis, 1_500)
        assert.isAtMost((yield* apiRequests).length, 5)
      }).pipe(Effect.provide(setup({}, { timeout: 80, retry: { budget: 400, baseDelay: 20, maxRetries: 10 } }))))

    it.live("does not repeat a create without a correlation_id after an ambiguous failure", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        sim.inject({ type: "timeout", apply: true })
        const error = yield* Effect.flip(client.create("incident", { short_description: "once" }))
        assert.strictEqual(error.reason, "Timeout")
        assert.include(error.message, "may have been applied")
        assert.strictEqual((yield* apiRequests).length, 1)
        assert.strictEqual(sim.records("incident").length, 1)
      }).pipe(Effect.provide(setup({}, { timeout: 80 }))))

    it.live("a create with a correlation_id whose response was lost is found, not duplicated", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        sim.inject({ type: "timeout", apply: true })
        const applied = yield* client.create("incident", { short_description: "lost answer", correlation_id: "PROCURA-1" })
        assert.strictEqual(applied["correlation_id"], "PROCURA-1")
        sim.inject({ type: "status", status: 502 })
        yield* client.create("incident", { short_description: "not applied", correlation_id: "PROCURA-2" })
        assert.deepStrictEqual(sim.records("incident").map((r) => r["correlation_id"]).sort(), ["PROCURA-1", "PROCURA-2"])
        assert.deepStrictEqual((yield* apiRequests).map((r) => `${r.method}:${r.status}`), [
          "POST:0", // applied, answer lost
          "GET:200", // found by correlation_id
          "GET:200", // read back
          "POST:502", // not applied
          "GET:200", // not found by correlation_id
          "POST:201"
        ])
      }).pipe(Effect.provide(setup({}, { timeout: 80 }))))
  })

  describe("client-side limits", () => {
    it.live("the limiter keeps a burst under the instance's rule: no 429 at all", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        const { millis } = yield* elapsed(
          Effect.all(Array.from({ length: 16 }, () => client.get("incident", id)), { concurrency: "unbounded" })
        )
        assert.strictEqual(sim.stats().rateLimited, 0)
        assert.strictEqual((yield* apiRequests).length, 16)
        assert.isAtLeast(millis, 3 * 250)
      }).pipe(Effect.provide(setup(
        { rateLimit: { limit: 4, window: 250, precise: true } },
        { limits: { requestsPerWindow: 4, window: "250 millis", margin: "15 millis", maxConcurrency: 4 } }
      ))))

    it.live("without it the same burst meets 429s, which are waited out", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        yield* Effect.all(Array.from({ length: 16 }, () => client.get("incident", id)), { concurrency: "unbounded" })
        assert.isAbove(sim.stats().rateLimited, 0)
        assert.strictEqual((yield* apiRequests).filter((r) => r.status === 200).length, 16)
      }).pipe(Effect.provide(setup({ rateLimit: { limit: 4, window: 250, precise: true } }, { limits: { maxConcurrency: 4 } }))))

    it.live("at most maxConcurrency requests are in flight", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const id = yield* seedOne
        yield* Effect.all(Array.from({ length: 12 }, () => client.get("incident", id)), { concurrency: "unbounded" })
        assert.strictEqual(sim.stats().maxInFlight, 3)
      }).pipe(Effect.provide(setup({ latency: 25 }, { limits: { maxConcurrency: 3 } }))))
  })

  describe("storms", () => {
    it.live("a read through 429 storms, 503s and expiring tokens delivers every record exactly once", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        const seeded = sim.seed("alm_asset", Array.from({ length: 500 }, (_, i) => ({ asset_tag: `P${i}` })))
        sim.inject(
          { type: "rateLimit", headers: "none", every: 2, times: 8 },
          { type: "rateLimit", headers: "both", retryAfter: 0.02, after: 5, every: 3, times: 4 },
          { type: "expireTokens", after: 7 },
          { type: "expireTokens", after: 19 },
          { type: "status", status: 503, after: 11, times: 2 },
          { type: "timeout", after: 15 }
        )
        const records = yield* Stream.runCollect(client.list("alm_asset", { pageSize: 25 }))
        assert.strictEqual(records.length, 500)
        assert.deepStrictEqual(records.map((r) => r["sys_id"]).sort(), seeded.map((r) => r["sys_id"]).sort())
        const statuses = (yield* apiRequests).map((r) => r.status)
        assert.isAtLeast(statuses.filter((s) => s === 429).length, 8)
        assert.strictEqual(statuses.filter((s) => s === 401).length, 2)
        // 20 pages of 25, then the empty page that ends a keyset listing.
        assert.strictEqual(statuses.filter((s) => s === 200).length, 21)
      }).pipe(Effect.provide(setup({}, { timeout: 150, retry: { baseDelay: 5, maxDelay: 40, rateLimitMaxDelay: 60, maxRetries: 6 } }))))

    it.live("an import through 429 storms, lost responses and expiring tokens lands every row exactly once", () =>
      Effect.gen(function*() {
        const client = yield* Client
        const sim = yield* Sim
        sim.inject(
          { type: "rateLimit", headers: "none", every: 2, times: 6 },
          { type: "rateLimit", headers: "retryAfter", retryAfter: 0.02, after: 3, times: 2 },
          { type: "expireTokens", after: 4 },
          { type: "timeout", apply: true, after: 6 },
          { type: "status", status: 502, apply: true, after: 8 }
        )
        const rows = Array.from({ length: 1000 }, (_, i) => ({ correlation_id: `PROCURA-${i}`, asset_tag: `P${i}` }))
        const responses = yield* Stream.runCollect(client.importAll("u_procura_asset", rows, { batchSize: 100, concurrency: 3 }))
        assert.strictEqual(responses.reduce((n, r) => n + r.records, 0), 1000)
        assert.deepStrictEqual(responses.flatMap((r) => ImportSet.failures(r)), [])
        const assets = sim.records("alm_asset")
        assert.strictEqual(assets.length, 1000)
        assert.strictEqual(new Set(assets.map((a) => a["correlation_id"])).size, 1000)
        assert.isAtLeast(sim.stats().rateLimited, 6)
      }).pipe(Effect.provide(setup(
        { importSets: { u_procura_asset: { target: "alm_asset", coalesce: ["correlation_id"], insertMultiple: "synchronous" } } },
        { timeout: 150, retry: { baseDelay: 5, maxDelay: 40, rateLimitMaxDelay: 60, maxRetries: 6 } }
      ))))
  })
})
