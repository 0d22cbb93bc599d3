/**
 * Fixtures: principals for seed 002's roles, and a small catalog to buy from.
 *
 * @since 0.1.0
 */
import { assert } from "@effect/vitest"
import { Catalog, Operation, Principal, Procura, Purchasing, Requisition, Storage } from "@procura/core"
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
 * The principals of {@link team}.
 *
 * @since 0.1.0
 * @category models
 */
export type Team = ReturnType<typeof team>

/**
 * A vendor and two catalog items (a laptop that creates assets, a consumable mouse that does
 * not), created through the catalog service.
 *
 * @since 0.1.0
 * @category constructors
 */
export const smallCatalog: Effect.Effect<
  { readonly vendor: Catalog.Vendor; readonly laptop: Catalog.CatalogItem; readonly mouse: Catalog.CatalogItem },
  Catalog.CatalogError | Operation.RunError,
  Catalog.Catalog | Principal.CurrentPrincipal
> = Effect.gen(function*() {
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

let tenantCounter = 0

/**
 * A tenant id no other test (in this or another process) uses: `<prefix>-<time>-<pid>-<n>`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const freshTenant = (prefix: string): string => `${prefix}-${Date.now().toString(36)}-${process.pid}-${++tenantCounter}`

/**
 * Everything a tenant has stored: the ids and versions of its records in every core collection
 * (and in `extra` collections, such as a plugin's), and its event types in order.
 *
 * @since 0.1.0
 * @category assertions
 */
export const snapshot = (tenant: Principal.Principal, extra: ReadonlyArray<Storage.Collection<any>> = []) =>
  Principal.runAs(
    Effect.gen(function*() {
      const storage = yield* Storage.Storage
      const out: Record<string, unknown> = {}
      for (const collection of [...Procura.collections, ...extra]) {
        const page = yield* storage.find(collection, { limit: 1000 })
        out[collection.name] = page.items.map((r) => `${r.id}@${r.version}`)
      }
      out.events = (yield* storage.readEvents({ after: 0, limit: 100_000, tenantId: tenant.tenantId })).map((e) => e.type)
      return out
    }),
    tenant
  )

/**
 * Runs `attempt`, expects it to fail, checks that the tenant's storage did not change (see
 * {@link snapshot}), and gives the typed error.
 *
 * @since 0.1.0
 * @category assertions
 */
export const refusedWithoutWrites = <A, E, R>(tenant: Principal.Principal, attempt: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const before = yield* snapshot(tenant)
    const error = failureOf(yield* Effect.exit(attempt))
    assert.deepStrictEqual(yield* snapshot(tenant), before, "a refused operation must write nothing")
    return error
  })

/**
 * Buys lines through the whole flow: the team's requester requests them (through `channel`,
 * the service catalog by default), the buyer approves the request, turns it into a purchase
 * order and, unless `draft`, submits it. Gives the order (the first, when the lines' vendors
 * differ).
 *
 * @since 0.1.0
 * @category constructors
 */
export const buy = (
  people: Team,
  lines: ReadonlyArray<{ readonly catalogItemId: string; readonly quantity: number }>,
  options: { readonly channel?: "service_catalog" | "shopping_hub"; readonly draft?: boolean } = {}
): Effect.Effect<Purchasing.PurchaseOrder, unknown, Requisition.Requisition | Purchasing.Purchasing> =>
  Effect.gen(function*() {
    const requisition = yield* Requisition.Requisition
    const purchasing = yield* Purchasing.Purchasing
    const request = yield* Principal.runAs(
      requisition.createRequest({ lines: [...lines], ...(options.channel !== undefined ? { channel: options.channel } : {}) }),
      people.requester
    )
    yield* Principal.runAs(requisition.approveRequest({ requestId: request.id }), people.buyer)
    const [order] = yield* Principal.runAs(purchasing.createFromRequest({ requestId: request.id }), people.buyer)
    if (options.draft === true) return order!
    return yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: order!.id }), people.buyer)
  })


