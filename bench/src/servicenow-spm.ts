/**
 * Benchmark: project oversight (seed 001) mirrored to ServiceNow SPM by the SPM connector, under
 * the instance's rate-limit rule (L requests per window W, each answered after a fixed latency).
 *
 * An order of N lines (1,000 by default) at 20 sites is approved (N line projects with their
 * planned tasks under 20 site projects and a program) and decomposed (one domain order with one
 * order task per line, joining or creating project tasks), on PostgreSQL, or PGlite with
 * BENCH_SKIP_POSTGRES=1; at 1,000 lines: 1,020 projects and 3,520 project tasks. Then, timed, the
 * connector's outbound side drains the events through one client whose limiter is set to the
 * rule: the program, every project with its whole task tree (insert_project_tasks), and what the
 * decomposition added.
 *
 * The ceiling is the fastest any client could push the same requests under the rule (every
 * window filled from the first request: (ceil(R / L) - 1) windows plus one latency); the ratio is
 * the ceiling over the measured time (1.00: the rule is all that slows the mirror down).
 * Afterwards every program, project and task is checked to exist exactly once (by `external_id`),
 * each task under its parent task, else its project.
 */
import { ServiceNowClient, Auth, Spm } from "@procura/connector-servicenow"
import { Connector, Delivery, Plugin, Principal, Procura, type Storage } from "@procura/core"
import { Oversight, type Projects, spmOversight } from "@procura/plugin-spm-oversight"
import { ServiceNowSimulator, ServiceNowTables } from "@procura/testkit"
import { Effect, Layer, References } from "effect"
import { drainAll } from "./measure.js"
import { benchConfig, decomposition, lineInputs, sites } from "./oversight.js"

export interface SpmOptions {
  readonly lines: number
  /** Requests the rule allows per window. */
  readonly limit: number
  readonly windowMillis: number
  readonly latencyMillis: number
}

export interface SpmResult extends SpmOptions {
  readonly programs: number
  readonly projects: number
  readonly projectTasks: number
  /** Programs, projects and project tasks mirrored. */
  readonly records: number
  readonly requests: number
  /** insert_project_tasks requests (the PPM API). */
  readonly inserts: number
  readonly rateLimited: number
  /** Creating, approving and decomposing the order (untimed for the ratio). */
  readonly setupMillis: number
  readonly millis: number
  readonly ceilingMillis: number
  /** Requests by method and path (the path's sys_id, if any, left out), most first. */
  readonly breakdown: ReadonlyArray<readonly [string, number]>
}

const instanceUrl = "https://bench-spm.service-now.test"
/** The oversight section's templates and order (bench/src/oversight.ts), with tables of only the rows that match. */
const config = benchConfig(sites)

const tenantId = "bench"
const team = {
  manager: { userId: "bench-manager", tenantId, roles: ["order_fulfilment_manager"] },
  agent: { userId: "bench-agent", tenantId, roles: ["order_fulfilment_agent"] },
  sync: { userId: "spm-sync", tenantId, roles: ["it_project_manager", "it_project_user"] }
} satisfies Record<string, Principal.Principal>

/** Every item of a paged list. */
const all = <A, E, R>(page: (cursor: string | undefined) => Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly cursor?: string | undefined }, E, R>) =>
  Effect.gen(function*() {
    const items: Array<A> = []
    let cursor: string | undefined
    do {
      const next = yield* page(cursor)
      items.push(...next.items)
      cursor = next.cursor
    } while (cursor !== undefined)
    return items
  })

const paged = (cursor: string | undefined) => ({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) })

