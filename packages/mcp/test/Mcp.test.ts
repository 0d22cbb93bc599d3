import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import { type CallToolResult, ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js"
import { Demo, Host } from "@procura/cli"
import { Operation, Storage } from "@procura/core"
import { Mcp } from "@procura/mcp"
import { MemoryStorage } from "@procura/storage-memory"
import { Effect } from "effect"
import { afterAll, beforeAll } from "vitest"

// One in-memory store shared by two hosts of the same tenant: a procurement manager, and a
// storage manager who may not create vendors.
const driver = MemoryStorage.makeDriver()
const storage = { layer: Storage.layerFromDriver(Effect.succeed(driver)), description: "memory" }

const connect = async (host: Host.Host) => {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  const client = new Client({ name: "procura-mcp-test", version: "0.0.0" })
  await Promise.all([Mcp.server(host).connect(serverSide), client.connect(clientSide)])
  return client
}

const text = (result: CallToolResult) => result.content.map((part) => (part.type === "text" ? part.text : "")).join("")

let loaded: Host.Loaded
let manager: Host.Host
let storageManager: Host.Host
let asManager: Client
let asStorageManager: Client

beforeAll(async () => {
  loaded = await Host.load(Demo.demoConfig)
  manager = await Host.open({ principal: "pat@acme:procurement_manager", loaded, storage })
  storageManager = await Host.open({ principal: "sam@acme:storage_manager", loaded, storage })
  asManager = await connect(manager)
  asStorageManager = await connect(storageManager)
})

afterAll(async () => {
  await asManager?.close()
  await asStorageManager?.close()
  await manager?.dispose()
  await storageManager?.dispose()
})

const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult

const vendorCodes = async () => {
  const listed = await call(asManager, "catalog_listVendors", {})
  assert.isUndefined(listed.isError, text(listed))
  return (listed.structuredContent as { items: ReadonlyArray<{ code: string }> }).items.map((vendor) => vendor.code)
}

describe("Mcp.server", () => {
  it("lists one tool per operation of the catalogue, the plugins' included, with the catalogue's schemas", async () => {
    const { tools } = await asManager.listTools()
    assert.strictEqual(tools.length, loaded.catalogue.size)
    assert.isAbove(tools.filter((tool) => tool.name.startsWith("spm-oversight_")).length, 0, "the enabled plugin's operations are tools")
    const byName = new Map(tools.map((tool) => [tool.name, tool]))
    for (const operation of loaded.catalogue.values()) {
      const tool = byName.get(Mcp.toolName(operation.id))
      assert.isDefined(tool, operation.id)
      assert.deepStrictEqual(tool!.inputSchema, Operation.inputJsonSchema(operation) as never, operation.id)
      assert.notProperty(tool!.inputSchema.properties ?? {}, "principal", operation.id)
      const output = Operation.outputJsonSchema(operation)
      if (output["type"] === "object") assert.deepStrictEqual(tool!.outputSchema, output as never, operation.id)
      else assert.isUndefined(tool!.outputSchema, operation.id)
      assert.include(tool!.description, operation.summary)
      assert.include(tool!.description, `Permission: ${operation.permission}.`)
      if (operation.kind === "query") {
        assert.deepStrictEqual(tool!.annotations, { readOnlyHint: true, openWorldHint: false }, operation.id)
      } else {
        assert.deepStrictEqual(tool!.annotations, { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false }, operation.id)
      }
    }
    assert.strictEqual(byName.get("purchasing_submitPurchaseOrder")?.title, "purchasing.submitPurchaseOrder")
  })

  it("runs a command as the host's principal and reads its effect back with a query", async () => {
    const created = await call(asManager, "catalog_createVendor", { code: "DELL", name: "Dell" })
    assert.isUndefined(created.isError, text(created))
    const vendor = created.structuredContent as { id: string; code: string }
    assert.strictEqual(vendor.code, "DELL")
    assert.deepStrictEqual(JSON.parse(text(created)), vendor, "the text is the same JSON")

    const got = await call(asManager, "catalog_getVendor", { id: vendor.id })
    assert.strictEqual((got.structuredContent as { name: string }).name, "Dell")
    assert.include(await vendorCodes(), "DELL")

    // The audit trail: the command's events name the principal the server runs as.
    const events = await Effect.runPromise(driver.readEvents({ after: 0, limit: 1_000 }))
    const appended = events.filter((event) => event.aggregateId === vendor.id)
    assert.isAbove(appended.length, 0)
    for (const event of appended) assert.deepStrictEqual([event.actorId, event.tenantId], ["pat", "acme"])
  })

  it("answers a call the principal may not make with isError and AccessDenied, writing nothing, whatever principal the arguments name", async () => {
    const refused = await call(asStorageManager, "catalog_createVendor", {
      code: "HP",
      name: "HP",
      principal: { userId: "pat", tenantId: "acme", roles: ["admin"] }
    })
    assert.isTrue(refused.isError)
    assert.match(text(refused), /^AccessDenied: /)
    assert.include(text(refused), loaded.catalogue.get("catalog.createVendor")!.permission)
    assert.notInclude(await vendorCodes(), "HP")
  })

  it("answers an invalid input with isError and a ValidationError naming each field, writing nothing", async () => {
    const invalid = await call(asManager, "catalog_createVendor", { code: "" })
    assert.isTrue(invalid.isError)
    assert.match(text(invalid), /^ValidationError: /)
    const problem = JSON.parse(text(invalid).slice(text(invalid).indexOf("\n") + 1)) as { code: string; issues: ReadonlyArray<{ path: ReadonlyArray<string> }> }
    assert.strictEqual(problem.code, "ValidationError")
    assert.includeDeepMembers(problem.issues.map((issue) => issue.path), [["code"], ["name"]])
    assert.notInclude(await vendorCodes(), "")
  })

  it("answers a refused command with the operation's own error code", async () => {
    const duplicate = await call(asManager, "catalog_createVendor", { code: "DELL", name: "Dell again" })
    assert.isTrue(duplicate.isError)
    assert.match(text(duplicate), /^CatalogError\/DuplicateCode: /)
  })

  it("refuses an unknown tool with a protocol error", async () => {
    const error = await asManager.callTool({ name: "catalog_createVendr", arguments: {} }).then(() => undefined, (e: unknown) => e)
    assert.instanceOf(error, McpError)
    assert.strictEqual((error as McpError).code, ErrorCode.InvalidParams)
  })
})

describe("Mcp.toolTable", () => {
  it("maps each operation id to one tool name and back, refusing two ids with one name", () => {
    const table = Mcp.toolTable(loaded.catalogue)
    assert.strictEqual(table.size, loaded.catalogue.size)
    for (const [name, operation] of table) assert.strictEqual(Mcp.toolName(operation.id), name)
    const vendor = loaded.catalogue.get("catalog.createVendor")!
    const clash = new Map([["catalog.createVendor", vendor], ["catalog_createVendor", { ...vendor, id: "catalog_createVendor" }]])
    const error = (() => {
      try {
        return Mcp.toolTable(clash)
      } catch (e) {
        return e
      }
    })()
    assert.instanceOf(error, Mcp.ToolCatalogueError)
    assert.deepStrictEqual([error.reason, error.operationIds], ["NameConflict", ["catalog.createVendor", "catalog_createVendor"]])
    assert.include(error.message, "would both be the MCP tool catalog_createVendor")
  })
})
