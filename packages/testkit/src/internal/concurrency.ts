/**
 * The storage conformance suite's tests under concurrency: races a store that serialises
 * everything passes only by being correct, and a store that checks and then acts without a
 * lock fails. They run on the real clock: holding a transaction open is part of each race.
 *
 * Each check is an effect on the `Storage` service. The suite registers them; the testkit's own
 * tests run them against deliberately wrong drivers to show that each can fail.
 *
 * @internal
 */
import { assert } from "@effect/vitest"
import { Storage } from "@procura/core"
import { Deferred, Effect, Exit, Fiber, Option, Ref } from "effect"
import { asFreshTenant, expectStorageError, widget, widgets } from "./conformance.js"

/** One race of the suite. */
export interface ConcurrencyCheck {
  readonly name: string
  /** The capability the race needs; adapters that do not declare it skip it, and the run says so. */
  readonly requires?: keyof Storage.StorageCapabilities
  readonly run: Effect.Effect<void, unknown, Storage.Storage>
}

/** How long a transaction stays open while another caller races it. */
const hold = "150 millis"

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

const all = <A, E, R>(effects: ReadonlyArray<Effect.Effect<A, E, R>>) =>
  Effect.all(effects.map((effect) => Effect.exit(effect)), { concurrency: "unbounded" })

/**
 * Runs `write` in a transaction that stays open for {@link hold} after it, then commits or rolls
 * back; `race` runs once the write is done and the transaction is still open. Returns `race`'s
 * exit once both ended.
 */
const whileOpen = <A, B, R1, R2>(
  write: Effect.Effect<A, unknown, R1>,
  outcome: "commit" | "rollback",
  race: Effect.Effect<B, unknown, R2>
) =>
  Effect.gen(function*() {
    const s = yield* Storage.Storage
    const written = yield* Deferred.make<void>()
    const open = yield* Effect.forkChild(Effect.exit(s.transaction(Effect.gen(function*() {
      yield* write
      yield* Deferred.succeed(written, undefined)
      yield* Effect.sleep(hold)
      if (outcome === "rollback") return yield* Effect.fail("rolled back on purpose")
    }))))
    yield* Deferred.await(written)
    const raced = yield* Effect.exit(race)
    const ended = yield* Fiber.join(open)
    assert.strictEqual(Exit.isSuccess(ended), outcome === "commit", `the open transaction should ${outcome}`)
    return raced
  })

const versions: ConcurrencyCheck = {
  name: "of concurrent writers holding one version exactly one wins, and a writer racing an open transaction loses to its commit",
  run: asFreshTenant(() =>
    Effect.gen(function*() {
      const s = yield* Storage.Storage
      const [w] = yield* s.insertMany(widgets, [widget(1)])
      const writers = yield* all(range(8).map((n) => s.updateMany(widgets, [{ ...w!, quantity: 100 + n }])))
      const won = writers.flatMap((exit, n) => (Exit.isSuccess(exit) ? [n] : []))
      assert.strictEqual(won.length, 1, `exactly one of 8 writers of version 1 wins, ${won.length} did`)
      for (const exit of writers) {
        if (Exit.isFailure(exit)) assert.deepStrictEqual(expectStorageError(exit, "StaleVersion").ids, [w!.id])
      }
      const stored = Option.getOrThrow(yield* s.get(widgets, w!.id))
      assert.deepStrictEqual([stored.version, stored.quantity], [2, 100 + won[0]!], "the winner's write is the one stored")

      // Two batches overlapping in opposite orders: one wins whole, the other is stale whole.
      const [x, y] = yield* s.insertMany(widgets, [widget(2), widget(3)])
      const crossed = yield* all([
        s.updateMany(widgets, [{ ...x!, quantity: 1 }, { ...y!, quantity: 1 }]),
        s.updateMany(widgets, [{ ...y!, quantity: 2 }, { ...x!, quantity: 2 }])
      ])
      assert.strictEqual(crossed.filter(Exit.isSuccess).length, 1, "of two crossing batches exactly one wins")
      for (const exit of crossed) if (Exit.isFailure(exit)) expectStorageError(exit, "StaleVersion")
      const pair = yield* s.getMany(widgets, [x!.id, y!.id])
      assert.strictEqual(pair[0]!.quantity, pair[1]!.quantity, "a batch is written whole or not at all")

      for (const [n, outcome] of [[4, "commit"], [5, "rollback"]] as const) {
        const [record] = yield* s.insertMany(widgets, [widget(n)])
        const raced = yield* whileOpen(
          s.updateMany(widgets, [{ ...record!, quantity: 1 }]),
          outcome,
          s.updateMany(widgets, [{ ...record!, quantity: 2 }])
        )
        const final = Option.getOrThrow(yield* s.get(widgets, record!.id))
        if (outcome === "commit") {
          expectStorageError(raced, "StaleVersion")
          assert.strictEqual(final.quantity, 1, "the committed write stays")
        } else {
          assert.isTrue(Exit.isSuccess(raced), "a rolled back write leaves the version to the next writer")
          assert.strictEqual(final.quantity, 2)
        }
        assert.strictEqual(final.version, 2)
      }
    })
  )
}

