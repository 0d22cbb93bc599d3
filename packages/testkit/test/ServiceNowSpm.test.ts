// The simulator's SPM side through real `fetch`: the PPM insert endpoint, the planned-task
// hierarchy, journal fields and numbering, as an SPM connector's tests rely on them.
import { ServiceNowSimulator, ServiceNowTables } from "@procura/testkit"
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"

const url = "https://spm.service-now.test"
const tables = { ...ServiceNowTables.itamSpo.tables, ...ServiceNowTables.spm.tables }
const rules = [...ServiceNowTables.itamSpo.rules, ...ServiceNowTables.spm.rules]
const sim = ServiceNowSimulator.make({
  instanceUrl: url,
  auth: { basic: [{ username: "admin", password: "pw" }] },
  tables,
  rules,
  unordered: "insertion"
})
const auth = { authorization: `Basic ${Buffer.from("admin:pw").toString("base64")}`, accept: "application/json" }

const call = async (path: string, init: RequestInit & { readonly json?: unknown } = {}) => {
  const { json, ...rest } = init
  const response = await fetch(`${url}${path}`, {
    ...rest,
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    headers: { ...auth, ...(json === undefined ? {} : { "content-type": "application/json" }), ...rest.headers }
  })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) }
}

const insertProjectTasks = (json: unknown, path = "/api/now/ppm/insert_project_tasks") => call(path, { method: "POST", json })

const byExternalId = (table: string, externalId: string) => sim.records(table).find((r) => r["external_id"] === externalId)!

/** A project of three top-level tasks, one with two subtasks; "build" waits for "design" and "buy". */
const payload = {
  short_description: "Laptop refresh",
  external_id: "P-1",
  start_date: "2025-01-06 08:00:00",
  end_date: "2025-03-28 17:00:00",
  work_notes: "Imported from the planning tool",
  child_tasks: [
    { short_description: "Design", external_id: "T-design", start_date: "2025-01-06 08:00:00" },
    {
      short_description: "Procure",
      external_id: "T-procure",
      child_tasks: [
        { short_description: "Buy", external_id: "T-buy" },
        { short_description: "Receive", external_id: "T-receive", dependencies: [{ external_id: "T-buy" }] }
      ]
    },
    { short_description: "Build", external_id: "T-build", dependencies: [{ external_id: "T-design" }, { external_id: "T-buy", lag: 2 }] }
  ]
}

const spmTables = ["pm_project", "pm_project_task", "planned_task_rel_planned_task", "sys_journal_field"]
const nothingWritten = () => {
  for (const table of spmTables) assert.deepStrictEqual(sim.records(table), [], `${table} is empty`)
}

beforeAll(() => sim.listen())
afterAll(() => sim.close())
beforeEach(() => sim.reset())

