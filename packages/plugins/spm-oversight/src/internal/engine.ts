/**
 * The oversight engine: seed 001's integration flow on a unit of work.
 *
 * - {@link approve}: eligibility, order-line table, program, order-level or site projects, line
 *   projects with their planned tasks.
 * - {@link decompose}: domain orders and order tasks, the domain-order and order-task tables,
 *   project tasks joined or created, field mappings.
 * - {@link rollUpOrders} and {@link resync}: states follow on both sides, at once, with
 *   auto-closure cascading upward.
 */
import { DecisionTable, Errors, Ids, type Principal, type Storage } from "@procura/core"
import { Effect } from "effect"
import type { Config, FieldMapping, Template, TemplateTask } from "../Config.js"
import * as Orders from "../Orders.js"
import { OversightError } from "../OversightError.js"
import { derive, isClosed, type Program, type Project, type ProjectKind, type ProjectState, type ProjectTask } from "../Projects.js"
import type { Link, LinkKind } from "../Relationships.js"
import { build } from "./events.js"
import type { Work } from "./work.js"

// ----- small helpers -----------------------------------------------------------------------------

type Value = string | number | boolean

/** `name=value` strings, for string[] columns. */
export const pairs = (attributes: Orders.Attributes): Array<string> => Object.entries(attributes).map(([k, v]) => `${k}=${String(v)}`)

/** What a field mapping can read from an order line. */
export const lineView = (order: Orders.CustomerOrder, line: Orders.OrderLine) => ({
  orderNumber: order.number,
  accountId: order.accountId,
  accountName: order.accountName,
  lineNo: line.lineNo,
  productOfferingId: line.productOfferingId,
  productOfferingName: line.productOfferingName,
  category: line.category,
  siteLocationId: line.siteLocationId,
  siteLocationName: line.siteLocationName,
  parentLocationId: line.parentLocationId,
  parentLocationName: line.parentLocationName,
  quantity: line.quantity,
  action: line.action,
  characteristics: line.characteristics
})

type View = { readonly [key: string]: unknown }

/** The value at a mapping's source path, or undefined. */
const valueAt = (view: View, path: string): Value | undefined => {
  for (const prefix of ["line.", "characteristics.", "attributes."]) {
    if (!path.startsWith(prefix)) continue
    const nested = view[prefix.slice(0, -1)]
    if (typeof nested !== "object" || nested === null) return undefined
    const rest = path.slice(prefix.length)
    return prefix === "line." ? valueAt(nested as View, rest) : (nested as Orders.Attributes)[rest]
  }
  const value = view[path]
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : undefined
}

interface Mapped {
  readonly name: string
  readonly description?: string | undefined
  readonly fields: Orders.Attributes
}

/** Applies field mappings: `short_description` is the name, `description` the description, the rest fields. */
export const applyMappings = <T extends Mapped>(record: T, mappings: ReadonlyArray<FieldMapping>, view: View): T => {
  let next: T = record
  const fields = { ...record.fields }
  for (const mapping of mappings) {
    const value = valueAt(view, mapping.from)
    if (value === undefined) continue
    if (mapping.to === "short_description") next = { ...next, name: String(value) }
    else if (mapping.to === "description") next = { ...next, description: String(value) }
    else fields[mapping.to] = value
  }
  return { ...next, fields }
}

const sameContent = (a: Mapped, b: Mapped) => JSON.stringify([a.name, a.description, a.fields]) === JSON.stringify([b.name, b.description, b.fields])

/** A record with a new project state: closing stamps `closedAt` and ends reuse; reopening clears it. */
export const withState = <T extends { readonly state: ProjectState; readonly updatedAt: string; readonly closedAt?: string | undefined }>(
  record: T,
  state: ProjectState,
  now: string
): T => {
  const next: T & { closedAt?: string | undefined; reuseKey?: string | undefined } = { ...record, state, updatedAt: now }
  if (isClosed(state)) {
    if (!isClosed(record.state)) next.closedAt = now
    delete next.reuseKey
  } else {
    delete next.closedAt
  }
  return next
}

/** One decision per input; the reason is the matched row, the default, or why nothing matched. */
const decideAll = <Out>(
  table: DecisionTable.DecisionTable<object, Out>,
  inputs: ReadonlyArray<{ readonly id: string; readonly what: string; readonly input: object }>
) =>
  Effect.forEach(inputs, ({ id, what, input }) =>
    DecisionTable.evaluate(table, input).pipe(
      Effect.map((decision) => {
        const result = decision.hitPolicy === "collect" ? decision.results[0] : decision.result
        return { result, reason: reasonOf(table.name ?? "table", decision) }
      }),
      Effect.mapError((error) => new OversightError({ reason: "DecisionFailed", id, message: `${what}: ${error.message}` }))
    ))

