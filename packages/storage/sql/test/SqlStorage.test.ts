import { assert, describe, it as vitest, layer } from "@effect/vitest"
import { Principal, Storage } from "@procura/core"
import { Cause, Duration, Effect, Exit, Fiber, Layer, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { TestClock } from "effect/testing"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { z } from "zod"
import { SqlStorage } from "../src/index.js"
import { freshDatabase, layerFreshPostgres, postgresEnabled } from "./utils.js"

const Item = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  sku: z.string().optional(),
  quantity: z.number().int(),
  price: z.number(),
  active: z.boolean(),
  madeAt: z.string(),
  note: z.string().optional()
})
type Item = z.infer<typeof Item>

const items = Storage.collection({
  name: "smoke_items",
  schema: Item,
  fields: { name: "string", sku: "string", quantity: "integer", price: "number", active: "boolean", madeAt: "timestamp" },
  indexes: [["quantity"], ["madeAt"]],
  unique: [["sku"]]
})

const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString()

const item = (n: number, overrides: Partial<Item> = {}): Storage.New<Item> => ({
  id: `i-${String(n).padStart(4, "0")}`,
  name: `item ${n}`,
  sku: `SKU-${n}`,
  quantity: n % 5,
  price: n / 2,
  active: n % 2 === 0,
  madeAt: day(n % 10),
  ...overrides
})

const ids = (records: ReadonlyArray<{ readonly id: string }>) => records.map((record) => record.id)

let tenants = 0
const asTenant = <A, E, R>(body: (tenantId: string) => Effect.Effect<A, E, R>) => {
  const tenantId = `smoke-${process.pid}-${Date.now().toString(36)}-${++tenants}`
  return Effect.provide(body(tenantId), Principal.layer({ userId: "smoke", tenantId, roles: ["admin"] }))
}

const failure = <A>(exit: Exit.Exit<A, unknown>): Storage.StorageError => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
  assert.instanceOf(error, Storage.StorageError)
  return error as Storage.StorageError
}

/** The reason of a storage error, checking its tag. */
const reasonOf = <Tag extends Storage.StorageErrorReason["_tag"]>(
  error: Storage.StorageError,
  tag: Tag
): Extract<Storage.StorageErrorReason, { readonly _tag: Tag }> => {
  assert.strictEqual(error.reason._tag, tag, error.message)
  return error.reason as Extract<Storage.StorageErrorReason, { readonly _tag: Tag }>
}

