/**
 * The ITAM connector against the simulated instance (ITAM and SPO tables and rules), as a suite
 * run on each storage adapter: Itam.test.ts (memory) and ItamPostgres.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Itam } from "@procura/connector-servicenow"
import {
  Assets,
  Catalog,
  Connector,
  Delivery,
  Operation,
  Plugin,
  Principal,
  Procura,
  Purchasing,
  Receiving,
  Requisition,
  Storage
} from "@procura/core"
import { ServiceNowSimulator, ServiceNowTables } from "@procura/testkit"
import { Effect, Layer } from "effect"
import { fastRetry, instanceUrl, oauth, oauthPassword } from "./utils.js"

export const team = {
  admin: { userId: "ada", tenantId: "t1", roles: ["admin"] },
  requester: { userId: "rae", tenantId: "t1", roles: ["requester"] },
  buyer: { userId: "pat", tenantId: "t1", roles: ["procurement_manager"] },
  storekeeper: { userId: "sam", tenantId: "t1", roles: ["storage_manager", "asset_manager"] },
  sync: { userId: "itam-sync", tenantId: "t1", roles: ["asset_manager"] }
}

export const as = <A, E, R>(effect: Effect.Effect<A, E, R>, principal: Principal.Principal = team.admin) =>
  Principal.runAs(effect, principal)

/** The instance: the ITAM/SPO tables, two users, a location with a stockroom. */
export const simulator = (options: ServiceNowSimulator.Options = {}) => {
  const sim = ServiceNowSimulator.make({ instanceUrl, auth: { oauth }, ...ServiceNowTables.itamSpo, ...options })
  sim.seed("sys_user", [{ user_name: "rae" }, { user_name: "sam" }, { user_name: "lee" }])
  const [hq] = sim.seed("cmn_location", [{ name: "HQ" }])
  sim.seed("alm_stockroom", [{ name: "Dock A", location: hq!["sys_id"]! }, { name: "Cage B", location: hq!["sys_id"]! }])
  return sim
}

/** Runs a program against a {@link simulator} listening for its duration. */
export const withSimulator = <A, E, R>(use: (sim: ServiceNowSimulator.Simulator) => Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => {
      const sim = simulator()
      sim.listen()
      return sim
    }),
    use,
    (sim) => Effect.sync(() => sim.close())
  )

export const client = { instanceUrl, auth: oauthPassword, retry: fastRetry }

/** Runs a program with the ITAM connector enabled on a fresh store. */
export const withItam = <A, E>(
  storage: () => Layer.Layer<Storage.Storage, unknown>,
  program: (composition: Plugin.Composition) => Effect.Effect<A, E, Storage.Storage | Procura.Services>,
  config: Itam.ConfigInput = {}
) =>
  Effect.gen(function*() {
    const composition = yield* Plugin.compose([Connector.enable(Itam.connector({ client }), { ...config, principal: team.sync })])
    return yield* program(composition).pipe(Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(storage()))))
  })

export const fast: Delivery.RetryPolicy = { attempts: 3, baseDelay: "1 millis", maxDelay: "1 millis" }

/**
 * Delivers until nothing is left (what a subscriber appends is delivered on the next round, as a
 * worker would), failing the test on a dead letter.
 */
export const deliver = (composition: Plugin.Composition) =>
  Effect.gen(function*() {
    while (true) {
      const reports = yield* Delivery.drain(composition.subscribers, { retry: fast })
      for (const report of reports) {
        assert.strictEqual(report.parked, 0, `${report.subscriber} parked an event: ${JSON.stringify(report.failed)}`)
      }
      if (reports.every((report) => report.delivered === 0)) return
    }
  })

/**
 * A submitted order from Acme: 2 laptops (hardware, template assets), 10 toner cartridges
 * (consumable), 5 seats of an editor (software, an entitlement).
 */
