// The samples of docs/guides/servicenow-itam-spo.md, type-checked and run against the simulated
// instance (ITAM and SPO tables and rules).
import { assert, describe, it } from "@effect/vitest"
import { Cli } from "@procura/cli"
import { Auth, Itam, type ServiceNowClient, Spo } from "@procura/connector-servicenow"
import { Connector, Plugin } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { itamSpo } from "@procura/plugin-itam-spo"
import { MemoryStorage } from "@procura/storage-memory"
import { ServiceNowSimulator, ServiceNowTables } from "@procura/testkit"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { assertGuideEmbedsSamples } from "./samples.js"

const instanceUrl = "https://acme.service-now.com"

describe("docs/guides/servicenow-itam-spo.md", () => {
  it("its configuration file is valid for the installed plugins and connectors", async () => {
    const guide = readFileSync(fileURLToPath(new URL("../guides/servicenow-itam-spo.md", import.meta.url)), "utf8")
    const yaml = /```yaml\n([\s\S]*?)```/.exec(guide)![1]!
    const dir = mkdtempSync(join(tmpdir(), "procura-sn-config-"))
    const file = join(dir, "procura.config.yaml")
    writeFileSync(file, yaml)
    const out: Array<string> = []
    const err: Array<string> = []
    const code = await Cli.main(["config", "validate", file], { out: (t) => void out.push(t), err: (t) => void err.push(t), tty: false })
    rmSync(dir, { recursive: true, force: true })
    assert.strictEqual(code, 0, err.join("") + out.join(""))
  })

  it("embeds its samples", () => {
    assertGuideEmbedsSamples(import.meta.url, "../guides/servicenow-itam-spo.md", ["enable", "flow"])
  })

  it("runs the samples: seed 000's flow mirrored to ITAM and SPO", async () => {
    const sim = ServiceNowSimulator.make({ instanceUrl, auth: { basic: [{ username: "procura.integration", password: "s3cret" }] }, ...ServiceNowTables.itamSpo })
    sim.seed("sys_user", [{ user_name: "rae" }, { user_name: "sam" }])
    const [hq] = sim.seed("cmn_location", [{ name: "HQ" }])
    sim.seed("alm_stockroom", [{ name: "Dock A", location: hq!["sys_id"]! }])
    sim.listen()
    try {
      process.env["SERVICENOW_PASSWORD"] = "s3cret"
      // --- sample: enable ---
      // The instance both connectors write to (each builds its client from these options).
      const client: ServiceNowClient.ClientOptions = {
        instanceUrl: "https://acme.service-now.com",
        auth: Auth.basic("procura.integration", process.env["SERVICENOW_PASSWORD"] ?? ""),
        limits: { requestsPerWindow: 10, window: "1 second" }
      }
      const procura = createProcura({
        storage: MemoryStorage.layer(),
        principal: { userId: "ada", tenantId: "acme", roles: ["admin"] },
        plugins: [
          // Seed 000: approved-vendor sourcing here; "strict" refuses what the integrated flow disables.
          Plugin.enable(itamSpo, { supplierProducts: false, integrated: "strict" }),
          Connector.enable(Itam.connector({ client }), {
            // Asset changes made in ServiceNow are applied as this principal.
            principal: { userId: "itam-sync", tenantId: "acme", roles: ["asset_manager"] }
          }),
          Connector.enable(Spo.connector({ client }), {
            principal: { userId: "spo-sync", tenantId: "acme", roles: ["procurement_manager"] }
          })
        ]
      })
      // --- end sample ---

      // --- sample: flow ---
      const requester = { userId: "rae", tenantId: "acme", roles: ["requester"] }
      const storekeeper = { userId: "sam", tenantId: "acme", roles: ["storage_manager"] }
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
      const order = await procura.purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id })
      await procura.as(storekeeper).receiving.receivePurchaseOrder({
        purchaseOrderId: order.id,
        locationId: "HQ",
        storageSpace: "Dock A",
        lines: [{ lineNo: 1, serialNumbers: ["SN-1"] }]
      })
      // A worker does this continuously (`procura worker`): each connector pushes its events.
      // Run it until nothing is left: the SPO receipt follows the ITAM slip's event.
      while ((await procura.deliverEvents()).some((report) => report.delivered > 0));
      // ServiceNow now has: proc_po PO0001001 (ordered) with 1 line; proc_rec_slip RS0001001;
      // alm_hardware: SN-1 in stock (6) in Dock A, the other laptop on order (2);
      // sn_shop_purchase_requisition PR0001001 (closed_complete), sn_shop_purchase_order SPO0001001;
      // sn_shop_receipt: 1 received on the order line, pending submission.

      // Seed 000 disables cancelling ITAM purchase orders in the integrated flow:
      const refused = await procura.purchasing.cancelPurchaseOrder({ purchaseOrderId: order.id, reason: "not needed" }).catch((error) => error)
      // refused._tag === "OperationRefused", refused.rule === "itam-spo/itam-po-cancel"
      // --- end sample ---

      assert.strictEqual(sim.records("proc_po").length, 1)
      assert.deepInclude(sim.records("proc_po")[0], { number: "PO0001001", status: "ordered" })
      assert.deepStrictEqual(sim.records("alm_hardware").map((a) => a["install_status"]).toSorted(), ["2", "6"])
      assert.deepInclude(sim.records("sn_shop_purchase_requisition")[0], { number: "PR0001001", status: "closed_complete" })
      assert.deepInclude(sim.records("sn_shop_receipt")[0], { quantity_received: "1", status: "pending_submission" })
      assert.deepInclude(refused, { _tag: "OperationRefused", rule: "itam-spo/itam-po-cancel" })
      await procura.dispose()
    } finally {
      sim.close()
    }
  }, 60_000)
})
