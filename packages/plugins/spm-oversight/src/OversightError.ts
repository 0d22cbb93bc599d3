/**
 * The errors of oversight operations. Each names the record, what was wrong and, where it helps,
 * what would be accepted; nothing was written when one is raised.
 *
 * @since 0.1.0
 */
import { Problem } from "@procura/core"
import { Data } from "effect"
import type { OversightEventError } from "./OversightEvents.js"

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

/**
 * How oversight errors map to codes and HTTP statuses (`OversightError/InvalidState` is a 409),
 * for `Problem.toProblem`; the plugin declares it in its `errors`.
 *
 * @since 0.1.0
 * @category problems
 */
export const family: Problem.Family<"OversightError"> = Problem.family<OversightError>({
  tag: "OversightError",
  title: "Oversight refused",
  reasons: {
    InvalidState: 409,
    InvalidTransition: 409,
    DerivedState: 409,
    AlreadyLinked: 409,
    UnknownLine: 422,
    OrderProjectNotConfigured: 422,
    DecisionFailed: 422
  }
})

/**
 * How a malformed stored oversight event (`OversightEventError`) maps to a status: a 500, since
 * it is no caller's doing. Its `type` field (the event type) is published as `eventType`.
 *
 * @since 0.1.0
 * @category problems
 */
export const eventFamily: Problem.Family<"OversightEventError"> = Problem.family<OversightEventError>({
  tag: "OversightEventError",
  title: "Malformed oversight event",
  status: 500,
  rename: { type: "eventType" }
})
