/**
 * Invoices and the three-way match (seed 002, Procurement levels: "You can associate one or more
 * invoices with a purchase order. This helps you to track the invoices from your vendor and
 * highlights any differences between the total cost from all of the invoices and the expected
 * cost that was recorded on the purchase order").
 *
 * An invoice is the vendor's bill against one submitted purchase order: the vendor's invoice
 * number (unique per vendor), its date, and lines against the order's lines with a quantity and a
 * unit cost in the order's currency. An order may have many invoices; {@link purchaseOrderVariance}
 * compares what they bill with what the order expects.
 *
 * Before an invoice is paid it is matched line by line, three ways: ordered vs received vs
 * invoiced quantity (cumulative over the order's invoices up to this one) and ordered vs invoiced
 * unit price, with the tolerances of `Tolerances.forLine`. Each line is `matched`,
 * `within_tolerance` or an `exception`. The match is computed when asked (receipts change it) and
 * stored on the invoice when it is approved for payment; exceptions block approval until someone
 * allowed to overrides each of them with a reason. docs/invoicing.md tells the whole story.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import { z } from "zod"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Money from "../Money.js"
import * as Operation from "../Operation.js"
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { claimOrder, loadPurchaseOrder } from "../purchasing/internal/orders.js"
import type { PurchaseOrder } from "../purchasing/PurchasingModel.js"
import * as Tolerances from "../purchasing/TolerancesModel.js"
import { liveInvoicesOf, loadInvoice } from "./internal/invoices.js"
import { InvoiceApproved, InvoiceCancelled, InvoiceExceptionOverridden, InvoiceRecorded } from "./InvoicingEvents.js"
import { InvoicingError, type InvoicingErrorReason } from "./InvoicingErrors.js"
import { ExceptionOverride, Invoice, InvoiceLine, InvoiceStatus, MatchResult, invoices } from "./InvoicingModel.js"
import { exceptionsOf, matchAgainst, plural, uncovered } from "./ThreeWayMatch.js"
import { purchaseOrderVariance } from "./Variance.js"

export { LineVariance, PurchaseOrderVariance, purchaseOrderVariance } from "./Variance.js"
// ----- model: in InvoicingModel.ts, re-exported ----------------------------------------

export * from "./InvoicingModel.js"

export * from "./InvoicingErrors.js"

// ----- module API ------------------------------------------------------------------------------

/**
 * The three-way match of an invoice now: against its order as it stands (received, returned,
 * cancelled), the order's other non-cancelled invoices recorded before it, and the tolerance
 * policy in context.
 */
const computeMatch = Effect.fn("Invoicing.computeMatch")(function*(invoice: Invoice) {
  const order = yield* loadPurchaseOrder(invoice.purchaseOrderId)
  const policy = yield* Tolerances.Tolerances
  const earlier = yield* liveInvoicesOf(invoice.purchaseOrderId, invoice.sequence)
  return matchAgainst(invoice, order, earlier, policy, yield* Events.now)
})

const refuseUnlessOpen = (invoice: Invoice, action: string) =>
  invoice.status === "open"
    ? Effect.void
    : Effect.fail(
      new InvoicingError({
        reason: "InvalidState",
        purchaseOrderId: invoice.purchaseOrderId,
        invoiceId: invoice.id,
        message: `Invoice ${invoice.number} (${invoice.id}) is ${invoice.status}; only an open invoice can be ${action}`
      })
    )

/** What every event of an invoice carries. */
const invoiceEvent = (invoice: Invoice) => ({
  invoiceId: invoice.id,
  purchaseOrderId: invoice.purchaseOrderId,
  vendorId: invoice.vendorId,
  number: invoice.number,
  status: invoice.status
})

// ----- operations ------------------------------------------------------------------------------

/** Purchase order states an invoice can be recorded against. */
const invoiceable: ReadonlySet<PurchaseOrder["status"]> = new Set(["submitted", "partially_received", "received"])

/**
 * Input of {@link recordInvoice}.
 *
 * @since 0.1.0
 * @category inputs
 */
