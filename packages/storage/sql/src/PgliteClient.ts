/**
 * An effect/sql client on embedded PGlite (`@electric-sql/pglite`): PostgreSQL compiled to
 * WebAssembly, running in the host's process.
 *
 * PGlite is one database session, so the client serialises its use: a statement outside a
 * transaction borrows the session for that statement, and a transaction keeps it from `BEGIN`
 * to `COMMIT` or `ROLLBACK` (nested transactions are savepoints on the same session). Statements
 * are compiled with the PostgreSQL dialect of `@effect/sql-pg`, and failures are classified by
 * their SQLSTATE into effect/sql's `SqlError` reasons (unique violation with its constraint,
 * other integrity violations, deadlock, serialization failure, timeouts, syntax, ...), exactly
 * as on a PostgreSQL server, so the storage driver above treats both the same way.
 *
 * ```ts
 * import { PgliteClient } from "@procura/storage-sql"
 * import { Effect } from "effect"
 * import { SqlClient } from "effect/sql"
 *
 * const program = Effect.gen(function*() {
 *   const sql = yield* SqlClient.SqlClient
 *   return yield* sql`SELECT 1 + 1 AS two`
 * }).pipe(Effect.provide(PgliteClient.layer({ dataDir: "./data" })))
 * ```
 *
 * @since 0.1.0
 */
import { PGlite, type PGliteInterface, type PGliteOptions } from "@electric-sql/pglite"
import { PgClient } from "@effect/sql-pg"
import { Config, Context, Effect, Layer, Scope, Semaphore, Stream } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { SqlClient, type SqlConnection, SqlError } from "effect/sql"

/**
 * A `SqlClient` on PGlite, with the PGlite instance it runs on.
 *
 * @since 0.1.0
 * @category models
 */
export interface PgliteClient extends SqlClient.SqlClient {
  /** The PGlite instance, for what effect/sql does not cover (dumps, extensions). */
  readonly pglite: PGliteInterface
}

/**
 * The service of the PGlite client; {@link layer} provides it together with `SqlClient`.
 *
 * @since 0.1.0
 * @category services
 */
export const PgliteClient = Context.Service<PgliteClient>("@procura/storage-sql/PgliteClient")

/**
 * Options of {@link make}: where PGlite keeps its files (in memory when `dataDir` is omitted),
 * and any other PGlite option.
 *
 * @since 0.1.0
 * @category options
 */
export interface PgliteClientConfig extends Pick<PGliteOptions, "username" | "database" | "relaxedDurability" | "extensions" | "debug"> {
  /** A folder for the database's files; in memory when omitted. */
  readonly dataDir?: string | undefined
  /** Extra OpenTelemetry attributes on every statement's span. */
  readonly spanAttributes?: Readonly<Record<string, unknown>> | undefined
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

interface PgFailure {
  readonly code?: string | undefined
  readonly constraint?: string | undefined
  readonly message?: string | undefined
}

const failureOf = (cause: unknown): PgFailure => (typeof cause === "object" && cause !== null ? cause as PgFailure : {})

/**
 * Classifies a PGlite failure by its SQLSTATE into an effect/sql `SqlError` reason, the way a
 * PostgreSQL server's failures are classified. The original error stays as the reason's cause,
 * so its `code`, `detail` and `constraint` remain readable.
 *
 * @since 0.1.0
 * @category errors
 */
export const classify = (cause: unknown, operation: string): SqlError.SqlError => {
  const { code = "", constraint, message } = failureOf(cause)
  const fields = { cause, message: message ?? (cause instanceof Error ? cause.message : String(cause)), operation }
  const reason = code === "23505"
    ? new SqlError.UniqueViolation({ ...fields, constraint: constraint ?? "" })
    : code.startsWith("23")
    ? new SqlError.ConstraintError(fields)
    : code === "40P01"
    ? new SqlError.DeadlockError(fields)
    : code === "40001"
    ? new SqlError.SerializationError(fields)
    : code === "55P03"
    ? new SqlError.LockTimeoutError(fields)
    : code === "57014"
    ? new SqlError.StatementTimeoutError(fields)
    : code === "42501"
    ? new SqlError.AuthorizationError(fields)
    : code.startsWith("28")
    ? new SqlError.AuthenticationError(fields)
    : code.startsWith("08")
    ? new SqlError.ConnectionError(fields)
    : code.startsWith("42")
    ? new SqlError.SqlSyntaxError(fields)
    : new SqlError.UnknownError(fields)
  return new SqlError.SqlError({ reason })
}

// ---------------------------------------------------------------------------------------------
// The connection
// ---------------------------------------------------------------------------------------------

type TransformRows = (<A extends object>(rows: ReadonlyArray<A>) => ReadonlyArray<A>) | undefined

/** The one PGlite session, seen as an effect/sql connection. */
class PgliteConnection implements SqlConnection.Connection {
  readonly pglite: PGliteInterface
  constructor(pglite: PGliteInterface) {
    this.pglite = pglite
  }

