/**
 * Benchmark: submit a purchase order of N units (N template assets) and receive them all with
 * serial numbers, through the SDK, beside a raw-SQL baseline that writes the same asset rows
 * (insert N on-order rows with their history entries, then update all N to in-stock with serial,
 * location and storage space, with theirs) in the same database, in the same run.
 */
import { Assets, Principal, Procura, Purchasing, Receiving, type Storage } from "@procura/core"
import { Effect, Layer } from "effect"
import { SqlStorage } from "@procura/storage-sql"
import { SqlClient } from "effect/sql"
import { median, timed } from "./measure.js"
import { insertRows, updateRows } from "./rawSql.js"
import { buyerOf, draftOrder } from "./setup.js"

export interface ReceiveResult {
  readonly units: number
  readonly sdkMillis: number
  readonly rawMillis: number
  /** The raw rounds again with the assets' kept counts (the counting triggers) switched off: what counting costs. */
  readonly rawUncountedMillis: number
}

/** One SDK round in a fresh tenant: setup (untimed), then submit + receive (timed). */
const sdkRound = (units: number, round: number) =>
  Effect.gen(function*() {
    const tenantId = `bench-sdk-${Date.now().toString(36)}-${round}`
    const buyer = buyerOf(tenantId)
    const receiver: Principal.Principal = { userId: "bench-storekeeper", tenantId, roles: ["storage_manager"] }
    const purchasing = yield* Purchasing.Purchasing
    const receiving = yield* Receiving.Receiving
    const order = yield* draftOrder(tenantId, units)
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

/**
 * The same rows written by hand, in two transactions of batched statements: the on-order assets
 * and their `ordered` history entries, then the assets updated to in stock with serial,
 * location and storage space and their `received` history entries. With `counted: false`, the
 * assets table's triggers (which keep its counted fields' counts) are disabled for the round.
 */
const rawRound = (units: number, round: number, counted = true) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const table = SqlStorage.tableName(Assets.assets.name)
    if (!counted) yield* sql.unsafe(`ALTER TABLE ${table} DISABLE TRIGGER USER`)
    const millis = yield* writeByHand(sql, units, round)
    if (!counted) yield* sql.unsafe(`ALTER TABLE ${table} ENABLE TRIGGER USER`)
    return millis
  })

const writeByHand = (sql: SqlClient.SqlClient, units: number, round: number) =>
  Effect.gen(function*() {
    const tenantId = `bench-raw-${Date.now().toString(36)}-${round}`
    const now = new Date().toISOString()
    const rows = Array.from({ length: units }, () => ({
      id: crypto.randomUUID(),
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
        updatedAt: now
      }
    }))
    const history = (action: string, version: number, to: object) =>
      rows.map((row) => ({ id: crypto.randomUUID(), data: { assetId: row.id, assetVersion: version, action, by: "bench-raw", at: now, to } }))
    return yield* timed(Effect.gen(function*() {
      yield* sql.withTransaction(Effect.andThen(
        insertRows(Assets.assets, tenantId, rows),
        insertRows(Assets.assetHistoryEntries, tenantId, history("ordered", 1, { status: "on_order" }))
      ))
      const place = { locationId: "HQ", storageSpace: "Bench store" }
      yield* sql.withTransaction(Effect.andThen(
        updateRows(Assets.assets, tenantId, rows.map((row, n) => ({
          id: row.id,
          expected: 1,
          data: { ...row.data, status: "in_stock", serialNumber: `RAW-${round}-${n}`, condition: "new", ...place, receivedAt: now }
        }))),
        insertRows(Assets.assetHistoryEntries, tenantId, history("received", 2, { status: "in_stock", condition: "new", ...place }))
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
    const uncounted: Array<number> = []
    for (let round = 1; round <= options.rounds; round++) {
      sdk.push(yield* sdkRound(options.units, round))
      raw.push(yield* rawRound(options.units, round))
      uncounted.push(yield* rawRound(options.units, options.rounds + round, false))
    }
    return { units: options.units, sdkMillis: median(sdk), rawMillis: median(raw), rawUncountedMillis: median(uncounted) }
  }).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(storage))))