describe("ServiceNowSimulator SPM", () => {
  it("insert_project_tasks writes the project, its nested tasks and their dependencies, and answers only the status", async () => {
    const answer = await insertProjectTasks(payload)
    assert.strictEqual(answer.status, 200)
    assert.deepStrictEqual(answer.body, { result: { status: "success" } })

    const project = byExternalId("pm_project", "P-1")
    assert.strictEqual(project["short_description"], "Laptop refresh")
    assert.strictEqual(project["number"], "PRJ0001001")
    assert.strictEqual(project["start_date"], "2025-01-06 08:00:00")
    assert.strictEqual(project["top_task"], project["sys_id"], "a project is its own top task")
    assert.strictEqual(project["sys_class_name"], "pm_project")
    assert.strictEqual(project["work_notes"], "", "journal fields read back empty")

    const tasks = sim.records("pm_project_task")
    assert.deepStrictEqual(tasks.map((t) => t["external_id"]), ["T-design", "T-procure", "T-buy", "T-receive", "T-build"])
    const design = byExternalId("pm_project_task", "T-design")
    const procure = byExternalId("pm_project_task", "T-procure")
    const buy = byExternalId("pm_project_task", "T-buy")
    const receive = byExternalId("pm_project_task", "T-receive")
    const build = byExternalId("pm_project_task", "T-build")
    for (const task of tasks) assert.strictEqual(task["top_task"], project["sys_id"])
    assert.deepStrictEqual([design, procure, build].map((t) => [t["parent"], t["order"]]), [
      [project["sys_id"], "1"],
      [project["sys_id"], "2"],
      [project["sys_id"], "3"]
    ])
    assert.deepStrictEqual([buy, receive].map((t) => [t["parent"], t["order"]]), [[procure["sys_id"], "1"], [procure["sys_id"], "2"]])
    assert.deepStrictEqual(tasks.map((t) => t["number"]), ["PRJTASK0001001", "PRJTASK0001002", "PRJTASK0001003", "PRJTASK0001004", "PRJTASK0001005"])
    assert.strictEqual(design["start_date"], "2025-01-06 08:00:00")

    // parent = the predecessor, child = the task that waits for it.
    const relations = sim.records("planned_task_rel_planned_task").map((r) => [r["parent"], r["child"], r["type"], r["lag"]])
    assert.sameDeepMembers(relations, [
      [buy["sys_id"], receive["sys_id"], "fs", "0"],
      [design["sys_id"], build["sys_id"], "fs", "0"],
      [buy["sys_id"], build["sys_id"], "fs", "2"]
    ])

    // The project's work note went to the journal.
    const journal = sim.records("sys_journal_field")
    assert.deepStrictEqual(journal.map((j) => [j["element_id"], j["name"], j["element"], j["value"]]), [
      [project["sys_id"], "pm_project", "work_notes", "Imported from the planning tool"]
    ])

    // Callers find what was created by external_id, through the Table API.
    const found = await call("/api/now/table/pm_project_task?sysparm_query=external_id=T-receive&sysparm_fields=sys_id,number,parent")
    assert.deepStrictEqual(found.body.result, [{
      sys_id: receive["sys_id"],
      number: "PRJTASK0001004",
      parent: { link: `${url}/api/now/table/planned_task/${procure["sys_id"]}`, value: procure["sys_id"] }
    }])
  })

  it("takes the versioned path, is logged as one ppm request and counts once against the rate limit", async () => {
    const limited = ServiceNowSimulator.make({ instanceUrl: "https://limited.service-now.test", tables, rules, rateLimit: { limit: 2 } })
    const post = (path: string, json: unknown) =>
      limited.handle(
        new Request(`https://limited.service-now.test${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify(json)
        })
      )
    const first = await post("/api/now/v1/ppm/insert_project_tasks", payload)
    assert.strictEqual(first.status, 200)
    assert.strictEqual(first.headers.get("x-ratelimit-limit"), "2")
    assert.strictEqual(limited.records("pm_project_task").length, 5)
    const second = await post("/api/now/table/pm_program", { short_description: "Workplace" })
    assert.strictEqual(second.status, 201, "eight records written, one request counted")
    const third = await post("/api/now/ppm/insert_project_tasks", { ...payload, external_id: "P-2", child_tasks: [] })
    assert.strictEqual(third.status, 429)
    assert.strictEqual(limited.records("pm_project").length, 1)
    const log = limited.requests()
    assert.deepStrictEqual(log.map((r) => [r.api, r.status]), [["ppm", 200], ["table", 201], ["ppm", 429]])
    assert.strictEqual(log[0]!.path, "/api/now/v1/ppm/insert_project_tasks")
    assert.strictEqual((log[0]!.body as { external_id: string }).external_id, "P-1")
    assert.deepStrictEqual(limited.stats().byApi, { table: 1, batch: 0, import: 0, ppm: 2, oauth: 0, other: 0 })
  })

  it("a malformed payload writes nothing and answers 400 with the error envelope", async () => {
    const [design, procure, build] = payload.child_tasks
    const malformed: ReadonlyArray<readonly [string, unknown]> = [
      ["no short_description", { ...payload, short_description: "" }],
      ["a task without short_description", { ...payload, child_tasks: [design, { external_id: "T-x" }] }],
      ["a dependency naming no task", { ...payload, child_tasks: [design, { ...build, dependencies: [{ external_id: "T-nowhere" }] }] }],
      ["a dependency naming the project", { ...payload, child_tasks: [{ ...design, dependencies: [{ external_id: "P-1" }] }] }],
      ["a duplicate external_id", { ...payload, child_tasks: [design, procure, { ...build, external_id: "T-buy" }] }],
      ["a task with the project's external_id", { ...payload, child_tasks: [{ ...design, external_id: "P-1" }] }],
      ["child_tasks not an array", { ...payload, child_tasks: { short_description: "Design" } }],
      ["nested child_tasks not an array", { ...payload, child_tasks: [design, { ...procure, child_tasks: "T-buy" }] }],
      ["a body that is not an object", [payload]]
    ]
    for (const [why, body] of malformed) {
      const answer = await insertProjectTasks(body)
      assert.strictEqual(answer.status, 400, why)
      assert.strictEqual(answer.body.status, "failure", why)
      assert.strictEqual(answer.body.error.message, "Invalid request body", why)
      assert.isString(answer.body.error.detail, why)
      nothingWritten()
    }
    const notJson = await call("/api/now/ppm/insert_project_tasks", { method: "POST", body: "{", headers: { "content-type": "application/json" } })
    assert.strictEqual(notJson.status, 400)
    const unauthenticated = await fetch(`${url}/api/now/ppm/insert_project_tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(payload)
    })
    assert.strictEqual(unauthenticated.status, 401)
    assert.strictEqual((await call("/api/now/ppm/insert_project_tasks")).status, 405)
    nothingWritten()
  })

  it("honours faults matching its path, before or after applying the call", async () => {
    sim.inject({ type: "status", status: 503, match: { path: "/api/now/ppm/insert_project_tasks" } })
    const lost = await insertProjectTasks(payload)
    assert.strictEqual(lost.status, 503)
    nothingWritten()
    sim.inject({ type: "status", status: 502, apply: true, match: { api: "ppm" } })
    const applied = await insertProjectTasks(payload)
    assert.strictEqual(applied.status, 502)
    assert.strictEqual(sim.records("pm_project").length, 1, "applied, answer lost")
    assert.deepStrictEqual(sim.requests().map((r) => [r.api, r.fault]), [["ppm", "status"], ["ppm", "status"]])
  })

  it("work_notes and comments land once each in sys_journal_field, on insert and on update, and read back empty", async () => {
    const created = await call("/api/now/table/pm_project", {
      method: "POST",
      json: { short_description: "Data centre move", work_notes: "Kick-off booked" }
    })
    assert.strictEqual(created.status, 201)
    const project = created.body.result
    assert.strictEqual(project.work_notes, "")
    assert.strictEqual(project.comments, "")
    const patched = await call(`/api/now/table/pm_project/${project.sys_id}`, {
      method: "PATCH",
      json: { work_notes: "Vendor confirmed", comments: "Visible to the requester" }
    })
    assert.strictEqual(patched.status, 200)
    assert.strictEqual(patched.body.result.work_notes, "")
    assert.strictEqual(patched.body.result.comments, "")
    assert.strictEqual(Number(patched.body.result.sys_mod_count), Number(project.sys_mod_count) + 1, "a journal entry is a change of the record")

    const notes = await call(
      `/api/now/table/sys_journal_field?sysparm_query=element_id=${project.sys_id}^element=work_notes^ORDERBYsys_created_on`
    )
    assert.deepStrictEqual(notes.body.result.map((j: Record<string, string>) => [j["name"], j["element"], j["value"]]), [
      ["pm_project", "work_notes", "Kick-off booked"],
      ["pm_project", "work_notes", "Vendor confirmed"]
    ])
    const comments = await call(`/api/now/table/sys_journal_field?sysparm_query=element_id=${project.sys_id}^element=comments`)
    assert.deepStrictEqual(comments.body.result.map((j: Record<string, string>) => j["value"]), ["Visible to the requester"])
    assert.strictEqual(sim.records("sys_journal_field").length, 3)

    // An empty note is no entry; a read never shows the notes.
    await call(`/api/now/table/pm_project/${project.sys_id}`, { method: "PATCH", json: { work_notes: "" } })
    assert.strictEqual(sim.records("sys_journal_field").length, 3)
    const read = await call(`/api/now/table/pm_project/${project.sys_id}`)
    assert.strictEqual(read.body.result.work_notes, "")
    assert.strictEqual(sim.records("pm_project")[0]!["work_notes"], "")
  })

  it("numbers programs, projects and project tasks", async () => {
    const program = (await call("/api/now/table/pm_program", { method: "POST", json: { short_description: "Workplace" } })).body.result
    assert.strictEqual(program.number, "PRGM0001001")
    const first = (await call("/api/now/table/pm_project", { method: "POST", json: { short_description: "A" } })).body.result
    const second = (await call("/api/now/table/pm_project", { method: "POST", json: { short_description: "B", number: "PRJ-OWN" } })).body.result
    await insertProjectTasks({ short_description: "C", child_tasks: [{ short_description: "C.1" }] })
    assert.deepStrictEqual([first.number, second.number], ["PRJ0001001", "PRJ-OWN"])
    assert.deepStrictEqual(sim.records("pm_project").map((p) => p["number"]), ["PRJ0001001", "PRJ-OWN", "PRJ0001003"])
    assert.deepStrictEqual(sim.records("pm_project_task").map((t) => t["number"]), ["PRJTASK0001001"])
    // The ITAM rules still run beside them.
    assert.strictEqual((await call("/api/now/table/proc_po", { method: "POST", json: { short_description: "PO" } })).body.result.number, "PO0001001")
  })

  it("references to planned_task resolve to a pm_project or a pm_project_task, and the base table reads through", async () => {
    const program = sim.seed("pm_program", [{ short_description: "Workplace" }])[0]!
    await insertProjectTasks({
      ...payload,
      primary_program: program["sys_id"]!
    })
    const project = byExternalId("pm_project", "P-1")
    const procure = byExternalId("pm_project_task", "T-procure")
    const buy = byExternalId("pm_project_task", "T-buy")

    const shown = await call(
      `/api/now/table/pm_project_task/${buy["sys_id"]}?sysparm_display_value=all&sysparm_fields=parent,top_task,parent.short_description,top_task.number`
    )
    assert.deepStrictEqual(shown.body.result, {
      parent: { display_value: procure["number"], value: procure["sys_id"], link: `${url}/api/now/table/planned_task/${procure["sys_id"]}` },
      top_task: { display_value: "PRJ0001001", value: project["sys_id"], link: `${url}/api/now/table/planned_task/${project["sys_id"]}` },
      "parent.short_description": { display_value: "Procure", value: "Procure" },
      "top_task.number": { display_value: "PRJ0001001", value: "PRJ0001001" }
    })
    const projectRead = await call(`/api/now/table/pm_project/${project["sys_id"]}?sysparm_display_value=true&sysparm_fields=primary_program,top_task`)
    assert.deepStrictEqual(projectRead.body.result.primary_program.display_value, "PRGM0001001")
    assert.deepStrictEqual(projectRead.body.result.top_task.display_value, "PRJ0001001")

    // The links resolve: a read of planned_task finds the project and the task, as their own tables.
    const viaBase = await call(`/api/now/table/planned_task/${project["sys_id"]}?sysparm_fields=number,sys_class_name,primary_program`)
    assert.deepStrictEqual(viaBase.body.result, {
      number: "PRJ0001001",
      sys_class_name: "pm_project",
      primary_program: { link: `${url}/api/now/table/pm_program/${program["sys_id"]}`, value: program["sys_id"] }
    })
    assert.strictEqual((await call(`/api/now/table/planned_task/${procure["sys_id"]}`)).body.result.number, procure["number"])
    assert.strictEqual((await call(`/api/now/table/pm_project/${procure["sys_id"]}`)).status, 404, "a table does not read its siblings")

    // Listing the base table covers every table extending it; queries dot-walk and INSTANCEOF follows the hierarchy.
    const underProject = await call(`/api/now/table/planned_task?sysparm_query=top_task=${project["sys_id"]}^ORDERBYnumber&sysparm_fields=number`)
    assert.strictEqual(underProject.body.result.length, 6)
    const projectsOnly = await call(`/api/now/table/planned_task?sysparm_query=sys_class_name=pm_project&sysparm_fields=number`)
    assert.deepStrictEqual(projectsOnly.body.result, [{ number: "PRJ0001001" }])
    const taskLike = await call("/api/now/table/planned_task?sysparm_query=sys_class_nameINSTANCEOFtask&sysparm_fields=number")
    assert.strictEqual(taskLike.body.result.length, 7, "the program, the project and its five tasks")
    const dotWalked = await call("/api/now/table/pm_project_task?sysparm_query=parent.external_id=T-procure&sysparm_fields=external_id")
    assert.deepStrictEqual(dotWalked.body.result, [{ external_id: "T-buy" }, { external_id: "T-receive" }])
    const dependencies = await call(`/api/now/table/planned_task_rel_planned_task?sysparm_query=child.external_id=T-build&sysparm_display_value=true&sysparm_fields=parent`)
    assert.sameMembers(dependencies.body.result.map((r: { parent: { display_value: string } }) => r.parent.display_value), ["PRJTASK0001001", "PRJTASK0001003"])

    // A change through the base table lands in the record's own table, journal included.
    const patched = await call(`/api/now/table/planned_task/${buy["sys_id"]}`, {
      method: "PATCH",
      json: { state: ServiceNowTables.plannedTaskStates.workInProgress, work_notes: "Order placed" }
    })
    assert.strictEqual(patched.status, 200)
    assert.strictEqual(byExternalId("pm_project_task", "T-buy")["state"], "2")
    assert.deepStrictEqual(sim.records("sys_journal_field").at(-1)!["name"], "pm_project_task")
  })
})
