/**
 * The SQL storage adapter: Procura's storage port on PostgreSQL, either a real server through
 * `@effect/sql-pg` or embedded PGlite through this package's own {@link PgliteClient}.
 *
 * Each collection is a table `c_<name>` holding the tenant, the id, the version and the record
 * as `jsonb`, plus one typed column `f_<field>` per declared field, derived from the record in
 * SQL on every write so that filters, orderings, indexes and unique keys run on real columns.
 * Unique keys are per-tenant unique constraints over those columns; PostgreSQL's "NULLs are
 * distinct" rule is exactly the port's "records with a missing key field never conflict".
 *
 * Every bulk write is one statement per batch: the batch travels as a single `jsonb` parameter
 * expanded with `jsonb_to_recordset`. Writes run in a transaction (a savepoint when nested), so
 * a conflict leaves nothing behind and leaves an enclosing transaction usable.
 *
 * The system tables (event log, checkpoints, collection definitions, delivery leases, dead letters)
 * come from versioned migrations run by {@link migrate}; migrations and {@link make}'s `prepare` take a
 * transaction-scoped advisory lock, so processes starting at the same time do not race.
 *
 * On PostgreSQL, row-level security can back the tenant filter up (see {@link Options}): the
 * tables get a policy admitting only the rows of the tenant in the transaction-local setting
 * `procura.tenant_id`, which the driver sets from the caller's tenant before each statement.
 *
 * @since 0.1.0
 */
import { PgClient } from "@effect/sql-pg"
import { Storage } from "@procura/core"
import { Config, Effect, Layer, Option } from "effect"
import { Migrator, SqlClient, SqlError } from "effect/sql"
import * as PgliteClient from "./PgliteClient.js"

type CollectionDefinition = Storage.CollectionDefinition
type Expr = Storage.Expr
type FieldType = Storage.FieldType
type StoredRecord = Storage.StoredRecord

// ---------------------------------------------------------------------------------------------
// Naming
// ---------------------------------------------------------------------------------------------

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

const quote = (identifier: string): string => `"${identifier.replace(/"/g, "\"\"")}"`

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

const keyName = (collection: string, kind: "i" | "u", fields: ReadonlyArray<string>): string =>
  `${tableName(collection)}_${kind}_${hash(fields.join(","))}`

const sqlTypes: Record<FieldType, { readonly column: string; readonly cast: string; readonly formatted: string }> = {
  string: { column: "text COLLATE \"C\"", cast: "text", formatted: "text" },
  integer: { column: "bigint", cast: "bigint", formatted: "bigint" },
  number: { column: "double precision", cast: "double precision", formatted: "double precision" },
  boolean: { column: "boolean", cast: "boolean", formatted: "boolean" },
  timestamp: { column: "timestamptz", cast: "timestamptz", formatted: "timestamp with time zone" }
}

/** The SQL deriving a field's typed value from a `jsonb` record expression. */
const derive = (source: string, field: string, type: FieldType): string =>
  type === "string" ? `(${source}->>'${field}')` : `((${source}->>'${field}')::${sqlTypes[type].cast})`

interface Column {
  readonly field: string
  readonly type: FieldType
  readonly column: string
}

