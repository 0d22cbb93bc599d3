/**
 * The SPM connector against the simulated instance (SPM tables, insert_project_tasks), with the
 * spm-oversight plugin and its example configuration, as a suite run on each storage adapter:
 * Spm.test.ts (memory) and SpmPostgres.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Spm } from "@procura/connector-servicenow"
import { Connector, Delivery, Plugin, Principal, Procura, Storage } from "@procura/core"
import { type Config, Oversight, Projects, SpmOversight } from "@procura/plugin-spm-oversight"
import { ServiceNowSimulator, ServiceNowTables } from "@procura/testkit"
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"
import { fastRetry, instanceUrl, oauth, oauthPassword } from "./utils.js"

/**
 * The plugin's example configuration, its "Configure device" task (created later, by
 * decomposition) also waiting for the network design: a dependency the connector writes itself.
 */
const example = (): Config.ConfigInput => {
  const config = (parse(readFileSync(fileURLToPath(new URL("../../../../docs/examples/spm-oversight.config.yaml", import.meta.url)), "utf8")) as {
    plugins: { "spm-oversight": { templates: Array<{ id: string; tasks: Array<{ key: string; after?: Array<string> }> }> } }
  }).plugins["spm-oversight"]
  const configure = config.templates.find((t) => t.id === "sdwan-site")!.tasks.find((t) => t.key === "configure")!
  configure.after = ["design"]
  return config as unknown as Config.ConfigInput
}

const tenantId = "t1"
const team = {
  manager: { userId: "max.manager", tenantId, roles: ["order_fulfilment_manager"] },
  agent: { userId: "fay.agent", tenantId, roles: ["order_fulfilment_agent"] },
  reader: { userId: "pia.user", tenantId, roles: ["it_project_user"] },
  sync: { userId: "spm-sync", tenantId, roles: ["it_project_manager", "it_project_user"] }
} satisfies Record<string, Principal.Principal>

const as = <A, E, R>(who: Principal.Principal, effect: Effect.Effect<A, E, R>) => Principal.runAs(effect, who)

const client = { instanceUrl, auth: oauthPassword, retry: fastRetry }
const fast: Delivery.RetryPolicy = { attempts: 2, baseDelay: "1 millis", maxDelay: "1 millis" }

/** Runs a program against a simulated instance with the SPM tables, listening for its duration. */
const withSimulator = <A, E, R>(use: (sim: ServiceNowSimulator.Simulator) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const sim = ServiceNowSimulator.make({ instanceUrl, auth: { oauth }, ...ServiceNowTables.spm })
      sim.listen()
      return sim
    }),
    use,
    (sim) => Effect.sync(() => sim.close())
  )

/** Runs a program with the plugin and the SPM connector enabled, on the store of the environment. */
const withSpm = <A, E>(program: (composition: Plugin.Composition) => Effect.Effect<A, E, Storage.Storage | Procura.Services | Oversight.Oversight>) =>
  Effect.gen(function*() {
    const composition = yield* Plugin.compose([
      Plugin.enable(SpmOversight.spmOversight, example()),
      Connector.enable(Spm.connector({ client }), { principal: team.sync })
    ])
    // The plugin's contribution provides Oversight; layerFromComposition's type knows the core's services only.
    const services = Procura.layerFromComposition(composition) as Layer.Layer<Procura.Services | Oversight.Oversight, Storage.StorageError, Storage.Storage>
    return yield* program(composition).pipe(Effect.provide(services))
  })

/** Delivers until nothing is left; `parked` says how many events may be parked (0 by default). */
const deliver = (composition: Plugin.Composition) =>
  Effect.gen(function*() {
    while (true) {
      const reports = yield* Delivery.drain(composition.subscribers, { retry: fast })
      for (const report of reports) assert.strictEqual(report.parked, 0, `${report.subscriber} parked an event: ${JSON.stringify(report.failed)}`)
      if (reports.every((report) => report.delivered === 0)) return
    }
  })

const oversight = Oversight.Oversight

