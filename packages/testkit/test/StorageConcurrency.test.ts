/**
 * The conformance suite's races can fail: each runs here against a driver that is wrong in the
 * way platform teams' first adapters are, and must fail with an assertion (not a crash).
 *
 * - the racy driver checks, awaits a round trip, then writes, with no lock, and applies a
 *   transaction's writes when it commits: lost updates, doubled keys, event positions that
 *   become visible out of order, leases won twice;
 * - the in-memory reference, correct but running one transaction at a time, claiming that its
 *   transactions run side by side.
 */
import { describe, expect, it } from "@effect/vitest"
import { Principal, Storage } from "@procura/core"
import { MemoryStorage } from "@procura/storage-memory"
import { Context, Effect, Layer } from "effect"
import { concurrencyChecks } from "../src/internal/concurrency.js"
import { widgets } from "../src/internal/conformance.js"

type StoredRecord = Storage.StoredRecord

/** The writes of the transaction in progress, applied at its commit. */
const Pending = Context.Reference<Array<() => void> | undefined>("test/RacyDriver/Pending", { defaultValue: () => undefined })

const roundTrip = Effect.sleep("2 millis")

const makeRacyDriver = (): Storage.StorageDriver => {
  const tables = new Map<string, Map<string, StoredRecord>>()
  const table = (collection: Storage.CollectionDefinition, tenantId: string) => {
    const name = `${collection.name}\u0000${tenantId}`
    if (!tables.has(name)) tables.set(name, new Map())
    return tables.get(name)!
  }
  let events: Array<Storage.StoredEvent> = []
  let nextPosition = 1
  const leases = new Map<string, { readonly owner: string; readonly expires: number }>()
  const write = (apply: () => void) =>
    Effect.flatMap(Pending, (pending) => Effect.sync(() => (pending === undefined ? apply() : pending.push(apply))))
  const unused = () => Effect.die("the races do not use this")
  const keyOf = (record: StoredRecord, fields: ReadonlyArray<string>) => JSON.stringify(fields.map((f) => Storage.fieldValue(record, f)))
  const error = (reason: Storage.StorageErrorReason) => Effect.fail(new Storage.StorageError({ reason }))

  return {
    name: "racy",
    capabilities: { concurrentTransactions: true },
    maxBatchSize: 1_000,
    prepare: () => Effect.void,
    get: (collection, tenantId, ids) =>
      Effect.as(roundTrip, ids.flatMap((id) => table(collection, tenantId).get(id) ?? [])),
    select: (collection, tenantId, { limit, orderBy, where }) =>
      Effect.as(
        roundTrip,
        [...table(collection, tenantId).values()]
          .filter((record) => where === undefined || MemoryStorage.matches(where, record))
          .sort(MemoryStorage.compareRecords(orderBy))
          .slice(0, limit)
      ),
    count: unused,
    insert: (collection, tenantId, records) =>
      Effect.gen(function*() {
        const rows = table(collection, tenantId)
        const taken = records.filter((record) => rows.has(record.id))
        if (taken.length > 0) {
          return yield* error(new Storage.UniqueViolation({ collection: collection.name, key: ["id"], ids: taken.map((r) => r.id), message: "id taken" }))
        }
        for (const fields of collection.unique) {
          const held = new Set([...rows.values()].map((row) => keyOf(row, fields)))
          const clash = records.find((record) => held.has(keyOf(record, fields)))
          if (clash !== undefined) {
            return yield* error(new Storage.UniqueViolation({ collection: collection.name, key: fields, ids: [clash.id], message: "key taken" }))
          }
        }
        yield* roundTrip
        yield* write(() => records.forEach((record) => rows.set(record.id, record)))
      }),
    update: (collection, tenantId, changes) =>
      Effect.gen(function*() {
        const rows = table(collection, tenantId)
        const stale = changes.filter((change) => rows.get(change.record.id)?.version !== change.expectedVersion)
        if (stale.length > 0) {
          return yield* error(new Storage.StaleVersion({ collection: collection.name, ids: stale.map((c) => c.record.id), message: "stale" }))
        }
        yield* roundTrip
        yield* write(() => changes.forEach(({ record }) => rows.set(record.id, record)))
      }),
    transaction: <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | Storage.StorageError, R> =>
      Effect.flatMap(Pending, (current): Effect.Effect<A, E, R> => {
        if (current !== undefined) return effect
        const pending: Array<() => void> = []
        return Effect.tap(
          Effect.provideService(effect, Pending, pending),
          () => Effect.sync(() => pending.forEach((apply) => apply()))
        )
      }),
    appendEvents: (batch) => {
      const stored = batch.map((event) => ({ ...event, position: nextPosition++ }))
      return write(() => {
        events = [...events, ...stored].sort((a, b) => a.position - b.position)
      })
    },
    readEvents: ({ after, limit, tenantId }) =>
      Effect.succeed(
        events.filter((e) => e.position > after && (tenantId === undefined || e.tenantId === tenantId)).slice(0, limit)
      ),
    getCheckpoint: unused,
    saveCheckpoint: unused,
    acquireLease: (name, owner, now, ttlMillis) =>
      Effect.gen(function*() {
        const current = leases.get(name)
        if (current !== undefined && current.owner !== owner && current.expires > now) return false
        yield* roundTrip
        leases.set(name, { owner, expires: now + ttlMillis })
        return true
      }),
    releaseLease: (name, owner) =>
      Effect.sync(() => {
        if (leases.get(name)?.owner === owner) leases.delete(name)
      }),
    parkEvent: unused,
    listParked: unused,
    removeParked: unused
  }
}

