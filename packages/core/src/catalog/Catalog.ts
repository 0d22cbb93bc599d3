/**
 * The catalog: vendors and the product catalog of standard items with approved vendors at
 * agreed costs (seed 002). Purchase requests and orders take their prices from here.
 *
 * Items come one at a time ({@link createCatalogItem}) or in bulk from CSV or JSON
 * ({@link importCatalog}: upsert by SKU, all rows or none, a report per row). The hidden items of
 * custom request lines ({@link customItem}) live here too, so that everything downstream can refer
 * to what was bought by a catalog item id. docs/catalog.md describes the formats and the model.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Option } from "effect"
import { z } from "zod"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import { Currency, Money } from "../Money.js"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import * as DecisionTable from "../rules/DecisionTable.js"
import * as Text from "../Text.js"
import { csvRows, jsonRows, toMinorUnits, valueRows } from "./internal/importRows.js"
import { CatalogImported, CatalogItemCreated, CatalogItemUpdated, SupplierProductCreated, VendorCreated } from "./CatalogEvents.js"
import { ApprovedVendor, CatalogItem, ImportFormat, ImportIssue, ImportMode, ImportReport, ImportRowStatus, ItemKind, Route, SupplierProduct, Vendor, catalogItems, maxImportRows, supplierProducts, vendors } from "./CatalogModel.js"

/**
 * An import file's rows as read, before they are validated: each row's number in the file and
 * its values, and the problems that stop the file being read at all.
 *
 * @since 0.1.0
 * @category models
 */
export type { ImportIssue as ImportProblem, RawRow, RawRows } from "./internal/importRows.js"

// ----- model: in CatalogModel.ts, re-exported ----------------------------------------

export * from "./CatalogModel.js"

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
export type CatalogErrorReason =
  | "DuplicateCode"
  | "DuplicateSku"
  | "UnknownVendor"
  | "UnknownCatalogItem"
  | "DuplicateSupplierProduct"
  | "ImportRejected"

/**
 * A catalog operation was refused; nothing was written. An import refused because of problems
 * in its rows (`ImportRejected`) carries the report naming each row and field.
 *
 * @since 0.1.0
 * @category errors
 */
export class CatalogError extends Data.TaggedError("CatalogError")<{
  readonly reason: CatalogErrorReason
  readonly message: string
  readonly value?: string
  readonly report?: ImportReport
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
 * The vendors among `ids` that exist, by id.
 *
 * @since 0.1.0
 * @category module api
 */
export const vendorsById = Effect.fn("Catalog.vendorsById")(function*(ids: ReadonlyArray<string>) {
  const storage = yield* Storage.Storage
  return new Map((yield* storage.getMany(vendors, ids)).map((vendor) => [vendor.id, vendor] as const))
})

/**
 * A vendor and price a catalog item can be bought at, and where it came from (`custom`: the
 * vendor and price a custom request line stated).
 *
 * @since 0.1.0
 * @category models
 */
export interface Source {
  readonly vendorId: string
  readonly unitCost: Money
  readonly from: SourcingMode | "custom"
  readonly supplierProductId?: string
}

/**
 * The sources an item can be bought from under the sourcing mode in force: its approved
 * vendors (`vendor_catalog`) or its active supplier products (`supplier_products`), never both.
 * A custom item is bought from the vendor at the price its request line stated, in either mode.
 *
 * @since 0.1.0
 * @category module api
 */
export const sourcesFor = Effect.fn("Catalog.sourcesFor")(function*(item: Pick<CatalogItem, "id" | "source" | "approvedVendors">) {
  if (item.source === "custom") {
    return item.approvedVendors.map((v): Source => ({ vendorId: v.vendorId, unitCost: v.unitCost, from: "custom" }))
  }
  const mode = yield* Sourcing
  if (mode === "vendor_catalog") {
    return item.approvedVendors.map((v): Source => ({ vendorId: v.vendorId, unitCost: v.unitCost, from: mode }))
  }
  const storage = yield* Storage.Storage
  const page = yield* storage.find(supplierProducts, { where: { catalogItemId: item.id, active: true }, limit: 1000 })
  return page.items.map((p): Source => ({ vendorId: p.supplierId, unitCost: p.unitCost, from: mode, supplierProductId: p.id }))
})

/**
 * What a custom (non-catalog) request line says it buys.
 *
 * @since 0.1.0
 * @category models
 */
export interface CustomItemSpec {
  readonly kind: ItemKind
  readonly description: string
  readonly vendorId: string
  readonly unitCost: Money
  readonly category?: string | undefined
  /** Defaults as for catalog items: hardware creates assets, other kinds do not. */
  readonly createAsset?: boolean | undefined
  readonly capitalisable?: boolean | undefined
}

const hex = (bytes: ArrayBuffer): string => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("")

/**
 * The hidden catalog item (`source: "custom"`) standing for a custom request line: named by its
 * description, its one approved vendor the line's vendor at the line's unit cost. Its id (also
 * its SKU) is derived from the tenant and everything the line states, so the same custom purchase
 * made twice refers to the same item: its consumables add up in one stock record. Nothing is
 * written; {@link saveCustomItems} stores the items not stored yet.
 *
 * @since 0.1.0
 * @category module api
 */
export const customItem = Effect.fn("Catalog.customItem")(function*(spec: CustomItemSpec) {
  const principal = yield* CurrentPrincipal
  const createAsset = spec.createAsset ?? spec.kind === "hardware"
  const capitalisable = spec.capitalisable ?? false
  const identity = JSON.stringify([
    principal.tenantId,
    spec.kind,
    spec.description,
    spec.vendorId,
    spec.unitCost.amount,
    spec.unitCost.currency,
    spec.category ?? null,
    createAsset,
    capitalisable
  ])
  const digest = yield* Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(identity)))
  const id = `custom-${hex(digest).slice(0, 32)}`
  const item: Storage.New<CatalogItem> = {
    id,
    sku: id,
    name: spec.description,
    kind: spec.kind,
    ...(spec.category !== undefined ? { category: spec.category } : {}),
    createAsset,
    capitalisable,
    source: "custom",
    approvedVendors: [{ vendorId: spec.vendorId, unitCost: spec.unitCost }],
    createdAt: yield* Events.now
  }
  return item
})