const uniqueKeys: ConcurrencyCheck = {
  name: "of concurrent inserters of one key exactly one wins, and a key an open transaction took is taken once it commits, free if it rolls back",
  run: asFreshTenant(() =>
    Effect.gen(function*() {
      const s = yield* Storage.Storage
      const bySku = yield* all(range(8).map((n) => s.insertMany(widgets, [widget(10 + n, { sku: "SKU-RACE" })])))
      assert.strictEqual(bySku.filter(Exit.isSuccess).length, 1, "exactly one of 8 inserters of one unique key wins")
      for (const exit of bySku) {
        if (Exit.isFailure(exit)) assert.deepStrictEqual(expectStorageError(exit, "UniqueViolation").key, ["sku"])
      }
      const holders = yield* s.find(widgets, { where: { sku: "SKU-RACE" } })
      assert.lengthOf(holders.items, 1, "one record holds the key")

      const byId = yield* all(range(8).map((n) => s.insertMany(widgets, [widget(30, { sku: `SKU-ID-${n}` })])))
      const idWinner = byId.findIndex(Exit.isSuccess)
      assert.strictEqual(byId.filter(Exit.isSuccess).length, 1, "exactly one of 8 inserters of one id wins")
      for (const exit of byId) {
        if (Exit.isFailure(exit)) assert.deepStrictEqual(expectStorageError(exit, "UniqueViolation").key, ["id"])
      }
      assert.strictEqual(Option.getOrThrow(yield* s.get(widgets, widget(30).id)).sku, `SKU-ID-${idWinner}`)

      for (const [n, outcome] of [[40, "commit"], [50, "rollback"]] as const) {
        const sku = `SKU-HELD-${n}`
        const raced = yield* whileOpen(
          s.insertMany(widgets, [widget(n, { sku })]),
          outcome,
          s.insertMany(widgets, [widget(n + 1, { sku })])
        )
        const stored = yield* s.find(widgets, { where: { sku } })
        if (outcome === "commit") {
          assert.deepStrictEqual(expectStorageError(raced, "UniqueViolation").key, ["sku"])
          assert.deepStrictEqual(stored.items.map((w) => w.id), [widget(n).id])
        } else {
          assert.isTrue(Exit.isSuccess(raced), "a key taken by a rolled back transaction is free")
          assert.deepStrictEqual(stored.items.map((w) => w.id), [widget(n + 1).id])
        }
      }
      // Counts kept through the races and rollbacks agree with the records.
      assert.deepStrictEqual(yield* s.countBy(widgets, "category"), yield* s.countBy(widgets, "category", { quantity: { gte: -1_000 } }))
    })
  )
}

const eventOrder: ConcurrencyCheck = {
  name: "events appended by concurrent transactions become visible in position order, with no gap that closes later",
  run: asFreshTenant((tenantId) =>
    Effect.gen(function*() {
      const s = yield* Storage.Storage
      const writers = 3
      const event = (writer: number, n: number): Storage.DomainEvent => ({
        id: `${tenantId}-w${writer}-${n}`,
        tenantId,
        type: "widget.made",
        aggregateType: "widget",
        aggregateId: `w-${writer}`,
        actorId: "conformance",
        occurredAt: new Date().toISOString(),
        payload: { writer, n }
      })
      // Writer i appends after writer i - 1 did and keeps its transaction open longer the earlier
      // it appended, so without care the later positions would commit first.
      const appended = yield* Effect.all(range(writers).map(() => Deferred.make<void>()))
      const done = yield* Ref.make(false)
      const seen: Array<Storage.StoredEvent> = []
      const reader = yield* Effect.forkChild(Effect.gen(function*() {
        let cursor = 0
        let last = false
        while (!last) {
          last = yield* Ref.get(done)
          const batch = yield* s.readEvents({ after: cursor, limit: 1000 })
          for (const stored of batch) if (stored.tenantId === tenantId) seen.push(stored)
          if (batch.length > 0) cursor = batch[batch.length - 1]!.position
          if (!last) yield* Effect.sleep("3 millis")
        }
      }))
      yield* Effect.all(
        range(writers).map((i) =>
          Effect.andThen(
            // Waiting outside the transaction: a store running one transaction at a time must not
            // be asked to wait inside one for another.
            i > 0 ? Deferred.await(appended[i - 1]!) : Effect.void,
            s.transaction(Effect.gen(function*() {
              yield* s.appendEvents([event(i, 0), event(i, 1)])
              yield* Deferred.succeed(appended[i]!, undefined)
              yield* Effect.sleep(`${(writers - i) * 60} millis`)
            }))
          )
        ),
        { concurrency: "unbounded", discard: true }
      )
      yield* Ref.set(done, true)
      yield* Fiber.join(reader)

      const log = yield* s.readEvents({ after: 0, limit: 1000, tenantId })
      assert.lengthOf(log, writers * 2)
      assert.deepStrictEqual(
        seen.map((e) => e.id),
        log.map((e) => e.id),
        "a reader following the log with a cursor saw every event, in position order"
      )
      for (let i = 1; i < seen.length; i++) assert.isAbove(seen[i]!.position, seen[i - 1]!.position)
    })
  )
}

