/**
 * The spo-coupa and sam-coupa connectors against the simulated Coupa instance, as a suite run on
 * each storage adapter: Connectors.test.ts (memory) and ConnectorsPostgres.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Migration, SamCoupa, SpoCoupa } from "@procura/connector-coupa"
import {
  Assets,
  Catalog,
  Connector,
  Delivery,
  Invoicing,
  Licensing,
  Operation,
  Plugin,
  Principal,
  Procura,
  Purchasing,
  Receiving,
  Requisition,
  Storage
} from "@procura/core"
import { CoupaSimulator } from "@procura/testkit"
import { Cause, Effect, Exit, Layer } from "effect"

export const instanceUrl = "https://acme.coupahost.test"

const team = {
  admin: { userId: "ada", tenantId: "t1", roles: ["admin"] },
  requester: { userId: "rae", tenantId: "t1", roles: ["requester"] },
  buyer: { userId: "pat", tenantId: "t1", roles: ["procurement_manager"] },
  storekeeper: { userId: "sam", tenantId: "t1", roles: ["storage_manager", "asset_manager"] },
  sync: { userId: "coupa-sync", tenantId: "t1", roles: ["procurement_manager", "storage_manager", "asset_manager"] }
} satisfies Record<string, Principal.Principal>

const as = <A, E, R>(effect: Effect.Effect<A, E, R>, principal: Principal.Principal = team.admin) => Principal.runAs(effect, principal)

export const client = {
  instanceUrl,
  clientId: CoupaSimulator.defaultClient.clientId,
  clientSecret: CoupaSimulator.defaultClient.clientSecret,
  scopes: CoupaSimulator.defaultClient.scopes,
  timeout: "1 second",
  clockSkew: "0 millis",
  maxRetries: 6
} as const

const fast: Delivery.RetryPolicy = { attempts: 3, baseDelay: "1 millis", maxDelay: "1 millis" }

type Options = { readonly rateLimit?: CoupaSimulator.Options["rateLimit"] }

/** Runs a program against a fresh simulated instance listening for its duration. */
const withSimulator = <A, E, R>(use: (sim: CoupaSimulator.Simulator) => Effect.Effect<A, E, R>, options: Options = {}) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const sim = CoupaSimulator.make({ instanceUrl, rateLimit: options.rateLimit ?? false })
      sim.listen()
      return sim
    }),
    use,
    (sim) => Effect.sync(() => sim.close())
  )

const spo = (config: SpoCoupa.ConfigInput = {}) => Connector.enable(SpoCoupa.connector({ client }), { ...config, principal: team.sync })
const sam = () => Connector.enable(SamCoupa.connector({ client }), { principal: team.sync, receiveInto: { locationId: "HQ", storageSpace: "Dock 1" } })

/** Runs a program with the given connectors enabled, on the store of the environment. */
const withConnectors = <A, E>(
  enabled: ReadonlyArray<Plugin.Enabled>,
  program: (composition: Plugin.Composition) => Effect.Effect<A, E, Storage.Storage | Procura.Services>
) =>
  Effect.gen(function*() {
    const composition = yield* Plugin.compose(enabled)
    return yield* program(composition).pipe(Effect.provide(Procura.layerFromComposition(composition)))
  })

/** Delivers every event to every subscriber until none is left, failing on a parked one. */
const deliver = (composition: Plugin.Composition) =>
  Effect.gen(function*() {
    while (true) {
      const reports = yield* Delivery.drain(composition.subscribers, { retry: fast })
      for (const report of reports) {
        if (report.parked > 0) {
          const letters = yield* Delivery.listDeadLetters({ limit: 10 })
          assert.fail(`${report.subscriber} parked an event: ${letters.map((l) => `${l.event.type}: ${l.error}`).join("; ")}`)
        }
      }
      if (reports.every((report) => report.delivered === 0)) return
    }
  })

const poll = (composition: Plugin.Composition) =>
  Effect.gen(function*() {
    const reports = yield* Connector.poll(composition.pollers)
    for (const report of reports) assert.isUndefined(report.failed, `${report.connector} failed: ${report.failed}`)
    return reports
  })

