/**
 * Why a shipment was refused.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * Why a shipment was refused.
 *
 * - `InvalidState`: the order is not open for receiving (a draft, received or cancelled), or the
 *   shipment is already delivered.
 * - `UnknownLine` / `DuplicateLine`: a line number is not on the order, or repeats.
 * - `OverShipment`: a line carries more units than the order still expects on it (tolerance
 *   included), less what other in-transit shipments carry.
 * - `NotReceivable`: a software line: nothing is shipped, its licences exist from submission.
 * - `TooManySerialNumbers`: a line lists more serial numbers than units.
 * - `DuplicateSerialNumber`: a serial number repeats in the shipment or is already on an asset.
 * - `NotAnAssetLine`: serial numbers were given for a line that creates no assets.
 * - `InvoiceMismatch`: the invoice belongs to another purchase order.
 *
 * @since 0.1.0
 * @category models
 */
export type ShippingErrorReason =
  | "InvalidState"
  | "UnknownLine"
  | "DuplicateLine"
  | "OverShipment"
  | "NotReceivable"
  | "TooManySerialNumbers"
  | "DuplicateSerialNumber"
  | "NotAnAssetLine"
  | "InvoiceMismatch"

/**
 * A shipment was refused; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class ShippingError extends Data.TaggedError("ShippingError")<{
  readonly reason: ShippingErrorReason
  readonly message: string
  readonly purchaseOrderId: string
  readonly shipmentId?: string
  readonly lineNo?: number
  readonly serialNumbers?: ReadonlyArray<string>
}> {}
