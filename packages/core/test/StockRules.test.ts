// The pure rules of stock without storage: record keys, the moving average cost, reorder crossings.
import { assert, describe, it } from "@effect/vitest"
import type { StockRecord } from "../src/stock/StockModel.js"
import * as Rules from "../src/stock/StockRules.js"

const record = (overrides: Partial<StockRecord> = {}): StockRecord => ({
  id: "rec-1",
  version: 1,
  catalogItemId: "toner",
  name: "Toner",
  locationId: "HQ",
  storageSpace: "Cupboard",
  onHand: 10,
  belowReorderLevel: false,
  sequence: 3,
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...overrides
})

describe("StockRules", () => {
  it("keys a record by item, location and storage space", () => {
    const key = { catalogItemId: "toner", locationId: "HQ", storageSpace: "Cupboard" }
    assert.strictEqual(Rules.keyString(key), Rules.keyString(record()))
    assert.notStrictEqual(Rules.keyString(key), Rules.keyString({ ...key, storageSpace: "Shelf" }))
    assert.strictEqual(Rules.place(key), "HQ / Cupboard")
  })

  it("averages the unit cost over what is on hand, rounding to minor units", () => {
    const eur = (amount: number) => ({ amount, currency: "EUR" })
    assert.deepStrictEqual(Rules.averageCost(record({ averageUnitCost: eur(1_000) }), 10, eur(2_000)), eur(1_500))
    assert.deepStrictEqual(Rules.averageCost(record({ onHand: 2, averageUnitCost: eur(100) }), 1, eur(101)), eur(100))
    // No average yet, another currency, or nothing on hand: the arriving cost.
    assert.deepStrictEqual(Rules.averageCost(record(), 5, eur(700)), eur(700))
    assert.deepStrictEqual(Rules.averageCost(record({ averageUnitCost: { amount: 1, currency: "USD" } }), 5, eur(700)), eur(700))
    assert.deepStrictEqual(Rules.averageCost(record({ onHand: 0, averageUnitCost: eur(1) }), 5, eur(700)), eur(700))
  })

  it("announces a reorder crossing once, and clears the flag when stock is back above", () => {
    const crossing = Rules.checkReorder(record({ onHand: 3, reorderLevel: 3 }))
    assert.isTrue(crossing.record.belowReorderLevel)
    assert.strictEqual(crossing.event?.type, "stock.replenishment_needed")
    assert.deepStrictEqual(crossing.event?.payload["onHand"], 3)
    const still = Rules.checkReorder(record({ onHand: 1, reorderLevel: 3, belowReorderLevel: true }))
    assert.isUndefined(still.event)
    const above = Rules.checkReorder(record({ onHand: 9, reorderLevel: 3, belowReorderLevel: true }))
    assert.isFalse(above.record.belowReorderLevel)
    assert.isUndefined(above.event)
    assert.isUndefined(Rules.checkReorder(record({ onHand: 0 })).event)
  })
})