const smoke = (name: string, storageLayer: Layer.Layer<Storage.Storage | Storage.Driver | SqlClient.SqlClient, unknown>) => {
  const prepared = Layer.effectDiscard(
    Effect.flatMap(Storage.Storage, (s) => Effect.orDie(s.prepare([items])))
  ).pipe(Layer.provideMerge(storageLayer))

  describe(`SqlStorage on ${name}`, () => {
    layer(prepared, { timeout: "120 seconds" })((it) => {
      it.effect("creates a typed table per collection", () =>
        Effect.gen(function*() {
          const sql = yield* SqlClient.SqlClient
          const columns = yield* sql.unsafe<{ name: string; type: string }>(
            `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
             WHERE attrelid = 'c_smoke_items'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`
          )
          assert.deepStrictEqual(Object.fromEntries(columns.map((c) => [c.name, c.type])), {
            tenant_id: "text",
            id: "text",
            version: "integer",
            data: "jsonb",
            f_name: "text",
            f_sku: "text",
            f_quantity: "bigint",
            f_price: "double precision",
            f_active: "boolean",
            f_made_at: "timestamp with time zone"
          })
          const migrations = yield* sql.unsafe<{ migration_id: number }>(`SELECT migration_id FROM procura_migrations`)
          assert.deepStrictEqual(migrations.map((m) => m.migration_id), [1, 2, 3])
          const definitions = yield* sql.unsafe<{ name: string }>(`SELECT name FROM procura_collections`)
          assert.deepStrictEqual(definitions.map((d) => d.name), ["smoke_items"])
        }))

      it.effect("inserts, gets, filters and pages with cursors through Storage.make(driver)", () =>
        asTenant(() =>
          Effect.gen(function*() {
            const driver = yield* Storage.Driver
            assert.strictEqual(driver.name, "sql")
            assert.strictEqual(driver.maxBatchSize, 5000)
            const s = Storage.make(driver)
            const all = Array.from({ length: 50 }, (_, i) => item(i + 1, i % 4 === 0 ? { sku: undefined } : {}))
            yield* s.insertMany(items, all)

            const one = Option.getOrThrow(yield* s.get(items, "i-0007"))
            assert.deepStrictEqual(one, { ...item(7), version: 1 })
            assert.deepStrictEqual(ids(yield* s.getMany(items, ["i-0003", "nope", "i-0001"])), ["i-0003", "i-0001"])

            const match = (where: Storage.Filter<Item>) =>
              Effect.map(s.find(items, { where, limit: 1000 }), (page) => ids(page.items))
            const expected = (predicate: (i: Storage.New<Item>) => boolean) => ids(all.filter(predicate))
            assert.deepStrictEqual(yield* match({ quantity: { gte: 3 } }), expected((i) => i.quantity >= 3))
            assert.deepStrictEqual(yield* match({ price: { gt: 10, lte: 12 } }), expected((i) => i.price > 10 && i.price <= 12))
            assert.deepStrictEqual(yield* match({ active: true, quantity: { in: [1, 2] } }), expected((i) => i.active && [1, 2].includes(i.quantity)))
            assert.deepStrictEqual(yield* match({ sku: { ne: "SKU-2" } }), expected((i) => i.sku !== "SKU-2"))
            assert.deepStrictEqual(yield* match({ sku: { nin: ["SKU-2", "SKU-3"] } }), expected((i) => i.sku !== "SKU-2" && i.sku !== "SKU-3"))
            assert.deepStrictEqual(yield* match({ sku: null }), expected((i) => i.sku === undefined))
            assert.deepStrictEqual(yield* match({ name: { startsWith: "item 1" } }), expected((i) => i.name.startsWith("item 1")))
            assert.deepStrictEqual(yield* match({ name: { contains: "m 2" } }), expected((i) => i.name.includes("m 2")))
            assert.deepStrictEqual(yield* match({ madeAt: { lt: day(2) } }), expected((i) => i.madeAt < day(2)))
            assert.deepStrictEqual(yield* match({ $or: [{ quantity: 0 }, { id: "i-0002" }] }), expected((i) => i.quantity === 0 || i.id === "i-0002"))

            // Keyset paging on an ordering with missing values (sku) must visit every record once.
            const seen: Array<string> = []
            let cursor: string | undefined = undefined
            do {
              const page: Storage.Page<Item> = yield* s.find(items, {
                orderBy: [{ field: "sku", direction: "desc" }, { field: "madeAt" }],
                limit: 7,
                ...(cursor === undefined ? {} : { cursor })
              })
              seen.push(...ids(page.items))
              cursor = page.cursor
            } while (cursor !== undefined)
            assert.strictEqual(seen.length, all.length)
            assert.strictEqual(new Set(seen).size, all.length)
            // Missing skus come last, even in descending order.
            assert.deepStrictEqual(seen.slice(-13).sort(), expected((i) => i.sku === undefined).sort())
          })
        ))

      it.effect("fails with UniqueViolation on a taken unique key or id and StaleVersion on a stale version, writing nothing", () =>
        asTenant(() =>
          Effect.gen(function*() {
            const s = yield* Storage.Storage
            const [a, b] = yield* s.insertMany(items, [item(1), item(2)])

            const taken = failure(yield* Effect.exit(s.insertMany(items, [item(3), item(4, { sku: "SKU-1" })])))
            assert.deepStrictEqual(reasonOf(taken, "UniqueViolation").key, ["sku"])
            assert.isFalse(taken.isRetryable)
            assert.isTrue(Option.isNone(yield* s.get(items, "i-0003")))

            const takenId = failure(yield* Effect.exit(s.insertMany(items, [item(5), item(1, { sku: "new" })])))
            assert.deepStrictEqual(reasonOf(takenId, "UniqueViolation").key, ["id"])
            assert.deepStrictEqual(reasonOf(takenId, "UniqueViolation").ids, ["i-0001"])
            assert.isTrue(Option.isNone(yield* s.get(items, "i-0005")))

            yield* s.updateMany(items, [{ ...a!, quantity: 40 }])
            const stale = failure(yield* Effect.exit(s.updateMany(items, [{ ...b!, quantity: 41 }, { ...a!, quantity: 42 }])))
            assert.deepStrictEqual(reasonOf(stale, "StaleVersion").ids, [a!.id])
            assert.isTrue(stale.isRetryable)
            const [a2, b2] = yield* s.getMany(items, [a!.id, b!.id])
            assert.strictEqual(a2!.quantity, 40)
            assert.strictEqual(a2!.version, 2)
            assert.strictEqual(b2!.version, 1)

            // A batch may swap unique key values between its records.
            const swapped = yield* s.updateMany(items, [{ ...a2!, sku: b2!.sku }, { ...b2!, sku: a2!.sku }])
            assert.deepStrictEqual(swapped.map((i) => i.sku), ["SKU-2", "SKU-1"])
          })
        ))

      it.effect("rolls back a failed transaction with its events, and nests as savepoints", () =>
        asTenant((tenantId) =>
          Effect.gen(function*() {
            const s = yield* Storage.Storage
            const event = (id: string): Storage.DomainEvent => ({
              id: `${tenantId}-${id}`,
              tenantId,
              type: "item.made",
              aggregateType: "item",
              aggregateId: id,
              actorId: "smoke",
              occurredAt: day(3),
              payload: { id, nested: [1, { two: 2 }] }
            })
            const failed = yield* Effect.exit(s.transaction(Effect.gen(function*() {
              yield* s.insertMany(items, [item(1)])
              yield* s.appendEvents([event("a")])
              return yield* Effect.fail("boom" as const)
            })))
            assert.deepStrictEqual(Exit.isFailure(failed) ? Cause.findErrorOption(failed.cause) : undefined, Option.some("boom" as const))
            assert.isTrue(Option.isNone(yield* s.get(items, "i-0001")))
            assert.lengthOf(yield* s.readEvents({ after: 0, limit: 10, tenantId }), 0)

            yield* s.transaction(Effect.gen(function*() {
              yield* s.insertMany(items, [item(2)])
              yield* s.appendEvents([event("b")])
              const inner = yield* Effect.exit(s.transaction(Effect.andThen(s.insertMany(items, [item(3)]), Effect.fail("inner"))))
              assert.isTrue(Exit.isFailure(inner))
              const violation = failure(yield* Effect.exit(s.insertMany(items, [item(4, { sku: "SKU-2" })])))
              assert.deepStrictEqual(reasonOf(violation, "UniqueViolation").key, ["sku"])
              yield* s.insertMany(items, [item(5)])
            }))
            assert.deepStrictEqual(ids((yield* s.find(items)).items), ["i-0002", "i-0005"])
            const events = yield* s.readEvents({ after: 0, limit: 10, tenantId })
            assert.deepStrictEqual(events.map((e) => e.aggregateId), ["b"])
            assert.strictEqual(typeof events[0]!.position, "number")
            assert.strictEqual(events[0]!.occurredAt, day(3))
            assert.deepStrictEqual(events[0]!.payload, { id: "b", nested: [1, { two: 2 }] })

            const subscriber = `${tenantId}-sub`
            assert.strictEqual(yield* s.getCheckpoint(subscriber), 0)
            yield* s.saveCheckpoint(subscriber, events[0]!.position)
            yield* s.saveCheckpoint(subscriber, events[0]!.position + 1)
            assert.strictEqual(yield* s.getCheckpoint(subscriber), events[0]!.position + 1)
          })
        ))

      it.effect("makes events visible in append order, even when their transactions overlap", () =>
        asTenant((tenantId) =>
          Effect.gen(function*() {
            const s = yield* Storage.Storage
            const event = (id: string): Storage.DomainEvent => ({
              id: `${tenantId}-${id}`,
              tenantId,
              type: "item.made",
              aggregateType: "item",
              aggregateId: id,
              actorId: "smoke",
              occurredAt: day(1),
              payload: null
            })
            const slow = yield* Effect.forkChild(s.transaction(Effect.andThen(s.appendEvents([event("first")]), Effect.sleep("300 millis"))))
            yield* Effect.sleep("50 millis")
            const fast = yield* Effect.forkChild(s.appendEvents([event("second")]))
            yield* Effect.sleep("100 millis")
            const early = yield* s.readEvents({ after: 0, limit: 10, tenantId })
            assert.deepStrictEqual(early.map((e) => e.aggregateId), ["first", "second"].slice(0, early.length))
            yield* Fiber.join(slow)
            yield* Fiber.join(fast)
            const late = yield* s.readEvents({ after: 0, limit: 10, tenantId })
            assert.deepStrictEqual(late.map((e) => e.aggregateId), ["first", "second"])
            assert.isNull(late[0]!.payload)
          }).pipe(TestClock.withLive)
        ))

      it.effect("reports a deadlock between two writers as a StaleVersion, so operations retry it", () =>
        asTenant(() =>
          Effect.gen(function*() {
            const s = yield* Storage.Storage
            const [a, b] = yield* s.insertMany(items, [item(801), item(802)])
            // Each transaction locks one row, then wants the other's: PostgreSQL aborts one of them.
            const crosswise = (first: Item, second: Item, delay: Duration.Input) =>
              Effect.exit(s.transaction(Effect.gen(function*() {
                yield* Effect.sleep(delay)
                yield* s.updateMany(items, [{ ...first, quantity: 9 }])
                yield* Effect.sleep("300 millis")
                yield* s.updateMany(items, [{ ...second, quantity: 9 }])
              })))
            const exits = yield* Effect.all([crosswise(a!, b!, "0 millis"), crosswise(b!, a!, "50 millis")], { concurrency: 2 })
            const failed = exits.filter(Exit.isFailure)
            // PGlite has one connection, so its transactions take turns and cannot deadlock.
            if (name.startsWith("PGlite")) return assert.strictEqual(failed.length, 1, "the second sees a stale version")
            assert.strictEqual(failed.length, 1)
            const error = failure(failed[0]!)
            reasonOf(error, "StaleVersion")
            assert.isTrue(error.isRetryable)
          }).pipe(TestClock.withLive)
        ))

      it.effect("rejects values that do not fit their field's type with InvalidInput", () =>
        asTenant(() =>
          Effect.gen(function*() {
            const s = yield* Storage.Storage
            const bad = failure(yield* Effect.exit(s.insertMany(items, [item(1, { quantity: 1.5 })])))
            reasonOf(bad, "InvalidInput")
            const badCursor = failure(yield* Effect.exit(s.find(items, {
              orderBy: [{ field: "quantity" }],
              cursor: Buffer.from(JSON.stringify(["x", "y"])).toString("base64url")
            })))
            reasonOf(badCursor, "InvalidInput")
          })
        ))

      it.effect("upgrades a collection: new fields are backfilled, dropped keys stop applying", () =>
        asTenant(() =>
          Effect.gen(function*() {
            const s = yield* Storage.Storage
            const v1 = Storage.collection({
              name: "smoke_upgrades",
              schema: Item,
              fields: { name: "string", sku: "string" },
              unique: [["sku"]]
            })
            yield* s.prepare([v1])
            yield* s.prepare([v1])
            yield* s.insertMany(v1, [item(1), item(2), item(3, { quantity: 2 })])

            const v2 = Storage.collection({
              name: "smoke_upgrades",
              schema: Item,
              fields: { name: "string", sku: "string", quantity: "integer", madeAt: "timestamp" },
              indexes: [["quantity", "madeAt"]]
            })
            yield* s.prepare([v2])
            assert.deepStrictEqual(ids((yield* s.find(v2, { where: { quantity: 2 } })).items), ["i-0002", "i-0003"])
            // The unique key on sku is gone.
            yield* s.insertMany(v2, [item(4, { sku: "SKU-1" })])
            // A field that changes type is retyped from the stored records.
            const v3 = Storage.collection({
              name: "smoke_upgrades",
              schema: Item,
              fields: { name: "string", sku: "string", quantity: "number", madeAt: "timestamp" }
            })
            yield* s.prepare([v3])
            assert.deepStrictEqual(ids((yield* s.find(v3, { where: { quantity: { gt: 1.5 } } })).items), ["i-0002", "i-0003", "i-0004"])
          })
        ))

      it.effect("reports an unprepared collection as Unavailable", () =>
        asTenant(() =>
          Effect.gen(function*() {
            const s = yield* Storage.Storage
            const missing = Storage.collection({ name: "smoke_missing", schema: Item, fields: {} })
            const error = failure(yield* Effect.exit(s.find(missing)))
            reasonOf(error, "Unavailable")
            assert.include(error.message, "prepare")
          })
        ))

      it.effect("runs migrations and prepare concurrently without conflicts", () =>
        Effect.gen(function*() {
          const s = yield* Storage.Storage
          yield* Effect.all([SqlStorage.migrate, SqlStorage.migrate, SqlStorage.migrate], { concurrency: "unbounded" })
          const concurrent = Storage.collection({
            name: "smoke_concurrent",
            schema: Item,
            fields: { name: "string", quantity: "integer" },
            indexes: [["quantity"]],
            unique: [["name"]]
          })
          yield* Effect.all([s.prepare([concurrent]), s.prepare([concurrent]), s.prepare([concurrent])], { concurrency: "unbounded" })
        }))
    })
  })
}