/** Why a decision came out as it did: the row, the default, or each row's first failing condition. */
const reasonOf = (table: string, decision: DecisionTable.Decision<unknown>): string => {
  if (decision.outcome === "matched") return `${table} rule ${decision.matched[0]}`
  const unmatched = decision.explanation.unmatched
  const why = unmatched.slice(0, 3).map((row) => `${row.id}: ${row.reason}`).join("; ") + (unmatched.length > 3 ? `; and ${unmatched.length - 3} more rows` : "")
  return decision.outcome === "default" ? `${table} default (${why})` : `no row of ${table} matched (${why})`
}

const templateOf = (config: Config, id: string): Template => config.templates.find((t) => t.id === id)!

// ----- loading -----------------------------------------------------------------------------------

/** The order, or NotFound. */
export const loadOrder = (work: Work, orderId: string) =>
  Effect.flatMap(work.orders.getMany([orderId]), ([order]) =>
    order === undefined ? Effect.fail(Errors.notFound("CustomerOrder", orderId)) : Effect.succeed(order))

/** What engine steps need from the context. */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

/** The records with these ids, or NotFound naming the first missing. */
export const loadAll = <A extends { readonly id: string }, E, R extends Needs>(
  load: Effect.Effect<ReadonlyArray<A>, E, R>,
  ids: ReadonlyArray<string>,
  entity: string
) =>
  Effect.flatMap(load, (records) => {
    const found = new Set(records.map((r) => r.id))
    const missing = ids.find((id) => !found.has(id))
    return missing === undefined ? Effect.succeed(records) : Effect.fail(Errors.notFound(entity, missing))
  })

/** Links of a kind from these records. */
export const linksFrom = (work: Work, kind: LinkKind, fromIds: Iterable<string>) => {
  const set = new Set(fromIds)
  return work.links.findIn("fromId", set, (l) => l.kind === kind && set.has(l.fromId), { kind })
}

/** Links of a kind to these records. */
export const linksTo = (work: Work, kind: LinkKind, toIds: Iterable<string>) => {
  const set = new Set(toIds)
  return work.links.findIn("toId", set, (l) => l.kind === kind && set.has(l.toId), { kind })
}

/** Records a relationship, with its event. */
export const link = (work: Work, kind: LinkKind, fromId: string, toId: string, projectId: string, orderId: string | undefined, manual = false) =>
  Effect.map(Ids.next, (id) => {
    const record: Link = {
      id,
      version: 0,
      kind,
      fromId,
      toId,
      ...(orderId !== undefined ? { orderId } : {}),
      manual,
      createdBy: work.principal.userId,
      createdAt: work.now
    }
    work.links.insert(record)
    work.emit(build.linked(record, projectId))
    return record
  })

/** Each line's project chain: its project, then the projects above it (site or order-level). */
export const chainsOf = (work: Work, lineIds: Iterable<string>) =>
  Effect.gen(function*() {
    const lineLinks = yield* linksFrom(work, "order_line_project", lineIds)
    const byId = new Map<string, Project>()
    let wanted = lineLinks.map((l) => l.toId)
    while (wanted.length > 0) {
      const found = yield* work.projects.getMany(wanted)
      for (const project of found) byId.set(project.id, project)
      wanted = found.flatMap((p) => (p.parentId !== undefined && !byId.has(p.parentId) ? [p.parentId] : []))
    }
    const chains = new Map<string, Array<Project>>()
    for (const l of lineLinks) {
      const chain: Array<Project> = []
      for (let project = byId.get(l.toId); project !== undefined; project = project.parentId === undefined ? undefined : byId.get(project.parentId)) {
        chain.push(project)
      }
      chains.set(l.fromId, chain)
    }
    return chains
  })

// ----- creating projects -------------------------------------------------------------------------

interface NewProject {
  readonly kind: ProjectKind
  readonly template: Template
  readonly name: string
  readonly description?: string
  readonly program: Program
  readonly parent?: Project | undefined
  readonly order: Orders.CustomerOrder
  readonly orderLineId?: string
  readonly site?: { readonly id: string; readonly name: string }
  readonly reuseKey?: string
  readonly mappings?: { readonly mappings: ReadonlyArray<FieldMapping>; readonly view: View }
}

