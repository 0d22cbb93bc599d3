/**
 * Conditions: checking a row's conditions against the columns' types, compiling them into a
 * {@link Plan} the hot path scans, finding overlapping rows, and saying in words why a condition
 * failed. Private to the rules module.
 */
import type { Issue } from "../../Errors.js"
import type { Column, Json } from "../DecisionTable.js"
import {
  expectedOf,
  isEmptyValue,
  type Normalized,
  normalizeValue,
  show,
  showValue,
  toJson
} from "./values.js"

/** The column types; `DecisionTable.ColumnTypes` publishes them. */
export const columnTypes = ["string", "number", "boolean", "date", "string[]"] as const

/** A column type. */
export type ColumnType = (typeof columnTypes)[number]

/** The operators; `DecisionTable.Operators` publishes them. */
export const operators = [
  "equals",
  "notEquals",
  "in",
  "notIn",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
  "contains",
  "startsWith",
  "isEmpty",
  "isNotEmpty"
] as const

/** An operator. */
export type Operator = (typeof operators)[number]

const common = ["equals", "notEquals", "in", "notIn"] as const
const ranges = ["gt", "gte", "lt", "lte", "between"] as const
const emptiness = ["isEmpty", "isNotEmpty"] as const

/** The operators each column type accepts; `DecisionTable.operatorsFor` publishes them. */
export const operatorsFor: { readonly [T in ColumnType]: ReadonlyArray<Operator> } = {
  string: [...common, "contains", "startsWith", ...emptiness],
  number: [...common, ...ranges, ...emptiness],
  boolean: [...common, ...emptiness],
  date: [...common, ...ranges, ...emptiness],
  "string[]": [...common, "contains", ...emptiness]
}

// How the hot path tests a condition (see `Plan`): the common operators on scalar columns by a
// switch on an op-code over typed arrays, the others (string[] columns, contains, startsWith,
// isEmpty) through a closure.
const EQUALS = 0
const NOT_EQUALS = 1
const IN = 2
const NOT_IN = 3
const GT = 4
const GTE = 5
const LT = 6
const LTE = 7
const BETWEEN = 8
const TEST = 9

const scalarCodes: Partial<Record<Operator, number>> = {
  equals: EQUALS,
  notEquals: NOT_EQUALS,
  in: IN,
  notIn: NOT_IN,
  gt: GT,
  gte: GTE,
  lt: LT,
  lte: LTE,
  between: BETWEEN
}

export interface CompiledCondition {
  readonly column: number
  readonly operator: Operator
  /** The normalized operand: a value, a list, a `[min, max]` pair, or a boolean. */
  readonly operand: Normalized | ReadonlyArray<Normalized>
  /** The op-code the plan tests it with. */
  readonly code: number
  readonly test: (value: Normalized) => boolean
  /** Equal keys mean equivalent conditions; used to find overlapping rows. */
  readonly key: string
}

const makeCondition = (
  column: number,
  type: ColumnType,
  operator: Operator,
  operand: Normalized | ReadonlyArray<Normalized>
): CompiledCondition => ({
  column,
  operator,
  operand,
  code: type === "string[]" ? TEST : scalarCodes[operator] ?? TEST,
  test: makeTest(type, operator, operand),
  key: conditionKey(column, type, operator, operand)
})

/**
 * Every row's conditions, flattened in table order into parallel arrays: condition `k` tests
 * column `columns[k]` with op-code `codes[k]` against `a[k]` (the value of equals and notEquals),
 * `low[k]` and `high[k]` (the bounds of a range, as numbers or epoch milliseconds), `sets[k]` (a
 * list) or `tests[k]`; row `r`'s conditions end before `rowEnd[r]`.
 * One tight loop over numbers and one object shape, instead of a call per condition.
 */
export interface Plan {
  readonly codes: Uint8Array
  readonly columns: Uint32Array
  readonly a: ReadonlyArray<Normalized>
  readonly low: Float64Array
  readonly high: Float64Array
  readonly sets: ReadonlyArray<ReadonlySet<Normalized> | undefined>
  readonly tests: ReadonlyArray<((value: Normalized) => boolean) | undefined>
  readonly rowEnd: Uint32Array
}