smoke("PGlite (in memory)", SqlStorage.layerPglite())
if (postgresEnabled) smoke("PostgreSQL", layerFreshPostgres())

describe("SqlStorage on PGlite with a data directory", () => {
  vitest.effect("keeps records across restarts", () =>
    Effect.gen(function*() {
      const dataDir = mkdtempSync(join(tmpdir(), "procura-pglite-"))
      const storage = SqlStorage.layerPglite({ dataDir })
      const write = Effect.gen(function*() {
        const s = yield* Storage.Storage
        yield* s.prepare([items])
        yield* s.insertMany(items, [item(1)])
      })
      const read = Effect.gen(function*() {
        const s = yield* Storage.Storage
        yield* s.prepare([items])
        return yield* s.get(items, "i-0001")
      })
      const principal = Principal.layer({ userId: "smoke", tenantId: "disk", roles: [] })
      yield* Effect.provide(write, Layer.mergeAll(storage, principal))
      const found = yield* Effect.provide(read, Layer.mergeAll(storage, principal))
      assert.deepStrictEqual(Option.getOrThrow(found), { ...item(1), version: 1 })
      rmSync(dataDir, { recursive: true, force: true })
    }), { timeout: 60_000 })
})

describe.skipIf(!postgresEnabled)("SqlStorage on a new PostgreSQL database", () => {
  vitest.effect("lets several processes start and migrate at once", () =>
    Effect.scoped(Effect.gen(function*() {
      const url = Redacted.make(yield* freshDatabase)
      const starts = Array.from({ length: 4 }, () =>
        Layer.build(SqlStorage.layerPg({ url, maxConnections: 1 })).pipe(
          Effect.flatMap((context) =>
            Effect.provideContext(
              Effect.flatMap(Storage.Storage, (s) => s.prepare([items])),
              context
            )
          )
        ))
      yield* Effect.all(starts, { concurrency: "unbounded" })
      const migrations = yield* Effect.provide(
        Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe<{ migration_id: number }>(`SELECT migration_id FROM procura_migrations`)),
        SqlStorage.layerPg({ url, maxConnections: 1 })
      )
      assert.deepStrictEqual(migrations.map((m) => m.migration_id), [1, 2, 3])
    })), { timeout: 60_000 })
})
