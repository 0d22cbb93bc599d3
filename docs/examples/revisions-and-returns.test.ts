// The samples of docs/revisions-and-returns.md, type-checked and run.
import { assert, describe, it } from "@effect/vitest"
import type { Principal, Purchasing } from "@procura/core"
import { createProcura, type ProcuraClient } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { assertGuideEmbedsSamples } from "./samples.js"

const admin: Principal.Principal = { userId: "ada", tenantId: "acme", roles: ["admin"] }

// --- sample: revise ---
/** The vendor can ship only 3 of the 5 laptops on line 1, and adds a docking station at its price. */
const shortShipment = (procura: ProcuraClient, purchaseOrderId: string, dockId: string) =>
  procura.purchasing.revisePurchaseOrder({
    purchaseOrderId,
    reason: "Vendor allocation: 3 laptops this quarter",
    lines: [{ lineNo: 1, quantity: 3 }],
    addLines: [{ catalogItemId: dockId, quantity: 3 }]
  })
// --- end sample ---

// --- sample: return ---
/** A laptop arrived dead: send it back under the vendor's RMA, and expect a replacement. */
const deadOnArrival = (procura: ProcuraClient, order: Purchasing.PurchaseOrder, assetId: string) =>
  procura.returns.returnToVendor({
    purchaseOrderId: order.id,
    reason: "Dead on arrival",
    rmaNumber: "RMA-20931",
    replace: true,
    lines: [{ lineNo: 1, assetIds: [assetId] }]
  })
// --- end sample ---

describe("docs/revisions-and-returns.md", () => {
  it("embeds the samples verbatim", () => {
    assertGuideEmbedsSamples(import.meta.url, "../revisions-and-returns.md", ["revise", "return"])
  })

  it("runs the samples", async () => {
    const procura = createProcura({ storage: MemoryStorage.layer(), principal: admin })
    try {
      const vendor = await procura.catalog.createVendor({ code: "ACME", name: "Acme Computers" })
      const sources = [{ vendorId: vendor.id, unitCost: { amount: 120_000, currency: "EUR" } }]
      const laptop = await procura.catalog.createCatalogItem({ sku: "LAP-14", name: "Laptop", kind: "hardware", approvedVendors: sources })
      const dock = await procura.catalog.createCatalogItem({ sku: "DOCK", name: "Dock", kind: "hardware", approvedVendors: sources })
      const requester = { userId: "rae", tenantId: "acme", roles: ["requester"] }
      const request = await procura.requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 5 }] }, { principal: requester })
      await procura.requisition.approveRequest({ requestId: request.id })
      const [draft] = await procura.purchasing.createFromRequest({ requestId: request.id })
      const order = await procura.purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id })

      const { purchaseOrder, revision } = await shortShipment(procura, order.id, dock.id)
      assert.deepStrictEqual(purchaseOrder.lines.map((l) => [l.lineNo, l.quantity]), [[1, 3], [2, 3]])
      assert.strictEqual(revision.revision, 1)
      const onOrder = await procura.assets.listAssets({ purchaseOrderId: order.id, status: "on_order" })
      assert.strictEqual(onOrder.items.length, 6)

      const receipt = await procura.receiving.receivePurchaseOrder({
        purchaseOrderId: order.id,
        locationId: "HQ",
        storageSpace: "Store room",
        lines: [{ lineNo: 1, serialNumbers: ["SN-1", "SN-2", "SN-3"] }]
      })
      const returned = await deadOnArrival(procura, purchaseOrder, receipt.lines[0]!.assetIds[0]!)
      assert.strictEqual(returned.rmaNumber, "RMA-20931")
      const reopened = await procura.purchasing.getPurchaseOrder({ id: order.id })
      assert.deepStrictEqual([reopened.lines[0]!.receivedQuantity, reopened.lines[0]!.replacedQuantity], [2, 1])
    } finally {
      await procura.dispose()
    }
  })
})
