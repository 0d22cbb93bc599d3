// The samples of docs/guides/write-a-connector.md, type-checked and run.
import { assert, describe, it } from "@effect/vitest"
import { Catalog, Connector, Operation, PurchasingEvents } from "@procura/core"
import { createProcura, PluginError } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { Effect, Option } from "effect"
import { assertGuideEmbedsSamples } from "./samples.js"
import { z } from "zod"

// --- sample: system ---
/** A toy external system: orders keyed by a correlation id, suppliers changed in sequence. */
class ToyErp {
  readonly orders = new Map<string, { readonly number: string; total: number }>()
  readonly suppliers: Array<{ readonly seq: number; readonly code: string; readonly name: string }> = []

  /** Creates the order, or updates the one with this correlation id: never a duplicate. */
  upsertOrder(correlationId: string, total: number): string {
    const order = this.orders.get(correlationId) ?? { number: `PO-${1000 + this.orders.size}`, total }
    order.total = total
    this.orders.set(correlationId, order)
    return order.number
  }
}
// --- end sample ---

// --- sample: connector ---
const toyErpConnector = (erp: ToyErp) =>
  Connector.make({
    id: "toy-erp",
    version: "1.0.0",
    description: "Mirrors submitted purchase orders to the toy ERP and pulls its suppliers as vendors.",
    // Strict, like a plugin's; every connector also takes `principal` and `drop`.
    config: z.object({ baseUrl: z.url() }),
    // Only one connector may create orders in the ERP; suppliers may come from several.
    responsibilities: ["erp.order-mirror", { name: "vendor.pull", mode: "shared" }],
    subscribes: [PurchasingEvents.PurchaseOrderSubmitted],
    // Outbound: delivered at least once, so push by an external key and record the mapping.
    outbound: (event, { links }) =>
      Effect.gen(function*() {
        const { purchaseOrderId, total } = event.payload
        const number = yield* Effect.try(() => erp.upsertOrder(purchaseOrderId, total.amount))
        yield* links.link("purchase_order", purchaseOrderId, number)
      }),
    // Inbound: the changes since the watermark, applied through Procura's operations.
    inbound: {
      pull: (since) =>
        Effect.sync(() => {
          const changes = erp.suppliers.filter((supplier) => supplier.seq > Number(since ?? 0))
          return { changes, watermark: String(changes.at(-1)?.seq ?? since ?? 0) }
        }),
      apply: (supplier: ToyErp["suppliers"][number], { links }) =>
        Effect.gen(function*() {
          // Idempotent: a change pulled again after a failure is applied once.
          if (Option.isSome(yield* links.procuraIdOf("vendor", supplier.code))) return
          const vendor = yield* Operation.run(Catalog.operations.createVendor)({ code: supplier.code, name: supplier.name })
          yield* links.link("vendor", vendor.id, supplier.code)
        })
    }
  })
// --- end sample ---

