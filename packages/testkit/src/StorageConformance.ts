/**
 * The storage conformance suite: the definition of a correct Procura storage adapter.
 *
 * An adapter's test file is one call:
 *
 * ```ts
 * import { StorageConformance } from "@procura/testkit"
 * import { MemoryStorage } from "@procura/storage-memory"
 *
 * StorageConformance.suite("memory", MemoryStorage.layer())
 * ```
 *
 * The suite shares one layer across its tests and isolates them by giving each its own tenant,
 * which exercises tenant scoping on every test as a side effect.
 *
 * Its second part races callers against each other on the real clock, on an instance of the
 * layer of its own: writers of one version, inserters of one key, appenders of events read by a
 * follower, takers of a lease, and writers against a long transaction. A store that checks and
 * then acts without a lock fails them. The last needs transactions that run side by side: an
 * adapter declaring `capabilities.concurrentTransactions: false` (one that runs one transaction
 * at a time) has it reported as skipped, with the declaration named.
 *
 * @since 0.1.0
 */
import { afterAll, assert, beforeAll, describe, it as vitestIt, layer } from "@effect/vitest"
import { Storage } from "@procura/core"
import { Context, Effect, Exit, Layer, Option, Scope, Stream } from "effect"
import { concurrencyChecks } from "./internal/concurrency.js"
import { asFreshTenant, day, expectStorageError, ids, slots, widget, type Widget, widgets } from "./internal/conformance.js"

export {
  /**
   * The collection of a second record type, with a compound unique key.
   *
   * @since 0.1.0
   * @category models
   */
  slots,
  /**
   * The record type the suite stores.
   *
   * @since 0.1.0
   * @category models
   */
  Widget,
  /**
   * The collection the suite stores widgets in. Adapters must be able to prepare it.
   *
   * @since 0.1.0
   * @category models
   */
  widgets
} from "./internal/conformance.js"

/**
 * Options of the suite.
 *
 * @since 0.1.0
 * @category options
 */
export interface SuiteOptions {
  /** How many records the bulk tests write; 10,000 unless an adapter needs less for a quick run. */
  readonly bulkSize?: number
}

