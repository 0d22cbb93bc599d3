import { assert, describe, it } from "@effect/vitest"
import { DecisionTable } from "@procura/core"
import { Effect } from "effect"
import { z } from "zod"

const Channel = z.object({
  channel: z.enum(["service_catalog", "shopping_hub"]),
  queue: z.string().optional()
})

const routingColumns = [
  { name: "amount", type: "number" },
  { name: "currency", type: "string" },
  { name: "kind", type: "string" }
] as const

/** A table over one column `x` of `type` with one row holding `condition`; "hit" when it matches. */
const oneCondition = (type: DecisionTable.ColumnType, condition: unknown) =>
  Effect.runSync(
    DecisionTable.decode(
      { hitPolicy: "first", inputs: [{ name: "x", type }], rows: [{ when: { x: condition }, then: "hit" }] },
      { result: z.string() }
    )
  )

const matchesOne = (type: DecisionTable.ColumnType, condition: unknown, value: unknown) =>
  Effect.runSync(DecisionTable.evaluate(oneCondition(type, condition), value === undefined ? {} : { x: value })).outcome === "matched"

/** The error a raw table fails to load with. */
const loadError = (raw: unknown, result: z.ZodType = Channel) =>
  Effect.runSync(Effect.flip(DecisionTable.decode(raw, { result })))

const routing = (rows: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) => ({
  name: "routing",
  hitPolicy: "first",
  inputs: routingColumns,
  rows,
  ...extra
})

