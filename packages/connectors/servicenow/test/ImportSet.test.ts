import { ImportSet } from "@procura/connector-servicenow"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { apiRequests, Client, setup, Sim } from "./utils.js"

const importSets = {
  u_procura_po: {
    target: "proc_po",
    coalesce: ["correlation_id"],
    transform: (row: Readonly<Record<string, string>>) => {
      if (row["u_total"] === "invalid") throw new Error("u_total is not a number")
      return { correlation_id: row["u_external_id"] ?? "", short_description: row["u_title"] ?? "", total_cost: row["u_total"] ?? "" }
    },
    insertMultiple: "synchronous" as const
  },
  u_procura_asset: { target: "alm_asset", coalesce: ["correlation_id"] }
}

describe("Import Set API", () => {
  it.live("transforms a row into the target table and coalesces on correlation_id", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const first = yield* client.importRecord("u_procura_po", { u_external_id: "PO-1", u_title: "Laptops", u_total: "USD;100.00" })
      assert.strictEqual(first.stagingTable, "u_procura_po")
      assert.match(first.importSet, /^ISET\d{7}$/)
      assert.strictEqual(first.results[0]!.status, "inserted")
      assert.strictEqual(first.results[0]!.table, "proc_po")
      const second = yield* client.importRecord("u_procura_po", { u_external_id: "PO-1", u_title: "Laptops (14)", u_total: "USD;100.00" })
      assert.strictEqual(second.results[0]!.status, "updated")
      assert.strictEqual(second.results[0]!.sysId, first.results[0]!.sysId)
      const third = yield* client.importRecord("u_procura_po", { u_external_id: "PO-1", u_title: "Laptops (14)", u_total: "USD;100.00" })
      assert.strictEqual(third.results[0]!.status, "ignored")
      assert.deepStrictEqual(sim.records("proc_po").map((r) => r["short_description"]), ["Laptops (14)"])
      assert.strictEqual(sim.records("u_procura_po").length, 3, "each row stays in the staging table")
      assert.strictEqual((yield* apiRequests)[0]!.path, "/api/now/v1/import/u_procura_po")
    }).pipe(Effect.provide(setup({ importSets }))))

  it.live("insertMultiple: per-row results when synchronous, skipped and failed rows reported", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const response = yield* client.importMultiple("u_procura_po", [
        { u_external_id: "PO-1", u_title: "a", u_total: "USD;1.00" },
        { u_external_id: "", u_title: "no key" },
        { u_external_id: "PO-3", u_title: "c", u_total: "invalid" },
        { u_external_id: "PO-1", u_title: "a again", u_total: "USD;1.00" }
      ])
      assert.strictEqual(response.records, 4)
      assert.deepStrictEqual(response.results?.map((r) => r.status), ["inserted", "skipped", "error", "updated"])
      assert.deepStrictEqual(ImportSet.failures(response).map((r) => r.errorMessage), ["u_total is not a number"])
      assert.match(response.importSetId, /^[0-9a-f]{32}$/)
      const request = (yield* apiRequests)[0]!
      assert.strictEqual(request.path, "/api/now/v1/import/u_procura_po/insertMultiple")
      assert.strictEqual((request.body as { records: ReadonlyArray<unknown> }).records.length, 4)
    }).pipe(Effect.provide(setup({ importSets }))))

  it.live("insertMultiple: asynchronous by default, rows land after the transform runs", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const response = yield* client.importMultiple("u_procura_asset", [{ correlation_id: "A-1" }, { correlation_id: "A-2" }])
      assert.isUndefined(response.results)
      const more = yield* client.importMultiple("u_procura_asset", [{ correlation_id: "A-3" }], { multiImportSetId: response.multiImportSetId })
      assert.strictEqual(more.multiImportSetId, response.multiImportSetId)
      yield* Effect.promise(() => sim.settled())
      assert.deepStrictEqual(sim.records("alm_asset").map((r) => r["correlation_id"]).sort(), ["A-1", "A-2", "A-3"])
    }).pipe(Effect.provide(setup({ importSets }))))

  it.live("importAll sends rows in batches of 200 with bounded concurrency", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const rows = Stream.range(0, 1049).pipe(Stream.map((i) => ({ u_external_id: `PO-${i}`, u_title: `t${i}`, u_total: "USD;1.00" })))
      const responses = yield* Stream.runCollect(client.importAll("u_procura_po", rows, { concurrency: 2 }))
      assert.deepStrictEqual(responses.map((r) => r.records), [200, 200, 200, 200, 200, 50])
      assert.strictEqual(sim.records("proc_po").length, 1050)
      assert.strictEqual((yield* apiRequests).length, 6)
      assert.isAtMost(sim.stats().maxInFlight, 2)
    }).pipe(Effect.provide(setup({ importSets, latency: 10 }))))

  it.live("an import whose response was lost is sent again without duplicating rows", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      sim.inject({ type: "timeout", apply: true })
      const response = yield* client.importMultiple("u_procura_po", [
        { u_external_id: "PO-1", u_title: "a", u_total: "USD;1.00" },
        { u_external_id: "PO-2", u_title: "b", u_total: "USD;1.00" }
      ])
      assert.deepStrictEqual(response.results?.map((r) => r.status), ["ignored", "ignored"])
      assert.strictEqual(sim.records("proc_po").length, 2)
      assert.deepStrictEqual((yield* apiRequests).map((r) => r.status), [0, 201])
    }).pipe(Effect.provide(setup({ importSets }, { timeout: 80 }))))

  it.live("an unknown staging table is an error from the instance", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const error = yield* Effect.flip(client.importRecord("u_nope", { a: "b" }))
      assert.strictEqual(error.reason, "Invalid")
      assert.include(error.message, "Invalid table u_nope")
      const empty = yield* Effect.flip(client.importMultiple("u_procura_po", []))
      assert.strictEqual(empty.reason, "Invalid")
    }).pipe(Effect.provide(setup({ importSets }))))
})
