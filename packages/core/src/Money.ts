/**
 * Money: integer minor units (cents) plus an ISO 4217 currency code. Never floating point.
 *
 * @since 0.1.0
 */
import { z } from "zod"

/**
 * The schema of an amount of money.
 *
 * @since 0.1.0
 * @category models
 */
export const Money = z.object({
  amount: z.number().int("amounts are integer minor units (cents)").nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/, "a currency is a three-letter ISO 4217 code, such as EUR")
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
 * Formats an amount for people, in its currency's decimals: `1,234.50 EUR`, `1,200 JPY`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (money: Money): string => {
  const digits = minorDigits(money.currency)
  return `${(money.amount / 10 ** digits).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })} ${money.currency}`
}