  private query(operation: string, sql: string, params: ReadonlyArray<unknown>, rowMode?: "array") {
    return Effect.tryPromise({
      try: () => this.pglite.query<any>(sql, params as Array<unknown>, rowMode === undefined ? undefined : { rowMode }),
      catch: (cause) => classify(cause, operation)
    })
  }

  private rows(operation: string, sql: string, params: ReadonlyArray<unknown>, transformRows: TransformRows) {
    const rows = Effect.map(this.query(operation, sql, params), (result) => result.rows as ReadonlyArray<any>)
    return transformRows === undefined ? rows : Effect.map(rows, transformRows)
  }

  execute(sql: string, params: ReadonlyArray<unknown>, transformRows: TransformRows) {
    return this.rows("execute", sql, params, transformRows)
  }
  executeUnprepared(sql: string, params: ReadonlyArray<unknown>, transformRows: TransformRows) {
    return this.rows("executeUnprepared", sql, params, transformRows)
  }
  executeRaw(sql: string, params: ReadonlyArray<unknown>) {
    return this.query("executeRaw", sql, params)
  }
  executeValues(sql: string, params: ReadonlyArray<unknown>) {
    return Effect.map(this.query("executeValues", sql, params, "array"), (result) => result.rows as ReadonlyArray<ReadonlyArray<unknown>>)
  }
  executeValuesUnprepared(sql: string, params: ReadonlyArray<unknown>) {
    return this.executeValues(sql, params)
  }
  /** PGlite returns whole results, so a stream is one chunk of all rows. */
  executeStream(sql: string, params: ReadonlyArray<unknown>, transformRows: TransformRows) {
    return Stream.fromIterableEffect(this.rows("executeStream", sql, params, transformRows))
  }
}

// ---------------------------------------------------------------------------------------------
// Constructors
// ---------------------------------------------------------------------------------------------

/**
 * Builds the client on a PGlite instance the caller owns (and closes): the client only
 * serialises its use.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromClient = (
  pglite: PGliteInterface,
  options: Pick<PgliteClientConfig, "spanAttributes"> = {}
): Effect.Effect<PgliteClient, never, Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const connection = new PgliteConnection(pglite)
    // One session: a statement borrows it, a transaction (or a stream) holds it for its scope.
    const session = yield* Semaphore.make(1)
    const held: Effect.Effect<SqlConnection.Connection, never, Scope.Scope> = Effect.as(
      Semaphore.takeScoped(session, 1),
      connection
    )
    const client = yield* SqlClient.make({
      driver: "pglite",
      acquirer: held,
      transactionAcquirer: held,
      borrower: (use) => Semaphore.withPermits(session, 1)(use(connection)),
      compiler: PgClient.makeCompiler(undefined, false),
      releaseSavepoint: (name) => `RELEASE SAVEPOINT ${name}`,
      spanAttributes: [
        ...Object.entries(options.spanAttributes ?? {}),
        ["db.system.name", "postgresql"],
        ["db.namespace", "pglite"]
      ]
    })
    return Object.assign(client, { pglite })
  })

/**
 * Starts PGlite (in memory, or on `dataDir`) and builds the client on it; the database is
 * closed when the scope closes.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: PgliteClientConfig = {}
): Effect.Effect<PgliteClient, SqlError.SqlError, Scope.Scope | Reactivity.Reactivity> =>
  Effect.gen(function*() {
    const { spanAttributes, ...pgliteOptions } = options
    const pglite = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => PGlite.create(pgliteOptions as PGliteOptions),
        catch: (cause) => classify(cause, "connect")
      }),
      (db) => Effect.promise(() => db.close()).pipe(Effect.ignore)
    )
    return yield* fromClient(pglite, { spanAttributes })
  })

/**
 * Provides the client as both `PgliteClient` and `SqlClient` from an effect building it.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFrom = <E, R>(
  acquire: Effect.Effect<PgliteClient, E, R>
): Layer.Layer<PgliteClient | SqlClient.SqlClient, E, Exclude<R, Scope.Scope | Reactivity.Reactivity>> =>
  Layer.effectContext(
    Effect.map(acquire, (client) => Context.make(PgliteClient, client).pipe(Context.add(SqlClient.SqlClient, client)))
  ).pipe(Layer.provide(Reactivity.layer)) as Layer.Layer<
    PgliteClient | SqlClient.SqlClient,
    E,
    Exclude<R, Scope.Scope | Reactivity.Reactivity>
  >

/**
 * Provides the client (as `PgliteClient` and `SqlClient`) on a PGlite database started with
 * the options.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: PgliteClientConfig = {}): Layer.Layer<PgliteClient | SqlClient.SqlClient, SqlError.SqlError> =>
  layerFrom(make(options))

/**
 * Like {@link layer}, with the options read from `Config` (for example
 * `{ dataDir: Config.String("PROCURA_DATA_DIR") }`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Wrap<PgliteClientConfig>
): Layer.Layer<PgliteClient | SqlClient.SqlClient, SqlError.SqlError | Config.ConfigError> =>
  layerFrom(Effect.flatMap(Config.unwrap(config), make))
