/**
 * The SQL storage adapter: Procura's storage port on PostgreSQL, either a real server through
 * `@effect/sql-pg` or embedded PGlite through this package's own {@link PgliteClient}.
 *
 * Each collection is a table `c_<name>` holding the tenant, the id, the version and the record
 * as `jsonb`, plus one typed column `f_<field>` per declared field, derived from the record in
 * SQL on every write so that filters, orderings, indexes and unique keys run on real columns.
 * Unique keys are per-tenant unique constraints over those columns; PostgreSQL's "NULLs are
 * distinct" rule is exactly the port's "records with a missing key field never conflict".
 *
 * Every bulk write is one statement per batch: the batch travels as a single `jsonb` parameter
 * expanded with `jsonb_to_recordset`. Writes run in a transaction (a savepoint when nested), so
 * a conflict leaves nothing behind and leaves an enclosing transaction usable.
 *
 * The system tables (event log, checkpoints, collection definitions, delivery leases, dead letters)
 * come from versioned migrations run by {@link migrate}; migrations and {@link make}'s `prepare` take a
 * transaction-scoped advisory lock, so processes starting at the same time do not race.
 *
 * On PostgreSQL, row-level security can back the tenant filter up (see {@link Options}): the
 * tables get a policy admitting only the rows of the tenant in the transaction-local setting
 * `procura.tenant_id`, which the driver sets from the caller's tenant before each statement.
 *
 * @since 0.1.0
 */