/** Everything the driver needs to know about a collection's table, computed once. */
interface Table {
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

const invalid = (collection: string | undefined, message: string): Storage.StorageError =>
  new Storage.StorageError({
    reason: "Invalid",
    ...(collection === undefined ? {} : { collection }),
    message: collection === undefined ? message : `${collection}: ${message}`
  })

const tables = new WeakMap<CollectionDefinition, Table>()

const tableOf = (definition: CollectionDefinition): Table => {
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
  const updateSql = [
    `UPDATE ${table} AS t SET version = r.version, data = r.data${columns.map((c, i) => `, ${c.column} = ${derived[i]}`).join("")}`,
    `FROM jsonb_to_recordset($2::jsonb) AS r(id text, version integer, expected integer, data jsonb)`,
    `WHERE t.tenant_id = $1::text AND t.id = r.id AND t.version = r.expected`,
    `RETURNING t.id`
  ].join("\n")
  const getSql = [
    `SELECT t.id, t.version, t.data`,
    `FROM jsonb_array_elements_text($2::jsonb) WITH ORDINALITY AS k(id, n)`,
    `JOIN ${table} AS t ON t.tenant_id = $1::text AND t.id = k.id`,
    `ORDER BY k.n`
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

/** Runs a pure computation that may throw a `StorageError` (for example `Invalid` names). */
const guard = <A>(evaluate: () => A, collection?: string): Effect.Effect<A, Storage.StorageError> =>
  Effect.try({
    try: evaluate,
    catch: (error) =>
      error instanceof Storage.StorageError
        ? error
        : new Storage.StorageError({
          reason: "Invalid",
          ...(collection === undefined ? {} : { collection }),
          message: `${collection === undefined ? "" : `${collection}: `}${error instanceof Error ? error.message : String(error)}`,
          cause: error
        })
  })

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

interface PgErrorFields {
  readonly code?: string
  readonly detail?: string
  readonly constraint?: string
  readonly message?: string
}

const pgFields = (cause: unknown): PgErrorFields =>
  typeof cause === "object" && cause !== null ? (cause as PgErrorFields) : {}

/**
 * Maps a failure of the SQL layer to the port's {@link Storage.StorageError}:
 *
 * - a unique violation is a `Conflict`: on a collection's unique key it names the key's fields
 *   (`key`), on the primary key it is a duplicate id, on the event log a duplicate event id;
 * - data exceptions and other integrity violations (SQLSTATE classes 22 and 23, such as a value
 *   that does not fit its field's type) are `Invalid`, and so are values too large to store
 *   (SQLSTATE class 54, such as an index row over its size limit): retrying cannot help;
 * - deadlocks and serialization failures (SQLSTATE 40P01, 40001) are stale `Conflict`s: the
 *   transaction was aborted whole, and operations retry it on fresh reads;
 * - everything else (connection, authentication, timeouts, unknown failures) is
 *   `Unavailable`, with the original error kept as `cause`.
 *
 * A `StorageError` passes through unchanged.
 *
 * @since 0.1.0
 * @category errors
 */
/**
 * PostgreSQL aborted the transaction to break a deadlock or a serialization conflict between
 * concurrent writers: nothing was written, and running the command again on fresh reads is the
 * cure, so it is reported like a stale version (which operations retry).
 */
const concurrencyAbort = (prefix: string, detail: string, base: { readonly collection?: string }, cause: unknown) =>
  new Storage.StorageError({
    reason: "Conflict",
    stale: true,
    ...base,
    message: `${prefix}aborted by a concurrent writer (${detail}); nothing was written, run it again`,
    cause
  })

export const classifyError = (error: unknown, collection?: CollectionDefinition): Storage.StorageError => {
  if (error instanceof Storage.StorageError) return error
  const name = collection?.name
  const base = name === undefined ? {} : { collection: name }
  const prefix = name === undefined ? "" : `${name}: `
  if (SqlError.isSqlError(error)) {
    const reason = error.reason
    const fields = pgFields(reason.cause)
    const detail = fields.message ?? reason.message ?? reason._tag
    const code = fields.code ?? ""
    // Class 54 (program limit exceeded), such as 54000 "index row size exceeds maximum": a value
    // too large to store. Running it again gives the same answer, so it is invalid input, never
    // `Unavailable` (which callers would retry).
    if (code.startsWith("54")) {
      return new Storage.StorageError({
        reason: "Invalid",
        ...base,
        message: `${prefix}a value is too large to store, nothing was written (SQLSTATE ${code}: ${detail})`,
        cause: error
      })
    }
    switch (reason._tag) {
      case "UniqueViolation": {
        const constraint = reason.constraint
        const key = collection?.unique.find((keyFields) => keyName(collection.name, "u", keyFields) === constraint)
        if (key !== undefined) {
          return new Storage.StorageError({
            reason: "Conflict",
            ...base,
            key,
            message: `${prefix}unique key (${key.join(", ")}) is already taken${fields.detail ? `: ${fields.detail}` : ""}`,
            cause: error
          })
        }
        if (constraint.startsWith("procura_events")) {
          return new Storage.StorageError({
            reason: "Conflict",
            key: ["id"],
            message: `event id already exists${fields.detail ? `: ${fields.detail}` : ""}`,
            cause: error
          })
        }
        if (constraint.endsWith("_pkey")) {
          return new Storage.StorageError({
            reason: "Conflict",
            ...base,
            message: `${prefix}id already exists${fields.detail ? `: ${fields.detail}` : ""}`,
            cause: error
          })
        }
        return new Storage.StorageError({
          reason: "Conflict",
          ...base,
          message: `${prefix}unique constraint ${constraint} violated${fields.detail ? `: ${fields.detail}` : ""}`,
          cause: error
        })
      }
      case "ConstraintError":
        return new Storage.StorageError({ reason: "Invalid", ...base, message: `${prefix}${detail}`, cause: error })
      case "DeadlockError":
      case "SerializationError":
        return concurrencyAbort(prefix, detail, base, error)
      case "UnknownError":
      case "SqlSyntaxError": {
        if (code === "40P01" || code === "40001") return concurrencyAbort(prefix, detail, base, error)
        if (code.startsWith("22") || code.startsWith("23")) {
          return new Storage.StorageError({ reason: "Invalid", ...base, message: `${prefix}${detail}`, cause: error })
        }
        if (code === "42P01") {
          return new Storage.StorageError({
            reason: "Unavailable",
            ...base,
            message: `${prefix}${detail}: run SqlStorage.migrate (the layers do) and Storage.prepare for the collection first`,
            cause: error
          })
        }
        return new Storage.StorageError({ reason: "Unavailable", ...base, message: `${prefix}${detail}`, cause: error })
      }
      default:
        return new Storage.StorageError({
          reason: "Unavailable",
          ...base,
          message: `${prefix}${reason._tag}: ${detail}`,
          cause: error
        })
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return new Storage.StorageError({ reason: "Unavailable", ...base, message: `${prefix}${message}`, cause: error })
}

const conflict = (collection: string, message: string, ids: ReadonlyArray<string>, stale = false) =>
  new Storage.StorageError({ reason: "Conflict", collection, ids, message: `${collection}: ${message}`, ...(stale ? { stale } : {}) })

// ---------------------------------------------------------------------------------------------
// Migrations
// ---------------------------------------------------------------------------------------------

/** The advisory lock key serialising migrations and `prepare` across processes. */
const lockKey = 7_032_847_115_262_813

const advisoryLock = (sql: SqlClient.SqlClient) => sql.unsafe(`SELECT pg_advisory_xact_lock(${lockKey}) AS locked`)

/**
 * The advisory lock key serialising event appends until their transaction ends, so that event
 * positions become visible in order: a reader that saw position n never sees n - 1 appear later.
 */
const eventsLockKey = lockKey + 1

// ---------------------------------------------------------------------------------------------
// Row-level security
// ---------------------------------------------------------------------------------------------

/**
 * Options of the driver.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /**
   * PostgreSQL row-level security, as defence in depth behind the tenant filter every query
   * already has. `true`: `prepare` enables and forces it on every collection table and on the
   * event log, with a policy admitting only the rows of the tenant in the transaction-local
   * setting {@link tenantSetting}, which the driver sets from the caller's tenant before each
   * statement. `false`: `prepare` removes it. Unset: the database decides; the driver sets the
   * tenant when the event log has row-level security (so processes started without the option,
   * such as `procura worker`, keep working on a database where it was enabled).
   *
   * It only protects against a role that is neither superuser nor `BYPASSRLS`; see the guide
   * "Deploying on PostgreSQL".
   */
  readonly rowLevelSecurity?: boolean | undefined
}

/**
 * The transaction-local setting the row-level security policies compare `tenant_id` with.
 * Raw SQL run in a transaction of the driver sees the tenant the driver last set in it; raw SQL
 * run elsewhere sees no rows at all.
 *
 * @since 0.1.0
 * @category row-level security
 */
export const tenantSetting = "procura.tenant_id"

/**
 * The value of {@link tenantSetting} that admits every tenant's events (the event log only). The
 * driver sets it for the calls that are cross-tenant by design: reading the whole log
 * (delivery) and listing dead letters.
 *
 * @since 0.1.0
 * @category row-level security
 */
export const allTenants = "*"

const policyName = "procura_tenant"

/** The setting, read once per statement (an init plan), not once per row. */
const currentTenant = `(SELECT current_setting('${tenantSetting}', true))`

/**
 * The policy of a collection table: a plain equality, which the planner merges with the query's
 * own `tenant_id = $1` into a one-time check per statement, so row estimates and plans are the
 * same as without row-level security.
 */
const collectionCheck = `(tenant_id = ${currentTenant})`

/** The policy of the event log, which delivery reads across tenants. */
const eventLogCheck = `(tenant_id = ${currentTenant} OR ${currentTenant} = '${allTenants}')`

/** Whether the event log has row-level security: the database's state, for drivers not told. */
const rowLevelSecurityInForce = (sql: SqlClient.SqlClient) =>
  Effect.map(
    sql.unsafe<{ readonly enabled: boolean | null }>(
      `SELECT (SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass('procura_events')) AS enabled`
    ),
    (rows) => rows[0]?.enabled === true
  )

const statements = (sql: SqlClient.SqlClient, list: ReadonlyArray<string>) =>
  Effect.forEach(list, (text) => sql.unsafe(text), { discard: true })

const migrations: Record<string, Effect.Effect<void, unknown, SqlClient.SqlClient>> = {
  "1_procura_core": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    statements(sql, [
      `CREATE TABLE IF NOT EXISTS procura_events (
        position bigserial PRIMARY KEY,
        id text UNIQUE NOT NULL,
        tenant_id text NOT NULL,
        type text NOT NULL,
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        actor_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        payload jsonb NOT NULL
      )`,
      `CREATE INDEX IF NOT EXISTS procura_events_tenant_position ON procura_events (tenant_id, position)`,
      `CREATE INDEX IF NOT EXISTS procura_events_aggregate_position ON procura_events (aggregate_type, aggregate_id, position)`,
      `CREATE TABLE IF NOT EXISTS procura_checkpoints (
        subscriber text PRIMARY KEY,
        position bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE IF NOT EXISTS procura_collections (
        name text PRIMARY KEY,
        definition jsonb NOT NULL,
        updated_at timestamptz
      )`
    ])),
  // Leases for delivery workers; dead letters (parked events) per subscriber.
  "2_procura_delivery": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    statements(sql, [
      `CREATE TABLE IF NOT EXISTS procura_leases (
        name text PRIMARY KEY,
        owner text NOT NULL,
        expires_at bigint NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS procura_dead_letters (
        subscriber text COLLATE "C" NOT NULL,
        event_id text NOT NULL,
        position bigint NOT NULL,
        error text NOT NULL,
        attempts integer NOT NULL,
        first_failed_at timestamptz NOT NULL,
        last_failed_at timestamptz NOT NULL,
        PRIMARY KEY (subscriber, event_id)
      )`,
      `CREATE INDEX IF NOT EXISTS procura_dead_letters_subscriber_position ON procura_dead_letters (subscriber, position)`
    ]))
}

const runMigrations = Migrator.make({})({
  loader: Migrator.fromRecord(migrations),
  table: "procura_migrations"
})

/**
 * Runs Procura's system migrations (event log, checkpoints, collection definitions) on the
 * `SqlClient` in context, under an advisory lock so that concurrent starts are safe. Idempotent.
 *
 * @since 0.1.0
 * @category migrations
 */
export const migrate: Effect.Effect<void, Storage.StorageError, SqlClient.SqlClient> = Effect.flatMap(
  SqlClient.SqlClient,
  (client) => {
    const sql = client.withoutTransforms()
    return sql.withTransaction(Effect.andThen(advisoryLock(sql), runMigrations)).pipe(
      Effect.provideService(SqlClient.SqlClient, sql),
      Effect.asVoid,
      Effect.mapError((error) => classifyError(error))
    )
  }
).pipe(Effect.withSpan("SqlStorage.migrate"))

// ---------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------

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

const renderSelect = (
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

// ---------------------------------------------------------------------------------------------
// The driver
// ---------------------------------------------------------------------------------------------

interface RecordRow {
  readonly id: string
  readonly version: number | string
  readonly data: unknown
}

interface EventRow {
  readonly position: number | string | bigint
  readonly id: string
  readonly tenant_id: string
  readonly type: string
  readonly aggregate_type: string
  readonly aggregate_id: string
  readonly actor_id: string
  readonly occurred_at: Date | string
  readonly payload: unknown
}

interface DeadLetterRow extends EventRow {
  readonly subscriber: string
  readonly error: string
  readonly attempts: number | string
  readonly first_failed_at: Date | string
  readonly last_failed_at: Date | string
}

const parseJson = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value)

const toRecord = (row: RecordRow): StoredRecord => ({
  id: row.id,
  version: Number(row.version),
  data: parseJson(row.data) as Readonly<Record<string, unknown>>
})

const toIso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString()

const toEvent = (row: EventRow): Storage.StoredEvent => ({
  position: Number(row.position),
  id: row.id,
  tenantId: row.tenant_id,
  type: row.type,
  aggregateType: row.aggregate_type,
  aggregateId: row.aggregate_id,
  actorId: row.actor_id,
  occurredAt: toIso(row.occurred_at),
  payload: row.payload
})

/**
 * The span of a driver call: the database system and what the call concerns (a collection, row
 * counts, a subscriber), never record contents or parameters.
 */
const span = (name: string, attributes: Record<string, unknown> = {}) =>
  Effect.withSpan(name, { attributes: { "db.system.name": "postgresql", ...attributes } })

/** Carries a failure of the caller's effect through `withTransaction`, untouched. */
class Inner<E> {
  readonly error: E
  constructor(error: E) {
    this.error = error
  }
}

interface ColumnRow {
  readonly name: string
  readonly type: string
}

interface NameRow {
  readonly name: string
}

interface DefinitionRow {
  readonly definition: unknown
}

/**
 * Builds the driver on a given `SqlClient` (PostgreSQL dialect: `@effect/sql-pg` or
 * {@link PgliteClient}). Result-name and JSON transforms configured on the client are bypassed.
 * The system tables must exist: run {@link migrate} first (the layers do). Without
 * `rowLevelSecurity` in the options it does not set the tenant for row-level security; use
 * {@link makeWith} to follow the database's state.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClient = (client: SqlClient.SqlClient, options: Options = {}): Storage.StorageDriver => {
  const sql = client.withoutTransforms()
  const rowLevelSecurity = options.rowLevelSecurity === true

  const setTenant = (tenantId: string) =>
    sql.unsafe(`SELECT set_config('${tenantSetting}', $1::text, true) AS tenant`, [tenantId])

  /**
   * Runs statements for a tenant. With row-level security the tenant setting comes first, in the
   * caller's transaction or in a transaction of their own (the setting lasts until it ends).
   */
  const asTenant = <A, E>(tenantId: string, effect: Effect.Effect<A, E>): Effect.Effect<A, E | SqlError.SqlError> =>
    rowLevelSecurity
      ? Effect.flatMap(Effect.serviceOption(sql.transactionService), (current) => {
        const scoped = Effect.andThen(setTenant(tenantId), effect)
        return Option.isSome(current) ? scoped : sql.withTransaction(scoped)
      })
      : effect

  /** A table's row-level security: enabled, forced, and whether it has Procura's policy. */
  const rowSecurity = (table: string) =>
    Effect.map(
      sql.unsafe<{ readonly enabled: boolean; readonly forced: boolean; readonly policy: boolean }>(
        `SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $2::text) AS policy
         FROM pg_class c WHERE c.oid = $1::text::regclass`,
        [table, policyName]
      ),
      (rows) => rows[0]
    )

  /** Creates, or removes, the tenant policy on a table with a `tenant_id` column. */
  const reconcileRowLevelSecurity = (raw: string, check: string) =>
    Effect.gen(function*() {
      const table = quote(raw)
      const state = yield* rowSecurity(table)
      if (state === undefined) return
      if (rowLevelSecurity) {
        if (!state.policy) {
          yield* sql.unsafe(`CREATE POLICY ${policyName} ON ${table} USING ${check} WITH CHECK ${check}`)
        }
        // FORCE: the policy applies to the table's owner too (Procura's role usually owns its tables).
        if (!state.enabled) yield* sql.unsafe(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`)
        if (!state.forced) yield* sql.unsafe(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`)
      } else if (options.rowLevelSecurity === false) {
        if (state.forced) yield* sql.unsafe(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`)
        if (state.enabled) yield* sql.unsafe(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`)
        if (state.policy) yield* sql.unsafe(`DROP POLICY ${policyName} ON ${table}`)
      }
    })

  /** Runs a write as a savepoint when inside a transaction, so its failure leaves it usable. */
  const atomic = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | SqlError.SqlError> =>
    Effect.flatMap(
      Effect.serviceOption(sql.transactionService),
      (current) => (Option.isSome(current) ? sql.withTransaction(effect) : effect)
    )

  const json = (value: unknown, collection?: string): Effect.Effect<string, Storage.StorageError> =>
    guard(() => {
      const text = JSON.stringify(value)
      if (text === undefined) throw new Error("the value cannot be serialised as JSON")
      return text
    }, collection)

  const prepareOne = (definition: CollectionDefinition) =>
    Effect.gen(function*() {
      const table = yield* guard(() => tableOf(definition), definition.name)
      const raw = tableName(table.name)
      const exists = yield* sql.unsafe<NameRow>(`SELECT to_regclass($1::text)::text AS name`, [quote(raw)])
      if (exists[0]?.name === null || exists[0]?.name === undefined) {
        yield* sql.unsafe(
          `CREATE TABLE IF NOT EXISTS ${table.table} (
            tenant_id text COLLATE "C" NOT NULL,
            id text COLLATE "C" NOT NULL,
            version integer NOT NULL,
            data jsonb NOT NULL,
            PRIMARY KEY (tenant_id, id)
          )`
        )
      }
      const previousRows = yield* sql.unsafe<DefinitionRow>(
        `SELECT definition FROM procura_collections WHERE name = $1::text`,
        [table.name]
      )
      const previous = previousRows[0] === undefined
        ? undefined
        : (parseJson(previousRows[0].definition) as Partial<CollectionDefinition>)
      const existing = new Map(
        (yield* sql.unsafe<ColumnRow>(
          `SELECT attname AS name, format_type(atttypid, atttypmod) AS type
           FROM pg_attribute WHERE attrelid = $1::text::regclass AND attnum > 0 AND NOT attisdropped`,
          [quote(raw)]
        )).map((row) => [row.name, row.type])
      )

      // Columns: add the missing ones, retype the changed ones, backfill the ones that are new to
      // the definition (a column left over from an earlier definition may hold stale values).
      const backfill: Array<Column> = []
      for (const column of table.columns) {
        const current = existing.get(columnName(column.field))
        const wanted = sqlTypes[column.type]
        if (current === undefined) {
          yield* sql.unsafe(`ALTER TABLE ${table.table} ADD COLUMN IF NOT EXISTS ${column.column} ${wanted.column}`)
          backfill.push(column)
        } else if (current !== wanted.formatted) {
          yield* sql.unsafe(
            `ALTER TABLE ${table.table} ALTER COLUMN ${column.column} TYPE ${wanted.column} USING ${
              derive("data", column.field, column.type)
            }`
          )
        } else if (previous?.fields?.[column.field] !== column.type) {
          backfill.push(column)
        }
      }
      if (backfill.length > 0) {
        // Every tenant's rows: the owner is exempt from the policy until FORCE is back, which
        // happens in this same transaction, so no other session ever sees the table without it.
        const forced = (yield* rowSecurity(table.table))?.forced === true
        if (forced) yield* sql.unsafe(`ALTER TABLE ${table.table} NO FORCE ROW LEVEL SECURITY`)
        yield* sql.unsafe(
          `UPDATE ${table.table} SET ${
            backfill.map((c) => `${c.column} = ${derive("data", c.field, c.type)}`).join(", ")
          }`
        )
        if (forced) yield* sql.unsafe(`ALTER TABLE ${table.table} FORCE ROW LEVEL SECURITY`)
      }

      // Indexes and unique keys: create the missing ones, drop the ones no longer declared.
      const pattern = (kind: "i" | "u") => new RegExp(`^${raw}_${kind}_[0-9a-f]{8}$`)
      const indexes = (yield* sql.unsafe<NameRow>(
        `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE i.indrelid = $1::text::regclass`,
        [quote(raw)]
      )).map((row) => row.name)
      const constraints = (yield* sql.unsafe<NameRow>(
        `SELECT conname AS name FROM pg_constraint WHERE conrelid = $1::text::regclass AND contype = 'u'`,
        [quote(raw)]
      )).map((row) => row.name)
      const columnList = (fields: ReadonlyArray<string>) =>
        ["tenant_id", ...fields.map((field) => (field === "id" ? "id" : table.byField.get(field)!.column))].join(", ")
      for (const name of constraints) {
        if (pattern("u").test(name) && !table.uniqueKeys.has(name)) {
          yield* sql.unsafe(`ALTER TABLE ${table.table} DROP CONSTRAINT ${quote(name)}`)
        }
      }
      for (const name of indexes) {
        if (pattern("i").test(name) && !table.indexNames.has(name)) {
          yield* sql.unsafe(`DROP INDEX ${quote(name)}`)
        }
      }
      for (const [name, fields] of table.indexNames) {
        if (!indexes.includes(name)) {
          yield* sql.unsafe(`CREATE INDEX IF NOT EXISTS ${quote(name)} ON ${table.table} (${columnList(fields)})`)
        }
      }
      for (const [name, fields] of table.uniqueKeys) {
        if (!constraints.includes(name)) {
          // Deferrable (checked at the end of each statement): a batch may swap key values.
          yield* sql.unsafe(
            `ALTER TABLE ${table.table} ADD CONSTRAINT ${quote(name)} UNIQUE (${
              columnList(fields)
            }) DEFERRABLE INITIALLY IMMEDIATE`
          )
        }
      }

      const definitionJson = yield* json({
        name: definition.name,
        fields: definition.fields,
        indexes: definition.indexes,
        unique: definition.unique
      }, definition.name)
      yield* sql.unsafe(
        `INSERT INTO procura_collections (name, definition, updated_at) VALUES ($1::text, $2::jsonb, now())
         ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
        [table.name, definitionJson]
      )
      yield* reconcileRowLevelSecurity(raw, collectionCheck)
    }).pipe(Effect.mapError((error) => classifyError(error, definition)))

  const transaction = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | Storage.StorageError, R> =>
    sql.withTransaction(Effect.mapError(effect, (error) => new Inner(error))).pipe(
      Effect.mapError((error): E | Storage.StorageError => error instanceof Inner ? error.error : classifyError(error))
    )

  return {
    name: "sql",
    maxBatchSize: 5_000,
    prepare: (collections) =>
      collections.length === 0
        ? Effect.void
        : sql.withTransaction(Effect.gen(function*() {
          yield* advisoryLock(sql)
          yield* Effect.forEach(collections, prepareOne, { discard: true })
          yield* reconcileRowLevelSecurity("procura_events", eventLogCheck)
        })).pipe(
          Effect.mapError((error) => classifyError(error)),
          span("SqlStorage.prepare", { "procura.collections": collections.length })
        ),

    get: (collection, tenantId, ids) =>
      Effect.gen(function*() {
        if (ids.length === 0) return []
        const table = yield* guard(() => tableOf(collection), collection.name)
        const rows = yield* asTenant(tenantId, sql.unsafe<RecordRow>(table.getSql, [tenantId, JSON.stringify(ids)]))
        yield* Effect.annotateCurrentSpan("procura.rows", rows.length)
        return rows.map(toRecord)
      }).pipe(
        Effect.mapError((error) => classifyError(error, collection)),
        span("SqlStorage.get", { "db.collection.name": tableName(collection.name), "procura.ids": ids.length })
      ),

    select: (collection, tenantId, query) =>
      Effect.gen(function*() {
        const table = yield* guard(() => tableOf(collection), collection.name)
        const { params, text } = yield* guard(() => renderSelect(table, tenantId, query), collection.name)
        const rows = yield* asTenant(tenantId, sql.unsafe<RecordRow>(text, params))
        yield* Effect.annotateCurrentSpan("procura.rows", rows.length)
        return rows.map(toRecord)
      }).pipe(
        Effect.mapError((error) => classifyError(error, collection)),
        span("SqlStorage.select", { "db.collection.name": tableName(collection.name), "procura.limit": query.limit })
      ),

    insert: (collection, tenantId, records) =>
      Effect.gen(function*() {
        if (records.length === 0) return
        const table = yield* guard(() => tableOf(collection), collection.name)
        const batch = yield* json(
          records.map((record) => ({ id: record.id, version: record.version, data: record.data })),
          collection.name
        )
        yield* sql.withTransaction(asTenant(tenantId, Effect.gen(function*() {
          const rows = yield* sql.unsafe<{ readonly id: string }>(table.insertSql, [tenantId, batch])
          if (rows.length === records.length) return
          const inserted = new Set(rows.map((row) => row.id))
          const seen = new Set<string>()
          const taken: Array<string> = []
          for (const { id } of records) {
            if (!inserted.has(id) || seen.has(id)) taken.push(id)
            seen.add(id)
          }
          return yield* conflict(table.name, `id ${taken.slice(0, 5).join(", ")} already exists`, taken)
        })))
      }).pipe(
        Effect.mapError((error) => classifyError(error, collection)),
        span("SqlStorage.insert", { "db.collection.name": tableName(collection.name), "procura.rows": records.length })
      ),

    update: (collection, tenantId, changes) =>
      Effect.gen(function*() {
        if (changes.length === 0) return
        const table = yield* guard(() => tableOf(collection), collection.name)
        const batch = yield* json(
          changes.map(({ expectedVersion, record }) => ({
            id: record.id,
            version: record.version,
            expected: expectedVersion,
            data: record.data
          })),
          collection.name
        )
        yield* sql.withTransaction(asTenant(tenantId, Effect.gen(function*() {
          const rows = yield* sql.unsafe<{ readonly id: string }>(table.updateSql, [tenantId, batch])
          if (rows.length === changes.length) return
          const updated = new Set(rows.map((row) => row.id))
          const stale = changes.filter(({ record }) => !updated.has(record.id)).map(({ record }) => record.id)
          return yield* conflict(
            table.name,
            `record ${stale.slice(0, 5).join(", ")} changed since it was read, or does not exist`,
            stale,
            true
          )
        })))
      }).pipe(
        Effect.mapError((error) => classifyError(error, collection)),
        span("SqlStorage.update", { "db.collection.name": tableName(collection.name), "procura.rows": changes.length })
      ),

    transaction,

    appendEvents: (events) =>
      Effect.gen(function*() {
        if (events.length === 0) return
        const batch = yield* json(events.map((event) => ({
          id: event.id,
          tenant_id: event.tenantId,
          type: event.type,
          aggregate_type: event.aggregateType,
          aggregate_id: event.aggregateId,
          actor_id: event.actorId,
          occurred_at: event.occurredAt,
          payload: event.payload ?? null
        })))
        // Positions come from a sequence when the row is written but become visible at commit. Two
        // concurrent appenders could commit out of order and a reader could checkpoint past an event
        // not yet visible; holding a transaction-scoped lock from the append to the commit keeps
        // the log's visible order the append order (as the in-memory reference does).
        const tenants = new Set(events.map((event) => event.tenantId))
        const tenantId = tenants.size === 1 ? events[0]!.tenantId : allTenants
        yield* sql.withTransaction(asTenant(tenantId, Effect.andThen(
          sql.unsafe(`SELECT pg_advisory_xact_lock(${eventsLockKey}) AS locked`),
          sql.unsafe(
            `INSERT INTO procura_events (id, tenant_id, type, aggregate_type, aggregate_id, actor_id, occurred_at, payload)
             SELECT e.id, e.tenant_id, e.type, e.aggregate_type, e.aggregate_id, e.actor_id, e.occurred_at::timestamptz,
                    COALESCE(e.payload, 'null'::jsonb)
             FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id text, tenant_id text, type text, aggregate_type text,
                    aggregate_id text, actor_id text, occurred_at text, payload jsonb))
                  WITH ORDINALITY AS e(id, tenant_id, type, aggregate_type, aggregate_id, actor_id, occurred_at, payload, n)
             ORDER BY e.n`,
            [batch]
          )
        )))
      }).pipe(
        Effect.mapError((error) => classifyError(error)),
        span("SqlStorage.appendEvents", { "db.collection.name": "procura_events", "procura.events": events.length })
      ),

    readEvents: ({ after, limit, tenantId }) =>
      Effect.gen(function*() {
        if (limit <= 0) return []
        const columns = "position, id, tenant_id, type, aggregate_type, aggregate_id, actor_id, occurred_at, payload"
        const rows = yield* asTenant(tenantId ?? allTenants, tenantId === undefined
          ? sql.unsafe<EventRow>(
            `SELECT ${columns} FROM procura_events WHERE position > $1::bigint ORDER BY position LIMIT $2::bigint`,
            [Math.max(0, Math.floor(after)), Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER)]
          )
          : sql.unsafe<EventRow>(
            `SELECT ${columns} FROM procura_events WHERE tenant_id = $1::text AND position > $2::bigint
             ORDER BY position LIMIT $3::bigint`,
            [tenantId, Math.max(0, Math.floor(after)), Math.min(Math.floor(limit), Number.MAX_SAFE_INTEGER)]
          ))
        yield* Effect.annotateCurrentSpan("procura.events", rows.length)
        return rows.map(toEvent)
      }).pipe(
        Effect.mapError((error) => classifyError(error)),
        span("SqlStorage.readEvents", { "db.collection.name": "procura_events", "procura.after": after, "procura.limit": limit })
      ),

    getCheckpoint: (subscriber) =>
      sql.unsafe<{ readonly position: number | string | bigint }>(
        `SELECT position FROM procura_checkpoints WHERE subscriber = $1::text`,
        [subscriber]
      ).pipe(
        Effect.map((rows) => (rows[0] === undefined ? 0 : Number(rows[0].position))),
        Effect.mapError((error) => classifyError(error)),
        span("SqlStorage.getCheckpoint", { "procura.subscriber": subscriber })
      ),

    saveCheckpoint: (subscriber, position) =>
      atomic(sql.unsafe(
        `INSERT INTO procura_checkpoints (subscriber, position, updated_at) VALUES ($1::text, $2::bigint, now())
         ON CONFLICT (subscriber) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        [subscriber, position]
      )).pipe(
        Effect.asVoid,
        Effect.mapError((error) => classifyError(error)),
        span("SqlStorage.saveCheckpoint", { "procura.subscriber": subscriber })
      ),

