/**
 * The events of consumable stock. Each belongs to a stock record (`stock_record`: one per item and
 * storage space) and carries the item, the place and on hand after the change. Receipts into
 * stock are announced by `receipt.recorded`.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Events from "../Events.js"
import { Money } from "../Money.js"
import { MovementKind } from "./StockModel.js"

/**
 * A movement of the ledger, as the events announcing it carry it.
 *
 * @since 0.1.0
 * @category models
 */
export const Movement = z.object({
  stockRecordId: z.string(),
  movementId: z.string(),
  sequence: z.number().int().describe("the movement's place in its stock record's ledger (1, 2, ...): a later movement has a higher one"),
  catalogItemId: z.string(),
  name: z.string(),
  locationId: z.string(),
  storageSpace: z.string(),
  kind: MovementKind,
  quantity: z.number().int().describe("signed: positive adds to stock"),
  onHand: z.number().int().describe("on hand after the movement"),
  unitCost: Money.optional(),
  purchaseOrderId: z.string().optional(),
  lineNo: z.number().int().optional(),
  issuedTo: z.string().optional(),
  reason: z.string().optional()
})

/**
 * Units were issued from a storage space (`stock.issueStock`).
 *
 * @since 0.1.0
 * @category events
 */
export const StockIssued = Events.define("stock.issued", {
  description: "Units were issued from a storage space (to a person, a cost centre, a job).",
  aggregateType: "stock_record",
  aggregateId: "stockRecordId",
  payload: Movement
})

/**
 * A count set on hand (`stock.adjustStock`).
 *
 * @since 0.1.0
 * @category events
 */
export const StockAdjusted = Events.define("stock.adjusted", {
  description: "A stock count set on hand; quantity is the difference, with the reason.",
  aggregateType: "stock_record",
  aggregateId: "stockRecordId",
  payload: Movement
})

/**
 * Consumables were sent back to the vendor (`receiving.returnToVendor`).
 *
 * @since 0.1.0
 * @category events
 */
export const StockReturnedToVendor = Events.define("stock.returned_to_vendor", {
  description: "Consumables were taken out of a storage space to be sent back to the vendor, referencing the purchase order line.",
  aggregateType: "stock_record",
  aggregateId: "stockRecordId",
  payload: Movement
})

const Side = z.object({ locationId: z.string(), storageSpace: z.string(), stockRecordId: z.string(), onHand: z.number().int() })

/**
 * Units moved between storage spaces (`stock.transferStock`); the event belongs to the source's
 * stock record.
 *
 * @since 0.1.0
 * @category events
 */
export const StockTransferred = Events.define("stock.transferred", {
  description: "Units moved from one storage space to another, atomically; the event belongs to the source's stock record.",
  aggregateType: "stock_record",
  aggregateId: "stockRecordId",
  payload: z.object({
    stockRecordId: z.string().describe("the source's stock record"),
    transferId: z.string(),
    catalogItemId: z.string(),
    name: z.string(),
    quantity: z.number().int(),
    from: Side.describe("the source, with on hand after"),
    to: Side.describe("the destination, with on hand after"),
    reason: z.string().optional()
  })
})

/**
 * A reorder level was set or cleared (`stock.setReorderLevel`).
 *
 * @since 0.1.0
 * @category events
 */
export const ReorderLevelSet = Events.define("stock.reorder_level_set", {
  description: "The reorder level of an item in a storage space was set, or cleared (null).",
  aggregateType: "stock_record",
  aggregateId: "stockRecordId",
  payload: z.object({
    stockRecordId: z.string(),
    catalogItemId: z.string(),
    locationId: z.string(),
    storageSpace: z.string(),
    reorderLevel: z.number().int().nullable(),
    onHand: z.number().int()
  })
})

/**
 * On hand fell to or below the reorder level (once per crossing).
 *
 * @since 0.1.0
 * @category events
 */
export const ReplenishmentNeeded = Events.define("stock.replenishment_needed", {
  description: "On hand of an item in a storage space fell to or below its reorder level (once per crossing; rising above it re-arms it).",
  aggregateType: "stock_record",
  aggregateId: "stockRecordId",
  payload: z.object({
    stockRecordId: z.string(),
    catalogItemId: z.string(),
    name: z.string(),
    locationId: z.string(),
    storageSpace: z.string(),
    onHand: z.number().int(),
    reorderLevel: z.number().int()
  })
})

/**
 * Every event of stock.
 *
 * @since 0.1.0
 * @category events
 */
export const events = [StockIssued, StockAdjusted, StockReturnedToVendor, StockTransferred, ReorderLevelSet, ReplenishmentNeeded] as const
