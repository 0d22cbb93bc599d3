/**
 * Conditions as written: checking a row's conditions against the columns' types (operand by
 * operand, with messages naming the column and a hint), compiling them into the plan's
 * {@link CompiledCondition}s, and finding rows that overlap under hit policy `unique`. Private
 * to core; the public face is the `DecisionTable` module.
 */
import type { Issue } from "../../Errors.js"
import { type Column, type ColumnType, type Operator, Operators, operatorsFor } from "./model.js"
import { type CompiledCondition, type CompiledRow, makeCondition } from "./plan.js"
import { expectedOf, type Normalized, normalizeValue, show } from "./values.js"

/** Whether a condition is an operator object, not a bare value (a `Date` or a Temporal-like value is a bare value). */
export const isOperatorObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date) &&
  !("epochMilliseconds" in value)

/** A declared column as conditions are checked against it, with the issues list they report to. */
export interface ColumnContext {
  readonly column: Column
  readonly index: number
  readonly issues: Array<Issue>
}

const typeMismatch = (
  context: ColumnContext,
  path: ReadonlyArray<string | number>,
  expected: string,
  value: unknown,
  hint = ""
): undefined => {
  const { name, type } = context.column
  context.issues.push({
    path,
    message: `expected ${expected} (column "${name}" is a ${type}), got ${show(value)}${hint}`,
    expected,
    received: value
  })
  return undefined
}

/** Checks and normalizes a value operand of the column's own type. */
const valueOperand = (context: ColumnContext, path: ReadonlyArray<string | number>, value: unknown, hint = "") => {
  const normalized = normalizeValue(context.column.type, value)
  if (normalized === undefined) {
    const type = context.column.type
    const extra = hint !== "" ? hint
      : Array.isArray(value) && type !== "string[]" ? `; to match any of several values use { "in": ${show(value)} }`
      : typeof value === "string" && type === "string[]" ? `; to match a member use { "contains": ${show(value)} }`
      : value === null ? `; to match a missing value use { "isEmpty": true }`
      : ""
    return typeMismatch(context, path, expectedOf[type], value, extra)
  }
  return normalized
}

/** Checks and normalizes a list operand (`in`, `notIn`): values of the column's type, or strings for string[]. */
const listOperand = (context: ColumnContext, path: ReadonlyArray<string | number>, value: unknown) => {
  const type = context.column.type
  const element: ColumnType = type === "string[]" ? "string" : type
  if (!Array.isArray(value) || value.length === 0) {
    return typeMismatch(context, path, `a non-empty list of ${element === "date" ? "dates" : `${element}s`}`, value)
  }
  const out: Array<Normalized> = []
  let ok = true
  value.forEach((member: unknown, i) => {
    const normalized = normalizeValue(element, member)
    if (normalized === undefined) {
      ok = false
      typeMismatch(context, [...path, i], expectedOf[element], member)
    } else {
      out.push(normalized.ok)
    }
  })
  return ok ? { ok: out } : undefined
}

const compileOperator = (
  context: ColumnContext,
  path: ReadonlyArray<string | number>,
  operator: Operator,
  raw: unknown
): CompiledCondition | undefined => {
  const { column, index } = context
  let operand: Normalized | ReadonlyArray<Normalized>
  switch (operator) {
    case "equals":
    case "notEquals":
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const checked = valueOperand(context, path, raw)
      if (checked === undefined) return undefined
      operand = checked.ok
      break
    }
    case "in":
    case "notIn": {
      const checked = listOperand(context, path, raw)
      if (checked === undefined) return undefined
      operand = checked.ok
      break
    }
    case "between": {
      const expected = `[min, max], two ${column.type === "date" ? "dates" : "numbers"} with min <= max`
      if (!Array.isArray(raw) || raw.length !== 2) return typeMismatch(context, path, expected, raw)
      const min = valueOperand(context, [...path, 0], raw[0])
      const max = valueOperand(context, [...path, 1], raw[1])
      if (min === undefined || max === undefined) return undefined
      if ((min.ok as number) > (max.ok as number)) return typeMismatch(context, path, expected, raw)
      operand = [min.ok, max.ok]
      break
    }
    case "contains":
    case "startsWith": {
      if (typeof raw !== "string") return typeMismatch(context, path, "a string", raw)
      operand = raw
      break
    }
    case "isEmpty":
    case "isNotEmpty": {
      if (typeof raw !== "boolean") return typeMismatch(context, path, "true or false", raw)
      operand = raw
      break
    }
  }
  return makeCondition(index, column.type, operator, operand)
}

