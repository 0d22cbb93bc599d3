import { assert, describe, it } from "@effect/vitest"
import { Ids } from "@procura/core"
import { Effect } from "effect"
import { TestClock } from "effect/testing"

const uuidV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe("Ids", () => {
  it.effect("makes UUIDv7 values stamped with the Effect clock", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2026, 10, 23, 12, 0, 0))
      const id = yield* Ids.next
      assert.match(id, uuidV7)
      assert.strictEqual(parseInt(id.replace(/-/g, "").slice(0, 12), 16), Date.UTC(2026, 10, 23, 12, 0, 0))
      const many = yield* Ids.nextMany(1000)
      assert.strictEqual(new Set(many).size, 1000)
      for (const each of many) assert.match(each, uuidV7)
      // One millisecond, random tails: still handed out in ascending order.
      assert.deepStrictEqual(many, many.toSorted())
    }))

  it.effect("orders by time", () =>
    Effect.gen(function*() {
      const first = yield* Ids.next
      yield* TestClock.adjust("1 millis")
      const second = yield* Ids.next
      assert.isTrue(first < second)
    }))

  it.effect("is repeatable with the deterministic generator", () =>
    Effect.gen(function*() {
      const run = Ids.nextMany(3).pipe(Effect.provide(Ids.layerDeterministic()))
      assert.deepStrictEqual(yield* run, yield* run)
      const [a, b] = yield* run
      assert.isTrue(a! < b!)
    }))
})
