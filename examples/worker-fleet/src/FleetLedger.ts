/**
 * The platform team's own plugin, run by `procura worker` (the configuration file names this
 * module): ledger subscribers that record every event they are handed in a collection of their
 * own, keyed by subscriber and event id, and an operation that reconciles the ledgers with the
 * event log.
 *
 * Delivery is at least once: after a worker dies, the events it handled since its subscriber's
 * last checkpoint are handed to the next worker again. The ledger absorbs that the way any
 * idempotent handler does: the event id is the key, so a second delivery only counts itself.
 * Each entry also records the position of the aggregate's event the subscriber handled before
 * it, which is how the reconciliation proves order per aggregate.
 *
 * @since 0.0.0
 */
import { Operation, Plugin, Principal, Storage } from "@procura/core"
import { Clock, Effect, Option, Stream } from "effect"
import { hostname } from "node:os"
import { z } from "zod"

/**
 * One ledger entry: an event a subscriber was handed, who handed it first and last, how often.
 *
 * @since 0.0.0
 * @category models
 */
export const LedgerEntry = z.object({
  /** `<subscriber>/<event id>`: the idempotency key. */
  id: z.string(),
  version: z.number(),
  subscriber: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  /** `<aggregate type>/<aggregate id>`. */
  aggregate: z.string(),
  position: z.number().int(),
  /** The position of the aggregate's event this subscriber recorded before this one; 0 for its first. */
  previousPosition: z.number().int(),
  /** The worker process (`<host>:<pid>`) that delivered it first, and when (ISO-8601); the one that delivered it last. */
  firstWorker: z.string(),
  firstDeliveredAt: z.string(),
  lastWorker: z.string(),
  /** How many times it was delivered: more than 1 after a worker died before its checkpoint. */
  deliveries: z.number().int()
})

/**
 * A ledger entry.
 *
 * @since 0.0.0
 * @category models
 */
export type LedgerEntry = z.infer<typeof LedgerEntry>

/**
 * The ledgers' collection, prepared (created) with Procura's tables when a process enables the plugin.
 *
 * @since 0.0.0
 * @category collections
 */
export const ledger = Storage.collection({
  name: "fleet_ledger",
  schema: LedgerEntry,
  fields: { subscriber: "string", aggregate: "string", position: "integer" },
  indexes: [["subscriber", "aggregate", "position"]]
})

/**
 * The plugin's configuration.
 *
 * @since 0.0.0
 * @category models
 */
export const FleetLedgerConfig = z.strictObject({
  ledgers: z.number().int().min(1).max(16).default(3).describe(
    "How many ledger subscribers (fleet-ledger-1 ... fleet-ledger-N), each with its own checkpoint and lease"
  )
})

/**
 * The subscriber ids of `ledgers` ledgers.
 *
 * @since 0.0.0
 * @category constructors
 */
export const subscriberIds = (ledgers: number): ReadonlyArray<string> =>
  Array.from({ length: ledgers }, (_, i) => `fleet-ledger-${i + 1}`)

/** Records an event a subscriber was handed, as `worker`: a new entry, or one more delivery of a known one. */
const record = Effect.fn("FleetLedger.record")(function*(subscriber: string, worker: string, event: Storage.StoredEvent) {
  const storage = yield* Storage.Storage
  const id = `${subscriber}/${event.id}`
  const seen = yield* storage.get(ledger, id)
  if (Option.isSome(seen)) {
    // Delivered again (its worker died before the checkpoint): the key makes it count, not act, twice.
    return yield* storage.updateOne(ledger, { ...seen.value, lastWorker: worker, deliveries: seen.value.deliveries + 1 })
  }
  const aggregate = `${event.aggregateType}/${event.aggregateId}`
  const before = yield* storage.find(ledger, {
    where: { subscriber, aggregate },
    orderBy: [{ field: "position", direction: "desc" }],
    limit: 1
  })
  return yield* storage.insertOne(ledger, {
    id,
    subscriber,
    eventId: event.id,
    eventType: event.type,
    aggregate,
    position: event.position,
    previousPosition: before.items[0]?.position ?? 0,
    firstWorker: worker,
    firstDeliveredAt: new Date(yield* Clock.currentTimeMillis).toISOString(),
    lastWorker: worker,
    deliveries: 1
  })
})

/** A subscriber recording every event in the ledger, as `worker`, one transaction per event. */
const recorder = (subscriber: string, worker: string): Plugin.Subscriber => ({
  id: subscriber,
  handle: (event) => Effect.flatMap(Storage.Storage, (storage) => storage.transaction(record(subscriber, worker, event)))
})

/**
 * A stretch of the log one worker delivered to a subscriber (first deliveries, in log order):
 * positions, events, and when its first and last events were delivered.
 *
 * @since 0.0.0
 * @category models
 */
export const Stretch = z.object({
  worker: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  events: z.number().int(),
  startedAt: z.string(),
  endedAt: z.string()
})

/**
 * How one ledger compares with the event log.
 *
 * @since 0.0.0
 * @category models
 */
