/**
 * Queries: the filter language callers write ({@link Filter}), the normalised expression drivers
 * receive ({@link Expr}) and the checks between them, orderings, pages, and keyset paging (the
 * cursor and the expression selecting the records after it). Private to core; the public face is
 * the `Storage` module.
 */
import { Result } from "effect"
import { Base64Url } from "effect/encoding"
import { type CollectionDefinition, type FieldType, type StoredRecord, typeMatches } from "./collections.js"
import { invalid } from "./errors.js"


/**
 * Conditions on one field. A bare value means `eq`. Comparisons (`eq`, `gt`, ...) never match a
 * missing value; `ne` and `nin` do match it (they mean "is distinct from"). Use `isNull` to ask
 * for missing values.
 *
 * @since 0.1.0
 * @category models
 */
export interface FieldCondition<V> {
  readonly eq?: V | null
  readonly ne?: V | null
  readonly gt?: V
  readonly gte?: V
  readonly lt?: V
  readonly lte?: V
  readonly in?: ReadonlyArray<V>
  readonly nin?: ReadonlyArray<V>
  readonly startsWith?: string
  readonly contains?: string
  readonly isNull?: boolean
}

/**
 * A filter over a collection's declared fields: every field condition must hold (AND); `$or`
 * holds when any of its filters does.
 *
 * @since 0.1.0
 * @category models
 */
export type Filter<A> = {
  readonly [K in keyof A]?: A[K] | null | FieldCondition<NonNullable<A[K]>>
} & { readonly $or?: ReadonlyArray<Filter<A>> }

/**
 * A normalised filter expression, as drivers receive it. Field names are declared fields (or
 * `id`), and values are checked against the field's type.
 *
 * @since 0.1.0
 * @category models
 */
export type Expr =
  | { readonly _tag: "and"; readonly exprs: ReadonlyArray<Expr> }
  | { readonly _tag: "or"; readonly exprs: ReadonlyArray<Expr> }
  | {
    readonly _tag: "compare"
    readonly field: string
    readonly type: FieldType
    readonly op: "eq" | "ne" | "gt" | "gte" | "lt" | "lte"
    readonly value: unknown
  }
  | {
    readonly _tag: "in"
    readonly field: string
    readonly type: FieldType
    readonly values: ReadonlyArray<unknown>
    readonly negate: boolean
  }
  | { readonly _tag: "isNull"; readonly field: string; readonly type: FieldType; readonly negate: boolean }
  | {
    readonly _tag: "text"
    readonly field: string
    readonly type: FieldType
    readonly op: "startsWith" | "contains"
    readonly value: string
  }

/**
 * One ordering term. Missing values sort last in both directions.
 *
 * @since 0.1.0
 * @category models
 */
export interface OrderBy<A> {
  readonly field: keyof A & string
  readonly direction?: "asc" | "desc"
}

/**
 * An ordering term as drivers receive it; the last term is always `id` ascending.
 *
 * @since 0.1.0
 * @category models
 */
export interface Order {
  readonly field: string
  readonly type: FieldType
  readonly direction: "asc" | "desc"
}

/**
 * A query: filter, order, page size (default 100, at most 1,000) and the cursor of the previous page.
 *
 * @since 0.1.0
 * @category models
 */
export interface Query<A> {
  readonly where?: Filter<A>
  readonly orderBy?: ReadonlyArray<OrderBy<A>>
  readonly limit?: number
  readonly cursor?: string
}

/**
 * A page of records and, when more may follow, the cursor of the next page.
 *
 * @since 0.1.0
 * @category models
 */
export interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly cursor: string | undefined
}

const normaliseValue = (collection: string, field: string, type: FieldType, value: unknown): unknown => {
  if (!typeMatches(type, value)) {
    throw invalid(collection, `field "${field}" expects a ${type}, got ${JSON.stringify(value)}`)
  }
  return type === "timestamp" ? new Date(value as string).toISOString() : value
}

const conditionKeys = new Set(["eq", "ne", "gt", "gte", "lt", "lte", "in", "nin", "startsWith", "contains", "isNull"])

const isCondition = (value: unknown): value is FieldCondition<unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value) &&
  Object.keys(value).length > 0 && Object.keys(value).every((key) => conditionKeys.has(key))

/**
 * Normalises a {@link Filter} into an {@link Expr}, checking every field and value. Throws a
 * `StorageError` with reason {@link InvalidInput} naming the field and the problem.
 *
 * @since 0.1.0
 * @category constructors
 */
