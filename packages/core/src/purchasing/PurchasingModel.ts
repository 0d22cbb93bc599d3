/**
 * The purchasing module's model: purchase orders, their lines and revisions, with the collections.
 * The module's operations (Purchasing.ts) and events (PurchasingEvents.ts) share it; `Purchasing`
 * re-exports it.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Money from "../Money.js"
import * as Storage from "../Storage.js"
import { ItemKind } from "../catalog/CatalogModel.js"

/**
 * The states of a purchase order.
 *
 * @since 0.1.0
 * @category models
 */
export const PurchaseOrderStatus = z.enum(["draft", "submitted", "partially_received", "received", "cancelled"])

/**
 * A purchase order status.
 *
 * @since 0.1.0
 * @category models
 */
export type PurchaseOrderStatus = z.infer<typeof PurchaseOrderStatus>

/**
 * A purchase order line. `receivedQuantity` never exceeds `quantity` minus `cancelledQuantity`
 * (plus the over-receipt tolerance, when one applies); `returnedQuantity` counts received units
 * sent back to the vendor for credit (at most `receivedQuantity`), `replacedQuantity` those sent
 * back for replacement. `capitalisable` service lines get a fixed-asset record when received.
 *
 * @since 0.1.0
 * @category models
 */
export const PurchaseOrderLine = z.object({
  lineNo: z.number().int().positive(),
  catalogItemId: z.string(),
  description: z.string(),
  kind: ItemKind,
  quantity: z.number().int().positive(),
  unitCost: Money.Money,
  createAsset: z.boolean(),
  capitalisable: z.boolean(),
  receivedQuantity: z.number().int().nonnegative(),
  cancelledQuantity: z.number().int().nonnegative(),
  returnedQuantity: z.number().int().nonnegative(),
  /**
   * Units sent back to the vendor for replacement: taken off `receivedQuantity` (the backorder
   * re-opens for the replacements) and counted here. Absent: none.
   */
  replacedQuantity: z.number().int().nonnegative().optional()
})

/**
 * A purchase order line.
 *
 * @since 0.1.0
 * @category models
 */
export type PurchaseOrderLine = z.infer<typeof PurchaseOrderLine>

/**
 * A purchase order to one vendor.
 *
 * @since 0.1.0
 * @category models
 */
export const PurchaseOrder = z.object({
  id: z.string(),
  version: z.number().int(),
  vendorId: z.string(),
  requestId: z.string().optional(),
  /**
   * The order's reference in the system it was placed in, when it was imported from one
   * (`purchasing.importPurchaseOrder`): unique, so importing it again finds it.
   */
  externalReference: z.string().optional(),
  status: PurchaseOrderStatus,
  lines: z.array(PurchaseOrderLine),
  /** What is still ordered: the sum of unit cost times quantity less cancelled, over the lines. */
  total: Money.Money,
  /** The number of the latest revision (a revision or a cancellation); absent until the first. */
  revision: z.number().int().positive().optional(),
  submittedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string()
})

/**
 * A purchase order.
 *
 * @since 0.1.0
 * @category models
 */
export type PurchaseOrder = z.infer<typeof PurchaseOrder>

/**
 * Where purchase orders are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const purchaseOrders = Storage.collection({
  name: "purchase_orders",
  schema: PurchaseOrder,
  fields: { vendorId: "string", requestId: "string", externalReference: "string", status: "string", createdAt: "timestamp" },
  indexes: [["vendorId"], ["requestId"], ["status"]],
  unique: [["externalReference"]]
})

/**
 * The terms of a line a revision or cancellation can change: quantity ordered, units cancelled,
 * unit cost.
 *
 * @since 0.1.0
 * @category models
 */
export const LineTerms = z.object({
  quantity: z.number().int().nonnegative(),
  cancelledQuantity: z.number().int().nonnegative(),
  unitCost: Money.Money
})

/**
 * The terms of a line.
 *
 * @since 0.1.0
 * @category models
 */
export type LineTerms = z.infer<typeof LineTerms>

/**
 * What happened to one line in a revision: added (only `after`), removed (only `before`),
 * changed or cancelled (both).
 *
 * @since 0.1.0
 * @category models
 */
export const LineChange = z.object({
  lineNo: z.number().int().positive(),
  description: z.string(),
  action: z.enum(["added", "removed", "changed", "cancelled"]),
  before: LineTerms.optional(),
  after: LineTerms.optional()
})

/**
 * A line change.
 *
 * @since 0.1.0
 * @category models
 */
export type LineChange = z.infer<typeof LineChange>

/**
 * One revision of a purchase order: its number (1, 2, ...), whether it revised the lines or
 * cancelled outstanding units, who made it, when and why, each line before and after, and the
 * order's total and status before and after.
 *
 * @since 0.1.0
 * @category models
 */
export const PurchaseOrderRevision = z.object({
  id: z.string(),
  version: z.number().int(),
  purchaseOrderId: z.string(),
  revision: z.number().int().positive(),
  action: z.enum(["revised", "cancelled"]),
  by: z.string(),
  at: z.string(),
  reason: z.string(),
  changes: z.array(LineChange),
  totalBefore: Money.Money,
  totalAfter: Money.Money,
  statusBefore: PurchaseOrderStatus,
  statusAfter: PurchaseOrderStatus
})

/**
 * A purchase order revision.
 *
 * @since 0.1.0
 * @category models
 */
export type PurchaseOrderRevision = z.infer<typeof PurchaseOrderRevision>

/**
 * Where the revision history of purchase orders is stored: one record per revision, numbered
 * per order.
 *
 * @since 0.1.0
 * @category collections
 */
export const purchaseOrderRevisions = Storage.collection({
  name: "purchase_order_revisions",
  schema: PurchaseOrderRevision,
  fields: { purchaseOrderId: "string", revision: "integer", at: "timestamp" },
  unique: [["purchaseOrderId", "revision"]]
})
