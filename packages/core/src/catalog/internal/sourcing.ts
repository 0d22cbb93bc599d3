/**
 * What the catalog module offers other modules: items and vendors by id, the sources (vendor and
 * price) an item is bought from, the hidden items of custom request lines, and the sourcing and
 * routing references in force. Not exported from the package root.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Events from "../../Events.js"
import type { Money } from "../../Money.js"
import { CurrentPrincipal } from "../../Principal.js"
import * as Storage from "../../Storage.js"
import { type CatalogItem, catalogItems, type ItemKind, supplierProducts, vendors } from "../CatalogModel.js"
import { Sourcing, type SourcingMode } from "../CatalogRouting.js"

export { ChannelRouting, Sourcing } from "../CatalogRouting.js"
export type { Router, SourcingMode } from "../CatalogRouting.js"

/**
 * The catalog items among `ids` that exist, by id.
 *
 * @since 0.1.0
 * @category internal
 */
export const itemsById = Effect.fn("Catalog.itemsById")(function*(ids: ReadonlyArray<string>) {
  const storage = yield* Storage.Storage
  return new Map((yield* storage.getMany(catalogItems, ids)).map((item) => [item.id, item] as const))
})

/**
 * The vendors among `ids` that exist, by id.
 *
 * @since 0.1.0
 * @category internal
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
 * @category internal
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
 * @category internal
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
 * @category internal
 */
export const saveCustomItems = Effect.fn("Catalog.saveCustomItems")(function*(items: ReadonlyArray<Storage.New<CatalogItem>>) {
  const storage = yield* Storage.Storage
  const unique = [...new Map(items.map((item) => [item.id, item] as const)).values()]
  const stored = new Set((yield* storage.getMany(catalogItems, unique.map((item) => item.id))).map((item) => item.id))
  yield* storage.insertMany(catalogItems, unique.filter((item) => !stored.has(item.id)))
})
