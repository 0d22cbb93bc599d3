/**
 * Consumable stock (seed 002, Consumables): items used over time and not returned, such as
 * toner, cables or a USB mouse, are counted, not tracked one by one. There is one stock record
 * per catalog item per storage space (of a location), holding the quantity on hand; every change
 * is a movement in the ledger (receipt, issue, transfer out and in, adjustment) with who, when,
 * the reference (purchase order and line, receipt, reason) and the unit cost.
 *
 * Receiving adds to stock through what the module offers it (`internal/movements.ts`), in the receipt's transaction; hosts issue,
 * transfer, count and set reorder levels through the operations. On hand never goes below zero,
 * and falling to or below the reorder level appends one `stock.replenishment_needed` event per
 * crossing.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import { z } from "zod"
import { NotFound } from "../Errors.js"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { itemsById } from "../catalog/internal/sourcing.js"
import { ReorderLevelSet, ReplenishmentNeeded, StockAdjusted, StockIssued, StockTransferred } from "./StockEvents.js"
import { StockKey, StockMovement, StockRecord, stockMovements, stockRecords } from "./StockModel.js"
import { loadRecords, movementEvent, post, retryOnNewRecordRace, unversioned } from "./StockLedger.js"
import { checkReorder, keyString } from "./StockRules.js"

// ----- model: in StockModel.ts, re-exported ----------------------------------------

export * from "./StockModel.js"

// ----- errors: in StockErrors.ts, re-exported

export * from "./StockErrors.js"

// ----- operations ------------------------------------------------------------------------------

/**
 * The name of the item a stock operation is about; an item the catalog does not know fails with
 * `NotFound` naming it, before anything is looked up or written (stock is kept for catalog items).
 */
const itemName = Effect.fn("Stock.itemName")(function*(catalogItemId: string) {
  const item = (yield* itemsById([catalogItemId])).get(catalogItemId)
  if (item === undefined) {
    return yield* new NotFound({
      entity: "CatalogItem",
      id: catalogItemId,
      message: `Unknown item: no catalog item has the id ${catalogItemId}, so it has no stock`
    })
  }
  return item.name
})

/**
 * A stock record after a change, with the ledger entry that changed it.
 *
 * @since 0.1.0
 * @category models
 */
export const StockChange = z.object({ record: StockRecord, movement: StockMovement })

/**
 * Issues units from a storage space (to a person, a cost centre, a job): on hand goes down,
 * never below zero; a refusal names on hand and the quantity asked for.
 *
 * @since 0.1.0
 * @category operations
 */
export const issueStock = Operation.make({
  id: "stock.issueStock",
  summary: "Issue consumables from a storage space; on hand never goes below zero.",
  kind: "command",
  permission: "stock.issue",
  input: StockKey.extend({
    quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1"),
    issuedTo: Text.externalId.optional(),
    reason: Text.comment.optional()
  }),
  output: StockChange,
  events: [StockIssued, ReplenishmentNeeded],
  handler: Effect.fn(function*({ quantity, issuedTo, reason, ...key }) {
    const name = yield* itemName(key.catalogItemId)
    const result = yield* post([{
      key,
      name,
      kind: "issue",
      quantity: -quantity,
      reference: { ...(issuedTo !== undefined ? { issuedTo } : {}), ...(reason !== undefined ? { reason } : {}) }
    }])
    const movement = result.movements[0]!
    const record = result.records.get(movement.stockRecordId)!
    yield* Events.append(StockIssued.make(movementEvent(record, movement)))
    return { record, movement }
  })
})

const Place = z.object({ locationId: Text.location, storageSpace: Text.location })

/**
 * Moves units of an item from one storage space to another, atomically: a `transfer_out` and a
 * `transfer_in` ledger entry sharing a transfer id, at the source's average unit cost.
 *
 * @since 0.1.0
 * @category operations
 */
