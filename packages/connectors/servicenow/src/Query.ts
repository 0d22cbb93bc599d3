/**
 * A typed builder of ServiceNow encoded queries (`sysparm_query`).
 *
 * ```ts
 * import { Query } from "@procura/connector-servicenow"
 *
 * type PoField = "status" | "total_cost" | "vendor" | "sys_updated_on"
 *
 * const open = Query.make<PoField>()
 *   .where("status", "IN", ["requested", "ordered"])
 *   .and("total_cost", ">", 1000)
 *   .or("vendor.name", "STARTSWITH", "Acme") // dot-walking through a reference
 *   .orderBy("sys_updated_on")
 *
 * Query.encode(open)
 * // "statusINrequested,ordered^total_cost>1000^ORvendor.nameSTARTSWITHAcme^ORDERBYsys_updated_on"
 * ```
 *
 * `^` joins conditions with AND, `^OR` binds to the condition before it, `newQuery()` starts an
 * `^NQ` group (OR between whole groups). Values are written as the platform stores them: dates in
 * UTC as `yyyy-MM-dd HH:mm:ss`, booleans as `true` / `false`.
 *
 * Encoded queries have no escape for `^`: `a^^b` is not a literal caret but a split condition, and
 * a value like `x^NQactive=true` would add a whole OR branch. A value containing `^` is refused,
 * as a comma inside an `IN` value is.
 *
 * Problems (a malformed field name, a caret in a value, a comma inside an `IN` value, a non-finite number) are
 * collected in `issues`; the client refuses a query with issues before sending it, because the
 * platform silently ignores the invalid parts of a query and would return more rows than asked.
 *
 * @since 0.1.0
 */

/**
 * A value in a condition.
 *
 * @since 0.1.0
 * @category models
 */
export type Scalar = string | number | boolean | Date

/**
 * Operators that take one value.
 *
 * @since 0.1.0
 * @category models
 */
export type ValueOperator =
  | "="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "LIKE"
  | "NOTLIKE"
  | "STARTSWITH"
  | "ENDSWITH"
  | "INSTANCEOF"

/**
 * Operators that take a list of values.
 *
 * @since 0.1.0
 * @category models
 */
export type ListOperator = "IN" | "NOT IN"

/**
 * Operators that take no value.
 *
 * @since 0.1.0
 * @category models
 */
export type UnaryOperator = "ISEMPTY" | "ISNOTEMPTY" | "ANYTHING"

/**
 * Every operator the builder writes.
 *
 * @since 0.1.0
 * @category models
 */
export type Operator = ValueOperator | ListOperator | UnaryOperator | "BETWEEN"

/**
 * A field of the table, or a dot-walk through a reference (`vendor.name`).
 *
 * @since 0.1.0
 * @category models
 */
export type Field<F extends string> = F | `${string}.${string}`

/**
 * Adds a condition; the value's type follows the operator.
 *
 * @since 0.1.0
 * @category models
 */
export interface AddCondition<F extends string> {
  (field: Field<F>, operator: UnaryOperator): Query<F>
  (field: Field<F>, operator: ListOperator, values: ReadonlyArray<Scalar>): Query<F>
  (field: Field<F>, operator: "BETWEEN", range: readonly [Scalar, Scalar]): Query<F>
  (field: Field<F>, operator: ValueOperator, value: Scalar): Query<F>
}

/**
 * How a condition joins the ones before it.
 *
 * @since 0.1.0
 * @category models
 */
export type Join = "AND" | "OR" | "NQ"

/**
 * One encoded condition.
 *
 * @since 0.1.0
 * @category models
 */
export interface Term {
  readonly join: Join
  readonly encoded: string
}

/**
 * An immutable encoded query: conditions, ordering and the problems found while building it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Query<F extends string = string> {
  readonly terms: ReadonlyArray<Term>
  readonly order: ReadonlyArray<{ readonly field: string; readonly descending: boolean }>
  readonly issues: ReadonlyArray<string>
  /** AND a condition (the first condition of a group needs no join). */
  readonly where: AddCondition<F>
  /** Same as `where`. */
  readonly and: AddCondition<F>
  /** OR with the condition just before (`^OR`). */
  readonly or: AddCondition<F>
  /** Starts a new group (`^NQ`): the query matches when any group matches. */
  readonly newQuery: () => Query<F>
  readonly orderBy: (field: Field<F>) => Query<F>
  readonly orderByDesc: (field: Field<F>) => Query<F>
  /** The encoded query. */
  readonly toString: () => string
}

const fieldPattern = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/

const pad = (n: number) => String(n).padStart(2, "0")

/**
 * Writes an instant as the platform stores date-times: `yyyy-MM-dd HH:mm:ss` in UTC.
 *
 * @since 0.1.0
 * @category encoding
 */
export const formatDateTime = (date: Date): string =>
  `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${
    pad(date.getUTCMinutes())
  }:${pad(date.getUTCSeconds())}`

interface State {
  readonly terms: ReadonlyArray<Term>
  readonly order: ReadonlyArray<{ readonly field: string; readonly descending: boolean }>
  readonly issues: ReadonlyArray<string>
  readonly pendingGroup: boolean
}

