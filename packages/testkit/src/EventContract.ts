/**
 * The events contract: an operation appends only the events it declares
 * (`Operation.make({ events })`), every event's payload parses with its schema, and every event
 * carries the causation id of what caused it.
 *
 * {@link checked} wraps a storage layer so that each batch of events appended is checked against
 * the operation run appending it (`Events.CurrentCause`, set by `Operation.run`); a violation
 * fails the run as a defect ({@link EventContractViolation}) naming the operation and the event.
 * The scenario suites run on a checked layer, so every adapter running them proves the contract
 * for every operation they run. {@link suite} proves the check itself fails when it should, and
 * that causation ids survive the adapter:
 *
 * ```ts
 * EventContract.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Delivery, Events, Operation, Plugin, Principal, Procura, Storage } from "@procura/core"
import { Cause, Data, Effect, Exit, Layer } from "effect"
import { z } from "zod"
import * as Fixtures from "./Fixtures.js"

/**
 * An event broke the contract: appended by an operation that does not declare it, or with a
 * payload its schema refuses.
 *
 * @since 0.1.0
 * @category errors
 */
export class EventContractViolation extends Data.TaggedError("EventContractViolation")<{
  /** The operation appending it; absent outside an operation run (a subscriber). */
  readonly operation?: string | undefined
  readonly type: string
  readonly message: string
}> {}

/**
 * Options of {@link checked}.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /**
   * Event definitions besides the core's (`Procura.events`), such as plugins': an event appended
   * outside an operation run is checked against its type's definition here.
   */
  readonly events?: ReadonlyArray<Events.Any>
}

const strictSchemas = new WeakMap<Events.Any, z.ZodType>()

/** The payload schema refusing top-level keys it does not name (nested objects as declared). */
const strictPayload = (definition: Events.Any): z.ZodType => {
  let schema = strictSchemas.get(definition)
  if (schema === undefined) {
    schema = definition.payload instanceof z.ZodObject ? definition.payload.strict() : definition.payload
    strictSchemas.set(definition, schema)
  }
  return schema
}

/**
 * What is wrong with events about to be appended under a cause, given the definitions known
 * outside operation runs: nothing for a conforming batch.
 *
 * @since 0.1.0
 * @category getters
 */
