/**
 * Decision-table errors: {@link DecisionTableError} and its reasons (an invalid table, an
 * invalid input, an ambiguous match under `unique`), with paths formatted the way table authors
 * read them and the messages listing the issues. Private to core; the public face is the
 * `DecisionTable` module.
 */
import { Data } from "effect"
import type { Issue } from "../../Errors.js"

/**
 * Why a decision table failed.
 *
 * - `InvalidTable`: the table could not be loaded (bad shape, unknown column or operator, wrong
 *   operand type, a result failing the result schema, duplicate row ids, overlapping rows under
 *   `unique`).
 * - `InvalidInput`: an input value does not have its column's type.
 * - `AmbiguousMatch`: under `unique`, more than one row matched the input.
 *
 * @since 0.1.0
 * @category models
 */
export type DecisionTableErrorReason = "InvalidTable" | "InvalidInput" | "AmbiguousMatch"

/**
 * A decision table could not be loaded or could not decide. `issues` name each problem's path
 * (into the table for `InvalidTable`, the column for `InvalidInput`, the matching rows for
 * `AmbiguousMatch`).
 *
 * @since 0.1.0
 * @category errors
 */
export class DecisionTableError extends Data.TaggedError("DecisionTableError")<{
  readonly reason: DecisionTableErrorReason
  /** The table's name, when it has one. */
  readonly table: string | undefined
  readonly issues: ReadonlyArray<Issue>
  readonly message: string
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * Formats a path the way table authors read it: `rows[3].when.amount.gte`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const formatPath = (path: ReadonlyArray<string | number>): string => {
  let text = ""
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) text += text === "" ? segment : `.${segment}`
    else text += `[${JSON.stringify(segment)}]`
  }
  return text === "" ? "(table)" : text
}

const maxListedIssues = 20

/** How messages name a table: `Decision table "<name>"`, or `Decision table` when it has none. */
export const tableLabel = (name: string | undefined): string => (name === undefined ? "Decision table" : `Decision table "${name}"`)

/** The issues as one line each (at most 20, then how many more), their paths as {@link formatPath} writes them. */
export const listIssues = (issues: ReadonlyArray<Issue>, root: string): string => {
  const lines = issues
    .slice(0, maxListedIssues)
    .map((issue) => `${issue.path.length === 0 ? root : formatPath(issue.path)}: ${issue.message}`)
  const more = issues.length > maxListedIssues ? `; and ${issues.length - maxListedIssues} more` : ""
  return lines.join("; ") + more
}

/** The `InvalidTable` error for a table's issues. */
export const invalidTable = (name: string | undefined, issues: ReadonlyArray<Issue>): DecisionTableError =>
  new DecisionTableError({
    reason: "InvalidTable",
    table: name,
    issues,
    message: `${tableLabel(name)} is invalid: ${listIssues(issues, "(table)")}`
  })