export const servicenowSpmBenchmark = (
  storage: Layer.Layer<Storage.Storage, unknown>,
  options: SpmOptions
): Effect.Effect<SpmResult, unknown> =>
  Effect.gen(function*() {
    const simulator = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const sim = ServiceNowSimulator.make({
          instanceUrl,
          auth: { basic: [{ username: "procura.bench", password: "bench-password" }] },
          latency: options.latencyMillis,
          rateLimit: { limit: options.limit, window: options.windowMillis, precise: true },
          ...ServiceNowTables.spm
        })
        sim.listen()
        return sim
      }),
      (sim) => Effect.sync(() => sim.close())
    )
    const client = yield* Effect.flatMap(ServiceNowClient.ServiceNowClient, Effect.succeed).pipe(
      Effect.provide(ServiceNowClient.layer({
        instanceUrl,
        auth: Auth.basic("procura.bench", "bench-password"),
        limits: { requestsPerWindow: options.limit, window: options.windowMillis, maxConcurrency: 4 }
      }))
    )
    const composition = yield* Plugin.compose([
      Plugin.enable(spmOversight, config),
      Connector.enable(Spm.connector({ client }), { principal: team.sync })
    ])
    const outbound = composition.subscribers.filter((s) => s.id === Connector.outboundSubscriberId(Spm.id))
    if (outbound.length !== 1) return yield* Effect.fail(new Error(`expected the connector's outbound subscriber among ${composition.subscribers.map((s) => s.id).join(", ")}`))
    const others = composition.subscribers.filter((s) => s.id !== Connector.outboundSubscriberId(Spm.id))
    // The plugin's contribution provides Oversight; layerFromComposition's type knows the core's services only.
    const services = Procura.layerFromComposition(composition) as Layer.Layer<Procura.Services | Oversight.Oversight, Storage.StorageError, Storage.Storage>

    return yield* Effect.gen(function*() {
      const oversight = yield* Oversight.Oversight
      const setupStart = performance.now()
      const { order } = yield* Principal.runAs(
        oversight.createOrder({ account: { id: "acc-bench", name: "Bench account" }, lines: lineInputs(options.lines) }),
        team.manager
      )
      yield* Principal.runAs(oversight.approveOrderLines({ orderId: order.id }), team.manager)
      yield* Principal.runAs(oversight.recordDecomposition({ orderId: order.id, domainOrders: decomposition(options.lines) }), team.agent)
      // Whatever else subscribes (none today) is delivered before the clock starts.
      if (others.length > 0) yield* Delivery.drain(others)
      const setupMillis = performance.now() - setupStart
      simulator.clearLog()

      const start = performance.now()
      yield* drainAll(outbound)
      const millis = performance.now() - start

      // Every program, project and task once, each task under its parent task, else its project.
      const read = <A, E, R>(effect: Effect.Effect<A, E, R>) => Principal.runAs(effect, team.sync)
      const programs = yield* all((cursor) => read(oversight.listPrograms(paged(cursor))))
      const projects = yield* all((cursor) => read(oversight.listProjects(paged(cursor))))
      const tasks: ReadonlyArray<Projects.ProjectTask> = yield* all((cursor) => read(oversight.listProjectTasks(paged(cursor))))
      const byExternalId = (table: string, expected: number) =>
        Effect.gen(function*() {
          const stored = simulator.records(table)
          const map = new Map(stored.map((r) => [r["external_id"] ?? "", r]))
          if (map.size !== stored.length) return yield* Effect.fail(new Error(`${table}: a record was written twice`))
          if (stored.length !== expected) return yield* Effect.fail(new Error(`${table}: ${stored.length} records for ${expected} in Procura`))
          return map
        })
      const spmPrograms = yield* byExternalId("pm_program", programs.length)
      const spmProjects = yield* byExternalId("pm_project", projects.length)
      const spmTasks = yield* byExternalId("pm_project_task", tasks.length)
      for (const program of programs) {
        if (!spmPrograms.has(program.id)) return yield* Effect.fail(new Error(`program ${program.id} is not in pm_program`))
      }
      for (const project of projects) {
        const record = spmProjects.get(project.id)
        if (record === undefined) return yield* Effect.fail(new Error(`project ${project.id} is not in pm_project`))
        const parent = project.parentId === undefined ? "" : spmProjects.get(project.parentId)?.["sys_id"]
        if ((record["parent"] ?? "") !== parent) return yield* Effect.fail(new Error(`project ${project.name}: parent ${record["parent"]}, expected ${parent}`))
      }
      for (const task of tasks) {
        const record = spmTasks.get(task.id)
        if (record === undefined) return yield* Effect.fail(new Error(`task ${task.id} is not in pm_project_task`))
        const parent = task.parentTaskId === undefined ? spmProjects.get(task.projectId) : spmTasks.get(task.parentTaskId)
        if (parent === undefined || record["parent"] !== parent["sys_id"]) {
          return yield* Effect.fail(new Error(`task ${task.name}: parent ${record["parent"]}, expected ${parent?.["sys_id"]}`))
        }
      }

      const logged = simulator.requests().filter((request) => request.api !== "oauth")
      const requests = logged.length
      const counts = new Map<string, number>()
      for (const request of logged) {
        const key = `${request.method} ${request.path.replace(/\/[0-9a-f]{32}$/, "/{sys_id}")}`
        counts.set(key, (counts.get(key) ?? 0) + 1)
      }
      return {
        ...options,
        programs: programs.length,
        projects: projects.length,
        projectTasks: tasks.length,
        records: programs.length + projects.length + tasks.length,
        requests,
        inserts: logged.filter((request) => request.api === "ppm").length,
        rateLimited: simulator.stats().rateLimited,
        setupMillis,
        millis,
        ceilingMillis: (Math.ceil(requests / options.limit) - 1) * options.windowMillis + options.latencyMillis,
        breakdown: [...counts].toSorted((a, b) => b[1] - a[1])
      }
    }).pipe(
      Effect.provide(services.pipe(Layer.provideMerge(storage))),
      Effect.provide(Layer.succeed(References.MinimumLogLevel, "Warn"))
    )
  }).pipe(Effect.scoped)
