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
import type { Storage } from "@procura/core"
import { Data, Effect } from "effect"
import { z } from "zod"
import { FulfilmentState, LineState, OrderState } from "./Orders.js"
import { NoteKind, NoteSubject } from "./Notes.js"
import { Fields, ProjectKind, ProjectState } from "./Projects.js"
import { LinkKind } from "./Relationships.js"

// ----- payloads --------------------------------------------------------------------------------

const Cause = z.object({ type: z.string(), id: z.string() }).describe("the record whose change caused this one")

/**
 * A program, as `pm_program` takes it.
 *
 * @since 0.1.0
 * @category models
 */
export const ProgramPayload = z.object({
  table: z.literal("pm_program"),
  programId: z.string(),
  name: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  orderId: z.string(),
  state: ProjectState,
  stateValue: z.number().int()
})

/**
 * A project (line, site or order-level), as `pm_project` takes it.
 *
 * @since 0.1.0
 * @category models
 */
export const ProjectPayload = z.object({
  table: z.literal("pm_project"),
  projectId: z.string(),
  kind: ProjectKind,
  name: z.string(),
  description: z.string().optional(),
  state: ProjectState,
  stateValue: z.number().int(),
  templateId: z.string(),
  programId: z.string(),
  parentId: z.string().optional(),
  topId: z.string(),
  accountId: z.string(),
  orderId: z.string(),
  orderLineId: z.string().optional(),
  siteLocationId: z.string().optional(),
  siteLocationName: z.string().optional(),
  fields: Fields
})

/**
 * A project task, as `pm_project_task` takes it: `parentId` is its parent task or, for a task
 * at the top, its project; `topId` the top project.
 *
 * @since 0.1.0
 * @category models
 */
export const ProjectTaskPayload = z.object({
  table: z.literal("pm_project_task"),
  projectTaskId: z.string(),
  projectId: z.string(),
  parentId: z.string(),
  parentTaskId: z.string().optional(),
  name: z.string(),
  description: z.string().optional(),
  state: ProjectState,
  stateValue: z.number().int(),
  sequence: z.number().int(),
  templateId: z.string(),
  templateTaskKey: z.string(),
  planned: z.boolean(),
  fields: Fields
})

/**
 * A state change on the project side.
 *
 * @since 0.1.0
 * @category models
 */
export const StateChangedPayload = z.object({
  table: z.enum(["pm_program", "pm_project", "pm_project_task"]),
  id: z.string(),
  projectId: z.string().optional(),
  from: ProjectState,
  to: ProjectState,
  fromValue: z.number().int(),
  toValue: z.number().int(),
  cause: Cause.optional()
})

/**
 * A relationship recorded between the order side and the project side.
 *
 * @since 0.1.0
 * @category models
 */
export const LinkPayload = z.object({
  linkId: z.string(),
  kind: LinkKind,
  fromId: z.string(),
  toId: z.string(),
  orderId: z.string().optional(),
  manual: z.boolean()
})

/**
 * A note: `journal` is the ServiceNow journal field (`work_notes` or `comments`), `table` the
 * table of its subject.
 *
 * @since 0.1.0
 * @category models
 */
export const NotePayload = z.object({
  noteId: z.string(),
  subjectType: NoteSubject,
  subjectId: z.string(),
  table: z.string(),
  journal: z.enum(["work_notes", "comments"]),
  kind: NoteKind,
  text: z.string(),
  by: z.string(),
  at: z.string(),
  source: z.object({ type: NoteSubject, id: z.string(), noteId: z.string() }).optional()
})

/**
 * An order, as created or changed.
 *
 * @since 0.1.0
 * @category models
 */
export const OrderPayload = z.object({
  orderId: z.string(),
  number: z.string().optional(),
  accountId: z.string(),
  state: OrderState,
  projectAtOrderLevel: z.boolean(),
  revision: z.number().int(),
  lineNos: z.array(z.number().int()).describe("the lines created, added, changed or cancelled"),
  cancelledLineNos: z.array(z.number().int()).optional(),
  changedLineNos: z.array(z.number().int()).optional()
})

