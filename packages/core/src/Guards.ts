/**
 * Guards: rules a plugin sets on operations to refuse them, a capability policy switched on with
 * configuration. Seed 000's integrated ITAM-SPO flow is one: with it on, cancelling a purchase
 * order or revising a requisition is refused, because the systems mirroring them do not support
 * it.
 *
 * A plugin contributes guards (`Contribution.guards`); every operation run checks the guards on
 * its id after the permission check and the input's validation, before anything is read or
 * written, and fails with `OperationRefused` naming the operation, the rule and the plugin.
 *
 * ```ts
 * import { Plugin } from "@procura/core"
 * import { z } from "zod"
 *
 * // No purchase order is ever cancelled while this plugin is enabled.
 * const noCancel = Plugin.make({
 *   id: "no-cancel",
 *   version: "1.0.0",
 *   description: "Purchase orders are never cancelled here.",
 *   config: z.object({}),
 *   contribute: () => ({
 *     guards: [{
 *       rule: "no-cancel/purchase-orders",
 *       operations: ["purchasing.cancelPurchaseOrder", "purchasing.cancelPurchaseOrderLines"],
 *       reason: "purchase orders are cancelled in the ERP, not here"
 *     }]
 *   })
 * })
 * ```
 *
 * @since 0.2.0
 */
import { Context, Effect } from "effect"
import { OperationRefused } from "./Errors.js"
import type { CurrentPrincipal } from "./Principal.js"
import type { Storage, StorageError } from "./Storage.js"

/**
 * A rule refusing operations.
 *
 * @since 0.2.0
 * @category models
 */
export interface Guard {
  /** The rule's name, `<plugin>/<rule>` by convention; named by the error. */
  readonly rule: string
  /** The operations it refuses, by id (`purchasing.cancelPurchaseOrder`). */
  readonly operations: ReadonlyArray<string>
  /** Why, for the error's message: "seed 000 disables cancelling ITAM purchase orders". */
  readonly reason: string
  /**
   * When it applies, given the operation's validated input (a request's state, say); always when
   * omitted. Runs as the caller, before the operation reads or writes anything.
   */
  readonly when?: (input: any) => Effect.Effect<boolean, StorageError, Storage | CurrentPrincipal>
}

/**
 * A guard in force, with the plugin that set it.
 *
 * @since 0.2.0
 * @category models
 */
export interface Active extends Guard {
  readonly by: string
}

/**
 * The guards in force (the enabled plugins', provided by the composition); none by default.
 *
 * @since 0.2.0
 * @category references
 */
export const Guards = Context.Reference<ReadonlyArray<Active>>("@procura/core/Guards", { defaultValue: () => [] })

/**
 * Fails with `OperationRefused` when a guard in force refuses the operation with this input.
 *
 * @since 0.2.0
 * @category guards
 */
export const check = (operation: string, input: unknown): Effect.Effect<void, OperationRefused | StorageError, Storage | CurrentPrincipal> =>
  Effect.gen(function*() {
    const guards = yield* Guards
    for (const guard of guards) {
      if (!guard.operations.includes(operation)) continue
      if (guard.when !== undefined && !(yield* guard.when(input))) continue
      return yield* new OperationRefused({
        operation,
        rule: guard.rule,
        by: guard.by,
        message: `${operation} is switched off by the rule ${guard.rule} of ${guard.by}: ${guard.reason}`
      })
    }
  })
