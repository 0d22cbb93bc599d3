/**
 * Benchmark: project oversight (seed 001) of an order of 1,000 lines against four decision tables
 * of 1,000 rows each (order line, site location, domain order, order task). Timed: approving
 * every line (1,000 line projects with their planned tasks under 20 site projects and a program)
 * and recording the decomposition (1,000 domain orders with one order task each, linked to
 * project tasks). Baseline, in the same run: evaluating the same four tables on the same inputs
 * alone. The result is the ratio of the two: what oversight costs on top of its decisions
 * (storage, batching, events), machine-independent.
 */
import { DecisionTable, Plugin, Principal, type Storage } from "@procura/core"
import { Config, Oversight, SpmOversight, spmOversight } from "@procura/plugin-spm-oversight"
import { Effect, Layer } from "effect"
import { median } from "./measure.js"

export interface OversightResult {
  readonly lines: number
  readonly rows: number
  /** Median time to approve every line (oversight included). */
  readonly approveMillis: number
  /** Median time to record the decomposition (project task oversight included). */
  readonly decomposeMillis: number
  /** Median time to evaluate the four tables alone on the same inputs. */
  readonly tablesMillis: number
  readonly projects: number
  readonly projectTasks: number
}


/** Sites of the bench order (one site project each). */
export const sites = 20
const domains = ["product", "service", "resource"] as const

/** The configuration: one template per kind, and four 1,000-row tables whose last rows are the ones that match. */
export const benchConfig = (rows: number): Config.ConfigInput => ({
  templates: [
    {
      id: "line",
      name: "Line delivery",
      tasks: [
        { key: "plan", name: "Plan" },
        { key: "deliver", name: "Deliver" },
        { key: "install", name: "Install" },
        { key: "step", name: "Step", parent: "install", planned: false }
      ]
    },
    { id: "site", name: "Site", kind: "site_project", tasks: [{ key: "survey", name: "Survey" }] }
  ],
  // Rows 1..n-1 are near misses on the offering; the last row matches every bench offering.
  orderLineTable: {
    rows: [
      ...Array.from({ length: rows - 1 }, (_, i) => ({ id: `miss-${i}`, when: { productOffering: `other-${i}`, quantity: { gte: 1 } }, then: { template: "line" } })),
      { id: "bench", when: { category: "bench", quantity: { gte: 1 } }, then: { template: "line" } }
    ]
  },
  siteTable: {
    rows: [
      ...Array.from({ length: rows - sites }, (_, i) => ({ id: `other-site-${i}`, when: { siteLocation: `other-${i}` }, then: { template: "site" } })),
      ...Array.from({ length: sites }, (_, i) => ({ id: `site-${i}`, when: { siteLocation: `site-${i}` }, then: { template: "site" } }))
    ]
  },
  domainOrderTable: {
    rows: [
      ...Array.from({ length: rows - domains.length }, (_, i) => ({ id: `other-domain-${i}`, when: { domain: `other-${i}` }, then: { template: "line", task: "deliver" } })),
      ...domains.map((domain) => ({ id: domain, when: { domain, projectTemplate: "line" }, then: { template: "line", task: domain === "service" ? "install" : "deliver" } }))
    ]
  },
  orderTaskTable: {
    rows: [
      ...Array.from({ length: rows - 2 }, (_, i) => ({ id: `other-type-${i}`, when: { requestType: `other-${i}` }, then: { template: "line", task: "plan" } })),
      { id: "plan", when: { requestType: "plan" }, then: { template: "line", task: "plan" } },
      { id: "step", when: { requestType: "step" }, then: { template: "line", task: "step" } }
    ]
  },
  fieldMappings: { orderLineToProject: [{ from: "characteristics.ref", to: "u_ref" }] }
})

/** The bench order's lines: 50 offerings over the sites. */
export const lineInputs = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    productOffering: { id: `po-${i % 50}`, name: `Offering ${i % 50}`, category: "bench" },
    site: { id: `site-${i % sites}`, name: `Site ${i % sites}` },
    quantity: 1 + (i % 7),
    characteristics: { ref: `L${i}` }
  }))

/** One domain order per line with one order task: "plan" joins the planned task, "step" creates one under Install. */
export const decomposition = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    lineNo: i + 1,
    domain: domains[i % domains.length]!,
    name: `Domain order ${i + 1}`,
    tasks: [{ name: `Task ${i + 1}`, requestType: i % 2 === 0 ? "plan" : "step" }]
  }))

