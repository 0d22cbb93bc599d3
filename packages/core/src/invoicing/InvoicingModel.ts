/**
 * The invoicing module's model: invoices, their lines, three-way match results and overrides, with
 * the collection. The module's operations (Invoicing.ts) and events (InvoicingEvents.ts) share it;
 * `Invoicing` re-exports it.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Money from "../Money.js"
import * as Storage from "../Storage.js"
import { ItemKind } from "../catalog/CatalogModel.js"

/**
 * The states of an invoice: `open` (recorded, awaiting approval), `approved` (for payment) or
 * `cancelled`. Approved and cancelled invoices do not change any more.
 *
 * @since 0.1.0
 * @category models
 */
export const InvoiceStatus = z.enum(["open", "approved", "cancelled"])

/**
 * An invoice status.
 *
 * @since 0.1.0
 * @category models
 */
export type InvoiceStatus = z.infer<typeof InvoiceStatus>

/**
 * A line of an invoice: units of a purchase order line billed at a unit cost.
 *
 * @since 0.1.0
 * @category models
 */
export const InvoiceLine = z.object({
  lineNo: z.number().int().positive(),
  quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1"),
  unitCost: Money.Money
})

/**
 * An invoice line.
 *
 * @since 0.1.0
 * @category models
 */
export type InvoiceLine = z.infer<typeof InvoiceLine>

/**
 * Why a line strays from the order:
 * - `QuantityInvoicedExceedsOrdered`: more units invoiced (over the order's invoices so far) than ordered.
 * - `QuantityInvoicedExceedsReceived`: more units invoiced than received (net of returns).
 * - `PriceVariance`: the invoiced unit cost differs from the ordered one.
 * - `LineNotOnOrder`: a revision removed the line from the order after it was invoiced.
 *
 * @since 0.1.0
 * @category models
 */
export const MatchReason = z.enum(["QuantityInvoicedExceedsOrdered", "QuantityInvoicedExceedsReceived", "PriceVariance", "LineNotOnOrder"])

/**
 * A match reason.
 *
 * @since 0.1.0
 * @category models
 */
export type MatchReason = z.infer<typeof MatchReason>

/**
 * The outcome of matching a line (or, for a whole invoice, its worst line): no deviation at all,
 * deviations all within tolerance, or at least one beyond it.
 *
 * @since 0.1.0
 * @category models
 */
export const MatchStatus = z.enum(["matched", "within_tolerance", "exception"])

/**
 * A match status.
 *
 * @since 0.1.0
 * @category models
 */
export type MatchStatus = z.infer<typeof MatchStatus>

/**
 * One way a line strays from the order, whether the tolerance covers it, and a message with the
 * numbers.
 *
 * @since 0.1.0
 * @category models
 */
export const Deviation = z.object({ reason: MatchReason, withinTolerance: z.boolean(), message: z.string() })

/**
 * A deviation.
 *
 * @since 0.1.0
 * @category models
 */
export type Deviation = z.infer<typeof Deviation>

/**
 * The tolerance limits a line was matched with (see `Tolerances.Tolerance`).
 *
 * @since 0.1.0
 * @category models
 */
export const ToleranceLimits = z.object({
  quantityPercent: z.number(),
  quantityAbsolute: z.number(),
  pricePercent: z.number(),
  priceAbsolute: z.number()
})

/**
 * The three-way match of one invoice line. Quantities: `ordered` is ordered minus cancelled;
 * `received` is received minus returned; `invoiced` is cumulative over the order's non-cancelled
 * invoices up to and including this one (`invoicedBefore` of them earlier, `quantity` on this
 * one). Software is never received (seed 002), so its lines are matched two ways
 * (`receiptRequired: false`). `overridden` is true when the line has exceptions and overrides
 * cover every one of them. A line a revision removed from the order has no `kind` nor
 * `orderedUnitCost`, and is an exception (`LineNotOnOrder`).
 *
 * @since 0.1.0
 * @category models
 */
