/**
 * Decision tables: behaviour configured as data.
 *
 * A table declares typed input columns and a list of rows. Each row has conditions on some of
 * the columns (ANDed; a row leaves out the columns it does not care about) and a result. A hit
 * policy says what a match means: the `first` matching row, the only matching row (`unique`), or
 * every matching row (`collect`). The same engine decides approval chains, purchase-channel
 * routing and project templates; the caller gives the shape of the result as a zod schema.
 *
 * Tables are validated and compiled when they are loaded ({@link define}, {@link decode},
 * {@link fromJson}, {@link fromYaml}): a bad table fails with a {@link DecisionTableError} naming
 * the path, the value and what was expected; a good one evaluates an input with one pass over
 * a plan compiled at load time. Each {@link Decision} carries an {@link Explanation}, plain JSON for an
 * audit trail, computed only when it is read.
 *
 * The table format, operator by operator, is described in docs/decision-tables.md.
 *
 * @since 0.1.0
 */
import { Data, Effect, Option } from "effect"
import { LineCounter, parseDocument } from "yaml"
import { z } from "zod"
import type { Issue } from "../Errors.js"
import {
  type ColumnContext,
  columnTypes,
  type CompiledCondition,
  type CompiledRow,
  compileCondition,
  failureReason,
  findOverlaps,
  makePlan,
  nextMatch,
  operandJson,
  operators,
  operatorsFor as operatorsByType,
  passes,
  type Plan
} from "./internal/conditions.js"
import { didYouMean } from "../internal/nearest.js"
import { parseKnowingKeys } from "../internal/strict.js"
import { fromZod, type Locate, locateIn, valueAt } from "./internal/issues.js"
import { expectedOf, isoPattern, type Normalized, normalizeValue, parseIso, show, toJson } from "./internal/values.js"

// ---------------------------------------------------------------------------------------------
// Columns, operators, hit policies
// ---------------------------------------------------------------------------------------------

/**
 * The types an input column can have. `date` values are ISO-8601 strings (a date alone is
 * midnight UTC; a date-time without an offset is read as UTC) or `Date`s, compared as instants.
 *
 * @since 0.1.0
 * @category models
 */
export const ColumnTypes = columnTypes

/**
 * The type of an input column.
 *
 * @since 0.1.0
 * @category models
 */
export type ColumnType = (typeof ColumnTypes)[number]

/**
 * An input column: the name of a field of the input and its type.
 *
 * @since 0.1.0
 * @category models
 */
export interface Column {
  readonly name: string
  readonly type: ColumnType
  readonly description?: string
}

/**
 * The hit policies: `first` (the first matching row, in table order), `unique` (at most one row
 * may match; two is an `AmbiguousMatch` error) and `collect` (every matching row, in order).
 *
 * @since 0.1.0
 * @category models
 */
export const HitPolicies = ["first", "unique", "collect"] as const

/**
 * A hit policy.
 *
 * @since 0.1.0
 * @category models
 */
export type HitPolicy = (typeof HitPolicies)[number]

/**
 * Every condition operator, in the order they are documented.
 *
 * @since 0.1.0
 * @category models
 */
export const Operators = operators

/**
 * A condition operator.
 *
 * @since 0.1.0
 * @category models
 */
export type Operator = (typeof Operators)[number]

/**
 * The operators each column type accepts.
 *
 * @since 0.1.0
 * @category models
 */
export const operatorsFor: { readonly [T in ColumnType]: ReadonlyArray<Operator> } = operatorsByType

/**
 * A date as a table or an input gives it: an ISO-8601 string, a `Date`, or a Temporal-like value
 * with `epochMilliseconds`.
 *
 * @since 0.1.0
 * @category models
 */
export type DateValue = string | Date | { readonly epochMilliseconds: number }

/**
 * The value type of a column type.
 *
 * @since 0.1.0
 * @category models
 */
export type ValueOf<T extends ColumnType> = T extends "string" ? string
  : T extends "number" ? number
  : T extends "boolean" ? boolean
  : T extends "date" ? DateValue
  : ReadonlyArray<string>

/**
 * The operators every column type accepts, for values `V` with list elements `Element`.
 *
 * @since 0.1.0
 * @category models
 */
