/**
 * The storage port: where Procura keeps its records and its event log.
 *
 * It has two levels. {@link StorageDriver} is the small contract a platform team implements for
 * their store: fetch by ids, select with a normalised filter, insert and update batches, run a
 * transaction, append and read events, keep checkpoints. {@link make} derives the {@link Storage}
 * service the domain uses from it: tenant scoping from the current principal, filter validation,
 * cursor paging, batching and optimistic concurrency checks.
 *
 * The testkit's conformance suite is the definition of a correct driver.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Layer, Option, type Scope, Stream } from "effect"
import type { z } from "zod"
import { type NotFound as NotFoundError, notFound } from "./Errors.js"
import { CurrentPrincipal } from "./Principal.js"

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/**
 * The reason of a {@link StorageError}: a unique key (or an id) is already taken. The call wrote
 * nothing; running it again gives the same answer unless the other record goes away, so it is
 * not retryable (an operation may declare a key it retries on: `Operation.make`'s
 * `retryOnUnique`).
 *
 * @since 0.1.0
 * @category errors
 */
export class UniqueViolation extends Data.TaggedClass("UniqueViolation")<{
  readonly collection?: string
  /**
   * The fields of the key that is taken, as the collection declares them: `["id"]` for a taken
   * or repeated id, empty when the store did not say which key.
   */
  readonly key: ReadonlyArray<string>
  /** The ids of the records that could not be written, where known. */
  readonly ids?: ReadonlyArray<string>
  readonly message: string
  readonly cause?: unknown
}> {
  /**
   * Whether retrying may succeed: never for a taken key.
   *
   * @since 0.1.0
   */
  get isRetryable(): boolean {
    return false
  }

  /**
   * Whether the taken key is exactly these fields, in any order: `isKey(["vendorId", "number"])`.
   *
   * @since 0.1.0
   */
  isKey(fields: ReadonlyArray<string>): boolean {
    return fields.length === this.key.length && fields.every((field) => this.key.includes(field))
  }
}

/**
 * The reason of a {@link StorageError}: records changed (or went away) since they were read, or
 * the store aborted the transaction for a concurrent writer. Nothing was written; re-reading,
 * re-applying and retrying is the cure, so it is retryable (operations retry it).
 *
 * @since 0.1.0
 * @category errors
 */
export class StaleVersion extends Data.TaggedClass("StaleVersion")<{
  readonly collection?: string
  /** The ids of the stale records; empty when the store aborted the transaction without naming them. */
  readonly ids: ReadonlyArray<string>
  readonly message: string
  readonly cause?: unknown
}> {
  /**
   * Whether retrying may succeed: yes, on fresh reads.
   *
   * @since 0.1.0
   */
  get isRetryable(): boolean {
    return true
  }
}

