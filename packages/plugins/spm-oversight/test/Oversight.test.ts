import { assert, describe, layer } from "@effect/vitest"
import { type Errors, Storage } from "@procura/core"
import { Oversight, type OversightError, Projects } from "@procura/plugin-spm-oversight"
import { MemoryStorage } from "@procura/storage-memory"
import { Fixtures } from "@procura/testkit"
import { Effect } from "effect"
import { as, createOrder, eventsOf, example, freshTenant, handsets, oversight, procura, sdwan, team, type Team, withProperties } from "./fixtures.js"
import { approvedOrder, decomposedLine } from "./scenarios.js"

const failureOf = Fixtures.failureOf

/** A LAN line on a campus (the site has a parent location). */
const lan = (site: string, siteName: string, quantity = 8) => ({
  productOffering: { id: "po-lan", name: "Managed LAN", category: "LAN" },
  site: { id: site, name: siteName, parent: { id: "campus-north", name: "North campus" } },
  quantity
})

/** Every record of the tenant's oversight collections, as ids and versions. */
const snapshot = (who: Team["admin"]) =>
  as(
    who,
    Effect.gen(function*() {
      const storage = yield* Storage.Storage
      const all: Array<string> = []
      for (const collection of Oversight.collections) {
        const page = yield* storage.find(collection, { limit: 1000 })
        all.push(...page.items.map((r) => `${collection.name}:${r.id}@${r.version}`))
      }
      const events = yield* storage.readEvents({ after: 0, limit: 100_000, tenantId: who.tenantId })
      return { records: all.toSorted(), events: events.length }
    })
  )

const projectStates = (t: Team, projectId: string) =>
  Effect.flatMap(oversight, (o) =>
    Effect.map(as(t.projectUser, o.projectDetails({ id: projectId })), (view) => ({
      project: view.project.state,
      tasks: Object.fromEntries(view.tasks.map((task) => [task.name, task.state]))
    })))

describe("spm-oversight: reuse property", () => {
  layer(procura(withProperties({ reuse: true }), MemoryStorage.layer()), { excludeTestServices: true })((it) => {
    it.effect("on: a second order of the account reuses its program and the site project of a location", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const { approval: first } = yield* approvedOrder(t)
        const o = yield* oversight
        const { order } = yield* createOrder(t, [sdwan("site-ber", "Berlin HQ"), sdwan("site-fra", "Frankfurt office")], { number: "ORD0001002" })
        const second = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))
        assert.strictEqual(second.program!.program.id, first.program!.program.id)
        assert.isTrue(second.program!.reused)
        assert.deepStrictEqual(second.siteProjects.map((s) => [s.project.name, s.reused]), [
          ["Site rollout: Berlin HQ", true],
          ["Site rollout: Frankfurt office", false]
        ])
        assert.strictEqual(second.siteProjects[0]!.project.id, first.siteProjects[0]!.project.id)
        assert.strictEqual(second.projects[0]!.parentId, first.siteProjects[0]!.project.id, "the new line project joins the reused site project")
        const berlin = yield* as(t.projectUser, o.projectDetails({ id: first.siteProjects[0]!.project.id }))
        assert.strictEqual(berlin.children.length, 2)
        const programs = yield* as(t.projectUser, o.listPrograms({ accountId: "acc-acme" }))
        assert.strictEqual(programs.items.length, 1)
        // Another account gets its own program.
        const other = yield* as(t.fulfilmentManager, o.createOrder({ account: { id: "acc-globex", name: "Globex" }, lines: [sdwan("site-ber", "Berlin HQ")] }))
        const third = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: other.order.id }))
        assert.notStrictEqual(third.program!.program.id, first.program!.program.id)
        assert.notStrictEqual(third.siteProjects[0]!.project.id, first.siteProjects[0]!.project.id, "site projects are reused within an account")
      }))

    it.effect("on: orders of one account approved at the same time share one program", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const o = yield* oversight
        const orders = yield* Effect.forEach([1, 2, 3], (n) => createOrder(t, [sdwan(`site-${n}`, `Site ${n}`)], { number: `ORD-${n}` }))
        const approvals = yield* Effect.all(orders.map(({ order }) => as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))), { concurrency: "unbounded" })
        assert.strictEqual(new Set(approvals.map((a) => a.program!.program.id)).size, 1)
        assert.strictEqual((yield* as(t.projectUser, o.listPrograms({ accountId: "acc-acme" }))).items.length, 1)
      }))

    it.effect("a LAN line on a campus gets the site project of its parent location", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const o = yield* oversight
        const { order } = yield* createOrder(t, [lan("bldg-a", "Building A"), lan("bldg-b", "Building B"), lan("bldg-c", "Building C", 2)])
        const approval = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))
        assert.deepStrictEqual(approval.siteProjects.map((s) => [s.project.name, s.project.siteLocationId]), [["Site rollout: North campus", "campus-north"]])
        assert.deepStrictEqual(approval.projects.map((p) => [p.name, p.templateId, p.parentId]), [
          ["Managed LAN at Building A", "managed-lan", approval.siteProjects[0]!.project.id],
          ["Managed LAN at Building B", "managed-lan", approval.siteProjects[0]!.project.id]
        ])
        assert.strictEqual(approval.lines[2]!.oversight!.outcome, "not_eligible", "fewer than five switches")
        assert.include(approval.lines[2]!.oversight!.reason, "quantity")
      }))
  })
})

