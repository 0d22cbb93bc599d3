/**
 * The error family of the Coupa connector: every failed call is a {@link CoupaError} with a
 * `reason`, whether retrying may help, and what Coupa said.
 *
 * @since 0.1.0
 */
import { HttpTransport } from "@procura/connector-kit"
import { Problem } from "@procura/core"
import { Data } from "effect"

/**
 * A failed Coupa call. `reason` is the transport's (`Unauthorized`, `Forbidden`, `NotFound`,
 * `Invalid`, `Conflict`, `RateLimited`, `Unavailable`, `Timeout`); `detail` holds Coupa's own
 * messages (`{"errors": {"<resource>": [...]}}`).
 *
 * @since 0.1.0
 * @category errors
 */
export class CoupaError extends Data.TaggedError("CoupaError")<HttpTransport.Failure> {}

/**
 * How Coupa errors map to codes and HTTP statuses, for `toProblem`: a failed Coupa call is the
 * host's upstream failing, so refused credentials, scopes and input are a 502, a rate limit a
 * 429, an unreachable instance a 503, a timeout a 504.
 *
 * @since 0.1.0
 * @category problems
 */
export const family: Problem.Family<"CoupaError"> = Problem.family<CoupaError>({
  tag: "CoupaError",
  title: "Coupa call failed",
  ...HttpTransport.upstreamProblem
})

/**
 * Builds an `Invalid` error for input refused before anything was sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export const invalid = (operation: string, message: string): CoupaError =>
  new CoupaError({ reason: "Invalid", retryable: false, operation, message: `${operation}: ${message}` })
