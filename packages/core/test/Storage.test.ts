import { assert, describe, it } from "@effect/vitest"
import { Storage } from "@procura/core"
import { Effect } from "effect"
import { z } from "zod"

const things = Storage.collection({
  name: "things",
  schema: z.object({ id: z.string(), version: z.number(), name: z.string(), size: z.number().int(), seenAt: z.string() }),
  fields: { name: "string", size: "integer", seenAt: "timestamp" }
})
const definition = things as unknown as Storage.CollectionDefinition

describe("Storage filters", () => {
  it("normalises shorthand and operators into one expression", () => {
    assert.deepStrictEqual(Storage.normaliseFilter(definition, { name: "a", size: { gte: 2, lt: 5 } }), {
      _tag: "and",
      exprs: [
        { _tag: "compare", field: "name", type: "string", op: "eq", value: "a" },
        { _tag: "compare", field: "size", type: "integer", op: "gte", value: 2 },
        { _tag: "compare", field: "size", type: "integer", op: "lt", value: 5 }
      ]
    })
    assert.deepStrictEqual(Storage.normaliseFilter(definition, { name: null }), { _tag: "isNull", field: "name", type: "string", negate: false })
  })

  it("normalises timestamps to UTC ISO strings", () => {
    const expr = Storage.normaliseFilter(definition, { seenAt: { gt: "2026-01-01T01:00:00+01:00" } })
    assert.deepStrictEqual(expr, { _tag: "compare", field: "seenAt", type: "timestamp", op: "gt", value: "2026-01-01T00:00:00.000Z" })
  })

  it("names the field and the problem when a filter is wrong", () => {
    assert.throws(() => Storage.normaliseFilter(definition, { colour: "red" } as never), /cannot filter on "colour"/)
    assert.throws(() => Storage.normaliseFilter(definition, { size: 1.5 }), /field "size" expects a integer, got 1.5/)
    assert.throws(() => Storage.normaliseFilter(definition, { size: { startsWith: "1" } as never }), /needs a string field/)
  })

  it("rejects collection declarations the drivers could not map", () => {
    assert.throws(() => Storage.collection({ name: "Bad Name", schema: z.any(), fields: {} }), /Collection name/)
    assert.throws(
      () => Storage.collection({ name: "ok", schema: z.object({ id: z.string(), version: z.number(), a: z.string() }), fields: {}, indexes: [["a"]] }),
      /not declared in fields/
    )
  })

  it("pages after a position with missing values last", () => {
    const expr = Storage.afterPosition(
      [{ field: "name", type: "string", direction: "desc" }, { field: "id", type: "string", direction: "asc" }],
      ["m", "id-5"]
    )
    assert.deepStrictEqual(expr, {
      _tag: "or",
      exprs: [
        { _tag: "and", exprs: [{ _tag: "or", exprs: [
          { _tag: "compare", field: "name", type: "string", op: "lt", value: "m" },
          { _tag: "isNull", field: "name", type: "string", negate: false }
        ] }] },
        { _tag: "and", exprs: [
          { _tag: "compare", field: "name", type: "string", op: "eq", value: "m" },
          { _tag: "compare", field: "id", type: "string", op: "gt", value: "id-5" }
        ] }
      ]
    })
  })
})

describe("StorageError reasons", () => {
  const taken = new Storage.StorageError({
    reason: new Storage.UniqueViolation({ collection: "things", key: ["name", "size"], ids: ["t-1"], message: "things: unique key (name, size) is already taken" })
  })
  const stale = new Storage.StorageError({ reason: new Storage.StaleVersion({ collection: "things", ids: ["t-2"], message: "things: record t-2 changed" }) })

  it("takes its message and retryability from the reason", () => {
    assert.strictEqual(taken.message, "things: unique key (name, size) is already taken")
    assert.isFalse(taken.isRetryable)
    assert.isTrue(stale.isRetryable)
    assert.isTrue(new Storage.StorageError({ reason: new Storage.Unavailable({ message: "down" }) }).isRetryable)
    assert.isFalse(new Storage.StorageError({ reason: new Storage.InvalidInput({ message: "bad" }) }).isRetryable)
    assert.isFalse(new Storage.StorageError({ reason: new Storage.NotFound({ message: "gone" }) }).isRetryable)
    assert.strictEqual(taken.cause, taken.reason)
  })

  it("lets callers match the reason by tag, and a unique violation by its key's fields", () => {
    assert.isTrue(Storage.isReason(taken, "UniqueViolation"))
    assert.isFalse(Storage.isReason(taken, "StaleVersion"))
    assert.isFalse(Storage.isReason(new Error("x"), "StaleVersion"))
    assert.isTrue(Storage.isUniqueViolation(taken))
    assert.isTrue(Storage.isUniqueViolation(taken, ["size", "name"]), "the fields match in any order")
    assert.isFalse(Storage.isUniqueViolation(taken, ["name"]), "a key is matched whole")
    assert.isFalse(Storage.isUniqueViolation(stale, ["name", "size"]))
  })

  it.effect("is caught by tag, and by reason with Effect.catchReason", () =>
    Effect.gen(function*() {
      const byTag = yield* Effect.fail(stale).pipe(Effect.catchTag("StorageError", (error) => Effect.succeed(error.reason._tag)))
      assert.strictEqual(byTag, "StaleVersion")
      const byReason = yield* Effect.fail(taken).pipe(
        Effect.catchReason("StorageError", "UniqueViolation", (reason) => Effect.succeed(reason.key))
      )
      assert.deepStrictEqual(byReason, ["name", "size"])
      const other = yield* Effect.flip(
        Effect.fail(stale).pipe(Effect.catchReason("StorageError", "UniqueViolation", () => Effect.succeed("caught")))
      )
      assert.strictEqual(other, stale, "other reasons pass through unchanged")
    }))
})
