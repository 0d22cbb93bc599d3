/**
 * The events the assets module appends (and the asset events other modules' operations append
 * through it: template assets for purchase order lines, returns to the vendor, fixed assets).
 *
 * Template assets belong to their purchase order's aggregate (`purchase_order`), so a connector
 * sees them in order with the order and its receipts; every later change of an asset belongs to
 * the asset (`asset`) and carries where it was and is (`from`, `to`: status, location, storage
 * space, assignee, condition), its serial number and asset tag, and the order line it came from.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Events from "../Events.js"
import { Money } from "../Money.js"
import { ItemKind } from "../catalog/CatalogModel.js"
import { AssetPlace } from "./AssetsModel.js"

/**
 * What every change of an asset carries.
 *
 * @since 0.1.0
 * @category models
 */
export const AssetChange = z.object({
  assetId: z.string(),
  serialNumber: z.string().optional(),
  assetTag: z.string().optional(),
  catalogItemId: z.string(),
  purchaseOrderId: z.string().describe("the purchase order that bought it"),
  lineNo: z.number().int().describe("its line on that order"),
  from: AssetPlace.describe("status, location, storage space, assignee and condition before the change"),
  to: AssetPlace.describe("status, location, storage space, assignee and condition after the change"),
  reason: z.string().optional()
})

/**
 * A change of an asset.
 *
 * @since 0.1.0
 * @category models
 */
export type AssetChange = z.infer<typeof AssetChange>

/**
 * Template assets (status `on_order`, one per unit) were created for a purchase order line: when
 * the order is submitted, when a revision adds units or lines, when a receipt takes more units
 * than remained (within the tolerance), or when returned units are to be replaced.
 *
 * @since 0.1.0
 * @category events
 */
export const AssetTemplatesCreated = Events.define("asset.templates_created", {
  description: "Template assets (status on_order, one per unit) were created for a purchase order line: on submission, when a revision adds units or lines, when a receipt takes more units than remained (within the tolerance), or for replacements of returned units.",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    purchaseOrderId: z.string(),
    lineNo: z.number().int(),
    catalogItemId: z.string(),
    name: z.string(),
    kind: ItemKind,
    vendorId: z.string(),
    unitCost: Money,
    status: z.literal("on_order"),
    assetIds: z.array(z.string()).describe("the template assets created, one per unit")
  })
})

/**
 * Surplus template assets of a purchase order line were retired: units cancelled, a quantity
 * revised down, a line removed.
 *
 * @since 0.1.0
 * @category events
 */
export const AssetTemplatesCancelled = Events.define("asset.templates_cancelled", {
  description: "Surplus template assets of a purchase order line were retired because units were cancelled, its quantity was revised down, or it was removed.",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    purchaseOrderId: z.string(),
    lineNo: z.number().int(),
    assetIds: z.array(z.string()).describe("the template assets retired"),
    reason: z.string()
  })
})

/**
 * An in-stock asset was assigned to a user or a location (`assets.assignAsset`,
 * `assets.assignAssets`); it is now in use.
 *
 * @since 0.1.0
 * @category events
 */
export const AssetAssigned = Events.define("asset.assigned", {
  description: "An in-stock asset was assigned to a user (userId) or a location (locationId); it is now in_use, out of its storage space.",
  aggregateType: "asset",
  aggregateId: "assetId",
  payload: AssetChange.extend({
    userId: z.string().optional().describe("the user it is assigned to"),
    locationId: z.string().optional().describe("the location it is assigned to")
  })
})

/**
 * Assets in use came back into a storage space (`assets.returnToStorage`).
 *
 * @since 0.1.0
 * @category events
 */
export const AssetReturnedToStorage = Events.define("asset.returned_to_storage", {
  description: "An asset in use came back into a storage space: it is in_stock there, its assignment ended, with the condition it came back in.",
  aggregateType: "asset",
  aggregateId: "assetId",
  payload: AssetChange
})

/**
 * An in-stock asset moved to another storage space (`assets.transferAssets`).
 *
 * @since 0.1.0
 * @category events
 */
export const AssetTransferred = Events.define("asset.transferred", {
  description: "An in-stock asset moved to another storage space (of the same or another location); it stays in_stock.",
  aggregateType: "asset",
  aggregateId: "assetId",
  payload: AssetChange
})

/**
 * An asset moved to maintenance, missing, retired, or back in stock (`assets.changeStatus`).
 *
 * @since 0.1.0
 * @category events
 */
export const AssetStatusChanged = Events.define("asset.status_changed", {
  description: "An asset moved to maintenance, missing, retired or back in stock; from.status and to.status are its old and new status.",
  aggregateType: "asset",
  aggregateId: "assetId",
  payload: AssetChange
})

/**
 * An asset got an asset tag (`assets.tagAssets`).
 *
 * @since 0.1.0
 * @category events
 */
export const AssetTagged = Events.define("asset.tagged", {
  description: "An asset (on order or received) got an asset tag, the label stuck on it.",
  aggregateType: "asset",
  aggregateId: "assetId",
  payload: AssetChange.extend({ assetTag: z.string() })
})

/**
 * A received asset was sent back to its vendor (`receiving.returnToVendor`).
 *
 * @since 0.1.0
 * @category events
 */
export const AssetReturnedToVendor = Events.define("asset.returned_to_vendor", {
  description: "A received asset was sent back to its vendor (for credit or replacement); it is now returned, a final status.",
  aggregateType: "asset",
  aggregateId: "assetId",
  payload: AssetChange.extend({ returnId: z.string().describe("the vendor return it is part of") })
})

/**
 * A capitalisable service line was received and became a fixed-asset record.
 *
 * @since 0.1.0
 * @category events
 */
export const FixedAssetCapitalised = Events.define("fixed_asset.capitalised", {
  description: "Units of a capitalisable service line were received and became a fixed-asset record (services never become inventory assets).",
  aggregateType: "purchase_order",
  aggregateId: "purchaseOrderId",
  payload: z.object({
    fixedAssetId: z.string(),
    purchaseOrderId: z.string(),
    lineNo: z.number().int(),
    receiptId: z.string(),
    catalogItemId: z.string(),
    description: z.string(),
    vendorId: z.string(),
    quantity: z.number().int(),
    cost: Money.describe("unit cost times quantity")
  })
})

/**
 * Every event of the assets module.
 *
 * @since 0.1.0
 * @category events
 */
export const events = [
  AssetTemplatesCreated,
  AssetTemplatesCancelled,
  AssetAssigned,
  AssetReturnedToStorage,
  AssetTransferred,
  AssetStatusChanged,
  AssetTagged,
  AssetReturnedToVendor,
  FixedAssetCapitalised
] as const