    // One statement decides: the upsert takes the row lock, so of concurrent callers at most one
    // finds the lease free, expired or its own, and the others see it taken.
    acquireLease: (name, owner, now, ttlMillis) =>
      sql.unsafe<{ readonly owner: string }>(
        `INSERT INTO procura_leases (name, owner, expires_at) VALUES ($1::text, $2::text, $3::bigint)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
         WHERE procura_leases.owner = excluded.owner OR procura_leases.expires_at <= $4::bigint
         RETURNING owner`,
        [name, owner, now + ttlMillis, now]
      ).pipe(
        Effect.map((rows) => rows.length === 1),
        Effect.mapError((error) => classifyError(error)),
        span("SqlStorage.acquireLease", { "procura.lease": name })
      ),

    releaseLease: (name, owner) =>
      sql.unsafe(`DELETE FROM procura_leases WHERE name = $1::text AND owner = $2::text`, [name, owner]).pipe(
        Effect.asVoid,
        Effect.mapError((error) => classifyError(error)),
        span("SqlStorage.releaseLease", { "procura.lease": name })
      ),

    parkEvent: (letter) =>
      atomic(sql.unsafe(
        `INSERT INTO procura_dead_letters (subscriber, event_id, position, error, attempts, first_failed_at, last_failed_at)
         VALUES ($1::text, $2::text, $3::bigint, $4::text, $5::integer, $6::timestamptz, $7::timestamptz)
         ON CONFLICT (subscriber, event_id) DO UPDATE SET error = excluded.error, attempts = excluded.attempts,
           first_failed_at = excluded.first_failed_at, last_failed_at = excluded.last_failed_at`,
        [
          letter.subscriber,
          letter.event.id,
          letter.event.position,
          letter.error,
          letter.attempts,
          letter.firstFailedAt,
          letter.lastFailedAt
        ]
      )).pipe(
        Effect.asVoid,
        Effect.mapError((error) => classifyError(error)),
        span("SqlStorage.parkEvent", { "procura.subscriber": letter.subscriber })
      ),