/** A project with its template's planned tasks. */
const createProject = (work: Work, spec: NewProject) =>
  Effect.gen(function*() {
    const planned = spec.template.tasks.filter((task) => task.planned)
    const [id, ...taskIds] = yield* Ids.nextMany(1 + planned.length)
    const base: Project = {
      id: id!,
      version: 0,
      kind: spec.kind,
      name: spec.name,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      templateId: spec.template.id,
      programId: spec.program.id,
      ...(spec.parent !== undefined ? { parentId: spec.parent.id } : {}),
      topId: spec.parent?.topId ?? id!,
      accountId: spec.order.accountId,
      orderId: spec.order.id,
      ...(spec.orderLineId !== undefined ? { orderLineId: spec.orderLineId } : {}),
      ...(spec.site !== undefined ? { siteLocationId: spec.site.id, siteLocationName: spec.site.name } : {}),
      state: "pending",
      ...(spec.reuseKey !== undefined ? { reuseKey: spec.reuseKey } : {}),
      fields: {},
      createdAt: work.now,
      updatedAt: work.now
    }
    const project = work.projects.insert(spec.mappings === undefined ? base : applyMappings(base, spec.mappings.mappings, spec.mappings.view))
    work.emit(build.projectCreated(project))
    const byKey = new Map<string, string>()
    planned.forEach((task, i) => {
      const created = work.tasks.insert(newTask(work, project, task, taskIds[i]!, i + 1, task.parent === undefined ? undefined : byKey.get(task.parent), task.name))
      byKey.set(task.key, created.id)
      work.emit(build.taskCreated(created))
    })
    return project
  })

const newTask = (
  work: Work,
  project: Project,
  task: TemplateTask & { readonly template?: string },
  id: string,
  sequence: number,
  parentTaskId: string | undefined,
  name: string
): ProjectTask => ({
  id,
  version: 0,
  projectId: project.id,
  ...(parentTaskId !== undefined ? { parentTaskId } : {}),
  templateId: task.template ?? project.templateId,
  templateTaskKey: task.key,
  name,
  ...(task.description !== undefined ? { description: task.description } : {}),
  sequence,
  planned: task.planned,
  state: "pending",
  fields: {},
  createdAt: work.now,
  updatedAt: work.now
})

/** The program for an order: the account's open one (reuse on) or the order's own; created when missing. */
const programFor = (work: Work, config: Config, order: Orders.CustomerOrder) =>
  Effect.gen(function*() {
    const reuseKey = config.properties.reuse ? `account:${order.accountId}` : `order:${order.id}`
    const [existing] = yield* work.programs.find({ reuseKey }, (p) => p.reuseKey === reuseKey)
    if (existing !== undefined) return { program: existing, reused: existing.orderId !== order.id }
    const program = work.programs.insert({
      id: yield* Ids.next,
      version: 0,
      name: config.properties.reuse ? order.accountName : `${order.accountName} ${order.number ?? order.id}`,
      accountId: order.accountId,
      accountName: order.accountName,
      orderId: order.id,
      state: "pending",
      reuseKey,
      createdAt: work.now,
      updatedAt: work.now
    })
    work.emit(build.programCreated(program))
    return { program, reused: false }
  })

/** An open project by reuse key, or a new one. */
const projectByKey = (work: Work, reuseKey: string, create: Effect.Effect<Project>) =>
  Effect.gen(function*() {
    const [existing] = yield* work.projects.find({ reuseKey }, (p) => p.reuseKey === reuseKey)
    if (existing !== undefined) return { project: existing, reused: true }
    return { project: yield* create, reused: false }
  })

/** Whether an order gets a project at the order level: asked for, or by line count. */
export const wantsOrderProject = (config: Config, order: Orders.CustomerOrder): boolean =>
  config.orderProject !== undefined &&
  (order.projectAtOrderLevel || (config.orderProject.minLines !== undefined && order.lineCount >= config.orderProject.minLines))

// ----- approval ----------------------------------------------------------------------------------

/**
 * Approves lines of an order and runs oversight on them (seed 001's flow, first three steps).
 */
