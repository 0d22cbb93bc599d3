/**
 * The Procura nodes in the real Node-RED runtime (node-red 5, started headless on loopback by
 * node-red-node-test-helper), on embedded PGlite in a temporary directory: a flow of operation
 * nodes creates a vendor and an item, a requester's request, its approval by a buyer, the order
 * made from it and submitted, and receives it by scan, each node taking its input from the
 * message before it; an events node sends the domain events into the flow in order; a refused call
 * reaches a catch node with its code; the editor's catalogue endpoint lists every operation with
 * its input schema.
 */
import { Host } from "@procura/cli"
import { PostgresTesting } from "@procura/storage-sql"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import helper from "node-red-node-test-helper"
import procuraNodes from "../src/index.js"

/**
 * Node-RED's runtime as the test helper expects to find it: `node-red` beside every `@node-red/*`
 * package. pnpm keeps `@node-red/registry` (a dependency of a dependency) elsewhere, so the layout
 * is made of links to the installed packages in a temporary directory; the modules load from their
 * real paths, so the runtime is the one installed.
 */
const runtimeLayout = (): string => {
  const require = createRequire(import.meta.url)
  const nodeRed = dirname(realpathSync(require.resolve("node-red/package.json")))
  const runtime = dirname(createRequire(join(nodeRed, "package.json")).resolve("@node-red/runtime/package.json"))
  const root = mkdtempSync(join(tmpdir(), "procura-node-red-runtime-"))
  mkdirSync(join(root, "@node-red"))
  symlinkSync(nodeRed, join(root, "node-red"), "dir")
  // The scopes beside node-red and beside @node-red/runtime hold every @node-red package between them.
  for (const scope of [join(dirname(nodeRed), "@node-red"), dirname(realpathSync(runtime))]) {
    for (const name of readdirSync(scope)) {
      const link = join(root, "@node-red", name)
      try {
        symlinkSync(realpathSync(join(scope, name)), link, "dir")
      } catch {
        // linked already from the other scope
      }
    }
  }
  return root
}

const runtimeRoot = runtimeLayout()
helper.init(join(runtimeRoot, "node-red", "lib", "red.js"))

interface Msg {
  readonly payload: any
  readonly topic?: string
  readonly error?: { readonly message: string; readonly code?: string; readonly cause?: any }
}

