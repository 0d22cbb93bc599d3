/**
 * A tenant's data at scale, for query-plan checks and latency benches: {@link seed} runs the real
 * procure-to-asset flow for a tenant at small scale (orders of laptops and toner received but for
 * a few units, an assignment, a software order with seats taken), and {@link grow} copies every
 * row of the tenant's collection tables and events in SQL, generation by generation, so that each
 * copy is a world of its own (ids, `*_id` references and unique text keys suffixed `-g<n>`).
 *
 * ```ts
 * import { Growth } from "@procura/testkit"
 *
 * const world = yield* Growth.seed("big")                       // about 1,000 assets
 * yield* Growth.grow(sql, "big", Growth.generationsFor(world, 100_000))
 * ```
 *
 * `grow` speaks PostgreSQL (PGlite too) and writes the tables of the SQL adapter directly: the
 * copies have exactly the rows the adapter would have written, without paying for 100,000
 * operations. Run `VACUUM ANALYZE` afterwards (it does) so the planner sees the new sizes.
 *
 * @since 0.1.0
 */
import { Assets, Catalog, Licensing, Operation, Principal, Purchasing, Receiving, Requisition, type Storage } from "@procura/core"
import { Effect } from "effect"
import type { SqlClient } from "effect/sql"

/**
 * What {@link seed} made: the catalog items, the place goods arrive, an assigned asset and an
 * entitlement with seats taken, and how many assets the tenant holds.
 *
 * @since 0.1.0
 * @category models
 */
export interface World {
  readonly tenantId: string
  readonly admin: Principal.Principal
  readonly requester: Principal.Principal
  readonly laptop: Catalog.CatalogItem
  readonly toner: Catalog.CatalogItem
  readonly office: Catalog.CatalogItem
  readonly place: { readonly locationId: string; readonly storageSpace: string }
  /** An asset assigned to a user, with its history. */
  readonly asset: { readonly id: string }
  /** An entitlement of 20 seats, 5 assigned. */
  readonly entitlement: { readonly id: string }
  readonly assets: number
}

/**
 * Runs the flow for `tenantId` through the operations: 20 orders of 50 laptops and 10 toner, each
 * received but for 5 laptops (whose templates stay on order), one laptop assigned, and an order of
 * 20 seats of software with 5 of them assigned. About 1,000 assets, 20 receipts, 2,000 history
 * entries and their events.
 *
 * @since 0.1.0
 * @category constructors
 */
export const seed = (tenantId: string): Effect.Effect<World, unknown, Storage.Storage> =>
  Effect.gen(function*() {
    const admin: Principal.Principal = { userId: "ada", tenantId, roles: ["admin"] }
    const requester: Principal.Principal = { userId: "rae", tenantId, roles: ["requester"] }
    const as = <A, E, R>(effect: Effect.Effect<A, E, R>, who: Principal.Principal = admin) => Principal.runAs(effect, who)
    const place = { locationId: "HQ", storageSpace: "Dock 1" }
    const vendor = yield* as(Operation.run(Catalog.operations.createVendor)({ code: "ACME", name: "Acme" }))
    const item = (sku: string, kind: "hardware" | "consumable" | "software") =>
      as(Operation.run(Catalog.operations.createCatalogItem)({
        sku,
        name: sku,
        kind,
        approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 10_000, currency: "EUR" } }]
      }))
    const laptop = yield* item("LAP", "hardware")
    const toner = yield* item("TON", "consumable")
    const office = yield* item("OFFICE", "software")
    const submitted = (lines: ReadonlyArray<{ readonly catalogItemId: string; readonly quantity: number }>) =>
      Effect.gen(function*() {
        const request = yield* as(Operation.run(Requisition.operations.createRequest)({ lines: [...lines] }), requester)
        yield* as(Operation.run(Requisition.operations.approveRequest)({ requestId: request.id }))
        const [draft] = yield* as(Operation.run(Purchasing.operations.createFromRequest)({ requestId: request.id }))
        return yield* as(Operation.run(Purchasing.operations.submitPurchaseOrder)({ purchaseOrderId: draft!.id }))
      })
    for (let n = 0; n < 20; n++) {
      const order = yield* submitted([{ catalogItemId: laptop.id, quantity: 50 }, { catalogItemId: toner.id, quantity: 10 }])
      const [laptops, toners] = order.lines
      yield* as(Operation.run(Receiving.operations.receivePurchaseOrder)({
        purchaseOrderId: order.id,
        ...place,
        lines: [
          { lineNo: laptops!.lineNo, serialNumbers: Array.from({ length: 45 }, (_, i) => `SN-${n}-${i}`) },
          { lineNo: toners!.lineNo, quantity: 10 }
        ]
      }))
    }
    const [inStock] = (yield* as(Operation.run(Assets.operations.listAssets)({ status: "in_stock", limit: 1 }))).items
    const asset = yield* as(Operation.run(Assets.operations.assignAsset)({ assetId: inStock!.id, userId: "u-1" }))
    const licensed = yield* submitted([{ catalogItemId: office.id, quantity: 20 }])
    const [entitlement] = (yield* as(Operation.run(Licensing.operations.listEntitlements)({ purchaseOrderId: licensed.id }))).items
    for (let n = 0; n < 5; n++) {
      yield* as(Operation.run(Licensing.operations.assignSeat)({ entitlementId: entitlement!.id, assignee: { kind: "user", id: `u-${n}` } }))
    }
    const counts = yield* as(Operation.run(Assets.operations.countAssetsByStatus)({}))
    const assets = Object.values(counts).reduce((sum, n) => sum + n, 0)
    const world: World = { tenantId, admin, requester, laptop, toner, office, place, asset, entitlement: entitlement!, assets }
    return world
  })

