/**
 * The hardware-after-receipt scenarios of seed 002 ("assets are stored and assigned after
 * receipt"), runnable on any storage adapter: assignment to a user or a location, return to a
 * storage space, transfers between storage spaces, maintenance, loss and retirement along the
 * asset lifecycle, each with its history entry from the order on; invalid transitions refused
 * with the statuses allowed, batches all or nothing, roles and tenants checked, refusals writing
 * nothing.
 *
 * ```ts
 * AssetLifecycleScenarios.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, layer } from "@effect/vitest"
import { Assets, AssetsEvents, Principal, Procura, Purchasing, Receiving, Requisition, Storage } from "@procura/core"
import { Effect, Layer } from "effect"
import * as EventContract from "./EventContract.js"
import * as Fixtures from "./Fixtures.js"

const freshTenant = () => Fixtures.freshTenant("assets")

const failureOf = Fixtures.failureOf

const HQ = "HQ"
const storeRoom = "Store room 1"

const snapshot = Fixtures.snapshot
const refusedWithoutWrites = Fixtures.refusedWithoutWrites

/**
 * A tenant with `ordered` laptops bought (default `count`) and `count` of them received into the
 * store room, serials `SN-1`...
 */
const received = (count: number, ordered = count) =>
  Effect.gen(function*() {
    const team = Fixtures.team(freshTenant())
    const requisition = yield* Requisition.Requisition
    const purchasing = yield* Purchasing.Purchasing
    const receiving = yield* Receiving.Receiving
    const assets = yield* Assets.Assets
    const { laptop } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
    const request = yield* Principal.runAs(requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: ordered }] }), team.requester)
    yield* Principal.runAs(requisition.approveRequest({ requestId: request.id }), team.buyer)
    const [draft] = yield* Principal.runAs(purchasing.createFromRequest({ requestId: request.id }), team.buyer)
    const order = yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id }), team.buyer)
    yield* Principal.runAs(
      receiving.receivePurchaseOrder({
        purchaseOrderId: order.id,
        locationId: HQ,
        storageSpace: storeRoom,
        lines: [{ lineNo: 1, serialNumbers: Array.from({ length: count }, (_, i) => `SN-${i + 1}`) }]
      }),
      team.storekeeper
    )
    const inStock = yield* Principal.runAs(assets.listAssets({ purchaseOrderId: order.id, status: "in_stock" }), team.assetManager)
    const bySerial = inStock.items.toSorted((a, b) => a.serialNumber!.localeCompare(b.serialNumber!, "en", { numeric: true }))
    return { team, assets, laptops: bySerial }
  })

