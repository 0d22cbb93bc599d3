/**
 * The load the fleet delivers: purchase orders requested, approved, ordered, submitted and
 * received in two deliveries, through Procura's Promise face, as an app instance would run them.
 * Every command appends its domain events to the log in its own transaction.
 *
 * @since 0.0.0
 */
import type { Principal } from "@procura/core"
import type { ProcuraClient } from "@procura/core/promise"

/**
 * The people of a run, in its tenant: who asks, who buys, who receives, who audits the ledgers.
 *
 * @since 0.0.0
 * @category constants
 */
export const people = (tenantId: string) => ({
  requester: { userId: "rae.requester", tenantId, roles: ["requester"] },
  buyer: { userId: "pat.procurement", tenantId, roles: ["procurement_manager"] },
  storekeeper: { userId: "sam.storage", tenantId, roles: ["storage_manager"] },
  auditor: { userId: "fleet.operator", tenantId, roles: ["fleet_auditor"] }
}) satisfies Record<string, Principal.Principal>

/**
 * Creates the vendor and the catalog item the orders buy; gives the item's id.
 *
 * @since 0.0.0
 * @category scenarios
 */
export const setUpCatalog = async (procura: ProcuraClient, tenantId: string): Promise<string> => {
  const buyer = procura.as(people(tenantId).buyer)
  const vendor = await buyer.catalog.createVendor({ code: "ACME", name: "Acme Computers" })
  const laptop = await buyer.catalog.createCatalogItem({
    sku: "LAP-14",
    name: "Laptop 14 inch",
    kind: "hardware",
    approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 120_000, currency: "EUR" } }]
  })
  return laptop.id
}

/**
 * Order `n`: three laptops requested, approved, ordered and submitted, then received two and one.
 *
 * @since 0.0.0
 * @category scenarios
 */
export const orderAndReceive = async (procura: ProcuraClient, tenantId: string, catalogItemId: string, n: number): Promise<void> => {
  const { buyer, requester, storekeeper } = people(tenantId)
  const request = await procura.as(requester).requisition.createRequest({ lines: [{ catalogItemId, quantity: 3 }] })
  await procura.as(buyer).requisition.approveRequest({ requestId: request.id })
  const [order] = await procura.as(buyer).purchasing.createFromRequest({ requestId: request.id })
  const purchaseOrderId = order!.id
  await procura.as(buyer).purchasing.submitPurchaseOrder({ purchaseOrderId })
  const receive = (serialNumbers: ReadonlyArray<string>) =>
    procura.as(storekeeper).receiving.receivePurchaseOrder({
      purchaseOrderId,
      locationId: "HQ",
      storageSpace: "IT store",
      lines: [{ lineNo: 1, serialNumbers: [...serialNumbers] }]
    })
  await receive([`SN-${n}-1`, `SN-${n}-2`])
  await receive([`SN-${n}-3`])
}
