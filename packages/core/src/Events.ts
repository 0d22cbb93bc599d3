/**
 * Domain events: how a change is announced to subscribers (connectors, plugins, host callbacks).
 *
 * Each module declares its events with {@link define}: a type (`receipt.recorded`), the aggregate
 * it belongs to (events of one aggregate are delivered in order), when it is appended, and its
 * payload as a zod schema. Modules append them with {@link append}, inside the same transaction
 * as the change, so an event exists exactly when its change does; `make` checks a payload against
 * its schema's type, so a wrong payload does not compile:
 *
 * ```ts
 * yield* Events.append(ReceiptRecorded.make({ receiptId, purchaseOrderId, lines }))
 * ```
 *
 * An operation lists the events it appends (`Operation.make({ events: [ReceiptRecorded] })`); the
 * testkit holds every operation to its list and every payload to its schema. The payloads are the
 * contract of connectors: they carry what a subscriber needs without reading back. docs/events.md
 * lists every event.
 *
 * Every stored event carries its tenant, its actor, its time and a causation id: the id of the
 * operation run that appended it (every event of one command shares it), or, for an event a
 * subscriber appends while handling another, that event's id. Subscribers read a stored event as a
 * typed {@link Event} with the definition's `decode` or with {@link decoder}.
 *
 * @since 0.1.0
 */
import { Clock, Context, Data, Effect } from "effect"
import { z } from "zod"
import * as Ids from "./Ids.js"
import { CurrentPrincipal } from "./Principal.js"
import { type DomainEvent, Storage, type StorageError, type StoredEvent } from "./Storage.js"

// ----- definitions -----------------------------------------------------------------------------

/**
 * What a payload schema must describe: an object (the stored payload also carries the causation
 * id, under {@link causationKey}).
 *
 * @since 0.1.0
 * @category models
 */
export type PayloadSchema = z.ZodType<{ readonly [key: string]: unknown }>

/**
 * The aggregate an event belongs to, when its definition cannot tell it from the payload.
 *
 * @since 0.1.0
 * @category models
 */
export interface AggregateRef {
  readonly type?: string
  readonly id?: string
}

/**
 * Brands the events {@link Definition.make} builds: {@link append} takes nothing else.
 *
 * @since 0.1.0
 * @category symbols
 */
export const PendingTypeId: unique symbol = Symbol.for("@procura/core/Events/Pending")

/**
 * An event to append, built by a definition's `make` (the rest, id, tenant, actor, time and
 * causation, is filled in by {@link append}).
 *
 * @since 0.1.0
 * @category models
 */
export interface Pending<Type extends string = string> {
  readonly [PendingTypeId]: typeof PendingTypeId
  readonly type: Type
  readonly aggregateType: string
  readonly aggregateId: string
  readonly payload: { readonly [key: string]: unknown }
}

/**
 * An event as a subscriber sees it: the stored event with its causation id and a typed payload.
 *
 * @since 0.1.0
 * @category models
 */
export interface Event<Type extends string = string, Payload = unknown> {
  readonly id: string
  /** Its place in the log: strictly increasing in append order. */
  readonly position: number
  readonly type: Type
  readonly aggregateType: string
  readonly aggregateId: string
  readonly tenantId: string
  /** The user (or `subscriber:<id>`) whose command appended it. */
  readonly actorId: string
  /** ISO-8601 UTC. */
  readonly occurredAt: string
  /**
   * The operation run that appended it (shared by every event of one command), or the event a
   * subscriber was handling when it appended it.
   */
  readonly causationId: string
  readonly payload: Payload
}

/**
 * A stored event that is not the event a decoder expected, or whose payload does not match its
 * schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class EventDecodeError extends Data.TaggedError("EventDecodeError")<{
  readonly eventId: string
  readonly type: string
  readonly message: string
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}

/**
 * An event type: its name, the aggregate it belongs to, when it is appended, and its payload
 * schema; `make` builds one to {@link append}, `decode` reads a stored one.
 *
 * @since 0.1.0
 * @category models
 */