describe("spm-oversight: reuse off", () => {
  layer(procura(withProperties({ reuse: false }), MemoryStorage.layer()), { excludeTestServices: true })((it) => {
    it.effect("off: each order gets a program and site projects of its own; lines approved later join them", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const o = yield* oversight
        const { order } = yield* createOrder(t, [sdwan("site-ber", "Berlin HQ"), sdwan("site-ber", "Berlin HQ", { quantity: 2 })])
        const first = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id, lineNos: [1] }))
        const later = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id, lineNos: [2] }))
        assert.strictEqual(later.program!.program.id, first.program!.program.id, "the same order keeps its program")
        assert.strictEqual(later.siteProjects[0]!.project.id, first.siteProjects[0]!.project.id)
        assert.strictEqual(first.program!.program.name, "Acme Corp ORD0001001")

        const next = yield* createOrder(t, [sdwan("site-ber", "Berlin HQ")], { number: "ORD0001002" })
        const second = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: next.order.id }))
        assert.notStrictEqual(second.program!.program.id, first.program!.program.id)
        assert.isFalse(second.program!.reused)
        assert.notStrictEqual(second.siteProjects[0]!.project.id, first.siteProjects[0]!.project.id)
        assert.isFalse(second.siteProjects[0]!.reused)
        assert.strictEqual((yield* as(t.projectUser, o.listPrograms({ accountId: "acc-acme" }))).items.length, 2)
        const sites = yield* as(t.projectUser, o.siteLocationProjects({ siteLocationId: "site-ber" }))
        assert.strictEqual(sites.items.length, 2, "the location's related list shows both orders' site projects")
      }))
  })
})