export const RecordInvoiceInput = z.object({
  purchaseOrderId: Text.id,
  number: Text.bounded(Text.limits.reference, "an invoice needs the vendor's invoice number"),
  invoiceDate: z.iso.date("the invoice date is a date such as 2026-11-30"),
  lines: z.array(InvoiceLine).min(1, "an invoice needs at least one line").max(1000, "an invoice has at most 1,000 lines")
})

/**
 * What callers pass to {@link recordInvoice}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type RecordInvoiceInput = z.input<typeof RecordInvoiceInput>

const duplicateNumber = (purchaseOrderId: string, number: string, existing?: Invoice) =>
  new InvoicingError({
    reason: "DuplicateInvoiceNumber",
    purchaseOrderId,
    ...(existing !== undefined ? { invoiceId: existing.id } : {}),
    message: existing !== undefined
      ? `Vendor ${existing.vendorId} already has an invoice numbered ${number} (${existing.id}, ${existing.status}, on purchase order ${existing.purchaseOrderId})`
      : `The vendor of purchase order ${purchaseOrderId} already has an invoice numbered ${number} (recorded at the same time)`
  })

/**
 * Records a vendor invoice against a submitted purchase order, status `open`, the order's next
 * `sequence`. Refuses a draft or cancelled order, line numbers not on the order or repeated, unit
 * costs in another currency than the order's, and a number the vendor already used.
 *
 * @since 0.1.0
 * @category operations
 */
export const recordInvoice = Operation.make({
  id: "invoicing.recordInvoice",
  summary: "Record a vendor invoice against a submitted purchase order's lines.",
  kind: "command",
  permission: "invoice.manage",
  input: RecordInvoiceInput,
  output: Invoice,
  events: [InvoiceRecorded],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const order = yield* loadPurchaseOrder(input.purchaseOrderId)
    const refuse = (reason: InvoicingErrorReason, message: string, lineNo?: number) =>
      new InvoicingError({ reason, message, purchaseOrderId: order.id, ...(lineNo !== undefined ? { lineNo } : {}) })
    if (!invoiceable.has(order.status)) {
      return yield* refuse("InvalidState", `Purchase order ${order.id} is ${order.status}; invoices are recorded against submitted orders only`)
    }
    const currency = order.total.currency
    const seen = new Set<number>()
    for (const line of input.lines) {
      if (seen.has(line.lineNo)) return yield* refuse("DuplicateLine", `Line ${line.lineNo} appears more than once on the invoice`, line.lineNo)
      seen.add(line.lineNo)
      if (!order.lines.some((l) => l.lineNo === line.lineNo)) {
        return yield* refuse("UnknownLine", `Purchase order ${order.id} has no line ${line.lineNo}`, line.lineNo)
      }
      if (line.unitCost.currency !== currency) {
        return yield* refuse(
          "CurrencyMismatch",
          `Line ${line.lineNo} is invoiced in ${line.unitCost.currency}, but purchase order ${order.id} is in ${currency}`,
          line.lineNo
        )
      }
    }
    const taken = yield* storage.find(invoices, { where: { vendorId: order.vendorId, number: input.number }, limit: 1 })
    if (taken.items.length > 0) return yield* duplicateNumber(order.id, input.number, taken.items[0])
    // Concurrent recordings against one order take turns, so each gets the next sequence.
    yield* claimOrder(order)
    const last = yield* storage.find(invoices, { where: { purchaseOrderId: order.id }, orderBy: [{ field: "sequence", direction: "desc" }], limit: 1 })
    const now = yield* Events.now
    const invoice = yield* storage.insertOne(invoices, {
      id: yield* Ids.next,
      purchaseOrderId: order.id,
      sequence: (last.items[0]?.sequence ?? 0) + 1,
      vendorId: order.vendorId,
      number: input.number,
      invoiceDate: input.invoiceDate,
      currency,
      lines: input.lines,
      total: Money.sum(input.lines.map((l) => Money.times(l.unitCost, l.quantity)), currency)!,
      status: "open",
      recordedBy: principal.userId,
      recordedAt: now,
      overrides: [],
      updatedAt: now
    })
    yield* Events.append(InvoiceRecorded.make({
      ...invoiceEvent(invoice),
      sequence: invoice.sequence,
      invoiceDate: invoice.invoiceDate,
      currency: invoice.currency,
      total: invoice.total,
      lines: invoice.lines
    }))
    return invoice
  }, (effect, input) =>
    // A concurrent recording of the same number loses on the unique key (nothing more can be read:
    // the transaction has failed).
    Effect.mapError(effect, (error) =>
      Storage.isUniqueViolation(error, ["vendorId", "number"])
        ? duplicateNumber(input.purchaseOrderId, input.number)
        : error))
})