    listParked: ({ limit, subscriber }) =>
      Effect.gen(function*() {
        const columns = `d.subscriber, d.error, d.attempts, d.first_failed_at, d.last_failed_at,
          e.position, e.id, e.tenant_id, e.type, e.aggregate_type, e.aggregate_id, e.actor_id, e.occurred_at, e.payload`
        const from = `FROM procura_dead_letters d JOIN procura_events e ON e.id = d.event_id`
        // Dead letters are per subscriber, across tenants: their events are read for every tenant.
        const rows = yield* asTenant(allTenants, subscriber === undefined
          ? sql.unsafe<DeadLetterRow>(`SELECT ${columns} ${from} ORDER BY d.subscriber, d.position LIMIT $1::bigint`, [limit])
          : sql.unsafe<DeadLetterRow>(
            `SELECT ${columns} ${from} WHERE d.subscriber = $1::text ORDER BY d.position LIMIT $2::bigint`,
            [subscriber, limit]
          ))
        return rows.map((row): Storage.DeadLetter => ({
          id: Storage.deadLetterId(row.subscriber, row.id),
          subscriber: row.subscriber,
          event: toEvent(row),
          error: row.error,
          attempts: Number(row.attempts),
          firstFailedAt: toIso(row.first_failed_at),
          lastFailedAt: toIso(row.last_failed_at)
        }))
      }).pipe(Effect.mapError((error) => classifyError(error)), span("SqlStorage.listParked", { "procura.subscriber": subscriber ?? "*" })),