describe("spm-oversight: auto-closure off", () => {
  layer(procura(withProperties({ autoClose: false }), MemoryStorage.layer()), { excludeTestServices: true })((it) => {
    it.effect("off: states flow while tasks are in progress, nothing closes by itself, a project manager closes by hand", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const o = yield* oversight
        const { order } = yield* createOrder(t, [sdwan("site-ham", "Hamburg depot")])
        const approval = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))
        const project = approval.projects[0]!
        const { orderTasks } = yield* decomposedLine(t, order.id)
        yield* as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: orderTasks.map((task) => ({ orderTaskId: task.id, state: "in_progress" as const })) }))
        let view = yield* projectStates(t, project.id)
        assert.strictEqual(view.tasks["Equipment delivery"], "work_in_progress")
        const activate = orderTasks.find((task) => task.name === "Activate service")!
        yield* as(t.fulfilmentAgent, o.setOrderTaskStates({
          changes: orderTasks.filter((task) => task !== activate).map((task) => ({ orderTaskId: task.id, state: "completed" as const }))
        }))
        view = yield* projectStates(t, project.id)
        assert.deepStrictEqual(view, {
          project: "work_in_progress",
          tasks: {
            "Network design": "work_in_progress",
            "Equipment delivery": "work_in_progress",
            "Installation": "work_in_progress",
            "Service activation": "work_in_progress",
            "Configure device: Configure CPE": "work_in_progress"
          }
        }, "what they follow is complete (activation is still in progress), and nothing closed")
        const done = yield* as(t.fulfilmentAgent, o.orderDetails({ id: order.id }))
        assert.deepStrictEqual(done.domainOrders.map((d) => d.state), ["completed", "in_progress"], "the order side completes as usual")

        // The project manager closes the tasks; the project still waits for its own closure.
        const tasks = (yield* as(t.projectUser, o.projectDetails({ id: project.id }))).tasks
        for (const task of tasks.filter((x) => x.parentTaskId === undefined)) {
          yield* as(t.projectManager, o.setProjectState({ type: "project_task", id: task.id, state: "closed_complete" }))
        }
        view = yield* projectStates(t, project.id)
        assert.strictEqual(view.project, "work_in_progress")
        const closed = yield* as(t.projectManager, o.setProjectState({ type: "project", id: project.id, state: "closed_complete" }))
        assert.strictEqual(closed.project!.state, "closed_complete")
        assert.isString(closed.project!.closedAt)
        // A later in-flight task does not reopen what was closed by hand.
        yield* as(t.fulfilmentAgent, o.recordDecomposition({
          orderId: order.id,
          tasks: [{ domainOrderId: orderTasks[0]!.domainOrderId, name: "Ship spare CPE", requestType: "ship" }]
        }))
        view = yield* projectStates(t, project.id)
        assert.deepStrictEqual([view.project, view.tasks["Equipment delivery"]], ["closed_complete", "closed_complete"])
      }))
  })
})