export const submitOrder = Effect.gen(function*() {
  const vendor = yield* as(Operation.run(Catalog.operations.createVendor)({ code: "ACME", name: "Acme" }))
  const item = (sku: string, name: string, kind: "hardware" | "consumable" | "software", amount: number) =>
    as(Operation.run(Catalog.operations.createCatalogItem)({
      sku,
      name,
      kind,
      approvedVendors: [{ vendorId: vendor.id, unitCost: { amount, currency: "EUR" } }]
    }))
  const laptop = yield* item("LAP-14", "Laptop 14", "hardware", 120_000)
  const toner = yield* item("TON-1", "Toner", "consumable", 4_000)
  const editor = yield* item("EDIT-1", "Editor licence", "software", 9_000)
  const request = yield* as(
    Operation.run(Requisition.operations.createRequest)({
      lines: [{ catalogItemId: laptop.id, quantity: 2 }, { catalogItemId: toner.id, quantity: 10 }, { catalogItemId: editor.id, quantity: 5 }]
    }),
    team.requester
  )
  yield* as(Operation.run(Requisition.operations.approveRequest)({ requestId: request.id }), team.buyer)
  const [draft] = yield* as(Operation.run(Purchasing.operations.createFromRequest)({ requestId: request.id }), team.buyer)
  const order = yield* as(Operation.run(Purchasing.operations.submitPurchaseOrder)({ purchaseOrderId: draft!.id }), team.buyer)
  const lineOf = (id: string) => order.lines.find((l) => l.catalogItemId === id)!.lineNo
  return { order, vendor, lines: { laptop: lineOf(laptop.id), toner: lineOf(toner.id), editor: lineOf(editor.id) } }
})

export const receive = (purchaseOrderId: string, lines: Array<{ lineNo: number; quantity?: number; serialNumbers?: Array<string> }>, storageSpace = "Dock A") =>
  as(Operation.run(Receiving.operations.receivePurchaseOrder)({ purchaseOrderId, locationId: "HQ", storageSpace, lines }), team.storekeeper)

export const byCorrelation = (sim: ServiceNowSimulator.Simulator, table: string, id: string) =>
  sim.records(table).filter((r) => r["correlation_id"] === id)

