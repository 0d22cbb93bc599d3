/**
 * The purchase order change scenarios (seed 000 admits its flow supports neither edits nor
 * returns of a submitted order), runnable on any storage adapter: revisions change quantities and
 * unit costs, add and remove lines, with a numbered history and template assets in step;
 * outstanding units are cancelled per line or for the whole order; received units go back to the
 * vendor, assets by id and consumables out of stock, for credit or replacement. Refusals name
 * what was wrong and write nothing; roles and tenants are checked.
 *
 * ```ts
 * RevisionScenarios.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, layer } from "@effect/vitest"
import { Assets, Catalog, Licensing, Principal, Procura, Purchasing, Receiving, Returns, Stock, Storage } from "@procura/core"
import { Effect, Layer } from "effect"
import * as EventContract from "./EventContract.js"
import * as Fixtures from "./Fixtures.js"

const freshTenant = () => Fixtures.freshTenant("revisions")


type Team = ReturnType<typeof Fixtures.team>

const HQ = "HQ"
const storeRoom = "Store room 1"
const eur = (amount: number) => ({ amount, currency: "EUR" })

const refusedWithoutWrites = Fixtures.refusedWithoutWrites

const eventTypes = (tenant: Principal.Principal) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.map(storage.readEvents({ after: 0, limit: 100_000, tenantId: tenant.tenantId }), (events) => events.map((e) => e.type)))

const eventsOf = (tenant: Principal.Principal, type: string) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.map(
      storage.readEvents({ after: 0, limit: 100_000, tenantId: tenant.tenantId }),
      (events) => events.filter((e) => e.type === type)
    ))

/** The order's assets by line and status, e.g. `{ "1:on_order": 3, "1:in_stock": 2 }`. */
const assetCounts = (team: Team, purchaseOrderId: string) =>
  Effect.flatMap(Assets.Assets, (assets) =>
    Effect.map(Principal.runAs(assets.listAssets({ purchaseOrderId, limit: 1000 }), team.assetManager), (page) => {
      const counts: Record<string, number> = {}
      for (const asset of page.items) {
        const key = `${asset.purchaseOrderLineNo}:${asset.status}`
        counts[key] = (counts[key] ?? 0) + 1
      }
      return counts
    }))

const assetsWith = (team: Team, purchaseOrderId: string, status: Assets.AssetStatus) =>
  Effect.flatMap(Assets.Assets, (assets) =>
    Effect.map(Principal.runAs(assets.listAssets({ purchaseOrderId, status, limit: 1000 }), team.assetManager), (page) => page.items))

/**
 * A tenant with the small catalog plus a docking station and a software suite from the same
 * vendor, and a headset only another vendor supplies.
 */
