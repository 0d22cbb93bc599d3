import { assert, describe, it } from "@effect/vitest"
import { Money } from "@procura/core"

describe("Money", () => {
  it("formats amounts in their currency's decimals", () => {
    assert.strictEqual(Money.format({ amount: 123_450, currency: "EUR" }), "1,234.50 EUR")
    assert.strictEqual(Money.format({ amount: 1_200, currency: "JPY" }), "1,200 JPY")
    assert.strictEqual(Money.format({ amount: 1_234_567, currency: "KWD" }), "1,234.567 KWD")
  })

  it("knows the minor unit of a currency", () => {
    assert.deepStrictEqual(["EUR", "JPY", "KWD"].map(Money.minorDigits), [2, 0, 3])
  })
})
