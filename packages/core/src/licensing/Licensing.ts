/**
 * Software licences and entitlements (seed 002, Software Procurement): software is bought on a
 * purchase order for cost and vendor tracking, is never received, scanned or stored, and becomes
 * an entitlement record instead of assets. Submitting a purchase order creates one entitlement per
 * software line, with as many seats as the line's quantity.
 *
 * An entitlement carries its licence keys and subscription term (none: perpetual); its status is
 * derived from the term and the Effect clock (or an explicit `asOf`): `active`, `expiring` (the
 * term ends within a window, 30 days by default) or `expired`. Seats are assigned to users or
 * devices, never beyond the seats bought, also when assigners race: the entitlement is written
 * first with its version, so concurrent assigners take turns. Licence keys never appear in event
 * payloads, and only principals who manage licences read them back.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect } from "effect"
import { z } from "zod"
import * as Access from "../Access.js"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { EntitlementUpdated, SeatAssigned, SeatReleased } from "./LicensingEvents.js"
import { Assignee, Entitlement, EntitlementStatus, EntitlementView, SeatAssignment, entitlements, seatAssignments } from "./LicensingModel.js"
import { LicensingError, type LicensingErrorReason } from "./LicensingErrors.js"
import { allSeatsAssigned, dayMillis, defaultExpiringWithinDays, entitlementEvent, statusAt, viewOf } from "./LicensingRules.js"

// ----- model: in LicensingModel.ts, re-exported ----------------------------------------

export * from "./LicensingModel.js"

// ----- errors and rules: in LicensingErrors.ts and LicensingRules.ts, re-exported

export * from "./LicensingErrors.js"
export { defaultExpiringWithinDays, statusAt } from "./LicensingRules.js"

/** Whether the current principal may read licence keys (those who manage licences). */
const mayReadKeys = Effect.map(
  Effect.all([CurrentPrincipal, Access.PermissionMatrix]),
  ([principal, matrix]) => Access.isAllowed(matrix, principal, "license.manage")
)

/**
 * An instant as operations take it: an ISO-8601 date-time with an offset, or a date (midnight
 * UTC). Normalised to an ISO-8601 UTC string.
 *
 * @since 0.1.0
 * @category inputs
 */
export const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((value) => new Date(value).toISOString())

// ----- operations ------------------------------------------------------------------------------

const loadEntitlement = (id: string) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(entitlements, id, "Entitlement"))

const nameOf = (assignee: Assignee): string => `${assignee.kind} ${assignee.id}`

/** The assignment record of an assignee on an entitlement, active or released. */
const findAssignment = Effect.fn("Licensing.findAssignment")(function*(entitlementId: string, assignee: Assignee) {
  const storage = yield* Storage.Storage
  const page = yield* storage.find(seatAssignments, {
    where: { entitlementId, assigneeKind: assignee.kind, assigneeId: assignee.id },
    limit: 1
  })
  return page.items[0]
})

/** What a seat event carries: the entitlement, the assignment and the seats after it. */
const seatEvent = (entitlement: Entitlement, assignment: SeatAssignment) => ({
  ...entitlementEvent(entitlement),
  assignmentId: assignment.id,
  assignee: { kind: assignment.assigneeKind, id: assignment.assigneeId },
  seats: entitlement.seats,
  seatsAssigned: entitlement.seatsAssigned
})

const pageOf = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item), cursor: z.string().optional() })

const PageInput = z.object({
  limit: z.number().int().min(1).max(1000).optional(),
  cursor: Text.cursor.optional()
})

const AsOf = z.object({
  asOf: Instant.optional(),
  expiringWithinDays: z.number().int("a window is a whole number of days").min(0).max(3650).optional()
})

/** The moment to derive statuses at: the given `asOf`, or now on the Effect clock. */
const momentOf = (asOf: string | undefined) => (asOf === undefined ? Clock.currentTimeMillis : Effect.succeed(Date.parse(asOf)))

/**
 * Reads one entitlement with its status (now, or at `asOf`); licence keys only for principals
 * who manage licences.
 *
 * @since 0.1.0
 * @category operations
 */
