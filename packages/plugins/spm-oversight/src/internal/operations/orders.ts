/**
 * Orders: create an order, change it in flight, ask for an order-level project, approve lines
 * (approval runs line, site and order-level oversight; see `../engine.ts`).
 */
import { Ids, Operation, type Principal, Storage, Text } from "@procura/core"
import { Effect } from "effect"
import { z } from "zod"
import * as Orders from "../../Orders.js"
import { OversightError } from "../../OversightError.js"
import * as OversightEvents from "../../OversightEvents.js"
import { OversightConfig } from "../config.js"
import * as Engine from "../engine.js"
import { build } from "../events.js"
import { RecordId, Named, LineInput, unique, ApprovalResult, command, newLine, orderProjectMissing, name, remapLineProjects } from "./shared.js"
import { begin, commit } from "../work.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

export const createOrder = Operation.make({
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
    const config = yield* OversightConfig.current
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

export const changeOrder = Operation.make({
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
    const config = yield* OversightConfig.current
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

export const requestOrderProject = Operation.make({
  id: "spm-oversight.requestOrderProject",
  summary: "Ask for one project over a whole order (a large order) before its lines are approved.",
  kind: "command",
  permission: "spm-oversight/order.request_project",
  input: z.object({ orderId: RecordId }),
  output: Orders.CustomerOrder,
  events: [OversightEvents.OrderProjectRequested],
  handler: Effect.fn("Oversight.requestOrderProject")(function*({ orderId }) {
    const config = yield* OversightConfig.current
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

export const approveOrderLines = Operation.make({
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
    const config = yield* OversightConfig.current
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