/** The next message a node receives. */
const next = (id: string, timeout = 30_000): Promise<Msg> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message reached ${id} within ${timeout} ms`)), timeout)
    helper.getNode(id).once("input", (msg: Msg) => {
      clearTimeout(timer)
      resolve(msg)
    })
  })

/** `count` messages a node receives, in order. */
const collect = (id: string, count: number, timeout = 30_000): Promise<Array<Msg>> =>
  new Promise((resolve, reject) => {
    const received: Array<Msg> = []
    const timer = setTimeout(() => reject(new Error(`${received.length} of ${count} messages reached ${id}`)), timeout)
    helper.getNode(id).on("input", (msg: Msg) => {
      received.push(msg)
      if (received.length === count) {
        clearTimeout(timer)
        resolve(received)
      }
    })
  })

const field = (value: string, type = "str") => ({ value, type })

/** An operation node wired to a helper node that records what comes out. */
const operation = (id: string, config: string, op: string, fields: Record<string, { value: string; type: string }>, to: string) => [
  { id, type: "procura-operation", z: "flow", config, operation: op, fields, payloadAsInput: false, wires: [[to]] },
  { id: to, type: "helper", z: "flow" }
]

let dataDir: string

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "procura-node-red-"))
  await helper.startServer()
})

afterAll(async () => {
  await helper.unload()
  await helper.stopServer()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(runtimeRoot, { recursive: true, force: true })
})

describe("@procura/node-red in the Node-RED runtime", () => {
  it("runs a flow from request to receipt by scan, sends the domain events, and sends refusals to catch nodes", async () => {
    const config = (id: string, principal: string) => ({ id, type: "procura-config", principal, storage: "embedded", dataDir })
    const flow = [
      { id: "flow", type: "tab", label: "Procure to asset" },
      config("buyer", "pat@acme:procurement_manager,asset_administrator"),
      config("requester", "rae@acme:requester"),
      ...operation("vendor", "buyer", "catalog.createVendor", { code: field("DELL"), name: field("Dell") }, "vendor-out"),
      ...operation("item", "buyer", "catalog.createCatalogItem", {
        sku: field("LAPTOP-14"),
        name: field("Laptop 14"),
        kind: field("hardware"),
        approvedVendors: field(`[{"vendorId": payload.id, "unitCost": {"amount": 120000, "currency": "EUR"}}]`, "jsonata")
      }, "item-out"),
      ...operation("request", "requester", "requisition.createRequest", {
        lines: field(`[{"catalogItemId": payload.id, "quantity": 2}]`, "jsonata")
      }, "request-out"),
      ...operation("approve", "buyer", "requisition.approveRequest", { requestId: field("payload.id", "msg") }, "approve-out"),
      ...operation("draft", "buyer", "purchasing.createFromRequest", { requestId: field("payload.id", "msg") }, "draft-out"),
      ...operation("submit", "buyer", "purchasing.submitPurchaseOrder", { purchaseOrderId: field("payload[0].id", "jsonata") }, "submit-out"),
      ...operation("receive", "buyer", "receiving.receiveScans", {
        purchaseOrderId: field("payload.id", "msg"),
        locationId: field("HQ"),
        storageSpace: field("Dock 1"),
        scans: field(`[{"code": "SN-1", "lineNo": payload.lines[0].lineNo}, {"code": "SN-2", "lineNo": payload.lines[0].lineNo}]`, "jsonata")
      }, "receive-out"),
      ...operation("vendors", "buyer", "catalog.listVendors", {}, "vendors-out"),
      // The requester may not create vendors: refused, to the catch node, nothing written.
      { id: "refused", type: "procura-operation", z: "flow", config: "requester", operation: "catalog.createVendor", payloadAsInput: true, wires: [[]] },
      { id: "on-refusal", type: "catch", z: "flow", scope: ["refused"], uncaught: false, wires: [["caught"]] },
      { id: "caught", type: "helper", z: "flow" },
      { id: "events", type: "procura-events", z: "flow", config: "buyer", types: "purchase_order.submitted, receipt.recorded", interval: "0.2", start: "beginning", wires: [["events-out"]] },
      { id: "events-out", type: "helper", z: "flow" }
    ]
    await helper.load(procuraNodes, flow)
    const events = collect("events-out", 2)

    // Each step feeds the next through the message, as wires would; each node's output is checked on the way.
    const step = async (id: string, payload: unknown = {}) => {
      const out = next(`${id}-out`)
      helper.getNode(id).receive({ payload })
      return (await out).payload
    }
    const vendor = await step("vendor")
    assert.strictEqual(vendor.code, "DELL")
    const item = await step("item", vendor)
    assert.strictEqual(item.sku, "LAPTOP-14")
    const request = await step("request", item)
    assert.strictEqual(request.status, "pending_approval")
    const approved = await step("approve", request)
    assert.strictEqual(approved.status, "approved")
    const drafts = await step("draft", approved)
    assert.lengthOf(drafts, 1)
    const submitted = await step("submit", drafts)
    assert.strictEqual(submitted.status, "submitted")
    const received = await step("receive", submitted)
    assert.deepStrictEqual(received.scans.map((scan: { readonly code: string; readonly outcome: string }) => [scan.code, scan.outcome]), [["SN-1", "received"], ["SN-2", "received"]])

    const [first, second] = await events
    assert.deepStrictEqual([first!.topic, second!.topic], ["purchase_order.submitted", "receipt.recorded"])
    assert.strictEqual(first!.payload.aggregateId, submitted.id)
    assert.isBelow(first!.payload.position, second!.payload.position)

    const caught = next("caught")
    helper.getNode("refused").receive({ payload: { code: "HP", name: "HP" } })
    const refusal = await caught
    assert.strictEqual(refusal.error!.code, "AccessDenied")
    assert.include(refusal.error!.message, "catalog.manage")

    // The editor's catalogue: every operation, with the schema its form is drawn from.
    const response = await helper.request().get("/procura/operations").query({ config: "buyer" }).expect(200)
    const listed = response.body as ReadonlyArray<Host.Description>
    const loaded = await Host.load()
    assert.sameMembers(listed.map((op) => op.id), [...loaded.catalogue.keys()])
    const createRequest = listed.find((op) => op.id === "requisition.createRequest")!
    assert.deepStrictEqual(createRequest.input, Host.describe(loaded.catalogue.get("requisition.createRequest")!).input)

    // Nothing of the refused call was written: the buyer lists one vendor.
    const vendors = await step("vendors")
    assert.deepStrictEqual(vendors.items.map((each: { readonly code: string }) => each.code), ["DELL"])
  }, 120_000)

  it.skipIf(!PostgresTesting.enabled())("runs on PostgreSQL, the database URL kept as the configuration node's credential", async () => {
    await PostgresTesting.withFreshDatabase(async (databaseUrl) => {
      const flow = [
        { id: "pg", type: "tab", label: "On PostgreSQL" },
        { id: "pg-buyer", type: "procura-config", principal: "pat@acme:procurement_manager", storage: "postgres" },
        ...operation("pg-vendor", "pg-buyer", "catalog.createVendor", { code: field("LENOVO"), name: field("Lenovo") }, "pg-vendor-out"),
        ...operation("pg-vendors", "pg-buyer", "catalog.listVendors", {}, "pg-vendors-out"),
        { id: "pg-events", type: "procura-events", z: "pg", config: "pg-buyer", types: "vendor.created", interval: "0.2", start: "beginning", wires: [["pg-events-out"]] },
        { id: "pg-events-out", type: "helper", z: "pg" }
      ].map((node) => (node.type === "tab" || node.id === "pg-buyer" ? node : { ...node, z: "pg" }))
      await helper.unload()
      await helper.load(procuraNodes, flow, { "pg-buyer": { databaseUrl } })
      try {
        const created = next("pg-vendor-out")
        const event = next("pg-events-out")
        helper.getNode("pg-vendor").receive({ payload: {} })
        assert.strictEqual((await created).payload.code, "LENOVO")
        const listed = next("pg-vendors-out")
        helper.getNode("pg-vendors").receive({ payload: {} })
        assert.deepStrictEqual((await listed).payload.items.map((each: { readonly code: string }) => each.code), ["LENOVO"])
        const emitted = await event
        assert.strictEqual(emitted.topic, "vendor.created")
        assert.strictEqual(emitted.payload.actorId, "pat")
      } finally {
        await helper.unload() // closes the host before the database is dropped
      }
    }, { prefix: "procura_node_red" })
  }, 120_000)
})
