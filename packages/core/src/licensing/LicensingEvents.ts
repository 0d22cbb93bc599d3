/**
 * The events of software entitlements. Each belongs to the entitlement's aggregate
 * (`entitlement`) and carries the purchase order line it was bought on. Licence keys are never in
 * a payload (only whether they changed and how many there are).
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Events from "../Events.js"
import { Money } from "../Money.js"
import { Assignee } from "./LicensingModel.js"

const EntitlementEvent = z.object({
  entitlementId: z.string(),
  purchaseOrderId: z.string(),
  lineNo: z.number().int(),
  catalogItemId: z.string()
})

/**
 * A software line of a submitted purchase order became an entitlement.
 *
 * @since 0.1.0
 * @category events
 */
export const EntitlementCreated = Events.define("entitlement.created", {
  description: "A software line of a purchase order became an entitlement when the order was submitted (or the line was added to a submitted order): one seat per unit ordered.",
  aggregateType: "entitlement",
  aggregateId: "entitlementId",
  payload: EntitlementEvent.extend({ name: z.string(), vendorId: z.string(), seats: z.number().int(), unitCost: Money })
})

/**
 * A revision of its purchase order line changed an entitlement's seats or unit cost.
 *
 * @since 0.1.0
 * @category events
 */
export const EntitlementRevised = Events.define("entitlement.revised", {
  description: "A revision of the purchase order line changed the entitlement's seats or unit cost.",
  aggregateType: "entitlement",
  aggregateId: "entitlementId",
  payload: EntitlementEvent.extend({ seatsBefore: z.number().int(), seats: z.number().int(), unitCost: Money })
})

/**
 * An entitlement's licence keys or subscription term were recorded (`licensing.updateEntitlement`).
 *
 * @since 0.1.0
 * @category events
 */
export const EntitlementUpdated = Events.define("entitlement.updated", {
  description: "An entitlement's licence keys or subscription term were recorded. The keys are not in the payload: whether they changed and how many there are.",
  aggregateType: "entitlement",
  aggregateId: "entitlementId",
  payload: EntitlementEvent.extend({
    subscriptionStart: z.string().nullable().describe("ISO-8601 UTC; null: none"),
    subscriptionEnd: z.string().nullable().describe("ISO-8601 UTC; null: none"),
    licenseKeysChanged: z.boolean(),
    licenseKeyCount: z.number().int()
  })
})

const SeatChange = EntitlementEvent.extend({
  assignmentId: z.string(),
  assignee: Assignee,
  seats: z.number().int().describe("seats bought"),
  seatsAssigned: z.number().int().describe("seats assigned after the change")
})

/**
 * A seat was assigned to a user or a device (`licensing.assignSeat`).
 *
 * @since 0.1.0
 * @category events
 */
export const SeatAssigned = Events.define("entitlement.seat_assigned", {
  description: "A seat of an entitlement was assigned to a user or a device.",
  aggregateType: "entitlement",
  aggregateId: "entitlementId",
  payload: SeatChange
})

/**
 * A seat was released (`licensing.releaseSeat`).
 *
 * @since 0.1.0
 * @category events
 */
export const SeatReleased = Events.define("entitlement.seat_released", {
  description: "The seat a user or device held was released; it is free for someone else.",
  aggregateType: "entitlement",
  aggregateId: "entitlementId",
  payload: SeatChange
})

/**
 * Every event of licensing.
 *
 * @since 0.1.0
 * @category events
 */
export const events = [EntitlementCreated, EntitlementRevised, EntitlementUpdated, SeatAssigned, SeatReleased] as const
