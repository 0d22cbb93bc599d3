import { assert, describe, it } from "@effect/vitest"
import { Assets, Catalog, Plugin, Principal, Problem, Procura, Purchasing, Receiving, Requisition, Returns, Tolerances } from "@procura/core"
import type { OperationRefused } from "@procura/core/promise"
import { itamSpo } from "@procura/plugin-itam-spo"
import { MemoryStorage } from "@procura/storage-memory"
import { Fixtures } from "@procura/testkit"
import { Effect, Exit, Layer } from "effect"
import { z } from "zod"

const team = Fixtures.team("itam-spo-test")

const failureOf = Fixtures.failureOf

const withPlugin = (config: unknown) =>
  Procura.layerWith({ plugins: [Plugin.enable(itamSpo, config)] }).pipe(Layer.provideMerge(MemoryStorage.layer()))
const withoutPlugin = Procura.layer.pipe(Layer.provideMerge(MemoryStorage.layer()))

/** Two vendors; a laptop approved from Acme at 1,200 EUR and offered by Globex as a supplier product at 1,100 EUR; a service. */
const catalogSetup = Effect.gen(function*() {
  const catalog = yield* Catalog.Catalog
  return yield* Principal.runAs(
    Effect.gen(function*() {
      const acme = yield* catalog.createVendor({ code: "ACME", name: "Acme" })
      const globex = yield* catalog.createVendor({ code: "GLOBEX", name: "Globex" })
      const laptop = yield* catalog.createCatalogItem({
        sku: "LAP",
        name: "Laptop",
        kind: "hardware",
        category: "laptops",
        approvedVendors: [{ vendorId: acme.id, unitCost: { amount: 120_000, currency: "EUR" } }]
      })
      const product = yield* catalog.createSupplierProduct({
        catalogItemId: laptop.id,
        supplierId: globex.id,
        supplierSku: "GX-LAP",
        unitCost: { amount: 110_000, currency: "EUR" }
      })
      const dock = yield* catalog.createCatalogItem({
        sku: "DOCK",
        name: "Docking station",
        kind: "hardware",
        category: "peripherals",
        approvedVendors: [{ vendorId: acme.id, unitCost: { amount: 20_000, currency: "EUR" } }]
      })
      const service = yield* catalog.createCatalogItem({
        sku: "SVC",
        name: "Imaging service",
        kind: "service",
        approvedVendors: [{ vendorId: acme.id, unitCost: { amount: 2_500, currency: "EUR" } }]
      })
      return { acme, globex, laptop, product, dock, service }
    }),
    team.buyer
  )
})

const createRequest = (input: Requisition.CreateRequestInput) =>
  Effect.flatMap(Requisition.Requisition, (r) => Principal.runAs(r.createRequest(input), team.requester))

describe("ITAM-SPO plugin: sourcing", () => {
  it.live("with supplier products on, takes vendor and price from supplier products, never from approved vendors", () =>
    Effect.gen(function*() {
      const { laptop, dock, globex, acme, product } = yield* catalogSetup
      const request = yield* createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 2 }] })
      assert.strictEqual(request.lines[0]!.vendorId, globex.id)
      assert.strictEqual(request.lines[0]!.unitCost.amount, 110_000)
      assert.strictEqual(request.lines[0]!.supplierProductId, product.id)

      const viaApprovedVendor = failureOf(yield* Effect.exit(createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 1, vendorId: acme.id }] })))
      assert.strictEqual((viaApprovedVendor as Requisition.RequisitionError).reason, "VendorNotApproved")
      assert.include(viaApprovedVendor.message, "active supplier product")

      const noProduct = failureOf(yield* Effect.exit(createRequest({ lines: [{ catalogItemId: dock.id, quantity: 1 }] })))
      assert.strictEqual((noProduct as Requisition.RequisitionError).reason, "NoSource")
      assert.include(noProduct.message, "Docking station has no active supplier product")
    }).pipe(Effect.provide(withPlugin({}))))

  it.live("with supplier products off, takes vendor and price from approved vendors, never from supplier products", () =>
    Effect.gen(function*() {
      const { laptop, globex, acme } = yield* catalogSetup
      const request = yield* createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 2 }] })
      assert.strictEqual(request.lines[0]!.vendorId, acme.id)
      assert.strictEqual(request.lines[0]!.unitCost.amount, 120_000)
      assert.isUndefined(request.lines[0]!.supplierProductId)
      const viaSupplier = failureOf(yield* Effect.exit(createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 1, vendorId: globex.id }] })))
      assert.strictEqual((viaSupplier as Requisition.RequisitionError).reason, "VendorNotApproved")
      assert.include(viaSupplier.message, "approved vendor")
    }).pipe(Effect.provide(withPlugin({ supplierProducts: false }))))

  it.live("without the plugin, purchases use the vendor catalog (approved vendors)", () =>
    Effect.gen(function*() {
      const { laptop, acme } = yield* catalogSetup
      const request = yield* createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 1 }] })
      assert.strictEqual(request.lines[0]!.vendorId, acme.id)
    }).pipe(Effect.provide(withoutPlugin)))
})

