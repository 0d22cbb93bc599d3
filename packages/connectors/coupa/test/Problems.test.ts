// Every Coupa connector error has a declared code and status, listed in the hosting guide.
import { Problem } from "@procura/core"
import * as CoupaPackage from "@procura/connector-coupa"
import { CoupaError, SyncError } from "@procura/connector-coupa"
import { ErrorFamilies } from "@procura/testkit"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { assert, describe, it } from "vitest"

const guide = fileURLToPath(new URL("../../../../docs/guides/hosting-over-http.md", import.meta.url))
const families = [CoupaError.family, SyncError.family]

describe("Coupa connector problems", () => {
  it("declares a status for every error class the connector exports", () => {
    assert.includeMembers(ErrorFamilies.errorClasses(CoupaPackage).map((error) => error.tag), ["CoupaError", "SyncError"])
    assert.deepStrictEqual(ErrorFamilies.undeclared(CoupaPackage, families), [])
  })

  it("a refused scope is the host's upstream failing (502, saying nothing of Coupa); a rate limit publishes Coupa's status, renamed", () => {
    const refused = new CoupaError.CoupaError({ reason: "Forbidden", retryable: false, operation: "Coupa.list", message: "Coupa.list: 403 scope", status: 403, detail: "missing core.invoice.read" })
    const problem = Problem.toProblem(refused, { families })
    assert.include(problem, { status: 502, code: "CoupaError/Forbidden" })
    assert.notInclude(JSON.stringify(problem), "core.invoice.read")
    const limited = new CoupaError.CoupaError({ reason: "RateLimited", retryable: true, operation: "Coupa.list", message: "Coupa.list: 429", status: 429, retryAfterMillis: 2_000 })
    assert.include(Problem.toProblem(limited, { families }), { status: 429, code: "CoupaError/RateLimited", upstreamStatus: 429, retryAfterMillis: 2_000 })
  })

  it("the hosting guide lists the connector's codes", () => {
    const expected = ErrorFamilies.codeTable(families)
    const text = readFileSync(guide, "utf8")
    if (process.env["UPDATE_DOCS"] === "1") {
      writeFileSync(guide, ErrorFamilies.withTable(text, "connector-coupa", expected))
      return
    }
    assert.strictEqual(ErrorFamilies.tableIn(text, "connector-coupa"), expected, "run UPDATE_DOCS=1 on this test to update the guide")
  })
})
