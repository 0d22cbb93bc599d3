/**
 * The consumable stock scenarios of seed 002, runnable on any storage adapter: receipts of
 * consumables add to one stock record per item and storage space (the case seed 002 admits its
 * system gets wrong), issues never go below zero (also when they race), transfers and counts
 * keep a ledger, the reorder level raises one event per crossing, roles and tenants are checked.
 *
 * ```ts
 * StockScenarios.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, layer } from "@effect/vitest"
import { Assets, type Errors, Principal, Procura, Receiving, Stock, Storage } from "@procura/core"
import { Effect, Exit, Layer } from "effect"
import * as EventContract from "./EventContract.js"
import * as Fixtures from "./Fixtures.js"

const freshTenant = () => Fixtures.freshTenant("stock")

const failureOf = Fixtures.failureOf

const HQ = "HQ"
const storeRoom = "Store room 1"

/** The tenant's stock records and ledger (ids and versions) and its event types. */
const snapshot = (tenant: Principal.Principal) =>
  Principal.runAs(
    Effect.gen(function*() {
      const storage = yield* Storage.Storage
      const records = yield* storage.find(Stock.stockRecords, { limit: 1000 })
      const movements = yield* storage.find(Stock.stockMovements, { limit: 1000 })
      const events = yield* storage.readEvents({ after: 0, limit: 100_000, tenantId: tenant.tenantId })
      return {
        records: records.items.map((r) => `${r.id}@${r.version}:${r.onHand}`),
        movements: movements.items.map((m) => m.id),
        events: events.map((e) => e.type)
      }
    }),
    tenant
  )

const eventsOf = (tenant: Principal.Principal, type: string) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.map(
      storage.readEvents({ after: 0, limit: 100_000, tenantId: tenant.tenantId }),
      (events) => events.filter((e) => e.type === type)
    ))

/** Requests, approves, orders and submits `quantity` of an item; gives the submitted order. */
const buy = (team: ReturnType<typeof Fixtures.team>, catalogItemId: string, quantity: number) =>
  Fixtures.buy(team, [{ catalogItemId, quantity }])

const receive = (team: ReturnType<typeof Fixtures.team>, purchaseOrderId: string, quantity: number, storageSpace = storeRoom) =>
  Effect.flatMap(Receiving.Receiving, (receiving) =>
    Principal.runAs(
      receiving.receivePurchaseOrder({ purchaseOrderId, locationId: HQ, storageSpace, lines: [{ lineNo: 1, quantity }] }),
      team.storekeeper
    ))

