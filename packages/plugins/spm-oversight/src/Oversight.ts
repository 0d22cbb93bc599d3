/**
 * The oversight operations and service (seed 001): customer orders and their fulfilment on one
 * side, programs, projects and project tasks on the other, kept in step at once.
 *
 * The flow, operation by operation:
 *
 * 1. `createOrder`: an order for an account, with lines (product offering, site location,
 *    quantity, action add/change/delete).
 * 2. `approveOrderLines`: approval starts oversight. Each line is checked against the order-line
 *    table; eligible lines get a project from the template the table names, with its planned
 *    tasks (several eligible lines: several projects). When at least one line project is made,
 *    the account gets a program (reused, or one per order) and each site location a site project
 *    from the site table (reused, or one per order), the line projects under it; a large order
 *    gets one order-level project instead, the line projects under it.
 * 3. `recordDecomposition`: domain orders and order tasks (at once, or staggered; tasks may join
 *    earlier domain orders, as in-flight changes add them). The domain-order and order-task
 *    tables name a template task: the record joins the project's planned task for it, or a task
 *    is made; field mappings copy attributes onto it.
 * 4. `setOrderTaskStates`, `setDomainOrderState`: state changes reach the linked project tasks
 *    in the same transaction (through the state mapping) and roll upward; with auto-closure a
 *    project task closes once everything it follows is complete or cancelled, then its project,
 *    the project above, the program.
 * 5. `addNote`: work notes and comments on lines, domain orders and order tasks are copied to
 *    the linked project and project tasks at once.
 * 6. `changeOrder`: in-flight changes (add, change, cancel lines).
 *
 * Every operation is authorised by a plugin permission (see `Roles`), every record is scoped to
 * the caller's tenant, and every change appends its events (see `OversightEvents`).
 *
 * @since 0.1.0
 */
import { Errors, Ids, Operation, Paging, type Principal, Storage, Text } from "@procura/core"
import { Context, Effect } from "effect"
import { z } from "zod"
import type { Config } from "./Config.js"
import { Template } from "./Config.js"
import * as Notes from "./Notes.js"
import * as Orders from "./Orders.js"
import { OversightError } from "./OversightError.js"
import * as OversightEvents from "./OversightEvents.js"
import * as Projects from "./Projects.js"
import * as Relationships from "./Relationships.js"
import * as Engine from "./internal/engine.js"
import { build } from "./internal/events.js"
import { begin, commit, findAll, type Work } from "./internal/work.js"

// ----- inputs ----------------------------------------------------------------------------------

/**
 * What the oversight service's relationship lookups need: storage and the caller.
 *
 * @since 0.1.0
 * @category models
 */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

/** The id of a record oversight stores (an order, a line, a project, ...). */
const RecordId = Text.id
const Named = z.object({ id: Text.externalId, name: Text.name })

/**
 * One line of a new order.
 *
 * @since 0.1.0
 * @category models
 */
export const LineInput = z.object({
  productOffering: Named.extend({ category: Text.name.optional() }),
  site: Named.extend({ parent: Named.optional().describe("the site's parent location (a campus, a region)") }),
  quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1"),
  action: Orders.LineAction.default("add"),
  characteristics: Orders.Attributes.default({})
})

const page = Paging.PageInput.shape
const Page = Paging.Page

const AttributesInput = Orders.Attributes.default({})

const OrderTaskInput = z.object({ name: Text.name, requestType: Text.name.optional(), attributes: AttributesInput })

const unique = <A>(items: ReadonlyArray<A>, key: (item: A) => unknown) => new Set(items.map(key)).size === items.length

// ----- outputs ---------------------------------------------------------------------------------

/**
 * A relationship end on the order side or the project side, as related lists show it.
 *
 * @since 0.1.0
 * @category models
 */
export const Summary = z.object({ id: z.string(), name: z.string(), state: z.string() })

const LinkInfo = z.object({ id: z.string(), manual: z.boolean(), createdAt: z.string() })

const Related = <F extends z.ZodType, T extends z.ZodType>(from: F, to: T) => z.object({ items: z.array(z.object({ link: LinkInfo, from, to })) })

const OrderLineSummary = Summary.extend({ orderId: z.string(), lineNo: z.number().int() })
const ProjectSummary = Summary.extend({ kind: Projects.ProjectKind })
const TaskSummary = Summary.extend({ projectId: z.string() })
const DomainOrderSummary = Summary.extend({ orderId: z.string(), domain: z.string() })
const OrderTaskSummary = Summary.extend({ orderId: z.string(), domainOrderId: z.string() })

const ProjectOutcome = z.object({ project: Projects.Project, reused: z.boolean() })

/**
 * What approving lines did.
 *
 * @since 0.1.0
 * @category models
 */
export const ApprovalResult = z.object({
  order: Orders.CustomerOrder,
  lines: z.array(Orders.OrderLine).describe("the approved lines, each with what oversight decided"),
  program: z.object({ program: Projects.Program, reused: z.boolean() }).optional(),
  orderProject: ProjectOutcome.optional(),
  siteProjects: z.array(ProjectOutcome),
  projects: z.array(Projects.Project).describe("the line projects created")
})

// ----- helpers ---------------------------------------------------------------------------------

/** Runs a command's body on a fresh unit of work and writes it. */
const command = <A, E, R>(body: (work: Work) => Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const work = yield* begin
    yield* body(work)
    yield* commit(work)
    return work
  })

const loadOne = <A extends Storage.Entity>(collection: Storage.Collection<A>, entity: string, id: string) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(collection, id, entity))

const listPage = <A extends Storage.Entity>(
  collection: Storage.Collection<A>,
  where: Record<string, unknown>,
  orderBy: ReadonlyArray<Storage.OrderBy<A>>,
  limit: number | undefined,
  cursor: string | undefined
) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.map(
      storage.find(collection, {
        where: Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined)) as Storage.Filter<A>,
        orderBy,
        ...(limit !== undefined ? { limit } : {}),
        ...(cursor !== undefined ? { cursor } : {})
      }),
      (found) => ({ items: [...found.items], ...(found.cursor !== undefined ? { cursor: found.cursor } : {}) })
    ))