describe("spm-oversight: the example configuration", () => {
  layer(procura(example(), MemoryStorage.layer()), { excludeTestServices: true })((it) => {
    it.effect("auto-closure on: a task closed by hand cascades; closing and reopening follow in-flight tasks", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const o = yield* oversight
        const { order } = yield* createOrder(t, [sdwan("site-ham", "Hamburg depot")])
        const approval = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))
        const project = approval.projects[0]!
        const { orderTasks } = yield* decomposedLine(t, order.id)
        const ship = orderTasks.find((x) => x.name === "Ship CPE")!
        yield* as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: [{ orderTaskId: ship.id, state: "in_progress" }] }))
        yield* as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: [{ orderTaskId: ship.id, state: "completed" }] }))
        assert.strictEqual((yield* projectStates(t, project.id)).tasks["Equipment delivery"], "closed_complete")

        // In flight: a spare CPE to ship. It joins the planned delivery task, which reopens.
        const spare = yield* as(t.fulfilmentAgent, o.recordDecomposition({
          orderId: order.id,
          tasks: [{ domainOrderId: ship.domainOrderId, name: "Ship spare CPE", requestType: "ship" }]
        }))
        assert.strictEqual(spare.orderTasks[0]!.oversight.projectTaskId, ship.oversight.projectTaskId, "joined the predefined planned task")
        assert.strictEqual((yield* projectStates(t, project.id)).tasks["Equipment delivery"], "work_in_progress")
        const domainOrder = (yield* as(t.fulfilmentAgent, o.orderDetails({ id: order.id }))).domainOrders.find((d) => d.id === ship.domainOrderId)!
        assert.strictEqual(domainOrder.state, "in_progress", "the completed domain order reopens for its new task")
        yield* as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: [{ orderTaskId: spare.orderTasks[0]!.id, state: "in_progress" }] }))
        yield* as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: [{ orderTaskId: spare.orderTasks[0]!.id, state: "completed" }] }))
        assert.strictEqual((yield* projectStates(t, project.id)).tasks["Equipment delivery"], "closed_complete")

        // The project manager skips the rest by hand: the project and everything above close.
        const tasks = (yield* as(t.projectUser, o.projectDetails({ id: project.id }))).tasks
        for (const name of ["Network design", "Installation", "Service activation"]) {
          yield* as(t.projectAdmin, o.setProjectState({ type: "project_task", id: tasks.find((x) => x.name === name)!.id, state: "closed_skipped" }))
        }
        assert.strictEqual((yield* projectStates(t, project.id)).project, "closed_complete")
        const site = yield* as(t.projectUser, o.projectDetails({ id: approval.siteProjects[0]!.project.id }))
        assert.strictEqual(site.project.state, "work_in_progress", "the site survey is still open")
        yield* as(t.projectAdmin, o.setProjectState({ type: "project_task", id: site.tasks[0]!.id, state: "closed_complete" }))
        assert.strictEqual((yield* as(t.projectUser, o.projectDetails({ id: site.project.id }))).project.state, "closed_complete")
        const again = failureOf(yield* Effect.exit(as(t.projectAdmin, o.setProjectState({ type: "project", id: project.id, state: "closed_complete" }))))
        assert.strictEqual((again as OversightError.OversightError).reason, "InvalidTransition")
        assert.include(again.message, "already closed_complete")
      }))

    it.effect("two order tasks of one project task completing at once close it (siblings take turns)", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const o = yield* oversight
        const { order } = yield* createOrder(t, [sdwan("site-kol", "Cologne store")])
        const approval = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))
        const { domainOrders } = yield* as(t.fulfilmentAgent, o.recordDecomposition({
          orderId: order.id,
          domainOrders: [{ lineNo: 1, domain: "product", name: "Hardware", tasks: [{ name: "Ship router", requestType: "ship" }, { name: "Ship switch", requestType: "ship" }] }]
        }))
        const tasks = (yield* as(t.fulfilmentAgent, o.orderDetails({ id: order.id }))).orderTasks.filter((x) => x.domainOrderId === domainOrders[0]!.id)
        yield* as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: tasks.map((x) => ({ orderTaskId: x.id, state: "in_progress" as const })) }))
        yield* Effect.all(
          tasks.map((x) => as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: [{ orderTaskId: x.id, state: "completed" }] }))),
          { concurrency: "unbounded" }
        )
        assert.strictEqual((yield* projectStates(t, approval.projects[0]!.id)).tasks["Equipment delivery"], "closed_complete")
      }))

    it.effect("staggered decomposition: domain orders recorded over several calls each reach their project", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const { o, order, approval } = yield* approvedOrder(t)
        const first = yield* as(t.fulfilmentAgent, o.recordDecomposition({
          orderId: order.id,
          domainOrders: [{ lineNo: 1, domain: "resource", name: "CPE delivery Berlin", tasks: [{ name: "Ship CPE", requestType: "ship" }] }]
        }))
        const second = yield* as(t.fulfilmentAgent, o.recordDecomposition({
          orderId: order.id,
          domainOrders: [{ lineNo: 2, domain: "resource", name: "CPE delivery Munich", tasks: [{ name: "Ship CPE", requestType: "ship" }] }]
        }))
        assert.strictEqual(first.projectTasks[0]!.projectId, approval.projects[0]!.id)
        assert.strictEqual(second.projectTasks[0]!.projectId, approval.projects[1]!.id)
        const third = yield* as(t.fulfilmentAgent, o.recordDecomposition({
          orderId: order.id,
          domainOrders: [{ lineNo: 1, domain: "service", name: "SD-WAN service Berlin", tasks: [{ name: "Activate", requestType: "activate" }] }]
        }))
        assert.deepStrictEqual(third.projectTasks.map((x) => [x.name, x.projectId]), [["Installation", approval.projects[0]!.id], ["Service activation", approval.projects[0]!.id]])
        assert.strictEqual((yield* as(t.projectUser, o.projectDetails({ id: approval.projects[0]!.id }))).tasks.length, 4, "planned tasks joined, none added")
      }))

    it.effect("in-flight changes: added lines are overseen on approval, changes reach the project, cancelled lines close their tasks", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const { o, order, approval } = yield* approvedOrder(t)
        yield* decomposedLine(t, order.id)
        const changed = yield* as(t.fulfilmentManager, o.changeOrder({
          orderId: order.id,
          addLines: [sdwan("site-muc", "Munich office", { quantity: 3 })],
          changeLines: [{ lineNo: 1, characteristics: { bandwidth: "10 Gbps" } }],
          cancelLines: [2]
        }))
        assert.deepStrictEqual(changed.lines.map((l) => [l.lineNo, l.state]), [[1, "approved"], [2, "cancelled"], [3, "approved"], [4, "new"]])
        assert.strictEqual(changed.order.revision, 2)
        assert.strictEqual(changed.order.lineCount, 4)
        const berlin = yield* as(t.projectUser, o.projectDetails({ id: approval.projects[0]!.id }))
        assert.strictEqual(berlin.project.fields["u_bandwidth"], "10 Gbps", "the field mapping follows the change")
        const added = yield* as(t.serviceManager, o.approveOrderLines({ orderId: order.id }))
        assert.deepStrictEqual(added.lines.map((l) => l.lineNo), [4])
        assert.strictEqual(added.siteProjects[0]!.project.id, approval.siteProjects[1]!.project.id, "the Munich site project is reused")
        assert.deepStrictEqual(added.projects[0]!.fields, { u_bandwidth: "1 Gbps", u_customer: "Acme Corp", u_quantity: 3 })

        // Cancelling a decomposed line cancels its fulfilment; the project tasks follow.
        const munich = yield* as(t.fulfilmentAgent, o.recordDecomposition({
          orderId: order.id,
          domainOrders: [{ lineNo: 4, domain: "resource", name: "CPE delivery", tasks: [{ name: "Ship CPE", requestType: "ship" }] }]
        }))
        yield* as(t.fulfilmentManager, o.changeOrder({ orderId: order.id, cancelLines: [4] }))
        const view = yield* projectStates(t, added.projects[0]!.id)
        assert.strictEqual(view.tasks["Equipment delivery"], "closed_skipped")
        const after = yield* as(t.fulfilmentAgent, o.orderDetails({ id: order.id }))
        assert.deepStrictEqual(after.orderTasks.filter((x) => x.id === munich.orderTasks[0]!.id).map((x) => x.state), ["cancelled"])
        const events = yield* eventsOf(t.admin.tenantId)
        assert.isTrue(events.some((e) => e.type === "oversight.project_updated" && e.payload.projectId === approval.projects[0]!.id && e.payload.fields["u_bandwidth"] === "10 Gbps"))
        assert.strictEqual(events.filter((e) => e.type === "oversight.order_changed").length, 2)

        const refused = failureOf(yield* Effect.exit(as(t.fulfilmentManager, o.changeOrder({ orderId: order.id, changeLines: [{ lineNo: 2, quantity: 5 }] }))))
        assert.strictEqual((refused as OversightError.OversightError).reason, "InvalidState")
        assert.include(refused.message, "Line 2 of order ORD0001001 is cancelled")
      }))

    it.effect("large orders: one order-level project, asked for or by line count, with the line projects under it", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const o = yield* oversight
        const { order } = yield* createOrder(t, [sdwan("site-ber", "Berlin HQ"), sdwan("site-muc", "Munich office"), handsets("site-ber", "Berlin HQ")])
        const asked = yield* as(t.fulfilmentAgent, o.requestOrderProject({ orderId: order.id }))
        assert.isTrue(asked.projectAtOrderLevel)
        const approval = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))
        const orderProject = approval.orderProject!.project
        assert.strictEqual(orderProject.kind, "order")
        assert.strictEqual(orderProject.name, "Enterprise order delivery: Acme Corp ORD0001001")
        assert.deepStrictEqual(approval.siteProjects, [], "a large order is overseen as one project")
        assert.deepStrictEqual(approval.projects.map((p) => [p.parentId, p.topId]), [[orderProject.id, orderProject.id], [orderProject.id, orderProject.id]])
        const view = yield* as(t.projectUser, o.projectDetails({ id: orderProject.id }))
        assert.deepStrictEqual(view.tasks.map((x) => x.name), ["Project governance", "Customer handover"])
        assert.strictEqual(view.children.length, 2)
        // The order-level project's specification tasks map to order tasks.
        const handover = yield* as(t.fulfilmentAgent, o.recordDecomposition({
          orderId: order.id,
          domainOrders: [{ lineNo: 2, domain: "service", name: "Service", tasks: [{ name: "Hand over to Acme", requestType: "handover" }] }]
        }))
        assert.deepStrictEqual(handover.projectTasks.map((x) => [x.name, x.projectId]), [["Installation", approval.projects[1]!.id], ["Customer handover", orderProject.id]])

        const late = failureOf(yield* Effect.exit(as(t.fulfilmentAgent, o.requestOrderProject({ orderId: order.id }))))
        assert.strictEqual((late as OversightError.OversightError).reason, "InvalidState")
        assert.include(late.message, "already has approved lines (1, 2, 3)")
      }))

    it.effect("large orders: from orderProject.minLines lines on, without asking", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const o = yield* oversight
        const lines = Array.from({ length: 50 }, (_, i) => sdwan(`site-${i % 5}`, `Site ${i % 5}`))
        const { order } = yield* createOrder(t, lines)
        const approval = yield* as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))
        assert.isDefined(approval.orderProject)
        assert.strictEqual(approval.projects.length, 50)
        assert.isTrue(approval.projects.every((p) => p.parentId === approval.orderProject!.project.id))
      }))

    it.effect("manual links by an IT project administrator: order lines to projects, order tasks to project tasks", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const { o, order, approval } = yield* approvedOrder(t)
        const phones = yield* as(t.fulfilmentAgent, o.recordDecomposition({
          orderId: order.id,
          domainOrders: [{ lineNo: 3, domain: "product", name: "Handsets", tasks: [{ name: "Install handsets", requestType: "install", attributes: { assignmentGroup: "Field Ops" } }] }]
        }))
        const install = (yield* as(t.projectUser, o.projectDetails({ id: approval.projects[0]!.id }))).tasks.find((x) => x.name === "Installation")!
        const linked = yield* as(t.projectAdmin, o.linkOrderTask({ orderTaskId: phones.orderTasks[0]!.id, projectTaskId: install.id }))
        assert.isTrue(linked.link.manual)
        assert.strictEqual(linked.projectTask.fields["assignment_group"], "Field Ops")
        assert.include(linked.orderTask.oversight.reason, "by ian.admin")
        yield* as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: [{ orderTaskId: phones.orderTasks[0]!.id, state: "in_progress" }] }))
        assert.strictEqual((yield* projectStates(t, approval.projects[0]!.id)).tasks["Installation"], "work_in_progress")
        const twice = failureOf(yield* Effect.exit(as(t.projectAdmin, o.linkOrderTask({ orderTaskId: phones.orderTasks[0]!.id, projectTaskId: install.id }))))
        assert.strictEqual((twice as OversightError.OversightError).reason, "AlreadyLinked")

        const lineLink = yield* as(t.projectAdmin, o.linkOrderLine({ orderLineId: approval.lines[2]!.id, projectId: approval.projects[0]!.id }))
        assert.strictEqual(lineLink.line.oversight!.projectId, approval.projects[0]!.id)
        const lines = yield* as(t.projectUser, o.orderLineProjects({ projectId: approval.projects[0]!.id }))
        assert.deepStrictEqual(lines.items.map((i) => [i.from.lineNo, i.link.manual]), [[1, false], [3, true]])
      }))

    it.effect("refusals name what was wrong and write nothing", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const { o, order, approval } = yield* approvedOrder(t)
        const { orderTasks, domainOrders } = yield* decomposedLine(t, order.id)
        const before = yield* snapshot(t.admin)

        const twice = failureOf(yield* Effect.exit(as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id, lineNos: [1] }))))
        assert.deepStrictEqual([twice._tag, (twice as OversightError.OversightError).reason], ["OversightError", "InvalidState"])
        assert.include(twice.message, "Line 1 of order ORD0001001 is approved")
        const none = failureOf(yield* Effect.exit(as(t.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))))
        assert.include(none.message, "has no lines awaiting approval")
        const unknownLine = failureOf(yield* Effect.exit(as(t.fulfilmentAgent, o.recordDecomposition({ orderId: order.id, domainOrders: [{ lineNo: 9, domain: "x", name: "x" }] }))))
        assert.strictEqual((unknownLine as OversightError.OversightError).reason, "UnknownLine")
        assert.include(unknownLine.message, "no line 9; its lines are 1, 2, 3")
        const backwards = failureOf(yield* Effect.exit(as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: [{ orderTaskId: orderTasks[0]!.id, state: "completed" }] }))))
        assert.strictEqual((backwards as OversightError.OversightError).reason, "InvalidTransition")
        assert.include(backwards.message, "is pending and cannot become completed; it can become open, in_progress, cancelled")
        const derived = failureOf(yield* Effect.exit(as(t.fulfilmentAgent, o.setDomainOrderState({ domainOrderId: domainOrders[0]!.id, state: "in_progress" }))))
        assert.strictEqual((derived as OversightError.OversightError).reason, "DerivedState")
        assert.include(derived.message, "follows its 1 order task(s)")
        const missing = failureOf(yield* Effect.exit(as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: [{ orderTaskId: orderTasks[0]!.id, state: "open" }, { orderTaskId: "nope", state: "open" }] }))))
        assert.deepStrictEqual([missing._tag, (missing as Errors.NotFound).id], ["NotFound", "nope"])
        const invalid = failureOf(yield* Effect.exit(as(t.fulfilmentManager, o.createOrder({ account: { id: "a", name: "A" }, lines: [] }))))
        assert.strictEqual(invalid._tag, "ValidationError")
        assert.include(invalid.message, "an order needs at least one line")
        const empty = failureOf(yield* Effect.exit(as(t.fulfilmentManager, o.changeOrder({ orderId: order.id }))))
        assert.include(empty.message, "the change is empty")
        const both = failureOf(yield* Effect.exit(as(t.projectUser, o.orderLineProjects({ orderLineId: "a", projectId: approval.projects[0]!.id }))))
        assert.include(both.message, "give orderLineId or projectId, not both")
        assert.deepStrictEqual(yield* snapshot(t.admin), before, "nothing was written")

        // A domain order without tasks moves by itself, and its project task follows.
        const standalone = yield* as(t.fulfilmentAgent, o.recordDecomposition({ orderId: order.id, domainOrders: [{ lineNo: 2, domain: "resource", name: "Munich CPE" }] }))
        const moved = yield* as(t.fulfilmentAgent, o.setDomainOrderState({ domainOrderId: standalone.domainOrders[0]!.id, state: "in_progress" }))
        assert.strictEqual(moved.state, "in_progress")
        assert.strictEqual((yield* projectStates(t, approval.projects[1]!.id)).tasks["Equipment delivery"], "work_in_progress")
      }))

    it.effect("tenants: another tenant sees nothing and reuses nothing", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const other = team(freshTenant())
        const { o, order, approval } = yield* approvedOrder(t)
        const notThere = failureOf(yield* Effect.exit(as(other.fulfilmentAgent, o.orderDetails({ id: order.id }))))
        assert.deepStrictEqual([notThere._tag, (notThere as Errors.NotFound).entity], ["NotFound", "CustomerOrder"])
        const cannotApprove = failureOf(yield* Effect.exit(as(other.fulfilmentManager, o.approveOrderLines({ orderId: order.id }))))
        assert.strictEqual(cannotApprove._tag, "NotFound")
        assert.deepStrictEqual((yield* as(other.projectUser, o.listPrograms({}))).items, [])
        assert.deepStrictEqual((yield* as(other.projectUser, o.orderLineProjects({ projectId: approval.projects[0]!.id }))).items, [])
        const theirs = yield* createOrder(other, [sdwan("site-ber", "Berlin HQ")])
        const theirApproval = yield* as(other.fulfilmentManager, o.approveOrderLines({ orderId: theirs.order.id }))
        assert.isFalse(theirApproval.program!.reused, "same account id, other tenant: no reuse")
        assert.isFalse(theirApproval.siteProjects[0]!.reused)
      }))

    it.effect("every event appended is a well-formed oversight event", () =>
      Effect.gen(function*() {
        const t = team(freshTenant())
        const { o, order } = yield* approvedOrder(t)
        const { orderTasks } = yield* decomposedLine(t, order.id)
        yield* as(t.fulfilmentAgent, o.setOrderTaskStates({ changes: orderTasks.map((x) => ({ orderTaskId: x.id, state: "in_progress" as const })) }))
        yield* as(t.fulfilmentManager, o.addNote({ subjectType: "order_task", subjectId: orderTasks[0]!.id, text: "On its way" }))
        const events = yield* eventsOf(t.admin.tenantId)
        const types = new Set(events.map((e) => e.type))
        for (const type of ["oversight.project_created", "oversight.project_task_created", "oversight.project_task_state_changed", "oversight.note_added", "oversight.program_created"]) {
          assert.isTrue(types.has(type as never), `${type} was appended`)
        }
        for (const event of events) {
          if (event.type === "oversight.project_task_state_changed") assert.strictEqual(event.payload.toValue, Projects.stateValues[event.payload.to])
        }
      }))
  })
})
