/**
 * Event delivery: hands domain events to subscribers (plugins, connectors, host callbacks) in
 * log order, at least once, with a checkpoint per subscriber.
 *
 * {@link drain} delivers everything appended since each subscriber's checkpoint and returns;
 * {@link worker} drains again and again until interrupted. A handler runs as a system principal
 * of the event's tenant, and the events it appends carry the handled event's id as their
 * causation id; the checkpoint advances after each batch of handled events (and before
 * a drain stops at a failure), so handlers must be idempotent: after a crash, the events of the
 * unfinished batch are delivered again.
 *
 * - Leases: a drain works for a subscriber only while it holds the subscriber's lease in storage
 *   (renewed while it works, released when it is done), so several drains or worker processes on
 *   one store share the subscribers and never deliver the same event at the same time. The lease
 *   of a dead process expires and another worker takes over.
 * - Retries and dead letters: with a {@link RetryPolicy}, a failing handler is retried with
 *   exponential backoff; past the limit the event is parked as a dead letter for that subscriber
 *   and delivery moves on. Later events of the same aggregate are parked behind it (order per
 *   aggregate is kept); other aggregates flow. {@link replay} delivers parked events again.
 * - Without a retry policy, a failure stops the subscriber at the failed event and the next
 *   drain starts there again.
 *
 * @since 0.1.0
 */
import { Cause, Clock, Data, Duration, Effect, Random, Ref } from "effect"
import { CurrentCause } from "./Events.js"
import type { Subscriber } from "./Plugin.js"
import { runAs } from "./Principal.js"
import { type DeadLetter, Storage, type StorageError, type StoredEvent } from "./Storage.js"

/**
 * How a failing handler is retried before its event is parked: `attempts` in all (at least 1),
 * waiting `baseDelay` after the first failure, doubling each time, at most `maxDelay`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryPolicy {
  readonly attempts: number
  readonly baseDelay: Duration.Input
  readonly maxDelay: Duration.Input
}

/**
 * The retry policy of {@link worker} unless told otherwise: 5 attempts, 1 s doubling up to 1 min.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRetry: RetryPolicy = { attempts: 5, baseDelay: "1 second", maxDelay: "1 minute" }

/**
 * Options of {@link drain}.
 *
 * @since 0.1.0
 * @category options
 */
export interface DrainOptions {
  /** Events read at a time; 500 by default. */
  readonly batchSize?: number
  /** Retry and park failing events; without it a failure stops the subscriber at the event. */
  readonly retry?: RetryPolicy
  /** Who holds the leases (a worker id); a random id per drain by default. */
  readonly owner?: string
  /** How long a lease lasts unless renewed; 30 s by default, renewed every third of it. */
  readonly leaseTtl?: Duration.Input
}

/**
 * What a drain did per subscriber.
 *
 * @since 0.1.0
 * @category models
 */
export interface DrainReport {
  readonly subscriber: string
  readonly delivered: number
  readonly position: number
  /** Events parked as dead letters (failed past the limit, or held behind one). */
  readonly parked: number
  /** True when another drain held the subscriber's lease, so this one did nothing for it. */
  readonly skipped: boolean
  /** The event that failed and why, when the subscriber stopped on a failure (no retry policy). */
  readonly failed?: { readonly eventId: string; readonly position: number; readonly error: unknown }
}

/**
 * A delivery call that cannot proceed: the dead letter or the subscriber it names is unknown.
 *
 * @since 0.1.0
 * @category errors
 */
export class DeliveryError extends Data.TaggedError("DeliveryError")<{
  readonly reason: "UnknownDeadLetter" | "UnknownSubscriber"
  readonly message: string
}> {}

/**
 * The name of a subscriber's delivery lease.
 *
 * @since 0.1.0
 * @category constructors
 */
export const leaseName = (subscriber: string): string => `delivery:${subscriber}`

/**
 * The text of a handler failure, as dead letters keep it.
 *
 * @since 0.1.0
 * @category getters
 */
export const failureText = (cause: Cause.Cause<unknown>): string => {
  const error = Cause.squash(cause)
  if (typeof error === "object" && error !== null && "_tag" in error && "message" in error) {
    const tagged = error as { readonly _tag: unknown; readonly message: unknown }
    return `${String(tagged._tag)}: ${String(tagged.message)}`
  }
  if (error instanceof Error) return error.message
  return typeof error === "string" ? error : JSON.stringify(error) ?? String(error)
}

const aggregateKey = (event: StoredEvent): string => `${event.aggregateType}\u0000${event.aggregateId}`

const wants = (subscriber: Subscriber, event: StoredEvent): boolean =>
  subscriber.events === undefined || subscriber.events.includes(event.type)

