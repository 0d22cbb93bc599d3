// The samples of docs/guides/your-first-plugin.md, type-checked and run.
import { assert, describe, it } from "@effect/vitest"
import { ApprovalPolicy, CatalogEvents, Events, Operation, Plugin } from "@procura/core"
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

// --- sample: events ---
/** The plugin's own event: a new vendor was sent its welcome. */
export const VendorWelcomed = Events.define("vendor-welcome.sent", {
  description: "A vendor was sent its welcome message: when it was created, or again on request.",
  aggregateType: "vendor",
  aggregateId: "vendorId",
  payload: z.object({ vendorId: z.string(), code: z.string(), message: z.string() })
})

export const vendorWelcome = Plugin.make({
  id: "vendor-welcome",
  version: "1.0.0",
  description: "Welcomes new vendors.",
  config: z.object({ greeting: z.string().min(1).default("Welcome aboard") }),
  // The events it appends: listed in docs/events.md, known to subscribers and to the testkit.
  events: [VendorWelcomed],
  contribute: (config) => ({
    operations: {
      resend: Operation.make({
        id: "vendor-welcome.resend",
        summary: "Send a vendor its welcome again.",
        kind: "command",
        permission: "catalog.manage",
        input: z.object({ vendorId: z.string().min(1), code: z.string().min(1) }),
        output: z.object({ message: z.string() }),
        // Every event the handler appends; the testkit's EventContract fails an operation appending others.
        events: [VendorWelcomed],
        handler: ({ vendorId, code }) => {
          const message = `${config.greeting}, ${code}`
          // make() takes the payload its schema describes: a wrong one does not compile.
          return Effect.as(Events.append(VendorWelcomed.make({ vendorId, code, message })), { message })
        }
      })
    },
    // A core event, read typed: its payload is what CatalogEvents.VendorCreated declares.
    subscribers: [{
      id: "vendor-welcome",
      events: [CatalogEvents.VendorCreated.type],
      handle: (stored) =>
        Effect.flatMap(CatalogEvents.VendorCreated.decode(stored), ({ payload: vendor }) =>
          Events.append(VendorWelcomed.make({ vendorId: vendor.id, code: vendor.code, message: `${config.greeting}, ${vendor.code}` })))
    }]
  })
})
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

  it("the events sample appends its event from its operation and from its subscriber", async () => {
    const seen: Array<readonly [string, string]> = []
    const recorder = Plugin.make({
      id: "welcome-recorder",
      version: "1.0.0",
      description: "Records welcomes.",
      config: z.object({}),
      contribute: () => ({
        subscribers: [{
          id: "welcome-recorder",
          events: [VendorWelcomed.type],
          handle: (stored) => Effect.map(VendorWelcomed.decode(stored), (event) => void seen.push([event.payload.message, event.actorId]))
        }]
      })
    })
    const procura = createProcura({ storage: MemoryStorage.layer(), plugins: [Plugin.enable(vendorWelcome, {}), Plugin.enable(recorder, {})] })
    try {
      const pat = { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] }
      const vendor = await procura.as(pat).catalog.createVendor({ code: "ACME", name: "Acme" })
      await procura.deliverEvents()
      await procura.deliverEvents()
      assert.deepStrictEqual(await procura.run("vendor-welcome.resend", { vendorId: vendor.id, code: "ACME" }, { principal: pat }), { message: "Welcome aboard, ACME" })
      await procura.deliverEvents()
      assert.deepStrictEqual(seen, [["Welcome aboard, ACME", "subscriber:vendor-welcome"], ["Welcome aboard, ACME", "pat"]])
    } finally {
      await procura.dispose()
    }
  })

  it("the guide embeds each sample verbatim", () => {
    assertGuideEmbedsSamples(import.meta.url, "../guides/your-first-plugin.md", ["plugin", "enable", "events", "invalid"])
  })
})
