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
import { Assets, Licensing, Operation, Principal, Procura, Purchasing, Receiving, Requisition, Stock, type Storage } from "@procura/core"
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

const run = Operation.run

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

/**
 * What the timed calls need on a tenant, made untimed: an order for single scans and one for
 * deliveries of 50, pending requests to approve, 10-line drafts to submit, and deep cursors.
 */
const prepare = (world: Growth.World) =>
  Effect.gen(function*() {
    const as = <A, E, R>(effect: Effect.Effect<A, E, R>, who: Principal.Principal = world.admin) => Principal.runAs(effect, who)
    const order = (quantity: number) =>
      Effect.gen(function*() {
        const request = yield* as(run(Requisition.operations.createRequest)({ lines: [{ catalogItemId: world.laptop.id, quantity }] }), world.requester)
        yield* as(run(Requisition.operations.approveRequest)({ requestId: request.id }))
        const [draft] = yield* as(run(Purchasing.operations.createFromRequest)({ requestId: request.id }))
        return yield* as(run(Purchasing.operations.submitPurchaseOrder)({ purchaseOrderId: draft!.id }))
      })
    const singles = yield* order(calls)
    const deliveries = yield* order(50 * calls)
    const pending = yield* Effect.forEach(Array.from({ length: calls }), () =>
      as(run(Requisition.operations.createRequest)({ lines: [{ catalogItemId: world.toner.id, quantity: 1 }] }), world.requester))
    const drafts = yield* Effect.forEach(Array.from({ length: calls }), () =>
      Effect.gen(function*() {
        const request = yield* as(run(Requisition.operations.createRequest)({
          lines: Array.from({ length: 10 }, (_, i) => ({ catalogItemId: i % 2 === 0 ? world.laptop.id : world.toner.id, quantity: 1 + i }))
        }), world.requester)
        yield* as(run(Requisition.operations.approveRequest)({ requestId: request.id }))
        const [draft] = yield* as(run(Purchasing.operations.createFromRequest)({ requestId: request.id }))
        return draft!
      }))
    const deepCursor = (filter: { readonly status: "in_stock" } | { readonly locationId: string }) =>
      Effect.gen(function*() {
        let cursor: string | undefined
        for (let page = 0; page < 10; page++) {
          cursor = (yield* as(run(Assets.operations.listAssets)({ ...filter, limit: 50, ...(cursor === undefined ? {} : { cursor }) }))).cursor
        }
        return cursor!
      })
    return {
      as,
      singles,
      deliveries,
      pending,
      drafts,
      byStatus: yield* deepCursor({ status: "in_stock" }),
      byLocation: yield* deepCursor({ locationId: world.place.locationId })
    }
  })

/** Every operation, timed on one tenant. */
const measure = (world: Growth.World) =>
  Effect.gen(function*() {
    const { as, byLocation, byStatus, deliveries, drafts, pending, singles } = yield* prepare(world)
    const scanner: Principal.Principal = { userId: "scanner", tenantId: world.tenantId, roles: ["mobile_asset_manager"] }
    const lineNo = singles.lines[0]!.lineNo
    const place = world.place
    const operations: ReadonlyArray<readonly [string, (n: number) => Effect.Effect<unknown, unknown, Storage.Storage>]> = [
      ["receive one scan", (n) => as(run(Receiving.operations.receiveScans)({ purchaseOrderId: singles.id, ...place, scans: [{ code: `ONE-${n}`, lineNo }] }), scanner)],
      ["receive a 50-scan delivery", (n) =>
        as(run(Receiving.operations.receiveScans)({
          purchaseOrderId: deliveries.id,
          ...place,
          scans: Array.from({ length: 50 }, (_, i) => ({ code: `FIFTY-${n}-${i}`, lineNo: deliveries.lines[0]!.lineNo }))
        }), scanner)],
      ["create a request", () => as(run(Requisition.operations.createRequest)({ lines: [{ catalogItemId: world.laptop.id, quantity: 1 }] }), world.requester)],
      ["approve a step", (n) => as(run(Requisition.operations.approveRequest)({ requestId: pending[n]!.id }))],
      ["submit a 10-line order", (n) => as(run(Purchasing.operations.submitPurchaseOrder)({ purchaseOrderId: drafts[n]!.id }))],
      ["first page of assets by status", () => as(run(Assets.operations.listAssets)({ status: "in_stock", limit: 50 }))],
      ["deep page of assets by status", () => as(run(Assets.operations.listAssets)({ status: "in_stock", limit: 50, cursor: byStatus }))],
      ["first page of assets by location", () => as(run(Assets.operations.listAssets)({ locationId: place.locationId, limit: 50 }))],
      ["deep page of assets by location", () => as(run(Assets.operations.listAssets)({ locationId: place.locationId, limit: 50, cursor: byLocation }))],
      ["count assets by status", () => as(run(Assets.operations.countAssetsByStatus)({}))],
      ["an order's backorders", () => as(run(Receiving.operations.backorders)({ purchaseOrderId: singles.id }))],
      ["a storage space's stock", () => as(run(Stock.operations.listStock)({ ...place }))],
      ["an asset's history", () => as(run(Assets.operations.assetHistory)({ assetId: world.asset.id }))],
      ["an entitlement's seats", () => as(run(Licensing.operations.listSeatAssignments)({ entitlementId: world.entitlement.id }))]
    ]
    const results: Array<readonly [string, Latency]> = []
    for (const [name, call] of operations) results.push([name, yield* timeCalls(call)])
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
