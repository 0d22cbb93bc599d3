/**
 * Domain events: how a change is announced to subscribers (connectors, plugins, host callbacks).
 *
 * Modules append events through {@link append}, inside the same transaction as the change, so
 * an event exists exactly when its change does.
 *
 * @since 0.1.0
 */
import { Clock, Effect } from "effect"
import * as Ids from "./Ids.js"
import { CurrentPrincipal } from "./Principal.js"
import { type DomainEvent, Storage, type StorageError } from "./Storage.js"

/**
 * What a module says about a change; the rest (id, tenant, actor, time) is filled in.
 *
 * @since 0.1.0
 * @category models
 */
export interface EventSpec {
  readonly type: string
  readonly aggregateType: string
  readonly aggregateId: string
  readonly payload: unknown
}

/**
 * Appends events for the current principal, stamped with fresh ids and the current time.
 *
 * @since 0.1.0
 * @category constructors
 */
export const append = (
  ...specs: ReadonlyArray<EventSpec>
): Effect.Effect<void, StorageError, Storage | CurrentPrincipal> =>
  Effect.gen(function*() {
    if (specs.length === 0) return
    const principal = yield* CurrentPrincipal
    const storage = yield* Storage
    const ids = yield* Ids.nextMany(specs.length)
    const occurredAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    const events: Array<DomainEvent> = specs.map((spec, i) => ({
      ...spec,
      id: ids[i]!,
      tenantId: principal.tenantId,
      actorId: principal.userId,
      occurredAt
    }))
    yield* storage.appendEvents(events)
  })

/**
 * The current time as an ISO-8601 UTC string, from the Effect clock.
 *
 * @since 0.1.0
 * @category constructors
 */
export const now: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString())
