/**
 * Typed parsers and writers for ServiceNow field values.
 *
 * The Table API returns every value as a string (`"true"`, `"4"`, `"2016-01-19 04:52:04"`), and
 * reference fields as `{link, value}` objects, plain sys_ids (with
 * `sysparm_exclude_reference_link=true`) or `{display_value, value}` pairs (with
 * `sysparm_display_value=all`). With display values on and links excluded a reference is its
 * display name as a plain string: {@link reference} refuses a plain string that is not a sys_id
 * rather than read a name as one. The parsers here are zod schemas that accept each of these shapes
 * and give typed values, so a record schema reads like the table:
 *
 * ```ts
 * import { Fields } from "@procura/connector-servicenow"
 * import { z } from "zod"
 *
 * const PurchaseOrder = z.object({
 *   sys_id: Fields.string,
 *   number: Fields.string,
 *   vendor: Fields.optional(Fields.reference),
 *   total_cost: Fields.currency("USD"),
 *   due_by: Fields.optional(Fields.date),
 *   sys_updated_on: Fields.dateTime
 * })
 * ```
 *
 * Parsers expect actual values (the client's default, `sysparm_display_value=false`): display
 * values are formatted for a user's locale and time zone and are not parsed. An empty value fails
 * unless wrapped in {@link optional}, which turns it into `null`.
 *
 * Writers do the reverse for create and patch bodies: {@link formatDateTime} (UTC),
 * {@link formatCurrency} (`"USD;1234.50"`: a bare number written to a currency field is silently
 * stored as 0.00) and {@link encodeValue}.
 *
 * @since 0.1.0
 */
import type { Money } from "@procura/core"
import { z } from "zod"
import { formatDateTime as formatUtc } from "./Query.js"

/**
 * A field value as the Table API returns it.
 *
 * @since 0.1.0
 * @category models
 */
export type FieldValue =
  | string
  | {
    readonly value?: string
    readonly display_value?: string
    readonly link?: string
  }

/**
 * A reference to another record.
 *
 * @since 0.1.0
 * @category models
 */
export interface Reference {
  readonly sysId: string
  /** The referenced record's Table API URL, when links were not excluded. */
  readonly link?: string
  /** The referenced table, read from the link. */
  readonly table?: string
  /** With `sysparm_display_value=true` or `all`. */
  readonly displayValue?: string
}

/**
 * A value the client can write: strings pass through, dates are written in UTC, money as
 * `CODE;amount`, booleans as `true` / `false`, `null` clears the field.
 *
 * @since 0.1.0
 * @category models
 */
export type Writable = string | number | boolean | Date | Money.Money | null

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** The actual value inside any of the shapes a field can take; `undefined` when absent. */
const actual = (input: unknown): string | undefined => {
  if (typeof input === "string") return input
  if (isObject(input)) {
    if (typeof input["value"] === "string") return input["value"]
    if (typeof input["display_value"] === "string") return input["display_value"]
  }
  return undefined
}

type Ctx = z.core.$RefinementCtx<unknown>

const fail = (ctx: Ctx, input: unknown, message: string): never => {
  ctx.addIssue({ code: "custom", message, input })
  return z.NEVER
}

/**
 * Builds a parser from a function of the actual string value.
 *
 * @since 0.1.0
 * @category constructors
 */
export const parser = <A>(expected: string, parse: (value: string) => A | undefined): z.ZodType<A, unknown> =>
  z.unknown().transform((input, ctx): A => {
    const value = actual(input)
    if (value === undefined) return fail(ctx, input, `expected ${expected}, got ${input === undefined ? "nothing" : typeof input}`)
    if (value === "") return fail(ctx, input, `expected ${expected}, got an empty value`)
    const parsed = parse(value)
    return parsed === undefined ? fail(ctx, input, `expected ${expected}, got "${value}"`) : parsed
  })

/**
 * Any value, as its string (empty allowed).
 *
 * @since 0.1.0
 * @category parsers
 */
export const string: z.ZodType<string, unknown> = z.unknown().transform((input, ctx): string => {
  const value = actual(input)
  return value === undefined ? fail(ctx, input, "expected a string value") : value
})

/**
 * An integer field (`"42"`).
 *
 * @since 0.1.0
 * @category parsers
 */
export const integer: z.ZodType<number, unknown> = parser("an integer", (value) =>
  /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : undefined)

/**
 * A decimal or floating-point field (`"12.5"`).
 *
 * @since 0.1.0
 * @category parsers
 */
export const number: z.ZodType<number, unknown> = parser("a number", (value) =>
  /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value) ? Number(value) : undefined)

