// Property test: random sequences of receipts, returns to the vendor, revisions, cancellations
// and assignments over a purchase order with a hardware (create-asset) line and a consumable
// line keep the order, its assets and the stock consistent after every step. A command refused
// with a typed error is an expected step and must write nothing; a defect fails the property.
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Assets, Principal, Procura, Purchasing, Receiving, Requisition, Returns, Stock, Storage, Tolerances } from "@procura/core"
import { MemoryStorage } from "@procura/storage-memory"
import { Fixtures } from "@procura/testkit"
import { Cause, Effect, Exit, Layer, ManagedRuntime, Option, Stream } from "effect"
import * as fc from "fast-check"

const runtime = ManagedRuntime.make(Procura.layer.pipe(Layer.provideMerge(MemoryStorage.layer())))
afterAll(() => runtime.dispose())

let tenantCounter = 0

const HQ = "HQ"
const storeRoom = "Store room 1"

/** A step of a scenario. Line numbers go past the order's lines on purpose (unknown lines). */
type Step =
  | { readonly _tag: "receive"; readonly lineNo: number; readonly quantity: number; readonly serials: boolean }
  | {
    readonly _tag: "return"
    readonly lineNo: number
    /** Which received assets to return: picked among those in stock, or among all (returned and in use too). */
    readonly picks: ReadonlyArray<number>
    readonly anyStatus: boolean
    readonly quantity: number
    readonly replace: boolean
  }
  | { readonly _tag: "revise"; readonly lineNo: number; readonly quantity?: number | undefined; readonly unitCost?: number | undefined }
  | { readonly _tag: "addLine"; readonly item: "laptop" | "mouse"; readonly quantity: number }
  | { readonly _tag: "removeLine"; readonly lineNo: number }
  | { readonly _tag: "cancelLine"; readonly lineNo: number; readonly quantity?: number | undefined }
  | { readonly _tag: "cancelOrder" }
  | { readonly _tag: "assign"; readonly pick: number }

/** Mostly the order's two lines; now and then a line added later, or none at all. */
const lineNo = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(1, 2) }, { weight: 1, arbitrary: fc.constantFrom(3, 4) })
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ _tag: fc.constant("receive" as const), lineNo, quantity: fc.integer({ min: 1, max: 4 }), serials: fc.boolean() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      _tag: fc.constant("return" as const),
      lineNo,
      picks: fc.uniqueArray(fc.nat(7), { minLength: 1, maxLength: 3 }),
      anyStatus: fc.boolean(),
      quantity: fc.integer({ min: 1, max: 3 }),
      replace: fc.boolean()
    })
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        _tag: fc.constant("revise" as const),
        lineNo,
        quantity: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
        unitCost: fc.option(fc.integer({ min: 1_000, max: 150_000 }), { nil: undefined })
      },
      { requiredKeys: ["_tag", "lineNo"] }
    )
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("addLine" as const), item: fc.constantFrom("laptop" as const, "mouse" as const), quantity: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("removeLine" as const), lineNo }) },
  {
    weight: 2,
    arbitrary: fc.record(
      { _tag: fc.constant("cancelLine" as const), lineNo, quantity: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) },
      { requiredKeys: ["_tag", "lineNo"] }
    )
  },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("cancelOrder" as const) }) },
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("assign" as const), pick: fc.nat(7) }) }
)

/** An order of 1-4 laptops and 1-6 mice; half the scenarios start by receiving all of it. */
const scenario = fc.record({
  laptops: fc.integer({ min: 1, max: 4 }),
  mice: fc.integer({ min: 1, max: 6 }),
  receiveFirst: fc.boolean(),
  steps: fc.array(step, { minLength: 1, maxLength: 16 })
}).map(({ laptops, mice, receiveFirst, steps }) => ({
  laptops,
  mice,
  steps: receiveFirst
    ? [
      { _tag: "receive", lineNo: 1, quantity: laptops, serials: true } as const,
      { _tag: "receive", lineNo: 2, quantity: mice, serials: false } as const,
      ...steps
    ]
    : steps
}))

/** Everything a tenant has stored (ids and versions per collection) and its event count. */
const snapshot = Effect.gen(function*() {
  const storage = yield* Storage.Storage
  const out: Record<string, unknown> = {}
  for (const collection of Procura.collections) {
    out[collection.name] = (yield* storage.find(collection, { limit: 1000 })).items.map((r) => `${r.id}@${r.version}`)
  }
  return out
})

const all = <A extends Storage.Entity>(collection: Storage.Collection<A>, where: Storage.Filter<A>) =>
  Effect.flatMap(Storage.Storage, (storage) => Stream.runCollect(storage.stream(collection, { where, limit: 1000 })))