export const transferStock = Operation.make({
  id: "stock.transferStock",
  summary: "Move consumables between storage spaces, atomically (out of one, into the other).",
  kind: "command",
  permission: "stock.manage",
  input: z.object({
    catalogItemId: Text.id,
    from: Place,
    to: Place,
    quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1"),
    reason: Text.comment.optional()
  }).refine((t) => t.from.locationId !== t.to.locationId || t.from.storageSpace !== t.to.storageSpace, {
    message: "the source and destination storage spaces are the same",
    path: ["to"]
  }),
  output: z.object({ from: StockRecord, to: StockRecord, movements: z.array(StockMovement) }),
  events: [StockTransferred, ReplenishmentNeeded],
  handler: Effect.fn(function*({ catalogItemId, from, to, quantity, reason }) {
    const name = yield* itemName(catalogItemId)
    const source = (yield* loadRecords([{ catalogItemId, ...from }])).get(keyString({ catalogItemId, ...from }))
    const transferId = yield* Ids.next
    const reference = { transferId, ...(reason !== undefined ? { reason } : {}) }
    const result = yield* post([
      { key: { catalogItemId, ...from }, kind: "transfer_out", quantity: -quantity, reference },
      {
        key: { catalogItemId, ...to },
        name: source?.name ?? name,
        kind: "transfer_in",
        quantity,
        unitCost: source?.averageUnitCost,
        reference
      }
    ])
    const [out, into] = result.movements as [StockMovement, StockMovement]
    const fromRecord = result.records.get(out.stockRecordId)!
    const toRecord = result.records.get(into.stockRecordId)!
    yield* Events.append(StockTransferred.make({
      stockRecordId: fromRecord.id,
      transferId,
      catalogItemId,
      name: fromRecord.name,
      quantity,
      from: { ...from, stockRecordId: fromRecord.id, onHand: fromRecord.onHand },
      to: { ...to, stockRecordId: toRecord.id, onHand: toRecord.onHand },
      ...(reason !== undefined ? { reason } : {})
    }))
    return { from: fromRecord, to: toRecord, movements: [out, into] }
  })
})

/**
 * Records a stock count: on hand becomes the counted quantity, with an `adjustment` ledger entry
 * of the difference and its reason. Counting an item in a space without a record creates it.
 *
 * @since 0.1.0
 * @category operations
 */
export const adjustStock = Operation.make({
  id: "stock.adjustStock",
  summary: "Set on hand to a counted quantity, recording the difference and the reason.",
  kind: "command",
  permission: "stock.manage",
  input: StockKey.extend({
    countedQuantity: z.number().int("a count is a whole number").nonnegative("a count cannot be negative"),
    reason: Text.bounded(Text.limits.comment, "an adjustment needs a reason")
  }),
  output: StockChange,
  events: [StockAdjusted, ReplenishmentNeeded],
  handler: Effect.fn(function*({ countedQuantity, reason, ...key }) {
    const name = yield* itemName(key.catalogItemId)
    const result = yield* post([{ key, name, kind: "adjustment", counted: countedQuantity, reference: { reason } }])
    const movement = result.movements[0]!
    const record = result.records.get(movement.stockRecordId)!
    yield* Events.append(StockAdjusted.make(movementEvent(record, movement)))
    return { record, movement }
  })
})

/**
 * Sets (or, with `null`, clears) the reorder level of an item in a storage space. When on hand
 * is already at or below the new level, the replenishment event is raised now.
 *
 * @since 0.1.0
 * @category operations
 */
