/**
 * Decision tables inside configuration: a zod schema that reads a table from a plugin's
 * configuration, so a bad table is reported like any other configuration problem, with the path
 * from the configuration's root (`plugins.approvals.policy.rows[2].when.amount.gte: ...`).
 *
 * The consumer fixes the table's input columns (the facts it evaluates on) and the result schema;
 * the configuration gives the rows, the hit policy and the default. Like the rest of a
 * configuration, a table refuses unknown keys at every level, its results' included, naming the
 * nearest valid key.
 *
 * @since 0.1.0
 */
import { Effect, Exit } from "effect"
import { z } from "zod"
import { strict } from "../internal/strict.js"
import * as DecisionTable from "./DecisionTable.js"

/**
 * Options of {@link schema}.
 *
 * @since 0.1.0
 * @category options
 */
export interface SchemaOptions<R extends z.ZodType> {
  /** The input columns, fixed by the consumer; a configuration may not declare its own. */
  readonly inputs: ReadonlyArray<DecisionTable.Column>
  /** The schema of each row's result. */
  readonly result: R
  /** The hit policy when the configuration names none. */
  readonly hitPolicy?: DecisionTable.HitPolicy
  readonly description?: string
}

/**
 * The zod schema {@link schema} returns: configuration data in, a compiled table out.
 *
 * @since 0.1.0
 * @category models
 */
export type TableSchema<R extends z.ZodType> = z.ZodType<DecisionTable.DecisionTable<object, z.output<R>>, unknown>

/**
 * A zod schema reading a decision table from configuration data into a compiled table.
 *
 * @since 0.1.0
 * @category constructors
 */
export const schema = <R extends z.ZodType>(options: SchemaOptions<R>): TableSchema<R> => {
  const result = strict(options.result)
  return z.unknown()
    .transform((raw, context): DecisionTable.DecisionTable<object, z.output<R>> => {
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        context.addIssue({ code: "custom", message: "expected a decision table: { hitPolicy?, rows, default? }", input: raw })
        return z.NEVER
      }
      if ("inputs" in raw) {
        context.addIssue({
          code: "custom",
          path: ["inputs"],
          message: `the columns of this table are fixed: ${options.inputs.map((c) => `${c.name} (${c.type})`).join(", ")}; remove "inputs"`,
          input: (raw as { inputs: unknown }).inputs
        })
        return z.NEVER
      }
      const exit = Effect.runSyncExit(
        DecisionTable.decode({ hitPolicy: options.hitPolicy ?? "first", ...raw, inputs: options.inputs }, { result })
      )
      if (Exit.isSuccess(exit)) return exit.value
      const failure = exit.cause.reasons.find((reason) => reason._tag === "Fail")
      const error = failure?._tag === "Fail" ? failure.error : undefined
      for (const issue of error?.issues ?? [{ path: [], message: "the decision table could not be read" }]) {
        context.addIssue({
          code: "custom",
          path: [...issue.path],
          message: issue.expected === undefined ? issue.message : `${issue.message} (expected ${issue.expected})`,
          input: issue.received
        })
      }
      return z.NEVER
    })
    .meta({
      description: options.description ?? "A decision table",
      ...DecisionTable.jsonSchema({ result, inputs: options.inputs })
    })
}