export const makePlan = (rows: ReadonlyArray<{ readonly conditions: ReadonlyArray<CompiledCondition> }>): Plan => {
  const all = rows.flatMap((row) => row.conditions)
  const plan: Plan = {
    codes: Uint8Array.from(all, (condition) => condition.code),
    columns: Uint32Array.from(all, (condition) => condition.column),
    a: all.map((condition) =>
      condition.code === EQUALS || condition.code === NOT_EQUALS ? condition.operand as Normalized : undefined
    ),
    low: Float64Array.from(all, (condition) =>
      condition.code === BETWEEN ? (condition.operand as ReadonlyArray<number>)[0]!
      : condition.code === GT || condition.code === GTE ? condition.operand as number
      : Number.NEGATIVE_INFINITY
    ),
    high: Float64Array.from(all, (condition) =>
      condition.code === BETWEEN ? (condition.operand as ReadonlyArray<number>)[1]!
      : condition.code === LT || condition.code === LTE ? condition.operand as number
      : Number.POSITIVE_INFINITY
    ),
    sets: all.map((condition) =>
      condition.code === IN || condition.code === NOT_IN ? new Set(condition.operand as ReadonlyArray<Normalized>) : undefined
    ),
    tests: all.map((condition) => (condition.code === TEST ? condition.test : undefined)),
    rowEnd: new Uint32Array(rows.length)
  }
  let end = 0
  rows.forEach((row, r) => {
    end += row.conditions.length
    plan.rowEnd[r] = end
  })
  return plan
}

/** Whether condition `k` of the plan passes on `value`, its column's normalized input value. */
export const passes = (plan: Plan, k: number, value: Normalized): boolean => {
  switch (plan.codes[k]) {
    case EQUALS:
      return value === plan.a[k]
    case NOT_EQUALS:
      return value !== plan.a[k]
    case IN:
      return value !== undefined && plan.sets[k]!.has(value)
    case NOT_IN:
      return value === undefined || !plan.sets[k]!.has(value)
    case GT:
      return value !== undefined && (value as number) > plan.low[k]!
    case GTE:
      return value !== undefined && (value as number) >= plan.low[k]!
    case LT:
      return value !== undefined && (value as number) < plan.high[k]!
    case LTE:
      return value !== undefined && (value as number) <= plan.high[k]!
    case BETWEEN:
      return value !== undefined && (value as number) >= plan.low[k]! && (value as number) <= plan.high[k]!
    default:
      return plan.tests[k]!(value)
  }
}

/** The index of the first row at or after `from` whose conditions all pass, or -1. */
export const nextMatch = (plan: Plan, values: ReadonlyArray<Normalized>, from: number): number => {
  const rowEnd = plan.rowEnd
  const columns = plan.columns
  const count = rowEnd.length
  let k = from === 0 ? 0 : rowEnd[from - 1]!
  for (let r = from; r < count; r++) {
    const end = rowEnd[r]!
    while (k < end && passes(plan, k, values[columns[k]!])) k++
    if (k === end) return r
    k = end
  }
  return -1
}

export interface CompiledRow {
  readonly index: number
  readonly id: string
  readonly description: string | undefined
  readonly conditions: ReadonlyArray<CompiledCondition>
  readonly then: unknown
}

export const isOperatorObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date) &&
  !("epochMilliseconds" in value)

const sameMembers = (value: ReadonlyArray<string>, members: ReadonlySet<string>): boolean => {
  if (value.length < members.size) return false
  const seen = new Set<string>()
  for (const member of value) {
    if (!members.has(member)) return false
    seen.add(member)
  }
  return seen.size === members.size
}

const sortedKey = (values: ReadonlyArray<Normalized>) =>
  JSON.stringify([...new Set(values)].sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0)))

/** The test of a positive operator on a present value. */
const positiveTest = (
  type: ColumnType,
  operator: "equals" | "in" | "gt" | "gte" | "lt" | "lte" | "between" | "contains" | "startsWith",
  operand: Normalized | ReadonlyArray<Normalized>
): ((value: Normalized) => boolean) => {
  switch (operator) {
    case "equals": {
      if (type === "string[]") {
        const members = new Set(operand as ReadonlyArray<string>)
        return (value) => value !== undefined && sameMembers(value as ReadonlyArray<string>, members)
      }
      return (value) => value === operand
    }
    case "in": {
      const members = new Set(operand as ReadonlyArray<Normalized>)
      if (type === "string[]") {
        return (value) => value !== undefined && (value as ReadonlyArray<string>).some((member) => members.has(member))
      }
      return (value) => value !== undefined && members.has(value)
    }
    case "gt": {
      const bound = operand as number
      return (value) => value !== undefined && (value as number) > bound
    }
    case "gte": {
      const bound = operand as number
      return (value) => value !== undefined && (value as number) >= bound
    }
    case "lt": {
      const bound = operand as number
      return (value) => value !== undefined && (value as number) < bound
    }
    case "lte": {
      const bound = operand as number
      return (value) => value !== undefined && (value as number) <= bound
    }
    case "between": {
      const [min, max] = operand as readonly [number, number]
      return (value) => value !== undefined && (value as number) >= min && (value as number) <= max
    }
    case "contains": {
      const needle = operand as string
      if (type === "string[]") return (value) => value !== undefined && (value as ReadonlyArray<string>).includes(needle)
      return (value) => value !== undefined && (value as string).includes(needle)
    }
    case "startsWith": {
      const prefix = operand as string
      return (value) => value !== undefined && (value as string).startsWith(prefix)
    }
  }
}

