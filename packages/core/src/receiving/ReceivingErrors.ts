/**
 * Why a receipt was refused.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { ScanResult } from "./ReceivingModel.js"

/**
 * Why a receipt was refused.
 *
 * - `OverReceipt`: more units than remain on the line (ordered, less cancelled and received),
 *   beyond the over-receipt tolerance.
 * - `NotReceivable`: a software line: its licences (entitlements) were created when the order was submitted.
 * - `DuplicateSerialNumber`: a serial number repeats in the receipt or is already on an asset.
 * - `UnknownLine` / `DuplicateLine`: the line number is not on the order (or the shipment or
 *   invoice received from), or appears twice.
 * - `NotAnAssetLine`: serial numbers were given for a line whose units are not inventory assets
 *   (consumables without assets, services, which never become inventory assets).
 * - `InvalidState`: the order is not submitted (draft, received or cancelled), or the invoice is cancelled.
 * - `ExceedsShipment` / `ExceedsInvoice`: more units of a line than the shipment (invoice) has
 *   left to receive.
 * - `NothingReceived`: nothing was left to receive, or no scan of a batch could be received
 *   (`scans` says why, per scan).
 * - `BatchReused`: a scan batch's `batchId` was received before against another order or shipment.
 *
 * @since 0.1.0
 * @category models
 */
export type ReceivingErrorReason =
  | "OverReceipt"
  | "NotReceivable"
  | "DuplicateSerialNumber"
  | "UnknownLine"
  | "DuplicateLine"
  | "NotAnAssetLine"
  | "InvalidState"
  | "ExceedsShipment"
  | "ExceedsInvoice"
  | "NothingReceived"
  | "BatchReused"

/**
 * A receipt was refused; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class ReceivingError extends Data.TaggedError("ReceivingError")<{
  readonly reason: ReceivingErrorReason
  readonly message: string
  readonly purchaseOrderId: string
  readonly shipmentId?: string
  readonly invoiceId?: string
  readonly lineNo?: number
  readonly serialNumbers?: ReadonlyArray<string>
  /** For `NothingReceived` after scans: what became of each scan. */
  readonly scans?: ReadonlyArray<ScanResult>
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}
