/**
 * The approvals plugin: approval policies as decision tables.
 *
 * A policy is a decision table over the facts of a purchase request (amount in major units,
 * currency, item kinds and categories, cost center, requester, channel, number of lines). Each
 * matching row adds a step to the request's approval chain; steps run in order of `level`, then
 * table order. A typical policy: the requester's manager always, then finance above
 * 10,000 EUR, then the CIO above 100,000 EUR.
 *
 * ```yaml
 * plugins:
 *   approvals:
 *     managers: { rae.requester: mia.manager }
 *     policy:
 *       hitPolicy: collect
 *       rows:
 *         - id: line-manager
 *           then: { level: 1, approver: { kind: manager }, label: Line manager }
 *         - id: finance
 *           when: { currency: EUR, amount: { gt: 10000 } }
 *           then: { level: 2, approver: { kind: role, role: finance_controller }, label: Finance }
 * ```
 *
 * The plugin holds the `approval-policy` responsibility, and `directory` when it is given
 * `managers`. The roles its steps name as approvers are known roles (`Plugin.Composition.roles`),
 * so principals may carry them (`finance_controller` above).
 *
 * @since 0.1.0
 */
import { ApprovalPolicy, DecisionTable, Money, Plugin, Problem, TableConfig, Text } from "@procura/core"
import { Effect, Layer } from "effect"
import { z } from "zod"

/**
 * The facts a policy table decides on.
 *
 * @since 0.1.0
 * @category constants
 */
export const columns = [
  { name: "amount", type: "number", description: "the request's total in major units of its currency (10000 = 10,000.00 EUR or 10,000 JPY)" },
  { name: "currency", type: "string", description: "ISO 4217 code of the total" },
  { name: "kinds", type: "string[]", description: "item kinds on the request: hardware, software, consumable, service, enterprise" },
  { name: "categories", type: "string[]", description: "catalog categories on the request" },
  { name: "costCenter", type: "string", description: "the request's cost center, if given" },
  { name: "requester", type: "string", description: "the requester's user id" },
  { name: "channel", type: "string", description: "service_catalog or shopping_hub" },
  { name: "lines", type: "number", description: "number of request lines" }
] as const satisfies ReadonlyArray<DecisionTable.Column>

/**
 * What a policy row adds: one step of the chain.
 *
 * @since 0.1.0
 * @category models
 */
export const Step = z.strictObject({
  level: z.number().int().min(1).default(1).describe("steps run by ascending level, then table order"),
  approver: ApprovalPolicy.Approver.describe("a role, a named user, or the requester's manager"),
  label: Text.name.optional().describe("how the step is shown, e.g. Finance")
})

/**
 * The plugin's configuration.
 *
 * @since 0.1.0
 * @category models
 */
export const Config = z.strictObject({
  policy: TableConfig.schema({
    inputs: columns,
    result: Step,
    hitPolicy: "collect",
    description: "Rows over request facts; each matching row adds an approval step. Hit policy collect by default."
  }),
  managers: z.record(Text.id, Text.id).optional()
    .describe("user id -> manager's user id, for steps whose approver is the requester's manager")
})

/**
 * The plugin's configuration as a host writes it.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigInput = z.input<typeof Config>

const labelOf = (step: z.infer<typeof Step>): string =>
  step.label ?? (step.approver.kind === "role"
    ? `a ${step.approver.role}`
    : step.approver.kind === "user"
    ? step.approver.userId
    : "the requester's manager")

/**
 * The roles a policy table names as approvers, in table order (its default last).
 *
 * @since 0.1.0
 * @category getters
 */
export const approverRoles = (table: DecisionTable.DecisionTable<object, z.infer<typeof Step>>): ReadonlyArray<string> => {
  const steps = [...table.rows.map((row) => row.then), ...(table.default._tag === "Some" ? [table.default.value] : [])]
  return [...new Set(steps.flatMap((step) => (step.approver.kind === "role" ? [step.approver.role] : [])))]
}

/**
 * An approval policy from a policy table.
 *
 * @since 0.1.0
 * @category constructors
 */
export const policyFromTable = (
  table: DecisionTable.DecisionTable<object, z.infer<typeof Step>>,
  name = table.name ?? "approvals policy table"
): ApprovalPolicy.Policy => ({
  name,
  plan: (facts) =>
    Effect.gen(function*() {
      const decision = yield* DecisionTable.evaluate(table, {
        amount: Money.toMajorUnits({ amount: facts.amount, currency: facts.currency }),
        currency: facts.currency,
        kinds: [...facts.kinds],
        categories: [...facts.categories],
        costCenter: facts.costCenter ?? null,
        requester: facts.requesterId,
        channel: facts.channel,
        lines: facts.lineCount
      }).pipe(
        Effect.mapError((error) => new ApprovalPolicy.ApprovalPolicyError({ policy: name, message: `${name}: ${error.message}`, cause: error }))
      )
      const results = decision.hitPolicy === "collect" ? decision.results : decision.result === undefined ? [] : [decision.result]
      const reasons = decision.outcome === "matched"
        ? decision.matched.map((id) => {
          const row = table.rows.find((r) => r.id === id)
          return `rule ${id}${row?.description ? `: ${row.description}` : ""}`
        })
        : results.map(() => "the policy's default")
      const steps = results
        .map((step, i) => ({ step, i, reason: reasons[i] ?? "the policy's default" }))
        .sort((a, b) => a.step.level - b.step.level || a.i - b.i)
        .map(({ step, reason }): ApprovalPolicy.PlannedStep => ({ approver: step.approver, label: labelOf(step), reason }))
      return { steps, explanation: decision.explanation }
    })
})

/**
 * The approvals plugin.
 *
 * @since 0.1.0
 * @category plugins
 */
export const approvals: Plugin.Plugin<"approvals", z.output<typeof Config>> = Plugin.make({
  id: "approvals",
  version: "0.1.0",
  description: "Approval policies as decision tables: multi-level chains by amount, kind, category, cost center or requester.",
  config: Config,
  responsibilities: (config) => ["approval-policy", ...(config.managers === undefined ? [] : ["directory"])],
  errors: [Problem.families.ApprovalPolicyError],
  contribute: (config) => ({
    layer: Layer.mergeAll(
      Layer.succeed(ApprovalPolicy.ApprovalPolicy, policyFromTable(config.policy)),
      config.managers === undefined
        ? Layer.empty
        : Layer.succeed(ApprovalPolicy.Directory, ApprovalPolicy.directoryFromMap(config.managers))
    ),
    roles: approverRoles(config.policy)
  })
})