/** An approved order: SD-WAN at Berlin and Munich (overseen, under a site project each) and handsets (not overseen). */
const approvedOrder = Effect.gen(function*() {
  const o = yield* oversight
  const sdwan = (site: string, name: string) => ({
    productOffering: { id: "po-sdwan", name: "SD-WAN Premium", category: "SD-WAN" },
    site: { id: site, name },
    quantity: 1,
    characteristics: { bandwidth: "1 Gbps" }
  })
  const { lines, order } = yield* as(team.manager, o.createOrder({
    number: "ORD0001001",
    account: { id: "acc-acme", name: "Acme Corp" },
    lines: [sdwan("site-ber", "Berlin HQ"), sdwan("site-muc", "Munich office"), {
      productOffering: { id: "po-phone", name: "Desk phone", category: "Phones" },
      site: { id: "site-ber", name: "Berlin HQ" },
      quantity: 20
    }]
  }))
  yield* as(team.manager, o.approveOrderLines({ orderId: order.id }))
  return { o, order, lines }
})

/** Line 1 decomposed: its service domain order with tasks, one of them (configure) a child task in the template. */
const decompose = (orderId: string) =>
  Effect.flatMap(oversight, (o) =>
    as(team.agent, o.recordDecomposition({
      orderId,
      domainOrders: [{
        lineNo: 1,
        domain: "service",
        name: "SD-WAN service",
        tasks: [{ name: "Design network", requestType: "design" }, { name: "Configure CPE", requestType: "configure" }]
      }]
    })))

/** Every Procura project and task, and the SPM records (by external id) they are. */
const procuraRecords = Effect.gen(function*() {
  const o = yield* oversight
  const projects = (yield* as(team.reader, o.listProjects({ limit: 1000 }))).items
  const tasks: Array<Projects.ProjectTask> = []
  for (const project of projects) tasks.push(...(yield* as(team.reader, o.listProjectTasks({ projectId: project.id, limit: 1000 }))).items)
  const programs = (yield* as(team.reader, o.listPrograms({ limit: 1000 }))).items
  return { programs, projects, tasks }
})

const byExternalId = (sim: ServiceNowSimulator.Simulator, table: string) => new Map(sim.records(table).map((r) => [r["external_id"]!, r]))

/** Asserts SPM holds each record once, with the right parents (created before their children) and states. */
const assertMirrored = (sim: ServiceNowSimulator.Simulator) =>
  Effect.gen(function*() {
    const { programs, projects, tasks } = yield* procuraRecords
    for (const [table, records] of [["pm_program", programs], ["pm_project", projects], ["pm_project_task", tasks]] as const) {
      const stored = sim.records(table)
      assert.strictEqual(stored.length, records.length, `${table}: ${stored.length} records for ${records.length} in Procura`)
      assert.strictEqual(new Set(stored.map((r) => r["external_id"])).size, stored.length, `${table}: a record arrived twice`)
    }
    const spmProjects = byExternalId(sim, "pm_project")
    const spmTasks = byExternalId(sim, "pm_project_task")
    const spmPrograms = byExternalId(sim, "pm_program")
    const created = (r: Readonly<Record<string, string>>) => r["sys_created_on"] ?? ""
    for (const project of projects) {
      const record = spmProjects.get(project.id)!
      assert.strictEqual(record["primary_program"], spmPrograms.get(project.programId)!["sys_id"])
      assert.strictEqual(record["parent"] ?? "", project.parentId === undefined ? "" : spmProjects.get(project.parentId)!["sys_id"])
      assert.strictEqual(record["short_description"], project.name)
    }
    for (const task of tasks) {
      const record = spmTasks.get(task.id)!
      const parent = task.parentTaskId === undefined ? spmProjects.get(task.projectId)! : spmTasks.get(task.parentTaskId)!
      assert.strictEqual(record["parent"], parent["sys_id"], `${task.name}: parent`)
      assert.strictEqual(record["top_task"], spmProjects.get(task.projectId)!["sys_id"], `${task.name}: top task`)
      assert.isTrue(created(parent) <= created(record), `${task.name}: created before its parent`)
      assert.strictEqual(record["state"], String(Projects.stateValues[task.state]), `${task.name}: state`)
      // Planned dates, and each dependency once, the task it waits for as parent.
      const date = (iso: string | undefined) => (iso === undefined ? "" : iso.slice(0, 19).replace("T", " "))
      assert.deepStrictEqual([record["start_date"] ?? "", record["end_date"] ?? ""], [date(task.plannedStart), date(task.plannedEnd)], `${task.name}: dates`)
      const waits = sim.records("planned_task_rel_planned_task").filter((rel) => rel["child"] === record["sys_id"])
      assert.deepStrictEqual(
        waits.map((rel) => rel["parent"]).toSorted(),
        (task.dependsOn ?? []).map((id) => spmTasks.get(id)!["sys_id"]!).toSorted(),
        `${task.name}: dependencies`
      )
    }
    return { programs, projects, tasks }
  })