const makeTest = (
  type: ColumnType,
  operator: Operator,
  operand: Normalized | ReadonlyArray<Normalized>
): ((value: Normalized) => boolean) => {
  switch (operator) {
    case "notEquals": {
      const equals = positiveTest(type, "equals", operand)
      return (value) => !equals(value)
    }
    case "notIn": {
      const isIn = positiveTest(type, "in", operand)
      return (value) => !isIn(value)
    }
    case "isEmpty":
      return operand === true ? isEmptyValue : (value) => !isEmptyValue(value)
    case "isNotEmpty":
      return operand === true ? (value) => !isEmptyValue(value) : isEmptyValue
    default:
      return positiveTest(type, operator, operand)
  }
}

const conditionKey = (column: number, type: ColumnType, operator: Operator, operand: Normalized | ReadonlyArray<Normalized>) => {
  switch (operator) {
    case "isEmpty":
    case "isNotEmpty":
      return `${column}:${(operator === "isEmpty") === operand ? "isEmpty" : "isNotEmpty"}`
    case "in":
    case "notIn":
      return `${column}:${operator}:${sortedKey(operand as ReadonlyArray<Normalized>)}`
    case "equals":
    case "notEquals":
      return `${column}:${operator}:${type === "string[]" ? sortedKey(operand as ReadonlyArray<Normalized>) : JSON.stringify(operand)}`
    default:
      return `${column}:${operator}:${JSON.stringify(operand)}`
  }
}

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

const isOperator = (key: string): key is Operator => (operators as ReadonlyArray<string>).includes(key)

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

const listText = (type: ColumnType, values: ReadonlyArray<Normalized>) => values.map((v) => showValue(type, v)).join(", ")

/** Why `condition` failed on `value`, e.g. `amount 500 is not >= 10000`. */
export const failureReason = (column: Column, condition: CompiledCondition, value: Normalized): string => {
  const { name, type } = column
  const operand = condition.operand
  const shown = showValue(type, value)
  const symbols: Partial<Record<Operator, string>> = { gt: ">", gte: ">=", lt: "<", lte: "<=" }
  if (value === undefined && condition.operator !== "isEmpty" && condition.operator !== "isNotEmpty") {
    return `${name} is missing`
  }
  switch (condition.operator) {
    case "equals":
      return `${name} ${shown} is not ${showValue(type, operand as Normalized)}`
    case "notEquals":
      return `${name} ${shown} is ${showValue(type, operand as Normalized)}, which the row excludes`
    case "in":
      return type === "string[]"
        ? `${name} ${shown} has no member in ${listText("string", operand as ReadonlyArray<Normalized>)}`
        : `${name} ${shown} is not one of ${listText(type, operand as ReadonlyArray<Normalized>)}`
    case "notIn":
      return type === "string[]"
        ? `${name} ${shown} has a member in the excluded ${listText("string", operand as ReadonlyArray<Normalized>)}`
        : `${name} ${shown} is one of the excluded ${listText(type, operand as ReadonlyArray<Normalized>)}`
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return `${name} ${shown} is not ${symbols[condition.operator]} ${showValue(type, operand as Normalized)}`
    case "between": {
      const [min, max] = operand as ReadonlyArray<Normalized>
      return `${name} ${shown} is not between ${showValue(type, min)} and ${showValue(type, max)}`
    }
    case "contains":
      return `${name} ${shown} does not contain ${show(operand)}`
    case "startsWith":
      return `${name} ${shown} does not start with ${show(operand)}`
    case "isEmpty":
    case "isNotEmpty":
      return isEmptyValue(value) ? `${name} is empty` : `${name} ${shown} is not empty`
  }
}

export const operandJson = (type: ColumnType, condition: CompiledCondition): Json => {
  const operand = condition.operand
  if (Array.isArray(operand)) {
    if (type === "string[]" && (condition.operator === "equals" || condition.operator === "notEquals")) return operand as Json
    const elementType: ColumnType = type === "string[]" ? "string" : type
    return (operand as ReadonlyArray<Normalized>).map((v) => toJson(elementType, v))
  }
  return condition.operator === "isEmpty" || condition.operator === "isNotEmpty" || condition.operator === "contains" ||
      condition.operator === "startsWith"
    ? (operand as Json)
    : toJson(type, operand as Normalized)
}