export interface CommonOperators<V, Element> {
  readonly equals?: V
  readonly notEquals?: V
  readonly in?: ReadonlyArray<Element>
  readonly notIn?: ReadonlyArray<Element>
  readonly isEmpty?: boolean
  readonly isNotEmpty?: boolean
}

/**
 * The range operators of `number` and `date` columns; `between` is inclusive.
 *
 * @since 0.1.0
 * @category models
 */
export interface RangeOperators<V> {
  readonly gt?: V
  readonly gte?: V
  readonly lt?: V
  readonly lte?: V
  readonly between?: readonly [V, V]
}

/**
 * The operator object of a condition on a column of type `T`. Several operators in one object
 * are ANDed, e.g. `{ gte: 1000, lt: 5000 }`.
 *
 * @since 0.1.0
 * @category models
 */
export type OperatorsOf<T extends ColumnType> = T extends "number" ? CommonOperators<number, number> & RangeOperators<number>
  : T extends "date" ? CommonOperators<DateValue, DateValue> & RangeOperators<DateValue>
  : T extends "string" ? CommonOperators<string, string> & { readonly contains?: string; readonly startsWith?: string }
  : T extends "boolean" ? CommonOperators<boolean, boolean>
  : CommonOperators<ReadonlyArray<string>, string> & { readonly contains?: string }

/**
 * A condition on a column of type `T`: a bare value (meaning `equals`) or an operator object.
 *
 * @since 0.1.0
 * @category models
 */
export type ConditionOf<T extends ColumnType> = ValueOf<T> | OperatorsOf<T>

/**
 * The conditions of a row over the columns `Cs`, keyed by column name.
 *
 * @since 0.1.0
 * @category models
 */
export type WhenOf<Cs extends ReadonlyArray<Column>> = {
  readonly [C in Cs[number] as C["name"]]?: ConditionOf<C["type"]>
}

/**
 * The input a table over the columns `Cs` evaluates: every column is optional, and a missing or
 * `null` value is "empty". Fields that are not columns are ignored.
 *
 * @since 0.1.0
 * @category models
 */
export type InputOf<Cs extends ReadonlyArray<Column>> = {
  readonly [C in Cs[number] as C["name"]]?: ValueOf<C["type"]> | null | undefined
}

// ---------------------------------------------------------------------------------------------
// Definitions and tables
// ---------------------------------------------------------------------------------------------

/**
 * One row of a typed definition: an optional id (default `row-<n>`, 1-based), an optional
 * description, the conditions (none: the row matches every input) and the result.
 *
 * @since 0.1.0
 * @category models
 */
export interface RowDefinition<Cs extends ReadonlyArray<Column>, Then> {
  readonly id?: string
  readonly description?: string
  readonly when?: WhenOf<Cs>
  readonly then: Then
}

/**
 * A typed table definition, as {@link define} takes it. The JSON and YAML forms have the same
 * shape, with dates as ISO-8601 strings.
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition<Cs extends ReadonlyArray<Column>, Then, P extends HitPolicy = HitPolicy> {
  readonly name?: string
  readonly description?: string
  readonly hitPolicy: P
  readonly inputs: Cs
  readonly rows: ReadonlyArray<RowDefinition<Cs, Then>>
  /** The result when no row matches. Without it, no match is the `none` outcome. */
  readonly default?: Then
}

/**
 * A row of a loaded table: its id (given, or `row-<n>`), description, conditions as written, and
 * its result as the result schema parsed it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row<Out> {
  readonly id: string
  readonly description: string | undefined
  readonly when: { readonly [column: string]: ConditionOf<ColumnType> }
  readonly then: Out
}

/**
 * A validated, compiled decision table. `In` is the input it evaluates (any object for tables
 * decoded from data), `Out` the result type, `P` the hit policy. Only {@link define},
 * {@link decode}, {@link fromJson} and {@link fromYaml} make one.
 *
 * @since 0.1.0
 * @category models
 */
export interface DecisionTable<In extends object = object, Out = unknown, P extends HitPolicy = HitPolicy> {
  readonly name: string | undefined
  readonly description: string | undefined
  readonly hitPolicy: P
  readonly inputs: ReadonlyArray<Column>
  readonly rows: ReadonlyArray<Row<Out>>
  readonly default: Option.Option<Out>
  /** Type-level only, never set: carries the input type (a table for a wider input fits a narrower one). */
  readonly "~input"?: (input: In) => void
}