const newLine = (work: Work, orderId: string, lineNo: number, id: string, line: z.output<typeof LineInput>): Orders.OrderLine => ({
  id,
  version: 0,
  orderId,
  lineNo,
  productOfferingId: line.productOffering.id,
  productOfferingName: line.productOffering.name,
  ...(line.productOffering.category !== undefined ? { category: line.productOffering.category } : {}),
  siteLocationId: line.site.id,
  siteLocationName: line.site.name,
  ...(line.site.parent !== undefined ? { parentLocationId: line.site.parent.id, parentLocationName: line.site.parent.name } : {}),
  quantity: line.quantity,
  action: line.action,
  characteristics: line.characteristics,
  state: "new",
  createdAt: work.now,
  updatedAt: work.now
})

const orderProjectMissing = (id: string) =>
  new OversightError({
    reason: "OrderProjectNotConfigured",
    id,
    message: "An order-level project was asked for, and the spm-oversight configuration has no orderProject template; add orderProject.template"
  })

const name = (order: Orders.CustomerOrder) => order.number ?? order.id

/** Re-applies the order-line field mappings to the projects a line is linked to. */
const remapLineProjects = (work: Work, config: Config, order: Orders.CustomerOrder, line: Orders.OrderLine) =>
  Effect.gen(function*() {
    const links = yield* Engine.linksFrom(work, "order_line_project", [line.id])
    for (const project of yield* work.projects.getMany(links.map((l) => l.toId))) {
      const mapped = Engine.applyMappings(project, config.fieldMappings.orderLineToProject, Engine.lineView(order, line))
      if (JSON.stringify([mapped.name, mapped.description, mapped.fields]) === JSON.stringify([project.name, project.description, project.fields])) continue
      work.emit(build.projectUpdated(work.projects.put({ ...mapped, updatedAt: work.now })))
    }
  })

/** What an order task offers to field mappings. */
const orderTaskView = (order: Orders.CustomerOrder, line: Orders.OrderLine, domainOrder: Orders.DomainOrder, task: Orders.OrderTask) => ({
  name: task.name,
  requestType: task.requestType,
  domain: domainOrder.domain,
  domainOrderName: domainOrder.name,
  attributes: task.attributes,
  line: Engine.lineView(order, line)
})

const relatedLists = {
  order_line: "order_line_project",
  domain_order: "domain_order_project_task",
  order_task: "order_task_project_task"
} as const

// ----- operations ------------------------------------------------------------------------------

