/**
 * Tolerances: how far a delivery or an invoice may stray from the purchase order before it is
 * refused (receiving) or flagged as an exception (three-way match).
 *
 * A policy is a list of rules, each for an item kind, a vendor, both, or neither (the default).
 * The most specific rule that matches a line wins: vendor and kind, then vendor, then kind, then
 * the default. With no rule at all, nothing may stray (zero tolerance).
 *
 * A deviation is within tolerance when it is within the percentage **or** within the absolute
 * amount: `5 %` and `1` unit lets 3 extra units through on a line of 60 and 1 on a line of 10.
 *
 * ```ts
 * import { Effect } from "effect"
 * import { Tolerances } from "@procura/core"
 *
 * const policy = Tolerances.policy({
 *   rules: [{ kind: "consumable", quantityPercent: 10 }, { vendorId: "v-1", pricePercent: 2, priceAbsolute: 100 }]
 * })
 * const withTolerances = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
 *   Effect.provideService(effect, Tolerances.Tolerances, policy)
 * ```
 *
 * @since 0.1.0
 */
import { Context } from "effect"
import { z } from "zod"
import { ItemKind } from "../catalog/CatalogModel.js"
import { ValidationError } from "../Errors.js"
import * as Text from "../Text.js"

/**
 * One tolerance rule. Omitted limits are zero.
 *
 * @since 0.1.0
 * @category models
 */
export const ToleranceRule = z.object({
  /** The item kind the rule is for; omitted: every kind. */
  kind: ItemKind.optional(),
  /** The vendor the rule is for; omitted: every vendor. */
  vendorId: Text.id.optional(),
  /** Extra (or missing) units allowed, as a percentage of the ordered quantity. */
  quantityPercent: z.number().nonnegative().max(1000).default(0),
  /** Extra (or missing) units allowed, in units. */
  quantityAbsolute: z.number().int().nonnegative().default(0),
  /** Unit price deviation allowed, as a percentage of the ordered unit price. */
  pricePercent: z.number().nonnegative().max(1000).default(0),
  /** Unit price deviation allowed, in minor units (cents) of the order's currency. */
  priceAbsolute: z.number().int().nonnegative().default(0)
})

/**
 * A tolerance rule.
 *
 * @since 0.1.0
 * @category models
 */
export type ToleranceRule = z.infer<typeof ToleranceRule>

/**
 * A tolerance policy: the rules, at most one per (kind, vendor) pair.
 *
 * @since 0.1.0
 * @category models
 */
export const TolerancePolicy = z.object({ rules: z.array(ToleranceRule).default([]) }).superRefine((policy, ctx) => {
  const seen = new Map<string, number>()
  policy.rules.forEach((rule, index) => {
    const key = `${rule.kind ?? "*"}/${rule.vendorId ?? "*"}`
    const first = seen.get(key)
    if (first !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["rules", index],
        message: `rules ${first} and ${index} are both for kind ${rule.kind ?? "any"} and vendor ${rule.vendorId ?? "any"}; keep one`
      })
    }
    seen.set(key, index)
  })
})

/**
 * A tolerance policy.
 *
 * @since 0.1.0
 * @category models
 */
export type TolerancePolicy = z.infer<typeof TolerancePolicy>

/**
 * What callers write: limits may be omitted.
 *
 * @since 0.1.0
 * @category models
 */
export type TolerancePolicyInput = z.input<typeof TolerancePolicy>

/**
 * The limits that apply to one line.
 *
 * @since 0.1.0
 * @category models
 */
export interface Tolerance {
  readonly quantityPercent: number
  readonly quantityAbsolute: number
  readonly pricePercent: number
  readonly priceAbsolute: number
}

/**
 * No deviation allowed.
 *
 * @since 0.1.0
 * @category constants
 */
export const zero: Tolerance = { quantityPercent: 0, quantityAbsolute: 0, pricePercent: 0, priceAbsolute: 0 }

/**
 * Validates a policy, failing with a `ValidationError` that names each bad rule by path.
 *
 * @since 0.1.0
 * @category constructors
 */
export const policy = (input: TolerancePolicyInput): TolerancePolicy => {
  const parsed = TolerancePolicy.safeParse(input)
  if (parsed.success) return parsed.data
  throw new ValidationError({
    operation: "Tolerances.policy",
    message: "Invalid tolerance policy",
    issues: parsed.error.issues.map((issue) => ({ path: issue.path.filter((p) => typeof p !== "symbol"), message: issue.message }))
  })
}

/**
 * The tolerance policy in force. Defaults to no rules: zero tolerance everywhere. Plugins and
 * hosts provide their own.
 *
 * @since 0.1.0
 * @category services
 */
export const Tolerances = Context.Reference<TolerancePolicy>("@procura/core/Tolerances", {
  defaultValue: () => ({ rules: [] })
})

/**
 * The limits for a line of an item kind bought from a vendor: the most specific matching rule.
 *
 * @since 0.1.0
 * @category functions
 */
export const forLine = (policy: TolerancePolicy, line: { readonly kind: ItemKind; readonly vendorId: string }): Tolerance => {
  const score = (rule: ToleranceRule) =>
    (rule.kind !== undefined && rule.kind !== line.kind) || (rule.vendorId !== undefined && rule.vendorId !== line.vendorId)
      ? -1
      : (rule.vendorId !== undefined ? 2 : 0) + (rule.kind !== undefined ? 1 : 0)
  let best: ToleranceRule | undefined
  for (const rule of policy.rules) {
    if (score(rule) >= 0 && (best === undefined || score(rule) > score(best))) best = rule
  }
  return best ?? zero
}

/**
 * How many units beyond `ordered` a tolerance lets through (whole units, rounded down).
 *
 * @since 0.1.0
 * @category functions
 */
export const quantityAllowance = (tolerance: Tolerance, ordered: number): number =>
  Math.max(Math.floor((ordered * tolerance.quantityPercent) / 100), tolerance.quantityAbsolute)

/**
 * Whether a quantity is within tolerance of the expected one (either way).
 *
 * @since 0.1.0
 * @category predicates
 */
export const quantityWithin = (tolerance: Tolerance, expected: number, actual: number): boolean =>
  Math.abs(actual - expected) <= quantityAllowance(tolerance, expected)

/**
 * Whether a unit price (minor units) is within tolerance of the ordered one (either way).
 *
 * @since 0.1.0
 * @category predicates
 */
export const priceWithin = (tolerance: Tolerance, ordered: number, actual: number): boolean =>
  Math.abs(actual - ordered) <= Math.max((ordered * tolerance.pricePercent) / 100, tolerance.priceAbsolute)
