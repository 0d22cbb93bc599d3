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
 * Formats an amount for people: `1,234.50 EUR`.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (money: Money): string =>
  `${(money.amount / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${money.currency}`