/**
 * The oversight operations for a configuration, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const makeOperations = (config: Config) => {
  const createOrder = Operation.make({
    id: "spm-oversight.createOrder",
    summary: "Create a customer order for an account, with its lines (product offering, site location, quantity, action).",
    kind: "command",
    permission: "spm-oversight/order.create",
    input: z.object({
      number: Text.reference.optional().describe("the order number the host uses, e.g. ORD0001001"),
      account: Named,
      projectAtOrderLevel: z.boolean().default(false).describe("oversee the whole order as one project (large orders)"),
      lines: z.array(LineInput).min(1, "an order needs at least one line").max(10_000)
    }),
    output: z.object({ order: Orders.CustomerOrder, lines: z.array(Orders.OrderLine) }),
    events: [OversightEvents.OrderCreated],
    handler: Effect.fn("Oversight.createOrder")(function*(input) {
      if (input.projectAtOrderLevel && config.orderProject === undefined) return yield* orderProjectMissing("(new order)")
      const [id, ...lineIds] = yield* Ids.nextMany(1 + input.lines.length)
      const work = yield* command((work) =>
        Effect.sync(() => {
          const order = work.orders.insert({
            id: id!,
            version: 0,
            ...(input.number !== undefined ? { number: input.number } : {}),
            accountId: input.account.id,
            accountName: input.account.name,
            state: "new",
            projectAtOrderLevel: input.projectAtOrderLevel,
            lineCount: input.lines.length,
            revision: 1,
            createdBy: work.principal.userId,
            createdAt: work.now,
            updatedAt: work.now
          })
          input.lines.forEach((line, i) => work.lines.insert(newLine(work, order.id, i + 1, lineIds[i]!, line)))
          work.emit(build.orderCreated(order, input.lines.map((_, i) => i + 1)))
        })
      )
      return { order: work.orders.byId.get(id!)!, lines: lineIds.map((lineId) => work.lines.byId.get(lineId)!) }
    })
  })

  const changeOrder = Operation.make({
    id: "spm-oversight.changeOrder",
    summary: "Change an order in flight: add lines, change a line's quantity or characteristics, cancel lines (their fulfilment is cancelled and the projects follow).",
    kind: "command",
    permission: "spm-oversight/order.create",
    input: z.object({
      orderId: RecordId,
      addLines: z.array(LineInput).max(10_000).default([]),
      changeLines: z.array(z.object({
        lineNo: z.number().int().positive(),
        quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1").optional(),
        characteristics: Orders.Attributes.optional().describe("merged into the line's characteristics")
      })).max(10_000).default([]),
      cancelLines: z.array(z.number().int().positive()).max(10_000).default([])
    }).refine((c) => c.addLines.length + c.changeLines.length + c.cancelLines.length > 0, { message: "the change is empty: add, change or cancel at least one line" })
      .refine((c) => unique([...c.changeLines.map((l) => l.lineNo), ...c.cancelLines], (n) => n), {
        message: "a line is named twice: change or cancel each line once",
        path: ["changeLines"]
      }),
    output: z.object({ order: Orders.CustomerOrder, lines: z.array(Orders.OrderLine) }),
    events: [
      OversightEvents.OrderChanged,
      OversightEvents.OrderStateChanged,
      OversightEvents.OrderLineStateChanged,
      OversightEvents.DomainOrderStateChanged,
      OversightEvents.OrderTaskStateChanged,
      OversightEvents.ProjectUpdated,
      OversightEvents.ProjectTaskStateChanged,
      OversightEvents.ProjectStateChanged,
      OversightEvents.ProgramStateChanged
    ],
    handler: Effect.fn("Oversight.changeOrder")(function*(input) {
      const touchedLines: Array<string> = []
      const work = yield* command((work) =>
        Effect.gen(function*() {
          const order = yield* Engine.loadOrder(work, input.orderId)
          if (order.state === "cancelled") {
            return yield* new OversightError({ reason: "InvalidState", id: order.id, message: `Order ${name(order)} is cancelled; it cannot change` })
          }
          const lines = yield* work.lines.find({ orderId: order.id }, (l) => l.orderId === order.id)
          const byNo = new Map(lines.map((l) => [l.lineNo, l]))
          const lineNamed = (lineNo: number) => {
            const line = byNo.get(lineNo)
            if (line === undefined) {
              return Effect.fail(
                new OversightError({
                  reason: "UnknownLine",
                  id: order.id,
                  message: `Order ${name(order)} has no line ${lineNo}; its lines are ${[...byNo.keys()].toSorted((a, b) => a - b).join(", ")}`
                })
              )
            }
            return Orders.isDone(line.state)
              ? Effect.fail(new OversightError({ reason: "InvalidState", id: line.id, message: `Line ${lineNo} of order ${name(order)} is ${line.state}; it cannot change` }))
              : Effect.succeed(line)
          }
          const changes = yield* Effect.forEach(input.changeLines, (change) => Effect.map(lineNamed(change.lineNo), (line) => ({ line, change })))
          const cancels = yield* Effect.forEach(input.cancelLines, lineNamed)
          // The order first: concurrent changes and approvals of one order take turns.
          const next = work.orders.put({
            ...order,
            lineCount: order.lineCount + input.addLines.length,
            revision: order.revision + 1,
            updatedAt: work.now
          })
          const firstNo = lines.reduce((max, l) => Math.max(max, l.lineNo), 0) + 1
          const addedIds = yield* Ids.nextMany(input.addLines.length)
          input.addLines.forEach((line, i) => touchedLines.push(work.lines.insert(newLine(work, order.id, firstNo + i, addedIds[i]!, line)).id))
          for (const { line, change } of changes) {
            const changed = work.lines.put({
              ...line,
              ...(change.quantity !== undefined ? { quantity: change.quantity } : {}),
              characteristics: { ...line.characteristics, ...change.characteristics },
              updatedAt: work.now
            })
            touchedLines.push(changed.id)
            yield* remapLineProjects(work, config, next, changed)
          }
          const cancelledIds = cancels.map((l) => l.id)
          const cancelledSet = new Set(cancelledIds)
          for (const line of cancels) {
            work.emit(build.lineStateChanged(work.lines.put({ ...line, state: "cancelled", updatedAt: work.now }), line.state))
            touchedLines.push(line.id)
          }
          const domainOrders = yield* work.domainOrders.findIn("orderLineId", cancelledIds, (d) => cancelledSet.has(d.orderLineId))
          const openDomainOrders = domainOrders.filter((d) => !Orders.isDone(d.state))
          const domainOrderSet = new Set(domainOrders.map((d) => d.id))
          const tasks = (yield* work.orderTasks.findIn("domainOrderId", domainOrderSet, (t) => domainOrderSet.has(t.domainOrderId))).filter((t) =>
            !Orders.isDone(t.state)
          )
          for (const task of tasks) {
            work.emit(build.fulfilmentStateChanged("order_task", work.orderTasks.put({ ...task, state: "cancelled", updatedAt: work.now }), task.state))
          }
          for (const d of openDomainOrders) {
            work.emit(build.fulfilmentStateChanged("domain_order", work.domainOrders.put({ ...d, state: "cancelled", updatedAt: work.now }), d.state))
          }
          yield* Engine.rollUpOrderStates(work, touchedLines)
          work.emit(build.orderChanged(work.orders.byId.get(order.id)!, {
            lineNos: input.addLines.map((_, i) => firstNo + i),
            changedLineNos: input.changeLines.map((c) => c.lineNo),
            cancelledLineNos: input.cancelLines
          }))
          yield* Engine.syncFromOrders(work, config, tasks.map((t) => t.id), openDomainOrders.map((d) => d.id))
        })
      )
      const lines = [...work.lines.byId.values()].filter((l) => l.orderId === input.orderId).toSorted((a, b) => a.lineNo - b.lineNo)
      return { order: work.orders.byId.get(input.orderId)!, lines }
    })
  })

  const requestOrderProject = Operation.make({
    id: "spm-oversight.requestOrderProject",
    summary: "Ask for one project over a whole order (a large order) before its lines are approved.",
    kind: "command",
    permission: "spm-oversight/order.request_project",
    input: z.object({ orderId: RecordId }),
    output: Orders.CustomerOrder,
    events: [OversightEvents.OrderProjectRequested],
    handler: Effect.fn("Oversight.requestOrderProject")(function*({ orderId }) {
      if (config.orderProject === undefined) return yield* orderProjectMissing(orderId)
      const work = yield* command((work) =>
        Effect.gen(function*() {
          const order = yield* Engine.loadOrder(work, orderId)
          const approved = (yield* work.lines.find({ orderId }, (l) => l.orderId === orderId)).filter((l) => l.state !== "new").toSorted((a, b) => a.lineNo - b.lineNo)
          if (approved.length > 0) {
            return yield* new OversightError({
              reason: "InvalidState",
              id: order.id,
              message: `Order ${name(order)} already has approved lines (${approved.map((l) => l.lineNo).join(", ")}); an order-level project is asked for before approval`
            })
          }
          if (order.projectAtOrderLevel) return
          work.emit(build.orderProjectRequested(work.orders.put({ ...order, projectAtOrderLevel: true, updatedAt: work.now })))
        })
      )
      return work.orders.byId.get(orderId)!
    })
  })

  const approveOrderLines = Operation.make({
    id: "spm-oversight.approveOrderLines",
    summary: "Approve an order's lines (all new ones, or those named); oversight creates the program, site or order-level projects, line projects and their planned tasks.",
    kind: "command",
    permission: "spm-oversight/order.approve",
    input: z.object({ orderId: RecordId, lineNos: z.array(z.number().int().positive()).min(1).max(10_000).optional() }),
    output: ApprovalResult,
    events: [
      OversightEvents.OrderLineApproved,
      OversightEvents.OrderLineStateChanged,
      OversightEvents.OrderStateChanged,
      OversightEvents.ProgramCreated,
      OversightEvents.ProjectCreated,
      OversightEvents.ProjectTaskCreated,
      OversightEvents.LinkCreated,
      OversightEvents.ProjectStateChanged,
      OversightEvents.ProgramStateChanged
    ],
    handler: Effect.fn("Oversight.approveOrderLines")(function*({ orderId, lineNos }) {
      const work = yield* begin
      const result = yield* Engine.approve(work, config, orderId, lineNos)
      yield* commit(work)
      const latest = <A extends Storage.Entity>(tracked: { readonly byId: ReadonlyMap<string, A> }, record: A) => tracked.byId.get(record.id)!
      return {
        order: latest(work.orders, result.order),
        lines: result.lines.map((l) => latest(work.lines, l)),
        ...(result.program !== undefined ? { program: { program: latest(work.programs, result.program.program), reused: result.program.reused } } : {}),
        ...(result.orderProject !== undefined
          ? { orderProject: { project: latest(work.projects, result.orderProject.project), reused: result.orderProject.reused } }
          : {}),
        siteProjects: result.siteProjects.map((s) => ({ project: latest(work.projects, s.project), reused: s.reused })),
        projects: result.projects.map((p) => latest(work.projects, p))
      }
    })
  })

  const recordDecomposition = Operation.make({
    id: "spm-oversight.recordDecomposition",
    summary: "Record how approved lines decompose into domain orders and order tasks (at once or staggered; tasks may join earlier domain orders); oversight links them to project tasks.",
    kind: "command",
    permission: "spm-oversight/order.fulfil",
    input: z.object({
      orderId: RecordId,
      domainOrders: z.array(z.object({
        lineNo: z.number().int().positive(),
        domain: Text.name.describe("product, service, resource, ..."),
        name: Text.name,
        attributes: AttributesInput,
        tasks: z.array(OrderTaskInput).max(10_000).default([])
      })).max(10_000).default([]),
      tasks: z.array(OrderTaskInput.extend({ domainOrderId: RecordId })).max(10_000).default([]).describe("order tasks added to domain orders recorded earlier")
    }).refine((d) => d.domainOrders.length + d.tasks.length > 0, { message: "nothing to record: give domain orders or tasks" }),
    output: z.object({
      domainOrders: z.array(Orders.DomainOrder),
      orderTasks: z.array(Orders.OrderTask),
      projectTasks: z.array(Projects.ProjectTask).describe("the project tasks they were linked to")
    }),
    events: [
      OversightEvents.DomainOrderCreated,
      OversightEvents.OrderTaskCreated,
      OversightEvents.ProjectTaskCreated,
      OversightEvents.ProjectTaskUpdated,
      OversightEvents.LinkCreated,
      OversightEvents.DomainOrderStateChanged,
      OversightEvents.OrderLineStateChanged,
      OversightEvents.OrderStateChanged,
      OversightEvents.ProjectTaskStateChanged,
      OversightEvents.ProjectStateChanged,
      OversightEvents.ProgramStateChanged
    ],
    handler: Effect.fn("Oversight.recordDecomposition")(function*(input) {
      const work = yield* begin
      const result = yield* Engine.decompose(work, config, input.orderId, input.domainOrders, input.tasks)
      yield* commit(work)
      return {
        domainOrders: result.domainOrders.map((d) => work.domainOrders.byId.get(d.id)!),
        orderTasks: result.orderTasks.map((t) => work.orderTasks.byId.get(t.id)!),
        projectTasks: result.projectTasks.map((t) => work.tasks.byId.get(t.id)!)
      }
    })
  })

  const stateEvents = [
    OversightEvents.OrderTaskStateChanged,
    OversightEvents.DomainOrderStateChanged,
    OversightEvents.OrderLineStateChanged,
    OversightEvents.OrderStateChanged,
    OversightEvents.ProjectTaskStateChanged,
    OversightEvents.ProjectStateChanged,
    OversightEvents.ProgramStateChanged
  ]

  const setOrderTaskStates = Operation.make({
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

  const setDomainOrderState = Operation.make({
    id: "spm-oversight.setDomainOrderState",
    summary: "Move a domain order without order tasks to a new state; its line and order follow, and so do the linked project tasks.",
    kind: "command",
    permission: "spm-oversight/order.fulfil",
    input: z.object({ domainOrderId: RecordId, state: Orders.FulfilmentState }),
    output: Orders.DomainOrder,
    events: stateEvents,
    handler: Effect.fn("Oversight.setDomainOrderState")(function*({ domainOrderId, state }) {
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

  const addNote = Operation.make({
    id: "spm-oversight.addNote",
    summary: "Post a work note or comment on an order line, domain order or order task; it is copied at once to the linked project or project tasks.",
    kind: "command",
    permission: "spm-oversight/order.note",
    input: z.object({
      subjectType: z.enum(["order_line", "domain_order", "order_task"]),
      subjectId: RecordId,
      kind: Notes.NoteKind.default("work_note"),
      text: Text.note
    }),
    output: z.object({ note: Notes.Note, copies: z.array(Notes.Note).describe("the project and project task notes it was copied to") }),
    events: [OversightEvents.NoteAdded],
    handler: Effect.fn("Oversight.addNote")(function*(input) {
      const ids = yield* Ids.nextMany(1)
      const copies: Array<string> = []
      const work = yield* command((work) =>
        Effect.gen(function*() {
          const subject = input.subjectType === "order_line"
            ? yield* Engine.loadAll(work.lines.getMany([input.subjectId]), [input.subjectId], "OrderLine")
            : input.subjectType === "domain_order"
            ? yield* Engine.loadAll(work.domainOrders.getMany([input.subjectId]), [input.subjectId], "DomainOrder")
            : yield* Engine.loadAll(work.orderTasks.getMany([input.subjectId]), [input.subjectId], "OrderTask")
          const note = work.notes.insert({
            id: ids[0]!,
            version: 0,
            subjectType: input.subjectType,
            subjectId: input.subjectId,
            kind: input.kind,
            text: input.text,
            by: work.principal.userId,
            at: work.now
          })
          work.emit(build.noteAdded(note, { type: "oversight_order", id: subject[0]!.orderId }))
          const kind = relatedLists[input.subjectType]
          const targets = (yield* Engine.linksFrom(work, kind, [input.subjectId])).map((l) => l.toId)
          const projectOf = new Map<string, string>(
            kind === "order_line_project"
              ? targets.map((id) => [id, id])
              : (yield* work.tasks.getMany(targets)).map((t) => [t.id, t.projectId])
          )
          const copyIds = yield* Ids.nextMany(targets.length)
          targets.forEach((target, i) => {
            const copy = work.notes.insert({
              ...note,
              id: copyIds[i]!,
              subjectType: kind === "order_line_project" ? "project" : "project_task",
              subjectId: target,
              sourceType: input.subjectType,
              sourceId: input.subjectId,
              sourceNoteId: note.id
            })
            copies.push(copy.id)
            work.emit(build.noteAdded(copy, { type: "oversight_project", id: projectOf.get(target) ?? target }))
          })
        })
      )
      return { note: work.notes.byId.get(ids[0]!)!, copies: copies.map((id) => work.notes.byId.get(id)!) }
    })
  })

  const getOrder = Operation.make({
    id: "spm-oversight.getOrder",
    summary: "Get one customer order by id.",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: Paging.GetInput,
    output: Orders.CustomerOrder,
    events: [],
    handler: ({ id }) => loadOne(Orders.orders, "CustomerOrder", id)
  })

  const orderDetails = Operation.make({
    id: "spm-oversight.orderDetails",
    summary: "Get a customer order with its lines, domain orders and order tasks (the order form).",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: Paging.GetInput,
    output: z.object({
      order: Orders.CustomerOrder,
      lines: z.array(Orders.OrderLine),
      domainOrders: z.array(Orders.DomainOrder),
      orderTasks: z.array(Orders.OrderTask)
    }),
    events: [],
    handler: Effect.fn("Oversight.orderDetails")(function*({ id }) {
      const order = yield* loadOne(Orders.orders, "CustomerOrder", id)
      const lines = yield* findAll(Orders.orderLines, { orderId: id })
      const domainOrders = yield* findAll(Orders.domainOrders, { orderId: id })
      const orderTasks = yield* findAll(Orders.orderTasks, { orderId: id })
      return { order, lines: lines.toSorted((a, b) => a.lineNo - b.lineNo), domainOrders, orderTasks }
    })
  })

  const listOrders = Operation.make({
    id: "spm-oversight.listOrders",
    summary: "List customer orders, of an account or in a state, newest first.",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: z.object({ accountId: Text.externalId.optional(), state: Orders.OrderState.optional(), ...page }),
    output: Page(Orders.CustomerOrder),
    events: [],
    handler: ({ limit, cursor, ...where }) => listPage(Orders.orders, where, [{ field: "createdAt", direction: "desc" }], limit, cursor)
  })

  const listOrderNotes = Operation.make({
    id: "spm-oversight.listOrderNotes",
    summary: "List the work notes and comments of an order line, domain order or order task, oldest first.",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: z.object({ subjectType: z.enum(["order_line", "domain_order", "order_task"]), subjectId: RecordId, ...page }),
    output: Page(Notes.Note),
    events: [],
    handler: ({ subjectType, subjectId, limit, cursor }) => listPage(Notes.notes, { subjectId, subjectType }, [{ field: "at" }], limit, cursor)
  })

  /** A note of one side (order or project), or `NotFound`: the other side's notes need the other permission. */
  const loadNote = (id: string, subjects: ReadonlyArray<Notes.NoteSubject>) =>
    Effect.flatMap(loadOne(Notes.notes, "Note", id), (note) =>
      subjects.includes(note.subjectType) ? Effect.succeed(note) : Effect.fail(Errors.notFound("Note", id)))

  const getOrderNote = Operation.make({
    id: "spm-oversight.getOrderNote",
    summary: "Get one work note or comment of an order line, domain order or order task by id.",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: Paging.GetInput,
    output: Notes.Note,
    events: [],
    handler: ({ id }) => loadNote(id, ["order_line", "domain_order", "order_task"])
  })

  const getOrderLine = Operation.make({
    id: "spm-oversight.getOrderLine",
    summary: "Get one order line by id, with what oversight decided for it.",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: Paging.GetInput,
    output: Orders.OrderLine,
    events: [],
    handler: ({ id }) => loadOne(Orders.orderLines, "OrderLine", id)
  })

  const listOrderLines = Operation.make({
    id: "spm-oversight.listOrderLines",
    summary: "List order lines by order and line number, optionally of one order.",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: Paging.PageInput.extend({ orderId: Text.id.optional() }),
    output: Page(Orders.OrderLine),
    events: [],
    handler: ({ orderId, limit, cursor }) => listPage(Orders.orderLines, { orderId }, [{ field: "orderId" }, { field: "lineNo" }], limit, cursor)
  })

  const getDomainOrder = Operation.make({
    id: "spm-oversight.getDomainOrder",
    summary: "Get one domain order by id.",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: Paging.GetInput,
    output: Orders.DomainOrder,
    events: [],
    handler: ({ id }) => loadOne(Orders.domainOrders, "DomainOrder", id)
  })

  const listDomainOrders = Operation.make({
    id: "spm-oversight.listDomainOrders",
    summary: "List domain orders, oldest first, optionally of one order or order line.",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: Paging.PageInput.extend({ orderId: Text.id.optional(), orderLineId: Text.id.optional() }),
    output: Page(Orders.DomainOrder),
    events: [],
    handler: ({ limit, cursor, ...where }) => listPage(Orders.domainOrders, where, [], limit, cursor)
  })

  const getOrderTask = Operation.make({
    id: "spm-oversight.getOrderTask",
    summary: "Get one order task by id.",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: Paging.GetInput,
    output: Orders.OrderTask,
    events: [],
    handler: ({ id }) => loadOne(Orders.orderTasks, "OrderTask", id)
  })

  const listOrderTasks = Operation.make({
    id: "spm-oversight.listOrderTasks",
    summary: "List order tasks, oldest first, optionally of one order or domain order.",
    kind: "query",
    permission: "spm-oversight/order.read",
    input: Paging.PageInput.extend({ orderId: Text.id.optional(), domainOrderId: Text.id.optional() }),
    output: Page(Orders.OrderTask),
    events: [],
    handler: ({ limit, cursor, ...where }) => listPage(Orders.orderTasks, where, [], limit, cursor)
  })

  const getProject = Operation.make({
    id: "spm-oversight.getProject",
    summary: "Get one project (line, site or order-level) by id.",
    kind: "query",
    permission: "spm-oversight/project.read",
    input: Paging.GetInput,
    output: Projects.Project,
    events: [],
    handler: ({ id }) => loadOne(Projects.projects, "Project", id)
  })

  const projectDetails = Operation.make({
    id: "spm-oversight.projectDetails",
    summary: "Get a project with its program, its tasks (in order) and the projects under it (the project form).",
    kind: "query",
    permission: "spm-oversight/project.read",
    input: Paging.GetInput,
    output: z.object({
      project: Projects.Project,
      program: Projects.Program,
      tasks: z.array(Projects.ProjectTask),
      children: z.array(ProjectSummary)
    }),
    events: [],
    handler: Effect.fn("Oversight.projectDetails")(function*({ id: projectId }) {
      const project = yield* loadOne(Projects.projects, "Project", projectId)
      const program = yield* loadOne(Projects.programs, "Program", project.programId)
      const tasks = yield* findAll(Projects.projectTasks, { projectId })
      const children = yield* findAll(Projects.projects, { parentId: projectId })
      return {
        project,
        program,
        tasks: tasks.toSorted((a, b) => a.sequence - b.sequence),
        children: children.map((c) => ({ id: c.id, name: c.name, state: c.state, kind: c.kind }))
      }
    })
  })

  const listProjects = Operation.make({
    id: "spm-oversight.listProjects",
    summary: "List projects: of a program, under a project, of an order or account, by kind or state.",
    kind: "query",
    permission: "spm-oversight/project.read",
    input: z.object({
      programId: RecordId.optional(),
      parentId: RecordId.optional(),
      orderId: RecordId.optional(),
      accountId: Text.externalId.optional(),
      kind: Projects.ProjectKind.optional(),
      state: Projects.ProjectState.optional(),
      ...page
    }),
    output: Page(Projects.Project),
    events: [],
    handler: ({ limit, cursor, ...where }) => listPage(Projects.projects, where, [{ field: "createdAt" }], limit, cursor)
  })

  const listPrograms = Operation.make({
    id: "spm-oversight.listPrograms",
    summary: "List programs, of an account or in a state.",
    kind: "query",
    permission: "spm-oversight/project.read",
    input: z.object({ accountId: Text.externalId.optional(), state: Projects.ProjectState.optional(), ...page }),
    output: Page(Projects.Program),
    events: [],
    handler: ({ limit, cursor, ...where }) => listPage(Projects.programs, where, [{ field: "createdAt" }], limit, cursor)
  })

  const getProgram = Operation.make({
    id: "spm-oversight.getProgram",
    summary: "Get one program by id.",
    kind: "query",
    permission: "spm-oversight/project.read",
    input: Paging.GetInput,
    output: Projects.Program,
    events: [],
    handler: ({ id }) => loadOne(Projects.programs, "Program", id)
  })

  const getProjectTask = Operation.make({
    id: "spm-oversight.getProjectTask",
    summary: "Get one project task by id.",
    kind: "query",
    permission: "spm-oversight/project.read",
    input: Paging.GetInput,
    output: Projects.ProjectTask,
    events: [],
    handler: ({ id }) => loadOne(Projects.projectTasks, "ProjectTask", id)
  })

  const listProjectTasks = Operation.make({
    id: "spm-oversight.listProjectTasks",
    summary: "List project tasks by project and sequence, optionally of one project or under one parent task.",
    kind: "query",
    permission: "spm-oversight/project.read",
    input: Paging.PageInput.extend({ projectId: Text.id.optional(), parentTaskId: Text.id.optional() }),
    output: Page(Projects.ProjectTask),
    events: [],
    handler: ({ limit, cursor, ...where }) =>
      listPage(Projects.projectTasks, where, [{ field: "projectId" }, { field: "sequence" }], limit, cursor)
  })

  const listProjectNotes = Operation.make({
    id: "spm-oversight.listProjectNotes",
    summary: "List the notes of a project or project task (those copied from the order side name their source), oldest first.",
    kind: "query",
    permission: "spm-oversight/project.read",
    input: z.object({ subjectType: z.enum(["project", "project_task"]), subjectId: RecordId, ...page }),
    output: Page(Notes.Note),
    events: [],
    handler: ({ subjectType, subjectId, limit, cursor }) => listPage(Notes.notes, { subjectId, subjectType }, [{ field: "at" }], limit, cursor)
  })

  const getProjectNote = Operation.make({
    id: "spm-oversight.getProjectNote",
    summary: "Get one note of a project or project task by id.",
    kind: "query",
    permission: "spm-oversight/project.read",
    input: Paging.GetInput,
    output: Notes.Note,
    events: [],
    handler: ({ id }) => loadNote(id, ["project", "project_task"])
  })

  const setProjectState = Operation.make({
    id: "spm-oversight.setProjectState",
    summary: "Set the state of a program, project or project task by hand (close or skip what does not close by itself); the records above follow.",
    kind: "command",
    permission: "spm-oversight/project.manage",
    input: z.object({ type: z.enum(["program", "project", "project_task"]), id: RecordId, state: Projects.ProjectState }),
    output: z.object({ program: Projects.Program.optional(), project: Projects.Project.optional(), projectTask: Projects.ProjectTask.optional() }),
    events: [OversightEvents.ProgramStateChanged, OversightEvents.ProjectStateChanged, OversightEvents.ProjectTaskStateChanged],
    handler: Effect.fn("Oversight.setProjectState")(function*({ type, id, state }) {
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

  const listTemplates = Operation.make({
    id: "spm-oversight.listTemplates",
    summary: "List the project, site-project and order-level project templates and their tasks.",
    kind: "query",
    permission: "spm-oversight/template.read",
    input: z.object({}),
    output: z.object({ templates: z.array(Template) }),
    events: [],
    handler: () => Effect.succeed({ templates: [...config.templates] })
  })

  // ----- relationships ---------------------------------------------------------------------------

  /** The links of a kind from one record or to one record, with both ends summarised. */
  const related = <F, T>(
    kind: Relationships.LinkKind,
    side: { readonly fromId?: string | undefined; readonly toId?: string | undefined },
    ends: {
      readonly from: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<F & { readonly id: string }>, Storage.StorageError, Needs>
      readonly to: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<T & { readonly id: string }>, Storage.StorageError, Needs>
    }
  ) =>
    Effect.gen(function*() {
      const where = side.fromId !== undefined ? { kind, fromId: side.fromId } : { kind, toId: side.toId! }
      const links = yield* findAll(Relationships.links, where)
      const from = new Map((yield* ends.from(links.map((l) => l.fromId))).map((r) => [r.id, r]))
      const to = new Map((yield* ends.to(links.map((l) => l.toId))).map((r) => [r.id, r]))
      return {
        items: links.flatMap((l) => {
          const a = from.get(l.fromId)
          const b = to.get(l.toId)
          return a === undefined || b === undefined ? [] : [{ link: { id: l.id, manual: l.manual, createdAt: l.createdAt }, from: a, to: b }]
        })
      }
    })

  const getMany = <A extends Storage.Entity>(collection: Storage.Collection<A>) => (ids: ReadonlyArray<string>) =>
    Effect.flatMap(Storage.Storage, (storage) => storage.getMany(collection, ids))
  const either = <A extends string, B extends string>(a: A, b: B) =>
    z.object({ [a]: RecordId.optional(), [b]: RecordId.optional() } as { [K in A | B]: z.ZodOptional<typeof RecordId> })
      .refine((side) => {
        const values = side as Record<string, unknown>
        return (values[a] === undefined) !== (values[b] === undefined)
      }, { message: `give ${a} or ${b}, not both` })
  const lineSummary = (l: Orders.OrderLine) => ({ id: l.id, name: `${l.productOfferingName} at ${l.siteLocationName}`, state: l.state, orderId: l.orderId, lineNo: l.lineNo })
  const projectSummary = (p: Projects.Project) => ({ id: p.id, name: p.name, state: p.state, kind: p.kind })
  const taskSummary = (t: Projects.ProjectTask) => ({ id: t.id, name: t.name, state: t.state, projectId: t.projectId })
  const summaries = <A extends Storage.Entity, S>(collection: Storage.Collection<A>, summary: (a: A) => S) => (ids: ReadonlyArray<string>) =>
    Effect.map(getMany(collection)(ids), (records) => records.map(summary))

  const orderLineProjects = Operation.make({
    id: "spm-oversight.orderLineProjects",
    summary: "The order line <-> project related list: the projects of an order line, or the order lines of a project.",
    kind: "query",
    permission: "spm-oversight/relationship.read",
    input: either("orderLineId", "projectId"),
    output: Related(OrderLineSummary, ProjectSummary),
    events: [],
    handler: ({ orderLineId, projectId }) =>
      related("order_line_project", { fromId: orderLineId, toId: projectId }, {
        from: summaries(Orders.orderLines, lineSummary),
        to: summaries(Projects.projects, projectSummary)
      })
  })

  const siteLocationProjects = Operation.make({
    id: "spm-oversight.siteLocationProjects",
    summary: "The site location <-> site project related list: the site projects of a location, or the location of a site project.",
    kind: "query",
    permission: "spm-oversight/relationship.read",
    input: either("siteLocationId", "projectId"),
    output: Related(z.object({ id: z.string(), name: z.string() }), ProjectSummary),
    events: [],
    handler: Effect.fn("Oversight.siteLocationProjects")(function*({ siteLocationId, projectId }) {
      const projects = new Map<string, Projects.Project>()
      const result = yield* related("site_location_project", { fromId: siteLocationId, toId: projectId }, {
        from: (ids) => Effect.succeed(ids.map((id) => ({ id }))),
        to: (ids) =>
          Effect.map(getMany(Projects.projects)(ids), (records) =>
            records.map((p) => {
              projects.set(p.id, p)
              return projectSummary(p)
            }))
      })
      return {
        items: result.items.map((item) => ({ ...item, from: { id: item.from.id, name: projects.get(item.to.id)?.siteLocationName ?? item.from.id } }))
      }
    })
  })

  const domainOrderProjectTasks = Operation.make({
    id: "spm-oversight.domainOrderProjectTasks",
    summary: "The domain order <-> project task related list, either way.",
    kind: "query",
    permission: "spm-oversight/relationship.read",
    input: either("domainOrderId", "projectTaskId"),
    output: Related(DomainOrderSummary, TaskSummary),
    events: [],
    handler: ({ domainOrderId, projectTaskId }) =>
      related("domain_order_project_task", { fromId: domainOrderId, toId: projectTaskId }, {
        from: summaries(Orders.domainOrders, (d) => ({ id: d.id, name: d.name, state: d.state, orderId: d.orderId, domain: d.domain })),
        to: summaries(Projects.projectTasks, taskSummary)
      })
  })

  const orderTaskProjectTasks = Operation.make({
    id: "spm-oversight.orderTaskProjectTasks",
    summary: "The order task <-> project task related list, either way.",
    kind: "query",
    permission: "spm-oversight/relationship.read",
    input: either("orderTaskId", "projectTaskId"),
    output: Related(OrderTaskSummary, TaskSummary),
    events: [],
    handler: ({ orderTaskId, projectTaskId }) =>
      related("order_task_project_task", { fromId: orderTaskId, toId: projectTaskId }, {
        from: summaries(Orders.orderTasks, (t) => ({ id: t.id, name: t.name, state: t.state, orderId: t.orderId, domainOrderId: t.domainOrderId })),
        to: summaries(Projects.projectTasks, taskSummary)
      })
  })

  const getRelationship = Operation.make({
    id: "spm-oversight.getRelationship",
    summary: "Get one relationship (a row of a related list) by id.",
    kind: "query",
    permission: "spm-oversight/relationship.read",
    input: Paging.GetInput,
    output: Relationships.Link,
    events: [],
    handler: ({ id }) => loadOne(Relationships.links, "Relationship", id)
  })

  const listRelationships = Operation.make({
    id: "spm-oversight.listRelationships",
    summary: "List the relationships of one kind, oldest first, optionally from one order-side record or to one project-side record.",
    kind: "query",
    permission: "spm-oversight/relationship.read",
    input: Paging.PageInput.extend({ kind: Relationships.LinkKind, fromId: Text.id.optional(), toId: Text.id.optional() }),
    output: Page(Relationships.Link),
    events: [],
    handler: ({ limit, cursor, ...where }) => listPage(Relationships.links, where, [], limit, cursor)
  })

  const alreadyLinked = (what: string, id: string, other: string) =>
    new OversightError({ reason: "AlreadyLinked", id, message: `${what} is already linked to ${other}; a record links to one` })

  const linkOrderLine = Operation.make({
    id: "spm-oversight.linkOrderLine",
    summary: "Link an order line to a project by hand (the Order Line Item related list in PPM); its later domain orders and tasks are overseen in that project.",
    kind: "command",
    permission: "spm-oversight/relationship.manage",
    input: z.object({ orderLineId: RecordId, projectId: RecordId }),
    output: z.object({ link: Relationships.Link, line: Orders.OrderLine, project: Projects.Project }),
    events: [OversightEvents.LinkCreated, OversightEvents.ProjectUpdated],
    handler: Effect.fn("Oversight.linkOrderLine")(function*({ orderLineId, projectId }) {
      let linkId = ""
      const work = yield* command((work) =>
        Effect.gen(function*() {
          const [line] = yield* Engine.loadAll(work.lines.getMany([orderLineId]), [orderLineId], "OrderLine")
          const [project] = yield* Engine.loadAll(work.projects.getMany([projectId]), [projectId], "Project")
          const [existing] = yield* Engine.linksFrom(work, "order_line_project", [orderLineId])
          if (existing !== undefined) return yield* alreadyLinked(`Line ${line!.lineNo}`, orderLineId, `project ${existing.toId}`)
          const order = yield* Engine.loadOrder(work, line!.orderId)
          linkId = (yield* Engine.link(work, "order_line_project", orderLineId, projectId, projectId, order.id, true)).id
          work.lines.put({ ...line!, oversight: { outcome: "project", reason: `linked to project ${project!.name} by ${work.principal.userId}`, projectId }, updatedAt: work.now })
          yield* remapLineProjects(work, config, order, line!)
        })
      )
      return { link: work.links.byId.get(linkId)!, line: work.lines.byId.get(orderLineId)!, project: work.projects.byId.get(projectId)! }
    })
  })

  const linkOrderTask = Operation.make({
    id: "spm-oversight.linkOrderTask",
    summary: "Link an order task to a project task by hand (the Order Task to Project Task related list); the project task follows it from then on.",
    kind: "command",
    permission: "spm-oversight/relationship.manage",
    input: z.object({ orderTaskId: RecordId, projectTaskId: RecordId }),
    output: z.object({ link: Relationships.Link, orderTask: Orders.OrderTask, projectTask: Projects.ProjectTask }),
    events: [OversightEvents.LinkCreated, OversightEvents.ProjectTaskUpdated, OversightEvents.ProjectTaskStateChanged, OversightEvents.ProjectStateChanged, OversightEvents.ProgramStateChanged],
    handler: Effect.fn("Oversight.linkOrderTask")(function*({ orderTaskId, projectTaskId }) {
      let linkId = ""
      const work = yield* command((work) =>
        Effect.gen(function*() {
          const [task] = yield* Engine.loadAll(work.orderTasks.getMany([orderTaskId]), [orderTaskId], "OrderTask")
          const [projectTask] = yield* Engine.loadAll(work.tasks.getMany([projectTaskId]), [projectTaskId], "ProjectTask")
          const [existing] = yield* Engine.linksFrom(work, "order_task_project_task", [orderTaskId])
          if (existing !== undefined) return yield* alreadyLinked(`Order task ${task!.name}`, orderTaskId, `project task ${existing.toId}`)
          const order = yield* Engine.loadOrder(work, task!.orderId)
          const [line] = yield* work.lines.getMany([task!.orderLineId])
          const [domainOrder] = yield* work.domainOrders.getMany([task!.domainOrderId])
          linkId = (yield* Engine.link(work, "order_task_project_task", orderTaskId, projectTaskId, projectTask!.projectId, order.id, true)).id
          work.orderTasks.put({
            ...task!,
            oversight: { outcome: "linked", reason: `linked to project task ${projectTask!.name} by ${work.principal.userId}`, projectTaskId },
            updatedAt: work.now
          })
          const mapped = Engine.applyMappings(projectTask!, config.fieldMappings.orderTaskToProjectTask, orderTaskView(order, line!, domainOrder!, task!))
          if (JSON.stringify([mapped.name, mapped.description, mapped.fields]) !== JSON.stringify([projectTask!.name, projectTask!.description, projectTask!.fields])) {
            work.emit(build.taskUpdated(work.tasks.put({ ...mapped, updatedAt: work.now })))
          }
          yield* Engine.resync(work, config, { tasks: [projectTaskId], causes: new Map([[projectTaskId, { type: "order_task", id: orderTaskId }]]) })
        })
      )
      return { link: work.links.byId.get(linkId)!, orderTask: work.orderTasks.byId.get(orderTaskId)!, projectTask: work.tasks.byId.get(projectTaskId)! }
    })
  })

  return {
    createOrder,
    changeOrder,
    requestOrderProject,
    approveOrderLines,
    recordDecomposition,
    setOrderTaskStates,
    setDomainOrderState,
    addNote,
    getOrder,
    orderDetails,
    listOrders,
    getOrderLine,
    listOrderLines,
    getDomainOrder,
    listDomainOrders,
    getOrderTask,
    listOrderTasks,
    getOrderNote,
    listOrderNotes,
    getProject,
    projectDetails,
    listProjects,
    getProgram,
    listPrograms,
    getProjectTask,
    listProjectTasks,
    getProjectNote,
    listProjectNotes,
    setProjectState,
    listTemplates,
    orderLineProjects,
    siteLocationProjects,
    domainOrderProjectTasks,
    orderTaskProjectTasks,
    getRelationship,
    listRelationships,
    linkOrderLine,
    linkOrderTask
  }
}

/**
 * The oversight operations' type.
 *
 * @since 0.1.0
 * @category operations
 */
export type Operations = ReturnType<typeof makeOperations>

/**
 * The methods of the oversight service: one per operation of the plugin, taking its input and
 * giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface OversightService extends Operation.Methods<Operations> {}

/**
 * The oversight service: one method per operation. Provided by the plugin when it is enabled.
 *
 * @since 0.1.0
 * @category services
 */
export class Oversight extends Context.Service<Oversight, OversightService>()("@procura/plugin-spm-oversight/Oversight") {
  /** @since 0.1.0 */
  static readonly layer = (config: Config) => Operation.serviceLayer(Oversight, makeOperations(config))
}

/**
 * The collections the plugin stores records in.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections: ReadonlyArray<Storage.Collection<any>> = [
  ...Orders.collections,
  ...Projects.collections,
  ...Relationships.collections,
  ...Notes.collections
]
