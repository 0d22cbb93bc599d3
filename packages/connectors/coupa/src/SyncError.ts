/**
 * Why the Coupa connectors (`spo-coupa`, `sam-coupa`) could not carry a record across, beside the
 * client's own `CoupaError`s.
 *
 * @since 0.1.0
 */
import { Problem } from "@procura/core"
import { Data } from "effect"

/**
 * Why a record could not be carried across.
 *
 * - `NotPushed`: a record it needs has not reached Coupa yet (a receipt before its purchase
 *   order). Retryable: delivery tries again, and it goes through once the other one is there.
 * - `Vanished`: the Coupa record a mapping points at is gone. Not retryable: restore it, or
 *   remove the mapping record, then replay the dead letter.
 * - `NumberTaken`: the Coupa purchase order number made from a Procura order's id belongs to
 *   another order in Coupa. Not retryable: change the prefix (`poNumberPrefix`) or the other order.
 * - `NotMigrated`: a migration cannot run (unsupported direction, or the old connector left
 *   records it could not import).
 *
 * @since 0.1.0
 * @category models
 */
export type SyncErrorReason = "NotPushed" | "Vanished" | "NumberTaken" | "NotMigrated"

/**
 * A record could not be carried between Procura and Coupa.
 *
 * @since 0.1.0
 * @category errors
 */
export class SyncError extends Data.TaggedError("SyncError")<{
  readonly reason: SyncErrorReason
  /** The connector (`spo-coupa`, `sam-coupa`). */
  readonly connector: string
  /** The Procura record (`purchase_order 01J...`, `receipt_line 01J...:2`). */
  readonly record: string
  readonly retryable: boolean
  readonly message: string
}> {}

/**
 * The error family of {@link SyncError}, for `Problem.toProblem`.
 *
 * @since 0.1.0
 * @category errors
 */
export const family: Problem.Family<"SyncError"> = Problem.family<SyncError>({
  tag: "SyncError",
  title: "Record not carried to or from Coupa",
  reasons: { NotPushed: 409, Vanished: 404, NumberTaken: 409, NotMigrated: 409 }
})
