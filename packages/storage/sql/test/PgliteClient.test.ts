// The PGlite client on its own: one session shared safely between fibers, transactions and
// savepoints, and failures classified by SQLSTATE the way a PostgreSQL server's are.
import { PGlite } from "@electric-sql/pglite"
import { assert, describe, it, layer } from "@effect/vitest"
import { PgClient } from "@effect/sql-pg"
import { Deferred, Effect, Exit, Fiber } from "effect"
import * as Reactivity from "effect/reactivity/Reactivity"
import { SqlClient, SqlError } from "effect/sql"
import { PgliteClient } from "../src/index.js"

const reasonOf = <A>(exit: Exit.Exit<A, unknown>): SqlError.SqlErrorReason => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  const error = Exit.isFailure(exit) ? exit.cause.reasons.find((r) => r._tag === "Fail") : undefined
  assert.isTrue(error !== undefined && error._tag === "Fail" && SqlError.isSqlError(error.error), "expected a SqlError")
  return (error as { readonly error: SqlError.SqlError }).error.reason
}

describe("PgliteClient", () => {
  layer(PgliteClient.layer(), { timeout: "60 seconds" })((it) => {
    it.effect("is the SqlClient, with the pglite driver", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const client = yield* PgliteClient.PgliteClient
        assert.strictEqual(sql, client)
        assert.strictEqual(sql.driver, "pglite")
        const rows = yield* sql<{ readonly two: number }>`SELECT 1 + 1 AS two`
        assert.deepStrictEqual(rows, [{ two: 2 }])
      }))

    it.effect("commits a transaction, rolls back a failed one, and a failed savepoint leaves the outer one usable", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE tx_items (id text PRIMARY KEY)`
        yield* sql.withTransaction(sql`INSERT INTO tx_items VALUES ('a')`)
        yield* sql.withTransaction(Effect.andThen(sql`INSERT INTO tx_items VALUES ('b')`, Effect.fail("boom"))).pipe(Effect.exit)
        yield* sql.withTransaction(
          Effect.gen(function*() {
            yield* sql`INSERT INTO tx_items VALUES ('c')`
            // The nested transaction is a savepoint: its failure undoes only its own insert.
            yield* sql.withTransaction(sql`INSERT INTO tx_items VALUES ('a')`).pipe(Effect.exit)
            yield* sql`INSERT INTO tx_items VALUES ('d')`
          })
        )
        const rows = yield* sql<{ readonly id: string }>`SELECT id FROM tx_items ORDER BY id`
        assert.deepStrictEqual(rows.map((r) => r.id), ["a", "c", "d"])
      }))

    it.effect("keeps a statement from another fiber out of an open transaction until it ends", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE tx_isolation (id text PRIMARY KEY)`
        const inside = yield* Deferred.make<void>()
        const release = yield* Deferred.make<void>()
        const transaction = yield* sql.withTransaction(
          Effect.gen(function*() {
            yield* sql`INSERT INTO tx_isolation VALUES ('inside')`
            yield* Deferred.succeed(inside, undefined)
            yield* Deferred.await(release)
            return yield* Effect.fail("rolled back on purpose")
          })
        ).pipe(Effect.exit, Effect.forkChild)
        yield* Deferred.await(inside)
        // Outside the transaction: it must not run inside it (it would be rolled back with it).
        const outside = yield* sql`INSERT INTO tx_isolation VALUES ('outside')`.pipe(Effect.forkChild)
        yield* Effect.yieldNow
        yield* Deferred.succeed(release, undefined)
        yield* Fiber.join(transaction)
        yield* Fiber.join(outside)
        const rows = yield* sql<{ readonly id: string }>`SELECT id FROM tx_isolation ORDER BY id`
        assert.deepStrictEqual(rows.map((r) => r.id), ["outside"])
      }))

    it.effect("compiles statements to the SQL and parameters @effect/sql-pg's compiler gives, and PGlite runs them", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE compiled (id text PRIMARY KEY, n int, "odd""name" text)`
        const statements = [
          sql`INSERT INTO compiled ${sql.insert([{ id: "a", n: 1 }, { id: "b", n: 2 }]).returning("*")}`,
          sql`UPDATE ${sql("public.compiled")} SET ${sql.update({ id: "a", n: 10 }, ["id"])} WHERE ${sql.and([sql`id = ${"a"}`, "n > 0"])}`,
          sql`UPDATE compiled SET n = data.n::int FROM ${sql.updateValues([{ id: "b", n: 20 }], "data")} WHERE compiled.id = data.id`,
          sql`SELECT id, n, ${sql('odd"name')} FROM compiled WHERE ${sql.in("id", ["a", "b"])} OR ${sql.or([sql`n = ${-1}`, "false"])}`
        ]
        const pg = PgClient.makeCompiler(undefined, false)
        for (const statement of statements) {
          assert.deepStrictEqual(statement.compile(), pg.compile(statement, false))
          yield* statement
        }
        const rows = yield* sql<{ readonly id: string; readonly n: number }>`SELECT id, n FROM compiled ORDER BY id`
        assert.deepStrictEqual(rows, [{ id: "a", n: 10 }, { id: "b", n: 20 }])
      }))

    it.effect("classifies failures by SQLSTATE: unique violation with its constraint, integrity, syntax", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        yield* sql`CREATE TABLE classified (id text CONSTRAINT classified_pk PRIMARY KEY, n int CHECK (n > 0), code varchar(3))`
        yield* sql`INSERT INTO classified VALUES ('x', 1, 'abc')`

        const duplicate = reasonOf(yield* Effect.exit(sql`INSERT INTO classified VALUES ('x', 1, 'abc')`))
        assert.strictEqual(duplicate._tag, "UniqueViolation")
        assert.strictEqual((duplicate as SqlError.UniqueViolation).constraint, "classified_pk")
        assert.isFalse(duplicate.isRetryable)

        const check = reasonOf(yield* Effect.exit(sql`INSERT INTO classified VALUES ('y', -1, 'abc')`))
        assert.strictEqual(check._tag, "ConstraintError")

        const tooLong = reasonOf(yield* Effect.exit(sql`INSERT INTO classified VALUES ('z', 1, 'abcd')`))
        assert.strictEqual(tooLong._tag, "UnknownError")
        assert.strictEqual((tooLong.cause as { readonly code?: string }).code, "22001")

        const syntax = reasonOf(yield* Effect.exit(sql.unsafe("SELEC 1")))
        assert.strictEqual(syntax._tag, "SqlSyntaxError")
      }))
  })

  // PGlite writes the files a statement changed after each statement outside its transaction API
  // (`syncToFs`: to IndexedDB in a browser, where each write is slow). Counted here on a PGlite in
  // memory, where the writes cost nothing.
  describe("writing PGlite's files", () => {
    const countingWrites = Effect.gen(function*() {
      const pglite = yield* Effect.acquireRelease(Effect.promise(() => PGlite.create()), (db) => Effect.promise(() => db.close()))
      const writes = { count: 0 }
      const syncToFs = pglite.syncToFs.bind(pglite)
      pglite.syncToFs = () => {
        writes.count++
        return syncToFs()
      }
      const client = yield* PgliteClient.fromClient(pglite)
      return { sql: client as SqlClient.SqlClient, writes }
    }).pipe(Effect.provide(Reactivity.layer))

    it.effect("a transaction writes once it commits, however many statements it runs; a statement outside one writes each time", () =>
      Effect.gen(function*() {
        const { sql, writes } = yield* countingWrites
        yield* sql`CREATE TABLE written (n int)`
        const before = writes.count
        yield* Effect.forEach([1, 2, 3, 4, 5], (n) => sql`INSERT INTO written VALUES (${n})`, { discard: true })
        assert.strictEqual(writes.count - before, 5)

        const atStart = writes.count
        const inside = yield* sql.withTransaction(Effect.gen(function*() {
          yield* Effect.forEach([6, 7, 8, 9, 10], (n) => sql`INSERT INTO written VALUES (${n})`, { discard: true })
          yield* sql.withTransaction(sql`INSERT INTO written VALUES (${11})`)
          return writes.count - atStart
        }))
        assert.isAtMost(inside, 1, "no write after the statements of a transaction")
        assert.strictEqual(writes.count - atStart, inside + 1, "one write when it commits")
        const counted = yield* sql<{ readonly count: number }>`SELECT count(*)::int AS count FROM written`
        assert.deepStrictEqual(counted, [{ count: 11 }])
      }).pipe(Effect.scoped))

    it.effect("rolls back on PGlite's transaction API, and a custom BEGIN statement still makes a transaction", () =>
      Effect.gen(function*() {
        const { sql } = yield* countingWrites
        yield* sql`CREATE TABLE kept (n int)`
        yield* sql.withTransaction(Effect.andThen(sql`INSERT INTO kept VALUES (${1})`, Effect.fail("boom"))).pipe(Effect.exit)
        // Interrupted inside: the transaction is rolled back and PGlite is free again.
        const inside = yield* Deferred.make<void>()
        const fiber = yield* sql.withTransaction(
          sql`INSERT INTO kept VALUES (${2})`.pipe(Effect.andThen(Deferred.succeed(inside, undefined)), Effect.andThen(Effect.never))
        ).pipe(Effect.forkChild)
        yield* Deferred.await(inside)
        yield* Fiber.interrupt(fiber)

        const serializable = <A, E>(effect: Effect.Effect<A, E>) =>
          sql.withTransaction(effect).pipe(Effect.provideService(SqlClient.BeginTransaction, "BEGIN ISOLATION LEVEL SERIALIZABLE"))
        yield* serializable(sql`INSERT INTO kept VALUES (${3})`)
        yield* serializable(Effect.andThen(sql`INSERT INTO kept VALUES (${4})`, Effect.fail("boom"))).pipe(Effect.exit)
        const isolation = yield* serializable(sql<{ readonly level: string }>`SELECT current_setting('transaction_isolation') AS level`)
        assert.deepStrictEqual(isolation, [{ level: "serializable" }])

        const rows = yield* sql<{ readonly n: number }>`SELECT n FROM kept ORDER BY n`
        assert.deepStrictEqual(rows.map((row) => row.n), [3])
      }).pipe(Effect.scoped))

    it.effect("a transaction PostgreSQL aborted fails to commit rather than rolling back unseen", () =>
      Effect.gen(function*() {
        const { sql } = yield* countingWrites
        yield* sql`CREATE TABLE aborted (n int PRIMARY KEY)`
        const exit = yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`INSERT INTO aborted VALUES (${1})`
          // A failure caught without a savepoint leaves the transaction aborted.
          yield* Effect.ignore(sql`INSERT INTO aborted VALUES (${1})`)
        })).pipe(Effect.exit)
        assert.isTrue(Exit.isFailure(exit))
        assert.deepStrictEqual(yield* sql`SELECT n FROM aborted`, [])
      }).pipe(Effect.scoped))
  })
})

describe("PgliteClient settings", () => {
  layer(PgliteClient.layer({ settings: { shared_buffers: "16MB", work_mem: "2MB" } }), { timeout: "60 seconds" })((it) => {
    it.effect("starts PostgreSQL with the settings given, after PGlite's own", () =>
      Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [buffers] = yield* sql<{ readonly shared_buffers: string }>`SHOW shared_buffers`
        const [work] = yield* sql<{ readonly work_mem: string }>`SHOW work_mem`
        assert.deepStrictEqual([buffers!.shared_buffers, work!.work_mem], ["16MB", "2MB"])
        assert.deepStrictEqual(yield* sql<{ readonly two: number }>`SELECT 1 + 1 AS two`, [{ two: 2 }])
      }))
  })
})
