/**
 * The events oversight appends, in the same transaction as each change, with payload schemas.
 *
 * A later SPM connector mirrors the project side to ServiceNow by subscribing to them: each
 * project-side payload names its table (`pm_program`, `pm_project`, `pm_project_task`), carries
 * the record's id as the external key (for `correlation_id`), its parent, top project and
 * program, its state with ServiceNow's number, and the mapped fields. Project and project task
 * events share the project's aggregate (`oversight_project`), so a subscriber sees a project
 * before its tasks; order events share the order's (`oversight_order`).
 *
 * ```ts
 * const subscriber: Plugin.Subscriber = {
 *   id: "spm-connector",
 *   events: OversightEvents.projectSideTypes,
 *   handle: (event) => Effect.flatMap(OversightEvents.decode(event), (typed) => mirror(typed))
 * }
 * ```
 *
 * @since 0.1.0
 */
import { Events, type Storage } from "@procura/core"
import { Data, Effect } from "effect"
import type { NoteSubject } from "./Notes.js"

import {
  ProgramPayload,
  ProjectPayload,
  ProjectTaskPayload,
  StateChangedPayload,
  LinkPayload,
  NotePayload,
  OrderPayload,
  LineApprovedPayload,
  FulfilmentCreatedPayload,
  OrderSideStateChangedPayload
} from "./internal/payloads.js"

// ----- payloads (defined in internal/payloads.ts) ------------------------------------------------

export {
  ProgramPayload,
  ProjectPayload,
  ProjectTaskPayload,
  StateChangedPayload,
  LinkPayload,
  NotePayload,
  OrderPayload,
  LineApprovedPayload,
  FulfilmentCreatedPayload,
  OrderSideStateChangedPayload
} from "./internal/payloads.js"

// ----- the events ------------------------------------------------------------------------------

const onOrder = { aggregateType: "oversight_order", aggregateId: "orderId" } as const

/**
 * A customer order was created with its lines.
 *
 * @since 0.1.0
 * @category events
 */
export const OrderCreated = Events.define("oversight.order_created", {
  ...onOrder,
  description: "A customer order was created with its lines (lineNos).",
  payload: OrderPayload
})

/**
 * An order was changed: lines added, changed or cancelled.
 *
 * @since 0.1.0
 * @category events
 */
export const OrderChanged = Events.define("oversight.order_changed", {
  ...onOrder,
  description: "A customer order was changed (a new revision): lines added (lineNos), changed (changedLineNos) or cancelled (cancelledLineNos).",
  payload: OrderPayload
})

/**
 * One project over a whole order was asked for.
 *
 * @since 0.1.0
 * @category events
 */
export const OrderProjectRequested = Events.define("oversight.order_project_requested", {
  ...onOrder,
  description: "One project over a whole (large) customer order was asked for.",
  payload: OrderPayload
})

/**
 * An order's state changed.
 *
 * @since 0.1.0
 * @category events
 */
export const OrderStateChanged = Events.define("oversight.order_state_changed", {
  ...onOrder,
  description: "A customer order's state changed (from, to).",
  payload: OrderSideStateChangedPayload
})

/**
 * An order line was approved, with what oversight decided for it.
 *
 * @since 0.1.0
 * @category events
 */
export const OrderLineApproved = Events.define("oversight.order_line_approved", {
  ...onOrder,
  description: "An order line was approved, with what oversight decided: a project (projectId) or not eligible, and why.",
  payload: LineApprovedPayload
})

/**
 * An order line's state changed.
 *
 * @since 0.1.0
 * @category events
 */
export const OrderLineStateChanged = Events.define("oversight.order_line_state_changed", {
  ...onOrder,
  description: "An order line's state changed (from, to).",
  payload: OrderSideStateChangedPayload
})

/**
 * Decomposition created a domain order.
 *
 * @since 0.1.0
 * @category events
 */
export const DomainOrderCreated = Events.define("oversight.domain_order_created", {
  ...onOrder,
  description: "Decomposition of an approved order line created a domain order, with the project task overseeing it, if any.",
  payload: FulfilmentCreatedPayload
})

/**
 * Decomposition created an order task.
 *
 * @since 0.1.0
 * @category events
 */
export const OrderTaskCreated = Events.define("oversight.order_task_created", {
  ...onOrder,
  description: "Decomposition created an order task of a domain order, with the project task overseeing it, if any.",
  payload: FulfilmentCreatedPayload
})

/**
 * A domain order's state changed.
 *
 * @since 0.1.0
 * @category events
 */
export const DomainOrderStateChanged = Events.define("oversight.domain_order_state_changed", {
  ...onOrder,
  description: "A domain order's state changed (from, to).",
  payload: OrderSideStateChangedPayload
})

/**
 * An order task's state changed.
 *
 * @since 0.1.0
 * @category events
 */
export const OrderTaskStateChanged = Events.define("oversight.order_task_state_changed", {
  ...onOrder,
  description: "An order task's state changed (from, to).",
  payload: OrderSideStateChangedPayload
})

/**
 * A program was created (`pm_program`).
 *
 * @since 0.1.0
 * @category events
 */
export const ProgramCreated = Events.define("oversight.program_created", {
  description: "A program (pm_program) was created for an order's account.",
  aggregateType: "oversight_program",
  aggregateId: "programId",
  payload: ProgramPayload
})

/**
 * A program's state changed.
 *
 * @since 0.1.0
 * @category events
 */
export const ProgramStateChanged = Events.define("oversight.program_state_changed", {
  description: "A program's state changed, with ServiceNow's state numbers and the cause.",
  aggregateType: "oversight_program",
  aggregateId: "id",
  payload: StateChangedPayload
})