/**
 * How many generations {@link grow} must add for the world to hold at least `assets` assets.
 *
 * @since 0.1.0
 * @category constructors
 */
export const generationsFor = (world: World, assets: number): number => Math.max(0, Math.ceil(assets / world.assets) - 1)

/**
 * Copies every row of the tenant's collection tables (`c_*`) and event log `generations` times,
 * each copy with ids, `*_id` references and unique text keys suffixed `-g<n>`, then runs
 * `VACUUM ANALYZE`. Takes a client without transforms (`sql.withoutTransforms()`).
 *
 * @since 0.1.0
 * @category constructors
 */
export const grow = (sql: SqlClient.SqlClient, tenantId: string, generations: number) =>
  Effect.gen(function*() {
    if (generations <= 0) return
    const tables = yield* sql.unsafe<{ readonly table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name LIKE 'c\\_%'`
    )
    for (const { table_name: table } of tables) {
      const columns = yield* sql.unsafe<{ readonly column_name: string; readonly data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
        [table]
      )
      const unique = new Set((yield* sql.unsafe<{ readonly column_name: string }>(
        `SELECT k.column_name FROM information_schema.table_constraints c
         JOIN information_schema.key_column_usage k ON k.constraint_name = c.constraint_name AND k.table_name = c.table_name
         WHERE c.table_name = $1 AND c.constraint_type = 'UNIQUE'`,
        [table]
      )).map((row) => row.column_name))
      const suffixed = (name: string, type: string) =>
        type === "text" && name !== "tenant_id" && (name === "id" || name.endsWith("_id") || unique.has(name))
      const names = columns.map((c) => `"${c.column_name}"`).join(", ")
      const values = columns
        .map((c) => (suffixed(c.column_name, c.data_type) ? `"${c.column_name}" || '-g' || g` : `"${c.column_name}"`))
        .join(", ")
      yield* sql.unsafe(
        `INSERT INTO "${table}" (${names}) SELECT ${values} FROM "${table}", generate_series(1, $2::int) AS g WHERE tenant_id = $1`,
        [tenantId, generations]
      )
    }
    yield* sql.unsafe(
      `INSERT INTO procura_events (id, tenant_id, type, aggregate_type, aggregate_id, actor_id, occurred_at, payload)
       SELECT id || '-g' || g, tenant_id, type, aggregate_type, aggregate_id || '-g' || g, actor_id, occurred_at, payload
       FROM procura_events, generate_series(1, $2::int) AS g WHERE tenant_id = $1 ORDER BY g, position`,
      [tenantId, generations]
    )
    yield* sql.unsafe(`VACUUM ANALYZE`)
  })
