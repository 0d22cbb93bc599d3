/**
 * Benchmark: submit a purchase order of N units (N template assets) and receive them all with
 * serial numbers, through the SDK, beside a raw-SQL baseline that writes the same asset rows
 * (insert N on-order rows, then update all N to in-stock with serial, location and storage
 * space) in the same database, in the same run.
 */
import { Catalog, Principal, Procura, Purchasing, Receiving, Requisition, type Storage } from "@procura/core"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"

export interface ReceiveResult {
  readonly units: number
  readonly sdkMillis: number
  readonly rawMillis: number
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })

/** One SDK round in a fresh tenant: setup (untimed), then submit + receive (timed). */
const sdkRound = (units: number, round: number) =>
  Effect.gen(function*() {
    const tenantId = `bench-sdk-${Date.now().toString(36)}-${round}`
    const buyer: Principal.Principal = { userId: "bench", tenantId, roles: ["procurement_manager"] }
    const receiver: Principal.Principal = { userId: "bench-storekeeper", tenantId, roles: ["storage_manager"] }
    const requester: Principal.Principal = { userId: "bench-requester", tenantId, roles: ["requester"] }
    const catalog = yield* Catalog.Catalog
    const requisition = yield* Requisition.Requisition
    const purchasing = yield* Purchasing.Purchasing
    const receiving = yield* Receiving.Receiving
    const order = yield* Principal.runAs(
      Effect.gen(function*() {
        const vendor = yield* catalog.createVendor({ code: "BENCH", name: "Bench vendor" })
        const item = yield* catalog.createCatalogItem({
          sku: "BENCH-LAPTOP",
          name: "Bench laptop",
          kind: "hardware",
          approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 100_000, currency: "EUR" } }]
        })
        const request = yield* Principal.runAs(requisition.createRequest({ lines: [{ catalogItemId: item.id, quantity: units }] }), requester)
        yield* requisition.approveRequest({ requestId: request.id })
        const [order] = yield* purchasing.createFromRequest({ requestId: request.id })
        return order!
      }),
      buyer
    )
    const serialNumbers = Array.from({ length: units }, (_, i) => `SDK-${round}-${i}`)
    return yield* timed(Effect.gen(function*() {
      yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: order.id }), buyer)
      yield* Principal.runAs(
        receiving.receivePurchaseOrder({
          purchaseOrderId: order.id,
          locationId: "HQ",
          storageSpace: "Bench store",
          lines: [{ lineNo: 1, serialNumbers }]
        }),
        receiver
      )
    }))
  })

/** The same rows written by hand: one insert statement, one update statement, two transactions. */
const rawRound = (units: number, round: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tenantId = `bench-raw-${Date.now().toString(36)}-${round}`
    const now = new Date().toISOString()
    const rows = Array.from({ length: units }, (_, i) => ({
      id: crypto.randomUUID(),
      version: 1,
      data: {
        status: "on_order",
        catalogItemId: "item",
        name: "Bench laptop",
        kind: "hardware",
        vendorId: "vendor",
        purchaseOrderId: "po",
        purchaseOrderLineNo: 1,
        unitCost: { amount: 100_000, currency: "EUR" },
        createdAt: now,
        updatedAt: now,
        n: i
      }
    }))
    return yield* timed(Effect.gen(function*() {
      yield* sql.withTransaction(sql.unsafe(
        `INSERT INTO c_assets (tenant_id, id, version, data, f_status, f_catalog_item_id, f_vendor_id, f_purchase_order_id, f_purchase_order_line_no)
         SELECT $1, r.id, r.version, r.data, r.data->>'status', r.data->>'catalogItemId', r.data->>'vendorId',
                r.data->>'purchaseOrderId', (r.data->>'purchaseOrderLineNo')::bigint
         FROM jsonb_to_recordset($2::jsonb) AS r(id text, version int, data jsonb)`,
        [tenantId, JSON.stringify(rows)]
      ))
      const updates = rows.map((row) => ({
        id: row.id,
        data: { ...row.data, status: "in_stock", serialNumber: `RAW-${round}-${row.data.n}`, condition: "new", locationId: "HQ", storageSpace: "Bench store", receivedAt: now }
      }))
      yield* sql.withTransaction(sql.unsafe(
        `UPDATE c_assets AS t SET version = t.version + 1, data = r.data, f_status = r.data->>'status',
                f_serial_number = r.data->>'serialNumber', f_location_id = r.data->>'locationId'
         FROM jsonb_to_recordset($2::jsonb) AS r(id text, data jsonb)
         WHERE t.tenant_id = $1 AND t.id = r.id`,
        [tenantId, JSON.stringify(updates)]
      ))
    }))
  })

/**
 * Runs the benchmark on a storage layer (which must also provide the SqlClient): one warm-up
 * round, then `rounds` measured rounds of each, alternating; reports medians.
 */
export const receiveBenchmark = <E>(
  storage: Layer.Layer<Storage.Storage | SqlClient.SqlClient, E>,
  options: { readonly units: number; readonly rounds: number }
): Effect.Effect<ReceiveResult, unknown> =>
  Effect.gen(function*() {
    yield* sdkRound(Math.min(options.units, 1000), 0)
    yield* rawRound(Math.min(options.units, 1000), 0)
    const sdk: Array<number> = []
    const raw: Array<number> = []
    for (let round = 1; round <= options.rounds; round++) {
      sdk.push(yield* sdkRound(options.units, round))
      raw.push(yield* rawRound(options.units, round))
    }
    return { units: options.units, sdkMillis: median(sdk), rawMillis: median(raw) }
  }).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(storage))))
