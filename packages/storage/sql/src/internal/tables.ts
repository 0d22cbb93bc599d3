/**
 * How collections map to tables: names (`c_<name>`, `f_<field>`), SQL types, the typed columns
 * derived from each record, and the statements a collection's table is read and written with.
 *
 * @internal
 */
import { Storage } from "@procura/core"
import { Effect } from "effect"

type CollectionDefinition = Storage.CollectionDefinition
type FieldType = Storage.FieldType

const collectionPattern = /^[a-z][a-z0-9_]{0,40}$/
const fieldPattern = /^[a-zA-Z][a-zA-Z0-9]{0,40}$/

/** PostgreSQL truncates identifiers beyond 63 bytes; names are kept below that. */
const maxIdentifier = 63

/** A short, stable FNV-1a hash, for index names and over-long column names. */
const hash = (text: string): string => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h.toString(16).padStart(8, "0")
}

/** Quotes an SQL identifier. */
export const quote = (identifier: string): string => `"${identifier.replace(/"/g, "\"\"")}"`

/**
 * The table of a collection: `c_<name>`.
 *
 * @since 0.1.0
 * @category naming
 */
export const tableName = (collection: string): string => `c_${collection}`

/**
 * The typed column of a declared field: `f_<snake_case(field)>` (`madeAt` -> `f_made_at`).
 * An upper-case letter becomes `_` plus its lower-case form, so distinct fields always get
 * distinct columns; names that would exceed PostgreSQL's 63-byte limit are shortened with a hash.
 *
 * @since 0.1.0
 * @category naming
 */
export const columnName = (field: string): string => {
  const name = `f_${field.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)}`
  return name.length <= maxIdentifier ? name : `${name.slice(0, maxIdentifier - 9)}_${hash(field)}`
}

/** The name of an index (`i`) or unique constraint (`u`) over some fields of a collection's table. */
export const keyName = (collection: string, kind: "i" | "u", fields: ReadonlyArray<string>): string =>
  `${tableName(collection)}_${kind}_${hash(fields.join(","))}`

/** The column type, cast and `format_type` spelling of each field type. */
export const sqlTypes: Record<FieldType, { readonly column: string; readonly cast: string; readonly formatted: string }> = {
  string: { column: "text COLLATE \"C\"", cast: "text", formatted: "text" },
  integer: { column: "bigint", cast: "bigint", formatted: "bigint" },
  number: { column: "double precision", cast: "double precision", formatted: "double precision" },
  boolean: { column: "boolean", cast: "boolean", formatted: "boolean" },
  timestamp: { column: "timestamptz", cast: "timestamptz", formatted: "timestamp with time zone" }
}

/** The SQL deriving a field's typed value from a `jsonb` record expression. */
export const derive = (source: string, field: string, type: FieldType): string =>
  type === "string" ? `(${source}->>'${field}')` : `((${source}->>'${field}')::${sqlTypes[type].cast})`

/** A declared field's typed column. */
export interface Column {
  readonly field: string
  readonly type: FieldType
  readonly column: string
}

/** Everything the driver needs to know about a collection's table, computed once. */
export interface Table {
  readonly definition: CollectionDefinition
  readonly name: string
  readonly table: string
  readonly columns: ReadonlyArray<Column>
  readonly byField: ReadonlyMap<string, Column>
  /** constraint name -> unique key fields */
  readonly uniqueKeys: ReadonlyMap<string, ReadonlyArray<string>>
  readonly indexNames: ReadonlyMap<string, ReadonlyArray<string>>
  readonly insertSql: string
  readonly updateSql: string
  readonly getSql: string
}

/** A `StorageError` for a malformed call, naming the collection when there is one. */
export const invalid = (collection: string | undefined, message: string): Storage.StorageError =>
  new Storage.StorageError({
    reason: new Storage.InvalidInput({
      ...(collection === undefined ? {} : { collection }),
      message: collection === undefined ? message : `${collection}: ${message}`
    })
  })

const tables = new WeakMap<CollectionDefinition, Table>()

