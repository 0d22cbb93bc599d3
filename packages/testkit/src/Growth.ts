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
 * {@link waits} then gives the operations people wait for on such a tenant, ready to call: the
 * scale bench times them, the query-plan test explains their statements.
 *
 * @since 0.1.0
 */
import { Assets, Catalog, Licensing, Operation, Principal, Purchasing, Receiving, Requisition, Stock, type Storage } from "@procura/core"
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

/**
 * One operation people wait for, ready to call on a grown world: `call(n)` is the n-th call
 * (n from 0 to the `calls` given to {@link waits}, less one), each on its own data where a call
 * changes state (a fresh scan code, another pending request, another draft order).
 *
 * @since 0.1.0
 * @category models
 */
export interface Wait {
  readonly name: string
  readonly call: (n: number) => Effect.Effect<unknown, unknown, Storage.Storage>
}

/**
 * Prepares, untimed, what `calls` calls of each operation people wait for need on a world (an
 * order for single scans and one for deliveries of 50, pending requests to approve, 10-line drafts
 * to submit, cursors ten pages deep), then gives the operations: receive one scan, receive a
 * 50-scan delivery, create a request, approve a step, submit a 10-line order, the first and a deep
 * page of assets by status and by location, count assets by status, an order's backorders, a
 * storage space's stock, an asset's history, an entitlement and its seats.
 *
 * @since 0.1.0
 * @category constructors
 */
export const waits = (world: World, calls: number): Effect.Effect<ReadonlyArray<Wait>, unknown, Storage.Storage> =>
  Effect.gen(function*() {
    const run = Operation.run
    const as = <A, E, R>(effect: Effect.Effect<A, E, R>, who: Principal.Principal = world.admin) => Principal.runAs(effect, who)
    const scanner: Principal.Principal = { userId: "scanner", tenantId: world.tenantId, roles: ["mobile_asset_manager"] }
    const place = world.place
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
          if (cursor === undefined) return yield* Effect.die(new Error(`assets ${JSON.stringify(filter)}: fewer than 11 pages; grow the world first`))
        }
        return cursor!
      })
    const byStatus = yield* deepCursor({ status: "in_stock" })
    const byLocation = yield* deepCursor({ locationId: place.locationId })
    const lineNo = singles.lines[0]!.lineNo
    const wait = (name: string, call: Wait["call"]): Wait => ({ name, call })
    return [
      wait("receive one scan", (n) => as(run(Receiving.operations.receiveScans)({ purchaseOrderId: singles.id, ...place, scans: [{ code: `ONE-${n}`, lineNo }] }), scanner)),
      wait("receive a 50-scan delivery", (n) =>
        as(run(Receiving.operations.receiveScans)({
          purchaseOrderId: deliveries.id,
          ...place,
          scans: Array.from({ length: 50 }, (_, i) => ({ code: `FIFTY-${n}-${i}`, lineNo: deliveries.lines[0]!.lineNo }))
        }), scanner)),
      wait("create a request", () => as(run(Requisition.operations.createRequest)({ lines: [{ catalogItemId: world.laptop.id, quantity: 1 }] }), world.requester)),
      wait("approve a step", (n) => as(run(Requisition.operations.approveRequest)({ requestId: pending[n]!.id }))),
      wait("submit a 10-line order", (n) => as(run(Purchasing.operations.submitPurchaseOrder)({ purchaseOrderId: drafts[n]!.id }))),
      wait("first page of assets by status", () => as(run(Assets.operations.listAssets)({ status: "in_stock", limit: 50 }))),
      wait("deep page of assets by status", () => as(run(Assets.operations.listAssets)({ status: "in_stock", limit: 50, cursor: byStatus }))),
      wait("first page of assets by location", () => as(run(Assets.operations.listAssets)({ locationId: place.locationId, limit: 50 }))),
      wait("deep page of assets by location", () => as(run(Assets.operations.listAssets)({ locationId: place.locationId, limit: 50, cursor: byLocation }))),
      wait("count assets by status", () => as(run(Assets.operations.countAssetsByStatus)({}))),
      wait("an order's backorders", () => as(run(Receiving.operations.backorders)({ purchaseOrderId: singles.id }))),
      wait("a storage space's stock", () => as(run(Stock.operations.listStock)({ ...place }))),
      wait("an asset's history", () => as(run(Assets.operations.assetHistory)({ assetId: world.asset.id }))),
      wait("an entitlement", () => as(run(Licensing.operations.getEntitlement)({ id: world.entitlement.id }))),
      wait("an entitlement's seats", () => as(run(Licensing.operations.listSeatAssignments)({ entitlementId: world.entitlement.id })))
    ]
  })
