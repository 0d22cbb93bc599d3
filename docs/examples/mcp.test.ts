// The sample of docs/mcp.md, type-checked and run, and the guide's promises about the tools.
import { assert, describe, it } from "@effect/vitest"
import { Host } from "@procura/cli"
import { Mcp } from "@procura/mcp"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assertGuideEmbedsSamples } from "./samples.js"

// --- sample: library ---
/** Procura's tools as pat, on PGlite in `dataDir`, with the plugins `config` enables. */
const procuraServer = async (dataDir: string, config: string) => {
  const host = await Host.open({ principal: "pat@acme:procurement_manager", storage: { dataDir }, config })
  const server = Mcp.server(host) // the SDK's Server: connect it to any transport
  return { host, server }
}
// --- end sample ---

const guide = readFileSync(fileURLToPath(new URL("../mcp.md", import.meta.url)), "utf8")
const config = fileURLToPath(new URL("./procura.config.yaml", import.meta.url))

describe("docs/mcp.md", () => {
  it("embeds the sample, which opens a host with the configuration's plugins and makes its server", async () => {
    assertGuideEmbedsSamples(import.meta.url, "../mcp.md", ["library"])
    const dir = mkdtempSync(join(tmpdir(), "procura-docs-mcp-"))
    const { host, server } = await procuraServer(join(dir, "data"), config)
    try {
      assert.isFunction(server.connect)
      assert.strictEqual(Mcp.tools(host).length, host.catalogue.size)
    } finally {
      await host.dispose()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("shows the tools as the server lists them", async () => {
    const core = await Host.load()
    const tools = Mcp.tools({ catalogue: core.catalogue, describe: (id) => Host.describe(core.catalogue.get(id)!) })
    const createVendor = tools.find((tool) => tool.name === "catalog_createVendor")!
    assert.include(guide, `"description": ${JSON.stringify(createVendor.description)}`)
    assert.include(guide, `"annotations": ${JSON.stringify(createVendor.annotations).replaceAll(",", ", ").replaceAll(":", ": ").replace("{", "{ ").replace(/}$/, " }")}`)
    // The operations the guide names as having no output schema are those returning a list.
    const withoutOutput = tools.filter((tool) => tool.outputSchema === undefined).map((tool) => tool.title)
    assert.deepStrictEqual(withoutOutput.toSorted(), [
      "assets.assignAssets", "assets.changeStatus", "assets.returnToStorage", "assets.tagAssets", "assets.transferAssets", "purchasing.createFromRequest"
    ])
  })
})
