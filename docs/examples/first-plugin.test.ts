// The samples of docs/guides/your-first-plugin.md, type-checked and run.
import { assert, describe, it } from "@effect/vitest"
import { ApprovalPolicy, Operation, Plugin } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { Effect, Layer, Option } from "effect"
import { assertGuideEmbedsSamples } from "./samples.js"
import { z } from "zod"

// --- sample: plugin ---
/** Who manages whom, from configuration: the directory approval chains use for "manager" steps. */
export const orgChart = Plugin.make({
  id: "org-chart",
  version: "1.0.0",
  description: "Managers of users, from configuration, for approval chains that ask for the requester's manager.",
  config: z.object({
    managers: z.record(z.string().min(1), z.string().min(1)).describe("user id -> manager's user id")
  }),
  // Only one plugin may answer "who is X's manager?".
  responsibilities: ["directory"],
  contribute: (config) => ({
    // Replace the directory the core consults (its default knows no managers).
    layer: Layer.succeed(ApprovalPolicy.Directory, ApprovalPolicy.directoryFromMap(config.managers)),
    // And add an operation: it appears in the Promise facade (procura.run) and the CLI.
    operations: {
      managerOf: Operation.make({
        id: "org-chart.managerOf",
        summary: "Tell who manages a user.",
        kind: "query",
        permission: "request.read",
        input: z.object({ userId: z.string().min(1) }),
        output: z.object({ managerId: z.string().nullable() }),
        events: [],
        handler: ({ userId }) =>
          Effect.flatMap(ApprovalPolicy.Directory, (directory) =>
            Effect.map(directory.managerOf(userId), (manager) => ({ managerId: Option.getOrNull(manager) })))
      })
    }
  })
})
// --- end sample ---

// --- sample: enable ---
async function enableOrgChart() {
  const procura = createProcura({
    storage: MemoryStorage.layer(),
    plugins: [Plugin.enable(orgChart, { managers: { "rae.requester": "mia.manager" } })]
  })
  const answer = await procura.run(
    "org-chart.managerOf",
    { userId: "rae.requester" },
    { principal: { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] } }
  )
  await procura.dispose()
  return answer // { managerId: "mia.manager" }
}
// --- end sample ---

// --- sample: invalid ---
function enableWithABadConfig() {
  try {
    createProcura({
      storage: MemoryStorage.layer(),
      plugins: [Plugin.enable(orgChart, { managers: { "rae.requester": 42 } })]
    })
  } catch (error) {
    if (error instanceof Plugin.PluginError) return error.message
    throw error
  }
  return "started"
}
// The message names the plugin, the path and what was wrong:
// The configuration of plugin org-chart is invalid:
//   plugins.org-chart.managers.rae.requester: Invalid input: expected string, received number
// --- end sample ---

describe("your first plugin guide", () => {
  it("the plugin's operation answers from its configuration", async () => {
    assert.deepStrictEqual(await enableOrgChart(), { managerId: "mia.manager" })
  })

  it("a bad configuration stops the start with a message naming the path", () => {
    assert.strictEqual(
      enableWithABadConfig(),
      "The configuration of plugin org-chart is invalid: plugins.org-chart.managers.rae.requester: Invalid input: expected string, received number"
    )
  })

  it("two plugins claiming the directory are refused", () => {
    const twin = Plugin.make({ ...orgChart, id: "org-chart-2" })
    assert.throws(
      () =>
        createProcura({
          storage: MemoryStorage.layer(),
          plugins: [Plugin.enable(orgChart, { managers: {} }), Plugin.enable(twin, { managers: {} })]
        }),
      /Plugins org-chart and org-chart-2 both claim the responsibility "directory"/
    )
  })

  it("exports its configuration schema as JSON Schema", () => {
    const schema = Plugin.configJsonSchema(orgChart) as { properties: { managers: { description: string } } }
    assert.strictEqual(schema.properties.managers.description, "user id -> manager's user id")
  })

  it("the guide embeds each sample verbatim", () => {
    assertGuideEmbedsSamples(import.meta.url, "../guides/your-first-plugin.md", ["plugin", "enable", "invalid"])
  })
})
