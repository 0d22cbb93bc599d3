// The Coupa simulator through real `fetch`: the contract the Coupa connector's tests rely on.
import { CoupaSimulator } from "@procura/testkit"
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"

const url = "https://test.coupahost.com"
const readOnly = { clientId: "reader", clientSecret: "reader-secret", scopes: ["core.purchase_order.read", "core.supplier.read"] }
const sim = CoupaSimulator.make({
  instanceUrl: url,
  clients: [CoupaSimulator.defaultClient, readOnly],
  rateLimit: false
})

/** An answer with its body parsed when it is JSON (inspected field by field, as a client would). */
const read = async (response: Response) => {
  const text = await response.text()
  const json = (response.headers.get("content-type") ?? "").includes("json")
  return { status: response.status, headers: response.headers, text, body: json && text !== "" ? JSON.parse(text) : undefined }
}

type Answer = Awaited<ReturnType<typeof read>>

const requestToken = (fields: Record<string, string>, base = url) =>
  fetch(`${base}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "client_credentials", ...fields })
  }).then(read)

const tokenFor = async (client: CoupaSimulator.OAuthClient = CoupaSimulator.defaultClient, scope = client.scopes.join(" "), base = url) => {
  const answer = await requestToken({ client_id: client.clientId, client_secret: client.clientSecret, scope }, base)
  assert.strictEqual(answer.status, 200, answer.text)
  return answer.body.access_token as string
}

let bearer = ""

/** A request as a well-behaved client sends it: bearer token, JSON both ways. */
const call = (path: string, init: RequestInit & { readonly json?: unknown; readonly base?: string; readonly token?: string } = {}) => {
  const { json, base, token, ...rest } = init
  return fetch(`${base ?? url}${path}`, {
    ...rest,
    headers: {
      authorization: `Bearer ${token ?? bearer}`,
      accept: "application/json",
      ...(json === undefined ? {} : { "content-type": "application/json" }),
      ...rest.headers
    },
    ...(json === undefined ? {} : { body: JSON.stringify(json) })
  }).then(read)
}

const post = (path: string, json: unknown) => call(path, { method: "POST", json })
const put = (path: string, json?: unknown) => call(path, { method: "PUT", ...(json === undefined ? {} : { json }) })
const ids = (answer: Answer): Array<number> => answer.body.map((record: { id: number }) => record.id)
const names = (answer: Answer): Array<string> => answer.body.map((record: { name: string }) => record.name)

const externalOrder = (poNumber: string, extra: Record<string, unknown> = {}) => ({
  type: "ExternalOrderHeader",
  "po-number": poNumber,
  supplier: { name: "Acme" },
  currency: { code: "USD" },
  "order-lines": [
    { description: "Laptop", quantity: "2", price: "1200.50" },
    { description: "Dock", quantity: "2.5", price: "100", "external-reference-number": "ERP-7" }
  ],
  ...extra
})

beforeAll(() => sim.listen())
afterAll(() => sim.close())
beforeEach(async () => {
  sim.reset()
  sim.server.resetHandlers()
  bearer = await tokenFor()
})

describe("CoupaSimulator: OAuth client credentials", () => {
  it("grants a bearer token for space-separated scopes the client holds", async () => {
    const answer = await requestToken({ client_id: "reader", client_secret: "reader-secret", scope: "core.supplier.read core.purchase_order.read" })
    assert.strictEqual(answer.status, 200)
    assert.strictEqual(answer.body.token_type, "bearer")
    assert.strictEqual(answer.body.expires_in, 86_399)
    assert.isString(answer.body.access_token)
    const suppliers = await call("/api/suppliers", { token: answer.body.access_token })
    assert.strictEqual(suppliers.status, 200)
    assert.deepStrictEqual(suppliers.body, [])
  })

  it("refuses a wrong secret, comma-separated scopes and scopes not granted", async () => {
    const wrong = await requestToken({ client_id: "reader", client_secret: "nope", scope: "core.supplier.read" })
    assert.strictEqual(wrong.status, 401)
    assert.strictEqual(wrong.body.error, "invalid_client")
    const commas = await requestToken({ client_id: "reader", client_secret: "reader-secret", scope: "core.supplier.read,core.purchase_order.read" })
    assert.strictEqual(commas.status, 400)
    assert.strictEqual(commas.body.error, "invalid_scope")
    const notGranted = await requestToken({ client_id: "reader", client_secret: "reader-secret", scope: "core.supplier.read core.invoice.read" })
    assert.strictEqual(notGranted.status, 400)
    assert.strictEqual(notGranted.body.error, "invalid_scope")
    assert.include(notGranted.body.error_description, "core.invoice.read")
    const password = await requestToken({ grant_type: "password", client_id: "reader", client_secret: "reader-secret" })
    assert.strictEqual(password.body.error, "unsupported_grant_type")
    assert.strictEqual(sim.requests()[0]!.path, "/oauth2/token")
    assert.notInclude(JSON.stringify(sim.requests()), "reader-secret", "the secret stays out of the log")
  })

  it("answers 401 once tokens expire (on demand or by their lifetime) and 403 for a scope the token lacks", async () => {
    assert.strictEqual((await call("/api/suppliers")).status, 200)
    sim.expireTokens()
    const expired = await call("/api/suppliers")
    assert.strictEqual(expired.status, 401)
    assert.deepStrictEqual(expired.body, { errors: { base: ["Invalid or expired access token"] } })
    assert.strictEqual((await call("/api/suppliers", { token: "made-up" })).status, 401)
    assert.strictEqual((await fetch(`${url}/api/suppliers`, { headers: { accept: "application/json" } })).status, 401)

    const shortLived = CoupaSimulator.make({ instanceUrl: "https://short.coupahost.com", tokenLifetime: 60, rateLimit: false })
    sim.server.use(...shortLived.handlers)
    shortLived.setTime("2024-05-01T10:00:00Z")
    const token = await tokenFor(CoupaSimulator.defaultClient, "core.supplier.read", shortLived.instanceUrl)
    assert.strictEqual((await call("/api/suppliers", { base: shortLived.instanceUrl, token })).status, 200)
    shortLived.advance(60_000)
    assert.strictEqual((await call("/api/suppliers", { base: shortLived.instanceUrl, token })).status, 401)

    const reader = await tokenFor(readOnly)
    const forbidden = await call("/api/invoices", { token: reader })
    assert.strictEqual(forbidden.status, 403)
    assert.include(forbidden.body.errors.base[0], "core.invoice.read")
    assert.strictEqual((await post("/api/suppliers", { name: "Acme" }).then(() => call("/api/suppliers", { method: "POST", token: reader, json: { name: "B" } }))).status, 403)
  })
})

describe("CoupaSimulator: formats and errors", () => {
  it("answers XML to a client that does not ask for JSON, with 404 for an empty XML list", async () => {
    sim.seed("suppliers", { name: "Acme & Sons" })
    const xml = await fetch(`${url}/api/suppliers`, { headers: { authorization: `Bearer ${bearer}` } }).then(read)
    assert.strictEqual(xml.status, 200)
    assert.include(xml.headers.get("content-type")!, "application/xml")
    assert.isTrue(xml.text.startsWith("<?xml"))
    assert.include(xml.text, "<suppliers type=\"array\"><supplier><id type=\"integer\">1</id>")
    assert.include(xml.text, "<name>Acme &amp; Sons</name>")
    const empty = await fetch(`${url}/api/suppliers?name=none`, { headers: { authorization: `Bearer ${bearer}`, accept: "*/*" } }).then(read)
    assert.strictEqual(empty.status, 404)
    assert.include(empty.text, "<errors><error>No results match your search criteria.</error></errors>")
    assert.deepStrictEqual((await call("/api/suppliers?name=none")).body, [], "JSON answers an empty list with []")
  })

  it("creates records with hyphenated fields, decimal strings, totals and timestamps", async () => {
    sim.setTime("2024-05-01T10:00:00.750Z")
    sim.seed("suppliers", { name: "Acme", number: "S-1" })
    const created = await post("/api/purchase_orders", externalOrder("PO-1"))
    assert.strictEqual(created.status, 201, created.text)
    const order = created.body
    assert.strictEqual(order.id, 1)
    assert.strictEqual(order["po-number"], "PO-1")
    assert.strictEqual(order.status, "issued")
    assert.strictEqual(order.version, 1)
    assert.strictEqual(order.exported, false)
    assert.isNull(order["last-exported-at"])
    assert.strictEqual(order["created-at"], "2024-05-01T10:00:00+00:00", "whole seconds, as Coupa renders them")
    assert.deepStrictEqual(order.supplier, { id: 1, name: "Acme", number: "S-1" })
    assert.strictEqual(order.total, "2651.00")
    const [laptop, dock] = order["order-lines"]
    assert.deepInclude(laptop, { "line-num": 1, quantity: "2", price: "1200.50", total: "2401.00", received: "0.0", "order-header-id": 1 })
    assert.deepInclude(dock, { "line-num": 2, total: "250.00", "external-reference-number": "ERP-7", type: "OrderQuantityLine" })
    assert.deepStrictEqual(dock.currency, { code: "USD" })
    assert.deepStrictEqual(sim.record("purchase_orders", 1), order)
  })

  it("refuses a natural key taken already, for suppliers, orders, requisitions and invoices", async () => {
    assert.strictEqual((await post("/api/suppliers", { name: "Acme", number: "S-1" })).status, 201)
    const name = await post("/api/suppliers", { name: "Acme" })
    assert.strictEqual(name.status, 400)
    assert.deepStrictEqual(name.body, { errors: { supplier: ["Name has already been taken"] } })
    assert.deepStrictEqual((await post("/api/suppliers", { name: "Other", number: "S-1" })).body, { errors: { supplier: ["Number has already been taken"] } })
    await post("/api/suppliers", { name: "Globex" })

    assert.strictEqual((await post("/api/purchase_orders", externalOrder("PO-1"))).status, 201)
    assert.deepStrictEqual((await post("/api/purchase_orders", externalOrder("PO-1"))).body, {
      errors: { purchase_order: ["Po number has already been taken"] }
    })

    const requisition = { "external-po-reference": "EXT-1", "requisition-lines": [{ description: "Chair", quantity: 1, currency: { code: "EUR" } }] }
    assert.strictEqual((await post("/api/requisitions", requisition)).status, 201)
    assert.deepStrictEqual((await post("/api/requisitions", requisition)).body, {
      errors: { requisition: ["External po reference has already been taken"] }
    })

    const invoice = (supplier: string) => ({
      "invoice-number": "INV-1",
      supplier: { name: supplier },
      currency: { code: "USD" },
      "invoice-date": "2024-05-01",
      "invoice-lines": [{ description: "Laptop", quantity: "1", price: "1200.50", "order-line-id": 1 }]
    })
    assert.strictEqual((await post("/api/invoices", invoice("Acme"))).status, 201)
    assert.deepStrictEqual((await post("/api/invoices", invoice("Acme"))).body, { errors: { invoice: ["Invoice number has already been taken"] } })
    assert.strictEqual((await post("/api/invoices", invoice("Globex"))).status, 201, "the same number from another supplier is another invoice")
    assert.strictEqual(sim.records("invoices").length, 2)
    assert.strictEqual(sim.records("suppliers").length, 2)
  })

  it("answers validation failures, unknown references and unknown ids with the error envelope", async () => {
    sim.seed("suppliers", { name: "Acme" })
    const empty = await post("/api/requisitions", {})
    assert.deepStrictEqual(empty.body, { errors: { requisition: ["Requisition lines can't be blank"] } })
    const lineless = await post("/api/requisitions", { "requisition-lines": [{ quantity: "1" }] })
    assert.strictEqual(lineless.status, 400)
    assert.deepStrictEqual(lineless.body.errors.requisition, ["Line 1: Description or item can't be blank", "Line 1: Currency can't be blank"])
    const order = await post("/api/purchase_orders", { "po-number": "PO-2", supplier: { name: "Nobody" }, "order-lines": [{ description: "x", quantity: "1", price: "1" }], type: "ExternalOrderHeader" })
    assert.deepStrictEqual(order.body, { errors: { purchase_order: ["Supplier {\"name\":\"Nobody\"} does not exist"] } })
    const native = await post("/api/purchase_orders", { ...externalOrder("PO-3"), type: "OrderHeader" })
    assert.strictEqual(native.status, 400)
    assert.include(native.body.errors.purchase_order[0], "ExternalOrderHeader")
    const receipt = await post("/api/receiving_transactions", { type: "InventoryReceipt", quantity: "1", "order-line": { id: 99 } })
    assert.deepStrictEqual(receipt.body, { errors: { receiving_transaction: ["Order line {\"id\":99} does not exist"] } })
    const invoice = await post("/api/invoices", { "invoice-lines": [{ description: "x", quantity: "1", price: "one" }] })
    assert.deepStrictEqual(invoice.body.errors.invoice, ["Line 1: Price is not a number"])
    const missing = await call("/api/purchase_orders/42")
    assert.strictEqual(missing.status, 404)
    assert.deepStrictEqual(missing.body, { errors: { purchase_order: ["Couldn't find OrderHeader with 'id'=42"] } })
    assert.strictEqual((await put("/api/purchase_orders/42/issue")).status, 404)
    assert.strictEqual(sim.records("purchase_orders").length, 0)
    assert.strictEqual((await post("/api/suppliers", { name: "Next" })).body.id, 2, "a refused create uses up no id")
  })
})

describe("CoupaSimulator: lists", () => {
  it("pages at most 50 records from a 0-based offset, in id order without order_by", async () => {
    sim.setTime("2024-05-01T10:00:00Z")
    for (let i = 1; i <= 120; i++) sim.seed("suppliers", { name: `Supplier ${String(121 - i).padStart(3, "0")}` })
    const first = await call("/api/suppliers?limit=100")
    assert.deepStrictEqual(ids(first), Array.from({ length: 50 }, (_, i) => i + 1), "a limit over 50 is capped")
    assert.deepStrictEqual(ids(await call("/api/suppliers")), ids(first))
    assert.deepStrictEqual(ids(await call("/api/suppliers?offset=50")), Array.from({ length: 50 }, (_, i) => i + 51))
    assert.deepStrictEqual(ids(await call("/api/suppliers?offset=100&limit=50")), Array.from({ length: 20 }, (_, i) => i + 101))
    assert.deepStrictEqual(ids(await call("/api/suppliers?offset=3&limit=2")), [4, 5])
    assert.deepStrictEqual((await call("/api/suppliers?offset=120")).body, [])
  })

  it("orders by any field, hyphen or underscore, ascending or descending, ties by id", async () => {
    sim.setTime("2024-05-01T10:00:00Z")
    sim.seed("suppliers", { name: "Charlie" })
    sim.advance(1_000)
    sim.seed("suppliers", { name: "alpha" })
    sim.seed("suppliers", { name: "Bravo" })
    sim.seed("suppliers", { name: "Delta" })
    assert.deepStrictEqual(names(await call("/api/suppliers?order_by=name")), ["Bravo", "Charlie", "Delta", "alpha"])
    assert.deepStrictEqual(names(await call("/api/suppliers?order_by=name&dir=desc")), ["alpha", "Delta", "Charlie", "Bravo"])
    assert.deepStrictEqual(ids(await call("/api/suppliers?order_by=updated_at&dir=desc")), [2, 3, 4, 1])
    assert.deepStrictEqual(ids(await call("/api/suppliers?order_by=updated-at")), [1, 2, 3, 4])
    assert.strictEqual((await call("/api/suppliers?order_by=colour")).status, 400)
  })

  it("filters with every operator", async () => {
    sim.setTime("2024-05-01T10:00:00Z")
    for (const [name, number] of [["Acme", "10"], ["Acme Europe", "9"], ["Globex", null], ["Initech", "100"]] as const) {
      sim.seed("suppliers", { name, number })
      sim.advance(60_000)
    }
    const query = async (q: string) => names(await call(`/api/suppliers?${q}`))
    assert.deepStrictEqual(await query("name=Acme"), ["Acme"])
    assert.deepStrictEqual(await query("name[contains]=me"), ["Acme", "Acme Europe"])
    assert.deepStrictEqual(await query("name[starts_with]=Acme"), ["Acme", "Acme Europe"])
    assert.deepStrictEqual(await query("name[ends_with]=ex"), ["Globex"])
    assert.deepStrictEqual(await query("name[not_eq]=Acme"), ["Acme Europe", "Globex", "Initech"])
    assert.deepStrictEqual(await query("name[in]=Globex,Initech,Nobody"), ["Globex", "Initech"])
    assert.deepStrictEqual(await query("name[not_in]=Globex,Initech"), ["Acme", "Acme Europe"])
    assert.deepStrictEqual(await query("number[blank]=true"), ["Globex"])
    assert.deepStrictEqual(await query("number[blank]=false"), ["Acme", "Acme Europe", "Initech"])
    assert.deepStrictEqual(await query("id[gt]=2"), ["Globex", "Initech"])
    assert.deepStrictEqual(await query("id[lt]=2"), ["Acme"])
    assert.deepStrictEqual(await query("id[gt_or_eq]=3"), ["Globex", "Initech"])
    assert.deepStrictEqual(await query("id[lt_or_eq]=2"), ["Acme", "Acme Europe"])
    // Numbers in decimal strings compare as numbers ("9" < "10"), timestamps as instants.
    assert.deepStrictEqual(await query("number[gt]=9"), ["Acme", "Initech"])
    assert.deepStrictEqual(await query("created_at[gt]=2024-05-01T10:01:00Z"), ["Globex", "Initech"])
    assert.deepStrictEqual(await query("created-at[gt_or_eq]=2024-05-01T12:01:00%2B02:00"), ["Acme Europe", "Globex", "Initech"])
    assert.deepStrictEqual(await query("updated-at[lt]=2024-05-01T10:01:00.000Z"), ["Acme"])
    assert.deepStrictEqual(await query("created-at=2024-05-01T10:02:00Z&name[starts_with]=G"), ["Globex"], "conditions are ANDed")
    assert.deepStrictEqual(await query("exported=false&order_by=id&dir=desc"), ["Initech", "Globex", "Acme Europe", "Acme"])

    const unencodedPlus = await call("/api/suppliers?created-at[gt]=2024-05-01T12:01:00+02:00")
    assert.strictEqual(unencodedPlus.status, 400, "an unencoded + reads as a space: not a datetime")
    assert.include(unencodedPlus.body.errors.base[0], "%2B")
    assert.strictEqual((await call("/api/suppliers?created-at[contains]=2024")).status, 400)
    assert.strictEqual((await call("/api/suppliers?colour=red")).status, 400, "an unknown attribute is refused")
  })

  it("filters on associations one level deep and on lines, with hyphens or underscores", async () => {
    sim.seed("suppliers", { name: "Acme" })
    sim.seed("suppliers", { name: "Globex" })
    await post("/api/purchase_orders", externalOrder("PO-1"))
    await post("/api/purchase_orders", externalOrder("PO-2", { supplier: { name: "Globex" }, "order-lines": [{ description: "Desk", quantity: 1, price: 300 }] }))
    const poNumbers = async (q: string) =>
      (await call(`/api/purchase_orders?${q}`)).body.map((order: { "po-number": string }) => order["po-number"])
    assert.deepStrictEqual(await poNumbers("supplier[name]=Acme"), ["PO-1"])
    assert.deepStrictEqual(await poNumbers("supplier[id]=2"), ["PO-2"])
    assert.deepStrictEqual(await poNumbers("supplier[name][starts_with]=Glo"), ["PO-2"])
    assert.deepStrictEqual(await poNumbers("po_number=PO-2"), ["PO-2"])
    assert.deepStrictEqual(await poNumbers("order_lines[external_reference_number]=ERP-7"), ["PO-1"])
    assert.deepStrictEqual(await poNumbers("order-lines[description][contains]=es"), ["PO-2"])

    const line = sim.record("purchase_orders", 2)!["order-lines"] as ReadonlyArray<{ readonly id: number }>
    await post("/api/receiving_transactions", { type: "InventoryReceipt", quantity: "1", "order-line": { id: line[0]!.id } })
    const receipts = await call("/api/receiving_transactions?order_line[order_header_id]=2")
    assert.deepStrictEqual(ids(receipts), [1])
    assert.deepStrictEqual((await call("/api/receiving_transactions?order-line[order-header-id]=1")).body, [])
  })

  it("trims answers to the fields asked for, nested ones included, on GET, POST and PUT", async () => {
    sim.seed("suppliers", { name: "Acme" })
    const fields = encodeURIComponent(JSON.stringify(["id", "po_number", { supplier: ["name"] }, { order_lines: ["line_num", "total"] }]))
    const created = await post(`/api/purchase_orders?fields=${fields}`, externalOrder("PO-1"))
    const trimmed = {
      id: 1,
      "po-number": "PO-1",
      supplier: { name: "Acme" },
      "order-lines": [{ "line-num": 1, total: "2401.00" }, { "line-num": 2, total: "250.00" }]
    }
    assert.deepStrictEqual(created.body, trimmed)
    assert.deepStrictEqual((await call(`/api/purchase_orders?fields=${fields}`)).body, [trimmed])
    assert.deepStrictEqual((await call(`/api/purchase_orders/1?fields=${fields}`)).body, trimmed)
    const exported = await put(`/api/purchase_orders/1?exported=true&fields=${encodeURIComponent("[\"id\",\"exported\"]")}`)
    assert.deepStrictEqual(exported.body, { id: 1, exported: true })
    assert.strictEqual((await call("/api/purchase_orders?fields=id")).status, 400)
  })
})

describe("CoupaSimulator: updates, actions and timestamps", () => {
  it("changes only the given fields on PUT and moves updated-at; lines by id, added without one", async () => {
    sim.setTime("2024-05-01T10:00:00Z")
    sim.seed("suppliers", { name: "Acme" })
    const order = (await post("/api/purchase_orders", externalOrder("PO-1"))).body
    await put(`/api/purchase_orders/${order.id}?exported=true`)
    sim.advance(5_000)
    const renamed = await put(`/api/purchase_orders/${order.id}`, { ship_to_attention: "Dock 4", status: "closed", id: 77 })
    assert.strictEqual(renamed.status, 200)
    assert.strictEqual(renamed.body["ship-to-attention"], "Dock 4")
    assert.strictEqual(renamed.body.status, "issued", "a read-only field is ignored")
    assert.strictEqual(renamed.body.id, order.id)
    assert.strictEqual(renamed.body["po-number"], "PO-1")
    assert.strictEqual(renamed.body.version, 1)
    assert.strictEqual(renamed.body.exported, true, "an API edit keeps the exported flag")
    assert.strictEqual(renamed.body["created-at"], "2024-05-01T10:00:00+00:00")
    assert.strictEqual(renamed.body["updated-at"], "2024-05-01T10:00:05+00:00")

    const [laptop, dock] = order["order-lines"]
    const relined = await put(`/api/purchase_orders/${order.id}`, {
      "order-lines": [{ id: laptop.id, quantity: "3" }, { id: dock.id, _delete: true }, { description: "Mouse", quantity: "1", price: "20" }]
    })
    assert.deepStrictEqual(
      relined.body["order-lines"].map((line: { "line-num": number; quantity: string }) => [line["line-num"], line.quantity]),
      [[1, "3"], [3, "1"]]
    )
    assert.strictEqual(relined.body.total, "3621.50")
    assert.strictEqual(relined.body.version, 2, "a line change makes a new version")
    assert.strictEqual(relined.body.exported, false, "and a new version is exported again")
    const taken = await post("/api/purchase_orders", externalOrder("PO-2"))
    assert.strictEqual((await put(`/api/purchase_orders/${taken.body.id}`, { "po-number": "PO-1" })).status, 400)
  })

  it("marks records exported with PUT ?exported=true and no body", async () => {
    sim.setTime("2024-05-01T10:00:00Z")
    sim.seed("suppliers", { name: "Acme" })
    await post("/api/purchase_orders", externalOrder("PO-1"))
    await post("/api/purchase_orders", externalOrder("PO-2"))
    sim.advance(2_000)
    const marked = await put("/api/purchase_orders/1?exported=true")
    assert.strictEqual(marked.status, 200)
    assert.strictEqual(marked.body.exported, true)
    assert.strictEqual(marked.body["last-exported-at"], "2024-05-01T10:00:02+00:00")
    assert.strictEqual(marked.body["updated-at"], "2024-05-01T10:00:02+00:00")
    assert.deepStrictEqual(ids(await call("/api/purchase_orders?exported=false")), [2])
    assert.deepStrictEqual(ids(await call("/api/purchase_orders?exported=true")), [1])
    const ignored = await call("/api/purchase_orders/2?exported=true", { method: "PUT", json: { "po-number": "CHANGED" } })
    assert.strictEqual(ignored.body["po-number"], "PO-2", "a body sent with the exported flag is ignored")

    const untouched = CoupaSimulator.make({ instanceUrl: "https://quiet.coupahost.com", rateLimit: false, exportTouchesUpdatedAt: false })
    untouched.setTime("2024-05-01T10:00:00Z")
    untouched.seed("suppliers", { name: "Acme" })
    untouched.advance(2_000)
    sim.server.use(...untouched.handlers)
    const quiet = await call("/api/suppliers/1?exported=true", { method: "PUT", base: untouched.instanceUrl, token: await tokenFor(CoupaSimulator.defaultClient, undefined, untouched.instanceUrl) })
    assert.strictEqual(quiet.body["updated-at"], "2024-05-01T10:00:00+00:00")
  })

  it("moves purchase orders through issue, close, reopen and cancel, refusing invalid transitions", async () => {
    sim.seed("suppliers", { name: "Acme" })
    const draft = sim.seed("purchase_orders", { ...externalOrder("PO-1"), status: "draft" })
    assert.strictEqual(draft["status"], "draft")
    const closeDraft = await put(`/api/purchase_orders/${draft["id"]}/close`)
    assert.strictEqual(closeDraft.status, 400)
    assert.deepStrictEqual(closeDraft.body, { errors: { purchase_order: ["Cannot close this purchase order: its status is draft"] } })
    assert.strictEqual((await put(`/api/purchase_orders/${draft["id"]}/issue`)).body.status, "issued")
    assert.strictEqual((await put(`/api/purchase_orders/${draft["id"]}/close`)).body.status, "closed")
    assert.strictEqual((await put(`/api/purchase_orders/${draft["id"]}/reopen`)).body.status, "issued")
    assert.strictEqual((await put(`/api/purchase_orders/${draft["id"]}/cancel`)).body.status, "cancelled")
    assert.strictEqual((await put(`/api/purchase_orders/${draft["id"]}/issue`)).status, 400)
    assert.strictEqual((await put(`/api/purchase_orders/${draft["id"]}/explode`)).status, 404)
    const line = (draft["order-lines"] as ReadonlyArray<{ readonly id: number }>)[0]!
    const receipt = await post("/api/receiving_transactions", { type: "InventoryReceipt", quantity: "1", "order-line": { id: line.id } })
    assert.strictEqual(receipt.status, 400, "a cancelled order takes no receipts")
  })

  it("submits and voids invoices, and voids receipts, keeping what a line received", async () => {
    sim.seed("suppliers", { name: "Acme" })
    const order = (await post("/api/purchase_orders", externalOrder("PO-1"))).body
    const lineId = order["order-lines"][0].id
    const first = await post("/api/receiving_transactions", { type: "InventoryReceipt", quantity: "1.5", "order-line": { id: lineId }, barcode: "SN-1" })
    assert.strictEqual(first.status, 201)
    assert.deepInclude(first.body, { status: "created", quantity: "1.5", barcode: "SN-1", exported: false })
    assert.deepInclude(first.body["order-line"], { id: lineId, "order-header-id": order.id, "po-number": "PO-1" })
    await post("/api/receiving_transactions", { type: "InventoryReceipt", quantity: "0.5", "order-line": { id: lineId } })
    const received = () => (sim.record("purchase_orders", order.id)!["order-lines"] as ReadonlyArray<{ received: string; status: string }>)[0]!
    assert.deepStrictEqual([received().received, received().status], ["2.0", "received"])
    assert.strictEqual((await put(`/api/receiving_transactions/${first.body.id}`, { quantity: "9" })).status, 400, "a receipt takes only the exported flag")
    assert.strictEqual((await put(`/api/receiving_transactions/${first.body.id}/void`)).body.status, "voided")
    assert.deepStrictEqual([received().received, received().status], ["0.5", "partially_received"])
    assert.strictEqual((await put(`/api/receiving_transactions/${first.body.id}/void`)).status, 400)

    const invoice = await post("/api/invoices", {
      "invoice-number": "INV-1",
      supplier: { id: 1 },
      currency: "USD",
      "invoice-date": "2024-05-01",
      "invoice-lines": [{ description: "Laptop", quantity: "2", price: "1200.50", "order-line-id": lineId }]
    })
    assert.strictEqual(invoice.status, 201, invoice.text)
    assert.deepInclude(invoice.body, { status: "draft", total: "2401.00", "invoice-date": "2024-05-01T00:00:00+00:00" })
    assert.strictEqual((await put(`/api/invoices/${invoice.body.id}/submit`)).body.status, "pending_approval")
    assert.strictEqual((await put(`/api/invoices/${invoice.body.id}/void`)).status, 400, "a pending approval is not voided")
    sim.update("invoices", invoice.body.id, { status: "approved" })
    assert.strictEqual((await put(`/api/invoices/${invoice.body.id}/void`)).body.status, "voided")
  })

  it("gives many records one updated-at on a frozen clock, so high-water-mark pulls see ties", async () => {
    sim.setTime("2024-05-01T10:00:00.100Z")
    for (let i = 0; i < 60; i++) await post("/api/suppliers", { name: `S${i}` })
    sim.advance(900)
    await post("/api/suppliers", { name: "next second" })
    const stamps = new Set(sim.records("suppliers").map((record) => record["updated-at"]))
    assert.deepStrictEqual([...stamps], ["2024-05-01T10:00:00+00:00", "2024-05-01T10:00:01+00:00"])
    const mark = "2024-05-01T10:00:00Z"
    assert.strictEqual((await call(`/api/suppliers?updated-at[gt]=${mark}`)).body.length, 1, "gt skips the 60 records of the mark's second")
    const tied = [
      ...(await call(`/api/suppliers?updated-at[gt_or_eq]=${mark}&order_by=updated_at`)).body,
      ...(await call(`/api/suppliers?updated-at[gt_or_eq]=${mark}&order_by=updated_at&offset=50`)).body
    ]
    assert.strictEqual(new Set(tied.map((record: { id: number }) => record.id)).size, 61, "ties are ordered by id, so offsets neither skip nor repeat")
    assert.strictEqual(sim.now().toISOString(), "2024-05-01T10:00:01.000Z")

    const clocked = CoupaSimulator.make({ clock: () => new Date("2030-01-02T03:04:05.999Z"), utcOffsetMinutes: -420 })
    assert.strictEqual(clocked.seed("suppliers", { name: "Acme" })["created-at"], "2030-01-01T20:04:05-07:00")
  })
})

describe("CoupaSimulator: rate limit and faults", () => {
  const limitedAt = async (rateLimit: CoupaSimulator.RateLimitOptions | false) => {
    const limited = CoupaSimulator.make({ instanceUrl: "https://limited.coupahost.com", rateLimit })
    sim.server.use(...limited.handlers)
    const token = await tokenFor(CoupaSimulator.defaultClient, undefined, limited.instanceUrl)
    const answers = await Promise.all(Array.from({ length: 6 }, () => call("/api/suppliers", { base: limited.instanceUrl, token })))
    return { limited, answers, token }
  }

  it("answers 429 once the bucket is empty, without Retry-After unless configured", async () => {
    const { answers, limited, token } = await limitedAt({ perSecond: 1, burst: 4 })
    assert.deepStrictEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 200, 429, 429])
    const refused = answers.find((a) => a.status === 429)!
    assert.deepStrictEqual(refused.body, { errors: { base: ["Rate limit exceeded"] } })
    assert.isNull(refused.headers.get("retry-after"))
    await new Promise((resolve) => setTimeout(resolve, 1_100))
    assert.strictEqual((await call("/api/suppliers", { base: limited.instanceUrl, token })).status, 200, "the bucket refills")

    const withHeader = await limitedAt({ perSecond: 1, burst: 4, retryAfter: "seconds" })
    const refusedWithHeader = withHeader.answers.filter((a) => a.status === 429)
    assert.strictEqual(refusedWithHeader.length, 2)
    assert.isTrue(refusedWithHeader.every((a) => a.headers.get("retry-after") === "1"))
    const off = await limitedAt(false)
    assert.isTrue(off.answers.every((a) => a.status === 200))
    const byDefault = CoupaSimulator.make({ instanceUrl: "https://busy.coupahost.com" })
    sim.server.use(...byDefault.handlers)
    const busyToken = await tokenFor(CoupaSimulator.defaultClient, undefined, byDefault.instanceUrl)
    const burst = await Promise.all(Array.from({ length: 40 }, () => call("/api/items", { base: byDefault.instanceUrl, token: busyToken })))
    // 25 per second with a burst of 20: at least the burst passes, and 40 at once overflow it.
    assert.isAtLeast(burst.filter((a) => a.status === 200).length, 20)
    assert.isAtLeast(burst.filter((a) => a.status === 429).length, 1)
  })

  it("injects 5xx, 429, latency and network faults on matching requests only", async () => {
    sim.inject(
      { type: "status", status: 503, match: { path: "/api/suppliers" } },
      { type: "status", status: 500, match: { method: "POST" } },
      { type: "rateLimit", times: 2, match: { path: "/api/items" } },
      { type: "network", after: 1, match: { path: /^\/api\/invoices/ } }
    )
    const unavailable = await call("/api/suppliers")
    assert.strictEqual(unavailable.status, 503)
    assert.include(unavailable.headers.get("content-type")!, "text/html", "a gateway error is not JSON")
    assert.strictEqual((await call("/api/suppliers")).status, 200, "times defaults to 1")
    const failed = await post("/api/suppliers", { name: "Acme" })
    assert.deepStrictEqual([failed.status, failed.body], [500, { errors: { base: ["Internal server error"] } }])
    assert.strictEqual(sim.records("suppliers").length, 0, "a 5xx fault applies nothing")
    assert.deepStrictEqual([(await call("/api/items")).status, (await call("/api/items")).status, (await call("/api/items")).status], [429, 429, 200])
    assert.strictEqual((await call("/api/invoices")).status, 200, "after: 1 lets the first request through")
    const error = await call("/api/invoices").then(() => undefined, (e: unknown) => e)
    assert.instanceOf(error, TypeError)
    const statuses = sim.requests().filter((entry) => entry.path === "/api/invoices").map((entry) => [entry.status, entry.fault])
    assert.deepStrictEqual(statuses, [[200, undefined], [0, "network"]])

    sim.inject({ type: "latency", ms: 150 })
    const started = performance.now()
    assert.strictEqual((await call("/api/suppliers")).status, 200)
    assert.isAtLeast(performance.now() - started, 140)
    assert.strictEqual(sim.requests().at(-1)!.fault, "latency")
  })

  it("commits a create whose answer comes after the client gave up (timeoutAfterCommit)", async () => {
    sim.inject({ type: "timeoutAfterCommit", ms: 5_000, match: { method: "POST", path: "/api/suppliers" } })
    const started = performance.now()
    const outcome = await call("/api/suppliers", { method: "POST", json: { name: "Acme" }, signal: AbortSignal.timeout(200) }).then(
      () => "answered",
      (e: unknown) => (e as Error).name
    )
    assert.strictEqual(outcome, "TimeoutError")
    assert.isBelow(performance.now() - started, 2_000)
    assert.deepStrictEqual(sim.records("suppliers").map((record) => record["name"]), ["Acme"], "the record exists although the client timed out")
    assert.deepInclude(sim.requests().at(-1)!, { method: "POST", path: "/api/suppliers", status: 0, fault: "timeoutAfterCommit" })
    const retried = await post("/api/suppliers", { name: "Acme" })
    assert.deepStrictEqual(retried.body, { errors: { supplier: ["Name has already been taken"] } }, "a blind retry meets the natural key")
    assert.deepStrictEqual(ids(await call("/api/suppliers?name=Acme")), [1], "query-before-retry finds it")
  })

  it("mutates the records between two pages of a listing", async () => {
    for (let i = 1; i <= 6; i++) sim.seed("suppliers", { name: `S${i}` })
    sim.inject({ type: "mutate", after: 1, match: { method: "GET" }, change: (instance) => instance.seed("suppliers", { name: "Late" }) })
    const first = await call("/api/suppliers?limit=4")
    const second = await call("/api/suppliers?limit=4&offset=4")
    assert.deepStrictEqual(names(first), ["S1", "S2", "S3", "S4"])
    assert.deepStrictEqual(names(second), ["S5", "S6", "Late"])
    assert.strictEqual(sim.requests().at(-1)!.fault, "mutate")
    assert.deepStrictEqual(sim.requests().at(-1)!.query, { limit: "4", offset: "4" })
  })

  it("applies faults to the token endpoint only when a fault names it, and clears everything on reset", async () => {
    sim.inject({ type: "status", status: 502 })
    assert.strictEqual((await requestToken({ client_id: "procura", client_secret: "procura-secret" })).status, 200)
    sim.clearFaults()
    sim.inject({ type: "status", status: 502, match: { path: "/oauth2/token" } })
    assert.strictEqual((await requestToken({ client_id: "procura", client_secret: "procura-secret" })).status, 502)
    assert.strictEqual((await call("/api/suppliers")).status, 200)
    assert.throws(() => sim.seed("suppliers", {}), /Name can't be blank/)
    sim.seed("suppliers", { name: "Acme" })
    sim.reset()
    assert.deepStrictEqual(sim.records("suppliers"), [])
    assert.deepStrictEqual(sim.requests(), [])
    assert.strictEqual((await call("/api/suppliers")).status, 401, "reset forgets tokens")
    assert.strictEqual(sim.seed("suppliers", { name: "Acme" })["id"], 1, "and ids start again")
  })
})
