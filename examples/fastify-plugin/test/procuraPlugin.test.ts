// The plugin in a Fastify app on in-memory PGlite: `fastify.inject` for most answers, real HTTP
// for the flow and for a client that goes away. A small Procura plugin of the test's own adds
// two operations: one whose handler returns a field its output schema does not declare, one
// that runs until it is interrupted.
import { Operation, Plugin } from "@procura/core"
import type { Principal } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"
import { Effect } from "effect"
import Fastify, { type FastifyInstance } from "fastify"
import { request } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { z } from "zod"
import { people, principalOf } from "../src/identity.js"
import { procuraPlugin } from "../src/procuraPlugin.js"

let entered!: () => void
const waitEntered = new Promise<void>((resolve) => (entered = resolve))
let interrupted!: () => void
const waitInterrupted = new Promise<void>((resolve) => (interrupted = resolve))

const badges = Plugin.make({
  id: "badges",
  version: "1.0.0",
  description: "Visitor badges, for the test.",
  config: z.object({}),
  contribute: () => ({
    permissions: { "badges/badge.print": { description: "Print a visitor badge", roles: ["requester"] } },
    operations: {
      printBadge: Operation.make({
        id: "badges.printBadge",
        summary: "Print a visitor badge.",
        kind: "query",
        permission: "badges/badge.print",
        input: z.object({ visitor: z.string().min(1).max(100) }),
        output: z.object({ text: z.string() }),
        events: [],
        // More than the output schema says, as a careless handler might return.
        handler: ({ visitor }) =>
          Effect.sync(() => {
            const printed = { text: `VISITOR ${visitor}`, printerToken: "tok-42" }
            return printed
          })
      }),
      waitForPrinter: Operation.make({
        id: "badges.waitForPrinter",
        summary: "Wait for the badge printer (forever, until interrupted).",
        kind: "query",
        permission: "badges/badge.print",
        input: z.object({}),
        output: z.object({ text: z.string() }),
        events: [],
        handler: () =>
          Effect.andThen(Effect.sync(() => entered()), Effect.never).pipe(Effect.onInterrupt(() => Effect.sync(() => interrupted())))
      })
    }
  })
})

let fastify: FastifyInstance
let url: string

const person = (token: string): Principal => people.get(token)!

/** Runs an operation through Fastify as the holder of a token; gives the status, content type and body. */
const call = async (operation: string, token: string | undefined, payload: unknown = {}) => {
  const response = await fastify.inject({
    method: "POST",
    url: `/operations/${operation}`,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    payload: payload as Record<string, unknown>
  })
  return { status: response.statusCode, type: response.headers["content-type"], body: response.json() as Record<string, any> }
}

/** A submitted purchase order for one laptop, made through `fastify.procura` directly (test setup). */
const submittedOrder = async () => {
  const buyer = fastify.procura.as(person("pat-token"))
  const vendor = await buyer.catalog.createVendor({ code: `V-${crypto.randomUUID().slice(0, 8)}`, name: "Dell Technologies" })
  const laptop = await buyer.catalog.createCatalogItem({
    sku: `LAT-${crypto.randomUUID().slice(0, 8)}`,
    name: "Latitude 7450",
    kind: "hardware",
    approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 139_900, currency: "EUR" } }]
  })
  const request = await fastify.procura.as(person("rae-token")).requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 1 }] })
  await buyer.requisition.approveRequest({ requestId: request.id })
  const [draft] = await buyer.purchasing.createFromRequest({ requestId: request.id })
  return buyer.purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id })
}

beforeAll(async () => {
  fastify = Fastify()
  await fastify.register(procuraPlugin, {
    storage: SqlStorage.layerPglite(),
    plugins: [Plugin.enable(badges, {})],
    principalOf: (request) => principalOf(request.headers.authorization)
  })
  url = await fastify.listen({ port: 0, host: "127.0.0.1" })
})

afterAll(async () => {
  await fastify?.close()
})

