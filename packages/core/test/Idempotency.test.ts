// Idempotency keys through the Promise facade: `{ idempotencyKey }` in a call's options.
import { Idempotency, Problem } from "@procura/core"
import { createProcura, ValidationError } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { assert, describe, it } from "vitest"

const admin = { userId: "ada", tenantId: "acme", roles: ["admin"] }

describe("idempotency keys (Promise facade)", () => {
  it("a create sent twice under one key makes one record and answers it twice; a bad key is refused", async () => {
    const procura = createProcura({ storage: MemoryStorage.layer(), principal: admin })
    try {
      const first = await procura.catalog.createVendor({ code: "ACME", name: "Acme" }, { idempotencyKey: "vendor-acme" })
      const again = await procura.catalog.createVendor({ code: "ACME", name: "Acme" }, { idempotencyKey: "vendor-acme" })
      assert.deepStrictEqual(again, first)
      assert.strictEqual((await procura.catalog.listVendors({})).items.length, 1)
      const reused = await procura.catalog.createVendor({ code: "BETA", name: "Beta" }, { idempotencyKey: "vendor-acme" }).catch((error: unknown) => error)
      assert.instanceOf(reused, Idempotency.IdempotencyKeyReused)
      assert.include(Problem.toProblem(reused), { status: 422, code: "IdempotencyKeyReused" })
      const empty = await procura.catalog.createVendor({ code: "GAMMA", name: "Gamma" }, { idempotencyKey: "" }).catch((error: unknown) => error)
      assert.instanceOf(empty, ValidationError)
      // Queries take no notice of a key.
      assert.strictEqual((await procura.catalog.listVendors({}, { idempotencyKey: "vendor-acme" })).items.length, 1)
    } finally {
      await procura.dispose()
    }
  })

  it("digests equal inputs alike, whatever their keys' order", () => {
    assert.strictEqual(Idempotency.digest({ a: 1, b: [1, { c: "x", d: null }] }), Idempotency.digest({ b: [1, { d: null, c: "x" }], a: 1 }))
    assert.notStrictEqual(Idempotency.digest({ a: 1 }), Idempotency.digest({ a: 2 }))
  })
})