/**
 * The reason of a {@link StorageError}: a record the call needed does not exist. (Reading a
 * record that may be missing is not a failure: `get` returns an `Option`, and
 * {@link StorageService.getOrFail} fails with the core's `NotFound`.)
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Data.TaggedClass("NotFound")<{
  readonly collection?: string
  readonly ids?: ReadonlyArray<string>
  readonly message: string
  readonly cause?: unknown
}> {
  /**
   * Whether retrying may succeed: no.
   *
   * @since 0.1.0
   */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The reason of a {@link StorageError}: the call itself is malformed (an unknown field, a value
 * of the wrong type or too large to store, a bad cursor or limit). Not retryable.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidInput extends Data.TaggedClass("InvalidInput")<{
  readonly collection?: string
  /** The ids concerned, where known (for example an id updated twice in one batch). */
  readonly ids?: ReadonlyArray<string>
  readonly message: string
  readonly cause?: unknown
}> {
  /**
   * Whether retrying may succeed: no.
   *
   * @since 0.1.0
   */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * The reason of a {@link StorageError}: the store could not be reached, failed, or is not
 * prepared. Retrying may help.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unavailable extends Data.TaggedClass("Unavailable")<{
  readonly collection?: string
  readonly message: string
  readonly cause?: unknown
}> {
  /**
   * Whether retrying may succeed: it may.
   *
   * @since 0.1.0
   */
  get isRetryable(): boolean {
    return true
  }
}

/**
 * Why a storage call failed: a tagged reason with the data to act on and whether retrying may
 * help.
 *
 * - {@link UniqueViolation}: a unique key or id is taken (not retryable).
 * - {@link StaleVersion}: records changed since they were read (retryable).
 * - {@link NotFound}: a record the call needed does not exist.
 * - {@link InvalidInput}: the call itself is malformed (unknown field, wrong value type, bad cursor).
 * - {@link Unavailable}: the store could not be reached or failed (retryable).
 *
 * @since 0.1.0
 * @category errors
 */
export type StorageErrorReason = UniqueViolation | StaleVersion | NotFound | InvalidInput | Unavailable

/**
 * A failure of the storage port, wrapping its {@link StorageErrorReason}. Match the family with
 * `Effect.catchTag("StorageError", ...)` and a reason with
 * `Effect.catchReason("StorageError", "UniqueViolation", (reason) => ...)` or {@link isReason}.
 * Its message and retryability are the reason's.
 *
 * @since 0.1.0
 * @category errors
 */
export class StorageError extends Data.TaggedError("StorageError")<{
  readonly reason: StorageErrorReason
}> {
  /**
   * The reason, as the JavaScript error cause (the reason keeps the underlying failure as its own
   * `cause`).
   *
   * @since 0.1.0
   */
  override readonly cause = this.reason

  /**
   * The reason's message.
   *
   * @since 0.1.0
   */
  override get message(): string {
    return this.reason.message || this.reason._tag
  }

  /**
   * Whether retrying may succeed: the reason's (stale versions and an unavailable store).
   *
   * @since 0.1.0
   */
  get isRetryable(): boolean {
    return this.reason.isRetryable
  }
}

/**
 * Whether a value is a {@link StorageError} with the given reason, narrowing its `reason`:
 * `Storage.isReason(error, "StaleVersion")`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isReason = <Tag extends StorageErrorReason["_tag"]>(
  error: unknown,
  tag: Tag
): error is StorageError & { readonly reason: Extract<StorageErrorReason, { readonly _tag: Tag }> } =>
  error instanceof StorageError && error.reason._tag === tag

/**
 * Whether a value is a {@link StorageError} for a taken unique key: any key, or exactly the given
 * fields (in any order).
 *
 * @since 0.1.0
 * @category guards
 */
export const isUniqueViolation = (
  error: unknown,
  key?: ReadonlyArray<string>
): error is StorageError & { readonly reason: UniqueViolation } =>
  isReason(error, "UniqueViolation") && (key === undefined || error.reason.isKey(key))

// ---------------------------------------------------------------------------------------------
// Collections
// ---------------------------------------------------------------------------------------------

/**
 * The type of a queryable field. Drivers map each to a typed, indexable column.
 * `timestamp` values are ISO-8601 UTC strings as `Date.prototype.toISOString` writes them.
 *
 * @since 0.1.0
 * @category models
 */
export type FieldType = "string" | "integer" | "number" | "boolean" | "timestamp"

/**
 * Every record carries an id and a version; the version starts at 1 and grows by one per update.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entity {
  readonly id: string
  readonly version: number
}

/**
 * The declaration of a collection: its name, the schema of its records, the top-level fields
 * that can be filtered and ordered on (with their types), the indexes to keep, and the unique keys.
 * Unique keys are per tenant and ignore records where any key field is missing.
 *
 * @since 0.1.0
 * @category models
 */
export interface Collection<A extends Entity> {
  readonly name: string
  readonly schema: z.ZodType<A>
  readonly fields: { readonly [K in keyof A & string]?: FieldType }
  readonly indexes: ReadonlyArray<ReadonlyArray<keyof A & string>>
  readonly unique: ReadonlyArray<ReadonlyArray<keyof A & string>>
}

/**
 * A collection with its record type erased, as drivers see it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CollectionDefinition {
  readonly name: string
  readonly fields: { readonly [field: string]: FieldType }
  readonly indexes: ReadonlyArray<ReadonlyArray<string>>
  readonly unique: ReadonlyArray<ReadonlyArray<string>>
}

const collectionName = /^[a-z][a-z0-9_]{0,40}$/
const fieldName = /^[a-zA-Z][a-zA-Z0-9]{0,40}$/

/**
 * Declares a collection. Names are checked here, once, so drivers can use them in DDL:
 * collection names are lower snake case, field names are alphanumeric, and every indexed or
 * unique field must be declared in `fields`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const collection = <A extends Entity>(definition: {
  readonly name: string
  readonly schema: z.ZodType<A>
  readonly fields: { readonly [K in keyof A & string]?: FieldType }
  readonly indexes?: ReadonlyArray<ReadonlyArray<keyof A & string>>
  readonly unique?: ReadonlyArray<ReadonlyArray<keyof A & string>>
}): Collection<A> => {
  if (!collectionName.test(definition.name)) {
    throw new Error(`Collection name "${definition.name}" must match ${collectionName}`)
  }
  const fields = definition.fields as Record<string, FieldType>
  for (const field of Object.keys(fields)) {
    if (!fieldName.test(field) || field === "id" || field === "version") {
      throw new Error(`Collection ${definition.name}: field name "${field}" must match ${fieldName} and not be id or version`)
    }
  }
  for (const key of [...(definition.indexes ?? []), ...(definition.unique ?? [])]) {
    for (const field of key) {
      if (!(field in fields)) {
        throw new Error(`Collection ${definition.name}: indexed field "${field}" is not declared in fields`)
      }
    }
  }
  return { indexes: [], unique: [], ...definition }
}

const definitionOf = (c: Collection<any>): CollectionDefinition => c as unknown as CollectionDefinition

// ---------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/**
 * A domain event, appended in the same transaction as the change it records.
 *
 * @since 0.1.0
 * @category models
 */
export interface DomainEvent {
  readonly id: string
  readonly tenantId: string
  readonly type: string
  readonly aggregateType: string
  readonly aggregateId: string
  readonly actorId: string
  readonly occurredAt: string
  readonly payload: unknown
}

/**
 * A domain event with its position in the log (strictly increasing in append order).
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredEvent extends DomainEvent {
  readonly position: number
}

/**
 * An event parked for one subscriber: its handler kept failing past the retry limit, or it is
 * held behind an earlier parked event of the same aggregate (then `attempts` is 0 and `error`
 * names the event it waits for). Replaying delivers it again.
 *
 * @since 0.1.0
 * @category models
 */
export interface DeadLetter {
  /** `<subscriber>/<event id>`: what `procura dead-letters replay` takes. */
  readonly id: string
  readonly subscriber: string
  readonly event: StoredEvent
  /** The last failure's text, or why the event is held. */
  readonly error: string
  /** Handler attempts so far; 0 for an event held behind another. */
  readonly attempts: number
  /** ISO-8601 UTC. */
  readonly firstFailedAt: string
  /** ISO-8601 UTC. */
  readonly lastFailedAt: string
}

/**
 * The id of the dead letter of an event for a subscriber.
 *
 * @since 0.1.0
 * @category constructors
 */
export const deadLetterId = (subscriber: string, eventId: string): string => `${subscriber}/${eventId}`

// ---------------------------------------------------------------------------------------------
// The driver contract
// ---------------------------------------------------------------------------------------------

/**
 * A record as drivers store it: id, version and the rest of the record as `data`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredRecord {
  readonly id: string
  readonly version: number
  readonly data: Readonly<Record<string, unknown>>
}

/**
 * The contract a storage adapter implements. Every method is scoped to one tenant except the
 * event-log methods used by delivery infrastructure, which see all tenants.
 *
 * `prepare` runs before a collection is used (the `Procura.layer` and `procura migrate` call it);
 * a driver may fail with `Unavailable` for a collection that was never prepared.
 *
 * Rules a driver must keep (the testkit's conformance suite checks each):
 * - `insert` fails with {@link UniqueViolation} when an id (`key: ["id"]`) or a unique key (`key`:
 *   its fields) is taken, writing nothing.
 * - `update` writes a batch only if every record still has its `expectedVersion`; otherwise it
 *   fails with {@link StaleVersion} naming the stale (or missing) ids, writing nothing. An update
 *   taking a unique key fails with {@link UniqueViolation}.
 * - a malformed call fails with {@link InvalidInput}, an unreachable or failing store with
 *   {@link Unavailable}.
 * - `appendEvents` gives increasing positions, and a reader never sees a position after having
 *   seen a higher one (events become visible in position order), so checkpoints never skip.
 * - `select` applies the expression, orders by the terms (missing values last) and limits.
 * - `transaction` commits everything inside it, events included, or nothing; it nests.
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageDriver {
  readonly name: string
  /** The largest batch the driver takes in one `insert` or `update` call. */
  readonly maxBatchSize: number
  /** Creates or upgrades what the collections need (tables, columns, indexes). Idempotent. */
  readonly prepare: (collections: ReadonlyArray<CollectionDefinition>) => Effect.Effect<void, StorageError>
  readonly get: (
    collection: CollectionDefinition,
    tenantId: string,
    ids: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyArray<StoredRecord>, StorageError>
  readonly select: (
    collection: CollectionDefinition,
    tenantId: string,
    query: { readonly where: Expr | undefined; readonly orderBy: ReadonlyArray<Order>; readonly limit: number }
  ) => Effect.Effect<ReadonlyArray<StoredRecord>, StorageError>
  readonly insert: (
    collection: CollectionDefinition,
    tenantId: string,
    records: ReadonlyArray<StoredRecord>
  ) => Effect.Effect<void, StorageError>
  readonly update: (
    collection: CollectionDefinition,
    tenantId: string,
    records: ReadonlyArray<{ readonly record: StoredRecord; readonly expectedVersion: number }>
  ) => Effect.Effect<void, StorageError>
  readonly transaction: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | StorageError, R>
  readonly appendEvents: (events: ReadonlyArray<DomainEvent>) => Effect.Effect<void, StorageError>
  readonly readEvents: (query: {
    readonly after: number
    readonly limit: number
    readonly tenantId?: string
  }) => Effect.Effect<ReadonlyArray<StoredEvent>, StorageError>
  readonly getCheckpoint: (subscriber: string) => Effect.Effect<number, StorageError>
  readonly saveCheckpoint: (subscriber: string, position: number) => Effect.Effect<void, StorageError>
  /**
   * Takes or renews the lease `name` for `owner` until `now + ttlMillis` (epoch milliseconds, from
   * the caller's clock), if it is free, expired (`expires <= now`) or already the owner's.
   * Returns whether the owner holds it. Atomic: of concurrent callers at most one gets it.
   */
  readonly acquireLease: (name: string, owner: string, now: number, ttlMillis: number) => Effect.Effect<boolean, StorageError>
  /** Gives up the lease if `owner` holds it; does nothing otherwise. */
  readonly releaseLease: (name: string, owner: string) => Effect.Effect<void, StorageError>
  /** Parks an event for a subscriber, replacing the subscriber's earlier letter for that event. */
  readonly parkEvent: (letter: DeadLetter) => Effect.Effect<void, StorageError>
  /** The parked events, of one subscriber or all, ordered by subscriber then event position. */
  readonly listParked: (query: {
    readonly subscriber?: string
    readonly limit: number
  }) => Effect.Effect<ReadonlyArray<DeadLetter>, StorageError>
  /** Removes a subscriber's letter for an event, if there is one. */
  readonly removeParked: (subscriber: string, eventId: string) => Effect.Effect<void, StorageError>
}

/**
 * The service tag of the driver an adapter layer provides.
 *
 * @since 0.1.0
 * @category services
 */
export class Driver extends Context.Service<Driver, StorageDriver>()("@procura/core/Storage/Driver") {}

// ---------------------------------------------------------------------------------------------
// The derived service
// ---------------------------------------------------------------------------------------------

/**
 * What a record looks like before it is stored: everything but the version.
 *
 * @since 0.1.0
 * @category models
 */
export type New<A extends Entity> = Omit<A, "version">

/**
 * The storage service the domain uses. Every call is scoped to the current principal's tenant.
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageService {
  readonly driverName: string
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
  /** Leases that let one delivery worker at a time work for a subscriber. */
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

const invalid = (collection: string, message: string) =>
  new StorageError({ reason: new InvalidInput({ collection, message: `${collection}: ${message}` }) })

const typeMatches = (type: FieldType, value: unknown): boolean => {
  switch (type) {
    case "string":
      return typeof value === "string"
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value)
    case "number":
      return typeof value === "number" && Number.isFinite(value)
    case "boolean":
      return typeof value === "boolean"
    case "timestamp":
      return typeof value === "string" && !Number.isNaN(Date.parse(value))
  }
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

const encodeCursor = (values: ReadonlyArray<unknown>): string =>
  Buffer.from(JSON.stringify(values), "utf8").toString("base64url")

const decodeCursor = (collection: string, cursor: string, length: number): ReadonlyArray<unknown> => {
  try {
    const values = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"))
    if (Array.isArray(values) && values.length === length) return values
  } catch {
    // fall through to the error below
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

const toEntity = <A extends Entity>(record: StoredRecord): A => ({ ...record.data, id: record.id, version: record.version }) as unknown as A

/**
 * Splits an entity into a stored record, checking every declared field's value against its type
 * (timestamps are normalised to UTC ISO strings) so that every driver stores the same values.
 */
const toStored = (definition: CollectionDefinition, entity: Entity, version: number): StoredRecord => {
  const { id, version: _version, ...data } = entity as Entity & Record<string, unknown>
  if (typeof id !== "string" || id === "") throw invalid(definition.name, `every record needs a non-empty string id, got ${JSON.stringify(id)}`)
  for (const [field, type] of Object.entries(definition.fields)) {
    const value = data[field]
    if (value === undefined || value === null) continue
    if (!typeMatches(type, value)) {
      throw invalid(definition.name, `record ${id}: field "${field}" expects a ${type}, got ${JSON.stringify(value)}`)
    }
    if (type === "timestamp") data[field] = new Date(value as string).toISOString()
  }
  return { id, version, data }
}

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
    transaction: (effect) => Effect.withSpan(driver.transaction(effect), "Storage.transaction"),
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
        ? driver.acquireLease(name, owner, Math.floor(now), ttlMillis).pipe(
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
      driver.releaseLease(name, owner).pipe(
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
