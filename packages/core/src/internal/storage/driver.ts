/**
 * The adapter contract: {@link StorageDriver}, the small interface a platform team implements for
 * their store (records by tenant, batches, transactions, the event log, checkpoints, leases and
 * dead letters), and the {@link Driver} tag an adapter's layer provides. Private to core; the
 * public face is the `Storage` module.
 */
import { Context, type Effect } from "effect"
import type { CollectionDefinition, StoredRecord } from "./collections.js"
import type { StorageError } from "./errors.js"
import type { DeadLetter, DomainEvent, StoredEvent } from "./events.js"
import type { Expr, Order } from "./queries.js"

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
 * - under concurrency: of writers holding the same version exactly one wins; of inserters of
 *   the same key exactly one; a key a transaction takes is taken for others once it commits and
 *   free again if it rolls back; a lease is held by one owner whichever connection asks.
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageDriver {
  readonly name: string
  /** What the store can do, declared; the conformance suite skips what an adapter declares it cannot, and says so. */
  readonly capabilities: StorageCapabilities
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
  /**
   * Counts the tenant's records matching the expression: one group (`value: null`) with the
   * total when `groupBy` is undefined, even when it is 0; otherwise one group per value of the
   * declared field `groupBy` that has records (records missing it form the group `null`), ordered
   * by value, `null` last. Values come back as the field's type reads them (timestamps as
   * ISO-8601 UTC text). A store answers from an index, not by reading the records; for a field
   * the collection declares `counted` and no expression, from counts it keeps as it writes.
   */
  readonly count: (
    collection: CollectionDefinition,
    tenantId: string,
    query: { readonly where: Expr | undefined; readonly groupBy: string | undefined }
  ) => Effect.Effect<ReadonlyArray<CountGroup>, StorageError>
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
   * Leases are about processes, not data: a lease lives in the store, not in the connection that
   * took it, and is never called inside a transaction (the derived service refuses that).
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
 * One group of a count: the value of the field counted by (`null` for records missing it, and
 * for the single group of an ungrouped count) and how many records have it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CountGroup {
  readonly value: string | number | boolean | null
  readonly count: number
}

/**
 * What a storage adapter declares it can do. The conformance suite tests each capability an
 * adapter declares and reports the tests of one it does not declare as skipped, naming it.
 *
 * @since 0.1.0
 * @category models
 */
export interface StorageCapabilities {
  /**
   * Transactions run side by side, each on its own connection: a transaction that reads for a
   * long time holds up no writer, and one that wrote a record holds up only writers of that
   * record. `false` for a store that runs one transaction at a time (the in-memory reference,
   * embedded PGlite, which is one database session): correct, but one slow transaction holds
   * up every other caller.
   */
  readonly concurrentTransactions: boolean
}

/**
 * The service tag of the driver an adapter layer provides.
 *
 * @since 0.1.0
 * @category services
 */
export class Driver extends Context.Service<Driver, StorageDriver>()("@procura/core/Storage/Driver") {}
