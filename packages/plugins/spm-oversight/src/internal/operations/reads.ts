/**
 * Reads: gets, lists and details (the order and project forms) of orders, lines, domain orders,
 * order tasks, programs, projects and project tasks, and the configured templates.
 */
import { Operation, Paging, type Principal, type Storage, Text } from "@procura/core"
import { Effect } from "effect"
import { z } from "zod"
import { Template } from "../../Config.js"
import * as Orders from "../../Orders.js"
import * as Projects from "../../Projects.js"
import { OversightConfig } from "../config.js"
import { RecordId, page, Page, ProjectSummary, loadOne, listPage } from "./shared.js"
import { findAll } from "../work.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

export const getOrder = Operation.make({
  id: "spm-oversight.getOrder",
  summary: "Get one customer order by id.",
  kind: "query",
  permission: "spm-oversight/order.read",
  input: Paging.GetInput,
  output: Orders.CustomerOrder,
  events: [],
  handler: ({ id }) => loadOne(Orders.orders, "CustomerOrder", id)
})

export const orderDetails = Operation.make({
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

export const listOrders = Operation.make({
  id: "spm-oversight.listOrders",
  summary: "List customer orders, of an account or in a state, newest first.",
  kind: "query",
  permission: "spm-oversight/order.read",
  input: z.object({ accountId: Text.externalId.optional(), state: Orders.OrderState.optional(), ...page }),
  output: Page(Orders.CustomerOrder),
  events: [],
  handler: ({ limit, cursor, ...where }) => listPage(Orders.orders, where, [{ field: "createdAt", direction: "desc" }], limit, cursor)
})


export const getOrderLine = Operation.make({
  id: "spm-oversight.getOrderLine",
  summary: "Get one order line by id, with what oversight decided for it.",
  kind: "query",
  permission: "spm-oversight/order.read",
  input: Paging.GetInput,
  output: Orders.OrderLine,
  events: [],
  handler: ({ id }) => loadOne(Orders.orderLines, "OrderLine", id)
})

export const listOrderLines = Operation.make({
  id: "spm-oversight.listOrderLines",
  summary: "List order lines by order and line number, optionally of one order.",
  kind: "query",
  permission: "spm-oversight/order.read",
  input: Paging.PageInput.extend({ orderId: Text.id.optional() }),
  output: Page(Orders.OrderLine),
  events: [],
  handler: ({ orderId, limit, cursor }) => listPage(Orders.orderLines, { orderId }, [{ field: "orderId" }, { field: "lineNo" }], limit, cursor)
})

export const getDomainOrder = Operation.make({
  id: "spm-oversight.getDomainOrder",
  summary: "Get one domain order by id.",
  kind: "query",
  permission: "spm-oversight/order.read",
  input: Paging.GetInput,
  output: Orders.DomainOrder,
  events: [],
  handler: ({ id }) => loadOne(Orders.domainOrders, "DomainOrder", id)
})

export const listDomainOrders = Operation.make({
  id: "spm-oversight.listDomainOrders",
  summary: "List domain orders, oldest first, optionally of one order or order line.",
  kind: "query",
  permission: "spm-oversight/order.read",
  input: Paging.PageInput.extend({ orderId: Text.id.optional(), orderLineId: Text.id.optional() }),
  output: Page(Orders.DomainOrder),
  events: [],
  handler: ({ limit, cursor, ...where }) => listPage(Orders.domainOrders, where, [], limit, cursor)
})

export const getOrderTask = Operation.make({
  id: "spm-oversight.getOrderTask",
  summary: "Get one order task by id.",
  kind: "query",
  permission: "spm-oversight/order.read",
  input: Paging.GetInput,
  output: Orders.OrderTask,
  events: [],
  handler: ({ id }) => loadOne(Orders.orderTasks, "OrderTask", id)
})

export const listOrderTasks = Operation.make({
  id: "spm-oversight.listOrderTasks",
  summary: "List order tasks, oldest first, optionally of one order or domain order.",
  kind: "query",
  permission: "spm-oversight/order.read",
  input: Paging.PageInput.extend({ orderId: Text.id.optional(), domainOrderId: Text.id.optional() }),
  output: Page(Orders.OrderTask),
  events: [],
  handler: ({ limit, cursor, ...where }) => listPage(Orders.orderTasks, where, [], limit, cursor)
})

export const getProject = Operation.make({
  id: "spm-oversight.getProject",
  summary: "Get one project (line, site or order-level) by id.",
  kind: "query",
  permission: "spm-oversight/project.read",
  input: Paging.GetInput,
  output: Projects.Project,
  events: [],
  handler: ({ id }) => loadOne(Projects.projects, "Project", id)
})

export const projectDetails = Operation.make({
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

export const listProjects = Operation.make({
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

export const listPrograms = Operation.make({
  id: "spm-oversight.listPrograms",
  summary: "List programs, of an account or in a state.",
  kind: "query",
  permission: "spm-oversight/project.read",
  input: z.object({ accountId: Text.externalId.optional(), state: Projects.ProjectState.optional(), ...page }),
  output: Page(Projects.Program),
  events: [],
  handler: ({ limit, cursor, ...where }) => listPage(Projects.programs, where, [{ field: "createdAt" }], limit, cursor)
})

export const getProgram = Operation.make({
  id: "spm-oversight.getProgram",
  summary: "Get one program by id.",
  kind: "query",
  permission: "spm-oversight/project.read",
  input: Paging.GetInput,
  output: Projects.Program,
  events: [],
  handler: ({ id }) => loadOne(Projects.programs, "Program", id)
})

export const getProjectTask = Operation.make({
  id: "spm-oversight.getProjectTask",
  summary: "Get one project task by id.",
  kind: "query",
  permission: "spm-oversight/project.read",
  input: Paging.GetInput,
  output: Projects.ProjectTask,
  events: [],
  handler: ({ id }) => loadOne(Projects.projectTasks, "ProjectTask", id)
})

export const listProjectTasks = Operation.make({
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


export const listTemplates = Operation.make({
  id: "spm-oversight.listTemplates",
  summary: "List the project, site-project and order-level project templates and their tasks.",
  kind: "query",
  permission: "spm-oversight/template.read",
  input: z.object({}),
  output: z.object({ templates: z.array(Template) }),
  events: [],
  handler: () => Effect.map(OversightConfig.current, (config) => ({ templates: [...config.templates] }))
})

