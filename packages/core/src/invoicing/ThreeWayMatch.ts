/**
 * The three-way match: an invoice's lines against the order (ordered less cancelled), what was
 * received (less returned) and the unit price, with the tolerances of `Tolerances.forLine`.
 * Pure functions; `Invoicing` loads what they need.
 *
 * @since 0.1.0
 */
import * as Money from "../Money.js"
import { openQuantity } from "../purchasing/internal/quantities.js"
import type { PurchaseOrder, PurchaseOrderLine } from "../purchasing/PurchasingModel.js"
import * as Tolerances from "../purchasing/TolerancesModel.js"
import type { Deviation, Invoice, InvoiceLine, LineMatch, MatchReason, MatchResult, MatchStatus } from "./InvoicingModel.js"

export const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? "" : "s"}`

export const signed = (amount: number, currency: string) =>
  `${amount < 0 ? "-" : "+"}${Money.format({ amount: Math.abs(amount), currency })}`

/** Matches one invoice line against its order line. */
export const matchLine = (
  line: InvoiceLine,
  orderLine: PurchaseOrderLine,
  invoicedBefore: number,
  tolerance: Tolerances.Tolerance
): Omit<LineMatch, "overridden"> => {
  const ordered = openQuantity(orderLine)
  const received = orderLine.receivedQuantity - orderLine.returnedQuantity
  const receiptRequired = orderLine.kind !== "software"
  const invoiced = invoicedBefore + line.quantity
  const label = `Line ${line.lineNo} (${orderLine.description})`
  const soFar = invoicedBefore > 0 ? ` (${invoicedBefore} on earlier invoices, ${line.quantity} on this one)` : ""
  const verdict = (within: boolean, allowance: string) => `${within ? "within" : "beyond"} the tolerance of ${allowance}`
  const deviations: Array<Deviation> = []
  if (invoiced > ordered) {
    const withinTolerance = Tolerances.quantityWithin(tolerance, ordered, invoiced)
    deviations.push({
      reason: "QuantityInvoicedExceedsOrdered",
      withinTolerance,
      message: `${label}: ${plural(invoiced, "unit")} invoiced${soFar}, ${ordered} ordered; ` +
        verdict(withinTolerance, plural(Tolerances.quantityAllowance(tolerance, ordered), "unit"))
    })
  }
  if (receiptRequired && invoiced > received) {
    const withinTolerance = Tolerances.quantityWithin(tolerance, received, invoiced)
    const returned = orderLine.returnedQuantity > 0 ? ` (${orderLine.receivedQuantity} received, ${orderLine.returnedQuantity} returned)` : ""
    deviations.push({
      reason: "QuantityInvoicedExceedsReceived",
      withinTolerance,
      message: `${label}: ${plural(invoiced, "unit")} invoiced${soFar}, ${received} received${returned}; ` +
        verdict(withinTolerance, plural(Tolerances.quantityAllowance(tolerance, received), "unit"))
    })
  }
  const orderedCost = orderLine.unitCost.amount
  const difference = line.unitCost.amount - orderedCost
  if (difference !== 0) {
    const withinTolerance = Tolerances.priceWithin(tolerance, orderedCost, line.unitCost.amount)
    const percent = orderedCost === 0 ? "" : `, ${difference < 0 ? "-" : "+"}${(Math.abs(difference) * 100 / orderedCost).toFixed(2)} %`
    const allowance = Math.floor(Math.max((orderedCost * tolerance.pricePercent) / 100, tolerance.priceAbsolute))
    deviations.push({
      reason: "PriceVariance",
      withinTolerance,
      message: `${label}: invoiced at ${Money.format(line.unitCost)} a unit, ordered at ${Money.format(orderLine.unitCost)} ` +
        `(${signed(difference, line.unitCost.currency)}${percent}); ` +
        verdict(withinTolerance, `${Money.format({ amount: allowance, currency: line.unitCost.currency })} a unit`)
    })
  }
  return {
    lineNo: line.lineNo,
    description: orderLine.description,
    kind: orderLine.kind,
    ordered,
    received,
    receiptRequired,
    invoicedBefore,
    quantity: line.quantity,
    invoiced,
    orderedUnitCost: orderLine.unitCost,
    invoicedUnitCost: line.unitCost,
    tolerance: {
      quantityPercent: tolerance.quantityPercent,
      quantityAbsolute: tolerance.quantityAbsolute,
      pricePercent: tolerance.pricePercent,
      priceAbsolute: tolerance.priceAbsolute
    },
    status: deviations.length === 0 ? "matched" : deviations.every((d) => d.withinTolerance) ? "within_tolerance" : "exception",
    deviations
  }
}

/** The match of a line a revision removed from the order: an exception, whatever the tolerances. */
export const removedLine = (line: InvoiceLine, purchaseOrderId: string, invoicedBefore: number): Omit<LineMatch, "overridden"> => ({
  lineNo: line.lineNo,
  description: "not on the order",
  ordered: 0,
  received: 0,
  receiptRequired: false,
  invoicedBefore,
  quantity: line.quantity,
  invoiced: invoicedBefore + line.quantity,
  invoicedUnitCost: line.unitCost,
  tolerance: { ...Tolerances.zero },
  status: "exception",
  deviations: [{
    reason: "LineNotOnOrder",
    withinTolerance: false,
    message: `Line ${line.lineNo}: ${plural(line.quantity, "unit")} invoiced at ${Money.format(line.unitCost)} a unit, ` +
      `but purchase order ${purchaseOrderId} no longer has this line (a revision removed it)`
  }]
})

export const exceptionsOf = (line: Pick<LineMatch, "deviations">): ReadonlyArray<MatchReason> =>
  line.deviations.filter((d) => !d.withinTolerance).map((d) => d.reason)

/** The exceptions of a line that none of the invoice's overrides of that line covered. */
export const uncovered = (invoice: Invoice, line: Pick<LineMatch, "lineNo" | "deviations">): ReadonlyArray<Deviation> => {
  const covered = new Set(invoice.overrides.filter((o) => o.lineNo === line.lineNo).flatMap((o) => o.exceptions))
  return line.deviations.filter((d) => !d.withinTolerance && !covered.has(d.reason))
}

export const worst = (statuses: ReadonlyArray<MatchStatus>): MatchStatus =>
  statuses.includes("exception") ? "exception" : statuses.includes("within_tolerance") ? "within_tolerance" : "matched"

/**
 * The three-way match of an invoice against its order as it stands (received, returned,
 * cancelled), the order's other non-cancelled invoices recorded before it (`earlier`), and a
 * tolerance policy: each line `matched`, `within_tolerance` or an `exception` (overridden when
 * the invoice's overrides cover every exception of the line).
 *
 * @since 0.1.0
 * @category functions
 */
export const matchAgainst = (
  invoice: Invoice,
  order: PurchaseOrder,
  earlier: ReadonlyArray<Invoice>,
  policy: Tolerances.TolerancePolicy,
  computedAt: string
): MatchResult => {
  const lines = invoice.lines.map((line): LineMatch => {
    const orderLine = order.lines.find((l) => l.lineNo === line.lineNo)
    const invoicedBefore = earlier.reduce((n, other) => n + (other.lines.find((l) => l.lineNo === line.lineNo)?.quantity ?? 0), 0)
    const matched = orderLine === undefined
      ? removedLine(line, order.id, invoicedBefore)
      : matchLine(line, orderLine, invoicedBefore, Tolerances.forLine(policy, { kind: orderLine.kind, vendorId: order.vendorId }))
    return { ...matched, overridden: matched.status === "exception" && uncovered(invoice, matched).length === 0 }
  })
  return {
    invoiceId: invoice.id,
    purchaseOrderId: invoice.purchaseOrderId,
    status: worst(lines.map((l) => l.status)),
    approvable: lines.every((l) => l.status !== "exception" || l.overridden),
    lines,
    computedAt
  }
}