describe("purchase-channel routing", () => {
  it.live("routes services to the shopping hub and everything else to the service catalog (seed 000's default)", () =>
    Effect.gen(function*() {
      const { laptop, service } = yield* catalogSetup
      const catalog = yield* Catalog.Catalog
      const laptopRoute = yield* Principal.runAs(catalog.routeItem({ catalogItemId: laptop.id }), team.requester)
      assert.strictEqual(laptopRoute.channel, "service_catalog")
      const serviceRoute = yield* Principal.runAs(catalog.routeItem({ catalogItemId: service.id }), team.requester)
      assert.strictEqual(serviceRoute.channel, "shopping_hub")

      const hubLaptop = failureOf(yield* Effect.exit(createRequest({ channel: "shopping_hub", lines: [{ catalogItemId: laptop.id, quantity: 1 }] })))
      assert.strictEqual((hubLaptop as Requisition.RequisitionError).reason, "WrongChannel")
      assert.include(hubLaptop.message, "Laptop cannot be bought through the shopping hub; use the service catalog")
      const catalogService = failureOf(yield* Effect.exit(createRequest({ lines: [{ catalogItemId: service.id, quantity: 1 }] })))
      assert.include(catalogService.message, "use the shopping hub")

      const viaHub = yield* createRequest({ channel: "shopping_hub", lines: [{ catalogItemId: service.id, quantity: 1 }] })
      assert.strictEqual(viaHub.channel, "shopping_hub")
    }).pipe(Effect.provide(withPlugin({ supplierProducts: false }))))

  it.live("takes a routing table from configuration, falling back to the default for what it does not decide", () =>
    Effect.gen(function*() {
      const { dock, laptop, service } = yield* catalogSetup
      const catalog = yield* Catalog.Catalog
      const route = (id: string) => Effect.map(Principal.runAs(catalog.routeItem({ catalogItemId: id }), team.requester), (r) => r.channel)
      assert.strictEqual(yield* route(dock.id), "shopping_hub")
      assert.strictEqual(yield* route(laptop.id), "service_catalog")
      assert.strictEqual(yield* route(service.id), "shopping_hub")
      const peripheralViaHub = yield* createRequest({ channel: "shopping_hub", lines: [{ catalogItemId: dock.id, quantity: 3 }] })
      assert.strictEqual(peripheralViaHub.lines[0]!.quantity, 3)
    }).pipe(Effect.provide(withPlugin({
      supplierProducts: false,
      routing: {
        rows: [{ id: "peripherals-in-hub", when: { category: "peripherals" }, then: { channel: "shopping_hub", reason: "peripherals are bought in the hub" } }]
      }
    }))))

  it("refuses a malformed routing table at start with the path", () => {
    const exit = Effect.runSyncExit(Plugin.compose([Plugin.enable(itamSpo, { routing: { rows: [{ when: { kind: "service" }, then: { channel: "fax" } }] } })]))
    const error = failureOf(exit) as Plugin.PluginError
    assert.include(error.message, "plugins.itam-spo.routing.rows.0.then.channel")
  })

  it("refuses unknown keys at every level, naming the nearest valid key", () => {
    const exit = Effect.runSyncExit(Plugin.compose([Plugin.enable(itamSpo, {
      supplierProduct: false,
      routing: { rows: [{ when: { kind: "service" }, then: { channel: "shopping_hub", reasn: "services" } }] },
      tolerances: { rules: [{ kind: "hardware", quantityPercnt: 5 }] }
    })]))
    const error = failureOf(exit) as Plugin.PluginError
    assert.strictEqual(error.reason, "InvalidConfig")
    const lines = error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)
    assert.include(lines, `plugins.itam-spo.supplierProduct: unknown key; did you mean "supplierProducts"?`)
    assert.include(lines, `plugins.itam-spo.routing.rows.0.then.reasn: unknown key; did you mean "reason"?`)
    assert.include(lines, `plugins.itam-spo.tolerances.rules.0.quantityPercnt: unknown key; did you mean "quantityPercent"?`)
    assert.include(error.message, `plugins.itam-spo.supplierProduct: unknown key; did you mean "supplierProducts"?`)
  })
})

