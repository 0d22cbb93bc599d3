/**
 * Throwaway PostgreSQL databases for tests: a database (or a database owned by a fresh role
 * that is not a superuser) created for a scope and dropped, connections forced out, when the
 * scope closes, so concurrent test runs never see each other's data. Procura's own suites run on
 * it, and so can a host's or an adapter's.
 *
 * ```ts
 * import { PostgresTesting } from "@procura/storage-sql"
 *
 * // In a test: the SQL storage on a fresh database of the server at PROCURA_TEST_DATABASE_URL
 * // (default postgres://postgres@127.0.0.1:5432/postgres), dropped when the layer is released.
 * const storage = PostgresTesting.layerFresh()
 * ```
 *
 * @since 0.2.0
 */
import type { Storage } from "@procura/core"
import { Effect, Layer, Redacted, type Scope } from "effect"
import { SqlClient } from "effect/sql"
import { loadPgClient } from "./internal/postgres.js"
import * as SqlStorage from "./SqlStorage.js"

/**
 * The server tests use: `PROCURA_TEST_DATABASE_URL`, else `postgres://postgres@127.0.0.1:5432/postgres`.
 *
 * @since 0.2.0
 * @category config
 */
export const serverUrl = (): string => process.env["PROCURA_TEST_DATABASE_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

/**
 * Whether tests on PostgreSQL run: unless `PROCURA_SKIP_POSTGRES=1` (a machine without a server).
 *
 * @since 0.4.0
 * @category config
 */
export const enabled = (): boolean => process.env["PROCURA_SKIP_POSTGRES"] !== "1"

/**
 * Where fresh databases are made.
 *
 * @since 0.2.0
 * @category options
 */
export interface ServerOptions {
  /** A URL of the server (any database of it); default {@link serverUrl}. */
  readonly serverUrl?: string
  /** The database names' prefix; default `procura_test`. */
  readonly prefix?: string
}

const withDatabase = (url: string, database: string): string => {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

/** Runs statements on the server's maintenance database, on a connection of their own. */
const onServer = (server: string, statements: ReadonlyArray<string>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(statements, (text) => sql.unsafe(text), { discard: true }))
    .pipe(Effect.provide(Layer.unwrap(Effect.map(loadPgClient, (pg) => pg.layer({ url: Redacted.make(server), maxConnections: 1 })))))

/**
 * A fresh database name: `<prefix>_<time>_<pid>_<random>`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const freshDatabaseName = (prefix = "procura_test"): string =>
  `${prefix}_${Date.now().toString(36)}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`

/** Creates what `create` says for the scope, and runs `drop` when it closes (failures to drop logged). */
const scoped = (server: string, create: ReadonlyArray<string>, drop: ReadonlyArray<string>) =>
  Effect.acquireRelease(
    onServer(server, create),
    () =>
      onServer(server, drop).pipe(
        Effect.tapError((error) => Effect.logWarning(`could not run ${drop.join("; ")}`, error)),
        Effect.ignore
      )
  )

/**
 * Creates a fresh, empty database for the current scope and drops it when the scope closes
 * (forcing out connections still open). Gives its connection URL.
 *
 * @since 0.2.0
 * @category constructors
 */
export const freshDatabase = (options: ServerOptions = {}): Effect.Effect<string, unknown, Scope.Scope> =>
  Effect.gen(function*() {
    const server = options.serverUrl ?? serverUrl()
    const database = freshDatabaseName(options.prefix)
    yield* scoped(server, [`CREATE DATABASE "${database}"`], [`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`])
    return withDatabase(server, database)
  })

/**
 * {@link freshDatabase} for a test written with promises: creates the database, gives its URL to
 * `use`, and drops it once `use` settles (close what holds connections to it first).
 *
 * ```ts
 * it("runs on PostgreSQL", () =>
 *   PostgresTesting.withFreshDatabase(async (url) => {
 *     // open the storage on `url`, test, and close it before this returns
 *   }))
 * ```
 *
 * @since 0.4.0
 * @category constructors
 */
export const withFreshDatabase = <A>(use: (url: string) => Promise<A>, options: ServerOptions = {}): Promise<A> =>
  Effect.runPromise(Effect.scoped(Effect.flatMap(freshDatabase(options), (url) => Effect.promise(() => use(url)))))

/**
 * Creates, for the current scope, a fresh login role that is neither superuser nor `BYPASSRLS`
 * (as row-level security needs) and a fresh database it owns; drops both when the scope closes.
 * Gives the database's URL as that role, and as the server's superuser.
 *
 * @since 0.2.0
 * @category constructors
 */
export const freshDatabaseOwnedByRole = (options: ServerOptions = {}): Effect.Effect<
  { readonly url: string; readonly superuserUrl: string; readonly role: string },
  unknown,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const server = options.serverUrl ?? serverUrl()
    const database = freshDatabaseName(options.prefix)
    const role = `${database}_role`
    yield* scoped(
      server,
      [`CREATE ROLE "${role}" LOGIN NOSUPERUSER NOBYPASSRLS`, `CREATE DATABASE "${database}" OWNER "${role}"`],
      [`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`, `DROP ROLE IF EXISTS "${role}"`]
    )
    const superuserUrl = withDatabase(server, database)
    const url = new URL(superuserUrl)
    url.username = role
    url.password = ""
    return { url: url.toString(), superuserUrl, role }
  })

/**
 * A layer creating a fresh database, providing the SQL storage (and its `SqlClient`) on it,
 * and dropping the database on release. With `rowLevelSecurity: true` the database belongs to a
 * fresh role that is not a superuser, which the storage connects as.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerFresh = (options: SqlStorage.Options & ServerOptions = {}): Layer.Layer<
  Storage.Storage | Storage.Driver | SqlClient.SqlClient,
  unknown
> => {
  const { prefix, serverUrl: server, ...storage } = options
  const where = { ...(prefix === undefined ? {} : { prefix }), ...(server === undefined ? {} : { serverUrl: server }) }
  return Layer.unwrap(
    options.rowLevelSecurity === true
      ? Effect.map(freshDatabaseOwnedByRole(where), ({ url }) => SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 4, ...storage }))
      : Effect.map(freshDatabase(where), (url) => SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 4, ...storage }))
  )
}
