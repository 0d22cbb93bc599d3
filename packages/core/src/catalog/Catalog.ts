/**
 * The catalog: vendors and the product catalog of standard items with approved vendors at
 * agreed costs (seed 002). Purchase requests and orders take their prices from here.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Option } from "effect"
import { z } from "zod"
import { notFound } from "../Errors.js"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import { Money } from "../Money.js"
import * as Operation from "../Operation.js"
import * as Storage from "../Storage.js"
import * as DecisionTable from "../rules/DecisionTable.js"

// ----- model -----------------------------------------------------------------------------------

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
export const ApprovedVendor = z.object({ vendorId: z.string().min(1), unitCost: Money })

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
  fields: { sku: "string", name: "string", kind: "string" },
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
  indexes: [["catalogItemId"]],
  unique: [["catalogItemId", "supplierId"]]
})

/**
 * Where purchases take vendor and price from:
 * - `vendor_catalog`: the catalog item's approved vendors at agreed costs (seed 002; ServiceNow's
 *   vendor catalog items). The default.
 * - `supplier_products`: supplier products only (seed 000's ITAM-SPO flow).
 *
 * @since 0.1.0
 * @category models
 */
export type SourcingMode = "vendor_catalog" | "supplier_products"

/**
 * The sourcing mode in force. Defaults to `vendor_catalog`; the ITAM-SPO plugin switches it.
 *
 * @since 0.1.0
 * @category services
 */
export const Sourcing = Context.Reference<SourcingMode>("@procura/core/Sourcing", { defaultValue: () => "vendor_catalog" })

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

/**
 * Routes items to purchase channels.
 *
 * @since 0.1.0
 * @category models
 */
export interface Router {
  readonly route: (item: { readonly kind: ItemKind; readonly category?: string | undefined; readonly sku: string }) => Effect.Effect<Route>
}

/**
 * The columns a routing table decides on: the item's kind, category and SKU.
 *
 * @since 0.1.0
 * @category constants
 */
export const routingColumns = [
  { name: "kind", type: "string", description: "hardware, software, consumable, service or enterprise" },
  { name: "category", type: "string", description: "the catalog item's category, if any" },
  { name: "sku", type: "string", description: "the catalog item's SKU" }
] as const satisfies ReadonlyArray<DecisionTable.Column>

/**
 * Seed 000's routing as a decision table: services through the shopping hub, IT assets,
 * software, consumables and enterprise items through the service catalog.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRoutingTable = DecisionTable.define({
  name: "purchase-channel routing",
  hitPolicy: "first",
  inputs: routingColumns,
  rows: [
    {
      id: "services",
      description: "Services continue to flow through the shopping hub",
      when: { kind: "service" },
      then: { channel: "shopping_hub", reason: "services are bought through the shopping hub" }
    }
  ],
  default: {
    channel: "service_catalog",
    reason: "IT assets, software, consumables and enterprise items are bought through the service catalog"
  }
}, { result: Route })

/**
 * A router from a routing table (columns {@link routingColumns}, results {@link Route}).
 * Items no row matches and the table has no default for go by {@link defaultRoutingTable}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const routerFromTable = (table: DecisionTable.DecisionTable<object, Route>): Router => ({
  route: (item) =>
    Effect.flatMap(
      Effect.orDie(DecisionTable.evaluate(table, { kind: item.kind, category: item.category ?? null, sku: item.sku })),
      (decision): Effect.Effect<Route> => {
        const single = decision.hitPolicy === "collect" ? decision.results[0] : decision.result
        if (single !== undefined) return Effect.succeed(single)
        return table === (defaultRoutingTable as DecisionTable.DecisionTable<object, Route>)
          ? Effect.die(new Error("the default routing table always decides"))
          : routerFromTable(defaultRoutingTable as DecisionTable.DecisionTable<object, Route>).route(item)
      }
    )
})

/**
 * Seed 000's routing, from {@link defaultRoutingTable}.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRouter: Router = routerFromTable(defaultRoutingTable as DecisionTable.DecisionTable<object, Route>)

/**
 * The channel router in force. Defaults to {@link defaultRouter}; the ITAM-SPO plugin takes a
 * routing table from its configuration.
 *
 * @since 0.1.0
 * @category services
 */
export const ChannelRouting = Context.Reference<Router>("@procura/core/ChannelRouting", { defaultValue: () => defaultRouter })

// ----- errors ----------------------------------------------------------------------------------

/**
 * Why a catalog operation was refused.
 *
 * @since 0.1.0
 * @category models
 */
export type CatalogErrorReason = "DuplicateCode" | "DuplicateSku" | "UnknownVendor" | "UnknownCatalogItem" | "DuplicateSupplierProduct"

