import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { Host } from "@procura/cli"
import { Mcp } from "@procura/mcp"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"

const dir = mkdtempSync(join(tmpdir(), "procura-mcp-http-"))
let host: Host.Host
let served: Mcp.HttpHandle

beforeAll(async () => {
  host = await Host.open({ principal: "pat@acme:procurement_manager", storage: { dataDir: join(dir, "data") } })
  await host.ready()
  served = await Mcp.serveHttp(host, { port: 0 })
})

afterAll(async () => {
  await served?.close()
  await host?.dispose()
  rmSync(dir, { recursive: true, force: true })
})

/** A raw client's request headers and `initialize` message, as curl would send them. */
const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" }
const initialize = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "curl", version: "0" } }
})

const text = (result: CallToolResult) => result.content.map((part) => (part.type === "text" ? part.text : "")).join("")

describe("Mcp.serveHttp", () => {
  it("serves the catalogue over streamable HTTP on 127.0.0.1, on embedded PGlite", async () => {
    assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/)
    const client = new Client({ name: "procura-mcp-test", version: "0.0.0" })
    await client.connect(new StreamableHTTPClientTransport(new URL(served.url)))
    try {
      const { tools } = await client.listTools()
      assert.strictEqual(tools.length, host.catalogue.size)
      assert.isTrue(tools.find((tool) => tool.name === "catalog_listVendors")?.annotations?.readOnlyHint)

      const created = (await client.callTool({ name: "catalog_createVendor", arguments: { code: "ACME", name: "Acme" } })) as CallToolResult
      assert.isUndefined(created.isError, text(created))
      const listed = (await client.callTool({ name: "catalog_listVendors", arguments: {} })) as CallToolResult
      assert.deepStrictEqual((listed.structuredContent as { items: ReadonlyArray<{ code: string }> }).items.map((v) => v.code), ["ACME"])

      const invalid = (await client.callTool({ name: "catalog_createVendor", arguments: { code: "X" } })) as CallToolResult
      assert.isTrue(invalid.isError)
      assert.match(text(invalid), /^ValidationError: /)
      assert.include(text(invalid), '"name"')
    } finally {
      await client.close()
    }
  })

  it("with bearer tokens, serves their holders and refuses (401) everyone else", async () => {
    const tokens = ["0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"]
    const guarded = await Mcp.serveHttp(host, { port: 0, bearerTokens: tokens })
    try {
      for (const authorization of [undefined, "Bearer 0123456789abcdef0123456789abcdeX", `Basic ${tokens[0]}`, "Bearer "]) {
        const refused = await fetch(guarded.url, {
          method: "POST",
          headers: authorization === undefined ? headers : { ...headers, authorization },
          body: initialize
        })
        assert.strictEqual(refused.status, 401, String(authorization))
        assert.strictEqual(refused.headers.get("www-authenticate"), 'Bearer realm="procura-mcp"')
      }

      // The second token (one being rotated in) works as well as the first, through the SDK's client.
      const client = new Client({ name: "procura-mcp-test", version: "0.0.0" })
      await client.connect(
        new StreamableHTTPClientTransport(new URL(guarded.url), { requestInit: { headers: { authorization: `Bearer ${tokens[1]}` } } })
      )
      try {
        const listed = (await client.callTool({ name: "catalog_listVendors", arguments: {} })) as CallToolResult
        assert.isUndefined(listed.isError, text(listed))
      } finally {
        await client.close()
      }
    } finally {
      await guarded.close()
    }

    const weak = await Mcp.serveHttp(host, { port: 0, bearerTokens: [tokens[0]!, "hunter2"] }).then(
      () => assert.fail("a 7-character token was accepted"),
      (error: unknown) => error
    )
    assert.instanceOf(weak, Mcp.WeakBearerToken)
    assert.strictEqual((weak as Mcp.WeakBearerToken).index, 1)
    assert.notInclude((weak as Mcp.WeakBearerToken).message, "hunter2")
  })

  it("runs each session as its token's principal, and refuses a session's requests with another principal's token", async () => {
    const sam = "53a853a853a853a853a853a853a853a8"
    const pat = "9a79a79a79a79a79a79a79a79a79a79a"
    const team = await Mcp.serveHttp(host, { port: 0, bearerTokens: [{ token: sam, principal: "sam@acme:storage_manager" }, pat] })
    const connect = async (token: string) => {
      const transport = new StreamableHTTPClientTransport(new URL(team.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } })
      const client = new Client({ name: "procura-mcp-test", version: "0.0.0" })
      await client.connect(transport)
      return { client, transport }
    }
    const asSam = await connect(sam)
    const asPat = await connect(pat)
    try {
      assert.include(asSam.client.getInstructions(), "runs as sam in tenant acme")
      assert.include(asPat.client.getInstructions(), "runs as pat in tenant acme")
      const refused = (await asSam.client.callTool({ name: "catalog_createVendor", arguments: { code: "SAMCO", name: "Sam's" } })) as CallToolResult
      assert.isTrue(refused.isError)
      assert.match(text(refused), /^AccessDenied: sam \(roles: storage_manager\) lacks the permission catalog\.manage/)
      const created = (await asPat.client.callTool({ name: "catalog_createVendor", arguments: { code: "PATCO", name: "Pat's" } })) as CallToolResult
      assert.isUndefined(created.isError, text(created))

      // Pat's token on Sam's session: refused, whatever the request.
      const hijack = await fetch(team.url, {
        method: "POST",
        headers: { ...headers, authorization: `Bearer ${pat}`, "mcp-session-id": asSam.transport.sessionId!, "mcp-protocol-version": "2025-06-18" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 9, method: "tools/list", params: {} })
      })
      assert.strictEqual(hijack.status, 403)
    } finally {
      await asSam.client.close()
      await asPat.client.close()
      await team.close()
    }

    const typo = await Mcp.serveHttp(host, { port: 0, bearerTokens: [{ token: sam, principal: "sam@acme:storage_manger" }] }).then(
      () => assert.fail("a token of an unknown role was accepted"),
      (error: unknown) => error
    )
    assert.instanceOf(typo, Host.UnknownRoles)
  })

  it("refuses a request from another origin, and a session it does not know", async () => {
    const foreign = await fetch(served.url, { method: "POST", headers: { ...headers, origin: "http://evil.example" }, body: initialize })
    assert.strictEqual(foreign.status, 403)
    const unknownSession = await fetch(served.url, { method: "POST", headers: { ...headers, "mcp-session-id": "nope" }, body: initialize })
    assert.strictEqual(unknownSession.status, 404)
    const elsewhere = await fetch(new URL("/other", served.url), { method: "POST", headers, body: initialize })
    assert.strictEqual(elsewhere.status, 404)
  })
})
