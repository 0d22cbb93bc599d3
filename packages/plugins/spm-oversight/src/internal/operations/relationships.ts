/**
 * Relationships: the related lists (order line and project, site location and site project,
 * domain order and project task, order task and project task), and linking by hand.
 */
import { Operation, Paging, type Principal, Storage, Text } from "@procura/core"
import { Effect } from "effect"
import { z } from "zod"
import * as Orders from "../../Orders.js"
import { OversightError } from "../../OversightError.js"
import * as OversightEvents from "../../OversightEvents.js"
import * as Projects from "../../Projects.js"
import * as Relationships from "../../Relationships.js"
import { OversightConfig } from "../config.js"
import * as Engine from "../engine.js"
import { build } from "../events.js"
import { RecordId, Page, Related, OrderLineSummary, ProjectSummary, TaskSummary, DomainOrderSummary, OrderTaskSummary, command, loadOne, listPage, remapLineProjects, orderTaskView } from "./shared.js"
import { findAll } from "../work.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

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

export const orderLineProjects = Operation.make({
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

export const siteLocationProjects = Operation.make({
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

export const domainOrderProjectTasks = Operation.make({
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

export const orderTaskProjectTasks = Operation.make({
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

export const getRelationship = Operation.make({
  id: "spm-oversight.getRelationship",
  summary: "Get one relationship (a row of a related list) by id.",
  kind: "query",
  permission: "spm-oversight/relationship.read",
  input: Paging.GetInput,
  output: Relationships.Link,
  events: [],
  handler: ({ id }) => loadOne(Relationships.links, "Relationship", id)
})

export const listRelationships = Operation.make({
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

export const linkOrderLine = Operation.make({
  id: "spm-oversight.linkOrderLine",
  summary: "Link an order line to a project by hand (the Order Line Item related list in PPM); its later domain orders and tasks are overseen in that project.",
  kind: "command",
  permission: "spm-oversight/relationship.manage",
  input: z.object({ orderLineId: RecordId, projectId: RecordId }),
  output: z.object({ link: Relationships.Link, line: Orders.OrderLine, project: Projects.Project }),
  events: [OversightEvents.LinkCreated, OversightEvents.ProjectUpdated],
  handler: Effect.fn("Oversight.linkOrderLine")(function*({ orderLineId, projectId }) {
    const config = yield* OversightConfig.current
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

export const linkOrderTask = Operation.make({
  id: "spm-oversight.linkOrderTask",
  summary: "Link an order task to a project task by hand (the Order Task to Project Task related list); the project task follows it from then on.",
  kind: "command",
  permission: "spm-oversight/relationship.manage",
  input: z.object({ orderTaskId: RecordId, projectTaskId: RecordId }),
  output: z.object({ link: Relationships.Link, orderTask: Orders.OrderTask, projectTask: Projects.ProjectTask }),
  events: [OversightEvents.LinkCreated, OversightEvents.ProjectTaskUpdated, OversightEvents.ProjectTaskStateChanged, OversightEvents.ProjectStateChanged, OversightEvents.ProgramStateChanged],
  handler: Effect.fn("Oversight.linkOrderTask")(function*({ orderTaskId, projectTaskId }) {
    const config = yield* OversightConfig.current
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