export interface Definition<Type extends string = string, Payload extends PayloadSchema = PayloadSchema> {
  /** `<aggregate or module>.<what happened>`, e.g. `receipt.recorded`. */
  readonly type: Type
  /** When the event is appended, for humans (docs/events.md, the API reference). */
  readonly description: string
  /** The aggregate types it belongs to (usually one). */
  readonly aggregateTypes: ReadonlyArray<string>
  /** The payload field holding its aggregate's id, if the payload tells it. */
  readonly aggregateId: string | undefined
  readonly payload: Payload
  /**
   * The event with this payload, for {@link append}. The aggregate is told when the definition
   * cannot tell it from the payload (its id field, its only aggregate type).
   */
  make(payload: z.output<Payload>, aggregate?: AggregateRef): Pending<Type>
  /** Reads a stored event of this type, checking its payload against the schema. */
  decode(event: StoredEvent): Effect.Effect<Event<Type, z.output<Payload>>, EventDecodeError>
}

/**
 * Any event definition, for lists and catalogues.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Definition<string, PayloadSchema>

/**
 * The typed event a definition reads.
 *
 * @since 0.1.0
 * @category models
 */
export type EventOf<D> = D extends Definition<infer Type, infer Payload> ? Event<Type, z.output<Payload>> : never

/**
 * The payload type of a definition.
 *
 * @since 0.1.0
 * @category models
 */
export type PayloadOf<D> = D extends Definition<string, infer Payload> ? z.output<Payload> : never

/**
 * Options of {@link define}.
 *
 * @since 0.1.0
 * @category options
 */
export interface DefineOptions<Payload extends PayloadSchema> {
  /** When the event is appended: one or two sentences for docs/events.md. */
  readonly description: string
  /** The aggregate type (`purchase_order`), or the types it may belong to (then `make` is told which). */
  readonly aggregateType: string | ReadonlyArray<string>
  /** The payload field holding the aggregate's id; without it, `make` is told the id. */
  readonly aggregateId?: Extract<keyof z.output<Payload>, string>
  readonly payload: Payload
}

/**
 * The key of the stored payload holding the causation id, beside the payload's own fields.
 *
 * @since 0.1.0
 * @category constants
 */
export const causationKey = "causationId"

const issuesText = (error: z.ZodError): string =>
  error.issues.map((issue) => `${issue.path.join(".") || "(payload)"}: ${issue.message}`).join("; ")

/**
 * The causation id of a stored event; an event stored without one is its own cause.
 *
 * @since 0.1.0
 * @category getters
 */
export const causationOf = (event: Pick<DomainEvent, "id" | "payload">): string => {
  const payload = event.payload
  const id = typeof payload === "object" && payload !== null ? (payload as { readonly [causationKey]?: unknown })[causationKey] : undefined
  return typeof id === "string" ? id : event.id
}

const envelope = <Type extends string, Payload>(event: StoredEvent, type: Type, payload: Payload): Event<Type, Payload> => ({
  id: event.id,
  position: event.position,
  type,
  aggregateType: event.aggregateType,
  aggregateId: event.aggregateId,
  tenantId: event.tenantId,
  actorId: event.actorId,
  occurredAt: event.occurredAt,
  causationId: causationOf(event),
  payload
})

