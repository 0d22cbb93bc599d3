/**
 * The derived service: {@link StorageService}, what the domain uses, and {@link make}, which
 * derives it from a {@link StorageDriver} (tenant scoping from the current principal, filter
 * validation, cursor paging, batching to the driver's size, single-record helpers, tracing spans),
 * with the layers that provide it. Private to core; the public face is the `Storage` module.
 */
import { Context, Effect, Layer, Option, type Scope, Stream } from "effect"
import { type NotFound as NotFoundError, notFound } from "../../Errors.js"
import { CurrentPrincipal } from "../../Principal.js"
import { type Collection, definitionOf, type Entity, type New, toEntity, toStored } from "./collections.js"
import { Driver, type StorageCapabilities, type StorageDriver } from "./driver.js"
import { InvalidInput, invalid, StorageError, UniqueViolation } from "./errors.js"
import type { DomainEvent } from "./events.js"
import { afterPosition, decodeCursor, encodeCursor, type Expr, fieldValue, type Filter, normaliseFilter, type Order, type Page, type Query } from "./queries.js"

/**
 * The storage service the domain uses. Every call is scoped to the current principal's tenant.
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageService {
  readonly driverName: string
  /** What the driver declares it can do. */
  readonly capabilities: StorageCapabilities
  readonly prepare: (collections: ReadonlyArray<Collection<any>>) => Effect.Effect<void, StorageError>
  readonly get: <A extends Entity>(
    collection: Collection<A>,
    id: string
  ) => Effect.Effect<Option.Option<A>, StorageError, CurrentPrincipal>
  /**
   * The record with this id, or the core's `NotFound` naming `entity` (the collection's name
   * unless given) and the id: what an operation answers for an id the caller referred to.
   */
  readonly getOrFail: <A extends Entity>(
    collection: Collection<A>,
    id: string,
    entity?: string
  ) => Effect.Effect<A, StorageError | NotFoundError, CurrentPrincipal>
  /** The records that exist among `ids`, in the order of `ids`. */
  readonly getMany: <A extends Entity>(
    collection: Collection<A>,
    ids: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<A>, StorageError, CurrentPrincipal>
  readonly find: <A extends Entity>(
    collection: Collection<A>,
    query?: Query<A>
  ) => Effect.Effect<Page<A>, StorageError, CurrentPrincipal>
  /** How many of the tenant's records match the filter (all of them without one), counted by the store. */
  readonly count: <A extends Entity>(
    collection: Collection<A>,
    where?: Filter<A>
  ) => Effect.Effect<number, StorageError, CurrentPrincipal>
  /**
   * How many of the tenant's matching records have each value of `field`, counted by the store:
   * one group per value that has records (`null` for records missing the field), ordered by
   * value, `null` last. `field` must be one the collection declares `counted` (answered from the
   * counts the store keeps, in constant time, when there is no filter) or lead one of its indexes
   * or unique keys (counted from the index); any other field fails with `InvalidInput`.
   */
  readonly countBy: <A extends Entity, K extends keyof A & string>(
    collection: Collection<A>,
    field: K,
    where?: Filter<A>
  ) => Effect.Effect<ReadonlyArray<{ readonly value: NonNullable<A[K]> | null; readonly count: number }>, StorageError, CurrentPrincipal>
  /** Every matching record, page by page. */
  readonly stream: <A extends Entity>(
    collection: Collection<A>,
    query?: Omit<Query<A>, "cursor">
  ) => Stream.Stream<A, StorageError, CurrentPrincipal>
  /** Inserts records with version 1, in batches; all or nothing. */
  readonly insertMany: <A extends Entity>(
    collection: Collection<A>,
    records: ReadonlyArray<NoInfer<New<A>>>
  ) => Effect.Effect<ReadonlyArray<A>, StorageError, CurrentPrincipal>
  /** Inserts one record with version 1 and returns it (`insertMany` of one). */
  readonly insertOne: <A extends Entity>(
    collection: Collection<A>,
    record: NoInfer<New<A>>
  ) => Effect.Effect<A, StorageError, CurrentPrincipal>
  /**
   * Writes new contents for records read earlier; each record's `version` is the one it was read
   * with. Fails with {@link StaleVersion} (and writes nothing) if any changed since. Returns the
   * records with their new versions.
   */
  readonly updateMany: <A extends Entity>(
    collection: Collection<A>,
    records: ReadonlyArray<NoInfer<A>>
  ) => Effect.Effect<ReadonlyArray<A>, StorageError, CurrentPrincipal>
  /** Writes new contents for one record read earlier and returns it with its new version (`updateMany` of one). */
  readonly updateOne: <A extends Entity>(
    collection: Collection<A>,
    record: NoInfer<A>
  ) => Effect.Effect<A, StorageError, CurrentPrincipal>
  readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
  /** Appends events to the log; inside a transaction they commit or roll back with it. */
  readonly appendEvents: (events: ReadonlyArray<DomainEvent>) => Effect.Effect<void, StorageError>
  /** Reads the event log after a position, across tenants unless one is given. For delivery. */
  readonly readEvents: StorageDriver["readEvents"]
  readonly getCheckpoint: StorageDriver["getCheckpoint"]
  readonly saveCheckpoint: StorageDriver["saveCheckpoint"]
  /**
   * Leases that let one delivery worker at a time work for a subscriber. They are not part of
   * transactions: called inside one, they fail with `InvalidInput` (a rollback would otherwise
   * hand a lease its owner still believes it holds to someone else).
   */
  readonly acquireLease: StorageDriver["acquireLease"]
  readonly releaseLease: StorageDriver["releaseLease"]
  /** Dead letters: events parked per subscriber. */
  readonly parkEvent: StorageDriver["parkEvent"]
  readonly listParked: StorageDriver["listParked"]
  readonly removeParked: StorageDriver["removeParked"]
}