/** The four tables evaluated on the inputs oversight gives them, and nothing else. */
const tablesAlone = (config: Config.Config, count: number) =>
  Effect.gen(function*() {
    const lines = lineInputs(count)
    for (const [i, line] of lines.entries()) {
      yield* DecisionTable.evaluate(config.orderLineTable, {
        productOffering: line.productOffering.id,
        productOfferingName: line.productOffering.name,
        category: line.productOffering.category,
        action: "add",
        quantity: line.quantity,
        siteLocation: line.site.id,
        parentLocation: null,
        account: "acc-bench",
        orderLines: count,
        characteristics: [`ref=L${i}`]
      })
      yield* DecisionTable.evaluate(config.siteTable!, {
        productOffering: line.productOffering.id,
        productOfferingName: line.productOffering.name,
        category: line.productOffering.category,
        siteLocation: line.site.id,
        parentLocation: null,
        account: "acc-bench"
      })
    }
    for (const d of decomposition(count)) {
      const common = { name: d.name, productOffering: "po", category: "bench", projectTemplate: "line", attributes: [] }
      yield* DecisionTable.evaluate(config.domainOrderTable!, { ...common, domain: d.domain })
      yield* DecisionTable.evaluate(config.orderTaskTable!, { ...common, domain: d.domain, name: d.tasks[0]!.name, requestType: d.tasks[0]!.requestType })
    }
  })

const timed = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = performance.now()
    const value = yield* effect
    return { value, millis: performance.now() - start }
  })

/** One round in a fresh tenant: the order is created untimed, approval and decomposition are timed. */
const sdkRound = (count: number, round: number) =>
  Effect.gen(function*() {
    const tenantId = `bench-oversight-${Date.now().toString(36)}-${round}`
    const manager: Principal.Principal = { userId: "bench-manager", tenantId, roles: ["order_fulfilment_manager"] }
    const agent: Principal.Principal = { userId: "bench-agent", tenantId, roles: ["order_fulfilment_agent"] }
    const oversight = yield* Oversight.Oversight
    const { order } = yield* Principal.runAs(
      oversight.createOrder({ account: { id: "acc-bench", name: "Bench account" }, lines: lineInputs(count) }),
      manager
    )
    const approve = yield* timed(Principal.runAs(oversight.approveOrderLines({ orderId: order.id }), manager))
    const decompose = yield* timed(
      Principal.runAs(oversight.recordDecomposition({ orderId: order.id, domainOrders: decomposition(count) }), agent)
    )
    return {
      approveMillis: approve.millis,
      decomposeMillis: decompose.millis,
      projects: approve.value.projects.length + approve.value.siteProjects.length,
      projectTasks: approve.value.projects.length * 3 + approve.value.siteProjects.length + decompose.value.projectTasks.filter((t) => !t.planned).length
    }
  })

/**
 * Runs the benchmark on a storage layer: a warm-up round, then `rounds` measured rounds of the
 * SDK and of the tables alone, alternating; reports medians.
 */
export const oversightBenchmark = <E>(
  storage: Layer.Layer<Storage.Storage, E>,
  options: { readonly lines?: number; readonly rows?: number; readonly rounds: number }
): Effect.Effect<OversightResult, unknown> => {
  const lines = options.lines ?? 1_000
  const rows = options.rows ?? 1_000
  const input = benchConfig(rows)
  return Effect.gen(function*() {
    const config = yield* Plugin.validateConfig(spmOversight, input)
    yield* sdkRound(Math.min(lines, 100), 0)
    yield* tablesAlone(config, lines)
    const sdk: Array<Effect.Success<ReturnType<typeof sdkRound>>> = []
    const tables: Array<number> = []
    for (let round = 1; round <= options.rounds; round++) {
      sdk.push(yield* sdkRound(lines, round))
      // The tables alone take a few milliseconds: the median of five runs per round steadies them.
      const runs: Array<number> = []
      for (let run = 0; run < 5; run++) runs.push((yield* timed(tablesAlone(config, lines))).millis)
      tables.push(median(runs))
    }
    return {
      lines,
      rows,
      approveMillis: median(sdk.map((r) => r.approveMillis)),
      decomposeMillis: median(sdk.map((r) => r.decomposeMillis)),
      tablesMillis: median(tables),
      projects: sdk[0]!.projects,
      projectTasks: sdk[0]!.projectTasks
    }
  }).pipe(Effect.provide(SpmOversight.layer(input).pipe(Layer.provideMerge(storage))))
}
