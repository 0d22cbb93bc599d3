/**
 * `pnpm bench`: Procura's benchmarks, each reported as a ratio to a raw baseline measured in
 * the same run on the same database, so results compare across machines.
 *
 * Environment: BENCH_UNITS (default 10000), BENCH_ROUNDS (default 3),
 * PROCURA_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; the bench
 * creates and drops a database of its own there), BENCH_SKIP_POSTGRES=1 to run PGlite only.
 *
 * The delivery section (PostgreSQL; after the receive benchmark): BENCH_DELIVERY_EVENTS (default
 * 2000), BENCH_DELIVERY_SUBSCRIBERS (default 4), BENCH_DELIVERY_WORKERS (default 1,2,4),
 * BENCH_SKIP_DELIVERY=1 to skip it.
 *
 * BENCH_ONLY=decision-table,oversight,receive,scan-receive,one-scan,links,delivery,servicenow,mirror,spm,coupa,footprint runs only the sections named.
 *
 * The links section (after one-scan): BENCH_LINKS_PAIRS connector mapping records (default 2000)
 * written by `linkAll`, by `link` once per pair, and by one raw INSERT, on PGlite and PostgreSQL.
 *
 * The footprint section (last): time to the first operation and resident memory of a fresh
 * process on memory storage and PGlite, BENCH_FOOTPRINT_ROUNDS rounds (default 3).
 *
 * The scan-receive section (after the receive benchmark): the same BENCH_UNITS received by scanning
 * serial numbers in deliveries of 1,000 scans, against raw SQL writing the same rows.
 *
 * The oversight section (seed 001, after the decision table): BENCH_OVERSIGHT_LINES (default
 * 1000) lines against 1,000-row tables, on memory, PGlite and PostgreSQL; BENCH_SKIP_OVERSIGHT=1
 * skips it.
 *
 * The ServiceNow section (after the delivery benchmark): BENCH_SN_RECORDS (default 10000),
 * BENCH_SN_LIMIT requests per BENCH_SN_WINDOW_MS (default 10 per 1000 ms), BENCH_SN_LATENCY_MS
 * (default 20), BENCH_SKIP_SERVICENOW=1 to skip it. Then the ITAM/SPO mirror: BENCH_MIRROR_ORDERS
 * purchase orders of 10 lines (default 1000) under BENCH_MIRROR_LIMIT requests per
 * BENCH_MIRROR_WINDOW_MS (default 10 per 200 ms: the rule of 10 per second on a clock five times
 * faster; 1000 runs it in real time, about 35 minutes), BENCH_MIRROR_LATENCY_MS (default 10).
 * Then SPM: project oversight of an order of BENCH_SPM_LINES lines (default 1000: 1,020 projects,
 * 3,520 project tasks) mirrored by the servicenow-spm connector under BENCH_SPM_LIMIT requests per
 * BENCH_SPM_WINDOW_MS (default 10 per 200 ms, as the mirror's), BENCH_SPM_LATENCY_MS (default 10).
 * Last, Coupa: BENCH_COUPA_ORDERS purchase orders (default 1000) pushed by spo-coupa under Coupa's
 * documented rule, in real time (about 3 minutes).
 */
import { PostgresTesting, SqlStorage } from "@procura/storage-sql"
import { Effect, Redacted } from "effect"
import { availableParallelism } from "node:os"
import { MemoryStorage } from "@procura/storage-memory"
import { decisionTableBenchmark } from "./decision-table.js"
import { oversightBenchmark, type OversightResult } from "./oversight.js"
import { deliveryBenchmark, type DeliveryResult } from "./delivery.js"
import { receiveBenchmark, type ReceiveResult } from "./receive.js"
import { oneScanBenchmark, type OneScanResult, scanReceiveBenchmark } from "./scan-receive.js"
import { type LinksResult, linksBenchmark } from "./links.js"
import { type MirrorResult, servicenowMirrorBenchmark } from "./servicenow-mirror.js"
import { servicenowSpmBenchmark, type SpmResult } from "./servicenow-spm.js"
import { type CoupaPushResult, coupaPushBenchmark } from "./coupa-push.js"
import { servicenowSyncBenchmark, type SyncResult } from "./servicenow-sync.js"
import { embeddedConfigurations, footprintBenchmark, printFootprint } from "./footprint.js"

