/**
 * The stock ledger engine: posting movements to stock records (checked first, then one write of
 * the records, the ledger entries and the replenishment events). Used by the stock operations
 * and by what the module offers receiving (`internal/movements.ts`).
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import type { Money } from "../Money.js"
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import { StockError } from "./StockErrors.js"
import type { MovementKind, StockKey, StockMovement, StockRecord } from "./StockModel.js"
import { stockMovements, stockRecords } from "./StockModel.js"
import { averageCost, checkReorder, keyString, place } from "./StockRules.js"

/**
 * One change to post: a signed quantity, or a counted quantity for adjustments.
 *
 * @since 0.1.0
 * @category models
 */
export interface Posting {
  readonly key: StockKey
  /** The item's name, to create the record if it does not exist yet. */
  readonly name?: string | undefined
  readonly kind: MovementKind
  readonly quantity?: number
  readonly counted?: number
  readonly unitCost?: Money | undefined
  readonly reference?: Pick<StockMovement, "purchaseOrderId" | "lineNo" | "receiptId" | "transferId" | "issuedTo" | "reason">
}

/**
 * A unique-key race on a new stock record is retried like a stale version: re-read, re-apply.
 * (Stock is written by the operations of several modules, so the race is turned into a stale
 * version here rather than declared in each operation's `retryOnUnique`.)
 */
export const retryOnNewRecordRace = <A, E, R>(effect: Effect.Effect<A, E | Storage.StorageError, R>) =>
  Effect.mapError(effect, (error) =>
    Storage.isUniqueViolation(error, ["catalogItemId", "locationId", "storageSpace"])
      ? new Storage.StorageError({
        reason: new Storage.StaleVersion({
          collection: stockRecords.name,
          ids: error.reason.ids ?? [],
          message: "A stock record for this item and storage space was created at the same time; retry",
          cause: error
        })
      })
      : error)

/** Loads the stock records of the given keys, by key. */
export const loadRecords = Effect.fn("Stock.loadRecords")(function*(keys: ReadonlyArray<StockKey>) {
  const storage = yield* Storage.Storage
  const unique = [...new Map(keys.map((key) => [keyString(key), key] as const)).values()]
  const found = new Map<string, StockRecord>()
  for (let i = 0; i < unique.length; i += 500) {
    const batch = unique.slice(i, i + 500)
    const page = yield* storage.find(stockRecords, {
      where: { $or: batch.map((key) => ({ catalogItemId: key.catalogItemId, locationId: key.locationId, storageSpace: key.storageSpace })) },
      limit: 1000
    })
    for (const record of page.items) found.set(keyString(record), record)
  }
  return found
})

/**
 * Posts movements in order: checks every one first (failing before anything is written), then
 * writes the records, the ledger entries and the replenishment events.
 */
export const post = Effect.fn("Stock.post")(function*(postings: ReadonlyArray<Posting>) {
  const principal = yield* CurrentPrincipal
  const now = yield* Events.now
  const working = yield* loadRecords(postings.map((p) => p.key))
  const created = new Set<string>()
  const movements: Array<Storage.New<StockMovement>> = []
  const movementIds = yield* Ids.nextMany(postings.length)
  for (const [i, posting] of postings.entries()) {
    const k = keyString(posting.key)
    let record = working.get(k)
    if (record === undefined) {
      const id = yield* Ids.next
      record = {
        id,
        version: 0,
        catalogItemId: posting.key.catalogItemId,
        name: posting.name ?? posting.key.catalogItemId,
        locationId: posting.key.locationId,
        storageSpace: posting.key.storageSpace,
        onHand: 0,
        belowReorderLevel: false,
        sequence: 0,
        updatedAt: now
      }
      created.add(k)
    }
    const quantity = posting.counted !== undefined ? posting.counted - record.onHand : posting.quantity!
    if (record.onHand + quantity < 0) {
      return yield* new StockError({
        reason: "InsufficientStock",
        ...posting.key,
        onHand: record.onHand,
        requested: -quantity,
        message: `Only ${record.onHand} of ${record.name} on hand in ${place(posting.key)}; cannot take ${-quantity}`
      })
    }
    const incoming = quantity > 0 && posting.unitCost !== undefined
    const unitCost = posting.unitCost ?? record.averageUnitCost
    record = {
      ...record,
      onHand: record.onHand + quantity,
      sequence: record.sequence + 1,
      updatedAt: now,
      ...(incoming ? { lastUnitCost: posting.unitCost!, averageUnitCost: averageCost(record, quantity, posting.unitCost!) } : {})
    }
    working.set(k, record)
    movements.push({
      id: movementIds[i]!,
      stockRecordId: record.id,
      sequence: record.sequence,
      catalogItemId: record.catalogItemId,
      locationId: record.locationId,
      storageSpace: record.storageSpace,
      kind: posting.kind,
      quantity,
      balanceAfter: record.onHand,
      ...(unitCost !== undefined ? { unitCost } : {}),
      by: principal.userId,
      at: now,
      ...posting.reference
    })
  }
  return yield* write(working, created, movements)
})

export const unversioned = (record: StockRecord): Storage.New<StockRecord> => {
  const { version: _version, ...rest } = record
  return rest
}

/** Writes changed records (new ones inserted), movements, and replenishment events. */
export const write = Effect.fn("Stock.write")(function*(
  working: ReadonlyMap<string, StockRecord>,
  created: ReadonlySet<string>,
  movements: ReadonlyArray<Storage.New<StockMovement>>
) {
  const storage = yield* Storage.Storage
  const touched = new Set(movements.map((m) => m.stockRecordId))
  const events: Array<Events.Pending> = []
  const inserts: Array<StockRecord> = []
  const updates: Array<StockRecord> = []
  for (const [k, original] of working) {
    if (!touched.has(original.id) && !created.has(k)) continue
    const checked = checkReorder(original)
    if (checked.event !== undefined) events.push(checked.event)
    ;(created.has(k) ? inserts : updates).push(checked.record)
  }
  const inserted = yield* retryOnNewRecordRace(storage.insertMany(stockRecords, inserts.map(unversioned)))
  const updated = yield* storage.updateMany(stockRecords, updates)
  const ledger = yield* storage.insertMany(stockMovements, movements)
  yield* Events.append(...events)
  const byId = new Map([...inserted, ...updated].map((r) => [r.id, r] as const))
  return { records: byId, movements: ledger, events }
})

/**
 * What an event announcing a movement carries: the record after it and the ledger entry.
 *
 * @since 0.1.0
 * @category getters
 */
export const movementEvent = (record: StockRecord, movement: StockMovement) => ({
  stockRecordId: record.id,
  movementId: movement.id,
  sequence: movement.sequence,
  catalogItemId: record.catalogItemId,
  name: record.name,
  locationId: record.locationId,
  storageSpace: record.storageSpace,
  kind: movement.kind,
  quantity: movement.quantity,
  onHand: record.onHand,
  ...(movement.unitCost !== undefined ? { unitCost: movement.unitCost } : {}),
  ...(movement.purchaseOrderId !== undefined ? { purchaseOrderId: movement.purchaseOrderId } : {}),
  ...(movement.lineNo !== undefined ? { lineNo: movement.lineNo } : {}),
  ...(movement.issuedTo !== undefined ? { issuedTo: movement.issuedTo } : {}),
  ...(movement.reason !== undefined ? { reason: movement.reason } : {})
})
