/**
 * Lost connections: Procura on the SQL storage, with its pool going through a fault-injecting
 * TCP proxy (`TcpProxy`), loses connections at chosen points (before a COMMIT reaches the
 * server, after the server committed but before its answer came back, all at once) or has its
 * traffic stalled, and is checked through a direct, unproxied connection.
 */
import { assert, describe, it } from "@effect/vitest"
import { Catalog, Delivery, Idempotency, type Plugin, Principal, Procura, Storage } from "@procura/core"
import { Fixtures, TcpProxy } from "@procura/testkit"
import { Effect, type Exit, Fiber, Layer, Redacted } from "effect"
import { z } from "zod"
import { SqlStorage } from "../src/index.js"
import { freshDatabase, postgresEnabled } from "./utils.js"

const isCommit = TcpProxy.pgQuery("COMMIT")

/** The events a subscriber handled: one record per event id. */
const handled = Storage.collection({
  name: "lost_handled",
  schema: z.object({ id: z.string(), version: z.number().int(), type: z.string() }),
  fields: {}
})

/** A proxy to the database's server for the scope. */
const proxyTo = (url: string) =>
  Effect.acquireRelease(
    Effect.promise(() => {
      const parsed = new URL(url)
      return TcpProxy.start({ target: { host: parsed.hostname, port: Number(parsed.port || "5432") } })
    }),
    (proxy) => Effect.promise(() => proxy.close())
  )

/**
 * A fresh database, a proxy to it, Procura on the SQL storage through the proxy, and the storage
 * on a direct connection, for the scope.
 */
const setUp = Effect.gen(function*() {
  const url = yield* freshDatabase
  const proxy = yield* proxyTo(url)
  // `prepare: false`: statements go out with their text (no named prepared statements), so the
  // proxy can recognise a COMMIT on the wire.
  const storage = SqlStorage.layerPg({ url: Redacted.make(proxy.url(url)), maxConnections: 2, prepare: false })
  // The test's own collection (the events its subscriber handled).
  const platform = Layer.effectDiscard(Effect.flatMap(Storage.Storage, (s) => s.prepare([handled])))
  const proxied = yield* Layer.build(Procura.layer.pipe(Layer.provideMerge(platform), Layer.provideMerge(storage)))
  const direct = yield* Layer.build(SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 1 }))
  const team = Fixtures.team(Fixtures.freshTenant("lost"))
  /** Runs `effect` on Procura through the proxy. */
  const throughProxy = <A, E>(effect: Effect.Effect<A, E, Procura.Services | Storage.Storage>) =>
    Effect.provideContext(effect, proxied)
  /** The tenant's vendors and event types, read on the direct connection. */
  const stored = Effect.provideContext(
    Principal.runAs(
      Effect.gen(function*() {
        const storage = yield* Storage.Storage
        const vendors = (yield* storage.find(Catalog.vendors, { limit: 100 })).items
        const events = yield* storage.readEvents({ after: 0, limit: 100, tenantId: team.admin.tenantId })
        return { vendors, events: events.map((event) => event.type) }
      }),
      team.admin
    ),
    direct
  )
  /** The tenant's events' ids, and the ids the subscriber recorded as handled, on the direct connection. */
  const delivered = Effect.provideContext(
    Principal.runAs(
      Effect.gen(function*() {
        const storage = yield* Storage.Storage
        const events = yield* storage.readEvents({ after: 0, limit: 100, tenantId: team.admin.tenantId })
        const records = (yield* storage.find(handled, { limit: 1000 })).items
        return { events: events.map((event) => event.id).sort(), handled: records.map((record) => record.id).sort() }
      }),
      team.admin
    ),
    direct
  )
  return { proxy, team, throughProxy, stored, delivered }
})

const createVendor = (code: string) =>
  Effect.flatMap(Catalog.Catalog, (catalog) => catalog.createVendor({ code, name: `Vendor ${code}` }))

/** The storage error an exit failed with, checking it is one. */
const storageErrorOf = <A, E>(exit: Exit.Exit<A, E>): Storage.StorageError => {
  const error = Fixtures.failureOf(exit)
  assert.instanceOf(error, Storage.StorageError, String(error))
  return error as Storage.StorageError
}

