/**
 * What the SDK rounds of the receiving benchmarks start from: a fresh tenant with a vendor, a
 * laptop catalog item and an approved request for `units` laptops turned into a draft order.
 */
import { Catalog, Principal, Purchasing, Requisition } from "@procura/core"
import { Effect } from "effect"

/** The buyer of a tenant, who sets up and submits. */
export const buyerOf = (tenantId: string): Principal.Principal => ({ userId: "bench", tenantId, roles: ["procurement_manager"] })

/** A draft purchase order of `units` laptops in the tenant (not timed by the benchmarks). */
export const draftOrder = (tenantId: string, units: number) =>
  Effect.gen(function*() {
    const requester: Principal.Principal = { userId: "bench-requester", tenantId, roles: ["requester"] }
    const catalog = yield* Catalog.Catalog
    const requisition = yield* Requisition.Requisition
    const purchasing = yield* Purchasing.Purchasing
    return yield* Principal.runAs(
      Effect.gen(function*() {
        const vendor = yield* catalog.createVendor({ code: "BENCH", name: "Bench vendor" })
        const item = yield* catalog.createCatalogItem({
          sku: "BENCH-LAPTOP",
          name: "Bench laptop",
          kind: "hardware",
          approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 100_000, currency: "EUR" } }]
        })
        const request = yield* Principal.runAs(requisition.createRequest({ lines: [{ catalogItemId: item.id, quantity: units }] }), requester)
        yield* requisition.approveRequest({ requestId: request.id })
        const [order] = yield* purchasing.createFromRequest({ requestId: request.id })
        return order!
      }),
      buyerOf(tenantId)
    )
  })
