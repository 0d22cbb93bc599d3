/**
 * The events the catalog appends. Each payload is the record as written, so a connector creates
 * or updates its copy (ServiceNow `core_company` and `pc_product_cat_item`, SPO
 * `sn_shop_supplier_product`, Coupa suppliers and items) without reading back.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Events from "../Events.js"
import { CatalogItem, ImportFormat, ImportReport, SupplierProduct, Vendor } from "./CatalogModel.js"

/**
 * A vendor was created (`catalog.createVendor`); the payload is the vendor.
 *
 * @since 0.1.0
 * @category events
 */
export const VendorCreated = Events.define("vendor.created", {
  description: "A vendor was created. The payload is the vendor as stored.",
  aggregateType: "vendor",
  aggregateId: "id",
  payload: Vendor
})

/**
 * A catalog item was created, by `catalog.createCatalogItem` or an import; the payload is the
 * item with its approved vendors and agreed costs.
 *
 * @since 0.1.0
 * @category events
 */
export const CatalogItemCreated = Events.define("catalog_item.created", {
  description: "A catalog item was created, by hand or by an import. The payload is the item as stored, with its approved vendors and agreed unit costs.",
  aggregateType: "catalog_item",
  aggregateId: "id",
  payload: CatalogItem
})

/**
 * An import changed a catalog item; the payload is the item after the change.
 *
 * @since 0.1.0
 * @category events
 */
export const CatalogItemUpdated = Events.define("catalog_item.updated", {
  description: "An import changed a catalog item (upsert by SKU). The payload is the item after the change.",
  aggregateType: "catalog_item",
  aggregateId: "id",
  payload: CatalogItem
})

/**
 * A supplier product was created (`catalog.createSupplierProduct`).
 *
 * @since 0.1.0
 * @category events
 */
export const SupplierProductCreated = Events.define("supplier_product.created", {
  description: "A supplier product (a supplier's offer of a catalog item at a unit cost) was created. The payload is the supplier product as stored.",
  aggregateType: "supplier_product",
  aggregateId: "id",
  payload: SupplierProduct
})

/**
 * A supplier product's unit cost, supplier SKU or active flag changed
 * (`catalog.updateSupplierProduct`, for example from SPO's supplier products).
 *
 * @since 0.2.0
 * @category events
 */
export const SupplierProductUpdated = Events.define("supplier_product.updated", {
  description: "A supplier product's unit cost, supplier SKU or active flag changed. The payload is the supplier product as stored after the change.",
  aggregateType: "supplier_product",
  aggregateId: "id",
  payload: SupplierProduct
})

/**
 * An import wrote the catalog (after its `catalog_item.created` and `catalog_item.updated` events).
 *
 * @since 0.1.0
 * @category events
 */
export const CatalogImported = Events.define("catalog.imported", {
  description: "An import wrote the catalog, after one catalog_item.created or catalog_item.updated event per item written. Validation runs write nothing and append nothing.",
  aggregateType: "catalog_import",
  aggregateId: "importId",
  payload: z.object({
    importId: z.string().describe("the import's own id"),
    format: z.union([ImportFormat, z.literal("rows")]).describe("csv, json, or rows given as values"),
    counts: ImportReport.shape.counts
  })
})

/**
 * Every event of the catalog.
 *
 * @since 0.1.0
 * @category events
 */
export const events = [VendorCreated, CatalogItemCreated, CatalogItemUpdated, SupplierProductCreated, SupplierProductUpdated, CatalogImported] as const