const isOperator = (key: string): key is Operator => (Operators as ReadonlyArray<string>).includes(key)

/** Checks and compiles a row's condition on one column (a bare value or an operator object), reporting issues to the context. */
export const compileCondition = (
  context: ColumnContext,
  path: ReadonlyArray<string | number>,
  raw: unknown
): ReadonlyArray<CompiledCondition> => {
  const { column } = context
  const allowed = operatorsFor[column.type]
  if (!isOperatorObject(raw)) {
    const compiled = compileOperator(context, path, "equals", raw)
    return compiled === undefined ? [] : [compiled]
  }
  const entries = Object.entries(raw).filter(([, operand]) => operand !== undefined)
  if (entries.length === 0) {
    context.issues.push({
      path,
      message: `expected ${expectedOf[column.type]} or an operator object such as { "${allowed[0]}": ... } ` +
        `(column "${column.name}" is a ${column.type}), got {}`,
      expected: "a value or an operator object",
      received: raw
    })
    return []
  }
  const compiled: Array<CompiledCondition> = []
  for (const [key, operand] of entries) {
    if (!isOperator(key)) {
      context.issues.push({
        path: [...path, key],
        message: `unknown operator "${key}"; operators for a ${column.type} column are ${allowed.join(", ")}`,
        expected: `one of ${allowed.join(", ")}`,
        received: key
      })
    } else if (!allowed.includes(key)) {
      context.issues.push({
        path: [...path, key],
        message: `operator "${key}" does not apply to column "${column.name}", a ${column.type}; ` +
          `operators for a ${column.type} column are ${allowed.join(", ")}`,
        expected: `one of ${allowed.join(", ")}`,
        received: key
      })
    } else {
      const condition = compileOperator(context, [...path, key], key, operand)
      if (condition !== undefined) compiled.push(condition)
    }
  }
  return compiled
}

/** The issues of rows whose conditions overlap (one's a subset of another's), which hit policy `unique` refuses. */
export const findOverlaps = (rows: ReadonlyArray<CompiledRow>): Array<Issue> => {
  const keys = rows.map((row) => new Set(row.conditions.map((condition) => condition.key)))
  const rowsWith = new Map<string, Array<number>>()
  keys.forEach((set, index) => {
    for (const key of set) {
      const list = rowsWith.get(key)
      if (list === undefined) rowsWith.set(key, [index])
      else list.push(index)
    }
  })
  const all = rows.map((_, index) => index)
  const issues: Array<Issue> = []
  keys.forEach((subset, a) => {
    let candidates: ReadonlyArray<number> = all
    for (const key of subset) {
      const list = rowsWith.get(key)!
      if (list.length < candidates.length) candidates = list
    }
    for (const b of candidates) {
      const superset = keys[b]!
      if (b === a || superset.size < subset.size) continue
      let contained = true
      for (const key of subset) {
        if (!superset.has(key)) {
          contained = false
          break
        }
      }
      if (!contained) continue
      const identical = superset.size === subset.size
      if (identical && a > b) continue
      const later = rows[Math.max(a, b)]!
      const earlier = rows[Math.min(a, b)]!
      const message = identical
        ? `row "${later.id}" has the same conditions as row "${earlier.id}" (rows[${earlier.index}]), so both match the same inputs`
        : `rows "${earlier.id}" and "${later.id}" overlap: every input matching row "${rows[b]!.id}" also matches row ` +
          `"${rows[a]!.id}", whose conditions are a subset of its own`
      issues.push({
        path: ["rows", later.index, "when"],
        message: `${message}; under hit policy unique at most one row may match an input ` +
          `(make the conditions exclusive, use the table's default for a catch-all, or use hit policy first)`
      })
    }
  })
  return issues
}
