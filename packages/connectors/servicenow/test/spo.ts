/**
 * The SPO connector, beside the ITAM connector, against the simulated instance, as a suite run on
 * each storage adapter: Spo.test.ts (memory) and SpoPostgres.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Itam, Spo } from "@procura/connector-servicenow"
import { Assets, Catalog, Connector, Delivery, Operation, Plugin, Procura, Purchasing, Requisition, Returns, Storage } from "@procura/core"
import { itamSpo } from "@procura/plugin-itam-spo"
import { Cause, Effect, Exit, Layer } from "effect"
import { as, byCorrelation, client, deliver, fast, receive, submitOrder, team, withSimulator } from "./itam.js"

/** Runs a program with the SPO connector, and the ITAM connector unless told otherwise, on a fresh store. */
const withSpo = <A, E>(
  storage: () => Layer.Layer<Storage.Storage, unknown>,
  program: (composition: Plugin.Composition) => Effect.Effect<A, E, Storage.Storage | Procura.Services>,
  options: { readonly itam?: boolean; readonly plugins?: ReadonlyArray<Plugin.Enabled> } = {}
) =>
  Effect.gen(function*() {
    const composition = yield* Plugin.compose([
      ...(options.plugins ?? []),
      Connector.enable(Spo.connector({ client }), { principal: { ...team.sync, userId: "spo-sync", roles: ["procurement_manager"] } }),
      ...(options.itam === false ? [] : [Connector.enable(Itam.connector({ client }), { principal: team.sync })])
    ])
    return yield* program(composition).pipe(Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(storage()))))
  })

/** Delivers to one connector's outbound side only (a worker running that connector alone). */
const deliverTo = (composition: Plugin.Composition, connector: string) =>
  Delivery.drain(composition.subscribers.filter((s) => s.id === Connector.outboundSubscriberId(connector)), { retry: fast })