/**
 * A catalog operation was refused.
 *
 * @since 0.1.0
 * @category errors
 */
export class CatalogError extends Data.TaggedError("CatalogError")<{
  readonly reason: CatalogErrorReason
  readonly message: string
  readonly value?: string
}> {}

// ----- module API (for other modules) ----------------------------------------------------------

/**
 * The catalog items among `ids` that exist, by id.
 *
 * @since 0.1.0
 * @category module api
 */
export const itemsById = Effect.fn("Catalog.itemsById")(function*(ids: ReadonlyArray<string>) {
  const storage = yield* Storage.Storage
  return new Map((yield* storage.getMany(catalogItems, ids)).map((item) => [item.id, item] as const))
})

/**
 * A vendor and price a catalog item can be bought at, and where it came from.
 *
 * @since 0.1.0
 * @category models
 */
export interface Source {
  readonly vendorId: string
  readonly unitCost: Money
  readonly from: SourcingMode
  readonly supplierProductId?: string
}

/**
 * The sources an item can be bought from under the sourcing mode in force: its approved
 * vendors (`vendor_catalog`) or its active supplier products (`supplier_products`), never both.
 *
 * @since 0.1.0
 * @category module api
 */
export const sourcesFor = Effect.fn("Catalog.sourcesFor")(function*(item: CatalogItem) {
  const mode = yield* Sourcing
  if (mode === "vendor_catalog") {
    return item.approvedVendors.map((v): Source => ({ vendorId: v.vendorId, unitCost: v.unitCost, from: mode }))
  }
  const storage = yield* Storage.Storage
  const page = yield* storage.find(supplierProducts, { where: { catalogItemId: item.id, active: true }, limit: 1000 })
  return page.items.map((p): Source => ({ vendorId: p.supplierId, unitCost: p.unitCost, from: mode, supplierProductId: p.id }))
})

// ----- operations ------------------------------------------------------------------------------

/**
 * Input of {@link createVendor}.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CreateVendorInput = z.object({
  code: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  email: z.email().optional()
})

/**
 * Input of {@link createCatalogItem}.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CreateCatalogItemInput = z.object({
  sku: z.string().trim().min(1).max(64),
  name: z.string().trim().min(1).max(200),
  kind: ItemKind,
  manufacturer: z.string().optional(),
  model: z.string().optional(),
  category: z.string().trim().min(1).optional(),
  createAsset: z.boolean().optional(),
  approvedVendors: z.array(ApprovedVendor).default([])
})

/**
 * Input of the list operations: a page size and the cursor of the previous page.
 *
 * @since 0.1.0
 * @category inputs
 */
export const PageInput = z.object({
  limit: z.number().int().min(1).max(1000).optional(),
  cursor: z.string().optional()
})

const pageOf = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item), cursor: z.string().optional() })

const takenKey = (reason: CatalogErrorReason, value: string, what: string) =>
  Effect.catchIf(
    (error: unknown): error is Storage.StorageError => error instanceof Storage.StorageError && error.reason === "Conflict" && error.key !== undefined,
    () => Effect.fail(new CatalogError({ reason, value, message: `${what} ${value} is already in the catalog` }))
  )

/**
 * Creates a vendor. Vendor codes are unique.
 *
 * @since 0.1.0
 * @category operations
 */
export const createVendor = Operation.make({
  id: "catalog.createVendor",
  summary: "Create a vendor (supplier) with a unique code.",
  kind: "command",
  permission: "catalog.manage",
  input: CreateVendorInput,
  output: Vendor,
  events: ["vendor.created"],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const [vendor] = yield* storage.insertMany(vendors, [{ id: yield* Ids.next, ...input, createdAt: yield* Events.now }]).pipe(
      takenKey("DuplicateCode", input.code, "Vendor code")
    )
    yield* Events.append({ type: "vendor.created", aggregateType: "vendor", aggregateId: vendor!.id, payload: vendor })
    return vendor!
  })
})

/**
 * Creates a catalog item with its approved vendors and agreed costs. Hardware creates assets by
 * default; other kinds do not unless `createAsset` says so.
 *
 * @since 0.1.0
 * @category operations
 */
