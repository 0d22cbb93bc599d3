/**
 * Event delivery, in process: hands domain events to subscribers (plugins, connectors, host
 * callbacks) in log order, at least once, with a checkpoint per subscriber.
 *
 * {@link drain} delivers everything appended since each subscriber's checkpoint and returns. A
 * handler runs as a system principal of the event's tenant; the checkpoint advances after each
 * handled event, so a failure stops that subscriber at the failed event and the next drain starts
 * there again (handlers must be idempotent). Retries with backoff, dead letters and leases shared
 * by several worker processes build on this.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import type { Subscriber } from "./Plugin.js"
import { runAs } from "./Principal.js"
import { Storage, type StorageError } from "./Storage.js"

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
  /** The event that failed and why, when the subscriber stopped on a failure. */
  readonly failed?: { readonly eventId: string; readonly position: number; readonly error: unknown }
}

/**
 * Delivers every event after each subscriber's checkpoint, in order, reading `batchSize`
 * events at a time.
 *
 * @since 0.1.0
 * @category constructors
 */
export const drain = (
  subscribers: ReadonlyArray<Subscriber>,
  options: { readonly batchSize?: number } = {}
): Effect.Effect<ReadonlyArray<DrainReport>, StorageError, Storage> =>
  Effect.forEach(subscribers, (subscriber) =>
    Effect.gen(function*() {
      const storage = yield* Storage
      let position = yield* storage.getCheckpoint(subscriber.id)
      let delivered = 0
      while (true) {
        const events = yield* storage.readEvents({ after: position, limit: options.batchSize ?? 500 })
        if (events.length === 0) return { subscriber: subscriber.id, delivered, position }
        for (const event of events) {
          if (subscriber.events === undefined || subscriber.events.includes(event.type)) {
            const handled = yield* Effect.exit(
              runAs(subscriber.handle(event), { userId: `subscriber:${subscriber.id}`, tenantId: event.tenantId, roles: ["admin"] })
            )
            if (handled._tag === "Failure") {
              return {
                subscriber: subscriber.id,
                delivered,
                position,
                failed: { eventId: event.id, position: event.position, error: handled.cause }
              }
            }
            delivered++
          }
          position = event.position
          yield* storage.saveCheckpoint(subscriber.id, position)
        }
      }
    }).pipe(Effect.withSpan("Delivery.drain", { attributes: { subscriber: subscriber.id } })))
