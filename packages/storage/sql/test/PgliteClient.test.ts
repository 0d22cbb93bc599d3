// The PGlite client on its own: one session shared safely between fibers, transactions and
// savepoints, and failures classified by SQLSTATE the way a PostgreSQL server's are.
import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber } from "effect"
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
})