/**
 * Stores the custom items (from {@link customItem}) that are not stored yet, in one batch. Runs
 * in the caller's transaction. Another writer may store the same item meanwhile: the insert then
 * fails with a `UniqueViolation` of the id, which the calling operation declares in
 * `retryOnUnique` to run again and find the item stored.
 *
 * @since 0.1.0
 * @category module api
 */
export const saveCustomItems = Effect.fn("Catalog.saveCustomItems")(function*(items: ReadonlyArray<Storage.New<CatalogItem>>) {
  const storage = yield* Storage.Storage
  const unique = [...new Map(items.map((item) => [item.id, item] as const)).values()]
  const stored = new Set((yield* storage.getMany(catalogItems, unique.map((item) => item.id))).map((item) => item.id))
  yield* storage.insertMany(catalogItems, unique.filter((item) => !stored.has(item.id)))
})

// ----- operations ------------------------------------------------------------------------------

/**
 * Input of {@link createVendor}.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CreateVendorInput = z.object({
  code: Text.code,
  name: Text.name,
  email: Text.email.optional()
})

/**
 * Input of {@link createCatalogItem}.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CreateCatalogItemInput = z.object({
  sku: Text.code,
  name: Text.name,
  kind: ItemKind,
  manufacturer: Text.name.optional(),
  model: Text.name.optional(),
  category: Text.name.optional(),
  createAsset: z.boolean().optional(),
  capitalisable: z.boolean().optional(),
  approvedVendors: z.array(ApprovedVendor).max(100).default([])
})

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

/** A taken unique key (`key`'s fields) as the catalog's refusal. */
const takenKey = (key: ReadonlyArray<string>, reason: CatalogErrorReason, value: string, what: string) =>
<A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E | CatalogError, R> =>
  Effect.catchIf(
    self,
    (error) => Storage.isUniqueViolation(error, key),
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
  events: [VendorCreated],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const vendor = yield* storage.insertOne(vendors, { id: yield* Ids.next, ...input, createdAt: yield* Events.now }).pipe(
      takenKey(["code"], "DuplicateCode", input.code, "Vendor code")
    )
    yield* Events.append(VendorCreated.make(vendor))
    return vendor
  })
})