export const LineMatch = z.object({
  lineNo: z.number().int().positive(),
  description: z.string(),
  kind: ItemKind.optional(),
  ordered: z.number().int(),
  received: z.number().int(),
  receiptRequired: z.boolean(),
  invoicedBefore: z.number().int().nonnegative(),
  quantity: z.number().int().positive(),
  invoiced: z.number().int().nonnegative(),
  orderedUnitCost: Money.Money.optional(),
  invoicedUnitCost: Money.Money,
  tolerance: ToleranceLimits,
  status: MatchStatus,
  deviations: z.array(Deviation),
  overridden: z.boolean()
})

/**
 * The match of one invoice line.
 *
 * @since 0.1.0
 * @category models
 */
export type LineMatch = z.infer<typeof LineMatch>

/**
 * The three-way match of an invoice: its worst line status, whether it can be approved (every
 * exception is overridden), the lines, and when it was computed.
 *
 * @since 0.1.0
 * @category models
 */
export const MatchResult = z.object({
  invoiceId: z.string(),
  purchaseOrderId: z.string(),
  status: MatchStatus,
  approvable: z.boolean(),
  lines: z.array(LineMatch),
  computedAt: z.string()
})

/**
 * The match of an invoice.
 *
 * @since 0.1.0
 * @category models
 */
export type MatchResult = z.infer<typeof MatchResult>

/**
 * An override of a line's exceptions: which exceptions it covered, why, who and when.
 *
 * @since 0.1.0
 * @category models
 */
export const ExceptionOverride = z.object({
  lineNo: z.number().int().positive(),
  exceptions: z.array(MatchReason),
  reason: z.string(),
  by: z.string(),
  at: z.string()
})

/**
 * An exception override.
 *
 * @since 0.1.0
 * @category models
 */
export type ExceptionOverride = z.infer<typeof ExceptionOverride>

/**
 * A vendor invoice against a purchase order, the `sequence`-th recorded for it. `number` is the
 * vendor's, unique per vendor (a
 * cancelled invoice keeps its number, so the same bill is never entered twice); `invoiceDate` is
 * the date on the bill (`YYYY-MM-DD`); `total` is the sum of its lines. Approval stores who
 * approved, when, and the match it was approved on.
 *
 * @since 0.1.0
 * @category models
 */
export const Invoice = z.object({
  id: z.string(),
  version: z.number().int(),
  purchaseOrderId: z.string(),
  /** The invoice's place among its order's invoices (1, 2, ...): the order of the cumulative match. */
  sequence: z.number().int().positive(),
  vendorId: z.string(),
  number: z.string(),
  invoiceDate: z.string(),
  currency: z.string(),
  lines: z.array(InvoiceLine),
  total: Money.Money,
  status: InvoiceStatus,
  recordedBy: z.string(),
  recordedAt: z.string(),
  overrides: z.array(ExceptionOverride),
  approvedBy: z.string().optional(),
  approvedAt: z.string().optional(),
  match: MatchResult.optional(),
  cancelledBy: z.string().optional(),
  cancelledAt: z.string().optional(),
  cancellationReason: z.string().optional(),
  updatedAt: z.string()
})

/**
 * An invoice.
 *
 * @since 0.1.0
 * @category models
 */
export type Invoice = z.infer<typeof Invoice>

/**
 * Where invoices are stored: one vendor invoice number per vendor.
 *
 * @since 0.1.0
 * @category collections
 */
export const invoices = Storage.collection({
  name: "invoices",
  schema: Invoice,
  fields: {
    purchaseOrderId: "string",
    sequence: "integer",
    vendorId: "string",
    number: "string",
    status: "string",
    recordedAt: "timestamp"
  },
  indexes: [["status", "recordedAt"]],
  unique: [["purchaseOrderId", "sequence"], ["vendorId", "number"]]
})
