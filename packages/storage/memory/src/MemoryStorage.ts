/**
 * The in-memory storage adapter: the reference implementation of Procura's storage port.
 *
 * Read this first when writing an adapter. It keeps every rule of the port in plain code:
 * tenant scoping, unique keys per tenant (ignoring records with a missing key field), optimistic
 * versions, all-or-nothing batches, nested transactions with rollback of records and events, and
 * an event log with checkpoints, leases and dead letters. State lives in the layer's instance; nothing is global.
 *
 * Transactions are serialised by one lock and rolled back with an undo log, so concurrent fibers
 * see each other's work only once committed.
 *
 * @since 0.1.0
 */
import { Storage } from "@procura/core"
import { Context, Effect, Exit, Layer, Semaphore } from "effect"

type Expr = Storage.Expr
type Order = Storage.Order
type StoredRecord = Storage.StoredRecord

/**
 * Whether a stored record satisfies a filter expression, with the port's semantics: comparisons
 * never match a missing value, `ne` and `nin` do.
 *
 * @since 0.1.0
 * @category predicates
 */
export const matches = (expr: Expr, record: StoredRecord): boolean => {
  switch (expr._tag) {
    case "and":
      return expr.exprs.every((e) => matches(e, record))
    case "or":
      return expr.exprs.some((e) => matches(e, record))
    case "isNull":
      return (Storage.fieldValue(record, expr.field) === null) !== expr.negate
    case "in": {
      const value = Storage.fieldValue(record, expr.field)
      if (value === null) return expr.negate
      return expr.values.includes(value) !== expr.negate
    }
    case "text": {
      const value = Storage.fieldValue(record, expr.field)
      if (typeof value !== "string") return false
      return expr.op === "startsWith" ? value.startsWith(expr.value) : value.includes(expr.value)
    }
    case "compare": {
      const value = Storage.fieldValue(record, expr.field)
      if (value === null) return expr.op === "ne"
      const c = compareValues(value, expr.value)
      switch (expr.op) {
        case "eq":
          return c === 0
        case "ne":
          return c !== 0
        case "gt":
          return c > 0
        case "gte":
          return c >= 0
        case "lt":
          return c < 0
        case "lte":
          return c <= 0
      }
    }
  }
}

/**
 * Compares two non-missing field values of the same type. Strings compare by UTF-16 code unit,
 * which agrees with SQL's "C" collation (code points) everywhere but between characters outside
 * the Basic Multilingual Plane and those in U+E000..U+FFFF.
 *
 * @since 0.1.0
 * @category ordering
 */
export const compareValues = (a: unknown, b: unknown): number => {
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b)
  return (a as number | string) < (b as number | string) ? -1 : (a as number | string) > (b as number | string) ? 1 : 0
}

/**
 * A comparator for records in the port's order: by each term, missing values last in both
 * directions.
 *
 * @since 0.1.0
 * @category ordering
 */
export const compareRecords = (order: ReadonlyArray<Order>) => (a: StoredRecord, b: StoredRecord): number => {
  for (const term of order) {
    const x = Storage.fieldValue(a, term.field)
    const y = Storage.fieldValue(b, term.field)
    if (x === null && y === null) continue
    if (x === null) return 1
    if (y === null) return -1
    const c = compareValues(x, y)
    if (c !== 0) return term.direction === "asc" ? c : -c
  }
  return 0
}

interface TableState {
  readonly records: Map<string, StoredRecord>
  /** unique key name -> encoded key -> record id */
  readonly unique: Map<string, Map<string, string>>
}

interface Transaction {
  readonly undo: Array<() => void>
}

const CurrentTransaction = Context.Reference<Transaction | undefined>("@procura/storage-memory/CurrentTransaction", {
  defaultValue: () => undefined
})

