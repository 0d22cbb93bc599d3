/**
 * The procure-to-asset scenarios of seed 002, runnable on any storage adapter:
 * request -> approval -> purchase order -> template assets -> receiving -> assignment, the
 * refusals of bad input (with proof that nothing was written), role checks and tenant isolation.
 *
 * ```ts
 * FlowScenarios.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, it, layer } from "@effect/vitest"
import {
  Assets,
  Catalog,
  Errors,
  Plugin,
  Principal,
  Procura,
  Purchasing,
  Receiving,
  Requisition,
  Storage
} from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { Effect, Exit, Layer } from "effect"
import { z } from "zod"
import * as EventContract from "./EventContract.js"
import * as Fixtures from "./Fixtures.js"

const freshTenant = () => Fixtures.freshTenant("flow")

const failureOf = Fixtures.failureOf

const refusedWithoutWrites = Fixtures.refusedWithoutWrites

/** Creates a catalog, a request for 3 laptops and 1 mouse, approves and orders it. */
const orderedLaptops = (team: ReturnType<typeof Fixtures.team>, options: { readonly submit: boolean }) =>
  Effect.gen(function*() {
    const requisition = yield* Requisition.Requisition
    const purchasing = yield* Purchasing.Purchasing
    const { laptop, mouse, vendor } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
    const request = yield* Principal.runAs(
      requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 3 }, { catalogItemId: mouse.id, quantity: 1 }] }),
      team.requester
    )
    yield* Principal.runAs(requisition.approveRequest({ requestId: request.id, comment: "budget ok" }), team.buyer)
    const [order] = yield* Principal.runAs(purchasing.createFromRequest({ requestId: request.id }), team.buyer)
    const submitted = options.submit
      ? yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: order!.id }), team.buyer)
      : order!
    return { laptop, mouse, vendor, request, order: submitted }
  })

