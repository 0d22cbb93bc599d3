// Every connector error has a declared code and status; a failed call is the host's upstream failing.
import { assert, describe, it } from "@effect/vitest"
import { Problem } from "@procura/core"
import * as ServiceNowPackage from "@procura/connector-servicenow"
import { ConnectorError, MirrorError } from "@procura/connector-servicenow"
import { ErrorFamilies } from "@procura/testkit"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

const guide = fileURLToPath(new URL("../../../../docs/guides/hosting-over-http.md", import.meta.url))
const families = [ConnectorError.family, MirrorError.family]

describe("ServiceNow connector problems", () => {
  it("declares a status for every error class the connector exports", () => {
    assert.includeMembers(ErrorFamilies.errorClasses(ServiceNowPackage).map((error) => error.tag), ["ConnectorError", "MirrorError"])
    assert.deepStrictEqual(ErrorFamilies.undeclared(ServiceNowPackage, families), [])
  })

  it("publishes a rate limit's wait and the instance's own status, renamed", () => {
    const limited = new ConnectorError.ConnectorError({
      reason: "RateLimited",
      retryable: true,
      operation: "Table.list",
      message: "Table.list: rate limited",
      status: 429,
      detail: "Too many requests",
      retryAfterMillis: 30_000,
      cause: new Error("Authorization: Bearer abc")
    })
    assert.deepStrictEqual(Problem.toProblem(limited, { families }), {
      type: "https://procura.dev/problems/connector-error/rate-limited",
      title: "ServiceNow call failed: rate limited",
      status: 429,
      detail: "Table.list: rate limited",
      code: "ConnectorError/RateLimited",
      retryable: true,
      operation: "Table.list",
      upstreamStatus: 429,
      upstreamDetail: "Too many requests",
      retryAfterMillis: 30_000
    })
  })

  it("refused credentials are a 502 that says nothing of the instance", () => {
    const refused = new ConnectorError.ConnectorError({
      reason: "Unauthorized",
      retryable: false,
      operation: "Auth.token",
      message: "Auth.token: the instance refused the credentials of user sync",
      status: 401
    })
    const problem = Problem.toProblem(refused, { families })
    assert.include(problem, { status: 502, code: "ConnectorError/Unauthorized", retryable: false })
    assert.notInclude(JSON.stringify(problem), "sync")
  })

  it("the hosting guide lists the connector's codes", () => {
    const expected = ErrorFamilies.codeTable(families)
    const text = readFileSync(guide, "utf8")
    if (process.env["UPDATE_DOCS"] === "1") {
      writeFileSync(guide, ErrorFamilies.withTable(text, "connector-servicenow", expected))
      return
    }
    assert.strictEqual(ErrorFamilies.tableIn(text, "connector-servicenow"), expected, "run UPDATE_DOCS=1 on this test to update the guide")
  })
})