describe("tolerances", () => {
  it.effect("sets the tolerance policy from configuration, and holds the tolerances responsibility", () =>
    Effect.gen(function*() {
      const policy = yield* Tolerances.Tolerances
      const rule = Tolerances.forLine(policy, { kind: "consumable", vendorId: "v-1" })
      assert.strictEqual(rule.quantityPercent, 5)
      assert.strictEqual(rule.pricePercent, 1)
      assert.strictEqual(Tolerances.forLine(policy, { kind: "hardware", vendorId: "v-1" }).quantityPercent, 0)
    }).pipe(Effect.provide(withPlugin({
      supplierProducts: false,
      tolerances: { rules: [{ kind: "consumable", quantityPercent: 5, pricePercent: 1 }] }
    }))))

  it("holds the tolerances responsibility only when it sets tolerances", () => {
    const other = Plugin.make({ id: "matching", version: "1.0.0", description: "Another tolerance source", config: z.object({}), responsibilities: ["tolerances"], contribute: () => ({}) })
    const clash = Effect.runSyncExit(Plugin.compose([Plugin.enable(itamSpo, { tolerances: { rules: [] } }), Plugin.enable(other, {})]))
    assert.include((failureOf(clash) as Plugin.PluginError).message, "tolerances")
    assert.isTrue(Exit.isSuccess(Effect.runSyncExit(Plugin.compose([Plugin.enable(itamSpo, {}), Plugin.enable(other, {})]))))
  })

  it("refuses two rules for the same kind and vendor at start, naming both", () => {
    const exit = Effect.runSyncExit(Plugin.compose([Plugin.enable(itamSpo, {
      tolerances: { rules: [{ kind: "consumable", quantityPercent: 5 }, { kind: "consumable", pricePercent: 1 }] }
    })]))
    const error = failureOf(exit) as Plugin.PluginError
    assert.include(error.message, "plugins.itam-spo.tolerances.rules.1")
    assert.include(error.message, "rules 0 and 1")
  })
})

