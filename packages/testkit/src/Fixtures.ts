/**
 * Fixtures: principals for seed 002's roles, and a small catalog to buy from.
 *
 * @since 0.1.0
 */
import { assert } from "@effect/vitest"
import { Catalog, type Principal } from "@procura/core"
import { Cause, Effect, Exit, Option } from "effect"

/**
 * A principal with the given roles in a tenant.
 *
 * @since 0.1.0
 * @category constructors
 */
export const principal = (tenantId: string, userId: string, ...roles: ReadonlyArray<string>): Principal.Principal => ({
  userId,
  tenantId,
  roles
})

/**
 * One principal per seed 002 role in a tenant.
 *
 * @since 0.1.0
 * @category constructors
 */
export const team = (tenantId: string) => ({
  admin: principal(tenantId, "ada.admin", "admin"),
  buyer: principal(tenantId, "pat.procurement", "procurement_manager"),
  storekeeper: principal(tenantId, "sam.storage", "storage_manager"),
  mobile: principal(tenantId, "mo.mobile", "mobile_asset_manager"),
  assetManager: principal(tenantId, "ash.assets", "asset_manager"),
  assetAdmin: principal(tenantId, "ali.assetadmin", "asset_administrator"),
  requester: principal(tenantId, "rae.requester", "requester")
})

/**
 * A vendor and two catalog items (a laptop that creates assets, a consumable mouse that does
 * not), created through the catalog service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const smallCatalog = Effect.gen(function*() {
  const catalog = yield* Catalog.Catalog
  const vendor = yield* catalog.createVendor({ code: "ACME", name: "Acme Computers" })
  const laptop = yield* catalog.createCatalogItem({
    sku: "LAP-14",
    name: "Laptop 14 inch",
    kind: "hardware",
    approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 120_000, currency: "EUR" } }]
  })
  const mouse = yield* catalog.createCatalogItem({
    sku: "MOUSE-USB2",
    name: "USB two button mouse",
    kind: "consumable",
    approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 5_000, currency: "EUR" } }]
  })
  return { vendor, laptop, mouse }
})

/**
 * The typed error an exit failed with; fails the test when the exit succeeded.
 *
 * @since 0.1.0
 * @category assertions
 */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  assert.isTrue(Exit.isFailure(exit), "expected the operation to fail")
  return Option.getOrThrow(Cause.findErrorOption((exit as Exit.Failure<A, E>).cause))
}
