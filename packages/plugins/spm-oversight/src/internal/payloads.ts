/**
 * The payload schemas of the oversight events (re-exported by `OversightEvents`): the project
 * side's records as a connector mirrors them, links, notes, and the order side's records.
 */
import { z } from "zod"
import { FulfilmentState, LineState, OrderState } from "../Orders.js"
import { NoteKind, NoteSubject } from "../Notes.js"
import { Project, ProjectState, ProjectTask } from "../Projects.js"
import { LinkKind } from "../Relationships.js"

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
  stateValue: z.number().int(),
  ...Project.pick({
    kind: true,
    name: true,
    description: true,
    state: true,
    templateId: true,
    programId: true,
    parentId: true,
    topId: true,
    accountId: true,
    orderId: true,
    orderLineId: true,
    siteLocationId: true,
    siteLocationName: true,
    fields: true
  }).shape
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
  parentId: z.string(),
  stateValue: z.number().int(),
  ...ProjectTask.pick({
    projectId: true,
    parentTaskId: true,
    name: true,
    description: true,
    state: true,
    sequence: true,
    templateId: true,
    templateTaskKey: true,
    planned: true,
    dependsOn: true,
    plannedStart: true,
    plannedEnd: true,
    fields: true
  }).shape
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
