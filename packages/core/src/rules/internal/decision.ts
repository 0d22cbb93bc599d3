/**
 * Decisions and their explanations: what an evaluation answers ({@link Decision}: the outcome,
 * the matching rows, the result or results) and the audit record behind it ({@link Explanation}:
 * the input, the matched rows, and why each other row failed), computed only when it is read.
 * Private to core; the public face is the `DecisionTable` module.
 */
import type { Compiled } from "./load.js"
import type { HitPolicy, Json, Operator } from "./model.js"
import type { CompiledRow } from "./plan.js"
import { failureReason, operandJson } from "./reasons.js"
import { type Normalized, toJson } from "./values.js"

/**
 * How an evaluation ended: rows `matched`; none did and the table's `default` applies; or none
 * did and there is no default (`none`), which is a result for the caller to handle, not an error.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = "matched" | "default" | "none"

/**
 * A row named in an explanation.
 *
 * @since 0.1.0
 * @category models
 */
export interface RowRef {
  readonly id: string
  readonly description?: string
}

/**
 * Why a row did not match: its first condition (in the order written) that failed.
 * `reason` reads like `amount 500 is not >= 10000`; `value` is the input's value (`null` when
 * missing) and `operand` the condition's, both as JSON (dates as ISO-8601 strings).
 *
 * @since 0.1.0
 * @category models
 */
export interface RowFailure {
  readonly id: string
  readonly description?: string
  readonly column: string
  readonly operator: Operator
  readonly operand: Json
  readonly value: Json
  readonly reason: string
}

/**
 * The audit record of an evaluation, plain JSON: the table, the input's column values, the rows
 * that matched, and, when none did, why each row failed.
 *
 * @since 0.1.0
 * @category models
 */
export interface Explanation {
  readonly table?: string
  readonly hitPolicy: HitPolicy
  readonly outcome: Outcome
  readonly input: { readonly [column: string]: Json }
  readonly matched: ReadonlyArray<RowRef>
  /** For the `default` and `none` outcomes: every row with its first failing condition. */
  readonly unmatched: ReadonlyArray<RowFailure>
  readonly summary: string
}

/**
 * The decision of a `first` or `unique` table: at most one result.
 *
 * @since 0.1.0
 * @category models
 */
export interface SingleDecision<Out> {
  readonly hitPolicy: "first" | "unique"
  readonly outcome: Outcome
  /** The id of the matching row, if any. */
  readonly matched: ReadonlyArray<string>
  /** The matching row's result, or the default; `undefined` for the `none` outcome. */
  readonly result: Out | undefined
  /** Computed on first read. */
  readonly explanation: Explanation
}

/**
 * The decision of a `collect` table: every matching row's result, in table order (the default
 * alone when none matched, empty when there is no default).
 *
 * @since 0.1.0
 * @category models
 */
export interface CollectDecision<Out> {
  readonly hitPolicy: "collect"
  readonly outcome: Outcome
  /** The ids of the matching rows, in table order. */
  readonly matched: ReadonlyArray<string>
  readonly results: ReadonlyArray<Out>
  /** Computed on first read. */
  readonly explanation: Explanation
}

/**
 * The decision of a table with hit policy `P`. For a table whose policy is known only at run
 * time, narrow on `hitPolicy`.
 *
 * @since 0.1.0
 * @category models
 */
export type Decision<Out, P extends HitPolicy = HitPolicy> = P extends "collect" ? CollectDecision<Out> : SingleDecision<Out>

const refOf = (row: CompiledRow): RowRef => (row.description === undefined ? { id: row.id } : { id: row.id, description: row.description })

const explain = (
  compiled: Compiled,
  values: ReadonlyArray<Normalized>,
  outcome: Outcome,
  matchedRows: ReadonlyArray<CompiledRow>
): Explanation => {
  const input: Record<string, Json> = {}
  compiled.columns.forEach((column, i) => {
    input[column.name] = toJson(column.type, values[i])
  })
  const unmatched: Array<RowFailure> = []
  if (outcome !== "matched") {
    for (const row of compiled.rows) {
      const failed = row.conditions.find((condition) => !condition.test(values[condition.column]))
      if (failed === undefined) continue
      const column = compiled.columns[failed.column]!
      const failure: RowFailure = {
        ...refOf(row),
        column: column.name,
        operator: failed.operator,
        operand: operandJson(column.type, failed),
        value: toJson(column.type, values[failed.column]),
        reason: failureReason(column, failed, values[failed.column])
      }
      unmatched.push(failure)
    }
  }
  const summary = outcome === "matched"
    ? `${matchedRows.length === 1 ? "row" : "rows"} ${
      matchedRows.map((row) => (row.description === undefined ? row.id : `${row.id} (${row.description})`)).join(", ")
    } matched`
    : outcome === "default"
    ? `no row matched; the default result applies`
    : `no row matched and the table has no default`
  const base = {
    hitPolicy: compiled.hitPolicy,
    outcome,
    input,
    matched: matchedRows.map(refOf),
    unmatched,
    summary
  }
  return compiled.name === undefined ? base : { table: compiled.name, ...base }
}

/**
 * Formats an explanation for people: the summary, then one line per row that did not match,
 * e.g. `row-2: amount 500 is not >= 10000`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const formatExplanation = (explanation: Explanation): string =>
  [explanation.summary, ...explanation.unmatched.map((failure) => `  ${failure.id}: ${failure.reason}`)].join("\n")

/** What an explanation is computed from, kept by a decision until its explanation is read. */
export interface Evidence {
  readonly compiled: Compiled
  readonly values: ReadonlyArray<Normalized>
  readonly rows: ReadonlyArray<CompiledRow>
}

/** A decision: the data every hit policy answers, and its explanation, computed on first read. */
export class DecisionData {
  readonly hitPolicy: HitPolicy
  readonly outcome: Outcome
  readonly matched: ReadonlyArray<string>
  #evidence: Evidence | undefined
  #explanation: Explanation | undefined
  constructor(hitPolicy: HitPolicy, outcome: Outcome, matched: ReadonlyArray<string>, evidence: Evidence) {
    this.hitPolicy = hitPolicy
    this.outcome = outcome
    this.matched = matched
    this.#evidence = evidence
  }
  get explanation(): Explanation {
    if (this.#explanation === undefined) {
      const { compiled, values, rows } = this.#evidence!
      this.#explanation = explain(compiled, values, this.outcome, rows)
      this.#evidence = undefined
    }
    return this.#explanation
  }
}

/** The decision of a `first` or `unique` table. */
export class Single extends DecisionData {
  readonly result: unknown
  constructor(hitPolicy: HitPolicy, outcome: Outcome, matched: ReadonlyArray<string>, result: unknown, evidence: Evidence) {
    super(hitPolicy, outcome, matched, evidence)
    this.result = result
  }
  toJSON() {
    return { hitPolicy: this.hitPolicy, outcome: this.outcome, matched: this.matched, result: this.result, explanation: this.explanation }
  }
}

/** The decision of a `collect` table. */
export class Collected extends DecisionData {
  readonly results: ReadonlyArray<unknown>
  constructor(outcome: Outcome, matched: ReadonlyArray<string>, results: ReadonlyArray<unknown>, evidence: Evidence) {
    super("collect", outcome, matched, evidence)
    this.results = results
  }
  toJSON() {
    return { hitPolicy: this.hitPolicy, outcome: this.outcome, matched: this.matched, results: this.results, explanation: this.explanation }
  }
}