    removeParked: (subscriber, eventId) =>
      atomic(sql.unsafe(
        `DELETE FROM procura_dead_letters WHERE subscriber = $1::text AND event_id = $2::text`,
        [subscriber, eventId]
      )).pipe(
        Effect.asVoid,
        Effect.mapError((error) => classifyError(error)),
        span("SqlStorage.removeParked", { "procura.subscriber": subscriber })
      )
  }
}

/**
 * Builds the driver on the `SqlClient` in context with options. Without `rowLevelSecurity` it
 * reads whether the database has row-level security on (the event log's state) and follows it.
 * Does not run migrations: see {@link migrate} and {@link layerWith}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (options: Options = {}): Effect.Effect<Storage.StorageDriver, Storage.StorageError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (client) =>
    options.rowLevelSecurity !== undefined
      ? Effect.succeed(fromClient(client, options))
      : rowLevelSecurityInForce(client.withoutTransforms()).pipe(
        Effect.map((enabled) => fromClient(client, { ...options, rowLevelSecurity: enabled ? true : undefined })),
        Effect.mapError((error) => classifyError(error))
      ))

/**
 * Builds the driver on the `SqlClient` in context, following the database's row-level security
 * state. Does not run migrations: see {@link migrate} and {@link layer}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Storage.StorageDriver, Storage.StorageError, SqlClient.SqlClient> = makeWith()

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/**
 * Provides the storage port (`Storage.Storage` and `Storage.Driver`) on the `SqlClient` in
 * context with options, after running {@link migrate}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: Options
): Layer.Layer<Storage.Storage | Storage.Driver, Storage.StorageError, SqlClient.SqlClient> =>
  Storage.layerFromDriver(Effect.andThen(migrate, makeWith(options)))

/**
 * Provides the storage port (`Storage.Storage` and `Storage.Driver`) on the `SqlClient` in
 * context, after running {@link migrate}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Storage.Storage | Storage.Driver, Storage.StorageError, SqlClient.SqlClient> = layerWith({})

/**
 * Options of {@link layerPglite}.
 *
 * @since 0.1.0
 * @category options
 */
