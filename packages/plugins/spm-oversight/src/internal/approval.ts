/**
 * Approval: lines of an order approved, and oversight run on them: the order-line table, the
 * program, an order-level project or site projects, and line projects with their planned tasks.
 */
import type { Principal, Storage } from "@procura/core"
import { Effect } from "effect"
import type { Config } from "../Config.js"
import type * as Orders from "../Orders.js"
import { OversightError } from "../OversightError.js"
import type { Program, Project } from "../Projects.js"
import { decideAll } from "./determination.js"
import { build } from "./events.js"
import { link, linksFrom, loadOrder } from "./links.js"
import { createProject, programFor, projectByKey } from "./projects.js"
import { lineFacts, lineView, siteFacts, siteOf, siteReuseKey, templateOf, wantsOrderProject } from "./rules.js"
import { resync } from "./states.js"
import type { Work } from "./work.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

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
        input: lineFacts(order, line)
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
      const siteByLine = new Map<string, string>()
      if (orderProject === undefined && config.siteTable !== undefined) {
        const siteDecisions = yield* decideAll(
          config.siteTable,
          eligible.map(({ line }) => ({
            id: line.id,
            what: `Site location ${line.siteLocationName} of line ${line.lineNo}`,
            input: siteFacts(order, line)
          }))
        )
        for (const [i, { line }] of eligible.entries()) {
          const result = siteDecisions[i]!.result
          if (result === undefined) continue
          const site = siteOf(line, result.location)
          siteByLine.set(line.id, site.id)
          if (siteProjects.has(site.id)) continue
          const template = templateOf(config, result.template)
          const reuseKey = siteReuseKey(config, order, site.id)
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
        const parent = orderProject?.project ?? (siteByLine.has(line.id) ? siteProjects.get(siteByLine.get(line.id)!)!.project : undefined)
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
