// Every error the plugin exports has a declared code and status; hosts get them from toProblem.
import { assert, describe, it } from "@effect/vitest"
import { Plugin, Problem } from "@procura/core"
import * as SpmOversightPackage from "@procura/plugin-spm-oversight"
import { OversightError, OversightEvents, spmOversight } from "@procura/plugin-spm-oversight"
import { createProcura } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { ErrorFamilies } from "@procura/testkit"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { example } from "./fixtures.js"

const guide = fileURLToPath(new URL("../../../../docs/guides/hosting-over-http.md", import.meta.url))

describe("spm-oversight problems", () => {
  it("declares a status for every error class the plugin exports", () => {
    const tags = ErrorFamilies.errorClasses(SpmOversightPackage).map((error) => error.tag)
    assert.includeMembers(tags, ["OversightError", "OversightEventError"])
    assert.deepStrictEqual(ErrorFamilies.undeclared(SpmOversightPackage, spmOversight.errors ?? []), [])
  })

  it("maps oversight errors through the enabled plugin's families", async () => {
    const procura = createProcura({ storage: MemoryStorage.layer(), plugins: [Plugin.enable(spmOversight, example())] })
    try {
      const refused = new OversightError.OversightError({ reason: "InvalidState", id: "ord-1", message: "Line 1 of ord-1 is already approved" })
      assert.include(procura.toProblem(refused), {
        status: 409,
        code: "OversightError/InvalidState",
        detail: "Line 1 of ord-1 is already approved",
        id: "ord-1",
        retryable: false
      })
      // Without the plugin's families, an oversight error is an undeclared 500.
      assert.strictEqual(Problem.status(refused), 500)
      const malformed = new OversightEvents.OversightEventError({ eventId: "e-1", type: "oversight.order_created", message: "bad payload" })
      assert.deepStrictEqual(
        [procura.toProblem(malformed).status, procura.toProblem(malformed).code, procura.toProblem(malformed).detail.includes("bad payload")],
        [500, "OversightEventError", false]
      )
    } finally {
      await procura.dispose()
    }
  })

  it("the hosting guide lists the plugin's codes", () => {
    const expected = ErrorFamilies.codeTable(spmOversight.errors ?? [])
    const text = readFileSync(guide, "utf8")
    if (process.env["UPDATE_DOCS"] === "1") {
      writeFileSync(guide, ErrorFamilies.withTable(text, "spm-oversight", expected))
      return
    }
    assert.strictEqual(ErrorFamilies.tableIn(text, "spm-oversight"), expected, "run UPDATE_DOCS=1 on this test to update the guide")
  })
})
