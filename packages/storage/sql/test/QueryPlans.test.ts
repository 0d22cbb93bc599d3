/**
 * No sequential scans on hot paths: on PostgreSQL, a tenant grown to 100,000 assets (with the
 * orders, receipts, history, stock and entitlements that produce them), every statement behind
 * the operations people wait for is explained, and none may read a collection table from end to
 * end. The operations are the testkit's `Growth.waits`, which the scale bench times too:
 *
 * - receive one scan, and a delivery of 50 scans (`receiving.receiveScans`);
 * - create a request, approve it (`requisition.createRequest`, `requisition.approveRequest`);
 * - submit a 10-line order (`purchasing.submitPurchaseOrder`);
 * - the first and a deep page of assets by status and by location (`assets.listAssets`);
 * - count assets by status (`assets.countAssetsByStatus`);
 * - an order's backorders (`receiving.backorders`);
 * - a storage space's stock (`stock.listStock`);
 * - an asset's history (`assets.assetHistory`);
 * - an entitlement and its seats (`licensing.getEntitlement`, `licensing.listSeatAssignments`).
 *
 * A sequential scan of a table of fewer than 1,000 rows (the catalog, entitlements, shipments in
 * this data) is the planner's right choice, a few pages read, and is not counted; the tables that
 * grow with the assets (assets, orders, requests, receipts, history, stock, movements) all hold more.
 *
 * The data comes from the real flow, then its rows are copied in SQL (the testkit's `Growth`), each
 * copy a world of its own. Statements are recorded from the driver's client and explained with
 * their own parameters.
 */
import { assert, describe, it } from "@effect/vitest"
import { Procura, Storage } from "@procura/core"
import { Growth } from "@procura/testkit"
import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { SqlStorage } from "../src/index.js"
import { freshDatabase, postgresEnabled } from "./utils.js"

interface Recorded {
  readonly text: string
  readonly params: ReadonlyArray<unknown>
}

/** A client whose driver-facing face records every statement while `recording.on` is set. */
const recordingClient = (client: SqlClient.SqlClient, recording: { on: boolean; statements: Array<Recorded> }): SqlClient.SqlClient =>
  new Proxy(client, {
    get(target, property, receiver) {
      if (property !== "withoutTransforms") return Reflect.get(target, property, receiver)
      return () => {
        const plain = target.withoutTransforms()
        return new Proxy(plain, {
          get(inner, key, innerReceiver) {
            if (key !== "unsafe") return Reflect.get(inner, key, innerReceiver)
            return (text: string, params?: ReadonlyArray<unknown>) => {
              if (recording.on) recording.statements.push({ text, params: params ?? [] })
              return inner.unsafe(text, params as Array<unknown>)
            }
          }
        })
      }
    }
  })

const tenantId = "big"

/** Tables smaller than this may be read sequentially: a few pages, the planner's right choice. */
const smallTable = 1_000

/**
 * Plan nodes that read a collection table (`c_*`) or the kept counts of at least {@link smallTable} rows
 * sequentially, from `EXPLAIN (FORMAT JSON)`.
 */
const sequentialScans = (plan: unknown, rows: ReadonlyMap<string, number>): ReadonlyArray<string> => {
  const found: Array<string> = []
  const visit = (node: Record<string, unknown>) => {
    const relation = node["Relation Name"]
    if (
      node["Node Type"] === "Seq Scan" && typeof relation === "string" && (relation.startsWith("c_") || relation === "procura_counts") &&
      (rows.get(relation) ?? Infinity) >= smallTable
    ) found.push(`${relation} (${rows.get(relation)} rows)`)
    for (const child of (node["Plans"] as Array<Record<string, unknown>> | undefined) ?? []) visit(child)
  }
  for (const root of plan as Array<{ readonly Plan: Record<string, unknown> }>) visit(root.Plan)
  return found
}

describe.skipIf(!postgresEnabled)("query plans at 100,000 assets (PROCURA_SKIP_POSTGRES=1 skips)", () => {
  it.live("every statement behind the operations people wait for reads the collections through an index", () =>
    Effect.gen(function*() {
      const url = yield* freshDatabase
      const recording = { on: false, statements: [] as Array<Recorded> }
      const base = SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 2 })
      const recorded = Layer.unwrap(Effect.map(SqlClient.SqlClient, (client) =>
        Storage.layerFromDriver(Effect.succeed(SqlStorage.fromClient(recordingClient(client, recording))))))
      const context = yield* Layer.build(Procura.layer.pipe(Layer.provideMerge(recorded), Layer.provideMerge(base)))
      const sql = (yield* Effect.provideContext(Effect.service(SqlClient.SqlClient), context)).withoutTransforms()
      const inContext = <A, E, R extends Procura.Services | Storage.Storage>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, context)

      // ----- the world the real flow makes, at small scale, grown to 100,000 assets -----------
      const world = yield* inContext(Growth.seed(tenantId))
      yield* Growth.grow(sql, tenantId, Growth.generationsFor(world, 100_000))
      const [after] = yield* sql.unsafe<{ readonly n: string }>(`SELECT count(*) AS n FROM c_assets WHERE tenant_id = $1`, [tenantId])
      assert.isAtLeast(Number(after!.n), 100_000)
      const sizes = new Map((yield* sql.unsafe<{ readonly relname: string; readonly n: number }>(
        `SELECT relname, reltuples::bigint::int AS n FROM pg_class WHERE relkind = 'r' AND (relname LIKE 'c\\_%' OR relname = 'procura_counts')`
      )).map((row) => [row.relname, Number(row.n)]))
      console.log(`query plans: ${[...sizes].filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n.toLocaleString("en-US")}`).join(", ")}`)
      let explained = 0
      let operations = 0

      // ----- each operation, recorded, then its statements explained ---------------------------
      const verdicts: Array<string> = []
      const explain = <A, E, R extends Procura.Services | Storage.Storage>(name: string, operation: Effect.Effect<A, E, R>) =>
        Effect.gen(function*() {
          operations++
          recording.statements = []
          recording.on = true
          const result = yield* inContext(operation).pipe(Effect.ensuring(Effect.sync(() => void (recording.on = false))))
          const reads = recording.statements.filter((s) => /\b(c_\w+|procura_counts)\b/.test(s.text) && !/^\s*(CREATE|ALTER|SET|SELECT set_config)/i.test(s.text))
          assert.isAbove(reads.length, 0, `${name}: no statement recorded`)
          for (const statement of reads) {
            const [row] = yield* sql.unsafe<{ readonly "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${statement.text}`, statement.params as Array<unknown>)
            explained++
            const scans = sequentialScans(row!["QUERY PLAN"], sizes)
            if (scans.length > 0) verdicts.push(`${name}: sequential scan of ${scans.join(", ")} in\n${statement.text}`)
          }
          return result
        })

      for (const { call, name } of yield* inContext(Growth.waits(world, 1))) yield* explain(name, call(0))

      console.log(`query plans: ${explained} statements of ${operations} operations explained`)
      assert.deepStrictEqual(verdicts, [], verdicts.join("\n\n"))
    }).pipe(Effect.scoped), { timeout: 600_000 })
})
