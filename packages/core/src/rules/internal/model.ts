/**
 * The decision-table model: columns and their types, condition operators and which types accept
 * them, hit policies, the typed shapes of conditions, rows and definitions, and the loaded
 * {@link DecisionTable} itself. Types only, plus the lists they are read from. Private to core;
 * the public face is the `DecisionTable` module.
 */
import type { Option } from "effect"
import type { z } from "zod"

/**
 * The types an input column can have. `date` values are ISO-8601 strings (a date alone is
 * midnight UTC; a date-time without an offset is read as UTC) or `Date`s, compared as instants.
 *
 * @since 0.1.0
 * @category models
 */
export const ColumnTypes = ["string", "number", "boolean", "date", "string[]"] as const

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
export const Operators = [
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

/**
 * A condition operator.
 *
 * @since 0.1.0
 * @category models
 */
export type Operator = (typeof Operators)[number]

const common = ["equals", "notEquals", "in", "notIn"] as const
const ranges = ["gt", "gte", "lt", "lte", "between"] as const
const emptiness = ["isEmpty", "isNotEmpty"] as const

/**
 * The operators each column type accepts.
 *
 * @since 0.1.0
 * @category models
 */
export const operatorsFor: { readonly [T in ColumnType]: ReadonlyArray<Operator> } = {
  string: [...common, "contains", "startsWith", ...emptiness],
  number: [...common, ...ranges, ...emptiness],
  boolean: [...common, ...emptiness],
  date: [...common, ...ranges, ...emptiness],
  "string[]": [...common, "contains", ...emptiness]
}

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

/**
 * A JSON value, as explanations hold them.
 *
 * @since 0.1.0
 * @category models
 */
export type Json = string | number | boolean | null | ReadonlyArray<Json> | { readonly [key: string]: Json }
