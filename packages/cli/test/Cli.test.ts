import { assert, describe, it } from "@effect/vitest"
import { Cli, Demo } from "@procura/cli"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { freshDatabase, postgresEnabled } from "../../storage/sql/test/utils.js"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse as parseYaml } from "yaml"
import { tmpdir } from "node:os"
import { join } from "node:path"

const capture = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), tty: false }, out, err }
}

describe("procura CLI", () => {
  it("lists every operation of the catalogue", async () => {
    const { io, out } = capture()
    assert.strictEqual(await Cli.main(["ops", "--json"], io), 0)
    const ops = JSON.parse(out.join("")) as ReadonlyArray<{ id: string; permission: string }>
    const ids = ops.map((op) => op.id)
    for (const id of ["catalog.createVendor", "requisition.approveRequest", "purchasing.submitPurchaseOrder", "receiving.receivePurchaseOrder", "assets.assignAsset"]) {
      assert.include(ids, id)
    }
  })

  it("prints an operation's input and output as JSON Schema", async () => {
    const { io, out } = capture()
    assert.strictEqual(await Cli.main(["op", "receiving.receivePurchaseOrder", "--schema"], io), 0)
    const schema = JSON.parse(out.join(""))
    assert.strictEqual(schema.permission, "receiving.receive")
    assert.includeMembers(schema.input.required, ["purchaseOrderId", "locationId", "storageSpace", "lines"])
  })

  it("runs operations on embedded storage and reports typed errors", async () => {
    const dir = mkdtempSync(join(tmpdir(), "procura-cli-"))
    try {
      const dataDir = join(dir, "data")
      const as = ["--as", "pat@acme:procurement_manager", "--data-dir", dataDir]
      const created = capture()
      assert.strictEqual(await Cli.main(["op", "catalog.createVendor", ...as, "--input", '{"code":"DELL","name":"Dell"}'], created.io), 0, created.err.join(""))
      assert.strictEqual(JSON.parse(created.out.join("")).code, "DELL")

      const duplicate = capture()
      assert.strictEqual(await Cli.main(["op", "catalog.createVendor", ...as, "--input", '{"code":"DELL","name":"Dell"}'], duplicate.io), 1)
      assert.include(duplicate.err.join(""), "CatalogError (DuplicateCode)")

      const invalid = capture()
      assert.strictEqual(await Cli.main(["op", "catalog.createVendor", ...as, "--input", '{"code":""}'], invalid.io), 1)
      assert.include(invalid.err.join(""), "ValidationError")
      assert.include(invalid.err.join(""), "name")

      const denied = capture()
      assert.strictEqual(await Cli.main(["op", "catalog.createVendor", "--as", "sam@acme:storage_manager", "--data-dir", dataDir, "--input", '{"code":"HP","name":"HP"}'], denied.io), 1)
      assert.include(denied.err.join(""), "AccessDenied")

      const noPrincipal = capture()
      assert.strictEqual(await Cli.main(["op", "catalog.listVendors", "--data-dir", dataDir], noPrincipal.io), 2)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it("imports a catalog file with procura catalog import, all rows or none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "procura-cli-"))
    try {
      const dataDir = join(dir, "data")
      const as = ["--as", "pat@acme:procurement_manager", "--data-dir", dataDir]
      const vendor = capture()
      assert.strictEqual(await Cli.main(["op", "catalog.createVendor", ...as, "--input", '{"code":"ACME","name":"Acme"}'], vendor.io), 0, vendor.err.join(""))
      const csv = join(dir, "items.csv")
      writeFileSync(csv, 'sku,name,kind,vendors\r\nLAP-1,"Laptop, 14 inch",hardware,ACME:1200.00 EUR\r\n')

      const dryRun = capture()
      assert.strictEqual(await Cli.main(["catalog", "import", csv, "--dry-run", ...as], dryRun.io), 0, dryRun.err.join(""))
      const checked = JSON.parse(dryRun.out.join(""))
      assert.deepStrictEqual([checked.imported, checked.rows[0].row, checked.rows[0].status], [false, 2, "created"])

      const bad = join(dir, "bad.json")
      writeFileSync(bad, JSON.stringify([{ sku: "X-1", name: "Thing", kind: "gadget" }]))
      const rejected = capture()
      assert.strictEqual(await Cli.main(["catalog", "import", bad, ...as], rejected.io), 1)
      assert.include(rejected.err.join(""), "CatalogError (ImportRejected)")
      assert.include(rejected.err.join(""), "row 1 (SKU X-1), kind")

      const imported = capture()
      assert.strictEqual(await Cli.main(["catalog", "import", csv, ...as], imported.io), 0, imported.err.join(""))
      assert.deepStrictEqual(JSON.parse(imported.out.join("")).counts, { rows: 1, created: 1, updated: 0, unchanged: 0, errors: 0 })
      const listed = capture()
      assert.strictEqual(await Cli.main(["op", "catalog.listCatalogItems", ...as], listed.io), 0)
      assert.deepStrictEqual(JSON.parse(listed.out.join("")).items.map((i: { name: string }) => i.name), ["Laptop, 14 inch"])

      const usage = capture()
      assert.strictEqual(await Cli.main(["catalog", "import", ...as], usage.io), 2)
      assert.include(usage.err.join(""), "procura catalog: name the file to import")
      assert.include(usage.err.join(""), "procura catalog import <file> --as USER@TENANT:ROLE[,ROLE]")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it("validates configuration files and prints plugin schemas", async () => {
    const config = fileURLToPath(new URL("../../../docs/examples/procura.config.yaml", import.meta.url))
    const valid = capture()
    assert.strictEqual(await Cli.main(["config", "validate", config], valid.io), 0, valid.err.join(""))
    assert.include(valid.out.join(""), "approvals@0.1.0")
    assert.deepStrictEqual(parseYaml(readFileSync(config, "utf8")), Demo.demoConfig, "the docs example is the demo's configuration")

    const dir = mkdtempSync(join(tmpdir(), "procura-config-"))
    try {
      const bad = join(dir, "bad.json")
      writeFileSync(bad, JSON.stringify({ plugins: { approvals: { policy: { rows: [{ when: { amount: { gt: "lots" } }, then: { approver: { kind: "manager" } } }] } }, nope: {} } }))
      const unknown = capture()
      assert.strictEqual(await Cli.main(["config", "validate", bad], unknown.io), 1)
      assert.include(unknown.err.join(""), "plugins.nope")
      writeFileSync(bad, JSON.stringify({ plugins: { approvals: { policy: { rows: [{ when: { amount: { gt: "lots" } }, then: { approver: { kind: "manager" } } }] } } } }))
      const invalid = capture()
      assert.strictEqual(await Cli.main(["config", "validate", bad], invalid.io), 1)
      assert.include(invalid.err.join(""), "plugins.approvals.policy.rows.0.when.amount.gt")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }

    const schema = capture()
    assert.strictEqual(await Cli.main(["config", "schema", "itam-spo"], schema.io), 0)
    assert.include(Object.keys(JSON.parse(schema.out.join("")).properties), "supplierProducts")
    const missing = capture()
    assert.strictEqual(await Cli.main(["config", "schema", "nope"], missing.io), 2)
    assert.include(missing.err.join(""), "installed: approvals, itam-spo")
  })

  it("runs the demo twice on the same database, each run in its own tenant", async () => {
    const dir = mkdtempSync(join(tmpdir(), "procura-demo-"))
    try {
      const first = capture()
      assert.strictEqual(await Cli.main(["demo", "--data-dir", join(dir, "demo"), "--requests", "4"], first.io), 0, first.err.join(""))
      const report = first.out.join("")
      assert.include(report, "purchase requests approved along \"demo approval policy\"")
      assert.include(report, "approval steps decided")
      assert.include(report, "Assets by status")
      assert.include(report, "in_use")
      const second = capture()
      assert.strictEqual(await Cli.main(["demo", "--data-dir", join(dir, "demo"), "--requests", "4"], second.io), 0, second.err.join(""))
      assert.include(second.out.join(""), "1 earlier demo run")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)

  it.effect.skipIf(!postgresEnabled)("turns row-level security on for Procura's tables with PROCURA_ROW_LEVEL_SECURITY=true", () =>
    Effect.scoped(Effect.gen(function*() {
      const url = yield* freshDatabase
      const migrate = capture()
      process.env["PROCURA_ROW_LEVEL_SECURITY"] = "true"
      const code = yield* Effect.promise(() => Cli.main(["migrate", "--database-url", url], migrate.io)).pipe(
        Effect.ensuring(Effect.sync(() => delete process.env["PROCURA_ROW_LEVEL_SECURITY"]))
      )
      assert.strictEqual(code, 0, migrate.err.join(""))
      assert.include(migrate.out.join(""), "row-level security on")
      const forced = yield* Effect.flatMap(SqlClient.SqlClient, (sql) =>
        sql.unsafe<{ readonly forced: boolean }>(
          `SELECT relforcerowsecurity AS forced FROM pg_class WHERE relname = $1`,
          [SqlStorage.tableName("assets")]
        )).pipe(Effect.provide(SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 1 })))
      assert.deepStrictEqual(forced.map((r) => r.forced), [true])
    })), 120_000)
})
