/**
 * The worker fleet: several `procura worker` processes on one PostgreSQL deliver the events of
 * purchase orders to the fleet ledger's subscribers (`FleetLedger.ts`, a module the
 * configuration file names). Once `--kill-after` orders are placed, the worker that delivered the
 * latest event is killed with SIGKILL; the orders go on. When every ledger has caught up, the
 * survivors are stopped with SIGTERM and the ledgers reconciled with the event log. Exits 0 when nothing was lost, order per aggregate
 * was kept and the survivors stopped cleanly; 1 otherwise; 2 on a wrong flag.
 *
 * ```sh
 * npm run example worker-fleet                     # a fresh database on 127.0.0.1:5432, dropped at the end
 * PROCURA_DATABASE_URL=postgres://... pnpm --dir examples/worker-fleet start --workers 4 --orders 100
 * ```
 *
 * Flags: `--workers N` (3), `--orders N` (40), `--kill-after N` (orders placed before the kill;
 * half of them), `--lease-ttl MS` (3000), `--deadline MS` (60000: how long to wait for the fleet
 * to catch up), `--report-file FILE` (the report as JSON too), `--verbose` (echo the workers' output).
 *
 * @since 0.0.0
 */
import { Plugin } from "@procura/core"
import { createProcura, type ProcuraClient } from "@procura/core/promise"
import { PostgresTesting, SqlStorage } from "@procura/storage-sql"
import { Effect, Redacted } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { fleetLedger, Reconciliation } from "./FleetLedger.js"
import { orderAndReceive, people, setUpCatalog } from "./Orders.js"
import * as Report from "./Report.js"
import * as Workers from "./Workers.js"

/** The configuration the workers run with, and this app instance too. */
const configFile = fileURLToPath(new URL("./procura.config.json", import.meta.url))

/** The knobs of a run. */
interface FleetOptions {
  readonly workers: number
  readonly orders: number
  readonly killAfter: number
  readonly leaseTtl: number
  readonly deadline: number
  readonly reportFile: string | undefined
  readonly verbose: boolean
}

/** A wrong flag: printed with the usage, exit code 2. */
class UsageError extends Error {}

const text = { type: "string" } as const

/** The flags as given (`parseArgs` throws on an unknown one). */
const readFlags = (argv: ReadonlyArray<string>) =>
  parseArgs({
    args: [...argv],
    options: {
      workers: text,
      orders: text,
      "kill-after": text,
      "lease-ttl": text,
      deadline: text,
      "report-file": text,
      verbose: { type: "boolean" }
    }
  }).values

/** Reads the flags; throws a `UsageError` naming a flag that is unknown or not a whole number in range. */
const parseOptions = (argv: ReadonlyArray<string>): FleetOptions => {
  let values: ReturnType<typeof readFlags>
  try {
    values = readFlags(argv)
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  const whole = (name: "workers" | "orders" | "kill-after" | "lease-ttl" | "deadline", fallback: number, min: number) => {
    const given = values[name]
    if (given === undefined) return fallback
    const n = Number(given)
    if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`--${name} needs a whole number of at least ${min}, got ${given}`)
    return n
  }
  const orders = whole("orders", 40, 2)
  const killAfter = whole("kill-after", Math.floor(orders / 2), 1)
  if (killAfter >= orders) throw new UsageError(`--kill-after must be below --orders (${orders}), so that orders follow the kill`)
  return {
    workers: whole("workers", 3, 2),
    orders,
    killAfter,
    leaseTtl: whole("lease-ttl", 3_000, 3),
    deadline: whole("deadline", 60_000, 1),
    reportFile: values["report-file"],
    verbose: values.verbose === true
  }
}

const usage = "Usage: fleet.ts [--workers N] [--orders N] [--kill-after N] [--lease-ttl MS] [--deadline MS] [--report-file FILE] [--verbose]\n"

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

/** A promise's value, or `undefined` when `millis` pass first. */
const within = <A>(promise: Promise<A>, millis: number): Promise<A | undefined> => {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, millis, undefined)))
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Polls `check` every 100 ms until it gives a value; `undefined` when `deadline` ms pass first. */
const waitFor = async <A>(check: () => Promise<A | undefined> | A | undefined, deadline: number): Promise<A | undefined> => {
  const until = Date.now() + deadline
  while (true) {
    const value = await check()
    if (value !== undefined || Date.now() >= until) return value
    await sleep(100)
  }
}

/** The reconciliation of the ledgers with the run's tenant's events, as the auditor sees it. */
const reconcile = async (procura: ProcuraClient, tenantId: string): Promise<Reconciliation> =>
  Reconciliation.parse(await procura.run("fleet-ledger.reconcile", {}, { principal: people(tenantId).auditor }))

/** The worker that delivered the latest event according to the ledgers, and to which subscriber. */
const latestDelivery = async (procura: ProcuraClient, tenantId: string, workers: ReadonlyArray<Workers.Worker>) => {
  const { subscribers } = await reconcile(procura, tenantId)
  const [latest] = subscribers
    .flatMap((subscriber) => subscriber.stretches.slice(-1).map((stretch) => ({ subscriber: subscriber.subscriber, stretch })))
    .sort((a, b) => Date.parse(b.stretch.endedAt) - Date.parse(a.stretch.endedAt))
  const worker = workers.find((w) => w.process === latest?.stretch.worker)
  return worker === undefined ? undefined : { worker, subscriber: latest!.subscriber }
}

const say = (text: string) => void process.stdout.write(`${text}\n`)

