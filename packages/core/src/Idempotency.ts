/**
 * Idempotency keys, as Stripe's: a host that may send a command twice (a retry after a lost
 * answer, a connection cut after the commit) gives it a key; the first run stores its answer with
 * the key, in the same transaction as its writes, and a run with the same key within
 * {@link retention} answers that result again, writing nothing. The same key on another operation,
 * or on the same one with another input, is refused with {@link IdempotencyKeyReused}.
 *
 * With Effect: `Idempotency.withKey(key)(procura.purchasing.submitPurchaseOrder(...))`; with the
 * Promise facade: `{ idempotencyKey }` in a call's options; over HTTP: the `Idempotency-Key`
 * header, as the example hosts read it. Keys are per tenant; queries ignore them.
 *
 * @since 0.3.0
 */
import { Context, Data, Duration, Effect } from "effect"

/**
 * How long a key's answer is kept: 24 hours. After that the key is free again.
 *
 * @since 0.3.0
 * @category constants
 */
export const retention: Duration.Duration = Duration.hours(24)

/**
 * The idempotency key of the command about to run, if the caller gave one (see {@link withKey}).
 *
 * @since 0.3.0
 * @category context
 */
export const IdempotencyKey = Context.Reference<string | undefined>("@procura/core/IdempotencyKey", { defaultValue: () => undefined })

/**
 * Runs a command under an idempotency key (at most 200 characters).
 *
 * @since 0.3.0
 * @category combinators
 */
export const withKey = (key: string) => <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.provideService(effect, IdempotencyKey, key)

/**
 * A key was used before for another operation, or for this one with another input. Nothing was
 * written. Not retryable: make up a new key per distinct request.
 *
 * @since 0.3.0
 * @category errors
 */
export class IdempotencyKeyReused extends Data.TaggedError("IdempotencyKeyReused")<{
  readonly key: string
  /** The operation the key was first used for. */
  readonly operation: string
  readonly message: string
}> {
  /** @since 0.3.0 */
  get isRetryable(): boolean {
    return false
  }
}

export {
  /**
   * A stored answer.
   *
   * @since 0.3.0
   * @category models
   */
  IdempotencyRecord,
  /**
   * Where answers are kept, unique by key per tenant.
   *
   * @since 0.3.0
   * @category collections
   */
  records
} from "./internal/idempotency/records.js"

/** Canonical JSON (object keys sorted), so equal inputs digest alike. */
const canonical = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).toSorted().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(",")}}`
  }
  return JSON.stringify(value) ?? "null"
}

/**
 * A digest of a value: two 53-bit hashes (cyrb53 with two seeds) of its canonical JSON, in hex.
 *
 * @since 0.3.0
 * @category constructors
 */
export const digest = (value: unknown): string => {
  const text = canonical(value)
  const hash = (seed: number) => {
    let h1 = 0xdeadbeef ^ seed
    let h2 = 0x41c6ce57 ^ seed
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i)
      h1 = Math.imul(h1 ^ c, 2654435761)
      h2 = Math.imul(h2 ^ c, 1597334677)
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, "0")
  }
  return `${hash(1)}${hash(2)}`
}
