/**
 * The errors of the assets module: an asset operation refused, and a receipt finding fewer
 * template assets on order than it needs.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { AssetStatus } from "./AssetsModel.js"

/**
 * Why an asset operation was refused.
 *
 * - `InvalidTransition`: the asset's status cannot become the one asked for (`allowed` lists
 *   what it can become).
 * - `NotInUse`: only an asset in use is returned to storage.
 * - `NotInStock`: only an asset in stock is transferred between storage spaces.
 * - `SameStorageSpace`: the asset is already in the storage space it would be transferred to.
 *
 * @since 0.1.0
 * @category models
 */
export type AssetErrorReason = "InvalidTransition" | "NotInUse" | "NotInStock" | "SameStorageSpace" | "TagTaken"

/**
 * An asset operation was refused; nothing was written. `from` is the asset's status, `to` the
 * status the operation needs it to have or become, `allowed` the statuses it can become.
 *
 * @since 0.1.0
 * @category errors
 */
export class AssetError extends Data.TaggedError("AssetError")<{
  readonly reason: AssetErrorReason
  readonly assetId: string
  readonly from: AssetStatus
  readonly to: AssetStatus
  readonly allowed: ReadonlyArray<AssetStatus>
  readonly message: string
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Fewer template assets remain on order for a line than a receipt needs.
 *
 * @since 0.1.0
 * @category errors
 */
export class TemplatesMissing extends Data.TaggedError("TemplatesMissing")<{
  readonly purchaseOrderId: string
  readonly lineNo: number
  readonly wanted: number
  readonly found: number
  readonly message: string
}> {}
