// The three-way match without storage: an invoice's lines against the order, what was received
// and the unit price, with the tolerance policy; earlier invoices count; overrides cover exceptions.
import { assert, describe, it } from "@effect/vitest"
import type { Invoice } from "../src/invoicing/InvoicingModel.js"
import { matchAgainst } from "../src/invoicing/ThreeWayMatch.js"
import type { PurchaseOrder, PurchaseOrderLine } from "../src/purchasing/PurchasingModel.js"
import * as Tolerances from "../src/purchasing/TolerancesModel.js"

const eur = (amount: number) => ({ amount, currency: "EUR" })
const at = "2026-01-01T00:00:00.000Z"

const orderLine = (overrides: Partial<PurchaseOrderLine> = {}): PurchaseOrderLine => ({
  lineNo: 1,
  catalogItemId: "item-1",
  description: "Laptop",
  kind: "hardware",
  quantity: 10,
  unitCost: eur(1000_00),
  createAsset: true,
  capitalisable: false,
  receivedQuantity: 10,
  cancelledQuantity: 0,
  returnedQuantity: 0,
  ...overrides
})

const order = (lines: ReadonlyArray<PurchaseOrderLine>): PurchaseOrder => ({
  id: "po-1",
  version: 1,
  vendorId: "v-1",
  status: "received",
  lines: [...lines],
  total: eur(0),
  createdAt: at,
  updatedAt: at
})

const invoice = (lines: Invoice["lines"], overrides: Partial<Invoice> = {}): Invoice => ({
  id: "inv-1",
  version: 1,
  purchaseOrderId: "po-1",
  sequence: 1,
  vendorId: "v-1",
  number: "A-1",
  invoiceDate: "2026-01-02",
  currency: "EUR",
  lines: [...lines],
  total: eur(0),
  status: "open",
  recordedBy: "u-1",
  recordedAt: at,
  overrides: [],
  updatedAt: at,
  ...overrides
})

const none = Tolerances.policy({ rules: [] })

describe("three-way match", () => {
  it("matches a line invoiced as ordered and received", () => {
    const result = matchAgainst(invoice([{ lineNo: 1, quantity: 10, unitCost: eur(1000_00) }]), order([orderLine()]), [], none, at)
    assert.strictEqual(result.status, "matched")
    assert.isTrue(result.approvable)
    assert.deepStrictEqual(result.lines[0]!.deviations, [])
  })

  it("flags invoicing beyond what was received, within or beyond the tolerance", () => {
    const partly = order([orderLine({ receivedQuantity: 9 })])
    const beyond = matchAgainst(invoice([{ lineNo: 1, quantity: 10, unitCost: eur(1000_00) }]), partly, [], none, at)
    assert.strictEqual(beyond.status, "exception")
    assert.isFalse(beyond.approvable)
    assert.deepStrictEqual(beyond.lines[0]!.deviations.map((d) => d.reason), ["QuantityInvoicedExceedsReceived"])
    const lenient = Tolerances.policy({ rules: [{ quantityAbsolute: 1 }] })
    const within = matchAgainst(invoice([{ lineNo: 1, quantity: 10, unitCost: eur(1000_00) }]), partly, [], lenient, at)
    assert.strictEqual(within.status, "within_tolerance")
  })

  it("counts earlier invoices of the order towards what is invoiced", () => {
    const earlier = invoice([{ lineNo: 1, quantity: 6, unitCost: eur(1000_00) }], { id: "inv-0" })
    const result = matchAgainst(invoice([{ lineNo: 1, quantity: 6, unitCost: eur(1000_00) }], { sequence: 2 }), order([orderLine()]), [earlier], none, at)
    assert.strictEqual(result.lines[0]!.invoiced, 12)
    assert.deepStrictEqual(result.lines[0]!.deviations.map((d) => d.reason), ["QuantityInvoicedExceedsOrdered", "QuantityInvoicedExceedsReceived"])
  })

  it("flags a price variance and a line a revision removed", () => {
    const result = matchAgainst(
      invoice([{ lineNo: 1, quantity: 10, unitCost: eur(1010_00) }, { lineNo: 7, quantity: 1, unitCost: eur(5_00) }]),
      order([orderLine()]),
      [],
      Tolerances.policy({ rules: [{ pricePercent: 2 }] }),
      at
    )
    assert.strictEqual(result.lines[0]!.status, "within_tolerance")
    assert.deepStrictEqual(result.lines[0]!.deviations.map((d) => d.reason), ["PriceVariance"])
    assert.strictEqual(result.lines[1]!.status, "exception")
    assert.deepStrictEqual(result.lines[1]!.deviations.map((d) => d.reason), ["LineNotOnOrder"])
    assert.strictEqual(result.status, "exception")
  })

  it("an override covering every exception of a line makes the invoice approvable", () => {
    const partly = order([orderLine({ receivedQuantity: 8 })])
    const overrides = [{ lineNo: 1, exceptions: ["QuantityInvoicedExceedsReceived" as const], reason: "agreed", by: "u-2", at }]
    const result = matchAgainst(invoice([{ lineNo: 1, quantity: 10, unitCost: eur(1000_00) }], { overrides }), partly, [], none, at)
    assert.strictEqual(result.status, "exception")
    assert.isTrue(result.lines[0]!.overridden)
    assert.isTrue(result.approvable)
  })
})
