/**
 * The events of receiving: receipts and returns to the vendor. They belong to the purchase
 * order's aggregate (`purchase_order`), in order with the order's own events. A receipt's payload
 * carries each received line (number, item, quantity, unit cost) with the assets it activated
 * (ids, serial numbers, asset tags), the stock movement or fixed asset it wrote, where the goods
 * went and in what condition: what a connector needs to post a receiving slip (ServiceNow
 * `proc_rec_slip` and `proc_rec_slip_item`, an SPO receipt, a Coupa receipt) and update its assets
 * without reading back. The order's new status follows in its own event.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Events from "../Events.js"
import { Money } from "../Money.js"
import { Condition } from "../assets/AssetsModel.js"
import { ItemKind } from "../catalog/CatalogModel.js"
import { PurchaseOrderStatus } from "../purchasing/PurchasingModel.js"

/**
 * A received line, as `receipt.recorded` carries it.
 *
 * @since 0.1.0
 * @category models
 */
export const ReceivedLine = z.object({
  lineNo: z.number().int(),
  catalogItemId: z.string(),
  description: z.string(),
  kind: ItemKind,
  quantity: z.number().int().describe("units received on this receipt"),
  unitCost: Money,
  assetIds: z.array(z.string()).describe("the assets the units became (asset lines), in unit order; their tags are on asset.tagged"),
  serialNumbers: z.array(z.string()).describe("the serial numbers recorded, in unit order (the first assets)"),
  stockMovementId: z.string().optional().describe("the ledger entry of a consumable line received into stock"),
  stockRecordId: z.string().optional().describe("the stock record (item, location, storage space) a consumable line went into"),
  onHand: z.number().int().optional().describe("units on hand in that stock record after the receipt"),
  stockSequence: z.number().int().optional().describe("the receipt's movement's place in that stock record's ledger"),
  fixedAssetId: z.string().optional().describe("the fixed asset of a capitalisable service line")
})

/**
 * A receipt (receiving slip) was recorded against a purchase order, from the order, a shipment, an
 * invoice or scans.
 *
 * @since 0.1.0
 * @category events
 */
export const ReceiptRecorded = Events.define("receipt.recorded", {
  description: "A receipt (receiving slip) was recorded against a purchase order: from the order, a shipment, an invoice or scans. Asset lines' template assets became in_stock assets; consumables went into stock; capitalisable services became fixed assets (fixed_asset.capitalised). The order's status event follows.",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    receiptId: z.string(),
    purchaseOrderId: z.string(),
    vendorId: z.string(),
    shipmentId: z.string().optional(),
    invoiceId: z.string().optional(),
    receivedBy: z.string(),
    receivedAt: z.string(),
    locationId: z.string(),
    storageSpace: z.string(),
    condition: Condition,
    lines: z.array(ReceivedLine),
    status: PurchaseOrderStatus.describe("the order's status after the receipt")
  })
})

/**
 * Received units were sent back to the vendor (`receiving.returnToVendor`), for credit or
 * replacement.
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseOrderReturned = Events.define("purchase_order.returned", {
  description: "Received units of purchase order lines were sent back to the vendor, for credit or for replacement (replace: the backorder re-opens and new template assets are created). Each asset returned gets asset.returned_to_vendor; consumables leave stock with stock.returned_to_vendor.",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    returnId: z.string(),
    purchaseOrderId: z.string(),
    vendorId: z.string(),
    reason: z.string(),
    rmaNumber: z.string().optional().describe("the vendor's return merchandise authorisation"),
    replace: z.boolean(),
    lines: z.array(z.object({
      lineNo: z.number().int(),
      quantity: z.number().int(),
      assetIds: z.array(z.string()),
      serialNumbers: z.array(z.string()).describe("the serial numbers of the assets returned"),
      locationId: z.string().optional(),
      storageSpace: z.string().optional(),
      stockMovementId: z.string().optional()
    })),
    status: PurchaseOrderStatus.describe("the order's status after the return"),
    previousStatus: PurchaseOrderStatus
  })
})

/**
 * Every event of receiving.
 *
 * @since 0.1.0
 * @category events
 */
export const events = [ReceiptRecorded, PurchaseOrderReturned] as const