export const spmSuite = (name: string, storage: () => Layer.Layer<Storage.Storage, unknown>) =>
  describe(`SPM connector: ${name}`, () => {
    const onStore = <A, E>(effect: Effect.Effect<A, E, Storage.Storage>) => Effect.provide(effect, storage())

    it.live("mirrors programs, projects and whole task trees (one insert per project), later tasks by depth, notes once; delivered again, nothing doubles", () =>
      onStore(withSimulator((sim) =>
        withSpm((composition) =>
          Effect.gen(function*() {
            const { o, order } = yield* approvedOrder
            yield* deliver(composition)
            const first = yield* assertMirrored(sim)
            assert.deepStrictEqual([first.programs.length, first.projects.length], [1, 4], "a program, two site projects, two line projects")
            assert.isAbove(sim.records("planned_task_rel_planned_task").length, 0, "the template's dependencies arrived")
            assert.isTrue(first.tasks.some((t) => t.plannedStart !== undefined), "tasks with planned dates")
            const inserts = sim.requests().filter((r) => r.api === "ppm")
            assert.strictEqual(inserts.length, first.projects.length, "one insert_project_tasks per project")

            // Decomposition: order tasks become project tasks, one under a planned task (depth 2).
            const { orderTasks } = yield* decompose(order.id)
            yield* deliver(composition)
            const second = yield* assertMirrored(sim)
            assert.isAbove(second.tasks.length, first.tasks.length)
            assert.isTrue(second.tasks.some((t) => t.parentTaskId !== undefined), "a child task mirrored under its parent")

            // A work note on an order task is copied to its project task, and reaches its journal once.
            const configure = orderTasks.find((t) => t.name === "Configure CPE")!
            yield* as(team.agent, o.addNote({ subjectType: "order_task", subjectId: configure.id, text: "CPE shipped to Berlin" }))
            yield* deliver(composition)
            const notes = () => sim.records("sys_journal_field").filter((j) => j["value"] === "CPE shipped to Berlin")
            assert.strictEqual(notes().length, 1)
            assert.strictEqual(notes()[0]!["element"], "work_notes")

            // Fulfilment moves states; they follow in SPM.
            yield* as(team.agent, o.setOrderTaskStates({ changes: orderTasks.map((t) => ({ orderTaskId: t.id, state: "in_progress" as const })) }))
            yield* deliver(composition)
            yield* assertMirrored(sim)

            // Delivered again from the start (a crash before the checkpoint): nothing is duplicated.
            const store = yield* Storage.Storage
            yield* store.saveCheckpoint(Connector.outboundSubscriberId(Spm.id), 0)
            yield* deliver(composition)
            yield* assertMirrored(sim)
            assert.strictEqual(notes().length, 1, "the note is written once")
            assert.strictEqual(sim.requests().filter((r) => r.api === "ppm").length, first.projects.length, "no tree inserted again")
          }))
      )), 120_000)

    it.live("a worker that dies between a parent and its children leaves nothing out and nothing doubled", () =>
      onStore(withSimulator((sim) =>
        withSpm((composition) =>
          Effect.gen(function*() {
            // The first tree is inserted, but the answer is lost: the worker "dies" before it has
            // recorded what it created.
            sim.inject({ type: "status", status: 503, apply: true, match: { api: "ppm" }, times: 1 })
            const { order } = yield* approvedOrder
            const failing = yield* Delivery.drain(composition.subscribers, { retry: { attempts: 1, baseDelay: "1 millis", maxDelay: "1 millis" } })
            assert.isAbove(failing.reduce((n, r) => n + r.parked, 0), 0)
            sim.clearFaults()
            // Restarted: the parked events are replayed, then everything else.
            yield* Delivery.replayAll(composition.subscribers, { subscriber: Connector.outboundSubscriberId(Spm.id) })
            yield* deliver(composition)
            yield* assertMirrored(sim)

            // Tasks created in separate batches: the child level's batch is applied but its answer
            // lost; the retry finds what it created and creates nothing twice.
            sim.inject({ type: "status", status: 503, apply: true, match: { method: "POST", path: "/api/now/v1/batch" }, times: 1 })
            const o = yield* oversight
            yield* as(team.agent, o.recordDecomposition({
              orderId: order.id,
              domainOrders: [{
                lineNo: 1,
                domain: "service",
                name: "SD-WAN service",
                tasks: [1, 2, 3].map((n) => ({ name: `Configure CPE ${n}`, requestType: "configure" }))
              }]
            }))
            yield* deliver(composition)
            const lost = sim.requests().filter((r) => r.path === "/api/now/v1/batch" && r.status === 503)
            assert.strictEqual(lost.length, 1, "the children's batch was applied and its answer lost")
            const { tasks } = yield* assertMirrored(sim)
            assert.strictEqual(tasks.filter((t) => t.name.startsWith("Configure")).length, 3)
          }))
      )), 120_000)

    it.live("a project task closed in SPM reaches Procura through the plugin's operation, as the connector's principal; when both sides change, the newer wins", () =>
      onStore(withSimulator((sim) =>
        withSpm((composition) =>
          Effect.gen(function*() {
            yield* approvedOrder
            yield* deliver(composition)
            yield* Connector.poll(composition.pollers)
            const { tasks } = yield* procuraRecords
            const task = tasks.find((t) => t.name === "Network design")!
            const record = byExternalId(sim, "pm_project_task").get(task.id)!
            sim.update("pm_project_task", record["sys_id"]!, { state: "3" })
            const [report] = yield* Connector.poll(composition.pollers)
            assert.isUndefined(report!.failed, report!.failed)
            const o = yield* oversight
            const closed = yield* as(team.reader, o.getProjectTask({ id: task.id }))
            assert.strictEqual(closed.state, "closed_complete")
            // Procura's event says who: the connector's principal, by hand (a person in SPM).
            const store = yield* Storage.Storage
            const events = yield* store.readEvents({ after: 0, limit: 100_000, tenantId })
            const changed = events.filter((e) => e.type === "oversight.project_task_state_changed" && (e.payload as { id: string }).id === task.id)
            assert.deepInclude(changed.at(-1)!.payload as object, { to: "closed_complete", cause: { type: "manual", id: team.sync.userId } })
            yield* deliver(composition)
            yield* assertMirrored(sim)
            // Both sides change one task within a polling interval: SPM first, Procura a second
            // later. The newer (Procura's) wins, and goes back out to SPM.
            const other = tasks.find((t) => t.name === "Equipment delivery")!
            const otherRecord = byExternalId(sim, "pm_project_task").get(other.id)!
            sim.update("pm_project_task", otherRecord["sys_id"]!, { state: "7" })
            yield* Effect.sleep("1100 millis")
            yield* as(team.sync, o.setProjectState({ type: "project_task", id: other.id, state: "closed_incomplete" }))
            yield* Connector.poll(composition.pollers)
            assert.strictEqual((yield* as(team.reader, o.getProjectTask({ id: other.id }))).state, "closed_incomplete")
            yield* deliver(composition)
            assert.strictEqual(byExternalId(sim, "pm_project_task").get(other.id)!["state"], "4")
          }))
      )), 120_000)
  })