export type PgliteOptions = PgliteClient.PgliteClientConfig

/**
 * Provides the storage port on an embedded PGlite database (in memory unless `dataDir` is
 * given), with the `SqlClient` too. Migrations run at start.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPglite = (
  options: PgliteOptions = {}
): Layer.Layer<Storage.Storage | Storage.Driver | SqlClient.SqlClient, Storage.StorageError> =>
  layer.pipe(
    Layer.provideMerge(
      PgliteClient.layerFrom(Effect.mapError(PgliteClient.make(options), (error) => classifyError(error)))
    )
  )

/**
 * Options of {@link layerPg}: the pool's configuration (`PgClient.PgPoolConfig`) and the
 * driver's {@link Options}.
 *
 * @since 0.1.0
 * @category options
 */
export interface PgOptions extends PgClient.PgPoolConfig, Options {}

/** The storage port on a pool built from options: the pool gets everything but the driver's. */
const onPool = <E, R>(
  options: Effect.Effect<PgOptions, E, R>
): Layer.Layer<Storage.Storage | Storage.Driver | SqlClient.SqlClient, Storage.StorageError | E, R> =>
  Layer.unwrap(Effect.map(options, ({ rowLevelSecurity, ...pool }) =>
    layerWith({ rowLevelSecurity }).pipe(
      Layer.provideMerge(PgClient.layerFrom(Effect.mapError(PgClient.make(pool), (error) => classifyError(error))))
    )))

