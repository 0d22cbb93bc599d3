/**
 * The tenant's domain events as an operation: what integrations that follow Procura from outside
 * (a flow editor's event node, a workflow trigger, an agent) read, with the same permission check
 * and tenant scope as every other call.
 *
 * `events.listEvents` reads the caller's tenant's events after a position, oldest first, optionally
 * of some types. Positions only grow, and an event becomes visible in position order (the store
 * holds appends in order until they commit), so a follower that keeps the `next` of each page and
 * asks again from it sees every event once, in order, across restarts:
 *
 * ```ts
 * import { createProcura } from "@procura/core/promise"
 *
 * let after = 0 // kept by the follower between polls
 * const page = (await procura.run("events.listEvents", { after, types: ["receipt.recorded"] })) as {
 *   events: ReadonlyArray<{ position: number; type: string; payload: unknown }>
 *   next: number
 * }
 * after = page.next
 * ```
 *
 * @since 0.4.0
 */
import { Effect } from "effect"
import { z } from "zod"
import * as Operation from "./Operation.js"
import { CurrentPrincipal } from "./Principal.js"
import { Storage } from "./Storage.js"
import * as Text from "./Text.js"

/**
 * A domain event as `events.listEvents` gives it.
 *
 * @since 0.4.0
 * @category models
 */
export const ListedEvent = z.object({
  /** Where the event is in the log: continue after the last one read. */
  position: z.number().int().nonnegative(),
  id: z.string(),
  /** The event's type, e.g. `receipt.recorded`. */
  type: z.string(),
  aggregateType: z.string(),
  aggregateId: z.string(),
  /** Who caused it: the principal's user id. */
  actorId: z.string(),
  /** ISO-8601 UTC. */
  occurredAt: z.string(),
  payload: z.unknown()
})

/**
 * A domain event as `events.listEvents` gives it.
 *
 * @since 0.4.0
 * @category models
 */
export type ListedEvent = z.infer<typeof ListedEvent>

/** How many stored events one call reads at most while looking for events of the types asked for. */
const scanLimit = 5_000

/**
 * Lists the caller's tenant's domain events after a position, oldest first.
 *
 * `after` is the position to continue from (0, the default, is the start of the log), `limit` the
 * most events to return (100 by default, at most 1,000), `types` the event types wanted (all when
 * absent; at most 100). `next` is the position to pass as `after` next time: past every event
 * returned, and past the events of other types skipped on the way (a call reads at most 5,000
 * stored events), so a follower of rare events still moves on. An empty `events` with `next`
 * equal to `after` means nothing new.
 *
 * @since 0.4.0
 * @category operations
 */
export const listEvents = Operation.make({
  id: "events.listEvents",
  summary: "List the tenant's domain events after a position, oldest first, optionally of some types.",
  kind: "query",
  permission: "event.read",
  input: z.object({
    after: z.number().int().nonnegative().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    // Event types are short (`purchase_order.submitted`); a follower names a few.
    types: z.array(Text.code).min(1).max(100).optional()
  }),
  output: z.object({ events: z.array(ListedEvent), next: z.number().int().nonnegative() }),
  events: [],
  handler: Effect.fn(function*({ after = 0, limit = 100, types }) {
    const storage = yield* Storage
    const { tenantId } = yield* CurrentPrincipal
    const wanted = types === undefined ? undefined : new Set(types)
    const events: Array<ListedEvent> = []
    let next = after
    let read = 0
    while (events.length < limit && read < scanLimit) {
      const batch = yield* storage.readEvents({
        after: next,
        tenantId,
        limit: wanted === undefined ? limit - events.length : Math.min(500, scanLimit - read)
      })
      if (batch.length === 0) break
      for (const event of batch) {
        if (events.length === limit) break
        next = event.position
        read++
        if (wanted !== undefined && !wanted.has(event.type)) continue
        events.push({
          position: event.position,
          id: event.id,
          type: event.type,
          aggregateType: event.aggregateType,
          aggregateId: event.aggregateId,
          actorId: event.actorId,
          occurredAt: event.occurredAt,
          payload: event.payload
        })
      }
    }
    return { events, next }
  })
})

/**
 * The event log's operations, keyed by method name.
 *
 * @since 0.4.0
 * @category operations
 */
export const operations = { listEvents } as const
