/**
 * Why the ServiceNow connectors (ITAM, SPO) could not mirror a record, beside the client's own
 * `ConnectorError`s.
 *
 * @since 0.2.0
 */
import { Problem } from "@procura/core"
import { Data } from "effect"

/**
 * Why a record could not be mirrored.
 *
 * - `NotMirrored`: a record it references has not reached ServiceNow yet (a receipt before its
 *   purchase order, an SPO receipt before the ITAM receiving slip). Retryable: delivery tries
 *   again, and the record goes through once the other one is there.
 * - `Vanished`: the ServiceNow record a mapping points at was deleted there. Not retryable:
 *   restore it, or remove the mapping record, then replay the dead letter.
 *
 * @since 0.2.0
 * @category models
 */
export type MirrorErrorReason = "NotMirrored" | "Vanished"

/**
 * A record could not be mirrored to ServiceNow.
 *
 * @since 0.2.0
 * @category errors
 */
export class MirrorError extends Data.TaggedError("MirrorError")<{
  readonly reason: MirrorErrorReason
  /** The connector (`servicenow-itam`, `servicenow-spo`). */
  readonly connector: string
  /** The ServiceNow table. */
  readonly table: string
  /** The Procura record (`purchase_order 01J...`, `purchase_order_line 01J...:2`). */
  readonly record: string
  readonly retryable: boolean
  readonly message: string
}> {}

/**
 * The error family of {@link MirrorError}, for `Problem.toProblem`: `NotMirrored` is 409 (try
 * again later), `Vanished` 404.
 *
 * @since 0.2.0
 * @category errors
 */
export const family: Problem.Family<"MirrorError"> = Problem.family<MirrorError>({
  tag: "MirrorError",
  title: "Record not mirrored to ServiceNow",
  reasons: { NotMirrored: 409, Vanished: 404 }
})