/**
 * An order line approved, with what oversight decided for it.
 *
 * @since 0.1.0
 * @category models
 */
export const LineApprovedPayload = z.object({
  orderId: z.string(),
  orderLineId: z.string(),
  lineNo: z.number().int(),
  outcome: z.enum(["project", "not_eligible"]),
  reason: z.string(),
  projectId: z.string().optional()
})

/**
 * A domain order or order task created by decomposition.
 *
 * @since 0.1.0
 * @category models
 */
export const FulfilmentCreatedPayload = z.object({
  orderId: z.string(),
  orderLineId: z.string(),
  id: z.string(),
  domainOrderId: z.string().optional(),
  name: z.string(),
  state: FulfilmentState,
  projectTaskId: z.string().optional()
})

/**
 * A state change on the order side.
 *
 * @since 0.1.0
 * @category models
 */
export const OrderSideStateChangedPayload = z.object({
  orderId: z.string(),
  id: z.string(),
  from: z.union([FulfilmentState, LineState, OrderState]),
  to: z.union([FulfilmentState, LineState, OrderState])
})

// ----- the events ------------------------------------------------------------------------------

const event = <T extends string, P extends z.ZodType>(type: T, payload: P) => z.object({ type: z.literal(type), payload })

/**
 * Every oversight event: its type and payload.
 *
 * @since 0.1.0
 * @category models
 */
export const OversightEvent = z.discriminatedUnion("type", [
  event("oversight.order_created", OrderPayload),
  event("oversight.order_changed", OrderPayload),
  event("oversight.order_project_requested", OrderPayload),
  event("oversight.order_state_changed", OrderSideStateChangedPayload),
  event("oversight.order_line_approved", LineApprovedPayload),
  event("oversight.order_line_state_changed", OrderSideStateChangedPayload),
  event("oversight.domain_order_created", FulfilmentCreatedPayload),
  event("oversight.order_task_created", FulfilmentCreatedPayload),
  event("oversight.domain_order_state_changed", OrderSideStateChangedPayload),
  event("oversight.order_task_state_changed", OrderSideStateChangedPayload),
  event("oversight.program_created", ProgramPayload),
  event("oversight.program_state_changed", StateChangedPayload),
  event("oversight.project_created", ProjectPayload),
  event("oversight.project_updated", ProjectPayload),
  event("oversight.project_state_changed", StateChangedPayload),
  event("oversight.project_task_created", ProjectTaskPayload),
  event("oversight.project_task_updated", ProjectTaskPayload),
  event("oversight.project_task_state_changed", StateChangedPayload),
  event("oversight.link_created", LinkPayload),
  event("oversight.note_added", NotePayload)
])

/**
 * An oversight event.
 *
 * @since 0.1.0
 * @category models
 */
export type OversightEvent = z.infer<typeof OversightEvent>

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
export const eventTypes: ReadonlyArray<EventType> = OversightEvent.options.map((option) => option.shape.type.value)

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

/**
 * Reads a stored event as a typed oversight event.
 *
 * @since 0.1.0
 * @category conversions
 */
export const decode = (event: Storage.StoredEvent): Effect.Effect<OversightEvent, OversightEventError> =>
  Effect.suspend(() => {
    const parsed = OversightEvent.safeParse({ type: event.type, payload: event.payload })
    return parsed.success
      ? Effect.succeed(parsed.data)
      : Effect.fail(
        new OversightEventError({
          eventId: event.id,
          type: event.type,
          message: `Event ${event.id} (${event.type}) is not a well-formed oversight event: ${
            parsed.error.issues.map((i) => `${i.path.join(".") || "(event)"}: ${i.message}`).join("; ")
          }`
        })
      )
  })

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