/**
 * How to read a table: the zod schema of a row's result (and of the default).
 *
 * @since 0.1.0
 * @category models
 */
export interface Options<R extends z.ZodType> {
  readonly result: R
}

// ---------------------------------------------------------------------------------------------
// Decisions and explanations
// ---------------------------------------------------------------------------------------------

/**
 * A JSON value, as explanations hold them.
 *
 * @since 0.1.0
 * @category models
 */
export type Json = string | number | boolean | null | ReadonlyArray<Json> | { readonly [key: string]: Json }

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

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

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

const tableLabel = (name: string | undefined) => (name === undefined ? "Decision table" : `Decision table "${name}"`)

const listIssues = (issues: ReadonlyArray<Issue>, root: string): string => {
  const lines = issues
    .slice(0, maxListedIssues)
    .map((issue) => `${issue.path.length === 0 ? root : formatPath(issue.path)}: ${issue.message}`)
  const more = issues.length > maxListedIssues ? `; and ${issues.length - maxListedIssues} more` : ""
  return lines.join("; ") + more
}

const invalidTable = (name: string | undefined, issues: ReadonlyArray<Issue>) =>
  new DecisionTableError({
    reason: "InvalidTable",
    table: name,
    issues,
    message: `${tableLabel(name)} is invalid: ${listIssues(issues, "(table)")}`
  })

// ---------------------------------------------------------------------------------------------
// The table format, as zod schemas
// ---------------------------------------------------------------------------------------------

const columnName = /^[A-Za-z_][A-Za-z0-9_]*$/

const ColumnSchema = z.strictObject({
  name: z.string().regex(columnName, { error: "expected a column name: a letter or _, then letters, digits or _" })
    .describe("The input field the column reads."),
  type: z.enum(ColumnTypes).describe("The column's type; dates are ISO-8601 strings, compared as instants."),
  description: z.string().optional()
})

const tableSchema = (when: z.ZodType, then: z.ZodType) =>
  z.strictObject({
    name: z.string().min(1).optional().describe("A name for messages and audit records."),
    description: z.string().optional(),
    hitPolicy: z.enum(HitPolicies).describe(
      "first: the first matching row; unique: at most one row may match; collect: every matching row, in order."
    ),
    inputs: z.array(ColumnSchema).describe("The input columns."),
    rows: z.array(
      z.strictObject({
        id: z.string().min(1).optional().describe("Defaults to row-<n>, 1-based."),
        description: z.string().optional(),
        when: when.optional().describe(
          "Conditions by column, ANDed; a bare value means equals. A row without conditions matches every input."
        ),
        then
      })
    ),
    default: then.optional().describe("The result when no row matches.")
  })

const StructureSchema = tableSchema(z.record(z.string(), z.unknown()), z.unknown())

const IsoDate = z.string()
  .regex(isoPattern, { error: "expected an ISO-8601 date or date-time" })
  .refine((text) => parseIso(text) !== undefined, { error: "expected a valid date" })
  .describe("An ISO-8601 date (midnight UTC) or date-time (UTC unless an offset is given).")

const valueSchema = (type: ColumnType): z.ZodType => {
  switch (type) {
    case "string":
      return z.string()
    case "number":
      return z.number()
    case "boolean":
      return z.boolean()
    case "date":
      return IsoDate
    case "string[]":
      return z.array(z.string())
  }
}

/**
 * The zod schema of a condition, in its JSON form, on a column of the given type: a bare value
 * (equals) or an object of the operators that type accepts. For form builders and editors; the
 * loaders check the same rules with messages naming the column.
 *
 * @since 0.1.0
 * @category models
 */
