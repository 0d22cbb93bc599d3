/**
 * What the example host does: buys three laptops and receives them, through Procura's services,
 * logging as it goes. Every operation and storage call it makes is traced by Procura itself.
 *
 * @since 0.1.0
 */
import { Catalog, Principal, Purchasing, Receiving, Requisition } from "@procura/core"
import { Effect, Redacted } from "effect"

/**
 * The principals of the scenario, in one tenant.
 *
 * @since 0.1.0
 * @category constants
 */
export const people = (tenantId: string) => ({
  buyer: { userId: "pat.procurement", tenantId, roles: ["procurement_manager"] },
  requester: { userId: "rae.requester", tenantId, roles: ["requester"] },
  storekeeper: { userId: "sam.storage", tenantId, roles: ["storage_manager"] }
}) satisfies Record<string, Principal.Principal>

/**
 * Requests, approves, orders, submits and receives three laptops; gives the receipt.
 *
 * @since 0.1.0
 * @category scenarios
 */
export const purchaseAndReceive = (tenantId: string) =>
  Effect.gen(function*() {
    const { buyer, requester, storekeeper } = people(tenantId)
    const catalog = yield* Catalog.Catalog
    const requisition = yield* Requisition.Requisition
    const purchasing = yield* Purchasing.Purchasing
    const receiving = yield* Receiving.Receiving

    const laptop = yield* Principal.runAs(
      Effect.gen(function*() {
        const vendor = yield* catalog.createVendor({ code: "ACME", name: "Acme Computers" })
        return yield* catalog.createCatalogItem({
          sku: "LAP-14",
          name: "Laptop 14 inch",
          kind: "hardware",
          approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 120_000, currency: "EUR" } }]
        })
      }),
      buyer
    )
    const request = yield* Principal.runAs(requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 3 }] }), requester)
    yield* Principal.runAs(requisition.approveRequest({ requestId: request.id }), buyer)
    const [order] = yield* Principal.runAs(purchasing.createFromRequest({ requestId: request.id }), buyer)
    yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: order!.id }), buyer)
    // A host often logs with context it holds: secrets among it are masked by the JSON logger.
    yield* Effect.logInfo("purchase order submitted to the vendor").pipe(
      Effect.annotateLogs({ purchaseOrderId: order!.id, vendorApiToken: Redacted.make("acme-live-7f3a"), authorization: "Bearer eyJhbGciOi" })
    )
    const receipt = yield* Principal.runAs(
      receiving.receivePurchaseOrder({
        purchaseOrderId: order!.id,
        locationId: "HQ",
        storageSpace: "IT store",
        lines: [{ lineNo: 1, serialNumbers: ["SN-1001", "SN-1002", "SN-1003"] }]
      }),
      storekeeper
    )
    yield* Effect.logInfo("received", { receiptId: receipt.id, units: receipt.lines[0]!.quantity })
    return receipt
  }).pipe(Effect.withSpan("example.purchaseAndReceive"))
