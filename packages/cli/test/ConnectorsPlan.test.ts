// `procura connectors plan --from sam-coupa --to spo-coupa [--apply]` against the simulated Coupa
// instance (found through COUPA_* as a real one would be), on embedded PGlite, and the refusal of
// a configuration enabling both Coupa connectors.
import { Cli } from "@procura/cli"
import { CoupaSimulator } from "@procura/testkit"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "vitest"

const instanceUrl = "https://cli.coupahost.test"
const sim = CoupaSimulator.make({ instanceUrl, rateLimit: false })
const dir = mkdtempSync(join(tmpdir(), "procura-coupa-plan-"))
const saved = { ...process.env }

beforeAll(() => {
  sim.listen()
  Object.assign(process.env, {
    COUPA_INSTANCE_URL: instanceUrl,
    COUPA_CLIENT_ID: CoupaSimulator.defaultClient.clientId,
    COUPA_CLIENT_SECRET: CoupaSimulator.defaultClient.clientSecret,
    COUPA_SCOPES: CoupaSimulator.defaultClient.scopes.join(" ")
  })
})
afterAll(() => {
  process.env = saved
  sim.close()
  rmSync(dir, { recursive: true, force: true })
})

const run = async (...argv: Array<string>) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const code = await Cli.main(argv, { out: (text) => void out.push(text), err: (text) => void err.push(text), tty: false })
  return { code, out: out.join(""), err: err.join("") }
}

const sync = { userId: "coupa-sync", tenantId: "acme", roles: ["procurement_manager", "storage_manager", "asset_manager"] }
const samCoupa = { principal: sync, receiveInto: { locationId: "HQ", storageSpace: "Dock 1" } }

describe("procura connectors plan", () => {
  it("plans the move from sam-coupa to spo-coupa, applies it once, and a second apply changes nothing", async () => {
    const db = ["--data-dir", join(dir, "db")]
    const config = join(dir, "sam.json")
    writeFileSync(config, JSON.stringify({ plugins: { "sam-coupa": samCoupa } }))
    const as = ["--as", "ada@acme:admin"]
    const item = await run("op", "catalog.createCatalogItem", ...as, ...db, "--input", JSON.stringify({ sku: "LAP-14", name: "Laptop 14", kind: "hardware" }))
    assert.strictEqual(item.code, 0, item.err)
    const supplier = sim.seed("suppliers", { name: "Acme Corp", number: "ACME" })
    const order = sim.seed("purchase_orders", {
      "po-number": "PO-1",
      type: "ExternalOrderHeader",
      supplier: { id: supplier["id"]! },
      currency: { code: "EUR" },
      "order-lines": [{ "line-num": 1, description: "Laptop 14", quantity: "2", price: "1200.00", "source-part-num": "LAP-14" }]
    })

    const planned = await run("connectors", "plan", "--from", "sam-coupa", "--to", "spo-coupa", ...as, "--config", config, ...db)
    assert.strictEqual(planned.code, 0, planned.err)
    assert.include(planned.out, "Migration sam-coupa -> spo-coupa")
    assert.include(planned.out, "2. [ ] ServiceNow: Restrict new itam_procurement_integration_job scheduled jobs")
    assert.include(planned.out, "Waiting in Coupa for sam-coupa: orders PO-1")

    const applied = await run("connectors", "plan", "--from", "sam-coupa", "--to", "spo-coupa", "--apply", ...as, "--config", config, ...db)
    assert.strictEqual(applied.code, 0, applied.err)
    assert.include(applied.out, "sam-coupa: last pull applied 1 change(s)")
    assert.include(applied.out, "sam-coupa: retired at")
    assert.include(applied.out, "Procura's side is done")
    assert.strictEqual(sim.record("purchase_orders", order["id"] as number)!["exported"], true)

    const again = await run("connectors", "plan", "--from", "sam-coupa", "--to", "spo-coupa", "--apply", ...as, "--config", config, ...db)
    assert.strictEqual(again.code, 0, again.err)
    assert.include(again.out, "Nothing to do")

    const backwards = await run("connectors", "plan", "--from", "spo-coupa", "--to", "sam-coupa", ...as, "--config", config, ...db)
    assert.strictEqual(backwards.code, 1)
    assert.include(backwards.err, "supported: --from sam-coupa --to spo-coupa")
  }, 120_000)

  it("a configuration enabling both Coupa connectors is refused, naming both and the migration command", async () => {
    const both = join(dir, "both.json")
    writeFileSync(both, JSON.stringify({ plugins: { "sam-coupa": samCoupa, "spo-coupa": { principal: sync } } }))
    const checked = await run("config", "validate", both)
    assert.strictEqual(checked.code, 1)
    assert.include(checked.err, "claims the responsibility \"coupa.purchase-orders\" that connector sam-coupa also claims")
    assert.include(checked.err, "procura connectors plan --from sam-coupa --to spo-coupa")
  })
})
