/**
 * The assets module's model: assets, their states and the moves between them, their places, and
 * their histories, with the collections. The module's operations (Assets.ts) and events
 * (AssetsEvents.ts) share it; `Assets` re-exports it.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import { Money } from "../Money.js"
import * as Storage from "../Storage.js"
import { ItemKind } from "../catalog/CatalogModel.js"

/**
 * The states of an asset, as users say them.
 *
 * @since 0.1.0
 * @category models
 */
export const AssetStatus = z.enum(["on_order", "in_stock", "in_use", "in_maintenance", "retired", "missing", "returned"])

/**
 * An asset state.
 *
 * @since 0.1.0
 * @category models
 */
export type AssetStatus = z.infer<typeof AssetStatus>

/**
 * Which state may follow which. `returned` means sent back to the vendor; `retired` and
 * `returned` are final.
 *
 * @since 0.1.0
 * @category constants
 */
export const transitions: { readonly [S in AssetStatus]: ReadonlyArray<AssetStatus> } = {
  // An on-order template is received (in_stock) or, when its unit is cancelled or revised away, retired.
  on_order: ["in_stock", "retired"],
  in_stock: ["in_use", "in_maintenance", "retired", "missing", "returned"],
  in_use: ["in_stock", "in_maintenance", "retired", "missing"],
  in_maintenance: ["in_stock", "in_use", "retired"],
  missing: ["in_stock", "retired"],
  retired: [],
  returned: []
}

/**
 * The condition an asset was received in.
 *
 * @since 0.1.0
 * @category models
 */
export const Condition = z.enum(["new", "good", "fair", "damaged"])

/**
 * An asset. A template asset (status `on_order`) carries only procurement data: item, purchase
 * order and line. Receiving fills in serial number, condition, location and storage space. An
 * asset in use is assigned to a user (`assignedTo`) or to a location (`assignedLocationId`, which
 * is then also its `locationId`), and is in no storage space.
 *
 * @since 0.1.0
 * @category models
 */
export const Asset = z.object({
  id: z.string(),
  version: z.number().int(),
  status: AssetStatus,
  catalogItemId: z.string(),
  name: z.string(),
  kind: ItemKind,
  vendorId: z.string(),
  purchaseOrderId: z.string(),
  purchaseOrderLineNo: z.number().int(),
  unitCost: Money,
  serialNumber: z.string().optional(),
  assetTag: z.string().optional(),
  condition: Condition.optional(),
  locationId: z.string().optional(),
  storageSpace: z.string().optional(),
  assignedTo: z.string().optional(),
  assignedLocationId: z.string().optional(),
  receivedAt: z.string().optional(),
  assignedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string()
})

/**
 * An asset.
 *
 * @since 0.1.0
 * @category models
 */
export type Asset = z.infer<typeof Asset>

/**
 * Where assets are stored. Serial numbers and asset tags are unique per tenant.
 *
 * @since 0.1.0
 * @category collections
 */
export const assets = Storage.collection({
  name: "assets",
  schema: Asset,
  fields: {
    status: "string",
    catalogItemId: "string",
    vendorId: "string",
    purchaseOrderId: "string",
    purchaseOrderLineNo: "integer",
    serialNumber: "string",
    assetTag: "string",
    locationId: "string",
    storageSpace: "string",
    assignedTo: "string",
    assignedLocationId: "string"
  },
  indexes: [
    ["purchaseOrderId", "purchaseOrderLineNo", "status"],
    ["status"],
    ["assignedTo"],
    ["assignedLocationId"],
    ["catalogItemId"],
    // By location alone, in id order (the pages of a location's assets); and a storage space's assets by status.
    ["locationId"],
    ["locationId", "storageSpace", "status"]
  ],
  unique: [["serialNumber"], ["assetTag"]],
  counted: ["status"]
})

/**
 * Where an asset is and who has it, as a history entry records it before and after a change.
 *
 * @since 0.1.0
 * @category models
 */
export const AssetPlace = z.object({
  status: AssetStatus,
  locationId: z.string().optional(),
  storageSpace: z.string().optional(),
  assignedTo: z.string().optional(),
  assignedLocationId: z.string().optional(),
  condition: Condition.optional()
})

/**
 * Where an asset is and who has it.
 *
 * @since 0.1.0
 * @category models
 */
export type AssetPlace = z.infer<typeof AssetPlace>

/**
 * What happened to an asset: created on order, received, assigned, returned to storage,
 * transferred between storage spaces, another status change, or returned to the vendor.
 *
 * @since 0.1.0
 * @category models
 */
export const HistoryAction = z.enum([
  "ordered",
  "received",
  "assigned",
  "returned_to_storage",
  "transferred",
  "status_changed",
  "returned_to_vendor",
  "tagged"
])

/**
 * A history action.
 *
 * @since 0.1.0
 * @category models
 */
export type HistoryAction = z.infer<typeof HistoryAction>

/**
 * An entry of an asset's history: who (`by`), when (`at`), what (`action`), the asset's place
 * before (`from`, absent for its creation) and after (`to`), and why. `assetVersion` is the
 * asset's version after the change, so entries sort in the order the changes were made.
 *
 * @since 0.1.0
 * @category models
 */
export const AssetHistoryEntry = z.object({
  id: z.string(),
  version: z.number().int(),
  assetId: z.string(),
  assetVersion: z.number().int().positive(),
  action: HistoryAction,
  by: z.string(),
  at: z.string(),
  from: AssetPlace.optional(),
  to: AssetPlace,
  reason: z.string().optional()
})

/**
 * An asset history entry.
 *
 * @since 0.1.0
 * @category models
 */
export type AssetHistoryEntry = z.infer<typeof AssetHistoryEntry>

/**
 * Where asset histories are stored: one entry per asset version.
 *
 * @since 0.1.0
 * @category collections
 */
export const assetHistoryEntries = Storage.collection({
  name: "asset_history",
  schema: AssetHistoryEntry,
  fields: { assetId: "string", assetVersion: "integer", action: "string", by: "string", at: "timestamp" },
  unique: [["assetId", "assetVersion"]]
})