/**
 * Builds a fresh in-memory driver. Each call has its own state.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeDriver = (options: { readonly maxBatchSize?: number } = {}): Storage.StorageDriver => {
  const tables = new Map<string, TableState>()
  const events: Array<Storage.StoredEvent> = []
  const checkpoints = new Map<string, number>()
  const leases = new Map<string, { readonly owner: string; readonly expires: number }>()
  /** subscriber -> event id -> letter */
  const parked = new Map<string, Map<string, Storage.DeadLetter>>()
  const lock = Semaphore.makeUnsafe(1)

  const table = (collection: Storage.CollectionDefinition, tenantId: string): TableState => {
    const name = `${collection.name}\u0000${tenantId}`
    let state = tables.get(name)
    if (state === undefined) {
      state = { records: new Map(), unique: new Map(collection.unique.map((key) => [key.join(","), new Map()])) }
      tables.set(name, state)
    }
    return state
  }

  const uniqueKey = (record: StoredRecord, fields: ReadonlyArray<string>): string | undefined => {
    const values = fields.map((field) => Storage.fieldValue(record, field))
    return values.some((value) => value === null) ? undefined : JSON.stringify(values)
  }

  /** Runs `f` atomically: inside the caller's transaction, or alone under the lock. */
  const atomically = <A, E, R>(f: (tx: Transaction) => Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(CurrentTransaction, (current) =>
      current !== undefined ? f(current) : transaction(Effect.flatMap(CurrentTransaction, (tx) => f(tx!))))

  const transaction = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(CurrentTransaction, (current) => {
      if (current !== undefined) {
        // Nested: a savepoint. Undo only what this block did if it fails.
        const mark = current.undo.length
        return Effect.onExit(effect, (exit) =>
          Effect.sync(() => {
            if (Exit.isFailure(exit)) rollback(current, mark)
          }))
      }
      const tx: Transaction = { undo: [] }
      return lock.withPermits(1)(
        Effect.onExit(Effect.provideService(effect, CurrentTransaction, tx), (exit) =>
          Effect.sync(() => {
            if (Exit.isFailure(exit)) rollback(tx, 0)
          }))
      )
    })

  const rollback = (tx: Transaction, mark: number) => {
    while (tx.undo.length > mark) tx.undo.pop()!()
  }

  const taken = (collection: string, message: string, key: ReadonlyArray<string>, ids: ReadonlyArray<string>) =>
    new Storage.StorageError({
      reason: new Storage.UniqueViolation({ collection, key, ids, message: `${collection}: ${message}` })
    })

  const insertOne = (tx: Transaction, collection: Storage.CollectionDefinition, state: TableState, record: StoredRecord) => {
    state.records.set(record.id, record)
    tx.undo.push(() => state.records.delete(record.id))
    for (const fields of collection.unique) {
      const key = uniqueKey(record, fields)
      if (key === undefined) continue
      const index = state.unique.get(fields.join(","))!
      index.set(key, record.id)
      tx.undo.push(() => index.delete(key))
    }
  }

  const removeOne = (tx: Transaction, collection: Storage.CollectionDefinition, state: TableState, record: StoredRecord) => {
    state.records.delete(record.id)
    tx.undo.push(() => state.records.set(record.id, record))
    for (const fields of collection.unique) {
      const key = uniqueKey(record, fields)
      if (key === undefined) continue
      const index = state.unique.get(fields.join(","))!
      index.delete(key)
      tx.undo.push(() => index.set(key, record.id))
    }
  }

  /** Checks unique keys of `records` against the table and each other, ignoring `replacing` ids. */
  const checkUnique = (
    collection: Storage.CollectionDefinition,
    state: TableState,
    records: ReadonlyArray<StoredRecord>
  ): Storage.StorageError | undefined => {
    const ids = new Set(records.map((record) => record.id))
    for (const fields of collection.unique) {
      const index = state.unique.get(fields.join(","))!
      const seen = new Map<string, string>()
      for (const record of records) {
        const key = uniqueKey(record, fields)
        if (key === undefined) continue
        const holder = index.get(key)
        if ((holder !== undefined && !ids.has(holder)) || seen.has(key)) {
          return taken(collection.name, `unique key (${fields.join(", ")}) = ${key} is already taken`, fields, [record.id])
        }
        seen.set(key, record.id)
      }
    }
    return undefined
  }

  return {
    name: "memory",
    // One lock serialises transactions: correct, not concurrent.
    capabilities: { concurrentTransactions: false },
    maxBatchSize: options.maxBatchSize ?? 5_000,
    prepare: (collections) =>
      Effect.sync(() => {
        for (const collection of collections) {
          for (const [name, state] of tables) {
            if (!name.startsWith(`${collection.name}\u0000`)) continue
            for (const fields of collection.unique) {
              if (!state.unique.has(fields.join(","))) state.unique.set(fields.join(","), new Map())
            }
          }
        }
      }),
    get: (collection, tenantId, ids) =>
      atomically(() =>
        Effect.sync(() => {
          const state = table(collection, tenantId)
          return ids.flatMap((id) => {
            const record = state.records.get(id)
            return record === undefined ? [] : [record]
          })
        })
      ),
    select: (collection, tenantId, query) =>
      atomically(() =>
        Effect.sync(() => {
          const state = table(collection, tenantId)
          const where = query.where
          const rows = [...state.records.values()].filter((record) => where === undefined || matches(where, record))
          rows.sort(compareRecords(query.orderBy))
          return rows.slice(0, query.limit)
        })
      ),
    count: (collection, tenantId, { groupBy, where }) =>
      atomically(() =>
        Effect.sync(() => {
          const rows = [...table(collection, tenantId).records.values()].filter((record) => where === undefined || matches(where, record))
          if (groupBy === undefined) return [{ value: null, count: rows.length }]
          const counts = new Map<string | number | boolean | null, number>()
          for (const record of rows) {
            const value = Storage.fieldValue(record, groupBy) as string | number | boolean | null
            counts.set(value, (counts.get(value) ?? 0) + 1)
          }
          const values = [...counts.keys()]
          values.sort((a, b) => (a === null ? 1 : b === null ? -1 : compareValues(a, b)))
          return values.map((value) => ({ value, count: counts.get(value)! }))
        })
      ),
    insert: (collection, tenantId, records) =>
      atomically((tx) =>
        Effect.suspend(() => {
          const state = table(collection, tenantId)
          const existing = records.filter((record) => state.records.has(record.id)).map((record) => record.id)
          if (existing.length > 0) {
            return Effect.fail(taken(collection.name, `id ${existing.slice(0, 5).join(", ")} already exists`, ["id"], existing))
          }
          const error = checkUnique(collection, state, records)
          if (error !== undefined) return Effect.fail(error)
          for (const record of records) insertOne(tx, collection, state, record)
          return Effect.void
        })
      ),
    update: (collection, tenantId, changes) =>
      atomically((tx) =>
        Effect.suspend(() => {
          const state = table(collection, tenantId)
          const stale = changes
            .filter(({ expectedVersion, record }) => state.records.get(record.id)?.version !== expectedVersion)
            .map(({ record }) => record.id)
          if (stale.length > 0) {
            return Effect.fail(
              new Storage.StorageError({
                reason: new Storage.StaleVersion({
                  collection: collection.name,
                  ids: stale,
                  message: `${collection.name}: record ${stale.slice(0, 5).join(", ")} changed since it was read, or does not exist`
                })
              })
            )
          }
          const next = changes.map(({ record }) => record)
          const error = checkUnique(collection, state, next)
          if (error !== undefined) return Effect.fail(error)
          for (const record of next) removeOne(tx, collection, state, state.records.get(record.id)!)
          for (const record of next) insertOne(tx, collection, state, record)
          return Effect.void
        })
      ),
    transaction,
    appendEvents: (batch) =>
      atomically((tx) =>
        Effect.sync(() => {
          const start = events.length
          for (const event of batch) events.push({ ...event, position: events.length + 1 })
          tx.undo.push(() => {
            events.length = start
          })
        })
      ),
    readEvents: ({ after, limit, tenantId }) =>
      atomically(() =>
        Effect.sync(() => {
          const out: Array<Storage.StoredEvent> = []
          for (let i = Math.max(0, after); i < events.length && out.length < limit; i++) {
            const event = events[i]!
            if (tenantId === undefined || event.tenantId === tenantId) out.push(event)
          }
          return out
        })
      ),
    getCheckpoint: (subscriber) => atomically(() => Effect.sync(() => checkpoints.get(subscriber) ?? 0)),
    saveCheckpoint: (subscriber, position) =>
      atomically((tx) =>
        Effect.sync(() => {
          const previous = checkpoints.get(subscriber)
          checkpoints.set(subscriber, position)
          tx.undo.push(() => (previous === undefined ? checkpoints.delete(subscriber) : checkpoints.set(subscriber, previous)))
        })
      ),
    // Leases live outside transactions: a lease is about processes, not about data.
    acquireLease: (name, owner, now, ttlMillis) =>
      Effect.sync(() => {
        const current = leases.get(name)
        if (current !== undefined && current.owner !== owner && current.expires > now) return false
        leases.set(name, { owner, expires: now + ttlMillis })
        return true
      }),
    releaseLease: (name, owner) =>
      Effect.sync(() => {
        if (leases.get(name)?.owner === owner) leases.delete(name)
      }),
    parkEvent: (letter) =>
      atomically((tx) =>
        Effect.sync(() => {
          let letters = parked.get(letter.subscriber)
          if (letters === undefined) {
            letters = new Map()
            parked.set(letter.subscriber, letters)
          }
          const own = letters
          const previous = own.get(letter.event.id)
          own.set(letter.event.id, letter)
          tx.undo.push(() => (previous === undefined ? own.delete(letter.event.id) : own.set(letter.event.id, previous)))
        })
      ),
    listParked: ({ limit, subscriber }) =>
      atomically(() =>
        Effect.sync(() => {
          const subscribers = subscriber === undefined ? [...parked.keys()].sort() : [subscriber]
          return subscribers
            .flatMap((name) => [...(parked.get(name)?.values() ?? [])].sort((a, b) => a.event.position - b.event.position))
            .slice(0, limit)
        })
      ),
    removeParked: (subscriber, eventId) =>
      atomically((tx) =>
        Effect.sync(() => {
          const letters = parked.get(subscriber)
          const previous = letters?.get(eventId)
          if (letters === undefined || previous === undefined) return
          letters.delete(eventId)
          tx.undo.push(() => letters.set(eventId, previous))
        })
      )
  }
}

/**
 * A fresh in-memory driver, as an effect.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options: { readonly maxBatchSize?: number } = {}): Effect.Effect<Storage.StorageDriver> =>
  Effect.sync(() => makeDriver(options))

/**
 * A layer providing the storage port (both `Storage.Storage` and `Storage.Driver`) on fresh
 * in-memory state.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: { readonly maxBatchSize?: number } = {}): Layer.Layer<Storage.Storage | Storage.Driver> =>
  Storage.layerFromDriver(make(options))
