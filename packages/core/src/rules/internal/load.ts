/**
 * Loading: validating a table (its structure, columns, row ids, conditions, results, default and,
 * under `unique`, overlapping rows) and compiling it into the plan evaluation checks rows with and
 * the index that narrows which rows it checks, kept beside the table; and the constructors that load from code, data, JSON and YAML. Private to core; the
 * public face is the `DecisionTable` module.
 */
import { Effect, Option } from "effect"
import { LineCounter, parseDocument } from "yaml"
import type { z } from "zod"
import type { Issue } from "../../Errors.js"
import { didYouMean } from "../../internal/nearest.js"
import { parseKnowingKeys } from "../../internal/strict.js"
import { type ColumnContext, compileCondition, findOverlaps } from "./conditions.js"
import { DecisionTableError, invalidTable } from "./errors.js"
import { fromZod, type Locate, locateIn, valueAt } from "./issues.js"
import type { Column, DecisionTable, Definition, HitPolicy, InputOf, Options, Row } from "./model.js"
import { type CompiledCondition, type CompiledRow, makePlan, type Plan } from "./plan.js"
import { makeRowIndex, type RowIndex } from "./rowIndex.js"
import { StructureSchema } from "./schema.js"

const withLocations = (error: DecisionTableError, locate: Locate | undefined): DecisionTableError => {
  if (locate === undefined || error.reason !== "InvalidTable") return error
  const issues = error.issues.map((issue) => {
    const at = locate(issue.path)
    return at === undefined ? issue : { ...issue, message: `${issue.message} (at ${at})` }
  })
  return invalidTable(error.table, issues)
}

const nameOf = (raw: unknown): string | undefined => {
  const name = valueAt(raw, ["name"])
  return typeof name === "string" && name !== "" ? name : undefined
}

/** What loading keeps beside a table: its columns and rows compiled, the plan, the row index (if it pays), and the default. */
export interface Compiled {
  readonly name: string | undefined
  readonly hitPolicy: HitPolicy
  readonly columns: ReadonlyArray<Column>
  readonly rows: ReadonlyArray<CompiledRow>
  readonly plan: Plan
  readonly index: RowIndex | undefined
  readonly fallback: { readonly value: unknown } | undefined
}

/** The compiled form of every table loaded, keyed by the table (a plain object callers hold). */
const compiledTables = new WeakMap<object, Compiled>()

/** The compiled form of a table; a `TypeError` for an object no loader made. */
export const compiledOf = (table: DecisionTable<never, unknown>): Compiled => {
  const compiled = compiledTables.get(table)
  if (compiled === undefined) {
    throw new TypeError("Not a decision table: make tables with DecisionTable.define, decode, fromJson or fromYaml")
  }
  return compiled
}

