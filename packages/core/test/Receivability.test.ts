// Receivability without storage: what a line can still receive (ordered, cancelled, received,
// the over-receipt allowance of the tolerance policy), the over-receipt refusal, line admission,
// what a shipment can carry and what a scan batch has room for.
import { assert, describe, it } from "@effect/vitest"
import type { PurchaseOrder, PurchaseOrderLine } from "../src/purchasing/PurchasingModel.js"
import * as Tolerances from "../src/purchasing/TolerancesModel.js"
import * as Receivability from "../src/receiving/Receivability.js"
import type { Shipment } from "../src/shipping/ShippingModel.js"

const line = (overrides: Partial<PurchaseOrderLine> = {}): PurchaseOrderLine => ({
  lineNo: 1,
  catalogItemId: "item-1",
  description: "Laptop",
  kind: "hardware",
  quantity: 10,
  unitCost: { amount: 100_00, currency: "EUR" },
  createAsset: true,
  capitalisable: false,
  receivedQuantity: 0,
  cancelledQuantity: 0,
  returnedQuantity: 0,
  ...overrides
})

const order = (lines: ReadonlyArray<PurchaseOrderLine>, overrides: Partial<PurchaseOrder> = {}): PurchaseOrder => ({
  id: "po-1",
  version: 1,
  vendorId: "v-1",
  status: "submitted",
  lines: [...lines],
  total: { amount: 0, currency: "EUR" },
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...overrides
})

const shipment = (lines: Shipment["lines"]): Shipment => ({
  id: "sh-1",
  version: 1,
  purchaseOrderId: "po-1",
  carrier: "DHL",
  trackingNumber: "T-1",
  shipDate: "2026-01-02",
  destinationLocationId: "loc-1",
  destinationStorageSpace: "A1",
  status: "in_transit",
  lines: [...lines],
  createdBy: "u-1",
  createdAt: "2026-01-02T00:00:00.000Z",
  updatedAt: "2026-01-02T00:00:00.000Z"
})

const none = Tolerances.policy({ rules: [] })
const tenPercent = Tolerances.policy({ rules: [{ kind: "hardware", quantityPercent: 10 }] })

