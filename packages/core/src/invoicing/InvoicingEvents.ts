/**
 * The events of vendor invoices. Each belongs to the invoice's aggregate (`invoice`) and carries
 * the invoice, its purchase order, vendor, number and status; recording carries the lines.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Events from "../Events.js"
import { Money } from "../Money.js"
import { InvoiceLine, InvoiceStatus, MatchReason, MatchStatus } from "./InvoicingModel.js"

const InvoiceEvent = z.object({
  invoiceId: z.string(),
  purchaseOrderId: z.string(),
  vendorId: z.string(),
  number: z.string().describe("the vendor's invoice number"),
  status: InvoiceStatus.describe("the invoice's status after the change")
})

/**
 * A vendor invoice was recorded against a purchase order (`invoicing.recordInvoice`), open.
 *
 * @since 0.1.0
 * @category events
 */
export const InvoiceRecorded = Events.define("invoice.recorded", {
  description: "A vendor invoice was recorded against a purchase order's lines; it is open.",
  aggregateType: "invoice",
  aggregateId: "invoiceId",
  payload: InvoiceEvent.extend({
    sequence: z.number().int().describe("its place among the order's invoices (1, 2, ...)"),
    invoiceDate: z.string(),
    currency: z.string(),
    total: Money,
    lines: z.array(InvoiceLine)
  })
})

/**
 * An open invoice was cancelled (`invoicing.cancelInvoice`).
 *
 * @since 0.1.0
 * @category events
 */
export const InvoiceCancelled = Events.define("invoice.cancelled", {
  description: "An open invoice was cancelled; its number stays taken, it no longer counts in the order's variance and match.",
  aggregateType: "invoice",
  aggregateId: "invoiceId",
  payload: InvoiceEvent.extend({ reason: z.string().optional() })
})

/**
 * A line's match exceptions were overridden (`invoicing.overrideException`).
 *
 * @since 0.1.0
 * @category events
 */
export const InvoiceExceptionOverridden = Events.define("invoice.exception_overridden", {
  description: "The match exceptions a line of an open invoice has were overridden, with the reason; approval lets them through.",
  aggregateType: "invoice",
  aggregateId: "invoiceId",
  payload: InvoiceEvent.extend({ lineNo: z.number().int(), exceptions: z.array(MatchReason), reason: z.string() })
})

/**
 * An invoice was approved for payment (`invoicing.approveInvoice`).
 *
 * @since 0.1.0
 * @category events
 */
export const InvoiceApproved = Events.define("invoice.approved", {
  description: "An invoice was approved for payment, its three-way match matched, within tolerance, or with every exception overridden.",
  aggregateType: "invoice",
  aggregateId: "invoiceId",
  payload: InvoiceEvent.extend({
    total: Money,
    matchStatus: MatchStatus,
    overriddenLines: z.array(z.number().int()).describe("the lines approved through an override")
  })
})

/**
 * Every event of invoicing.
 *
 * @since 0.1.0
 * @category events
 */
export const events = [InvoiceRecorded, InvoiceCancelled, InvoiceExceptionOverridden, InvoiceApproved] as const
