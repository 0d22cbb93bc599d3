/**
 * Why an invoicing operation was refused.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { MatchReason } from "./InvoicingModel.js"

/**
 * Why an invoicing operation was refused.
 *
 * - `InvalidState`: the order is not submitted (a draft or cancelled), or the invoice is no longer open.
 * - `UnknownLine` / `DuplicateLine`: a line number is not on the order (or invoice), or repeats.
 * - `CurrencyMismatch`: a unit cost is not in the order's currency.
 * - `DuplicateInvoiceNumber`: the vendor already has an invoice with this number.
 * - `MatchExceptions`: the invoice has exceptions no override covers (see `exceptions`).
 * - `NoException`: an override was asked for a line without exceptions.
 *
 * @since 0.1.0
 * @category models
 */
export type InvoicingErrorReason =
  | "InvalidState"
  | "UnknownLine"
  | "DuplicateLine"
  | "CurrencyMismatch"
  | "DuplicateInvoiceNumber"
  | "MatchExceptions"
  | "NoException"

/**
 * An invoicing operation was refused; nothing was written. For `MatchExceptions`, `exceptions`
 * lists each blocking line with the exceptions no override covers and their messages.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvoicingError extends Data.TaggedError("InvoicingError")<{
  readonly reason: InvoicingErrorReason
  readonly message: string
  readonly purchaseOrderId: string
  readonly invoiceId?: string
  readonly lineNo?: number
  readonly exceptions?: ReadonlyArray<{ readonly lineNo: number; readonly reasons: ReadonlyArray<MatchReason>; readonly messages: ReadonlyArray<string> }>
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}