describe("Receivability", () => {
  describe("receivableQuantity", () => {
    it("is the backorder without a tolerance: ordered less cancelled less received", () => {
      const l = line({ quantity: 10, cancelledQuantity: 2, receivedQuantity: 3 })
      assert.strictEqual(Receivability.receivableQuantity(order([l]), l, none), 5)
    })

    it("adds the allowance of the most specific rule, on the open quantity", () => {
      const l = line({ quantity: 10, receivedQuantity: 10 })
      assert.strictEqual(Receivability.allowanceOf(order([l]), l, tenPercent), 1)
      assert.strictEqual(Receivability.receivableQuantity(order([l]), l, tenPercent), 1)
      const consumable = line({ kind: "consumable", quantity: 10 })
      assert.strictEqual(Receivability.allowanceOf(order([consumable]), consumable, tenPercent), 0)
    })

    it("counts units already received beyond the open quantity against the allowance, never below zero", () => {
      const over = line({ quantity: 10, receivedQuantity: 11 })
      assert.strictEqual(Receivability.receivableQuantity(order([over]), over, tenPercent), 0)
      const cancelled = line({ quantity: 10, cancelledQuantity: 5, receivedQuantity: 8 })
      assert.strictEqual(Receivability.receivableQuantity(order([cancelled]), cancelled, none), 0)
    })

    it("only submitted and partially received orders are receiving", () => {
      for (const status of ["submitted", "partially_received"] as const) assert.isTrue(Receivability.isReceiving(order([], { status })))
      for (const status of ["draft", "received", "cancelled"] as const) assert.isFalse(Receivability.isReceiving(order([], { status })))
    })
  })

  describe("admission", () => {
    it("refuses unknown lines and software, with the purpose in the message", () => {
      const o = order([line(), line({ lineNo: 2, kind: "software", description: "Licence" })])
      const unknown = Receivability.admitLine(o, 9)
      assert.isTrue(Receivability.isRefusal(unknown))
      assert.deepStrictEqual(unknown, { _tag: "LineRefusal", reason: "UnknownLine", message: "Purchase order po-1 has no line 9", lineNo: 9 })
      const received = Receivability.admitLine(o, 2)
      const shipped = Receivability.admitLine(o, 2, "shipment")
      assert.strictEqual(Receivability.isRefusal(received) && received.reason, "NotReceivable")
      assert.match(Receivability.isRefusal(received) ? received.message : "", /is software: it is not received/)
      assert.match(Receivability.isRefusal(shipped) ? shipped.message : "", /is software: it is not shipped/)
      assert.strictEqual(Receivability.admitLine(o, 1), o.lines[0])
    })

    it("refuses a line a scanned shipment does not carry before looking at its kind", () => {
      const o = order([line(), line({ lineNo: 2, kind: "software" })])
      const refused = Receivability.admitLine(o, 2, "receipt", shipment([{ lineNo: 1, quantity: 1, serialNumbers: [], receivedQuantity: 0 }]))
      assert.strictEqual(Receivability.isRefusal(refused) && refused.message, "Shipment sh-1 carries no units of line 2")
    })

    it("takes serial numbers only on asset lines", () => {
      assert.isUndefined(Receivability.admitSerialNumbers(line(), 3))
      assert.isUndefined(Receivability.admitSerialNumbers(line({ createAsset: false }), 0))
      assert.strictEqual(Receivability.admitSerialNumbers(line({ createAsset: false }), 1)?.reason, "NotAnAssetLine")
      assert.match(Receivability.admitSerialNumbers(line({ kind: "service" }), 1)?.message ?? "", /is a service/)
      assert.strictEqual(
        Receivability.admitSerialNumbers(line({ createAsset: false }), 1, "shipment")?.message,
        "Line 1 (Laptop) creates no assets, so it takes no serial numbers"
      )
    })
  })

  describe("over-receipt", () => {
    it("refuses more than remains, naming ordered, cancelled, received and the allowance", () => {
      const l = line({ quantity: 10, cancelledQuantity: 1, receivedQuantity: 8 })
      assert.isUndefined(Receivability.admitQuantity(order([l]), l, 1, none))
      // 10 % of the open 9 units rounds down to no allowance.
      const refused = Receivability.admitQuantity(order([l]), l, 2, tenPercent)
      assert.strictEqual(refused?.reason, "OverReceipt")
      assert.strictEqual(refused?.message, "Line 1 (Laptop): ordered 10, cancelled 1, already received 8, so at most 1 more can be received, not 2")
    })

    it("names the over-receipt tolerance when there is one", () => {
      const l = line({ quantity: 20, receivedQuantity: 20 })
      assert.strictEqual(
        Receivability.admitQuantity(order([l]), l, 3, tenPercent)?.message,
        "Line 1 (Laptop): ordered 20, already received 20, over-receipt tolerance 2, so at most 2 more can be received, not 3"
      )
    })

    it("a shipment carries at most what remains less what other shipments carry in transit", () => {
      const l = line({ quantity: 10, receivedQuantity: 2 })
      assert.isUndefined(Receivability.admitShipped(order([l]), l, 5, 3, none))
      const refused = Receivability.admitShipped(order([l]), l, 6, 3, none)
      assert.strictEqual(refused?.reason, "OverShipment")
      assert.strictEqual(refused?.message, "Line 1 (Laptop): ordered 10, already received 2, 3 in transit on other shipments, so a shipment can carry at most 5, not 6")
    })

    it("units in transit count what in-transit shipments have left, per order line", () => {
      const s = shipment([{ lineNo: 1, quantity: 4, serialNumbers: [], receivedQuantity: 1 }])
      const delivered = { ...s, id: "sh-2", status: "delivered" as const }
      assert.deepStrictEqual([...Receivability.unitsInTransit([s, delivered])], [["po-1#1", 3]])
    })
  })

  describe("returns", () => {
    it("returns at most what was received less what was returned for credit", () => {
      const l = line({ receivedQuantity: 5, returnedQuantity: 2 })
      assert.strictEqual(Receivability.returnableQuantity(l), 3)
      assert.isUndefined(Receivability.admitReturn(l, 3))
      assert.deepStrictEqual(Receivability.admitReturn(l, 4), {
        _tag: "LineRefusal",
        reason: "ExceedsReceived",
        message: "Line 1 (Laptop) received 5 and returned 2, so at most 3 can be returned, not 4",
        lineNo: 1
      })
    })
  })

  describe("receiving through a shipment", () => {
    it("refuses lines it does not carry and more than it has left", () => {
      const s = shipment([{ lineNo: 1, quantity: 4, serialNumbers: [], receivedQuantity: 1 }])
      assert.isUndefined(Receivability.admitFromShipment(s, 1, 3))
      assert.strictEqual(Receivability.admitFromShipment(s, 2, 1)?.reason, "UnknownLine")
      assert.strictEqual(
        Receivability.admitFromShipment(s, 1, 4)?.message,
        "Shipment sh-1 carries 4 units of line 1, 1 already received, so at most 3 more can be received through it, not 4"
      )
    })

    it("a scan batch has room for what the order and the shipment have left, less units taken earlier", () => {
      const l = line({ quantity: 10, receivedQuantity: 5 })
      const o = order([l])
      assert.strictEqual(Receivability.roomOnLine(o, l, none, undefined, 2), 3)
      const s = shipment([{ lineNo: 1, quantity: 2, serialNumbers: [], receivedQuantity: 0 }])
      assert.strictEqual(Receivability.roomOnLine(o, l, none, s, 1), 1)
      assert.strictEqual(Receivability.roomOnLine(order([l], { status: "received" }), l, none, undefined, 0), 0)
      assert.strictEqual(
        Receivability.lineComplete(o, l, none, s, 2).message,
        "Line 1 (Laptop): ordered 10, already received 5, 2 in this batch; shipment sh-1 carries 2, 0 received through it: nothing more can be received"
      )
    })
  })
})