/**
 * A true/false field (`"true"`, `"false"`; also `"1"`, `"0"`).
 *
 * @since 0.1.0
 * @category parsers
 */
export const boolean: z.ZodType<boolean, unknown> = parser("true or false", (value) =>
  value === "true" || value === "1" ? true : value === "false" || value === "0" ? false : undefined)

const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/

/**
 * Reads `yyyy-MM-dd HH:mm:ss` (UTC, no zone marker) as an epoch-milliseconds instant, or
 * `undefined` when the text is not a valid date-time.
 *
 * @since 0.1.0
 * @category parsers
 */
export const parseDateTime = (value: string): number | undefined => {
  const m = dateTimePattern.exec(value)
  if (m === null) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const millis = Date.UTC(y, mo - 1, d, h, mi, s)
  const back = new Date(millis)
  // Reject dates that roll over (2026-02-30) or out-of-range times.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
    return undefined
  }
  return millis
}

/**
 * A date-time field (`"2016-01-19 04:52:04"`, stored in UTC) as an ISO-8601 UTC string
 * (`"2016-01-19T04:52:04.000Z"`), the form Procura keeps timestamps in.
 *
 * @since 0.1.0
 * @category parsers
 */
export const dateTime: z.ZodType<string, unknown> = parser("a UTC date-time yyyy-MM-dd HH:mm:ss", (value) => {
  const millis = parseDateTime(value)
  return millis === undefined ? undefined : new Date(millis).toISOString()
})

/**
 * A date field (`"2026-03-31"`), validated and kept as `yyyy-MM-dd`.
 *
 * @since 0.1.0
 * @category parsers
 */
export const date: z.ZodType<string, unknown> = parser("a date yyyy-MM-dd", (value) =>
  /^\d{4}-\d{2}-\d{2}$/.test(value) && parseDateTime(`${value} 00:00:00`) !== undefined ? value : undefined)

