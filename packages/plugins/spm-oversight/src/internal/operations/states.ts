/**
 * State sync and closure: order task and domain order states, which the linked project tasks,
 * projects and programs follow (auto-closure), and project-side states set by hand.
 */
import { Operation, type Principal, type Storage } from "@procura/core"
import { Effect } from "effect"
import { z } from "zod"
import * as Orders from "../../Orders.js"
import { OversightError } from "../../OversightError.js"
import * as OversightEvents from "../../OversightEvents.js"
import * as Projects from "../../Projects.js"
import { OversightConfig } from "../config.js"
import * as Engine from "../engine.js"
import { build } from "../events.js"
import { RecordId, unique, command } from "./shared.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

const stateEvents = [
  OversightEvents.OrderTaskStateChanged,
  OversightEvents.DomainOrderStateChanged,
  OversightEvents.OrderLineStateChanged,
  OversightEvents.OrderStateChanged,
  OversightEvents.ProjectTaskStateChanged,
  OversightEvents.ProjectStateChanged,
  OversightEvents.ProgramStateChanged
]

export const setOrderTaskStates = Operation.make({
  id: "spm-oversight.setOrderTaskStates",
  summary: "Move order tasks to new states; their domain orders, lines and order follow, and so do the linked project tasks, at once (auto-closure cascades upward).",
  kind: "command",
  permission: "spm-oversight/order.fulfil",
  input: z.object({
    changes: z.array(z.object({ orderTaskId: RecordId, state: Orders.FulfilmentState })).min(1).max(1000)
      .refine((changes) => unique(changes, (c) => c.orderTaskId), { message: "an order task is named twice" })
  }),
  output: z.object({ orderTasks: z.array(Orders.OrderTask), projectTasks: z.array(Projects.ProjectTask) }),
  events: stateEvents,
  handler: Effect.fn("Oversight.setOrderTaskStates")(function*({ changes }) {
    const config = yield* OversightConfig.current
    const ids = changes.map((c) => c.orderTaskId)
    const work = yield* command((work) =>
      Effect.gen(function*() {
        const tasks = new Map((yield* Engine.loadAll(work.orderTasks.getMany(ids), ids, "OrderTask")).map((t) => [t.id, t]))
        for (const change of changes) {
          const task = tasks.get(change.orderTaskId)!
          yield* Engine.transition(task, change.state, `Order task ${task.name}`)
        }
        for (const change of changes) {
          const task = tasks.get(change.orderTaskId)!
          work.emit(build.fulfilmentStateChanged("order_task", work.orderTasks.put({ ...task, state: change.state, updatedAt: work.now }), task.state))
        }
        const domainOrders = yield* Engine.rollUpOrders(work, { tasks: ids, domainOrders: [] })
        yield* Engine.syncFromOrders(work, config, ids, domainOrders)
      })
    )
    const linked = yield* Engine.tasksLinkedTo(work, ids, [])
    return {
      orderTasks: ids.map((id) => work.orderTasks.byId.get(id)!),
      projectTasks: [...linked.keys()].map((id) => work.tasks.byId.get(id)!)
    }
  })
})

export const setDomainOrderState = Operation.make({
  id: "spm-oversight.setDomainOrderState",
  summary: "Move a domain order without order tasks to a new state; its line and order follow, and so do the linked project tasks.",
  kind: "command",
  permission: "spm-oversight/order.fulfil",
  input: z.object({ domainOrderId: RecordId, state: Orders.FulfilmentState }),
  output: Orders.DomainOrder,
  events: stateEvents,
  handler: Effect.fn("Oversight.setDomainOrderState")(function*({ domainOrderId, state }) {
    const config = yield* OversightConfig.current
    const work = yield* command((work) =>
      Effect.gen(function*() {
        const [domainOrder] = yield* Engine.loadAll(work.domainOrders.getMany([domainOrderId]), [domainOrderId], "DomainOrder")
        const tasks = yield* work.orderTasks.find({ domainOrderId }, (t) => t.domainOrderId === domainOrderId)
        if (tasks.length > 0) {
          return yield* new OversightError({
            reason: "DerivedState",
            id: domainOrderId,
            message: `Domain order ${domainOrder!.name} follows its ${tasks.length} order task(s); change their states instead`
          })
        }
        yield* Engine.transition(domainOrder!, state, `Domain order ${domainOrder!.name}`)
        work.emit(build.fulfilmentStateChanged("domain_order", work.domainOrders.put({ ...domainOrder!, state, updatedAt: work.now }), domainOrder!.state))
        yield* Engine.rollUpOrders(work, { tasks: [], domainOrders: [domainOrderId] })
        yield* Engine.syncFromOrders(work, config, [], [domainOrderId])
      })
    )
    return work.domainOrders.byId.get(domainOrderId)!
  })
})


export const setProjectState = Operation.make({
  id: "spm-oversight.setProjectState",
  summary: "Set the state of a program, project or project task by hand (close or skip what does not close by itself); the records above follow.",
  kind: "command",
  permission: "spm-oversight/project.manage",
  input: z.object({ type: z.enum(["program", "project", "project_task"]), id: RecordId, state: Projects.ProjectState }),
  output: z.object({ program: Projects.Program.optional(), project: Projects.Project.optional(), projectTask: Projects.ProjectTask.optional() }),
  events: [OversightEvents.ProgramStateChanged, OversightEvents.ProjectStateChanged, OversightEvents.ProjectTaskStateChanged],
  handler: Effect.fn("Oversight.setProjectState")(function*({ type, id, state }) {
    const config = yield* OversightConfig.current
    const same = (current: Projects.ProjectState) =>
      current === state
        ? Effect.fail(new OversightError({ reason: "InvalidTransition", id, message: `The ${type.replace("_", " ")} ${id} is already ${state}` }))
        : Effect.void
    const work = yield* command((work) =>
      Effect.gen(function*() {
        const manual = { type: "manual", id: work.principal.userId }
        if (type === "project_task") {
          const [task] = yield* Engine.loadAll(work.tasks.getMany([id]), [id], "ProjectTask")
          yield* same(task!.state)
          work.emit(build.stateChanged({ type, record: work.tasks.put(Engine.withState(task!, state, work.now)) }, task!.state, manual))
          const up = new Map([[task!.parentTaskId ?? task!.projectId, { type, id }]])
          yield* Engine.resync(work, config, task!.parentTaskId !== undefined ? { tasks: [task!.parentTaskId], causes: up } : { projects: [task!.projectId], causes: up })
        } else if (type === "project") {
          const [project] = yield* Engine.loadAll(work.projects.getMany([id]), [id], "Project")
          yield* same(project!.state)
          work.emit(build.stateChanged({ type, record: work.projects.put(Engine.withState(project!, state, work.now)) }, project!.state, manual))
          const up = new Map([[project!.parentId ?? project!.programId, { type, id }]])
          yield* Engine.resync(work, config, project!.parentId !== undefined ? { projects: [project!.parentId], causes: up } : { programs: [project!.programId], causes: up })
        } else {
          const [program] = yield* Engine.loadAll(work.programs.getMany([id]), [id], "Program")
          yield* same(program!.state)
          work.emit(build.stateChanged({ type, record: work.programs.put(Engine.withState(program!, state, work.now)) }, program!.state, manual))
        }
      })
    )
    return type === "program"
      ? { program: work.programs.byId.get(id)! }
      : type === "project"
      ? { project: work.projects.byId.get(id)! }
      : { projectTask: work.tasks.byId.get(id)! }
  })
})

