import { assert, describe, it } from "@effect/vitest"
import { Demo, Host } from "@procura/cli"
import { AccessDenied } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const memory = () => ({ layer: MemoryStorage.layer(), description: "memory" })

const rejection = (promise: Promise<unknown>) => promise.then(() => undefined, (error: unknown) => error)

describe("Host", () => {
  it("opens the catalogue with the configuration's plugins and runs operations as its principal", async () => {
    const host = await Host.open({ principal: "pat@acme:procurement_manager", config: Demo.demoConfig, storage: memory() })
    try {
      assert.strictEqual(host.storageDescription, "memory")
      assert.deepStrictEqual(host.principal, { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] })
      assert.isTrue(host.catalogue.has("spm-oversight.createOrder"), "the enabled plugins' operations")
      assert.deepStrictEqual(host.describe("catalog.createVendor")?.kind, "command")
      assert.include(host.describe("catalog.createVendor")?.input["required"] as ReadonlyArray<string>, "name")
      assert.isUndefined(host.describe("catalog.nope"))
      await host.run("catalog.createVendor", { code: "DELL", name: "Dell" })
      const listed = await host.run("catalog.listVendors", {}) as { items: ReadonlyArray<{ code: string }> }
      assert.deepStrictEqual(listed.items.map((vendor) => vendor.code), ["DELL"])
    } finally {
      await host.dispose()
    }
  })

  it("rejects a run the principal may not make with the operation's typed error, and gives its problem", async () => {
    const host = await Host.open({ principal: { userId: "sam", tenantId: "acme", roles: ["storage_manager"] }, storage: memory() })
    try {
      const error = await rejection(host.run("catalog.createVendor", { code: "HP", name: "HP" }))
      assert.instanceOf(error, AccessDenied)
      assert.deepStrictEqual([host.toProblem(error).code, host.toProblem(error).status], ["AccessDenied", 403])
    } finally {
      await host.dispose()
    }
  })

  it("runs as another principal of its own configuration when a run says so, in that principal's tenant", async () => {
    const host = await Host.open({ principal: "pat@acme:procurement_manager", storage: memory() })
    try {
      const rae = Host.principal("rae@globex:requester")
      // The requester may not create vendors: refused as rae, not run as the host's pat.
      const refused = await rejection(host.run("catalog.createVendor", { code: "HP", name: "HP" }, { principal: rae }))
      assert.instanceOf(refused, AccessDenied)
      const problem = host.toProblem(refused, { principal: rae })
      assert.strictEqual(problem.code, "AccessDenied")
      assert.notInclude(JSON.stringify(problem), "acme", "the problem names the run's tenant only")
      // Each principal sees its own tenant.
      await host.run("catalog.createVendor", { code: "DELL", name: "Dell" })
      const ozzie = Host.principal("oz@globex:procurement_manager")
      const theirs = await host.run("catalog.listVendors", {}, { principal: ozzie }) as { items: ReadonlyArray<unknown> }
      assert.lengthOf(theirs.items, 0)
    } finally {
      await host.dispose()
    }
  })

  it("shares one host per storage between principals, and closes it when the last holder gives it back", async () => {
    const dir = mkdtempSync(join(tmpdir(), "procura-host-share-"))
    try {
      const dataDir = join(dir, "data")
      const [buyer, requester] = await Promise.all([
        Host.share({ principal: "pat@acme:procurement_manager", storage: { dataDir } }),
        Host.share({ principal: "rae@acme:requester", storage: { dataDir: join(dir, ".", "data") } })
      ])
      await buyer.run("catalog.createVendor", { code: "DELL", name: "Dell" })
      // One embedded database: the requester reads what the buyer wrote, and runs as itself.
      const seen = await requester.run("catalog.listVendors", {}) as { items: ReadonlyArray<{ code: string }> }
      assert.deepStrictEqual(seen.items.map((vendor) => vendor.code), ["DELL"])
      const refused = await rejection(requester.run("catalog.createVendor", { code: "HP", name: "HP" }))
      assert.strictEqual(requester.toProblem(refused).code, "AccessDenied")
      // An unknown role is refused for its holder only; the host stays open for the others.
      const typo = await rejection(Host.share({ principal: "oz@acme:procurment_manager", storage: { dataDir } }))
      assert.instanceOf(typo, Host.UnknownRoles)
      await buyer.release()
      assert.lengthOf(((await requester.run("catalog.listVendors", {})) as { items: ReadonlyArray<unknown> }).items, 1)
      await requester.release()
      // Closed with its last holder: the directory opens again.
      const again = await Host.share({ principal: "pat@acme:procurement_manager", storage: { dataDir } })
      assert.lengthOf(((await again.run("catalog.listVendors", {})) as { items: ReadonlyArray<unknown> }).items, 1)
      await again.release()
    } finally {
      await Host.closeShared()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it("refuses a malformed principal, an unknown role, a missing or invalid configuration with named errors", async () => {
    const malformed = await rejection(Host.open({ principal: "pat@acme", storage: memory() }))
    assert.instanceOf(malformed, Host.InvalidPrincipal)
    const notAPrincipal = await rejection(Host.open({ principal: { userId: "", tenantId: "acme", roles: [] }, storage: memory() }))
    assert.instanceOf(notAPrincipal, Host.InvalidPrincipal)

    const typo = await rejection(Host.open({ principal: "pat@acme:procurment_manager", storage: memory() }))
    assert.instanceOf(typo, Host.UnknownRoles)
    assert.deepStrictEqual((typo as Host.UnknownRoles).roles, ["procurment_manager"])
    assert.include((typo as Host.UnknownRoles).message, `did you mean "procurement_manager"?`)
    // A role an enabled plugin names is known.
    assert.deepStrictEqual(Host.principal("fin@acme:finance_controller", (await Host.load(Demo.demoConfig)).composition).roles, ["finance_controller"])

    const missing = await rejection(Host.load("no-such-file.yaml"))
    assert.instanceOf(missing, Host.MissingConfigFile)
    assert.strictEqual((missing as Host.MissingConfigFile).path, "no-such-file.yaml")

    const dir = mkdtempSync(join(tmpdir(), "procura-host-"))
    try {
      const bad = join(dir, "bad.json")
      writeFileSync(bad, JSON.stringify({ plugins: { nope: {} }, modulez: [] }))
      const invalid = await rejection(Host.open({ principal: "pat@acme:requester", config: bad, storage: memory() }))
      assert.instanceOf(invalid, Host.InvalidConfig)
      assert.strictEqual((invalid as Host.InvalidConfig).path, bad)
      assert.deepStrictEqual((invalid as Host.InvalidConfig).issues.map((issue) => issue.path.join(".")), ["modulez", "plugins.nope"])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("chooses PostgreSQL from the URL given or in the environment, else PGlite in the directory given", () => {
    assert.strictEqual(Host.storage({ databaseUrl: "postgres://localhost/x" }, {}).description, "PostgreSQL")
    assert.strictEqual(Host.storage({}, { PROCURA_DATABASE_URL: "postgres://localhost/x", PROCURA_ROW_LEVEL_SECURITY: "true" }).description, "PostgreSQL (row-level security on)")
    const dir = mkdtempSync(join(tmpdir(), "procura-host-"))
    try {
      const dataDir = join(dir, "data")
      assert.strictEqual(Host.storage({ dataDir }, { PROCURA_DATABASE_URL: "postgres://localhost/x" }).description, `embedded PGlite (${dataDir})`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
