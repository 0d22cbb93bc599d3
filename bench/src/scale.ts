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

const latency = (samples: ReadonlyArray<number>): Latency => ({ p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) })

/** Times one call, in milliseconds. */
const timed = <E, R>(call: Effect.Effect<unknown, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* call
    return performance.now() - start
  })

/**
 * Every operation people wait for (the testkit's `Growth.waits`) on both tenants, in turns: the
 * n-th call on the small tenant, then on the big one, so both see the same machine (a busy moment
 * slows a pair, not one side). The first `warmUp` pairs are not kept.
 */
const measure = (small: Growth.World, big: Growth.World) =>
  Effect.gen(function*() {
    const smallWaits = yield* Growth.waits(small, calls)
    const bigWaits = yield* Growth.waits(big, calls)
    const results: Array<{ readonly name: string; readonly small: Latency; readonly big: Latency }> = []
    for (let i = 0; i < smallWaits.length; i++) {
      const samples = { small: [] as Array<number>, big: [] as Array<number> }
      for (let n = 0; n < calls; n++) {
        const onSmall = yield* timed(smallWaits[i]!.call(n))
        const onBig = yield* timed(bigWaits[i]!.call(n))
        if (n >= warmUp) {
          samples.small.push(onSmall)
          samples.big.push(onBig)
        }
      }
      results.push({ name: smallWaits[i]!.name, small: latency(samples.small), big: latency(samples.big) })
    }
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
  const results = yield* Effect.provideContext(measure(small, big), context)

  console.log(`\n  ${"operation".padEnd(34)} ${"10k p50 / p99 ms".padStart(18)} ${`${(bigAssets / 1000).toLocaleString("en-US")}k p50 / p99 ms`.padStart(20)}   big/small p50   p99`)
  for (const { big: b, name, small: s } of results) {
    console.log(
      `  ${name.padEnd(34)} ${`${s.p50.toFixed(1)} / ${s.p99.toFixed(1)}`.padStart(18)} ${`${b.p50.toFixed(1)} / ${b.p99.toFixed(1)}`.padStart(20)}   ` +
        `${(b.p50 / s.p50).toFixed(2).padStart(13)}   ${(b.p99 / s.p99).toFixed(2)}`
    )
  }
  console.log(`  (p50 and p99 of ${rounds} calls each, small and big in turns, after ${warmUp} untimed pairs)`)
})

Effect.runPromise(Effect.scoped(main)).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
