// docs/permissions.md shows the permission matrix; this test keeps it equal to the code's.
import { assert, describe, it } from "@effect/vitest"
import { Access, Operation, Plugin, Procura } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { Effect } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { z } from "zod"
import { assertGuideEmbedsSamples } from "./samples.js"

// --- sample: plugin-permission ---
/** A plugin with a permission of its own: who may see the fleet's positions. */
export const fleet = Plugin.make({
  id: "fleet",
  version: "1.0.0",
  description: "Vehicle positions for deliveries.",
  config: z.object({}),
  contribute: () => ({
    // Declared with the roles holding it unless the host's matrix says otherwise.
    permissions: {
      "fleet/position.read": { description: "See where delivery vans are", roles: ["dispatcher", "storage_manager"] }
    },
    operations: {
      positionOf: Operation.make({
        id: "fleet.positionOf",
        summary: "Tell where a van is.",
        kind: "query",
        permission: "fleet/position.read",
        input: z.object({ vanId: z.string().min(1) }),
        output: z.object({ vanId: z.string(), position: z.string() }),
        events: [],
        handler: ({ vanId }) => Effect.succeed({ vanId, position: "A2, exit 14" })
      })
    }
  })
})
// --- end sample ---

const roles = Access.Roles.filter((role) => role !== "admin")

/** The matrix as the markdown table the doc carries. */
export const matrixTable = (): string => {
  const header = `| permission | operations | ${roles.join(" | ")} |`
  const rule = `| --- | --- | ${roles.map(() => ":-:").join(" | ")} |`
  const rows = Access.Permissions.map((permission) => {
    const operations = [...Procura.catalogue.values()].filter((op) => op.permission === permission).map((op) => `\`${op.id}\``)
    const granted = Access.defaultMatrix[permission]
    const marks = roles.map((role) => (granted.includes("*") ? "anyone" : granted.includes(role) ? "yes" : ""))
    return `| \`${permission}\` | ${operations.join(", ")} | ${marks.join(" | ")} |`
  })
  return [header, rule, ...rows].join("\n")
}

describe("docs/permissions.md", () => {
  it("plugin permissions: the default roles hold them, others are denied, the guide embeds the sample", async () => {
    const procura = createProcura({ storage: MemoryStorage.layer(), plugins: [Plugin.enable(fleet, {})] })
    try {
      const dispatcher = { userId: "dee", tenantId: "acme", roles: ["dispatcher"] }
      assert.deepStrictEqual(await procura.run("fleet.positionOf", { vanId: "van-7" }, { principal: dispatcher }), { vanId: "van-7", position: "A2, exit 14" })
      const buyer = { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] }
      await procura.run("fleet.positionOf", { vanId: "van-7" }, { principal: buyer }).then(
        () => assert.fail("a procurement manager does not hold fleet/position.read"),
        (error: Error) => assert.include(error.message, "it is granted to admin, dispatcher, storage_manager")
      )
    } finally {
      await procura.dispose()
    }
    assertGuideEmbedsSamples(import.meta.url, "../permissions.md", ["plugin-permission"])
  })

  it("shows the default permission matrix and every operation's permission", () => {
    const path = fileURLToPath(new URL("../permissions.md", import.meta.url))
    const doc = readFileSync(path, "utf8")
    if (process.env["UPDATE_DOCS"] === "1") {
      const start = doc.indexOf("| permission | operations |")
      writeFileSync(path, doc.slice(0, start) + matrixTable() + doc.slice(doc.indexOf("\n\n", start)))
      return
    }
    assert.include(doc, matrixTable(), "docs/permissions.md is out of date: run UPDATE_DOCS=1 pnpm vitest run docs/examples/permissions.test.ts")
  })
})
