/**
 * The catalog the demo buys from: one vendor and one laptop, created on first start. A real
 * host imports its catalog (`procura.catalog.importCatalog`) or lets buyers manage it.
 */
import type { Principal, ProcuraClient } from "@procura/core/promise"

/** The host's own setup identity: a buyer of tenant `acme`, used at start-up, never for a request. */
const setup: Principal = { userId: "setup", tenantId: "acme", roles: ["procurement_manager"] }

/** The laptop's SKU. */
export const laptopSku = "LAT-7450"

/**
 * Gives the id of the demo laptop, creating it and its vendor when the catalog does not have it
 * yet (so restarting on the same database changes nothing).
 */
export const ensureDemoCatalog = async (procura: ProcuraClient): Promise<string> => {
  const buyer = procura.as(setup)
  const { items: [existing] } = await buyer.catalog.listCatalogItems({ sku: laptopSku })
  if (existing !== undefined) return existing.id
  const vendor = await buyer.catalog.createVendor({ code: "DELL", name: "Dell Technologies" })
  const laptop = await buyer.catalog.createCatalogItem({
    sku: laptopSku,
    name: "Latitude 7450",
    kind: "hardware",
    approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 139_900, currency: "EUR" } }]
  })
  return laptop.id
}