export const setReorderLevel = Operation.make({
  id: "stock.setReorderLevel",
  summary: "Set or clear the reorder level of an item in a storage space.",
  kind: "command",
  permission: "stock.manage",
  input: StockKey.extend({ reorderLevel: z.number().int("a reorder level is a whole number").nonnegative().nullable() }),
  output: StockRecord,
  events: [ReorderLevelSet, ReplenishmentNeeded],
  handler: Effect.fn(function*({ reorderLevel, ...key }) {
    const storage = yield* Storage.Storage
    const existing = (yield* loadRecords([key])).get(keyString(key))
    const now = yield* Events.now
    const base: StockRecord = existing ?? {
      id: yield* Ids.next,
      version: 0,
      ...key,
      name: yield* itemName(key.catalogItemId),
      onHand: 0,
      belowReorderLevel: false,
      sequence: 0,
      updatedAt: now
    }
    const { reorderLevel: _previous, ...rest } = base
    const checked = checkReorder({ ...rest, ...(reorderLevel !== null ? { reorderLevel } : {}), updatedAt: now })
    const record = existing === undefined
      ? yield* retryOnNewRecordRace(storage.insertOne(stockRecords, unversioned(checked.record)))
      : yield* storage.updateOne(stockRecords, checked.record)
    yield* Events.append(
      ReorderLevelSet.make({ stockRecordId: record.id, ...key, reorderLevel, onHand: record.onHand }),
      ...(checked.event !== undefined ? [checked.event] : [])
    )
    return record
  })
})

/**
 * Reads one stock record: an item's consumable stock in one storage space.
 *
 * @since 0.1.0
 * @category operations
 */
export const getStockRecord = Operation.make({
  id: "stock.getStockRecord",
  summary: "Read one stock record (an item's stock in one storage space) by id.",
  kind: "query",
  permission: "stock.read",
  input: Paging.GetInput,
  output: StockRecord,
  events: [],
  handler: ({ id }) => Paging.get(stockRecords, "StockRecord", id)
})

/**
 * Reads one ledger entry.
 *
 * @since 0.1.0
 * @category operations
 */
export const getMovement = Operation.make({
  id: "stock.getMovement",
  summary: "Read one ledger entry (receipt, issue, transfer, adjustment, return) by id.",
  kind: "query",
  permission: "stock.read",
  input: Paging.GetInput,
  output: StockMovement,
  events: [],
  handler: ({ id }) => Paging.get(stockMovements, "StockMovement", id)
})

/**
 * Lists stock records: the consumables view of a storage space (by location and storage space,
 * by name), an item's stock across spaces, or what needs replenishing.
 *
 * @since 0.1.0
 * @category operations
 */
export const listStock = Operation.make({
  id: "stock.listStock",
  summary: "List consumable stock of a storage space, of an item, or at or below its reorder level.",
  kind: "query",
  permission: "stock.read",
  input: z.object({
    locationId: Text.location.optional(),
    storageSpace: Text.location.optional(),
    catalogItemId: Text.id.optional(),
    belowReorderLevel: z.boolean().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: Text.cursor.optional()
  }),
  output: z.object({ items: z.array(StockRecord), cursor: z.string().optional() }),
  events: [],
  handler: Effect.fn(function*({ limit, cursor, ...where }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(stockRecords, {
      where: Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined)),
      orderBy: [{ field: "locationId" }, { field: "storageSpace" }, { field: "name" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * Lists the ledger of a stock record, oldest first, a page at a time.
 *
 * @since 0.1.0
 * @category operations
 */
export const listMovements = Operation.make({
  id: "stock.listMovements",
  summary: "List the ledger (receipts, issues, transfers, adjustments) of a stock record, oldest first.",
  kind: "query",
  permission: "stock.read",
  input: z.object({
    stockRecordId: Text.id,
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: Text.cursor.optional()
  }),
  output: z.object({ items: z.array(StockMovement), cursor: z.string().optional() }),
  events: [],
  handler: Effect.fn(function*({ stockRecordId, limit, cursor }) {
    const storage = yield* Storage.Storage
    yield* storage.getOrFail(stockRecords, stockRecordId, "StockRecord")
    const page = yield* storage.find(stockMovements, {
      where: { stockRecordId },
      orderBy: [{ field: "sequence" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * The stock module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = {
  issueStock,
  transferStock,
  adjustStock,
  setReorderLevel,
  getStockRecord,
  listStock,
  getMovement,
  listMovements
}

/**
 * The methods of the stock service: one per operation of {@link operations}, taking its input
 * and giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface StockService extends Operation.Methods<typeof operations> {}

/**
 * The stock service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Stock extends Context.Service<Stock, StockService>()("@procura/core/Stock") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Stock, operations)
}

/**
 * The collections the stock module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [stockRecords, stockMovements] as const
