/**
 * Filter rendering: the port's normalised filter expressions and orderings as SQL over a
 * collection table's typed columns, with every value a bind parameter.
 *
 * @internal
 */
import type { Storage } from "@procura/core"
import { type Column, invalid, sqlTypes, type Table } from "./tables.js"

type Expr = Storage.Expr

/** Values go as bind parameters; anything that is not a scalar goes as JSON text. */
const bindable = (value: unknown): unknown =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : JSON.stringify(value)

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`)

const comparisons = {
  eq: "=",
  ne: "IS DISTINCT FROM",
  gt: ">",
  gte: ">=",
  lt: "<",
  lte: "<="
} as const

const idColumn: Column = { field: "id", type: "string", column: "id" }

const columnOf = (table: Table, field: string): Column => {
  if (field === "id") return idColumn
  const column = table.byField.get(field)
  if (column === undefined) throw invalid(table.name, `"${field}" is not a declared field`)
  return column
}

/** Renders a filter expression to SQL, pushing its values onto `params`. */
const render = (table: Table, expr: Expr, params: Array<unknown>): string => {
  const param = (value: unknown, cast: string): string => {
    params.push(value)
    return `$${params.length}::${cast}`
  }
  switch (expr._tag) {
    case "and":
      return expr.exprs.length === 0 ? "TRUE" : `(${expr.exprs.map((e) => render(table, e, params)).join(" AND ")})`
    case "or":
      return expr.exprs.length === 0 ? "FALSE" : `(${expr.exprs.map((e) => render(table, e, params)).join(" OR ")})`
    case "isNull": {
      const { column } = columnOf(table, expr.field)
      return `${column} IS ${expr.negate ? "NOT " : ""}NULL`
    }
    case "compare": {
      const { column, type } = columnOf(table, expr.field)
      return `${column} ${comparisons[expr.op]} ${param(bindable(expr.value), sqlTypes[type].cast)}`
    }
    case "in": {
      const { column, type } = columnOf(table, expr.field)
      const values = param(JSON.stringify(expr.values), "jsonb")
      // An array built once (an init plan) and compared with = ANY: an index condition when the
      // planner sees the table's statistics, and a cheap filter when it does not. (IN over a
      // set-returning function can turn into a nested loop comparing every row with every value.)
      const array = `ARRAY(SELECT (jsonb_array_elements_text(${values}))::${sqlTypes[type].cast})`
      return expr.negate ? `(${column} IS NULL OR NOT (${column} = ANY(${array})))` : `${column} = ANY(${array})`
    }
    case "text": {
      const { column } = columnOf(table, expr.field)
      return expr.op === "startsWith"
        ? `${column} LIKE ${param(`${escapeLike(expr.value)}%`, "text")}`
        : `strpos(${column}, ${param(expr.value, "text")}) > 0`
    }
  }
}

/** The `SELECT` of a query: tenant, filter, order (missing values last, then id) and limit. */
export const renderSelect = (
  table: Table,
  tenantId: string,
  query: { readonly where: Expr | undefined; readonly orderBy: ReadonlyArray<Storage.Order>; readonly limit: number }
): { readonly text: string; readonly params: ReadonlyArray<unknown> } => {
  const params: Array<unknown> = [tenantId]
  const where = query.where === undefined ? "" : ` AND ${render(table, query.where, params)}`
  const terms = query.orderBy.map((term) =>
    `${columnOf(table, term.field).column} ${term.direction === "desc" ? "DESC" : "ASC"} NULLS LAST`
  )
  if (!query.orderBy.some((term) => term.field === "id")) terms.push("id ASC")
  params.push(query.limit)
  return {
    text: `SELECT id, version, data FROM ${table.table} WHERE tenant_id = $1::text${where} ORDER BY ${
      terms.join(", ")
    } LIMIT $${params.length}::bigint`,
    params
  }
}

/**
 * The `SELECT` of a count: tenant and filter, grouped by one declared field's column (ordered,
 * missing values last) when `groupBy` is given.
 */
export const renderCount = (
  table: Table,
  tenantId: string,
  query: { readonly where: Expr | undefined; readonly groupBy: string | undefined }
): { readonly text: string; readonly params: ReadonlyArray<unknown> } => {
  const params: Array<unknown> = [tenantId]
  const where = query.where === undefined ? "" : ` AND ${render(table, query.where, params)}`
  const from = `FROM ${table.table} WHERE tenant_id = $1::text${where}`
  if (query.groupBy === undefined) return { text: `SELECT NULL AS value, count(*) AS count ${from}`, params }
  const { column } = columnOf(table, query.groupBy)
  return { text: `SELECT ${column} AS value, count(*) AS count ${from} GROUP BY ${column} ORDER BY ${column} ASC NULLS LAST`, params }
}
