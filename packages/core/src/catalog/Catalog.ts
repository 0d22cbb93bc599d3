/**
 * The catalog: vendors and the product catalog of standard items with approved vendors at
 * agreed costs (seed 002). Purchase requests and orders take their prices from here.
 *
 * Items come one at a time ({@link createCatalogItem}) or in bulk from CSV or JSON
 * ({@link importCatalog}: upsert by SKU, all rows or none, a report per row). The hidden items of
 * custom request lines (`internal/sourcing.ts`, customItem) live here too, so that everything downstream can refer
 * to what was bought by a catalog item id. docs/catalog.md describes the formats and the model.
 *
 * @since 0.1.0
 */
import { Context, Effect, Option } from "effect"
import { z } from "zod"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import { Money } from "../Money.js"
import * as Operation from "../Operation.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { CatalogError, type CatalogErrorReason } from "./CatalogErrors.js"
import { getCatalogItem, getSupplierProduct, getVendor, listCatalogItems, listSupplierProducts, listVendors, routeItem } from "./CatalogQueries.js"
import { approvedVendorsOf, CatalogImportRow, type CheckedRow, comparable, ImportCatalogInput, importIssues, inChunks, rejection, reportOf } from "./CatalogImportRules.js"
import { CatalogImported, CatalogItemCreated, CatalogItemUpdated, SupplierProductCreated, SupplierProductUpdated, VendorCreated } from "./CatalogEvents.js"
import { ApprovedVendor, CatalogItem, ImportReport, ItemKind, SupplierProduct, Vendor, catalogItems, maxImportRows, supplierProducts, vendors } from "./CatalogModel.js"

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

// ----- routing, errors and import rules: in CatalogRouting.ts, CatalogErrors.ts and
// CatalogImportRules.ts, re-exported

export * from "./CatalogRouting.js"
export * from "./CatalogErrors.js"
export { CatalogImportRow, ImportCatalogInput } from "./CatalogImportRules.js"

// ----- read operations: in CatalogQueries.ts, re-exported

export * from "./CatalogQueries.js"

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
 * Input of {@link updateSupplierProduct}: the fields to change (at least one).
 *
 * @since 0.2.0
 * @category inputs
 */
export const UpdateSupplierProductInput = z.object({
  id: Text.id,
  unitCost: Money.optional(),
  supplierSku: Text.code.optional(),
  active: z.boolean().optional()
}).refine((input) => input.unitCost !== undefined || input.supplierSku !== undefined || input.active !== undefined, {
  message: "give unitCost, supplierSku or active to change"
})

/**
 * Changes a supplier product's unit cost, supplier SKU or active flag (an inactive one is not
 * offered for new purchases). Nothing changes, and no event is appended, when the values are
 * those stored.
 *
 * @since 0.2.0
 * @category operations
 */
export const updateSupplierProduct = Operation.make({
  id: "catalog.updateSupplierProduct",
  summary: "Change a supplier product's unit cost, supplier SKU or active flag.",
  kind: "command",
  permission: "catalog.manage",
  input: UpdateSupplierProductInput,
  output: SupplierProduct,
  events: [SupplierProductUpdated],
  handler: Effect.fn(function*({ id, ...changes }) {
    const storage = yield* Storage.Storage
    const product = yield* storage.getOrFail(supplierProducts, id, "supplier product")
    const next = {
      ...product,
      ...(changes.unitCost !== undefined ? { unitCost: changes.unitCost } : {}),
      ...(changes.supplierSku !== undefined ? { supplierSku: changes.supplierSku } : {}),
      ...(changes.active !== undefined ? { active: changes.active } : {})
    }
    if (JSON.stringify(next) === JSON.stringify(product)) return product
    const updated = yield* storage.updateOne(supplierProducts, next)
    yield* Events.append(SupplierProductUpdated.make(updated))
    return updated
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
  updateSupplierProduct,
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