const catalog = Effect.gen(function*() {
  const vendor = yield* as(Operation.run(Catalog.operations.createVendor)({ code: "ACME", name: "Acme" }))
  const item = (sku: string, name: string, kind: "hardware" | "consumable" | "software", amount: number) =>
    as(Operation.run(Catalog.operations.createCatalogItem)({ sku, name, kind, approvedVendors: [{ vendorId: vendor.id, unitCost: { amount, currency: "EUR" } }] }))
  return {
    vendor,
    laptop: yield* item("LAP-14", "Laptop 14", "hardware", 120_000),
    toner: yield* item("TON-1", "Toner", "consumable", 4_000),
    editor: yield* item("EDIT-1", "Editor licence", "software", 9_000)
  }
})

/** A submitted order of 2 laptops, 10 toners and 5 editor seats, through request and approval. */
const submitOrder = Effect.gen(function*() {
  const { editor, laptop, toner, vendor } = yield* catalog
  const request = yield* as(
    Operation.run(Requisition.operations.createRequest)({
      lines: [{ catalogItemId: laptop.id, quantity: 2 }, { catalogItemId: toner.id, quantity: 10 }, { catalogItemId: editor.id, quantity: 5 }]
    }),
    team.requester
  )
  yield* as(Operation.run(Requisition.operations.approveRequest)({ requestId: request.id }), team.buyer)
  const [draft] = yield* as(Operation.run(Purchasing.operations.createFromRequest)({ requestId: request.id }), team.buyer)
  const order = yield* as(Operation.run(Purchasing.operations.submitPurchaseOrder)({ purchaseOrderId: draft!.id }), team.buyer)
  return { order, request, vendor }
})

const receive = (purchaseOrderId: string, lines: Array<{ lineNo: number; quantity: number }>) =>
  as(Operation.run(Receiving.operations.receivePurchaseOrder)({ purchaseOrderId, locationId: "HQ", storageSpace: "Dock 1", lines }), team.storekeeper)

const posts = (sim: CoupaSimulator.Simulator, path: string) => sim.requests().filter((r) => r.method === "POST" && r.path === path)

/** A Coupa instance as sam-coupa finds it: a supplier, items, an issued order and a receipt of it. */
const seedCoupa = (sim: CoupaSimulator.Simulator) => {
  const supplier = sim.seed("suppliers", { name: "Acme Corp", number: "ACME" })
  const order = sim.seed("purchase_orders", {
    "po-number": "PO-9001",
    type: "ExternalOrderHeader",
    supplier: { id: supplier["id"]! },
    currency: { code: "EUR" },
    "order-lines": [
      { "line-num": 1, description: "Laptop 14 for the new hires", quantity: "3", price: "1150.00", "source-part-num": "LAP-14" },
      { "line-num": 2, description: "Editor licence", quantity: "5", price: "90.00", "source-part-num": "EDIT-1" }
    ]
  })
  const lines = order["order-lines"] as ReadonlyArray<{ readonly id: number }>
  const receipt = sim.seed("receiving_transactions", { type: "InventoryReceipt", quantity: "2", "order-line": { id: lines[0]!.id } })
  return { supplier, order, lines, receipt }
}

