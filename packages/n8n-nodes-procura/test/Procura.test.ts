/**
 * The Procura nodes in n8n's execution engine (see ./n8n.ts): procure-to-receipt as a workflow, the
 * trigger's events across a restart, refusals, the README's example, the credential test.
 */
import { assert, describe, it } from "@effect/vitest"
import { PostgresTesting } from "@procura/storage-sql"
import { type ICredentialDataDecryptedObject, type IConnections, type IDataObject, type INode, Workflow } from "n8n-workflow"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll } from "vitest"
import { closeAll } from "../src/internal/runtime.js"
import { Procura } from "../nodes/Procura/Procura.node.js"
import { execute, node, nodeTypesOf, output, poll, types, workflow } from "./n8n.js"

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..")

// n8n-core keeps its instance settings in a user folder: a temporary one, not ~/.n8n.
const dir = mkdtempSync(join(tmpdir(), "n8n-nodes-procura-"))
process.env["N8N_USER_FOLDER"] = join(dir, "n8n")

/** The credentials the workflows' nodes name by id: an admin, and a requester of the same tenant. */
const credentials = {
  admin: { storage: "embedded", dataDir: join(dir, "procura"), principal: "ada@acme:admin" },
  requester: { storage: "embedded", dataDir: join(dir, "procura"), principal: "rae@acme:requester" }
}
const as = (id: keyof typeof credentials) => ({ credentials: { procuraApi: { id, name: id } } })

/** A Procura node running `operation` on `input` (an object, or an n8n expression). */
const step = (name: string, operation: string, input: IDataObject | string, credential: keyof typeof credentials = "admin", extra = {}) =>
  node(
    name,
    types.procura,
    { resource: operation.split(".")[0]!, operation, input: typeof input === "string" ? input : JSON.stringify(input) },
    { ...as(credential), ...extra }
  )

const start = node("Start", types.start, {})
const trigger = (eventTypes: ReadonlyArray<string> = []) => node("Procura Trigger", types.trigger, { eventTypes: [...eventTypes], startFrom: "now", limit: 100 }, as("admin"))

/** The error n8n recorded for a run that stopped. */
const errorOf = (run: Awaited<ReturnType<typeof execute>>) => run.data.resultData.error

/** Runs examples/procure-to-receipt.json with the credentials given for its two credential ids, and checks the receipt. */
const runExample = async (accounts: { readonly "procura-admin": IDataObject; readonly "procura-requester": IDataObject }) => {
  const example = JSON.parse(readFileSync(join(packageDir, "examples", "procure-to-receipt.json"), "utf8")) as {
    nodes: Array<INode>
    connections: IConnections
  }
  // n8n's manual trigger starts the run with one empty item, as the test's start node does.
  const nodes = example.nodes.map((n) => (n.type === "n8n-nodes-base.manualTrigger" ? { ...n, type: types.start } : n))
  const flow = new Workflow({ id: "example", nodes, connections: example.connections, active: false, nodeTypes: nodeTypesOf() })
  const run = await execute(flow, accounts as { readonly [id: string]: ICredentialDataDecryptedObject })
  assert.isUndefined(errorOf(run), String(errorOf(run)?.message))
  assert.strictEqual(output(run, "Submit the order")[0]?.["status"], "submitted")
  const scans = output(run, "Receive by scan")[0]?.["scans"] as ReadonlyArray<{ outcome: string }>
  assert.deepStrictEqual(scans.map((scan) => scan.outcome), ["received", "received"])
}