const setUp = Effect.gen(function*() {
  const team = Fixtures.team(freshTenant())
  const catalog = yield* Catalog.Catalog
  const { vendor, laptop, mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
  const as = <A, E>(effect: Effect.Effect<A, E, Principal.CurrentPrincipal>) => Principal.runAs(effect, team.buyer)
  const dock = yield* as(catalog.createCatalogItem({
    sku: "DOCK-1",
    name: "Docking station",
    kind: "hardware",
    approvedVendors: [{ vendorId: vendor.id, unitCost: eur(20_000) }]
  }))
  const office = yield* as(catalog.createCatalogItem({
    sku: "OFFICE-1",
    name: "Office suite",
    kind: "software",
    approvedVendors: [{ vendorId: vendor.id, unitCost: eur(9_900) }]
  }))
  const other = yield* as(catalog.createVendor({ code: "OTHER", name: "Other Supplies" }))
  const headset = yield* as(catalog.createCatalogItem({
    sku: "HEADSET-1",
    name: "Headset",
    kind: "hardware",
    approvedVendors: [{ vendorId: other.id, unitCost: eur(7_000) }]
  }))
  return { team, vendor, laptop, mouse, dock, office, headset }
})

/** Requests, approves and orders lines from one vendor; submits the order unless `draft`. */
const buy = (team: Team, lines: ReadonlyArray<{ readonly catalogItemId: string; readonly quantity: number }>, draft = false) =>
  Fixtures.buy(team, lines, { draft })

const receive = (
  team: Team,
  purchaseOrderId: string,
  lines: ReadonlyArray<{ readonly lineNo: number; readonly quantity?: number; readonly serialNumbers?: ReadonlyArray<string> }>
) =>
  Effect.flatMap(Receiving.Receiving, (receiving) =>
    Principal.runAs(
      receiving.receivePurchaseOrder({
        purchaseOrderId,
        locationId: HQ,
        storageSpace: storeRoom,
        lines: lines.map(({ serialNumbers, ...line }) => ({ ...line, ...(serialNumbers ? { serialNumbers: [...serialNumbers] } : {}) }))
      }),
      team.storekeeper
    ))

const getOrder = (team: Team, id: string) =>
  Effect.flatMap(Purchasing.Purchasing, (purchasing) => Principal.runAs(purchasing.getPurchaseOrder({ id }), team.assetManager))

const quantities = (order: Purchasing.PurchaseOrder) =>
  order.lines.map((l) => [l.lineNo, l.quantity, l.receivedQuantity, l.cancelledQuantity, l.returnedQuantity])

/**
 * Registers the scenarios for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  const procura = Procura.layer.pipe(Layer.provideMerge(EventContract.checked(storageLayer)))

  describe(`purchase order revision and return scenarios: ${name}`, () => {
    layer(procura, { timeout: "120 seconds", excludeTestServices: true })((it) => {
      it.effect("revises quantities and unit costs, adds and removes lines; templates, total and history follow", () =>
        Effect.gen(function*() {
          const { team, laptop, mouse, dock } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const assets = yield* Assets.Assets
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 5 }, { catalogItemId: mouse.id, quantity: 20 }])
          yield* receive(team, order.id, [{ lineNo: 1, serialNumbers: ["SN-1", "SN-2"] }, { lineNo: 2, quantity: 5 }])
          const receivedLaptops = (yield* assetsWith(team, order.id, "in_stock")).map((a) => a.id).toSorted()

          const first = yield* Principal.runAs(
            purchasing.revisePurchaseOrder({
              purchaseOrderId: order.id,
              reason: "vendor short on laptops, mouse price agreed",
              lines: [{ lineNo: 1, quantity: 3 }, { lineNo: 2, unitCost: eur(4_500) }],
              addLines: [{ catalogItemId: dock.id, quantity: 2 }]
            }),
            team.buyer
          )
          assert.strictEqual(first.revision.revision, 1)
          assert.strictEqual(first.purchaseOrder.revision, 1)
          assert.deepStrictEqual(quantities(first.purchaseOrder), [[1, 3, 2, 0, 0], [2, 20, 5, 0, 0], [3, 2, 0, 0, 0]])
          assert.deepStrictEqual(first.purchaseOrder.lines[1]!.unitCost, eur(4_500))
          assert.deepStrictEqual(first.purchaseOrder.lines[2]!.unitCost, eur(20_000), "an added line takes the vendor's agreed price")
          assert.deepStrictEqual(first.purchaseOrder.total, eur(3 * 120_000 + 20 * 4_500 + 2 * 20_000))
          assert.strictEqual(first.purchaseOrder.status, "partially_received")
          assert.deepStrictEqual(yield* assetCounts(team, order.id), { "1:in_stock": 2, "1:on_order": 1, "1:retired": 2, "3:on_order": 2 })
          assert.deepStrictEqual(
            (yield* assetsWith(team, order.id, "in_stock")).map((a) => a.id).toSorted(),
            receivedLaptops,
            "received assets are never touched"
          )
          const [retired] = yield* assetsWith(team, order.id, "retired")
          const history = yield* Principal.runAs(assets.assetHistory({ assetId: retired!.id }), team.assetManager)
          const last = history.items.at(-1)!
          assert.deepStrictEqual([last.action, last.from?.status, last.to.status, last.by], ["status_changed", "on_order", "retired", "pat.procurement"])
          assert.include(last.reason!, `Cancelled on purchase order ${order.id}, line 1`)
          assert.include(last.reason!, "vendor short on laptops")

          const second = yield* Principal.runAs(
            purchasing.revisePurchaseOrder({
              purchaseOrderId: order.id,
              reason: "more laptops after all, at a better price; no docks",
              lines: [{ lineNo: 1, quantity: 6, unitCost: eur(110_000) }],
              removeLines: [3]
            }),
            team.buyer
          )
          assert.strictEqual(second.revision.revision, 2)
          assert.deepStrictEqual(quantities(second.purchaseOrder), [[1, 6, 2, 0, 0], [2, 20, 5, 0, 0]])
          assert.deepStrictEqual(second.purchaseOrder.total, eur(6 * 110_000 + 20 * 4_500))
          assert.deepStrictEqual(yield* assetCounts(team, order.id), { "1:in_stock": 2, "1:on_order": 4, "1:retired": 2, "3:retired": 2 })
          const onOrder = yield* assetsWith(team, order.id, "on_order")
          assert.deepStrictEqual(onOrder.map((a) => a.unitCost.amount), [110_000, 110_000, 110_000, 110_000], "templates on order take the new price")
          assert.deepStrictEqual(
            (yield* assetsWith(team, order.id, "in_stock")).map((a) => a.unitCost.amount),
            [120_000, 120_000],
            "received assets keep the price they were received at"
          )

          const third = yield* Principal.runAs(
            purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: "docks again", addLines: [{ catalogItemId: dock.id, quantity: 1, unitCost: eur(18_000) }] }),
            team.buyer
          )
          assert.deepStrictEqual(third.purchaseOrder.lines.map((l) => l.lineNo), [1, 2, 4], "a removed line's number is never reused")
          assert.deepStrictEqual(third.purchaseOrder.lines[2]!.unitCost, eur(18_000))

          const revisions = yield* Principal.runAs(purchasing.listPurchaseOrderRevisions({ purchaseOrderId: order.id }), team.storekeeper)
          assert.deepStrictEqual(revisions.items.map((r) => [r.revision, r.action, r.by]), [
            [1, "revised", "pat.procurement"],
            [2, "revised", "pat.procurement"],
            [3, "revised", "pat.procurement"]
          ])
          const [r1, r2] = revisions.items as [Purchasing.PurchaseOrderRevision, Purchasing.PurchaseOrderRevision]
          assert.strictEqual(r1.reason, "vendor short on laptops, mouse price agreed")
          assert.deepStrictEqual(r1.changes.map((c) => [c.lineNo, c.action, c.before?.quantity, c.after?.quantity, c.before?.unitCost.amount, c.after?.unitCost.amount]), [
            [1, "changed", 5, 3, 120_000, 120_000],
            [2, "changed", 20, 20, 5_000, 4_500],
            [3, "added", undefined, 2, undefined, 20_000]
          ])
          assert.deepStrictEqual([r1.totalBefore, r1.totalAfter], [eur(5 * 120_000 + 20 * 5_000), eur(3 * 120_000 + 20 * 4_500 + 2 * 20_000)])
          assert.deepStrictEqual(r2.changes.map((c) => [c.lineNo, c.action]), [[3, "removed"], [1, "changed"]])
          assert.isString(r1.at)

          const revised = yield* eventsOf(team.admin, "purchase_order.revised")
          assert.deepStrictEqual(revised.map((e) => (e.payload as { revision: number }).revision), [1, 2, 3])
          const cancelled = yield* eventsOf(team.admin, "asset.templates_cancelled")
          assert.deepStrictEqual(cancelled.map((e) => [(e.payload as { lineNo: number }).lineNo, (e.payload as { assetIds: Array<string> }).assetIds.length]), [[1, 2], [3, 2]])
        }))

      it.effect("refuses a quantity below what was received, removing a received line and other bad revisions, writing nothing", () =>
        Effect.gen(function*() {
          const { team, laptop, mouse, headset, dock } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 5 }, { catalogItemId: mouse.id, quantity: 20 }])
          yield* receive(team, order.id, [{ lineNo: 1, quantity: 3 }])
          const revise = (input: Omit<Purchasing.RevisePurchaseOrderInput, "purchaseOrderId" | "reason"> & { reason?: string }) =>
            refusedWithoutWrites(
              team.admin,
              Principal.runAs(purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: "change", ...input }), team.buyer)
            )

          const below = (yield* revise({ lines: [{ lineNo: 1, quantity: 2 }] })) as Purchasing.PurchasingError
          assert.strictEqual(below.reason, "BelowReceived")
          assert.deepStrictEqual([below.lineNo, below.received, below.requested], [1, 3, 2])
          assert.include(below.message, "Line 1 (Laptop 14 inch) received 3")
          assert.include(below.message, "cannot go below 3; asked for 2")

          const removeReceived = (yield* revise({ removeLines: [1] })) as Purchasing.PurchasingError
          assert.strictEqual(removeReceived.reason, "LineReceived")
          assert.include(removeReceived.message, "received 3 units, so it cannot be removed")

          const expectations: Array<[Parameters<typeof revise>[0], string, string]> = [
            [{ lines: [{ lineNo: 9, quantity: 1 }] }, "UnknownLine", "has no line 9"],
            [{ lines: [{ lineNo: 2, quantity: 20 }] }, "NoChange", "changes nothing"],
            [{ lines: [{ lineNo: 2, unitCost: { amount: 4_000, currency: "USD" } }] }, "CurrencyMismatch", "in USD, the order is in EUR"],
            [{ addLines: [{ catalogItemId: headset.id, quantity: 1 }] }, "VendorNotApproved", "Headset is not supplied by the order's vendor"],
            [{ addLines: [{ catalogItemId: "no-such-item", quantity: 1 }] }, "UnknownCatalogItem", "no catalog item with id no-such-item"],
            [{ addLines: [{ catalogItemId: dock.id, quantity: 1, unitCost: { amount: 1, currency: "USD" } }] }, "CurrencyMismatch", "Docking station"]
          ]
          for (const [input, reason, text] of expectations) {
            const error = (yield* revise(input)) as Purchasing.PurchasingError
            assert.strictEqual(error._tag, "PurchasingError")
            assert.strictEqual(error.reason, reason)
            assert.include(error.message, text)
          }
          for (
            const [input, text] of [
              [{}, "nothing to revise"],
              [{ lines: [{ lineNo: 2, quantity: 1 }], removeLines: [2] }, "line 2 appears more than once"],
              [{ lines: [{ lineNo: 2 }] }, "give the new quantity, unit cost or both"],
              [{ lines: [{ lineNo: 2, quantity: 0 }] }, "remove the line instead"],
              [{ lines: [{ lineNo: 2, quantity: 1 }], reason: " " }, "give a reason"]
            ] as const
          ) {
            const error = yield* revise(input as Parameters<typeof revise>[0])
            assert.strictEqual(error._tag, "ValidationError")
            assert.include(error.message, text)
          }

          const fresh = yield* buy(team, [{ catalogItemId: dock.id, quantity: 2 }])
          const noLines = (yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(purchasing.revisePurchaseOrder({ purchaseOrderId: fresh.id, reason: "drop", removeLines: [1] }), team.buyer)
          )) as Purchasing.PurchasingError
          assert.strictEqual(noLines.reason, "NoLinesLeft")
          assert.include(noLines.message, "cancel the order instead")
          yield* Principal.runAs(purchasing.cancelPurchaseOrder({ purchaseOrderId: fresh.id, reason: "not needed" }), team.buyer)
          const cancelled = (yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(purchasing.revisePurchaseOrder({ purchaseOrderId: fresh.id, reason: "revive", lines: [{ lineNo: 1, quantity: 3 }] }), team.buyer)
          )) as Purchasing.PurchasingError
          assert.deepStrictEqual([cancelled.reason, cancelled.id], ["InvalidState", fresh.id])
          assert.include(cancelled.message, "is cancelled")
        }))

      it.effect("revises a draft without template assets; submitting creates templates for the revised lines", () =>
        Effect.gen(function*() {
          const { team, laptop, dock } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const draft = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 2 }], true)
          const { purchaseOrder } = yield* Principal.runAs(
            purchasing.revisePurchaseOrder({
              purchaseOrderId: draft.id,
              reason: "one more, and docks",
              lines: [{ lineNo: 1, quantity: 3 }],
              addLines: [{ catalogItemId: dock.id, quantity: 3 }]
            }),
            team.buyer
          )
          assert.strictEqual(purchaseOrder.status, "draft")
          assert.deepStrictEqual(yield* assetCounts(team, draft.id), {}, "a draft has no template assets")
          yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: draft.id }), team.buyer)
          assert.deepStrictEqual(yield* assetCounts(team, draft.id), { "1:on_order": 3, "2:on_order": 3 })
        }))

      it.effect("keeps a software line's entitlement in step: seats follow its quantity, never below those assigned", () =>
        Effect.gen(function*() {
          const { team, office } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const licensing = yield* Licensing.Licensing
          const order = yield* buy(team, [{ catalogItemId: office.id, quantity: 3 }])
          const entitlement = () =>
            Effect.map(Principal.runAs(licensing.listEntitlements({ purchaseOrderId: order.id }), team.assetManager), (page) => page.items[0]!)
          const { id } = yield* entitlement()
          yield* Principal.runAs(licensing.assignSeat({ entitlementId: id, assignee: { kind: "user", id: "emp-1" } }), team.assetManager)
          yield* Principal.runAs(licensing.assignSeat({ entitlementId: id, assignee: { kind: "user", id: "emp-2" } }), team.assetManager)

          const tooFew = (yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: "fewer", lines: [{ lineNo: 1, quantity: 1 }] }), team.buyer)
          )) as Purchasing.PurchasingError
          assert.strictEqual(tooFew.reason, "SeatsAssigned")
          assert.include(tooFew.message, "2 seats of its entitlement")
          const removal = (yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: "drop", removeLines: [1] }), team.buyer)
          )) as Purchasing.PurchasingError
          assert.strictEqual(removal.reason, "SoftwareLine")
          const nothing = (yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(purchasing.cancelPurchaseOrderLines({ purchaseOrderId: order.id, reason: "drop", lines: [{ lineNo: 1 }] }), team.buyer)
          )) as Purchasing.PurchasingError
          assert.strictEqual(nothing.reason, "NothingToCancel")
          assert.include(nothing.message, "delivered as an entitlement")

          yield* Principal.runAs(
            purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: "team grew", lines: [{ lineNo: 1, quantity: 5, unitCost: eur(9_000) }] }),
            team.buyer
          )
          const after = yield* entitlement()
          assert.deepStrictEqual([after.seats, after.seatsAssigned, after.seatsAvailable, after.unitCost.amount], [5, 2, 3, 9_000])
          yield* Principal.runAs(
            purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: "two left", lines: [{ lineNo: 1, quantity: 2 }] }),
            team.buyer
          )
          assert.deepStrictEqual([(yield* entitlement()).seats, (yield* entitlement()).seatsAvailable], [2, 0])
          assert.strictEqual((yield* eventsOf(team.admin, "entitlement.revised")).length, 2)
          assert.deepStrictEqual(yield* assetCounts(team, order.id), {}, "software never has template assets")
        }))

      it.effect("cancels outstanding units per line, then the rest of the order, which is then received", () =>
        Effect.gen(function*() {
          const { team, laptop, mouse } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 5 }, { catalogItemId: mouse.id, quantity: 20 }])
          yield* receive(team, order.id, [{ lineNo: 1, serialNumbers: ["SN-1", "SN-2"] }])
          const cancelLines = (lines: ReadonlyArray<{ lineNo: number; quantity?: number }>) =>
            Principal.runAs(purchasing.cancelPurchaseOrderLines({ purchaseOrderId: order.id, reason: "vendor discontinued", lines: [...lines] }), team.buyer)

          const one = yield* cancelLines([{ lineNo: 1, quantity: 1 }])
          assert.deepStrictEqual(quantities(one.purchaseOrder), [[1, 5, 2, 1, 0], [2, 20, 0, 0, 0]])
          assert.deepStrictEqual(yield* assetCounts(team, order.id), { "1:in_stock": 2, "1:on_order": 2, "1:retired": 1 })
          assert.deepStrictEqual(one.purchaseOrder.total, eur(4 * 120_000 + 20 * 5_000))

          const over = (yield* refusedWithoutWrites(team.admin, cancelLines([{ lineNo: 1, quantity: 3 }]))) as Purchasing.PurchasingError
          assert.strictEqual(over.reason, "OverCancel")
          assert.include(over.message, "has 2 units outstanding")
          assert.include(over.message, "cannot cancel 3")
          const unknown = (yield* refusedWithoutWrites(team.admin, cancelLines([{ lineNo: 7 }]))) as Purchasing.PurchasingError
          assert.strictEqual(unknown.reason, "UnknownLine")
          const twice = yield* refusedWithoutWrites(team.admin, cancelLines([{ lineNo: 1 }, { lineNo: 1 }]))
          assert.strictEqual(twice._tag, "ValidationError")

          const rest = yield* cancelLines([{ lineNo: 1 }])
          assert.deepStrictEqual(quantities(rest.purchaseOrder), [[1, 5, 2, 3, 0], [2, 20, 0, 0, 0]])
          assert.strictEqual(rest.purchaseOrder.status, "partially_received")
          assert.deepStrictEqual(yield* assetCounts(team, order.id), { "1:in_stock": 2, "1:retired": 3 })
          const nothingLeft = (yield* refusedWithoutWrites(team.admin, cancelLines([{ lineNo: 1 }]))) as Purchasing.PurchasingError
          assert.strictEqual(nothingLeft.reason, "NothingToCancel")
          assert.include(nothingLeft.message, "ordered 5, received 2, cancelled 3")

          const closed = yield* Principal.runAs(purchasing.cancelPurchaseOrder({ purchaseOrderId: order.id, reason: "closing the order" }), team.buyer)
          assert.deepStrictEqual(quantities(closed.purchaseOrder), [[1, 5, 2, 3, 0], [2, 20, 0, 20, 0]])
          assert.strictEqual(closed.purchaseOrder.status, "received", "closed short: what arrived stays received")
          assert.deepStrictEqual(closed.purchaseOrder.total, eur(2 * 120_000))
          assert.deepStrictEqual(closed.revision.changes.map((c) => [c.lineNo, c.action, c.before?.cancelledQuantity, c.after?.cancelledQuantity]), [[2, "cancelled", 0, 20]])

          const again = (yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(purchasing.cancelPurchaseOrder({ purchaseOrderId: order.id, reason: "again" }), team.buyer)
          )) as Purchasing.PurchasingError
          assert.strictEqual(again.reason, "InvalidState")
          assert.include(again.message, "nothing is outstanding")

          const revisions = yield* Principal.runAs(purchasing.listPurchaseOrderRevisions({ purchaseOrderId: order.id }), team.buyer)
          assert.deepStrictEqual(revisions.items.map((r) => [r.revision, r.action, r.reason, r.statusAfter]), [
            [1, "cancelled", "vendor discontinued", "partially_received"],
            [2, "cancelled", "vendor discontinued", "partially_received"],
            [3, "cancelled", "closing the order", "received"]
          ])
          const types = yield* eventTypes(team.admin)
          assert.strictEqual(types.filter((t) => t === "purchase_order.lines_cancelled").length, 3)
          assert.strictEqual(types.filter((t) => t === "purchase_order.received").length, 1)
          assert.notInclude(types, "purchase_order.cancelled")
        }))

      it.effect("a cancelled unit is never received, on an asset line or a consumable line", () =>
        Effect.gen(function*() {
          const { team, laptop, mouse } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 3 }, { catalogItemId: mouse.id, quantity: 10 }])
          yield* receive(team, order.id, [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 4 }])
          yield* Principal.runAs(
            purchasing.cancelPurchaseOrderLines({ purchaseOrderId: order.id, reason: "short", lines: [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 5 }] }),
            team.buyer
          )
          for (const [lineNo, open] of [[1, 1], [2, 1]] as const) {
            const over = yield* refusedWithoutWrites(team.admin, receive(team, order.id, [{ lineNo, quantity: open + 1 }]))
            assert.strictEqual(over._tag, "ReceivingError", `line ${lineNo}: a cancelled unit is over-receipt`)
            assert.strictEqual((over as Receiving.ReceivingError).reason, "OverReceipt")
          }
          yield* receive(team, order.id, [{ lineNo: 1, quantity: 1 }, { lineNo: 2, quantity: 1 }])
          const done = yield* getOrder(team, order.id)
          assert.deepStrictEqual([quantities(done), done.status], [[[1, 3, 2, 1, 0], [2, 10, 5, 5, 0]], "received"])
        }))

      it.effect("cancelling an order that received nothing makes it cancelled and retires every template; a draft too", () =>
        Effect.gen(function*() {
          const { team, laptop, mouse } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 4 }, { catalogItemId: mouse.id, quantity: 10 }])
          const { purchaseOrder } = yield* Principal.runAs(purchasing.cancelPurchaseOrder({ purchaseOrderId: order.id, reason: "project stopped" }), team.buyer)
          assert.strictEqual(purchaseOrder.status, "cancelled")
          assert.deepStrictEqual(quantities(purchaseOrder), [[1, 4, 0, 4, 0], [2, 10, 0, 10, 0]])
          assert.deepStrictEqual(purchaseOrder.total, eur(0))
          assert.deepStrictEqual(yield* assetCounts(team, order.id), { "1:retired": 4 })
          const [event] = yield* eventsOf(team.admin, "purchase_order.cancelled")
          assert.strictEqual((event!.payload as { purchaseOrderId: string }).purchaseOrderId, order.id)
          const refused = yield* refusedWithoutWrites(team.admin, receive(team, order.id, [{ lineNo: 2, quantity: 1 }]))
          assert.strictEqual((refused as Receiving.ReceivingError).reason, "InvalidState")

          const draft = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 2 }], true)
          const cancelledDraft = yield* Principal.runAs(purchasing.cancelPurchaseOrder({ purchaseOrderId: draft.id, reason: "duplicate" }), team.buyer)
          assert.strictEqual(cancelledDraft.purchaseOrder.status, "cancelled")
          const submit = (yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: draft.id }), team.buyer)
          )) as Purchasing.PurchasingError
          assert.strictEqual(submit.reason, "InvalidState")
        }))

      it.effect("returns in-stock assets for credit: they become returned, the line counts them, the order stays received", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const returns = yield* Returns.Returns
          const assets = yield* Assets.Assets
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 3 }])
          yield* receive(team, order.id, [{ lineNo: 1, serialNumbers: ["SN-1", "SN-2", "SN-3"] }])
          const laptops = (yield* assetsWith(team, order.id, "in_stock")).toSorted((a, b) => a.serialNumber!.localeCompare(b.serialNumber!))
          const [first, second, third] = laptops as [Assets.Asset, Assets.Asset, Assets.Asset]

          const document = yield* Principal.runAs(
            returns.returnToVendor({ purchaseOrderId: order.id, reason: "dead on arrival", rmaNumber: "RMA-77", lines: [{ lineNo: 1, assetIds: [first.id] }] }),
            team.storekeeper
          )
          assert.deepStrictEqual(
            [document.purchaseOrderId, document.rmaNumber, document.replace, document.returnedBy, document.lines],
            [order.id, "RMA-77", false, "sam.storage", [{ lineNo: 1, quantity: 1, assetIds: [first.id] }]]
          )
          const returned = yield* Principal.runAs(assets.getAsset({ id: first.id }), team.assetManager)
          assert.deepStrictEqual([returned.status, returned.storageSpace, returned.serialNumber], ["returned", undefined, "SN-1"])
          const history = yield* Principal.runAs(assets.assetHistory({ assetId: first.id }), team.assetManager)
          assert.deepStrictEqual(
            history.items.map((h) => [h.action, h.to.status]),
            [["ordered", "on_order"], ["received", "in_stock"], ["returned_to_vendor", "returned"]]
          )
          assert.strictEqual(history.items[2]!.reason, "dead on arrival (RMA RMA-77)")
          const after = yield* getOrder(team, order.id)
          assert.deepStrictEqual(quantities(after), [[1, 3, 3, 0, 1]])
          assert.strictEqual(after.status, "received", "a credited return re-opens nothing")
          assert.deepStrictEqual(yield* assetCounts(team, order.id), { "1:in_stock": 2, "1:returned": 1 })
          const listed = yield* Principal.runAs(returns.listVendorReturns({ purchaseOrderId: order.id }), team.buyer)
          assert.deepStrictEqual(listed.items.map((r) => r.id), [document.id])
          const [event] = yield* eventsOf(team.admin, "purchase_order.returned")
          assert.deepStrictEqual(
            [(event!.payload as { returnId: string }).returnId, (event!.payload as { rmaNumber: string }).rmaNumber],
            [document.id, "RMA-77"]
          )
          assert.strictEqual((yield* eventsOf(team.admin, "asset.returned_to_vendor")).length, 1)

          const back = (lines: Returns.ReturnToVendorInput["lines"]) =>
            refusedWithoutWrites(
              team.admin,
              Principal.runAs(returns.returnToVendor({ purchaseOrderId: order.id, reason: "faulty", lines }), team.storekeeper)
            )
          const again = (yield* back([{ lineNo: 1, assetIds: [first.id] }])) as Assets.AssetError
          assert.deepStrictEqual([again._tag, again.reason, again.from], ["AssetError", "InvalidTransition", "returned"])
          yield* Principal.runAs(assets.assignAsset({ assetId: second.id, userId: "emp-1" }), team.assetManager)
          const inUse = (yield* back([{ lineNo: 1, assetIds: [second.id] }])) as Assets.AssetError
          assert.deepStrictEqual([inUse.reason, inUse.from], ["InvalidTransition", "in_use"])
          assert.include(inUse.message, "not returned")
          const tooMany = (yield* back([{ lineNo: 1, assetIds: [first.id, second.id, third.id] }])) as Returns.ReturnError
          assert.deepStrictEqual([tooMany.reason, tooMany.received, tooMany.requested], ["ExceedsReceived", 3, 3])
          assert.include(tooMany.message, "received 3 and returned 1, so at most 2 can be returned, not 3")
          const noAssets = (yield* back([{ lineNo: 1, quantity: 1 }])) as Returns.ReturnError
          assert.strictEqual(noAssets.reason, "AssetsRequired")
          const unknownLine = (yield* back([{ lineNo: 4, quantity: 1 }])) as Returns.ReturnError
          assert.strictEqual(unknownLine.reason, "UnknownLine")
          const otherOrder = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 1 }])
          yield* receive(team, otherOrder.id, [{ lineNo: 1, serialNumbers: ["SN-9"] }])
          const [foreign] = yield* assetsWith(team, otherOrder.id, "in_stock")
          const notOnLine = (yield* back([{ lineNo: 1, assetIds: [foreign!.id] }])) as Returns.ReturnError
          assert.strictEqual(notOnLine.reason, "NotOnLine")
          assert.include(notOnLine.message, `is not from line 1 of purchase order ${order.id}`)
          const missing = yield* back([{ lineNo: 1, assetIds: ["no-such-asset"] }])
          assert.strictEqual(missing._tag, "NotFound")
          const noReason = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(returns.returnToVendor({ purchaseOrderId: order.id, reason: "", lines: [{ lineNo: 1, assetIds: [third.id] }] }), team.storekeeper)
          )
          assert.strictEqual(noReason._tag, "ValidationError")
        }))

      it.effect("returns the vendor replaces re-open the backorder with a template per unit; the replacement is received", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const returns = yield* Returns.Returns
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 2 }])
          yield* receive(team, order.id, [{ lineNo: 1, serialNumbers: ["SN-1", "SN-2"] }])
          const [broken] = (yield* assetsWith(team, order.id, "in_stock")).filter((a) => a.serialNumber === "SN-2")
          const document = yield* Principal.runAs(
            returns.returnToVendor({ purchaseOrderId: order.id, reason: "cracked screen", replace: true, lines: [{ lineNo: 1, assetIds: [broken!.id] }] }),
            team.buyer
          )
          assert.isTrue(document.replace)
          const reopened = yield* getOrder(team, order.id)
          assert.deepStrictEqual(quantities(reopened), [[1, 2, 1, 0, 0]], "a replaced unit counts as not received")
          assert.strictEqual(reopened.lines[0]!.replacedQuantity, 1)
          assert.strictEqual(reopened.status, "partially_received")
          assert.deepStrictEqual(yield* assetCounts(team, order.id), { "1:in_stock": 1, "1:returned": 1, "1:on_order": 1 })
          assert.strictEqual((yield* eventsOf(team.admin, "purchase_order.partially_received")).length, 1, "the return re-opened the received order")

          yield* receive(team, order.id, [{ lineNo: 1, serialNumbers: ["SN-2B"] }])
          const done = yield* getOrder(team, order.id)
          assert.deepStrictEqual([quantities(done), done.status], [[[1, 2, 2, 0, 0]], "received"])
          assert.deepStrictEqual(yield* assetCounts(team, order.id), { "1:in_stock": 2, "1:returned": 1 })

          // A line whose only unit went back for replacement still received something: it is not removed.
          const single = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 1 }, { catalogItemId: laptop.id, quantity: 1 }])
          yield* receive(team, single.id, [{ lineNo: 1, serialNumbers: ["SN-7"] }])
          const [seventh] = yield* assetsWith(team, single.id, "in_stock")
          yield* Principal.runAs(
            returns.returnToVendor({ purchaseOrderId: single.id, reason: "noisy fan", replace: true, lines: [{ lineNo: 1, assetIds: [seventh!.id] }] }),
            team.storekeeper
          )
          const purchasing = yield* Purchasing.Purchasing
          const removal = (yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(purchasing.revisePurchaseOrder({ purchaseOrderId: single.id, reason: "no replacement", removeLines: [1] }), team.buyer)
          )) as Purchasing.PurchasingError
          assert.deepStrictEqual([removal.reason, removal.received], ["LineReceived", 1])
          const cancelled = yield* Principal.runAs(
            purchasing.cancelPurchaseOrderLines({ purchaseOrderId: single.id, reason: "no replacement wanted", lines: [{ lineNo: 1 }] }),
            team.buyer
          )
          assert.deepStrictEqual(quantities(cancelled.purchaseOrder)[0], [1, 1, 0, 1, 0], "the replacement is cancelled instead")
          assert.deepStrictEqual(yield* assetCounts(team, single.id), { "1:returned": 1, "1:retired": 1, "2:on_order": 1 })
        }))

      it.effect("returns consumables from a storage space through the stock ledger, never below zero", () =>
        Effect.gen(function*() {
          const { team, mouse } = yield* setUp
          const returns = yield* Returns.Returns
          const stock = yield* Stock.Stock
          const order = yield* buy(team, [{ catalogItemId: mouse.id, quantity: 20 }])
          yield* receive(team, order.id, [{ lineNo: 1, quantity: 20 }])
          const key = { catalogItemId: mouse.id, locationId: HQ, storageSpace: storeRoom }
          yield* Principal.runAs(stock.issueStock({ ...key, quantity: 15, issuedTo: "emp-3" }), team.storekeeper)
          const back = (line: Returns.ReturnToVendorInput["lines"][number], replace = false) =>
            Principal.runAs(returns.returnToVendor({ purchaseOrderId: order.id, reason: "wrong colour", replace, lines: [line] }), team.storekeeper)

          const short = (yield* refusedWithoutWrites(team.admin, back({ lineNo: 1, quantity: 10, locationId: HQ, storageSpace: storeRoom }))) as Stock.StockError
          assert.deepStrictEqual([short._tag, short.reason, short.onHand, short.requested], ["StockError", "InsufficientStock", 5, 10])
          const noPlace = (yield* refusedWithoutWrites(team.admin, back({ lineNo: 1, quantity: 2 }))) as Returns.ReturnError
          assert.strictEqual(noPlace.reason, "PlaceRequired")
          assert.include(noPlace.message, "give the locationId and storageSpace")
          const assetIds = (yield* refusedWithoutWrites(team.admin, back({ lineNo: 1, assetIds: ["a-1"] }))) as Returns.ReturnError
          assert.strictEqual(assetIds.reason, "NotAnAssetLine")
          const halfPlace = yield* refusedWithoutWrites(team.admin, back({ lineNo: 1, quantity: 1, locationId: HQ }))
          assert.strictEqual(halfPlace._tag, "ValidationError")

          const document = yield* back({ lineNo: 1, quantity: 5, locationId: HQ, storageSpace: storeRoom })
          const [line] = document.lines
          assert.deepStrictEqual([line!.quantity, line!.locationId, line!.storageSpace], [5, HQ, storeRoom])
          const [record] = (yield* Principal.runAs(stock.listStock({ catalogItemId: mouse.id }), team.storekeeper)).items
          assert.strictEqual(record!.onHand, 0)
          const ledger = yield* Principal.runAs(stock.listMovements({ stockRecordId: record!.id }), team.storekeeper)
          const movement = ledger.items.at(-1)!
          assert.deepStrictEqual(
            [movement.id, movement.kind, movement.quantity, movement.purchaseOrderId, movement.lineNo],
            [line!.stockMovementId, "vendor_return", -5, order.id, 1]
          )
          assert.include(movement.reason!, "Returned to the vendor (return ")
          assert.deepStrictEqual(quantities(yield* getOrder(team, order.id)), [[1, 20, 20, 0, 5]])

          const exceeds = (yield* refusedWithoutWrites(team.admin, back({ lineNo: 1, quantity: 16, locationId: HQ, storageSpace: storeRoom }))) as Returns.ReturnError
          assert.strictEqual(exceeds.reason, "ExceedsReceived")
          assert.include(exceeds.message, "at most 15 can be returned, not 16")
        }))

      it.effect("concurrent revisions of one order take turns: numbered in order, templates in step", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 4 }])
          yield* Effect.all(
            [6, 2, 5].map((quantity) =>
              Principal.runAs(
                purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: `to ${quantity}`, lines: [{ lineNo: 1, quantity }] }),
                team.buyer
              )
            ),
            { concurrency: "unbounded" }
          )
          const revisions = yield* Principal.runAs(purchasing.listPurchaseOrderRevisions({ purchaseOrderId: order.id }), team.buyer)
          assert.deepStrictEqual(revisions.items.map((r) => r.revision), [1, 2, 3])
          for (const [i, revision] of revisions.items.entries()) {
            const before = i === 0 ? 4 : revisions.items[i - 1]!.changes[0]!.after!.quantity
            assert.strictEqual(revision.changes[0]!.before!.quantity, before, "each revision starts from the one before")
          }
          const final = yield* getOrder(team, order.id)
          const onOrder = yield* assetsWith(team, order.id, "on_order")
          assert.strictEqual(onOrder.length, final.lines[0]!.quantity)
        }))

      it.effect("checks roles: buyers revise and cancel, storekeepers and buyers return, others are denied", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const returns = yield* Returns.Returns
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 2 }])
          yield* receive(team, order.id, [{ lineNo: 1, serialNumbers: ["SN-1", "SN-2"] }])
          const [asset] = yield* assetsWith(team, order.id, "in_stock")
          const revise = purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: "more", lines: [{ lineNo: 1, quantity: 3 }] })
          const cancel = purchasing.cancelPurchaseOrder({ purchaseOrderId: order.id, reason: "stop" })
          const giveBack = returns.returnToVendor({ purchaseOrderId: order.id, reason: "faulty", lines: [{ lineNo: 1, assetIds: [asset!.id] }] })
          for (
            const [attempt, who, permission] of [
              [revise, team.storekeeper, "purchase_order.manage"],
              [revise, team.requester, "purchase_order.manage"],
              [cancel, team.assetManager, "purchase_order.manage"],
              [giveBack, team.mobile, "receiving.return"],
              [giveBack, team.assetManager, "receiving.return"]
            ] as const
          ) {
            const denied = yield* refusedWithoutWrites(team.admin, Principal.runAs(attempt as Effect.Effect<unknown, unknown, Principal.CurrentPrincipal>, who))
            assert.strictEqual((denied as { _tag: string })._tag, "AccessDenied")
            assert.include((denied as { message: string }).message, permission)
          }
          const readers = yield* Principal.runAs(purchasing.listPurchaseOrderRevisions({ purchaseOrderId: order.id }), team.mobile)
          assert.deepStrictEqual(readers.items, [])
          yield* Principal.runAs(giveBack, team.buyer)
          yield* Principal.runAs(revise, team.buyer)
        }))

      it.effect("another tenant's order is not found for revisions, cancellations and returns", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const returns = yield* Returns.Returns
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 2 }])
          yield* receive(team, order.id, [{ lineNo: 1, quantity: 2 }])
          const outsider = Fixtures.team(freshTenant())
          const attempts: ReadonlyArray<[Effect.Effect<unknown, unknown, Principal.CurrentPrincipal>, Principal.Principal]> = [
            [purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: "x", lines: [{ lineNo: 1, quantity: 3 }] }), outsider.buyer],
            [purchasing.cancelPurchaseOrder({ purchaseOrderId: order.id, reason: "x" }), outsider.buyer],
            [purchasing.cancelPurchaseOrderLines({ purchaseOrderId: order.id, reason: "x", lines: [{ lineNo: 1 }] }), outsider.buyer],
            [purchasing.listPurchaseOrderRevisions({ purchaseOrderId: order.id }), outsider.buyer],
            [returns.returnToVendor({ purchaseOrderId: order.id, reason: "x", lines: [{ lineNo: 1, quantity: 1 }] }), outsider.storekeeper],
            [returns.listVendorReturns({ purchaseOrderId: order.id }), outsider.storekeeper]
          ]
          for (const [attempt, who] of attempts) {
            const error = yield* refusedWithoutWrites(team.admin, Principal.runAs(attempt, who))
            assert.deepStrictEqual([(error as { _tag: string })._tag, (error as { id: string }).id], ["NotFound", order.id])
          }
          assert.deepStrictEqual(quantities(yield* getOrder(team, order.id)), [[1, 2, 2, 0, 0]])
        }))
    })
  })
}
