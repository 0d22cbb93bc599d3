import { Batch } from "@procura/connector-servicenow"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { apiRequests, Client, setup, Sim } from "./utils.js"

describe("Batch API", () => {
  it.live("runs many calls in one request, with a status per item", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const [existing] = sim.seed("proc_po", [{ number: "PO1", status: "requested" }])
      const id = existing!["sys_id"]!
      const result = yield* client.batch([
        Batch.create("proc_po", { number: "PO2", total_cost: { amount: 1000, currency: "EUR" } }),
        Batch.create("proc_po", { number: "PO3" }, { id: "third" }),
        Batch.patch("proc_po", "0123456789abcdef0123456789abcdef", { status: "ordered" }),
        Batch.patch("proc_po", id, { status: "ordered" }),
        Batch.get("proc_po", id, { fields: ["number", "status"] }),
        Batch.list("proc_po", { query: "numberSTARTSWITHPO", fields: ["number"], limit: 10 }),
        Batch.del("proc_po", id)
      ])
      assert.deepStrictEqual(result.items.map((i) => `${i.id}:${i.status}`), ["1:201", "third:201", "3:404", "4:200", "5:200", "6:200", "7:204"])
      assert.deepStrictEqual(result.unserviced, [])
      assert.deepStrictEqual(result.items.map((i) => i.ok), [true, true, false, true, true, true, true])
      const missing = result.items[2]!
      assert.strictEqual(missing.error?.reason, "NotFound")
      assert.strictEqual(missing.error?.status, 404)
      assert.deepStrictEqual(Batch.resultOf(result.items[4]!), { number: "PO1", status: "ordered" })
      assert.strictEqual((Batch.resultOf(result.items[0]!) as Record<string, string>)["total_cost"], "EUR;10.00")
      assert.strictEqual((Batch.resultOf(result.items[5]!) as ReadonlyArray<unknown>).length, 3)
      assert.deepStrictEqual(sim.records("proc_po").map((r) => r["number"]).sort(), ["PO2", "PO3"])

      const requests = yield* apiRequests
      assert.strictEqual(requests.length, 1)
      assert.strictEqual(requests[0]!.path, "/api/now/v1/batch")
      const body = requests[0]!.body as { rest_requests: ReadonlyArray<{ body?: string; url: string; headers: ReadonlyArray<{ name: string }> }> }
      assert.deepStrictEqual(JSON.parse(Buffer.from(body.rest_requests[1]!.body!, "base64").toString("utf8")), { number: "PO3" })
      assert.strictEqual(body.rest_requests[6]!.url, `/api/now/v2/table/proc_po/${id}`)
      assert.deepStrictEqual(body.rest_requests[0]!.headers.map((h) => h.name), ["Accept", "Content-Type"])
    }).pipe(Effect.provide(setup({ tables: { proc_po: { currencyFields: ["total_cost"] } } }))))

  it.live("sends unserviced items again, so each runs exactly once", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      sim.inject({ type: "unserviced", serviced: 2 }, { type: "unserviced", serviced: 1, after: 1 })
      const requests = Array.from({ length: 6 }, (_, i) => Batch.create("incident", { number: `INC${i}` }))
      const result = yield* client.batch(requests)
      assert.deepStrictEqual(result.items.map((i) => i.id), ["1", "2", "3", "4", "5", "6"])
      assert.deepStrictEqual(result.unserviced, [])
      assert.deepStrictEqual(sim.records("incident").map((r) => r["number"]), ["INC0", "INC1", "INC2", "INC3", "INC4", "INC5"])
      assert.deepStrictEqual(sim.requests().filter((r) => r.api === "batch").map((r) => r.batch), [
        { items: 6, serviced: 2 },
        { items: 4, serviced: 1 },
        { items: 3, serviced: 3 }
      ])
    }).pipe(Effect.provide(setup())))

  it.live("items past the instance's batch time limit are unserviced and reported when rounds run out", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const requests = Array.from({ length: 5 }, (_, i) => Batch.create("incident", { number: `INC${i}` }))
      const once = yield* client.batch(requests, { retryUnserviced: false })
      assert.deepStrictEqual(once.items.map((i) => i.id), ["1", "2", "3"])
      assert.deepStrictEqual(once.unserviced, ["4", "5"])
      const all = yield* client.batch(requests.map((r, i) => ({ ...r, id: `again-${i}` })))
      assert.deepStrictEqual(all.unserviced, [])
      assert.strictEqual(sim.records("incident").length, 8)
      sim.inject({ type: "unserviced", serviced: 0, times: Infinity })
      const stuck = yield* client.batch(requests.map((r, i) => ({ ...r, id: `stuck-${i}` })), { maxRounds: 1 })
      assert.deepStrictEqual(stuck.items, [])
      assert.strictEqual(stuck.unserviced.length, 5)
    }).pipe(Effect.provide(setup({ batchItemCost: 10_000 }))))

  it.live("retries a batch after a 502 only when every item is safe to repeat", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const [po] = sim.seed("proc_po", [{ number: "PO1" }])
      sim.inject({ type: "status", status: 502, apply: true })
      const patched = yield* client.batch([Batch.patch("proc_po", po!["sys_id"]!, { status: "ordered" })])
      assert.strictEqual(patched.items[0]!.status, 200)
      sim.inject({ type: "status", status: 502, apply: true })
      const error = yield* Effect.flip(client.batch([Batch.create("proc_po", { number: "PO2" })]))
      assert.strictEqual(error.reason, "Unavailable")
      assert.isTrue(error.isRetryable)
      assert.deepStrictEqual(sim.records("proc_po").map((r) => r["number"]), ["PO1", "PO2"], "created once, not twice")
    }).pipe(Effect.provide(setup())))

  it.live("refuses duplicate ids and urls outside the API", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const dup = yield* Effect.flip(client.batch([Batch.get("a", "1", { id: "x" }), Batch.get("b", "2", { id: "x" })]))
      assert.strictEqual(dup.reason, "Invalid")
      const outside = yield* Effect.flip(client.batch([{ method: "GET", url: "https://evil.test/api/now/table/x" }]))
      assert.strictEqual(outside.reason, "Invalid")
      assert.strictEqual((yield* apiRequests).length, 0)
    }).pipe(Effect.provide(setup())))
})