const serialisedClaimingConcurrency = (): Storage.StorageDriver => ({
  ...MemoryStorage.makeDriver(),
  capabilities: { concurrentTransactions: true }
})

const wrongDrivers: Record<string, { readonly label: string; readonly make: () => Storage.StorageDriver }> = {
  racy: { label: "the racy driver", make: makeRacyDriver },
  serialised: { label: "a serialised driver claiming concurrent transactions", make: serialisedClaimingConcurrency }
}

const runOn = (driver: Storage.StorageDriver, run: Effect.Effect<void, unknown, Storage.Storage>) => {
  const storage = Storage.layerFromDriver(Effect.succeed(driver))
  const prepared = Layer.effectDiscard(Effect.flatMap(Storage.Storage, (s) => s.prepare([widgets])))
  return Effect.runPromise(Effect.provide(run, prepared.pipe(Layer.provideMerge(storage))))
}

/** The assertion each race fails a wrong driver on: the race itself, not something before it. */
const failsOn: ReadonlyArray<readonly [check: string, message: RegExp]> = [
  ["of concurrent writers", /exactly one of 8 writers of version 1 wins, 8 did/],
  ["of concurrent inserters", /exactly one of 8 inserters of one unique key wins/],
  ["events appended", /a reader following the log with a cursor saw every event/],
  ["a lease is held", /of 8 takers of a free lease exactly one wins/],
  ["a transaction reading", /the writer finished while both transactions were open \(reader, holder, writer\)/]
]

describe("the conformance suite's races fail a wrong driver", () => {
  it("names the failure of every race", () => {
    expect(concurrencyChecks.map((check) => failsOn.some(([prefix]) => check.name.startsWith(prefix)))).not.toContain(false)
  })

  for (const check of concurrencyChecks) {
    const wrong = wrongDrivers[check.requires === undefined ? "racy" : "serialised"]!
    const message = failsOn.find(([prefix]) => check.name.startsWith(prefix))?.[1] ?? /never/
    it(`${wrong.label} fails: ${check.name}`, async () => {
      await expect(runOn(wrong.make(), check.run)).rejects.toMatchObject({ name: "AssertionError", message })
    }, 30_000)
  }

  it("the racy driver passes everything the races check without racing", async () => {
    // What fails above is the race, not the driver's plain behaviour: one caller at a time, the
    // racy driver keeps versions, keys, event order and leases.
    const s = Storage.make(makeRacyDriver())
    await Effect.runPromise(Principal.runAs(Effect.gen(function*() {
      const [w] = yield* s.insertMany(widgets, [{ id: "w-1", name: "w", sku: "S", quantity: 1, price: 1, active: true, madeAt: new Date(0).toISOString() }])
      yield* s.updateMany(widgets, [{ ...w!, quantity: 2 }])
      const stale = yield* Effect.flip(s.updateMany(widgets, [{ ...w!, quantity: 3 }]))
      expect(stale.reason._tag).toBe("StaleVersion")
      const taken = yield* Effect.flip(s.insertMany(widgets, [{ ...w!, id: "w-2" }]))
      expect(taken.reason._tag).toBe("UniqueViolation")
      expect(yield* s.acquireLease("l", "a", 0, 1_000)).toBe(true)
      expect(yield* s.acquireLease("l", "b", 1, 1_000)).toBe(false)
    }), { userId: "solo", tenantId: "solo", roles: ["admin"] }))
  })
})
