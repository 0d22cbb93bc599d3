/**
 * Determination by decision tables: one decision per line, site, domain order or order task,
 * with the reason (the matched row, the default, or why nothing matched).
 */
import { DecisionTable } from "@procura/core"
import { Effect } from "effect"
import { OversightError } from "../OversightError.js"
import { reasonOf } from "./rules.js"

/** One decision per input; the reason is the matched row, the default, or why nothing matched. */
export const decideAll = <Out>(
  table: DecisionTable.DecisionTable<object, Out>,
  inputs: ReadonlyArray<{ readonly id: string; readonly what: string; readonly input: object }>
) =>
  Effect.forEach(inputs, ({ id, what, input }) =>
    DecisionTable.evaluate(table, input).pipe(
      Effect.map((decision) => {
        const result = decision.hitPolicy === "collect" ? decision.results[0] : decision.result
        return { result, reason: reasonOf(table.name ?? "table", decision) }
      }),
      Effect.mapError((error) => new OversightError({ reason: "DecisionFailed", id, message: `${what}: ${error.message}` }))
    ))
