/**
 * Schema changes: Procura's system migrations (event log, checkpoints, collection definitions,
 * leases, dead letters), the advisory locks that serialise them, and creating or upgrading a
 * collection's table, columns, indexes and unique keys from its definition.
 *
 * @internal
 */
import type { Storage } from "@procura/core"
import { Effect } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import { classifyError } from "./errors.js"
import { collectionCheck, type Tenancy } from "./rowLevelSecurity.js"
import { type Column, columnName, derive, guard, json, parseJson, quote, sqlTypes, tableName, tableOf } from "./tables.js"

type CollectionDefinition = Storage.CollectionDefinition

/** The advisory lock key serialising migrations and `prepare` across processes. */
const lockKey = 7_032_847_115_262_813

/** Takes the advisory lock serialising migrations and `prepare`, until the transaction ends. */
export const advisoryLock = (sql: SqlClient.SqlClient) => sql.unsafe(`SELECT pg_advisory_xact_lock(${lockKey}) AS locked`)

/**
 * The advisory lock key serialising event appends until their transaction ends, so that event
 * positions become visible in order: a reader that saw position n never sees n - 1 appear later.
 */
export const eventsLockKey = lockKey + 1

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
    ])),
  // Per-value counts of the fields collections declare `counted`, kept by triggers (see
  // `reconcileCounters`); in shards, so that concurrent writers seldom wait for one row.
  "3_procura_counts": Effect.flatMap(SqlClient.SqlClient, (sql) =>
    statements(sql, [
      `CREATE TABLE IF NOT EXISTS procura_counts (
        tenant_id text COLLATE "C" NOT NULL,
        collection text NOT NULL,
        field text NOT NULL,
        value jsonb NOT NULL,
        shard integer NOT NULL,
        count bigint NOT NULL,
        PRIMARY KEY (tenant_id, collection, field, value, shard)
      )`
    ]))
}

/** How many rows a count is spread over per value: a writer adds to the shard of its session. */
const counterShards = 16

/** The trigger function keeping a collection table's counts. */
const counterFunction = (raw: string) => quote(`procura_count_${raw}`)

/**
 * Keeps the counts of a collection's `counted` fields in `procura_counts`: statement-level
 * triggers on the table add what each statement inserted, moved or deleted (one upsert per value
 * that changed, nothing for an update that left every counted field as it was), so counts commit
 * and roll back with the writes. The function's comment records the fields it counts; when they
 * change, the table is locked against writers, the triggers replaced and the counts rebuilt from
 * the rows. Runs in `prepare`'s transaction.
 */
const reconcileCounters = (sql: SqlClient.SqlClient, rls: Tenancy, table: ReturnType<typeof tableOf>, counted: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const raw = tableName(table.name)
    const wanted = [...counted].sort().join(",")
    const [current] = yield* sql.unsafe<{ readonly fields: string | null }>(
      `SELECT obj_description(to_regprocedure($1::text), 'pg_proc') AS fields`,
      [`procura_count_${raw}()`]
    )
    if ((current?.fields ?? "") === wanted) return
    yield* sql.unsafe(`LOCK TABLE ${table.table} IN SHARE ROW EXCLUSIVE MODE`)
    for (const op of ["insert", "update", "delete"]) yield* sql.unsafe(`DROP TRIGGER IF EXISTS procura_count_${op} ON ${table.table}`)
    yield* sql.unsafe(`DROP FUNCTION IF EXISTS ${counterFunction(raw)}()`)
    yield* sql.unsafe(`DELETE FROM procura_counts WHERE collection = $1::text`, [table.name])
    if (counted.length === 0) return
    const name = table.name.replace(/'/g, "''")
    const values = (rows: string, delta: number) =>
      counted.map((field) =>
        `SELECT tenant_id, '${field}' AS field, COALESCE(to_jsonb(${table.byField.get(field)!.column}), 'null'::jsonb) AS value, ${delta} AS delta FROM ${rows}`
      ).join(" UNION ALL ")
    const add = (parts: string) =>
      `INSERT INTO procura_counts AS c (tenant_id, collection, field, value, shard, count)
       SELECT tenant_id, '${name}', field, value, pg_backend_pid() % ${counterShards}, sum(delta) FROM (${parts}) AS d
       GROUP BY tenant_id, field, value HAVING sum(delta) <> 0 ORDER BY tenant_id, field, value
       ON CONFLICT (tenant_id, collection, field, value, shard) DO UPDATE SET count = c.count + excluded.count;`
    yield* sql.unsafe(
      `CREATE FUNCTION ${counterFunction(raw)}() RETURNS trigger LANGUAGE plpgsql AS $procura$
       BEGIN
         IF TG_OP = 'INSERT' THEN ${add(values("procura_new", 1))}
         ELSIF TG_OP = 'UPDATE' THEN ${add(`${values("procura_new", 1)} UNION ALL ${values("procura_old", -1)}`)}
         ELSE ${add(values("procura_old", -1))}
         END IF;
         RETURN NULL;
       END $procura$`
    )
    yield* sql.unsafe(`COMMENT ON FUNCTION ${counterFunction(raw)}() IS '${wanted}'`)
    const referencing = { insert: "NEW TABLE AS procura_new", update: "OLD TABLE AS procura_old NEW TABLE AS procura_new", delete: "OLD TABLE AS procura_old" }
    for (const [op, tables] of Object.entries(referencing)) {
      yield* sql.unsafe(
        `CREATE TRIGGER procura_count_${op} AFTER ${op.toUpperCase()} ON ${table.table} REFERENCING ${tables}
         FOR EACH STATEMENT EXECUTE FUNCTION ${counterFunction(raw)}()`
      )
    }
    // Every tenant's rows: the owner is exempt from the policy until FORCE is back, in this
    // transaction, which holds the table against writers.
    const forced = (yield* rls.rowSecurity(table.table))?.forced === true
    if (forced) yield* sql.unsafe(`ALTER TABLE ${table.table} NO FORCE ROW LEVEL SECURITY`)
    yield* sql.unsafe(
      `INSERT INTO procura_counts (tenant_id, collection, field, value, shard, count)
       SELECT tenant_id, '${name}', field, value, 0, count(*) FROM (${values(table.table, 1)}) AS d GROUP BY tenant_id, field, value`
    )
    if (forced) yield* sql.unsafe(`ALTER TABLE ${table.table} FORCE ROW LEVEL SECURITY`)
  })

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
 * Creates or upgrades a collection's table from its definition: the table, its typed columns
 * (added, retyped or backfilled), its indexes and unique keys (created, or dropped when no longer
 * declared), the stored definition and the table's row-level security. Runs in the caller's
 * transaction, which holds the advisory lock.
 */
export const prepareCollection = (sql: SqlClient.SqlClient, rls: Tenancy, definition: CollectionDefinition) =>
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
      const forced = (yield* rls.rowSecurity(table.table))?.forced === true
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

    yield* reconcileCounters(sql, rls, table, definition.counted ?? [])

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
    yield* rls.reconcileRowLevelSecurity(raw, collectionCheck)
  }).pipe(Effect.mapError((error) => classifyError(error, definition)))
