/**
 * Event-delivery scenarios, runnable on any storage adapter: retries with backoff, dead letters
 * that hold later events of their aggregate while others flow, replay, leases shared by
 * concurrent drainers, and the takeover of an expired lease.
 *
 * ```ts
 * DeliveryScenarios.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, layer } from "@effect/vitest"
import { Delivery, Plugin, Storage } from "@procura/core"
import { Cause, Effect, Exit, type Layer, Option } from "effect"
import { TestClock } from "effect/testing"

let counter = 0
const fresh = (label: string) => `delivery-${label}-${Date.now().toString(36)}-${process.pid}-${++counter}`

/** Appends one event per `[aggregateId, n]`, of a type of the test's own, and reads them back. */
const appendFor = (tenantId: string, type: string, events: ReadonlyArray<readonly [string, number]>) =>
  Effect.gen(function*() {
    const storage = yield* Storage.Storage
    yield* storage.appendEvents(events.map(([aggregateId, n]): Storage.DomainEvent => ({
      id: `${tenantId}-${aggregateId}-${n}`,
      tenantId,
      type,
      aggregateType: "thing",
      aggregateId,
      actorId: "delivery-scenarios",
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString(),
      payload: { n }
    })))
    return yield* storage.readEvents({ after: 0, limit: 100_000, tenantId })
  })

const label = (event: Storage.StoredEvent) => `${event.aggregateId}#${(event.payload as { n: number }).n}`

const fastRetry = (attempts: number): Delivery.RetryPolicy => ({ attempts, baseDelay: "1 millis", maxDelay: "4 millis" })

