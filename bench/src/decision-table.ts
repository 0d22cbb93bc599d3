/**
 * Benchmark: evaluate 1,000 inputs against a decision table of 1,000 (or 10,000) rows, hit policy
 * first with a default, in the same run: `DecisionTable.evaluateMany` (the batch call), the same
 * through one `DecisionTable.evaluate` effect per input, a hand-written loop making the same
 * comparisons directly over the same rows, `@gorules/zen-engine` (a JDM decision table) and
 * `json-rules-engine` (one rule per row), all built from the same generated rows. Every engine
 * must reach the same decision for every input, or the benchmark dies naming the input. With hit
 * policy collect (every matching row, which is also the work hit policy unique does, since it must
 * show that no second row matches), the engine runs against a loop that checks every row; the
 * peers are timed on first only.
 * Inputs and rows come from a seeded generator, so every run sees the same data; each engine is
 * warmed up (50 rounds, until the JIT has optimised it), then timed several times, and the median is reported as a throughput ratio against
 * the loop (above 1: faster than the loop).
 *
 * The generated table uses only what all four express exactly: a closed number range
 * (`between`; zen `[min..max]`; json-rules-engine `greaterThanInclusive` and `lessThanInclusive`),
 * a string equal to one value or in a list (zen `"EUR"` or `"USD", "GBP"`; `equal`, `in`), a
 * string excluded (`notIn` of one value; zen `!= "hardware"`; `notIn`) and a date on or after a day
 * (`gte`; zen `date($) >= date("2026-03-01")`; json-rules-engine has no dates, so a fact computes
 * the input's epoch milliseconds with `Date.parse` and `greaterThanInclusive` compares them). Every
 * input has every field, so no engine's treatment of missing values is exercised. First hit: zen's
 * decision table has hit policy `first`; json-rules-engine gives each row a distinct priority
 * (earlier rows higher, so they run one after another) and stops the engine on the first success.
 * No match is the default: zen answers `{}` and json-rules-engine no event.
 */
import { ZenEngine } from "@gorules/zen-engine"
import { DecisionTable } from "@procura/core"
import { Effect } from "effect"
import { Engine } from "json-rules-engine"
import { z } from "zod"
import { median } from "./measure.js"

/** One engine's median time over every input, and its throughput against the hand-written loop. */
export interface EngineTiming {
  readonly engine: string
  readonly millis: number
  /** Loop time / this engine's time: its throughput against the loop (above 1: faster). */
  readonly ratio: number
  readonly runs: number
}

export interface DecisionTableResult {
  readonly inputs: number
  readonly rows: number
  readonly hitPolicy: "first" | "collect"
  /** Procura (batch, then one effect per input), the loop, and for hit policy first zen-engine and json-rules-engine, in that order. */
  readonly engines: ReadonlyArray<EngineTiming>
  /** The mean number of rows an input matched. */
  readonly matchedPerInput: number
  /** How many inputs fell through to the default (the loop scans every row for them). */
  readonly defaults: number
}

/** mulberry32: a small seeded generator, so the data is the same on every run. */
const random = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const kinds = ["hardware", "software", "service", "consumable"] as const
const currencies = ["EUR", "USD", "GBP", "CHF"] as const

const Route = z.object({ channel: z.enum(["service_catalog", "shopping_hub"]), queue: z.string() })

interface Input {
  readonly amount: number
  readonly currency: string
  readonly kind: string
  readonly orderedAt: string
}

/** One row's parameters; the table and the hand-written loop are both built from these. */
interface Rule {
  readonly id: string
  readonly amountMin: number
  readonly amountMax: number
  /** Exactly this currency, or (when undefined) one of `currencies`. */
  readonly currency: string | undefined
  readonly currencies: ReadonlySet<string>
  readonly excludedKind: string
  readonly since: string
  readonly sinceMillis: number
  readonly then: z.infer<typeof Route>
}

const makeRules = (count: number, next: () => number): Array<Rule> =>
  Array.from({ length: count }, (_, i) => {
    const amountMin = Math.floor(next() * 110_000)
    const month = 1 + Math.floor(next() * 12)
    const since = `2026-${String(month).padStart(2, "0")}-01`
    return {
      id: `rule-${i + 1}`,
      amountMin,
      amountMax: amountMin + 2_000 + Math.floor(next() * 8_000),
      currency: i % 3 === 0 ? "EUR" : undefined,
      currencies: new Set(i % 2 === 0 ? ["USD", "GBP"] : ["GBP", "CHF"]),
      excludedKind: kinds[i % kinds.length]!,
      since,
      sinceMillis: Date.parse(since),
      then: { channel: i % 2 === 0 ? "shopping_hub" : "service_catalog", queue: `queue-${i % 17}` }
    }
  })

const makeInputs = (count: number, next: () => number): Array<Input> =>
  Array.from({ length: count }, () => {
    const day = 1 + Math.floor(next() * 365)
    return {
      amount: Math.floor(next() * 130_000),
      currency: currencies[Math.floor(next() * currencies.length)]!,
      kind: kinds[Math.floor(next() * kinds.length)]!,
      orderedAt: new Date(Date.UTC(2026, 0, day, 9, 30)).toISOString()
    }
  })

