/**
 * Benchmark: purchase orders pushed to Coupa by the spo-coupa connector, under Coupa's documented
 * rate limit (25 requests per second with bursts of 20), against the simulated instance.
 *
 * N purchase orders of 3 lines are requested, approved, created and submitted (on PostgreSQL, or
 * PGlite with BENCH_SKIP_POSTGRES=1); then spo-coupa's outbound side drains the events through
 * its client (left at its defaults): per order a requisition and an external order, each looked
 * up by its natural key before it is created, plus the supplier once.
 *
 * The ceiling is the fastest any client could send the same requests under the documented rule:
 * the burst of 20 at once, then 25 per second, so (R - 20) / 25 seconds; the ratio is the
 * ceiling over the measured time (1.00: the rate limit is all that slows the push down).
 * Requests per record shows what the pushes cost. Afterwards every record is checked to exist
 * exactly once, and no request may have been refused with a 429.
 */
import { SpoCoupa } from "@procura/connector-coupa"
import { Catalog, Connector, Operation, Plugin, Principal, Procura, Purchasing, Requisition, type Storage } from "@procura/core"
import { CoupaSimulator } from "@procura/testkit"
import { Effect, Layer, References } from "effect"
import { drainAll } from "./measure.js"

export interface CoupaPushOptions {
  readonly orders: number
}

export interface CoupaPushResult extends CoupaPushOptions {
  readonly records: number
  readonly requests: number
  readonly rateLimited: number
  readonly millis: number
  readonly ceilingMillis: number
}

const instanceUrl = "https://bench.coupahost.test"
const perSecond = 25
const burst = 20

const team = {
  admin: { userId: "ada", tenantId: "bench", roles: ["admin"] },
  requester: { userId: "rae", tenantId: "bench", roles: ["requester"] },
  buyer: { userId: "pat", tenantId: "bench", roles: ["procurement_manager"] }
}

export const coupaPushBenchmark = (storage: Layer.Layer<Storage.Storage, unknown>, options: CoupaPushOptions): Effect.Effect<CoupaPushResult, unknown> =>
  Effect.gen(function*() {
    const simulator = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const sim = CoupaSimulator.make({ instanceUrl, rateLimit: { perSecond, burst } })
        sim.listen()
        return sim
      }),
      (sim) => Effect.sync(() => sim.close())
    )
    const client = {
      instanceUrl,
      clientId: CoupaSimulator.defaultClient.clientId,
      clientSecret: CoupaSimulator.defaultClient.clientSecret,
      scopes: CoupaSimulator.defaultClient.scopes
    }
    const composition = yield* Plugin.compose([
      Connector.enable(SpoCoupa.connector({ client }), { principal: { userId: "sync", tenantId: "bench", roles: ["procurement_manager"] } })
    ])
    return yield* Effect.gen(function*() {
      const as = <A, E, R>(effect: Effect.Effect<A, E, R>, who: Principal.Principal = team.admin) => Principal.runAs(effect, who)
      const vendor = yield* as(Operation.run(Catalog.operations.createVendor)({ code: "ACME", name: "Acme" }))
      const items = yield* Effect.forEach([0, 1, 2], (i) =>
        as(Operation.run(Catalog.operations.createCatalogItem)({
          sku: `HW-${i}`,
          name: `Hardware ${i}`,
          kind: "hardware",
          approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 10_000 + i * 100, currency: "EUR" } }]
        })))
      for (let n = 0; n < options.orders; n++) {
        const request = yield* as(
          Operation.run(Requisition.operations.createRequest)({ lines: items.map((item) => ({ catalogItemId: item.id, quantity: 1 + (n % 3) })) }),
          team.requester
        )
        yield* as(Operation.run(Requisition.operations.approveRequest)({ requestId: request.id }), team.buyer)
        const [draft] = yield* as(Operation.run(Purchasing.operations.createFromRequest)({ requestId: request.id }), team.buyer)
        yield* as(Operation.run(Purchasing.operations.submitPurchaseOrder)({ purchaseOrderId: draft!.id }), team.buyer)
      }
      simulator.clearLog()

      const start = performance.now()
      yield* drainAll(composition.subscribers)
      const millis = performance.now() - start

      let records = 0
      for (const resource of ["suppliers", "requisitions", "purchase_orders"] as const) {
        const stored = simulator.records(resource)
        const key = resource === "suppliers" ? "number" : resource === "requisitions" ? "external-po-reference" : "po-number"
        if (new Set(stored.map((record) => record[key])).size !== stored.length) return yield* Effect.fail(new Error(`${resource}: a record was written twice`))
        records += stored.length
      }
      const expected = 1 + 2 * options.orders
      if (records !== expected) return yield* Effect.fail(new Error(`expected ${expected} records in Coupa, found ${records}`))
      const api = simulator.requests().filter((request) => request.path.startsWith("/api/"))
      return {
        ...options,
        records,
        requests: api.length,
        rateLimited: api.filter((request) => request.status === 429).length,
        millis,
        ceilingMillis: (Math.max(0, api.length - burst) / perSecond) * 1000
      }
    }).pipe(
      Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(storage))),
      Effect.provide(Layer.succeed(References.MinimumLogLevel, "Warn"))
    )
  }).pipe(Effect.scoped)