export const spoSuite = (name: string, storage: () => Layer.Layer<Storage.Storage, unknown>) =>
  describe(`SPO connector: ${name}`, () => {
    it.live("mirrors requests and orders, and writes read-only receipts only after ITAM's receiving slip", () =>
      withSimulator((sim) =>
        withSpo(storage, (composition) =>
        Effect.gen(function*() {
          const { lines, order } = yield* submitOrder
          yield* deliverTo(composition, Spo.id)
          const [requisition] = byCorrelation(sim, "sn_shop_purchase_requisition", order.requestId!)
          const [rae] = sim.records("sys_user").filter((u) => u["user_name"] === "rae")
          assert.deepInclude(requisition, { status: "closed_complete", requested_for: rae!["sys_id"], total_amount: "EUR;3250.00" })
          assert.match(requisition!["number"]!, /^PR\d{7}$/)
          const [supplier] = sim.records("sn_fin_supplier")
          assert.deepInclude(supplier, { name: "Acme" })
          const requisitionLines = sim.records("sn_shop_purchase_line")
          assert.strictEqual(requisitionLines.length, 3)
          for (const line of requisitionLines) assert.deepInclude(line, { purchase_requisition: requisition!["sys_id"], supplier: supplier!["sys_id"] })
          const [po] = byCorrelation(sim, "sn_shop_purchase_order", order.id)
          assert.deepInclude(po, { status: "ordered", supplier: supplier!["sys_id"], purchase_requisition: requisition!["sys_id"] })
          const laptopLine = byCorrelation(sim, "sn_shop_purchase_order_line", `${order.id}:${lines.laptop}`)[0]!
          assert.deepInclude(laptopLine, { purchase_order: po!["sys_id"], purchased_quantity: "2", individual_unit_cost: "EUR;1200.00", state: "ordered" })

          // Received while the ITAM connector's worker is behind: SPO writes no receipt yet.
          const receipt = yield* receive(order.id, [{ lineNo: lines.laptop, serialNumbers: ["SN-1"] }, { lineNo: lines.toner, quantity: 4 }])
          yield* deliverTo(composition, Spo.id)
          assert.deepStrictEqual(sim.records("sn_shop_receipt"), [])
          assert.deepStrictEqual(sim.records("proc_rec_slip"), [])
          // ITAM writes its slip (and says so); then SPO writes the read-only receipts.
          yield* deliverTo(composition, Itam.id)
          assert.strictEqual(byCorrelation(sim, "proc_rec_slip", receipt.id).length, 1)
          yield* deliverTo(composition, Spo.id)
          const receipts = sim.records("sn_shop_receipt")
          assert.strictEqual(receipts.length, 2)
          const [sam] = sim.records("sys_user").filter((u) => u["user_name"] === "sam")
          const laptopReceipt = receipts.find((r) => r["purchase_order_line"] === laptopLine["sys_id"])!
          assert.deepInclude(laptopReceipt, { quantity_received: "1", received_by: sam!["sys_id"], status: "pending_submission", type: "goods_receipt" })
          assert.isTrue(laptopReceipt["sys_created_on"]! >= byCorrelation(sim, "proc_rec_slip", receipt.id)[0]!["sys_created_on"]!)
          // SPO's rule rolls the receipt up into the order line; SPO created no assets.
          assert.deepInclude(sim.records("sn_shop_purchase_order_line").find((l) => l["sys_id"] === laptopLine["sys_id"]), { received_quantity: "1" })
          assert.strictEqual(sim.records("alm_hardware").length, 2)
          // Delivered again (a crash before the checkpoints): nothing is duplicated.
          const store = yield* Storage.Storage
          for (const connector of [Spo.id, Itam.id]) yield* store.saveCheckpoint(Connector.outboundSubscriberId(connector), 0)
          yield* deliver(composition)
          assert.strictEqual(sim.records("sn_shop_receipt").length, 2)
          assert.strictEqual(sim.records("sn_shop_purchase_order").length, 1)
          assert.strictEqual(sim.records("sn_shop_purchase_requisition").length, 1)
        }))), 60_000)

    it.live("in integrated mode propagate, revisions, cancellations and returns reach both systems in order", () =>
      withSimulator((sim) =>
        withSpo(storage, (composition) =>
        Effect.gen(function*() {
          const { lines, order } = yield* submitOrder
          yield* deliver(composition)
          yield* as(Operation.run(Purchasing.operations.revisePurchaseOrder)({
            purchaseOrderId: order.id,
            reason: "one more laptop",
            lines: [{ lineNo: lines.laptop, quantity: 3 }]
          }), team.buyer)
          yield* as(Operation.run(Purchasing.operations.cancelPurchaseOrderLines)({
            purchaseOrderId: order.id,
            reason: "toner from stock",
            lines: [{ lineNo: lines.toner }]
          }), team.buyer)
          yield* receive(order.id, [{ lineNo: lines.laptop, serialNumbers: ["SN-1"] }])
          const [received] = (yield* as(Operation.run(Assets.operations.listAssets)({ purchaseOrderId: order.id, status: "in_stock" }))).items
          yield* as(Operation.run(Returns.operations.returnToVendor)({
            purchaseOrderId: order.id,
            reason: "dead on arrival",
            lines: [{ lineNo: lines.laptop, assetIds: [received!.id] }]
          }), team.storekeeper)
          yield* deliver(composition)
          // ITAM: the revised quantity and a third template asset, the cancelled line, the returned asset.
          const itamLine = (lineNo: number) => byCorrelation(sim, "proc_po_item", `${order.id}:${lineNo}`)[0]!
          assert.deepInclude(itamLine(lines.laptop), { ordered_quantity: "3", total_cost: "EUR;3600.00" })
          assert.deepInclude(itamLine(lines.toner), { ordered_quantity: "0", status: "canceled" })
          assert.strictEqual(sim.records("alm_hardware").length, 3)
          assert.deepInclude(byCorrelation(sim, "alm_hardware", received!.id)[0], { install_status: "7", substatus: "vendor_credit" })
          // SPO: the same, and the return takes the unit off what the order line received.
          const spoLine = (lineNo: number) => byCorrelation(sim, "sn_shop_purchase_order_line", `${order.id}:${lineNo}`)[0]!
          assert.deepInclude(spoLine(lines.laptop), { purchased_quantity: "3", received_quantity: "0" })
          assert.deepInclude(spoLine(lines.toner), { purchased_quantity: "0", state: "closed_canceled" })
          // In order: the goods receipt first, then the return (records are listed as inserted).
          assert.deepStrictEqual(sim.records("sn_shop_receipt").map((r) => [r["type"], r["quantity_received"]]), [["goods_receipt", "1"], ["return", "-1"]])
        }), { plugins: [Plugin.enable(itamSpo, { supplierProducts: false, integrated: "propagate" })] })), 60_000)

    it.live("in integrated mode strict, a cancellation is refused and nothing reaches ServiceNow", () =>
      withSimulator((sim) =>
        withSpo(storage, (composition) =>
        Effect.gen(function*() {
          const { lines, order } = yield* submitOrder
          yield* deliver(composition)
          const before = JSON.stringify([sim.records("proc_po_item"), sim.records("sn_shop_purchase_order_line")])
          const exit = yield* Effect.exit(as(Operation.run(Purchasing.operations.cancelPurchaseOrderLines)({
            purchaseOrderId: order.id,
            reason: "toner from stock",
            lines: [{ lineNo: lines.toner }]
          }), team.buyer))
          assert.isTrue(Exit.isFailure(exit))
          assert.include(String(Cause.squash((exit as Exit.Failure<unknown, unknown>).cause)), "itam-spo/itam-po-cancel")
          yield* deliver(composition)
          assert.strictEqual(JSON.stringify([sim.records("proc_po_item"), sim.records("sn_shop_purchase_order_line")]), before)
        }), { plugins: [Plugin.enable(itamSpo, { supplierProducts: false, integrated: "strict" })] })), 60_000)

    it.live("writes no SPO receipt without the ITAM connector: ITAM owns the receipt", () =>
      withSimulator((sim) =>
        withSpo(storage, (composition) =>
        Effect.gen(function*() {
          const { lines, order } = yield* submitOrder
          yield* receive(order.id, [{ lineNo: lines.laptop, serialNumbers: ["SN-1", "SN-2"] }])
          yield* deliver(composition)
          assert.strictEqual(sim.records("sn_shop_purchase_order").length, 1)
          assert.deepStrictEqual(sim.records("sn_shop_receipt"), [])
          assert.deepStrictEqual(sim.records("proc_rec_slip"), [])
          assert.deepStrictEqual(sim.records("alm_hardware"), [])
        }), { itam: false })), 60_000)

    it.live("pulls supplier products into Procura's, and sources requests from them", () =>
      withSimulator((sim) =>
        withSpo(storage, (composition) =>
        Effect.gen(function*() {
          const laptop = yield* as(Operation.run(Catalog.operations.createCatalogItem)({ sku: "LAP-14", name: "Laptop 14", kind: "hardware" }))
          const [dell] = sim.seed("sn_fin_supplier", [{ name: "Dell", number: "SUP0001" }])
          const [offer] = sim.seed("sn_shop_supplier_product", [
            { sku: "LAP-14", name: "Laptop 14", supplier: dell!["sys_id"]!, price: "EUR;1150.00", active: "true" },
            { sku: "NOPE-1", name: "Not in the catalog", supplier: dell!["sys_id"]!, price: "EUR;5.00", active: "true" }
          ])
          const [first] = yield* Connector.poll(composition.pollers, { connectors: [Spo.id] })
          assert.deepInclude(first, { connector: Spo.id, pulled: 2, applied: 2 })
          assert.isUndefined(first!.failed)
          const [vendor] = (yield* as(Operation.run(Catalog.operations.listVendors)({ code: "SUP0001" }))).items
          assert.deepInclude(vendor, { name: "Dell" })
          const products = (yield* as(Operation.run(Catalog.operations.listSupplierProducts)({ catalogItemId: laptop.id }))).items
          assert.strictEqual(products.length, 1)
          assert.deepInclude(products[0], { supplierId: vendor!.id, supplierSku: "LAP-14", active: true })
          assert.deepStrictEqual(products[0]!.unitCost, { amount: 115_000, currency: "EUR" })
          // A new price in SPO reaches the same supplier product.
          yield* Effect.sleep("1100 millis")
          sim.update("sn_shop_supplier_product", offer!["sys_id"]!, { price: "EUR;1099.00" })
          yield* Connector.poll(composition.pollers, { connectors: [Spo.id] })
          const repriced = (yield* as(Operation.run(Catalog.operations.listSupplierProducts)({ catalogItemId: laptop.id }))).items
          assert.strictEqual(repriced.length, 1)
          assert.deepStrictEqual(repriced[0]!.unitCost, { amount: 109_900, currency: "EUR" })
          // With seed 000's sourcing from supplier products, a request is priced from the pulled product,
          // and its requisition line names SPO's product.
          const request = yield* as(
            Operation.run(Requisition.operations.createRequest)({ lines: [{ catalogItemId: laptop.id, quantity: 1 }] }),
            team.requester
          )
          yield* deliverTo(composition, Spo.id)
          const [requisition] = byCorrelation(sim, "sn_shop_purchase_requisition", request.id)
          const [line] = sim.records("sn_shop_purchase_line").filter((l) => l["purchase_requisition"] === requisition!["sys_id"])
          assert.deepInclude(line, { supplier_product: offer!["sys_id"], supplier: dell!["sys_id"], negotiated_unit_price: "EUR;1099.00" })
        }), { plugins: [Plugin.enable(itamSpo, {})] })), 60_000)
  })
