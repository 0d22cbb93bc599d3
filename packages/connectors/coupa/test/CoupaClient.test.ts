// The Coupa client against the stateful simulator (testkit), over msw.
import { CoupaClient, CoupaError } from "@procura/connector-coupa"
import { CoupaSimulator } from "@procura/testkit"
import { Effect, Exit } from "effect"
import { afterAll, assert, beforeAll, beforeEach, describe, it } from "vitest"

const instanceUrl = "https://client.coupahost.test"
const sim = CoupaSimulator.make({ instanceUrl, rateLimit: false })
beforeAll(() => sim.listen())
afterAll(() => sim.close())
beforeEach(() => sim.reset())

const options: CoupaClient.ClientOptions = {
  instanceUrl,
  clientId: CoupaSimulator.defaultClient.clientId,
  clientSecret: CoupaSimulator.defaultClient.clientSecret,
  scopes: CoupaSimulator.defaultClient.scopes,
  timeout: "2 seconds",
  clockSkew: "0 millis"
}

const run = <A>(use: (coupa: CoupaClient.CoupaClientService) => Effect.Effect<A, CoupaError.CoupaError>, extra: Partial<CoupaClient.ClientOptions> = {}) =>
  Effect.runPromise(Effect.flatMap(CoupaClient.CoupaClient, use).pipe(Effect.provide(CoupaClient.layer({ ...options, ...extra }))))

const seedSuppliers = (count: number, from = 0) =>
  Array.from({ length: count }, (_, i) => sim.seed("suppliers", { name: `Supplier ${String(from + i).padStart(4, "0")}`, number: `S-${from + i}` }))

const listRequests = (path: string) => sim.requests().filter((r) => r.method === "GET" && r.path === path)

