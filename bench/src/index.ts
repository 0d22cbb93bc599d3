/**
 * `pnpm bench`: Procura's benchmarks, each reported as a ratio to a raw baseline measured in
 * the same run on the same database, so results compare across machines.
 *
 * Environment: BENCH_UNITS (default 10000), BENCH_ROUNDS (default 3),
 * PROCURA_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres; the bench
 * creates and drops a database of its own there), BENCH_SKIP_POSTGRES=1 to run PGlite only.
 */
import { PgClient } from "@effect/sql-pg"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { receiveBenchmark, type ReceiveResult } from "./receive.js"

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

const main = Effect.gen(function*() {
  console.log(`Submit a purchase order of ${units} units and receive them all by serial number (median of ${rounds} rounds)`)
  report("PGlite", yield* receiveBenchmark(SqlStorage.layerPglite(), { units, rounds }))
  if (process.env["BENCH_SKIP_POSTGRES"] !== "1") {
    report("PostgreSQL", yield* Effect.scoped(receiveBenchmark(freshPostgres, { units, rounds })))
  }
})

Effect.runPromise(main).catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
