// Seed 001's flow on PostgreSQL (127.0.0.1:5432 unless PROCURA_TEST_DATABASE_URL says otherwise), in
// a database created for the run and dropped after it. PROCURA_SKIP_POSTGRES=1 skips it.
import { describe } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { readsSuite } from "./reads.js"
import { flowSuite } from "./scenarios.js"

const serverUrl = process.env["PROCURA_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

const onServer = (statement: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(statement)).pipe(
    Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1 }))
  )

const freshPostgres = Layer.unwrap(Effect.gen(function*() {
  const database = `procura_oversight_${Date.now().toString(36)}_${process.pid}`
  yield* Effect.acquireRelease(onServer(`CREATE DATABASE "${database}"`), () => Effect.ignore(onServer(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)))
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return SqlStorage.layerPg({ url: Redacted.make(url.toString()), maxConnections: 4 })
}))

describe.skipIf(process.env["PROCURA_SKIP_POSTGRES"] === "1")("PostgreSQL (PROCURA_SKIP_POSTGRES=1 skips)", () => {
  flowSuite("PostgreSQL", freshPostgres)
  readsSuite("PostgreSQL", freshPostgres)
})