describe("DecisionTable operators", () => {
  // [column type, condition, input value, matches?]; `undefined` means the input has no value.
  const cases: ReadonlyArray<readonly [DecisionTable.ColumnType, unknown, unknown, boolean]> = [
    // string
    ["string", "EUR", "EUR", true],
    ["string", "EUR", "USD", false],
    ["string", "EUR", "eur", false],
    ["string", "EUR", undefined, false],
    ["string", { equals: "EUR" }, "EUR", true],
    ["string", { equals: "EUR" }, "GBP", false],
    ["string", { notEquals: "EUR" }, "USD", true],
    ["string", { notEquals: "EUR" }, "EUR", false],
    ["string", { notEquals: "EUR" }, undefined, true],
    ["string", { in: ["hardware", "software"] }, "software", true],
    ["string", { in: ["hardware", "software"] }, "service", false],
    ["string", { in: ["hardware", "software"] }, undefined, false],
    ["string", { notIn: ["hardware", "software"] }, "service", true],
    ["string", { notIn: ["hardware", "software"] }, "hardware", false],
    ["string", { notIn: ["hardware"] }, undefined, true],
    ["string", { contains: "top" }, "laptop bag", true],
    ["string", { contains: "top" }, "desk", false],
    ["string", { contains: "top" }, undefined, false],
    ["string", { startsWith: "LAT-" }, "LAT-7450", true],
    ["string", { startsWith: "LAT-" }, "XLAT-7450", false],
    ["string", { isEmpty: true }, undefined, true],
    ["string", { isEmpty: true }, null, true],
    ["string", { isEmpty: true }, "", true],
    ["string", { isEmpty: true }, "CC-1", false],
    ["string", { isEmpty: false }, "CC-1", true],
    ["string", { isEmpty: false }, "", false],
    ["string", { isNotEmpty: true }, "CC-1", true],
    ["string", { isNotEmpty: true }, "", false],
    ["string", { isNotEmpty: true }, null, false],
    ["string", { isNotEmpty: false }, undefined, true],
    // number
    ["number", 100, 100, true],
    ["number", 100, 101, false],
    ["number", { notEquals: 100 }, 101, true],
    ["number", { notEquals: 100 }, 100, false],
    ["number", { gt: 100 }, 101, true],
    ["number", { gt: 100 }, 100, false],
    ["number", { gt: 100 }, undefined, false],
    ["number", { gte: 100 }, 100, true],
    ["number", { gte: 100 }, 99.5, false],
    ["number", { lt: 100 }, 99, true],
    ["number", { lt: 100 }, 100, false],
    ["number", { lte: 100 }, 100, true],
    ["number", { lte: 100 }, 100.01, false],
    ["number", { lte: 100 }, undefined, false],
    ["number", { between: [10, 20] }, 10, true],
    ["number", { between: [10, 20] }, 20, true],
    ["number", { between: [10, 20] }, 15, true],
    ["number", { between: [10, 20] }, 9, false],
    ["number", { between: [10, 20] }, 21, false],
    ["number", { gte: 10, lt: 20 }, 19, true],
    ["number", { gte: 10, lt: 20 }, 20, false],
    ["number", { in: [1, 2] }, 2, true],
    ["number", { in: [1, 2] }, 3, false],
    ["number", { notIn: [1, 2] }, 3, true],
    ["number", { notIn: [1, 2] }, 1, false],
    ["number", { isEmpty: true }, undefined, true],
    ["number", { isEmpty: true }, 0, false],
    ["number", { isNotEmpty: true }, 0, true],
    ["number", { isNotEmpty: true }, undefined, false],
    // boolean
    ["boolean", true, true, true],
    ["boolean", true, false, false],
    ["boolean", { notEquals: true }, false, true],
    ["boolean", { notEquals: true }, true, false],
    ["boolean", { in: [true] }, true, true],
    ["boolean", { in: [true] }, false, false],
    ["boolean", { isEmpty: true }, false, false],
    ["boolean", { isEmpty: true }, undefined, true],
    ["boolean", { notIn: [false] }, true, true],
    ["boolean", { notIn: [false] }, false, false],
    ["boolean", { isNotEmpty: true }, false, true],
    ["boolean", { isNotEmpty: true }, null, false],
    // date: ISO dates are midnight UTC, date-times without an offset are UTC, compared as instants
    ["date", "2026-03-01", new Date(Date.UTC(2026, 2, 1)), true],
    ["date", "2026-03-01", "2026-03-01T00:00:00Z", true],
    ["date", "2026-03-01", "2026-03-01T01:00:00+01:00", true],
    ["date", "2026-03-01", "2026-03-01T00:00:00", true],
    ["date", "2026-03-01", "2026-03-02", false],
    ["date", "2026-03-01", "2026-03-01T00:00:00.001Z", false],
    ["date", { equals: new Date(Date.UTC(2026, 2, 1, 12)) }, "2026-03-01T12:00:00.000Z", true],
    ["date", { notEquals: "2026-03-01" }, "2026-03-02", true],
    ["date", { notEquals: "2026-03-01" }, "2026-03-01", false],
    ["date", { gt: "2026-03-01T12:00:00Z" }, "2026-03-01T12:00:01Z", true],
    ["date", { gt: "2026-03-01T12:00:00Z" }, "2026-03-01T13:00:00+01:00", false],
    ["date", { gte: "2026-03-01" }, "2026-03-01", true],
    ["date", { gte: "2026-03-01" }, "2026-02-28T23:59:59Z", false],
    ["date", { lt: "2026-03-01" }, "2026-02-28", true],
    ["date", { lt: "2026-03-01" }, "2026-03-01", false],
    ["date", { lte: "2026-03-01" }, "2026-03-01", true],
    ["date", { lte: "2026-03-01" }, "2026-03-01T00:00:01Z", false],
    ["date", { lte: "2026-03-01" }, undefined, false],
    ["date", { between: ["2026-01-01", "2026-03-31"] }, "2026-03-31", true],
    ["date", { between: ["2026-01-01", "2026-03-31"] }, "2026-01-01", true],
    ["date", { between: ["2026-01-01", "2026-03-31"] }, "2026-03-31T00:00:01Z", false],
    ["date", { between: ["2026-01-01", "2026-03-31"] }, "2025-12-31", false],
    ["date", { in: ["2026-01-01", "2026-02-01"] }, new Date(Date.UTC(2026, 1, 1)), true],
    ["date", { in: ["2026-01-01", "2026-02-01"] }, "2026-01-15", false],
    ["date", { notIn: ["2026-01-01"] }, "2026-01-02", true],
    ["date", { notIn: ["2026-01-01"] }, "2026-01-01", false],
    ["date", { gte: "2026-03-01" }, { epochMilliseconds: Date.UTC(2026, 2, 2) }, true],
    ["date", { gte: "2026-03-01" }, { epochMilliseconds: Date.UTC(2026, 1, 2) }, false],
    ["date", { isEmpty: true }, undefined, true],
    ["date", { isEmpty: true }, "2026-03-01", false],
    ["date", { isNotEmpty: true }, "2026-03-01", true],
    ["date", { isNotEmpty: true }, undefined, false],
    // string[]: equals compares members in any order; in = some member is listed; contains = has the member
    ["string[]", ["a", "b"], ["b", "a"], true],
    ["string[]", ["a", "b"], ["a", "a", "b"], true],
    ["string[]", ["a", "b"], ["a"], false],
    ["string[]", ["a", "b"], ["a", "b", "c"], false],
    ["string[]", { notEquals: ["a", "b"] }, ["a"], true],
    ["string[]", { notEquals: ["a", "b"] }, ["b", "a"], false],
    ["string[]", { contains: "b" }, ["a", "b"], true],
    ["string[]", { contains: "b" }, ["a", "bb"], false],
    ["string[]", { contains: "b" }, undefined, false],
    ["string[]", { in: ["x", "b"] }, ["a", "b"], true],
    ["string[]", { in: ["x", "b"] }, ["a"], false],
    ["string[]", { in: ["x", "b"] }, [], false],
    ["string[]", { notIn: ["x"] }, ["a"], true],
    ["string[]", { notIn: ["x"] }, ["a", "x"], false],
    ["string[]", { notIn: ["x"] }, [], true],
    ["string[]", { isEmpty: true }, [], true],
    ["string[]", { isEmpty: true }, undefined, true],
    ["string[]", { isEmpty: true }, ["a"], false],
    ["string[]", { isNotEmpty: true }, ["a"], true],
    ["string[]", { isNotEmpty: true }, [], false]
  ]
  for (const [type, condition, value, expected] of cases) {
    const shown = value instanceof Date ? value.toISOString() : JSON.stringify(value) ?? "missing"
    it(`${type} ${JSON.stringify(condition)} ${expected ? "matches" : "does not match"} ${shown}`, () => {
      assert.strictEqual(matchesOne(type, condition, value), expected)
    })
  }

  it("covers every operator on every column type that accepts it, both ways", () => {
    const covered = new Map<string, Set<boolean>>()
    for (const [type, condition, , expected] of cases) {
      const operators = typeof condition === "object" && condition !== null && !Array.isArray(condition) && !(condition instanceof Date)
        ? Object.keys(condition)
        : ["equals"]
      for (const operator of operators) {
        const key = `${type} ${operator}`
        covered.set(key, (covered.get(key) ?? new Set()).add(expected))
      }
    }
    const missing = DecisionTable.ColumnTypes.flatMap((type) =>
      DecisionTable.operatorsFor[type].filter((operator) => covered.get(`${type} ${operator}`)?.size !== 2).map((operator) => `${type} ${operator}`)
    )
    assert.deepStrictEqual(missing, [])
  })

  it.effect("ANDs the conditions of a row; a row without conditions matches everything", () =>
    Effect.gen(function*() {
      const table = DecisionTable.define({
        hitPolicy: "first",
        inputs: routingColumns,
        rows: [
          { id: "big-eur", when: { amount: { gte: 10_000 }, currency: "EUR" }, then: { channel: "shopping_hub" } },
          { id: "anything", then: { channel: "service_catalog" } }
        ]
      }, { result: Channel })
      assert.deepStrictEqual((yield* DecisionTable.evaluate(table, { amount: 20_000, currency: "EUR" })).matched, ["big-eur"])
      assert.deepStrictEqual((yield* DecisionTable.evaluate(table, { amount: 20_000, currency: "USD" })).matched, ["anything"])
      assert.deepStrictEqual((yield* DecisionTable.evaluate(table, { amount: 500, currency: "EUR" })).matched, ["anything"])
      assert.deepStrictEqual((yield* DecisionTable.evaluate(table, {})).matched, ["anything"])
    }))
})

