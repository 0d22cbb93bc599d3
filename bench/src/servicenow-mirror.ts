/**
 * Benchmark: purchase orders mirrored to ServiceNow ITAM and SPO by the connectors, under the
 * instance's rate-limit rule (L requests per window W, each answered after a fixed latency).
 *
 * N purchase orders of 10 hardware lines (one unit each) are requested, approved, created and
 * submitted (on PostgreSQL, or PGlite with BENCH_SKIP_POSTGRES=1); then the ITAM and SPO connectors' outbound sides drain the events
 * concurrently through one shared client whose limiter is set to the rule, as one integration
 * user's would be. Mirrored: requisitions and their lines, SPO orders and lines, ITAM orders and
 * lines, template assets, the vendor and the supplier.
 *
 * The ceiling is the fastest any client could push the same requests under the rule (every
 * window filled from the first request: (ceil(R / L) - 1) windows plus one latency); the ratio is
 * the ceiling over the measured time (1.00: the rule is all that slows the mirror down). Requests
 * per record shows what the pushes cost. Afterwards every record is checked to exist exactly once.
 */
import { Auth, Itam, ServiceNowClient, Spo } from "@procura/connector-servicenow"
import { Catalog, Connector, Operation, Plugin, Principal, Procura, Purchasing, Requisition, type Storage } from "@procura/core"
import { ServiceNowSimulator, ServiceNowTables } from "@procura/testkit"
import { Effect, Layer, References } from "effect"
import { drainAll } from "./measure.js"

export interface MirrorOptions {
  readonly orders: number
  /** Requests the rule allows per window. */
  readonly limit: number
  readonly windowMillis: number
  readonly latencyMillis: number
}

export interface MirrorResult extends MirrorOptions {
  readonly records: number
  readonly requests: number
  readonly rateLimited: number
  readonly millis: number
  readonly ceilingMillis: number
}

const instanceUrl = "https://bench-mirror.service-now.test"
const mirrored = [
  "core_company",
  "proc_po",
  "proc_po_item",
  "alm_hardware",
  "sn_fin_supplier",
  "sn_shop_purchase_requisition",
  "sn_shop_purchase_line",
  "sn_shop_purchase_order",
  "sn_shop_purchase_order_line"
]

const team = {
  admin: { userId: "ada", tenantId: "bench", roles: ["admin"] },
  requester: { userId: "rae", tenantId: "bench", roles: ["requester"] },
  buyer: { userId: "pat", tenantId: "bench", roles: ["procurement_manager"] }
}

export const servicenowMirrorBenchmark = (
  storage: Layer.Layer<Storage.Storage, unknown>,
  options: MirrorOptions
): Effect.Effect<MirrorResult, unknown> =>
  Effect.gen(function*() {
    const simulator = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const sim = ServiceNowSimulator.make({
          instanceUrl,
          auth: { basic: [{ username: "procura.bench", password: "bench-password" }] },
          latency: options.latencyMillis,
          rateLimit: { limit: options.limit, window: options.windowMillis, precise: true },
          ...ServiceNowTables.itamSpo
        })
        sim.seed("sys_user", [{ user_name: "rae" }])
        sim.listen()
        return sim
      }),
      (sim) => Effect.sync(() => sim.close())
    )
    // One client for both connectors: one integration user, one rate limit.
    const client = yield* Effect.flatMap(ServiceNowClient.ServiceNowClient, Effect.succeed).pipe(
      Effect.provide(ServiceNowClient.layer({
        instanceUrl,
        auth: Auth.basic("procura.bench", "bench-password"),
        limits: { requestsPerWindow: options.limit, window: options.windowMillis, maxConcurrency: 4 }
      }))
    )
    const principal = { userId: "sync", tenantId: "bench", roles: ["asset_manager"] }
    const composition = yield* Plugin.compose([
      Connector.enable(Itam.connector({ client }), { principal }),
      Connector.enable(Spo.connector({ client }), { principal })
    ])

    return yield* Effect.gen(function*() {
      const as = <A, E, R>(effect: Effect.Effect<A, E, R>, who: Principal.Principal = team.admin) => Principal.runAs(effect, who)
      const vendor = yield* as(Operation.run(Catalog.operations.createVendor)({ code: "ACME", name: "Acme" }))
      const items = yield* Effect.forEach(Array.from({ length: 10 }, (_, i) => i), (i) =>
        as(Operation.run(Catalog.operations.createCatalogItem)({
          sku: `HW-${i}`,
          name: `Hardware ${i}`,
          kind: "hardware",
          approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 10_000 + i * 100, currency: "EUR" } }]
        })))
      for (let n = 0; n < options.orders; n++) {
        const request = yield* as(
          Operation.run(Requisition.operations.createRequest)({ lines: items.map((item) => ({ catalogItemId: item.id, quantity: 1 })) }),
          team.requester
        )
        yield* as(Operation.run(Requisition.operations.approveRequest)({ requestId: request.id }), team.buyer)
        const [draft] = yield* as(Operation.run(Purchasing.operations.createFromRequest)({ requestId: request.id }), team.buyer)
        yield* as(Operation.run(Purchasing.operations.submitPurchaseOrder)({ purchaseOrderId: draft!.id }), team.buyer)
      }
      simulator.clearLog()

      const start = performance.now()
      const drainOne = (subscriber: Plugin.Subscriber) => drainAll([subscriber])
      // The two connectors' workers, side by side; SPO's catches what ITAM appends.
      yield* Effect.all(composition.subscribers.map(drainOne), { concurrency: "unbounded" })
      yield* Effect.all(composition.subscribers.map(drainOne), { concurrency: "unbounded" })
      const millis = performance.now() - start

      let records = 0
      for (const table of mirrored) {
        const stored = simulator.records(table)
        const distinct = new Set(stored.map((record) => record["correlation_id"]))
        if (distinct.size !== stored.length) return yield* Effect.fail(new Error(`${table}: a record was written twice`))
        records += stored.length
      }
      const expected = 2 + options.orders * (1 + 10 + 10 + 1 + 10 + 1 + 10)
      if (records !== expected) return yield* Effect.fail(new Error(`expected ${expected} mirrored records, found ${records}`))
      const requests = simulator.requests().filter((request) => request.api !== "oauth").length
      return {
        ...options,
        records,
        requests,
        rateLimited: simulator.stats().rateLimited,
        millis,
        ceilingMillis: (Math.ceil(requests / options.limit) - 1) * options.windowMillis + options.latencyMillis
      }
    }).pipe(
      Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(storage))),
      Effect.provide(Layer.succeed(References.MinimumLogLevel, "Warn"))
    )
  }).pipe(Effect.scoped)
