// The simulator itself, through raw fetch: the behaviour connector tests (and integrators) rely on.
import { ServiceNowSimulator } from "@procura/testkit"
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "@effect/vitest"

const url = "https://simulated.service-now.test"
const sim = ServiceNowSimulator.make({
  instanceUrl: url,
  auth: { basic: [{ username: "admin", password: "pw" }], oauth: { clientId: "c", clientSecret: "s", users: { admin: "pw" } } },
  tables: { proc_po: { references: { vendor: "core_company" }, currencyFields: ["total_cost"] } },
  unordered: "insertion"
})
const auth = { authorization: `Basic ${Buffer.from("admin:pw").toString("base64")}`, accept: "application/json" }

const call = async (path: string, init: RequestInit = {}) => {
  const response = await fetch(`${url}${path}`, { ...init, headers: { ...auth, ...init.headers } })
  const text = await response.text()
  return { status: response.status, headers: response.headers, body: text === "" ? undefined : JSON.parse(text) }
}

beforeAll(() => sim.listen())
afterAll(() => sim.close())
beforeEach(() => sim.reset())

describe("ServiceNowSimulator", () => {
  it("parses encoded queries: AND, OR, NQ, ORDERBY, and no escape for a caret", () => {
    const parsed = ServiceNowSimulator.parseQuery("a=1^ORb!=2^c=x^^Y^NQdISEMPTY^ORDERBYe^ORDERBYDESCf")
    assert.deepStrictEqual(parsed.groups, [
      // `^^` splits the condition, as on the platform: `c=x`, then an empty and an invalid term.
      [[{ field: "a", operator: "=", value: "1" }, { field: "b", operator: "!=", value: "2" }], [{ field: "c", operator: "=", value: "x" }]],
      [[{ field: "d", operator: "ISEMPTY", value: "" }]]
    ])
    assert.deepStrictEqual(parsed.order, [{ field: "e", descending: false }, { field: "f", descending: true }])
    assert.deepStrictEqual(ServiceNowSimulator.parseQuery("order=5").groups, [[[{ field: "order", operator: "=", value: "5" }]]])
  })

  it("pages with Link and X-Total-Count, the limit applied before filtering by ACL", async () => {
    sim.seed("incident", Array.from({ length: 7 }, (_, i) => ({ number: `INC${i}` })))
    const first = await call("/api/now/v2/table/incident?sysparm_limit=3&sysparm_query=ORDERBYnumber")
    assert.strictEqual(first.status, 200)
    assert.strictEqual(first.headers.get("x-total-count"), "7")
    const link = first.headers.get("link")!
    assert.include(link, 'rel="first"')
    assert.include(link, "sysparm_offset=3")
    assert.include(link, 'rel="next"')
    assert.notInclude(link, 'rel="prev"')
    const last = await call("/api/now/v2/table/incident?sysparm_limit=3&sysparm_offset=6&sysparm_query=ORDERBYnumber")
    assert.deepStrictEqual(last.body.result.map((r: { number: string }) => r.number), ["INC6"])
    assert.notInclude(last.headers.get("link")!, 'rel="next"')
    const single = await call("/api/now/v2/table/incident?sysparm_no_count=true")
    assert.isNull(single.headers.get("link"), "one page: no Link header")
    assert.isNull(single.headers.get("x-total-count"))
  })

  it("mutate faults change the records between pages: offset paging then repeats and skips rows", async () => {
    const seeded = sim.seed("incident", Array.from({ length: 20 }, (_, i) => ({ number: `INC${String(i).padStart(2, "0")}` })))
    const page = async (offset: number) =>
      (await call(`/api/now/v2/table/incident?sysparm_limit=5&sysparm_offset=${offset}&sysparm_query=ORDERBYnumber`)).body.result
        .map((r: { number: string }) => r.number) as Array<string>
    // Inserted before the second page: a row sorting first pushes INC04 onto page two again.
    sim.inject({ type: "mutate", after: 1, match: { method: "GET" }, change: (i) => i.seed("incident", [{ number: "INC-early" }]) })
    const first = await page(0)
    const second = await page(5)
    assert.deepStrictEqual(first, ["INC00", "INC01", "INC02", "INC03", "INC04"])
    assert.deepStrictEqual(second, ["INC04", "INC05", "INC06", "INC07", "INC08"], "INC04 delivered twice by offset")
    assert.strictEqual(sim.requests().at(-1)!.fault, "mutate")
    // Two rows deleted before the third page: survivors INC09 and INC10 slip past unseen.
    const early = sim.records("incident").find((r) => r["number"] === "INC-early")!
    sim.inject({
      type: "mutate",
      match: { method: "GET" },
      change: (i) => [seeded[0]!["sys_id"]!, early["sys_id"]!].forEach((id) => i.remove("incident", id))
    })
    const third = await page(10)
    assert.deepStrictEqual(third, ["INC11", "INC12", "INC13", "INC14", "INC15"], "INC09 and INC10 skipped by offset")
    assert.strictEqual(sim.records("incident").length, 19)
  })

  it("answers display values whatever the request asks, when told to", async () => {
    const display = ServiceNowSimulator.make({
      instanceUrl: url,
      tables: { proc_po: { references: { vendor: "core_company" } } },
      displayValues: "true"
    })
    sim.server.use(...display.handlers)
    try {
      const [acme] = display.seed("core_company", [{ name: "Acme Corp" }])
      display.seed("proc_po", [{ number: "PO1", vendor: acme!["sys_id"]! }])
      const linkless = await call("/api/now/v2/table/proc_po?sysparm_display_value=false&sysparm_exclude_reference_link=true")
      assert.strictEqual(linkless.body.result[0].vendor, "Acme Corp")
      const linked = await call("/api/now/v2/table/proc_po")
      assert.deepStrictEqual(linked.body.result[0].vendor, {
        display_value: "Acme Corp",
        link: `${url}/api/now/table/core_company/${acme!["sys_id"]}`
      })
    } finally {
      sim.server.resetHandlers()
    }
  })

  it("answers an empty list with 200 on v2 and 404 on v1", async () => {
    assert.deepStrictEqual((await call("/api/now/v2/table/incident?sysparm_query=number=none")).body, { result: [] })
    const v1 = await call("/api/now/v1/table/incident?sysparm_query=number=none")
    assert.strictEqual(v1.status, 404)
    assert.strictEqual(v1.body.status, "failure")
  })

  it("keeps system fields, renders references, and stores a bare number in a currency field as 0.00", async () => {
    const [acme] = sim.seed("core_company", [{ name: "Acme" }])
    const created = await call("/api/now/table/proc_po", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ vendor: acme!["sys_id"], total_cost: 10000, quantity: 4, active: true })
    })
    assert.strictEqual(created.status, 201)
    const record = created.body.result
    for (const field of ["sys_id", "sys_created_on", "sys_updated_on", "correlation_id"]) assert.property(record, field)
    assert.deepStrictEqual(record.vendor, { link: `${url}/api/now/table/core_company/${acme!["sys_id"]}`, value: acme!["sys_id"] })
    assert.strictEqual(record.total_cost, "0.00")
    assert.strictEqual(record.quantity, "4")
    assert.strictEqual(record.active, "true")
  })

  it("answers with the error envelope and documented status codes", async () => {
    const missing = await call("/api/now/v2/table/incident/abc")
    assert.strictEqual(missing.status, 404)
    assert.deepStrictEqual(missing.body, {
      error: { message: "No Record found", detail: "Record doesn't exist or ACL restricts the record retrieval" },
      status: "failure"
    })
    assert.strictEqual((await call("/api/now/v2/table/incident", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" })).status, 415)
    assert.strictEqual((await call("/api/now/v2/table/incident", { headers: { accept: "application/xml" } })).status, 406)
    assert.strictEqual((await fetch(`${url}/api/now/v2/table/incident`)).status, 401)
    assert.strictEqual((await call("/api/now/v2/table/incident?sysparm_offset=-1")).status, 400)
  })

  it("issues OAuth tokens only for form-encoded requests, and expires them on demand", async () => {
    const json = await fetch(`${url}/oauth_token.do`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "password", client_id: "c", client_secret: "s", username: "admin", password: "pw" })
    })
    assert.strictEqual(json.status, 400)
    const form = await fetch(`${url}/oauth_token.do`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "password", client_id: "c", client_secret: "s", username: "admin", password: "pw" })
    })
    const token = (await form.json()) as { access_token: string; refresh_token: string; expires_in: number; token_type: string }
    assert.strictEqual(token.token_type, "Bearer")
    assert.strictEqual(token.expires_in, 1800)
    const bearer = { authorization: `Bearer ${token.access_token}` }
    assert.strictEqual((await call("/api/now/v2/table/incident", { headers: bearer })).status, 200)
    sim.expireTokens()
    assert.strictEqual((await call("/api/now/v2/table/incident", { headers: bearer })).status, 401)
  })

  it("enforces a rate-limit rule with its headers, and logs every request", async () => {
    const limited = ServiceNowSimulator.make({ instanceUrl: url, rateLimit: { limit: 2, window: 60_000 } })
    sim.close()
    limited.listen()
    try {
      const statuses: Array<number> = []
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${url}/api/now/v2/table/incident`)
        statuses.push(response.status)
        if (response.status === 429) {
          assert.strictEqual(response.headers.get("retry-after"), "60")
          assert.strictEqual(((await response.json()) as { error: { message: string } }).error.message, "Rate limit exceeded")
        } else {
          assert.strictEqual(response.headers.get("x-ratelimit-limit"), "2")
          assert.isNotNull(response.headers.get("x-ratelimit-reset"))
        }
      }
      assert.deepStrictEqual(statuses, [200, 200, 429])
      assert.deepStrictEqual(limited.requests().map((r) => r.status), [200, 200, 429])
      assert.strictEqual(limited.stats().rateLimited, 1)
    } finally {
      limited.close()
      sim.listen()
    }
  })

  it("injects faults by position: after, every, times", async () => {
    sim.inject({ type: "status", status: 503, after: 1, every: 2, times: 2 })
    const statuses: Array<number> = []
    for (let i = 0; i < 7; i++) statuses.push((await call("/api/now/v2/table/incident")).status)
    assert.deepStrictEqual(statuses, [200, 503, 200, 503, 200, 200, 200])
    assert.deepStrictEqual(sim.requests().map((r) => r.fault ?? "-"), ["-", "status", "-", "status", "-", "-", "-"])
  })
})