/** Runs a handler on an event; what it appends (directly or through operations) is caused by the event. */
const handleOnce = (subscriber: Subscriber, event: StoredEvent) =>
  Effect.exit(runAs(Effect.provideService(subscriber.handle(event), CurrentCause, { id: event.id }), {
    userId: `subscriber:${subscriber.id}`,
    tenantId: event.tenantId,
    roles: ["admin"]
  }))

const nowIso = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString())

const backoff = (policy: RetryPolicy, failures: number): Duration.Duration =>
  Duration.min(
    Duration.times(Duration.fromInputUnsafe(policy.baseDelay), 2 ** Math.max(0, failures - 1)),
    Duration.fromInputUnsafe(policy.maxDelay)
  )

/**
 * Runs a subscriber's handler on an event with retries; gives the failure text, attempts and
 * first failure time when every attempt failed.
 */
const attempt = Effect.fn("Delivery.attempt")(function*(subscriber: Subscriber, event: StoredEvent, policy: RetryPolicy) {
  let firstFailedAt: string | undefined
  let error = ""
  const attempts = Math.max(1, Math.floor(policy.attempts))
  for (let n = 1; n <= attempts; n++) {
    const exit = yield* handleOnce(subscriber, event)
    if (exit._tag === "Success") return undefined
    firstFailedAt ??= yield* nowIso
    error = failureText(exit.cause)
    if (n < attempts) yield* Effect.sleep(backoff(policy, n))
  }
  return { error, attempts, firstFailedAt: firstFailedAt ?? (yield* nowIso) }
})

/** Delivers one subscriber's events while `lost` stays false. */
const drainOne = Effect.fn("Delivery.drainOne")(function*(
  subscriber: Subscriber,
  options: DrainOptions,
  lost: Ref.Ref<boolean>
) {
  const storage = yield* Storage
  let position = yield* storage.getCheckpoint(subscriber.id)
  let saved = position
  /** Saves the checkpoint when it moved, unless the lease was lost (the new holder redelivers). */
  const checkpoint = Effect.gen(function*() {
    if (position === saved || (yield* Ref.get(lost))) return
    yield* storage.saveCheckpoint(subscriber.id, position)
    saved = position
  })
  let delivered = 0
  let parked = 0
  const report = (failed?: DrainReport["failed"]): DrainReport => ({
    subscriber: subscriber.id,
    delivered,
    position,
    parked,
    skipped: false,
    ...(failed === undefined ? {} : { failed })
  })
  while (true) {
    const blocked = new Map(
      (yield* storage.listParked({ subscriber: subscriber.id, limit: 100_000 })).map((letter) => [aggregateKey(letter.event), letter])
    )
    const events = yield* storage.readEvents({ after: position, limit: options.batchSize ?? 500 })
    if (events.length === 0) return report()
    for (const event of events) {
      if (yield* Ref.get(lost)) return report()
      if (wants(subscriber, event)) {
        const key = aggregateKey(event)
        const blocker = blocked.get(key)
        if (blocker !== undefined) {
          const now = yield* nowIso
          yield* storage.parkEvent({
            id: `${subscriber.id}/${event.id}`,
            subscriber: subscriber.id,
            event,
            error: `held behind parked event ${blocker.event.id} of ${event.aggregateType} ${event.aggregateId}`,
            attempts: 0,
            firstFailedAt: now,
            lastFailedAt: now
          })
          parked++
        } else if (options.retry === undefined) {
          const exit = yield* handleOnce(subscriber, event)
          if (exit._tag === "Failure") {
            yield* checkpoint
            return report({ eventId: event.id, position: event.position, error: exit.cause })
          }
          delivered++
        } else {
          const failure = yield* attempt(subscriber, event, options.retry)
          if (failure === undefined) {
            delivered++
          } else {
            if (yield* Ref.get(lost)) return report()
            const letter: DeadLetter = {
              id: `${subscriber.id}/${event.id}`,
              subscriber: subscriber.id,
              event,
              error: failure.error,
              attempts: failure.attempts,
              firstFailedAt: failure.firstFailedAt,
              lastFailedAt: yield* nowIso
            }
            yield* storage.parkEvent(letter)
            blocked.set(key, letter)
            parked++
          }
        }
      }
      // A drain that lost its lease leaves the checkpoint to the new holder (it redelivers this event).
      if (yield* Ref.get(lost)) return report()
      position = event.position
    }
    // One checkpoint write per batch: a crash redelivers at most one batch, which idempotent
    // handlers absorb, and delivery no longer pays a commit per event.
    yield* checkpoint
  }
})

/**
 * Holds a subscriber's lease while `body` runs: takes it (or reports the subscriber skipped when
 * another owner holds it), renews it every third of its time to live in the background, sets
 * `lost` when a renewal finds it taken over, and releases it at the end.
 */