/**
 * Creates a catalog item with its approved vendors and agreed costs. Hardware creates assets by
 * default; other kinds do not unless `createAsset` says so. Items are not capitalisable unless
 * `capitalisable` says so.
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
  events: [CatalogItemCreated],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const vendorIds = input.approvedVendors.map((v) => v.vendorId)
    const known = new Set((yield* storage.getMany(vendors, vendorIds)).map((v) => v.id))
    const unknown = vendorIds.find((id) => !known.has(id))
    if (unknown !== undefined) {
      return yield* new CatalogError({ reason: "UnknownVendor", value: unknown, message: `No vendor with id ${unknown}` })
    }
    const item = yield* storage.insertOne(catalogItems, {
      id: yield* Ids.next,
      ...input,
      createAsset: input.createAsset ?? input.kind === "hardware",
      capitalisable: input.capitalisable ?? false,
      source: "catalog",
      createdAt: yield* Events.now
    }).pipe(takenKey(["sku"], "DuplicateSku", input.sku, "SKU"))
    yield* Events.append(CatalogItemCreated.make(item))
    return item
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
    catalogItemId: Text.id,
    supplierId: Text.id,
    supplierSku: Text.code.optional(),
    unitCost: Money,
    active: z.boolean().default(true)
  }),
  output: SupplierProduct,
  events: [SupplierProductCreated],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const [item, supplier] = [yield* storage.get(catalogItems, input.catalogItemId), yield* storage.get(vendors, input.supplierId)]
    if (Option.isNone(item)) {
      return yield* new CatalogError({ reason: "UnknownCatalogItem", value: input.catalogItemId, message: `No catalog item with id ${input.catalogItemId}` })
    }
    if (Option.isNone(supplier)) {
      return yield* new CatalogError({ reason: "UnknownVendor", value: input.supplierId, message: `No vendor with id ${input.supplierId}` })
    }
    const product = yield* storage.insertOne(supplierProducts, { id: yield* Ids.next, ...input, createdAt: yield* Events.now }).pipe(
      takenKey(["catalogItemId", "supplierId"], "DuplicateSupplierProduct", `${supplier.value.name} / ${item.value.name}`, "A supplier product for")
    )
    yield* Events.append(SupplierProductCreated.make(product))
    return product
  })
})

/**
 * One item of an import, as a JSON item or a CSV row gives it. Prices are in major units
 * (`"1200.50"` EUR), as price lists write them, and become integer minor units.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CatalogImportRow = z.strictObject({
  sku: z.string({ error: (issue) => (issue.input === undefined ? "every item needs a sku" : "expected text") })
    .trim().min(1, "the sku must not be blank").max(Text.limits.code, `at most ${Text.limits.code} characters`)
    .refine(Text.isStorable, Text.unstorable),
  name: z.string({ error: (issue) => (issue.input === undefined ? "every item needs a name" : "expected text") })
    .trim().min(1, "the name must not be blank").max(Text.limits.name, `at most ${Text.limits.name} characters`)
    .refine(Text.isStorable, Text.unstorable),
  kind: z.enum(ItemKind.options, {
    error: (issue) => `${issue.input === undefined ? "every item needs a kind" : `${JSON.stringify(issue.input)} is not a kind`}: one of ${ItemKind.options.join(", ")}`
  }),
  category: Text.name.optional(),
  manufacturer: Text.name.optional(),
  model: Text.name.optional(),
  createAsset: z.boolean().optional(),
  capitalisable: z.boolean().optional(),
  vendors: z.array(z.strictObject({
    vendor: z.string({ error: "name the vendor by its code" }).trim().min(1, "name the vendor by its code")
      .max(Text.limits.code, `at most ${Text.limits.code} characters`).refine(Text.isStorable, Text.unstorable),
    unitCost: z.union([z.string().max(40, "at most 40 characters"), z.number()], { error: "give the unit cost, such as 1200.50" }),
    currency: z.string({ error: "give the currency, such as EUR" }).trim().pipe(Currency)
  })).max(100).optional()
})

/**
 * Input of {@link importCatalog}: the file's `content` and its `format`, or the `rows` as values.
 * `mode` defaults to `import`.
 *
 * @since 0.1.0
 * @category inputs
 */