/**
 * The storage service tag.
 *
 * @since 0.1.0
 * @category services
 */
export class Storage extends Context.Service<Storage, StorageService>()("@procura/core/Storage") {}

const chunks = <A>(items: ReadonlyArray<A>, size: number): ReadonlyArray<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

const duplicateIds = (ids: ReadonlyArray<string>): ReadonlyArray<string> => {
  const seen = new Set<string>()
  const duplicates = new Set<string>()
  for (const id of ids) (seen.has(id) ? duplicates : seen).add(id)
  return [...duplicates]
}

const guard = <A>(evaluate: () => A): Effect.Effect<A, StorageError> =>
  Effect.try({
    try: evaluate,
    catch: (error) =>
      error instanceof StorageError
        ? error
        : new StorageError({ reason: new InvalidInput({ message: String(error), cause: error }) })
  })

const tenant = Effect.map(CurrentPrincipal, (principal) => principal.tenantId)

/** Whether the caller runs inside a transaction of this service. */
const InTransaction = Context.Reference<boolean>("@procura/core/Storage/InTransaction", { defaultValue: () => false })

/** Fails a lease call made inside a transaction; runs it otherwise. */
const outsideTransactions = <A>(call: string, effect: Effect.Effect<A, StorageError>): Effect.Effect<A, StorageError> =>
  Effect.flatMap(InTransaction, (inside) =>
    inside
      ? Effect.fail(
        new StorageError({
          reason: new InvalidInput({
            message: `${call} runs outside transactions: a lease is about processes, not data, and must not roll back`
          })
        })
      )
      : effect)

/**
 * Tags the current storage span with what a trace reader needs: the collection, the tenant and
 * the number of records (never their contents).
 */
const annotate = (collection: string, tenantId: string, rows: number) =>
  Effect.annotateCurrentSpan({ "procura.collection": collection, "procura.tenant": tenantId, "procura.rows": rows })

