/**
 * The compiled form of conditions and the hot path: each condition as an op-code (or a test
 * closure) with its normalized operand, every row's conditions flattened into a {@link Plan} of
 * parallel arrays, and the loop that finds the next matching row. Private to core; the public face
 * is the `DecisionTable` module.
 */
import type { ColumnType, Operator } from "./model.js"
import { isEmptyValue, type Normalized } from "./values.js"

// How the hot path tests a condition (see `Plan`): the common operators on scalar columns by a
// switch on an op-code over typed arrays, the others (string[] columns, contains, startsWith,
// isEmpty) through a closure. Equals, notEquals, in and notIn on a column whose conditions name few
// values become MASK: a bit test of the value's small integer key.
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
const MASK = 10

/** A column's values are keyed when its conditions name at most this many distinct values (key 0 is any other value). */
const maxKeyed = 31

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

/** A condition checked and compiled: its column's index, its operator and operand, and how the plan tests it. */
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

/** Compiles a checked condition: its op-code, its test and its key. */
export const makeCondition = (
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
 * list), `masks[k]` (the keys that pass, as bits) or `tests[k]`; row `r`'s conditions end before
 * `rowEnd[r]`. One tight loop over numbers and one object shape, instead of a call per condition.
 *
 * The loop reads an input's values as {@link keysOf} gives them: on a column in `keys` (every
 * condition on it an equals, notEquals, in or notIn, naming at most 31 values between them) the
 * value is replaced by its key, 1 to 31 for a value some condition names and 0 for any other or a
 * missing one, so each of those conditions is one bit test instead of a comparison or a set lookup.
 */
export interface Plan {
  readonly codes: Uint8Array
  readonly columns: Uint32Array
  readonly a: ReadonlyArray<Normalized>
  readonly low: Float64Array
  readonly high: Float64Array
  readonly sets: ReadonlyArray<ReadonlySet<Normalized> | undefined>
  readonly tests: ReadonlyArray<((value: Normalized) => boolean) | undefined>
  readonly masks: Uint32Array
  /** Per column, the key of each value its conditions name, or `undefined` when the column is not keyed. */
  readonly keys: ReadonlyArray<ReadonlyMap<Normalized, number> | undefined>
  /** Whether any column is keyed (otherwise the loop reads the values themselves). */
  readonly keyed: boolean
  readonly rowEnd: Uint32Array
}

const operandsOf = (condition: CompiledCondition): ReadonlyArray<Normalized> =>
  condition.code === IN || condition.code === NOT_IN ? condition.operand as ReadonlyArray<Normalized> : [condition.operand as Normalized]

/** The keyed columns: those whose conditions are all equals, notEquals, in or notIn, naming at most {@link maxKeyed} values. */
const keysFor = (columnCount: number, all: ReadonlyArray<CompiledCondition>) => {
  const keys: Array<Map<Normalized, number> | undefined> = Array.from({ length: columnCount }, () => new Map())
  for (const condition of all) {
    const keyed = keys[condition.column]
    if (keyed === undefined) continue
    if (condition.code > NOT_IN) {
      keys[condition.column] = undefined
      continue
    }
    for (const value of operandsOf(condition)) if (!keyed.has(value)) keyed.set(value, keyed.size + 1)
    if (keyed.size > maxKeyed) keys[condition.column] = undefined
  }
  return keys.map((keyed) => (keyed === undefined || keyed.size === 0 ? undefined : keyed))
}

/** The bits of the keys a keyed condition passes: those of the values it names, or for notEquals and notIn every other key. */
const maskOf = (condition: CompiledCondition, keyed: ReadonlyMap<Normalized, number>): number => {
  let named = 0
  for (const value of operandsOf(condition)) named |= 1 << keyed.get(value)!
  return (condition.code === EQUALS || condition.code === IN ? named : ~named) >>> 0
}

export const makePlan = (
  columnCount: number,
  rows: ReadonlyArray<{ readonly conditions: ReadonlyArray<CompiledCondition> }>
): Plan => {
  const all = rows.flatMap((row) => row.conditions)
  const keys = keysFor(columnCount, all)
  const plan: Plan = {
    codes: Uint8Array.from(all, (condition) => (keys[condition.column] === undefined ? condition.code : MASK)),
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
    masks: Uint32Array.from(all, (condition) => {
      const keyed = keys[condition.column]
      return keyed === undefined ? 0 : maskOf(condition, keyed)
    }),
    keys,
    keyed: keys.some((keyed) => keyed !== undefined),
    rowEnd: new Uint32Array(rows.length)
  }
  let end = 0
  rows.forEach((row, r) => {
    end += row.conditions.length
    plan.rowEnd[r] = end
  })
  return plan
}

/**
 * An input's values as the plan's loop reads them: on keyed columns the value's key, elsewhere
 * the value itself (the same array when no column is keyed).
 */
export const keysOf = (plan: Plan, values: ReadonlyArray<Normalized>): ReadonlyArray<Normalized> => {
  if (!plan.keyed) return values
  const keys = plan.keys
  const read: Array<Normalized> = values.slice()
  for (let c = 0; c < keys.length; c++) {
    const keyed = keys[c]
    if (keyed !== undefined) read[c] = values[c] === undefined ? 0 : keyed.get(values[c]) ?? 0
  }
  return read
}

/** Whether condition `k` of the plan passes on `value`, its column's input value as {@link keysOf} reads it. */
const passes = (plan: Plan, k: number, value: Normalized): boolean => {
  switch (plan.codes[k]) {
    case MASK:
      return ((plan.masks[k]! >>> (value as number)) & 1) === 1
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

/** Whether every condition of row `r` passes on the input's column values as {@link keysOf} reads them. */
export const rowPasses = (plan: Plan, values: ReadonlyArray<Normalized>, r: number): boolean => {
  const columns = plan.columns
  const end = plan.rowEnd[r]!
  let k = r === 0 ? 0 : plan.rowEnd[r - 1]!
  while (k < end && passes(plan, k, values[columns[k]!])) k++
  return k === end
}

/** The index of the first row at or after `from` whose conditions all pass (on `values` as {@link keysOf} reads them), or -1. */
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

/** A row compiled: its position, id, description, conditions and parsed result. */
export interface CompiledRow {
  readonly index: number
  readonly id: string
  readonly description: string | undefined
  readonly conditions: ReadonlyArray<CompiledCondition>
  readonly then: unknown
}

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
