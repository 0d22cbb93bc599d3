/**
 * The errors of the stock module.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * Why a stock operation was refused.
 *
 * - `InsufficientStock`: the movement would take on hand below zero.
 *
 * @since 0.1.0
 * @category models
 */
export type StockErrorReason = "InsufficientStock"

/**
 * A stock operation was refused; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class StockError extends Data.TaggedError("StockError")<{
  readonly reason: StockErrorReason
  readonly message: string
  readonly catalogItemId: string
  readonly locationId: string
  readonly storageSpace: string
  readonly onHand: number
  readonly requested: number
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}
