/**
 * Builders of the events the engine appends (schemas in OversightEvents.ts).
 */
import type { Events } from "@procura/core"
import type { z } from "zod"
import type { CustomerOrder, DomainOrder, FulfilmentState, LineState, OrderLine, OrderState, OrderTask } from "../Orders.js"
import type { Note } from "../Notes.js"
import {
  DomainOrderCreated,
  DomainOrderStateChanged,
  LinkCreated,
  NoteAdded,
  OrderChanged,
  OrderCreated,
  OrderLineApproved,
  OrderLineStateChanged,
  type OrderPayload,
  OrderProjectRequested,
  OrderStateChanged,
  OrderTaskCreated,
  OrderTaskStateChanged,
  ProgramCreated,
  type ProgramPayload,
  ProgramStateChanged,
  ProjectCreated,
  type ProjectPayload,
  ProjectStateChanged,
  ProjectTaskCreated,
  type ProjectTaskPayload,
  ProjectTaskStateChanged,
  ProjectTaskUpdated,
  ProjectUpdated,
  subjectTables
} from "../OversightEvents.js"
import { type Program, type Project, type ProjectState, type ProjectTask, stateValues } from "../Projects.js"
import type { Link } from "../Relationships.js"

export const programPayload = (program: Program): z.infer<typeof ProgramPayload> => ({
  table: "pm_program",
  programId: program.id,
  name: program.name,
  accountId: program.accountId,
  accountName: program.accountName,
  orderId: program.orderId,
  state: program.state,
  stateValue: stateValues[program.state]
})

export const projectPayload = (project: Project): z.infer<typeof ProjectPayload> => ({
  table: "pm_project",
  projectId: project.id,
  kind: project.kind,
  name: project.name,
  ...(project.description !== undefined ? { description: project.description } : {}),
  state: project.state,
  stateValue: stateValues[project.state],
  templateId: project.templateId,
  programId: project.programId,
  ...(project.parentId !== undefined ? { parentId: project.parentId } : {}),
  topId: project.topId,
  accountId: project.accountId,
  orderId: project.orderId,
  ...(project.orderLineId !== undefined ? { orderLineId: project.orderLineId } : {}),
  ...(project.siteLocationId !== undefined ? { siteLocationId: project.siteLocationId } : {}),
  ...(project.siteLocationName !== undefined ? { siteLocationName: project.siteLocationName } : {}),
  fields: project.fields
})

export const projectTaskPayload = (task: ProjectTask): z.infer<typeof ProjectTaskPayload> => ({
  table: "pm_project_task",
  projectTaskId: task.id,
  projectId: task.projectId,
  parentId: task.parentTaskId ?? task.projectId,
  ...(task.parentTaskId !== undefined ? { parentTaskId: task.parentTaskId } : {}),
  name: task.name,
  ...(task.description !== undefined ? { description: task.description } : {}),
  state: task.state,
  stateValue: stateValues[task.state],
  sequence: task.sequence,
  templateId: task.templateId,
  templateTaskKey: task.templateTaskKey,
  planned: task.planned,
  ...(task.dependsOn !== undefined ? { dependsOn: task.dependsOn } : {}),
  ...(task.plannedStart !== undefined ? { plannedStart: task.plannedStart } : {}),
  ...(task.plannedEnd !== undefined ? { plannedEnd: task.plannedEnd } : {}),
  fields: task.fields
})