/**
 * Registers the scenarios for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  const procura = Procura.layer.pipe(Layer.provideMerge(EventContract.checked(storageLayer)))

  describe(`asset lifecycle scenarios: ${name}`, () => {
    layer(procura, { timeout: "120 seconds", excludeTestServices: true })((it) => {
      it.effect("assigns to a user or a location and returns to a storage space, with the history from the order on", () =>
        Effect.gen(function*() {
          const { team, assets, laptops } = yield* received(2)
          const [first, second] = laptops as [Assets.Asset, Assets.Asset]
          const toUser = yield* Principal.runAs(assets.assignAsset({ assetId: first.id, userId: "emp-1" }), team.assetManager)
          assert.deepStrictEqual([toUser.status, toUser.assignedTo, toUser.storageSpace], ["in_use", "emp-1", undefined])
          const toRoom = yield* Principal.runAs(assets.assignAsset({ assetId: second.id, locationId: "Meeting room 3" }), team.assetAdmin)
          assert.deepStrictEqual(
            [toRoom.status, toRoom.assignedLocationId, toRoom.locationId, toRoom.assignedTo, toRoom.storageSpace],
            ["in_use", "Meeting room 3", "Meeting room 3", undefined, undefined]
          )
          const inRoom = yield* Principal.runAs(assets.listAssets({ assignedLocationId: "Meeting room 3" }), team.storekeeper)
          assert.deepStrictEqual(inRoom.items.map((a) => a.id), [second.id])

          for (const both of [{ userId: "emp-2", locationId: "Room 1" }, {}]) {
            const refused = yield* refusedWithoutWrites(team.admin, Principal.runAs(assets.assignAsset({ assetId: first.id, ...both }), team.assetManager))
            assert.strictEqual(refused._tag, "ValidationError")
            assert.include(refused.message, "give exactly one")
          }

          const back = yield* Principal.runAs(
            assets.returnToStorage({ assetIds: [first.id], locationId: HQ, storageSpace: "Store room 2", condition: "good", reason: "leaver" }),
            team.storekeeper
          )
          assert.deepStrictEqual(
            [back[0]!.status, back[0]!.assignedTo, back[0]!.assignedAt, back[0]!.locationId, back[0]!.storageSpace, back[0]!.condition],
            ["in_stock", undefined, undefined, HQ, "Store room 2", "good"]
          )
          const notInUse = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(assets.returnToStorage({ assetIds: [first.id], locationId: HQ, storageSpace: storeRoom }), team.storekeeper)
          )
          assert.strictEqual((notInUse as Assets.AssetError).reason, "NotInUse")
          assert.include(notInUse.message, `Asset ${first.id} is in_stock, not in use`)

          const history = yield* Principal.runAs(assets.assetHistory({ assetId: first.id }), team.mobile)
          assert.deepStrictEqual(
            history.items.map((h) => [h.assetVersion, h.action, h.by, h.from?.status, h.to.status]),
            [
              [1, "ordered", "pat.procurement", undefined, "on_order"],
              [2, "received", "sam.storage", "on_order", "in_stock"],
              [3, "assigned", "ash.assets", "in_stock", "in_use"],
              [4, "returned_to_storage", "sam.storage", "in_use", "in_stock"]
            ]
          )
          const [, receipt, assignment, returned] = history.items
          assert.deepStrictEqual(receipt!.to, { status: "in_stock", locationId: HQ, storageSpace: storeRoom, condition: "new" })
          assert.deepStrictEqual(assignment!.to, { status: "in_use", locationId: HQ, assignedTo: "emp-1", condition: "new" })
          assert.deepStrictEqual(returned!.from, assignment!.to)
          assert.deepStrictEqual(returned!.to, { status: "in_stock", locationId: HQ, storageSpace: "Store room 2", condition: "good" })
          assert.strictEqual(returned!.reason, "leaver")
          for (const entry of history.items) assert.isFalse(Number.isNaN(Date.parse(entry.at)))
          const firstPage = yield* Principal.runAs(assets.assetHistory({ assetId: first.id, limit: 3 }), team.mobile)
          const secondPage = yield* Principal.runAs(assets.assetHistory({ assetId: first.id, limit: 3, cursor: firstPage.cursor! }), team.mobile)
          assert.deepStrictEqual(secondPage.items.map((h) => h.action), ["returned_to_storage"], "the history pages")

          const roomHistory = yield* Principal.runAs(assets.assetHistory({ assetId: second.id }), team.assetManager)
          assert.deepStrictEqual(roomHistory.items.at(-1)!.to, { status: "in_use", locationId: "Meeting room 3", assignedLocationId: "Meeting room 3", condition: "new" })

          const storage = yield* Storage.Storage
          const events = yield* storage.readEvents({ after: 0, limit: 1000, tenantId: team.admin.tenantId })
          const assigned = events.filter((e) => e.type === "asset.assigned").map((e) => e.payload as Record<string, unknown>)
          assert.deepStrictEqual(assigned.map((p) => [p["assetId"], p["userId"], p["locationId"]]), [[first.id, "emp-1", undefined], [second.id, undefined, "Meeting room 3"]])
          const returnEvent = yield* AssetsEvents.AssetReturnedToStorage.decode(events.find((e) => e.type === "asset.returned_to_storage")!)
          assert.deepStrictEqual(returnEvent.payload, {
            assetId: first.id,
            serialNumber: "SN-1",
            catalogItemId: first.catalogItemId,
            purchaseOrderId: first.purchaseOrderId,
            lineNo: first.purchaseOrderLineNo,
            from: { status: "in_use", locationId: HQ, assignedTo: "emp-1", condition: "new" },
            to: { status: "in_stock", locationId: HQ, storageSpace: "Store room 2", condition: "good" },
            reason: "leaver"
          })
        }))

      it.effect("transfers in-stock assets between storage spaces in one batch, all or none", () =>
        Effect.gen(function*() {
          const { team, assets, laptops } = yield* received(3)
          const ids = laptops.map((a) => a.id)
          const moved = yield* Principal.runAs(
            assets.transferAssets({ assetIds: ids, locationId: "Branch", storageSpace: "Cabinet B", reason: "new office" }),
            team.storekeeper
          )
          assert.deepStrictEqual(moved.map((a) => [a.status, a.locationId, a.storageSpace]), ids.map(() => ["in_stock", "Branch", "Cabinet B"]))
          const there = yield* Principal.runAs(assets.listAssets({ locationId: "Branch", storageSpace: "Cabinet B" }), team.assetManager)
          assert.sameMembers(there.items.map((a) => a.id), ids)
          assert.strictEqual((yield* Principal.runAs(assets.listAssets({ storageSpace: storeRoom }), team.assetManager)).items.length, 0)
          const history = yield* Principal.runAs(assets.assetHistory({ assetId: ids[0]! }), team.assetManager)
          const transfer = history.items.at(-1)!
          assert.deepStrictEqual(
            [transfer.action, transfer.from?.storageSpace, transfer.to.locationId, transfer.to.storageSpace, transfer.reason],
            ["transferred", storeRoom, "Branch", "Cabinet B", "new office"]
          )

          const same = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(assets.transferAssets({ assetIds: [ids[0]!], locationId: "Branch", storageSpace: "Cabinet B" }), team.storekeeper)
          )
          assert.strictEqual((same as Assets.AssetError).reason, "SameStorageSpace")
          assert.include(same.message, "already in Branch / Cabinet B")

          yield* Principal.runAs(assets.assignAsset({ assetId: ids[2]!, userId: "emp-7" }), team.assetManager)
          const inUse = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(assets.transferAssets({ assetIds: ids, locationId: HQ, storageSpace: storeRoom }), team.storekeeper)
          )
          assert.strictEqual(inUse._tag, "AssetError")
          const error = inUse as Assets.AssetError
          assert.deepStrictEqual([error.reason, error.assetId, error.from], ["NotInStock", ids[2], "in_use"])
          assert.include(error.message, "only an asset in stock is transferred")

          const unknown = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(assets.transferAssets({ assetIds: [ids[0]!, "no-such-asset"], locationId: HQ, storageSpace: storeRoom }), team.storekeeper)
          )
          assert.deepStrictEqual([unknown._tag, unknown.message], ["NotFound", "Asset no-such-asset was not found"])
          const repeated = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(assets.transferAssets({ assetIds: [ids[0]!, ids[0]!], locationId: HQ, storageSpace: storeRoom }), team.storekeeper)
          )
          assert.include(repeated.message, "an asset appears more than once")
        }))

      it.effect("leaves on-order templates to their order line: no status change by hand", () =>
        Effect.gen(function*() {
          const { team, assets } = yield* received(1, 2)
          const [template] = (yield* Principal.runAs(assets.listAssets({ status: "on_order" }), team.assetAdmin)).items
          const refused = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(assets.changeStatus({ assetIds: [template!.id], status: "retired", reason: "not needed" }), team.assetAdmin)
          )
          const error = refused as Assets.AssetError
          assert.deepStrictEqual([error.reason, error.from, error.to], ["InvalidTransition", "on_order", "retired"])
          assert.include(error.message, "cancel or revise the order line")
        }))

      it.effect("moves assets through maintenance, loss and retirement as the lifecycle allows, with reasons", () =>
        Effect.gen(function*() {
          const { team, assets, laptops } = yield* received(2)
          const [asset, spare] = laptops.map((a) => a.id) as [string, string]
          const as = <A, Err>(effect: Effect.Effect<A, Err, Principal.CurrentPrincipal>) => Principal.runAs(effect, team.assetAdmin)
          yield* as(assets.assignAsset({ assetId: asset, userId: "emp-5" }))
          const [repair] = yield* as(assets.changeStatus({ assetIds: [asset], status: "in_maintenance", reason: "cracked screen", locationId: "Repair shop" }))
          assert.deepStrictEqual([repair!.status, repair!.assignedTo, repair!.locationId, repair!.storageSpace], ["in_maintenance", undefined, "Repair shop", undefined])
          const [fixed] = yield* as(assets.changeStatus({ assetIds: [asset], status: "in_stock", locationId: HQ, storageSpace: "Store room 2" }))
          assert.deepStrictEqual([fixed!.status, fixed!.locationId, fixed!.storageSpace], ["in_stock", HQ, "Store room 2"])
          const lost = yield* as(assets.changeStatus({ assetIds: [asset, spare], status: "missing", reason: "not found at the audit" }))
          assert.deepStrictEqual(lost.map((a) => [a.status, a.storageSpace]), [["missing", "Store room 2"], ["missing", storeRoom]], "last known place kept")

          const invalid = yield* refusedWithoutWrites(team.admin, as(assets.changeStatus({ assetIds: [asset], status: "in_maintenance" })))
          const error = invalid as Assets.AssetError
          assert.deepStrictEqual([error._tag, error.reason, error.from, error.to], ["AssetError", "InvalidTransition", "missing", "in_maintenance"])
          assert.deepStrictEqual(error.allowed, ["in_stock", "retired"])
          assert.include(error.message, "it can become in_stock, retired, not in_maintenance")

          const noReason = yield* refusedWithoutWrites(team.admin, as(assets.changeStatus({ assetIds: [asset], status: "retired" })))
          assert.strictEqual(noReason._tag, "ValidationError")
          assert.include(noReason.message, "reason: a reason is required to mark assets retired or missing")
          const blankReason = yield* refusedWithoutWrites(team.admin, as(assets.changeStatus({ assetIds: [asset], status: "missing", reason: "  " })))
          assert.include(blankReason.message, "reason: a reason cannot be empty")
          const nowhere = yield* refusedWithoutWrites(team.admin, as(assets.changeStatus({ assetIds: [asset], status: "in_stock" })))
          assert.include(nowhere.message, "storageSpace: putting assets back in stock needs the locationId and storageSpace")
          const noLocation = yield* refusedWithoutWrites(team.admin, as(assets.changeStatus({ assetIds: [asset], status: "retired", reason: "x", storageSpace: "Bin" })))
          assert.include(noLocation.message, "locationId: a storageSpace needs the locationId")
          const notChangeable = yield* refusedWithoutWrites(team.admin, as(assets.changeStatus({ assetIds: [asset], status: "in_use" as "retired", reason: "x" })))
          assert.include(notChangeable.message, "status")

          const [found] = yield* as(assets.changeStatus({ assetIds: [spare], status: "in_stock", locationId: HQ, storageSpace: storeRoom, reason: "found in a drawer" }))
          assert.strictEqual(found!.status, "in_stock")
          const [retired] = yield* as(assets.changeStatus({ assetIds: [asset], status: "retired", reason: "written off" }))
          assert.strictEqual(retired!.status, "retired")

          const mixed = yield* refusedWithoutWrites(team.admin, as(assets.changeStatus({ assetIds: [spare, asset], status: "in_maintenance", reason: "check" })))
          const final = mixed as Assets.AssetError
          assert.deepStrictEqual([final.reason, final.assetId, final.from, final.allowed], ["InvalidTransition", asset, "retired", []])
          assert.include(final.message, "it can become nothing else")
          assert.strictEqual((yield* as(assets.getAsset({ id: spare }))).status, "in_stock", "a refused batch changes none of its assets")
          const reassign = yield* refusedWithoutWrites(team.admin, as(assets.assignAsset({ assetId: asset, userId: "emp-6" })))
          assert.strictEqual((reassign as Assets.AssetError).reason, "InvalidTransition")

          const history = yield* as(assets.assetHistory({ assetId: asset }))
          assert.deepStrictEqual(
            history.items.map((h) => [h.action, h.from?.status, h.to.status, h.reason]),
            [
              ["ordered", undefined, "on_order", undefined],
              ["received", "on_order", "in_stock", undefined],
              ["assigned", "in_stock", "in_use", undefined],
              ["status_changed", "in_use", "in_maintenance", "cracked screen"],
              ["status_changed", "in_maintenance", "in_stock", undefined],
              ["status_changed", "in_stock", "missing", "not found at the audit"],
              ["status_changed", "missing", "retired", "written off"]
            ]
          )
          assert.strictEqual(history.items[3]!.from!.assignedTo, "emp-5")
          assert.isUndefined(history.items[3]!.to.assignedTo, "maintenance ends the assignment")
          const storage = yield* Storage.Storage
          const events = yield* storage.readEvents({ after: 0, limit: 1000, tenantId: team.admin.tenantId })
          const changes = events.filter((e) => e.type === "asset.status_changed")
          assert.strictEqual(changes.length, 6, "one event per asset per change")
          const counts = yield* as(assets.countAssetsByStatus({}))
          assert.deepStrictEqual([counts.retired, counts.in_stock], [1, 1])
        }))

      it.effect("checks roles: storage managers return and transfer but do not assign, mobile asset managers change no status", () =>
        Effect.gen(function*() {
          const { team, assets, laptops } = yield* received(1)
          const id = laptops[0]!.id
          const denied = <A, Err>(effect: Effect.Effect<A, Err, Principal.CurrentPrincipal>, who: Principal.Principal) =>
            Effect.map(refusedWithoutWrites(team.admin, Principal.runAs(effect, who)), (error) => error as { _tag: string; permission?: string })
          const assign = yield* denied(assets.assignAsset({ assetId: id, locationId: "Room 1" }), team.storekeeper)
          assert.deepStrictEqual([assign._tag, assign.permission], ["AccessDenied", "asset.assign"])
          const change = yield* denied(assets.changeStatus({ assetIds: [id], status: "missing", reason: "x" }), team.mobile)
          assert.deepStrictEqual([change._tag, change.permission], ["AccessDenied", "asset.manage"])
          const transfer = yield* denied(assets.transferAssets({ assetIds: [id], locationId: HQ, storageSpace: "Dock" }), team.buyer)
          assert.deepStrictEqual([transfer._tag, transfer.permission], ["AccessDenied", "asset.manage"])
          const history = yield* denied(assets.assetHistory({ assetId: id }), team.requester)
          assert.deepStrictEqual([history._tag, history.permission], ["AccessDenied", "asset.read"])
          yield* Principal.runAs(assets.transferAssets({ assetIds: [id], locationId: HQ, storageSpace: "Dock" }), team.storekeeper)
          yield* Principal.runAs(assets.assignAsset({ assetId: id, locationId: "Room 1" }), team.assetManager)
          const [back] = yield* Principal.runAs(assets.returnToStorage({ assetIds: [id], locationId: HQ, storageSpace: storeRoom }), team.storekeeper)
          assert.strictEqual(back!.status, "in_stock")
        }))

      it.effect("keeps tenants apart: another tenant's asset is not found", () =>
        Effect.gen(function*() {
          const { team, assets, laptops } = yield* received(1)
          const id = laptops[0]!.id
          const other = Fixtures.team(freshTenant())
          const as = <A, Err>(effect: Effect.Effect<A, Err, Principal.CurrentPrincipal>) => Principal.runAs(effect, other.assetAdmin)
          assert.strictEqual((yield* as(assets.listAssets({ storageSpace: storeRoom }))).items.length, 0)
          const history = failureOf(yield* Effect.exit(as(assets.assetHistory({ assetId: id }))))
          assert.deepStrictEqual([history._tag, history.message], ["NotFound", `Asset ${id} was not found`])
          const before = yield* snapshot(team.admin)
          const attempts: ReadonlyArray<Effect.Effect<unknown, { readonly _tag: string }>> = [
            as(assets.changeStatus({ assetIds: [id], status: "missing", reason: "x" })),
            as(assets.transferAssets({ assetIds: [id], locationId: HQ, storageSpace: "Dock" })),
            as(assets.assignAsset({ assetId: id, userId: "emp-1" }))
          ]
          for (const attempt of attempts) {
            assert.strictEqual(failureOf(yield* Effect.exit(attempt))._tag, "NotFound")
          }
          assert.deepStrictEqual(yield* snapshot(team.admin), before, "the owner's records are untouched")
        }))
    })
  })
}