const fallback = { channel: "service_catalog", queue: "triage" } as const

const ruleMatches = (rule: Rule, input: Input, orderedAt: number) =>
  input.amount >= rule.amountMin && input.amount <= rule.amountMax &&
  (rule.currency !== undefined ? input.currency === rule.currency : rule.currencies.has(input.currency)) &&
  input.kind !== rule.excludedKind &&
  orderedAt >= rule.sinceMillis

/** The hand-written baseline for hit policy first: the same comparisons, in the same order, with no engine. */
const decideByHand = (rules: ReadonlyArray<Rule>, input: Input): string => {
  const orderedAt = Date.parse(input.orderedAt)
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!
    if (ruleMatches(rule, input, orderedAt)) return rule.id
  }
  return "default"
}

/** The hand-written baseline for hit policy collect: every row checked, the matching ids joined in table order. */
const collectByHand = (rules: ReadonlyArray<Rule>, input: Input): string => {
  const orderedAt = Date.parse(input.orderedAt)
  let matched = ""
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!
    if (ruleMatches(rule, input, orderedAt)) matched = matched === "" ? rule.id : `${matched},${rule.id}`
  }
  return matched === "" ? "default" : matched
}

/** The rows as a zen-engine JDM decision: an input node, one decision table (hit policy first), an output node. */
const zenDecision = (rules: ReadonlyArray<Rule>) => ({
  nodes: [
    { id: "request", type: "inputNode", name: "Request", position: { x: 0, y: 0 } },
    {
      id: "routing",
      type: "decisionTableNode",
      name: "routing",
      position: { x: 300, y: 0 },
      content: {
        hitPolicy: "first",
        inputs: [
          { id: "amount", name: "Amount", field: "amount" },
          { id: "currency", name: "Currency", field: "currency" },
          { id: "kind", name: "Kind", field: "kind" },
          { id: "orderedAt", name: "Ordered at", field: "orderedAt" }
        ],
        outputs: [{ id: "rule", name: "Rule", field: "rule" }],
        rules: rules.map((rule) => ({
          _id: rule.id,
          amount: `[${rule.amountMin}..${rule.amountMax}]`,
          currency: rule.currency !== undefined ? JSON.stringify(rule.currency) : [...rule.currencies].map((c) => JSON.stringify(c)).join(", "),
          kind: `!= ${JSON.stringify(rule.excludedKind)}`,
          orderedAt: `date($) >= date(${JSON.stringify(rule.since)})`,
          rule: JSON.stringify(rule.id)
        }))
      }
    },
    { id: "response", type: "outputNode", name: "Response", position: { x: 600, y: 0 } }
  ],
  edges: [
    { id: "request-routing", sourceId: "request", targetId: "routing", type: "edge" },
    { id: "routing-response", sourceId: "routing", targetId: "response", type: "edge" }
  ]
})

/** The rows as json-rules-engine rules: one per row, earlier rows at higher priority, stopping at the first success. */
const rulesEngine = (rules: ReadonlyArray<Rule>) => {
  const engine = new Engine([], { allowUndefinedFacts: true })
  engine.addFact("orderedAtMillis", (_params, almanac) => almanac.factValue<string>("orderedAt").then((text) => Date.parse(text)))
  rules.forEach((rule, i) => {
    engine.addRule({
      name: rule.id,
      priority: rules.length - i,
      conditions: {
        all: [
          { fact: "amount", operator: "greaterThanInclusive", value: rule.amountMin },
          { fact: "amount", operator: "lessThanInclusive", value: rule.amountMax },
          rule.currency !== undefined
            ? { fact: "currency", operator: "equal", value: rule.currency }
            : { fact: "currency", operator: "in", value: [...rule.currencies] },
          { fact: "kind", operator: "notIn", value: [rule.excludedKind] },
          { fact: "orderedAtMillis", operator: "greaterThanInclusive", value: rule.sinceMillis }
        ]
      },
      event: { type: rule.id },
      onSuccess: () => {
        engine.stop()
      }
    })
  })
  return engine
}

/** Times `decideAll` `runs` times after `warmups` untimed runs; the median in milliseconds. */
const timeRuns = (decideAll: Effect.Effect<unknown>, warmups: number, runs: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < warmups; i++) yield* decideAll
    const times: Array<number> = []
    for (let run = 0; run < runs; run++) {
      const start = performance.now()
      yield* decideAll
      times.push(performance.now() - start)
    }
    return median(times)
  })

/** Times each engine in turns, one run each per round after `warmups` rounds, so all see the same machine; medians in milliseconds. */
const timeInTurns = (engines: ReadonlyArray<Effect.Effect<unknown>>, warmups: number, runs: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < warmups; i++) for (const engine of engines) yield* engine
    const times = engines.map(() => [] as Array<number>)
    for (let run = 0; run < runs; run++) {
      for (let e = 0; e < engines.length; e++) times[e]!.push(yield* timeRuns(engines[e]!, 0, 1))
    }
    return times.map(median)
  })

