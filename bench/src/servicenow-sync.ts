/**
 * Benchmark: push N records into a simulated ServiceNow instance that enforces a rate-limit rule
 * (L requests per window W) and answers with a fixed latency, through the connector's client
 * with its limiter set to the same rule.
 *
 * The ceiling is the fastest any client could finish under the rule: with R requests, every
 * window filled to its limit from the first request on, the last request goes out after
 * (ceil(R / L) - 1) windows and takes one latency. The ratio is that ceiling time over the
 * measured time (1.00 = the rule is the only thing slowing the sync down). Requests per record
 * shows the batching: Import Set `insertMultiple` (200 rows per call, coalescing on
 * correlation_id) or the Batch API (100 Table API creates per call).
 *
 * The windows are scaled down from an hour to about a second, so the simulator reports
 * `X-RateLimit-Reset` with sub-second precision (the scaled equivalent of the platform's whole
 * seconds on an hourly window). After the run every record is checked to be in the target table
 * exactly once.
 */
import { Auth, Batch, ServiceNowClient } from "@procura/connector-servicenow"
import { ServiceNowSimulator } from "@procura/testkit"
import { Array as Arr, Effect, Layer, References, Stream } from "effect"

export interface SyncOptions {
  readonly records: number
  /** Requests the rule allows per window. */
  readonly limit: number
  readonly windowMillis: number
  readonly latencyMillis: number
  readonly mode: "importSet" | "batch"
}

export interface SyncResult extends SyncOptions {
  readonly requests: number
  readonly rateLimited: number
  readonly recordsPerRequest: number
  readonly millis: number
  readonly ceilingMillis: number
}

const instanceUrl = "https://bench.service-now.test"
const oauth = { clientId: "bench", clientSecret: "bench-secret", users: { "procura.bench": "bench-password" } }

export const servicenowSyncBenchmark = (options: SyncOptions): Effect.Effect<SyncResult, unknown> =>
  Effect.gen(function*() {
    const perRequest = options.mode === "importSet" ? 200 : 100
    const concurrency = 4
    const simulator = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const sim = ServiceNowSimulator.make({
          instanceUrl,
          auth: { oauth },
          latency: options.latencyMillis,
          rateLimit: { limit: options.limit, window: options.windowMillis, precise: true },
          importSets: {
            u_procura_asset: { target: "alm_asset", coalesce: ["correlation_id"], insertMultiple: "synchronous" }
          }
        })
        sim.listen()
        return sim
      }),
      (sim) => Effect.sync(() => sim.close())
    )
    const rows = Array.from({ length: options.records }, (_, i) => ({
      correlation_id: `PROCURA-ASSET-${i}`,
      asset_tag: `P${String(i).padStart(6, "0")}`,
      install_status: "6",
      cost: { amount: 129_900, currency: "EUR" }
    }))

    const sync = Effect.gen(function*() {
      const client = yield* ServiceNowClient.ServiceNowClient
      if (options.mode === "importSet") {
        yield* Stream.runDrain(client.importAll("u_procura_asset", rows, { batchSize: perRequest, concurrency }))
        return
      }
      yield* Effect.forEach(
        Arr.chunksOf(rows, perRequest),
        (batch) =>
          Effect.flatMap(client.batch(batch.map((row) => Batch.create("alm_asset", row))), (result) =>
            result.unserviced.length === 0 && result.items.every((item) => item.ok)
              ? Effect.void
              : Effect.fail(new Error(`batch left ${result.unserviced.length} items unserviced`))),
        { concurrency, discard: true }
      )
    }).pipe(
      Effect.provide(ServiceNowClient.layer({
        instanceUrl,
        auth: Auth.oauthPassword({ clientId: oauth.clientId, clientSecret: oauth.clientSecret, username: "procura.bench", password: "bench-password" }),
        limits: { requestsPerWindow: options.limit, window: options.windowMillis, maxConcurrency: concurrency }
      })),
      Effect.provide(Layer.succeed(References.MinimumLogLevel, "Warn"))
    )

    // Warm the interception path (the first request through msw pays for its set-up), outside
    // the timing and outside the rule: the token endpoint is not rate limited.
    yield* Effect.promise(() => fetch(`${instanceUrl}/oauth_token.do`, { method: "POST" }).then((response) => response.text()))
    simulator.clearLog()

    const start = performance.now()
    yield* sync
    const millis = performance.now() - start

    const stored = simulator.records("alm_asset")
    const distinct = new Set(stored.map((record) => record["correlation_id"]))
    if (stored.length !== options.records || distinct.size !== options.records) {
      return yield* Effect.fail(new Error(`expected ${options.records} records once each, found ${stored.length} (${distinct.size} distinct)`))
    }
    const requests = simulator.requests().filter((request) => request.api !== "oauth").length
    const windows = Math.ceil(requests / options.limit)
    return {
      ...options,
      requests,
      rateLimited: simulator.stats().rateLimited,
      recordsPerRequest: options.records / requests,
      millis,
      ceilingMillis: (windows - 1) * options.windowMillis + options.latencyMillis
    }
  }).pipe(Effect.scoped)
