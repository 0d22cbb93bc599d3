/**
 * Decomposition: domain orders and order tasks recorded under approved lines (at once or
 * staggered), then project task oversight: the domain-order and order-task tables, project tasks
 * joined or created, field mappings, links.
 */
import { Errors, Ids, type Principal, type Storage } from "@procura/core"
import { Effect } from "effect"
import type { Config, FieldMapping } from "../Config.js"
import type * as Orders from "../Orders.js"
import { OversightError } from "../OversightError.js"
import type { Project, ProjectTask } from "../Projects.js"
import { decideAll } from "./determination.js"
import { build } from "./events.js"
import { chainsOf, link, linksFrom, loadAll, loadOrder } from "./links.js"
import { newTask } from "./projects.js"
import { applyMappings, decomposable, lineView, projectInChain, sameContent, taskFacts, taskName, templateOf, type View } from "./rules.js"
import { resync, rollUpOrders } from "./states.js"
import type { Work } from "./work.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

/** A domain order to record, under a line. */
export interface DomainOrderSpec {
  readonly lineNo: number
  readonly domain: string
  readonly name: string
  readonly attributes: Orders.Attributes
  readonly tasks: ReadonlyArray<OrderTaskSpec>
}

/** An order task to record. */
export interface OrderTaskSpec {
  readonly name: string
  readonly requestType?: string | undefined
  readonly attributes: Orders.Attributes
}

/**
 * Project tasks for a domain order or order task: the template task the table gave, in the
 * project of the chain made from that template (else the line's project). A planned task the
 * project already has is joined; otherwise a task is created.
 */
const attach = (
  work: Work,
  config: Config,
  target: { readonly chain: ReadonlyArray<Project>; readonly result: { readonly template: string; readonly task: string } },
  source: { readonly name: string; readonly parentHint?: ProjectTask | undefined },
  tasksOf: (projectId: string) => Array<ProjectTask>
) =>
  Effect.gen(function*() {
    const project = projectInChain(target.chain, target.result.template)!
    const definition = templateOf(config, target.result.template).tasks.find((t) => t.key === target.result.task)!
    const existing = tasksOf(project.id)
    const same = existing.find((t) => t.templateId === target.result.template && t.templateTaskKey === definition.key)
    if (definition.planned && same !== undefined) return { task: work.tasks.byId.get(same.id) ?? same, created: false }
    const parent = definition.parent === undefined
      ? source.parentHint?.projectId === project.id ? source.parentHint : undefined
      : existing.find((t) => t.templateId === target.result.template && t.templateTaskKey === definition.parent)
    const sequence = existing.reduce((max, t) => Math.max(max, t.sequence), 0) + 1
    const task = work.tasks.insert(
      newTask(
        work,
        project,
        { ...definition, template: target.result.template },
        yield* Ids.next,
        sequence,
        parent?.id,
        taskName(definition, source.name),
        existing
      )
    )
    existing.push(task)
    return { task, created: true }
  })

/** Field mappings onto a project task; emits an update for a task that already existed. */
const mapOnto = (work: Work, task: ProjectTask, mappings: ReadonlyArray<FieldMapping>, view: View, created: boolean) => {
  const mapped = applyMappings(task, mappings, view)
  if (sameContent(mapped, task)) return task
  const next = work.tasks.put({ ...mapped, updatedAt: work.now })
  if (!created) work.emit(build.taskUpdated(next))
  return next
}

/**
 * Records domain orders and order tasks of an order (all at once, or staggered over several
 * calls; tasks may join existing domain orders, as in-flight changes add them), then runs
 * project task oversight on them.
 */
