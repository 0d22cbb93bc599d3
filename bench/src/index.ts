/**
 * `pnpm bench`: Procura's benchmarks, each reported as a ratio to a raw baseline measured in
 * the same run on the same database, so results compare across machines.
 *
 * Environment: BENCH_UNITS (default 10000), BENCH_ROUNDS (default 3),
 * PROCURA_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; the bench
 * creates and drops a database of its own there), BENCH_SKIP_POSTGRES=1 to run PGlite only.
 *
 * The ServiceNow section (after the receive benchmark): BENCH_SN_RECORDS (default 10000),
 * BENCH_SN_LIMIT requests per BENCH_SN_WINDOW_MS (default 10 per 1000 ms), BENCH_SN_LATENCY_MS
 * (default 20), BENCH_SKIP_SERVICENOW=1 to skip it.
 */
import { PgClient } from "@effect/sql-pg"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { decisionTableBenchmark } from "./decision-table.js"
import { receiveBenchmark, type ReceiveResult } from "./receive.js"
import { servicenowSyncBenchmark, type SyncResult } from "./servicenow-sync.js"

const units = Number(process.env["BENCH_UNITS"] ?? 10_000)
const rounds = Number(process.env["BENCH_ROUNDS"] ?? 3)
const serverUrl = process.env["PROCURA_BENCH_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

const onServer = (statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1 }))
  )

/** A PostgreSQL storage layer on a database created for the run and dropped after it. */
const freshPostgres = Layer.unwrap(Effect.gen(function*() {
  const database = `procura_bench_${Date.now().toString(36)}_${process.pid}`
  yield* Effect.acquireRelease(
    onServer(`CREATE DATABASE "${database}"`),
    () => Effect.ignore(onServer(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`))
  )
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return SqlStorage.layerPg({ url: Redacted.make(url.toString()), maxConnections: 4 })
}))

const report = (name: string, result: ReceiveResult) => {
  const sdkRate = result.units / (result.sdkMillis / 1000)
  const rawRate = result.units / (result.rawMillis / 1000)
  console.log(
    `${name.padEnd(12)} ${String(result.units).padStart(7)} units   SDK ${sdkRate.toFixed(0).padStart(8)} units/s (${result.sdkMillis.toFixed(0)} ms)` +
      `   raw SQL ${rawRate.toFixed(0).padStart(8)} units/s (${result.rawMillis.toFixed(0)} ms)   ratio SDK/raw ${(sdkRate / rawRate).toFixed(2)}`
  )
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

const main = Effect.gen(function*() {
  // In memory, no database: the decision-table engine against a hand-written loop over the same rows.
  const table = yield* decisionTableBenchmark()
  const count = (n: number) => n.toLocaleString("en-US")
  console.log(
    `decision table: ${count(table.inputs)} inputs x ${count(table.rows)} rows: engine ${table.engineMillis.toFixed(1)} ms, ` +
      `hand-written loop ${table.loopMillis.toFixed(1)} ms, ratio engine/loop throughput ${table.ratio.toFixed(2)} ` +
      `(median of 15 runs; ${count(table.defaults)} inputs matched no row and scanned all of them)`
  )
  console.log(`Submit a purchase order of ${units} units and receive them all by serial number (median of ${rounds} rounds)`)
  report("PGlite", yield* receiveBenchmark(SqlStorage.layerPglite(), { units, rounds }))
  if (process.env["BENCH_SKIP_POSTGRES"] !== "1") {
    report("PostgreSQL", yield* Effect.scoped(receiveBenchmark(freshPostgres, { units, rounds })))
  }
  if (process.env["BENCH_SKIP_SERVICENOW"] !== "1") yield* servicenow
})

Effect.runPromise(main).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