const linkPattern = /\/table\/([^/]+)\/([^/?#]+)\/?$/

/**
 * Whether a text is a generated sys_id: 32 hexadecimal characters.
 *
 * @since 0.2.0
 * @category parsers
 */
export const isSysId = (text: string): boolean => /^[0-9a-f]{32}$/i.test(text)

/**
 * A reference field, with or without its link: `{link, value}`, a plain sys_id,
 * `{display_value, value}` or `{display_value, link}`.
 *
 * A reference is never read from a display name. A plain string is what the instance sends both
 * for a sys_id (links excluded) and for a display name (display values on, links excluded), so a
 * plain string is accepted only when it is a sys_id (32 hexadecimal characters); anything else
 * fails, naming the field, instead of turning a name into a made-up sys_id. Objects carry the
 * sys_id in `value` or in the `link`; one with a display value only fails too.
 *
 * @since 0.1.0
 * @category parsers
 */
export const reference: z.ZodType<Reference, unknown> = z.unknown().transform((input, ctx): Reference => {
  const parsedLink = (link: string) => linkPattern.exec(link)
  if (typeof input === "string") {
    if (input === "") return fail(ctx, input, "expected a reference, got an empty value")
    if (!isSysId(input)) {
      return fail(
        ctx,
        input,
        `expected a reference as a sys_id (32 hexadecimal characters), got "${input}": a display value is never read as a reference; ask for actual values or displayValue "all"`
      )
    }
    return { sysId: input }
  }
  if (!isObject(input)) return fail(ctx, input, "expected a reference")
  const link = typeof input["link"] === "string" ? input["link"] : undefined
  const displayValue = typeof input["display_value"] === "string" ? input["display_value"] : undefined
  const fromLink = link === undefined ? null : parsedLink(link)
  const sysId = typeof input["value"] === "string" ? input["value"] : fromLink?.[2]
  if (sysId === undefined && displayValue !== undefined && displayValue !== "") {
    return fail(ctx, input, `expected a reference, got only the display value "${displayValue}" (no value, no link)`)
  }
  if (sysId === undefined || sysId === "") return fail(ctx, input, "expected a reference, got an empty value")
  return {
    sysId,
    ...(link === undefined ? {} : { link }),
    ...(fromLink === null || fromLink === undefined ? {} : { table: fromLink[1]! }),
    ...(displayValue === undefined ? {} : { displayValue })
  }
})

const fractionDigitsCache = new Map<string, number>()

/**
 * The number of minor-unit digits of an ISO 4217 currency (2 for EUR, 0 for JPY, 3 for KWD).
 *
 * @since 0.1.0
 * @category parsers
 */
export const fractionDigits = (currency: string): number => {
  const cached = fractionDigitsCache.get(currency)
  if (cached !== undefined) return cached
  let digits = 2
  try {
    digits = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2
  } catch {
    digits = 2
  }
  fractionDigitsCache.set(currency, digits)
  return digits
}

/** A decimal string to integer minor units, rounding half away from zero; undefined when malformed. */
const toMinorUnits = (amount: string, digits: number): number | undefined => {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim())
  if (m === null) return undefined
  const [, sign, whole, fraction = ""] = m
  const kept = fraction.slice(0, digits).padEnd(digits, "0")
  let minor = Number(whole) * 10 ** digits + (kept === "" ? 0 : Number(kept))
  if ((fraction[digits] ?? "0") >= "5") minor += 1
  if (!Number.isSafeInteger(minor)) return undefined
  return sign === "-" ? -minor : minor
}

/**
 * A currency or price field as money in integer minor units: `"USD;1234.50"` (the form the
 * instance takes on writes), or a bare amount (`"1234.5"`, what a read returns in the caller's
 * currency) when a `defaultCurrency` is given.
 *
 * @since 0.1.0
 * @category parsers
 */
export const currency = (defaultCurrency?: string): z.ZodType<Money.Money, unknown> =>
  parser(defaultCurrency === undefined ? "CODE;amount" : `CODE;amount or an amount in ${defaultCurrency}`, (value) => {
    const split = value.indexOf(";")
    const code = split === -1 ? defaultCurrency : value.slice(0, split)
    const amount = split === -1 ? value : value.slice(split + 1)
    if (code === undefined || !/^[A-Z]{3}$/.test(code)) return undefined
    const minor = toMinorUnits(amount, fractionDigits(code))
    return minor === undefined ? undefined : { amount: minor, currency: code }
  })

/**
 * A choice field restricted to known values.
 *
 * @since 0.1.0
 * @category parsers
 */
export const choice = <const Values extends ReadonlyArray<string>>(values: Values): z.ZodType<Values[number], unknown> =>
  parser(`one of ${values.join(", ")}`, (value) => values.includes(value) ? (value as Values[number]) : undefined)

/**
 * Makes a parser accept an empty or missing value as `null` (an empty reference is `""`).
 *
 * @since 0.1.0
 * @category parsers
 */
export const optional = <A>(schema: z.ZodType<A, unknown>): z.ZodType<A | null, unknown> =>
  z.unknown().transform((input, ctx): A | null => {
    const value = actual(input)
    if (input === undefined || input === null || value === "") return null
    const result = schema.safeParse(input)
    if (result.success) return result.data
    for (const issue of result.error.issues) ctx.addIssue({ code: "custom", message: issue.message, input })
    return z.NEVER
  }).default(null) // a field left out of the response (sysparm_fields) reads as null too

// ---------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------

/**
 * Writes an instant (a `Date`, an ISO-8601 string or epoch milliseconds) as the platform stores
 * date-times: `yyyy-MM-dd HH:mm:ss` in UTC.
 *
 * @since 0.1.0
 * @category writers
 */
export const formatDateTime = (instant: Date | string | number): string =>
  formatUtc(instant instanceof Date ? instant : new Date(instant))

/**
 * Writes money as a currency field takes it: `"USD;1234.50"`.
 *
 * @since 0.1.0
 * @category writers
 */
export const formatCurrency = (money: Money.Money): string => {
  const digits = fractionDigits(money.currency)
  const negative = money.amount < 0
  const units = String(Math.abs(money.amount)).padStart(digits + 1, "0")
  const whole = digits === 0 ? units : units.slice(0, -digits)
  const fraction = digits === 0 ? "" : `.${units.slice(-digits)}`
  return `${money.currency};${negative ? "-" : ""}${whole}${fraction}`
}

const isMoney = (value: unknown): value is Money.Money =>
  isObject(value) && typeof value["amount"] === "number" && typeof value["currency"] === "string"

/**
 * Writes any {@link Writable} value as the string the Table API stores.
 *
 * @since 0.1.0
 * @category writers
 */
export const encodeValue = (value: Writable): string => {
  if (value === null) return ""
  if (typeof value === "string") return value
  if (typeof value === "boolean") return value ? "true" : "false"
  if (typeof value === "number") return String(value)
  if (value instanceof Date) return formatUtc(value)
  if (isMoney(value)) return formatCurrency(value)
  return String(value)
}

/**
 * Writes a record of values for a create, patch or import body.
 *
 * @since 0.1.0
 * @category writers
 */
export const encodeRecord = (values: Readonly<Record<string, Writable>>): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [field, value] of Object.entries(values)) out[field] = encodeValue(value)
  return out
}
