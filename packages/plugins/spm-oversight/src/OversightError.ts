/**
 * The errors of oversight operations. Each names the record, what was wrong and, where it helps,
 * what would be accepted; nothing was written when one is raised.
 *
 * @since 0.1.0
 */
import { Data } from "effect"

/**
 * Why an oversight operation was refused.
 *
 * - `InvalidState`: the order, line, domain order or task is in a state that does not allow it
 *   (approving a line twice, decomposing a line not approved, changing a completed line).
 * - `InvalidTransition`: the state change is not allowed from the current state (the message
 *   lists the allowed ones).
 * - `UnknownLine`: the order has no line with that number.
 * - `DerivedState`: the state follows other records (a domain order with order tasks).
 * - `AlreadyLinked`: the record is already linked to a project or project task.
 * - `OrderProjectNotConfigured`: an order-level project was asked for, and the configuration
 *   has no `orderProject` template.
 * - `DecisionFailed`: a decision table could not decide (a `unique` table matched two rows).
 *
 * @since 0.1.0
 * @category models
 */
export type OversightErrorReason =
  | "InvalidState"
  | "InvalidTransition"
  | "UnknownLine"
  | "DerivedState"
  | "AlreadyLinked"
  | "OrderProjectNotConfigured"
  | "DecisionFailed"

/**
 * An oversight operation was refused; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class OversightError extends Data.TaggedError("OversightError")<{
  readonly reason: OversightErrorReason
  /** The record concerned (order, line, task, project). */
  readonly id: string
  readonly message: string
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}