/**
 * Defines an event type:
 *
 * ```ts
 * export const ShipmentDelivered = Events.define("shipment.delivered", {
 *   description: "A shipment's last unit was received.",
 *   aggregateType: "shipment",
 *   aggregateId: "shipmentId",
 *   payload: z.object({ shipmentId: z.string(), purchaseOrderId: z.string(), deliveredAt: z.string() })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const define = <const Type extends string, Payload extends PayloadSchema>(
  type: Type,
  options: DefineOptions<Payload>
): Definition<Type, Payload> => {
  const aggregateTypes: ReadonlyArray<string> = typeof options.aggregateType === "string" ? [options.aggregateType] : [...options.aggregateType]
  const idField = options.aggregateId
  return {
    type,
    description: options.description,
    aggregateTypes,
    aggregateId: idField,
    payload: options.payload,
    make(payload, aggregate) {
      const aggregateType = aggregate?.type ?? (aggregateTypes.length === 1 ? aggregateTypes[0] : undefined)
      const aggregateId = aggregate?.id ?? (idField !== undefined ? (payload as { readonly [key: string]: unknown })[idField] : undefined)
      if (aggregateType === undefined || !aggregateTypes.includes(aggregateType)) {
        throw new Error(`Event ${type} belongs to ${aggregateTypes.join(" or ")}, not ${String(aggregateType)}: tell make its aggregate type`)
      }
      if (typeof aggregateId !== "string") throw new Error(`Event ${type} needs its aggregate id: tell make the id`)
      return { [PendingTypeId]: PendingTypeId, type, aggregateType, aggregateId, payload }
    },
    decode: (event) =>
      Effect.suspend(() => {
        if (event.type !== type) {
          return Effect.fail(new EventDecodeError({ eventId: event.id, type: event.type, message: `Event ${event.id} is ${event.type}, not ${type}` }))
        }
        const parsed = options.payload.safeParse(event.payload)
        return parsed.success
          ? Effect.succeed(envelope(event, type, parsed.data as z.output<Payload>))
          : Effect.fail(
            new EventDecodeError({
              eventId: event.id,
              type: event.type,
              message: `Event ${event.id} (${event.type}) does not match its schema: ${issuesText(parsed.error)}`
            })
          )
      })
  }
}

/**
 * A decoder of stored events of any of the given types, for a subscriber of several:
 *
 * ```ts
 * const decode = Events.decoder([ReceiptRecorded, PurchaseOrderReceived])
 * const handle = (stored: Storage.StoredEvent) =>
 *   Effect.flatMap(decode(stored), (event) => event.type === "receipt.recorded" ? mirrorReceipt(event.payload) : closeOrder(event.payload))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const decoder = <const Definitions extends ReadonlyArray<Any>>(
  definitions: Definitions
): (event: StoredEvent) => Effect.Effect<EventOf<Definitions[number]>, EventDecodeError> => {
  const byType = new Map(definitions.map((definition) => [definition.type, definition] as const))
  return (event) => {
    const definition = byType.get(event.type)
    return definition === undefined
      ? Effect.fail(
        new EventDecodeError({
          eventId: event.id,
          type: event.type,
          message: `Event ${event.id} is ${event.type}, not one of ${[...byType.keys()].join(", ")}`
        })
      )
      : (definition.decode(event) as Effect.Effect<EventOf<Definitions[number]>, EventDecodeError>)
  }
}

/**
 * The JSON Schema of a definition's payload (what subscribers without zod read).
 *
 * @since 0.1.0
 * @category conversions
 */
export const payloadJsonSchema = (definition: Any): { readonly [keyword: string]: unknown } =>
  z.toJSONSchema(definition.payload, { io: "output", unrepresentable: "any" }) as { readonly [keyword: string]: unknown }

// ----- causation -------------------------------------------------------------------------------

/**
 * What the events appended now are caused by: an operation run (its id, and the operation with
 * the events it declares), or an event a subscriber is handling (no operation).
 *
 * @since 0.1.0
 * @category models
 */
export interface Cause {
  /** The causation id the events appended now carry. */
  readonly id: string
  readonly operation?: { readonly id: string; readonly events: ReadonlyArray<Any> } | undefined
}

/**
 * The cause in force: set by `Operation.run` for each run and by delivery for each event handled;
 * absent elsewhere (then each {@link append} call is its own cause).
 *
 * @since 0.1.0
 * @category services
 */
export const CurrentCause = Context.Reference<Cause | undefined>("@procura/core/Events/CurrentCause", { defaultValue: () => undefined })

// ----- appending -------------------------------------------------------------------------------

/**
 * Appends events for the current principal, stamped with fresh ids, the current time and the
 * causation id of the {@link CurrentCause} (a fresh one shared by these events when there is
 * none). Runs in the caller's transaction.
 *
 * @since 0.1.0
 * @category constructors
 */
export const append = (
  ...events: ReadonlyArray<Pending>
): Effect.Effect<void, StorageError, Storage | CurrentPrincipal> =>
  Effect.gen(function*() {
    if (events.length === 0) return
    const principal = yield* CurrentPrincipal
    const storage = yield* Storage
    const cause = yield* CurrentCause
    const ids = yield* Ids.nextMany(cause === undefined ? events.length + 1 : events.length)
    const causationId = cause?.id ?? ids[events.length]!
    const occurredAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    yield* storage.appendEvents(events.map((event, i): DomainEvent => ({
      id: ids[i]!,
      tenantId: principal.tenantId,
      type: event.type,
      aggregateType: event.aggregateType,
      aggregateId: event.aggregateId,
      actorId: principal.userId,
      occurredAt,
      payload: { ...event.payload, [causationKey]: causationId }
    })))
  })

/**
 * The current time as an ISO-8601 UTC string, from the Effect clock.
 *
 * @since 0.1.0
 * @category constructors
 */
export const now: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString())
