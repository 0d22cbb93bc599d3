/**
 * The licensing module's model: software entitlements, their seats and assignees, with the
 * collections. The module's operations (Licensing.ts) and events (LicensingEvents.ts) share it;
 * `Licensing` re-exports it.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import { Money } from "../Money.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"

/**
 * Who holds a seat: a user or a device, by the host's id for it.
 *
 * @since 0.1.0
 * @category models
 */
export const Assignee = z.object({
  kind: z.enum(["user", "device"]),
  id: Text.bounded(Text.limits.id, "an assignee needs an id")
})

/**
 * An assignee.
 *
 * @since 0.1.0
 * @category models
 */
export type Assignee = z.infer<typeof Assignee>

/**
 * An entitlement: the right to use a software item, bought on a purchase order line. `seats` is
 * the line's quantity; `seatsAssigned` never exceeds it. Without `subscriptionEnd` the licence is
 * perpetual. Timestamps are ISO-8601 UTC.
 *
 * @since 0.1.0
 * @category models
 */
export const Entitlement = z.object({
  id: z.string(),
  version: z.number().int(),
  catalogItemId: z.string(),
  name: z.string(),
  vendorId: z.string(),
  purchaseOrderId: z.string(),
  lineNo: z.number().int().positive(),
  unitCost: Money,
  seats: z.number().int().positive(),
  seatsAssigned: z.number().int().nonnegative(),
  licenseKeys: z.array(z.string()),
  subscriptionStart: z.string().optional(),
  subscriptionEnd: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string()
})

/**
 * An entitlement as stored.
 *
 * @since 0.1.0
 * @category models
 */
export type Entitlement = z.infer<typeof Entitlement>

/**
 * The status of an entitlement at a moment: `expired` once its term has ended, `expiring` when it
 * ends within the window, `active` otherwise (perpetual licences are always `active`).
 *
 * @since 0.1.0
 * @category models
 */
export const EntitlementStatus = z.enum(["active", "expiring", "expired"])

/**
 * An entitlement status.
 *
 * @since 0.1.0
 * @category models
 */
export type EntitlementStatus = z.infer<typeof EntitlementStatus>

/**
 * An entitlement as operations return it: its derived status, the seats still free and how many
 * licence keys it holds. `licenseKeys` is present only for principals who may manage licences
 * (`license.manage`).
 *
 * @since 0.1.0
 * @category models
 */
export const EntitlementView = Entitlement.omit({ licenseKeys: true }).extend({
  status: EntitlementStatus,
  seatsAvailable: z.number().int().nonnegative(),
  licenseKeyCount: z.number().int().nonnegative(),
  licenseKeys: z.array(z.string()).optional()
})

/**
 * An entitlement view.
 *
 * @since 0.1.0
 * @category models
 */
export type EntitlementView = z.infer<typeof EntitlementView>

/**
 * A seat of an entitlement held by a user or a device. There is one record per entitlement and
 * assignee: releasing marks it `released`, assigning the same assignee again makes it `active`.
 *
 * @since 0.1.0
 * @category models
 */
export const SeatAssignment = z.object({
  id: z.string(),
  version: z.number().int(),
  entitlementId: z.string(),
  catalogItemId: z.string(),
  name: z.string(),
  assigneeKind: Assignee.shape.kind,
  assigneeId: z.string(),
  status: z.enum(["active", "released"]),
  assignedBy: z.string(),
  assignedAt: z.string(),
  releasedBy: z.string().optional(),
  releasedAt: z.string().optional()
})

/**
 * A seat assignment.
 *
 * @since 0.1.0
 * @category models
 */
export type SeatAssignment = z.infer<typeof SeatAssignment>

/**
 * Where entitlements are stored: one per purchase order line.
 *
 * @since 0.1.0
 * @category collections
 */
export const entitlements = Storage.collection({
  name: "entitlements",
  schema: Entitlement,
  fields: {
    catalogItemId: "string",
    vendorId: "string",
    purchaseOrderId: "string",
    lineNo: "integer",
    subscriptionEnd: "timestamp",
    createdAt: "timestamp"
  },
  indexes: [["catalogItemId", "subscriptionEnd"], ["subscriptionEnd"]],
  unique: [["purchaseOrderId", "lineNo"]]
})

/**
 * Where seat assignments are stored: one per entitlement and assignee.
 *
 * @since 0.1.0
 * @category collections
 */
export const seatAssignments = Storage.collection({
  name: "seat_assignments",
  schema: SeatAssignment,
  fields: { entitlementId: "string", assigneeKind: "string", assigneeId: "string", status: "string", assignedAt: "timestamp" },
  indexes: [["entitlementId", "status", "assignedAt"], ["assigneeKind", "assigneeId", "status"]],
  unique: [["entitlementId", "assigneeKind", "assigneeId"]]
})
