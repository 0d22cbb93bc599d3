/**
 * Evaluating: checking an input's values against the columns' types, finding the matching rows
 * among the candidates the row index leaves (or in one pass over every row), and applying the hit policy (`first`, `unique`, `collect`)
 * and the default. Private to core; the public face is the `DecisionTable` module.
 */
import { Effect } from "effect"
import type { Issue } from "../../Errors.js"
import { Collected, type Decision, type DecisionData, type Evidence, type Outcome, Single } from "./decision.js"
import { DecisionTableError, listIssues, tableLabel } from "./errors.js"
import { type Compiled, compiledOf } from "./load.js"
import type { DecisionTable, HitPolicy } from "./model.js"
import { type CompiledRow, keysOf } from "./plan.js"
import { candidatesFor, matchingRows } from "./rowIndex.js"
import { expectedOf, type Normalized, notOfType, readValue, show } from "./values.js"

const normalizeInput = (compiled: Compiled, input: unknown): Array<Normalized> | DecisionTableError => {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    const issues = [{ path: [], message: `expected an object of input values, got ${show(input)}`, expected: "an object", received: input }]
    return new DecisionTableError({
      reason: "InvalidInput",
      table: compiled.name,
      issues,
      message: `Invalid input for ${tableLabel(compiled.name).toLowerCase()}: ${listIssues(issues, "(input)")}`
    })
  }
  const columns = compiled.columns
  const values: Array<Normalized> = []
  let issues: Array<Issue> | undefined
  for (let i = 0; i < columns.length; i++) {
    const column = columns[i]!
    const raw = (input as Record<string, unknown>)[column.name]
    if (raw === undefined || raw === null) {
      values.push(undefined)
      continue
    }
    const normalized = readValue(column.type, raw)
    if (normalized === notOfType) {
      const expected = expectedOf[column.type]
      if (issues === undefined) issues = []
      issues.push({
        path: [column.name],
        message: `expected ${expected} (column "${column.name}" is a ${column.type}), got ${show(raw)}`,
        expected,
        received: raw
      })
    } else {
      values.push(normalized)
    }
  }
  if (issues !== undefined) {
    return new DecisionTableError({
      reason: "InvalidInput",
      table: compiled.name,
      issues,
      message: `Invalid input for ${tableLabel(compiled.name).toLowerCase()}: ${listIssues(issues, "(input)")}`
    })
  }
  return values
}

const noRows: ReadonlyArray<CompiledRow> = []

const noMatch = (compiled: Compiled, values: ReadonlyArray<Normalized>): DecisionData => {
  const fallback = compiled.fallback
  const outcome: Outcome = fallback === undefined ? "none" : "default"
  const evidence: Evidence = { compiled, values, rows: noRows }
  return compiled.hitPolicy === "collect"
    ? new Collected(outcome, [], fallback === undefined ? [] : [fallback.value], evidence)
    : new Single(compiled.hitPolicy, outcome, [], fallback?.value, evidence)
}

const ambiguous = (compiled: Compiled, rows: ReadonlyArray<CompiledRow>): DecisionTableError => {
  const ids = rows.map((row) => `"${row.id}"`)
  return new DecisionTableError({
    reason: "AmbiguousMatch",
    table: compiled.name,
    issues: rows.map((row) => ({ path: ["rows", row.index], message: `row "${row.id}" matches the input` })),
    message: `${tableLabel(compiled.name)} has hit policy unique, but rows ${ids.slice(0, -1).join(", ")} and ${ids.at(-1)} ` +
      `${rows.length === 2 ? "both" : "all"} match the input; make their conditions exclusive, or use hit policy first or collect`
  })
}

/**
 * Decides one input: the rows it can match from the table's index (every row when there is no
 * index or it would not narrow them), checked in table order, then the hit policy.
 */
export const decide = (compiled: Compiled, input: unknown): DecisionData | DecisionTableError => {
  const values = normalizeInput(compiled, input)
  if (values instanceof DecisionTableError) return values
  const { plan, rows } = compiled
  const candidates = compiled.index === undefined ? undefined : candidatesFor(compiled.index, values)
  // First stops at one match, unique at the second (which makes it ambiguous), collect takes all.
  const limit = compiled.hitPolicy === "first" ? 1 : compiled.hitPolicy === "unique" ? 2 : Number.POSITIVE_INFINITY
  const keys = keysOf(plan, values)
  const matched = matchingRows(plan, keys, candidates, limit)
  if (matched.length === 0) return noMatch(compiled, values)
  const row = rows[matched[0]!]!
  switch (compiled.hitPolicy) {
    case "first":
      return new Single("first", "matched", [row.id], row.then, { compiled, values, rows: [row] })
    case "unique": {
      if (matched.length === 1) return new Single("unique", "matched", [row.id], row.then, { compiled, values, rows: [row] })
      // Name every matching row in the error, not just the first two.
      return ambiguous(compiled, matchingRows(plan, keys, candidates, Number.POSITIVE_INFINITY).map((index) => rows[index]!))
    }
    case "collect": {
      const matchedRows = matched.map((index) => rows[index]!)
      return new Collected("matched", matchedRows.map((each) => each.id), matchedRows.map((each) => each.then), { compiled, values, rows: matchedRows })
    }
  }
}

/**
 * Evaluates a table on one input: checks the input's column values against their types
 * (`InvalidInput`), then applies the hit policy. No match is the `none` (or `default`) outcome,
 * not an error; two matches under `unique` is an `AmbiguousMatch` error naming the rows.
 *
 * @since 0.1.0
 * @category combinators
 */
export const evaluate = <In extends object, Out, P extends HitPolicy>(
  table: DecisionTable<In, Out, P>,
  input: NoInfer<In>
): Effect.Effect<Decision<Out, P>, DecisionTableError> =>
  Effect.suspend(() => {
    const decision = decide(compiledOf(table), input)
    return decision instanceof DecisionTableError ? Effect.fail(decision) : Effect.succeed(decision as unknown as Decision<Out, P>)
  })

/**
 * Evaluates a table on many inputs, in order, failing on the first invalid input or ambiguous
 * match (the error's message says which input, by position).
 *
 * @since 0.1.0
 * @category combinators
 */
export const evaluateMany = <In extends object, Out, P extends HitPolicy>(
  table: DecisionTable<In, Out, P>,
  inputs: Iterable<NoInfer<In>>
): Effect.Effect<ReadonlyArray<Decision<Out, P>>, DecisionTableError> =>
  Effect.suspend(() => {
    const compiled = compiledOf(table)
    const decisions: Array<Decision<Out, P>> = []
    let position = 0
    for (const input of inputs) {
      const decision = decide(compiled, input)
      if (decision instanceof DecisionTableError) {
        return Effect.fail(
          new DecisionTableError({
            reason: decision.reason,
            table: decision.table,
            issues: decision.reason === "InvalidInput"
              ? decision.issues.map((issue) => ({ ...issue, path: [position, ...issue.path] }))
              : decision.issues,
            message: `Input [${position}]: ${decision.message}`
          })
        )
      }
      decisions.push(decision as unknown as Decision<Out, P>)
      position++
    }
    return Effect.succeed(decisions)
  })
