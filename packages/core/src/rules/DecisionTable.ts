/**
 * Decision tables: behaviour configured as data.
 *
 * A table declares typed input columns and a list of rows. Each row has conditions on some of
 * the columns (ANDed; a row leaves out the columns it does not care about) and a result. A hit
 * policy says what a match means: the `first` matching row, the only matching row (`unique`), or
 * every matching row (`collect`). The same engine decides approval chains, purchase-channel
 * routing and project templates; the caller gives the shape of the result as a zod schema.
 *
 * Tables are validated and compiled when they are loaded ({@link define}, {@link decode},
 * {@link fromJson}, {@link fromYaml}): a bad table fails with a {@link DecisionTableError} naming
 * the path, the value and what was expected; a good one evaluates an input against a plan
 * compiled at load time, checking only the rows a per-column index leaves for that input. Each
 * {@link Decision} carries an {@link Explanation}, plain JSON for an audit trail, computed only
 * when it is read.
 *
 * The table format, operator by operator, is described in docs/decision-tables.md.
 *
 * The parts live in `rules/internal/`, one concept a file: the model (`model.ts`), the table
 * format as zod schemas (`schema.ts`), loading and compiling (`load.ts`), checking conditions
 * (`conditions.ts`), the compiled plan and its hot path (`plan.ts`), the index that narrows the
 * rows an input can match (`rowIndex.ts`), evaluating with the hit policies (`evaluate.ts`),
 * decisions and their explanations (`decision.ts`), why a condition failed in words
 * (`reasons.ts`) and the errors (`errors.ts`). This module is their one public face.
 *
 * @since 0.1.0
 */
export { formatExplanation } from "./internal/decision.js"
export type {
  CollectDecision,
  Decision,
  Explanation,
  Outcome,
  RowFailure,
  RowRef,
  SingleDecision
} from "./internal/decision.js"
export { DecisionTableError, formatPath } from "./internal/errors.js"
export type { DecisionTableErrorReason } from "./internal/errors.js"
export { evaluate, evaluateMany } from "./internal/evaluate.js"
export { decode, define, fromJson, fromYaml } from "./internal/load.js"
export { ColumnTypes, HitPolicies, Operators, operatorsFor } from "./internal/model.js"
export type {
  Column,
  ColumnType,
  CommonOperators,
  ConditionOf,
  DateValue,
  DecisionTable,
  Definition,
  HitPolicy,
  InputOf,
  Json,
  Operator,
  OperatorsOf,
  Options,
  RangeOperators,
  Row,
  RowDefinition,
  ValueOf,
  WhenOf
} from "./internal/model.js"
export { conditionSchema, jsonSchema } from "./internal/schema.js"
