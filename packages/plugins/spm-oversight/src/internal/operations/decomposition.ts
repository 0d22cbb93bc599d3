/**
 * Decomposition: recording domain orders and order tasks, which oversight links to project
 * tasks (see `../engine.ts`).
 */
import { Operation, type Principal, type Storage, Text } from "@procura/core"
import { Effect } from "effect"
import { z } from "zod"
import * as Orders from "../../Orders.js"
import * as OversightEvents from "../../OversightEvents.js"
import * as Projects from "../../Projects.js"
import { OversightConfig } from "../config.js"
import * as Engine from "../engine.js"
import { RecordId, AttributesInput, OrderTaskInput } from "./shared.js"
import { begin, commit } from "../work.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

export const recordDecomposition = Operation.make({
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
    const config = yield* OversightConfig.current
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

