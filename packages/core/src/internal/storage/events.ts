/**
 * The event log's records as the port stores them: a domain event, the same with its position in
 * the log, and a dead letter (an event parked for one subscriber). Private to core; the public face
 * is the `Storage` module.
 */

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
