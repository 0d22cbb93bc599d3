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
import { createProcura } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Layer, type Scope } from "effect"
import { SqlClient } from "effect/sql"
import { median, percentile, timed } from "./measure.js"
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

/**
 * A submitted order of `units` written by hand (order and on-order templates), and its delivery
 * written by hand: per delivery of `count` units from `start`, one transaction of two reads and
 * four batched writes, the rows `receiving.receiveScans` writes.
 */
const rawOrder = (units: number, round: number) =>
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
    const delivery = (start: number, count: number) =>
      sql.withTransaction(Effect.gen(function*() {
        const [order] = yield* sql.unsafe<{ readonly version: number; readonly data: { readonly lines: ReadonlyArray<typeof line> } }>(
          `SELECT version, data FROM ${SqlStorage.tableName(Purchasing.purchaseOrders.name)} WHERE tenant_id = $1 AND id = $2`,
          [tenantId, orderId]
        )
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
    return { delivery }
  })

/** The same rows written by hand, in deliveries of 1,000. */
const rawRound = (units: number, round: number) =>
  Effect.gen(function*() {
    const { delivery } = yield* rawOrder(units, round)
    return yield* timed(Effect.gen(function*() {
      for (let start = 0; start < units; start += batchSize) yield* delivery(start, Math.min(batchSize, units - start))
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

/** Latency percentiles of single scans, in milliseconds. */
export interface OneScanResult {
  readonly scans: number
  readonly sdk: { readonly p50: number; readonly p99: number }
  readonly raw: { readonly p50: number; readonly p99: number }
}

/**
 * One scan's wait: `scans` single-scan deliveries received one after the other through the
 * Promise facade (`procura.receiving.receiveScans`, what a scanning app calls), each timed from
 * call to answer, beside the same receipt written by hand (one transaction of two reads and four
 * writes) on the same database; after 20 untimed scans of each.
 */
export const oneScanBenchmark = <E>(
  storage: Layer.Layer<Storage.Storage | SqlClient.SqlClient, E>,
  options: { readonly scans: number }
): Effect.Effect<OneScanResult, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const warmUp = 20
    const total = options.scans + warmUp
    const context = yield* Layer.build(storage)
    const procura = createProcura({ storage: Layer.succeedContext(context) })
    yield* Effect.addFinalizer(() => Effect.promise(() => procura.dispose()))
    const tenantId = `bench-one-scan-${Date.now().toString(36)}`
    const scanner: Principal.Principal = { userId: "bench-scanner", tenantId, roles: ["mobile_asset_manager"] }
    const order = yield* Effect.gen(function*() {
      const purchasing = yield* Purchasing.Purchasing
      const draft = yield* draftOrder(tenantId, total)
      return yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: draft.id }), buyerOf(tenantId))
    }).pipe(Effect.provide(Procura.layer.pipe(Layer.provide(Layer.succeedContext(context)))))
    const sdk: Array<number> = []
    for (let n = 0; n < total; n++) {
      const start = performance.now()
      const { scans } = yield* Effect.promise(() =>
        procura.receiving.receiveScans(
          { purchaseOrderId: order.id, locationId: "HQ", storageSpace: "Dock 1", scans: [{ code: `ONE-${n}` }] },
          { principal: scanner }
        )
      )
      if (scans[0]?.outcome !== "received") return yield* Effect.die(new Error("a bench scan was not received"))
      if (n >= warmUp) sdk.push(performance.now() - start)
    }
    const raw: Array<number> = []
    const { delivery } = yield* Effect.provide(rawOrder(total, 0), context)
    for (let n = 0; n < total; n++) {
      const elapsed = yield* Effect.provide(timed(delivery(n, 1)), context)
      if (n >= warmUp) raw.push(elapsed)
    }
    return {
      scans: options.scans,
      sdk: { p50: percentile(sdk, 0.5), p99: percentile(sdk, 0.99) },
      raw: { p50: percentile(raw, 0.5), p99: percentile(raw, 0.99) }
    }
  })
