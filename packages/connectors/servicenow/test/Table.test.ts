import { ConnectorError, Fields, Query, type ServiceNowClient } from "@procura/connector-servicenow"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { z } from "zod"
import { apiRequests, Client, setup, Sim } from "./utils.js"

const collect = <A>(stream: Stream.Stream<A, ConnectorError.ConnectorError>) => Stream.runCollect(stream)

const seedNumbered = (count: number, extra: (i: number) => Record<string, string> = () => ({})) =>
  Effect.map(Sim, (sim) =>
    sim.seed("proc_po", Array.from({ length: count }, (_, i) => ({ number: `PO${String(i).padStart(5, "0")}`, ...extra(i) }))))

const sysIds = (records: ReadonlyArray<ServiceNowClient.ServiceNowRecord>) => records.map((r) => String(r["sys_id"]))

describe("Table API", () => {
  it.live("pins v2 paths and sends Accept and Content-Type", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const created = yield* client.create("incident", { short_description: "Printer on fire" })
      yield* client.get("incident", String(created["sys_id"]))
      const requests = yield* apiRequests
      assert.deepStrictEqual(requests.map((r) => `${r.method} ${r.path.replace(String(created["sys_id"]), ":id")}`), [
        "POST /api/now/v2/table/incident",
        "GET /api/now/v2/table/incident/:id"
      ])
      for (const request of requests) assert.strictEqual(request.headers["accept"], "application/json")
      assert.match(requests[0]!.headers["content-type"]!, /application\/json/)
    }).pipe(Effect.provide(setup())))

  it.live("creates, reads, patches and deletes records with their system fields", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const created = yield* client.create("proc_po", {
        short_description: "Laptops",
        correlation_id: "PROCURA-PO-1",
        total_cost: { amount: 250000, currency: "USD" },
        due_by: new Date(Date.UTC(2026, 5, 30, 12))
      })
      const sysId = String(created["sys_id"])
      assert.match(sysId, /^[0-9a-f]{32}$/)
      assert.match(String(created["sys_created_on"]), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/)
      assert.strictEqual(created["correlation_id"], "PROCURA-PO-1")
      assert.strictEqual(created["total_cost"], "USD;2500.00")
      assert.strictEqual(created["due_by"], "2026-06-30 12:00:00")

      const patched = yield* client.patch("proc_po", sysId, { status: "ordered" })
      assert.strictEqual(patched["status"], "ordered")
      assert.strictEqual(patched["sys_mod_count"], "1")
      assert.strictEqual((yield* client.get("proc_po", sysId))["status"], "ordered")

      yield* client.delete("proc_po", sysId)
      const gone = yield* Effect.flip(client.get("proc_po", sysId))
      assert.strictEqual(gone.reason, "NotFound")
      assert.strictEqual(gone.status, 404)
      assert.isFalse(gone.isRetryable)
      assert.strictEqual(gone.detail, "Record doesn't exist or ACL restricts the record retrieval")
    }).pipe(Effect.provide(setup())))

  it.live("streams every record across pages by keyset (sys_id>last, ORDERBYsys_id), never by offset", () =>
    Effect.gen(function*() {
      const client = yield* Client
      // The simulator returns unordered rows in a new order on every request: without
      // ORDERBYsys_id, pages would overlap and skip.
      const seeded = yield* seedNumbered(95)
      const records = yield* collect(client.list("proc_po", { pageSize: 10 }))
      assert.strictEqual(records.length, 95)
      assert.deepStrictEqual(new Set(sysIds(records)), new Set(seeded.map((r) => r["sys_id"])))
      const pages = (yield* apiRequests).filter((r) => r.method === "GET")
      // 10 pages, then the empty page that ends a keyset listing.
      assert.strictEqual(pages.length, 11)
      const ordered = [...sysIds(records)].sort()
      assert.deepStrictEqual(sysIds(records), ordered)
      assert.deepStrictEqual(pages.map((r) => r.query["sysparm_query"]), [
        "ORDERBYsys_id",
        ...Array.from({ length: 10 }, (_, i) => `sys_id>${ordered[Math.min(i * 10 + 9, 94)]}^ORDERBYsys_id`)
      ])
      for (const page of pages) {
        assert.isUndefined(page.query["sysparm_offset"])
        assert.strictEqual(page.query["sysparm_exclude_reference_link"], "true")
      }
    }).pipe(Effect.provide(setup())))

  it.live("keeps the caller's order and adds sys_id as the tie-breaker", () =>
    Effect.gen(function*() {
      const client = yield* Client
      yield* seedNumbered(30, (i) => ({ priority: String(i % 3) }))
      const records = yield* collect(client.list("proc_po", {
        pageSize: 7,
        query: Query.make<"priority">().orderByDesc("priority")
      }))
      assert.strictEqual(records.length, 30)
      assert.strictEqual(new Set(sysIds(records)).size, 30)
      const priorities = records.map((r) => Number(r["priority"]))
      assert.deepStrictEqual(priorities, [...priorities].sort((a, b) => b - a))
      const pages = yield* apiRequests
      assert.strictEqual(pages[0]!.query["sysparm_query"], "ORDERBYDESCpriority^ORDERBYsys_id")
      const seventh = records[6]!
      assert.strictEqual(
        pages[1]!.query["sysparm_query"],
        `priority<${seventh["priority"]}^NQpriority=${seventh["priority"]}^sys_id>${seventh["sys_id"]}^ORDERBYDESCpriority^ORDERBYsys_id`
      )
    }).pipe(Effect.provide(setup())))

  it.live("never stops on a short or empty page: the limit applies before ACLs", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const seeded = yield* seedNumbered(50, (i) => ({ secret: i < 25 && i !== 3 ? "true" : "false" }))
      const records = yield* collect(client.list("proc_po", { pageSize: 10 }))
      const visible = seeded.filter((r) => r["secret"] === "false")
      assert.deepStrictEqual(new Set(sysIds(records)), new Set(visible.map((r) => r["sys_id"])))
      assert.strictEqual(records.length, 26)
      assert.strictEqual(new Set(sysIds(records)).size, 26)
    }).pipe(Effect.provide(setup({ acl: (_table, record) => record["secret"] !== "true", unordered: "insertion" }))))

  it.live("steps over a page the ACLs hid whole instead of ending the listing", () => {
    const hidden = new Set<string>()
    return Effect.gen(function*() {
      const client = yield* Client
      const seeded = yield* seedNumbered(40)
      const ordered = seeded.map((r) => r["sys_id"]!).sort()
      // In sys_id order, rows 5 to 26 are hidden: the second and third pages of 10 come back empty.
      for (const id of ordered.slice(5, 27)) hidden.add(id)
      const records = yield* collect(client.list("proc_po", { pageSize: 10 }))
      assert.deepStrictEqual(sysIds(records), ordered.filter((id) => !hidden.has(id)))
      const requests = yield* apiRequests
      const after = `sys_id>${ordered[4]}^ORDERBYsys_id`
      assert.deepStrictEqual(
        requests.slice(1, 4).map((r) => `${r.query["sysparm_query"]}@${r.query["sysparm_offset"] ?? 0}`),
        [`${after}@0`, `${after}@10`, `${after}@20`]
      )
      // Without a count or Link header an empty page cannot be told from the end: documented.
      const uncounted = yield* collect(client.list("proc_po", { pageSize: 10, count: false }))
      assert.deepStrictEqual(sysIds(uncounted), ordered.slice(0, 5))
    }).pipe(Effect.provide(setup({ acl: (_table, record) => !hidden.has(record["sys_id"]!), linkHeader: false })))
  })

  it.live("pages without a Link header until an empty page", () =>
    Effect.gen(function*() {
      const client = yield* Client
      yield* seedNumbered(23)
      const records = yield* collect(client.list("proc_po", { pageSize: 5 }))
      assert.strictEqual(new Set(sysIds(records)).size, 23)
      assert.strictEqual((yield* apiRequests).length, 6)
      // Without count either, the client pages until an empty page.
      const uncounted = yield* collect(client.list("proc_po", { pageSize: 5, count: false }))
      assert.strictEqual(new Set(sysIds(uncounted)).size, 23)
    }).pipe(Effect.provide(setup({ linkHeader: false }))))

  it.live("filters on the instance with every encoded-query operator", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const [acme, globex] = sim.seed("core_company", [{ name: "Acme Corp" }, { name: "Globex" }])
      sim.seed("proc_po", [
        { number: "PO1", status: "requested", total_cost: "100", vendor: acme!["sys_id"]!, short_description: "Laptops for Sales" },
        { number: "PO2", status: "ordered", total_cost: "2500", vendor: globex!["sys_id"]!, short_description: "Monitors" },
        { number: "PO3", status: "received", total_cost: "999.5", vendor: acme!["sys_id"]!, short_description: "laptop bags" },
        { number: "PO4", status: "canceled", total_cost: "40", vendor: "", short_description: "" }
      ])
      type F = "number" | "status" | "total_cost" | "vendor" | "short_description"
      const numbers = (query: Query.Query<F> | string) =>
        collect(client.list("proc_po", { query, fields: ["number"] })).pipe(
          Effect.map((records) => records.map((r) => r["number"]).sort().join(","))
        )
      const q = () => Query.make<F>()
      const cases: ReadonlyArray<readonly [Query.Query<F> | string, string]> = [
        [q().where("status", "=", "ordered"), "PO2"],
        [q().where("status", "!=", "ordered"), "PO1,PO3,PO4"],
        [q().where("total_cost", "<", 999.5), "PO1,PO4"],
        [q().where("total_cost", "<=", 999.5), "PO1,PO3,PO4"],
        [q().where("total_cost", ">", 100), "PO2,PO3"],
        [q().where("total_cost", ">=", 100), "PO1,PO2,PO3"],
        [q().where("short_description", "LIKE", "laptop"), "PO1,PO3"],
        [q().where("short_description", "NOTLIKE", "laptop"), "PO2,PO4"],
        [q().where("short_description", "STARTSWITH", "lap"), "PO1,PO3"],
        [q().where("short_description", "ENDSWITH", "sales"), "PO1"],
        [q().where("status", "IN", ["requested", "received"]), "PO1,PO3"],
        [q().where("status", "NOT IN", ["requested", "received"]), "PO2,PO4"],
        [q().where("vendor", "ISEMPTY"), "PO4"],
        [q().where("vendor", "ISNOTEMPTY"), "PO1,PO2,PO3"],
        [q().where("status", "ANYTHING"), "PO1,PO2,PO3,PO4"],
        [q().where("total_cost", "BETWEEN", [100, 2500]), "PO1,PO2,PO3"],
        [q().where("vendor.name", "=", "Acme Corp"), "PO1,PO3"],
        [q().where("status", "=", "ordered").or("status", "=", "canceled").and("total_cost", ">", 50), "PO2"],
        [q().where("status", "=", "ordered").newQuery().where("total_cost", "<", 50), "PO2,PO4"],
        ["status=requested^ORstatus=ordered", "PO1,PO2"]
      ]
      for (const [query, expected] of cases) {
        assert.strictEqual(yield* numbers(query), expected, Query.encode(query))
      }
    }).pipe(Effect.provide(setup({ tables: { proc_po: { references: { vendor: "core_company" } } } }))))

  it.live("selects fields, and returns references with or without links", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const [acme] = sim.seed("core_company", [{ name: "Acme Corp" }])
      const [po] = sim.seed("proc_po", [{ number: "PO1", vendor: acme!["sys_id"]!, status: "ordered" }])
      const slim = yield* client.get("proc_po", po!["sys_id"]!, { fields: ["number", "vendor"] })
      assert.deepStrictEqual(slim, { number: "PO1", vendor: acme!["sys_id"]! })
      const linked = yield* client.get("proc_po", po!["sys_id"]!, { fields: ["vendor"], referenceLinks: true })
      assert.deepStrictEqual(Fields.reference.parse(linked["vendor"]), {
        sysId: acme!["sys_id"]!,
        link: `https://acme.service-now.test/api/now/table/core_company/${acme!["sys_id"]}`,
        table: "core_company"
      })
      const both = yield* client.get("proc_po", po!["sys_id"]!, { fields: ["vendor", "status"], displayValue: "all" })
      assert.deepStrictEqual(both, {
        vendor: { display_value: "Acme Corp", value: acme!["sys_id"]! },
        status: { display_value: "ordered", value: "ordered" }
      })
      const requests = yield* apiRequests
      assert.strictEqual(requests[0]!.query["sysparm_fields"], "number,vendor")
      assert.isUndefined(requests[1]!.query["sysparm_exclude_reference_link"])
      assert.strictEqual(requests[2]!.query["sysparm_display_value"], "all")
    }).pipe(Effect.provide(setup({ tables: { proc_po: { references: { vendor: "core_company" } } } }))))

  it.live("decodes records with a schema and names the record that does not fit", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const [acme] = sim.seed("core_company", [{ name: "Acme Corp" }])
      sim.seed("proc_po", [
        { number: "PO1", vendor: acme!["sys_id"]!, total_cost: "USD;10.50", ordered: "2026-01-02 03:04:05", quantity: "3" },
        { number: "PO2", vendor: "", total_cost: "USD;7", ordered: "", quantity: "1" }
      ])
      const PurchaseOrder = z.object({
        number: Fields.string,
        vendor: Fields.optional(Fields.reference),
        total_cost: Fields.currency(),
        ordered: Fields.optional(Fields.dateTime),
        quantity: Fields.integer
      })
      const orders = yield* collect(client.list("proc_po", {
        schema: PurchaseOrder,
        query: Query.make<"number">().orderBy("number"),
        referenceLinks: true
      }))
      assert.deepStrictEqual(orders, [
        {
          number: "PO1",
          vendor: {
            sysId: acme!["sys_id"]!,
            link: `https://acme.service-now.test/api/now/table/core_company/${acme!["sys_id"]}`,
            table: "core_company"
          },
          total_cost: { amount: 1050, currency: "USD" },
          ordered: "2026-01-02T03:04:05.000Z",
          quantity: 3
        },
        { number: "PO2", vendor: null, total_cost: { amount: 700, currency: "USD" }, ordered: null, quantity: 1 }
      ])
      const [bad] = sim.seed("proc_po", [{ number: "PO3", total_cost: "12", quantity: "many" }])
      const error = yield* Effect.flip(client.get("proc_po", bad!["sys_id"]!, { schema: PurchaseOrder }))
      assert.strictEqual(error.reason, "Invalid")
      assert.include(error.message, bad!["sys_id"]!)
      assert.deepStrictEqual(error.issues?.map((i) => i.path.join(".")), ["total_cost", "quantity"])
      assert.include(error.message, "total_cost: expected CODE;amount, got \"12\"")
    }).pipe(Effect.provide(setup({ tables: { proc_po: { references: { vendor: "core_company" } } } }))))

  it.live("halves the page when the instance cancels it for maximum execution time", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const seeded = yield* seedNumbered(300)
      const records = yield* collect(client.list("proc_po", { pageSize: 1000 }))
      assert.deepStrictEqual(new Set(sysIds(records)), new Set(seeded.map((r) => r["sys_id"])))
      assert.strictEqual(records.length, 300)
      const requests = yield* apiRequests
      const limits = requests.map((r) => `${r.query["sysparm_limit"]}:${r.status}`)
      assert.deepStrictEqual(limits.slice(0, 5), ["1000:500", "500:500", "250:500", "125:500", "62:200"])
      // The smaller page size is kept: 62 + 62 + 62 + 62 + 52, then the empty page.
      assert.deepStrictEqual(limits.slice(5), ["62:200", "62:200", "62:200", "62:200", "62:200"])
      for (const request of requests) assert.isUndefined(request.query["sysparm_offset"])
    }).pipe(Effect.provide(setup({ maxRowsPerRequest: 100 }))))

  it.live("reports the cancellation once the page cannot shrink further", () =>
    Effect.gen(function*() {
      const client = yield* Client
      yield* seedNumbered(20)
      const error = yield* Effect.flip(collect(client.list("proc_po", { pageSize: 200 })))
      assert.strictEqual(error.reason, "Timeout")
      assert.isTrue(error.executionTimeExceeded)
      assert.isTrue(error.isRetryable)
      assert.deepStrictEqual((yield* apiRequests).map((r) => r.query["sysparm_limit"]), ["200", "100", "50"])
    }).pipe(Effect.provide(setup({ maxRowsPerRequest: 5 }, { minPageSize: 50 }))))

  it.live("refuses bad input before sending anything", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const errors = yield* Effect.all([
        Effect.flip(collect(client.list("proc_po", { query: Query.where("Bad Name", "=", 1) }))),
        Effect.flip(collect(client.list("proc_po", { pageSize: 0 }))),
        Effect.flip(client.get("proc_po;drop", "abc")),
        Effect.flip(client.get("proc_po", "../../etc")),
        Effect.flip(client.patch("proc_po", "", {}))
      ])
      for (const error of errors) {
        assert.strictEqual(error.reason, "Invalid")
        assert.isFalse(error.retryable)
      }
      assert.strictEqual((yield* apiRequests).length, 0)
    }).pipe(Effect.provide(setup())))

  it.live("maps error statuses to reasons with the instance's message and detail", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      sim.inject(
        { type: "status", status: 403, message: "Operation Failed", detail: "Data Policy Exception: the following fields are mandatory: supplier" },
        { type: "status", status: 400, message: "Invalid table", after: 1 },
        { type: "status", status: 500, after: 2 }
      )
      const forbidden = yield* Effect.flip(client.create("proc_po", { number: "PO9" }))
      assert.strictEqual(forbidden.reason, "Forbidden")
      assert.strictEqual(forbidden.detail, "Data Policy Exception: the following fields are mandatory: supplier")
      assert.isFalse(forbidden.retryable)
      const bad = yield* Effect.flip(client.get("proc_po", "abc"))
      assert.strictEqual(bad.reason, "Invalid")
      assert.include(bad.message, "Invalid table")
      const broken = yield* Effect.flip(client.get("proc_po", "abc"))
      assert.strictEqual(broken.reason, "Unavailable")
      assert.isFalse(broken.retryable, "a 500 is not retried")
      assert.strictEqual((yield* apiRequests).length, 3)
      assert.isTrue(ConnectorError.isConnectorError(broken))
    }).pipe(Effect.provide(setup())))
})
