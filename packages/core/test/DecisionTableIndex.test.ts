/**
 * The row index and the compiled plan change how fast a table decides, never what it decides: for
 * random tables (every column type, every operator, several operators on one column, every hit
 * policy, with and without a default) and random inputs, evaluation through the index returns
 * exactly the decision and the explanation (or the error) of a scan of every row, and both match
 * the rows whose conditions each pass their own test (the plan's keyed bit tests included). Also: large tables are indexed by
 * default and the index narrows the rows it checks, and the hand-written ISO-8601 parser reads
 * exactly what the documented pattern describes.
 */
import { assert, describe, it } from "@effect/vitest"
import { DecisionTable } from "@procura/core"
import { Arbitrary, Effect, Exit, Schema } from "effect"
import { z } from "zod"
import { decide } from "../src/rules/internal/evaluate.js"
import { type Compiled, compiledOf } from "../src/rules/internal/load.js"
import { candidatesFor, makeRowIndex } from "../src/rules/internal/rowIndex.js"
import { isoPattern, notOfType, parseIso, readValue } from "../src/rules/internal/values.js"

/** One of a fixed list of values (shrinking towards the first). */
const oneOf = <const A>(values: ReadonlyArray<A>): Arbitrary.Arbitrary<A> =>
  Arbitrary.map(
    Arbitrary.schema(Schema.Literals(values.map((_, i) => i) as unknown as readonly [number, ...Array<number>])),
    (i) => values[i]!
  )

const strings = ["", "a", "b", "ab", "ba"] as const
const numbers = [-1, 0, 1, 2, 3, 5] as const
const dates = ["2026-01-01", "2026-01-02", "2026-01-02T12:00:00Z", "2026-01-03T00:00:00+01:00", "2026-01-05"] as const
const lists = [[], ["a"], ["b"], ["a", "b"], ["b", "a", "c"]] as const

const columns = [
  { name: "s", type: "string" },
  { name: "n", type: "number" },
  { name: "b", type: "boolean" },
  { name: "d", type: "date" },
  { name: "l", type: "string[]" }
] as const satisfies ReadonlyArray<DecisionTable.Column>

type ColumnName = (typeof columns)[number]["name"]

const valuesOf: { readonly [T in DecisionTable.ColumnType]: Arbitrary.Arbitrary<unknown> } = {
  string: oneOf(strings),
  number: oneOf(numbers),
  boolean: oneOf([true, false]),
  date: oneOf(dates),
  "string[]": oneOf(lists)
}

/** An operand for `operator` on a column of `type`, valid by construction. */
const operandOf = (type: DecisionTable.ColumnType, operator: DecisionTable.Operator): Arbitrary.Arbitrary<unknown> => {
  const element = type === "string[]" ? valuesOf.string : valuesOf[type]
  switch (operator) {
    case "in":
    case "notIn":
      return Arbitrary.array(element, { minLength: 1, maxLength: 3 })
    case "between":
      return Arbitrary.map(Arbitrary.all([valuesOf[type], valuesOf[type]]), ([a, b]) => {
        const order = type === "date" ? parseIso(a as string)! - parseIso(b as string)! : (a as number) - (b as number)
        return order <= 0 ? [a, b] : [b, a]
      })
    case "contains":
    case "startsWith":
      return valuesOf.string
    case "isEmpty":
    case "isNotEmpty":
      return valuesOf.boolean
    default:
      return valuesOf[type]
  }
}

/** A condition on a column: none, a bare value, or an object of one or two operators. */
const conditionOf = (type: DecisionTable.ColumnType): Arbitrary.Arbitrary<unknown> =>
  Arbitrary.flatMap(oneOf(["none", "bare", "operators"] as const), (shape) => {
    if (shape === "none") return Arbitrary.Constant(undefined)
    if (shape === "bare") return valuesOf[type]
    const operator = Arbitrary.flatMap(
      oneOf(DecisionTable.operatorsFor[type]),
      (name) => Arbitrary.map(operandOf(type, name), (operand) => [name, operand] as const)
    )
    return Arbitrary.map(Arbitrary.array(operator, { minLength: 1, maxLength: 2 }), Object.fromEntries)
  })

const row = Arbitrary.all(Object.fromEntries(columns.map((column) => [column.name, conditionOf(column.type)])) as {
  readonly [K in ColumnName]: Arbitrary.Arbitrary<unknown>
})