const leases: ConcurrencyCheck = {
  name: "a lease is held by one owner whichever connection asks, and of concurrent takers of a free lease exactly one wins",
  run: asFreshTenant((tenantId) =>
    Effect.gen(function*() {
      const s = yield* Storage.Storage
      const lease = `${tenantId}-lease`
      const t0 = 1_000_000
      const ttl = 60_000
      assert.isTrue(yield* s.acquireLease(lease, "holder", t0, ttl))
      for (let round = 0; round < 10; round++) {
        const contenders = yield* Effect.all(
          range(6).map((i) => s.acquireLease(lease, `contender-${i}`, t0 + round, ttl)),
          { concurrency: "unbounded" }
        )
        assert.deepStrictEqual(contenders, range(6).map(() => false), `round ${round}: the lease is the holder's`)
        assert.isTrue(yield* s.acquireLease(lease, "holder", t0 + round, ttl), `round ${round}: the holder renews it`)
      }
      yield* s.releaseLease(lease, "holder")
      const takers = yield* Effect.all(
        range(8).map((i) => s.acquireLease(lease, `taker-${i}`, t0 + 20, ttl)),
        { concurrency: "unbounded" }
      )
      const winner = takers.indexOf(true)
      assert.strictEqual(takers.filter((won) => won).length, 1, "of 8 takers of a free lease exactly one wins")
      const again = yield* Effect.all(
        range(8).map((i) => s.acquireLease(lease, `taker-${i}`, t0 + 30, ttl)),
        { concurrency: "unbounded" }
      )
      assert.deepStrictEqual(again, range(8).map((i) => i === winner), "only the winner holds it afterwards")

      const inside = yield* Effect.exit(s.transaction(s.acquireLease(`${lease}-tx`, "holder", t0, ttl)))
      expectStorageError(inside, "InvalidInput")
      const releaseInside = yield* Effect.exit(s.transaction(s.releaseLease(lease, `taker-${winner}`)))
      expectStorageError(releaseInside, "InvalidInput")
      assert.isFalse(yield* s.acquireLease(lease, "holder", t0 + 40, ttl), "a refused release left the lease held")
    })
  )
}

const longReads: ConcurrencyCheck = {
  name: "a transaction reading for a long time holds up no writer, and one holding a written record holds up only that record's writers",
  requires: "concurrentTransactions",
  run: asFreshTenant((tenantId) =>
    Effect.gen(function*() {
      const s = yield* Storage.Storage
      const records = yield* s.insertMany(widgets, range(50).map((n) => widget(n)))
      const order = yield* Ref.make<ReadonlyArray<string>>([])
      const mark = (what: string) => Ref.update(order, (marks) => [...marks, what])
      const reading = yield* Deferred.make<void>()
      const writing = yield* Deferred.make<void>()
      const open = "1 second"
      const reader = yield* Effect.forkChild(s.transaction(Effect.gen(function*() {
        assert.lengthOf((yield* s.find(widgets, { limit: 50 })).items, 50)
        yield* Deferred.succeed(reading, undefined)
        yield* Effect.sleep(open)
        yield* s.find(widgets, { limit: 50 })
        yield* mark("reader")
      })))
      const holder = yield* Effect.forkChild(s.transaction(Effect.gen(function*() {
        yield* s.updateMany(widgets, [{ ...records[0]!, quantity: 1_000 }])
        yield* Deferred.succeed(writing, undefined)
        yield* Effect.sleep(open)
        yield* mark("holder")
      })))
      yield* Deferred.await(reading)
      yield* Deferred.await(writing)
      yield* s.insertMany(widgets, [widget(100)])
      yield* s.updateMany(widgets, [{ ...records[1]!, quantity: 1_001 }])
      yield* s.appendEvents([{
        id: `${tenantId}-long-read`,
        tenantId,
        type: "widget.made",
        aggregateType: "widget",
        aggregateId: records[2]!.id,
        actorId: "conformance",
        occurredAt: new Date().toISOString(),
        payload: {}
      }])
      yield* mark("writer")
      yield* Fiber.join(reader)
      yield* Fiber.join(holder)
      const marks = yield* Ref.get(order)
      assert.strictEqual(marks[0], "writer", `the writer finished while both transactions were open (${marks.join(", ")})`)
    })
  )
}

/** The races, in the order the suite runs them. */
export const concurrencyChecks: ReadonlyArray<ConcurrencyCheck> = [versions, uniqueKeys, eventOrder, leases, longReads]
