/**
 * The scale bench (`pnpm bench:scale`, not part of `pnpm bench`): does the wait people feel grow
 * with the tenant? Two tenants in one database: a small one of 10,000 assets and a big one of
 * 1,000,000 on PostgreSQL (100,000 on PGlite), both made by the real flow at small scale and
 * grown in SQL (the testkit's `Growth`: orders, receipts, history, stock, entitlements and
 * events, every copy a world of its own). Then each operation people wait for runs on both
 * tenants, each call timed, and the bench prints p50 and p99 at both sizes and the ratio of the
 * big tenant's latency to the small one's: 1.0 is flat.
 *
 * SCALE_ASSETS sets the big tenant's size, SCALE_ROUNDS the timed calls per operation (30, after
 * 5 untimed), BENCH_SKIP_POSTGRES=1 runs on PGlite (in memory).
 */
import { Procura } from "@procura/core"
import { PostgresTesting, SqlStorage } from "@procura/storage-sql"
import { Growth } from "@procura/testkit"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { percentile } from "./measure.js"

const onPostgres = process.env["BENCH_SKIP_POSTGRES"] !== "1"
const bigAssets = Number(process.env["SCALE_ASSETS"] ?? (onPostgres ? 1_000_000 : 100_000))
const smallAssets = 10_000
const rounds = Number(process.env["SCALE_ROUNDS"] ?? 30)
const warmUp = 5
const calls = rounds + warmUp

/** Latencies of one operation on one tenant, in milliseconds. */
interface Latency {
  readonly p50: number
  readonly p99: number
}

/** Times `call(n)` for n in 0 .. calls - 1; the first `warmUp` are not kept. */
const timeCalls = <E, R>(call: (n: number) => Effect.Effect<unknown, E, R>) =>
  Effect.gen(function*() {
    const samples: Array<number> = []
    for (let n = 0; n < calls; n++) {
      const start = performance.now()
      yield* call(n)
      if (n >= warmUp) samples.push(performance.now() - start)
    }
    return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) } satisfies Latency
  })

/** Every operation people wait for (the testkit's `Growth.waits`), timed on one tenant. */
const measure = (world: Growth.World) =>
  Effect.gen(function*() {
    const results: Array<readonly [string, Latency]> = []
    for (const { call, name } of yield* Growth.waits(world, calls)) results.push([name, yield* timeCalls(call)])
    return results
  })

const main = Effect.gen(function*() {
  const storage = onPostgres ? PostgresTesting.layerFresh({ prefix: "procura_scale" }) : SqlStorage.layerPglite()
  const context = yield* Layer.build(Procura.layer.pipe(Layer.provideMerge(storage)))
  const sql = (yield* Effect.provideContext(Effect.service(SqlClient.SqlClient), context)).withoutTransforms()
  const label = onPostgres ? "PostgreSQL" : "PGlite"
  console.log(`Scale (${label}): a tenant of ${smallAssets.toLocaleString("en-US")} assets beside one of ${bigAssets.toLocaleString("en-US")}, in one database`)

  const loaded: Array<Growth.World> = []
  for (const [tenantId, assets] of [["small", smallAssets], ["big", bigAssets]] as const) {
    const start = performance.now()
    const world = yield* Effect.provideContext(Growth.seed(tenantId), context)
    yield* Growth.grow(sql, tenantId, Growth.generationsFor(world, assets))
    const [row] = yield* sql.unsafe<{ readonly n: string }>(`SELECT count(*) AS n FROM c_assets WHERE tenant_id = $1`, [tenantId])
    console.log(`  loaded ${tenantId}: ${Number(row!.n).toLocaleString("en-US")} assets in ${((performance.now() - start) / 1000).toFixed(0)} s`)
    loaded.push(world)
  }
  const [small, big] = loaded as [Growth.World, Growth.World]
  const smallResults = yield* Effect.provideContext(measure(small), context)
  const bigResults = yield* Effect.provideContext(measure(big), context)

  console.log(`\n  ${"operation".padEnd(34)} ${"10k p50 / p99 ms".padStart(18)} ${`${(bigAssets / 1000).toLocaleString("en-US")}k p50 / p99 ms`.padStart(20)}   big/small p50   p99`)
  for (let i = 0; i < smallResults.length; i++) {
    const [name, s] = smallResults[i]!
    const [, b] = bigResults[i]!
    console.log(
      `  ${name.padEnd(34)} ${`${s.p50.toFixed(1)} / ${s.p99.toFixed(1)}`.padStart(18)} ${`${b.p50.toFixed(1)} / ${b.p99.toFixed(1)}`.padStart(20)}   ` +
        `${(b.p50 / s.p50).toFixed(2).padStart(13)}   ${(b.p99 / s.p99).toFixed(2)}`
    )
  }
  console.log(`  (p50 and p99 of ${rounds} calls each, after ${warmUp} untimed)`)
})

Effect.runPromise(Effect.scoped(main)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
