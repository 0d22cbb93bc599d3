/**
 * Test helpers: a storage layer on a fresh PostgreSQL database of its own, created for the layer
 * and dropped when the layer is released, so concurrent test runs never see each other's data.
 */
import { PgClient } from "@effect/sql-pg"
import type { Storage } from "@procura/core"
import { Effect, Layer, Redacted, type Scope } from "effect"
import { SqlClient } from "effect/sql"
import { SqlStorage } from "../src/index.js"

/** The server the tests use; `PROCURA_TEST_DATABASE_URL` overrides it. */
export const serverUrl: string = process.env["PROCURA_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** Runs statements on the server's maintenance database, on a connection of their own. */
const onServer = (statements: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(statements, (text) => sql.unsafe(text), { discard: true }))
    .pipe(Effect.provide(PgClient.layer({ url: Redacted.make(serverUrl), maxConnections: 1 })))

/** A fresh database name: `procura_test_<time>_<pid>_<random>`. */
export const freshDatabaseName = (): string =>
  `procura_test_${Date.now().toString(36)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`

/**
 * Creates a fresh, empty database for the current scope and drops it when the scope closes
 * (forcing out connections still open). Gives its connection URL.
 */
export const freshDatabase: Effect.Effect<string, unknown, Scope.Scope> = Effect.gen(function*() {
  const database = freshDatabaseName()
  yield* Effect.acquireRelease(
    onServer([`CREATE DATABASE "${database}"`]),
    () =>
      onServer([`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`]).pipe(
        Effect.tapError((error) => Effect.logWarning(`could not drop test database ${database}`, error)),
        Effect.ignore
      )
  )
  return withDatabase(serverUrl, database)
})

/**
 * Creates, for the current scope, a fresh login role that is neither superuser nor `BYPASSRLS`
 * (as row-level security needs) and a fresh database it owns; drops both when the scope closes.
 * Gives the database's URL as that role, and as the server's superuser.
 */
export const freshDatabaseOwnedByRole: Effect.Effect<
  { readonly url: string; readonly superuserUrl: string; readonly role: string },
  unknown,
  Scope.Scope
> = Effect.gen(function*() {
  const database = freshDatabaseName()
  const role = database.replace("procura_test_", "procura_role_")
  yield* Effect.acquireRelease(
    onServer([`CREATE ROLE "${role}" LOGIN NOSUPERUSER NOBYPASSRLS`, `CREATE DATABASE "${database}" OWNER "${role}"`]),
    () =>
      onServer([`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`, `DROP ROLE IF EXISTS "${role}"`]).pipe(
        Effect.tapError((error) => Effect.logWarning(`could not drop test database ${database} or role ${role}`, error)),
        Effect.ignore
      )
  )
  const superuserUrl = withDatabase(serverUrl, database)
  const url = new URL(superuserUrl)
  url.username = role
  url.password = ""
  return { url: url.toString(), superuserUrl, role }
})

/**
 * A layer creating a fresh database, providing the SQL storage (and its `SqlClient`) on it,
 * and dropping the database on release. With `rowLevelSecurity: true` the database belongs to a
 * fresh role that is not a superuser, which the storage connects as.
 */
export const layerFreshPostgres = (options: SqlStorage.Options = {}): Layer.Layer<
  Storage.Storage | Storage.Driver | SqlClient.SqlClient,
  unknown
> =>
  Layer.unwrap(
    options.rowLevelSecurity === true
      ? Effect.map(freshDatabaseOwnedByRole, ({ url }) => SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 4, ...options }))
      : Effect.map(freshDatabase, (url) => SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 4, ...options }))
  )

/**
 * Whether the PostgreSQL tests run: always, unless `PROCURA_SKIP_POSTGRES=1` says there is no
 * server at hand (CI never sets it).
 */
export const postgresEnabled: boolean = process.env["PROCURA_SKIP_POSTGRES"] !== "1"

if (!postgresEnabled) {
  console.warn("PROCURA_SKIP_POSTGRES=1: the PostgreSQL tests are skipped; CI runs them")
}
