/**
 * The procurement desk of the page: Procura's Promise face on PGlite, whose files live in the
 * browser's IndexedDB. No DOM here: `web/main.ts` is the page, this is what it calls.
 */
import type { Catalog, Purchasing, Receiving } from "@procura/core"
import { createProcura, type Principal, type ProcuraClient } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"

/** The IndexedDB database PGlite keeps its files in (`idb://<name>`), and the Web Lock of the tab using it. */
export const databaseName = "procura-example"

// Who does what. A real app gets its users from its identity provider; here the one person at the
// keyboard plays all three, as nobody may approve their own request.
const tenantId = "acme"
/** Asks for things. */
export const requester: Principal = { userId: "rae", tenantId, roles: ["requester"] }
/** Approves requests and places the purchase orders. */
export const buyer: Principal = { userId: "pat", tenantId, roles: ["procurement_manager"] }
/** Receives deliveries into the store room, and looks after the assets. */
export const storekeeper: Principal = { userId: "sam", tenantId, roles: ["storage_manager"] }

/** Where received units go. */
export const storeRoom = { locationId: "HQ", storageSpace: "Store room 1" } as const

/**
 * Starts Procura in this tab on the IndexedDB database {@link databaseName}. The first start
 * creates the database and its tables; later ones (a reload, the next visit) find them with their
 * data. Each operation is a transaction that PGlite writes to IndexedDB when it commits, before
 * the call returns: what the page reports done survives a reload or a closed tab.
 */
export const openDesk = (): ProcuraClient =>
  createProcura({ storage: SqlStorage.layerPglite({ dataDir: `idb://${databaseName}` }) })

/**
 * Creates a vendor and two hardware items on the first start; does nothing once the vendor
 * exists. Gives the catalog.
 */
export const seedCatalog = async (procura: ProcuraClient): Promise<ReadonlyArray<Catalog.CatalogItem>> => {
  const catalog = procura.as(buyer).catalog
  const { items: [dell] } = await catalog.listVendors({ code: "DELL" })
  if (dell === undefined) {
    const vendor = await catalog.createVendor({ code: "DELL", name: "Dell Technologies" })
    const at = (amount: number) => [{ vendorId: vendor.id, unitCost: { amount, currency: "EUR" } }]
    await catalog.createCatalogItem({ sku: "LAT-7450", name: "Latitude 7450 laptop", kind: "hardware", approvedVendors: at(139_900) })
    await catalog.createCatalogItem({ sku: "U2724D", name: "UltraSharp 27 monitor", kind: "hardware", approvedVendors: at(42_900) })
  }
  return (await catalog.listCatalogItems({})).items
}

/**
 * Orders `quantity` units of a catalog item the way Procura buys: the requester asks, the buyer
 * approves, turns the request into a purchase order and submits it (one on-order asset per unit).
 */
export const orderUnits = async (
  procura: ProcuraClient,
  catalogItemId: string,
  quantity: number
): Promise<Purchasing.PurchaseOrder> => {
  const request = await procura.as(requester).requisition.createRequest({ lines: [{ catalogItemId, quantity }] })
  const { requisition, purchasing } = procura.as(buyer)
  await requisition.approveRequest({ requestId: request.id })
  const [draft] = await purchasing.createFromRequest({ requestId: request.id })
  // One catalog item, so one vendor and one order.
  return purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id })
}

/** The orders with units still to come, newest first. */
export const openOrders = async (procura: ProcuraClient): Promise<ReadonlyArray<Purchasing.PurchaseOrder>> => {
  const { purchasing } = procura.as(storekeeper)
  const [submitted, partly] = await Promise.all([
    purchasing.listPurchaseOrders({ status: "submitted" }),
    purchasing.listPurchaseOrders({ status: "partially_received" })
  ])
  return [...submitted.items, ...partly.items].toSorted((a, b) => b.createdAt.localeCompare(a.createdAt))
}

/** What arrives for a line: a number of units, or the serial numbers of the units. */
export type Delivery = { readonly quantity: number } | { readonly serialNumbers: ReadonlyArray<string> }

/** Receives a delivery for a line of an order into the store room. Gives the receipt. */
export const receive = (
  procura: ProcuraClient,
  purchaseOrderId: string,
  lineNo: number,
  delivery: Delivery
): Promise<Receiving.Receipt> => {
  const line = "quantity" in delivery ? { lineNo, quantity: delivery.quantity } : { lineNo, serialNumbers: [...delivery.serialNumbers] }
  return procura.as(storekeeper).receiving.receivePurchaseOrder({ purchaseOrderId, ...storeRoom, lines: [line] })
}