export const suite = (name: string, storage: () => Layer.Layer<Storage.Storage, unknown>) =>
  describe(`Coupa connectors: ${name}`, () => {
    const onStore = <A, E>(effect: Effect.Effect<A, E, Storage.Storage>) => Effect.provide(effect, storage())

    it.live("spo-coupa pushes requisitions, orders (issued, then closed), receipts and invoices once, however often delivered", () =>
      onStore(withSimulator((sim) =>
        withConnectors([spo()], (composition) =>
          Effect.gen(function*() {
            const { order, request } = yield* submitOrder
            yield* deliver(composition)
            const [requisition] = sim.records("requisitions")
            assert.strictEqual(requisition!["status"], "draft")
            assert.lengthOf(requisition!["requisition-lines"] as Array<unknown>, 3)
            assert.match(String(requisition!["external-po-reference"]), /^R[0-9A-Z]{17}$/)
            const [supplier] = sim.records("suppliers")
            assert.deepInclude(supplier, { name: "Acme", number: "ACME" })
            const [po] = sim.records("purchase_orders")
            assert.deepInclude(po, { status: "issued", type: "ExternalOrderHeader", total: "3250.00" })
            assert.strictEqual(String(po!["po-number"]).length, 18)
            const poLines = po!["order-lines"] as ReadonlyArray<Record<string, unknown>>
            assert.deepStrictEqual(poLines.map((l) => l["external-reference-number"]), order.lines.map((l) => `${order.id}:${l.lineNo}`))
            assert.deepStrictEqual(poLines.map((l) => [l["quantity"], l["price"]]), [["2", "1200.00"], ["10", "40.00"], ["5", "90.00"]])

            const receipt = yield* receive(order.id, [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 10 }])
            yield* as(Operation.run(Invoicing.operations.recordInvoice)({
              purchaseOrderId: order.id,
              number: "INV-77",
              invoiceDate: "2026-12-01",
              lines: [{ lineNo: 1, quantity: 1, unitCost: { amount: 120_000, currency: "EUR" } }]
            }), team.buyer)
            yield* deliver(composition)
            const transactions = sim.records("receiving_transactions")
            assert.deepStrictEqual(transactions.map((t) => [t["quantity"], (t["custom-fields"] as Record<string, string>)["procura-id"]]), [
              ["1", `${receipt.id}:1`],
              ["10", `${receipt.id}:2`]
            ])
            const received = (sim.record("purchase_orders", po!["id"] as number)!["order-lines"] as Array<Record<string, unknown>>).map((l) => l["received"])
            assert.deepStrictEqual(received, ["1.0", "10.0", "0.0"])
            const [invoice] = sim.records("invoices")
            assert.deepInclude(invoice, { "invoice-number": "INV-77", status: "pending_approval", total: "1200.00" })
            assert.strictEqual(sim.record("purchase_orders", po!["id"] as number)!["status"], "issued", "partially received: still issued")
            // The last laptop: the order is received (software is never received: its entitlement was made at
            // submission), so the receipt goes out, then the Coupa order is closed.
            yield* receive(order.id, [{ lineNo: 1, quantity: 1 }])
            yield* deliver(composition)
            assert.strictEqual(sim.records("receiving_transactions").length, 3)
            assert.strictEqual(sim.record("purchase_orders", po!["id"] as number)!["status"], "closed")

            // Delivered again from the start (a crash before the checkpoint): nothing is duplicated.
            const store = yield* Storage.Storage
            yield* store.saveCheckpoint(Connector.outboundSubscriberId(SpoCoupa.id), 0)
            yield* deliver(composition)
            for (const [resource, count] of [["requisitions", 1], ["purchase_orders", 1], ["receiving_transactions", 3], ["invoices", 1], ["suppliers", 1]] as const) {
              assert.strictEqual(sim.records(resource).length, count, resource)
            }
            assert.strictEqual(request.lines.length, 3)
          })))), 60_000)

    it.live("a create answered too late is looked up, never made twice; a 429 storm is waited out", () =>
      onStore(withSimulator((sim) =>
        withConnectors([spo()], (composition) =>
          Effect.gen(function*() {
            sim.inject(
              { type: "timeoutAfterCommit", ms: 2_500, match: { method: "POST", path: "/api/purchase_orders" }, times: 1 },
              { type: "rateLimit", times: 4, match: { path: "/api/requisitions" } }
            )
            const { order } = yield* submitOrder
            yield* deliver(composition)
            assert.strictEqual(sim.records("purchase_orders").length, 1, "the timed-out create was found, not repeated")
            assert.strictEqual(posts(sim, "/api/purchase_orders").length, 1, "one POST, never sent again")
            assert.strictEqual(sim.requests().filter((r) => r.status === 429).length, 4)
            assert.strictEqual(sim.records("requisitions").length, 1)
            const [po] = sim.records("purchase_orders")
            assert.deepStrictEqual((po!["order-lines"] as Array<Record<string, unknown>>).map((l) => l["external-reference-number"]), order.lines.map((l) => `${order.id}:${l.lineNo}`))
          })), { rateLimit: { perSecond: 25, burst: 20 } })), 60_000)

    it.live("spo-coupa pulls back a supplier made inactive and an order cancelled in Coupa", () =>
      onStore(withSimulator((sim) =>
        withConnectors([spo()], (composition) =>
          Effect.gen(function*() {
            const { order, vendor } = yield* submitOrder
            yield* deliver(composition)
            yield* poll(composition)
            const [po] = sim.records("purchase_orders")
            const [supplier] = sim.records("suppliers")
            sim.advance(2_000)
            sim.update("purchase_orders", po!["id"] as number, { status: "cancelled" })
            sim.update("suppliers", supplier!["id"] as number, { status: "inactive" })
            const products = (yield* as(Operation.run(Catalog.operations.listSupplierProducts)({ supplierId: vendor.id }))).items
            const [report] = yield* poll(composition)
            assert.strictEqual(report!.applied, 2)
            assert.strictEqual((yield* as(Operation.run(Purchasing.operations.getPurchaseOrder)({ id: order.id }))).status, "cancelled")
            const after = (yield* as(Operation.run(Catalog.operations.listSupplierProducts)({ supplierId: vendor.id }))).items
            assert.deepStrictEqual(after.map((p) => p.active), products.map(() => false))
            // Procura's cancellation goes out; Coupa's order is cancelled already: nothing more to do, no loop.
            yield* deliver(composition)
            assert.strictEqual(sim.record("purchase_orders", po!["id"] as number)!["status"], "cancelled")
            const [again] = yield* poll(composition)
            assert.strictEqual(again!.pulled, 0)
          })))), 60_000)

    it.live("sam-coupa imports Coupa's orders and receipts once (templates, entitlements, assets in stock), marks them exported, and leaves what it cannot take", () =>
      onStore(withSimulator((sim) =>
        withConnectors([sam()], (composition) =>
          Effect.gen(function*() {
            yield* catalog
            const seeded = seedCoupa(sim)
            const unknown = sim.seed("purchase_orders", {
              "po-number": "PO-9002",
              type: "ExternalOrderHeader",
              supplier: { id: seeded.supplier["id"]! },
              currency: { code: "EUR" },
              "order-lines": [{ "line-num": 1, description: "Standing desk", quantity: "1", price: "500.00", "source-part-num": "DESK-1" }]
            })
            // The token expires in the middle of the pull: renewed once, the pull goes on.
            sim.inject({ type: "mutate", match: { method: "GET", path: "/api/receiving_transactions" }, times: 1, change: () => sim.expireTokens() })
            const [report] = yield* poll(composition)
            assert.strictEqual(report!.pulled, 3)
            const orders = (yield* as(Operation.run(Purchasing.operations.listPurchaseOrders)({}))).items
            assert.strictEqual(orders.length, 1, "the order with an unknown item is not imported")
            const order = orders[0]!
            assert.deepInclude(order, { status: "partially_received", externalReference: `coupa:po:${seeded.order["id"]}` })
            assert.deepStrictEqual(order.lines.map((l) => [l.description, l.quantity, l.unitCost.amount, l.receivedQuantity]), [
              ["Laptop 14 for the new hires", 3, 115_000, 2],
              ["Editor licence", 5, 9_000, 0]
            ])
            const assets = (yield* as(Operation.run(Assets.operations.listAssets)({ purchaseOrderId: order.id }))).items
            assert.deepStrictEqual(assets.map((a) => a.status).toSorted(), ["in_stock", "in_stock", "on_order"])
            assert.deepStrictEqual((yield* as(Operation.run(Licensing.operations.listEntitlements)({ purchaseOrderId: order.id }))).items.map((e) => e.seats), [5])
            const vendor = (yield* as(Operation.run(Catalog.operations.listVendors)({ code: "ACME" }))).items
            assert.strictEqual(vendor.length, 1, "the supplier is the vendor whose code is its number")
            assert.strictEqual(sim.record("purchase_orders", seeded.order["id"] as number)!["exported"], true)
            assert.strictEqual(sim.record("receiving_transactions", seeded.receipt["id"] as number)!["exported"], true)
            assert.strictEqual(sim.record("purchase_orders", unknown["id"] as number)!["exported"], false, "left for a later pull")
            assert.strictEqual(sim.requests().filter((r) => r.path === "/oauth2/token").length, 2)

            // Pulled again: the unknown order only, still not importable; nothing duplicated.
            const [again] = yield* poll(composition)
            assert.strictEqual(again!.pulled, 1)
            assert.strictEqual((yield* as(Operation.run(Purchasing.operations.listPurchaseOrders)({}))).items.length, 1)
            // Coupa marked exported, then the mapping lost (a crash after the import): imported again finds the order.
            sim.update("purchase_orders", seeded.order["id"] as number, { exported: false, status: "closed" })
            yield* poll(composition)
            const closed = yield* as(Operation.run(Purchasing.operations.getPurchaseOrder)({ id: order.id }))
            assert.strictEqual(closed.status, "received", "closed in Coupa: the outstanding laptop is cancelled")
            assert.strictEqual((yield* as(Operation.run(Purchasing.operations.listPurchaseOrders)({}))).items.length, 1)
          })))), 60_000)

    it.live("enabling both is refused at start, naming both and the migration command", () =>
      Effect.gen(function*() {
        const exit = yield* Effect.exit(Plugin.compose([sam(), spo()]))
        assert.isTrue(Exit.isFailure(exit))
        const error = Cause.squash((exit as Exit.Failure<unknown, Plugin.PluginError>).cause) as Plugin.PluginError
        assert.strictEqual(error.reason, "ResponsibilityConflict")
        assert.deepStrictEqual(error.conflict?.holders, ["sam-coupa", "spo-coupa"])
        assert.include(error.message, "sam-coupa and spo-coupa both claim the responsibility \"coupa.purchase-orders\"")
        assert.include(error.message, "procura connectors plan --from sam-coupa --to spo-coupa")
        // One of them alone starts.
        assert.isTrue(Exit.isSuccess(yield* Effect.exit(Plugin.compose([spo()]))))
      }))

    it.live("the migration from sam-coupa to spo-coupa: planned, applied once (a second run changes nothing), then spo-coupa carries on the imported orders", () =>
      onStore(withSimulator((sim) =>
        Effect.gen(function*() {
          const seeded = yield* withConnectors([sam()], (composition) =>
            Effect.gen(function*() {
              yield* catalog
              const seeded = seedCoupa(sim)
              const before = yield* as(Migration.plan({ from: SamCoupa.id, to: SpoCoupa.id, client }))
              assert.isFalse(before.migrated)
              assert.deepStrictEqual(before.pending, { orders: ["PO-9001"], receipts: [seeded.receipt["id"] as number] })
              assert.include(Migration.format(before), "1. [ ] ServiceNow: Stop the \"Create a Requisition\" business rule")
              const wrong = yield* Effect.exit(as(Migration.plan({ from: SpoCoupa.id, to: SamCoupa.id, client })))
              assert.include(String(Cause.squash((wrong as Exit.Failure<unknown, unknown>).cause)), "supported: --from sam-coupa --to spo-coupa")

              const applied = yield* as(Migration.apply({ from: SamCoupa.id, to: SpoCoupa.id, client, pollers: composition.pollers }))
              assert.isTrue(applied.plan.migrated, Migration.format(applied.plan))
              assert.deepStrictEqual(applied.plan.records.orders, { imported: 1, linked: 1 })
              assert.deepStrictEqual(applied.plan.records.lines, { imported: 2, linked: 2 })
              assert.deepStrictEqual(applied.plan.records.receipts, { imported: 1, linked: 1 })
              assert.lengthOf(applied.changed, 3)
              assert.deepInclude(sim.record("purchase_orders", seeded.order["id"] as number), { exported: true, version: 1 }, "Coupa's order is not rewritten")
              const requests = sim.requests().length
              const twice = yield* as(Migration.apply({ from: SamCoupa.id, to: SpoCoupa.id, client, pollers: composition.pollers }))
              assert.deepStrictEqual(twice.changed, [])
              assert.strictEqual(sim.requests().length, requests, "the second run sends nothing to Coupa")
              // sam-coupa, still enabled by mistake, pulls nothing more.
              sim.seed("purchase_orders", { "po-number": "PO-9003", type: "ExternalOrderHeader", supplier: { id: seeded.supplier["id"]! }, currency: { code: "EUR" }, "order-lines": [{ "line-num": 1, description: "Toner", quantity: "1", price: "40.00", "source-part-num": "TON-1" }] })
              const [report] = yield* poll(composition)
              assert.strictEqual(report!.pulled, 0)
              return seeded
            }))
          // The host now enables spo-coupa alone, on the same store.
          yield* withConnectors([spo()], (composition) =>
            Effect.gen(function*() {
              const [order] = (yield* as(Operation.run(Purchasing.operations.listPurchaseOrders)({}))).items
              const receipt = yield* receive(order!.id, [{ lineNo: 1, quantity: 1 }])
              yield* deliver(composition)
              assert.strictEqual(sim.records("purchase_orders").length, 2, "no order created again (PO-9001, and PO-9003 left to Coupa)")
              const pushed = sim.records("receiving_transactions").filter((t) => (t["custom-fields"] as Record<string, string> | null)?.["procura-id"] === `${receipt.id}:1`)
              assert.strictEqual(pushed.length, 1)
              assert.strictEqual((pushed[0]!["order-line"] as { id: number }).id, seeded.lines[0]!.id)
              assert.strictEqual(sim.records("receiving_transactions").length, 2)
              assert.strictEqual(sim.record("purchase_orders", seeded.order["id"] as number)!["version"], 1, "the replayed history wrote no order line again")
            }))
        }))), 60_000)
  })