/**
 * Cancels an open invoice, with an optional reason. Its number stays taken; it no longer counts
 * in the variance or in the match of the order's other invoices.
 *
 * @since 0.1.0
 * @category operations
 */
export const cancelInvoice = Operation.make({
  id: "invoicing.cancelInvoice",
  summary: "Cancel an open invoice; it stops counting in the order's variance and match.",
  kind: "command",
  permission: "invoice.manage",
  input: z.object({ invoiceId: Text.id, reason: Text.comment.optional() }),
  output: Invoice,
  events: [InvoiceCancelled],
  handler: Effect.fn(function*({ invoiceId, reason }) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const invoice = yield* loadInvoice(invoiceId)
    yield* refuseUnlessOpen(invoice, "cancelled")
    const now = yield* Events.now
    const cancelled = yield* storage.updateOne(invoices, {
      ...invoice,
      status: "cancelled",
      cancelledBy: principal.userId,
      cancelledAt: now,
      ...(reason !== undefined ? { cancellationReason: reason } : {}),
      updatedAt: now
    })
    yield* Events.append(InvoiceCancelled.make({ ...invoiceEvent(cancelled), ...(reason !== undefined ? { reason } : {}) }))
    return cancelled
  })
})

/**
 * Overrides the exceptions a line of an open invoice has now, recording who, when and why (the
 * reason is required). Approval then lets those exceptions through; an exception the override did
 * not cover (one that appeared later) still blocks.
 *
 * @since 0.1.0
 * @category operations
 */
export const overrideException = Operation.make({
  id: "invoicing.overrideException",
  summary: "Override a line's match exceptions on an open invoice, with a reason.",
  kind: "command",
  permission: "invoice.override",
  input: z.object({
    invoiceId: Text.id,
    lineNo: z.number().int().positive(),
    reason: Text.bounded(Text.limits.comment, "an override needs a reason")
  }),
  output: Invoice,
  events: [InvoiceExceptionOverridden],
  handler: Effect.fn(function*({ invoiceId, lineNo, reason }) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const invoice = yield* loadInvoice(invoiceId)
    yield* refuseUnlessOpen(invoice, "overridden")
    const refuse = (why: InvoicingErrorReason, message: string) =>
      new InvoicingError({ reason: why, message, purchaseOrderId: invoice.purchaseOrderId, invoiceId, lineNo })
    const match = yield* computeMatch(invoice)
    const line = match.lines.find((l) => l.lineNo === lineNo)
    if (line === undefined) return yield* refuse("UnknownLine", `Invoice ${invoice.number} (${invoiceId}) has no line ${lineNo}`)
    const exceptions = exceptionsOf(line)
    if (exceptions.length === 0) {
      return yield* refuse("NoException", `Line ${lineNo} of invoice ${invoice.number} is ${line.status}; it has no exception to override`)
    }
    const now = yield* Events.now
    const override: ExceptionOverride = { lineNo, exceptions: [...exceptions], reason, by: principal.userId, at: now }
    const updated = yield* storage.updateOne(invoices, { ...invoice, overrides: [...invoice.overrides, override], updatedAt: now })
    yield* Events.append(InvoiceExceptionOverridden.make({ ...invoiceEvent(updated), lineNo, exceptions: [...exceptions], reason }))
    return updated
  })
})

/**
 * Approves an open invoice for payment: computes the three-way match and, when every exception is
 * overridden (or there is none), stores it with the approver and time. Otherwise fails with
 * `MatchExceptions`, listing each blocking line with its reasons.
 *
 * @since 0.1.0
 * @category operations
 */