const units = Number(process.env["BENCH_UNITS"] ?? 10_000)
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 3)
const serverUrl = process.env["PROCURA_BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

/** The URL of a PostgreSQL database created for the scope and dropped after it. */
const freshDatabase = PostgresTesting.freshDatabase({ serverUrl, prefix: "procura_bench" })

/** A PostgreSQL storage layer on a database created for the run and dropped after it. */
const freshPostgres = PostgresTesting.layerFresh({ serverUrl, prefix: "procura_bench" })

const report = (name: string, result: Omit<ReceiveResult, "rawUncountedMillis"> & { readonly rawUncountedMillis?: number }) => {
  const sdkRate = result.units / (result.sdkMillis / 1000)
  const rawRate = result.units / (result.rawMillis / 1000)
  console.log(
    `${name.padEnd(12)} ${String(result.units).padStart(7)} units   SDK ${sdkRate.toFixed(0).padStart(8)} units/s (${result.sdkMillis.toFixed(0)} ms)` +
      `   raw SQL ${rawRate.toFixed(0).padStart(8)} units/s (${result.rawMillis.toFixed(0)} ms)   ratio SDK/raw ${(sdkRate / rawRate).toFixed(2)}`
  )
  if (result.rawUncountedMillis !== undefined) {
    console.log(
      `${"".padEnd(12)} raw SQL without kept counts ${result.rawUncountedMillis.toFixed(0)} ms: keeping the assets' status counts costs ` +
        `${((result.rawMillis / result.rawUncountedMillis - 1) * 100).toFixed(0)}% of the raw writes`
    )
  }
}

const reportSync = (name: string, result: SyncResult) => {
  const rate = result.records / (result.millis / 1000)
  const ceiling = result.records / (result.ceilingMillis / 1000)
  console.log(
    `${name.padEnd(26)} ${String(result.records).padStart(6)} records in ${String(result.requests).padStart(4)} requests` +
      ` (${(result.requests / result.records).toFixed(3)} requests/record)   ${rate.toFixed(0).padStart(6)} records/s (${result.millis.toFixed(0)} ms)` +
      `   ceiling ${ceiling.toFixed(0).padStart(6)} records/s   ratio to ceiling ${(result.ceilingMillis / result.millis).toFixed(2)}   429s ${result.rateLimited}`
  )
}

const reportDelivery = (result: DeliveryResult) => {
  const rate = (millis: number) => result.deliveries / (millis / 1000)
  const procura = rate(result.procuraMillis)
  const queue = rate(result.queueMillis)
  const single = rate(result.singleJobQueueMillis)
  console.log(
    `${String(result.workers).padStart(2)} worker${result.workers === 1 ? " " : "s"}   Procura ${procura.toFixed(0).padStart(7)} events/s` +
      `   SKIP LOCKED queue, batches ${queue.toFixed(0).padStart(7)} events/s (ratio ${(procura / queue).toFixed(2)})` +
      `   one job per transaction ${single.toFixed(0).padStart(7)} events/s (ratio ${(procura / single).toFixed(2)})`
  )
}

const delivery = Effect.scoped(Effect.gen(function*() {
  const events = Number(process.env["BENCH_DELIVERY_EVENTS"] ?? 2_000)
  const subscribers = Number(process.env["BENCH_DELIVERY_SUBSCRIBERS"] ?? 4)
  const workerCounts = (process.env["BENCH_DELIVERY_WORKERS"] ?? "1,2,4").split(",").map(Number)
  const batchSize = 500
  console.log(
    `\nDeliver ${events} events to ${subscribers} no-op subscribers (${events * subscribers} deliveries, "events/s" counts deliveries) ` +
      `on PostgreSQL with worker processes, against a bare FOR UPDATE SKIP LOCKED queue of the same jobs ` +
      `(batches of ${batchSize}, and one job per transaction); this machine has ${availableParallelism()} cores`
  )
  const url = yield* freshDatabase
  const results = yield* deliveryBenchmark(url, { events, subscribers, batchSize, workerCounts }).pipe(
    Effect.provide(SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 2 }))
  )
  results.forEach(reportDelivery)
}))

const reportOversight = (name: string, result: OversightResult) => {
  const sdk = result.approveMillis + result.decomposeMillis
  console.log(
    `${name.padEnd(12)} approve ${result.approveMillis.toFixed(0).padStart(6)} ms, decompose ${result.decomposeMillis.toFixed(0).padStart(6)} ms` +
      `   tables alone ${result.tablesMillis.toFixed(1).padStart(7)} ms   ratio SDK/tables ${(sdk / result.tablesMillis).toFixed(1)}` +
      `   (${result.projects.toLocaleString("en-US")} projects, ${result.projectTasks.toLocaleString("en-US")} project tasks)`
  )
}

