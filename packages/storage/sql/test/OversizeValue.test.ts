// A value too large for PostgreSQL to store (here a btree index row over its ~2.7 kB maximum,
// SQLSTATE 54000) is invalid input: a non-retryable `InvalidInput` storage error, never `Unavailable`.
// The operations' schemas refuse such values first (see Text.limits); this writes through the
// storage port directly, bypassing them, as a host's own collection or a schema bug would.
import { assert, describe, layer } from "@effect/vitest"
import { Principal, Storage } from "@procura/core"
import { Cause, Effect, Exit, Option } from "effect"
import { z } from "zod"
import { SqlStorage } from "../src/index.js"

const Label = z.object({ id: z.string(), version: z.number().int(), name: z.string(), code: z.string() })

const labels = Storage.collection({
  name: "oversize_labels",
  schema: Label,
  fields: { name: "string", code: "string" },
  indexes: [["name"]],
  unique: [["code"]]
})

/** Random letters, so PostgreSQL cannot compress the value into the index row. */
const noise = (length: number): string => {
  const bytes = crypto.getRandomValues(new Uint8Array(length))
  return Array.from(bytes, (b) => String.fromCharCode(97 + (b % 26))).join("")
}

const asTenant = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Principal.runAs(effect, { userId: "oversize", tenantId: `oversize-${process.pid}-${Date.now().toString(36)}`, roles: ["admin"] })

const refusal = (exit: Exit.Exit<unknown, unknown>): Storage.StorageError => {
  assert.isTrue(Exit.isFailure(exit), "expected the write to fail")
  const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
  assert.instanceOf(error, Storage.StorageError)
  return error as Storage.StorageError
}

describe("SqlStorage on PGlite: values too large to store", () => {
  layer(SqlStorage.layerPglite(), { timeout: "120 seconds" })((it) => {
    it.effect("an indexed value over the index row limit is InvalidInput and not retryable; nothing is written", () =>
      asTenant(Effect.gen(function*() {
        const storage = yield* Storage.Storage
        yield* storage.prepare([labels])
        for (const [field, record] of [
          ["name", { id: "l-1", name: noise(20_000), code: "A" }],
          ["code", { id: "l-2", name: "B", code: noise(20_000) }]
        ] as const) {
          const error = refusal(yield* Effect.exit(storage.transaction(storage.insertMany(labels, [record]))))
          assert.strictEqual(error.reason._tag, "InvalidInput", `${field}: ${error.message}`)
          assert.isFalse(error.isRetryable, field)
          assert.include(error.message, "too large to store")
        }
        assert.deepStrictEqual((yield* storage.find(labels, {})).items, [])
        const [stored] = yield* storage.insertMany(labels, [{ id: "l-3", name: noise(1_000), code: "C" }])
        assert.strictEqual(stored?.id, "l-3", "a value within the limit is stored")
      })))
  })
})