const scalar = (value: Scalar, issues: Array<string>, field: string): string => {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) issues.push(`${field}: invalid date`)
    return Number.isNaN(value.getTime()) ? "" : formatDateTime(value)
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) issues.push(`${field}: ${value} is not a finite number`)
    return String(value)
  }
  if (typeof value === "boolean") return value ? "true" : "false"
  return value
}

/** Refuses a caret: encoded queries cannot escape it, so it would split the condition. */
const caretFree = (field: string, issues: Array<string>) => (text: string): string => {
  if (text.includes("^")) {
    issues.push(`${field}: a value cannot contain "^" ("${text}"): encoded queries have no escape for it`)
  }
  return text
}

const encodeCondition = (field: string, operator: Operator, value: unknown, issues: Array<string>): string => {
  if (!fieldPattern.test(field)) issues.push(`"${field}" is not a field name (lower case letters, digits, _ and dots)`)
  const escape = caretFree(field, issues)
  switch (operator) {
    case "ISEMPTY":
    case "ISNOTEMPTY":
    case "ANYTHING":
      return `${field}${operator}`
    case "IN":
    case "NOT IN": {
      const values = Array.isArray(value) ? (value as ReadonlyArray<Scalar>) : []
      if (values.length === 0) issues.push(`${field}: ${operator} needs at least one value`)
      const written = values.map((v) => scalar(v, issues, field))
      for (const v of written) if (v.includes(",")) issues.push(`${field}: ${operator} values cannot contain a comma ("${v}")`)
      return `${field}${operator}${written.map(escape).join(",")}`
    }
    case "BETWEEN": {
      const range = Array.isArray(value) ? (value as ReadonlyArray<Scalar>) : []
      if (range.length !== 2) issues.push(`${field}: BETWEEN needs two values`)
      const [low = "", high = ""] = range.map((v) => scalar(v, issues, field))
      if (low.includes("@") || high.includes("@")) issues.push(`${field}: BETWEEN values cannot contain "@"`)
      return `${field}BETWEEN${escape(low)}@${escape(high)}`
    }
    default:
      return `${field}${operator}${escape(scalar(value as Scalar, issues, field))}`
  }
}

const build = <F extends string>(state: State): Query<F> => {
  const add = (join: "AND" | "OR") =>
    ((field: string, operator: Operator, value?: unknown) => {
      const issues = [...state.issues]
      const encoded = encodeCondition(field, operator, value, issues)
      const first = state.terms.length === 0
      if (join === "OR" && (first || state.pendingGroup)) issues.push(`or(${field}): there is no condition before it`)
      const effective: Join = state.pendingGroup && !first ? "NQ" : join
      return build<F>({ ...state, terms: [...state.terms, { join: effective, encoded }], issues, pendingGroup: false })
    }) as AddCondition<F>
  const order = (field: string, descending: boolean) => {
    const issues = fieldPattern.test(field) ? state.issues : [...state.issues, `cannot order by "${field}"`]
    return build<F>({ ...state, order: [...state.order, { field, descending }], issues })
  }
  const query: Query<F> = {
    terms: state.terms,
    order: state.order,
    issues: state.issues,
    where: add("AND"),
    and: add("AND"),
    or: add("OR"),
    newQuery: () => build<F>({ ...state, pendingGroup: true }),
    orderBy: (field) => order(field, false),
    orderByDesc: (field) => order(field, true),
    toString: () => encode(query)
  }
  return query
}

/**
 * An empty query over the fields `F` (any field name when `F` is omitted).
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <F extends string = string>(): Query<F> =>
  build<F>({ terms: [], order: [], issues: [], pendingGroup: false })

/**
 * A query starting with one condition, over any field name.
 *
 * @since 0.1.0
 * @category constructors
 */
export const where: AddCondition<string> = ((field: string, operator: Operator, value?: unknown) =>
  (make().where as (field: string, operator: Operator, value?: unknown) => Query<string>)(field, operator, value)) as AddCondition<string>

/**
 * The encoded form of a query (a string passes through unchanged).
 *
 * @since 0.1.0
 * @category encoding
 */
export const encode = <F extends string>(query: Query<F> | string): string => {
  if (typeof query === "string") return query
  const parts: Array<string> = []
  for (const [i, term] of query.terms.entries()) {
    parts.push(i === 0 ? term.encoded : term.join === "OR" ? `^OR${term.encoded}` : term.join === "NQ" ? `^NQ${term.encoded}` : `^${term.encoded}`)
  }
  for (const term of query.order) {
    parts.push(`${parts.length === 0 ? "" : "^"}${term.descending ? "ORDERBYDESC" : "ORDERBY"}${term.field}`)
  }
  return parts.join("")
}

/**
 * The problems found in a query (none for a string: it is sent as given).
 *
 * @since 0.1.0
 * @category encoding
 */
export const issues = <F extends string>(query: Query<F> | string): ReadonlyArray<string> =>
  typeof query === "string" ? [] : query.issues

/**
 * Makes the order deterministic for paging: appends `ORDERBYsys_id` unless the query already
 * orders by `sys_id`. Pages of an unordered (or tie-ordered) query may overlap or skip rows.
 *
 * @since 0.1.0
 * @category encoding
 */