export const ImportCatalogInput = z.object({
  format: ImportFormat.optional(),
  content: z.string().max(64 * 1024 * 1024, "an import file holds at most 64 MiB").refine(Text.isStorable, Text.unstorable).optional(),
  rows: z.array(z.unknown()).max(maxImportRows, `one import takes at most ${maxImportRows} rows`).optional(),
  mode: ImportMode.default("import")
}).transform((input, ctx) => {
  const { format, content, rows, mode } = input
  if (content !== undefined && rows !== undefined) {
    ctx.addIssue({ code: "custom", path: ["rows"], message: "give the file's content or rows, not both" })
  } else if (content !== undefined && format === undefined) {
    ctx.addIssue({ code: "custom", path: ["format"], message: "say which format the content is in: csv or json" })
  } else if (content !== undefined && format !== undefined) {
    return { mode, format, file: format === "csv" ? csvRows(content) : jsonRows(content) }
  } else if (rows !== undefined) {
    return { mode, format: "rows" as const, file: valueRows(rows) }
  } else {
    ctx.addIssue({ code: "custom", path: ["content"], message: "give the file's content (with its format) or rows" })
  }
  return z.NEVER
})

/**
 * What callers pass to {@link importCatalog}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type ImportCatalogInput = z.input<typeof ImportCatalogInput>

type ImportIssue = z.infer<typeof ImportIssue>

const rowFields = Object.keys(CatalogImportRow.shape).join(", ")

const importIssues = (error: z.ZodError): Array<ImportIssue> =>
  error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ field: key, message: `unknown field "${key}"; the fields are ${rowFields}` }))
      : [{ field: issue.path.map(String).join(".") || "(row)", message: issue.message }]
  )

const inChunks = <A>(items: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size))

/** What an item looks like for deciding whether an import row changes it. */
const comparable = (item: Storage.New<CatalogItem>): string =>
  JSON.stringify([
    item.name,
    item.kind,
    item.category ?? null,
    item.manufacturer ?? null,
    item.model ?? null,
    item.createAsset,
    item.capitalisable,
    item.source,
    item.approvedVendors.map((v) => [v.vendorId, v.unitCost.amount, v.unitCost.currency])
  ])

/** What an import does with a valid row. */
type RowPlan =
  | { readonly status: "created"; readonly item: Storage.New<CatalogItem> }
  | { readonly status: "updated" | "unchanged"; readonly item: CatalogItem }

/** A row being checked: what it gives (when its shape is valid), its problems, and what it will do. */
interface CheckedRow {
  readonly row: number
  readonly sku: string | undefined
  readonly errors: Array<ImportIssue>
  readonly value: z.output<typeof CatalogImportRow> | undefined
  plan?: RowPlan
}

/** Loads the catalog items (of any source) and vendors the rows name, by SKU and by code. */
const loadImportReferences = Effect.fn("Catalog.loadImportReferences")(function*(rows: ReadonlyArray<CheckedRow>) {
  const storage = yield* Storage.Storage
  const skus = [...new Set(rows.flatMap((r) => (r.value === undefined ? [] : [r.value.sku])))]
  const codes = [...new Set(rows.flatMap((r) => r.value?.vendors?.map((v) => v.vendor) ?? []))]
  const items = new Map<string, CatalogItem>()
  for (const chunk of inChunks(skus, 1000)) {
    for (const item of (yield* storage.find(catalogItems, { where: { sku: { in: chunk } }, limit: 1000 })).items) items.set(item.sku, item)
  }
  const vendorsByCode = new Map<string, Vendor>()
  for (const chunk of inChunks(codes, 1000)) {
    for (const vendor of (yield* storage.find(vendors, { where: { code: { in: chunk } }, limit: 1000 })).items) vendorsByCode.set(vendor.code, vendor)
  }
  return { items, vendorsByCode }
})