export const approve = (work: Work, config: Config, orderId: string, lineNos: ReadonlyArray<number> | undefined) =>
  Effect.gen(function*() {
    const order = yield* loadOrder(work, orderId)
    if (order.state === "cancelled") {
      return yield* new OversightError({ reason: "InvalidState", id: order.id, message: `Order ${order.number ?? order.id} is cancelled; nothing can be approved` })
    }
    const lines = yield* work.lines.find({ orderId }, (l) => l.orderId === orderId)
    const byNo = new Map(lines.map((l) => [l.lineNo, l]))
    let targets: Array<Orders.OrderLine>
    if (lineNos === undefined) {
      targets = lines.filter((l) => l.state === "new").toSorted((a, b) => a.lineNo - b.lineNo)
      if (targets.length === 0) {
        return yield* new OversightError({ reason: "InvalidState", id: order.id, message: `Order ${order.number ?? order.id} has no lines awaiting approval` })
      }
    } else {
      targets = []
      for (const lineNo of new Set(lineNos)) {
        const line = byNo.get(lineNo)
        if (line === undefined) {
          return yield* new OversightError({
            reason: "UnknownLine",
            id: order.id,
            message: `Order ${order.number ?? order.id} has no line ${lineNo}; its lines are ${[...byNo.keys()].toSorted((a, b) => a - b).join(", ")}`
          })
        }
        if (line.state !== "new") {
          return yield* new OversightError({ reason: "InvalidState", id: line.id, message: `Line ${lineNo} of order ${order.number ?? order.id} is ${line.state}; only new lines can be approved` })
        }
        targets.push(line)
      }
    }
    // The order is written first: concurrent approvals of one order take turns.
    const touched = work.orders.put({ ...order, state: order.state === "new" ? "in_progress" : order.state, updatedAt: work.now })
    if (touched.state !== order.state) work.emit(build.orderStateChanged(touched, order.state))

    const handLinked = new Map((yield* linksFrom(work, "order_line_project", targets.map((l) => l.id))).map((l) => [l.fromId, l.toId]))
    const decisions = yield* decideAll(
      config.orderLineTable,
      targets.map((line) => ({
        id: line.id,
        what: `Line ${line.lineNo} of order ${order.number ?? order.id}`,
        input: {
          productOffering: line.productOfferingId,
          productOfferingName: line.productOfferingName,
          category: line.category ?? null,
          action: line.action,
          quantity: line.quantity,
          siteLocation: line.siteLocationId,
          parentLocation: line.parentLocationId ?? null,
          account: order.accountId,
          orderLines: order.lineCount,
          characteristics: pairs(line.characteristics)
        }
      }))
    )
    const eligible = targets.flatMap((line, i) => {
      const { result, reason } = decisions[i]!
      return result !== undefined && !handLinked.has(line.id) ? [{ line, template: templateOf(config, result.template), reason }] : []
    })

    let program: { program: Program; reused: boolean } | undefined
    let orderProject: { project: Project; reused: boolean } | undefined
    const siteProjects = new Map<string, { project: Project; reused: boolean }>()
    const lineProjects = new Map<string, Project>()
    if (eligible.length > 0) {
      program = yield* programFor(work, config, touched)
      const theProgram = program.program
      if (wantsOrderProject(config, touched)) {
        const template = templateOf(config, config.orderProject!.template)
        orderProject = yield* projectByKey(
          work,
          `order:${order.id}`,
          createProject(work, {
            kind: "order",
            template,
            name: `${template.name}: ${order.accountName} ${order.number ?? order.id}`,
            program: theProgram,
            order: touched,
            reuseKey: `order:${order.id}`
          })
        )
      }
      const siteOf = new Map<string, string>()
      if (orderProject === undefined && config.siteTable !== undefined) {
        const siteDecisions = yield* decideAll(
          config.siteTable,
          eligible.map(({ line }) => ({
            id: line.id,
            what: `Site location ${line.siteLocationName} of line ${line.lineNo}`,
            input: {
              productOffering: line.productOfferingId,
              productOfferingName: line.productOfferingName,
              category: line.category ?? null,
              siteLocation: line.siteLocationId,
              parentLocation: line.parentLocationId ?? null,
              account: order.accountId
            }
          }))
        )
        for (const [i, { line }] of eligible.entries()) {
          const result = siteDecisions[i]!.result
          if (result === undefined) continue
          const useParent = result.location === "parent" && line.parentLocationId !== undefined
          const site = useParent
            ? { id: line.parentLocationId!, name: line.parentLocationName ?? line.parentLocationId! }
            : { id: line.siteLocationId, name: line.siteLocationName }
          siteOf.set(line.id, site.id)
          if (siteProjects.has(site.id)) continue
          const template = templateOf(config, result.template)
          const reuseKey = config.properties.reuse ? `site:${order.accountId}:${site.id}` : `site:${order.id}:${site.id}`
          const found = yield* projectByKey(
            work,
            reuseKey,
            Effect.gen(function*() {
              const project = yield* createProject(work, {
                kind: "site",
                template,
                name: `${template.name}: ${site.name}`,
                program: theProgram,
                order: touched,
                site,
                reuseKey
              })
              yield* link(work, "site_location_project", site.id, project.id, project.id, order.id)
              return project
            })
          )
          siteProjects.set(site.id, found)
        }
      }
      for (const { line, template } of eligible) {
        const parent = orderProject?.project ?? (siteOf.has(line.id) ? siteProjects.get(siteOf.get(line.id)!)!.project : undefined)
        const project = yield* createProject(work, {
          kind: "line",
          template,
          name: `${line.productOfferingName} at ${line.siteLocationName}`,
          description: `${template.name}: line ${line.lineNo} of order ${order.number ?? order.id} for ${order.accountName}`,
          program: theProgram,
          parent,
          order: touched,
          orderLineId: line.id,
          site: { id: line.siteLocationId, name: line.siteLocationName },
          mappings: { mappings: config.fieldMappings.orderLineToProject, view: lineView(touched, line) }
        })
        yield* link(work, "order_line_project", line.id, project.id, project.id, order.id)
        lineProjects.set(line.id, project)
      }
    }
    const approved = targets.map((line, i) => {
      const project = lineProjects.get(line.id)
      const handProject = handLinked.get(line.id)
      const oversight: Orders.OrderLine["oversight"] = project !== undefined
        ? { outcome: "project", reason: decisions[i]!.reason, projectId: project.id }
        : handProject !== undefined
        ? { outcome: "project", reason: "linked to a project by hand", projectId: handProject }
        : { outcome: "not_eligible", reason: decisions[i]!.reason }
      const next = work.lines.put({ ...line, state: "approved", approvedBy: work.principal.userId, approvedAt: work.now, oversight, updatedAt: work.now })
      work.emit(build.lineApproved(next))
      work.emit(build.lineStateChanged(next, line.state))
      return next
    })
    // New projects are pending: the projects above them follow.
    yield* resync(work, config, {
      projects: [...lineProjects.values()].flatMap((p) => (p.parentId === undefined ? [] : [p.parentId])),
      programs: program === undefined ? [] : [program.program.id]
    })
    return {
      order: touched,
      lines: approved,
      program,
      orderProject,
      siteProjects: [...siteProjects.values()],
      projects: [...lineProjects.values()]
    }
  })

