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

  it("takes current ISO 4217 codes, and names the value and what is expected when refusing one", () => {
    for (const code of ["EUR", "USD", "JPY", "KWD", "CHF", "XCG", "ZWG", "VED", "CLF"]) {
      assert.isTrue(Money.Currency.safeParse(code).success, code)
    }
    for (const code of ["ABC", "eur", "EURO", "", "HRK", "XXX", "XTS", "XAU"]) {
      const result = Money.Money.safeParse({ amount: 100, currency: code })
      assert.isFalse(result.success, code)
      const issue = result.error!.issues[0]!
      assert.deepStrictEqual(issue.path, ["currency"])
      assert.include(issue.message, JSON.stringify(code))
      assert.include(issue.message, "expected a current code in capitals, such as EUR")
    }
    assert.isFalse(Money.Currency.safeParse(978).success)
  })

  it("agrees with the runtime's currency data, but for the known differences", () => {
    // The fixed list is the source of truth (see Money.currencies); this notices when either side
    // changes. Intl still lists withdrawn codes and codes without a minor unit...
    const onlyInIntl = ["ANG", "BGN", "CUC", "HRK", "SLL", "XDR", "XSU", "ZWL"]
    // ...and lacks the fund codes and VED.
    const onlyHere = ["BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW", "VED"]
    const intl = new Set(Intl.supportedValuesOf("currency"))
    for (const code of intl) {
      if (!onlyInIntl.includes(code)) assert.isTrue(Money.currencies.has(code), `${code} is in Intl but not in Money.currencies`)
    }
    for (const code of Money.currencies) {
      if (!onlyHere.includes(code)) assert.isTrue(intl.has(code), `${code} is in Money.currencies but not in Intl`)
    }
    assert.deepStrictEqual(onlyInIntl.filter((code) => Money.currencies.has(code)), [])
  })
})
