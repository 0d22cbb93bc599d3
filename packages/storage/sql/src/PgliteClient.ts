/**
 * An effect/sql client on embedded PGlite (`@electric-sql/pglite`): PostgreSQL compiled to
 * WebAssembly, running in the host's process.
 *
 * PGlite is one database session, so the client serialises its use: a statement outside a
 * transaction borrows the session for that statement, and a transaction keeps it from `BEGIN`
 * to `COMMIT` or `ROLLBACK` (nested transactions are savepoints on the same session). A
 * transaction runs on PGlite's own transaction API, so PGlite writes the files it changed (to
 * IndexedDB in a browser) once, when it commits, rather than after each of its statements.
 * Statements are compiled to PostgreSQL's SQL exactly as `@effect/sql-pg` compiles them (without
 * importing it: its connection code needs Node, and this client also runs in browsers), and
 * failures are classified by their SQLSTATE into effect/sql's `SqlError` reasons (unique
 * violation with its constraint, other integrity violations, deadlock, serialization failure,
 * timeouts, syntax, ...), exactly as on a PostgreSQL server, so the storage driver above treats
 * both the same way.
 *
 * In a browser, PGlite keeps its files in IndexedDB with a `dataDir` of `idb://<name>`.
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
import { PGlite, type PGliteInterface, type PGliteOptions, type Transaction } from "@electric-sql/pglite"
import { Config, Context, Effect, Layer, Scope, Semaphore, Stream } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { SqlClient, type SqlConnection, SqlError, Statement } from "effect/sql"

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
  /**
   * Where the database's files live: a folder (Node), `idb://<name>` (an IndexedDB database, in
   * browsers); in memory when omitted.
   */
  readonly dataDir?: string | undefined
  /**
   * PostgreSQL settings for the session, given at start as `-c name=value` after PGlite's own.
   * `{ shared_buffers: "16MB" }` (PGlite keeps PostgreSQL's default of 128MB) lowers the
   * resident memory of a database reopened from its `dataDir`, at the cost of reading pages
   * again once the working set outgrows the cache; the getting-started guide has the numbers.
   */
  readonly settings?: Readonly<Record<string, string>> | undefined
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
// The compiler
// ---------------------------------------------------------------------------------------------

/**
 * Compiles effect/sql statements to PostgreSQL's SQL: `$n` placeholders, identifiers in double
 * quotes, `updateValues` as a `VALUES` list; the same text and parameters as `@effect/sql-pg`'s
 * compiler without name transforms.
 */