describe("n8n-nodes-procura in n8n's execution engine", () => {
  afterAll(async () => {
    await closeAll()
    rmSync(dir, { recursive: true, force: true })
  })

  it("lists resources and operations from the catalogue", () => {
    const properties = new Procura().description.properties
    const resource = properties.find((property) => property.name === "resource")!
    const modules = (resource.options ?? []).map((option) => (option as { value: string }).value)
    assert.includeMembers(modules, ["catalog", "requisition", "purchasing", "receiving", "events", "operationById"])
    const purchasing = properties.find((property) => property.name === "operation" && property.displayOptions?.show?.["resource"]?.[0] === "purchasing")!
    const operations = (purchasing.options ?? []).map((option) => (option as { value: string }).value)
    assert.include(operations, "purchasing.submitPurchaseOrder")
    assert.isTrue(operations.every((id) => id.startsWith("purchasing.")))
  })

  it("runs procure-to-receipt as a workflow, and the trigger emits its events once, across a restart", { timeout: 120_000 }, async () => {
    // The trigger is activated first: it starts after what is stored, emitting nothing.
    const following = workflow([trigger()])
    assert.isNull(await poll(following, "Procura Trigger", credentials))

    const nodes = [
      start,
      step("Create Vendor", "catalog.createVendor", { code: "ACME", name: "Acme Computers" }),
      step(
        "Create Item",
        "catalog.createCatalogItem",
        "={{ { sku: 'LAP-14', name: 'Laptop 14 inch', kind: 'hardware', approvedVendors: [{ vendorId: $json.id, unitCost: { amount: 120000, currency: 'EUR' } }] } }}"
      ),
      // The requester asks, the admin approves: nobody decides their own request.
      step("Create Request", "requisition.createRequest", "={{ { lines: [{ catalogItemId: $json.id, quantity: 2 }] } }}", "requester"),
      step("Approve", "requisition.approveRequest", "={{ { requestId: $json.id } }}"),
      step("Order", "purchasing.createFromRequest", "={{ { requestId: $json.id } }}"),
      step("Submit", "purchasing.submitPurchaseOrder", "={{ { purchaseOrderId: $json.id } }}"),
      step(
        "Receive",
        "receiving.receiveScans",
        "={{ { purchaseOrderId: $json.id, locationId: 'HQ', storageSpace: 'Store room 1', scans: [{ code: 'SN-0001' }, { code: 'SN-0002' }] } }}"
      ),
      node(
        "Get Order",
        types.procura,
        { resource: "operationById", operationId: "purchasing.getPurchaseOrder", input: "={{ { id: $('Submit').item.json.id } }}" },
        as("admin")
      )
    ]
    const run = await execute(workflow(nodes), credentials)
    assert.isUndefined(errorOf(run), String(errorOf(run)?.message))

    const [vendor] = output(run, "Create Vendor")
    assert.strictEqual(vendor?.["code"], "ACME")
    assert.strictEqual(output(run, "Create Request")[0]?.["status"], "pending_approval")
    assert.strictEqual(output(run, "Approve")[0]?.["status"], "approved")
    const orders = output(run, "Order")
    assert.strictEqual(orders.length, 1, "one draft order per vendor, one item each")
    assert.strictEqual(orders[0]?.["status"], "draft")
    assert.strictEqual(output(run, "Submit")[0]?.["status"], "submitted")
    const [receipt] = output(run, "Receive")
    const scans = receipt?.["scans"] as ReadonlyArray<{ outcome: string }>
    assert.deepStrictEqual(scans.map((scan) => scan.outcome), ["received", "received"])
    assert.strictEqual(output(run, "Get Order")[0]?.["status"], "received")

    // The events of the run, in log order; a second poll has none.
    const emitted = await poll(following, "Procura Trigger", credentials)
    const events = (emitted?.[0] ?? []).map((item) => item.json as { position: number; type: string; actorId: string })
    const positions = events.map((event) => event.position)
    assert.deepStrictEqual(positions, [...positions].sort((a, b) => a - b), "in log order")
    assert.strictEqual(new Set(positions).size, positions.length, "each once")
    const emittedTypes = events.map((event) => event.type)
    for (const type of ["vendor.created", "purchase_request.approved", "purchase_order.submitted", "receipt.recorded"]) assert.include(emittedTypes, type)
    assert.deepStrictEqual(
      [...new Set(events.map((event) => `${event.type}:${event.actorId}`))].filter((entry) => entry.startsWith("purchase_request.")),
      ["purchase_request.created:rae", "purchase_request.step_approved:ada", "purchase_request.approved:ada"],
      "the events carry the principal of the credential that ran each step"
    )
    assert.isNull(await poll(following, "Procura Trigger", credentials))

    // A restart: the workflow comes back with the static data n8n saved; nothing is emitted again.
    const saved = JSON.parse(JSON.stringify(following.staticData)) as IDataObject
    const restarted = workflow([trigger()], saved)
    assert.isNull(await poll(restarted, "Procura Trigger", credentials))
    // New events after the restart are emitted, and only they; a filter keeps the types asked for.
    const filtered = workflow([trigger(["vendor.created"])], JSON.parse(JSON.stringify(saved)) as IDataObject)
    const again = await execute(workflow([start, step("Another Vendor", "catalog.createVendor", { code: "DELL", name: "Dell" })]), credentials)
    assert.isUndefined(errorOf(again))
    const next = (await poll(restarted, "Procura Trigger", credentials))?.[0] ?? []
    assert.deepStrictEqual(next.map((item) => item.json["type"]), ["vendor.created"])
    assert.strictEqual((next[0]!.json["payload"] as IDataObject)["code"], "DELL")
    assert.deepStrictEqual(((await poll(filtered, "Procura Trigger", credentials))?.[0] ?? []).map((item) => item.json["type"]), ["vendor.created"])
  })

  it("refuses a run the principal may not make with its code; with continue on fail, an item carries it", { timeout: 60_000 }, async () => {
    const refused = await execute(workflow([start, step("Create Vendor", "catalog.createVendor", { code: "HP", name: "HP" }, "requester")]), credentials)
    const error = errorOf(refused)
    assert.isDefined(error)
    assert.match(error!.message, /^AccessDenied: /)
    assert.strictEqual(error!.name, "NodeOperationError")

    const continued = await execute(
      workflow([start, step("Create Vendor", "catalog.createVendor", { code: "HP", name: "HP" }, "requester", { continueOnFail: true })]),
      credentials,
      [{}, {}]
    )
    assert.isUndefined(errorOf(continued))
    const items = output(continued, "Create Vendor")
    assert.strictEqual(items.length, 2, "one item per input item")
    assert.deepStrictEqual(items.map((item) => [item["_tag"], item["code"], item["status"]]), [["AccessDenied", "AccessDenied", 403], ["AccessDenied", "AccessDenied", 403]])
    assert.include(String(items[0]?.["error"]), "catalog.manage")

    // The trigger's principal needs event.read: a requester's poll is refused with the code.
    const requesterTrigger = node("Procura Trigger", types.trigger, { eventTypes: [], startFrom: "beginning", limit: 50 }, as("requester"))
    const pollRefused = await poll(workflow([requesterTrigger]), "Procura Trigger", credentials).then(() => undefined, (e: unknown) => e as Error)
    assert.match(String(pollRefused?.message), /^AccessDenied: .*event\.read/)

    // An input the operation's schema refuses names the fields.
    const invalid = await execute(workflow([start, step("Create Vendor", "catalog.createVendor", { code: "" })]), credentials)
    assert.match(errorOf(invalid)!.message, /^ValidationError: /)
  })

  it("runs the README's example workflow: a receipt's event fetches its order", { timeout: 60_000 }, async () => {
    const readme = readFileSync(join(packageDir, "README.md"), "utf8")
    const example = JSON.parse(/```json\n(\{\n  "name": "Receipts to orders"[\s\S]*?)```/.exec(readme)![1]!) as {
      nodes: Array<INode>
      connections: IConnections
    }
    // The receipt of the earlier test is stored already: emit it by starting from the first event.
    const nodes = example.nodes.map((n) => (n.type === types.trigger ? { ...n, parameters: { ...n.parameters, startFrom: "beginning" } } : n))
    const flow = new Workflow({ id: "readme", nodes, connections: example.connections, active: false, nodeTypes: nodeTypesOf() })
    const account = { "1": credentials.admin }
    const emitted = (await poll(flow, "Units received", account))?.[0] ?? []
    assert.deepStrictEqual(emitted.map((item) => item.json["type"]), ["receipt.recorded"])
    const run = await execute(flow, account, emitted.map((item) => item.json), "Get the order")
    assert.isUndefined(errorOf(run), String(errorOf(run)?.message))
    assert.strictEqual(output(run, "Get the order")[0]?.["status"], "received")
  })

  it("runs examples/procure-to-receipt.json, the workflow of the docs' picture", { timeout: 120_000 }, async () => {
    const store = { storage: "embedded", dataDir: join(dir, "example") }
    await runExample({ "procura-admin": { ...store, principal: "ada@acme:admin" }, "procura-requester": { ...store, principal: "rae@acme:requester" } })
  })

  it.skipIf(!PostgresTesting.enabled())("runs it on PostgreSQL, the storage for n8n in queue mode", { timeout: 120_000 }, async () => {
    await PostgresTesting.withFreshDatabase(async (databaseUrl) => {
      const store = { storage: "postgres", databaseUrl }
      try {
        await runExample({ "procura-admin": { ...store, principal: "ada@acme:admin" }, "procura-requester": { ...store, principal: "rae@acme:requester" } })
      } finally {
        await closeAll() // before the database is dropped
      }
    }, { prefix: "procura_n8n" })
  })

  it("tests a credential from the credential dialog", { timeout: 60_000 }, async () => {
    const test = new Procura().methods.credentialTest.procuraApiTest
    const context = {} as ThisParameterType<typeof test>
    const ok = await test.call(context, { id: "admin", name: "admin", type: "procuraApi", data: credentials.admin })
    assert.strictEqual(ok.status, "OK")
    const typo = await test.call(context, { id: "typo", name: "typo", type: "procuraApi", data: { ...credentials.admin, principal: "ada@acme:admn" } })
    assert.strictEqual(typo.status, "Error")
    assert.match(typo.message, /^UnknownRoles: /)
  })
})