export const withTieBreaker = <F extends string>(query: Query<F> | string | undefined): string => {
  const encoded = query === undefined ? "" : encode(query)
  if (/(^|\^)ORDERBY(DESC)?sys_id(\^|$)/.test(encoded)) return encoded
  return encoded === "" ? "ORDERBYsys_id" : `${encoded}^ORDERBYsys_id`
}

/**
 * How a listing pages by keyset: the caller's condition groups (OR'ed by `^NQ`), the one field
 * it orders by (if any) and the `ORDER BY` sent with every page, ending with `sys_id`.
 *
 * @since 0.2.0
 * @category paging
 */
export interface Keyset {
  /** The caller's conditions, one entry per `^NQ` group (`[""]` when there are none). */
  readonly groups: ReadonlyArray<string>
  /** The caller's sort field before the `sys_id` tie-breaker, when there is one. */
  readonly field?: { readonly name: string; readonly descending: boolean }
  readonly sysIdDescending: boolean
  /** `ORDERBY...^ORDERBYsys_id`, appended to every page's query. */
  readonly orderBy: string
}

/**
 * Where the previous page ended: its last row's sort value (when the keyset has a field) and
 * sys_id.
 *
 * @since 0.2.0
 * @category paging
 */
export interface KeysetPosition {
  readonly value?: string
  readonly sysId: string
}

const orderTerm = /(?:^|\^)ORDERBY(DESC)?([^^]*)/g

/**
 * Plans keyset paging for a query: rows ordered by `sys_id`, or by the caller's one sort field
 * with `sys_id` as the tie-breaker. Returns the reason instead when the keyset cannot follow the
 * query's order: more than one sort field before `sys_id`, or a dot-walked sort field.
 *
 * @since 0.2.0
 * @category paging
 */
export const keyset = <F extends string>(query: Query<F> | string | undefined): Keyset | string => {
  const encoded = query === undefined ? "" : encode(query)
  const order: Array<{ name: string; descending: boolean }> = []
  for (const match of encoded.matchAll(orderTerm)) {
    order.push({ name: match[2]!, descending: match[1] !== undefined })
  }
  const conditions = encoded.replaceAll(orderTerm, "").replace(/^\^+/, "")
  const groups = conditions === "" ? [""] : conditions.split("^NQ")
  const untilSysId = order.findIndex((term) => term.name === "sys_id")
  const sysId = untilSysId === -1 ? undefined : order[untilSysId]!
  const before = untilSysId === -1 ? order : order.slice(0, untilSysId)
  if (before.length > 1) {
    return `keyset paging follows one sort field plus sys_id; the query orders by ${before.map((t) => t.name).join(", ")}`
  }
  const field = before[0]
  if (field !== undefined && !fieldPattern.test(field.name)) return `keyset paging cannot order by "${field.name}"`
  if (field !== undefined && field.name.includes(".")) {
    return `keyset paging cannot follow an order by the dot-walked field "${field.name}"; order by a field of the table`
  }
  const sysIdDescending = sysId?.descending ?? false
  const orderBy = [
    ...(field === undefined ? [] : [`${field.descending ? "ORDERBYDESC" : "ORDERBY"}${field.name}`]),
    sysIdDescending ? "ORDERBYDESCsys_id" : "ORDERBYsys_id"
  ].join("^")
  return field === undefined ? { groups, sysIdDescending, orderBy } : { groups, field, sysIdDescending, orderBy }
}

/**
 * The encoded query of the page after `position` (the first page without one): every group of
 * the caller's conditions ANDed with "after the position", `(field > v) OR (field = v AND
 * sys_id > id)` written as two `^NQ` groups, since `^OR` binds tighter than `^` does. The
 * position's value must not contain a caret (the client refuses to go on from one).
 *
 * @since 0.2.0
 * @category paging
 */
export const keysetQuery = (plan: Keyset, position: KeysetPosition | undefined): string => {
  const idAfter = position === undefined ? "" : `sys_id${plan.sysIdDescending ? "<" : ">"}${position.sysId}`
  let branches: ReadonlyArray<string>
  if (position === undefined) branches = [""]
  else if (plan.field === undefined) branches = [idAfter]
  else {
    const name = plan.field.name
    const value = position.value ?? ""
    if (value === "") {
      // Empty values sort first: ascending, every non-empty value follows; descending, only empties.
      branches = plan.field.descending ? [`${name}ISEMPTY^${idAfter}`] : [`${name}ISNOTEMPTY`, `${name}ISEMPTY^${idAfter}`]
    } else {
      branches = [`${name}${plan.field.descending ? "<" : ">"}${value}`, `${name}=${value}^${idAfter}`]
    }
  }
  const parts: Array<string> = []
  for (const group of plan.groups) {
    for (const branch of branches) parts.push([group, branch].filter((p) => p !== "").join("^"))
  }
  const conditions = parts.filter((p) => p !== "").join("^NQ")
  return conditions === "" ? plan.orderBy : `${conditions}^${plan.orderBy}`
}
