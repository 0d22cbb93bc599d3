/**
 * The read operations of the catalog: routing an item to its purchase channel, and reading and
 * listing catalog items, vendors and supplier products.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { z } from "zod"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { ChannelRouting } from "./CatalogRouting.js"
import { CatalogItem, ItemKind, Route, SupplierProduct, Vendor, catalogItems, supplierProducts, vendors } from "./CatalogModel.js"

/**
 * Input of the list operations: a page size and the cursor of the previous page.
 *
 * @since 0.1.0
 * @category inputs
 */
export const PageInput = z.object({
  limit: z.number().int().min(1).max(1000).optional(),
  cursor: Text.cursor.optional()
})

const pageOf = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item), cursor: z.string().optional() })

/**
 * Tells which purchase channel an item must be bought through, and why.
 *
 * @since 0.1.0
 * @category operations
 */
export const routeItem = Operation.make({
  id: "catalog.routeItem",
  summary: "Tell which purchase channel (service catalog or shopping hub) a catalog item is bought through.",
  kind: "query",
  permission: "catalog.read",
  input: z.object({ catalogItemId: Text.id }),
  output: Route,
  events: [],
  handler: Effect.fn(function*({ catalogItemId }) {
    const storage = yield* Storage.Storage
    const item = yield* storage.getOrFail(catalogItems, catalogItemId, "CatalogItem")
    const router = yield* ChannelRouting
    return yield* router.route(item)
  })
})

/**
 * Reads one catalog item.
 *
 * @since 0.1.0
 * @category operations
 */
export const getCatalogItem = Operation.make({
  id: "catalog.getCatalogItem",
  summary: "Read one catalog item by id.",
  kind: "query",
  permission: "catalog.read",
  input: z.object({ id: Text.id }),
  output: CatalogItem,
  events: [],
  handler: Effect.fn(function*({ id }) {
    const storage = yield* Storage.Storage
    return yield* storage.getOrFail(catalogItems, id, "CatalogItem")
  })
})

/**
 * Lists catalog items by name, optionally of one kind, or the one with a SKU. The hidden items of
 * custom request lines are not listed.
 *
 * @since 0.1.0
 * @category operations
 */
export const listCatalogItems = Operation.make({
  id: "catalog.listCatalogItems",
  summary: "List catalog items by name, optionally of one kind, or the one with a SKU.",
  kind: "query",
  permission: "catalog.read",
  input: PageInput.extend({ kind: ItemKind.optional(), sku: Text.code.optional() }),
  output: pageOf(CatalogItem),
  events: [],
  handler: Effect.fn(function*({ kind, sku, limit, cursor }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(catalogItems, {
      where: { source: { ne: "custom" }, ...(kind ? { kind } : {}), ...(sku ? { sku } : {}) },
      orderBy: [{ field: "name" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * Lists vendors by name, or the one with a code.
 *
 * @since 0.1.0
 * @category operations
 */
export const listVendors = Operation.make({
  id: "catalog.listVendors",
  summary: "List vendors by name, or the one with a code.",
  kind: "query",
  permission: "catalog.read",
  input: PageInput.extend({ code: Text.code.optional() }),
  output: pageOf(Vendor),
  events: [],
  handler: Effect.fn(function*({ code, limit, cursor }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(vendors, {
      ...(code ? { where: { code } } : {}),
      orderBy: [{ field: "name" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * Reads one vendor.
 *
 * @since 0.1.0
 * @category operations
 */
export const getVendor = Operation.make({
  id: "catalog.getVendor",
  summary: "Read one vendor by id.",
  kind: "query",
  permission: "catalog.read",
  input: Paging.GetInput,
  output: Vendor,
  events: [],
  handler: ({ id }) => Paging.get(vendors, "Vendor", id)
})

/**
 * Reads one supplier product.
 *
 * @since 0.1.0
 * @category operations
 */
export const getSupplierProduct = Operation.make({
  id: "catalog.getSupplierProduct",
  summary: "Read one supplier product by id.",
  kind: "query",
  permission: "catalog.read",
  input: Paging.GetInput,
  output: SupplierProduct,
  events: [],
  handler: ({ id }) => Paging.get(supplierProducts, "SupplierProduct", id)
})

/**
 * Lists supplier products, oldest first: of a catalog item, of a supplier, active or not.
 *
 * @since 0.1.0
 * @category operations
 */
export const listSupplierProducts = Operation.make({
  id: "catalog.listSupplierProducts",
  summary: "List supplier products, oldest first, optionally of one catalog item or supplier, active or not.",
  kind: "query",
  permission: "catalog.read",
  input: Paging.PageInput.extend({
    catalogItemId: Text.id.optional(),
    supplierId: Text.id.optional(),
    active: z.boolean().optional()
  }),
  output: Paging.Page(SupplierProduct),
  events: [],
  handler: ({ catalogItemId, supplierId, active, limit, cursor }) =>
    Paging.find(supplierProducts, { where: { catalogItemId, supplierId, active }, limit, cursor })
})
