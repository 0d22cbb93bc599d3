/**
 * Seed 001's integration flow, step by step, on any storage layer: approval and oversight
 * determination, site projects and the program, decomposition into project tasks with field
 * mappings, state sync with auto-closure up to the program, notes, the related lists both ways.
 * Run on memory (Oversight.test.ts), PGlite and PostgreSQL.
 */
import { assert, describe, layer } from "@effect/vitest"
import type { Errors, Operation, Principal, Storage } from "@procura/core"
import type { Oversight, Projects } from "@procura/plugin-spm-oversight"
import { Effect, type Layer } from "effect"
import { as, createOrder, eventsOf, example, freshTenant, handsets, oversight, procura, sdwan, team, type Team } from "./fixtures.js"

/** An approved order: SD-WAN at Berlin and Munich, handsets at Berlin (not overseen). */
export const approvedOrder = (t: Team) =>
  Effect.gen(function*() {
    const o = yield* oversight
    const { order, lines } = yield* createOrder(t, [sdwan("site-ber", "Berlin HQ"), sdwan("site-muc", "Munich office"), handsets("site-ber", "Berlin HQ")])
    const approval = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))
    return { o, order, lines, approval }
  })

/** Line 1 decomposed: a resource domain order (delivery) and a service one with its tasks. */
export const decomposedLine = (t: Team, orderId: string, lineNo = 1) =>
  Effect.flatMap(oversight, (o) =>
    as(
      t.fulfilmentAgent,
      o.recordDecomposition({
        orderId,
        domainOrders: [
          { lineNo, domain: "resource", name: "CPE delivery", attributes: { vendor: "Cisco" }, tasks: [{ name: "Ship CPE", requestType: "ship" }] },
          {
            lineNo,
            domain: "service",
            name: "SD-WAN service",
            tasks: [
              { name: "Design network", requestType: "design" },
              { name: "Configure CPE", requestType: "configure", attributes: { assignmentGroup: "Network Ops" } },
              { name: "Activate service", requestType: "activate" },
              { name: "Survey site", requestType: "survey" }
            ]
          }
        ]
      })
    ))

const byName = <A extends { readonly name: string }>(items: ReadonlyArray<A>, name: string): A => {
  const found = items.find((i) => i.name === name)
  assert.isDefined(found, `no ${name} among ${items.map((i) => i.name).join(", ")}`)
  return found!
}

const states = (tasks: ReadonlyArray<Projects.ProjectTask>) => Object.fromEntries(tasks.map((t) => [t.name, t.state]))