describe("DecisionTable hit policies", () => {
  const rows = [
    { id: "hardware", when: { kind: "hardware" }, then: { channel: "shopping_hub", queue: "hw" } },
    { description: "big orders", when: { amount: { gte: 10_000 } }, then: { channel: "service_catalog", queue: "big" } },
    { when: { kind: { in: ["software", "service"] } }, then: { channel: "service_catalog" } }
  ] as const

  it.effect("first: the first matching row in table order", () =>
    Effect.gen(function*() {
      const table = DecisionTable.define({ hitPolicy: "first", inputs: routingColumns, rows }, { result: Channel })
      const both = yield* DecisionTable.evaluate(table, { kind: "hardware", amount: 50_000 })
      assert.strictEqual(both.outcome, "matched")
      assert.deepStrictEqual(both.matched, ["hardware"])
      assert.deepStrictEqual(both.result, { channel: "shopping_hub", queue: "hw" })
      const second = yield* DecisionTable.evaluate(table, { kind: "software", amount: 50_000 })
      assert.deepStrictEqual(second.matched, ["row-2"])
      assert.deepStrictEqual(second.result, { channel: "service_catalog", queue: "big" })
      const third = yield* DecisionTable.evaluate(table, { kind: "software", amount: 5 })
      assert.deepStrictEqual(third.matched, ["row-3"])
    }))

  it.effect("unique: one matching row is the result; two is an AmbiguousMatch error naming both", () =>
    Effect.gen(function*() {
      const table = DecisionTable.define({ name: "routing", hitPolicy: "unique", inputs: routingColumns, rows }, { result: Channel })
      const one = yield* DecisionTable.evaluate(table, { kind: "hardware", amount: 5 })
      assert.strictEqual(one.hitPolicy, "unique")
      assert.deepStrictEqual(one.matched, ["hardware"])
      assert.deepStrictEqual(one.result, { channel: "shopping_hub", queue: "hw" })
      const error = yield* Effect.flip(DecisionTable.evaluate(table, { kind: "hardware", amount: 50_000 }))
      assert.strictEqual(error._tag, "DecisionTableError")
      assert.strictEqual(error.reason, "AmbiguousMatch")
      assert.strictEqual(error.table, "routing")
      assert.include(error.message, `rows "hardware" and "row-2"`)
      assert.deepStrictEqual(error.issues.map((issue) => issue.path), [["rows", 0], ["rows", 1]])
      const none = yield* DecisionTable.evaluate(table, { kind: "furniture", amount: 5 })
      assert.strictEqual(none.outcome, "none")
      assert.strictEqual(none.result, undefined)
    }))

  it.effect("collect: every matching row, in table order", () =>
    Effect.gen(function*() {
      const table = DecisionTable.define({ hitPolicy: "collect", inputs: routingColumns, rows }, { result: Channel })
      const all = yield* DecisionTable.evaluate(table, { kind: "software", amount: 50_000 })
      assert.strictEqual(all.outcome, "matched")
      assert.deepStrictEqual(all.matched, ["row-2", "row-3"])
      assert.deepStrictEqual(all.results, [{ channel: "service_catalog", queue: "big" }, { channel: "service_catalog" }])
      const none = yield* DecisionTable.evaluate(table, { kind: "furniture", amount: 5 })
      assert.strictEqual(none.outcome, "none")
      assert.deepStrictEqual(none.matched, [])
      assert.deepStrictEqual(none.results, [])
    }))

  it.effect("a table decoded from data narrows its decision on hitPolicy", () =>
    Effect.gen(function*() {
      const table = yield* DecisionTable.decode({ hitPolicy: "collect", inputs: routingColumns, rows }, { result: Channel })
      const decision = yield* DecisionTable.evaluate(table, { kind: "software", amount: 50_000 })
      if (decision.hitPolicy !== "collect") return assert.fail("expected a collect decision")
      assert.strictEqual(decision.results.length, 2)
    }))

  it("rows get ids row-<n>, 1-based, unless they give their own", () => {
    const table = DecisionTable.define({ hitPolicy: "first", inputs: routingColumns, rows }, { result: Channel })
    assert.deepStrictEqual(table.rows.map((row) => row.id), ["hardware", "row-2", "row-3"])
    assert.deepStrictEqual(table.rows.map((row) => row.description), [undefined, "big orders", undefined])
  })
})

describe("DecisionTable defaults", () => {
  const table = (hitPolicy: DecisionTable.HitPolicy, withDefault: boolean) =>
    Effect.runSync(DecisionTable.decode(
      routing(
        [{ when: { kind: "hardware" }, then: { channel: "shopping_hub" } }],
        { hitPolicy, ...(withDefault ? { default: { channel: "service_catalog", queue: "triage" } } : {}) }
      ),
      { result: Channel }
    ))

  it.effect("first and unique: the default when no row matches, and only then", () =>
    Effect.gen(function*() {
      for (const hitPolicy of ["first", "unique"] as const) {
        const decision = yield* DecisionTable.evaluate(table(hitPolicy, true), { kind: "furniture" })
        if (decision.hitPolicy === "collect") return assert.fail("not a collect table")
        assert.strictEqual(decision.outcome, "default")
        assert.deepStrictEqual(decision.matched, [])
        assert.deepStrictEqual(decision.result, { channel: "service_catalog", queue: "triage" })
        const matched = yield* DecisionTable.evaluate(table(hitPolicy, true), { kind: "hardware" })
        if (matched.hitPolicy === "collect") return assert.fail("not a collect table")
        assert.strictEqual(matched.outcome, "matched")
        assert.deepStrictEqual(matched.result, { channel: "shopping_hub" })
      }
    }))

  it.effect("without a default, no match is the none outcome, not an error", () =>
    Effect.gen(function*() {
      const decision = yield* DecisionTable.evaluate(table("first", false), { kind: "furniture" })
      assert.strictEqual(decision.outcome, "none")
      assert.deepStrictEqual(decision.matched, [])
      if (decision.hitPolicy === "collect") return assert.fail("not a collect table")
      assert.strictEqual(decision.result, undefined)
    }))

  it.effect("collect: the default alone when no row matches", () =>
    Effect.gen(function*() {
      const decision = yield* DecisionTable.evaluate(table("collect", true), { kind: "furniture" })
      if (decision.hitPolicy !== "collect") return assert.fail("a collect table")
      assert.strictEqual(decision.outcome, "default")
      assert.deepStrictEqual(decision.results, [{ channel: "service_catalog", queue: "triage" }])
      const matched = yield* DecisionTable.evaluate(table("collect", true), { kind: "hardware" })
      if (matched.hitPolicy !== "collect") return assert.fail("a collect table")
      assert.deepStrictEqual(matched.results, [{ channel: "shopping_hub" }])
    }))

  it("the table exposes its default as an Option", () => {
    assert.deepStrictEqual(table("first", true).default._tag, "Some")
    assert.deepStrictEqual(table("first", false).default._tag, "None")
  })
})

