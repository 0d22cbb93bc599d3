/**
 * Something to receive: two orders bought through the whole request flow (one with a shipment
 * announced, serial numbers and all), and the codes to scan, as a packing slip would print them.
 */
import { Receiving } from "@procura/core"
import type { Principal, ProcuraClient } from "@procura/core/promise"
import { developmentTokens } from "@procura/example-hono-api"

const as = (procura: ProcuraClient, token: keyof typeof developmentTokens) => procura.as(developmentTokens[token] as Principal)

/** What the seed made: the orders, the shipment and codes to try. */
export interface Seeded {
  readonly orderId: string
  readonly shippedOrderId: string
  readonly shipmentId: string
  /** Line codes of the first order (laptops, monitors, cables): each scan is one unit. */
  readonly lineCodes: ReadonlyArray<string>
  /** The serial numbers the shipment's advance notice lists. */
  readonly advanceSerials: ReadonlyArray<string>
}

/**
 * Seeds tenant `acme`, once: a vendor, a laptop, a monitor and a cable; an order of 3 laptops,
 * 2 monitors and 10 cables; an order of 2 docks shipped with serial numbers. A second call finds
 * the vendor and gives what the first made.
 */
export const seed = async (procura: ProcuraClient): Promise<Seeded> => {
  const buyer = as(procura, "dev-buyer")
  const [existing] = (await buyer.catalog.listVendors({ code: "DOCKSIDE" })).items
  const vendor = existing ?? await buyer.catalog.createVendor({ code: "DOCKSIDE", name: "Dockside Supplies" })
  const offer = (amount: number) => [{ vendorId: vendor.id, unitCost: { amount, currency: "EUR" } }]
  const item = async (sku: string, name: string, kind: "hardware" | "consumable", amount: number) =>
    (await buyer.catalog.listCatalogItems({ sku })).items[0] ?? await buyer.catalog.createCatalogItem({ sku, name, kind, approvedVendors: offer(amount) })
  const laptop = await item("LAT-7450", "Latitude 7450", "hardware", 139_900)
  const monitor = await item("U2724D", "UltraSharp 27 monitor", "hardware", 42_900)
  const cable = await item("USBC-1M", "USB-C cable 1 m", "consumable", 1_290)
  const dock = await item("WD22TB4", "Thunderbolt dock", "hardware", 24_900)

  const order = async (lines: Array<{ catalogItemId: string; quantity: number }>) => {
    const request = await as(procura, "dev-requester").requisition.createRequest({ lines })
    await buyer.requisition.approveRequest({ requestId: request.id, comment: "For the dock demo" })
    const [draft] = await buyer.purchasing.createFromRequest({ requestId: request.id })
    return buyer.purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id })
  }
  const first = await order([
    { catalogItemId: laptop.id, quantity: 3 },
    { catalogItemId: monitor.id, quantity: 2 },
    { catalogItemId: cable.id, quantity: 10 }
  ])
  const second = await order([{ catalogItemId: dock.id, quantity: 2 }])
  const advanceSerials = [`DOCK-${second.id.slice(0, 4)}-1`, `DOCK-${second.id.slice(0, 4)}-2`]
  const shipment = await buyer.shipping.createShipment({
    purchaseOrderId: second.id,
    carrier: "DHL",
    trackingNumber: `JD${second.id.slice(0, 8).toUpperCase()}`,
    shipDate: new Date().toISOString().slice(0, 10),
    destinationLocationId: "HQ",
    destinationStorageSpace: "Dock",
    lines: [{ lineNo: 1, quantity: 2, serialNumbers: advanceSerials }]
  })
  return {
    orderId: first.id,
    shippedOrderId: second.id,
    shipmentId: shipment.id,
    lineCodes: first.lines.map((line) => Receiving.lineCode(first.id, line.lineNo)),
    advanceSerials
  }
}