export const violations = (
  events: ReadonlyArray<Storage.DomainEvent>,
  cause: Events.Cause | undefined,
  known: ReadonlyMap<string, Events.Any>
): ReadonlyArray<EventContractViolation> =>
  events.flatMap((event) => {
    const operation = cause?.operation
    const violation = (message: string) => [new EventContractViolation({ operation: operation?.id, type: event.type, message })]
    const declared = operation?.events.find((definition) => definition.type === event.type)
    if (operation !== undefined && declared === undefined) {
      return violation(
        `Operation ${operation.id} appended ${event.type}, which it does not declare ` +
          `(it declares ${operation.events.map((d) => d.type).join(", ") || "no events"}): add its definition to the operation's events`
      )
    }
    const definition = declared ?? known.get(event.type)
    // Events of no definition appended outside operation runs are the storage conformance's own.
    if (definition === undefined) return []
    const { [Events.causationKey]: causationId, ...payload } = (event.payload ?? {}) as { readonly [key: string]: unknown }
    if (cause !== undefined && causationId !== cause.id) {
      return violation(`Event ${event.type} carries causation id ${String(causationId)}, not ${cause.id}, the id of what caused it`)
    }
    if (!definition.aggregateTypes.includes(event.aggregateType)) {
      return violation(`Event ${event.type} belongs to ${definition.aggregateTypes.join(" or ")}, not ${event.aggregateType}`)
    }
    const parsed = strictPayload(definition).safeParse(payload)
    return parsed.success ? [] : violation(
      `The payload of ${event.type}${operation !== undefined ? ` (appended by ${operation.id})` : ""} does not match its schema: ${
        parsed.error.issues.map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`).join("; ")
      }`
    )
  })

/**
 * A storage layer whose event log checks the contract: each batch appended is checked with
 * {@link violations}, and the first violation fails the appending run as a defect.
 *
 * @since 0.1.0
 * @category layers
 */
export const checked = <E, R>(storageLayer: Layer.Layer<Storage.Storage, E, R>, options: Options = {}): Layer.Layer<Storage.Storage, E, R> => {
  const known = new Map([...Procura.events, ...(options.events ?? [])].map((definition) => [definition.type, definition] as const))
  return Layer.effect(
    Storage.Storage,
    Effect.map(Storage.Storage, (storage): Storage.StorageService => ({
      ...storage,
      appendEvents: (events) =>
        Effect.flatMap(Events.CurrentCause, (cause) => {
          const [first] = violations(events, cause, known)
          return first === undefined ? storage.appendEvents(events) : Effect.die(first)
        })
    }))
  ).pipe(Layer.provide(storageLayer))
}

// ----- the suite -------------------------------------------------------------------------------

const Pinged = Events.define("contract.pinged", {
  description: "Test event of the contract suite.",
  aggregateType: "contract_thing",
  aggregateId: "thingId",
  payload: z.object({ thingId: z.string(), count: z.number().int() })
})

const Ponged = Events.define("contract.ponged", {
  description: "Test event of the contract suite, appended by a subscriber of pings.",
  aggregateType: "contract_thing",
  aggregateId: "thingId",
  payload: z.object({ thingId: z.string() })
})

const ping = (events: ReadonlyArray<Events.Any>, payload: (thingId: string) => Events.Pending) =>
  Operation.make({
    id: "contract.ping",
    summary: "Append pings (test operation of the contract suite).",
    kind: "command",
    permission: "catalog.read",
    input: z.object({ thingId: z.string() }),
    output: z.object({}),
    events,
    handler: ({ thingId }) => Effect.as(Events.append(payload(thingId), Pinged.make({ thingId, count: 2 })), {})
  })

const defectOf = (exit: Exit.Exit<unknown, unknown>): unknown => (Exit.isFailure(exit) && Cause.hasDies(exit.cause) ? Cause.squash(exit.cause) : undefined)

/**
 * Registers the contract's own scenarios for an adapter layer providing `Storage.Storage`: the
 * check refuses undeclared events and bad payloads, every operation declares defined events, and
 * causation ids are stored and read back (shared by a command's events; a subscriber's events
 * carry the id of the event it handled).
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  describe(`events contract: ${name}`, () => {
    it("every operation of the catalogue declares defined events, each once", () => {
      const defined = new Set(Procura.events.map((definition) => definition.type))
      assert.strictEqual(defined.size, Procura.events.length, "two definitions share a type")
      for (const operation of Procura.catalogue.values()) {
        const types = operation.events.map((definition) => definition.type)
        assert.deepStrictEqual(types.filter((type) => !defined.has(type)), [], `${operation.id} declares events no module defines`)
        assert.strictEqual(new Set(types).size, types.length, `${operation.id} declares an event twice`)
        if (operation.kind === "query") assert.deepStrictEqual(types, [], `${operation.id} is a query: it appends nothing`)
      }
    })

    layer(checked(storageLayer, { events: [Pinged, Ponged] }), { timeout: "120 seconds", excludeTestServices: true })((it) => {
      const who = () => Fixtures.team(Fixtures.freshTenant("contract")).buyer

      it.effect("refuses an event its operation does not declare, and writes nothing", () =>
        Effect.gen(function*() {
          const buyer = who()
          const run = Operation.run(ping([Pinged], (thingId) => Ponged.make({ thingId })))
          const exit = yield* Effect.exit(Principal.runAs(run({ thingId: "t-1" }), buyer))
          const defect = defectOf(exit)
          assert.instanceOf(defect, EventContractViolation)
          assert.include((defect as EventContractViolation).message, "Operation contract.ping appended contract.ponged, which it does not declare")
          const storage = yield* Storage.Storage
          assert.deepStrictEqual(yield* storage.readEvents({ after: 0, limit: 100, tenantId: buyer.tenantId }), [])
        }))

      it.effect("refuses a payload its schema does not admit", () =>
        Effect.gen(function*() {
          const buyer = who()
          const bad = (thingId: string) => Pinged.make({ thingId, count: "two" } as unknown as Events.PayloadOf<typeof Pinged>)
          const exit = yield* Effect.exit(Principal.runAs(Operation.run(ping([Pinged], bad))({ thingId: "t-2" }), buyer))
          const defect = defectOf(exit)
          assert.instanceOf(defect, EventContractViolation)
          assert.include((defect as EventContractViolation).message, "The payload of contract.pinged (appended by contract.ping) does not match its schema: count:")
          const extra = (thingId: string) => Pinged.make({ thingId, count: 1, secret: "x" } as Events.PayloadOf<typeof Pinged>)
          const exitExtra = yield* Effect.exit(Principal.runAs(Operation.run(ping([Pinged], extra))({ thingId: "t-3" }), buyer))
          assert.include((defectOf(exitExtra) as EventContractViolation).message, "secret")
        }))

      it.effect("a command's events share its causation id; a subscriber's carry the event it handled", () =>
        Effect.gen(function*() {
          const buyer = who()
          const storage = yield* Storage.Storage
          const run = Operation.run(ping([Pinged], (thingId) => Pinged.make({ thingId, count: 1 })))
          yield* Principal.runAs(run({ thingId: "t-4" }), buyer)
          yield* Principal.runAs(run({ thingId: "t-5" }), buyer)
          const decode = Events.decoder([Pinged, Ponged])
          const commands = yield* Effect.forEach(yield* storage.readEvents({ after: 0, limit: 100, tenantId: buyer.tenantId }), decode)
          assert.deepStrictEqual(commands.map((event) => [event.type, event.aggregateId, event.tenantId, event.actorId]), [
            ["contract.pinged", "t-4", buyer.tenantId, buyer.userId],
            ["contract.pinged", "t-4", buyer.tenantId, buyer.userId],
            ["contract.pinged", "t-5", buyer.tenantId, buyer.userId],
            ["contract.pinged", "t-5", buyer.tenantId, buyer.userId]
          ])
          const [a, b, c, d] = commands.map((event) => event.causationId)
          assert.strictEqual(a, b, "the events of one command share its causation id")
          assert.strictEqual(c, d)
          assert.notStrictEqual(a, c, "two commands, two causation ids")
          assert.notInclude(commands.map((event) => event.id), a, "the causation id of a command is its run's, no event's")
          assert.deepStrictEqual(commands[0]!.payload, { thingId: "t-4", count: 1 }, "the decoded payload is the payload alone")

          const seen = new Set<string>()
          const subscriber: Plugin.Subscriber = {
            id: `${buyer.tenantId}-pong`,
            events: [Pinged.type],
            handle: (stored) =>
              Effect.gen(function*() {
                if (stored.tenantId !== buyer.tenantId || seen.has(stored.id)) return
                seen.add(stored.id)
                const event = yield* Pinged.decode(stored)
                yield* Events.append(Ponged.make({ thingId: event.payload.thingId }))
              })
          }
          yield* Delivery.drain([subscriber])
          const all = yield* Effect.forEach(yield* storage.readEvents({ after: 0, limit: 100, tenantId: buyer.tenantId }), decode)
          const pongs = all.filter((event) => event.type === "contract.ponged")
          assert.deepStrictEqual(pongs.map((event) => event.causationId), all.filter((event) => event.type === "contract.pinged").map((event) => event.id))
          assert.deepStrictEqual(pongs.map((event) => event.actorId), pongs.map(() => `subscriber:${buyer.tenantId}-pong`))
        }))
    })
  })
}
