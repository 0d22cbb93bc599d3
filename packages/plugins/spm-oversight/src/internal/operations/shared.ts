/**
 * What the oversight operations share: input pieces (record ids, named references, order lines,
 * paging), output shapes (summaries, related lists, the approval result), and helpers (a command
 * on a unit of work, load-or-NotFound, a page of a collection, new lines, line and task views for
 * field mappings).
 */
import { Effect } from "effect"
import { Paging, type Principal, Storage, Text } from "@procura/core"
import { z } from "zod"
import type { Config } from "../../Config.js"
import * as Orders from "../../Orders.js"
import { OversightError } from "../../OversightError.js"
import * as Projects from "../../Projects.js"
import * as Engine from "../engine.js"
import { build } from "../events.js"
import { begin, commit, type Work } from "../work.js"

// ----- inputs ----------------------------------------------------------------------------------

/**
 * What the oversight service's relationship lookups need: storage and the caller.
 *
 * @since 0.1.0
 * @category models
 */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

/** The id of a record oversight stores (an order, a line, a project, ...). */
export const RecordId = Text.id
export const Named = z.object({ id: Text.externalId, name: Text.name })

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

export const page = Paging.PageInput.shape
export const Page = Paging.Page

export const AttributesInput = Orders.Attributes.default({})

export const OrderTaskInput = z.object({ name: Text.name, requestType: Text.name.optional(), attributes: AttributesInput })

export const unique = <A>(items: ReadonlyArray<A>, key: (item: A) => unknown) => new Set(items.map(key)).size === items.length

// ----- outputs ---------------------------------------------------------------------------------

/**
 * A relationship end on the order side or the project side, as related lists show it.
 *
 * @since 0.1.0
 * @category models
 */
export const Summary = z.object({ id: z.string(), name: z.string(), state: z.string() })

export const LinkInfo = z.object({ id: z.string(), manual: z.boolean(), createdAt: z.string() })

export const Related = <F extends z.ZodType, T extends z.ZodType>(from: F, to: T) => z.object({ items: z.array(z.object({ link: LinkInfo, from, to })) })

export const OrderLineSummary = Summary.extend({ orderId: z.string(), lineNo: z.number().int() })
export const ProjectSummary = Summary.extend({ kind: Projects.ProjectKind })
export const TaskSummary = Summary.extend({ projectId: z.string() })
export const DomainOrderSummary = Summary.extend({ orderId: z.string(), domain: z.string() })
export const OrderTaskSummary = Summary.extend({ orderId: z.string(), domainOrderId: z.string() })

export const ProjectOutcome = z.object({ project: Projects.Project, reused: z.boolean() })

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
export const command = <A, E, R>(body: (work: Work) => Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const work = yield* begin
    yield* body(work)
    yield* commit(work)
    return work
  })

export const loadOne = <A extends Storage.Entity>(collection: Storage.Collection<A>, entity: string, id: string) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(collection, id, entity))

export const listPage = <A extends Storage.Entity>(
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

export const newLine = (work: Work, orderId: string, lineNo: number, id: string, line: z.output<typeof LineInput>): Orders.OrderLine => ({
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

export const orderProjectMissing = (id: string) =>
  new OversightError({
    reason: "OrderProjectNotConfigured",
    id,
    message: "An order-level project was asked for, and the spm-oversight configuration has no orderProject template; add orderProject.template"
  })

export const name = (order: Orders.CustomerOrder) => order.number ?? order.id

/** Re-applies the order-line field mappings to the projects a line is linked to. */
export const remapLineProjects = (work: Work, config: Config, order: Orders.CustomerOrder, line: Orders.OrderLine) =>
  Effect.gen(function*() {
    const links = yield* Engine.linksFrom(work, "order_line_project", [line.id])
    for (const project of yield* work.projects.getMany(links.map((l) => l.toId))) {
      const mapped = Engine.applyMappings(project, config.fieldMappings.orderLineToProject, Engine.lineView(order, line))
      if (JSON.stringify([mapped.name, mapped.description, mapped.fields]) === JSON.stringify([project.name, project.description, project.fields])) continue
      work.emit(build.projectUpdated(work.projects.put({ ...mapped, updatedAt: work.now })))
    }
  })

/** What an order task offers to field mappings. */
export const orderTaskView = (order: Orders.CustomerOrder, line: Orders.OrderLine, domainOrder: Orders.DomainOrder, task: Orders.OrderTask) => ({
  name: task.name,
  requestType: task.requestType,
  domain: domainOrder.domain,
  domainOrderName: domainOrder.name,
  attributes: task.attributes,
  line: Engine.lineView(order, line)
})

export const relatedLists = {
  order_line: "order_line_project",
  domain_order: "domain_order_project_task",
  order_task: "order_task_project_task"
} as const