/** Checks the invariants of the order, its assets and the stock. */
const checkInvariants = (purchaseOrderId: string, mouseId: string, policy: Tolerances.TolerancePolicy, after: string) =>
  Effect.gen(function*() {
    const storage = yield* Storage.Storage
    const order = Option.getOrThrow(yield* storage.get(Purchasing.purchaseOrders, purchaseOrderId))
    const orderAssets = yield* all(Assets.assets, { purchaseOrderId })
    const returns = yield* all(Returns.vendorReturns, { purchaseOrderId })
    const revisions = yield* all(Purchasing.purchaseOrderRevisions, { purchaseOrderId })
    const returnedOn = (lineNo: number, replace: boolean) =>
      returns.filter((r) => r.replace === replace).flatMap((r) => r.lines).filter((l) => l.lineNo === lineNo).reduce((n, l) => n + l.quantity, 0)
    const at = `after ${after}`

    assert.deepStrictEqual(order.total, Purchasing.orderTotal(order.lines, "EUR"), `${at}: the total is what is still ordered`)
    if (order.status !== "draft") assert.strictEqual(order.status, Purchasing.receivingStatus(order.lines), `${at}: the status follows the lines`)
    assert.strictEqual(order.revision ?? 0, revisions.length, `${at}: one revision record per revision`)

    let stockExpected = 0
    for (const line of order.lines) {
      const allowance = Tolerances.quantityAllowance(Tolerances.forLine(policy, { kind: line.kind, vendorId: order.vendorId }), line.quantity)
      const name = `${at}, line ${line.lineNo}`
      assert.isAtMost(line.cancelledQuantity, line.quantity, `${name}: cancelled <= ordered`)
      assert.isAtMost(line.receivedQuantity, Purchasing.openQuantity(line) + allowance, `${name}: received <= ordered - cancelled + allowance`)
      assert.isAtLeast(line.receivedQuantity, 0, `${name}: received >= 0`)
      assert.isAtMost(line.returnedQuantity, line.receivedQuantity, `${name}: returned <= received`)
      const replaced = line.replacedQuantity ?? 0
      assert.deepStrictEqual(
        [returnedOn(line.lineNo, false), returnedOn(line.lineNo, true)],
        [line.returnedQuantity, replaced],
        `${name}: the return documents add up to the units returned for credit and for replacement`
      )
      const mine = orderAssets.filter((a) => a.purchaseOrderLineNo === line.lineNo)
      if (Purchasing.hasAssets(line)) {
        const received = mine.filter((a) => a.receivedAt !== undefined)
        for (const asset of received) assert.include(["in_stock", "in_use", "returned"], asset.status, `${name}: a received asset is kept or returned`)
        for (const asset of mine.filter((a) => a.receivedAt === undefined)) assert.include(["on_order", "retired"], asset.status, `${name}: a template`)
        assert.strictEqual(received.length, line.receivedQuantity + replaced, `${name}: one asset per unit received`)
        assert.strictEqual(received.filter((a) => a.status === "returned").length, line.returnedQuantity + replaced, `${name}: returned assets`)
        assert.strictEqual(mine.filter((a) => a.status === "on_order").length, Purchasing.backorderedQuantity(line), `${name}: one template per open unit`)
      } else {
        assert.strictEqual(mine.length, 0, `${name}: a consumable line has no assets`)
        stockExpected += line.receivedQuantity - line.returnedQuantity
      }
    }
    const lineNos = new Set(order.lines.map((l) => l.lineNo))
    for (const asset of orderAssets.filter((a) => !lineNos.has(a.purchaseOrderLineNo))) {
      assert.strictEqual(asset.status, "retired", `${at}: a removed line's templates are retired`)
    }
    const records = yield* all(Stock.stockRecords, { catalogItemId: mouseId })
    const onHand = records.reduce((n, r) => n + r.onHand, 0)
    for (const record of records) assert.isAtLeast(record.onHand, 0, `${at}: stock never negative`)
    assert.strictEqual(onHand, stockExpected, `${at}: stock on hand = consumables received - returned`)
  })