export const conditionSchema = (type: ColumnType): z.ZodType => {
  const value = valueSchema(type)
  const element = type === "string[]" ? z.string() : value
  const list = z.array(element).min(1)
  const shapes: Record<Operator, z.ZodType> = {
    equals: value,
    notEquals: value,
    in: list,
    notIn: list,
    gt: value,
    gte: value,
    lt: value,
    lte: value,
    between: z.tuple([value, value]).refine(
      ([min, max]) => (type === "date" ? (parseIso(min as string) ?? 0) <= (parseIso(max as string) ?? 0) : (min as number) <= (max as number)),
      { error: "expected min <= max" }
    ),
    contains: z.string(),
    startsWith: z.string(),
    isEmpty: z.boolean(),
    isNotEmpty: z.boolean()
  }
  const accepted = Object.fromEntries(operatorsFor[type].map((operator) => [operator, shapes[operator].optional()]))
  const object = z.strictObject(accepted)
    .refine((o) => Object.keys(o).length > 0, { error: "expected at least one operator" })
    .meta({ minProperties: 1 })
  return z.union([value.describe("A bare value: equals."), object.describe(`Operators for a ${type} column, ANDed.`)])
}

const anyConditionSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.string()),
  z.partialRecord(z.enum(Operators), z.unknown()).meta({ minProperties: 1 })
]).describe("A bare value (equals) or an operator object such as { \"gte\": 10000 }.")

/**
 * The JSON Schema of a table definition whose results follow `result`, for form builders and
 * editors. Given `inputs`, each row's `when` lists exactly those columns, each with the operators
 * of its type.
 *
 * @since 0.1.0
 * @category conversions
 */
export const jsonSchema = (options: {
  readonly result: z.ZodType
  readonly inputs?: ReadonlyArray<Column>
}): Record<string, unknown> => {
  const when = options.inputs === undefined
    ? z.record(z.string(), anyConditionSchema)
    : z.strictObject(
      Object.fromEntries(options.inputs.map((column) => [column.name, conditionSchema(column.type).optional()]))
    )
  return z.toJSONSchema(tableSchema(when, options.result).describe("A Procura decision table."), {
    io: "input",
    unrepresentable: "any"
  }) as Record<string, unknown>
}

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

const withLocations = (error: DecisionTableError, locate: Locate | undefined): DecisionTableError => {
  if (locate === undefined || error.reason !== "InvalidTable") return error
  const issues = error.issues.map((issue) => {
    const at = locate(issue.path)
    return at === undefined ? issue : { ...issue, message: `${issue.message} (at ${at})` }
  })
  return invalidTable(error.table, issues)
}

const nameOf = (raw: unknown): string | undefined => {
  const name = valueAt(raw, ["name"])
  return typeof name === "string" && name !== "" ? name : undefined
}

interface Compiled {
  readonly name: string | undefined
  readonly hitPolicy: HitPolicy
  readonly columns: ReadonlyArray<Column>
  readonly rows: ReadonlyArray<CompiledRow>
  readonly plan: Plan
  readonly fallback: { readonly value: unknown } | undefined
}

const compiledTables = new WeakMap<object, Compiled>()