const oversight = Effect.gen(function*() {
  const lines = Number(process.env["BENCH_OVERSIGHT_LINES"] ?? 1_000)
  console.log(
    `\nOversight (seed 001): approve an order of ${lines.toLocaleString("en-US")} lines and record its decomposition, against four 1,000-row decision tables (median of ${rounds} rounds)`
  )
  reportOversight("memory", yield* oversightBenchmark(MemoryStorage.layer(), { lines, rounds }))
  reportOversight("PGlite", yield* oversightBenchmark(SqlStorage.layerPglite(), { lines, rounds }))
  if (process.env["BENCH_SKIP_POSTGRES"] !== "1") {
    reportOversight("PostgreSQL", yield* Effect.scoped(oversightBenchmark(freshPostgres, { lines, rounds })))
  }
})

const servicenow = Effect.gen(function*() {
  const records = Number(process.env["BENCH_SN_RECORDS"] ?? 10_000)
  const limit = Number(process.env["BENCH_SN_LIMIT"] ?? 10)
  const windowMillis = Number(process.env["BENCH_SN_WINDOW_MS"] ?? 1000)
  const latencyMillis = Number(process.env["BENCH_SN_LATENCY_MS"] ?? 20)
  console.log(
    `\nSync ${records} records into a simulated ServiceNow instance: rule of ${limit} requests per ${windowMillis} ms, ${latencyMillis} ms latency`
  )
  const options = { records, limit, windowMillis, latencyMillis }
  reportSync("Import Set insertMultiple", yield* servicenowSyncBenchmark({ ...options, mode: "importSet" }))
  reportSync("Batch API (Table creates)", yield* servicenowSyncBenchmark({ ...options, mode: "batch" }))
})

const servicenowMirror = Effect.gen(function*() {
  const orders = Number(process.env["BENCH_MIRROR_ORDERS"] ?? 1_000)
  const mirror = {
    orders,
    limit: Number(process.env["BENCH_MIRROR_LIMIT"] ?? 10),
    windowMillis: Number(process.env["BENCH_MIRROR_WINDOW_MS"] ?? 200),
    latencyMillis: Number(process.env["BENCH_MIRROR_LATENCY_MS"] ?? 10)
  }
  console.log(
    `\nMirror ${orders.toLocaleString("en-US")} purchase orders of 10 lines to ITAM and SPO (the connectors, one shared client): ` +
      `rule of ${mirror.limit} requests per ${mirror.windowMillis} ms, ${mirror.latencyMillis} ms latency`
  )
  const onPostgres = process.env["BENCH_SKIP_POSTGRES"] !== "1"
  reportMirror(yield* Effect.scoped(servicenowMirrorBenchmark(onPostgres ? freshPostgres : SqlStorage.layerPglite(), mirror)), onPostgres ? "PostgreSQL" : "PGlite")
})

const reportMirror = (result: MirrorResult, storage: string) =>
  console.log(
    `ITAM + SPO (${storage})   ${result.records.toLocaleString("en-US")} records, ${result.requests.toLocaleString("en-US")} requests ` +
      `(${(result.requests / result.records).toFixed(2)} per record, ${result.rateLimited} answered 429)   ` +
      `${(result.millis / 1000).toFixed(1)} s, ceiling ${(result.ceilingMillis / 1000).toFixed(1)} s   ratio ceiling/measured ${(result.ceilingMillis / result.millis).toFixed(2)}`
  )

const servicenowSpm = Effect.gen(function*() {
  const lines = Number(process.env["BENCH_SPM_LINES"] ?? 1_000)
  const spm = {
    lines,
    limit: Number(process.env["BENCH_SPM_LIMIT"] ?? 10),
    windowMillis: Number(process.env["BENCH_SPM_WINDOW_MS"] ?? 200),
    latencyMillis: Number(process.env["BENCH_SPM_LATENCY_MS"] ?? 10)
  }
  console.log(
    `\nMirror project oversight of a ${lines.toLocaleString("en-US")}-line order to SPM (the servicenow-spm connector): ` +
      `rule of ${spm.limit} requests per ${spm.windowMillis} ms, ${spm.latencyMillis} ms latency`
  )
  const onPostgres = process.env["BENCH_SKIP_POSTGRES"] !== "1"
  reportSpm(yield* Effect.scoped(servicenowSpmBenchmark(onPostgres ? freshPostgres : SqlStorage.layerPglite(), spm)), onPostgres ? "PostgreSQL" : "PGlite")
})