export const decompose = (
  work: Work,
  config: Config,
  orderId: string,
  domainOrderSpecs: ReadonlyArray<DomainOrderSpec>,
  taskSpecs: ReadonlyArray<OrderTaskSpec & { readonly domainOrderId: string }>
) =>
  Effect.gen(function*() {
    const order = yield* loadOrder(work, orderId)
    work.orders.put({ ...order, updatedAt: work.now })
    const lines = yield* work.lines.find({ orderId }, (l) => l.orderId === orderId)
    const byNo = new Map(lines.map((l) => [l.lineNo, l]))
    const lineById = new Map(lines.map((l) => [l.id, l]))
    const existingDomainOrders = yield* loadAll(work.domainOrders.getMany(taskSpecs.map((t) => t.domainOrderId)), taskSpecs.map((t) => t.domainOrderId), "DomainOrder")
    const foreign = existingDomainOrders.find((d) => d.orderId !== orderId)
    if (foreign !== undefined) {
      return yield* new Errors.NotFound({
        entity: "DomainOrder",
        id: foreign.id,
        message: `DomainOrder ${foreign.id} was not found on order ${order.number ?? order.id}`
      })
    }
    const check = (line: Orders.OrderLine | undefined, lineNo: number) => {
      if (line === undefined) {
        return new OversightError({
          reason: "UnknownLine",
          id: order.id,
          message: `Order ${order.number ?? order.id} has no line ${lineNo}; its lines are ${[...byNo.keys()].toSorted((a, b) => a - b).join(", ")}`
        })
      }
      return decomposable(line) ? undefined : new OversightError({
        reason: "InvalidState",
        id: line.id,
        message: `Line ${line.lineNo} of order ${order.number ?? order.id} is ${line.state}; only approved or in-progress lines are decomposed`
      })
    }
    for (const spec of domainOrderSpecs) {
      const problem = check(byNo.get(spec.lineNo), spec.lineNo)
      if (problem !== undefined) return yield* problem
    }
    for (const d of existingDomainOrders) {
      const problem = check(lineById.get(d.orderLineId), d.lineNo)
      if (problem !== undefined) return yield* problem
    }

    // Records, not yet overseen.
    const notOverseen = { outcome: "not_overseen", reason: "the line has no project" } as const
    const newDomainOrders: Array<Orders.DomainOrder> = []
    const newTasks: Array<{ task: Orders.OrderTask; domainOrder: Orders.DomainOrder }> = []
    // Ids in creation order (they sort by time, then by this order).
    const ids = (yield* Ids.nextMany(domainOrderSpecs.reduce((n, spec) => n + 1 + spec.tasks.length, taskSpecs.length))).toSorted()
    let used = 0
    const nextId = () => ids[used++]!
    const taskOf = (domainOrder: Orders.DomainOrder, spec: OrderTaskSpec) =>
      Effect.sync((): Orders.OrderTask => ({
        id: nextId(),
        version: 0,
        orderId,
        orderLineId: domainOrder.orderLineId,
        domainOrderId: domainOrder.id,
        name: spec.name,
        ...(spec.requestType !== undefined ? { requestType: spec.requestType } : {}),
        state: "pending",
        attributes: spec.attributes,
        oversight: notOverseen,
        createdAt: work.now,
        updatedAt: work.now
      }))
    for (const spec of domainOrderSpecs) {
      const line = byNo.get(spec.lineNo)!
      const domainOrder: Orders.DomainOrder = {
        id: nextId(),
        version: 0,
        orderId,
        orderLineId: line.id,
        lineNo: line.lineNo,
        domain: spec.domain,
        name: spec.name,
        state: "pending",
        attributes: spec.attributes,
        oversight: notOverseen,
        createdAt: work.now,
        updatedAt: work.now
      }
      newDomainOrders.push(domainOrder)
      for (const taskSpec of spec.tasks) newTasks.push({ task: yield* taskOf(domainOrder, taskSpec), domainOrder })
    }
    for (const spec of taskSpecs) {
      const domainOrder = existingDomainOrders.find((d) => d.id === spec.domainOrderId)!
      newTasks.push({ task: yield* taskOf(domainOrder, spec), domainOrder })
    }

    // Project task oversight.
    const chains = yield* chainsOf(work, new Set([...newDomainOrders, ...newTasks.map((t) => t.domainOrder)].map((d) => d.orderLineId)))
    const linkedTasks = new Set<string>()
    const createdTasks: Array<ProjectTask> = []
    const chainProjects = new Set([...chains.values()].flatMap((chain) => chain.map((p) => p.id)))
    const projectTasks = Map.groupBy(
      yield* work.tasks.findIn("projectId", chainProjects, (t) => chainProjects.has(t.projectId)),
      (t) => t.projectId
    )
    const tasksOf = (projectId: string) => {
      const list = projectTasks.get(projectId) ?? []
      projectTasks.set(projectId, list)
      return list
    }
    const domainOrderTask = new Map<string, ProjectTask>()
    const earlierLinks = yield* linksFrom(work, "domain_order_project_task", existingDomainOrders.map((d) => d.id))
    const earlierTasks = new Map((yield* work.tasks.getMany(earlierLinks.map((l) => l.toId))).map((t) => [t.id, t]))
    for (const l of earlierLinks) {
      const task = earlierTasks.get(l.toId)
      if (task !== undefined) domainOrderTask.set(l.fromId, task)
    }
    const oversee = Effect.fn("Oversight.oversee")(function*<R extends Orders.DomainOrder | Orders.OrderTask>(
      kind: "domain_order" | "order_task",
      records: ReadonlyArray<{ readonly record: R; readonly domainOrder: Orders.DomainOrder }>
    ) {
      const table = kind === "domain_order" ? config.domainOrderTable : config.orderTaskTable
      const overseen = records.filter(({ record }) => (chains.get(record.orderLineId) ?? []).length > 0)
      const decisions = table === undefined ? [] : yield* decideAll(
        table,
        overseen.map(({ record, domainOrder }) => {
          const line = lineById.get(record.orderLineId)!
          return {
            id: record.id,
            what: `${kind === "domain_order" ? "Domain order" : "Order task"} ${record.name} of line ${line.lineNo}`,
            input: taskFacts(kind, record, domainOrder, line, chains.get(record.orderLineId)![0]!.templateId)
          }
        })
      )
      const overseenIds = new Set(overseen.map((o) => o.record.id))
      const results: Array<R> = records.filter(({ record }) => !overseenIds.has(record.id)).map(({ record }) => record)
      for (const [i, { record, domainOrder }] of overseen.entries()) {
        const decision = decisions[i]
        if (decision?.result === undefined) {
          results.push({ ...record, oversight: { outcome: "not_overseen", reason: decision?.reason ?? `no ${kind === "domain_order" ? "domain order" : "order task"} table is configured` } })
          continue
        }
        const line = lineById.get(record.orderLineId)!
        const { task, created } = yield* attach(work, config, { chain: chains.get(record.orderLineId)!, result: decision.result }, {
          name: record.name,
          parentHint: kind === "order_task" ? domainOrderTask.get(domainOrder.id) : undefined
        }, tasksOf)
        const view = kind === "domain_order"
          ? { name: record.name, domain: domainOrder.domain, attributes: record.attributes, line: lineView(order, line) }
          : {
            name: record.name,
            requestType: (record as Orders.OrderTask).requestType,
            domain: domainOrder.domain,
            domainOrderName: domainOrder.name,
            attributes: record.attributes,
            line: lineView(order, line)
          }
        const mapped = mapOnto(
          work,
          task,
          kind === "domain_order" ? config.fieldMappings.domainOrderToProjectTask : config.fieldMappings.orderTaskToProjectTask,
          view,
          created
        )
        if (created) createdTasks.push(mapped)
        if (kind === "domain_order") domainOrderTask.set(record.id, mapped)
        yield* link(work, kind === "domain_order" ? "domain_order_project_task" : "order_task_project_task", record.id, task.id, task.projectId, orderId)
        linkedTasks.add(task.id)
        results.push({ ...record, oversight: { outcome: "linked", reason: decision.reason, projectTaskId: task.id } })
      }
      return results
    })
    const domainOrders = (yield* oversee("domain_order", newDomainOrders.map((d) => ({ record: d, domainOrder: d })))).map((d) =>
      work.domainOrders.insert(d)
    )
    const byDomainOrderId = new Map(domainOrders.map((d) => [d.id, d]))
    const orderTasks = (yield* oversee(
      "order_task",
      newTasks.map(({ task, domainOrder }) => ({ record: task, domainOrder: byDomainOrderId.get(domainOrder.id) ?? domainOrder }))
    )).map((t) => work.orderTasks.insert(t))
    for (const task of createdTasks) work.emit(build.taskCreated(work.tasks.byId.get(task.id)!))
    for (const d of domainOrders) work.emit(build.domainOrderCreated(d))
    for (const t of orderTasks) work.emit(build.orderTaskCreated(t))

    // Domain orders that got tasks follow them (an in-flight task reopens a completed one).
    yield* rollUpOrders(work, { tasks: orderTasks.map((t) => t.id), domainOrders: [] })
    yield* resync(work, config, { tasks: [...linkedTasks] })
    return {
      domainOrders: domainOrders.map((d) => work.domainOrders.byId.get(d.id)!),
      orderTasks: orderTasks.map((t) => work.orderTasks.byId.get(t.id)!),
      projectTasks: [...linkedTasks].map((id) => work.tasks.byId.get(id)!)
    }
  })