const compiler: Statement.Compiler = Statement.makeCompiler({
  dialect: "pg",
  placeholder: (index) => `$${index}`,
  onIdentifier: Statement.defaultEscape("\""),
  onRecordUpdate: (placeholders, alias, columns, values, returning) => [
    `(values ${placeholders}) AS ${alias}${columns}${returning === undefined ? "" : ` RETURNING ${returning[0]}`}`,
    returning === undefined ? values.flat() : [...values.flat(), ...returning[1]]
  ],
  // Custom fragments come from a driver's own helpers (`@effect/sql-pg`'s `json`, say), which
  // this client does not have: a statement carrying one was built for another client.
  onCustom: (custom) => {
    throw new Error(`The PGlite client cannot compile the custom SQL fragment ${custom.kind} of another client`)
  }
})

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

  /** What runs the statements: the database itself, or a transaction of it. */
  protected get session(): Pick<Transaction, "query"> {
    return this.pglite
  }

  private query(operation: string, sql: string, params: ReadonlyArray<unknown>, rowMode?: "array") {
    return Effect.tryPromise({
      try: () => this.session.query<any>(sql, params as Array<unknown>, rowMode === undefined ? undefined : { rowMode }),
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

/** The statements effect/sql runs to begin and to roll back a transaction (given to `SqlClient.make`). */
const begin = "BEGIN"
const rollback = "ROLLBACK"

/** A PGlite transaction in progress: its handle, how to end it, and its end. */
interface OpenTransaction {
  readonly transaction: Transaction
  readonly end: () => void
  readonly ended: Promise<void>
}

/**
 * The connection of an effect/sql transaction, on PGlite's transaction API. PGlite writes the
 * files a statement changed after every statement, except inside `pglite.transaction(...)`: in a
 * browser each write to IndexedDB takes tens to hundreds of milliseconds, so a transaction of
 * twenty statements would write twenty times. effect/sql drives the connection with its own
 * statements: `BEGIN` opens a PGlite transaction, the client's commit lets it commit and then
 * writes the files once, `ROLLBACK` rolls it back; savepoints and every other statement run in
 * it. Outside one (a `reserve`d connection, or a transaction begun with a custom
 * `BeginTransaction` statement) statements run on the database as on any connection.
 */
class PgliteTransactionConnection extends PgliteConnection {
  private open: OpenTransaction | undefined

  protected override get session(): Pick<Transaction, "query"> {
    return this.open?.transaction ?? this.pglite
  }

  override executeUnprepared(sql: string, params: ReadonlyArray<unknown>, transformRows: TransformRows) {
    if (sql === begin && this.open === undefined) return Effect.as(this.begin, [])
    if (sql === rollback && this.open !== undefined) return Effect.as(this.rollback, [])
    return super.executeUnprepared(sql, params, transformRows)
  }

  /**
   * Opens a PGlite transaction and keeps it open until {@link commit} or {@link rollback} ends it.
   * Uninterruptible: an open transaction nobody ends would hold PGlite for good.
   */
  private readonly begin: Effect.Effect<void, SqlError.SqlError> = Effect.uninterruptible(Effect.tryPromise({
    try: () =>
      new Promise<void>((opened, failed) => {
        let end = () => {}
        const ending = new Promise<void>((resolve) => (end = resolve))
        const ended = this.pglite.transaction((transaction) => {
          this.open = { transaction, end, ended }
          opened()
          return ending
        })
        // Before the callback runs, a rejection is a failed BEGIN; after it, commit reports it.
        ended.catch(failed)
      }),
    catch: (cause) => classify(cause, "begin")
  }))

  /** Lets the open transaction commit, then writes the files; a `COMMIT` statement without one. */
  readonly commit: Effect.Effect<void, SqlError.SqlError> = Effect.suspend(() => {
    const open = this.open
    if (open === undefined) return Effect.asVoid(super.executeUnprepared("COMMIT", [], undefined))
    this.open = undefined
    return Effect.tryPromise({
      try: async () => {
        open.end()
        await open.ended
        await writeFiles(this.pglite)
      },
      catch: (cause) => classify(cause, "commit")
    })
  })

  /** Rolls the open transaction back, if there is one. */
  readonly rollback: Effect.Effect<void, SqlError.SqlError> = Effect.suspend(() => {
    const open = this.open
    if (open === undefined) return Effect.void
    this.open = undefined
    return Effect.tryPromise({
      try: async () => {
        try {
          await open.transaction.rollback()
        } finally {
          // Whatever the ROLLBACK did, the callback returns, so PGlite ends the transaction.
          open.end()
          await open.ended
        }
      },
      catch: (cause) => classify(cause, "rollback")
    })
  })
}

/**
 * Has PGlite write the files it changed. Its transaction API leaves that to the next statement
 * outside a transaction; a committed transaction must not wait for one. (`syncToFs` is on `PGlite`
 * and `PGliteWorker`, not on `PGliteInterface`.)
 */
const writeFiles = async (pglite: PGliteInterface): Promise<void> => {
  const { syncToFs } = pglite as PGliteInterface & { readonly syncToFs?: () => Promise<void> }
  if (syncToFs !== undefined) await syncToFs.call(pglite)
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
    // A transaction's connection rolls back what it left open when its scope closes (effect/sql
    // commits or rolls back before that; an interruption in between is the case this covers).
    const inTransaction: Effect.Effect<SqlConnection.Connection, never, Scope.Scope> = Effect.andThen(
      Semaphore.takeScoped(session, 1),
      Effect.acquireRelease(
        Effect.sync(() => new PgliteTransactionConnection(pglite)),
        (transaction) => Effect.ignore(transaction.rollback)
      )
    )
    const client = yield* SqlClient.make({
      driver: "pglite",
      acquirer: held,
      transactionAcquirer: inTransaction,
      borrower: (use) => Semaphore.withPermits(session, 1)(use(connection)),
      compiler,
      beginTransaction: begin,
      rollback,
      commit: (transaction) =>
        transaction instanceof PgliteTransactionConnection ? transaction.commit : Effect.asVoid(transaction.executeUnprepared("COMMIT", [], undefined)),
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
    const { settings, spanAttributes, ...pgliteOptions } = options
    const startParams = settings === undefined
      ? {}
      : { startParams: [...PGlite.defaultStartParams, ...Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`])] }
    const pglite = yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => PGlite.create({ ...pgliteOptions, ...startParams } as PGliteOptions),
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