export const getEntitlement = Operation.make({
  id: "licensing.getEntitlement",
  summary: "Read one software entitlement with its seats and status; licence keys only for licence managers.",
  kind: "query",
  permission: "license.read",
  input: AsOf.extend({ id: Text.id }),
  output: EntitlementView,
  events: [],
  handler: Effect.fn(function*({ id, asOf, expiringWithinDays }) {
    const entitlement = yield* loadEntitlement(id)
    return viewOf(entitlement, yield* momentOf(asOf), expiringWithinDays ?? defaultExpiringWithinDays, yield* mayReadKeys)
  })
})

/**
 * Input of {@link listEntitlements}. `status` filters by the status at `asOf` (default now);
 * `expiringWithinDays` sets the `expiring` window (default 30), so "expiring within 60 days" is
 * `{ status: "expiring", expiringWithinDays: 60 }`.
 *
 * @since 0.1.0
 * @category inputs
 */
export const ListEntitlementsInput = PageInput.extend(AsOf.shape).extend({
  catalogItemId: Text.id.optional(),
  purchaseOrderId: Text.id.optional(),
  status: EntitlementStatus.optional()
})

/**
 * Lists entitlements, those ending soonest first (perpetual ones last), by catalog item, purchase
 * order or status: expired, expiring within a window, or active. Licence keys are not listed.
 *
 * @since 0.1.0
 * @category operations
 */
