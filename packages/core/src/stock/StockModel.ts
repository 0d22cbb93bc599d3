/**
 * The stock module's model: stock records per item and storage space, and the ledger of their
 * movements, with the collections. The module's operations (Stock.ts) and events (StockEvents.ts)
 * share it; `Stock` re-exports it.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import { Money } from "../Money.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"

/**
 * Where stock is kept: a storage space of a location, for one catalog item.
 *
 * @since 0.1.0
 * @category models
 */
export const StockKey = z.object({
  catalogItemId: Text.id,
  locationId: Text.location,
  storageSpace: Text.location
})

/**
 * A stock key.
 *
 * @since 0.1.0
 * @category models
 */
export type StockKey = z.infer<typeof StockKey>

/**
 * The stock of one catalog item in one storage space. `onHand` never goes below zero;
 * `belowReorderLevel` is true once the replenishment event for the current crossing was raised.
 * `sequence` counts the record's movements (the ledger's order).
 *
 * @since 0.1.0
 * @category models
 */
export const StockRecord = z.object({
  id: z.string(),
  version: z.number().int(),
  catalogItemId: z.string(),
  name: z.string(),
  locationId: z.string(),
  storageSpace: z.string(),
  onHand: z.number().int().nonnegative(),
  reorderLevel: z.number().int().nonnegative().optional(),
  belowReorderLevel: z.boolean(),
  lastUnitCost: Money.optional(),
  averageUnitCost: Money.optional(),
  sequence: z.number().int().nonnegative(),
  updatedAt: z.string()
})

/**
 * A stock record.
 *
 * @since 0.1.0
 * @category models
 */
export type StockRecord = z.infer<typeof StockRecord>

/**
 * The kinds of ledger movements.
 *
 * @since 0.1.0
 * @category models
 */
export const MovementKind = z.enum(["receipt", "issue", "transfer_in", "transfer_out", "adjustment", "vendor_return"])

/**
 * A movement kind.
 *
 * @since 0.1.0
 * @category models
 */
export type MovementKind = z.infer<typeof MovementKind>

/**
 * A ledger entry: `quantity` is signed (positive adds to stock), `balanceAfter` is on hand after
 * it. The reference is a purchase order line and receipt (receipts), a transfer id (both halves
 * of a transfer share it), a reason, or whom the stock was issued to.
 *
 * @since 0.1.0
 * @category models
 */
export const StockMovement = z.object({
  id: z.string(),
  version: z.number().int(),
  stockRecordId: z.string(),
  sequence: z.number().int().positive(),
  catalogItemId: z.string(),
  locationId: z.string(),
  storageSpace: z.string(),
  kind: MovementKind,
  quantity: z.number().int(),
  balanceAfter: z.number().int().nonnegative(),
  unitCost: Money.optional(),
  by: z.string(),
  at: z.string(),
  purchaseOrderId: z.string().optional(),
  lineNo: z.number().int().optional(),
  receiptId: z.string().optional(),
  transferId: z.string().optional(),
  issuedTo: z.string().optional(),
  reason: z.string().optional()
})

/**
 * A ledger entry.
 *
 * @since 0.1.0
 * @category models
 */
export type StockMovement = z.infer<typeof StockMovement>

/**
 * Where stock records are stored: one per item, location and storage space.
 *
 * @since 0.1.0
 * @category collections
 */
export const stockRecords = Storage.collection({
  name: "stock_records",
  schema: StockRecord,
  fields: {
    catalogItemId: "string",
    name: "string",
    locationId: "string",
    storageSpace: "string",
    onHand: "integer",
    belowReorderLevel: "boolean",
    updatedAt: "timestamp"
  },
  indexes: [["locationId", "storageSpace", "name"], ["catalogItemId"], ["belowReorderLevel"]],
  unique: [["catalogItemId", "locationId", "storageSpace"]]
})

/**
 * Where the ledger is stored: one sequence per stock record.
 *
 * @since 0.1.0
 * @category collections
 */
export const stockMovements = Storage.collection({
  name: "stock_movements",
  schema: StockMovement,
  fields: { stockRecordId: "string", sequence: "integer", kind: "string", purchaseOrderId: "string", at: "timestamp" },
  indexes: [["purchaseOrderId"]],
  unique: [["stockRecordId", "sequence"]]
})
