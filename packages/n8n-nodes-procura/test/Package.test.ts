/**
 * The built package as n8n installs and loads it (after `pnpm build`).
 */
import { assert, describe, it } from "@effect/vitest"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll } from "vitest"
import { builtNodeTypes, execute, node, output, poll, types, workflow } from "./n8n.js"

// What n8n installs: the built CommonJS files the package.json's `n8n` field names, loaded by
// n8n-core's own loader. Needs `pnpm build` first (the package's build, or the workspace's); CI runs
// it after the build, and the packed install runs it on the package installed from its tarball
// (PROCURA_N8N_PACKAGE names the installed package's directory; then it never skips).
const installed = process.env["PROCURA_N8N_PACKAGE"]
const packageDir = installed ?? join(dirname(fileURLToPath(import.meta.url)), "..")
const built = installed !== undefined || existsSync(join(packageDir, "dist", "nodes", "Procura", "Procura.node.js"))

const dir = mkdtempSync(join(tmpdir(), "n8n-nodes-procura-built-"))
process.env["N8N_USER_FOLDER"] ??= join(dir, "n8n")
const credentials = { admin: { storage: "embedded", dataDir: join(dir, "procura"), principal: "ada@acme:admin" } }

describe.skipIf(!built)("the built package, as n8n loads it (after pnpm build)", () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("loads with n8n-core's package loader, runs an operation and emits its event", { timeout: 120_000 }, async () => {
    const nodeTypes = await builtNodeTypes(packageDir)
    const procura = nodeTypes.getByNameAndVersion(types.procura)
    assert.strictEqual(procura.description.name, "procura")
    const as = { credentials: { procuraApi: { id: "admin", name: "admin" } } }
    const trigger = node("Procura Trigger", types.trigger, { eventTypes: [], startFrom: "beginning", limit: 50 }, as)
    const run = await execute(
      workflow(
        [
          node("Start", types.start, {}),
          node("Create Vendor", types.procura, { resource: "catalog", operation: "catalog.createVendor", input: "{\"code\":\"ACME\",\"name\":\"Acme\"}" }, as)
        ],
        undefined,
        nodeTypes
      ),
      credentials
    )
    assert.isUndefined(run.data.resultData.error, String(run.data.resultData.error?.message))
    assert.strictEqual(output(run, "Create Vendor")[0]?.["code"], "ACME")
    const emitted = await poll(workflow([trigger], undefined, nodeTypes), "Procura Trigger", credentials)
    assert.deepStrictEqual((emitted?.[0] ?? []).map((item) => item.json["type"]), ["vendor.created"])
    // The built nodes keep their own open hosts (their own copy of the package's code): close them.
    const { closeAll } = (await import(join(packageDir, "dist", "src", "internal", "runtime.js"))) as { closeAll: () => Promise<void> }
    await closeAll()
  })
})