const input = Arbitrary.all(Object.fromEntries(columns.map((column) => [
  column.name,
  Arbitrary.flatMap(oneOf([true, false, true]), (present) => (present ? valuesOf[column.type] : Arbitrary.Constant(undefined)))
])) as { readonly [K in ColumnName]: Arbitrary.Arbitrary<unknown> })

const withoutUndefined = (record: Readonly<Record<string, unknown>>) =>
  Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined))

/** The decision or the error of one evaluation, as JSON (decisions with their explanation). */
const outcome = (compiled: Compiled, value: object): unknown => JSON.parse(JSON.stringify(decide(compiled, value)))

/** The table's compiled form three ways: scanning every row, and through an index forced on every column. */
const variants = (table: DecisionTable.DecisionTable) => {
  const compiled = compiledOf(table)
  return {
    scan: { ...compiled, index: undefined },
    indexed: { ...compiled, index: makeRowIndex(compiled.columns, compiled.rows, { force: true }) }
  }
}

/** The ids of the rows whose every condition passes its own test (no plan, no index): what any hit policy picks from. */
const referenceMatches = (compiled: Compiled, value: Readonly<Record<string, unknown>>): Array<string> => {
  const values = compiled.columns.map((column) => {
    const raw = value[column.name]
    const read = raw === undefined ? undefined : readValue(column.type, raw)
    assert.notStrictEqual(read, notOfType)
    return read === notOfType ? undefined : read
  })
  return compiled.rows.filter((row) => row.conditions.every((condition) => condition.test(values[condition.column]))).map((row) => row.id)
}

/** Asserts that a decision (or error) is what the hit policy makes of the reference matches. */
const assertDecidedAsReference = (compiled: Compiled, value: Readonly<Record<string, unknown>>, context: string) => {
  const expected = referenceMatches(compiled, value)
  const decision = decide(compiled, value)
  if (compiled.hitPolicy === "unique" && expected.length > 1) {
    assert.strictEqual((decision as { readonly reason?: string }).reason, "AmbiguousMatch", context)
    return
  }
  const matched = "matched" in decision ? decision.matched : undefined
  assert.deepStrictEqual(matched, compiled.hitPolicy === "collect" ? expected : expected.slice(0, 1), context)
}

describe("DecisionTable row index", () => {
  it.prop(
    "decides and explains exactly as a scan of every row, for every hit policy",
    {
      hitPolicy: oneOf(DecisionTable.HitPolicies),
      withDefault: oneOf([false, true]),
      rows: Arbitrary.array(row, { maxLength: 14 }),
      inputs: Arbitrary.array(input, { minLength: 1, maxLength: 12 })
    },
    ({ hitPolicy, inputs, rows, withDefault }) => {
      const raw = {
        hitPolicy,
        inputs: columns,
        rows: rows.map((when, i) => ({ when: withoutUndefined(when), then: `r${i}` })),
        ...(withDefault ? { default: "fallback" } : {})
      }
      const loaded = Effect.runSyncExit(DecisionTable.decode(raw, { result: z.string() }))
      // Hit policy unique refuses overlapping rows at load; there is nothing to evaluate then.
      if (Exit.isFailure(loaded)) return
      const { indexed, scan } = variants(loaded.value)
      if (rows.length > 0) assert.isDefined(indexed.index)
      for (const value of inputs) {
        const each = withoutUndefined(value)
        const context = JSON.stringify({ raw, input: each })
        assert.deepStrictEqual(outcome(indexed, each), outcome(scan, each), context)
        assertDecidedAsReference(scan, each, context)
      }
    },
    { arbitrary: { runs: 400 } }
  )

  it.effect("indexes a large table by default and checks only the rows an input can match", () =>
    Effect.gen(function*() {
      // 2,000 rows: a code each (equals), an amount band (between), sometimes a region list (in).
      const rows = Array.from({ length: 2_000 }, (_, i) => ({
        id: `row-${i}`,
        when: {
          code: `C${i % 500}`,
          amount: { between: [(i % 40) * 100, (i % 40) * 100 + 150] },
          ...(i % 3 === 0 ? { region: { in: ["north", "east"] } } : {})
        },
        then: i
      }))
      const table = yield* DecisionTable.decode({
        hitPolicy: "collect",
        inputs: [{ name: "code", type: "string" }, { name: "amount", type: "number" }, { name: "region", type: "string" }],
        rows
      }, { result: z.number() })
      const compiled = compiledOf(table)
      assert.isDefined(compiled.index)
      const scan = { ...compiled, index: undefined }
      for (const probe of [{ code: "C7", amount: 720 }, { code: "C7", amount: 730, region: "north" }, { amount: 50 }, { code: "C499", amount: 3950 }]) {
        const candidates = candidatesFor(compiled.index!, [probe.code, probe.amount, probe.region])
        assert.isDefined(candidates)
        // The code column leaves its 4 rows; the amount band about 1 in 20.
        assert.isBelow(candidates!.hits.length + candidates!.open.length, 200)
        const decision = yield* DecisionTable.evaluate(table, probe)
        assert.deepStrictEqual(JSON.parse(JSON.stringify(decision)), outcome(scan, probe))
      }
      const decision = yield* DecisionTable.evaluate(table, { code: "C7", amount: 720 })
      assert.deepStrictEqual(decision.matched, ["row-7", "row-1007"])
    }))

  it("decides as each condition's own test on columns naming too many values to key", () => {
    // 40 codes between the rows: more than the plan keys (31), so these conditions keep their set lookups.
    const table = DecisionTable.define({
      hitPolicy: "collect",
      inputs: [{ name: "code", type: "string" }, { name: "flag", type: "boolean" }],
      rows: Array.from({ length: 80 }, (_, i) => ({
        when: i % 2 === 0
          ? { code: { in: [`C${i % 40}`, `C${(i + 7) % 40}`] }, flag: true }
          : { code: { notIn: [`C${i % 40}`] }, flag: { notEquals: true } },
        then: i
      }))
    }, { result: z.number() })
    const compiled = compiledOf(table)
    assert.isUndefined(compiled.plan.keys[0])
    assert.isDefined(compiled.plan.keys[1])
    for (const code of ["C0", "C7", "C39", "C40", undefined]) {
      for (const flag of [true, false, undefined]) {
        const value = withoutUndefined({ code, flag })
        assertDecidedAsReference(compiled, value, JSON.stringify(value))
        assertDecidedAsReference({ ...compiled, index: undefined }, value, JSON.stringify(value))
      }
    }
  })

  it("leaves small tables to the scan", () => {
    const table = DecisionTable.define({
      hitPolicy: "first",
      inputs: [{ name: "code", type: "string" }],
      rows: Array.from({ length: 10 }, (_, i) => ({ when: { code: `C${i}` }, then: i }))
    }, { result: z.number() })
    assert.isUndefined(compiledOf(table).index)
  })
})

