/**
 * The driver: the port's contract (`Storage.StorageDriver`) on a PostgreSQL-dialect `SqlClient`,
 * one statement per batch.
 *
 * @internal
 */
import { Storage } from "@procura/core"
import { Effect, Option } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import { advisoryLock, eventsLockKey, prepareCollection } from "./ddl.js"
import { classifyError, idsTaken, staleRecords } from "./errors.js"
import { renderCount, renderSelect } from "./filters.js"
import { allTenants, eventLogCheck, type Options, tenancy } from "./rowLevelSecurity.js"
import { guard, json, parseJson, tableName, tableOf } from "./tables.js"

type StoredRecord = Storage.StoredRecord

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

const toRecord = (row: RecordRow): StoredRecord => ({
  id: row.id,
  version: Number(row.version),
  data: parseJson(row.data) as Readonly<Record<string, unknown>>
})

const toIso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString()

interface CountRow {
  readonly value: unknown
  readonly count: number | string | bigint
}

/** A grouped count's value as the port gives it: as the field's type reads it. */
const groupValue = (value: unknown, type: Storage.FieldType | undefined): string | number | boolean | null => {
  if (value === null || value === undefined) return null
  switch (type) {
    case "integer":
    case "number":
      return Number(value)
    case "timestamp":
      return toIso(value as Date | string)
    case "boolean":
      return value === true || value === "t" || value === "true"
    default:
      return String(value)
  }
}

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

/**
 * Builds the driver on a given `SqlClient` (PostgreSQL dialect: `@effect/sql-pg` or
 * `PgliteClient`). Result-name and JSON transforms configured on the client are bypassed.
 * The system tables must exist: run `SqlStorage.migrate` first (the layers do). Without
 * `rowLevelSecurity` in the options it does not set the tenant for row-level security; use
 * `SqlStorage.makeWith` to follow the database's state.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClient = (client: SqlClient.SqlClient, options: Options = {}): Storage.StorageDriver => {
  const sql = client.withoutTransforms()
  const rls = tenancy(sql, options)

  /** Runs a write as a savepoint when inside a transaction, so its failure leaves it usable. */
  const atomic = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E | SqlError.SqlError> =>
    Effect.flatMap(
      Effect.serviceOption(sql.transactionService),
      (current) => (Option.isSome(current) ? sql.withTransaction(effect) : effect)
    )

  const transaction = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | Storage.StorageError, R> =>
    sql.withTransaction(Effect.mapError(effect, (error) => new Inner(error))).pipe(
      Effect.mapError((error): E | Storage.StorageError => error instanceof Inner ? error.error : classifyError(error))
    )

  return {
    name: "sql",
    // PostgreSQL runs transactions side by side, one pooled connection each; PGlite is one
    // embedded session (`PgliteClient` serialises its use), so it runs them one at a time.
    capabilities: { concurrentTransactions: client.driver !== "pglite" },
    maxBatchSize: 5_000,
    prepare: (collections) =>
      collections.length === 0
        ? Effect.void
        : sql.withTransaction(Effect.gen(function*() {
          yield* advisoryLock(sql)
          yield* Effect.forEach(collections, (definition) => prepareCollection(sql, rls, definition), { discard: true })
          yield* rls.reconcileRowLevelSecurity("procura_events", eventLogCheck)
        })).pipe(
          Effect.mapError((error) => classifyError(error)),
          span("SqlStorage.prepare", { "procura.collections": collections.length })
        ),

    get: (collection, tenantId, ids) =>
      Effect.gen(function*() {
        if (ids.length === 0) return []
        const table = yield* guard(() => tableOf(collection), collection.name)
        const rows = yield* rls.asTenant(tenantId, sql.unsafe<RecordRow>(table.getSql, [tenantId, JSON.stringify(ids)]))
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
        const rows = yield* rls.asTenant(tenantId, sql.unsafe<RecordRow>(text, params))
        yield* Effect.annotateCurrentSpan("procura.rows", rows.length)
        return rows.map(toRecord)
      }).pipe(
        Effect.mapError((error) => classifyError(error, collection)),
        span("SqlStorage.select", { "db.collection.name": tableName(collection.name), "procura.limit": query.limit })
      ),

    count: (collection, tenantId, query) =>
      Effect.gen(function*() {
        const table = yield* guard(() => tableOf(collection), collection.name)
        const type = query.groupBy === undefined ? undefined : collection.fields[query.groupBy]
        if (query.where === undefined && query.groupBy !== undefined && collection.counted?.includes(query.groupBy)) {
          // A counted field: the counts the triggers keep, summed over their shards.
          const rows = yield* sql.unsafe<CountRow>(
            `SELECT value::text AS value, sum(count) AS count FROM procura_counts
             WHERE tenant_id = $1::text AND collection = $2::text AND field = $3::text
             GROUP BY value HAVING sum(count) > 0`,
            [tenantId, table.name, query.groupBy]
          )
          return rows
            .map((row): Storage.CountGroup => ({ value: groupValue(JSON.parse(String(row.value)), type), count: Number(row.count) }))
            .sort((a, b) => (a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
        }
        const { params, text } = yield* guard(() => renderCount(table, tenantId, query), collection.name)
        const rows = yield* rls.asTenant(tenantId, sql.unsafe<CountRow>(text, params))
        return rows.map((row): Storage.CountGroup => ({ value: groupValue(row.value, type), count: Number(row.count) }))
      }).pipe(
        Effect.mapError((error) => classifyError(error, collection)),
        span("SqlStorage.count", { "db.collection.name": tableName(collection.name), "procura.groupBy": query.groupBy ?? "" })
      ),

    insert: (collection, tenantId, records) =>
      Effect.gen(function*() {
        if (records.length === 0) return
        const table = yield* guard(() => tableOf(collection), collection.name)
        const batch = yield* json(
          records.map((record) => ({ id: record.id, version: record.version, data: record.data })),
          collection.name
        )
        yield* sql.withTransaction(rls.asTenant(tenantId, Effect.gen(function*() {
          const rows = yield* sql.unsafe<{ readonly id: string }>(table.insertSql, [tenantId, batch])
          if (rows.length === records.length) return
          const inserted = new Set(rows.map((row) => row.id))
          const seen = new Set<string>()
          const taken: Array<string> = []
          for (const { id } of records) {
            if (!inserted.has(id) || seen.has(id)) taken.push(id)
            seen.add(id)
          }
          return yield* idsTaken(table.name, taken)
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
        yield* sql.withTransaction(rls.asTenant(tenantId, Effect.gen(function*() {
          const rows = yield* sql.unsafe<{ readonly id: string }>(table.updateSql, [tenantId, batch])
          if (rows.length === changes.length) return
          const updated = new Set(rows.map((row) => row.id))
          const stale = changes.filter(({ record }) => !updated.has(record.id)).map(({ record }) => record.id)
          return yield* staleRecords(table.name, stale)
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
        yield* sql.withTransaction(rls.asTenant(tenantId, Effect.andThen(
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
        const rows = yield* rls.asTenant(tenantId ?? allTenants, tenantId === undefined
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
        const rows = yield* rls.asTenant(allTenants, subscriber === undefined
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
