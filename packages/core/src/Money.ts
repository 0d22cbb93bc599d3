/**
 * Money: integer minor units (cents) plus an ISO 4217 currency code. Never floating point.
 *
 * @since 0.1.0
 */
import { z } from "zod"

/**
 * The currencies Procura accepts: the alphabetic codes of ISO 4217 list one (current currencies
 * and funds, as published by its maintenance agency, SIX) that have a minor unit, since amounts
 * are integer minor units. Not accepted: withdrawn codes (HRK, CUC, ANG, SLL, ZWL, BGN, ...),
 * codes without a minor unit (the precious metals XAU, XAG, XPD, XPT; the bond-market units
 * XBA to XBD; XDR, XSU, XUA), the testing code XTS and XXX (no currency).
 *
 * A fixed list rather than the runtime's `Intl.supportedValuesOf("currency")`, which depends on
 * the Node.js build and version (so two processes could disagree about the same input), still
 * lists withdrawn codes and misses current ones such as VED and the fund codes. A test compares
 * the two, so a change on either side is noticed.
 *
 * @since 0.1.0
 * @category constants
 */
export const currencies: ReadonlySet<string> = new Set(
  (
    "AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD " +
    "CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP " +
    "GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR " +
    "KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN " +
    "MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD " +
    "SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX " +
    "USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG"
  ).split(" ")
)

/** A value as an error message shows it: quoted, and cut short when long. */
const quoted = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 37)}...` : text
}

/**
 * Whether a value is a currency Procura accepts (see {@link currencies}).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isCurrency = (value: unknown): value is string => typeof value === "string" && currencies.has(value)

/**
 * The schema of a currency: an ISO 4217 code from {@link currencies}, in capitals. The error
 * names the value given and what was expected. Every currency in Procura's inputs is this schema.
 *
 * @since 0.1.0
 * @category models
 */
export const Currency = z.string({ error: "expected an ISO 4217 currency code, such as EUR" }).refine(isCurrency, {
  error: (issue) => `${quoted(issue.input)} is not an ISO 4217 currency code; expected a current code in capitals, such as EUR, USD or JPY`
}).meta({ enum: [...currencies], examples: ["EUR"] })

/**
 * The schema of an amount of money.
 *
 * @since 0.1.0
 * @category models
 */
export const Money = z.object({
  amount: z.number().int("amounts are integer minor units (cents)").nonnegative(),
  currency: Currency
})

/**
 * An amount of money in minor units.
 *
 * @since 0.1.0
 * @category models
 */
export type Money = z.infer<typeof Money>

/**
 * `unit` times `quantity`.
 *
 * @since 0.1.0
 * @category math
 */
export const times = (unit: Money, quantity: number): Money => ({ amount: unit.amount * quantity, currency: unit.currency })

/**
 * The sum of amounts in one currency; `undefined` when the amounts mix currencies.
 *
 * @since 0.1.0
 * @category math
 */
export const sum = (amounts: ReadonlyArray<Money>, currency: string): Money | undefined =>
  amounts.every((m) => m.currency === currency)
    ? { amount: amounts.reduce((total, m) => total + m.amount, 0), currency }
    : undefined

/**
 * How many decimals a currency's minor unit has (ISO 4217): 2 for EUR, 0 for JPY, 3 for KWD.
 *
 * @since 0.1.0
 * @category math
 */
export const minorDigits = (currency: string): number =>
  new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2

/**
 * The amount in major units of its currency, for people and for rules written in them:
 * `{ amount: 123450, currency: "EUR" }` is 1234.5, `{ amount: 1200, currency: "JPY" }` is 1200,
 * `{ amount: 1500, currency: "KWD" }` is 1.5.
 *
 * @since 0.1.0
 * @category math
 */
export const toMajorUnits = (money: Money): number => money.amount / 10 ** minorDigits(money.currency)

/**
 * Formats an amount for people, in its currency's decimals: `1,234.50 EUR`, `1,200 JPY`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (money: Money): string => {
  const digits = minorDigits(money.currency)
  return `${toMajorUnits(money).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${money.currency}`
}