export const normaliseFilter = (definition: CollectionDefinition, filter: Filter<any>): Expr | undefined => {
  const fieldType = (field: string): FieldType => {
    if (field === "id") return "string"
    const type = definition.fields[field]
    if (type === undefined) {
      throw invalid(definition.name, `cannot filter on "${field}": it is not a declared field (declared: ${Object.keys(definition.fields).join(", ") || "none"})`)
    }
    return type
  }
  const exprs: Array<Expr> = []
  for (const [field, condition] of Object.entries(filter)) {
    if (condition === undefined) continue
    if (field === "$or") {
      const branches = (condition as ReadonlyArray<Filter<any>>).map((branch) =>
        normaliseFilter(definition, branch) ?? ({ _tag: "and", exprs: [] } as Expr)
      )
      exprs.push({ _tag: "or", exprs: branches })
      continue
    }
    const type = fieldType(field)
    const value = (v: unknown) => normaliseValue(definition.name, field, type, v)
    if (condition === null) {
      exprs.push({ _tag: "isNull", field, type, negate: false })
    } else if (!isCondition(condition)) {
      exprs.push({ _tag: "compare", field, type, op: "eq", value: value(condition) })
    } else {
      for (const [op, operand] of Object.entries(condition)) {
        if (operand === undefined) continue
        switch (op) {
          case "eq":
          case "ne":
            if (operand === null) exprs.push({ _tag: "isNull", field, type, negate: op === "ne" })
            else exprs.push({ _tag: "compare", field, type, op, value: value(operand) })
            break
          case "gt":
          case "gte":
          case "lt":
          case "lte":
            exprs.push({ _tag: "compare", field, type, op, value: value(operand) })
            break
          case "in":
          case "nin":
            if (!Array.isArray(operand)) throw invalid(definition.name, `"${op}" on "${field}" expects an array`)
            exprs.push({ _tag: "in", field, type, values: operand.map(value), negate: op === "nin" })
            break
          case "startsWith":
          case "contains":
            if (type !== "string" || typeof operand !== "string") {
              throw invalid(definition.name, `"${op}" on "${field}" needs a string field and a string value`)
            }
            exprs.push({ _tag: "text", field, type, op, value: operand })
            break
          case "isNull":
            if (typeof operand !== "boolean") throw invalid(definition.name, `"isNull" on "${field}" expects a boolean`)
            exprs.push({ _tag: "isNull", field, type, negate: !operand })
            break
        }
      }
    }
  }
  if (exprs.length === 0) return undefined
  return exprs.length === 1 ? exprs[0] : { _tag: "and", exprs }
}

/**
 * Reads a field of a stored record: `id` or a key of its data. Missing values are `null`.
 *
 * @since 0.1.0
 * @category getters
 */
export const fieldValue = (record: StoredRecord, field: string): unknown =>
  field === "id" ? record.id : (record.data[field] ?? null)

/**
 * The cursor of a position in an ordering: its values, as unpadded base64url JSON (with Web APIs
 * only, so paging works in browsers as in Node).
 */
export const encodeCursor = (values: ReadonlyArray<unknown>): string => Base64Url.encode(JSON.stringify(values))

/** The values of a cursor, checked against the length of the ordering it must belong to. */
export const decodeCursor = (collection: string, cursor: string, length: number): ReadonlyArray<unknown> => {
  const text = Base64Url.decodeString(cursor)
  if (Result.isSuccess(text)) {
    try {
      const values = JSON.parse(text.success)
      if (Array.isArray(values) && values.length === length) return values
    } catch {
      // fall through to the error below
    }
  }
  throw invalid(collection, "the cursor is malformed or belongs to a different ordering")
}

/**
 * The expression selecting the records strictly after a cursor position in the given order
 * (keyset paging). Missing values sort last in both directions.
 *
 * @since 0.1.0
 * @category constructors
 */
export const afterPosition = (order: ReadonlyArray<Order>, values: ReadonlyArray<unknown>): Expr => {
  const branches: Array<Expr> = []
  const equalities: Array<Expr> = []
  order.forEach((term, i) => {
    const value = values[i] ?? null
    const { field, type } = term
    if (value !== null) {
      const beyond: Expr = {
        _tag: "compare",
        field,
        type,
        op: term.direction === "asc" ? "gt" : "lt",
        value
      }
      const after: Expr = field === "id"
        ? beyond
        : { _tag: "or", exprs: [beyond, { _tag: "isNull", field, type, negate: false }] }
      branches.push({ _tag: "and", exprs: [...equalities, after] })
      equalities.push({ _tag: "compare", field, type, op: "eq", value })
    } else {
      equalities.push({ _tag: "isNull", field, type, negate: false })
    }
  })
  return { _tag: "or", exprs: branches }
}