/** Runs a scenario in a fresh tenant, checking the invariants after each step. */
const run = (input: { laptops: number; mice: number; steps: ReadonlyArray<Step> }, policy: Tolerances.TolerancePolicy) =>
  Effect.gen(function*() {
    const team = Fixtures.team(`property-${process.pid}-${++tenantCounter}`)
    const requisition = yield* Requisition.Requisition
    const purchasing = yield* Purchasing.Purchasing
    const receiving = yield* Receiving.Receiving
    const returns = yield* Returns.Returns
    const assetsService = yield* Assets.Assets
    const { laptop, mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
    const request = yield* Principal.runAs(
      requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: input.laptops }, { catalogItemId: mouse.id, quantity: input.mice }] }),
      team.requester
    )
    yield* Principal.runAs(requisition.approveRequest({ requestId: request.id }), team.buyer)
    const [draft] = yield* Principal.runAs(purchasing.createFromRequest({ requestId: request.id }), team.buyer)
    const order = yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id }), team.buyer)
    const asAdmin = <A, E, R>(effect: Effect.Effect<A, E, R>) => Principal.runAs(effect, team.admin)
    yield* asAdmin(checkInvariants(order.id, mouse.id, policy, "submission"))

    let serial = 0
    const receivedAssets = (lineNo: number) =>
      Effect.map(asAdmin(all(Assets.assets, { purchaseOrderId: order.id, purchaseOrderLineNo: lineNo })), (found) =>
        found.filter((a) => a.receivedAt !== undefined).toSorted((a, b) => a.id.localeCompare(b.id)))
    const command = Effect.fn(function*(s: Step) {
      switch (s._tag) {
        case "receive":
          return yield* Principal.runAs(
            receiving.receivePurchaseOrder({
              purchaseOrderId: order.id,
              locationId: HQ,
              storageSpace: storeRoom,
              lines: [s.serials
                ? { lineNo: s.lineNo, serialNumbers: Array.from({ length: s.quantity }, () => `SN-${tenantCounter}-${++serial}`) }
                : { lineNo: s.lineNo, quantity: s.quantity }]
            }),
            team.storekeeper
          )
        case "return": {
          const candidates = (yield* receivedAssets(s.lineNo)).filter((a) => s.anyStatus || a.status === "in_stock")
          const picked = candidates.length === 0 ? [] : [...new Set(s.picks.map((i) => candidates[i % candidates.length]!.id))]
          const line = picked.length > 0
            ? { lineNo: s.lineNo, assetIds: picked }
            : { lineNo: s.lineNo, quantity: s.quantity, locationId: HQ, storageSpace: storeRoom }
          return yield* Principal.runAs(
            returns.returnToVendor({ purchaseOrderId: order.id, reason: "property", replace: s.replace, lines: [line] }),
            team.storekeeper
          )
        }
        case "revise":
          return yield* Principal.runAs(
            purchasing.revisePurchaseOrder({
              purchaseOrderId: order.id,
              reason: "property",
              lines: [{
                lineNo: s.lineNo,
                ...(s.quantity !== undefined ? { quantity: s.quantity } : {}),
                ...(s.unitCost !== undefined ? { unitCost: { amount: s.unitCost, currency: "EUR" } } : {})
              }]
            }),
            team.buyer
          )
        case "addLine":
          return yield* Principal.runAs(
            purchasing.revisePurchaseOrder({
              purchaseOrderId: order.id,
              reason: "property",
              addLines: [{ catalogItemId: s.item === "laptop" ? laptop.id : mouse.id, quantity: s.quantity }]
            }),
            team.buyer
          )
        case "removeLine":
          return yield* Principal.runAs(purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: "property", removeLines: [s.lineNo] }), team.buyer)
        case "cancelLine":
          return yield* Principal.runAs(
            purchasing.cancelPurchaseOrderLines({
              purchaseOrderId: order.id,
              reason: "property",
              lines: [{ lineNo: s.lineNo, ...(s.quantity !== undefined ? { quantity: s.quantity } : {}) }]
            }),
            team.buyer
          )
        case "cancelOrder":
          return yield* Principal.runAs(purchasing.cancelPurchaseOrder({ purchaseOrderId: order.id, reason: "property" }), team.buyer)
        case "assign": {
          const candidates = yield* receivedAssets(1)
          const asset = candidates[s.pick % Math.max(1, candidates.length)]
          return asset === undefined
            ? undefined
            : yield* Principal.runAs(assetsService.assignAsset({ assetId: asset.id, userId: "emp-1" }), team.assetManager)
        }
      }
    })

    for (const [i, s] of input.steps.entries()) {
      const label = `step ${i + 1} ${JSON.stringify(s)}`
      const before = yield* asAdmin(snapshot)
      const exit = yield* Effect.exit(command(s))
      if (Exit.isFailure(exit)) {
        assert.isFalse(Cause.hasDies(exit.cause), `${label} died: ${Cause.pretty(exit.cause)}`)
        const error = Cause.findErrorOption(exit.cause)
        assert.isTrue(Option.isSome(error), `${label} failed without a typed error: ${Cause.pretty(exit.cause)}`)
        assert.deepStrictEqual(yield* asAdmin(snapshot), before, `${label} was refused (${Option.getOrUndefined(error)?._tag}) but wrote something`)
      }
      yield* asAdmin(checkInvariants(order.id, mouse.id, policy, label))
    }
  })

const property = (policy: Tolerances.TolerancePolicy) =>
  fc.asyncProperty(scenario, (input) =>
    runtime.runPromise(Effect.provideService(run(input, policy), Tolerances.Tolerances, policy)))

describe("purchase order invariants under random receipts, returns, revisions and cancellations (memory)", () => {
  it("hold with zero tolerance", { timeout: 120_000 }, async () => {
    await fc.assert(property({ rules: [] }), { numRuns: 80 })
  })

  it("hold with an over-receipt tolerance", { timeout: 120_000 }, async () => {
    await fc.assert(property(Tolerances.policy({ rules: [{ quantityPercent: 50, quantityAbsolute: 1 }] })), { numRuns: 50 })
  })

})