/** The table of a collection definition, checking its names once (cached per definition). */
export const tableOf = (definition: CollectionDefinition): Table => {
  const cached = tables.get(definition)
  if (cached !== undefined) return cached
  if (!collectionPattern.test(definition.name)) {
    throw invalid(definition.name, `collection name must match ${collectionPattern}`)
  }
  const name = definition.name
  const columns: Array<Column> = Object.entries(definition.fields).map(([field, type]) => {
    if (!fieldPattern.test(field) || field === "id" || field === "version") {
      throw invalid(name, `field name "${field}" must match ${fieldPattern} and not be id or version`)
    }
    if (!(type in sqlTypes)) throw invalid(name, `field "${field}" has an unknown type ${JSON.stringify(type)}`)
    return { field, type, column: quote(columnName(field)) }
  })
  const byField = new Map(columns.map((column) => [column.field, column]))
  const keys = (kind: "i" | "u", list: ReadonlyArray<ReadonlyArray<string>>) =>
    new Map(list.map((fields) => {
      for (const field of fields) {
        if (!byField.has(field) && !(kind === "i" && field === "id")) throw invalid(name, `indexed field "${field}" is not declared in fields`)
      }
      return [keyName(name, kind, fields), fields] as const
    }))
  const table = quote(tableName(name))
  const derived = columns.map((c) => derive("r.data", c.field, c.type))
  const insertSql = [
    `INSERT INTO ${table} (tenant_id, id, version, data${columns.map((c) => `, ${c.column}`).join("")})`,
    `SELECT $1::text, r.id, r.version, r.data${derived.map((d) => `, ${d}`).join("")}`,
    `FROM jsonb_to_recordset($2::jsonb) AS r(id text, version integer, data jsonb)`,
    `ON CONFLICT (tenant_id, id) DO NOTHING`,
    `RETURNING id`
  ].join("\n")
  // The ids also go as an array built once (an init plan) compared with = ANY: the planner then
  // looks the rows up by the primary key whatever it guesses of the batch's size (it guesses 100
  // rows for a set-returning function, which makes a scan of a small table look cheaper).
  const updateSql = [
    `UPDATE ${table} AS t SET version = r.version, data = r.data${columns.map((c, i) => `, ${c.column} = ${derived[i]}`).join("")}`,
    `FROM jsonb_to_recordset($2::jsonb) AS r(id text, version integer, expected integer, data jsonb)`,
    `WHERE t.tenant_id = $1::text AND t.id = ANY(ARRAY(SELECT e->>'id' FROM jsonb_array_elements($2::jsonb) AS e))`,
    `AND t.id = r.id AND t.version = r.expected`,
    `RETURNING t.id`
  ].join("\n")
  const getSql = [
    `SELECT t.id, t.version, t.data`,
    `FROM ${table} AS t`,
    `WHERE t.tenant_id = $1::text AND t.id = ANY(ARRAY(SELECT jsonb_array_elements_text($2::jsonb)))`
  ].join("\n")
  const result: Table = {
    definition,
    name,
    table,
    columns,
    byField,
    uniqueKeys: keys("u", definition.unique),
    // Every index ends with the id: keyset pages (ordered by id after any equality filters) then
    // walk the index in order instead of sorting every match.
    indexNames: keys("i", definition.indexes.map((fields) => [...fields, "id"])),
    insertSql,
    updateSql,
    getSql
  }
  tables.set(definition, result)
  return result
}

/** Runs a pure computation that may throw a `StorageError` (for example `InvalidInput` names). */
export const guard = <A>(evaluate: () => A, collection?: string): Effect.Effect<A, Storage.StorageError> =>
  Effect.try({
    try: evaluate,
    catch: (error) =>
      error instanceof Storage.StorageError
        ? error
        : new Storage.StorageError({
          reason: new Storage.InvalidInput({
            ...(collection === undefined ? {} : { collection }),
            message: `${collection === undefined ? "" : `${collection}: `}${error instanceof Error ? error.message : String(error)}`,
            cause: error
          })
        })
  })

/** A value as JSON text, for a `jsonb` parameter. */
export const json = (value: unknown, collection?: string): Effect.Effect<string, Storage.StorageError> =>
  guard(() => {
    const text = JSON.stringify(value)
    if (text === undefined) throw new Error("the value cannot be serialised as JSON")
    return text
  }, collection)

/** A `jsonb` value as the driver returns it: parsed already, or as text. */
export const parseJson = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value)