/** Validates and compiles a table, or returns the error naming every problem. */
const load = (raw: unknown, result: z.ZodType): DecisionTable<object, unknown> | DecisionTableError => {
  const name = nameOf(raw)
  const { knownKeys: structureKeys, result: structure } = parseKnowingKeys(StructureSchema, raw)
  if (!structure.success) return invalidTable(name, fromZod(structure.error, raw, [], structureKeys))
  const definition = structure.data
  const issues: Array<Issue> = []

  const columns = new Map<string, ColumnContext>()
  definition.inputs.forEach((column, index) => {
    if (columns.has(column.name)) {
      issues.push({
        path: ["inputs", index, "name"],
        message: `duplicate column "${column.name}" (inputs[${columns.get(column.name)!.index}] has it too)`,
        received: column.name
      })
    } else {
      const declared: Column = column.description === undefined
        ? { name: column.name, type: column.type }
        : { name: column.name, type: column.type, description: column.description }
      columns.set(column.name, { column: declared, index, issues })
    }
  })
  const columnList = [...columns.values()].map((context) => context.column)
  const columnNames = columnList.map((column) => column.name).join(", ") || "none"

  const ids = new Map<string, number>()
  const compiledRows: Array<CompiledRow> = []
  const rows: Array<Row<unknown>> = []
  definition.rows.forEach((row, index) => {
    const id = row.id ?? `row-${index + 1}`
    const seen = ids.get(id)
    if (seen !== undefined) {
      issues.push({
        path: row.id === undefined ? ["rows", index] : ["rows", index, "id"],
        message: row.id === undefined
          ? `this row's default id "${id}" is already the id of rows[${seen}]; give one of them another id`
          : `duplicate row id "${id}" (rows[${seen}] has it too)`,
        received: id
      })
    } else {
      ids.set(id, index)
    }
    const when = row.when ?? {}
    const conditions: Array<CompiledCondition> = []
    for (const [key, condition] of Object.entries(when)) {
      if (condition === undefined) continue
      const context = columns.get(key)
      if (context === undefined) {
        const suggestion = didYouMean(key, columns.keys())
        issues.push({
          path: ["rows", index, "when", key],
          message: `no input column "${key}"; ${suggestion === undefined ? "" : `${suggestion} `}columns are ${columnNames}`,
          expected: `one of ${columnNames}`,
          received: key
        })
        continue
      }
      conditions.push(...compileCondition(context, ["rows", index, "when", key], condition))
    }
    const { knownKeys: thenKeys, result: then } = parseKnowingKeys(result, row.then)
    if (!then.success) issues.push(...fromZod(then.error, row.then, ["rows", index, "then"], thenKeys))
    const out = then.success ? then.data : undefined
    compiledRows.push({ index, id, description: row.description, conditions, then: out })
    rows.push({ id, description: row.description, when: when as Row<unknown>["when"], then: out })
  })

  let fallback: { readonly value: unknown } | undefined
  if (definition.default !== undefined) {
    const { knownKeys: defaultKeys, result: parsed } = parseKnowingKeys(result, definition.default)
    if (parsed.success) fallback = { value: parsed.data }
    else issues.push(...fromZod(parsed.error, definition.default, ["default"], defaultKeys))
  }

  if (issues.length === 0 && definition.hitPolicy === "unique") issues.push(...findOverlaps(compiledRows))
  if (issues.length > 0) return invalidTable(name, issues)

  const table: DecisionTable<object, unknown> = {
    name,
    description: definition.description,
    hitPolicy: definition.hitPolicy,
    inputs: columnList,
    rows,
    default: fallback === undefined ? Option.none() : Option.some(fallback.value)
  }
  compiledTables.set(table, {
    name,
    hitPolicy: definition.hitPolicy,
    columns: columnList,
    rows: compiledRows,
    plan: makePlan(compiledRows),
    fallback
  })
  return table
}

/**
 * Makes a table from a typed definition written in code. The input type follows from the
 * columns, and each row's conditions are type-checked against them. The definition is validated
 * like any other (operand types, duplicate ids, results, overlaps under `unique`).
 *
 * @throws DecisionTableError (reason `InvalidTable`) when the definition is invalid.
 * @since 0.1.0
 * @category constructors
 */
export const define = <const Cs extends ReadonlyArray<Column>, const P extends HitPolicy, R extends z.ZodType>(
  definition: Definition<Cs, z.input<R>, P>,
  options: Options<R>
): DecisionTable<InputOf<Cs>, z.output<R>, P> => {
  const table = load(definition, options.result)
  if (table instanceof DecisionTableError) throw table
  return table as DecisionTable<InputOf<Cs>, z.output<R>, P>
}