const reportSpm = (result: SpmResult, storage: string) => {
  const count = (n: number) => n.toLocaleString("en-US")
  console.log(
    `  order set up (create, approve, decompose; untimed) in ${(result.setupMillis / 1000).toFixed(1)} s: ` +
      `${count(result.programs)} program, ${count(result.projects)} projects, ${count(result.projectTasks)} project tasks`
  )
  console.log(
    `SPM (${storage})   ${count(result.records)} records, ${count(result.requests)} requests ` +
      `(${(result.requests / result.records).toFixed(2)} per record, ${count(result.inserts)} insert_project_tasks, ${result.rateLimited} answered 429)   ` +
      `${(result.millis / 1000).toFixed(1)} s, ceiling ${(result.ceilingMillis / 1000).toFixed(1)} s   ratio ceiling/measured ${(result.ceilingMillis / result.millis).toFixed(2)}`
  )
  if (result.ceilingMillis / result.millis < 0.8) {
    console.log(`  requests: ${result.breakdown.map(([key, n]) => `${key} ${count(n)}`).join(", ")}`)
  }
}

const coupa = Effect.gen(function*() {
  const orders = Number(process.env["BENCH_COUPA_ORDERS"] ?? 1_000)
  console.log(
    `\nPush ${orders.toLocaleString("en-US")} purchase orders of 3 lines (and their requisitions) to Coupa with spo-coupa: ` +
      `Coupa's documented rule of 25 requests per second, bursts of 20`
  )
  const onPostgres = process.env["BENCH_SKIP_POSTGRES"] !== "1"
  reportCoupa(yield* Effect.scoped(coupaPushBenchmark(onPostgres ? freshPostgres : SqlStorage.layerPglite(), { orders })), onPostgres ? "PostgreSQL" : "PGlite")
})

const reportCoupa = (result: CoupaPushResult, storage: string) =>
  console.log(
    `spo-coupa (${storage})   ${result.records.toLocaleString("en-US")} records, ${result.requests.toLocaleString("en-US")} requests ` +
      `(${(result.requests / result.records).toFixed(2)} per record, ${(result.requests / result.orders).toFixed(2)} per order, ${result.rateLimited} answered 429)   ` +
      `${(result.millis / 1000).toFixed(1)} s, ceiling ${(result.ceilingMillis / 1000).toFixed(1)} s   ratio ceiling/measured ${(result.ceilingMillis / result.millis).toFixed(2)}`
  )

/** BENCH_ONLY=delivery,receive (comma-separated sections) runs only those sections. */
const only = process.env["BENCH_ONLY"]?.split(",")
const runs = (section: "decision-table" | "oversight" | "receive" | "scan-receive" | "one-scan" | "links" | "delivery" | "servicenow" | "mirror" | "spm" | "coupa" | "footprint") =>
  only === undefined || only.includes(section)