describe("DecisionTable explanations", () => {
  const policy = DecisionTable.define({
    name: "project oversight",
    hitPolicy: "first",
    inputs: [
      { name: "amount", type: "number" },
      { name: "kind", type: "string" },
      { name: "orderedAt", type: "date" },
      { name: "tags", type: "string[]" },
      { name: "costCenter", type: "string" }
    ],
    rows: [
      { id: "big", description: "Large orders", when: { amount: { gte: 10_000 } }, then: "capex-project" },
      { when: { kind: "hardware", amount: { gte: 100 } }, then: "hardware-rollout" },
      { when: { orderedAt: { gte: "2027-01-01" } }, then: "next-year" },
      { when: { tags: { contains: "project" } }, then: "tagged" },
      { when: { costCenter: { startsWith: "PRJ-" } }, then: "project-cost-center" }
    ]
  }, { result: z.string() })

  it.effect("names the matching row with its description", () =>
    Effect.gen(function*() {
      const decision = yield* DecisionTable.evaluate(policy, { amount: 20_000, kind: "hardware" })
      assert.deepStrictEqual(decision.explanation.matched, [{ id: "big", description: "Large orders" }])
      assert.strictEqual(decision.explanation.outcome, "matched")
      assert.strictEqual(decision.explanation.table, "project oversight")
      assert.deepStrictEqual(decision.explanation.unmatched, [])
      assert.strictEqual(decision.explanation.summary, "row big (Large orders) matched")
    }))

  it.effect("when no row matched, gives each row's first failing condition and why", () =>
    Effect.gen(function*() {
      const decision = yield* DecisionTable.evaluate(policy, {
        amount: 50,
        kind: "hardware",
        orderedAt: "2026-06-01T09:30:00+02:00",
        tags: ["urgent"]
      })
      assert.strictEqual(decision.outcome, "none")
      const { explanation } = decision
      assert.deepStrictEqual(explanation.input, {
        amount: 50,
        kind: "hardware",
        orderedAt: "2026-06-01T07:30:00.000Z",
        tags: ["urgent"],
        costCenter: null
      })
      assert.deepStrictEqual(explanation.unmatched.map((failure) => [failure.id, failure.reason]), [
        ["big", "amount 50 is not >= 10000"],
        ["row-2", "amount 50 is not >= 100"],
        ["row-3", "orderedAt 2026-06-01T07:30:00.000Z is not >= 2027-01-01T00:00:00.000Z"],
        ["row-4", `tags ["urgent"] does not contain "project"`],
        ["row-5", "costCenter is missing"]
      ])
      assert.deepStrictEqual(explanation.unmatched[0], {
        id: "big",
        description: "Large orders",
        column: "amount",
        operator: "gte",
        operand: 10_000,
        value: 50,
        reason: "amount 50 is not >= 10000"
      })
      assert.deepStrictEqual(explanation.unmatched[2]!.operand, "2027-01-01T00:00:00.000Z")
      assert.deepStrictEqual(explanation.unmatched[4]!.value, null)
      assert.strictEqual(
        DecisionTable.formatExplanation(explanation),
        [
          "no row matched and the table has no default",
          "  big: amount 50 is not >= 10000",
          "  row-2: amount 50 is not >= 100",
          "  row-3: orderedAt 2026-06-01T07:30:00.000Z is not >= 2027-01-01T00:00:00.000Z",
          `  row-4: tags ["urgent"] does not contain "project"`,
          "  row-5: costCenter is missing"
        ].join("\n")
      )
    }))

  it.effect("the failing condition is the first, in the order written, that fails", () =>
    Effect.gen(function*() {
      const decision = yield* DecisionTable.evaluate(policy, { amount: 50, kind: "software" })
      assert.strictEqual(decision.explanation.unmatched[1]!.reason, `kind "software" is not "hardware"`)
      const reversed = yield* DecisionTable.evaluate(policy, { amount: 50, kind: "hardware" })
      assert.strictEqual(reversed.explanation.unmatched[1]!.reason, "amount 50 is not >= 100")
    }))

  it.effect("explains every operator's failure in words", () =>
    Effect.gen(function*() {
      const reason = (type: DecisionTable.ColumnType, condition: unknown, value: unknown) =>
        Effect.map(
          DecisionTable.evaluate(oneCondition(type, condition), { x: value }),
          (decision) => decision.explanation.unmatched[0]?.reason
        )
      assert.strictEqual(yield* reason("string", { notEquals: "EUR" }, "EUR"), `x "EUR" is "EUR", which the row excludes`)
      assert.strictEqual(yield* reason("string", { in: ["a", "b"] }, "c"), `x "c" is not one of "a", "b"`)
      assert.strictEqual(yield* reason("string", { notIn: ["a", "b"] }, "a"), `x "a" is one of the excluded "a", "b"`)
      assert.strictEqual(yield* reason("string", { startsWith: "LAT" }, "OPT"), `x "OPT" does not start with "LAT"`)
      assert.strictEqual(yield* reason("string", { contains: "top" }, "desk"), `x "desk" does not contain "top"`)
      assert.strictEqual(yield* reason("number", { between: [10, 20] }, 5), "x 5 is not between 10 and 20")
      assert.strictEqual(yield* reason("number", { lt: 10 }, 10), "x 10 is not < 10")
      assert.strictEqual(yield* reason("string[]", { in: ["a"] }, ["b"]), `x ["b"] has no member in "a"`)
      assert.strictEqual(yield* reason("string[]", { notIn: ["a"] }, ["a"]), `x ["a"] has a member in the excluded "a"`)
      assert.strictEqual(yield* reason("string", { isEmpty: true }, "x"), `x "x" is not empty`)
      assert.strictEqual(yield* reason("string", { isNotEmpty: true }, ""), "x is empty")
      assert.strictEqual(yield* reason("date", { between: ["2026-01-01", "2026-01-31"] }, "2026-02-01"),
        "x 2026-02-01T00:00:00.000Z is not between 2026-01-01T00:00:00.000Z and 2026-01-31T00:00:00.000Z")
    }))

  it.effect("is plain JSON, and so is the decision", () =>
    Effect.gen(function*() {
      const decision = yield* DecisionTable.evaluate(policy, { amount: 1, orderedAt: new Date(Date.UTC(2026, 0, 1)) })
      const explanation = decision.explanation
      assert.deepStrictEqual(JSON.parse(JSON.stringify(explanation)), explanation)
      const stored = JSON.parse(JSON.stringify(decision))
      assert.deepStrictEqual(stored, {
        hitPolicy: "first",
        outcome: "none",
        matched: [],
        explanation: JSON.parse(JSON.stringify(explanation))
      })
      assert.strictEqual(decision.explanation, explanation, "computed once")
    }))

  it.effect("says when the default applied", () =>
    Effect.gen(function*() {
      const table = yield* DecisionTable.decode(
        routing([{ when: { kind: "hardware" }, then: { channel: "shopping_hub" } }], { default: { channel: "service_catalog" } }),
        { result: Channel }
      )
      const decision = yield* DecisionTable.evaluate(table, { kind: "furniture" })
      assert.strictEqual(decision.explanation.outcome, "default")
      assert.strictEqual(decision.explanation.summary, "no row matched; the default result applies")
      assert.deepStrictEqual(decision.explanation.unmatched.map((failure) => failure.reason), [`kind "furniture" is not "hardware"`])
    }))
})