/** Validates and compiles a table, or returns the error naming every problem. */
const load = (raw: unknown, result: z.ZodType): DecisionTable<object, unknown> | DecisionTableError => {
  const name = nameOf(raw)
  const { knownKeys: structureKeys, result: structure } = parseKnowingKeys(StructureSchema, raw)
  if (!structure.success) return invalidTable(name, fromZod(structure.error, raw, [], structureKeys))
  const definition = structure.data
  const issues: Array<Issue> = []

  const columns = new Map<string, ColumnContext>()
  definition.inputs.forEach((column, index) => {
    if (columns.has(column.name)) {
      issues.push({
        path: ["inputs", index, "name"],
        message: `duplicate column "${column.name}" (inputs[${columns.get(column.name)!.index}] has it too)`,
        received: column.name
      })
    } else {
      const declared: Column = column.description === undefined
        ? { name: column.name, type: column.type }
        : { name: column.name, type: column.type, description: column.description }
      columns.set(column.name, { column: declared, index, issues })
    }
  })
  const columnList = [...columns.values()].map((context) => context.column)
  const columnNames = columnList.map((column) => column.name).join(", ") || "none"

  const ids = new Map<string, number>()
  const compiledRows: Array<CompiledRow> = []
  const rows: Array<Row<unknown>> = []
  definition.rows.forEach((row, index) => {
    const id = row.id ?? `row-${index + 1}`
    const seen = ids.get(id)
    if (seen !== undefined) {
      issues.push({
        path: row.id === undefined ? ["rows", index] : ["rows", index, "id"],
        message: row.id === undefined
          ? `this row's default id "${id}" is already the id of rows[${seen}]; give one of them another id`
          : `duplicate row id "${id}" (rows[${seen}] has it too)`,
        received: id
      })
    } else {
      ids.set(id, index)
    }
    const when = row.when ?? {}
    const conditions: Array<CompiledCondition> = []
    for (const [key, condition] of Object.entries(when)) {
      if (condition === undefined) continue
      const context = columns.get(key)
      if (context === undefined) {
        const suggestion = didYouMean(key, columns.keys())
        issues.push({
          path: ["rows", index, "when", key],
          message: `no input column "${key}"; ${suggestion === undefined ? "" : `${suggestion} `}columns are ${columnNames}`,
          expected: `one of ${columnNames}`,
          received: key
        })
        continue
      }
      conditions.push(...compileCondition(context, ["rows", index, "when", key], condition))
    }
    const { knownKeys: thenKeys, result: then } = parseKnowingKeys(result, row.then)
    if (!then.success) issues.push(...fromZod(then.error, row.then, ["rows", index, "then"], thenKeys))
    const out = then.success ? then.data : undefined
    compiledRows.push({ index, id, description: row.description, conditions, then: out })
    rows.push({ id, description: row.description, when: when as Row<unknown>["when"], then: out })
  })

  let fallback: { readonly value: unknown } | undefined
  if (definition.default !== undefined) {
    const { knownKeys: defaultKeys, result: parsed } = parseKnowingKeys(result, definition.default)
    if (parsed.success) fallback = { value: parsed.data }
    else issues.push(...fromZod(parsed.error, definition.default, ["default"], defaultKeys))
  }

  if (issues.length === 0 && definition.hitPolicy === "unique") issues.push(...findOverlaps(compiledRows))
  if (issues.length > 0) return invalidTable(name, issues)

  const table: DecisionTable<object, unknown> = {
    name,
    description: definition.description,
    hitPolicy: definition.hitPolicy,
    inputs: columnList,
    rows,
    default: fallback === undefined ? Option.none() : Option.some(fallback.value)
  }
  compiledTables.set(table, {
    name,
    hitPolicy: definition.hitPolicy,
    columns: columnList,
    rows: compiledRows,
    plan: makePlan(columnList.length, compiledRows),
    index: makeRowIndex(columnList, compiledRows),
    fallback
  })
  return table
}

/**
 * Makes a table from a typed definition written in code. The input type follows from the
 * columns, and each row's conditions are type-checked against them. The definition is validated
 * like any other (operand types, duplicate ids, results, overlaps under `unique`).
 *
 * @throws DecisionTableError (reason `InvalidTable`) when the definition is invalid.
 * @since 0.1.0
 * @category constructors
 */
export const define = <const Cs extends ReadonlyArray<Column>, const P extends HitPolicy, R extends z.ZodType>(
  definition: Definition<Cs, z.input<R>, P>,
  options: Options<R>
): DecisionTable<InputOf<Cs>, z.output<R>, P> => {
  const table = load(definition, options.result)
  if (table instanceof DecisionTableError) throw table
  return table as DecisionTable<InputOf<Cs>, z.output<R>, P>
}

/**
 * Makes a table from data (parsed JSON or YAML, a database record, a plugin's configuration),
 * failing with an `InvalidTable` error that names every problem's path, value and expectation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const decode = <R extends z.ZodType>(
  raw: unknown,
  options: Options<R>
): Effect.Effect<DecisionTable<object, z.output<R>>, DecisionTableError> =>
  Effect.suspend(() => {
    const table = load(raw, options.result)
    return table instanceof DecisionTableError ? Effect.fail(table) : Effect.succeed(table as DecisionTable<object, z.output<R>>)
  })

/**
 * Makes a table from JSON text. Errors name the path and, where it can be found, the line.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromJson = <R extends z.ZodType>(
  text: string,
  options: Options<R>
): Effect.Effect<DecisionTable<object, z.output<R>>, DecisionTableError> =>
  Effect.suspend(() => {
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause)
      return Effect.fail(invalidTable(undefined, [{ path: [], message: `not valid JSON: ${reason}` }]))
    }
    return decode(raw, options).pipe(Effect.mapError((error) => withLocations(error, locateIn(text))))
  })

/**
 * Makes a table from YAML text (YAML 1.2: `2026-01-01` stays a string, `yes` is not a
 * boolean). Errors name the path and the line.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromYaml = <R extends z.ZodType>(
  text: string,
  options: Options<R>
): Effect.Effect<DecisionTable<object, z.output<R>>, DecisionTableError> =>
  Effect.suspend(() => {
    const lineCounter = new LineCounter()
    const document = parseDocument(text, { lineCounter })
    if (document.errors.length > 0) {
      return Effect.fail(invalidTable(
        undefined,
        document.errors.map((error) => ({ path: [], message: `not valid YAML: ${error.message.split("\n")[0]}` }))
      ))
    }
    return decode(document.toJS(), options).pipe(Effect.mapError((error) => withLocations(error, locateIn(text))))
  })