export const listEntitlements = Operation.make({
  id: "licensing.listEntitlements",
  summary: "List software entitlements, soonest ending first: expired, expiring within N days, active, or by catalog item.",
  kind: "query",
  permission: "license.read",
  input: ListEntitlementsInput,
  output: pageOf(EntitlementView),
  events: [],
  handler: Effect.fn(function*({ catalogItemId, purchaseOrderId, status, asOf, expiringWithinDays, limit, cursor }) {
    const storage = yield* Storage.Storage
    const moment = yield* momentOf(asOf)
    const windowDays = expiringWithinDays ?? defaultExpiringWithinDays
    const now = new Date(moment).toISOString()
    const horizon = new Date(moment + windowDays * dayMillis).toISOString()
    const byStatus: Storage.Filter<Entitlement> = status === "expired"
      ? { subscriptionEnd: { lte: now } }
      : status === "expiring"
      ? { subscriptionEnd: { gt: now, lte: horizon } }
      : status === "active"
      ? { $or: [{ subscriptionEnd: null }, { subscriptionEnd: { gt: horizon } }] }
      : {}
    const page = yield* storage.find(entitlements, {
      where: {
        ...byStatus,
        ...(catalogItemId !== undefined ? { catalogItemId } : {}),
        ...(purchaseOrderId !== undefined ? { purchaseOrderId } : {})
      },
      orderBy: [{ field: "subscriptionEnd" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return {
      items: page.items.map((entitlement) => viewOf(entitlement, moment, windowDays, false)),
      ...(page.cursor ? { cursor: page.cursor } : {})
    }
  })
})

/**
 * Input of {@link updateEntitlement}: new licence keys (replacing the old ones), and the start
 * and end of the subscription (`null` clears one; no end means perpetual).
 *
 * @since 0.1.0
 * @category inputs
 */
export const UpdateEntitlementInput = z.object({
  id: Text.id,
  licenseKeys: z.array(Text.licenseKey).max(10_000).refine(
    (keys) => new Set(keys).size === keys.length,
    { message: "a licence key appears more than once" }
  ).optional(),
  subscriptionStart: Instant.nullable().optional(),
  subscriptionEnd: Instant.nullable().optional()
}).refine(
  (input) => input.licenseKeys !== undefined || input.subscriptionStart !== undefined || input.subscriptionEnd !== undefined,
  { message: "nothing to update: give licenseKeys, subscriptionStart or subscriptionEnd" }
)

/**
 * Records an entitlement's licence keys and subscription term. The term must end after it starts
 * (checked against the stored value of whichever side is not given). Keys never appear in events.
 *
 * @since 0.1.0
 * @category operations
 */
export const updateEntitlement = Operation.make({
  id: "licensing.updateEntitlement",
  summary: "Record an entitlement's licence keys and subscription start and end (end after start).",
  kind: "command",
  permission: "license.manage",
  input: UpdateEntitlementInput,
  output: EntitlementView,
  events: [EntitlementUpdated],
  handler: Effect.fn(function*({ id, licenseKeys, subscriptionStart, subscriptionEnd }) {
    const storage = yield* Storage.Storage
    const entitlement = yield* loadEntitlement(id)
    const start = subscriptionStart === undefined ? entitlement.subscriptionStart : subscriptionStart ?? undefined
    const end = subscriptionEnd === undefined ? entitlement.subscriptionEnd : subscriptionEnd ?? undefined
    if (start !== undefined && end !== undefined && Date.parse(end) <= Date.parse(start)) {
      return yield* new LicensingError({
        reason: "InvalidTerm",
        entitlementId: id,
        message: `The subscription of entitlement ${id} (${entitlement.name}) would end on ${end}, ` +
          `which is not after its start on ${start}`
      })
    }
    const { subscriptionStart: _start, subscriptionEnd: _end, ...rest } = entitlement
    const updated = yield* storage.updateOne(entitlements, {
      ...rest,
      ...(licenseKeys !== undefined ? { licenseKeys } : {}),
      ...(start !== undefined ? { subscriptionStart: start } : {}),
      ...(end !== undefined ? { subscriptionEnd: end } : {}),
      updatedAt: yield* Events.now
    })
    yield* Events.append(EntitlementUpdated.make({
      ...entitlementEvent(updated),
      subscriptionStart: start ?? null,
      subscriptionEnd: end ?? null,
      licenseKeysChanged: licenseKeys !== undefined,
      licenseKeyCount: updated.licenseKeys.length
    }))
    return viewOf(updated, yield* Clock.currentTimeMillis, defaultExpiringWithinDays, true)
  })
})

const SeatInput = z.object({ entitlementId: Text.id, assignee: Assignee })

const SeatChange = z.object({ entitlement: EntitlementView, assignment: SeatAssignment })

/**
 * Assigns a seat of an entitlement to a user or a device. Never beyond the seats bought: the
 * entitlement is written first with its version, so concurrent assigners take turns and the
 * late ones find the seats gone. Refused for an expired subscription and for an assignee that
 * already holds a seat.
 *
 * @since 0.1.0
 * @category operations
 */
export const assignSeat = Operation.make({
  id: "licensing.assignSeat",
  summary: "Assign a seat of a software entitlement to a user or a device; never beyond the seats bought.",
  kind: "command",
  permission: "license.assign",
  input: SeatInput,
  output: SeatChange,
  events: [SeatAssigned],
  handler: Effect.fn(function*({ entitlementId, assignee }) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const entitlement = yield* loadEntitlement(entitlementId)
    const refuse = (reason: LicensingErrorReason, message: string) => new LicensingError({ reason, entitlementId, assignee, message })
    const existing = yield* findAssignment(entitlementId, assignee)
    if (existing?.status === "active") {
      return yield* refuse("AlreadyAssigned", `The ${nameOf(assignee)} already holds a seat of ${entitlement.name} (entitlement ${entitlementId})`)
    }
    const moment = yield* Clock.currentTimeMillis
    if (statusAt(entitlement, moment) === "expired") {
      return yield* refuse("Expired", `The subscription of ${entitlement.name} (entitlement ${entitlementId}) ended on ${entitlement.subscriptionEnd}; no new seats can be assigned`)
    }
    if (allSeatsAssigned(entitlement)) {
      return yield* refuse(
        "NoSeatsAvailable",
        `All ${entitlement.seats} seats of ${entitlement.name} (entitlement ${entitlementId}) are assigned; release one before assigning the ${nameOf(assignee)}`
      )
    }
    const now = new Date(moment).toISOString()
    // The entitlement is written first: its version check serialises racing assigners.
    const updated = yield* storage.updateOne(entitlements, { ...entitlement, seatsAssigned: entitlement.seatsAssigned + 1, updatedAt: now })
    const active = { status: "active" as const, assignedBy: principal.userId, assignedAt: now }
    const assignment = existing === undefined
      ? yield* storage.insertOne(seatAssignments, {
        id: yield* Ids.next,
        entitlementId,
        catalogItemId: entitlement.catalogItemId,
        name: entitlement.name,
        assigneeKind: assignee.kind,
        assigneeId: assignee.id,
        ...active
      })
      : yield* storage.updateOne(seatAssignments, { ...withoutRelease(existing), ...active })
    yield* Events.append(SeatAssigned.make(seatEvent(updated, assignment)))
    return { entitlement: viewOf(updated, moment, defaultExpiringWithinDays, false), assignment }
  })
})

const withoutRelease = (assignment: SeatAssignment): SeatAssignment => {
  const { releasedAt: _at, releasedBy: _by, ...rest } = assignment
  return rest
}

/**
 * Releases the seat a user or device holds; the seat becomes free for someone else.
 *
 * @since 0.1.0
 * @category operations
 */
export const releaseSeat = Operation.make({
  id: "licensing.releaseSeat",
  summary: "Release the seat of a software entitlement a user or device holds.",
  kind: "command",
  permission: "license.assign",
  input: SeatInput,
  output: SeatChange,
  events: [SeatReleased],
  handler: Effect.fn(function*({ entitlementId, assignee }) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const entitlement = yield* loadEntitlement(entitlementId)
    const existing = yield* findAssignment(entitlementId, assignee)
    if (existing?.status !== "active") {
      return yield* new LicensingError({
        reason: "NotAssigned",
        entitlementId,
        assignee,
        message: `The ${nameOf(assignee)} holds no seat of ${entitlement.name} (entitlement ${entitlementId}) to release`
      })
    }
    const moment = yield* Clock.currentTimeMillis
    const now = new Date(moment).toISOString()
    const updated = yield* storage.updateOne(entitlements, { ...entitlement, seatsAssigned: entitlement.seatsAssigned - 1, updatedAt: now })
    const released = yield* storage.updateOne(seatAssignments, { ...existing, status: "released", releasedBy: principal.userId, releasedAt: now })
    yield* Events.append(SeatReleased.make(seatEvent(updated, released)))
    return { entitlement: viewOf(updated, moment, defaultExpiringWithinDays, false), assignment: released }
  })
})

/**
 * Reads one seat assignment, active or released.
 *
 * @since 0.1.0
 * @category operations
 */
export const getSeatAssignment = Operation.make({
  id: "licensing.getSeatAssignment",
  summary: "Read one seat assignment (active or released) by id.",
  kind: "query",
  permission: "license.read",
  input: Paging.GetInput,
  output: SeatAssignment,
  events: [],
  handler: ({ id }) => Paging.get(seatAssignments, "SeatAssignment", id)
})

/**
 * Input of {@link listSeatAssignments}: the seats of an entitlement, the seats an assignee holds,
 * or both; released seats only when asked for.
 *
 * @since 0.1.0
 * @category inputs
 */
export const ListSeatAssignmentsInput = PageInput.extend({
  entitlementId: Text.id.optional(),
  assignee: Assignee.optional(),
  includeReleased: z.boolean().default(false)
}).refine((input) => input.entitlementId !== undefined || input.assignee !== undefined, {
  message: "give an entitlementId, an assignee, or both"
})

/**
 * Lists seat assignments, oldest first: who holds the seats of an entitlement, or which seats a
 * user or device holds.
 *
 * @since 0.1.0
 * @category operations
 */
export const listSeatAssignments = Operation.make({
  id: "licensing.listSeatAssignments",
  summary: "List who holds the seats of an entitlement, or the seats a user or device holds.",
  kind: "query",
  permission: "license.read",
  input: ListSeatAssignmentsInput,
  output: pageOf(SeatAssignment),
  events: [],
  handler: Effect.fn(function*({ entitlementId, assignee, includeReleased, limit, cursor }) {
    const storage = yield* Storage.Storage
    if (entitlementId !== undefined) yield* loadEntitlement(entitlementId)
    const page = yield* storage.find(seatAssignments, {
      where: {
        ...(entitlementId !== undefined ? { entitlementId } : {}),
        ...(assignee !== undefined ? { assigneeKind: assignee.kind, assigneeId: assignee.id } : {}),
        ...(includeReleased ? {} : { status: "active" as const })
      },
      orderBy: [{ field: "assignedAt" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * The licensing module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = {
  getEntitlement,
  listEntitlements,
  updateEntitlement,
  assignSeat,
  releaseSeat,
  getSeatAssignment,
  listSeatAssignments
}

/**
 * The methods of the licensing service: one per operation of {@link operations}, taking its input
 * and giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface LicensingService extends Operation.Methods<typeof operations> {}

/**
 * The licensing service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Licensing extends Context.Service<Licensing, LicensingService>()("@procura/core/Licensing") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Licensing, operations)
}

/**
 * The collections the licensing module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [entitlements, seatAssignments] as const
