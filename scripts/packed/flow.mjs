// Run by scripts/packed-install.mjs inside an application folder where the Procura tarballs are
// installed: the getting-started flow through the Promise facade, as a host would write it.
//
//   node flow.mjs pglite     embedded PGlite, in memory
//   node flow.mjs postgres   PostgreSQL at PROCURA_DATABASE_URL
import { createProcura } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"

const target = process.argv[2]
const storage = target === "postgres"
  ? SqlStorage.layerPgConfig()
  : target === "pglite"
  ? SqlStorage.layerPglite()
  : undefined
if (storage === undefined) throw new Error("usage: node flow.mjs pglite|postgres")

const tenantId = `packed-${Date.now()}`
const buyer = { userId: "pat", tenantId, roles: ["procurement_manager"] }
const employee = { userId: "rae", tenantId, roles: ["requester"] }
const storekeeper = { userId: "sam", tenantId, roles: ["storage_manager"] }
const assetManager = { userId: "ada", tenantId, roles: ["asset_manager"] }

const started = Date.now()
const procura = createProcura({ storage })
try {
  const pat = procura.as(buyer)
  const vendor = await pat.catalog.createVendor({ code: "DELL", name: "Dell Technologies" })
  const laptop = await pat.catalog.createCatalogItem({
    sku: "LAT-7450",
    name: "Latitude 7450",
    kind: "hardware",
    approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 139_900, currency: "EUR" } }]
  })
  const request = await procura.as(employee).requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 2 }] })
  await pat.requisition.approveRequest({ requestId: request.id, comment: "Within budget" })
  const [draft] = await pat.purchasing.createFromRequest({ requestId: request.id })
  const order = await pat.purchasing.submitPurchaseOrder({ purchaseOrderId: draft.id })
  await procura.as(storekeeper).receiving.receivePurchaseOrder({
    purchaseOrderId: order.id,
    locationId: "HQ",
    storageSpace: "Store room 1",
    lines: [{ lineNo: 1, serialNumbers: ["7450-A", "7450-B"] }]
  })
  const { items: assets } = await procura.as(assetManager).assets.listAssets({ purchaseOrderId: order.id })
  const received = assets.filter((asset) => asset.status === "in_stock")
  if (received.length !== 2) throw new Error(`expected 2 assets in stock, found ${JSON.stringify(assets)}`)
  const assigned = await procura.as(assetManager).assets.assignAsset({ assetId: received[0].id, userId: "rae" })
  if (assigned.status !== "in_use" || assigned.assignedTo !== "rae") throw new Error(`assignment did not take: ${JSON.stringify(assigned)}`)
  console.log(`[packed] ${target}: request -> approval -> order ${order.id} -> received ${received.map((a) => a.serialNumber).join(", ")} -> ${assigned.id} assigned to rae, in ${Date.now() - started} ms`)
} finally {
  await procura.dispose()
}