describe("docs/guides/write-a-connector.md", () => {
  it("mirrors orders once and pulls suppliers since the watermark", async () => {
    const admin = { userId: "ada", tenantId: "acme", roles: ["admin"] }
    const requester = { userId: "rae", tenantId: "acme", roles: ["requester"] }
    // --- sample: run ---
    const erp = new ToyErp()
    const procura = createProcura({
      storage: MemoryStorage.layer(),
      principal: admin,
      plugins: [
        Connector.enable(toyErpConnector(erp), {
          baseUrl: "https://erp.example.com",
          // Inbound changes are applied as this principal: permissions, history and events apply.
          principal: { userId: "toy-erp-sync", tenantId: "acme", roles: ["procurement_manager"] }
        })
      ]
    })
    erp.suppliers.push({ seq: 1, code: "DELL", name: "Dell" }, { seq: 2, code: "HP", name: "HP Inc." })
    const [poll] = await procura.pollConnectors()
    // poll: { connector: "toy-erp", tenantId: "acme", pulled: 2, applied: 2, watermark: "2", skipped: false }
    const vendors = await procura.catalog.listVendors({})
    // vendors.items: DELL and HP, created by toy-erp-sync

    const laptop = await procura.catalog.createCatalogItem({
      sku: "LAP-14",
      name: "Laptop 14 inch",
      kind: "hardware",
      approvedVendors: [{ vendorId: vendors.items[0]!.id, unitCost: { amount: 120_000, currency: "EUR" } }]
    })
    const request = await procura.as(requester).requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 2 }] })
    await procura.requisition.approveRequest({ requestId: request.id })
    const [draft] = await procura.purchasing.createFromRequest({ requestId: request.id })
    const order = await procura.purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id })
    // The outbound side runs under event delivery (a worker does this continuously).
    await procura.deliverEvents({ retry: { attempts: 5, baseDelay: "100 millis", maxDelay: "5 seconds" } })
    // erp.orders: one order, PO-1000, under the purchase order's id
    // --- end sample ---
    assert.deepInclude(poll, { connector: "toy-erp", tenantId: "acme", pulled: 2, applied: 2, watermark: "2", skipped: false })
    assert.deepStrictEqual(vendors.items.map((v) => v.code).toSorted(), ["DELL", "HP"])
    assert.deepStrictEqual([...erp.orders.keys()], [order.id])
    assert.strictEqual(erp.orders.get(order.id)!.number, "PO-1000")
    // Polled again: nothing new, nothing applied twice.
    assert.deepInclude((await procura.pollConnectors())[0], { pulled: 0, watermark: "2" })
    await procura.dispose()
  })

  it("refuses two connectors claiming one exclusive responsibility", async () => {
    const principal = { userId: "sync", tenantId: "acme", roles: ["procurement_manager"] }
    const other = { ...toyErpConnector(new ToyErp()), id: "other-erp" }
    // --- sample: conflict ---
    try {
      createProcura({
        storage: MemoryStorage.layer(),
        plugins: [
          Connector.enable(toyErpConnector(new ToyErp()), { baseUrl: "https://erp.example.com", principal }),
          Connector.enable(other, { baseUrl: "https://other.example.com", principal })
        ]
      })
    } catch (error) {
      // error instanceof PluginError, error.reason === "ResponsibilityConflict"
      // error.conflict: { responsibility: "erp.order-mirror", holders: ["toy-erp", "other-erp"], ... }
      // error.message: Connectors toy-erp and other-erp both claim the responsibility "erp.order-mirror",
      //   which only one may hold; disable one of them, or configure one to drop the responsibility
      //   (plugins.other-erp.drop: ["erp.order-mirror"], or plugins.toy-erp.drop: ["erp.order-mirror"])
    }
    // Settled: one of them drops it (the shared "vendor.pull" may stay with both).
    const settled = createProcura({
      storage: MemoryStorage.layer(),
      plugins: [
        Connector.enable(toyErpConnector(new ToyErp()), { baseUrl: "https://erp.example.com", principal }),
        Connector.enable(other, { baseUrl: "https://other.example.com", principal, drop: ["erp.order-mirror"] })
      ]
    })
    // --- end sample ---
    await settled.dispose()
    assert.throws(
      () =>
        createProcura({
          storage: MemoryStorage.layer(),
          plugins: [
            Connector.enable(toyErpConnector(new ToyErp()), { baseUrl: "https://erp.example.com", principal }),
            Connector.enable(other, { baseUrl: "https://other.example.com", principal })
          ]
        }),
      PluginError,
      `Connectors toy-erp and other-erp both claim the responsibility "erp.order-mirror", which only one may hold; ` +
        `disable one of them, or configure one to drop the responsibility ` +
        `(plugins.other-erp.drop: ["erp.order-mirror"], or plugins.toy-erp.drop: ["erp.order-mirror"])`
    )
  })

  it("the guide embeds each sample verbatim", () => {
    assertGuideEmbedsSamples(import.meta.url, "../guides/write-a-connector.md", ["system", "connector", "run", "conflict"])
  })
})
