// Keyset paging and display values against the simulator's concurrent-change and display-value modes.
import { Fields, Query, type ServiceNowClient } from "@procura/connector-servicenow"
import type { ServiceNowSimulator } from "@procura/testkit"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { z } from "zod"
import { apiRequests, Client, setup, Sim } from "./utils.js"

const sysIds = (records: ReadonlyArray<ServiceNowClient.ServiceNowRecord>) => records.map((r) => String(r["sys_id"]))

const seed = (count: number, extra: (i: number) => Record<string, string> = () => ({})) =>
  Effect.map(Sim, (sim) => sim.seed("proc_po", Array.from({ length: count }, (_, i) => ({ number: `PO${i}`, ...extra(i) }))))

/** A change made by someone else just before the n-th page request is answered. */
const duringPage = (n: number, change: (instance: ServiceNowSimulator.Instance) => void): ServiceNowSimulator.Fault => ({
  type: "mutate",
  after: n - 1,
  match: { method: "GET", path: "/api/now/v2/table/proc_po" },
  change
})

const clockRef = { value: Date.UTC(2026, 0, 1) }

describe("Keyset paging", () => {
  it.live("rows inserted during a listing: every survivor exactly once, no offset sent", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const seeded = yield* seed(50)
      const ordered = seeded.map((r) => r["sys_id"]!).sort()
      // Before the third page, ten rows are inserted: some sort before the rows already delivered
      // (an offset listing would then deliver a row of page two again), some after.
      sim.inject(duringPage(3, (instance) => instance.seed("proc_po", Array.from({ length: 10 }, (_, i) => ({ number: `NEW${i}` })))))
      const records = yield* Stream.runCollect(client.list("proc_po", { pageSize: 10 }))
      const ids = sysIds(records)
      assert.strictEqual(new Set(ids).size, ids.length, "no record twice")
      for (const id of ordered) assert.include(ids, id)
      const requests = (yield* apiRequests).filter((r) => r.method === "GET")
      assert.isTrue(requests.some((r) => r.fault === "mutate"))
      for (const request of requests) assert.isUndefined(request.query["sysparm_offset"])
      // The inserted rows that sort after the position reached are delivered too, once.
      const reached = ordered[19]!
      const inserted = sim.records("proc_po").filter((r) => r["number"]!.startsWith("NEW")).map((r) => r["sys_id"]!)
      assert.isAbove(inserted.filter((id) => id < reached).length, 0, "the seed puts inserted rows before the position")
      assert.deepStrictEqual(ids.filter((id) => inserted.includes(id)).sort(), inserted.filter((id) => id > reached).sort())
    }).pipe(Effect.provide(setup())))

  it.live("rows deleted during a listing: no surviving row is skipped", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const seeded = yield* seed(50)
      const ordered = seeded.map((r) => r["sys_id"]!).sort()
      // Before the third page, five rows already delivered and two not yet delivered are deleted:
      // an offset listing would skip five survivors.
      const deleted = [...ordered.slice(0, 5), ordered[30]!, ordered[41]!]
      sim.inject(duringPage(3, (instance) => deleted.forEach((id) => instance.remove("proc_po", id))))
      const records = yield* Stream.runCollect(client.list("proc_po", { pageSize: 10 }))
      const ids = sysIds(records)
      assert.strictEqual(new Set(ids).size, ids.length)
      const survivors = ordered.filter((id) => !deleted.includes(id))
      assert.deepStrictEqual(ids.filter((id) => survivors.includes(id)), survivors)
      assert.deepStrictEqual(ids, [...ordered.slice(0, 20), ...survivors.filter((id) => id > ordered[19]!)])
      for (const request of yield* apiRequests) assert.isUndefined(request.query["sysparm_offset"])
    }).pipe(Effect.provide(setup())))

  it.live("incremental pulls by sys_updated_on: ties broken by sys_id, updates during the pull arrive after", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      // Four rows per second: pages of 3 split every run of equal timestamps.
      clockRef.value = Date.UTC(2026, 0, 1)
      const seeded: Array<ServiceNowSimulator.StoredRecord> = []
      for (let i = 0; i < 20; i++) {
        if (i % 4 === 0) clockRef.value += 1000
        seeded.push(...sim.seed("proc_po", [{ number: `PO${i}` }]))
      }
      // A row written during the pull, later than every row seen: it arrives at the end.
      clockRef.value += 5000
      const since = "2026-01-01 00:00:00"
      const query = Query.make<"sys_updated_on">().where("sys_updated_on", ">", since).orderBy("sys_updated_on")
      sim.inject(duringPage(4, (instance) => instance.seed("proc_po", [{ number: "LATE" }])))
      const records = yield* Stream.runCollect(client.list("proc_po", { pageSize: 3, query, fields: ["number"] }))
      const numbers = records.map((r) => r["number"])
      assert.strictEqual(new Set(numbers).size, numbers.length)
      assert.sameMembers(numbers, [...seeded.map((r) => r["number"]), "LATE"])
      // Fields added for the keyset (sys_id, sys_updated_on) are not delivered.
      assert.deepStrictEqual(Object.keys(records[0]!), ["number"])
      const second = (yield* apiRequests)[1]!
      assert.strictEqual(second.query["sysparm_fields"], "number,sys_id,sys_updated_on")
      assert.match(
        second.query["sysparm_query"]!,
        /^sys_updated_on>2026-01-01 00:00:00\^sys_updated_on>(.+)\^NQsys_updated_on>2026-01-01 00:00:00\^sys_updated_on=\1\^sys_id>[0-9a-f]{32}\^ORDERBYsys_updated_on\^ORDERBYsys_id$/
      )
    }).pipe(Effect.provide(setup({ now: () => clockRef.value }))))

  it.live("refuses an order the keyset cannot follow, before sending anything", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const twoFields = yield* Effect.flip(Stream.runCollect(client.list("proc_po", { query: "ORDERBYpriority^ORDERBYnumber" })))
      assert.strictEqual(twoFields.reason, "Invalid")
      assert.match(twoFields.message, /one sort field plus sys_id; the query orders by priority, number/)
      const dotWalk = yield* Effect.flip(Stream.runCollect(client.list("proc_po", { query: Query.make().orderBy("vendor.name") })))
      assert.match(dotWalk.message, /dot-walked field "vendor.name"/)
      const display = yield* Effect.flip(Stream.runCollect(client.list("proc_po", { query: "ORDERBYsys_updated_on", displayValue: true })))
      assert.match(display.message, /displayValue "all"/)
      const caret = yield* Effect.flip(Stream.runCollect(client.list("proc_po", { query: Query.where("number", "=", "x^NQactive=true") })))
      assert.match(caret.message, /number: a value cannot contain "\^" \("x\^NQactive=true"\)/)
      assert.lengthOf(yield* apiRequests, 0)
    }).pipe(Effect.provide(setup())))
})

