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
 * The parts live in `internal/storage/`, one concept a file: the error and its reasons
 * (`errors.ts`), collections and records (`collections.ts`), queries, filters and keyset paging
 * (`queries.ts`), the event log's records (`events.ts`), the adapter contract (`driver.ts`) and
 * the derived service with its layers (`service.ts`). This module is their one public face.
 *
 * @since 0.1.0
 */
export { collection } from "./internal/storage/collections.js"
export type {
  Collection,
  CollectionDefinition,
  Entity,
  FieldType,
  New,
  StoredRecord
} from "./internal/storage/collections.js"
export { Driver } from "./internal/storage/driver.js"
export type { CountGroup, StorageCapabilities, StorageDriver } from "./internal/storage/driver.js"
export {
  InvalidInput,
  isReason,
  isUniqueViolation,
  NotFound,
  StaleVersion,
  StorageError,
  Unavailable,
  UniqueViolation
} from "./internal/storage/errors.js"
export type { StorageErrorReason } from "./internal/storage/errors.js"
export { deadLetterId } from "./internal/storage/events.js"
export type { DeadLetter, DomainEvent, StoredEvent } from "./internal/storage/events.js"
export { afterPosition, fieldValue, normaliseFilter } from "./internal/storage/queries.js"
export type { Expr, FieldCondition, Filter, Order, OrderBy, Page, Query } from "./internal/storage/queries.js"
export { layer, layerFromDriver, make, Storage } from "./internal/storage/service.js"
export type { StorageService } from "./internal/storage/service.js"
