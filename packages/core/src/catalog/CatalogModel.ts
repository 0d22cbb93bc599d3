/**
 * The catalog's model: vendors, catalog items and supplier products with their collections,
 * purchase channels, and the reports of catalog imports. The catalog's operations (Catalog.ts) and
 * events (CatalogEvents.ts) share it; `Catalog` re-exports it.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import { Money } from "../Money.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"

/**
 * What kind of thing a catalog item is; it decides how it is received and tracked.
 *
 * @since 0.1.0
 * @category models
 */
export const ItemKind = z.enum(["hardware", "software", "consumable", "service", "enterprise"])

/**
 * An item kind.
 *
 * @since 0.1.0
 * @category models
 */
export type ItemKind = z.infer<typeof ItemKind>

/**
 * A vendor (supplier).
 *
 * @since 0.1.0
 * @category models
 */
export const Vendor = z.object({
  id: z.string(),
  version: z.number().int(),
  code: z.string(),
  name: z.string(),
  email: z.string().optional(),
  createdAt: z.string()
})

/**
 * A vendor.
 *
 * @since 0.1.0
 * @category models
 */
export type Vendor = z.infer<typeof Vendor>

/**
 * A vendor approved to supply a catalog item, at an agreed unit cost.
 *
 * @since 0.1.0
 * @category models
 */
export const ApprovedVendor = z.object({ vendorId: Text.id, unitCost: Money })

/**
 * Where a catalog item comes from:
 * - `catalog`: the product catalog, created by a catalog manager or an import.
 * - `custom`: a custom (non-catalog) request line. Such items are hidden from catalog listings
 *   and imports; they exist so that everything downstream (purchase order lines, template assets,
 *   stock records) can refer to what was bought by a catalog item id. See customItem in `internal/sourcing.ts`.
 *
 * @since 0.1.0
 * @category models
 */
export const ItemSource = z.enum(["catalog", "custom"])

/**
 * An item source.
 *
 * @since 0.1.0
 * @category models
 */
export type ItemSource = z.infer<typeof ItemSource>

/**
 * A product catalog item.
 *
 * @since 0.1.0
 * @category models
 */
export const CatalogItem = z.object({
  id: z.string(),
  version: z.number().int(),
  sku: z.string(),
  name: z.string(),
  kind: ItemKind,
  manufacturer: z.string().optional(),
  model: z.string().optional(),
  /** A free category for policies and reports, e.g. `laptops`, `peripherals`. */
  category: z.string().optional(),
  /** Whether purchase order lines for this item create a template asset per unit by default. */
  createAsset: z.boolean(),
  /**
   * Whether the item is capitalised: its purchase order lines get a fixed-asset record when
   * received. Meant for services, which get fixed assets but no inventory assets (seed 000).
   */
  capitalisable: z.boolean(),
  source: ItemSource,
  approvedVendors: z.array(ApprovedVendor),
  createdAt: z.string()
})

/**
 * A product catalog item.
 *
 * @since 0.1.0
 * @category models
 */
export type CatalogItem = z.infer<typeof CatalogItem>

/**
 * Where vendors are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const vendors = Storage.collection({
  name: "vendors",
  schema: Vendor,
  fields: { code: "string", name: "string" },
  unique: [["code"]]
})

/**
 * Where catalog items are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const catalogItems = Storage.collection({
  name: "catalog_items",
  schema: CatalogItem,
  fields: { sku: "string", name: "string", kind: "string", source: "string" },
  indexes: [["kind"]],
  unique: [["sku"]]
})

/**
 * A supplier product (seed 000, SPO's `sn_shop_supplier_product`): what a supplier sells a
 * catalog item as, at what price. With the ITAM-SPO flow on, purchases take vendor and price
 * from here and never from the catalog item's approved vendors (the vendor catalog items).
 *
 * @since 0.1.0
 * @category models
 */
