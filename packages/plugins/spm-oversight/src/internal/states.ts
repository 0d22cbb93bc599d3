/**
 * States on both sides, on a unit of work: the order side rolls up (order tasks, domain orders,
 * lines, orders); the project side follows (project tasks, projects, programs), through the state
 * mapping and with auto-closure cascading upward.
 */
import type { Principal, Storage } from "@procura/core"
import { Effect } from "effect"
import type { Config } from "../Config.js"
import * as Orders from "../Orders.js"
import { OversightError } from "../OversightError.js"
import { derive } from "../Projects.js"
import { build } from "./events.js"
import { linksFrom, linksTo } from "./links.js"
import { decomposable, orderStateOf, projectTaskState, transitionProblem, withState } from "./rules.js"
import type { Work } from "./work.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

/**
 * Rolls changes up the order side: the domain orders of changed tasks follow their tasks, the
 * lines of changed domain orders follow theirs, the orders of changed lines follow theirs. A
 * parent of a changed child is always rewritten, so concurrent changes of siblings take turns.
 * Gives the domain orders whose state changed (with those changed directly).
 */
export const rollUpOrders = (work: Work, changed: { readonly tasks: ReadonlyArray<string>; readonly domainOrders: ReadonlyArray<string> }) =>
  Effect.gen(function*() {
    const tasks = yield* work.orderTasks.getMany(changed.tasks)
    const domainOrderIds = new Set(tasks.map((t) => t.domainOrderId))
    const changedDomainOrders = new Set(changed.domainOrders)
    const siblings = Map.groupBy(yield* work.orderTasks.findIn("domainOrderId", domainOrderIds, (t) => domainOrderIds.has(t.domainOrderId)), (t) => t.domainOrderId)
    for (const domainOrder of yield* work.domainOrders.getMany(domainOrderIds)) {
      const next = Orders.rollUp((siblings.get(domainOrder.id) ?? []).map((t) => t.state)) ?? domainOrder.state
      const written = work.domainOrders.put({ ...domainOrder, state: next, updatedAt: work.now })
      if (next !== domainOrder.state) {
        work.emit(build.fulfilmentStateChanged("domain_order", written, domainOrder.state))
        changedDomainOrders.add(domainOrder.id)
      }
    }
    const lineIds = new Set((yield* work.domainOrders.getMany(changedDomainOrders)).map((d) => d.orderLineId))
    const domainOrdersOfLines = Map.groupBy(yield* work.domainOrders.findIn("orderLineId", lineIds, (d) => lineIds.has(d.orderLineId)), (d) => d.orderLineId)
    const changedLines = new Set<string>()
    for (const line of yield* work.lines.getMany(lineIds)) {
      if (!decomposable(line)) continue
      const rolled = Orders.rollUp((domainOrdersOfLines.get(line.id) ?? []).map((d) => d.state))
      const next: Orders.LineState = rolled === "in_progress" || rolled === "completed" || rolled === "cancelled" ? rolled : line.state
      const written = work.lines.put({ ...line, state: next, updatedAt: work.now })
      if (next !== line.state) {
        work.emit(build.lineStateChanged(written, line.state))
        changedLines.add(line.id)
      }
    }
    yield* rollUpOrderStates(work, changedLines)
    return changedDomainOrders
  })

/** The orders of changed lines follow their lines. */
export const rollUpOrderStates = (work: Work, changedLines: Iterable<string>) =>
  Effect.gen(function*() {
    const orderIds = new Set((yield* work.lines.getMany(changedLines)).map((l) => l.orderId))
    for (const order of yield* work.orders.getMany(orderIds)) {
      const lines = yield* work.lines.find({ orderId: order.id }, (l) => l.orderId === order.id)
      const next = orderStateOf(lines, order.state)
      const written = work.orders.put({ ...order, state: next, updatedAt: work.now })
      if (next !== order.state) work.emit(build.orderStateChanged(written, order.state))
    }
  })

// ----- states: the project side ------------------------------------------------------------------

/**
 * Brings project tasks, projects and programs up to date with what they follow, from the given
 * starting points upward: tasks (their linked order tasks and domain orders, their child tasks),
 * then their parents, their projects, the projects above, the programs. Every record reached is
 * rewritten (so concurrent changes below one parent take turns); those whose state changed get
 * an event naming the cause.
 */
