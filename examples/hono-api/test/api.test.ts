// The API over real HTTP on an ephemeral port, on the built packages, as a client meets it.
import type { AddressInfo } from "node:net"
import { type ServerType, serve } from "@hono/node-server"
import { createProcura, type ProcuraClient } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"
import { chromium } from "playwright-core"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { type AccessLogLine, createApi } from "../src/api.js"
import { developmentTokens, tokenTable } from "../src/auth.js"

let procura: ProcuraClient
let server: ServerType
let base: string
const logs: Array<AccessLogLine> = []

beforeAll(async () => {
  procura = createProcura({ storage: SqlStorage.layerPglite() })
  await procura.ready()
  const app = createApi({ procura, authenticate: tokenTable(developmentTokens), log: (line) => void logs.push(line) })
  await new Promise<void>((listening) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => listening())
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((closed) => server.close(closed))
  await procura.dispose()
})

type Token = keyof typeof developmentTokens

/** POSTs an operation as the holder of a development token; gives the status, headers and body. */
const call = async (token: Token | undefined, operation: string, input: unknown, init: RequestInit = {}) => {
  const response = await fetch(`${base}/operations/${operation}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: typeof input === "string" ? input : JSON.stringify(input),
    ...init
  })
  return { status: response.status, headers: response.headers, body: await response.json() as any }
}

/** Like {@link call}, for calls that must succeed: gives the output. */
const ok = async (token: Token, operation: string, input: unknown) => {
  const { status, body } = await call(token, operation, input)
  assert.strictEqual(status, 200, `${operation}: ${JSON.stringify(body)}`)
  return body
}

/** A submitted order of `quantity` laptops, bought through the whole request flow. */
const orderLaptops = async (sku: string, quantity: number) => {
  const vendor = await ok("dev-buyer", "catalog.createVendor", { code: `V-${sku}`, name: `Vendor of ${sku}` })
  const item = await ok("dev-buyer", "catalog.createCatalogItem", {
    sku,
    name: `Laptop ${sku}`,
    kind: "hardware",
    approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 139_900, currency: "EUR" } }]
  })
  const request = await ok("dev-requester", "requisition.createRequest", { lines: [{ catalogItemId: item.id, quantity }] })
  await ok("dev-buyer", "requisition.approveRequest", { requestId: request.id, comment: "Within budget" })
  const [draft] = await ok("dev-buyer", "purchasing.createFromRequest", { requestId: request.id })
  return ok("dev-buyer", "purchasing.submitPurchaseOrder", { purchaseOrderId: draft.id })
}

describe("hono-api", () => {
  it("runs the flow from request to assignment over HTTP", async () => {
    const order = await orderLaptops("LAT-7450", 2)
    assert.strictEqual(order.status, "submitted")
    const receipt = await ok("dev-storekeeper", "receiving.receivePurchaseOrder", {
      purchaseOrderId: order.id,
      locationId: "HQ",
      storageSpace: "Store room 1",
      lines: [{ lineNo: 1, serialNumbers: ["7450-A", "7450-B"] }]
    })
    assert.strictEqual(receipt.lines[0].quantity, 2)
    const inStock = await ok("dev-asset-manager", "assets.listAssets", { status: "in_stock", purchaseOrderId: order.id })
    assert.sameMembers(inStock.items.map((a: any) => a.serialNumber), ["7450-A", "7450-B"])
    const assigned = await ok("dev-asset-manager", "assets.assignAsset", { assetId: inStock.items[0].id, userId: "rae" })
    assert.strictEqual(assigned.status, "in_use")
    assert.strictEqual(assigned.assignedTo, "rae")
  })

  it("applies a command sent twice under one Idempotency-Key once, answering the first result again", async () => {
    const order = await orderLaptops("LAT-5450", 3)
    const receive = (key: string, quantity: number) =>
      call("dev-storekeeper", "receiving.receivePurchaseOrder", {
        purchaseOrderId: order.id,
        locationId: "HQ",
        storageSpace: "Store room 1",
        lines: [{ lineNo: 1, quantity }]
      }, { headers: { "content-type": "application/json", authorization: "Bearer dev-storekeeper", "idempotency-key": key } })
    const first = await receive("dock-receipt-1", 2)
    const retry = await receive("dock-receipt-1", 2)
    assert.strictEqual(first.status, 200)
    assert.deepStrictEqual(retry.body, first.body, "the retry gets the first answer")
    const inStock = await ok("dev-asset-manager", "assets.listAssets", { status: "in_stock", purchaseOrderId: order.id })
    assert.strictEqual(inStock.items.length, 2, "received once")
    const reused = await receive("dock-receipt-1", 1)
    assert.strictEqual(reused.status, 422)
    assert.strictEqual(reused.body.code, "IdempotencyKeyReused")
  })

  it("answers a permission refusal with 403 problem details", async () => {
    const { status, headers, body } = await call("dev-requester", "catalog.createVendor", { code: "NOPE", name: "Not mine to add" })
    assert.strictEqual(status, 403)
    assert.strictEqual(headers.get("content-type"), "application/problem+json")
    assert.include(body, { code: "AccessDenied", status: 403, permission: "catalog.manage", instance: "/operations/catalog.createVendor" })
    assert.strictEqual(body.requestId, headers.get("x-request-id"))
  })

  it("answers invalid input with 400 and the path of every problem", async () => {
    const { status, body } = await call("dev-requester", "requisition.createRequest", { lines: [{ quantity: 0 }] })
    assert.strictEqual(status, 400)
    assert.strictEqual(body.code, "ValidationError")
    const paths = body.issues.map((issue: { path: Array<string | number> }) => issue.path.join("."))
    assert.includeMembers(paths, ["lines.0.quantity"])
    assert.isTrue(paths.some((path: string) => path.startsWith("lines.0")), JSON.stringify(body.issues))
    const notJson = await call("dev-requester", "requisition.createRequest", "{ lines: ")
    assert.strictEqual(notJson.status, 400)
    assert.strictEqual(notJson.body.detail, "The body is not JSON")
  })

  it("answers an over-receipt with 409, and nothing is received", async () => {
    const order = await orderLaptops("LAT-5550", 2)
    const place = { purchaseOrderId: order.id, locationId: "HQ", storageSpace: "Store room 1" }
    await ok("dev-storekeeper", "receiving.receivePurchaseOrder", { ...place, lines: [{ lineNo: 1, quantity: 1 }] })
    const { status, body } = await call("dev-storekeeper", "receiving.receivePurchaseOrder", { ...place, lines: [{ lineNo: 1, quantity: 2 }] })
    assert.strictEqual(status, 409)
    assert.include(body, { code: "ReceivingError/OverReceipt", purchaseOrderId: order.id, lineNo: 1 })
    const [line] = (await ok("dev-storekeeper", "receiving.backorders", { purchaseOrderId: order.id })).items
    assert.strictEqual(line.received, 1)
  })

  it("authenticates every call: 401 without a token or with an unknown one, and tenants stay apart", async () => {
    const none = await call(undefined, "assets.listAssets", {})
    assert.strictEqual(none.status, 401)
    assert.strictEqual(none.headers.get("www-authenticate"), `Bearer realm="procura"`)
    const unknown = await call(undefined, "assets.listAssets", {}, { headers: { authorization: "Bearer stolen" } })
    assert.strictEqual(unknown.status, 401)
    assert.include(unknown.headers.get("www-authenticate")!, `error="invalid_token"`)
    const order = await orderLaptops("LAT-3440", 1)
    const elsewhere = await call("dev-other-tenant", "purchasing.getPurchaseOrder", { id: order.id })
    assert.strictEqual(elsewhere.status, 404)
    assert.strictEqual((await ok("dev-other-tenant", "purchasing.listPurchaseOrders", {})).items.length, 0)
  })

  it("serves one route per operation of the catalogue, as the OpenAPI document says", async () => {
    const document = await (await fetch(`${base}/openapi.json`)).json() as any
    const routes = Object.keys(document.paths).map((path) => path.replace("/operations/", ""))
    assert.sameMembers(routes, [...procura.operations.keys()])
    assert.deepStrictEqual(document.security, [{ bearer: [] }])
    assert.strictEqual(document.components.securitySchemes.bearer.scheme, "bearer")
    for (const id of routes) {
      const { status, body } = await call("dev-buyer", id, {})
      assert.notInclude([404, 405, 500], status, `${id}: ${JSON.stringify(body)}`)
    }
    const wrongMethod = await fetch(`${base}/operations/assets.listAssets`, { headers: { authorization: "Bearer dev-buyer" } })
    assert.strictEqual(wrongMethod.status, 405)
    assert.strictEqual(wrongMethod.headers.get("allow"), "POST")
    const typo = await call("dev-buyer", "assets.listAsset", {})
    assert.strictEqual(typo.status, 404)
    assert.include(typo.body.detail, `did you mean "assets.listAssets"`)
  })

  it("logs one JSON line per request with its request id, user and problem code", async () => {
    const { headers } = await call("dev-requester", "catalog.createVendor", { code: "LOG", name: "Logged" }, {
      headers: { "x-request-id": "trace-me-123", authorization: "Bearer dev-requester" }
    })
    assert.strictEqual(headers.get("x-request-id"), "trace-me-123")
    const line = logs.find((l) => l.requestId === "trace-me-123")
    assert.include(line, { level: "warn", status: 403, code: "AccessDenied", userId: "rae", tenantId: "acme", path: "/operations/catalog.createVendor" })
  })

  it("serves an interactive reference page that renders in a browser with no CDN", async () => {
    const browser = await chromium.launch({
      executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
    })
    try {
      const page = await browser.newPage()
      const foreign: Array<string> = []
      page.on("request", (request) => {
        if (!request.url().startsWith(base) && !request.url().startsWith("data:")) foreign.push(request.url())
      })
      await page.goto(`${base}/reference`)
      await page.getByText("Create a vendor (supplier) with a unique code.").first().waitFor({ timeout: 30_000 })
      await page.getByText("/operations/catalog.createVendor", { exact: true }).first().waitFor({ timeout: 30_000 })
      assert.deepStrictEqual(foreign, [], "the reference page loads nothing from elsewhere")
    } finally {
      await browser.close()
    }
  })
})