export const approveInvoice = Operation.make({
  id: "invoicing.approveInvoice",
  summary: "Approve an invoice for payment; match exceptions block it unless overridden.",
  kind: "command",
  permission: "invoice.approve",
  input: z.object({ invoiceId: Text.id }),
  output: Invoice,
  events: [InvoiceApproved],
  handler: Effect.fn(function*({ invoiceId }) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const invoice = yield* loadInvoice(invoiceId)
    yield* refuseUnlessOpen(invoice, "approved")
    const match = yield* computeMatch(invoice)
    const blocking = match.lines
      .map((l) => ({ lineNo: l.lineNo, open: uncovered(invoice, l) }))
      .filter((l) => l.open.length > 0)
      .map((l) => ({ lineNo: l.lineNo, reasons: l.open.map((d) => d.reason), messages: l.open.map((d) => d.message) }))
    if (blocking.length > 0) {
      return yield* new InvoicingError({
        reason: "MatchExceptions",
        purchaseOrderId: invoice.purchaseOrderId,
        invoiceId,
        exceptions: blocking,
        message: `Invoice ${invoice.number} (${invoiceId}) cannot be approved: ` +
          `${plural(blocking.length, "line")} ${blocking.length === 1 ? "has" : "have"} exceptions no override covers: ` +
          blocking.flatMap((b) => b.messages).join("; ")
      })
    }
    const approved = yield* storage.updateOne(invoices, {
      ...invoice,
      status: "approved",
      approvedBy: principal.userId,
      approvedAt: match.computedAt,
      match,
      updatedAt: match.computedAt
    })
    yield* Events.append(InvoiceApproved.make({
      ...invoiceEvent(approved),
      total: approved.total,
      matchStatus: match.status,
      overriddenLines: match.lines.filter((l) => l.overridden).map((l) => l.lineNo)
    }))
    return approved
  })
})

/**
 * Reads one invoice.
 *
 * @since 0.1.0
 * @category operations
 */
export const getInvoice = Operation.make({
  id: "invoicing.getInvoice",
  summary: "Read one invoice by id.",
  kind: "query",
  permission: "invoice.read",
  input: z.object({ id: Text.id }),
  output: Invoice,
  events: [],
  handler: ({ id }) => loadInvoice(id)
})

/**
 * Lists invoices, oldest first, by purchase order, vendor or status (or all of them).
 *
 * @since 0.1.0
 * @category operations
 */
export const listInvoices = Operation.make({
  id: "invoicing.listInvoices",
  summary: "List invoices, oldest first, optionally by purchase order, vendor or status.",
  kind: "query",
  permission: "invoice.read",
  input: z.object({
    purchaseOrderId: Text.id.optional(),
    vendorId: Text.id.optional(),
    status: InvoiceStatus.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: Text.cursor.optional()
  }),
  output: z.object({ items: z.array(Invoice), cursor: z.string().optional() }),
  events: [],
  handler: Effect.fn(function*({ limit, cursor, ...where }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(invoices, {
      where: Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined)),
      orderBy: [{ field: where.purchaseOrderId !== undefined ? "sequence" : "recordedAt" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * Computes an invoice's three-way match now, changing nothing.
 *
 * @since 0.1.0
 * @category operations
 */
export const matchInvoice = Operation.make({
  id: "invoicing.matchInvoice",
  summary: "Compute an invoice's line-level three-way match (ordered, received, invoiced, price) now.",
  kind: "query",
  permission: "invoice.read",
  input: z.object({ invoiceId: Text.id }),
  output: MatchResult,
  events: [],
  handler: Effect.fn(function*({ invoiceId }) {
    return yield* computeMatch(yield* loadInvoice(invoiceId))
  })
})

/**
 * The invoicing module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = {
  recordInvoice,
  cancelInvoice,
  overrideException,
  approveInvoice,
  getInvoice,
  listInvoices,
  matchInvoice,
  purchaseOrderVariance
}

/**
 * The methods of the invoicing service: one per operation of {@link operations}, taking its input
 * and giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface InvoicingService extends Operation.Methods<typeof operations> {}

/**
 * The invoicing service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Invoicing extends Context.Service<Invoicing, InvoicingService>()("@procura/core/Invoicing") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Invoicing, operations)
}

/**
 * The collections the invoicing module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [invoices] as const