describe("DecisionTable malformed tables", () => {
  const messages = (error: DecisionTable.DecisionTableError) =>
    error.issues.map((issue) => `${DecisionTable.formatPath(issue.path)}: ${issue.message}`)

  it("an unknown column names the path and the declared columns", () => {
    const error = loadError(routing([
      { then: { channel: "shopping_hub" } },
      { then: { channel: "shopping_hub" } },
      { when: { colour: "red" }, then: { channel: "shopping_hub" } }
    ]))
    assert.strictEqual(error.reason, "InvalidTable")
    assert.strictEqual(error.table, "routing")
    assert.deepStrictEqual(messages(error), [`rows[2].when.colour: no input column "colour"; columns are amount, currency, kind`])
    assert.deepStrictEqual(error.issues[0]!.path, ["rows", 2, "when", "colour"])
    assert.strictEqual(
      error.message,
      `Decision table "routing" is invalid: rows[2].when.colour: no input column "colour"; columns are amount, currency, kind`
    )
  })

  it("a wrong operand type names the path, the value and what was expected", () => {
    const error = loadError(routing([
      { when: {}, then: { channel: "shopping_hub" } },
      { when: {}, then: { channel: "shopping_hub" } },
      { when: {}, then: { channel: "shopping_hub" } },
      { when: { amount: { gte: "ten" } }, then: { channel: "shopping_hub" } }
    ]))
    assert.deepStrictEqual(messages(error), [`rows[3].when.amount.gte: expected a number (column "amount" is a number), got "ten"`])
    assert.strictEqual(error.issues[0]!.expected, "a number")
    assert.strictEqual(error.issues[0]!.received, "ten")
  })

  it("rejects values of the wrong type for every column type, with a hint where one helps", () => {
    const error = loadError({
      hitPolicy: "first",
      inputs: [
        { name: "s", type: "string" },
        { name: "n", type: "number" },
        { name: "b", type: "boolean" },
        { name: "d", type: "date" },
        { name: "l", type: "string[]" }
      ],
      rows: [{
        when: {
          s: ["a", "b"],
          n: { in: [1, "2"] },
          b: "yes",
          d: { gte: "2026-02-30" },
          l: "urgent"
        },
        then: { channel: "shopping_hub" }
      }, {
        when: { s: null, d: { lt: "next tuesday" }, l: { in: [] }, n: { between: [5, 1] } },
        then: { channel: "shopping_hub" }
      }]
    })
    assert.deepStrictEqual(messages(error), [
      `rows[0].when.s: expected a string (column "s" is a string), got ["a","b"]; to match any of several values use { "in": ["a","b"] }`,
      `rows[0].when.n.in[1]: expected a number (column "n" is a number), got "2"`,
      `rows[0].when.b: expected a boolean (true or false) (column "b" is a boolean), got "yes"`,
      `rows[0].when.d.gte: expected an ISO-8601 date or date-time (column "d" is a date), got "2026-02-30"`,
      `rows[0].when.l: expected a list of strings (column "l" is a string[]), got "urgent"; to match a member use { "contains": "urgent" }`,
      `rows[1].when.s: expected a string (column "s" is a string), got null; to match a missing value use { "isEmpty": true }`,
      `rows[1].when.d.lt: expected an ISO-8601 date or date-time (column "d" is a date), got "next tuesday"`,
      `rows[1].when.l.in: expected a non-empty list of strings (column "l" is a string[]), got []`,
      `rows[1].when.n.between: expected [min, max], two numbers with min <= max (column "n" is a number), got [5,1]`
    ])
  })

  it("an unknown operator, or one that does not apply to the column's type", () => {
    const error = loadError(routing([
      { when: { amount: { greaterThan: 5 }, currency: { gt: "EUR" }, kind: {} }, then: { channel: "shopping_hub" } }
    ]))
    assert.deepStrictEqual(messages(error), [
      `rows[0].when.amount.greaterThan: unknown operator "greaterThan"; operators for a number column are ` +
      `equals, notEquals, in, notIn, gt, gte, lt, lte, between, isEmpty, isNotEmpty`,
      `rows[0].when.currency.gt: operator "gt" does not apply to column "currency", a string; operators for a string column are ` +
      `equals, notEquals, in, notIn, contains, startsWith, isEmpty, isNotEmpty`,
      `rows[0].when.kind: expected a string or an operator object such as { "equals": ... } (column "kind" is a string), got {}`
    ])
  })

  it("a malformed hit policy, column, or row shape", () => {
    assert.deepStrictEqual(messages(loadError(routing([], { hitPolicy: "any" }))), [
      `hitPolicy: expected one of "first", "unique", "collect", got "any"`
    ])
    assert.deepStrictEqual(messages(loadError({ inputs: [], rows: [] })), [
      `hitPolicy: missing; expected one of "first", "unique", "collect"`
    ])
    assert.deepStrictEqual(
      messages(loadError({ hitPolicy: "first", inputs: [{ name: "unit price", type: "money" }], rows: [{ when: [], thn: 1 }] })),
      [
        `inputs[0].name: expected a column name: a letter or _, then letters, digits or _, got "unit price"`,
        `inputs[0].type: expected one of "string", "number", "boolean", "date", "string[]", got "money"`,
        `rows[0].when: expected an object, got []`,
        `rows[0].then: missing; expected a value`,
        `rows[0].thn: unknown key; did you mean "then"?`
      ]
    )
    assert.deepStrictEqual(messages(loadError("hitPolicy: first")), [`(table): expected an object, got "hitPolicy: first"`])
  })

  it("a misspelt key or column names the nearest valid one", () => {
    assert.deepStrictEqual(messages(loadError(routing([{ when: { knd: "service" }, then: { channel: "shopping_hub" } }], { hitPolicy: undefined, hitpolicy: "first" }))), [
      `hitPolicy: missing; expected one of "first", "unique", "collect"`,
      `hitpolicy: unknown key; did you mean "hitPolicy"?`
    ])
    assert.deepStrictEqual(messages(loadError(routing([{ when: { knd: "service" }, then: { channel: "shopping_hub" } }]))), [
      `rows[0].when.knd: no input column "knd"; did you mean "kind"? columns are amount, currency, kind`
    ])
  })

  it("a row whose then fails the result schema, and a bad default", () => {
    const error = loadError(routing(
      [{ when: { kind: "hardware" }, then: { channel: "fax" } }, { then: {} }],
      { default: { channel: "shopping_hub", queue: 7 } }
    ))
    assert.deepStrictEqual(messages(error), [
      `rows[0].then.channel: expected one of "service_catalog", "shopping_hub", got "fax"`,
      `rows[1].then.channel: missing; expected one of "service_catalog", "shopping_hub"`,
      `default.queue: expected a string, got 7`
    ])
  })

  it("duplicate row ids and duplicate columns", () => {
    const error = loadError({
      hitPolicy: "first",
      inputs: [...routingColumns, { name: "amount", type: "string" }],
      rows: [
        { id: "row-2", then: { channel: "shopping_hub" } },
        { then: { channel: "shopping_hub" } },
        { id: "big", then: { channel: "shopping_hub" } },
        { id: "big", then: { channel: "shopping_hub" } }
      ]
    })
    assert.deepStrictEqual(messages(error), [
      `inputs[3].name: duplicate column "amount" (inputs[0] has it too)`,
      `rows[1]: this row's default id "row-2" is already the id of rows[0]; give one of them another id`,
      `rows[3].id: duplicate row id "big" (rows[2] has it too)`
    ])
  })

  it("under unique, rows with the same conditions overlap and are named", () => {
    const rows = [
      { id: "eur-hw", when: { currency: "EUR", kind: { in: ["hardware", "software"] } }, then: { channel: "shopping_hub" } },
      { id: "usd", when: { currency: "USD" }, then: { channel: "shopping_hub" } },
      { id: "same", when: { kind: { in: ["software", "hardware"] }, currency: { equals: "EUR" } }, then: { channel: "service_catalog" } }
    ]
    const error = loadError(routing(rows, { hitPolicy: "unique" }))
    assert.strictEqual(error.issues.length, 1)
    assert.deepStrictEqual(error.issues[0]!.path, ["rows", 2, "when"])
    assert.include(error.message, `row "same" has the same conditions as row "eur-hw" (rows[0])`)
    assert.include(error.message, "under hit policy unique at most one row may match an input")
    // The same rows are fine under first and collect.
    Effect.runSync(DecisionTable.decode(routing(rows, { hitPolicy: "first" }), { result: Channel }))
    Effect.runSync(DecisionTable.decode(routing(rows, { hitPolicy: "collect" }), { result: Channel }))
  })

  it("under unique, a row whose conditions are a subset of another's overlaps it", () => {
    const error = loadError(routing([
      { id: "eur", when: { currency: "EUR" }, then: { channel: "shopping_hub" } },
      { id: "eur-big", when: { currency: "EUR", amount: { gte: 10_000 } }, then: { channel: "service_catalog" } },
      { id: "usd", when: { currency: "USD" }, then: { channel: "service_catalog" } }
    ], { hitPolicy: "unique" }))
    assert.deepStrictEqual(error.issues.map((issue) => issue.path), [["rows", 1, "when"]])
    assert.include(error.message, `every input matching row "eur-big" also matches row "eur"`)
    const catchAll = loadError(routing([
      { id: "eur", when: { currency: "EUR" }, then: { channel: "shopping_hub" } },
      { id: "anything", then: { channel: "service_catalog" } }
    ], { hitPolicy: "unique" }))
    assert.include(catchAll.message, `every input matching row "eur" also matches row "anything"`)
  })

  it("under unique, exclusive rows load", () => {
    Effect.runSync(DecisionTable.decode(routing([
      { when: { amount: { lt: 10_000 } }, then: { channel: "shopping_hub" } },
      { when: { amount: { gte: 10_000 } }, then: { channel: "service_catalog" } }
    ], { hitPolicy: "unique" }), { result: Channel }))
  })

  it("define throws the same error for a typed definition", () => {
    const error = assert.throws(() =>
      DecisionTable.define({
        hitPolicy: "unique",
        inputs: routingColumns,
        rows: [
          { when: { currency: "EUR" }, then: { channel: "shopping_hub" } },
          { when: { currency: "EUR" }, then: { channel: "service_catalog" } }
        ]
      }, { result: Channel })
    )
    assert.instanceOf(error, DecisionTable.DecisionTableError)
  })

  it("typed definitions reject unknown columns and wrong operand types at compile time", () => {
    assert.throws(() =>
      DecisionTable.define({
        hitPolicy: "first",
        inputs: routingColumns,
        // @ts-expect-error colour is not a column
        rows: [{ when: { colour: "red" }, then: { channel: "shopping_hub" } }]
      }, { result: Channel })
    )
    assert.throws(() =>
      DecisionTable.define({
        hitPolicy: "first",
        inputs: routingColumns,
        // @ts-expect-error gte takes a number on a number column
        rows: [{ when: { amount: { gte: "ten" } }, then: { channel: "shopping_hub" } }]
      }, { result: Channel })
    )
    assert.throws(() =>
      DecisionTable.define({
        hitPolicy: "first",
        inputs: routingColumns,
        // @ts-expect-error the result schema has no channel "fax"
        rows: [{ then: { channel: "fax" } }]
      }, { result: Channel })
    )
  })

  it("lists many issues in the message, and all of them in issues", () => {
    const rows = Array.from({ length: 25 }, () => ({ when: { colour: "red" }, then: { channel: "shopping_hub" } }))
    const error = loadError(routing(rows))
    assert.strictEqual(error.issues.length, 25)
    assert.include(error.message, "; and 5 more")
  })
})