/** Registers the flow scenarios for a storage layer. */
export const flowSuite = <E>(name: string, storage: Layer.Layer<Storage.Storage, E>): void => {
  describe(`spm-oversight flow: ${name}`, () => {
    layer(procura(example(), storage), { timeout: "120 seconds", excludeTestServices: true })((it) => {
      it.effect("approval: eligible lines get projects from their template under a site project per location and one program", () =>
        Effect.gen(function*() {
          const t = team(freshTenant())
          const { o, order, approval } = yield* approvedOrder(t)
          assert.strictEqual(approval.order.state, "in_progress")
          assert.deepStrictEqual(approval.lines.map((l) => [l.lineNo, l.state, l.oversight!.outcome]), [
            [1, "approved", "project"],
            [2, "approved", "project"],
            [3, "approved", "not_eligible"]
          ])
          assert.include(approval.lines[0]!.oversight!.reason, "rule sdwan")
          assert.include(approval.lines[2]!.oversight!.reason, "category", "the reason says why no row matched")
          assert.strictEqual(approval.program!.program.name, "Acme Corp")
          assert.isFalse(approval.program!.reused)
          assert.deepStrictEqual(approval.siteProjects.map((s) => [s.project.name, s.project.kind, s.reused]), [
            ["Site rollout: Berlin HQ", "site", false],
            ["Site rollout: Munich office", "site", false]
          ])
          assert.strictEqual(approval.projects.length, 2, "two eligible lines, two projects")
          const [berlin, munich] = approval.projects
          assert.strictEqual(berlin!.name, "SD-WAN Premium at Berlin HQ")
          assert.strictEqual(berlin!.parentId, approval.siteProjects[0]!.project.id)
          assert.strictEqual(munich!.parentId, approval.siteProjects[1]!.project.id)
          assert.strictEqual(berlin!.topId, approval.siteProjects[0]!.project.id)
          assert.strictEqual(berlin!.programId, approval.program!.program.id)
          assert.deepStrictEqual(berlin!.fields, { u_bandwidth: "1 Gbps", u_customer: "Acme Corp", u_quantity: 1 })

          const detail = yield* as(t.projectUser, o.projectDetails({ id: berlin!.id }))
          assert.deepStrictEqual(detail.tasks.map((task) => [task.name, task.state, task.planned]), [
            ["Network design", "pending", true],
            ["Equipment delivery", "pending", true],
            ["Installation", "pending", true],
            ["Service activation", "pending", true]
          ])
          const site = yield* as(t.projectUser, o.projectDetails({ id: approval.siteProjects[0]!.project.id }))
          assert.deepStrictEqual(site.children.map((c) => c.name), ["SD-WAN Premium at Berlin HQ"])
          assert.deepStrictEqual(site.tasks.map((task) => task.name), ["Site survey"])

          // The related lists, both ways.
          const line1 = approval.lines[0]!
          const fromLine = yield* as(t.fulfilmentAgent, o.orderLineProjects({ orderLineId: line1.id }))
          assert.deepStrictEqual(fromLine.items.map((i) => i.to.id), [berlin!.id])
          const fromProject = yield* as(t.fulfilmentManager, o.orderLineProjects({ projectId: berlin!.id }))
          assert.deepStrictEqual(fromProject.items.map((i) => [i.from.id, i.from.lineNo]), [[line1.id, 1]])
          const fromSite = yield* as(t.projectUser, o.siteLocationProjects({ siteLocationId: "site-muc" }))
          assert.deepStrictEqual(fromSite.items.map((i) => [i.from.name, i.to.id]), [["Munich office", approval.siteProjects[1]!.project.id]])
          const fromSiteProject = yield* as(t.projectUser, o.siteLocationProjects({ projectId: approval.siteProjects[0]!.project.id }))
          assert.deepStrictEqual(fromSiteProject.items.map((i) => i.from.id), ["site-ber"])
          assert.deepStrictEqual((yield* as(t.projectUser, o.orderLineProjects({ orderLineId: approval.lines[2]!.id }))).items, [])

          const events = yield* eventsOf(t.admin.tenantId)
          const count = (type: string) => events.filter((e) => e.type === type).length
          assert.deepStrictEqual(
            [count("oversight.order_created"), count("oversight.order_line_approved"), count("oversight.program_created"), count("oversight.project_created"), count("oversight.project_task_created"), count("oversight.link_created")],
            [1, 3, 1, 4, 10, 4]
          )
          const created = events.find((e) => e.type === "oversight.project_created" && e.payload.projectId === berlin!.id)!
          assert.deepStrictEqual(created.payload, {
            table: "pm_project",
            projectId: berlin!.id,
            kind: "line",
            name: "SD-WAN Premium at Berlin HQ",
            description: "SD-WAN site installation: line 1 of order ORD0001001 for Acme Corp",
            state: "pending",
            stateValue: -5,
            templateId: "sdwan-site",
            programId: approval.program!.program.id,
            parentId: approval.siteProjects[0]!.project.id,
            topId: approval.siteProjects[0]!.project.id,
            accountId: "acc-acme",
            orderId: order.id,
            orderLineId: line1.id,
            siteLocationId: "site-ber",
            siteLocationName: "Berlin HQ",
            fields: { u_bandwidth: "1 Gbps", u_customer: "Acme Corp", u_quantity: 1 }
          })
        }))

      it.effect("decomposition: domain orders and order tasks join or create project tasks, with field mappings", () =>
        Effect.gen(function*() {
          const t = team(freshTenant())
          const { o, order, approval } = yield* approvedOrder(t)
          const result = yield* decomposedLine(t, order.id)
          const [berlin] = approval.projects
          const detail = yield* as(t.projectUser, o.projectDetails({ id: berlin!.id }))
          assert.deepStrictEqual(detail.tasks.map((task) => task.name), [
            "Network design",
            "Equipment delivery",
            "Installation",
            "Service activation",
            "Configure device: Configure CPE"
          ])
          const delivery = byName(detail.tasks, "Equipment delivery")
          const install = byName(detail.tasks, "Installation")
          const configure = byName(detail.tasks, "Configure device: Configure CPE")
          assert.isFalse(configure.planned)
          assert.strictEqual(configure.parentTaskId, install.id, "the template task's parent")
          assert.deepStrictEqual(configure.fields, { assignment_group: "Network Ops", u_site: "Berlin HQ" })
          assert.deepStrictEqual(delivery.fields, { u_vendor: "Cisco", u_site: "Berlin HQ" }, "the domain order's and the ship task's mappings")

          const linkedTo = Object.fromEntries(result.orderTasks.map((task) => [task.name, task.oversight.projectTaskId]))
          assert.strictEqual(linkedTo["Ship CPE"], delivery.id, "joined the planned task")
          assert.strictEqual(linkedTo["Activate service"], byName(detail.tasks, "Service activation").id)
          const survey = (yield* as(t.projectUser, o.projectDetails({ id: approval.siteProjects[0]!.project.id }))).tasks[0]!
          assert.strictEqual(linkedTo["Survey site"], survey.id, "a site-rollout task: the site project's")
          assert.deepStrictEqual(result.domainOrders.map((d) => [d.name, d.oversight.projectTaskId]), [
            ["CPE delivery", delivery.id],
            ["SD-WAN service", install.id]
          ])

          const fromTask = yield* as(t.projectUser, o.orderTaskProjectTasks({ projectTaskId: delivery.id }))
          assert.deepStrictEqual(fromTask.items.map((i) => i.from.name), ["Ship CPE"])
          const ship = result.orderTasks.find((task) => task.name === "Ship CPE")!
          const fromOrderTask = yield* as(t.fulfilmentManager, o.orderTaskProjectTasks({ orderTaskId: ship.id }))
          assert.deepStrictEqual(fromOrderTask.items.map((i) => [i.to.name, i.to.projectId]), [["Equipment delivery", berlin!.id]])
          const fromDomainOrder = yield* as(t.fulfilmentAgent, o.domainOrderProjectTasks({ domainOrderId: result.domainOrders[1]!.id }))
          assert.deepStrictEqual(fromDomainOrder.items.map((i) => i.to.name), ["Installation"])
          const toDomainOrders = yield* as(t.fulfilmentAgent, o.domainOrderProjectTasks({ projectTaskId: delivery.id }))
          assert.deepStrictEqual(toDomainOrders.items.map((i) => [i.from.name, i.from.domain]), [["CPE delivery", "resource"]])

          // A line without a project: its fulfilment is recorded, not overseen.
          const phones = yield* as(t.fulfilmentAgent, o.recordDecomposition({
            orderId: order.id,
            domainOrders: [{ lineNo: 3, domain: "product", name: "Handsets", tasks: [{ name: "Ship handsets", requestType: "ship" }] }]
          }))
          assert.deepStrictEqual(phones.orderTasks.map((task) => [task.oversight.outcome, task.oversight.reason]), [["not_overseen", "the line has no project"]])
          assert.deepStrictEqual(phones.projectTasks, [])
        }))

      it.effect("state sync: order task states reach project tasks at once; auto-closure closes up to the program", () =>
        Effect.gen(function*() {
          const t = team(freshTenant())
          const o = yield* oversight
          const { order } = yield* createOrder(t, [sdwan("site-ham", "Hamburg depot")])
          const approval = yield* as(t.serviceManager, o.approveOrderLines({ orderId: order.id }))
          const project = approval.projects[0]!
          const site = approval.siteProjects[0]!.project
          const program = approval.program!.program
          const { orderTasks } = yield* decomposedLine(t, order.id)
          const task = (n: string) => orderTasks.find((x) => x.name === n)!
          const set = (changes: ReadonlyArray<readonly [string, string]>) =>
            as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: changes.map(([n, state]) => ({ orderTaskId: task(n).id, state: state as never })) }))
          const view = () => as(t.projectUser, o.projectDetails({ id: project.id }))

          const started = yield* set([["Ship CPE", "in_progress"]])
          assert.deepStrictEqual(started.projectTasks.map((p) => [p.name, p.state]), [["Equipment delivery", "work_in_progress"]])
          let current = yield* view()
          assert.strictEqual(current.project.state, "work_in_progress", "the project follows its tasks")
          assert.strictEqual((yield* as(t.projectUser, o.projectDetails({ id: site.id }))).project.state, "work_in_progress")
          const programs = yield* as(t.projectUser, o.listPrograms({ accountId: "acc-acme" }))
          assert.deepStrictEqual(programs.items.map((p) => [p.id, p.state]), [[program.id, "work_in_progress"]])
          const orderNow = yield* as(t.fulfilmentAgent, o.orderDetails({ id: order.id }))
          assert.deepStrictEqual([orderNow.order.state, orderNow.lines[0]!.state], ["in_progress", "in_progress"])
          assert.deepStrictEqual(orderNow.domainOrders.map((d) => [d.name, d.state]), [["CPE delivery", "in_progress"], ["SD-WAN service", "pending"]])

          yield* set([["Ship CPE", "completed"]])
          current = yield* view()
          assert.strictEqual(states(current.tasks)["Equipment delivery"], "closed_complete", "all it follows (the task and the domain order) completed")
          yield* set([["Design network", "in_progress"], ["Configure CPE", "in_progress"], ["Survey site", "in_progress"]])
          yield* set([["Design network", "completed"], ["Configure CPE", "completed"], ["Survey site", "completed"]])
          current = yield* view()
          assert.deepStrictEqual(states(current.tasks), {
            "Network design": "closed_complete",
            "Equipment delivery": "closed_complete",
            "Installation": "work_in_progress",
            "Service activation": "pending",
            "Configure device: Configure CPE": "closed_complete"
          }, "Installation also follows the service domain order, still in progress")
          assert.strictEqual((yield* as(t.projectUser, o.projectDetails({ id: site.id }))).tasks[0]!.state, "closed_complete")

          yield* set([["Activate service", "cancelled"]])
          current = yield* view()
          assert.deepStrictEqual(states(current.tasks), {
            "Network design": "closed_complete",
            "Equipment delivery": "closed_complete",
            "Installation": "closed_complete",
            "Service activation": "closed_skipped",
            "Configure device: Configure CPE": "closed_complete"
          })
          assert.strictEqual(current.project.state, "closed_complete")
          assert.isString(current.project.closedAt)
          assert.strictEqual((yield* as(t.projectUser, o.projectDetails({ id: site.id }))).project.state, "closed_complete")
          const closedPrograms = yield* as(t.projectUser, o.listPrograms({ accountId: "acc-acme" }))
          assert.deepStrictEqual(closedPrograms.items.map((p) => [p.state, p.reuseKey ?? null]), [["closed_complete", null]], "a closed program is not reused")
          const done = yield* as(t.fulfilmentAgent, o.orderDetails({ id: order.id }))
          assert.deepStrictEqual([done.order.state, done.lines[0]!.state, ...done.domainOrders.map((d) => d.state)], ["completed", "completed", "completed", "completed"])

          const events = yield* eventsOf(t.admin.tenantId)
          const delivery = current.tasks.find((x) => x.name === "Equipment delivery")!
          const deliveryChanges = events.flatMap((e) => e.type === "oversight.project_task_state_changed" && e.payload.id === delivery.id ? [e.payload] : [])
          assert.deepStrictEqual(deliveryChanges.map((p) => [p.from, p.to, p.toValue, p.cause?.type]), [
            ["pending", "work_in_progress", 2, "order_task"],
            ["work_in_progress", "closed_complete", 3, "order_task"]
          ])
          assert.strictEqual(deliveryChanges[0]!.cause!.id, task("Ship CPE").id)
          const projectClosed = events.find((e) => e.type === "oversight.project_state_changed" && e.payload.id === project.id && e.payload.to === "closed_complete")
          assert.isDefined(projectClosed)
          assert.deepStrictEqual(
            events.filter((e) => e.type === "oversight.program_state_changed").map((e) => e.type === "oversight.program_state_changed" ? e.payload.to : ""),
            ["work_in_progress", "closed_complete"]
          )
        }))

      it.effect("notes on lines, domain orders and order tasks reach the project side at once", () =>
        Effect.gen(function*() {
          const t = team(freshTenant())
          const { o, order, approval } = yield* approvedOrder(t)
          const { domainOrders, orderTasks } = yield* decomposedLine(t, order.id)
          const line = approval.lines[0]!
          const onLine = yield* as(t.fulfilmentManager, o.addNote({ subjectType: "order_line", subjectId: line.id, kind: "comment", text: "Customer asks for a weekend install" }))
          assert.deepStrictEqual(onLine.copies.map((c) => [c.subjectType, c.subjectId, c.kind, c.sourceNoteId]), [["project", approval.projects[0]!.id, "comment", onLine.note.id]])
          const ship = orderTasks.find((x) => x.name === "Ship CPE")!
          const onTask = yield* as(t.fulfilmentAgent, o.addNote({ subjectType: "order_task", subjectId: ship.id, text: "Courier booked" }))
          assert.deepStrictEqual(onTask.copies.map((c) => [c.subjectType, c.subjectId, c.kind]), [["project_task", ship.oversight.projectTaskId, "work_note"]])
          const onDomainOrder = yield* as(t.fulfilmentAgent, o.addNote({ subjectType: "domain_order", subjectId: domainOrders[1]!.id, text: "Service design approved" }))
          assert.strictEqual(onDomainOrder.copies[0]!.subjectId, domainOrders[1]!.oversight.projectTaskId)

          const projectNotes = yield* as(t.projectUser, o.listProjectNotes({ subjectType: "project", subjectId: approval.projects[0]!.id }))
          assert.deepStrictEqual(projectNotes.items.map((n) => [n.text, n.by, n.sourceType]), [["Customer asks for a weekend install", "max.manager", "order_line"]])
          const taskNotes = yield* as(t.projectUser, o.listProjectNotes({ subjectType: "project_task", subjectId: ship.oversight.projectTaskId! }))
          assert.deepStrictEqual(taskNotes.items.map((n) => n.text), ["Courier booked"])
          const orderNotes = yield* as(t.fulfilmentAgent, o.listOrderNotes({ subjectType: "order_task", subjectId: ship.id }))
          assert.deepStrictEqual(orderNotes.items.map((n) => n.text), ["Courier booked"])
          const noProject = yield* as(t.fulfilmentManager, o.addNote({ subjectType: "order_line", subjectId: approval.lines[2]!.id, text: "Handsets in stock" }))
          assert.deepStrictEqual(noProject.copies, [], "a line without a project keeps its notes")

          const events = yield* eventsOf(t.admin.tenantId)
          const noted = events.flatMap((e) => (e.type === "oversight.note_added" ? [e.payload] : []))
          assert.deepStrictEqual(noted.map((p) => [p.table, p.journal]), [
            ["sn_ind_tmt_orm_order_line_item", "comments"],
            ["pm_project", "comments"],
            ["sn_ind_tmt_orm_order_task", "work_notes"],
            ["pm_project_task", "work_notes"],
            ["sn_ind_tmt_orm_domain_order", "work_notes"],
            ["pm_project_task", "work_notes"],
            ["sn_ind_tmt_orm_order_line_item", "work_notes"]
          ])
        }))
    })
  })
}

/** The type of the oversight service and what its calls need and fail with, for helpers. */
export type Service = Oversight.Oversight | Principal.CurrentPrincipal | Errors.NotFound | Operation.RunError | Operation.Methods<Oversight.Operations>
