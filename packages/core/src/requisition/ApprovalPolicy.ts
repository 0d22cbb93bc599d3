/**
 * Approval policies: who must approve a purchase request, in which order.
 *
 * A policy turns the facts of a request (amount, currency, item kinds and categories, cost
 * center, requester, channel) into a chain of steps, each naming its approver: a role, a named
 * user, or the requester's manager (looked up in the {@link Directory}). The default policy is
 * seed 002's: one step, any procurement manager. The approvals plugin replaces it with policies
 * written as decision tables.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Option } from "effect"
import { z } from "zod"

/**
 * Who approves a step: anyone with a role, one named user, or the requester's manager.
 *
 * @since 0.1.0
 * @category models
 */
export const Approver = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("role"), role: z.string().min(1) }),
  z.object({ kind: z.literal("user"), userId: z.string().min(1) }),
  z.object({ kind: z.literal("manager") })
])

/**
 * An approver.
 *
 * @since 0.1.0
 * @category models
 */
export type Approver = z.infer<typeof Approver>

/**
 * The facts of a request a policy decides on. Amounts are in minor units.
 *
 * @since 0.1.0
 * @category models
 */
export interface PolicyInput {
  readonly amount: number
  readonly currency: string
  readonly kinds: ReadonlyArray<string>
  readonly categories: ReadonlyArray<string>
  readonly costCenter: string | undefined
  readonly requesterId: string
  readonly channel: string
  readonly lineCount: number
}

/**
 * One step of a planned chain, with the reason it is there (for the audit trail).
 *
 * @since 0.1.0
 * @category models
 */
export interface PlannedStep {
  readonly approver: Approver
  readonly label: string
  /** Why this step is required, e.g. the decision-table row that asked for it. */
  readonly reason: string
}

/**
 * A plan: the steps in order (none means no approval is needed) and an explanation of how the
 * policy reached it, kept on the request.
 *
 * @since 0.1.0
 * @category models
 */
export interface Plan {
  readonly steps: ReadonlyArray<PlannedStep>
  readonly explanation: unknown
}

/**
 * An approval policy.
 *
 * @since 0.1.0
 * @category models
 */
export interface Policy {
  readonly name: string
  readonly plan: (input: PolicyInput) => Effect.Effect<Plan, ApprovalPolicyError>
}

/**
 * The policy could not plan a chain for a request (for example, its decision table matched two
 * rows under the `unique` hit policy). The message says why; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class ApprovalPolicyError extends Data.TaggedError("ApprovalPolicyError")<{
  readonly policy: string
  readonly message: string
  readonly cause?: unknown
}> {}

/**
 * Seed 002's policy: one step, approved by anyone holding `role`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const singleApprover = (role: string): Policy => ({
  name: `single approver (${role})`,
  plan: () =>
    Effect.succeed({
      steps: [{ approver: { kind: "role", role }, label: `a ${role}`, reason: "default policy: one approval" }],
      explanation: { policy: `single approver (${role})` }
    })
})

/**
 * The approval policy in force. Defaults to one approval by a procurement manager.
 *
 * @since 0.1.0
 * @category services
 */
export const ApprovalPolicy = Context.Reference<Policy>("@procura/core/ApprovalPolicy", {
  defaultValue: () => singleApprover("procurement_manager")
})

/**
 * Where Procura learns who manages whom. Hosts provide their own (an HR system, a directory);
 * the approvals plugin provides one from its configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface DirectoryService {
  readonly managerOf: (userId: string) => Effect.Effect<Option.Option<string>>
}

/**
 * The directory in force. By default nobody has a manager, so a "manager" step cannot be
 * planned and the request is refused with a message saying so.
 *
 * @since 0.1.0
 * @category services
 */
export const Directory = Context.Reference<DirectoryService>("@procura/core/Directory", {
  defaultValue: () => ({ managerOf: () => Effect.succeed(Option.none()) })
})

/**
 * A directory from a map of user id to manager id.
 *
 * @since 0.1.0
 * @category constructors
 */
export const directoryFromMap = (managers: Readonly<Record<string, string>>): DirectoryService => ({
  managerOf: (userId) => Effect.succeed(Option.fromNullishOr(managers[userId]))
})
