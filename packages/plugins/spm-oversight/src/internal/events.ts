/**
 * Builders of the events the engine appends (schemas in OversightEvents.ts).
 */
import type { Events } from "@procura/core"
import type { z } from "zod"
import type { CustomerOrder, DomainOrder, FulfilmentState, LineState, OrderLine, OrderState, OrderTask } from "../Orders.js"
import type { Note } from "../Notes.js"
import { type EventType, type OrderPayload, type OversightEvent, type ProgramPayload, type ProjectPayload, type ProjectTaskPayload, subjectTables } from "../OversightEvents.js"
import { type Program, type Project, type ProjectState, type ProjectTask, stateValues } from "../Projects.js"
import type { Link } from "../Relationships.js"

type Spec<T extends EventType> = Events.EventSpec & { readonly type: T }

const spec = <T extends EventType>(
  type: T,
  aggregateType: string,
  aggregateId: string,
  payload: Extract<OversightEvent, { type: T }>["payload"]
): Spec<T> => ({ type, aggregateType, aggregateId, payload })

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
  fields: task.fields
})

/** Builds the events the engine appends. */
export const build = {
  orderCreated: (order: CustomerOrder, lineNos: ReadonlyArray<number>) =>
    spec("oversight.order_created", "oversight_order", order.id, orderPayload(order, { lineNos })),
  orderChanged: (order: CustomerOrder, change: { lineNos: ReadonlyArray<number>; changedLineNos: ReadonlyArray<number>; cancelledLineNos: ReadonlyArray<number> }) =>
    spec("oversight.order_changed", "oversight_order", order.id, orderPayload(order, change)),
  orderProjectRequested: (order: CustomerOrder) =>
    spec("oversight.order_project_requested", "oversight_order", order.id, orderPayload(order, { lineNos: [] })),
  orderStateChanged: (order: CustomerOrder, from: OrderState) =>
    spec("oversight.order_state_changed", "oversight_order", order.id, { orderId: order.id, id: order.id, from, to: order.state }),
  lineApproved: (line: OrderLine) =>
    spec("oversight.order_line_approved", "oversight_order", line.orderId, {
      orderId: line.orderId,
      orderLineId: line.id,
      lineNo: line.lineNo,
      outcome: line.oversight!.outcome,
      reason: line.oversight!.reason,
      ...(line.oversight!.projectId !== undefined ? { projectId: line.oversight!.projectId } : {})
    }),
  lineStateChanged: (line: OrderLine, from: LineState) =>
    spec("oversight.order_line_state_changed", "oversight_order", line.orderId, { orderId: line.orderId, id: line.id, from, to: line.state }),
  domainOrderCreated: (record: DomainOrder) =>
    spec("oversight.domain_order_created", "oversight_order", record.orderId, {
      orderId: record.orderId,
      orderLineId: record.orderLineId,
      id: record.id,
      name: record.name,
      state: record.state,
      ...(record.oversight.projectTaskId !== undefined ? { projectTaskId: record.oversight.projectTaskId } : {})
    }),
  orderTaskCreated: (record: OrderTask) =>
    spec("oversight.order_task_created", "oversight_order", record.orderId, {
      orderId: record.orderId,
      orderLineId: record.orderLineId,
      id: record.id,
      domainOrderId: record.domainOrderId,
      name: record.name,
      state: record.state,
      ...(record.oversight.projectTaskId !== undefined ? { projectTaskId: record.oversight.projectTaskId } : {})
    }),
  fulfilmentStateChanged: (kind: "domain_order" | "order_task", record: DomainOrder | OrderTask, from: FulfilmentState) =>
    spec(
      kind === "domain_order" ? "oversight.domain_order_state_changed" : "oversight.order_task_state_changed",
      "oversight_order",
      record.orderId,
      { orderId: record.orderId, id: record.id, from, to: record.state }
    ),
  programCreated: (program: Program) => spec("oversight.program_created", "oversight_program", program.id, programPayload(program)),
  projectCreated: (project: Project) => spec("oversight.project_created", "oversight_project", project.id, projectPayload(project)),
  projectUpdated: (project: Project) => spec("oversight.project_updated", "oversight_project", project.id, projectPayload(project)),
  taskCreated: (task: ProjectTask) => spec("oversight.project_task_created", "oversight_project", task.projectId, projectTaskPayload(task)),
  taskUpdated: (task: ProjectTask) => spec("oversight.project_task_updated", "oversight_project", task.projectId, projectTaskPayload(task)),
  stateChanged: (
    target: { readonly type: "program"; readonly record: Program } | { readonly type: "project"; readonly record: Project } | {
      readonly type: "project_task"
      readonly record: ProjectTask
    },
    from: ProjectState,
    cause?: { readonly type: string; readonly id: string }
  ) => {
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
        return spec("oversight.program_state_changed", "oversight_program", record.id, { table: "pm_program", ...common })
      case "project":
        return spec("oversight.project_state_changed", "oversight_project", record.id, { table: "pm_project", projectId: record.id, ...common })
      case "project_task":
        return spec("oversight.project_task_state_changed", "oversight_project", target.record.projectId, {
          table: "pm_project_task",
          projectId: target.record.projectId,
          ...common
        })
    }
  },
  linked: (link: Link, projectId: string) =>
    spec("oversight.link_created", "oversight_project", projectId, {
      linkId: link.id,
      kind: link.kind,
      fromId: link.fromId,
      toId: link.toId,
      ...(link.orderId !== undefined ? { orderId: link.orderId } : {}),
      manual: link.manual
    }),
  noteAdded: (note: Note, aggregate: { readonly type: string; readonly id: string }) =>
    spec("oversight.note_added", aggregate.type, aggregate.id, {
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
    })
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