export const createCatalogItem = Operation.make({
  id: "catalog.createCatalogItem",
  summary: "Create a product catalog item with approved vendors and agreed unit costs.",
  kind: "command",
  permission: "catalog.manage",
  input: CreateCatalogItemInput,
  output: CatalogItem,
  events: ["catalog_item.created"],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const vendorIds = input.approvedVendors.map((v) => v.vendorId)
    const known = new Set((yield* storage.getMany(vendors, vendorIds)).map((v) => v.id))
    const unknown = vendorIds.find((id) => !known.has(id))
    if (unknown !== undefined) {
      return yield* new CatalogError({ reason: "UnknownVendor", value: unknown, message: `No vendor with id ${unknown}` })
    }
    const [item] = yield* storage.insertMany(catalogItems, [{
      id: yield* Ids.next,
      ...input,
      createAsset: input.createAsset ?? input.kind === "hardware",
      createdAt: yield* Events.now
    }]).pipe(takenKey("DuplicateSku", input.sku, "SKU"))
    yield* Events.append({ type: "catalog_item.created", aggregateType: "catalog_item", aggregateId: item!.id, payload: item })
    return item!
  })
})

/**
 * Creates a supplier product: a supplier's offer of a catalog item at a price.
 *
 * @since 0.1.0
 * @category operations
 */
export const createSupplierProduct = Operation.make({
  id: "catalog.createSupplierProduct",
  summary: "Create a supplier product: a supplier's offer of a catalog item at a unit cost.",
  kind: "command",
  permission: "catalog.manage",
  input: z.object({
    catalogItemId: z.string().min(1),
    supplierId: z.string().min(1),
    supplierSku: z.string().trim().min(1).optional(),
    unitCost: Money,
    active: z.boolean().default(true)
  }),
  output: SupplierProduct,
  events: ["supplier_product.created"],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const [item, supplier] = [yield* storage.get(catalogItems, input.catalogItemId), yield* storage.get(vendors, input.supplierId)]
    if (Option.isNone(item)) {
      return yield* new CatalogError({ reason: "UnknownCatalogItem", value: input.catalogItemId, message: `No catalog item with id ${input.catalogItemId}` })
    }
    if (Option.isNone(supplier)) {
      return yield* new CatalogError({ reason: "UnknownVendor", value: input.supplierId, message: `No vendor with id ${input.supplierId}` })
    }
    const [product] = yield* storage.insertMany(supplierProducts, [{ id: yield* Ids.next, ...input, createdAt: yield* Events.now }]).pipe(
      takenKey("DuplicateSupplierProduct", `${supplier.value.name} / ${item.value.name}`, "A supplier product for")
    )
    yield* Events.append({ type: "supplier_product.created", aggregateType: "supplier_product", aggregateId: product!.id, payload: product })
    return product!
  })
})

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
  input: z.object({ catalogItemId: z.string().min(1) }),
  output: Route,
  events: [],
  handler: Effect.fn(function*({ catalogItemId }) {
    const storage = yield* Storage.Storage
    const item = yield* Option.match(yield* storage.get(catalogItems, catalogItemId), {
      onNone: () => Effect.fail(notFound("CatalogItem", catalogItemId)),
      onSome: Effect.succeed
    })
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
  input: z.object({ id: z.string().min(1) }),
  output: CatalogItem,
  events: [],
  handler: Effect.fn(function*({ id }) {
    const storage = yield* Storage.Storage
    return yield* Option.match(yield* storage.get(catalogItems, id), {
      onNone: () => Effect.fail(notFound("CatalogItem", id)),
      onSome: Effect.succeed
    })
  })
})

/**
 * Lists catalog items by name, optionally of one kind.
 *
 * @since 0.1.0
 * @category operations
 */
export const listCatalogItems = Operation.make({
  id: "catalog.listCatalogItems",
  summary: "List catalog items by name, optionally of one kind.",
  kind: "query",
  permission: "catalog.read",
  input: PageInput.extend({ kind: ItemKind.optional() }),
  output: pageOf(CatalogItem),
  events: [],
  handler: Effect.fn(function*({ kind, limit, cursor }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(catalogItems, {
      ...(kind ? { where: { kind } } : {}),
      orderBy: [{ field: "name" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * Lists vendors by name.
 *
 * @since 0.1.0
 * @category operations
 */
export const listVendors = Operation.make({
  id: "catalog.listVendors",
  summary: "List vendors by name.",
  kind: "query",
  permission: "catalog.read",
  input: PageInput,
  output: pageOf(Vendor),
  events: [],
  handler: Effect.fn(function*({ limit, cursor }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(vendors, {
      orderBy: [{ field: "name" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * The catalog's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = {
  createVendor,
  createCatalogItem,
  createSupplierProduct,
  getCatalogItem,
  listCatalogItems,
  listVendors,
  routeItem
}

/**
 * The catalog service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Catalog extends Context.Service<Catalog, Operation.Methods<typeof operations>>()("@procura/core/Catalog") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Catalog, operations)
}

/**
 * The collections the catalog owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [vendors, catalogItems, supplierProducts] as const