describe("CoupaClient", () => {
  it("authenticates with client credentials, scopes space-separated, and asks for JSON", async () => {
    seedSuppliers(1)
    const suppliers = await run((coupa) => coupa.all("suppliers"))
    assert.strictEqual(suppliers.length, 1)
    const token = sim.requests().find((r) => r.path === "/oauth2/token")!
    assert.strictEqual(new URLSearchParams(String(token.body)).get("scope") ?? (token.body as Record<string, string>)["scope"], CoupaSimulator.defaultClient.scopes.join(" "))
    assert.strictEqual(listRequests("/api/suppliers")[0]!.headers["accept"], "application/json")
  })

  it("lists by id keyset, 50 per request, and a record created meanwhile neither shifts nor repeats a page", async () => {
    seedSuppliers(120)
    // After the first page, a supplier is created: it comes last, once.
    sim.inject({ type: "mutate", match: { method: "GET", path: "/api/suppliers" }, times: 1, change: (instance) => void instance.seed("suppliers", { name: "Late", number: "S-late" }) })
    const suppliers = await run((coupa) => coupa.all("suppliers", { fields: ["name"] }))
    const ids = suppliers.map((s) => s["id"] as number)
    assert.strictEqual(ids.length, 121)
    assert.strictEqual(new Set(ids).size, 121)
    assert.deepStrictEqual(ids, [...ids].sort((a, b) => a - b))
    const pages = listRequests("/api/suppliers")
    assert.strictEqual(pages.length, 3)
    assert.deepStrictEqual(pages.map((p) => p.query["limit"]), ["50", "50", "50"])
    assert.strictEqual(pages[1]!.query["id[gt]"], String(ids[49]))
    assert.deepStrictEqual(Object.keys(suppliers[0]!).sort(), ["id", "name"])
  })

  it("encodes typed filters, associations and fields in Coupa's syntax", async () => {
    const acme = sim.seed("suppliers", { name: "Acme", number: "A-1" })
    sim.seed("suppliers", { name: "Acme Rockets", number: "A-2" })
    sim.seed("suppliers", { name: "Globex", number: "G-1" })
    assert.deepStrictEqual(CoupaClient.encodeFilters({ status: { in: ["issued", "closed"] }, supplier: { name: { starts_with: "Ac" } }, "updated-at": { gt: new Date("2026-01-02T03:04:05Z") } }), [
      ["status[in]", "issued,closed"],
      ["supplier[name][starts_with]", "Ac"],
      ["updated_at[gt]", "2026-01-02T03:04:05.000Z"]
    ])
    const found = await run((coupa) => coupa.all("suppliers", { filters: { name: { starts_with: "Acme" }, number: { not_eq: "A-2" } } }))
    assert.deepStrictEqual(found.map((s) => s["id"]), [acme["id"]])
    const exit = await Effect.runPromiseExit(Effect.flatMap(CoupaClient.CoupaClient, (coupa) => coupa.all("suppliers", { filters: { id: 3 } })).pipe(
      Effect.provide(CoupaClient.layer(options))
    ))
    assert.isTrue(Exit.isFailure(exit))
  })

  it("pulls changes by high-water mark: records sharing a timestamp are neither skipped nor repeated, a second change in the same second comes again", async () => {
    sim.setTime("2026-03-01T10:00:00Z")
    seedSuppliers(60)
    const first = await run((coupa) => coupa.changes("suppliers"))
    assert.strictEqual(first.records.length, 60)
    // Same second: five more, and one of the first sixty changed.
    const later = seedSuppliers(5, 100)
    const changed = sim.update("suppliers", first.records[7]!["id"] as number, { "display-name": "Renamed" })
    const second = await run((coupa) => coupa.changes("suppliers", { since: first.watermark }))
    assert.sameMembers(second.records.map((r) => r["id"]), [...later.map((r) => r["id"]), changed["id"]])
    const third = await run((coupa) => coupa.changes("suppliers", { since: second.watermark }))
    assert.deepStrictEqual(third.records, [], "nothing new: nothing delivered twice")
    sim.advance(1_000)
    sim.update("suppliers", later[0]!["id"] as number, { "display-name": "Again" })
    const fourth = await run((coupa) => coupa.changes("suppliers", { since: third.watermark }))
    assert.deepStrictEqual(fourth.records.map((r) => r["id"]), [later[0]!["id"]])
  })

  it("creates once: a create that timed out after Coupa applied it is found, not made twice", async () => {
    sim.seed("suppliers", { name: "Acme", number: "A-1" })
    sim.inject({ type: "timeoutAfterCommit", ms: 3_000, match: { method: "POST", path: "/api/purchase_orders" }, times: 1 })
    const order = { type: "ExternalOrderHeader", po_number: "PROCURA-1", supplier: { name: "Acme" }, currency: { code: "EUR" }, order_lines: [{ line_num: 1, description: "Laptop", quantity: "2", price: "1399.00" }] }
    const result = await run((coupa) => coupa.createOnce("purchase_orders", order, { key: { po_number: "PROCURA-1" } }), { timeout: "500 millis" })
    assert.isTrue(result.created)
    assert.strictEqual(sim.records("purchase_orders").length, 1)
    const again = await run((coupa) => coupa.createOnce("purchase_orders", order, { key: { po_number: "PROCURA-1" } }))
    assert.deepStrictEqual([again.created, again.record["id"]], [false, result.record["id"]])
    assert.strictEqual(sim.records("purchase_orders").length, 1)
  })

  it("waits out a 429 storm and renews a token that expired in the middle of a listing", async () => {
    seedSuppliers(150)
    sim.inject({ type: "rateLimit", times: 4, match: { path: "/api/suppliers" } })
    sim.inject({ type: "mutate", match: { method: "GET", path: "/api/suppliers" }, times: 1, after: 1, change: () => sim.expireTokens() })
    const suppliers = await run((coupa) => coupa.all("suppliers"))
    assert.strictEqual(suppliers.length, 150)
    assert.strictEqual(sim.requests().filter((r) => r.path === "/oauth2/token").length, 2, "one token, one renewal")
    assert.isAtLeast(sim.requests().filter((r) => r.status === 429).length, 4)
  })

  it("keeps under the instance's rate limit when told its rule", async () => {
    const limited = CoupaSimulator.make({ instanceUrl: "https://limited.coupahost.test", rateLimit: { perSecond: 25, burst: 20 } })
    sim.server.use(...limited.handlers)
    for (let i = 0; i < 80; i++) limited.seed("suppliers", { name: `L ${i}`, number: `L-${i}` })
    const gets = await run((coupa) => Effect.forEach(Array.from({ length: 40 }, (_, i) => i + 1), (id) => coupa.get("suppliers", id), { concurrency: 8 }), {
      instanceUrl: "https://limited.coupahost.test",
      maxConcurrency: 8
    })
    assert.strictEqual(gets.length, 40)
    assert.strictEqual(limited.requests().filter((r) => r.status === 429).length, 0, "25 per second spread evenly never trips 25 per second with bursts of 20")
  })

  it("fails with typed errors carrying Coupa's messages, and marks records exported", async () => {
    sim.seed("suppliers", { name: "Acme", number: "A-1" })
    const refused = await Effect.runPromise(Effect.flip(Effect.flatMap(CoupaClient.CoupaClient, (coupa) =>
      coupa.createOnce("invoices", { invoice_number: "INV-1", supplier: { name: "Acme" } }, { key: { invoice_number: "INV-1", supplier: { name: "Acme" } } })).pipe(
        Effect.provide(CoupaClient.layer(options))
      )))
    assert.instanceOf(refused, CoupaError.CoupaError)
    assert.include(refused, { reason: "Invalid", status: 400, retryable: false })
    assert.match(refused.message, /invoice/i)
    const missing = await Effect.runPromise(Effect.flip(Effect.flatMap(CoupaClient.CoupaClient, (coupa) => coupa.get("suppliers", 999)).pipe(Effect.provide(CoupaClient.layer(options)))))
    assert.strictEqual(missing.reason, "NotFound")
    const exported = await run((coupa) => Effect.andThen(coupa.markExported("suppliers", 1), coupa.get("suppliers", 1)))
    assert.strictEqual(exported["exported"], true)
    const badScope = await Effect.runPromise(Effect.flip(Effect.flatMap(CoupaClient.CoupaClient, (coupa) => coupa.all("suppliers")).pipe(
      Effect.provide(CoupaClient.layer({ ...options, scopes: ["core.supplier.read,core.common.read"] }))
    )))
    assert.include(badScope.message, "is not one scope")
  })
})