describe("examples/fastify-plugin", () => {
  it("registers POST /operations/<id> for every operation of the catalogue, plugins' included", () => {
    expect(fastify.procura.operations.size).toBeGreaterThan(70)
    for (const id of fastify.procura.operations.keys()) expect(fastify.hasRoute({ method: "POST", url: `/operations/${id}` })).toBe(true)
    expect(fastify.hasRoute({ method: "POST", url: "/operations/badges.printBadge" })).toBe(true)
  })

  it("runs the flow over real HTTP: catalog, request, approval, order, receipt, assets in stock", async () => {
    const run = async (operation: string, token: string, input: unknown) => {
      const response = await fetch(`${url}/operations/${operation}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(input)
      })
      expect(response.status, `${operation}: ${await response.clone().text()}`).toBe(200)
      return (await response.json()) as any
    }
    const vendor = await run("catalog.createVendor", "pat-token", { code: "DELL", name: "Dell Technologies" })
    const laptop = await run("catalog.createCatalogItem", "pat-token", {
      sku: "LAT-7450",
      name: "Latitude 7450",
      kind: "hardware",
      approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 139_900, currency: "EUR" } }]
    })
    const request = await run("requisition.createRequest", "rae-token", { lines: [{ catalogItemId: laptop.id, quantity: 2 }] })
    expect(request.status).toBe("pending_approval")
    expect((await run("requisition.approveRequest", "pat-token", { requestId: request.id })).status).toBe("approved")
    const [draft] = await run("purchasing.createFromRequest", "pat-token", { requestId: request.id })
    const order = await run("purchasing.submitPurchaseOrder", "pat-token", { purchaseOrderId: draft.id })
    expect(order.status).toBe("submitted")
    const receipt = await run("receiving.receivePurchaseOrder", "sam-token", {
      purchaseOrderId: order.id,
      locationId: "HQ",
      storageSpace: "IT store",
      lines: [{ lineNo: 1, serialNumbers: ["7450-A", "7450-B"] }]
    })
    expect(receipt.lines).toEqual([{ lineNo: 1, quantity: 2, assetIds: expect.any(Array) }])
    const inStock = await run("assets.listAssets", "sam-token", { status: "in_stock", purchaseOrderId: order.id })
    expect(inStock.items.map((asset: { serialNumber: string }) => asset.serialNumber).toSorted()).toEqual(["7450-A", "7450-B"])
  })

  it("refuses a body its schema rejects in Fastify, before Procura runs: 400 with Procura's issue paths", async () => {
    // Rae may not receive: Procura, which checks the permission before the input, answers 403.
    const body = { purchaseOrderId: "", lines: [{ lineNo: "1" }, { quantity: 0 }] }
    await expect(fastify.procura.run("receiving.receivePurchaseOrder", body, { principal: person("rae-token") })).rejects.toMatchObject({
      _tag: "AccessDenied"
    })
    // Over HTTP the schema refuses the body first, naming every bad path.
    const refused = await call("receiving.receivePurchaseOrder", "rae-token", body)
    expect(refused).toMatchObject({
      status: 400,
      type: "application/problem+json; charset=utf-8",
      body: { type: "https://procura.dev/problems/validation-error", code: "ValidationError", operation: "receiving.receivePurchaseOrder" }
    })
    expect(refused.body["issues"].map((issue: { path: unknown }) => issue.path)).toEqual([
      ["locationId"],
      ["storageSpace"],
      ["purchaseOrderId"],
      ["lines", 0, "lineNo"],
      ["lines", 1, "lineNo"],
      ["lines", 1, "quantity"]
    ])
    expect(refused.body["issues"][3].message).toBe("must be integer") // Ajv's words, not zod's
  })

  it("serializes each answer with the output schema: fields it does not declare are dropped", async () => {
    const rae = person("rae-token")
    expect(await fastify.procura.run("badges.printBadge", { visitor: "Ada" }, { principal: rae })).toEqual({
      text: "VISITOR Ada",
      printerToken: "tok-42"
    })
    expect(await call("badges.printBadge", "rae-token", { visitor: "Ada" })).toEqual({
      status: 200,
      type: "application/json; charset=utf-8",
      body: { text: "VISITOR Ada" }
    })
  })

  it("answers 401 without a principal, 403 without the permission, 404 for an unknown operation", async () => {
    expect(await call("purchasing.listPurchaseOrders", undefined)).toMatchObject({
      status: 401,
      type: "application/problem+json; charset=utf-8",
      body: { type: "about:blank" }
    })
    expect(await call("purchasing.submitPurchaseOrder", "rae-token", { purchaseOrderId: "po-1" })).toMatchObject({
      status: 403,
      type: "application/problem+json; charset=utf-8",
      body: { code: "AccessDenied", permission: "purchase_order.manage", userId: "rae", instance: "/operations/purchasing.submitPurchaseOrder" }
    })
    expect(await call("purchasing.submitPurchaseOrdr", "pat-token")).toMatchObject({
      status: 404,
      body: { code: "UnknownOperation", detail: expect.stringContaining("purchasing.submitPurchaseOrder") }
    })
  })

  it("answers 409 ReceivingError/OverReceipt for more units than ordered", async () => {
    const order = await submittedOrder()
    const refused = await call("receiving.receivePurchaseOrder", "sam-token", {
      purchaseOrderId: order.id,
      locationId: "HQ",
      storageSpace: "IT store",
      lines: [{ lineNo: 1, quantity: 2 }]
    })
    expect(refused).toMatchObject({
      status: 409,
      type: "application/problem+json; charset=utf-8",
      body: { code: "ReceivingError/OverReceipt", purchaseOrderId: order.id, instance: "/operations/receiving.receivePurchaseOrder" }
    })
  })

  it("interrupts the Procura call of a client that goes away", async () => {
    // A connection of its own (no keep-alive pool), closed by the client while Procura waits.
    const client = request(`${url}/operations/badges.waitForPrinter`, {
      method: "POST",
      headers: { authorization: "Bearer rae-token", "content-type": "application/json" },
      agent: false
    })
    client.on("error", () => {}) // the socket hang-up of our own abort
    client.end("{}")
    await waitEntered
    client.destroy()
    await waitInterrupted
  })

  it("disposes Procura when Fastify closes", async () => {
    await fastify.close()
    await expect(fastify.procura.catalog.listVendors({}, { principal: person("pat-token") })).rejects.toBeDefined()
  })
})