/**
 * Makes a table from data (parsed JSON or YAML, a database record, a plugin's configuration),
 * failing with an `InvalidTable` error that names every problem's path, value and expectation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const decode = <R extends z.ZodType>(
  raw: unknown,
  options: Options<R>
): Effect.Effect<DecisionTable<object, z.output<R>>, DecisionTableError> =>
  Effect.suspend(() => {
    const table = load(raw, options.result)
    return table instanceof DecisionTableError ? Effect.fail(table) : Effect.succeed(table as DecisionTable<object, z.output<R>>)
  })

/**
 * Makes a table from JSON text. Errors name the path and, where it can be found, the line.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromJson = <R extends z.ZodType>(
  text: string,
  options: Options<R>
): Effect.Effect<DecisionTable<object, z.output<R>>, DecisionTableError> =>
  Effect.suspend(() => {
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause)
      return Effect.fail(invalidTable(undefined, [{ path: [], message: `not valid JSON: ${reason}` }]))
    }
    return decode(raw, options).pipe(Effect.mapError((error) => withLocations(error, locateIn(text))))
  })

/**
 * Makes a table from YAML text (YAML 1.2: `2026-01-01` stays a string, `yes` is not a
 * boolean). Errors name the path and the line.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromYaml = <R extends z.ZodType>(
  text: string,
  options: Options<R>
): Effect.Effect<DecisionTable<object, z.output<R>>, DecisionTableError> =>
  Effect.suspend(() => {
    const lineCounter = new LineCounter()
    const document = parseDocument(text, { lineCounter })
    if (document.errors.length > 0) {
      return Effect.fail(invalidTable(
        undefined,
        document.errors.map((error) => ({ path: [], message: `not valid YAML: ${error.message.split("\n")[0]}` }))
      ))
    }
    return decode(document.toJS(), options).pipe(Effect.mapError((error) => withLocations(error, locateIn(text))))
  })

// ---------------------------------------------------------------------------------------------
// Evaluating
// ---------------------------------------------------------------------------------------------

const compiledOf = (table: DecisionTable<never, unknown>): Compiled => {
  const compiled = compiledTables.get(table)
  if (compiled === undefined) {
    throw new TypeError("Not a decision table: make tables with DecisionTable.define, decode, fromJson or fromYaml")
  }
  return compiled
}

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
    const normalized = normalizeValue(column.type, raw)
    if (normalized === undefined) {
      const expected = expectedOf[column.type]
      if (issues === undefined) issues = []
      issues.push({
        path: [column.name],
        message: `expected ${expected} (column "${column.name}" is a ${column.type}), got ${show(raw)}`,
        expected,
        received: raw
      })
    } else {
      values.push(normalized.ok)
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
      const first = row.index === 0 ? 0 : compiled.plan.rowEnd[row.index - 1]!
      const at = row.conditions.findIndex((condition, i) => !passes(compiled.plan, first + i, values[condition.column]))
      const failed = row.conditions[at]
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
interface Evidence {
  readonly compiled: Compiled
  readonly values: ReadonlyArray<Normalized>
  readonly rows: ReadonlyArray<CompiledRow>
}

class DecisionData {
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

class Single extends DecisionData {
  readonly result: unknown
  constructor(hitPolicy: HitPolicy, outcome: Outcome, matched: ReadonlyArray<string>, result: unknown, evidence: Evidence) {
    super(hitPolicy, outcome, matched, evidence)
    this.result = result
  }
  toJSON() {
    return { hitPolicy: this.hitPolicy, outcome: this.outcome, matched: this.matched, result: this.result, explanation: this.explanation }
  }
}

class Collected extends DecisionData {
  readonly results: ReadonlyArray<unknown>
  constructor(outcome: Outcome, matched: ReadonlyArray<string>, results: ReadonlyArray<unknown>, evidence: Evidence) {
    super("collect", outcome, matched, evidence)
    this.results = results
  }
  toJSON() {
    return { hitPolicy: this.hitPolicy, outcome: this.outcome, matched: this.matched, results: this.results, explanation: this.explanation }
  }
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

const decide = (compiled: Compiled, input: unknown): DecisionData | DecisionTableError => {
  const values = normalizeInput(compiled, input)
  if (values instanceof DecisionTableError) return values
  const { plan, rows } = compiled
  const first = nextMatch(plan, values, 0)
  if (first < 0) return noMatch(compiled, values)
  const row = rows[first]!
  switch (compiled.hitPolicy) {
    case "first":
      return new Single("first", "matched", [row.id], row.then, { compiled, values, rows: [row] })
    case "unique": {
      const second = nextMatch(plan, values, first + 1)
      if (second < 0) return new Single("unique", "matched", [row.id], row.then, { compiled, values, rows: [row] })
      const all = [row]
      for (let index = second; index >= 0; index = nextMatch(plan, values, index + 1)) all.push(rows[index]!)
      return ambiguous(compiled, all)
    }
    case "collect": {
      const matched = [row]
      for (let index = nextMatch(plan, values, first + 1); index >= 0; index = nextMatch(plan, values, index + 1)) {
        matched.push(rows[index]!)
      }
      return new Collected("matched", matched.map((each) => each.id), matched.map((each) => each.then), { compiled, values, rows: matched })
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