/**
 * Derives the {@link StorageService} from a driver.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (driver: StorageDriver): StorageService => {
  const inBatches = <A>(
    items: ReadonlyArray<A>,
    write: (batch: ReadonlyArray<A>) => Effect.Effect<void, StorageError>
  ): Effect.Effect<void, StorageError> => {
    const batches = chunks(items, driver.maxBatchSize)
    if (batches.length === 0) return Effect.void
    if (batches.length === 1) return write(batches[0]!)
    return driver.transaction(Effect.forEach(batches, write, { discard: true }))
  }

  const find = Effect.fn("Storage.find")(function*<A extends Entity>(collection: Collection<A>, query: Query<A> = {}) {
    const definition = definitionOf(collection)
    const tenantId = yield* tenant
    const limit = query.limit ?? 100
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
      return yield* invalid(definition.name, `limit must be an integer from 1 to 1000, got ${limit}`)
    }
    const { where, order } = yield* guard(() => {
      const order: Array<Order> = []
      for (const term of query.orderBy ?? []) {
        const type = term.field === "id" ? "string" : definition.fields[term.field]
        if (type === undefined) throw invalid(definition.name, `cannot order by "${term.field}": it is not a declared field`)
        order.push({ field: term.field, type, direction: term.direction ?? "asc" })
        if (term.field === "id") break // ids are unique: later terms could never matter
      }
      if (order[order.length - 1]?.field !== "id") order.push({ field: "id", type: "string", direction: "asc" })
      const filter = query.where === undefined ? undefined : normaliseFilter(definition, query.where)
      const after = query.cursor === undefined
        ? undefined
        : afterPosition(order, decodeCursor(definition.name, query.cursor, order.length))
      const parts = [filter, after].filter((e): e is Expr => e !== undefined)
      const where: Expr | undefined = parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : { _tag: "and", exprs: parts }
      return { where, order }
    })
    const rows = yield* driver.select(definition, tenantId, { where, orderBy: order, limit: limit + 1 })
    const items = rows.slice(0, limit)
    yield* annotate(definition.name, tenantId, items.length)
    const last = items[items.length - 1]
    const cursor = rows.length > limit && last !== undefined
      ? encodeCursor(order.map((term) => fieldValue(last, term.field)))
      : undefined
    return { items: items.map((row) => toEntity<A>(row)), cursor }
  })

  const get = Effect.fn("Storage.get")(function*<A extends Entity>(collection: Collection<A>, id: string) {
    const tenantId = yield* tenant
    const rows = yield* driver.get(definitionOf(collection), tenantId, [id])
    yield* annotate(collection.name, tenantId, rows.length)
    return Option.map(Option.fromNullishOr(rows[0]), (row) => toEntity<A>(row))
  })

  const insertMany = Effect.fn("Storage.insertMany")(function*<A extends Entity>(collection: Collection<A>, records: ReadonlyArray<New<A>>) {
    const definition = definitionOf(collection)
    const tenantId = yield* tenant
    const duplicates = duplicateIds(records.map((record) => record.id))
    if (duplicates.length > 0) {
      return yield* new StorageError({
        reason: new UniqueViolation({
          collection: definition.name,
          key: ["id"],
          ids: duplicates,
          message: `${definition.name}: the batch repeats id ${duplicates.slice(0, 5).join(", ")}`
        })
      })
    }
    yield* annotate(definition.name, tenantId, records.length)
    const stored = yield* guard(() => records.map((record) => toStored(definition, record as unknown as Entity, 1)))
    yield* inBatches(stored, (batch) => driver.insert(definition, tenantId, batch))
    return stored.map((row) => toEntity<A>(row))
  })

  const updateMany = Effect.fn("Storage.updateMany")(function*<A extends Entity>(collection: Collection<A>, records: ReadonlyArray<A>) {
    const definition = definitionOf(collection)
    const tenantId = yield* tenant
    const duplicates = duplicateIds(records.map((record) => record.id))
    if (duplicates.length > 0) {
      return yield* new StorageError({
        reason: new InvalidInput({
          collection: definition.name,
          ids: duplicates,
          message: `${definition.name}: the batch updates id ${duplicates.slice(0, 5).join(", ")} more than once`
        })
      })
    }
    yield* annotate(definition.name, tenantId, records.length)
    const changes = yield* guard(() =>
      records.map((record) => ({ record: toStored(definition, record, record.version + 1), expectedVersion: record.version }))
    )
    yield* inBatches(changes, (batch) => driver.update(definition, tenantId, batch))
    return changes.map((change) => toEntity<A>(change.record))
  })

  const countGroups = Effect.fn("Storage.count")(function*(
    collection: Collection<any>,
    groupBy: string | undefined,
    filter: Filter<any> | undefined
  ) {
    const definition = definitionOf(collection)
    const tenantId = yield* tenant
    const where = yield* guard(() => {
      if (groupBy !== undefined) {
        if (definition.fields[groupBy] === undefined) throw invalid(definition.name, `cannot count by "${groupBy}": it is not a declared field`)
        if (!definition.counted?.includes(groupBy) && ![...definition.indexes, ...definition.unique].some((index) => index[0] === groupBy)) {
          throw invalid(definition.name, `cannot count by "${groupBy}": it is not counted and no index or unique key starts with it`)
        }
      }
      return filter === undefined ? undefined : normaliseFilter(definition, filter)
    })
    const groups = yield* driver.count(definition, tenantId, { where, groupBy })
    yield* annotate(definition.name, tenantId, groups.length)
    return groups
  })

  const getOrFail = <A extends Entity>(
    collection: Collection<A>,
    id: string,
    entity?: string
  ): Effect.Effect<A, StorageError | NotFoundError, CurrentPrincipal> =>
    Effect.flatMap(get(collection, id), (found) =>
      Option.isSome(found) ? Effect.succeed(found.value) : Effect.fail(notFound(entity ?? collection.name, id)))

  const insertOne = <A extends Entity>(collection: Collection<A>, record: New<A>): Effect.Effect<A, StorageError, CurrentPrincipal> =>
    Effect.map(insertMany(collection, [record]), (records) => records[0]!)

  const updateOne = <A extends Entity>(collection: Collection<A>, record: A): Effect.Effect<A, StorageError, CurrentPrincipal> =>
    Effect.map(updateMany(collection, [record]), (records) => records[0]!)

  return {
    driverName: driver.name,
    capabilities: driver.capabilities,
    prepare: (collections) =>
      driver.prepare(collections.map(definitionOf)).pipe(
        Effect.withSpan("Storage.prepare", { attributes: { "procura.collections": collections.length } })
      ),
    get,
    getOrFail,
    getMany: Effect.fn("Storage.getMany")(function*<A extends Entity>(collection: Collection<A>, ids: ReadonlyArray<string>) {
      if (ids.length === 0) return []
      const tenantId = yield* tenant
      const unique = [...new Set(ids)]
      const rows = yield* Effect.forEach(
        chunks(unique, driver.maxBatchSize),
        (batch) => driver.get(definitionOf(collection), tenantId, batch)
      )
      const byId = new Map(rows.flat().map((row) => [row.id, row]))
      yield* annotate(collection.name, tenantId, byId.size)
      return ids.flatMap((id) => {
        const row = byId.get(id)
        return row === undefined ? [] : [toEntity<A>(row)]
      })
    }),
    find,
    count: (collection, where) => Effect.map(countGroups(collection, undefined, where), (groups) => groups[0]?.count ?? 0),
    countBy: (collection, field, where) => countGroups(collection, field, where) as Effect.Effect<any, StorageError, CurrentPrincipal>,
    stream: <A extends Entity>(collection: Collection<A>, query: Omit<Query<A>, "cursor"> = {}) =>
      Stream.paginate(undefined as string | undefined, (cursor) =>
        Effect.map(
          find(collection, cursor === undefined ? query : { ...query, cursor }),
          (page) => [page.items, page.cursor === undefined ? Option.none() : Option.some(page.cursor)] as const
        )),
    insertMany,
    insertOne,
    updateMany,
    updateOne,
    transaction: (effect) =>
      Effect.withSpan(driver.transaction(Effect.provideService(effect, InTransaction, true)), "Storage.transaction"),
    appendEvents: (events) =>
      events.length === 0
        ? Effect.void
        : inBatches(events, driver.appendEvents).pipe(
          Effect.withSpan("Storage.appendEvents", { attributes: { "procura.events": events.length } })
        ),
    readEvents: (query) =>
      Number.isSafeInteger(query.after) && query.after >= 0 && Number.isSafeInteger(query.limit) && query.limit >= 1
        ? driver.readEvents(query).pipe(
          Effect.tap((events) => Effect.annotateCurrentSpan("procura.events", events.length)),
          Effect.withSpan("Storage.readEvents", {
            attributes: { "procura.after": query.after, "procura.limit": query.limit, "procura.tenant": query.tenantId ?? "*" }
          })
        )
        : Effect.fail(
          new StorageError({
            reason: new InvalidInput({
              message: `readEvents needs a non-negative integer "after" and a positive integer "limit", got ${query.after} and ${query.limit}`
            })
          })
        ),
    getCheckpoint: (subscriber) =>
      driver.getCheckpoint(subscriber).pipe(Effect.withSpan("Storage.getCheckpoint", { attributes: { "procura.subscriber": subscriber } })),
    saveCheckpoint: (subscriber, position) =>
      driver.saveCheckpoint(subscriber, position).pipe(
        Effect.withSpan("Storage.saveCheckpoint", { attributes: { "procura.subscriber": subscriber, "procura.position": position } })
      ),
    acquireLease: (name, owner, now, ttlMillis) =>
      Number.isFinite(now) && Number.isSafeInteger(ttlMillis) && ttlMillis > 0
        ? outsideTransactions("acquireLease", driver.acquireLease(name, owner, Math.floor(now), ttlMillis)).pipe(
          Effect.tap((held) => Effect.annotateCurrentSpan("procura.lease.held", held)),
          Effect.withSpan("Storage.acquireLease", { attributes: { "procura.lease": name, "procura.lease.owner": owner } })
        )
        : Effect.fail(
          new StorageError({
            reason: new InvalidInput({
              message: `acquireLease needs a time and a positive whole number of milliseconds, got ${now} and ${ttlMillis}`
            })
          })
        ),
    releaseLease: (name, owner) =>
      outsideTransactions("releaseLease", driver.releaseLease(name, owner)).pipe(
        Effect.withSpan("Storage.releaseLease", { attributes: { "procura.lease": name, "procura.lease.owner": owner } })
      ),
    parkEvent: (letter) =>
      driver.parkEvent(letter).pipe(
        Effect.withSpan("Storage.parkEvent", { attributes: { "procura.subscriber": letter.subscriber, "procura.event": letter.event.id } })
      ),
    listParked: (query) =>
      Number.isSafeInteger(query.limit) && query.limit >= 1
        ? driver.listParked(query).pipe(
          Effect.tap((letters) => Effect.annotateCurrentSpan("procura.rows", letters.length)),
          Effect.withSpan("Storage.listParked", { attributes: { "procura.subscriber": query.subscriber ?? "*" } })
        )
        : Effect.fail(
          new StorageError({ reason: new InvalidInput({ message: `listParked needs a positive integer "limit", got ${query.limit}` }) })
        ),
    removeParked: (subscriber, eventId) =>
      driver.removeParked(subscriber, eventId).pipe(
        Effect.withSpan("Storage.removeParked", { attributes: { "procura.subscriber": subscriber, "procura.event": eventId } })
      )
  }
}

/**
 * The layer deriving {@link Storage} from the {@link Driver} an adapter provides.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Storage, never, Driver> = Layer.effect(Storage, Effect.map(Driver, make))

/**
 * Provides both the driver and the derived storage service from a driver-building effect: what
 * an adapter's `layer` is made of.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromDriver = <E, R>(
  driver: Effect.Effect<StorageDriver, E, R>
): Layer.Layer<Storage | Driver, E, Exclude<R, Scope.Scope>> =>
  Layer.effectContext(
    Effect.map(driver, (d) => Context.make(Driver, d).pipe(Context.add(Storage, make(d))))
  )