const withLease = <E>(
  subscriber: Subscriber,
  owner: string,
  ttl: Duration.Duration,
  body: (lost: Ref.Ref<boolean>) => Effect.Effect<DrainReport, E, Storage>
): Effect.Effect<DrainReport, E | StorageError, Storage> =>
  Effect.gen(function*() {
    const storage = yield* Storage
    const name = leaseName(subscriber.id)
    const ttlMillis = Math.max(1, Math.round(Duration.toMillis(ttl)))
    const acquired = yield* storage.acquireLease(name, owner, yield* Clock.currentTimeMillis, ttlMillis)
    if (!acquired) {
      return { subscriber: subscriber.id, delivered: 0, position: yield* storage.getCheckpoint(subscriber.id), parked: 0, skipped: true }
    }
    const lost = yield* Ref.make(false)
    const renew = Effect.gen(function*() {
      while (true) {
        yield* Effect.sleep(Duration.millis(Math.max(1, Math.floor(ttlMillis / 3))))
        const held = yield* storage.acquireLease(name, owner, yield* Clock.currentTimeMillis, ttlMillis).pipe(
          Effect.catch(() => Effect.succeed(true)) // a failed renewal is retried; the lease may still expire
        )
        if (!held) return yield* Ref.set(lost, true)
      }
    })
    return yield* Effect.scoped(Effect.gen(function*() {
      yield* Effect.forkScoped(renew)
      return yield* body(lost)
    })).pipe(Effect.ensuring(Effect.ignore(storage.releaseLease(name, owner))))
  })

/**
 * Delivers every event after each subscriber's checkpoint, in order, reading `batchSize`
 * events at a time, for the subscribers whose lease it gets.
 *
 * @since 0.1.0
 * @category constructors
 */
export const drain = (
  subscribers: ReadonlyArray<Subscriber>,
  options: DrainOptions = {}
): Effect.Effect<ReadonlyArray<DrainReport>, StorageError, Storage> =>
  Effect.gen(function*() {
    const owner = options.owner ?? `drain-${(yield* Random.nextInt).toString(36)}-${(yield* Random.nextInt).toString(36)}`
    const ttl = Duration.fromInputUnsafe(options.leaseTtl ?? "30 seconds")
    return yield* Effect.forEach(subscribers, (subscriber) =>
      withLease(subscriber, owner, ttl, (lost) => drainOne(subscriber, options, lost)).pipe(
        Effect.withSpan("Delivery.drain", { attributes: { subscriber: subscriber.id } })
      ))
  })

/**
 * Options of {@link worker}.
 *
 * @since 0.1.0
 * @category options
 */
export interface WorkerOptions extends DrainOptions {
  /** How long to wait when a drain found nothing to do; 1 s by default. */
  readonly pollInterval?: Duration.Input
  /** Called with each drain's reports (for logging). */
  readonly onDrain?: (reports: ReadonlyArray<DrainReport>) => Effect.Effect<void>
}

/**
 * Drains continuously: after a drain that delivered or parked something it drains again at
 * once, otherwise it waits `pollInterval`. Runs until interrupted (interrupting it mid-event is
 * safe: the event is delivered again later). Uses {@link defaultRetry} unless given a policy. A
 * storage failure is logged and retried after `pollInterval`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const worker = (
  subscribers: ReadonlyArray<Subscriber>,
  options: WorkerOptions = {}
): Effect.Effect<never, never, Storage> =>
  Effect.gen(function*() {
    const owner = options.owner ?? `worker-${(yield* Random.nextInt).toString(36)}-${(yield* Random.nextInt).toString(36)}`
    const poll = Duration.fromInputUnsafe(options.pollInterval ?? "1 second")
    const drainOptions: DrainOptions = { ...options, owner, retry: options.retry ?? defaultRetry }
    while (true) {
      const reports = yield* drain(subscribers, drainOptions).pipe(
        Effect.tapError((error) => Effect.logWarning(`event delivery failed, retrying: ${error.message}`)),
        Effect.orElseSucceed((): ReadonlyArray<DrainReport> => [])
      )
      if (options.onDrain !== undefined) yield* options.onDrain(reports)
      const busy = reports.some((report) => report.delivered > 0 || report.parked > 0)
      if (!busy) yield* Effect.sleep(poll)
    }
  }).pipe(Effect.withSpan("Delivery.worker"))

/**
 * The dead letters, of one subscriber or all, ordered by subscriber then event position.
 *
 * @since 0.1.0
 * @category getters
 */
