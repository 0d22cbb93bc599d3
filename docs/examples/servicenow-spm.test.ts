// The samples of docs/connectors/servicenow-spm.md, type-checked and run against the testkit's
// simulated instance with the SPM tables and the insert_project_tasks endpoint.
import { assert, describe, it } from "@effect/vitest"
import { Auth, type ServiceNowClient, Spm } from "@procura/connector-servicenow"
import { Connector, Plugin } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { type Config, spmOversight } from "@procura/plugin-spm-oversight"
import { MemoryStorage } from "@procura/storage-memory"
import { ServiceNowSimulator, ServiceNowTables } from "@procura/testkit"
import { Cli } from "@procura/cli"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"
import { assertGuideEmbedsSamples } from "./samples.js"

const config = (parse(readFileSync(fileURLToPath(new URL("./spm-oversight.config.yaml", import.meta.url)), "utf8")) as {
  plugins: { "spm-oversight": Config.ConfigInput }
}).plugins["spm-oversight"]

describe("docs/connectors/servicenow-spm.md", () => {
  it("its configuration, beside the plugin's example, is valid for the installed plugins and connectors", async () => {
    const guide = readFileSync(fileURLToPath(new URL("../connectors/servicenow-spm.md", import.meta.url)), "utf8")
    const spm = (parse(/```yaml\n([\s\S]*?)```/.exec(guide)![1]!) as { plugins: Record<string, unknown> }).plugins
    const dir = mkdtempSync(join(tmpdir(), "procura-spm-config-"))
    const file = join(dir, "procura.config.json")
    writeFileSync(file, JSON.stringify({ plugins: { "spm-oversight": config, ...spm } }))
    const out: Array<string> = []
    const err: Array<string> = []
    const code = await Cli.main(["config", "validate", file], { out: (t) => void out.push(t), err: (t) => void err.push(t), tty: false })
    rmSync(dir, { recursive: true, force: true })
    assert.strictEqual(code, 0, err.join("") + out.join(""))
    assert.include(out.join(""), "servicenow-spm@")
  })

  it("embeds its samples", () => {
    assertGuideEmbedsSamples(import.meta.url, "../connectors/servicenow-spm.md", ["enable", "flow", "back"])
  })

  it("runs the samples: an approved order's projects in SPM, a task closed there back in Procura", async () => {
    const sim = ServiceNowSimulator.make({
      instanceUrl: "https://acme.service-now.com",
      auth: { basic: [{ username: "procura.integration", password: "s3cret" }] },
      ...ServiceNowTables.spm
    })
    sim.listen()
    try {
      process.env["SERVICENOW_PASSWORD"] = "s3cret"
      // --- sample: enable ---
      const client: ServiceNowClient.ClientOptions = {
        instanceUrl: "https://acme.service-now.com",
        auth: Auth.basic("procura.integration", process.env["SERVICENOW_PASSWORD"] ?? ""),
        limits: { requestsPerWindow: 10, window: "1 second" }
      }
      const procura = createProcura({
        storage: MemoryStorage.layer(),
        principal: { userId: "ada", tenantId: "acme", roles: ["admin"] },
        plugins: [
          // The oversight itself (decision tables, templates: docs/plugins/spm-oversight.md)...
          Plugin.enable(spmOversight, config),
          // ...made real in SPM; project managers' state changes come back as this principal.
          Connector.enable(Spm.connector({ client }), {
            principal: { userId: "spm-sync", tenantId: "acme", roles: ["it_project_manager", "it_project_user"] }
          })
        ]
      })
      // --- end sample ---

      // --- sample: flow ---
      const manager = { userId: "max", tenantId: "acme", roles: ["order_fulfilment_manager"] }
      const reader = { userId: "pia", tenantId: "acme", roles: ["it_project_user"] }
      const { order } = (await procura.run("spm-oversight.createOrder", {
        account: { id: "acc-acme", name: "Acme Corp" },
        lines: [{ productOffering: { id: "po-sdwan", name: "SD-WAN Premium", category: "SD-WAN" }, site: { id: "ber", name: "Berlin HQ" }, quantity: 1 }]
      }, { principal: manager })) as { order: { id: string } }
      await procura.run("spm-oversight.approveOrderLines", { orderId: order.id }, { principal: manager })
      // A worker does this continuously (`procura worker`): the connector pushes its events.
      while ((await procura.deliverEvents()).some((report) => report.delivered > 0));
      // SPM now has: pm_program "Acme Corp"; pm_project "Site rollout: Berlin HQ" (its task Site
      // survey) and under it the line's pm_project (Network design, Equipment delivery,
      // Installation, Service activation), each tree created by one insert_project_tasks call,
      // every record's external_id its Procura id.

      await procura.pollConnectors()
      // --- end sample ---
      const design = sim.records("pm_project_task").find((t) => t["short_description"] === "Network design")!
      sim.update("pm_project_task", design["sys_id"]!, { state: "3" })
      // --- sample: back ---
      // A project manager has closed "Network design" in SPM (state 3, Closed Complete).
      // The next poll (the worker polls every --inbound-interval) brings it back:
      const [report] = await procura.pollConnectors()
      // report.connector === "servicenow-spm", report.failed === undefined: in Procura the task
      // is closed_complete, changed by spm-sync, with its event and history.
      // --- end sample ---
      assert.deepInclude(report, { connector: Spm.id })
      assert.isUndefined(report!.failed)
      const task = (await procura.run("spm-oversight.getProjectTask", { id: design["external_id"] }, { principal: reader })) as { state: string }
      assert.strictEqual(task.state, "closed_complete")
      assert.strictEqual(sim.records("pm_program").length, 1)
      assert.strictEqual(sim.records("pm_project").length, 2)
      assert.strictEqual(sim.requests().filter((r) => r.api === "ppm").length, 2)
      await procura.dispose()
    } finally {
      sim.close()
    }
  }, 60_000)
})