describe.skipIf(!postgresEnabled)("lost connections through a TCP proxy (PROCURA_SKIP_POSTGRES=1 skips)", () => {
  it.live("a connection cut before its COMMIT reaches the server: Unavailable, retryable, nothing written", () =>
    Effect.scoped(Effect.gen(function*() {
      const { proxy, team, throughProxy, stored } = yield* setUp
      proxy.cutWhen(isCommit, { when: "before" })
      const exit = yield* Effect.exit(throughProxy(Principal.runAs(createVendor("LOST-1"), team.buyer)))
      assert.strictEqual(proxy.cuts(), 1)
      const error = storageErrorOf(exit)
      assert.strictEqual(error.reason._tag, "Unavailable", error.message)
      assert.isTrue(error.reason.isRetryable)
      assert.deepStrictEqual(yield* stored, { vendors: [], events: [] })
    })), { timeout: 60_000 })

  it.live("a COMMIT whose answer was lost, retried under the same idempotency key, is applied once", () =>
    Effect.scoped(Effect.gen(function*() {
      const { proxy, team, throughProxy, stored } = yield* setUp
      const create = Principal.runAs(Idempotency.withKey("vendor-lost-2")(createVendor("LOST-2")), team.buyer)
      proxy.cutWhen(isCommit, { when: "after" })
      const lost = yield* Effect.exit(throughProxy(create))
      assert.strictEqual(proxy.cuts(), 1)
      const error = storageErrorOf(lost)
      assert.strictEqual(error.reason._tag, "Unavailable", error.message)
      assert.isTrue(error.reason.isRetryable)
      // The commit happened: the vendor is stored, once.
      const committed = yield* stored
      assert.strictEqual(committed.vendors.length, 1)
      assert.deepStrictEqual(committed.events, ["vendor.created"])

      const retried = yield* throughProxy(create)
      assert.deepStrictEqual(retried, committed.vendors[0])
      const again = yield* throughProxy(create)
      assert.deepStrictEqual(again, retried)
      assert.deepStrictEqual(yield* stored, committed)
    })), { timeout: 60_000 })

  it.live("after every connection is cut, the same layer (same pool) serves the next operations", () =>
    Effect.scoped(Effect.gen(function*() {
      const { proxy, team, throughProxy, stored } = yield* setUp
      const create = (code: string) => throughProxy(Principal.runAs(createVendor(code), team.buyer))
      const first = yield* create("KEPT-1")
      assert.isAbove(proxy.connections(), 0)

      // Right after the cut the pool may still hand out a connection whose close it has not seen
      // yet: the operation then fails Unavailable, retryably, and a retry (at most one per pooled
      // connection) is served on a fresh connection.
      proxy.cutAll()
      assert.strictEqual(proxy.connections(), 0)
      const attempts: Array<string> = []
      const second = yield* create("KEPT-2").pipe(
        Effect.tapError((error) => Effect.sync(() => attempts.push(error._tag === "StorageError" ? error.reason._tag : error._tag))),
        Effect.retry({ while: (error) => error._tag === "StorageError" && error.reason._tag === "Unavailable", times: 2 })
      )
      assert.isTrue(attempts.every((tag) => tag === "Unavailable"), attempts.join(", "))

      // Once the pool has seen the closes (a moment later), the next operation succeeds first time.
      proxy.cutAll()
      yield* Effect.sleep("200 millis")
      const third = yield* create("KEPT-3")
      assert.isAbove(proxy.connections(), 0)

      const { vendors } = yield* stored
      assert.deepStrictEqual(vendors.map((vendor) => vendor.id).sort(), [first.id, second.id, third.id].sort())
    })), { timeout: 60_000 })

  it.live("a delivery drain whose connections are cut mid-way, drained again, handles every event", () =>
    Effect.scoped(Effect.gen(function*() {
      const { proxy, team, throughProxy, delivered } = yield* setUp
      for (let n = 1; n <= 8; n++) yield* throughProxy(Principal.runAs(createVendor(`EVENT-${n}`), team.buyer))
      let calls = 0
      const subscriber: Plugin.Subscriber = {
        id: "lost-recorder",
        events: ["vendor.created"],
        // Idempotent: an event handled again (at-least-once) finds its record there.
        handle: (event) =>
          Effect.gen(function*() {
            // The fifth call cuts every connection before it writes.
            if (++calls === 5) proxy.cutAll()
            const storage = yield* Storage.Storage
            yield* storage.insertOne(handled, { id: event.id, type: event.type }).pipe(
              Effect.catchIf((error) => error.reason._tag === "UniqueViolation", () => Effect.void)
            )
          })
      }
      const drain = throughProxy(Delivery.drain([subscriber]))
      const first = yield* Effect.exit(drain)
      const afterCut = yield* delivered
      assert.isBelow(afterCut.handled.length, afterCut.events.length, "the cut stopped the first drain")
      assert.isTrue(
        first._tag === "Failure" || first.value[0]?.failed !== undefined,
        "the first drain reports the failure"
      )
      // Drained again (a worker's next round; at most once more per pooled connection the pool
      // has not yet seen closed) until a drain goes through.
      yield* drain.pipe(
        Effect.flatMap(([report]) => report?.failed === undefined ? Effect.void : Effect.fail(report.failed.error)),
        Effect.retry({ times: 3 })
      )
      const after = yield* delivered
      assert.lengthOf(after.events, 8)
      assert.deepStrictEqual(after.handled, after.events, "every event handled, none lost")
    })), { timeout: 60_000 })

  it.live("a stall shorter than the caller's patience only delays the operation, which is applied once", () =>
    Effect.scoped(Effect.gen(function*() {
      const { proxy, team, throughProxy, stored } = yield* setUp
      yield* throughProxy(Principal.runAs(createVendor("WARM"), team.buyer))
      proxy.stall(300)
      const started = Date.now()
      const vendor = yield* throughProxy(Principal.runAs(createVendor("STALL-1"), team.buyer))
      assert.isAtLeast(Date.now() - started, 250, "the operation waited for the stall to end")
      const { events, vendors } = yield* stored
      assert.deepStrictEqual(vendors.map((v) => v.code).sort(), ["STALL-1", "WARM"])
      assert.strictEqual(vendors.find((v) => v.code === "STALL-1")!.id, vendor.id)
      assert.deepStrictEqual(events, ["vendor.created", "vendor.created"])
    })), { timeout: 60_000 })

  it.live("an operation given up on during a stall ends when the stall does; retried under its idempotency key, it is applied once", () =>
    Effect.scoped(Effect.gen(function*() {
      const { proxy, team, throughProxy, stored } = yield* setUp
      yield* throughProxy(Principal.runAs(createVendor("WARM"), team.buyer))
      const create = Principal.runAs(Idempotency.withKey("vendor-stalled")(createVendor("STALL-2")), team.buyer)
      proxy.stall()
      // The caller gives up after 300 ms. A transaction on a stalled connection rolls back on that
      // connection, so the give-up completes only once the stall ends (here after 1 s).
      const givingUp = yield* Effect.forkChild(Effect.exit(throughProxy(create).pipe(Effect.timeout("300 millis"))))
      yield* Effect.sleep("1 second")
      // Nothing reached the server while the traffic was held.
      assert.deepStrictEqual((yield* stored).vendors.map((v) => v.code), ["WARM"])
      proxy.resume()
      const gaveUp = yield* Fiber.join(givingUp)
      assert.isTrue(gaveUp._tag === "Failure", "the caller gave up")
      assert.deepStrictEqual((yield* stored).vendors.map((v) => v.code), ["WARM"], "the given-up operation rolled back")

      // A pooled connection closed under the retry fails it once, retryably.
      const retried = yield* throughProxy(create).pipe(
        Effect.retry({ while: (error) => error._tag === "StorageError" && error.reason._tag === "Unavailable", times: 2 })
      )
      assert.deepStrictEqual(yield* throughProxy(create), retried, "the key answers the first result again")
      const next = yield* throughProxy(Principal.runAs(createVendor("AFTER"), team.buyer))
      const { events, vendors } = yield* stored
      assert.deepStrictEqual(vendors.map((v) => v.code).sort(), ["AFTER", "STALL-2", "WARM"])
      assert.strictEqual(vendors.find((v) => v.code === "STALL-2")!.id, retried.id)
      assert.strictEqual(vendors.find((v) => v.code === "AFTER")!.id, next.id)
      assert.lengthOf(events, 3, "one event per vendor: nothing applied twice")
    })), { timeout: 60_000 })
})