const main = Effect.gen(function*() {
  if (runs("decision-table")) {
    // In memory, no database: the decision-table engine, a hand-written loop over the same rows and two peers.
    const count = (n: number) => n.toLocaleString("en-US")
    // json-rules-engine takes about a minute a run against 10,000 rows: one timed run there (after the checking run).
    const runsFor = [[1_000, 3, "first"], [10_000, 1, "first"], [1_000, 0, "collect"], [10_000, 0, "collect"]] as const
    for (const [rows, peerRuns, hitPolicy] of runsFor) {
      const table = yield* decisionTableBenchmark({ rows, peerRuns, hitPolicy })
      console.log(
        `decision table: ${count(table.inputs)} inputs x ${count(table.rows)} rows, hit policy ${hitPolicy} with a default ` +
          `(${count(table.defaults)} inputs matched no row, ${table.matchedPerInput.toFixed(1)} rows per input); ` +
          `${table.engines.length === 3 ? "all three" : "all five"} decided every input alike`
      )
      for (const engine of table.engines) {
        console.log(
          `  ${engine.engine.padEnd(46)} ${engine.millis.toFixed(1).padStart(9)} ms   throughput / loop ${
            engine.ratio < 0.01 ? engine.ratio.toExponential(1) : engine.ratio.toFixed(2)
          }   (median of ${engine.runs} runs)`
        )
      }
    }
  }
  if (runs("oversight") && process.env["BENCH_SKIP_OVERSIGHT"] !== "1") yield* oversight
  if (runs("receive")) {
    console.log(`Submit a purchase order of ${units} units and receive them all by serial number (median of ${rounds} rounds)`)
    report("PGlite", yield* receiveBenchmark(SqlStorage.layerPglite(), { units, rounds }))
    if (process.env["BENCH_SKIP_POSTGRES"] !== "1") {
      report("PostgreSQL", yield* Effect.scoped(receiveBenchmark(freshPostgres, { units, rounds })))
    }
  }
  if (runs("scan-receive")) {
    console.log(
      `\nReceive a purchase order of ${units} units by scanning serial numbers, in deliveries of 1,000 scans, against raw SQL writing the same rows (median of ${rounds} rounds)`
    )
    report("PGlite", yield* scanReceiveBenchmark(SqlStorage.layerPglite(), { units, rounds }))
    if (process.env["BENCH_SKIP_POSTGRES"] !== "1") {
      report("PostgreSQL", yield* Effect.scoped(scanReceiveBenchmark(freshPostgres, { units, rounds })))
    }
  }
  if (runs("one-scan")) {
    const scans = Number(process.env["BENCH_ONE_SCANS"] ?? 200)
    console.log(`\nOne scan's wait: ${scans} single-scan deliveries through the Promise facade, each timed, against raw SQL writing the same receipt (one transaction)`)
    const reportScan = (storage: string, result: OneScanResult) =>
      console.log(
        `${storage.padEnd(10)}  SDK p50 ${result.sdk.p50.toFixed(1)} ms, p99 ${result.sdk.p99.toFixed(1)} ms   raw SQL p50 ${result.raw.p50.toFixed(1)} ms, p99 ${result.raw.p99.toFixed(1)} ms   ` +
          `ratio raw/SDK p50 ${(result.raw.p50 / result.sdk.p50).toFixed(2)}, p99 ${(result.raw.p99 / result.sdk.p99).toFixed(2)}`
      )
    reportScan("PGlite", yield* Effect.scoped(oneScanBenchmark(SqlStorage.layerPglite(), { scans })))
    if (process.env["BENCH_SKIP_POSTGRES"] !== "1") reportScan("PostgreSQL", yield* Effect.scoped(oneScanBenchmark(freshPostgres, { scans })))
  }
  if (runs("links")) {
    const pairs = Number(process.env["BENCH_LINKS_PAIRS"] ?? 2000)
    console.log(`\nLink ${pairs.toLocaleString("en-US")} connector mapping records after a batch push: linkAll, link once per pair, and one raw INSERT of the same rows (median of ${rounds} rounds)`)
    const reportLinks = (storage: string, result: LinksResult) =>
      console.log(
        `${storage.padEnd(10)}  linkAll ${result.linkAllMillis.toFixed(0)} ms   link per pair ${result.perPairMillis.toFixed(0)} ms   raw SQL ${result.rawMillis.toFixed(0)} ms   ` +
          `ratio raw/linkAll ${(result.rawMillis / result.linkAllMillis).toFixed(2)}, raw/per pair ${(result.rawMillis / result.perPairMillis).toFixed(2)}`
      )
    reportLinks("PGlite", yield* linksBenchmark(SqlStorage.layerPglite(), { pairs, rounds }))
    if (process.env["BENCH_SKIP_POSTGRES"] !== "1") reportLinks("PostgreSQL", yield* Effect.scoped(linksBenchmark(freshPostgres, { pairs, rounds })))
  }
  if (runs("delivery") && process.env["BENCH_SKIP_POSTGRES"] !== "1" && process.env["BENCH_SKIP_DELIVERY"] !== "1") yield* delivery
  if (runs("servicenow") && process.env["BENCH_SKIP_SERVICENOW"] !== "1") yield* servicenow
  if (runs("mirror") && process.env["BENCH_SKIP_SERVICENOW"] !== "1") yield* servicenowMirror
  if (runs("spm") && process.env["BENCH_SKIP_SERVICENOW"] !== "1") yield* servicenowSpm
  if (runs("coupa")) yield* coupa
  if (runs("footprint")) {
    const footprintRounds = Number(process.env["BENCH_FOOTPRINT_ROUNDS"] ?? 3)
    printFootprint(yield* footprintBenchmark(embeddedConfigurations, { rounds: footprintRounds, furtherOperations: 200 }))
  }
})

Effect.runPromise(main).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