export const listDeadLetters = Effect.fn("Delivery.listDeadLetters")(function*(
  options: { readonly subscriber?: string; readonly limit?: number } = {}
) {
  const storage = yield* Storage
  return yield* storage.listParked({
    ...(options.subscriber === undefined ? {} : { subscriber: options.subscriber }),
    limit: options.limit ?? 1_000
  })
})

/**
 * What replaying the dead letters of one subscriber and aggregate did.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReplayReport {
  readonly subscriber: string
  readonly aggregateType: string
  readonly aggregateId: string
  /** Letters delivered (and removed). */
  readonly delivered: number
  /** Letters still parked, the first being the one that failed again. */
  readonly remaining: number
  /** The failure of the letter that failed again. */
  readonly error?: string
}

/** Replays a subscriber's letters of one aggregate, oldest first, stopping at the first failure. */
const replayGroup = Effect.fn("Delivery.replayGroup")(function*(
  subscriber: Subscriber,
  letters: ReadonlyArray<DeadLetter>
) {
  const storage = yield* Storage
  const first = letters[0]!.event
  let delivered = 0
  for (const letter of letters) {
    const exit = yield* handleOnce(subscriber, letter.event)
    if (exit._tag === "Failure") {
      const error = failureText(exit.cause)
      yield* storage.parkEvent({ ...letter, error, attempts: letter.attempts + 1, lastFailedAt: yield* nowIso })
      return {
        subscriber: subscriber.id,
        aggregateType: first.aggregateType,
        aggregateId: first.aggregateId,
        delivered,
        remaining: letters.length - delivered,
        error
      } satisfies ReplayReport
    }
    yield* storage.removeParked(letter.subscriber, letter.event.id)
    delivered++
  }
  return {
    subscriber: subscriber.id,
    aggregateType: first.aggregateType,
    aggregateId: first.aggregateId,
    delivered,
    remaining: 0
  } satisfies ReplayReport
})

const groups = (letters: ReadonlyArray<DeadLetter>): ReadonlyArray<ReadonlyArray<DeadLetter>> => {
  const byKey = new Map<string, Array<DeadLetter>>()
  for (const letter of letters) {
    const key = `${letter.subscriber}\u0000${aggregateKey(letter.event)}`
    const group = byKey.get(key) ?? []
    group.push(letter)
    byKey.set(key, group)
  }
  return [...byKey.values()].map((group) => group.sort((a, b) => a.event.position - b.event.position))
}

const subscriberFor = (subscribers: ReadonlyArray<Subscriber>, id: string) => {
  const subscriber = subscribers.find((s) => s.id === id)
  return subscriber === undefined
    ? Effect.fail(
      new DeliveryError({
        reason: "UnknownSubscriber",
        message: `No enabled subscriber ${id}: enable the plugin it belongs to before replaying its dead letters`
      })
    )
    : Effect.succeed(subscriber)
}

/**
 * Delivers a dead letter again now; success removes it. To keep order per aggregate it replays
 * every parked event of the letter's aggregate for that subscriber, oldest first, stopping at the
 * first that fails again (which stays parked with its attempts and failure updated).
 *
 * @since 0.1.0
 * @category constructors
 */
export const replay = Effect.fn("Delivery.replay")(function*(subscribers: ReadonlyArray<Subscriber>, id: string) {
  const storage = yield* Storage
  const letters = yield* storage.listParked({ limit: 100_000 })
  const letter = letters.find((l) => l.id === id)
  if (letter === undefined) {
    return yield* new DeliveryError({ reason: "UnknownDeadLetter", message: `There is no dead letter ${id}; list them to see their ids` })
  }
  const subscriber = yield* subscriberFor(subscribers, letter.subscriber)
  const group = groups(letters).find((g) => g[0]!.subscriber === letter.subscriber && aggregateKey(g[0]!.event) === aggregateKey(letter.event))!
  return yield* replayGroup(subscriber, group)
})

/**
 * Replays every dead letter (of one subscriber, when given), aggregate by aggregate, as
 * {@link replay} does. Fails with `UnknownSubscriber` before replaying anything if a letter
 * belongs to a subscriber that is not among `subscribers`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const replayAll = Effect.fn("Delivery.replayAll")(function*(
  subscribers: ReadonlyArray<Subscriber>,
  options: { readonly subscriber?: string } = {}
) {
  const storage = yield* Storage
  const letters = yield* storage.listParked({
    ...(options.subscriber === undefined ? {} : { subscriber: options.subscriber }),
    limit: 100_000
  })
  const work = yield* Effect.forEach(groups(letters), (group) =>
    Effect.map(subscriberFor(subscribers, group[0]!.subscriber), (subscriber) => ({ subscriber, group })))
  return yield* Effect.forEach(work, ({ group, subscriber }) => replayGroup(subscriber, group))
})
