// The samples of docs/decision-tables.md, type-checked and run.
import { assert, describe, it } from "@effect/vitest"
import { DecisionTable } from "@procura/core"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { z } from "zod"

// --- sample: define ---
const PurchaseChannel = z.object({
  channel: z.enum(["service_catalog", "shopping_hub"]),
  queue: z.string().optional()
})

const routing = DecisionTable.define({
  name: "purchase-channel routing",
  hitPolicy: "first",
  inputs: [
    { name: "kind", type: "string" },
    { name: "amount", type: "number" },
    { name: "tags", type: "string[]" }
  ],
  rows: [
    {
      id: "services",
      description: "Services and enterprise software go through the service catalog",
      when: { kind: { in: ["service", "enterprise"] } },
      then: { channel: "service_catalog" }
    },
    {
      id: "big-hardware",
      when: { kind: "hardware", amount: { gte: 500_000 } },
      then: { channel: "service_catalog", queue: "capex" }
    },
    { id: "urgent", when: { tags: { contains: "urgent" } }, then: { channel: "shopping_hub", queue: "express" } }
  ],
  default: { channel: "shopping_hub" }
}, { result: PurchaseChannel })

const routeLaptops = Effect.gen(function*() {
  const decision = yield* DecisionTable.evaluate(routing, { kind: "hardware", amount: 750_000, tags: [] })
  return decision.result // { channel: "service_catalog", queue: "capex" }, from row big-hardware
})
// --- end sample ---

// --- sample: yaml ---
const Approver = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("role"), role: z.string().min(1) }),
  z.object({ kind: z.literal("manager") })
])

const approvalPolicy = `
name: approval chain
hitPolicy: collect
inputs:
  - { name: amount, type: number }
  - { name: currency, type: string }
  - { name: kinds, type: "string[]" }
rows:
  - id: manager
    description: Requests over 1,000.00 need the requester's manager
    when: { amount: { gt: 100000 } }
    then: { kind: manager }
  - id: it
    when: { kinds: { in: [hardware, software] } }
    then: { kind: role, role: it_approver }
  - id: finance
    when: { amount: { gte: 1000000 }, currency: EUR }
    then: { kind: role, role: finance_approver }
default: { kind: role, role: procurement_manager }
`

const approversFor = (request: { amount: number; currency: string; kinds: ReadonlyArray<string> }) =>
  Effect.gen(function*() {
    const policy = yield* DecisionTable.fromYaml(approvalPolicy, { result: Approver })
    const decision = yield* DecisionTable.evaluate(policy, request)
    return decision.hitPolicy === "collect" ? decision.results : []
  })
// --- end sample ---

// --- sample: explain ---
const projectTemplates = DecisionTable.define({
  name: "project oversight",
  hitPolicy: "unique",
  inputs: [
    { name: "kind", type: "string" },
    { name: "amount", type: "number" },
    { name: "neededBy", type: "date" }
  ],
  rows: [
    {
      id: "rollout",
      description: "Hardware rollouts",
      when: { kind: "hardware", amount: { gte: 10_000 } },
      then: "hardware-rollout"
    },
    { id: "renewal", when: { kind: "software", neededBy: { lt: "2027-01-01" } }, then: "licence-renewal" }
  ]
}, { result: z.string() })

const whyNoProject = Effect.gen(function*() {
  const decision = yield* DecisionTable.evaluate(projectTemplates, {
    kind: "hardware",
    amount: 500,
    neededBy: "2026-09-01"
  })
  // decision.outcome is "none": no row matched and the table has no default.
  // decision.explanation is plain JSON, to store with the order line.
  return DecisionTable.formatExplanation(decision.explanation)
})
// --- end sample ---

// --- sample: errors ---
const loadBrokenTable = DecisionTable.decode({
  name: "purchase-channel routing",
  hitPolicy: "first",
  inputs: [{ name: "amount", type: "number" }, { name: "kind", type: "string" }],
  rows: [
    { when: { amount: { gte: "ten" } }, then: { channel: "shopping_hub" } },
    { when: { colour: "red" }, then: { channel: "fax" } }
  ]
}, { result: PurchaseChannel }).pipe(
  Effect.map(() => "loaded"),
  Effect.catchTag("DecisionTableError", (error) => Effect.succeed(error.message))
)
// --- end sample ---

// --- sample: json-schema ---
// For a form builder: the table format with this result schema and these columns.
const routingSchema = DecisionTable.jsonSchema({ result: PurchaseChannel, inputs: routing.inputs })
// --- end sample ---

const docPath = fileURLToPath(new URL("../decision-tables.md", import.meta.url))
const doc = () => readFileSync(docPath, "utf8")

