/**
 * The events of purchase orders. They belong to the order's aggregate (`purchase_order`), with its
 * receipts, returns and template assets, so a connector sees them in order. Payloads carry the
 * lines (numbers, items, quantities, unit costs) and the status before and after, what a
 * connector needs to create or update its copy (ServiceNow `proc_po` and `proc_po_item`, an SPO
 * or Coupa purchase order) without reading back.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Events from "../Events.js"
import { Money } from "../Money.js"
import { LineChange, PurchaseOrderLine, PurchaseOrderStatus } from "./PurchasingModel.js"

/**
 * Where a line stands: ordered, received, cancelled and returned units.
 *
 * @since 0.1.0
 * @category models
 */
export const LineProgress = z.object({
  lineNo: z.number().int(),
  quantity: z.number().int().describe("ordered"),
  receivedQuantity: z.number().int(),
  cancelledQuantity: z.number().int(),
  returnedQuantity: z.number().int().describe("returned to the vendor for credit"),
  outstandingQuantity: z.number().int().describe("still expected: ordered less cancelled less received (0 for software)")
})

/**
 * A purchase order was created, in status `draft` (`purchasing.createFromRequest`: one per vendor
 * of the request), or `submitted` (`purchasing.importPurchaseOrder`: placed in another system;
 * `purchase_order.submitted` follows).
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseOrderCreated = Events.define("purchase_order.created", {
  description: "A purchase order was created: as a draft, one per vendor of an approved purchase request, or submitted, imported from the system it was placed in.",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    purchaseOrderId: z.string(),
    vendorId: z.string(),
    requestId: z.string().optional().describe("the purchase request it was created from"),
    status: PurchaseOrderStatus,
    total: Money,
    lines: z.array(PurchaseOrderLine)
  })
})

/**
 * A draft purchase order was submitted to its vendor (`purchasing.submitPurchaseOrder`), after
 * its template assets and entitlements were created.
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseOrderSubmitted = Events.define("purchase_order.submitted", {
  description: "A draft purchase order was submitted to its vendor, after its template assets (asset.templates_created) and software entitlements (entitlement.created).",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    purchaseOrderId: z.string(),
    vendorId: z.string(),
    requestId: z.string().optional(),
    status: PurchaseOrderStatus,
    submittedAt: z.string(),
    total: Money,
    templateAssets: z.number().int().describe("how many template assets were created"),
    lines: z.array(PurchaseOrderLine)
  })
})

/**
 * A purchase order was revised (`purchasing.revisePurchaseOrder`): quantities, unit costs, lines
 * added or removed.
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseOrderRevised = Events.define("purchase_order.revised", {
  description: "A purchase order was revised: quantities or unit costs changed, lines added or removed. changes has each line before and after; lines the order's lines after the revision.",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    purchaseOrderId: z.string(),
    vendorId: z.string(),
    revision: z.number().int().describe("the revision's number (1, 2, ...)"),
    reason: z.string(),
    changes: z.array(LineChange),
    total: Money,
    status: PurchaseOrderStatus,
    previousStatus: PurchaseOrderStatus,
    lines: z.array(PurchaseOrderLine)
  })
})

/**
 * Outstanding units of lines were cancelled (`purchasing.cancelPurchaseOrder`,
 * `purchasing.cancelPurchaseOrderLines`).
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseOrderLinesCancelled = Events.define("purchase_order.lines_cancelled", {
  description: "Outstanding units of purchase order lines were cancelled (some lines, or the whole order).",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    purchaseOrderId: z.string(),
    vendorId: z.string(),
    revision: z.number().int(),
    reason: z.string(),
    lines: z.array(z.object({
      lineNo: z.number().int(),
      cancelled: z.number().int().describe("units cancelled now"),
      cancelledQuantity: z.number().int().describe("units cancelled in all")
    })),
    total: Money,
    status: PurchaseOrderStatus,
    previousStatus: PurchaseOrderStatus
  })
})

const StatusChange = z.object({
  purchaseOrderId: z.string(),
  vendorId: z.string(),
  status: PurchaseOrderStatus,
  previousStatus: PurchaseOrderStatus,
  lines: z.array(LineProgress)
})

/**
 * A receipt left a purchase order partially received (appended with every such receipt), or a
 * change moved it back there.
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseOrderPartiallyReceived = Events.define("purchase_order.partially_received", {
  description: "A receipt left the purchase order partially received (appended with every such receipt), or a revision, cancellation or return moved it there.",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: StatusChange
})

/**
 * Every line of a purchase order received all it still expects: by a receipt (appended with every
 * receipt completing the order), or because the rest was cancelled or revised away.
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseOrderReceived = Events.define("purchase_order.received", {
  description: "Every line of the purchase order received all it still expects: by a receipt, or because what remained was cancelled or revised away (closed short).",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: StatusChange
})

/**
 * Everything of a purchase order was cancelled with nothing received.
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseOrderCancelled = Events.define("purchase_order.cancelled", {
  description: "Everything on the purchase order was cancelled (or revised away) with nothing received.",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: StatusChange
})

/**
 * The event announcing each status a purchase order can move to after submission.
 *
 * @since 0.1.0
 * @category events
 */
export const statusEvents = {
  partially_received: PurchaseOrderPartiallyReceived,
  received: PurchaseOrderReceived,
  cancelled: PurchaseOrderCancelled
} as const

/**
 * Every event of purchasing.
 *
 * @since 0.1.0
 * @category events
 */
export const events = [
  PurchaseOrderCreated,
  PurchaseOrderSubmitted,
  PurchaseOrderRevised,
  PurchaseOrderLinesCancelled,
  PurchaseOrderPartiallyReceived,
  PurchaseOrderReceived,
  PurchaseOrderCancelled
] as const
