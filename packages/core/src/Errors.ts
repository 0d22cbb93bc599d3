/**
 * The error families shared by every Procura module.
 *
 * Every error has a stable `_tag`, a human `message`, and the data needed to act on it.
 * Module-specific failures (an over-receipt, an empty request) use the module's own family
 * with a `reason`; the families here are the ones any operation can raise.
 *
 * @since 0.1.0
 */
import { Data } from "effect"
import * as Nearest from "./internal/nearest.js"

/**
 * One problem found in an input: where (`path`), what was wrong (`message`), and, where
 * known, what was expected and what was received.
 *
 * @since 0.1.0
 * @category models
 */
export interface Issue {
  readonly path: ReadonlyArray<string | number>
  readonly message: string
  readonly expected?: string
  readonly received?: unknown
}

/**
 * The input of an operation was rejected before anything was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class ValidationError extends Data.TaggedError("ValidationError")<{
  readonly operation: string
  readonly issues: ReadonlyArray<Issue>
  readonly message: string
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Formats issues as `path: message` lines, for error messages.
 *
 * @since 0.1.0
 * @category constructors
 */
export const formatIssues = (issues: ReadonlyArray<Issue>): string =>
  issues.map((issue) => `${issue.path.length === 0 ? "(input)" : issue.path.join(".")}: ${issue.message}`).join("; ")

/**
 * Builds a {@link ValidationError} whose message lists every issue.
 *
 * @since 0.1.0
 * @category constructors
 */
export const invalid = (operation: string, issues: ReadonlyArray<Issue>): ValidationError =>
  new ValidationError({ operation, issues, message: `Invalid input for ${operation}: ${formatIssues(issues)}` })

/**
 * The caller's roles do not grant the permission an operation needs.
 *
 * @since 0.1.0
 * @category errors
 */
export class AccessDenied extends Data.TaggedError("AccessDenied")<{
  readonly permission: string
  readonly userId: string
  readonly roles: ReadonlyArray<string>
  readonly message: string
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * A record the caller referred to does not exist in the caller's tenant.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Data.TaggedError("NotFound")<{
  readonly entity: string
  readonly id: string
  readonly message: string
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Builds a {@link NotFound} for an entity name and id.
 *
 * @since 0.1.0
 * @category constructors
 */
export const notFound = (entity: string, id: string): NotFound =>
  new NotFound({ entity, id, message: `${entity} ${id} was not found` })

/**
 * The candidate nearest to a misspelt name (an unknown key, plugin id, role, operation id,
 * command or flag), ignoring case, when it is near enough to be what was meant: at most one edit
 * (insertion, deletion, substitution, swap of neighbours) per three characters. A dotted
 * candidate is also compared by its last segment, so `submitPurchaseOrder` finds
 * `purchasing.submitPurchaseOrder`. `undefined` when none is near enough.
 *
 * @since 0.1.0
 * @category suggestions
 */
export const nearest: (word: string, candidates: Iterable<string>) => string | undefined = Nearest.nearest

/**
 * `did you mean "<nearest>"?` for a misspelt name, or `undefined` when no candidate is near
 * enough (see {@link nearest}).
 *
 * @since 0.1.0
 * @category suggestions
 */
export const didYouMean: (word: string, candidates: Iterable<string>) => string | undefined = Nearest.didYouMean

/**
 * An operation was refused by a rule a plugin sets on it (a capability policy, see `Guards`):
 * seed 000's integrated ITAM-SPO flow refuses cancelling a purchase order, say. Names the
 * operation, the rule and the plugin setting it; nothing was written. Not retryable: the
 * configuration decides.
 *
 * @since 0.2.0
 * @category errors
 */
export class OperationRefused extends Data.TaggedError("OperationRefused")<{
  readonly operation: string
  /** The rule's name (`itam-spo/no-cancel-purchase-order`). */
  readonly rule: string
  /** The plugin setting the rule. */
  readonly by: string
  readonly message: string
}> {
  /** @since 0.2.0 */
  get isRetryable(): boolean {
    return false
  }
}
