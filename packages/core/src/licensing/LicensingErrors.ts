/**
 * The errors of the licensing module.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import type { Assignee } from "./LicensingModel.js"

/**
 * Why a licensing operation was refused.
 *
 * - `NoSeatsAvailable`: every seat bought is assigned.
 * - `AlreadyAssigned`: the assignee already holds a seat of the entitlement (assigning is not
 *   idempotent: the second call is refused, so a caller learns the seat was already taken).
 * - `NotAssigned`: the assignee holds no seat of the entitlement to release.
 * - `Expired`: the subscription has ended; no new seats are assigned.
 * - `InvalidTerm`: the subscription would end at or before it starts.
 *
 * @since 0.1.0
 * @category models
 */
export type LicensingErrorReason = "NoSeatsAvailable" | "AlreadyAssigned" | "NotAssigned" | "Expired" | "InvalidTerm"

/**
 * A licensing operation was refused; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class LicensingError extends Data.TaggedError("LicensingError")<{
  readonly reason: LicensingErrorReason
  readonly message: string
  readonly entitlementId: string
  readonly assignee?: Assignee
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}
