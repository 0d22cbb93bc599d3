/**
 * The table format as zod schemas: the structure every table is first read with, the schema of a
 * condition on a column of each type, and the JSON Schema of a whole table for form builders and
 * editors. Private to core; the public face is the `DecisionTable` module.
 */
import { z } from "zod"
import { type Column, type ColumnType, ColumnTypes, HitPolicies, type Operator, Operators, operatorsFor } from "./model.js"
import { isoPattern, parseIso } from "./values.js"

const columnName = /^[A-Za-z_][A-Za-z0-9_]*$/

const ColumnSchema = z.strictObject({
  name: z.string().regex(columnName, { error: "expected a column name: a letter or _, then letters, digits or _" })
    .describe("The input field the column reads."),
  type: z.enum(ColumnTypes).describe("The column's type; dates are ISO-8601 strings, compared as instants."),
  description: z.string().optional()
})

const tableSchema = (when: z.ZodType, then: z.ZodType) =>
  z.strictObject({
    name: z.string().min(1).optional().describe("A name for messages and audit records."),
    description: z.string().optional(),
    hitPolicy: z.enum(HitPolicies).describe(
      "first: the first matching row; unique: at most one row may match; collect: every matching row, in order."
    ),
    inputs: z.array(ColumnSchema).describe("The input columns."),
    rows: z.array(
      z.strictObject({
        id: z.string().min(1).optional().describe("Defaults to row-<n>, 1-based."),
        description: z.string().optional(),
        when: when.optional().describe(
          "Conditions by column, ANDed; a bare value means equals. A row without conditions matches every input."
        ),
        then
      })
    ),
    default: then.optional().describe("The result when no row matches.")
  })

/** A table's structure, conditions and results not yet checked: what loading reads first. */
export const StructureSchema = tableSchema(z.record(z.string(), z.unknown()), z.unknown())

const IsoDate = z.string()
  .regex(isoPattern, { error: "expected an ISO-8601 date or date-time" })
  .refine((text) => parseIso(text) !== undefined, { error: "expected a valid date" })
  .describe("An ISO-8601 date (midnight UTC) or date-time (UTC unless an offset is given).")

const valueSchema = (type: ColumnType): z.ZodType => {
  switch (type) {
    case "string":
      return z.string()
    case "number":
      return z.number()
    case "boolean":
      return z.boolean()
    case "date":
      return IsoDate
    case "string[]":
      return z.array(z.string())
  }
}

/**
 * The zod schema of a condition, in its JSON form, on a column of the given type: a bare value
 * (equals) or an object of the operators that type accepts. For form builders and editors; the
 * loaders check the same rules with messages naming the column.
 *
 * @since 0.1.0
 * @category models
 */
export const conditionSchema = (type: ColumnType): z.ZodType => {
  const value = valueSchema(type)
  const element = type === "string[]" ? z.string() : value
  const list = z.array(element).min(1)
  const shapes: Record<Operator, z.ZodType> = {
    equals: value,
    notEquals: value,
    in: list,
    notIn: list,
    gt: value,
    gte: value,
    lt: value,
    lte: value,
    between: z.tuple([value, value]).refine(
      ([min, max]) => (type === "date" ? (parseIso(min as string) ?? 0) <= (parseIso(max as string) ?? 0) : (min as number) <= (max as number)),
      { error: "expected min <= max" }
    ),
    contains: z.string(),
    startsWith: z.string(),
    isEmpty: z.boolean(),
    isNotEmpty: z.boolean()
  }
  const accepted = Object.fromEntries(operatorsFor[type].map((operator) => [operator, shapes[operator].optional()]))
  const object = z.strictObject(accepted)
    .refine((o) => Object.keys(o).length > 0, { error: "expected at least one operator" })
    .meta({ minProperties: 1 })
  return z.union([value.describe("A bare value: equals."), object.describe(`Operators for a ${type} column, ANDed.`)])
}

const anyConditionSchema = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.array(z.string()),
  z.partialRecord(z.enum(Operators), z.unknown()).meta({ minProperties: 1 })
]).describe("A bare value (equals) or an operator object such as { \"gte\": 10000 }.")

/**
 * The JSON Schema of a table definition whose results follow `result`, for form builders and
 * editors. Given `inputs`, each row's `when` lists exactly those columns, each with the operators
 * of its type.
 *
 * @since 0.1.0
 * @category conversions
 */
export const jsonSchema = (options: {
  readonly result: z.ZodType
  readonly inputs?: ReadonlyArray<Column>
}): Record<string, unknown> => {
  const when = options.inputs === undefined
    ? z.record(z.string(), anyConditionSchema)
    : z.strictObject(
      Object.fromEntries(options.inputs.map((column) => [column.name, conditionSchema(column.type).optional()]))
    )
  return z.toJSONSchema(tableSchema(when, options.result).describe("A Procura decision table."), {
    io: "input",
    unrepresentable: "any"
  }) as Record<string, unknown>
}