describe("integrated mode", () => {
  /** A submitted order of 2 laptops from Globex's supplier product, one of them received. */
  const orderedAndReceived = Effect.gen(function*() {
    const { laptop } = yield* catalogSetup
    const request = yield* createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 2 }] })
    const requisition = yield* Requisition.Requisition
    const purchasing = yield* Purchasing.Purchasing
    const approved = yield* Principal.runAs(requisition.approveRequest({ requestId: request.id }), team.admin)
    const [draft] = yield* Principal.runAs(purchasing.createFromRequest({ requestId: approved.id }), team.buyer)
    const order = yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id }), team.buyer)
    const receiving = yield* Receiving.Receiving
    yield* Principal.runAs(
      receiving.receivePurchaseOrder({ purchaseOrderId: order.id, locationId: "HQ", storageSpace: "Dock", lines: [{ lineNo: 1, serialNumbers: ["SN-1"] }] }),
      team.storekeeper
    )
    return order
  })

  /** What seed 000 disables, as calls; each gives the rule it must be refused by in strict mode. */
  const disabled = (
    purchaseOrderId: string,
    assetId: string
  ): Effect.Effect<ReadonlyArray<readonly [string, Effect.Effect<unknown, unknown, Principal.CurrentPrincipal>]>, never, Purchasing.Purchasing | Returns.Returns> =>
    Effect.gen(function*() {
      const purchasing = yield* Purchasing.Purchasing
      const returns = yield* Returns.Returns
      return [
        ["itam-spo/itam-po-cancel", purchasing.cancelPurchaseOrder({ purchaseOrderId, reason: "not needed" })],
        ["itam-spo/itam-po-cancel", purchasing.cancelPurchaseOrderLines({ purchaseOrderId, reason: "one less", lines: [{ lineNo: 1, quantity: 1 }] })],
        ["itam-spo/spo-po-edit", purchasing.revisePurchaseOrder({ purchaseOrderId, reason: "cheaper", lines: [{ lineNo: 1, unitCost: { amount: 100_000, currency: "EUR" } }] })],
        ["itam-spo/spo-return", returns.returnToVendor({ purchaseOrderId, reason: "broken", lines: [{ lineNo: 1, assetIds: [assetId] }] })]
      ]
    })

  it.live("strict refuses what seed 000 disables, naming the rule, and writes nothing", () =>
    Effect.gen(function*() {
      const order = yield* orderedAndReceived
      const purchasing = yield* Purchasing.Purchasing
      const [asset] = (yield* Principal.runAs((yield* Assets.Assets).listAssets({ purchaseOrderId: order.id, status: "in_stock" }), team.admin)).items
      const before = yield* Principal.runAs(purchasing.getPurchaseOrder({ id: order.id }), team.admin)
      for (const [rule, call] of yield* disabled(order.id, asset!.id)) {
        const error = failureOf(yield* Effect.exit(Principal.runAs(call, team.admin))) as OperationRefused
        assert.deepInclude(error, { _tag: "OperationRefused", rule, by: "itam-spo" })
        assert.include(error.message, "seed 000")
        assert.deepInclude(Problem.toProblem(error), { status: 422, code: "OperationRefused" })
      }
      assert.deepStrictEqual(yield* Principal.runAs(purchasing.getPurchaseOrder({ id: order.id }), team.admin), before)
      // Requisitions: Confirm Revision while pending review, then any edit.
      const laptop = { id: before.lines[0]!.catalogItemId }
      const requisition = yield* Requisition.Requisition
      const pending = yield* createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 1 }] })
      assert.strictEqual(pending.status, "pending_approval")
      const revise = (requestId: string) => Principal.runAs(requisition.reviseRequest({ requestId, lines: [{ catalogItemId: laptop.id, quantity: 3 }] }), team.requester)
      assert.deepInclude(failureOf(yield* Effect.exit(revise(pending.id))), { _tag: "OperationRefused", rule: "itam-spo/confirm-revision-pending-review" })
      yield* Principal.runAs(requisition.rejectRequest({ requestId: pending.id, reason: "too many" }), team.admin)
      assert.deepInclude(failureOf(yield* Effect.exit(revise(pending.id))), { _tag: "OperationRefused", rule: "itam-spo/spo-requisition-edit" })
    }).pipe(Effect.provide(withPlugin({ integrated: "strict" }))))

  for (const integrated of ["propagate", "off"] as const) {
    it.live(`${integrated} keeps revisions, cancellations and returns working`, () =>
      Effect.gen(function*() {
        const order = yield* orderedAndReceived
        const [asset] = (yield* Principal.runAs((yield* Assets.Assets).listAssets({ purchaseOrderId: order.id, status: "in_stock" }), team.admin)).items
        const calls = yield* disabled(order.id, asset!.id)
        // Revise, return, then cancel what is left: each is allowed.
        for (const index of [2, 3, 1]) yield* Principal.runAs(calls[index]![1], team.admin)
      }).pipe(Effect.provide(withPlugin({ integrated }))))
  }

  it("refuses an integrated mode it does not know, naming the choices", () => {
    const error = failureOf(Effect.runSyncExit(Plugin.compose([Plugin.enable(itamSpo, { integrated: "yes" })]))) as Plugin.PluginError
    assert.include(error.message, "plugins.itam-spo.integrated")
    assert.include(error.message, "strict")
  })
})