export const itamSuite = (name: string, storage: () => Layer.Layer<Storage.Storage, unknown>) =>
  describe(`ITAM connector: ${name}`, () => {
    it.live("mirrors the order, its receipts and assets, each once, with references and ITAM's states", () =>
      withSimulator((sim) =>
        withItam(storage, (composition) =>
        Effect.gen(function*() {
          const { lines, order, vendor } = yield* submitOrder
          yield* deliver(composition)
          const [company] = sim.records("core_company")
          assert.deepInclude(company, { name: "Acme", vendor: "true", correlation_id: vendor.id })
          const [po] = byCorrelation(sim, "proc_po", order.id)
          assert.deepInclude(po, { status: "ordered", vendor: company!["sys_id"], total_cost: "EUR;3250.00" })
          assert.match(po!["number"]!, /^PO\d{7}$/)
          const items = sim.records("proc_po_item")
          assert.strictEqual(items.length, 3)
          const laptopLine = byCorrelation(sim, "proc_po_item", `${order.id}:${lines.laptop}`)[0]!
          assert.deepInclude(laptopLine, { purchase_order: po!["sys_id"], ordered_quantity: "2", cost: "EUR;1200.00", total_cost: "EUR;2400.00", status: "ordered" })
          // Template assets are on order in ITAM; the software line is a licence with its rights.
          const onOrder = sim.records("alm_hardware")
          assert.strictEqual(onOrder.length, 2)
          for (const asset of onOrder) assert.deepInclude(asset, { install_status: "2", purchase_line: laptopLine["sys_id"], cost: "EUR;1200.00" })
          const [licence] = sim.records("alm_license")
          assert.deepInclude(licence, { rights: "5", install_status: "1", cost: "EUR;450.00" })

          // A partial delivery: one laptop, 4 cartridges.
          const receipt = yield* receive(order.id, [{ lineNo: lines.laptop, serialNumbers: ["SN-1"] }, { lineNo: lines.toner, quantity: 4 }])
          yield* deliver(composition)
          const [slip] = byCorrelation(sim, "proc_rec_slip", receipt.id)
          const [dock] = sim.records("alm_stockroom")
          const [sam] = sim.records("sys_user").filter((u) => u["user_name"] === "sam")
          assert.deepInclude(slip, { purchase_order: po!["sys_id"], stockroom: dock!["sys_id"] })
          const slipLines = sim.records("proc_rec_slip_item")
          assert.strictEqual(slipLines.length, 2)
          const laptopSlipLine = slipLines.find((l) => l["purchase_line"] === laptopLine["sys_id"])!
          assert.deepInclude(laptopSlipLine, { receiving_slip: slip!["sys_id"], quantity: "1", received_by: sam!["sys_id"] })
          // ITAM's rule rolls the slip line up into the order line.
          assert.deepInclude(sim.records("proc_po_item").find((l) => l["sys_id"] === laptopLine["sys_id"]), { received_quantity: "1", remaining_quantity: "1" })
          const inStock = sim.records("alm_hardware").filter((a) => a["install_status"] === "6")
          assert.strictEqual(inStock.length, 1)
          assert.deepInclude(inStock[0], {
            serial_number: "SN-1",
            substatus: "available",
            stockroom: dock!["sys_id"],
            receiving_line: laptopSlipLine["sys_id"]
          })
          const [toner] = sim.records("alm_consumable")
          assert.deepInclude(toner, { quantity: "4", install_status: "6", stockroom: dock!["sys_id"] })

          // The rest: the order is received in both systems; consumables add up in one record.
          yield* receive(order.id, [{ lineNo: lines.laptop, serialNumbers: ["SN-2"] }, { lineNo: lines.toner, quantity: 6 }])
          yield* deliver(composition)
          assert.deepInclude(sim.records("proc_po").find((r) => r["sys_id"] === po!["sys_id"]), { status: "received" })
          assert.strictEqual(sim.records("alm_hardware").filter((a) => a["install_status"] === "6").length, 2)
          assert.deepStrictEqual(sim.records("alm_consumable").map((r) => r["quantity"]), ["10"])
          assert.strictEqual(sim.records("proc_rec_slip").length, 2)
          assert.strictEqual(sim.records("proc_po").length, 1)
        }))), 60_000)

    it.live("never duplicates a record when a push is repeated after a lost response or a crash", () =>
      withSimulator((sim) =>
        withItam(storage, (composition) =>
        Effect.gen(function*() {
          const { lines, order } = yield* submitOrder
          // A crash after ServiceNow created the order, before Procura recorded the mapping: the
          // push finds it by correlation id. The vendor's company exists already, by name.
          sim.seed("proc_po", [{ correlation_id: order.id, status: "requested" }])
          sim.seed("core_company", [{ name: "Acme" }])
          // ServiceNow creates the order line, then the response is lost; and again for an asset.
          sim.inject(
            { type: "status", status: 502, apply: true, times: 1, match: { method: "POST", path: /proc_po_item/ } },
            { type: "status", status: 502, apply: true, times: 1, match: { method: "POST", path: /alm_hardware/ } }
          )
          yield* deliver(composition)
          yield* receive(order.id, [{ lineNo: lines.laptop, serialNumbers: ["SN-1", "SN-2"] }])
          sim.inject({ type: "timeout", hangMs: 50, apply: true, times: 1, match: { method: "POST", path: /proc_rec_slip_item/ } })
          yield* deliver(composition)
          const counts = () =>
            Object.fromEntries(["core_company", "proc_po", "proc_po_item", "proc_rec_slip", "proc_rec_slip_item", "alm_hardware", "alm_license"]
              .map((table) => [table, sim.records(table).length]))
          const before = counts()
          assert.deepStrictEqual(before, {
            core_company: 1,
            proc_po: 1,
            proc_po_item: 3,
            proc_rec_slip: 1,
            proc_rec_slip_item: 1,
            alm_hardware: 2,
            alm_license: 1
          })
          // A crash before the checkpoint was saved: every event is pushed again.
          yield* (yield* Storage.Storage).saveCheckpoint(Connector.outboundSubscriberId(Itam.id), 0)
          yield* deliver(composition)
          assert.deepStrictEqual(counts(), before)
        }))), 60_000)

    it.live("brings assignment, stockroom and state changes made in ServiceNow back through the asset operations", () =>
      withSimulator((sim) =>
        withItam(storage, (composition) =>
        Effect.gen(function*() {
          const { lines, order } = yield* submitOrder
          yield* receive(order.id, [{ lineNo: lines.laptop, serialNumbers: ["SN-1", "SN-2"] }])
          yield* deliver(composition)
          const [first] = yield* Connector.poll(composition.pollers)
          // Its own pushes come back unchanged: nothing to apply.
          assert.deepInclude(first, { connector: Itam.id, pulled: 2, applied: 2 })
          const assets = yield* as(Operation.run(Assets.operations.listAssets)({ purchaseOrderId: order.id }))
          const [one, two] = assets.items.toSorted((a, b) => a.serialNumber!.localeCompare(b.serialNumber!))
          const record = (assetId: string) => byCorrelation(sim, "alm_hardware", assetId)[0]!
          const [lee] = sim.records("sys_user").filter((u) => u["user_name"] === "lee")
          const cage = sim.records("alm_stockroom").find((r) => r["name"] === "Cage B")!
          // Wait a second: ServiceNow's timestamps have one-second resolution.
          yield* Effect.sleep("1100 millis")
          sim.update("alm_hardware", record(one!.id)["sys_id"]!, { install_status: "1", substatus: "", assigned_to: lee!["sys_id"]!, stockroom: "" })
          sim.update("alm_hardware", record(two!.id)["sys_id"]!, { stockroom: cage["sys_id"]! })
          // Cage B is not mapped to a Procura storage space yet: map it, as a host would.
          yield* as(Connector.links(Itam.id).link("stockroom", "HQ/Cage B", cage["sys_id"]!))
          const [second] = yield* Connector.poll(composition.pollers)
          assert.isUndefined(second!.failed)
          const assigned = yield* as(Operation.run(Assets.operations.getAsset)({ id: one!.id }))
          assert.deepInclude(assigned, { status: "in_use", assignedTo: "lee" })
          const moved = yield* as(Operation.run(Assets.operations.getAsset)({ id: two!.id }))
          assert.deepInclude(moved, { status: "in_stock", locationId: "HQ", storageSpace: "Cage B" })
          // Through the operations: history and events name the connector's principal.
          const history = yield* as(Operation.run(Assets.operations.assetHistory)({ assetId: one!.id }))
          assert.strictEqual(history.items.at(-1)!.by, team.sync.userId)

          // Retired in ServiceNow, it cannot be assigned there: Procura's rule wins and is written back.
          yield* Effect.sleep("1100 millis")
          sim.update("alm_hardware", record(two!.id)["sys_id"]!, { install_status: "7", substatus: "disposed" })
          yield* Connector.poll(composition.pollers)
          assert.deepInclude(yield* as(Operation.run(Assets.operations.getAsset)({ id: two!.id })), { status: "retired" })
          yield* Effect.sleep("1100 millis")
          sim.update("alm_hardware", record(two!.id)["sys_id"]!, { install_status: "1", assigned_to: lee!["sys_id"]! })
          const [refused] = yield* Connector.poll(composition.pollers)
          assert.isUndefined(refused!.failed)
          assert.deepInclude(yield* as(Operation.run(Assets.operations.getAsset)({ id: two!.id })), { status: "retired" })
          assert.deepInclude(record(two!.id), { install_status: "7", assigned_to: "" })
        }))), 60_000)
  })
