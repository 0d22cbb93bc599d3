// Scan resolution without storage: each code is tried as an asset id, an asset tag, an advance
// serial number, a line code, then a serial number; units taken earlier in the batch count, a
// repeated code names the same unit, and rejections say why.
import { assert, describe, it } from "@effect/vitest"
import type { Asset } from "../src/assets/AssetsModel.js"
import type { PurchaseOrder, PurchaseOrderLine } from "../src/purchasing/PurchasingModel.js"
import * as Tolerances from "../src/purchasing/TolerancesModel.js"
import { lineCode } from "../src/receiving/ReceivingModel.js"
import { resolveScans } from "../src/receiving/ScanResolution.js"
import type { Shipment } from "../src/shipping/ShippingModel.js"

const at = "2026-01-01T00:00:00.000Z"
const line = (overrides: Partial<PurchaseOrderLine>): PurchaseOrderLine => ({
  lineNo: 1,
  catalogItemId: "item-1",
  description: "Laptop",
  kind: "hardware",
  quantity: 2,
  unitCost: { amount: 100_00, currency: "EUR" },
  createAsset: true,
  capitalisable: false,
  receivedQuantity: 0,
  cancelledQuantity: 0,
  returnedQuantity: 0,
  ...overrides
})
const order: PurchaseOrder = {
  id: "po-1",
  version: 1,
  vendorId: "v-1",
  status: "submitted",
  lines: [line({ lineNo: 1 }), line({ lineNo: 2, description: "Mouse", kind: "consumable", createAsset: false, quantity: 5 })],
  total: { amount: 0, currency: "EUR" },
  createdAt: at,
  updatedAt: at
}
const template = (id: string, fields: Partial<Asset> = {}) =>
  ({ id, purchaseOrderId: "po-1", purchaseOrderLineNo: 1, status: "on_order", ...fields }) as Asset
const none = Tolerances.policy({ rules: [] })
const noneFound = { byId: new Map<string, Asset>(), byTag: new Map<string, Asset>(), bySerial: new Map<string, Asset>() }

const resolve = (codes: ReadonlyArray<string | { code: string; lineNo: number }>, found = noneFound, shipment?: Shipment) =>
  resolveScans(order, shipment, codes.map((c) => (typeof c === "string" ? { code: c } : c)), found, none)

describe("scan resolution", () => {
  it("tries asset id, then asset tag, then serial number", () => {
    const a = template("a-1", { assetTag: "TAG-1" })
    // "a-1" is also the tag of another template: the asset id wins.
    const found = { byId: new Map([["a-1", a]]), byTag: new Map([["TAG-1", a], ["a-1", template("a-9")]]), bySerial: new Map<string, Asset>() }
    const { results, units } = resolve(["a-1", "TAG-1"], found)
    assert.deepStrictEqual(results.map((r) => [r.outcome, r.resolvedAs]), [["received", "asset_id"], ["already_received", "asset_tag"]])
    assert.deepStrictEqual(units.map((u) => u.template?.id), ["a-1"])
  })

  it("counts a line code once per scan, and a new serial number on the only asset line with room", () => {
    const { results, units } = resolve([lineCode("po-1", 2), lineCode("po-1", 2), "SN-1"])
    assert.deepStrictEqual(results.map((r) => [r.outcome, r.resolvedAs, r.lineNo]), [
      ["received", "line_code", 2],
      ["received", "line_code", 2],
      ["received", "serial_number", 1]
    ])
    assert.deepStrictEqual(units.map((u) => [u.orderLine.lineNo, u.serialNumber]), [[2, undefined], [2, undefined], [1, "SN-1"]])
  })

  it("rejects what does not fit: another order's line code, a full line, a serial number on a non-asset line", () => {
    const { results } = resolve([lineCode("po-2", 1), "SN-1", "SN-2", "SN-3", { code: "SN-4", lineNo: 2 }])
    assert.deepStrictEqual(results.map((r) => r.reason ?? r.outcome), ["OtherPurchaseOrder", "received", "received", "UnknownCode", "NotAnAssetLine"])
  })

  it("repeating a code names the same unit", () => {
    const { results, units } = resolve(["SN-1", "SN-1"])
    assert.deepStrictEqual(results.map((r) => r.outcome), ["received", "already_received"])
    assert.strictEqual(units.length, 1)
  })

  it("an advance serial number of the shipment goes to its line, before line codes and serial numbers", () => {
    const shipment: Shipment = {
      id: "sh-1",
      version: 1,
      purchaseOrderId: "po-1",
      carrier: "DHL",
      trackingNumber: "T-1",
      shipDate: "2026-01-02",
      destinationLocationId: "loc-1",
      destinationStorageSpace: "A1",
      status: "in_transit",
      lines: [{ lineNo: 1, quantity: 1, serialNumbers: ["ASN-1"], receivedQuantity: 0 }],
      createdBy: "u-1",
      createdAt: at,
      updatedAt: at
    }
    const { results } = resolve(["ASN-1", lineCode("po-1", 2), "ASN-2"], noneFound, shipment)
    assert.deepStrictEqual(results.map((r) => r.resolvedAs ?? r.reason), ["advance_serial", "UnknownLine", "UnknownCode"])
  })
})