export const resync = (
  work: Work,
  config: Config,
  start: {
    readonly tasks?: ReadonlyArray<string>
    readonly projects?: ReadonlyArray<string>
    readonly programs?: ReadonlyArray<string>
    /** What changed below each starting point, for the events. */
    readonly causes?: ReadonlyMap<string, { readonly type: string; readonly id: string }>
  }
) =>
  Effect.gen(function*() {
    const autoClose = config.properties.autoClose
    const causes = new Map<string, { readonly type: string; readonly id: string }>(start.causes ?? [])
    const projectQueue = new Set(start.projects ?? [])
    const programQueue = new Set(start.programs ?? [])
    let taskQueue = new Set(start.tasks ?? [])

    while (taskQueue.size > 0) {
      const ids = taskQueue
      taskQueue = new Set()
      const tasks = yield* work.tasks.getMany(ids)
      const taskLinks = [...(yield* linksTo(work, "order_task_project_task", ids)), ...(yield* linksTo(work, "domain_order_project_task", ids))]
      const orderTasks = new Map((yield* work.orderTasks.getMany(taskLinks.filter((l) => l.kind === "order_task_project_task").map((l) => l.fromId))).map((t) => [t.id, t]))
      const domainOrders = new Map((yield* work.domainOrders.getMany(taskLinks.filter((l) => l.kind === "domain_order_project_task").map((l) => l.fromId))).map((d) => [d.id, d]))
      const children = Map.groupBy(
        yield* work.tasks.findIn("parentTaskId", ids, (t) => t.parentTaskId !== undefined && ids.has(t.parentTaskId)),
        (t) => t.parentTaskId!
      )
      const linksByTask = Map.groupBy(taskLinks, (l) => l.toId)
      for (const task of tasks) {
        const linked = (linksByTask.get(task.id) ?? []).flatMap((l) => {
          const state = (orderTasks.get(l.fromId) ?? domainOrders.get(l.fromId))?.state
          return state === undefined ? [] : [state]
        })
        const next = projectTaskState(config, task.state, linked, (children.get(task.id) ?? []).map((c) => c.state))
        const written = work.tasks.put(withState(task, next, work.now))
        if (next === task.state) continue
        work.emit(build.stateChanged({ type: "project_task", record: written }, task.state, causes.get(task.id)))
        const cause = { type: "project_task", id: task.id }
        if (task.parentTaskId !== undefined) {
          taskQueue.add(task.parentTaskId)
          causes.set(task.parentTaskId, cause)
        } else {
          projectQueue.add(task.projectId)
          causes.set(task.projectId, cause)
        }
      }
    }

    let projects = new Set(projectQueue)
    while (projects.size > 0) {
      const ids = projects
      projects = new Set()
      const records = yield* work.projects.getMany(ids)
      const rootTasks = Map.groupBy(
        yield* work.tasks.findIn("projectId", ids, (t) => ids.has(t.projectId) && t.parentTaskId === undefined, { parentTaskId: null }),
        (t) => t.projectId
      )
      const childProjects = Map.groupBy(
        yield* work.projects.findIn("parentId", ids, (p) => p.parentId !== undefined && ids.has(p.parentId)),
        (p) => p.parentId!
      )
      for (const project of records) {
        const followed = [...(rootTasks.get(project.id) ?? []).map((t) => t.state), ...(childProjects.get(project.id) ?? []).map((p) => p.state)]
        const next = derive(project.state, followed, autoClose)
        const written = work.projects.put(withState(project, next, work.now))
        if (next === project.state) continue
        work.emit(build.stateChanged({ type: "project", record: written }, project.state, causes.get(project.id)))
        const cause = { type: "project", id: project.id }
        if (project.parentId !== undefined) {
          projects.add(project.parentId)
          causes.set(project.parentId, cause)
        } else {
          programQueue.add(project.programId)
          causes.set(project.programId, cause)
        }
      }
    }

    if (programQueue.size > 0) {
      const tops = yield* work.projects.findIn("programId", programQueue, (p) => programQueue.has(p.programId) && p.parentId === undefined, { parentId: null })
      for (const program of yield* work.programs.getMany(programQueue)) {
        const next = derive(program.state, tops.filter((p) => p.programId === program.id).map((p) => p.state), autoClose)
        const written = work.programs.put(withState(program, next, work.now))
        if (next !== program.state) work.emit(build.stateChanged({ type: "program", record: written }, program.state, causes.get(program.id)))
      }
    }
  })

/** The project tasks linked to these order tasks and domain orders. */
export const tasksLinkedTo = (work: Work, orderTaskIds: Iterable<string>, domainOrderIds: Iterable<string>) =>
  Effect.gen(function*() {
    const links = [...(yield* linksFrom(work, "order_task_project_task", orderTaskIds)), ...(yield* linksFrom(work, "domain_order_project_task", domainOrderIds))]
    const causes = new Map<string, { type: string; id: string }>()
    for (const l of links) {
      if (!causes.has(l.toId)) causes.set(l.toId, { type: l.kind === "order_task_project_task" ? "order_task" : "domain_order", id: l.fromId })
    }
    return causes
  })

/** Resyncs the project tasks linked to changed order tasks and domain orders, each naming its cause. */
export const syncFromOrders = (work: Work, config: Config, orderTaskIds: Iterable<string>, domainOrderIds: Iterable<string>) =>
  Effect.gen(function*() {
    const causes = yield* tasksLinkedTo(work, orderTaskIds, domainOrderIds)
    yield* resync(work, config, { tasks: [...causes.keys()], causes })
  })

/** Sets a fulfilment state, checking the transition. */
export const transition = <R extends Orders.DomainOrder | Orders.OrderTask>(record: R, to: Orders.FulfilmentState, what: string) => {
  const problem = transitionProblem(record.state, to, what)
  return problem === undefined ? Effect.void : Effect.fail(new OversightError({ reason: "InvalidTransition", id: record.id, message: problem }))
}