describe("DecisionTable from YAML and JSON", () => {
  const yaml = `
name: channel routing
hitPolicy: first
inputs:
  - { name: amount, type: number }
  - { name: kind, type: string }
  - { name: neededBy, type: date }
rows:
  - id: urgent-hardware
    when:
      kind: hardware
      neededBy: { lt: 2026-07-01 }
    then: { channel: shopping_hub, queue: express }
  - when:
      amount: { gte: 10000 }
    then: { channel: service_catalog }
default: { channel: shopping_hub }
`

  it.effect("loads a YAML table; YAML 1.2 keeps dates as strings", () =>
    Effect.gen(function*() {
      const table = yield* DecisionTable.fromYaml(yaml, { result: Channel })
      assert.strictEqual(table.name, "channel routing")
      assert.deepStrictEqual(table.rows[0]!.when, { kind: "hardware", neededBy: { lt: "2026-07-01" } })
      const urgent = yield* DecisionTable.evaluate(table, { kind: "hardware", neededBy: "2026-06-15" })
      assert.deepStrictEqual(urgent.matched, ["urgent-hardware"])
      const big = yield* DecisionTable.evaluate(table, { kind: "hardware", neededBy: "2026-08-01", amount: 12_000 })
      assert.deepStrictEqual(big.matched, ["row-2"])
      const neither = yield* DecisionTable.evaluate(table, { kind: "software", amount: 5 })
      assert.strictEqual(neither.outcome, "default")
    }))

  it.effect("YAML errors name the path and the line", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DecisionTable.fromYaml(yaml.replace("gte: 10000", "gte: ten"), { result: Channel }))
      assert.strictEqual(error.reason, "InvalidTable")
      assert.strictEqual(
        error.message,
        `Decision table "channel routing" is invalid: rows[1].when.amount.gte: expected a number (column "amount" is a number), ` +
          `got "ten" (at line 15, column 22)`
      )
      const syntax = yield* Effect.flip(DecisionTable.fromYaml("hitPolicy: [first\n", { result: Channel }))
      assert.strictEqual(syntax.reason, "InvalidTable")
      assert.match(syntax.message, /not valid YAML/)
    }))

  it.effect("loads a JSON table, and names the line of a bad value", () =>
    Effect.gen(function*() {
      const json = JSON.stringify(
        routing([{ when: { amount: { between: [0, 999] } }, then: { channel: "shopping_hub" } }], { default: { channel: "service_catalog" } }),
        null,
        2
      )
      const table = yield* DecisionTable.fromJson(json, { result: Channel })
      assert.deepStrictEqual((yield* DecisionTable.evaluate(table, { amount: 999 })).matched, ["row-1"])
      assert.strictEqual((yield* DecisionTable.evaluate(table, { amount: 1000 })).outcome, "default")
      const bad = yield* Effect.flip(DecisionTable.fromJson(json.replace(`"shopping_hub"`, `"fax"`), { result: Channel }))
      assert.match(bad.message, /rows\[0\]\.then\.channel: expected one of "service_catalog", "shopping_hub", got "fax" \(at line \d+, column \d+\)/)
      const syntax = yield* Effect.flip(DecisionTable.fromJson("{ hitPolicy: first", { result: Channel }))
      assert.match(syntax.message, /not valid JSON/)
    }))
})