/**
 * Registers the conformance suite for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(
  name: string,
  storageLayer: Layer.Layer<Storage.Storage, E>,
  options: SuiteOptions = {}
): void => {
  const bulkSize = options.bulkSize ?? 10_000
  const prepared = Layer.effectDiscard(
    Effect.flatMap(Storage.Storage, (s) => Effect.orDie(s.prepare([widgets, slots])))
  ).pipe(Layer.provideMerge(storageLayer))

  describe(`storage conformance: ${name}`, () => {
    layer(prepared, { timeout: "120 seconds" })((it) => {
      const storage = Storage.Storage

      it.effect("inserts, gets, lists by ids and updates records with versions", () =>
        asFreshTenant(() =>
          Effect.gen(function*() {
            const s = yield* storage
            const inserted = yield* s.insertMany(widgets, [widget(1), widget(2, { note: "second" }), widget(3)])
            assert.deepStrictEqual(inserted.map((w) => w.version), [1, 1, 1])

            const one = yield* s.get(widgets, "w-000002")
            assert.isTrue(Option.isSome(one))
            assert.deepStrictEqual(Option.getOrThrow(one), { ...widget(2, { note: "second" }), version: 1 })
            assert.isTrue(Option.isNone(yield* s.get(widgets, "w-missing")))

            const many = yield* s.getMany(widgets, ["w-000003", "w-missing", "w-000001"])
            assert.deepStrictEqual(ids(many), ["w-000003", "w-000001"])

            const [updated] = yield* s.updateMany(widgets, [{ ...Option.getOrThrow(one), quantity: 42, note: undefined }])
            assert.strictEqual(updated!.version, 2)
            const reread = Option.getOrThrow(yield* s.get(widgets, "w-000002"))
            assert.strictEqual(reread.quantity, 42)
            assert.strictEqual(reread.version, 2)
            assert.isUndefined(reread.note)
            const found = yield* s.find(widgets, { where: { quantity: 42 } })
            assert.deepStrictEqual(ids(found.items), ["w-000002"])
          })
        ))

      it.effect("reads one record or fails with NotFound, and inserts and updates one record", () =>
        asFreshTenant(() =>
          Effect.gen(function*() {
            const s = yield* storage
            const inserted = yield* s.insertOne(widgets, widget(1))
            assert.deepStrictEqual(inserted, { ...widget(1), version: 1 })
            assert.deepStrictEqual(yield* s.getOrFail(widgets, inserted.id), inserted)

            const missing = yield* Effect.flip(s.getOrFail(widgets, "w-missing", "Widget"))
            assert.strictEqual(missing._tag, "NotFound")
            assert.include(missing, { entity: "Widget", id: "w-missing" })
            const unnamed = yield* Effect.flip(s.getOrFail(widgets, "w-missing"))
            assert.include(unnamed, { entity: widgets.name, id: "w-missing" }, "the collection names the entity by default")

            const updated = yield* s.updateOne(widgets, { ...inserted, quantity: 9 })
            assert.strictEqual(updated.version, 2)
            assert.strictEqual((yield* s.getOrFail(widgets, inserted.id)).quantity, 9)
            const stale = yield* Effect.exit(s.updateOne(widgets, { ...inserted, quantity: 10 }))
            assert.deepStrictEqual(expectStorageError(stale, "StaleVersion").ids, [inserted.id])
            const taken = yield* Effect.exit(s.insertOne(widgets, widget(2, { sku: inserted.sku })))
            assert.deepStrictEqual(expectStorageError(taken, "UniqueViolation").key, ["sku"])

            // The reason is what callers match on: Effect.catchReason reaches it through the StorageError.
            const recovered = yield* s.insertOne(widgets, widget(3, { sku: inserted.sku })).pipe(
              Effect.catchReason("StorageError", "UniqueViolation", (reason) => Effect.succeed(reason.key))
            )
            assert.deepStrictEqual(recovered, ["sku"])
          })
        ))

      it.effect("supports every filter operator with the port's null semantics", () =>
        asFreshTenant(() =>
          Effect.gen(function*() {
            const s = yield* storage
            const all = Array.from({ length: 30 }, (_, i) => widget(i + 1))
            all.push(widget(100, { name: "100%_done \\ really", category: "gamma" }))
            yield* s.insertMany(widgets, all)
            const match = (where: Storage.Filter<Widget>) =>
              Effect.map(s.find(widgets, { where, limit: 1000 }), (page) => ids(page.items).sort())
            const expected = (predicate: (w: Storage.New<Widget>) => boolean) => ids(all.filter(predicate)).sort()

            assert.deepStrictEqual(yield* match({ quantity: 3 }), expected((w) => w.quantity === 3))
            assert.deepStrictEqual(yield* match({ quantity: { eq: 3 } }), expected((w) => w.quantity === 3))
            assert.deepStrictEqual(yield* match({ category: { ne: "alpha" } }), expected((w) => w.category !== "alpha"))
            assert.deepStrictEqual(yield* match({ quantity: { gt: 4 } }), expected((w) => w.quantity > 4))
            assert.deepStrictEqual(yield* match({ quantity: { gte: 4 } }), expected((w) => w.quantity >= 4))
            assert.deepStrictEqual(yield* match({ price: { lt: 2.5 } }), expected((w) => w.price < 2.5))
            assert.deepStrictEqual(yield* match({ price: { lte: 2.5 } }), expected((w) => w.price <= 2.5))
            assert.deepStrictEqual(yield* match({ quantity: { gt: 1, lt: 4 } }), expected((w) => w.quantity > 1 && w.quantity < 4))
            assert.deepStrictEqual(yield* match({ madeAt: { gte: day(10), lt: day(12) } }), expected((w) => w.madeAt >= day(10) && w.madeAt < day(12)))
            assert.deepStrictEqual(yield* match({ name: { gt: "widget 5" } }), expected((w) => w.name > "widget 5"))
            assert.deepStrictEqual(yield* match({ active: true }), expected((w) => w.active))
            assert.deepStrictEqual(yield* match({ active: false, quantity: 0 }), expected((w) => !w.active && w.quantity === 0))
            assert.deepStrictEqual(yield* match({ category: { in: ["alpha", "gamma"] } }), expected((w) => w.category === "alpha" || w.category === "gamma"))
            assert.deepStrictEqual(yield* match({ category: { nin: ["alpha"] } }), expected((w) => w.category !== "alpha"))
            assert.deepStrictEqual(yield* match({ quantity: { in: [] } }), [])
            assert.deepStrictEqual(yield* match({ name: { startsWith: "widget 1" } }), expected((w) => w.name.startsWith("widget 1")))
            assert.deepStrictEqual(yield* match({ name: { startsWith: "100%_" } }), expected((w) => w.name.startsWith("100%_")))
            assert.deepStrictEqual(yield* match({ name: { startsWith: "100__" } }), [])
            assert.deepStrictEqual(yield* match({ name: { contains: "_done \\" } }), expected((w) => w.name.includes("_done \\")))
            assert.deepStrictEqual(yield* match({ name: { contains: "%" } }), expected((w) => w.name.includes("%")))
            assert.deepStrictEqual(yield* match({ category: { isNull: true } }), expected((w) => w.category === undefined))
            assert.deepStrictEqual(yield* match({ category: null }), expected((w) => w.category === undefined))
            assert.deepStrictEqual(yield* match({ category: { isNull: false } }), expected((w) => w.category !== undefined))
            assert.deepStrictEqual(yield* match({ category: { ne: null } }), expected((w) => w.category !== undefined))
            assert.deepStrictEqual(yield* match({ id: { in: ["w-000001", "w-000100"] } }), ["w-000001", "w-000100"])
            assert.deepStrictEqual(
              yield* match({ $or: [{ quantity: 1 }, { category: "gamma" }], active: true }),
              expected((w) => (w.quantity === 1 || w.category === "gamma") && w.active)
            )
            assert.deepStrictEqual(yield* match({ $or: [] }), [])

            const unknownField = yield* Effect.exit(s.find(widgets, { where: { note: "x" } }))
            assert.include(expectStorageError(unknownField, "InvalidInput").message, "note")
            const wrongType = yield* Effect.exit(s.find(widgets, { where: { quantity: "many" as unknown as number } }))
            assert.include(expectStorageError(wrongType, "InvalidInput").message, "quantity")
            const badOrder = yield* Effect.exit(s.find(widgets, { orderBy: [{ field: "note" }] }))
            expectStorageError(badOrder, "InvalidInput")
            const badCursor = yield* Effect.exit(s.find(widgets, { cursor: "not-a-cursor" }))
            expectStorageError(badCursor, "InvalidInput")
          })
        ))

      it.effect("checks declared field values on write and normalises timestamps", () =>
        asFreshTenant(() =>
          Effect.gen(function*() {
            const s = yield* storage
            const wrongType = yield* Effect.exit(s.insertMany(widgets, [widget(1), widget(2, { quantity: 1.5 })]))
            assert.include(expectStorageError(wrongType, "InvalidInput").message, "quantity")
            const badTime = yield* Effect.exit(s.insertMany(widgets, [widget(3, { madeAt: "yesterday" })]))
            expectStorageError(badTime, "InvalidInput")
            assert.lengthOf((yield* s.find(widgets)).items, 0, "nothing of a refused batch is written")

            const [stored] = yield* s.insertMany(widgets, [widget(4, { madeAt: "2026-03-01T10:00:00+02:00" })])
            assert.strictEqual(stored!.madeAt, "2026-03-01T08:00:00.000Z")
            assert.strictEqual(Option.getOrThrow(yield* s.get(widgets, stored!.id)).madeAt, "2026-03-01T08:00:00.000Z")
            assert.lengthOf((yield* s.find(widgets, { where: { madeAt: "2026-03-01T08:00:00Z" } })).items, 1)
            const badUpdate = yield* Effect.exit(s.updateMany(widgets, [{ ...stored!, price: Number.NaN }]))
            expectStorageError(badUpdate, "InvalidInput")
            assert.strictEqual(Option.getOrThrow(yield* s.get(widgets, stored!.id)).version, 1)

            const badRead = yield* Effect.exit(s.readEvents({ after: -1, limit: 10 }))
            expectStorageError(badRead, "InvalidInput")
          })
        ))

      it.effect("orders by several fields, missing values last in both directions", () =>
        asFreshTenant(() =>
          Effect.gen(function*() {
            const s = yield* storage
            const all = Array.from({ length: 40 }, (_, i) => widget(i + 1))
            yield* s.insertMany(widgets, all)
            const rank = (v: string | undefined) => v ?? "\uffff"
            const byCategoryDescThenQuantity = yield* s.find(widgets, {
              orderBy: [{ field: "category", direction: "desc" }, { field: "quantity" }],
              limit: 1000
            })
            const expected = [...all].sort((a, b) =>
              (a.category === undefined) !== (b.category === undefined)
                ? a.category === undefined ? 1 : -1
                : rank(b.category).localeCompare(rank(a.category)) || a.quantity - b.quantity || a.id.localeCompare(b.id)
            )
            assert.deepStrictEqual(ids(byCategoryDescThenQuantity.items), ids(expected))
            const byCategoryAsc = yield* s.find(widgets, { orderBy: [{ field: "category" }], limit: 1000 })
            assert.deepStrictEqual(
              byCategoryAsc.items.map((w) => w.category ?? null),
              [...all].map((w) => w.category ?? null).sort((a, b) => a === null ? 1 : b === null ? -1 : a.localeCompare(b))
            )
            const byIdDesc = yield* s.find(widgets, { orderBy: [{ field: "id", direction: "desc" }], limit: 3 })
            assert.deepStrictEqual(ids(byIdDesc.items), ["w-000040", "w-000039", "w-000038"])
            const nextById = yield* s.find(widgets, { orderBy: [{ field: "id", direction: "desc" }], limit: 3, cursor: byIdDesc.cursor! })
            assert.deepStrictEqual(ids(nextById.items), ["w-000037", "w-000036", "w-000035"])
            const byPriceDesc = yield* s.find(widgets, { orderBy: [{ field: "price", direction: "desc" }], limit: 5 })
            assert.deepStrictEqual(ids(byPriceDesc.items), ["w-000040", "w-000039", "w-000038", "w-000037", "w-000036"])
          })
        ))

      it.effect("counts matching records, and counts them by an indexed field's values", () =>
        asFreshTenant(() =>
          Effect.gen(function*() {
            const s = yield* storage
            assert.strictEqual(yield* s.count(widgets), 0)
            assert.deepStrictEqual(yield* s.countBy(widgets, "category"), [])
            const records = Array.from({ length: 60 }, (_, i) => widget(i + 1))
            yield* s.insertMany(widgets, records)
            assert.strictEqual(yield* s.count(widgets), 60)
            assert.strictEqual(yield* s.count(widgets, { quantity: { gte: 5 } }), records.filter((w) => w.quantity >= 5).length)
            assert.strictEqual(yield* s.count(widgets, { sku: "nowhere" }), 0)

            const expected = <V extends string | number | boolean>(pick: (w: Storage.New<Widget>) => V | undefined, keep: (w: Storage.New<Widget>) => boolean = () => true) => {
              const counts = new Map<V | null, number>()
              for (const w of records.filter(keep)) counts.set(pick(w) ?? null, (counts.get(pick(w) ?? null) ?? 0) + 1)
              return [...counts].map(([value, count]) => ({ value, count }))
                .sort((a, b) => (a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : 1))
            }
            // Missing values form the group null, last.
            assert.deepStrictEqual(yield* s.countBy(widgets, "category"), expected((w) => w.category))
            assert.deepStrictEqual(
              yield* s.countBy(widgets, "quantity", { active: true }),
              expected((w) => w.quantity, (w) => w.active),
              "grouped by an integer field, filtered"
            )
            // Counted fields (category, active) answer from the counts the store keeps; a filter
            // makes it count the records: both must agree, as records move between values.
            const everything = { quantity: { gte: -1_000 } }
            assert.deepStrictEqual(yield* s.countBy(widgets, "active"), expected((w) => w.active))
            const moved = (yield* s.find(widgets, { where: { category: "alpha" }, limit: 5 })).items
            yield* s.updateMany(widgets, moved.map((w) => ({ ...w, category: "beta", active: !w.active })))
            yield* s.updateMany(widgets, [{ ...(yield* s.getOrFail(widgets, records[0]!.id)), note: "no counted field changes" }])
            const after = yield* s.find(widgets, { limit: 100 })
            const recount = (pick: (w: Widget) => string | boolean | undefined) => {
              const counts = new Map<string | boolean | null, number>()
              for (const w of after.items) counts.set(pick(w) ?? null, (counts.get(pick(w) ?? null) ?? 0) + 1)
              return counts
            }
            for (const field of ["category", "active"] as const) {
              const counted = yield* s.countBy(widgets, field)
              assert.deepStrictEqual(counted, yield* s.countBy(widgets, field, everything), `${field}: kept counts agree with the records`)
              assert.deepStrictEqual(new Map(counted.map((g) => [g.value, g.count])), recount((w) => w[field]))
            }

            // Inside a transaction, its own writes count; rolled back, they do not.
            const rolledBack = yield* Effect.exit(s.transaction(Effect.gen(function*() {
              yield* s.insertMany(widgets, [widget(100, { category: "gamma" })])
              assert.strictEqual(yield* s.count(widgets), 61)
              assert.deepStrictEqual((yield* s.countBy(widgets, "category")).find((g) => g.value === "gamma"), { value: "gamma", count: 1 })
              return yield* Effect.fail("undo")
            })))
            assert.isTrue(Exit.isFailure(rolledBack))
            assert.strictEqual(yield* s.count(widgets), 60)

            // Only a field an index or unique key starts with can be counted by.
            expectStorageError(yield* Effect.exit(s.countBy(widgets, "madeAt")), "InvalidInput")
            expectStorageError(yield* Effect.exit(s.countBy(widgets, "note")), "InvalidInput")
            expectStorageError(yield* Effect.exit(s.count(widgets, { note: "x" } as never)), "InvalidInput")
          })
        ))

      it.effect(`inserts ${bulkSize} records in batches and pages through them with cursors`, () =>
        asFreshTenant(() =>
          Effect.gen(function*() {
            const s = yield* storage
            const all = Array.from({ length: bulkSize }, (_, i) => widget(i))
            const inserted = yield* s.insertMany(widgets, all)
            assert.strictEqual(inserted.length, bulkSize)

            const orders: ReadonlyArray<ReadonlyArray<Storage.OrderBy<Widget>>> = [
              [],
              [{ field: "quantity", direction: "desc" }],
              [{ field: "category" }, { field: "madeAt", direction: "desc" }]
            ]
            for (const orderBy of orders) {
              const seen: Array<string> = []
              let cursor: string | undefined = undefined
              let pages = 0
              do {
                const page: Storage.Page<Widget> = yield* s.find(widgets, { orderBy, limit: 1000, ...(cursor ? { cursor } : {}) })
                seen.push(...ids(page.items))
                cursor = page.cursor
                pages++
              } while (cursor !== undefined)
              assert.strictEqual(seen.length, bulkSize, `ordering ${JSON.stringify(orderBy)}`)
              assert.strictEqual(new Set(seen).size, bulkSize)
              assert.isAtMost(pages, Math.ceil(bulkSize / 1000) + 1)
              const full = yield* Stream.runCollect(s.stream(widgets, { orderBy, limit: 1000 }))
              assert.deepStrictEqual(ids(full), seen)
            }

            const filtered = yield* Stream.runCollect(s.stream(widgets, { where: { quantity: 3, active: true }, limit: 250 }))
            assert.deepStrictEqual(ids(filtered), ids(all.filter((w) => w.quantity === 3 && w.active)))
          })
        ), { timeout: 120_000 })

      it.effect("rejects a taken unique key or id with UniqueViolation (naming the key) and writes nothing of the batch", () =>
        asFreshTenant(() =>
          Effect.gen(function*() {
            const s = yield* storage
            yield* s.insertMany(widgets, [widget(1), widget(2, { sku: undefined }), widget(3, { sku: undefined })])

            const takenSku = yield* Effect.exit(s.insertMany(widgets, [widget(10), widget(11, { sku: "SKU-1" })]))
            const error = expectStorageError(takenSku, "UniqueViolation")
            assert.deepStrictEqual(error.key, ["sku"])
            assert.strictEqual(error.collection, widgets.name)
            assert.isFalse(error.isRetryable, "retrying a taken key can never succeed")
            assert.isTrue(Option.isNone(yield* s.get(widgets, "w-000010")))

            const repeatedInBatch = yield* Effect.exit(s.insertMany(widgets, [widget(20, { sku: "X" }), widget(21, { sku: "X" })]))
            assert.deepStrictEqual(expectStorageError(repeatedInBatch, "UniqueViolation").key, ["sku"])
            assert.isTrue(Option.isNone(yield* s.get(widgets, "w-000020")))

            const takenId = yield* Effect.exit(s.insertMany(widgets, [widget(30), widget(1, { sku: "SKU-new" })]))
            const takenIdError = expectStorageError(takenId, "UniqueViolation")
            assert.deepStrictEqual(takenIdError.key, ["id"], "a taken id is a violation of the key [\"id\"]")
            assert.include(takenIdError.ids ?? [], "w-000001")
            assert.isFalse(takenIdError.isRetryable, "retrying a taken id can never succeed")
            assert.isTrue(Option.isNone(yield* s.get(widgets, "w-000030")))

            const repeatedId = yield* Effect.exit(s.insertMany(widgets, [widget(40), widget(40, { sku: "other" })]))
            assert.deepStrictEqual(expectStorageError(repeatedId, "UniqueViolation").key, ["id"])

            // Missing key fields never conflict.
            yield* s.insertMany(widgets, [widget(50, { sku: undefined })])
            const page = yield* s.find(widgets, { where: { sku: null } })
            assert.deepStrictEqual(ids(page.items), ["w-000002", "w-000003", "w-000050"])

            // Compound keys conflict only on the whole key.
            yield* s.insertMany(slots, [{ id: "s1", shelf: "A", position: 1 }, { id: "s2", shelf: "A", position: 2 }, { id: "s3", shelf: "B", position: 1 }])
            const takenSlot = yield* Effect.exit(s.insertMany(slots, [{ id: "s4", shelf: "B", position: 1 }]))
            assert.deepStrictEqual(expectStorageError(takenSlot, "UniqueViolation").key, ["shelf", "position"])

            // Updates cannot take a key either.
            const one = Option.getOrThrow(yield* s.get(widgets, "w-000002"))
            const updateTaken = yield* Effect.exit(s.updateMany(widgets, [{ ...one, sku: "SKU-1" }]))
            assert.deepStrictEqual(expectStorageError(updateTaken, "UniqueViolation").key, ["sku"])
            assert.strictEqual(Option.getOrThrow(yield* s.get(widgets, "w-000002")).version, 1)
          })
        ))

      it.effect("rejects a stale version with StaleVersion (naming the ids) and writes nothing of the batch", () =>
        asFreshTenant(() =>
          Effect.gen(function*() {
            const s = yield* storage
            const [a, b] = yield* s.insertMany(widgets, [widget(1), widget(2)])
            yield* s.updateMany(widgets, [{ ...a!, quantity: 100 }])

            const stale = yield* Effect.exit(s.updateMany(widgets, [{ ...b!, quantity: 200 }, { ...a!, quantity: 300 }]))
            const error = expectStorageError(stale, "StaleVersion")
            assert.deepStrictEqual(error.ids, [a!.id])
            assert.strictEqual(error.collection, widgets.name)
            assert.isTrue(error.isRetryable)
            const [a2, b2] = yield* s.getMany(widgets, [a!.id, b!.id])
            assert.strictEqual(a2!.quantity, 100)
            assert.strictEqual(b2!.quantity, b!.quantity)
            assert.strictEqual(b2!.version, 1)

            const missing = yield* Effect.exit(s.updateMany(widgets, [{ ...b!, id: "w-nowhere" }]))
            assert.deepStrictEqual(expectStorageError(missing, "StaleVersion").ids, ["w-nowhere"])

          })
        ))

      it.effect("rolls back a failed transaction, its events included, and nests as savepoints", () =>
        asFreshTenant((tenantId) =>
          Effect.gen(function*() {
            const s = yield* storage
            const event = (id: string): Storage.DomainEvent => ({
              id: `${tenantId}-${id}`,
              tenantId,
              type: "widget.made",
              aggregateType: "widget",
              aggregateId: id,
              actorId: "conformance",
              occurredAt: day(1),
              payload: { id }
            })
            const failed = yield* Effect.exit(s.transaction(Effect.gen(function*() {
              yield* s.insertMany(widgets, [widget(1)])
              yield* s.appendEvents([event("w-000001")])
              return yield* Effect.fail("boom" as const)
            })))
            assert.isTrue(Exit.isFailure(failed))
            assert.isTrue(Option.isNone(yield* s.get(widgets, "w-000001")))
            assert.lengthOf(yield* s.readEvents({ after: 0, limit: 100, tenantId }), 0)

            yield* s.transaction(Effect.gen(function*() {
              yield* s.insertMany(widgets, [widget(2)])
              yield* s.appendEvents([event("w-000002")])
              const inner = yield* Effect.exit(s.transaction(Effect.gen(function*() {
                yield* s.insertMany(widgets, [widget(3)])
                yield* s.appendEvents([event("w-000003")])
                return yield* Effect.fail("inner" as const)
              })))
              assert.isTrue(Exit.isFailure(inner))
              // A unique violation inside a transaction leaves the transaction usable.
              const violation = yield* Effect.exit(s.insertMany(widgets, [widget(4, { sku: "SKU-2" })]))
              expectStorageError(violation, "UniqueViolation")
              yield* s.insertMany(widgets, [widget(5)])
            }))
            assert.deepStrictEqual(ids((yield* s.find(widgets)).items), ["w-000002", "w-000005"])
            const events = yield* s.readEvents({ after: 0, limit: 100, tenantId })
            assert.deepStrictEqual(events.map((e) => e.aggregateId), ["w-000002"])
          })
        ))

      it.effect("appends events in order, reads them after a position, and keeps checkpoints", () =>
        asFreshTenant((tenantId) =>
          Effect.gen(function*() {
            const s = yield* storage
            const events = Array.from({ length: 25 }, (_, i): Storage.DomainEvent => ({
              id: `${tenantId}-e${i}`,
              tenantId,
              type: i % 2 === 0 ? "widget.made" : "widget.sold",
              aggregateType: "widget",
              aggregateId: `w-${i % 3}`,
              actorId: "conformance",
              occurredAt: day(i),
              payload: { n: i, nested: { ok: true } }
            }))
            yield* s.appendEvents(events)
            const first = yield* s.readEvents({ after: 0, limit: 10, tenantId })
            assert.deepStrictEqual(first.map((e) => (e.payload as { n: number }).n), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
            assert.deepStrictEqual(first[3]!.payload, { n: 3, nested: { ok: true } })
            assert.strictEqual(first[3]!.occurredAt, day(3))
            for (let i = 1; i < first.length; i++) assert.isAbove(first[i]!.position, first[i - 1]!.position)
            const rest = yield* s.readEvents({ after: first[9]!.position, limit: 100, tenantId })
            assert.deepStrictEqual(rest.map((e) => (e.payload as { n: number }).n), Array.from({ length: 15 }, (_, i) => i + 10))

            const subscriber = `${tenantId}-subscriber`
            assert.strictEqual(yield* s.getCheckpoint(subscriber), 0)
            yield* s.saveCheckpoint(subscriber, first[9]!.position)
            assert.strictEqual(yield* s.getCheckpoint(subscriber), first[9]!.position)
            yield* s.saveCheckpoint(subscriber, rest[14]!.position)
            assert.strictEqual(yield* s.getCheckpoint(subscriber), rest[14]!.position)
          })
        ))

      it.effect("grants a lease to one owner at a time until it expires or is released", () =>
        asFreshTenant((tenantId) =>
          Effect.gen(function*() {
            const s = yield* storage
            const lease = `${tenantId}-lease`
            const t0 = 1_000_000
            assert.isTrue(yield* s.acquireLease(lease, "a", t0, 1_000))
            assert.isFalse(yield* s.acquireLease(lease, "b", t0 + 500, 1_000), "held by a")
            assert.isTrue(yield* s.acquireLease(lease, "a", t0 + 900, 1_000), "the owner renews it")
            assert.isFalse(yield* s.acquireLease(lease, "b", t0 + 1_500, 1_000), "renewed until t0 + 1900")
            assert.isTrue(yield* s.acquireLease(lease, "b", t0 + 1_900, 1_000), "expired: b takes over")
            assert.isFalse(yield* s.acquireLease(lease, "a", t0 + 2_000, 1_000), "a lost it")
            yield* s.releaseLease(lease, "a")
            assert.isFalse(yield* s.acquireLease(lease, "c", t0 + 2_000, 1_000), "only the owner releases it")
            yield* s.releaseLease(lease, "b")
            assert.isTrue(yield* s.acquireLease(lease, "c", t0 + 2_000, 1_000), "released: free at once")
            expectStorageError(yield* Effect.exit(s.acquireLease(lease, "c", t0, 0)), "InvalidInput")
          })
        ))

      it.effect("parks events per subscriber, lists them in order and removes them", () =>
        asFreshTenant((tenantId) =>
          Effect.gen(function*() {
            const s = yield* storage
            const events = Array.from({ length: 3 }, (_, i): Storage.DomainEvent => ({
              id: `${tenantId}-p${i}`,
              tenantId,
              type: "widget.made",
              aggregateType: "widget",
              aggregateId: `w-${i}`,
              actorId: "conformance",
              occurredAt: day(i),
              payload: { n: i }
            }))
            yield* s.appendEvents(events)
            const stored = yield* s.readEvents({ after: 0, limit: 10, tenantId })
            const [alpha, beta] = [`${tenantId}-alpha`, `${tenantId}-beta`]
            const letter = (subscriber: string, event: Storage.StoredEvent, attempts: number): Storage.DeadLetter => ({
              id: Storage.deadLetterId(subscriber, event.id),
              subscriber,
              event,
              error: `boom ${attempts}`,
              attempts,
              firstFailedAt: day(1),
              lastFailedAt: day(2)
            })
            yield* s.parkEvent(letter(alpha, stored[2]!, 3))
            yield* s.parkEvent(letter(alpha, stored[0]!, 3))
            yield* s.parkEvent(letter(beta, stored[1]!, 1))
            const listed = yield* s.listParked({ subscriber: alpha, limit: 10 })
            assert.deepStrictEqual(listed, [letter(alpha, stored[0]!, 3), letter(alpha, stored[2]!, 3)])
            yield* s.parkEvent(letter(alpha, stored[0]!, 4))
            const updated = yield* s.listParked({ subscriber: alpha, limit: 10 })
            assert.deepStrictEqual(updated.map((l) => [l.event.id, l.attempts, l.error]), [
              [stored[0]!.id, 4, "boom 4"],
              [stored[2]!.id, 3, "boom 3"]
            ], "parking again replaces the letter")
            assert.deepStrictEqual((yield* s.listParked({ subscriber: alpha, limit: 1 })).map((l) => l.event.id), [stored[0]!.id])
            const all = (yield* s.listParked({ limit: 100_000 })).filter((l) => l.subscriber === alpha || l.subscriber === beta)
            assert.deepStrictEqual(all.map((l) => l.id), [
              Storage.deadLetterId(alpha, stored[0]!.id),
              Storage.deadLetterId(alpha, stored[2]!.id),
              Storage.deadLetterId(beta, stored[1]!.id)
            ])
            yield* s.removeParked(alpha, stored[0]!.id)
            yield* s.removeParked(alpha, "no-such-event")
            assert.deepStrictEqual((yield* s.listParked({ subscriber: alpha, limit: 10 })).map((l) => l.event.id), [stored[2]!.id])
            const rolledBack = yield* Effect.exit(s.transaction(Effect.gen(function*() {
              yield* s.removeParked(alpha, stored[2]!.id)
              yield* s.parkEvent(letter(alpha, stored[1]!, 1))
              return yield* Effect.fail("abort")
            })))
            assert.isTrue(Exit.isFailure(rolledBack))
            assert.deepStrictEqual(
              (yield* s.listParked({ subscriber: alpha, limit: 10 })).map((l) => l.event.id),
              [stored[2]!.id],
              "parking and removing roll back with a transaction"
            )
          })
        ))

      it.effect("never lets one tenant read or change another tenant's records", () =>
        Effect.gen(function*() {
          const s = yield* storage
          const [owned] = yield* asFreshTenant(() => s.insertMany(widgets, [widget(1)]))
          yield* asFreshTenant(() =>
            Effect.gen(function*() {
              assert.isTrue(Option.isNone(yield* s.get(widgets, owned!.id)))
              assert.lengthOf(yield* s.getMany(widgets, [owned!.id]), 0)
              assert.lengthOf((yield* s.find(widgets, { where: { sku: "SKU-1" } })).items, 0)
              const update = yield* Effect.exit(s.updateMany(widgets, [{ ...owned!, quantity: 99 }]))
              expectStorageError(update, "StaleVersion")
              // The same id and the same unique key are free in another tenant.
              yield* s.insertMany(widgets, [widget(1)])
              assert.strictEqual((yield* s.find(widgets)).items.length, 1)
            })
          )
        }))
    })
  })

  describe(`storage conformance under concurrency: ${name}`, () => {
    const scope = Scope.makeUnsafe()
    let context: Context.Context<Storage.Storage> | undefined
    beforeAll(async () => {
      context = await Effect.runPromise(Layer.buildWithScope(prepared, scope))
    }, 120_000)
    afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)), 120_000)

    for (const check of concurrencyChecks) {
      vitestIt(check.name, async (ctx) => {
        const storage = Context.get(context!, Storage.Storage)
        if (check.requires !== undefined && !storage.capabilities[check.requires]) {
          ctx.skip(`${name} declares capabilities.${check.requires}: false`)
        }
        await Effect.runPromise(Effect.provide(check.run, context!))
      }, 60_000)
    }
  })
}