/** A tenant with the small catalog and `onHand` mice counted into the store room. */
const stocked = (onHand: number) =>
  Effect.gen(function*() {
    const team = Fixtures.team(freshTenant())
    const stock = yield* Stock.Stock
    const { mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
    const key = { catalogItemId: mouse.id, locationId: HQ, storageSpace: storeRoom }
    const { record } = yield* Principal.runAs(stock.adjustStock({ ...key, countedQuantity: onHand, reason: "opening count" }), team.storekeeper)
    return { team, stock, mouse, key, record }
  })

/**
 * Registers the scenarios for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  const procura = Procura.layer.pipe(Layer.provideMerge(EventContract.checked(storageLayer)))

  describe(`consumable stock scenarios: ${name}`, () => {
    layer(procura, { timeout: "120 seconds", excludeTestServices: true })((it) => {
      it.effect("three purchases of 10 USB mice show 30 in the storage space's consumables view", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const stock = yield* Stock.Stock
          const assets = yield* Assets.Assets
          const { mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
          const orders = []
          for (let i = 0; i < 3; i++) {
            const order = yield* buy(team, mouse.id, 10)
            assert.isFalse(order.lines[0]!.createAsset)
            yield* receive(team, order.id, 10)
            orders.push(order)
          }
          const view = yield* Principal.runAs(stock.listStock({ locationId: HQ, storageSpace: storeRoom }), team.assetManager)
          assert.strictEqual(view.items.length, 1, "one stock record per item and storage space, not one per purchase")
          const [record] = view.items
          assert.strictEqual(record!.catalogItemId, mouse.id)
          assert.strictEqual(record!.name, "USB two button mouse")
          assert.strictEqual(record!.onHand, 30)
          assert.strictEqual(record!.storageSpace, storeRoom)
          assert.deepStrictEqual(record!.averageUnitCost, { amount: 5_000, currency: "EUR" })

          const ledger = yield* Principal.runAs(stock.listMovements({ stockRecordId: record!.id }), team.assetManager)
          assert.deepStrictEqual(
            ledger.items.map((m) => [m.kind, m.quantity, m.balanceAfter, m.purchaseOrderId, m.lineNo, m.by, m.unitCost?.amount]),
            orders.map((order, i) => ["receipt", 10, 10 * (i + 1), order.id, 1, "sam.storage", 5_000])
          )
          for (const movement of ledger.items) assert.isString(movement.receiptId)

          for (const order of orders) {
            const created = yield* Principal.runAs(assets.listAssets({ purchaseOrderId: order.id }), team.assetManager)
            assert.strictEqual(created.items.length, 0, "a consumable purchase creates no asset")
          }
        }))

      it.effect("creates one stock record when the first receipts into a storage space race", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const stock = yield* Stock.Stock
          const { mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
          const orders = [yield* buy(team, mouse.id, 10), yield* buy(team, mouse.id, 10), yield* buy(team, mouse.id, 10)]
          yield* Effect.all(orders.map((order) => receive(team, order.id, 10, "New cabinet")), { concurrency: "unbounded" })
          const view = yield* Principal.runAs(stock.listStock({ locationId: HQ, storageSpace: "New cabinet" }), team.storekeeper)
          assert.deepStrictEqual(view.items.map((r) => [r.name, r.onHand]), [["USB two button mouse", 30]])
          const ledger = yield* Principal.runAs(stock.listMovements({ stockRecordId: view.items[0]!.id }), team.storekeeper)
          assert.deepStrictEqual(ledger.items.map((m) => m.balanceAfter), [10, 20, 30])
          assert.sameMembers(ledger.items.map((m) => m.purchaseOrderId!), orders.map((o) => o.id))
        }))

      it.effect("adds what arrived on a partial receipt", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const stock = yield* Stock.Stock
          const { mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
          const order = yield* buy(team, mouse.id, 10)
          yield* receive(team, order.id, 4)
          const view = () => Principal.runAs(stock.listStock({ catalogItemId: mouse.id }), team.storekeeper)
          assert.deepStrictEqual((yield* view()).items.map((r) => r.onHand), [4])
          yield* receive(team, order.id, 6)
          const [record] = (yield* view()).items
          assert.strictEqual(record!.onHand, 10)
          const ledger = yield* Principal.runAs(stock.listMovements({ stockRecordId: record!.id, limit: 1 }), team.storekeeper)
          assert.deepStrictEqual(ledger.items.map((m) => m.quantity), [4])
          assert.isString(ledger.cursor, "the ledger pages")
          const rest = yield* Principal.runAs(stock.listMovements({ stockRecordId: record!.id, limit: 1, cursor: ledger.cursor! }), team.storekeeper)
          assert.deepStrictEqual(rest.items.map((m) => [m.quantity, m.balanceAfter]), [[6, 10]])
        }))

      it.effect("refuses an issue below zero, naming on hand and requested, writing nothing", () =>
        Effect.gen(function*() {
          const { team, stock, key } = yield* stocked(10)
          const issued = yield* Principal.runAs(stock.issueStock({ ...key, quantity: 4, issuedTo: "emp-7" }), team.storekeeper)
          assert.strictEqual(issued.record.onHand, 6)
          assert.deepStrictEqual([issued.movement.kind, issued.movement.quantity, issued.movement.issuedTo], ["issue", -4, "emp-7"])

          const before = yield* snapshot(team.admin)
          const refused = failureOf(yield* Effect.exit(Principal.runAs(stock.issueStock({ ...key, quantity: 7 }), team.storekeeper)))
          assert.deepStrictEqual(yield* snapshot(team.admin), before, "a refused issue writes nothing")
          assert.strictEqual(refused._tag, "StockError")
          const error = refused as Stock.StockError
          assert.strictEqual(error.reason, "InsufficientStock")
          assert.deepStrictEqual([error.onHand, error.requested], [6, 7])
          assert.include(error.message, "Only 6")
          assert.include(error.message, "cannot take 7")

          const invalid = failureOf(yield* Effect.exit(Principal.runAs(stock.issueStock({ ...key, quantity: 0 }), team.storekeeper)))
          assert.strictEqual(invalid._tag, "ValidationError")
          assert.deepStrictEqual(yield* snapshot(team.admin), before)
        }))

      it.effect("transfers between storage spaces atomically", () =>
        Effect.gen(function*() {
          const { team, stock, mouse, key } = yield* stocked(30)
          const to = { locationId: HQ, storageSpace: "Floor 2 cabinet" }
          const from = { locationId: HQ, storageSpace: storeRoom }
          const moved = yield* Principal.runAs(
            stock.transferStock({ catalogItemId: mouse.id, from, to, quantity: 12, reason: "stock the floor" }),
            team.assetManager
          )
          assert.deepStrictEqual([moved.from.onHand, moved.to.onHand], [18, 12])
          assert.strictEqual(moved.to.name, "USB two button mouse")
          const [out, into] = moved.movements
          assert.deepStrictEqual([out!.kind, out!.quantity, into!.kind, into!.quantity], ["transfer_out", -12, "transfer_in", 12])
          assert.strictEqual(out!.transferId, into!.transferId)

          const before = yield* snapshot(team.admin)
          const tooMany = failureOf(yield* Effect.exit(Principal.runAs(
            stock.transferStock({ catalogItemId: mouse.id, from: to, to: from, quantity: 13 }),
            team.assetManager
          )))
          assert.strictEqual((tooMany as Stock.StockError).reason, "InsufficientStock")
          const same = failureOf(yield* Effect.exit(Principal.runAs(
            stock.transferStock({ catalogItemId: mouse.id, from, to: from, quantity: 1 }),
            team.assetManager
          )))
          assert.strictEqual(same._tag, "ValidationError")
          assert.include(same.message, "same")
          assert.deepStrictEqual(yield* snapshot(team.admin), before)

          const spaces = yield* Principal.runAs(stock.listStock({ catalogItemId: key.catalogItemId }), team.storekeeper)
          assert.deepStrictEqual(spaces.items.map((r) => [r.storageSpace, r.onHand]), [["Floor 2 cabinet", 12], [storeRoom, 18]])
        }))

      it.effect("records a count as an adjustment with its reason", () =>
        Effect.gen(function*() {
          const { team, stock, key } = yield* stocked(30)
          const counted = yield* Principal.runAs(stock.adjustStock({ ...key, countedQuantity: 27, reason: "cycle count" }), team.storekeeper)
          assert.strictEqual(counted.record.onHand, 27)
          assert.deepStrictEqual([counted.movement.kind, counted.movement.quantity, counted.movement.reason], ["adjustment", -3, "cycle count"])
          const noReason = failureOf(yield* Effect.exit(Principal.runAs(stock.adjustStock({ ...key, countedQuantity: 1, reason: " " }), team.storekeeper)))
          assert.strictEqual(noReason._tag, "ValidationError")
          assert.include(noReason.message, "reason")
          const ledger = yield* Principal.runAs(stock.listMovements({ stockRecordId: counted.record.id }), team.storekeeper)
          assert.deepStrictEqual(ledger.items.map((m) => [m.sequence, m.quantity, m.balanceAfter]), [[1, 30, 30], [2, -3, 27]])
        }))

      it.effect("raises a replenishment event once per crossing of the reorder level", () =>
        Effect.gen(function*() {
          const { team, stock, key } = yield* stocked(30)
          const as = <A, E>(effect: Effect.Effect<A, E, Principal.CurrentPrincipal>) => Principal.runAs(effect, team.storekeeper)
          const raised = () => Effect.map(eventsOf(team.admin, "stock.replenishment_needed"), (events) => events.length)
          yield* as(stock.setReorderLevel({ ...key, reorderLevel: 10 }))
          yield* as(stock.issueStock({ ...key, quantity: 15 }))
          assert.strictEqual(yield* raised(), 0, "15 is above the level")
          yield* as(stock.issueStock({ ...key, quantity: 5 }))
          assert.strictEqual(yield* raised(), 1, "falling to the level raises it")
          yield* as(stock.issueStock({ ...key, quantity: 3 }))
          assert.strictEqual(yield* raised(), 1, "not again while below")
          const [below] = (yield* as(stock.listStock({ belowReorderLevel: true }))).items
          assert.strictEqual(below!.onHand, 7)
          yield* as(stock.adjustStock({ ...key, countedQuantity: 20, reason: "restocked" }))
          yield* as(stock.issueStock({ ...key, quantity: 12 }))
          assert.strictEqual(yield* raised(), 2, "a new crossing raises it again")
          const [event] = yield* eventsOf(team.admin, "stock.replenishment_needed")
          assert.deepStrictEqual(
            [(event!.payload as { onHand: number }).onHand, (event!.payload as { reorderLevel: number }).reorderLevel],
            [10, 10]
          )
        }))

      it.effect("never drives stock negative or loses an update when issues race", () =>
        Effect.gen(function*() {
          const { team, stock, key, record } = yield* stocked(30)
          const who = [team.storekeeper, team.mobile, team.assetManager, team.assetAdmin]
          const attempts = yield* Effect.all(
            Array.from({ length: 8 }, (_, i) => Effect.exit(Principal.runAs(stock.issueStock({ ...key, quantity: 5 }), who[i % who.length]!))),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(attempts.filter(Exit.isSuccess).length, 6, "exactly six issues of 5 fit into 30")
          for (const failed of attempts.filter(Exit.isFailure)) {
            assert.strictEqual((failureOf(failed) as Stock.StockError).reason, "InsufficientStock")
          }
          const [after] = (yield* Principal.runAs(stock.listStock({ catalogItemId: key.catalogItemId }), team.storekeeper)).items
          assert.strictEqual(after!.onHand, 0)
          const ledger = yield* Principal.runAs(stock.listMovements({ stockRecordId: record.id }), team.storekeeper)
          assert.deepStrictEqual(ledger.items.map((m) => m.balanceAfter), [30, 25, 20, 15, 10, 5, 0], "every issue is in the ledger, in order")
        }))

      it.effect("checks roles: a requester cannot issue, a mobile asset manager cannot count", () =>
        Effect.gen(function*() {
          const { team, stock, key } = yield* stocked(5)
          const denied = <A, E>(effect: Effect.Effect<A, E, Principal.CurrentPrincipal>, who: Principal.Principal) =>
            Effect.map(Effect.exit(Principal.runAs(effect, who)), (exit) => failureOf(exit) as { _tag: string; permission?: string })
          const requester = yield* denied(stock.issueStock({ ...key, quantity: 1 }), team.requester)
          assert.deepStrictEqual([requester._tag, requester.permission], ["AccessDenied", "stock.issue"])
          assert.strictEqual((yield* denied(stock.listStock({}), team.requester))._tag, "AccessDenied")
          assert.strictEqual((yield* denied(stock.issueStock({ ...key, quantity: 1 }), team.buyer))._tag, "AccessDenied")
          assert.strictEqual((yield* denied(stock.adjustStock({ ...key, countedQuantity: 1, reason: "x" }), team.mobile))._tag, "AccessDenied")
          const issued = yield* Principal.runAs(stock.issueStock({ ...key, quantity: 1 }), team.mobile)
          assert.strictEqual(issued.record.onHand, 4)
        }))

      it.effect("says an item is unknown when a stock operation names one the catalog does not have; nothing is written", () =>
        Effect.gen(function*() {
          const { team, stock, key } = yield* stocked(5)
          const unknown = { ...key, catalogItemId: "no-such-item" }
          const attempts: ReadonlyArray<Effect.Effect<unknown, unknown, Principal.CurrentPrincipal>> = [
            stock.issueStock({ ...unknown, quantity: 1 }),
            stock.transferStock({ catalogItemId: unknown.catalogItemId, from: { locationId: HQ, storageSpace: storeRoom }, to: { locationId: HQ, storageSpace: "Shelf 2" }, quantity: 1 }),
            stock.adjustStock({ ...unknown, countedQuantity: 3, reason: "count" }),
            stock.setReorderLevel({ ...unknown, reorderLevel: 2 })
          ]
          for (const attempt of attempts) {
            const before = yield* snapshot(team.storekeeper)
            const error = failureOf(yield* Effect.exit(Principal.runAs(attempt, team.storekeeper))) as Errors.NotFound
            assert.deepStrictEqual(yield* snapshot(team.storekeeper), before, "a refused operation writes nothing")
            assert.deepStrictEqual([error._tag, error.entity, error.id], ["NotFound", "CatalogItem", "no-such-item"])
            assert.include(error.message, "Unknown item: no catalog item has the id no-such-item")
          }
        }))

      it.effect("keeps tenants apart", () =>
        Effect.gen(function*() {
          const { stock, key, record } = yield* stocked(5)
          const other = Fixtures.team(freshTenant())
          const view = yield* Principal.runAs(stock.listStock({}), other.storekeeper)
          assert.strictEqual(view.items.length, 0)
          const ledger = failureOf(yield* Effect.exit(Principal.runAs(stock.listMovements({ stockRecordId: record.id }), other.storekeeper)))
          assert.strictEqual(ledger._tag, "NotFound")
          // The other tenant's catalog does not know the item at all.
          const issue = failureOf(yield* Effect.exit(Principal.runAs(stock.issueStock({ ...key, quantity: 1 }), other.storekeeper)))
          assert.deepStrictEqual([issue._tag, (issue as Errors.NotFound).id], ["NotFound", key.catalogItemId])
        }))
    })
  })
}
