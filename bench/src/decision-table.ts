/**
 * Benchmark: evaluate 1,000 inputs against a 1,000-row decision table (hit policy first, with a
 * default), through `DecisionTable.evaluate`, beside a hand-written loop that makes the same
 * comparisons directly over the same rows, in the same run. Both must reach the same decision
 * for every input. Inputs and rows come from a seeded generator, so every run sees the same data;
 * each side is warmed up, then timed several times, and the median is reported.
 */
import { DecisionTable } from "@procura/core"
import { Effect } from "effect"
import { z } from "zod"
import { median } from "./measure.js"

export interface DecisionTableResult {
  readonly inputs: number
  readonly rows: number
  /** Median time to evaluate every input with the engine. */
  readonly engineMillis: number
  /** Median time to decide every input with the hand-written loop. */
  readonly loopMillis: number
  /** Engine throughput / loop throughput (1 = as fast as the loop). */
  readonly ratio: number
  /** How many inputs fell through to the default (they scan every row). */
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

/** The hand-written baseline: the same comparisons, in the same order, with no engine. */
const decideByHand = (rules: ReadonlyArray<Rule>, input: Input): string => {
  const orderedAt = Date.parse(input.orderedAt)
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i]!
    if (
      input.amount >= rule.amountMin && input.amount <= rule.amountMax &&
      (rule.currency !== undefined ? input.currency === rule.currency : rule.currencies.has(input.currency)) &&
      input.kind !== rule.excludedKind &&
      orderedAt >= rule.sinceMillis
    ) {
      return rule.id
    }
  }
  return "default"
}

export const decisionTableBenchmark = (options: { readonly rows?: number; readonly inputs?: number; readonly runs?: number } = {}) =>
  Effect.gen(function*() {
    const rowCount = options.rows ?? 1_000
    const inputCount = options.inputs ?? 1_000
    const runs = options.runs ?? 15
    const next = random(20_261_123)
    const rules = makeRules(rowCount, next)
    const inputs = makeInputs(inputCount, next)

    const table = yield* DecisionTable.decode({
      name: "bench routing",
      hitPolicy: "first",
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

    const engine = Effect.gen(function*() {
      const decided: Array<string> = []
      for (const input of inputs) {
        const decision = yield* DecisionTable.evaluate(table, input)
        decided.push(decision.matched[0] ?? "default")
      }
      return decided
    })
    const loop = () => inputs.map((input) => decideByHand(rules, input))

    // Both sides must decide the same; this also warms both up.
    const byEngine = yield* engine
    const byHand = loop()
    const disagreement = byEngine.findIndex((id, i) => id !== byHand[i])
    if (disagreement >= 0) {
      return yield* Effect.die(
        new Error(`engine and loop disagree on input ${disagreement}: ${byEngine[disagreement]} vs ${byHand[disagreement]}`)
      )
    }
    for (let i = 0; i < 3; i++) {
      yield* engine
      loop()
    }

    const engineTimes: Array<number> = []
    const loopTimes: Array<number> = []
    for (let run = 0; run < runs; run++) {
      let start = performance.now()
      yield* engine
      engineTimes.push(performance.now() - start)
      start = performance.now()
      loop()
      loopTimes.push(performance.now() - start)
    }
    const engineMillis = median(engineTimes)
    const loopMillis = median(loopTimes)
    const result: DecisionTableResult = {
      inputs: inputCount,
      rows: rowCount,
      engineMillis,
      loopMillis,
      ratio: loopMillis / engineMillis,
      defaults: byHand.filter((id) => id === "default").length
    }
    return result
  })