/**
 * Places the orders, up to four at a time as several app instances would (the workers fall
 * behind), and once `killAfter` are placed SIGKILLs the worker that delivered the latest event,
 * so that it dies with work in hand. The orders go on.
 */
const placeOrdersAndKill = async (
  procura: ProcuraClient,
  tenantId: string,
  workers: ReadonlyArray<Workers.Worker>,
  options: FleetOptions
): Promise<Report.Kill> => {
  const catalogItemId = await setUpCatalog(procura, tenantId)
  let kill: Report.Kill | undefined
  for (let placed = 0; placed < options.orders;) {
    const size = Math.min(4, options.orders - placed, placed < options.killAfter ? options.killAfter - placed : 4)
    await Promise.all(Array.from({ length: size }, (_, i) => orderAndReceive(procura, tenantId, catalogItemId, placed + i + 1)))
    placed += size
    if (placed !== options.killAfter) continue
    const victim = await waitFor(() => latestDelivery(procura, tenantId, workers), options.deadline)
    if (victim === undefined) throw new Error(`No worker delivered anything within ${options.deadline} ms`)
    victim.worker.kill()
    kill = { name: victim.worker.name, afterOrder: placed, at: Date.now() }
    say(
      `After order ${placed} of ${options.orders}: SIGKILL ${victim.worker.name} (pid ${victim.worker.pid}), which delivered ` +
        `the latest event (to ${victim.subscriber}). The orders go on.`
    )
  }
  return kill!
}

/** Runs the fleet on a database and gives its report. */
const runFleet = async (databaseUrl: string, options: FleetOptions): Promise<Report.FleetReport> => {
  const tenantId = `fleet-${Date.now().toString(36)}`
  // This app instance enables the same plugins as the workers, from the same file; it imports the
  // module the file names, so it installs the plugin itself.
  const file = JSON.parse(readFileSync(configFile, "utf8")) as { readonly plugins?: unknown }
  const plugins = await Effect.runPromise(Plugin.fromConfigFile([fleetLedger], { plugins: file.plugins }))
  const procura = createProcura({ storage: SqlStorage.layerPg({ url: Redacted.make(databaseUrl), maxConnections: 4 }), plugins })
  const workers: Array<Workers.Worker> = []
  try {
    // Migrates and creates the ledger's table before the workers start (they would wait their turn otherwise).
    await procura.ready()

    const flags = ["--lease-ttl", String(options.leaseTtl), "--poll-interval", "200", "--batch-size", "20", "--base-delay", "200"]
    for (let i = 1; i <= options.workers; i++) {
      const name = `worker-${i}`
      workers.push(Workers.start(name, {
        databaseUrl,
        config: configFile,
        flags,
        onLine: (line, stream) => {
          if (options.verbose || stream === "stderr") say(`  [${name}] ${line}`)
        }
      }))
    }
    if (await within(Promise.all(workers.map((worker) => worker.started)), 30_000) === undefined) {
      throw new Error("The workers did not start within 30 s")
    }
    say(`Started ${workers.map((worker) => `${worker.name} (pid ${worker.pid})`).join(", ")}: procura worker --config ${configFile} ${flags.join(" ")}`)

    const kill = await placeOrdersAndKill(procura, tenantId, workers, options)
    const loadDone = Date.now()
    say(`Placed ${options.orders} purchase orders; waiting for the ledgers to catch up (at most ${options.deadline} ms)...`)
    const caughtUpMillis = await waitFor(async () => {
      const now = await reconcile(procura, tenantId)
      return now.subscribers.every((subscriber) => subscriber.lost.length === 0) ? Date.now() - loadDone : undefined
    }, options.deadline)

    const survivors = workers.filter((worker) => worker.name !== kill.name)
    for (const worker of survivors) worker.stop()
    const ended = await Promise.all(workers.map((worker) => within(worker.ended, 10_000)))
    say(`Stopped ${survivors.map((worker) => worker.name).join(", ")} with SIGTERM.`)

    return Report.build({
      reconciliation: await reconcile(procura, tenantId),
      orders: options.orders,
      caughtUpMillis,
      killed: kill,
      workers: workers.map((worker, i) => ({
        name: worker.name,
        pid: worker.pid,
        process: worker.process,
        killed: worker.name === kill.name,
        ended: ended[i]
      }))
    })
  } finally {
    // Nothing is left running, whatever happened.
    for (const worker of workers) worker.kill()
    await procura.dispose()
  }
}

/** Runs the fleet on `PROCURA_DATABASE_URL`, or on a fresh database it drops at the end; gives the exit code. */
const main = async (): Promise<number> => {
  let options: FleetOptions
  try {
    options = parseOptions(process.argv.slice(2))
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`${error.message}\n${usage}`)
    return 2
  }
  const given = process.env["PROCURA_DATABASE_URL"]
  const report = given !== undefined && given !== ""
    ? await runFleet(given, options)
    : await Effect.runPromise(Effect.scoped(Effect.flatMap(
      PostgresTesting.freshDatabase({ prefix: "procura_fleet" }),
      (url) => {
        say(`A fresh database on ${new URL(url).host}: ${new URL(url).pathname.slice(1)} (dropped at the end; set PROCURA_DATABASE_URL to use yours)`)
        return Effect.promise(() => runFleet(url, options))
      }
    )))
  process.stdout.write(Report.format(report))
  if (options.reportFile !== undefined) writeFileSync(options.reportFile, `${JSON.stringify(report, null, 2)}\n`)
  return report.ok ? 0 : 1
}

main().then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`The fleet failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
    process.exitCode = 1
  }
)
