/**
 * Benchmark: event delivery on PostgreSQL with 1, 2 and 4 worker processes (each with a pool of
 * its own), against a bare `FOR UPDATE SKIP LOCKED` queue on the same database in the same run.
 *
 * Procura: E events in the log, S no-op subscribers, so E x S deliveries; the workers run
 * `Delivery.worker` (leases per subscriber, a checkpoint per delivered event). The baseline: a
 * table of the same E x S jobs (the same payloads) drained by the same number of processes, each
 * claiming jobs with `SELECT ... FOR UPDATE SKIP LOCKED LIMIT n`, running the same no-op handler
 * and deleting them in the same transaction, once with n = the delivery batch size and once with
 * n = 1 (one job per transaction, the classic queue). Times run from the moment every worker is
 * connected and told to go until the last delivery is recorded (polled every 10 ms).
 */
import { Storage } from "@procura/core"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../..", import.meta.url))
const script = fileURLToPath(new URL("./delivery-worker.ts", import.meta.url))

export interface DeliveryOptions {
  readonly events: number
  readonly subscribers: number
  readonly batchSize: number
  readonly workerCounts: ReadonlyArray<number>
}

export interface DeliveryResult {
  readonly workers: number
  /** Events x subscribers. */
  readonly deliveries: number
  readonly procuraMillis: number
  /** The queue claiming `batchSize` jobs per transaction. */
  readonly queueMillis: number
  /** The queue claiming one job per transaction. */
  readonly singleJobQueueMillis: number
}

/** Starts worker processes, waits until all are connected, then times them until `done` holds. */
const timeWorkers = (url: string, argvs: ReadonlyArray<ReadonlyArray<string>>, done: Effect.Effect<boolean, unknown, SqlClient.SqlClient>) =>
  Effect.gen(function*() {
    const children = argvs.map((argv) =>
      spawn(process.execPath, ["--conditions=@procura/source", "--import", "tsx", script, url, ...argv], {
        cwd: root,
        stdio: ["pipe", "pipe", "inherit"]
      })
    )
    yield* Effect.addFinalizer(() => Effect.sync(() => children.forEach((child) => child.exitCode === null && child.kill("SIGKILL"))))
    yield* Effect.forEach(children, (child) =>
      Effect.promise(() => createInterface({ input: child.stdout! })[Symbol.asyncIterator]().next()).pipe(
        Effect.timeoutOrElse({ duration: "60 seconds", orElse: () => Effect.die(new Error("a delivery worker did not start")) })
      ), { concurrency: "unbounded" })
    const start = performance.now()
    for (const child of children) child.stdin!.write("go\n")
    while (!(yield* done)) yield* Effect.sleep("10 millis")
    const millis = performance.now() - start
    for (const child of children) child.stdin!.write("exit\n")
    yield* Effect.forEach(children, (child) =>
      Effect.promise(() => child.exitCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", resolve))), {
      concurrency: "unbounded"
    })
    return millis
  }).pipe(Effect.scoped)

const payload = (n: number) => ({ thingId: `thing-${n % 100}`, n, status: "in_stock", note: "a payload of a typical size" })

/** A fresh log of `events` events and no checkpoints, leases or dead letters. */
const resetLog = (events: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const storage = yield* Storage.Storage
    yield* sql.unsafe(`TRUNCATE procura_events, procura_checkpoints, procura_leases, procura_dead_letters RESTART IDENTITY`)
    yield* storage.appendEvents(Array.from({ length: events }, (_, n): Storage.DomainEvent => ({
      id: `e-${n}`,
      tenantId: "bench",
      type: "thing.changed",
      aggregateType: "thing",
      aggregateId: `thing-${n % 100}`,
      actorId: "bench",
      occurredAt: new Date(Date.UTC(2026, 0, 1)).toISOString(),
      payload: payload(n)
    })))
    const [last] = yield* sql.unsafe<{ position: string }>(`SELECT max(position)::text AS position FROM procura_events`)
    return Number(last!.position)
  })

/** A fresh queue of the same deliveries: one job per event and subscriber, in event order. */
const resetQueue = (events: number, subscribers: number) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    Effect.andThen(
      Effect.andThen(
        sql.unsafe(`DROP TABLE IF EXISTS bench_jobs`),
        sql.unsafe(`CREATE TABLE bench_jobs (id bigserial PRIMARY KEY, subscriber text NOT NULL, payload jsonb NOT NULL)`)
      ),
      sql.unsafe(
        `INSERT INTO bench_jobs (subscriber, payload)
         SELECT 'bench-' || s, jsonb_build_object('thingId', 'thing-' || (n % 100), 'n', n, 'status', 'in_stock', 'note', 'a payload of a typical size')
         FROM generate_series(0, $1::int - 1) AS n, generate_series(0, $2::int - 1) AS s ORDER BY n, s`,
        [events, subscribers]
      )
    ))

const queueEmpty = Effect.flatMap(SqlClient.SqlClient, (sql) =>
  Effect.map(sql.unsafe<{ empty: boolean }>(`SELECT NOT EXISTS (SELECT 1 FROM bench_jobs) AS empty`), (rows) => rows[0]!.empty))

/**
 * Runs the benchmark on the PostgreSQL database at `url` (the `Storage` and `SqlClient` in context
 * must be on the same database) for each worker count.
 */
export const deliveryBenchmark = (url: string, options: DeliveryOptions) =>
  Effect.forEach(options.workerCounts, (workers) =>
    Effect.gen(function*() {
      const sql = yield* SqlClient.SqlClient
      const owners = Array.from({ length: workers }, (_, i) => `bench-worker-${i}`)

      const last = yield* resetLog(options.events)
      const allCheckpointed = Effect.map(
        sql.unsafe<{ n: string }>(
          `SELECT count(*)::text AS n FROM procura_checkpoints WHERE subscriber LIKE 'bench-%' AND position >= $1`,
          [last]
        ),
        (rows) => Number(rows[0]!.n) === options.subscribers
      )
      const procuraMillis = yield* timeWorkers(
        url,
        owners.map((owner) => ["procura", owner, String(options.subscribers), String(options.batchSize)]),
        allCheckpointed
      )

      yield* resetQueue(options.events, options.subscribers)
      const queueMillis = yield* timeWorkers(url, owners.map((owner) => ["queue", owner, String(options.batchSize)]), queueEmpty)
      yield* resetQueue(options.events, options.subscribers)
      const singleJobQueueMillis = yield* timeWorkers(url, owners.map((owner) => ["queue", owner, "1"]), queueEmpty)
      yield* sql.unsafe(`DROP TABLE bench_jobs`)

      return {
        workers,
        deliveries: options.events * options.subscribers,
        procuraMillis,
        queueMillis,
        singleJobQueueMillis
      } satisfies DeliveryResult
    }))
