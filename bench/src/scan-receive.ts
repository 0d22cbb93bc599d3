/**
 * Benchmark: receive a purchase order of N units by scanning, in partial deliveries (N / 1,000
 * batches of 1,000 serial-number scans, `receiving.receiveScans`), beside a raw-SQL baseline that
 * writes the same rows per delivery in the same database, in the same run: read the order and
 * 1,000 on-order templates, update the order, activate the 1,000 asset rows with their serial
 * numbers, insert 1,000 asset history rows and the receipt, in one transaction.
 *
 * The SDK resolves each batch with a few `in` queries (ids, then tags and serial numbers), never
 * one query per scan; the ratio shows what resolution, validation and events cost on top.
 */
import { Assets, Principal, Procura, Purchasing, Receiving, type Storage } from "@procura/core"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { median, timed } from "./measure.js"
import { insertRows, updateRows } from "./rawSql.js"
import { buyerOf, draftOrder } from "./setup.js"

/**
 * Medians of the measured rounds, in milliseconds, for `units` received in `deliveries` batches.
 */
export interface ScanReceiveResult {
  readonly units: number
  readonly deliveries: number
  readonly sdkMillis: number
  readonly rawMillis: number
}

const batchSize = 1000

/** One SDK round in a fresh tenant: a submitted order of `units` (untimed), then every delivery scanned (timed). */
const sdkRound = (units: number, round: number) =>
  Effect.gen(function*() {
    const tenantId = `bench-scan-sdk-${Date.now().toString(36)}-${round}`
    const buyer = buyerOf(tenantId)
    const scanner: Principal.Principal = { userId: "bench-scanner", tenantId, roles: ["mobile_asset_manager"] }
    const purchasing = yield* Purchasing.Purchasing
    const receiving = yield* Receiving.Receiving
    const draft = yield* draftOrder(tenantId, units)
    const order = yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: draft.id }), buyer)
    return yield* timed(Effect.gen(function*() {
      for (let start = 0; start < units; start += batchSize) {
        const scans = Array.from({ length: Math.min(batchSize, units - start) }, (_, i) => ({ code: `SDK-${round}-${start + i}` }))
        const { scans: results } = yield* Principal.runAs(
          receiving.receiveScans({ purchaseOrderId: order.id, locationId: "HQ", storageSpace: "Dock 1", scans }),
          scanner
        )
        if (results.some((r) => r.outcome !== "received")) return yield* Effect.die(new Error("a bench scan was not received"))
      }
    }))
  })

/** The same rows written by hand: per delivery, one transaction of two reads and four batched writes. */
const rawRound = (units: number, round: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const tenantId = `bench-scan-raw-${Date.now().toString(36)}-${round}`
    const now = new Date().toISOString()
    const orderId = crypto.randomUUID()
    const unitCost = { amount: 100_000, currency: "EUR" }
    const line = { lineNo: 1, catalogItemId: "item", description: "Bench laptop", kind: "hardware", quantity: units, unitCost, createAsset: true, capitalisable: false, receivedQuantity: 0, cancelledQuantity: 0, returnedQuantity: 0 }
    yield* insertRows(Purchasing.purchaseOrders, tenantId, [{
      id: orderId,
      data: { vendorId: "vendor", status: "submitted", lines: [line], total: { amount: unitCost.amount * units, currency: "EUR" }, createdAt: now, updatedAt: now, submittedAt: now }
    }])
    yield* insertRows(Assets.assets, tenantId, Array.from({ length: units }, () => ({
      id: crypto.randomUUID(),
      data: { status: "on_order", catalogItemId: "item", name: "Bench laptop", kind: "hardware", vendorId: "vendor", purchaseOrderId: orderId, purchaseOrderLineNo: 1, unitCost, createdAt: now, updatedAt: now }
    })))
    const delivery = (start: number) =>
      sql.withTransaction(Effect.gen(function*() {
        const [order] = yield* sql.unsafe<{ readonly version: number; readonly data: { readonly lines: ReadonlyArray<typeof line> } }>(
          `SELECT version, data FROM ${SqlStorage.tableName(Purchasing.purchaseOrders.name)} WHERE tenant_id = $1 AND id = $2`,
          [tenantId, orderId]
        )
        const count = Math.min(batchSize, units - start)
        const templates = yield* sql.unsafe<{ readonly id: string; readonly version: number; readonly data: Record<string, unknown> }>(
          `SELECT id, version, data FROM ${SqlStorage.tableName(Assets.assets.name)}
           WHERE tenant_id = $1 AND ${SqlStorage.columnName("purchaseOrderId")} = $2 AND ${SqlStorage.columnName("purchaseOrderLineNo")} = 1
             AND ${SqlStorage.columnName("status")} = 'on_order'
           ORDER BY id LIMIT $3`,
          [tenantId, orderId, count]
        )
        const received = order!.data.lines[0]!.receivedQuantity + count
        yield* updateRows(Purchasing.purchaseOrders, tenantId, [{
          id: orderId,
          expected: order!.version,
          data: { ...order!.data, lines: [{ ...order!.data.lines[0]!, receivedQuantity: received }], status: received === units ? "received" : "partially_received", updatedAt: now }
        }])
        const activated = templates.map((t, i) => ({
          id: t.id,
          expected: t.version,
          data: { ...t.data, status: "in_stock", serialNumber: `RAW-${round}-${start + i}`, condition: "new", locationId: "HQ", storageSpace: "Dock 1", receivedAt: now, updatedAt: now }
        }))
        yield* updateRows(Assets.assets, tenantId, activated)
        yield* insertRows(Assets.assetHistoryEntries, tenantId, activated.map((a) => ({
          id: crypto.randomUUID(),
          data: { assetId: a.id, assetVersion: a.expected + 1, action: "received", by: "bench-raw", at: now, from: { status: "on_order" }, to: { status: "in_stock", locationId: "HQ", storageSpace: "Dock 1", condition: "new" } }
        })))
        yield* insertRows(Receiving.receipts, tenantId, [{
          id: crypto.randomUUID(),
          data: { purchaseOrderId: orderId, receivedBy: "bench-raw", receivedAt: now, locationId: "HQ", storageSpace: "Dock 1", condition: "new", lines: [{ lineNo: 1, quantity: count, assetIds: activated.map((a) => a.id) }] }
        }])
      }))
    return yield* timed(Effect.gen(function*() {
      for (let start = 0; start < units; start += batchSize) yield* delivery(start)
    }))
  })

/**
 * Runs the benchmark on a storage layer (which must also provide the SqlClient): one warm-up
 * round of each, then `rounds` measured rounds of each, alternating; reports medians.
 */
export const scanReceiveBenchmark = <E>(
  storage: Layer.Layer<Storage.Storage | SqlClient.SqlClient, E>,
  options: { readonly units: number; readonly rounds: number }
): Effect.Effect<ScanReceiveResult, unknown> =>
  Effect.gen(function*() {
    yield* sdkRound(Math.min(options.units, batchSize), 0)
    yield* rawRound(Math.min(options.units, batchSize), 0)
    const sdk: Array<number> = []
    const raw: Array<number> = []
    for (let round = 1; round <= options.rounds; round++) {
      sdk.push(yield* sdkRound(options.units, round))
      raw.push(yield* rawRound(options.units, round))
    }
    return { units: options.units, deliveries: Math.ceil(options.units / batchSize), sdkMillis: median(sdk), rawMillis: median(raw) }
  }).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(storage))))