/** Resolves a row's vendors to approved vendors, recording the problems in `errors`. */
const approvedVendorsOf = (
  given: z.output<typeof CatalogImportRow>["vendors"],
  errors: Array<ImportIssue>,
  vendorsByCode: ReadonlyMap<string, Vendor>
): Array<z.infer<typeof ApprovedVendor>> | undefined => {
  if (given === undefined) return undefined
  const approved: Array<z.infer<typeof ApprovedVendor>> = []
  const seen = new Set<string>()
  given.forEach((entry, i) => {
    const vendor = vendorsByCode.get(entry.vendor)
    const price = toMinorUnits(entry.unitCost, entry.currency)
    if (vendor === undefined) {
      errors.push({ field: `vendors.${i}.vendor`, message: `no vendor has the code ${entry.vendor}; create it first (catalog.createVendor)` })
    } else if (seen.has(vendor.id)) {
      errors.push({ field: `vendors.${i}.vendor`, message: `the vendor ${entry.vendor} is listed more than once` })
    }
    if ("error" in price) errors.push({ field: `vendors.${i}.unitCost`, message: price.error })
    if (vendor !== undefined && "amount" in price) {
      seen.add(vendor.id)
      approved.push({ vendorId: vendor.id, unitCost: { amount: price.amount, currency: entry.currency } })
    }
  })
  return approved
}

/** The report of checked rows. */
const reportOf = (
  mode: z.infer<typeof ImportMode>,
  imported: boolean,
  fileErrors: ReadonlyArray<ImportIssue>,
  rows: ReadonlyArray<CheckedRow>,
  idOf: (row: CheckedRow) => string | undefined
): ImportReport => {
  const statusOf = (r: CheckedRow) => (r.errors.length > 0 || r.plan === undefined ? "error" : r.plan.status)
  const count = (status: z.infer<typeof ImportRowStatus>) => rows.filter((r) => statusOf(r) === status).length
  return {
    mode,
    imported,
    counts: { rows: rows.length, created: count("created"), updated: count("updated"), unchanged: count("unchanged"), errors: count("error") },
    fileErrors: [...fileErrors],
    rows: rows.map((r) => {
      const itemId = statusOf(r) === "error" ? undefined : idOf(r)
      return {
        row: r.row,
        ...(r.sku !== undefined ? { sku: r.sku } : {}),
        status: statusOf(r),
        ...(itemId !== undefined ? { itemId } : {}),
        errors: r.errors
      }
    })
  }
}

/** The message of a refused import: how many rows failed, and the first problems. */
const rejection = (report: ImportReport): string => {
  const problems = [
    ...report.fileErrors.map((e) => `${e.field}: ${e.message}`),
    ...report.rows.flatMap((r) => r.errors.map((e) => `row ${r.row}${r.sku !== undefined ? ` (SKU ${r.sku})` : ""}, ${e.field}: ${e.message}`))
  ]
  const summary = report.fileErrors.length > 0
    ? "the file cannot be imported"
    : `${report.counts.errors} of ${report.counts.rows} rows ${report.counts.errors === 1 ? "has errors" : "have errors"}`
  return `Catalog import refused, nothing was imported: ${summary}. ${problems.slice(0, 5).join("; ")}` +
    (problems.length > 5 ? `; and ${problems.length - 5} more in the report` : "")
}

/**
 * Imports catalog items from a CSV or JSON file (or rows given as values), upserting by SKU:
 * a new SKU creates an item, a known one updates the fields the row gives (approved vendors
 * given replace the item's list). Every row is checked first; the report names each row's
 * outcome and problems. When any row or the file has a problem, nothing is imported and the
 * operation fails with `ImportRejected`, carrying the report. `mode: "validate"` only reports.
 * The writes are batched; 10,000 rows import in one pass.
 *
 * @since 0.1.0
 * @category operations
 */
