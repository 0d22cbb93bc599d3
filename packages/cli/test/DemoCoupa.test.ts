// `procura demo --coupa`: the demo pushed to Coupa by spo-coupa (here the simulated instance,
// found through COUPA_* as a real one would be), and what arrived printed.
import { assert, describe, it } from "@effect/vitest"
import { Cli } from "@procura/cli"
import { CoupaSimulator } from "@procura/testkit"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

describe("procura demo --coupa", () => {
  it("pushes the demo's requisitions, orders, receipts and invoices, each once, and prints what arrived", async () => {
    const instanceUrl = "https://demo.coupahost.test"
    const sim = CoupaSimulator.make({ instanceUrl, rateLimit: { perSecond: 25, burst: 20 } })
    sim.listen()
    const saved = { ...process.env }
    Object.assign(process.env, {
      COUPA_INSTANCE_URL: instanceUrl,
      COUPA_CLIENT_ID: CoupaSimulator.defaultClient.clientId,
      COUPA_CLIENT_SECRET: CoupaSimulator.defaultClient.clientSecret,
      COUPA_SCOPES: CoupaSimulator.defaultClient.scopes.join(" ")
    })
    const dir = mkdtempSync(join(tmpdir(), "procura-demo-coupa-"))
    const out: Array<string> = []
    const err: Array<string> = []
    try {
      const code = await Cli.main(["demo", "--coupa", "--requests", "3", "--data-dir", join(dir, "db")], {
        out: (text) => void out.push(text),
        err: (text) => void err.push(text),
        tty: false
      })
      assert.strictEqual(code, 0, err.join(""))
      const text = out.join("")
      assert.include(text, `Pushed to Coupa (${instanceUrl})`)
      const keys = { requisitions: "external-po-reference", purchase_orders: "po-number", invoices: "invoice-number" } as const
      for (const [resource, key] of Object.entries(keys) as Array<[keyof typeof keys, string]>) {
        const records = sim.records(resource)
        assert.isAbove(records.length, 0, `${resource} received nothing`)
        assert.strictEqual(new Set(records.map((r) => `${r[key]}|${JSON.stringify(r["supplier"] ?? null)}`)).size, records.length, `${resource}: a record arrived twice`)
        assert.match(text, new RegExp(`${resource} ${records.length}\\b`), `the demo reports what arrived in ${resource}`)
      }
      const receipts = sim.records("receiving_transactions")
      const references = receipts.map((r) => (r["custom-fields"] as Record<string, string>)["procura-id"])
      assert.strictEqual(new Set(references).size, receipts.length, "a receipt line arrived twice")
      assert.strictEqual(sim.requests().filter((r) => r.status === 429).length, 0)
    } finally {
      process.env = saved
      sim.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