/** The body of the first fenced block of `language` after `<!-- marker -->` in the doc. */
const blockAfter = (marker: string, language: string) => {
  const text = doc()
  const at = text.indexOf(`<!-- ${marker} -->\n\`\`\`${language}\n`)
  assert.isAtLeast(at, 0, `docs/decision-tables.md has a ${language} block after <!-- ${marker} -->`)
  const start = at + `<!-- ${marker} -->\n\`\`\`${language}\n`.length
  return text.slice(start, text.indexOf("\n```", start))
}

describe("decision tables guide", () => {
  it.effect("define: a typed routing table in code", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* routeLaptops, { channel: "service_catalog", queue: "capex" })
      const urgentMouse = yield* DecisionTable.evaluate(routing, { kind: "consumable", amount: 2_500, tags: ["urgent"] })
      assert.deepStrictEqual(urgentMouse.matched, ["urgent"])
      const desk = yield* DecisionTable.evaluate(routing, { kind: "furniture", amount: 40_000, tags: [] })
      assert.strictEqual(desk.outcome, "default")
      assert.deepStrictEqual(desk.result, { channel: "shopping_hub" })
    }))

  it.effect("yaml: an approval chain collected from a YAML policy", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* approversFor({ amount: 1_200_000, currency: "EUR", kinds: ["hardware"] }), [
        { kind: "manager" },
        { kind: "role", role: "it_approver" },
        { kind: "role", role: "finance_approver" }
      ])
      assert.deepStrictEqual(yield* approversFor({ amount: 5_000, currency: "EUR", kinds: ["consumable"] }), [
        { kind: "role", role: "procurement_manager" }
      ])
    }))

  it.effect("explain: why an order line got no project", () =>
    Effect.gen(function*() {
      const text = yield* whyNoProject
      assert.strictEqual(text, blockAfter("explain-output", "text"))
      const decision = yield* DecisionTable.evaluate(projectTemplates, { kind: "hardware", amount: 500, neededBy: "2026-09-01" })
      assert.deepStrictEqual(decision.explanation, JSON.parse(blockAfter("explain-json", "json")))
    }))

  it.effect("errors: every problem of a bad table, with its path", () =>
    Effect.gen(function*() {
      const message = yield* loadBrokenTable
      const listed = blockAfter("errors-output", "text").split("\n").map((line) => line.replace(/^- /, ""))
      assert.strictEqual(message, `Decision table "purchase-channel routing" is invalid: ${listed.join("; ")}`)
    }))

  it.effect("the input error and ambiguous match messages are the reference's", () =>
    Effect.gen(function*() {
      const invalid = yield* Effect.flip(DecisionTable.evaluate(routing, { amount: "ten" } as never))
      assert.strictEqual(invalid.message, blockAfter("input-error-output", "text"))
      const tiers = DecisionTable.define({
        name: "approval tiers",
        hitPolicy: "unique",
        inputs: [{ name: "amount", type: "number" }],
        rows: [{ id: "small", when: { amount: { lt: 10_000 } }, then: 1 }, { id: "large", when: { amount: { gte: 5_000 } }, then: 2 }]
      }, { result: z.number() })
      const ambiguous = yield* Effect.flip(DecisionTable.evaluate(tiers, { amount: 7_500 }))
      assert.strictEqual(ambiguous.reason, "AmbiguousMatch")
      assert.strictEqual(ambiguous.message, blockAfter("ambiguous-output", "text"))
    }))

  it("json-schema: the format for form builders", () => {
    const rows = routingSchema["properties"] as { rows: { items: { properties: { when: { properties: object } } } } }
    assert.deepStrictEqual(Object.keys(rows.rows.items.properties.when.properties), ["kind", "amount", "tags"])
  })

  it.effect("the table JSON in the reference loads and decides as described", () =>
    Effect.gen(function*() {
      const table = yield* DecisionTable.fromJson(blockAfter("table-json", "json"), { result: PurchaseChannel })
      assert.strictEqual(table.hitPolicy, "first")
      const decision = yield* DecisionTable.evaluate(table, { amount: 12_000, currency: "EUR", kind: "software" })
      assert.deepStrictEqual(decision.matched, ["big-eur"])
      const none = yield* DecisionTable.evaluate(table, { amount: 50, currency: "USD", kind: "furniture" })
      assert.strictEqual(none.outcome, "default")
    }))
})

describe("the reference's samples are this file's", () => {
  it("docs/decision-tables.md embeds each sample verbatim", () => {
    const here = readFileSync(fileURLToPath(import.meta.url), "utf8")
    const reference = doc()
    for (const name of ["define", "yaml", "explain", "errors", "json-schema"]) {
      const start = here.indexOf(`// --- sample: ${name} ---\n`) + `// --- sample: ${name} ---\n`.length
      const sample = here.slice(start, here.indexOf("// --- end sample ---", start)).trimEnd()
      assert.include(reference, `<!-- sample: ${name} -->\n\`\`\`ts\n${sample}\n\`\`\``, `sample ${name} drifted from the reference`)
    }
  })
})