export const decisionTableBenchmark = (
  options: {
    readonly rows?: number
    readonly inputs?: number
    readonly runs?: number
    /** Untimed rounds first, so every engine is fully optimised by the JIT before it is timed. */
    readonly warmups?: number
    readonly peerRuns?: number
    /** `first` (the default) also times the peers; `collect` times the engine against a loop over every row. */
    readonly hitPolicy?: "first" | "collect"
  } = {}
) =>
  Effect.gen(function*() {
    const rowCount = options.rows ?? 1_000
    const inputCount = options.inputs ?? 1_000
    const runs = options.runs ?? 25
    const warmups = options.warmups ?? 50
    const peerRuns = options.peerRuns ?? 3
    const hitPolicy = options.hitPolicy ?? "first"
    const next = random(20_261_123)
    const rules = makeRules(rowCount, next)
    const inputs = makeInputs(inputCount, next)

    const table = yield* DecisionTable.decode({
      name: "bench routing",
      hitPolicy,
      inputs: [
        { name: "amount", type: "number" },
        { name: "currency", type: "string" },
        { name: "kind", type: "string" },
        { name: "orderedAt", type: "date" }
      ],
      rows: rules.map((rule) => ({
        id: rule.id,
        when: {
          amount: { between: [rule.amountMin, rule.amountMax] },
          currency: rule.currency ?? { in: [...rule.currencies] },
          kind: { notIn: [rule.excludedKind] },
          orderedAt: { gte: rule.since }
        },
        then: rule.then
      })),
      default: fallback
    }, { result: Route })

    /** A decision as the loops answer it: the matching ids joined, or "default". */
    const answer = (decision: { readonly matched: ReadonlyArray<string> }) =>
      decision.matched.length === 0 ? "default" : decision.matched.join(",")
    const batch = DecisionTable.evaluateMany(table, inputs).pipe(
      Effect.map((decisions) => decisions.map(answer)),
      Effect.orDie
    )
    const oneByOne = Effect.gen(function*() {
      const decided: Array<string> = []
      for (const input of inputs) decided.push(answer(yield* DecisionTable.evaluate(table, input)))
      return decided
    }).pipe(Effect.orDie)
    const byHandOne = hitPolicy === "first" ? decideByHand : collectByHand
    const loop = Effect.sync(() => inputs.map((input) => byHandOne(rules, input)))
    const byHand = yield* loop

    /** Dies unless `engine` decided every input as the hand-written loop did. */
    const agree = (engine: string, decided: ReadonlyArray<string>) => {
      const disagreement = decided.findIndex((id, i) => id !== byHand[i])
      return disagreement < 0 && decided.length === byHand.length ? Effect.void : Effect.die(
        new Error(
          `${engine} and the hand-written loop disagree on input ${disagreement} (${JSON.stringify(inputs[disagreement])}): ` +
            `${decided[disagreement]} vs ${byHand[disagreement]}`
        )
      )
    }

    // Procura and the loop first, before the peers fill the heap: checked, warmed up, then timed in
    // turns so all see the same machine.
    yield* agree("DecisionTable.evaluateMany", yield* batch)
    yield* agree("DecisionTable.evaluate", yield* oneByOne)
    const [batchMillis, oneByOneMillis, loopMillis] = yield* timeInTurns([batch, oneByOne, loop], warmups, runs)
    const timing = (engine: string, millis: number, timedRuns: number): EngineTiming => ({ engine, millis, ratio: loopMillis! / millis, runs: timedRuns })
    const engines = [
      timing("DecisionTable.evaluateMany", batchMillis!, runs),
      timing("DecisionTable.evaluate, one effect per input", oneByOneMillis!, runs),
      timing(hitPolicy === "first" ? "hand-written loop" : "hand-written loop over every row", loopMillis!, runs)
    ]

    if (hitPolicy === "first") {
      const zen = new ZenEngine().createDecision(zenDecision(rules))
      const byZen = Effect.promise(async () => {
        const decided: Array<string> = []
        for (const input of inputs) {
          const response = await zen.evaluate(input)
          decided.push((response.result as { readonly rule?: string }).rule ?? "default")
        }
        return decided
      })
      const jsonRules = rulesEngine(rules)
      const byJsonRules = Effect.promise(async () => {
        const decided: Array<string> = []
        for (const input of inputs) {
          const { events } = await jsonRules.run({ ...input })
          decided.push(events[0]?.type ?? "default")
        }
        return decided
      })
      // The peers' checking run is also their warm-up.
      yield* agree("@gorules/zen-engine", yield* byZen)
      engines.push(timing("@gorules/zen-engine", yield* timeRuns(byZen, 0, peerRuns), peerRuns))
      yield* agree("json-rules-engine", yield* byJsonRules)
      engines.push(timing("json-rules-engine", yield* timeRuns(byJsonRules, 0, peerRuns), peerRuns))
    }

    const result: DecisionTableResult = {
      inputs: inputCount,
      rows: rowCount,
      hitPolicy,
      engines,
      defaults: byHand.filter((id) => id === "default").length,
      matchedPerInput: byHand.reduce((total, ids) => total + (ids === "default" ? 0 : ids.split(",").length), 0) / inputCount
    }
    return result
  })