/**
 * Provides the storage port on PostgreSQL through a connection pool (`{ url: Redacted.make(...) }`
 * or host, port, database, user and password; see `PgClient.PgPoolConfig`), with the `SqlClient`
 * too. Migrations run at start. `rowLevelSecurity: true` turns on row-level security (see
 * {@link Options}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPg = (
  options: PgOptions
): Layer.Layer<Storage.Storage | Storage.Driver | SqlClient.SqlClient, Storage.StorageError> => onPool(Effect.succeed(options))

/**
 * Like {@link layerPg}, with the pool configuration read from `Config`: by default the
 * connection URL from `PROCURA_DATABASE_URL`, as a redacted secret, and row-level security
 * from `PROCURA_ROW_LEVEL_SECURITY` (`true` or `false`; unset follows the database).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPgConfig = (
  config: Config.Wrap<PgOptions> = {
    url: Config.Redacted("PROCURA_DATABASE_URL"),
    rowLevelSecurity: Config.option(Config.Boolean("PROCURA_ROW_LEVEL_SECURITY")).pipe(Config.map(Option.getOrUndefined))
  }
): Layer.Layer<
  Storage.Storage | Storage.Driver | SqlClient.SqlClient,
  Storage.StorageError | Config.ConfigError
> => onPool(Config.unwrap(config))