describe("DecisionTable input validation", () => {
  const table = DecisionTable.define({
    name: "routing",
    hitPolicy: "first",
    inputs: [...routingColumns, { name: "neededBy", type: "date" }, { name: "tags", type: "string[]" }, { name: "urgent", type: "boolean" }],
    rows: [{ when: { amount: { gte: 0 } }, then: { channel: "shopping_hub" } }]
  }, { result: Channel })

  it.effect("rejects a value of the wrong type, naming the column", () =>
    Effect.gen(function*() {
      // @ts-expect-error a typed table's input type follows its columns: amount is a number
      const error = yield* Effect.flip(DecisionTable.evaluate(table, { amount: "ten" }))
      assert.strictEqual(error.reason, "InvalidInput")
      assert.deepStrictEqual(error.issues, [{
        path: ["amount"],
        message: `expected a number (column "amount" is a number), got "ten"`,
        expected: "a number",
        received: "ten"
      }])
      assert.strictEqual(
        error.message,
        `Invalid input for decision table "routing": amount: expected a number (column "amount" is a number), got "ten"`
      )
    }))

  it.effect("names every bad column at once", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DecisionTable.evaluate(table, {
        amount: Number.NaN,
        neededBy: "2026-13-01",
        tags: ["a", 1],
        urgent: "yes"
      } as never))
      assert.deepStrictEqual(error.issues.map((issue) => issue.path), [["amount"], ["neededBy"], ["tags"], ["urgent"]])
      const dates = yield* Effect.flip(DecisionTable.evaluate(table, { neededBy: new Date(Number.NaN) }))
      assert.deepStrictEqual(dates.issues.map((issue) => issue.message), [
        `expected an ISO-8601 date or date-time (column "neededBy" is a date), got an invalid Date`
      ])
    }))

  it.effect("rejects an input that is not an object", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(DecisionTable.evaluate(table, 42 as never))
      assert.strictEqual(error.reason, "InvalidInput")
      assert.strictEqual(error.issues[0]!.message, "expected an object of input values, got 42")
    }))

  it.effect("treats null and missing as empty, and ignores fields that are not columns", () =>
    Effect.gen(function*() {
      const order = { amount: 5, currency: null, colour: "red" }
      const decision = yield* DecisionTable.evaluate(table, order)
      assert.deepStrictEqual(decision.matched, ["row-1"])
    }))

  it.effect("evaluateMany decides every input in order, and names the position of a bad one", () =>
    Effect.gen(function*() {
      const decisions = yield* DecisionTable.evaluateMany(table, [{ amount: 5 }, { amount: -5 }, {}])
      assert.deepStrictEqual(decisions.map((decision) => decision.outcome), ["matched", "none", "none"])
      const error = yield* Effect.flip(DecisionTable.evaluateMany(table, [{ amount: 5 }, { amount: "x" } as never]))
      assert.strictEqual(error.reason, "InvalidInput")
      assert.deepStrictEqual(error.issues[0]!.path, [1, "amount"])
      assert.match(error.message, /^Input \[1\]: /)
    }))

  it("rejects objects that are not tables", () => {
    const fake = { ...table }
    assert.throws(() => Effect.runSync(DecisionTable.evaluate(fake, {})), /Not a decision table/)
  })
})

