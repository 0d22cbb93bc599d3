// `procura demo --servicenow`: the demo mirrored to ServiceNow ITAM, SPO and SPM (here the
// simulated instance, found through SERVICENOW_* as a real one would be), what arrived printed,
// and a project task closed in SPM brought back.
import { assert, describe, it } from "@effect/vitest"
import { Cli } from "@procura/cli"
import { ServiceNowSimulator, ServiceNowTables } from "@procura/testkit"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

describe("procura demo --servicenow", () => {
  it("mirrors the demo's orders, receipts and assets, each once, and prints what arrived", async () => {
    const instanceUrl = "https://demo.service-now.test"
    const sim = ServiceNowSimulator.make({
      instanceUrl,
      auth: { basic: [{ username: "demo", password: "pw" }] },
      tables: { ...ServiceNowTables.itamSpo.tables, ...ServiceNowTables.spm.tables },
      rules: [...ServiceNowTables.itamSpo.rules, ...ServiceNowTables.spm.rules]
    })
    sim.listen()
    const saved = { ...process.env }
    Object.assign(process.env, { SERVICENOW_INSTANCE_URL: instanceUrl, SERVICENOW_AUTH: "basic", SERVICENOW_USERNAME: "demo", SERVICENOW_PASSWORD: "pw" })
    const dir = mkdtempSync(join(tmpdir(), "procura-demo-sn-"))
    const out: Array<string> = []
    const err: Array<string> = []
    try {
      const code = await Cli.main(["demo", "--servicenow", "--requests", "3", "--data-dir", join(dir, "db")], {
        out: (text) => void out.push(text),
        err: (text) => void err.push(text),
        tty: false
      })
      assert.strictEqual(code, 0, err.join(""))
      const text = out.join("")
      assert.include(text, `Mirrored to ServiceNow (${instanceUrl})`)
      for (const table of ["proc_po", "proc_po_item", "proc_rec_slip", "alm_hardware", "sn_shop_purchase_requisition", "sn_shop_purchase_order", "sn_shop_receipt"]) {
        const records = sim.records(table)
        assert.isAbove(records.length, 0, `${table} received nothing`)
        assert.strictEqual(new Set(records.map((r) => r["correlation_id"])).size, records.length, `${table}: a record arrived twice`)
        assert.match(text, new RegExp(`${table} ${records.length}\\b`), `the demo reports what arrived in ${table}`)
      }
      // The oversight tree in SPM (the demo's, and one more store's for the round trip), each record once.
      for (const table of ["pm_program", "pm_project", "pm_project_task"]) {
        const records = sim.records(table)
        assert.isAbove(records.length, 0, `${table} received nothing`)
        assert.strictEqual(new Set(records.map((r) => r["external_id"])).size, records.length, `${table}: a record arrived twice`)
      }
      assert.match(text, /SPM -> Procura: .* closed there by a project manager; in Procura \w+ -> closed_complete/)
    } finally {
      process.env = saved
      sim.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
