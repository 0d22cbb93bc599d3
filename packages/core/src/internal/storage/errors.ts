/**
 * The storage port's failure: {@link StorageError} and its tagged reasons (a taken unique key, a
 * stale version, a missing record, a malformed call, an unavailable store), each saying whether
 * retrying may help, with the guards that narrow a failure to a reason. Private to core; the public
 * face is the `Storage` module.
 */
import { Data } from "effect"


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

/** A {@link StorageError} for a malformed call on `collection`, its message prefixed with the collection's name. */
export const invalid = (collection: string, message: string): StorageError =>
  new StorageError({ reason: new InvalidInput({ collection, message: `${collection}: ${message}` }) })
