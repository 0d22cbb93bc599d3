/**
 * The one error family of the ServiceNow connector: every failure, whatever the API, is a
 * {@link ConnectorError} with a `reason`, whether retrying may help, and what the instance said.
 *
 * Errors never carry credentials, tokens or request headers: they are safe to log.
 *
 * @since 0.1.0
 */
import { HttpTransport } from "@procura/connector-kit"
import { Problem } from "@procura/core"
import { Data } from "effect"

/**
 * Why a call failed.
 *
 * - `Unauthorized`: 401, or the token endpoint refused the credentials (MFA users get this too).
 * - `Forbidden`: 403, an ACL, business rule or data policy rejected the call.
 * - `NotFound`: 404, the record does not exist or an ACL hides it.
 * - `Invalid`: the call is malformed (400, 405, 406, 415), the input failed validation before
 *   anything was sent, or a response could not be decoded.
 * - `Conflict`: 409.
 * - `RateLimited`: 429 and the wait the instance asked for does not fit the retry budget.
 * - `Unavailable`: 5xx or the connection failed.
 * - `Timeout`: no answer within the client's timeout, or the instance cancelled the transaction
 *   ("maximum execution time exceeded").
 *
 * @since 0.1.0
 * @category models
 */
export type ConnectorErrorReason =
  | "Unauthorized"
  | "Forbidden"
  | "NotFound"
  | "Invalid"
  | "Conflict"
  | "RateLimited"
  | "Unavailable"
  | "Timeout"

/**
 * One problem found while validating input or decoding a response.
 *
 * @since 0.1.0
 * @category models
 */
export interface Issue {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
}

/**
 * A failed ServiceNow call.
 *
 * @since 0.1.0
 * @category errors
 */
export class ConnectorError extends Data.TaggedError("ConnectorError")<{
  readonly reason: ConnectorErrorReason
  /** Whether the same call may succeed later (after a wait, a new token, a smaller page). */
  readonly retryable: boolean
  /** The client operation, e.g. `Table.list`. */
  readonly operation: string
  readonly message: string
  /** The HTTP status, when the instance answered. */
  readonly status?: number
  /** The `detail` of the instance's error envelope. */
  readonly detail?: string
  /** For `RateLimited`: how long the instance asked to wait, in milliseconds. */
  readonly retryAfterMillis?: number
  /** True when the instance cancelled the transaction: ask for fewer rows or fields. */
  readonly executionTimeExceeded?: boolean
  /** For `Invalid`: what was wrong with the input or the response. */
  readonly issues?: ReadonlyArray<Issue>
  readonly cause?: unknown
}> {
  /**
   * Whether retrying may succeed: the `retryable` flag.
   *
   * @since 0.1.0
   */
  get isRetryable(): boolean {
    return this.retryable
  }
}

/**
 * How connector errors map to codes and HTTP statuses, for `toProblem`: pass it in
 * `families` (or `createProcura({ errors: [ConnectorError.family] })`). A failed ServiceNow
 * call is the host's upstream failing, not its caller's fault: refused credentials and ACLs are
 * a 502 (the caller is not unauthorised), rate limits a 429, an unreachable instance a 503, a
 * timeout a 504. The instance's own `status` and `detail` are published as `upstreamStatus` and
 * `upstreamDetail` (5xx problems publish no data at all).
 *
 * @since 0.1.0
 * @category problems
 */
export const family: Problem.Family<"ConnectorError"> = Problem.family<ConnectorError>({
  tag: "ConnectorError",
  title: "ServiceNow call failed",
  ...HttpTransport.upstreamProblem
})

/**
 * Whether a value is a {@link ConnectorError}.
 *
 * @since 0.1.0
 * @category guards
 */
export const isConnectorError = (u: unknown): u is ConnectorError => u instanceof ConnectorError

/**
 * Builds an `Invalid` error for input rejected before anything was sent.
 *
 * @since 0.1.0
 * @category constructors
 */
export const invalid = (operation: string, message: string, issues?: ReadonlyArray<Issue>): ConnectorError =>
  new ConnectorError({
    reason: "Invalid",
    retryable: false,
    operation,
    message: `${operation}: ${message}`,
    ...(issues === undefined ? {} : { issues })
  })