/** What the parser must accept: the documented pattern, then the calendar and clock checked, read as UTC unless an offset says otherwise. */
const referenceIso = (text: string): number | undefined => {
  const m = isoPattern.exec(text)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [number, number, number, number, number, number]
  const millis = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3))
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate()
  if (month < 1 || month > 12 || day < 1 || day > lastDay || hour > 23 || minute > 59 || second > 59) return undefined
  let offset = 0
  const zone = m[8]
  if (zone !== undefined && zone !== "Z") {
    const digits = zone.slice(1).replace(":", "")
    const [hours, minutes] = [Number(digits.slice(0, 2)), Number(digits.slice(2))]
    if (hours > 23 || minutes > 59) return undefined
    offset = (zone[0] === "-" ? -1 : 1) * (hours * 60 + minutes)
  }
  const utc = new Date(0)
  utc.setUTCFullYear(year, month - 1, day)
  utc.setUTCHours(hour, minute, second, millis)
  return utc.getTime() - offset * 60_000
}

describe("parseIso", () => {
  const pieces = [
    oneOf(["2026", "0050", "1900", "2000", "2024", "9999", "202", "20a6"]),
    oneOf(["-", "", "/"]),
    oneOf(["01", "02", "12", "13", "00", "1"]),
    oneOf(["-", ""]),
    oneOf(["01", "28", "29", "30", "31", "00", "3"]),
    oneOf(["", "", "T", "t", " "]),
    oneOf(["", "00", "23", "24", "9"]),
    oneOf(["", ":", ":", "-"]),
    oneOf(["", "00", "59", "60"]),
    oneOf(["", ":59", ":00", ":60", ":5"]),
    oneOf(["", ".1", ".12", ".123", ".123456789", ".1234567890", "."]),
    oneOf(["", "Z", "z", "+05:30", "-0800", "+24:00", "+05:60", "+05:3", "+05", "Zx"])
  ] as const

  it.prop(
    "reads exactly what the documented pattern describes",
    { parts: Arbitrary.all(pieces) },
    ({ parts }) => {
      const text = parts.join("")
      assert.strictEqual(parseIso(text), referenceIso(text), text)
    },
    { arbitrary: { runs: 3_000 } }
  )
})