import type { PgClient } from "@effect/sql-pg"
import { Storage } from "@procura/core"
import { Config, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { migrate } from "./internal/ddl.js"
import { fromClient } from "./internal/driver.js"
import { classifyError } from "./internal/errors.js"
import { loadPgClient } from "./internal/postgres.js"
import { type Options, rowLevelSecurityInForce } from "./internal/rowLevelSecurity.js"
import * as PgliteClient from "./PgliteClient.js"

export {
  /**
   * Maps a failure of the SQL layer to the port's `Storage.StorageError` and its reason.
   *
   * @since 0.1.0
   * @category errors
   */
  classifyError
} from "./internal/errors.js"
export {
  /**
   * Runs Procura's system migrations on the `SqlClient` in context, under an advisory lock.
   *
   * @since 0.1.0
   * @category migrations
   */
  migrate
} from "./internal/ddl.js"
export {
  /**
   * Builds the driver on a given `SqlClient` (PostgreSQL dialect).
   *
   * @since 0.1.0
   * @category constructors
   */
  fromClient
} from "./internal/driver.js"
export {
  /**
   * The row-level security settings: the transaction-local setting the policies read, and its
   * value admitting every tenant's events.
   *
   * @since 0.1.0
   * @category row-level security
   */
  allTenants,
  /**
   * Options of the driver.
   *
   * @since 0.1.0
   * @category options
   */
  type Options,
  /**
   * The transaction-local setting the row-level security policies compare `tenant_id` with.
   *
   * @since 0.1.0
   * @category row-level security
   */
  tenantSetting
} from "./internal/rowLevelSecurity.js"
export {
  /**
   * The typed column of a declared field: `f_<snake_case(field)>`.
   *
   * @since 0.1.0
   * @category naming
   */
  columnName,
  /**
   * The table of a collection: `c_<name>`.
   *
   * @since 0.1.0
   * @category naming
   */
  tableName
} from "./internal/tables.js"

/**
 * Builds the driver on the `SqlClient` in context with options. Without `rowLevelSecurity` it
 * reads whether the database has row-level security on (the event log's state) and follows it.
 * Does not run migrations: see {@link migrate} and {@link layerWith}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeWith = (options: Options = {}): Effect.Effect<Storage.StorageDriver, Storage.StorageError, SqlClient.SqlClient> =>
  Effect.flatMap(SqlClient.SqlClient, (client) =>
    options.rowLevelSecurity !== undefined
      ? Effect.succeed(fromClient(client, options))
      : rowLevelSecurityInForce(client.withoutTransforms()).pipe(
        Effect.map((enabled) => fromClient(client, { ...options, rowLevelSecurity: enabled ? true : undefined })),
        Effect.mapError((error) => classifyError(error))
      ))

/**
 * Builds the driver on the `SqlClient` in context, following the database's row-level security
 * state. Does not run migrations: see {@link migrate} and {@link layer}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: Effect.Effect<Storage.StorageDriver, Storage.StorageError, SqlClient.SqlClient> = makeWith()

// ---------------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------------

/**
 * Provides the storage port (`Storage.Storage` and `Storage.Driver`) on the `SqlClient` in
 * context with options, after running {@link migrate}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: Options
): Layer.Layer<Storage.Storage | Storage.Driver, Storage.StorageError, SqlClient.SqlClient> =>
  Storage.layerFromDriver(Effect.andThen(migrate, makeWith(options)))

/**
 * Provides the storage port (`Storage.Storage` and `Storage.Driver`) on the `SqlClient` in
 * context, after running {@link migrate}.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Storage.Storage | Storage.Driver, Storage.StorageError, SqlClient.SqlClient> = layerWith({})

/**
 * Options of {@link layerPglite}.
 *
 * @since 0.1.0
 * @category options
 */
export type PgliteOptions = PgliteClient.PgliteClientConfig

/**
 * Provides the storage port on an embedded PGlite database (in memory unless `dataDir` is
 * given), with the `SqlClient` too. Migrations run at start.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPglite = (
  options: PgliteOptions = {}
): Layer.Layer<Storage.Storage | Storage.Driver | SqlClient.SqlClient, Storage.StorageError> =>
  layer.pipe(
    Layer.provideMerge(
      PgliteClient.layerFrom(Effect.mapError(PgliteClient.make(options), (error) => classifyError(error)))
    )
  )

/**
 * Options of {@link layerPg}: the pool's configuration (`PgClient.PgPoolConfig`) and the
 * driver's {@link Options}.
 *
 * @since 0.1.0
 * @category options
 */
export interface PgOptions extends PgClient.PgPoolConfig, Options {}

/**
 * The storage port on a pool built from options: the pool gets everything but the driver's.
 * `@effect/sql-pg` is loaded here, when the layer starts (see `internal/postgres.ts`).
 */
const onPool = <E, R>(
  options: Effect.Effect<PgOptions, E, R>
): Layer.Layer<Storage.Storage | Storage.Driver | SqlClient.SqlClient, Storage.StorageError | E, R> =>
  Layer.unwrap(Effect.gen(function*() {
    const { rowLevelSecurity, ...pool } = yield* options
    const pg = yield* loadPgClient
    return layerWith({ rowLevelSecurity }).pipe(
      Layer.provideMerge(pg.layerFrom(Effect.mapError(pg.make(pool), (error) => classifyError(error))))
    )
  }))

/**
 * Provides the storage port on PostgreSQL through a connection pool (`{ url: Redacted.make(...) }`
 * or host, port, database, user and password; see `PgClient.PgPoolConfig`), with the `SqlClient`
 * too. Migrations run at start. `rowLevelSecurity: true` turns on row-level security (see
 * {@link Options}).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPg = (
  options: PgOptions
): Layer.Layer<Storage.Storage | Storage.Driver | SqlClient.SqlClient, Storage.StorageError> => onPool(Effect.succeed(options))

/**
 * Like {@link layerPg}, with the pool configuration read from `Config`: by default the
 * connection URL from `PROCURA_DATABASE_URL`, as a redacted secret, and row-level security
 * from `PROCURA_ROW_LEVEL_SECURITY` (`true` or `false`; unset follows the database).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerPgConfig = (
  config: Config.Wrap<PgOptions> = {
    url: Config.Redacted("PROCURA_DATABASE_URL"),
    rowLevelSecurity: Config.option(Config.Boolean("PROCURA_ROW_LEVEL_SECURITY")).pipe(Config.map(Option.getOrUndefined))
  }
): Layer.Layer<
  Storage.Storage | Storage.Driver | SqlClient.SqlClient,
  Storage.StorageError | Config.ConfigError
> => onPool(Config.unwrap(config))
