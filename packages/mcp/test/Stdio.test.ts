import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const bin = fileURLToPath(new URL("../src/bin.ts", import.meta.url))
// The packed-install check points PROCURA_MCP_BIN at the `procura-mcp` a package manager installed
// from the tarball; otherwise the server runs from source.
const installed = process.env["PROCURA_MCP_BIN"]
const server = (args: ReadonlyArray<string>) =>
  installed === undefined
    ? { command: process.execPath, args: ["--import", "tsx", "--conditions=@procura/source", bin, ...args], cwd: root }
    : { command: installed, args: [...args] }

describe("procura-mcp over stdio", () => {
  it("serves the catalogue to a client that starts it, as the principal of --as", async () => {
    const dir = mkdtempSync(join(tmpdir(), "procura-mcp-stdio-"))
    const stderr: Array<string> = []
    const transport = new StdioClientTransport({
      ...server(["--as", "pat@acme:procurement_manager", "--data-dir", join(dir, "data")]),
      env: getDefaultEnvironment(),
      stderr: "pipe"
    })
    transport.stderr?.on("data", (chunk: Buffer) => void stderr.push(chunk.toString()))
    const client = new Client({ name: "procura-mcp-test", version: "0.0.0" })
    try {
      // Generous timeouts: the child compiles the sources with tsx (unless installed) and starts PGlite.
      await client.connect(transport, { timeout: 120_000 })
      const { tools } = await client.listTools(undefined, { timeout: 120_000 })
      assert.includeMembers(tools.map((tool) => tool.name), ["catalog_createVendor", "purchasing_submitPurchaseOrder", "assets_assignAsset"])
      assert.include(client.getInstructions(), "runs as pat in tenant acme")
      const listed = (await client.callTool({ name: "catalog_listVendors", arguments: {} }, undefined, { timeout: 120_000 })) as CallToolResult
      assert.isUndefined(listed.isError, JSON.stringify(listed))
      assert.deepStrictEqual(listed.structuredContent, { items: [] })
      assert.include(stderr.join(""), "serving")
    } finally {
      await client.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 300_000)
})
