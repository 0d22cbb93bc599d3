/**
 * Why a purchasing operation was refused.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * Why a purchasing operation was refused.
 *
 * - `RequestNotApproved`: only an approved request becomes a purchase order.
 * - `InvalidState`: the order's status does not allow the operation.
 * - `UnknownLine`: the order has no line with that number.
 * - `BelowReceived`: a line's quantity would go below what it received plus what it cancelled.
 * - `LineReceived`: a line that received units cannot be removed.
 * - `NoLinesLeft`: a revision would remove every line (cancel the order instead).
 * - `SoftwareLine`: a software line of a submitted order has its entitlement; it is not removed.
 * - `SeatsAssigned`: a software line's quantity would go below the seats already assigned.
 * - `UnknownCatalogItem` / `VendorNotApproved`: a line to add names no catalog item, or one the
 *   order's vendor does not supply.
 * - `CurrencyMismatch`: a unit cost is not in the order's currency.
 * - `NoChange`: a revision changes nothing.
 * - `NothingToCancel`: a line (or the order) has no outstanding units.
 * - `OverCancel`: more units to cancel than are outstanding on the line.
 * - `UnknownVendor`: an imported order names no vendor.
 * - `ReferenceReused`: an external reference was imported before as another vendor's order.
 *
 * @since 0.1.0
 * @category models
 */
export type PurchasingErrorReason =
  | "RequestNotApproved"
  | "InvalidState"
  | "UnknownLine"
  | "BelowReceived"
  | "LineReceived"
  | "NoLinesLeft"
  | "SoftwareLine"
  | "SeatsAssigned"
  | "UnknownCatalogItem"
  | "VendorNotApproved"
  | "CurrencyMismatch"
  | "NoChange"
  | "NothingToCancel"
  | "OverCancel"
  | "UnknownVendor"
  | "ReferenceReused"

/**
 * A purchasing operation was refused; nothing was written. `id` is the request's or order's id;
 * `lineNo`, `received` and `requested` name the line, what it received and what was asked for,
 * where they apply.
 *
 * @since 0.1.0
 * @category errors
 */
export class PurchasingError extends Data.TaggedError("PurchasingError")<{
  readonly reason: PurchasingErrorReason
  readonly message: string
  readonly id: string
  readonly lineNo?: number
  readonly received?: number
  readonly requested?: number
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}