/** Builds the events the engine appends. */
export const build = {
  orderCreated: (order: CustomerOrder, lineNos: ReadonlyArray<number>) =>
    OrderCreated.make(orderPayload(order, { lineNos })),
  orderChanged: (order: CustomerOrder, change: { lineNos: ReadonlyArray<number>; changedLineNos: ReadonlyArray<number>; cancelledLineNos: ReadonlyArray<number> }) =>
    OrderChanged.make(orderPayload(order, change)),
  orderProjectRequested: (order: CustomerOrder) =>
    OrderProjectRequested.make(orderPayload(order, { lineNos: [] })),
  orderStateChanged: (order: CustomerOrder, from: OrderState) =>
    OrderStateChanged.make({ orderId: order.id, id: order.id, from, to: order.state }),
  lineApproved: (line: OrderLine) =>
    OrderLineApproved.make({
      orderId: line.orderId,
      orderLineId: line.id,
      lineNo: line.lineNo,
      outcome: line.oversight!.outcome,
      reason: line.oversight!.reason,
      ...(line.oversight!.projectId !== undefined ? { projectId: line.oversight!.projectId } : {})
    }),
  lineStateChanged: (line: OrderLine, from: LineState) =>
    OrderLineStateChanged.make({ orderId: line.orderId, id: line.id, from, to: line.state }),
  domainOrderCreated: (record: DomainOrder) =>
    DomainOrderCreated.make({
      orderId: record.orderId,
      orderLineId: record.orderLineId,
      id: record.id,
      name: record.name,
      state: record.state,
      ...(record.oversight.projectTaskId !== undefined ? { projectTaskId: record.oversight.projectTaskId } : {})
    }),
  orderTaskCreated: (record: OrderTask) =>
    OrderTaskCreated.make({
      orderId: record.orderId,
      orderLineId: record.orderLineId,
      id: record.id,
      domainOrderId: record.domainOrderId,
      name: record.name,
      state: record.state,
      ...(record.oversight.projectTaskId !== undefined ? { projectTaskId: record.oversight.projectTaskId } : {})
    }),
  fulfilmentStateChanged: (kind: "domain_order" | "order_task", record: DomainOrder | OrderTask, from: FulfilmentState) =>
    (kind === "domain_order" ? DomainOrderStateChanged : OrderTaskStateChanged).make({ orderId: record.orderId, id: record.id, from, to: record.state }),
  programCreated: (program: Program) => ProgramCreated.make(programPayload(program)),
  projectCreated: (project: Project) => ProjectCreated.make(projectPayload(project)),
  projectUpdated: (project: Project) => ProjectUpdated.make(projectPayload(project)),
  taskCreated: (task: ProjectTask) => ProjectTaskCreated.make(projectTaskPayload(task)),
  taskUpdated: (task: ProjectTask) => ProjectTaskUpdated.make(projectTaskPayload(task)),
  stateChanged: (
    target: { readonly type: "program"; readonly record: Program } | { readonly type: "project"; readonly record: Project } | {
      readonly type: "project_task"
      readonly record: ProjectTask
    },
    from: ProjectState,
    cause?: { readonly type: string; readonly id: string }
  ): Events.Pending<"oversight.program_state_changed" | "oversight.project_state_changed" | "oversight.project_task_state_changed"> => {
    const { record } = target
    const common = {
      id: record.id,
      from,
      to: record.state,
      fromValue: stateValues[from],
      toValue: stateValues[record.state],
      ...(cause !== undefined ? { cause: { type: cause.type, id: cause.id } } : {})
    }
    switch (target.type) {
      case "program":
        return ProgramStateChanged.make({ table: "pm_program", ...common })
      case "project":
        return ProjectStateChanged.make({ table: "pm_project", projectId: record.id, ...common })
      case "project_task":
        return ProjectTaskStateChanged.make({
          table: "pm_project_task",
          projectId: target.record.projectId,
          ...common
        })
    }
  },
  linked: (link: Link, projectId: string) =>
    LinkCreated.make({
      linkId: link.id,
      kind: link.kind,
      fromId: link.fromId,
      toId: link.toId,
      ...(link.orderId !== undefined ? { orderId: link.orderId } : {}),
      manual: link.manual
    }, { id: projectId }),
  noteAdded: (note: Note, aggregate: { readonly type: string; readonly id: string }) =>
    NoteAdded.make({
      noteId: note.id,
      subjectType: note.subjectType,
      subjectId: note.subjectId,
      table: subjectTables[note.subjectType],
      journal: note.kind === "work_note" ? "work_notes" : "comments",
      kind: note.kind,
      text: note.text,
      by: note.by,
      at: note.at,
      ...(note.sourceType !== undefined && note.sourceId !== undefined && note.sourceNoteId !== undefined
        ? { source: { type: note.sourceType, id: note.sourceId, noteId: note.sourceNoteId } }
        : {})
    }, aggregate)
}

function orderPayload(
  order: CustomerOrder,
  change: { lineNos: ReadonlyArray<number>; changedLineNos?: ReadonlyArray<number>; cancelledLineNos?: ReadonlyArray<number> }
): z.infer<typeof OrderPayload> {
  return {
    orderId: order.id,
    ...(order.number !== undefined ? { number: order.number } : {}),
    accountId: order.accountId,
    state: order.state,
    projectAtOrderLevel: order.projectAtOrderLevel,
    revision: order.revision,
    lineNos: [...change.lineNos],
    ...(change.changedLineNos !== undefined ? { changedLineNos: [...change.changedLineNos] } : {}),
    ...(change.cancelledLineNos !== undefined ? { cancelledLineNos: [...change.cancelledLineNos] } : {})
  }
}
