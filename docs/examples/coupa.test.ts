// The samples of docs/connectors/coupa.md, type-checked and run against the testkit's simulated
// Coupa instance, and its configuration files checked by `procura config validate`.
import { assert, describe, it } from "@effect/vitest"
import { Cli } from "@procura/cli"
import { type CoupaClient, SamCoupa, SpoCoupa } from "@procura/connector-coupa"
import { Connector } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { CoupaSimulator } from "@procura/testkit"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assertGuideEmbedsSamples } from "./samples.js"

const guide = fileURLToPath(new URL("../connectors/coupa.md", import.meta.url))

const validate = async (yaml: string) => {
  const dir = mkdtempSync(join(tmpdir(), "procura-coupa-config-"))
  const file = join(dir, "procura.config.yaml")
  writeFileSync(file, yaml)
  const out: Array<string> = []
  const err: Array<string> = []
  const code = await Cli.main(["config", "validate", file], { out: (t) => void out.push(t), err: (t) => void err.push(t), tty: false })
  rmSync(dir, { recursive: true, force: true })
  return { code, text: err.join("") + out.join("") }
}

describe("docs/connectors/coupa.md", () => {
  it("its configuration files are valid for the installed connectors, and both at once are refused", async () => {
    const [spo, sam] = [...readFileSync(guide, "utf8").matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!)
    for (const yaml of [spo!, sam!]) {
      const checked = await validate(yaml)
      assert.strictEqual(checked.code, 0, checked.text)
    }
    const both = await validate(`${sam!}${spo!.replace(/^plugins:\n/, "")}`)
    assert.strictEqual(both.code, 1)
    assert.include(both.text, "procura connectors plan --from sam-coupa --to spo-coupa")
  })

  it("embeds its samples", () => {
    assertGuideEmbedsSamples(import.meta.url, "../connectors/coupa.md", ["enable", "flow"])
  })

  it("runs the samples: an order pushed to Coupa once, however often delivered", async () => {
    const sim = CoupaSimulator.make({ instanceUrl: "https://acme.coupahost.com", rateLimit: false })
    sim.listen()
    try {
      process.env["COUPA_CLIENT_SECRET"] = CoupaSimulator.defaultClient.clientSecret
      // --- sample: enable ---
      // The Coupa instance and the OAuth client (Setup > Integrations > OAuth2/OpenID Connect Clients).
      const client: CoupaClient.ClientOptions = {
        instanceUrl: "https://acme.coupahost.com",
        clientId: "procura",
        clientSecret: process.env["COUPA_CLIENT_SECRET"] ?? "",
        scopes: ["core.requisition.write", "core.requisition.read", "core.purchase_order.write", "core.purchase_order.read",
          "core.inventory.receiving.write", "core.inventory.receiving.read", "core.invoice.write", "core.invoice.read",
          "core.supplier.write", "core.supplier.read"]
      }
      const procura = createProcura({
        storage: MemoryStorage.layer(),
        principal: { userId: "ada", tenantId: "acme", roles: ["admin"] },
        plugins: [
          // Procura is the system of record: it pushes to Coupa (sam-coupa is the other way: never both).
          Connector.enable(SpoCoupa.connector({ client }), {
            // Supplier and order status changes made in Coupa are applied as this principal.
            principal: { userId: "coupa-sync", tenantId: "acme", roles: ["procurement_manager"] }
          })
        ]
      })
      // --- end sample ---

      // --- sample: flow ---
      const requester = { userId: "rae", tenantId: "acme", roles: ["requester"] }
      const acme = await procura.catalog.createVendor({ code: "ACME", name: "Acme" })
      const laptop = await procura.catalog.createCatalogItem({
        sku: "LAP-14",
        name: "Laptop 14",
        kind: "hardware",
        approvedVendors: [{ vendorId: acme.id, unitCost: { amount: 120_000, currency: "EUR" } }]
      })
      const request = await procura.as(requester).requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 2 }] })
      await procura.requisition.approveRequest({ requestId: request.id })
      const [draft] = await procura.purchasing.createFromRequest({ requestId: request.id })
      await procura.purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id })
      // A worker does this continuously (`procura worker`): spo-coupa pushes its events.
      while ((await procura.deliverEvents()).some((report) => report.delivered > 0));
      // Coupa now has: supplier Acme (number ACME); a draft requisition with one line; an
      // external purchase order (ExternalOrderHeader) numbered "P" + 17 characters of the
      // order's id, issued, its line's external-reference-number "<order id>:1".
      // And back: Coupa's supplier and order status changes since the last poll.
      const [polled] = await procura.pollConnectors()
      // polled.connector === "spo-coupa", polled.failed === undefined
      // --- end sample ---

      assert.strictEqual(sim.records("suppliers").length, 1)
      assert.strictEqual(sim.records("requisitions").length, 1)
      const [po] = sim.records("purchase_orders")
      assert.deepInclude(po, { status: "issued", type: "ExternalOrderHeader" })
      assert.match(String(po!["po-number"]), /^P[0-9A-Z]{17}$/)
      assert.deepInclude(polled, { connector: SpoCoupa.id })
      assert.isUndefined(polled!.failed)
      assert.strictEqual(SamCoupa.id, "sam-coupa")
      await procura.dispose()
    } finally {
      sim.close()
    }
  }, 60_000)
})
