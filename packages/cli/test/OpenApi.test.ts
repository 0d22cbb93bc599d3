// `procura openapi` prints the catalogue's OpenAPI document, with the plugins a configuration enables.
import { assert, describe, it } from "@effect/vitest"
import { Cli } from "@procura/cli"
import type { OpenApi } from "@procura/core"
import { fileURLToPath } from "node:url"

const capture = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), tty: false }, out, err }
}

const config = fileURLToPath(new URL("../../../docs/examples/spm-oversight.config.yaml", import.meta.url))

describe("procura openapi", () => {
  it("prints one POST per operation, the plugins' included, under the base path", async () => {
    const { io, out } = capture()
    assert.strictEqual(await Cli.main(["openapi", "--config", config, "--base-path", "/api"], io), 0)
    const document = JSON.parse(out.join("")) as OpenApi.Document
    assert.strictEqual(document.openapi, "3.1.0")
    assert.strictEqual(document.paths["/api/purchasing.submitPurchaseOrder"]!.post.operationId, "purchasing.submitPurchaseOrder")
    const plugin = Object.values(document.paths).find((item) => item.post.operationId.startsWith("spm-oversight."))
    assert.isDefined(plugin, "the enabled plugin's operations are there")
    assert.include(document.components.responses["Conflict"]!["x-procura-codes"]!, "OversightError/InvalidState")
  })

  it("refuses an unknown flag with its usage", async () => {
    const { io, err } = capture()
    assert.strictEqual(await Cli.main(["openapi", "--base"], io), 2)
    assert.include(err.join(""), "procura openapi [--config FILE] [--base-path PATH]")
  })
})