const PurchaseOrder = z.object({ sys_id: Fields.string, number: Fields.string, vendor: Fields.reference })

const withVendors = Effect.gen(function*() {
  const sim = yield* Sim
  const [acme] = sim.seed("core_company", [{ name: "Acme Corp" }])
  sim.seed("proc_po", [{ number: "PO1", vendor: acme!["sys_id"]! }])
  return acme!["sys_id"]!
})

describe("References never from display strings", () => {
  it.live("display values asked for: links are kept and the sys_id read from them", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const acme = yield* withVendors
      const [po] = yield* Stream.runCollect(client.list("proc_po", { displayValue: true, schema: PurchaseOrder }))
      assert.strictEqual(po!.vendor.sysId, acme)
      assert.strictEqual(po!.vendor.displayValue, "Acme Corp")
      const request = (yield* apiRequests)[0]!
      assert.strictEqual(request.query["sysparm_display_value"], "true")
      assert.isUndefined(request.query["sysparm_exclude_reference_link"])
      const all = yield* Stream.runCollect(client.list("proc_po", { displayValue: "all", schema: PurchaseOrder }))
      assert.deepStrictEqual(all[0]!.vendor, { sysId: acme, displayValue: "Acme Corp" })
    }).pipe(Effect.provide(setup({ tables: { proc_po: { references: { vendor: "core_company" } } } }))))

  it.live("an instance answering display names as plain strings fails naming the field, inventing no sys_id", () =>
    Effect.gen(function*() {
      const client = yield* Client
      yield* withVendors
      const error = yield* Effect.flip(Stream.runCollect(client.list("proc_po", { schema: PurchaseOrder })))
      assert.strictEqual(error.reason, "Invalid")
      assert.deepStrictEqual(error.issues?.map((i) => i.path), [["vendor"]])
      assert.include(error.message, `vendor: expected a reference as a sys_id (32 hexadecimal characters), got "Acme Corp"`)
    }).pipe(Effect.provide(setup({ displayValues: "true", tables: { proc_po: { references: { vendor: "core_company" } } } }))))
})