// ----- decomposition -----------------------------------------------------------------------------

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

const decomposable = (line: Orders.OrderLine) => line.state === "approved" || line.state === "in_progress"

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
    const project = target.chain.find((p) => p.templateId === target.result.template) ?? target.chain[0]!
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
        definition.planned ? definition.name : `${definition.name}: ${source.name}`
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
          const common = {
            domain: domainOrder.domain,
            name: record.name,
            productOffering: line.productOfferingId,
            category: line.category ?? null,
            projectTemplate: chains.get(record.orderLineId)![0]!.templateId,
            attributes: pairs(record.attributes)
          }
          return {
            id: record.id,
            what: `${kind === "domain_order" ? "Domain order" : "Order task"} ${record.name} of line ${line.lineNo}`,
            input: kind === "order_task" ? { ...common, requestType: (record as Orders.OrderTask).requestType ?? null } : common
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

// ----- states: the order side --------------------------------------------------------------------

/** The state an order follows from its lines. */
const orderStateOf = (lines: ReadonlyArray<Orders.OrderLine>, current: Orders.OrderState): Orders.OrderState => {
  if (lines.length === 0) return current
  if (lines.every((l) => Orders.isDone(l.state))) return lines.every((l) => l.state === "cancelled") ? "cancelled" : "completed"
  return lines.some((l) => l.state !== "new") ? "in_progress" : "new"
}

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
    const mapped = (state: Orders.FulfilmentState) => config.stateMapping[state]
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
        const followed = [
          ...(linksByTask.get(task.id) ?? []).flatMap((l) => {
            const state = (orderTasks.get(l.fromId) ?? domainOrders.get(l.fromId))?.state
            return state === undefined ? [] : [mapped(state)]
          }),
          ...(children.get(task.id) ?? []).map((c) => c.state)
        ]
        const next = derive(task.state, followed, autoClose)
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
  const allowed = Orders.taskTransitions[record.state]
  return allowed.includes(to) ? Effect.void : Effect.fail(
    new OversightError({
      reason: "InvalidTransition",
      id: record.id,
      message: `${what} is ${record.state} and cannot become ${to}; ${allowed.length === 0 ? `${record.state} is final` : `it can become ${allowed.join(", ")}`}`
    })
  )
}

/** Closed for the project side: `closed_*`. */
export { isClosed }
