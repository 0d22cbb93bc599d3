import { assert, describe, it } from "@effect/vitest"
import { Storage } from "@procura/core"
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
