// Typed domain events: a definition builds events only from payloads of its schema's type, reads
// stored events back typed, and appending stamps tenant, actor, time and causation.
import { assert, describe, it } from "@effect/vitest"
import { EventLog, Events, Operation, Principal, ReceivingEvents, Storage } from "@procura/core"
import { MemoryStorage } from "@procura/storage-memory"
import { Effect, Exit } from "effect"
import { z } from "zod"

const Pinged = Events.define("test.pinged", {
  description: "A ping.",
  aggregateType: "thing",
  aggregateId: "thingId",
  payload: z.object({ thingId: z.string(), count: z.number().int() })
})

const Noted = Events.define("test.noted", {
  description: "A note on one of two aggregates.",
  aggregateType: ["thing", "other"],
  payload: z.object({ text: z.string() })
})

const stored = (event: Partial<Storage.StoredEvent>): Storage.StoredEvent => ({
  id: "e-1",
  position: 1,
  tenantId: "acme",
  type: "test.pinged",
  aggregateType: "thing",
  aggregateId: "t-1",
  actorId: "pat",
  occurredAt: "2026-01-01T00:00:00.000Z",
  payload: { thingId: "t-1", count: 1, causationId: "run-1" },
  ...event
})

describe("Events", () => {
  it("make takes only payloads of the schema's type", () => {
    const event = Pinged.make({ thingId: "t-1", count: 2 })
    assert.deepStrictEqual([event.type, event.aggregateType, event.aggregateId, event.payload], ["test.pinged", "thing", "t-1", { thingId: "t-1", count: 2 }])
    if (Math.random() > 2) {
      // @ts-expect-error a field of the wrong type does not compile
      Pinged.make({ thingId: "t-1", count: "two" })
      // @ts-expect-error a missing field does not compile
      ReceivingEvents.ReceiptRecorded.make({ receiptId: "r-1", purchaseOrderId: "po-1" })
      // @ts-expect-error append takes built events only, not hand-written objects
      Events.append({ type: "test.pinged", aggregateType: "thing", aggregateId: "t-1", payload: {} })
    }
  })

  it("make asks for the aggregate a payload does not tell", () => {
    assert.throws(() => Noted.make({ text: "hi" }), /belongs to thing or other/)
    assert.throws(() => Noted.make({ text: "hi" }, { type: "other" }), /needs its aggregate id/)
    assert.throws(() => Noted.make({ text: "hi" }, { type: "elsewhere", id: "x" }), /belongs to thing or other, not elsewhere/)
    const event = Noted.make({ text: "hi" }, { type: "other", id: "o-1" })
    assert.deepStrictEqual([event.aggregateType, event.aggregateId], ["other", "o-1"])
  })

  it.effect("decode gives the envelope with the causation id and the payload alone", () =>
    Effect.gen(function*() {
      const event = yield* Pinged.decode(stored({}))
      assert.deepStrictEqual(event, {
        id: "e-1",
        position: 1,
        type: "test.pinged",
        aggregateType: "thing",
        aggregateId: "t-1",
        tenantId: "acme",
        actorId: "pat",
        occurredAt: "2026-01-01T00:00:00.000Z",
        causationId: "run-1",
        payload: { thingId: "t-1", count: 1 }
      })
      const wrongType = yield* Effect.exit(Pinged.decode(stored({ type: "test.noted" })))
      assert.isTrue(Exit.isFailure(wrongType))
      const bad = yield* Effect.flip(Pinged.decode(stored({ payload: { thingId: "t-1", count: "one" } })))
      assert.strictEqual(bad._tag, "EventDecodeError")
      assert.include(bad.message, "count")
      const unknown = yield* Effect.flip(Events.decoder([Pinged, Noted])(stored({ type: "test.other" })))
      assert.include(unknown.message, "not one of test.pinged, test.noted")
      assert.strictEqual(Events.causationOf(stored({ payload: { thingId: "t-1", count: 1 } })), "e-1", "an event stored without a causation id is its own cause")
    }))

  it.effect("append stamps tenant, actor, time and a causation id shared by the events of one call", () =>
    Effect.gen(function*() {
      const storage = yield* Storage.Storage
      yield* Principal.runAs(Events.append(Pinged.make({ thingId: "t-1", count: 1 }), Pinged.make({ thingId: "t-2", count: 1 })), {
        userId: "pat",
        tenantId: "acme",
        roles: []
      })
      yield* Principal.runAs(
        Effect.provideService(Events.append(Pinged.make({ thingId: "t-3", count: 1 })), Events.CurrentCause, { id: "cause-1" }),
        { userId: "pat", tenantId: "acme", roles: [] }
      )
      const events = yield* Effect.forEach(yield* storage.readEvents({ after: 0, limit: 10, tenantId: "acme" }), Pinged.decode)
      assert.deepStrictEqual(events.map((e) => [e.aggregateId, e.tenantId, e.actorId]), [["t-1", "acme", "pat"], ["t-2", "acme", "pat"], ["t-3", "acme", "pat"]])
      assert.strictEqual(events[0]!.causationId, events[1]!.causationId)
      assert.notInclude(events.map((e) => e.id), events[0]!.causationId)
      assert.strictEqual(events[2]!.causationId, "cause-1")
    }).pipe(Effect.provide(MemoryStorage.layer())))

  it("payloadJsonSchema describes the payload for subscribers without zod", () => {
    const schema = Events.payloadJsonSchema(Pinged) as { properties: Record<string, unknown>; required: Array<string> }
    assert.sameMembers(Object.keys(schema.properties), ["thingId", "count"])
    assert.sameMembers(schema.required, ["thingId", "count"])
  })

  it.effect("events.listEvents reads the caller's tenant's events in order, by type, and refuses callers without event.read", () =>
    Effect.gen(function*() {
      const pat = { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] }
      const other = { userId: "oz", tenantId: "globex", roles: ["procurement_manager"] }
      yield* Principal.runAs(Events.append(Pinged.make({ thingId: "t-1", count: 1 }), Noted.make({ text: "a" }, { type: "other", id: "o-1" })), pat)
      yield* Principal.runAs(Events.append(Pinged.make({ thingId: "x-1", count: 9 })), other)
      yield* Principal.runAs(Events.append(Pinged.make({ thingId: "t-2", count: 2 }), Pinged.make({ thingId: "t-3", count: 3 })), pat)
      const list = Operation.run(EventLog.listEvents)

      const all = yield* Principal.runAs(list({}), pat)
      assert.deepStrictEqual(all.events.map((e) => e.aggregateId), ["t-1", "o-1", "t-2", "t-3"], "only acme's, oldest first")
      assert.strictEqual(all.next, all.events.at(-1)!.position)

      // Page by page from `next`: every event once, in order.
      const first = yield* Principal.runAs(list({ limit: 3 }), pat)
      const rest = yield* Principal.runAs(list({ after: first.next, limit: 3 }), pat)
      assert.deepStrictEqual([...first.events, ...rest.events].map((e) => e.id), all.events.map((e) => e.id))
      const none = yield* Principal.runAs(list({ after: rest.next }), pat)
      assert.deepStrictEqual(none, { events: [], next: rest.next }, "nothing new: next stays")

      // By type: the others are skipped, and next moves past them.
      const noted = yield* Principal.runAs(list({ types: ["test.noted"] }), pat)
      assert.deepStrictEqual(noted.events.map((e) => [e.type, e.aggregateId, (e.payload as { readonly text: string }).text]), [["test.noted", "o-1", "a"]])
      assert.strictEqual(noted.next, all.next, "skipped events of other types move next on")

      const refused = yield* Effect.flip(Principal.runAs(list({}), { userId: "rae", tenantId: "acme", roles: ["requester"] }))
      assert.strictEqual(refused._tag, "AccessDenied")
      const invalid = yield* Effect.flip(Principal.runAs(list({ after: -1 }), pat))
      assert.strictEqual(invalid._tag, "ValidationError")
    }).pipe(Effect.provide(MemoryStorage.layer())))
})
