/**
 * Purchase order variance: the expected cost of an order against what its non-cancelled invoices
 * bill, in all and per line.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { z } from "zod"
import * as Money from "../Money.js"
import * as Operation from "../Operation.js"
import * as Text from "../Text.js"
import { loadPurchaseOrder } from "../purchasing/internal/orders.js"
import { openQuantity } from "../purchasing/internal/quantities.js"
import { liveInvoicesOf } from "./internal/invoices.js"

/**
 * A line's expected cost, what the order's invoices bill for it, and the difference
 * (`invoiced - expected`, minor units: positive when billed above the expected cost). A line a
 * revision removed after it was invoiced expects nothing.
 *
 * @since 0.1.0
 * @category models
 */
export const LineVariance = z.object({
  lineNo: z.number().int().positive(),
  description: z.string(),
  expectedQuantity: z.number().int(),
  expected: Money.Money,
  invoicedQuantity: z.number().int().nonnegative(),
  invoiced: Money.Money,
  difference: z.number().int()
})

/**
 * A purchase order's expected cost (ordered minus cancelled units at the ordered unit cost), the
 * total of its non-cancelled invoices, and the difference (`invoiced - expected`, signed minor
 * units in `currency`), per line too.
 *
 * @since 0.1.0
 * @category models
 */
export const PurchaseOrderVariance = z.object({
  purchaseOrderId: z.string(),
  vendorId: z.string(),
  currency: z.string(),
  expected: Money.Money,
  invoiced: Money.Money,
  difference: z.number().int(),
  invoiceIds: z.array(z.string()),
  lines: z.array(LineVariance)
})

/**
 * A purchase order variance.
 *
 * @since 0.1.0
 * @category models
 */
export type PurchaseOrderVariance = z.infer<typeof PurchaseOrderVariance>

/**
 * Compares a purchase order's expected cost with what its non-cancelled invoices bill, in all and
 * per line.
 *
 * @since 0.1.0
 * @category operations
 */
export const purchaseOrderVariance = Operation.make({
  id: "invoicing.purchaseOrderVariance",
  summary: "Show a purchase order's expected cost, the total of its invoices and the difference, per line too.",
  kind: "query",
  permission: "invoice.read",
  input: z.object({ purchaseOrderId: Text.id }),
  output: PurchaseOrderVariance,
  events: [],
  handler: Effect.fn(function*({ purchaseOrderId }) {
    const order = yield* loadPurchaseOrder(purchaseOrderId)
    const live = yield* liveInvoicesOf(purchaseOrderId)
    const currency = order.total.currency
    // The order's lines, then any invoiced line a revision removed from the order (expecting nothing).
    const removed = [...new Set(live.flatMap((invoice) => invoice.lines.map((l) => l.lineNo)))]
      .filter((lineNo) => !order.lines.some((l) => l.lineNo === lineNo))
      .toSorted((a, b) => a - b)
    const lineNos = [...order.lines.map((l) => l.lineNo), ...removed]
    const lines = lineNos.map((lineNo) => {
      const orderLine = order.lines.find((l) => l.lineNo === lineNo)
      const billed = live.flatMap((invoice) => invoice.lines.filter((l) => l.lineNo === lineNo))
      const expectedQuantity = orderLine === undefined ? 0 : openQuantity(orderLine)
      const expected = orderLine === undefined ? 0 : orderLine.unitCost.amount * expectedQuantity
      const invoiced = billed.reduce((total, l) => total + l.unitCost.amount * l.quantity, 0)
      return {
        lineNo,
        description: orderLine?.description ?? "not on the order",
        expectedQuantity,
        expected: { amount: expected, currency },
        invoicedQuantity: billed.reduce((n, l) => n + l.quantity, 0),
        invoiced: { amount: invoiced, currency },
        difference: invoiced - expected
      }
    })
    const expected = lines.reduce((total, l) => total + l.expected.amount, 0)
    const invoiced = lines.reduce((total, l) => total + l.invoiced.amount, 0)
    return {
      purchaseOrderId,
      vendorId: order.vendorId,
      currency,
      expected: { amount: expected, currency },
      invoiced: { amount: invoiced, currency },
      difference: invoiced - expected,
      invoiceIds: live.map((invoice) => invoice.id),
      lines
    }
  })
})