/**
 * Registers the scenarios for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  const procura = Procura.layer.pipe(Layer.provideMerge(EventContract.checked(storageLayer)))

  describe(`procure-to-asset scenarios: ${name}`, () => {
    it.live("delivers events to plugin subscribers in order, resuming after a failure", () =>
      Effect.promise(async () => {
        const tenantId = freshTenant()
        const team = Fixtures.team(tenantId)
        const seen: Array<string> = []
        let failOnce = true
        const recorder = Plugin.make({
          id: `recorder-${tenantId}`,
          version: "1.0.0",
          description: "Records vendor events, failing once on the second.",
          config: z.object({}),
          contribute: () => ({
            subscribers: [{
              id: `recorder-${tenantId}`,
              events: ["vendor.created"],
              handle: (event) =>
                Effect.suspend(() => {
                  if (event.tenantId !== tenantId) return Effect.void
                  const code = (event.payload as { code: string }).code
                  if (code === "V2" && failOnce) {
                    failOnce = false
                    return Effect.fail("temporary outage")
                  }
                  seen.push(code)
                  return Effect.void
                })
            }]
          })
        })
        await using procura = createProcura({ storage: EventContract.checked(storageLayer), principal: team.buyer, plugins: [Plugin.enable(recorder, {})] })
        for (const code of ["V1", "V2", "V3"]) await procura.catalog.createVendor({ code, name: code })
        const [first] = await procura.deliverEvents()
        assert.isDefined(first!.failed, "the failing handler stops its subscriber")
        assert.deepStrictEqual(seen, ["V1"])
        const [second] = await procura.deliverEvents()
        assert.isUndefined(second!.failed)
        assert.deepStrictEqual(seen, ["V1", "V2", "V3"], "resumed at the failed event, in order, nothing skipped")
        const [third] = await procura.deliverEvents()
        assert.strictEqual(third!.delivered, 0, "nothing is delivered twice once checkpointed")
      }), 120_000)

    it.live("runs through the Promise facade, throwing the same tagged errors", () =>
      Effect.promise(async () => {
        const tenantId = freshTenant()
        const team = Fixtures.team(tenantId)
        await using procura = createProcura({ storage: EventContract.checked(storageLayer) })
        const buyer = procura.as(team.buyer)
        const vendor = await buyer.catalog.createVendor({ code: "P1", name: "Promise vendor" })
        const item = await buyer.catalog.createCatalogItem({
          sku: "P-LAP",
          name: "Laptop",
          kind: "hardware",
          approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 1000, currency: "EUR" } }]
        })
        const request = await procura.requisition.createRequest({ lines: [{ catalogItemId: item.id, quantity: 2 }] }, { principal: team.requester })
        const denied = await procura.requisition.approveRequest({ requestId: request.id }, { principal: team.storekeeper }).catch((e: unknown) => e)
        assert.instanceOf(denied, Errors.AccessDenied)
        assert.strictEqual((denied as Errors.AccessDenied)._tag, "AccessDenied")
        const invalid = await buyer.requisition.createRequest({ lines: [] }).catch((e: unknown) => e)
        assert.instanceOf(invalid, Errors.ValidationError)
        await buyer.requisition.approveRequest({ requestId: request.id })
        const [order] = await procura.run("purchasing.createFromRequest", { requestId: request.id }, { principal: team.buyer }) as ReadonlyArray<Purchasing.PurchaseOrder>
        await buyer.purchasing.submitPurchaseOrder({ purchaseOrderId: order!.id })
        const over = await procura.receiving.receivePurchaseOrder(
          { purchaseOrderId: order!.id, locationId: "HQ", storageSpace: "A", lines: [{ lineNo: 1, quantity: 3 }] },
          { principal: team.storekeeper }
        ).catch((e: unknown) => e)
        assert.instanceOf(over, Receiving.ReceivingError)
        assert.strictEqual((over as Receiving.ReceivingError).reason, "OverReceipt")
        const receipt = await procura.receiving.receivePurchaseOrder(
          { purchaseOrderId: order!.id, locationId: "HQ", storageSpace: "A", lines: [{ lineNo: 1, serialNumbers: ["P-1", "P-2"] }] },
          { principal: team.storekeeper }
        )
        assert.strictEqual(receipt.lines[0]!.assetIds.length, 2)
        const aborted = new AbortController()
        aborted.abort()
        const cancelled = await buyer.catalog.listVendors({}, { signal: aborted.signal }).then(() => "completed", () => "rejected")
        assert.strictEqual(cancelled, "rejected")
        const anonymous = await procura.catalog.listVendors({}).catch((e: unknown) => e)
        assert.strictEqual((anonymous as Error).name, "Error")
        assert.include((anonymous as Error).message, "needs a principal")
      }), 120_000)

    layer(procura, { timeout: "120 seconds", excludeTestServices: true })((it) => {
      it.effect("runs request -> approval -> purchase order -> receiving -> assignment", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const assets = yield* Assets.Assets
          const receiving = yield* Receiving.Receiving
          const requisition = yield* Requisition.Requisition
          const { order, request, laptop } = yield* orderedLaptops(team, { submit: true })

          assert.strictEqual(order.status, "submitted")
          assert.strictEqual(order.total.amount, 3 * 120_000 + 5_000)
          const ordered = yield* Principal.runAs(requisition.getRequest({ id: request.id }), team.buyer)
          assert.strictEqual(ordered.status, "ordered")
          assert.deepStrictEqual(ordered.purchaseOrderIds, [order.id])
          assert.deepStrictEqual(ordered.approval.steps.map((s) => [s.status, s.decidedBy, s.comment]), [["approved", "pat.procurement", "budget ok"]])
          assert.deepStrictEqual(ordered.history.map((h) => [h.action, h.by]), [
            ["submitted", "rae.requester"],
            ["approved", "pat.procurement"],
            ["ordered", "pat.procurement"]
          ])

          const templates = yield* Principal.runAs(assets.listAssets({ purchaseOrderId: order.id }), team.assetManager)
          assert.strictEqual(templates.items.length, 3, "one template asset per laptop, none for the consumable")
          for (const template of templates.items) {
            assert.strictEqual(template.status, "on_order")
            assert.strictEqual(template.catalogItemId, laptop.id)
            assert.strictEqual(template.purchaseOrderLineNo, 1)
            assert.isUndefined(template.serialNumber)
          }

          const receipt = yield* Principal.runAs(
            receiving.receivePurchaseOrder({
              purchaseOrderId: order.id,
              locationId: "HQ",
              storageSpace: "Store room 1",
              lines: [{ lineNo: 1, serialNumbers: ["SN-1", "SN-2", "SN-3"] }, { lineNo: 2, quantity: 1 }]
            }),
            team.storekeeper
          )
          assert.deepStrictEqual(receipt.lines.map((l) => [l.lineNo, l.quantity, l.assetIds.length]), [[1, 3, 3], [2, 1, 0]])
          const purchasing = yield* Purchasing.Purchasing
          const received = yield* Principal.runAs(purchasing.getPurchaseOrder({ id: order.id }), team.buyer)
          assert.strictEqual(received.status, "received")
          assert.deepStrictEqual(received.lines.map((l) => l.receivedQuantity), [3, 1])

          const inStock = yield* Principal.runAs(assets.listAssets({ status: "in_stock" }), team.assetManager)
          assert.deepStrictEqual(inStock.items.map((a) => a.serialNumber).sort(), ["SN-1", "SN-2", "SN-3"])
          for (const asset of inStock.items) {
            assert.strictEqual(asset.locationId, "HQ")
            assert.strictEqual(asset.storageSpace, "Store room 1")
            assert.strictEqual(asset.condition, "new")
          }

          const assigned = yield* Principal.runAs(assets.assignAsset({ assetId: inStock.items[0]!.id, userId: "emp-42" }), team.assetManager)
          assert.strictEqual(assigned.status, "in_use")
          assert.strictEqual(assigned.assignedTo, "emp-42")
          const again = failureOf(yield* Effect.exit(Principal.runAs(assets.assignAsset({ assetId: assigned.id, userId: "emp-43" }), team.assetManager)))
          assert.strictEqual(again._tag, "AssetError")

          const counts = yield* Principal.runAs(assets.countAssetsByStatus({}), team.assetManager)
          assert.strictEqual(counts.in_use, 1)
          assert.strictEqual(counts.in_stock, 2)

          const storage = yield* Storage.Storage
          const events = yield* storage.readEvents({ after: 0, limit: 1000, tenantId: team.admin.tenantId })
          assert.deepStrictEqual(events.map((e) => e.type), [
            "vendor.created",
            "catalog_item.created",
            "catalog_item.created",
            "purchase_request.created",
            "purchase_request.step_approved",
            "purchase_request.approved",
            "purchase_order.created",
            "asset.templates_created",
            "purchase_order.submitted",
            "receipt.recorded",
            "purchase_order.received",
            "asset.assigned"
          ])
          assert.isTrue(events.every((e) => e.tenantId === team.admin.tenantId))
        }))

      it.effect("receives part of a line, then the rest", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const receiving = yield* Receiving.Receiving
          const purchasing = yield* Purchasing.Purchasing
          const { order } = yield* orderedLaptops(team, { submit: true })
          const receive = (lines: Receiving.ReceivePurchaseOrderInput["lines"]) =>
            Principal.runAs(
              receiving.receivePurchaseOrder({ purchaseOrderId: order.id, locationId: "HQ", storageSpace: "Dock", lines }),
              team.mobile
            )
          yield* receive([{ lineNo: 1, quantity: 2 }])
          const partial = yield* Principal.runAs(purchasing.getPurchaseOrder({ id: order.id }), team.buyer)
          assert.strictEqual(partial.status, "partially_received")
          assert.deepStrictEqual(partial.lines.map((l) => l.receivedQuantity), [2, 0])
          yield* receive([{ lineNo: 1, serialNumbers: ["LAST-1"] }, { lineNo: 2, quantity: 1 }])
          const done = yield* Principal.runAs(purchasing.getPurchaseOrder({ id: order.id }), team.buyer)
          assert.strictEqual(done.status, "received")
          const receipts = yield* Principal.runAs(receiving.listReceipts({ purchaseOrderId: order.id }), team.buyer)
          assert.strictEqual(receipts.items.length, 2)
          const closed = failureOf(yield* Effect.exit(receive([{ lineNo: 1, quantity: 1 }])))
          assert.strictEqual(closed._tag, "ReceivingError")
        }))

      it.effect("never receives more than ordered when receivers race", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const receiving = yield* Receiving.Receiving
          const assets = yield* Assets.Assets
          const { order } = yield* orderedLaptops(team, { submit: true })
          const attempts = yield* Effect.all(
            [team.storekeeper, team.mobile, team.assetAdmin].map((who) =>
              Effect.exit(Principal.runAs(
                receiving.receivePurchaseOrder({ purchaseOrderId: order.id, locationId: "HQ", storageSpace: "Dock", lines: [{ lineNo: 1, quantity: 2 }] }),
                who
              ))
            ),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(attempts.filter(Exit.isSuccess).length, 1, "only one receipt of 2 fits into 3 ordered")
          for (const failed of attempts.filter(Exit.isFailure)) {
            const error = failureOf(failed)
            assert.strictEqual(error._tag, "ReceivingError")
            assert.strictEqual((error as Receiving.ReceivingError).reason, "OverReceipt")
          }
          const inStock = yield* Principal.runAs(assets.listAssets({ purchaseOrderId: order.id, status: "in_stock" }), team.assetManager)
          assert.strictEqual(inStock.items.length, 2)
        }))

      it.effect("refuses bad input with a typed error that names the problem, writing nothing", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const requisition = yield* Requisition.Requisition
          const receiving = yield* Receiving.Receiving
          const { order, laptop } = yield* orderedLaptops(team, { submit: true })
          const asRequester = <A, E>(effect: Effect.Effect<A, E, Principal.CurrentPrincipal>) => Principal.runAs(effect, team.requester)

          const unknownItem = yield* refusedWithoutWrites(team.admin, asRequester(requisition.createRequest({ lines: [{ catalogItemId: "nope", quantity: 1 }] })))
          assert.strictEqual(unknownItem._tag, "RequisitionError")
          assert.strictEqual((unknownItem as Requisition.RequisitionError).reason, "UnknownCatalogItem")
          assert.include(unknownItem.message, "nope")

          for (const quantity of [0, -2]) {
            const bad = yield* refusedWithoutWrites(team.admin, asRequester(requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity }] })))
            assert.strictEqual(bad._tag, "ValidationError")
            assert.deepStrictEqual((bad as { issues: ReadonlyArray<{ path: ReadonlyArray<unknown> }> }).issues[0]!.path, ["lines", 0, "quantity"])
            assert.include(bad.message, "quantity must be at least 1")
          }

          const empty = yield* refusedWithoutWrites(team.admin, asRequester(requisition.createRequest({ lines: [] })))
          assert.strictEqual(empty._tag, "ValidationError")
          assert.include(empty.message, "lines: a purchase request needs at least one line")

          const receive = (lines: Receiving.ReceivePurchaseOrderInput["lines"]) =>
            Principal.runAs(receiving.receivePurchaseOrder({ purchaseOrderId: order.id, locationId: "HQ", storageSpace: "Dock", lines }), team.storekeeper)

          const repeatedSerial = yield* refusedWithoutWrites(team.admin, receive([{ lineNo: 1, serialNumbers: ["DUP", "DUP"] }]))
          assert.strictEqual((repeatedSerial as Receiving.ReceivingError).reason, "DuplicateSerialNumber")
          assert.include(repeatedSerial.message, "DUP")

          yield* receive([{ lineNo: 1, serialNumbers: ["TAKEN-1"] }])
          const takenSerial = yield* refusedWithoutWrites(team.admin, receive([{ lineNo: 1, serialNumbers: ["TAKEN-1"] }]))
          assert.strictEqual((takenSerial as Receiving.ReceivingError).reason, "DuplicateSerialNumber")
          assert.include(takenSerial.message, "TAKEN-1")

          const tooMany = yield* refusedWithoutWrites(team.admin, receive([{ lineNo: 1, quantity: 3 }]))
          assert.strictEqual((tooMany as Receiving.ReceivingError).reason, "OverReceipt")
          assert.include(tooMany.message, "at most 2 more")

          const unknownLine = yield* refusedWithoutWrites(team.admin, receive([{ lineNo: 9, quantity: 1 }]))
          assert.strictEqual((unknownLine as Receiving.ReceivingError).reason, "UnknownLine")

          const request = yield* asRequester(requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 1 }] }))
          const notApprover = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(requisition.approveRequest({ requestId: request.id }), team.storekeeper)
          )
          assert.strictEqual(notApprover._tag, "AccessDenied")
          assert.strictEqual((notApprover as Errors.AccessDenied).permission, "request.approve")
          assert.include(notApprover.message, "procurement_manager")
          const ownRequest = yield* refusedWithoutWrites(team.admin, asRequester(requisition.approveRequest({ requestId: request.id })))
          assert.strictEqual((ownRequest as Requisition.RequisitionError).reason, "SelfApproval")
        }))

      it.effect("checks every role against the permission matrix", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const purchasing = yield* Purchasing.Purchasing
          const receiving = yield* Receiving.Receiving
          const assets = yield* Assets.Assets
          const catalog = yield* Catalog.Catalog
          const { order } = yield* orderedLaptops(team, { submit: false })
          const denied = <A, E>(effect: Effect.Effect<A, E, Principal.CurrentPrincipal>, who: Principal.Principal) =>
            Effect.map(Effect.exit(Principal.runAs(effect, who)), (exit) => (failureOf(exit) as { _tag: string })._tag)

          assert.strictEqual(yield* denied(catalog.createVendor({ code: "X", name: "X" }), team.storekeeper), "AccessDenied")
          assert.strictEqual(yield* denied(purchasing.submitPurchaseOrder({ purchaseOrderId: order.id }), team.storekeeper), "AccessDenied")
          assert.strictEqual(yield* denied(purchasing.submitPurchaseOrder({ purchaseOrderId: order.id }), team.requester), "AccessDenied")
          yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: order.id }), team.buyer)
          const lines = [{ lineNo: 1, quantity: 1 }]
          const receipt = { purchaseOrderId: order.id, locationId: "HQ", storageSpace: "Dock", lines }
          assert.strictEqual(yield* denied(receiving.receivePurchaseOrder(receipt), team.buyer), "AccessDenied")
          assert.strictEqual(yield* denied(receiving.receivePurchaseOrder(receipt), team.assetManager), "AccessDenied")
          yield* Principal.runAs(receiving.receivePurchaseOrder(receipt), team.mobile)
          const [asset] = (yield* Principal.runAs(assets.listAssets({ status: "in_stock" }), team.assetManager)).items
          assert.strictEqual(yield* denied(assets.assignAsset({ assetId: asset!.id, userId: "u" }), team.storekeeper), "AccessDenied")
          yield* Principal.runAs(assets.assignAsset({ assetId: asset!.id, userId: "u" }), team.assetAdmin)
        }))

      it.effect("keeps tenants apart: another tenant's order is not found", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const other = Fixtures.team(freshTenant())
          const purchasing = yield* Purchasing.Purchasing
          const receiving = yield* Receiving.Receiving
          const { order } = yield* orderedLaptops(team, { submit: true })
          const read = failureOf(yield* Effect.exit(Principal.runAs(purchasing.getPurchaseOrder({ id: order.id }), other.buyer)))
          assert.strictEqual(read._tag, "NotFound")
          const receive = failureOf(yield* Effect.exit(Principal.runAs(
            receiving.receivePurchaseOrder({ purchaseOrderId: order.id, locationId: "HQ", storageSpace: "Dock", lines: [{ lineNo: 1, quantity: 1 }] }),
            other.storekeeper
          )))
          assert.strictEqual(receive._tag, "NotFound")
          const submit = failureOf(yield* Effect.exit(Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: order.id }), other.buyer)))
          assert.strictEqual(submit._tag, "NotFound")
          const list = yield* Principal.runAs(purchasing.listPurchaseOrders({}), other.buyer)
          assert.strictEqual(list.items.length, 0)
        }))
    })
  })
}