describe("DecisionTable JSON Schema", () => {
  it("describes the table format with the caller's result schema", () => {
    const schema = DecisionTable.jsonSchema({ result: Channel }) as any
    assert.deepStrictEqual(schema.properties.hitPolicy.enum, ["first", "unique", "collect"])
    assert.deepStrictEqual(schema.required, ["hitPolicy", "inputs", "rows"])
    const then = schema.properties.rows.items.properties.then
    assert.deepStrictEqual(then.properties.channel.enum, ["service_catalog", "shopping_hub"])
    assert.deepStrictEqual(schema.properties.default.properties.channel.enum, ["service_catalog", "shopping_hub"])
    assert.deepStrictEqual(schema.properties.inputs.items.properties.type.enum, [...DecisionTable.ColumnTypes])
  })

  it("given the columns, lists each with the operators of its type", () => {
    const schema = DecisionTable.jsonSchema({ result: Channel, inputs: routingColumns }) as any
    const when = schema.properties.rows.items.properties.when
    assert.deepStrictEqual(Object.keys(when.properties), ["amount", "currency", "kind"])
    assert.strictEqual(when.additionalProperties, false)
    const [amountValue, amountOperators] = when.properties.amount.anyOf
    assert.strictEqual(amountValue.type, "number")
    assert.deepStrictEqual(Object.keys(amountOperators.properties), [...DecisionTable.operatorsFor.number])
    assert.notInclude(Object.keys(when.properties.currency.anyOf[1].properties), "gte")
    assert.include(Object.keys(when.properties.currency.anyOf[1].properties), "startsWith")
  })

  it("conditionSchema accepts exactly the JSON conditions the loader accepts", () => {
    const samples: ReadonlyArray<readonly [DecisionTable.ColumnType, unknown]> = [
      ["string", "EUR"],
      ["string", 5],
      ["string", { in: ["a"] }],
      ["string", { in: [] }],
      ["string", { gte: "a" }],
      ["string", { startsWith: "LAT" }],
      ["string", { contains: 1 }],
      ["string", {}],
      ["string", { nope: 1 }],
      ["number", 5],
      ["number", "5"],
      ["number", { between: [1, 2] }],
      ["number", { between: [2, 1] }],
      ["number", { between: [1] }],
      ["number", { contains: "1" }],
      ["number", { isEmpty: true }],
      ["number", { isEmpty: "yes" }],
      ["boolean", false],
      ["boolean", { gt: true }],
      ["date", "2026-03-01"],
      ["date", "2026-03-01T10:00:00+02:00"],
      ["date", "2026-02-30"],
      ["date", "01/03/2026"],
      ["date", { between: ["2026-01-01", "2026-02-01"] }],
      ["date", { between: ["2026-02-01", "2026-01-01"] }],
      ["string[]", ["a", "b"]],
      ["string[]", "a"],
      ["string[]", [1]],
      ["string[]", { contains: "a" }],
      ["string[]", { in: ["a"] }],
      ["string[]", { startsWith: "a" }]
    ]
    for (const [type, condition] of samples) {
      const loads = Effect.runSync(Effect.exit(DecisionTable.decode(
        { hitPolicy: "first", inputs: [{ name: "x", type }], rows: [{ when: { x: condition }, then: 1 }] },
        { result: z.number() }
      )))._tag === "Success"
      const accepted = DecisionTable.conditionSchema(type).safeParse(condition).success
      assert.strictEqual(accepted, loads, `${type} ${JSON.stringify(condition)}`)
    }
  })
})