export const SubscriberReconciliation = z.object({
  subscriber: z.string(),
  /** Events of the log recorded at least once. */
  delivered: z.number().int(),
  /** Events of the log never recorded. */
  lost: z.array(z.string()),
  /** Events recorded more than once, and every delivery counted. */
  redelivered: z.number().int(),
  deliveries: z.number().int(),
  /** Events first recorded out of order: not right after the aggregate's previous event of the log. */
  outOfOrder: z.array(z.string()),
  stretches: z.array(Stretch)
})

/**
 * The reconciliation of every ledger with the tenant's event log.
 *
 * @since 0.0.0
 * @category models
 */
export const Reconciliation = z.object({
  tenantId: z.string(),
  /** Events of the tenant in the log. */
  appended: z.number().int(),
  subscribers: z.array(SubscriberReconciliation)
})

/**
 * The reconciliation of every ledger with the tenant's event log.
 *
 * @since 0.0.0
 * @category models
 */
export type Reconciliation = z.infer<typeof Reconciliation>

/**
 * Compares ledger entries with the events of the log (in log order): what each subscriber lost,
 * recorded twice or recorded out of order, and which worker delivered which stretch of the log.
 *
 * @since 0.0.0
 * @category reconciliation
 */
export const reconcile = (
  tenantId: string,
  events: ReadonlyArray<Pick<Storage.StoredEvent, "id" | "aggregateType" | "aggregateId" | "position">>,
  subscribers: ReadonlyArray<string>,
  entries: ReadonlyArray<LedgerEntry>
): Reconciliation => ({
  tenantId,
  appended: events.length,
  subscribers: subscribers.map((subscriber) => {
    const recorded = new Map(entries.filter((entry) => entry.subscriber === subscriber).map((entry) => [entry.eventId, entry]))
    const previousOfAggregate = new Map<string, number>()
    const lost: Array<string> = []
    const outOfOrder: Array<string> = []
    for (const event of events) {
      const aggregate = `${event.aggregateType}/${event.aggregateId}`
      const expected = previousOfAggregate.get(aggregate) ?? 0
      previousOfAggregate.set(aggregate, event.position)
      const entry = recorded.get(event.id)
      if (entry === undefined) lost.push(event.id)
      else if (entry.previousPosition !== expected) outOfOrder.push(event.id)
    }
    const inLogOrder = [...recorded.values()].sort((a, b) => a.position - b.position)
    const stretches: Array<z.infer<typeof Stretch>> = []
    for (const entry of inLogOrder) {
      const last = stretches.at(-1)
      if (last?.worker === entry.firstWorker) {
        stretches[stretches.length - 1] = { ...last, to: entry.position, events: last.events + 1, endedAt: entry.firstDeliveredAt }
      } else {
        const at = entry.firstDeliveredAt
        stretches.push({ worker: entry.firstWorker, from: entry.position, to: entry.position, events: 1, startedAt: at, endedAt: at })
      }
    }
    return {
      subscriber,
      delivered: events.length - lost.length,
      lost,
      redelivered: inLogOrder.filter((entry) => entry.deliveries > 1).length,
      deliveries: inLogOrder.reduce((sum, entry) => sum + entry.deliveries, 0),
      outOfOrder,
      stretches
    }
  })
})

/** Every event of the current tenant in the log, read a thousand at a time. */
const tenantEvents = (tenantId: string) =>
  Effect.gen(function*() {
    const storage = yield* Storage.Storage
    const events: Array<Storage.StoredEvent> = []
    while (true) {
      const page = yield* storage.readEvents({ after: events.at(-1)?.position ?? 0, limit: 1_000, tenantId })
      events.push(...page)
      if (page.length < 1_000) return events
    }
  })

/**
 * The fleet ledger plugin: `ledgers` subscribers recording every event, and the operation
 * `fleet-ledger.reconcile` (permission `fleet-ledger/read`, held by `fleet_auditor`).
 *
 * @since 0.0.0
 * @category plugins
 */
export const fleetLedger = Plugin.make({
  id: "fleet-ledger",
  version: "0.0.0",
  description: "Ledger subscribers recording every event by id, and their reconciliation with the event log.",
  config: FleetLedgerConfig,
  contribute: (config) => {
    const subscribers = subscriberIds(config.ledgers)
    // Which process delivered what: the ledger names it, as `procura_leases.owner` does.
    const worker = `${hostname()}:${process.pid}`
    return {
      collections: [ledger],
      subscribers: subscribers.map((subscriber) => recorder(subscriber, worker)),
      permissions: {
        "fleet-ledger/read": { description: "Reconcile the fleet ledgers with the event log.", roles: ["fleet_auditor"] }
      },
      operations: {
        reconcile: Operation.make({
          id: "fleet-ledger.reconcile",
          summary: "Reconcile the fleet ledgers with the caller's tenant's event log: lost, redelivered and out-of-order events.",
          kind: "query",
          permission: "fleet-ledger/read",
          input: z.strictObject({}),
          output: Reconciliation,
          events: [],
          handler: () =>
            Effect.gen(function*() {
              const storage = yield* Storage.Storage
              const { tenantId } = yield* Principal.CurrentPrincipal
              const events = yield* tenantEvents(tenantId)
              const entries = yield* Stream.runCollect(storage.stream(ledger, { limit: 1_000 }))
              return reconcile(tenantId, events, subscribers, entries)
            })
        })
      }
    }
  }
})

export default fleetLedger
