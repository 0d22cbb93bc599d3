import { Fields } from "@procura/connector-servicenow"
import { assert, describe, it } from "@effect/vitest"
import { z } from "zod"

describe("Fields", () => {
  it("reads UTC date-times and dates, and rejects anything else", () => {
    assert.strictEqual(Fields.dateTime.parse("2016-01-19 04:52:04"), "2016-01-19T04:52:04.000Z")
    assert.strictEqual(Fields.dateTime.parse({ value: "2026-12-31 23:59:59", display_value: "31/12/2026 18:59" }), "2026-12-31T23:59:59.000Z")
    assert.isFalse(Fields.dateTime.safeParse("2026-02-30 10:00:00").success)
    assert.isFalse(Fields.dateTime.safeParse("2026-01-01T00:00:00Z").success)
    assert.isFalse(Fields.dateTime.safeParse("").success)
    assert.strictEqual(Fields.date.parse("2026-03-31"), "2026-03-31")
    assert.isFalse(Fields.date.safeParse("2026-04-31").success)
  })

  it("reads references with and without links, and with display values", () => {
    assert.deepStrictEqual(
      Fields.reference.parse({ link: "https://acme.service-now.com/api/now/table/core_company/abc123", value: "abc123" }),
      { sysId: "abc123", link: "https://acme.service-now.com/api/now/table/core_company/abc123", table: "core_company" }
    )
    const sysId = "0123456789abcdef0123456789abcdef"
    assert.deepStrictEqual(Fields.reference.parse(sysId), { sysId })
    assert.deepStrictEqual(Fields.reference.parse({ display_value: "Acme", value: "abc123" }), { sysId: "abc123", displayValue: "Acme" })
    assert.deepStrictEqual(
      Fields.reference.parse({ display_value: "Acme", link: "https://acme.service-now.com/api/now/v2/table/core_company/abc123" }),
      {
        sysId: "abc123",
        link: "https://acme.service-now.com/api/now/v2/table/core_company/abc123",
        table: "core_company",
        displayValue: "Acme"
      }
    )
    assert.isFalse(Fields.reference.safeParse("").success)
    // A plain string that is not a sys_id is a display name: refused, never read as a sys_id.
    const name = Fields.reference.safeParse("Acme Corp")
    assert.isFalse(name.success)
    assert.match(name.error!.issues[0]!.message, /sys_id \(32 hexadecimal characters\), got "Acme Corp"/)
    assert.isFalse(Fields.reference.safeParse("abc123").success)
    assert.isFalse(Fields.optional(Fields.reference).safeParse("Acme Corp").success)
    assert.match(Fields.reference.safeParse({ display_value: "Acme" }).error!.issues[0]!.message, /only the display value "Acme"/)
    const named = z.object({ vendor: Fields.reference }).safeParse({ vendor: "Acme Corp" })
    assert.deepStrictEqual(named.error!.issues[0]!.path, ["vendor"])
    assert.isNull(Fields.optional(Fields.reference).parse(""))
    assert.isNull(Fields.optional(Fields.reference).parse({ value: "", display_value: "" }))
  })

  it("reads money as integer minor units from CODE;amount or a bare amount", () => {
    assert.deepStrictEqual(Fields.currency().parse("USD;1234.50"), { amount: 123450, currency: "USD" })
    assert.deepStrictEqual(Fields.currency().parse("JPY;1200"), { amount: 1200, currency: "JPY" })
    assert.deepStrictEqual(Fields.currency().parse("KWD;1.2345"), { amount: 1235, currency: "KWD" })
    assert.deepStrictEqual(Fields.currency("EUR").parse("99.995"), { amount: 10000, currency: "EUR" })
    assert.deepStrictEqual(Fields.currency("EUR").parse("-5"), { amount: -500, currency: "EUR" })
    assert.isFalse(Fields.currency().safeParse("1234.50").success)
    assert.isFalse(Fields.currency().safeParse("usd;12").success)
    assert.isFalse(Fields.currency().safeParse("USD;12,00").success)
  })

  it("reads numbers, booleans and choices from strings", () => {
    assert.strictEqual(Fields.integer.parse("42"), 42)
    assert.isFalse(Fields.integer.safeParse("4.2").success)
    assert.strictEqual(Fields.number.parse("4.25"), 4.25)
    assert.isTrue(Fields.boolean.parse("true"))
    assert.isFalse(Fields.boolean.parse("0"))
    assert.isFalse(Fields.boolean.safeParse("yes").success)
    const status = Fields.choice(["requested", "ordered", "received"])
    assert.strictEqual(status.parse("ordered"), "ordered")
    assert.isFalse(status.safeParse("shipped").success)
    assert.isNull(Fields.optional(Fields.integer).parse(undefined))
    assert.isFalse(Fields.optional(Fields.integer).safeParse("x").success)
  })

  it("decodes a whole record with a schema built from the parsers", () => {
    const PurchaseOrder = z.object({
      sys_id: Fields.string,
      number: Fields.string,
      vendor: Fields.optional(Fields.reference),
      total_cost: Fields.currency("USD"),
      due_by: Fields.optional(Fields.date),
      sys_updated_on: Fields.dateTime
    })
    const po = PurchaseOrder.parse({
      sys_id: "9d3",
      number: "PO0001",
      vendor: "",
      total_cost: "USD;10.00",
      due_by: "2026-04-01",
      sys_updated_on: "2026-03-01 10:00:00",
      extra: "ignored"
    })
    assert.deepStrictEqual(po, {
      sys_id: "9d3",
      number: "PO0001",
      vendor: null,
      total_cost: { amount: 1000, currency: "USD" },
      due_by: "2026-04-01",
      sys_updated_on: "2026-03-01T10:00:00.000Z"
    })
  })

  it("writes values the way the Table API stores them", () => {
    assert.strictEqual(Fields.formatCurrency({ amount: 123450, currency: "USD" }), "USD;1234.50")
    assert.strictEqual(Fields.formatCurrency({ amount: 5, currency: "EUR" }), "EUR;0.05")
    assert.strictEqual(Fields.formatCurrency({ amount: 1200, currency: "JPY" }), "JPY;1200")
    assert.strictEqual(Fields.formatCurrency({ amount: -150, currency: "EUR" }), "EUR;-1.50")
    assert.strictEqual(Fields.formatDateTime("2026-03-01T09:05:07+02:00"), "2026-03-01 07:05:07")
    assert.deepStrictEqual(
      Fields.encodeRecord({
        a: "x",
        b: 4,
        c: true,
        d: null,
        e: new Date(Date.UTC(2026, 5, 1, 12)),
        f: { amount: 999, currency: "GBP" }
      }),
      { a: "x", b: "4", c: "true", d: "", e: "2026-06-01 12:00:00", f: "GBP;9.99" }
    )
    // Written and read back, money keeps its value.
    const money = { amount: 987654, currency: "CHF" }
    assert.deepStrictEqual(Fields.currency().parse(Fields.formatCurrency(money)), money)
  })
})