/**
 * Registers the delivery scenarios for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  describe(`event delivery: ${name}`, () => {
    layer(storageLayer, { timeout: "120 seconds" })((it) => {
      it.effect("retries a failing handler with backoff until it succeeds", () =>
        TestClock.withLive(Effect.gen(function*() {
          const tenantId = fresh("retry")
          const type = `${tenantId}.happened`
          yield* appendFor(tenantId, type, [["a", 1], ["a", 2]])
          const calls: Array<string> = []
          const subscriber: Plugin.Subscriber = {
            id: `${tenantId}-sub`,
            events: [type],
            handle: (event) =>
              Effect.suspend(() => {
                calls.push(label(event))
                return calls.filter((c) => c === label(event)).length < 3 && label(event) === "a#1"
                  ? Effect.fail(new Error("flaky"))
                  : Effect.void
              })
          }
          const [report] = yield* Delivery.drain([subscriber], { retry: fastRetry(3) })
          assert.deepStrictEqual(calls, ["a#1", "a#1", "a#1", "a#2"], "two failures, then success, then the next event")
          assert.strictEqual(report!.delivered, 2)
          assert.strictEqual(report!.parked, 0)
          assert.lengthOf(yield* Delivery.listDeadLetters({ subscriber: subscriber.id }), 0)
        })))

      it.effect("parks an event past the retry limit, holds its aggregate's later events and lets others flow; replay delivers them", () =>
        TestClock.withLive(Effect.gen(function*() {
          const tenantId = fresh("park")
          const type = `${tenantId}.happened`
          const stored = yield* appendFor(tenantId, type, [["a", 1], ["b", 1], ["a", 2], ["b", 2], ["c", 1]])
          let broken = true
          const seen: Array<string> = []
          const subscriber: Plugin.Subscriber = {
            id: `${tenantId}-sub`,
            events: [type],
            handle: (event) =>
              Effect.suspend(() => {
                if (broken && label(event) === "a#1") return Effect.fail(new Error("the ERP rejected a#1"))
                seen.push(label(event))
                return Effect.void
              })
          }
          const [report] = yield* Delivery.drain([subscriber], { retry: fastRetry(2) })
          assert.deepStrictEqual(seen, ["b#1", "b#2", "c#1"], "other aggregates flow, in order")
          assert.strictEqual(report!.delivered, 3)
          assert.strictEqual(report!.parked, 2)
          assert.strictEqual(report!.position, stored[stored.length - 1]!.position, "the checkpoint moved past the parked events")

          const letters = yield* Delivery.listDeadLetters({ subscriber: subscriber.id })
          assert.deepStrictEqual(letters.map((l) => label(l.event)), ["a#1", "a#2"])
          assert.strictEqual(letters[0]!.attempts, 2)
          assert.include(letters[0]!.error, "the ERP rejected a#1")
          assert.isFalse(Number.isNaN(Date.parse(letters[0]!.firstFailedAt)))
          assert.isTrue(letters[0]!.firstFailedAt <= letters[0]!.lastFailedAt)
          assert.strictEqual(letters[1]!.attempts, 0, "a#2 never ran: it is held behind a#1")
          assert.include(letters[1]!.error, stored[0]!.id)

          yield* appendFor(tenantId, type, [["a", 3], ["c", 2]])
          const [again] = yield* Delivery.drain([subscriber], { retry: fastRetry(2) })
          assert.deepStrictEqual(seen, ["b#1", "b#2", "c#1", "c#2"], "a new event of the parked aggregate is held too")
          assert.strictEqual(again!.parked, 1)

          // Replaying while the handler still fails keeps everything parked, with one more attempt.
          const failed = yield* Delivery.replay([subscriber], letters[1]!.id)
          assert.strictEqual(failed.delivered, 0)
          assert.strictEqual(failed.remaining, 3)
          assert.include(failed.error, "the ERP rejected a#1")
          const afterFailure = yield* Delivery.listDeadLetters({ subscriber: subscriber.id })
          assert.strictEqual(afterFailure[0]!.attempts, 3)
          assert.deepStrictEqual(seen, ["b#1", "b#2", "c#1", "c#2"])

          broken = false
          const replayed = yield* Delivery.replay([subscriber], letters[1]!.id)
          assert.deepStrictEqual(replayed, { subscriber: subscriber.id, aggregateType: "thing", aggregateId: "a", delivered: 3, remaining: 0 })
          assert.deepStrictEqual(seen, ["b#1", "b#2", "c#1", "c#2", "a#1", "a#2", "a#3"], "the aggregate's events in order")
          assert.lengthOf(yield* Delivery.listDeadLetters({ subscriber: subscriber.id }), 0, "success removes the letters")

          yield* appendFor(tenantId, type, [["a", 4]])
          yield* Delivery.drain([subscriber], { retry: fastRetry(2) })
          assert.deepStrictEqual(seen.slice(-1), ["a#4"], "once replayed, the aggregate flows again")

          const unknown = yield* Effect.exit(Delivery.replay([subscriber], `${subscriber.id}/no-such-event`))
          assert.isTrue(Exit.isFailure(unknown))
          const error = Exit.isFailure(unknown) ? Option.getOrUndefined(Cause.findErrorOption(unknown.cause)) : undefined
          assert.instanceOf(error, Delivery.DeliveryError)
        })))

      it.effect("replays every dead letter at once", () =>
        TestClock.withLive(Effect.gen(function*() {
          const tenantId = fresh("replay-all")
          const type = `${tenantId}.happened`
          yield* appendFor(tenantId, type, [["a", 1], ["b", 1], ["a", 2]])
          let broken = true
          const seen: Array<string> = []
          const subscriber: Plugin.Subscriber = {
            id: `${tenantId}-sub`,
            events: [type],
            handle: (event) =>
              Effect.suspend(() => {
                if (broken) return Effect.fail("down")
                seen.push(label(event))
                return Effect.void
              })
          }
          yield* Delivery.drain([subscriber], { retry: fastRetry(1) })
          assert.lengthOf(yield* Delivery.listDeadLetters({ subscriber: subscriber.id }), 3)
          broken = false
          const reports = yield* Delivery.replayAll([subscriber], { subscriber: subscriber.id })
          assert.deepStrictEqual(reports.map((r) => [r.aggregateId, r.delivered, r.remaining]), [["a", 2, 0], ["b", 1, 0]])
          assert.deepStrictEqual(seen, ["a#1", "a#2", "b#1"])
          assert.lengthOf(yield* Delivery.listDeadLetters({ subscriber: subscriber.id }), 0)
        })))

      it.effect("lets concurrent drainers share subscribers through leases: never the same subscriber at once, everything once", () =>
        TestClock.withLive(Effect.gen(function*() {
          const tenantId = fresh("lease")
          const type = `${tenantId}.happened`
          const stored = yield* appendFor(tenantId, type, Array.from({ length: 12 }, (_, i) => [`agg-${i % 4}`, i] as const))
          const inFlight = new Map<string, number>()
          const overlaps: Array<string> = []
          const seen = new Map<string, Array<string>>()
          const subscribers = Array.from({ length: 4 }, (_, i): Plugin.Subscriber => {
            const id = `${tenantId}-sub-${i}`
            return {
              id,
              events: [type],
              handle: (event): Effect.Effect<void> =>
                Effect.gen(function*() {
                  const busy = (inFlight.get(id) ?? 0) + 1
                  inFlight.set(id, busy)
                  if (busy > 1) overlaps.push(`${id} ${label(event)}`)
                  yield* Effect.sleep("1 millis")
                  seen.set(id, [...(seen.get(id) ?? []), label(event)])
                  inFlight.set(id, (inFlight.get(id) ?? 1) - 1)
                })
            }
          })
          const last = stored[stored.length - 1]!.position
          const storage = yield* Storage.Storage
          const drainer = (owner: string) =>
            Effect.gen(function*() {
              let skippedAny = false
              for (let round = 0; round < 50; round++) {
                const reports = yield* Delivery.drain(subscribers, { owner })
                skippedAny ||= reports.some((r) => r.skipped)
                const positions = yield* Effect.forEach(subscribers, (s) => storage.getCheckpoint(s.id))
                if (positions.every((p) => p >= last)) break
              }
              return skippedAny
            })
          const skipped = yield* Effect.all([drainer("w1"), drainer("w2")], { concurrency: "unbounded" })
          assert.deepStrictEqual(overlaps, [], "no subscriber ran two handlers at once")
          const expected = stored.map(label)
          for (const subscriber of subscribers) {
            assert.deepStrictEqual(seen.get(subscriber.id), expected, `${subscriber.id} got every event once, in order`)
          }
          assert.isTrue(skipped.some((s) => s), "the drainers met a lease held by the other")
        })))

      it.effect("takes over the lease of a dead worker once it expires", () =>
        Effect.gen(function*() {
          const tenantId = fresh("takeover")
          const type = `${tenantId}.happened`
          yield* appendFor(tenantId, type, [["a", 1], ["a", 2]])
          const seen: Array<string> = []
          const subscriber: Plugin.Subscriber = {
            id: `${tenantId}-sub`,
            events: [type],
            handle: (event) => Effect.sync(() => void seen.push(label(event)))
          }
          const storage = yield* Storage.Storage
          assert.isTrue(yield* storage.acquireLease(Delivery.leaseName(subscriber.id), "crashed-worker", 0, 10_000))
          const [blocked] = yield* Delivery.drain([subscriber], { owner: "survivor", leaseTtl: "10 seconds" })
          assert.isTrue(blocked!.skipped, "the lease is still held")
          assert.deepStrictEqual(seen, [])
          yield* TestClock.adjust("10 seconds")
          const [taken] = yield* Delivery.drain([subscriber], { owner: "survivor", leaseTtl: "10 seconds" })
          assert.isFalse(taken!.skipped)
          assert.deepStrictEqual(seen, ["a#1", "a#2"])
          assert.isTrue(yield* storage.acquireLease(Delivery.leaseName(subscriber.id), "next", 10_000, 1_000), "released after the drain")
        }))
    })
  })
}
