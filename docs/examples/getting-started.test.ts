// The samples of docs/guides/getting-started.md, type-checked and run.
import { assert, describe, it } from "@effect/vitest"
import { Assets, Catalog, Principal, Procura, Purchasing, Receiving, Requisition } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Layer } from "effect"
import { assertGuideEmbedsSamples } from "./samples.js"

// --- sample: effect ---
const buyer: Principal.Principal = { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] }
const employee: Principal.Principal = { userId: "rae", tenantId: "acme", roles: ["requester"] }
const storekeeper: Principal.Principal = { userId: "sam", tenantId: "acme", roles: ["storage_manager"] }

const buyAndReceiveTwoLaptops = Effect.gen(function*() {
  const catalog = yield* Catalog.Catalog
  const requisition = yield* Requisition.Requisition
  const purchasing = yield* Purchasing.Purchasing
  const receiving = yield* Receiving.Receiving
  const assets = yield* Assets.Assets

  const laptop = yield* Principal.runAs(
    Effect.gen(function*() {
      const vendor = yield* catalog.createVendor({ code: "DELL", name: "Dell Technologies" })
      return yield* catalog.createCatalogItem({
        sku: "LAT-7450",
        name: "Latitude 7450",
        kind: "hardware",
        approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 139_900, currency: "EUR" } }]
      })
    }),
    buyer
  )
  // An employee asks; a procurement manager approves (nobody approves their own request).
  const request = yield* Principal.runAs(
    requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 2 }] }),
    employee
  )
  const [order] = yield* Principal.runAs(
    Effect.gen(function*() {
      yield* requisition.approveRequest({ requestId: request.id, comment: "Within budget" })
      const [draft] = yield* purchasing.createFromRequest({ requestId: request.id })
      return [yield* purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id })]
    }),
    buyer
  )

  yield* Principal.runAs(
    receiving.receivePurchaseOrder({
      purchaseOrderId: order!.id,
      locationId: "HQ",
      storageSpace: "Store room 1",
      lines: [{ lineNo: 1, serialNumbers: ["7450-A", "7450-B"] }]
    }),
    storekeeper
  )
  return yield* Principal.runAs(assets.listAssets({ status: "in_stock" }), storekeeper)
})

// Embedded PGlite in memory; use SqlStorage.layerPglite({ dataDir }) to persist, or
// SqlStorage.layerPg({ url }) for PostgreSQL.
const program = buyAndReceiveTwoLaptops.pipe(
  Effect.provide(Procura.layer.pipe(Layer.provideMerge(SqlStorage.layerPglite())))
)
// --- end sample ---

// --- sample: promise ---
async function promiseExample() {
  const procura = createProcura({ storage: MemoryStorage.layer() })
  const pat = procura.as({ userId: "pat", tenantId: "acme", roles: ["procurement_manager"] })
  try {
    const vendor = await pat.catalog.createVendor({ code: "DELL", name: "Dell Technologies" })
    await pat.catalog.createVendor({ code: "DELL", name: "Dell again" })
    return vendor
  } catch (error) {
    if (error instanceof Catalog.CatalogError && error.reason === "DuplicateCode") {
      return error.message // "Vendor code DELL is already in the catalog"
    }
    throw error
  } finally {
    await procura.dispose()
  }
}
// --- end sample ---

describe("getting started guide", () => {
  it.live("the Effect sample buys and receives two laptops", () =>
    Effect.gen(function*() {
      const inStock = yield* program
      assert.deepStrictEqual(inStock.items.map((a) => a.serialNumber).sort(), ["7450-A", "7450-B"])
    }), 60_000)

  it("the Promise sample throws the tagged error class", async () => {
    assert.strictEqual(await promiseExample(), "Vendor code DELL is already in the catalog")
  })
})

describe("the guide's samples are this file's", () => {
  it("docs/guides/getting-started.md embeds each sample verbatim", () => {
    assertGuideEmbedsSamples(import.meta.url, "../guides/getting-started.md", ["effect", "promise"])
  })
})