const onProject = { aggregateType: "oversight_project", aggregateId: "projectId" } as const

/**
 * A project was created (`pm_project`).
 *
 * @since 0.1.0
 * @category events
 */
export const ProjectCreated = Events.define("oversight.project_created", {
  ...onProject,
  description: "A project (pm_project) was created: for an order line, a site, or a whole order, from its template, with the mapped fields.",
  payload: ProjectPayload
})

/**
 * A project was updated.
 *
 * @since 0.1.0
 * @category events
 */
export const ProjectUpdated = Events.define("oversight.project_updated", {
  ...onProject,
  description: "A project's mapped fields changed (an order change altered its line).",
  payload: ProjectPayload
})

/**
 * A project's state changed.
 *
 * @since 0.1.0
 * @category events
 */
export const ProjectStateChanged = Events.define("oversight.project_state_changed", {
  ...onProject,
  description: "A project's state changed, with ServiceNow's state numbers and the cause (a child, a task, the user who set it).",
  payload: StateChangedPayload
})

/**
 * A project task was created (`pm_project_task`).
 *
 * @since 0.1.0
 * @category events
 */
export const ProjectTaskCreated = Events.define("oversight.project_task_created", {
  ...onProject,
  description: "A project task (pm_project_task) was created from its template task; it belongs to its project's aggregate.",
  payload: ProjectTaskPayload
})

/**
 * A project task was updated.
 *
 * @since 0.1.0
 * @category events
 */
export const ProjectTaskUpdated = Events.define("oversight.project_task_updated", {
  ...onProject,
  description: "A project task's mapped fields changed, or it was linked to an order task by hand.",
  payload: ProjectTaskPayload
})

/**
 * A project task's state changed.
 *
 * @since 0.1.0
 * @category events
 */
export const ProjectTaskStateChanged = Events.define("oversight.project_task_state_changed", {
  ...onProject,
  description: "A project task's state changed, with ServiceNow's state numbers and the cause (the order task or domain order it follows, or the user who set it).",
  payload: StateChangedPayload
})

/**
 * A relationship between the order side and the project side was recorded; the event belongs to
 * the project's aggregate.
 *
 * @since 0.1.0
 * @category events
 */
export const LinkCreated = Events.define("oversight.link_created", {
  description: "A relationship between the order side and the project side was recorded (by oversight, or by hand: manual); it belongs to the project's aggregate.",
  aggregateType: "oversight_project",
  payload: LinkPayload
})

/**
 * A note was added (or copied along a relationship); the event belongs to the order's or the
 * project's aggregate.
 *
 * @since 0.1.0
 * @category events
 */
export const NoteAdded = Events.define("oversight.note_added", {
  description: "A work note or comment was added to a record, or copied to it along a relationship (source); it belongs to the order's or the project's aggregate.",
  aggregateType: ["oversight_order", "oversight_project"],
  payload: NotePayload
})

/**
 * Every oversight event.
 *
 * @since 0.1.0
 * @category events
 */
export const events = [
  OrderCreated,
  OrderChanged,
  OrderProjectRequested,
  OrderStateChanged,
  OrderLineApproved,
  OrderLineStateChanged,
  DomainOrderCreated,
  OrderTaskCreated,
  DomainOrderStateChanged,
  OrderTaskStateChanged,
  ProgramCreated,
  ProgramStateChanged,
  ProjectCreated,
  ProjectUpdated,
  ProjectStateChanged,
  ProjectTaskCreated,
  ProjectTaskUpdated,
  ProjectTaskStateChanged,
  LinkCreated,
  NoteAdded
] as const

/**
 * An oversight event, as a subscriber reads it (see {@link decode}).
 *
 * @since 0.1.0
 * @category models
 */
export type OversightEvent = Events.EventOf<(typeof events)[number]>

/**
 * An oversight event type.
 *
 * @since 0.1.0
 * @category models
 */
export type EventType = OversightEvent["type"]

/**
 * Every oversight event type.
 *
 * @since 0.1.0
 * @category constants
 */
export const eventTypes: ReadonlyArray<EventType> = events.map((definition) => definition.type)

/**
 * The event types a project-side mirror (an SPM connector) subscribes to.
 *
 * @since 0.1.0
 * @category constants
 */
export const projectSideTypes: ReadonlyArray<EventType> = eventTypes.filter((type) =>
  type.startsWith("oversight.program_") || type.startsWith("oversight.project_") || type === "oversight.link_created" ||
  type === "oversight.note_added"
)

/**
 * A stored event is not an oversight event, or its payload does not match its type's schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class OversightEventError extends Data.TaggedError("OversightEventError")<{
  readonly eventId: string
  readonly type: string
  readonly message: string
}> {}

const decodeAny = Events.decoder(events)

/**
 * Reads a stored event as a typed oversight event, with its causation id.
 *
 * @since 0.1.0
 * @category conversions
 */
export const decode = (event: Storage.StoredEvent): Effect.Effect<OversightEvent, OversightEventError> =>
  Effect.mapError(decodeAny(event), (error) =>
    new OversightEventError({
      eventId: error.eventId,
      type: error.type,
      message: eventTypes.includes(event.type as EventType)
        ? error.message
        : `Event ${event.id} (${event.type}) is not an oversight event: one of ${eventTypes.join(", ")} was expected`
    }))

/**
 * The ServiceNow table of each note subject.
 *
 * @since 0.1.0
 * @category constants
 */
export const subjectTables: { readonly [S in NoteSubject]: string } = {
  order_line: "sn_ind_tmt_orm_order_line_item",
  domain_order: "sn_ind_tmt_orm_domain_order",
  order_task: "sn_ind_tmt_orm_order_task",
  project: "pm_project",
  project_task: "pm_project_task"
}
