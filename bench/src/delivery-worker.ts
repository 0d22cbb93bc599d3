/**
 * A worker process of the delivery benchmark. Usage:
 * `delivery-worker.ts <database-url> procura <owner> <subscribers> <batch-size>` runs
 * `Delivery.worker` for `bench-0` .. `bench-<subscribers - 1>` (no-op handlers);
 * `delivery-worker.ts <database-url> queue <owner> <batch-size>` runs a bare
 * `FOR UPDATE SKIP LOCKED` loop over `bench_jobs` with the same no-op handler.
 * It connects, prints `ready`, starts on `go` (a line on stdin) and exits on `exit`.
 */
import { Delivery, type Plugin, type Storage } from "@procura/core"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { createInterface } from "node:readline"

const [url, mode, owner, ...rest] = process.argv.slice(2)

/** The handler both sides run per delivery: nothing, so the bench measures the delivery machinery. */
const handle = (): Effect.Effect<void> => Effect.void

const procura = (subscribers: number, batchSize: number) =>
  Delivery.worker(
    Array.from({ length: subscribers }, (_, i): Plugin.Subscriber => ({ id: `bench-${i}`, handle })),
    { owner: owner!, batchSize, pollInterval: "10 millis", leaseTtl: "30 seconds" }
  )

const queue = (batchSize: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    while (true) {
      const claimed = yield* sql.withTransaction(Effect.gen(function*() {
        const jobs = yield* sql.unsafe<{ id: string; payload: unknown }>(
          `SELECT id, payload FROM bench_jobs ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
          [batchSize]
        )
        if (jobs.length === 0) return 0
        yield* Effect.forEach(jobs, handle, { discard: true })
        yield* sql.unsafe(`DELETE FROM bench_jobs WHERE id = ANY($1::bigint[])`, [jobs.map((job) => job.id)])
        return jobs.length
      }))
      if (claimed === 0) yield* Effect.sleep("10 millis")
    }
  })

const work: Effect.Effect<never, unknown, Storage.Storage | SqlClient.SqlClient> = mode === "procura"
  ? procura(Number(rest[0]), Number(rest[1]))
  : queue(Number(rest[0]))

const program = Effect.gen(function*() {
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  process.stdout.write("ready\n")
  yield* Effect.promise(() => lines.next()) // go
  yield* Effect.raceFirst(work, Effect.promise(() => lines.next())) // until exit
}).pipe(Effect.provide(SqlStorage.layerPg({ url: Redacted.make(url!), maxConnections: 2 })))

Effect.runPromiseExit(program).then((exit) => {
  if (exit._tag === "Failure") console.error(exit.cause)
  process.exit(exit._tag === "Success" ? 0 : 1)
})