export const SupplierProduct = z.object({
  id: z.string(),
  version: z.number().int(),
  catalogItemId: z.string(),
  supplierId: z.string(),
  supplierSku: z.string().optional(),
  unitCost: Money,
  active: z.boolean(),
  createdAt: z.string()
})

/**
 * A supplier product.
 *
 * @since 0.1.0
 * @category models
 */
export type SupplierProduct = z.infer<typeof SupplierProduct>

/**
 * Where supplier products are stored. One per catalog item and supplier.
 *
 * @since 0.1.0
 * @category collections
 */
export const supplierProducts = Storage.collection({
  name: "supplier_products",
  schema: SupplierProduct,
  fields: { catalogItemId: "string", supplierId: "string", active: "boolean" },
  indexes: [["catalogItemId"], ["supplierId"]],
  unique: [["catalogItemId", "supplierId"]]
})

/**
 * The purchase channels of seed 000: IT assets, consumables and enterprise items go through the
 * service catalog, services through the shopping hub.
 *
 * @since 0.1.0
 * @category models
 */
export const Channel = z.enum(["service_catalog", "shopping_hub"])

/**
 * A purchase channel.
 *
 * @since 0.1.0
 * @category models
 */
export type Channel = z.infer<typeof Channel>

/**
 * Which channel an item must be bought through, and why.
 *
 * @since 0.1.0
 * @category models
 */
export const Route = z.object({ channel: Channel, reason: z.string().min(1) })

/**
 * A route.
 *
 * @since 0.1.0
 * @category models
 */
export type Route = z.infer<typeof Route>

// ----- import ----------------------------------------------------------------------------------

/**
 * The most rows one import takes.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxImportRows = 50_000

/**
 * The formats {@link importCatalog} reads.
 *
 * @since 0.1.0
 * @category models
 */
export const ImportFormat = z.enum(["csv", "json"])

/**
 * What {@link importCatalog} does: `validate` checks every row and reports what an import would
 * do, writing nothing; `import` also writes, when no row has an error.
 *
 * @since 0.1.0
 * @category models
 */
export const ImportMode = z.enum(["validate", "import"])

/**
 * A problem found in an import: the field (a row's field such as `kind` or `vendors.0.unitCost`,
 * or for the file a column or `content`) and what was wrong.
 *
 * @since 0.1.0
 * @category models
 */
export const ImportIssue = z.object({ field: z.string(), message: z.string() })

/**
 * What an import does with a row: creates an item, updates the item with its SKU, leaves that
 * item as it is (the row says nothing new), or refuses the row.
 *
 * @since 0.1.0
 * @category models
 */
export const ImportRowStatus = z.enum(["created", "updated", "unchanged", "error"])

/**
 * The outcome of one row: its number in the file (CSV: the header is row 1; JSON: the first item
 * is row 1), its SKU, its status, the item's id (once it exists) and its problems.
 *
 * @since 0.1.0
 * @category models
 */
export const ImportRowReport = z.object({
  row: z.number().int().positive(),
  sku: z.string().optional(),
  status: ImportRowStatus,
  itemId: z.string().optional(),
  errors: z.array(ImportIssue)
})

/**
 * An import's report: whether it wrote anything, counts, problems of the file as a whole (an
 * unknown column, malformed JSON) and one entry per row.
 *
 * @since 0.1.0
 * @category models
 */
export const ImportReport = z.object({
  mode: ImportMode,
  /** True when the rows were written; an import with any problem writes nothing. */
  imported: z.boolean(),
  counts: z.object({
    rows: z.number().int().nonnegative(),
    created: z.number().int().nonnegative(),
    updated: z.number().int().nonnegative(),
    unchanged: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative()
  }),
  fileErrors: z.array(ImportIssue),
  rows: z.array(ImportRowReport)
})

/**
 * An import report.
 *
 * @since 0.1.0
 * @category models
 */
export type ImportReport = z.infer<typeof ImportReport>