export const importCatalog = Operation.make({
  id: "catalog.importCatalog",
  summary: "Import catalog items from CSV or JSON, upserting by SKU; all rows or none, with a per-row report.",
  kind: "command",
  // An item another writer created meanwhile: run again, and the row updates it instead.
  retryOnUnique: ["sku"],
  permission: "catalog.manage",
  input: ImportCatalogInput,
  output: ImportReport,
  events: [CatalogItemCreated, CatalogItemUpdated, CatalogImported],
  handler: Effect.fn(function*({ mode, format, file }) {
    const storage = yield* Storage.Storage
    const fileErrors = [...file.fileErrors]
    if (file.rows.length > maxImportRows) {
      fileErrors.push({ field: "content", message: `the file has ${file.rows.length} rows; one import takes at most ${maxImportRows}` })
    } else if (file.rows.length === 0 && fileErrors.length === 0) {
      fileErrors.push({ field: "content", message: "the file has no items to import" })
    }
    const rows: Array<CheckedRow> = fileErrors.length > 0 ? [] : file.rows.map((raw) => {
      const parsed = CatalogImportRow.safeParse(raw.values)
      const errors = [...raw.errors, ...(parsed.success ? [] : importIssues(parsed.error))]
      const sku = parsed.success ? parsed.data.sku : typeof raw.values["sku"] === "string" ? raw.values["sku"].trim() || undefined : undefined
      return { row: raw.row, sku, errors, value: parsed.success ? parsed.data : undefined }
    })
    const firstRowOf = new Map<string, number>()
    for (const row of rows) {
      if (row.sku === undefined) continue
      const first = firstRowOf.get(row.sku)
      if (first === undefined) firstRowOf.set(row.sku, row.row)
      else row.errors.push({ field: "sku", message: `the SKU ${row.sku} is already on row ${first}; an item appears once per import` })
    }
    const { items, vendorsByCode } = yield* loadImportReferences(rows)
    const now = yield* Events.now
    for (const row of rows) {
      const value = row.value
      if (value === undefined) continue
      const current = items.get(value.sku)
      if (current?.source === "custom") {
        row.errors.push({ field: "sku", message: `the SKU ${value.sku} belongs to the item of a custom request line, not to the catalog` })
      }
      const { vendors: vendorCodes, ...fields } = value
      const approvedVendors = approvedVendorsOf(vendorCodes, row.errors, vendorsByCode)
      if (row.errors.length > 0) continue
      if (current === undefined) {
        row.plan = {
          status: "created",
          item: {
            id: "",
            ...fields,
            createAsset: value.createAsset ?? value.kind === "hardware",
            capitalisable: value.capitalisable ?? false,
            source: "catalog",
            approvedVendors: approvedVendors ?? [],
            createdAt: now
          }
        }
      } else {
        const item: CatalogItem = {
          ...current,
          ...fields,
          createAsset: value.createAsset ?? current.createAsset,
          capitalisable: value.capitalisable ?? current.capitalisable ?? false,
          source: "catalog",
          approvedVendors: approvedVendors ?? current.approvedVendors
        }
        row.plan = { status: comparable(item) === comparable(current) ? "unchanged" : "updated", item }
      }
    }
    const failed = fileErrors.length > 0 || rows.some((r) => r.errors.length > 0)
    if (failed || mode === "validate") {
      const report = reportOf(mode, false, fileErrors, rows, (row) => (row.plan?.status === "created" ? undefined : row.plan?.item.id))
      if (failed && mode === "import") return yield* new CatalogError({ reason: "ImportRejected", message: rejection(report), report })
      return report
    }

    const plans = rows.flatMap((row) => (row.plan === undefined ? [] : [{ row, plan: row.plan }]))
    const creating = plans.flatMap(({ row, plan }) => (plan.status === "created" ? [{ row, item: plan.item }] : []))
    const ids = yield* Ids.nextMany(creating.length)
    const createdIds = new Map(creating.map(({ row }, i) => [row, ids[i]!] as const))
    const created = yield* storage.insertMany(catalogItems, creating.map(({ row, item }) => ({ ...item, id: createdIds.get(row)! })))
    const updated = yield* storage.updateMany(catalogItems, plans.flatMap(({ plan }) => (plan.status === "updated" ? [plan.item] : [])))
    const report = reportOf(mode, true, [], rows, (row) => createdIds.get(row) ?? row.plan?.item.id)
    yield* Events.append(
      ...created.map((item) => CatalogItemCreated.make(item)),
      ...updated.map((item) => CatalogItemUpdated.make(item)),
      CatalogImported.make({ importId: yield* Ids.next, format, counts: report.counts })
    )
    return report
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
 * Lists catalog items by name, optionally of one kind. The hidden items of custom request lines
 * are not listed.
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
      where: { source: { ne: "custom" }, ...(kind ? { kind } : {}) },
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
  importCatalog,
  getCatalogItem,
  listCatalogItems,
  getVendor,
  listVendors,
  getSupplierProduct,
  listSupplierProducts,
  routeItem
}

/**
 * The catalog service's methods: one per operation of {@link operations}, taking its input and
 * giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface CatalogService extends Operation.Methods<typeof operations> {}

/**
 * The catalog service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Catalog extends Context.Service<Catalog, CatalogService>()("@procura/core/Catalog") {
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
