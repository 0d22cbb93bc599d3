/**
 * Why a condition failed, in words (`amount 500 is not >= 10000`), and a condition's operand as
 * JSON, for explanations. Private to core; the public face is the `DecisionTable` module.
 */
import type { Column, ColumnType, Json, Operator } from "./model.js"
import type { CompiledCondition } from "./plan.js"
import { isEmptyValue, type Normalized, show, showValue, toJson } from "./values.js"

const listText = (type: ColumnType, values: ReadonlyArray<Normalized>) => values.map((v) => showValue(type, v)).join(", ")

/** Why `condition` failed on `value`, e.g. `amount 500 is not >= 10000`. */
export const failureReason = (column: Column, condition: CompiledCondition, value: Normalized): string => {
  const { name, type } = column
  const operand = condition.operand
  const shown = showValue(type, value)
  const symbols: Partial<Record<Operator, string>> = { gt: ">", gte: ">=", lt: "<", lte: "<=" }
  if (value === undefined && condition.operator !== "isEmpty" && condition.operator !== "isNotEmpty") {
    return `${name} is missing`
  }
  switch (condition.operator) {
    case "equals":
      return `${name} ${shown} is not ${showValue(type, operand as Normalized)}`
    case "notEquals":
      return `${name} ${shown} is ${showValue(type, operand as Normalized)}, which the row excludes`
    case "in":
      return type === "string[]"
        ? `${name} ${shown} has no member in ${listText("string", operand as ReadonlyArray<Normalized>)}`
        : `${name} ${shown} is not one of ${listText(type, operand as ReadonlyArray<Normalized>)}`
    case "notIn":
      return type === "string[]"
        ? `${name} ${shown} has a member in the excluded ${listText("string", operand as ReadonlyArray<Normalized>)}`
        : `${name} ${shown} is one of the excluded ${listText(type, operand as ReadonlyArray<Normalized>)}`
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return `${name} ${shown} is not ${symbols[condition.operator]} ${showValue(type, operand as Normalized)}`
    case "between": {
      const [min, max] = operand as ReadonlyArray<Normalized>
      return `${name} ${shown} is not between ${showValue(type, min)} and ${showValue(type, max)}`
    }
    case "contains":
      return `${name} ${shown} does not contain ${show(operand)}`
    case "startsWith":
      return `${name} ${shown} does not start with ${show(operand)}`
    case "isEmpty":
    case "isNotEmpty":
      return isEmptyValue(value) ? `${name} is empty` : `${name} ${shown} is not empty`
  }
}

/** A condition's operand as JSON, for explanations: dates as ISO-8601 strings. */
export const operandJson = (type: ColumnType, condition: CompiledCondition): Json => {
  const operand = condition.operand
  if (Array.isArray(operand)) {
    if (type === "string[]" && (condition.operator === "equals" || condition.operator === "notEquals")) return operand as Json
    const elementType: ColumnType = type === "string[]" ? "string" : type
    return (operand as ReadonlyArray<Normalized>).map((v) => toJson(elementType, v))
  }
  return condition.operator === "isEmpty" || condition.operator === "isNotEmpty" || condition.operator === "contains" ||
      condition.operator === "startsWith"
    ? (operand as Json)
    : toJson(type, operand as Normalized)
}
