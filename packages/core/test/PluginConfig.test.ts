// Strict plugin configuration: unknown keys are refused at every level with the nearest valid
// key, every problem of every plugin is named at once, and unknown plugin ids and roles suggest
// the nearest known one.
import { assert, describe, it } from "@effect/vitest"
import { Access, Errors, Plugin, TableConfig } from "@procura/core"
import { createProcura, UnknownOperation } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { Cause, Effect, Exit, Option } from "effect"
import { z } from "zod"

/** A plugin whose schema is written with plain (stripping) z.object, as a third party might. */
const shipping = Plugin.make({
  id: "shipping-rules",
  version: "1.0.0",
  description: "A plugin with nested configuration.",
  config: z.object({
    carrier: z.object({
      name: z.string().describe("the carrier's name"),
      account: z.string().optional()
    }),
    zones: z.array(z.object({ code: z.string(), surcharge: z.number().default(0) })).default([]),
    labels: z.record(z.string(), z.string()).optional(),
    extras: z.looseObject({ note: z.string().optional() }).optional(),
    mode: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("flat"), amount: z.number() }),
      z.object({ kind: z.literal("table"), rows: z.array(z.object({ upTo: z.number(), amount: z.number() })) })
    ]).optional(),
    routing: TableConfig.schema({
      inputs: [{ name: "weight", type: "number" }],
      result: z.object({ carrier: z.string(), express: z.boolean().default(false) })
    }).optional()
  }),
  contribute: () => ({ roles: ["dispatcher"] })
})

const billing = Plugin.make({
  id: "billing",
  version: "1.0.0",
  description: "A second plugin.",
  config: z.object({ currency: z.string().length(3) }),
  contribute: () => ({})
})

const refusal = <A>(effect: Effect.Effect<A, Plugin.PluginError>): Plugin.PluginError => {
  const exit = Effect.runSyncExit(effect)
  assert.isTrue(Exit.isFailure(exit), "expected the configuration to be refused")
  return Option.getOrThrow(Cause.findErrorOption((exit as Exit.Failure<A, Plugin.PluginError>).cause))
}

const lines = (error: Plugin.PluginError) => error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)

describe("nearest", () => {
  it("suggests the nearest candidate within one edit per three characters, ignoring case", () => {
    assert.strictEqual(Errors.nearest("supplierProduct", ["routing", "supplierProducts", "tolerances"]), "supplierProducts")
    assert.strictEqual(Errors.nearest("plugin", ["plugins"]), "plugins")
    assert.strictEqual(Errors.nearest("procurment_manager", Access.Roles), "procurement_manager")
    assert.strictEqual(Errors.nearest("Requester", Access.Roles), "requester")
    // A swap of neighbours is one edit.
    assert.strictEqual(Errors.nearest("rotuing", ["routing", "tolerances"]), "routing")
    // A dotted candidate is also compared by its last segment.
    assert.strictEqual(Errors.nearest("submitPurchaseOrdr", ["purchasing.submitPurchaseOrder", "catalog.createVendor"]), "purchasing.submitPurchaseOrder")
    assert.strictEqual(Errors.didYouMean("opps", ["ops", "op", "demo"]), `did you mean "ops"?`)
  })

  it("suggests nothing when nothing is near enough, or the word is itself a candidate", () => {
    assert.isUndefined(Errors.nearest("colour", ["amount", "currency", "kinds"]))
    assert.isUndefined(Errors.nearest("x", ["ab"]))
    assert.isUndefined(Errors.nearest("ops", ["op", "ops"]))
    assert.isUndefined(Errors.nearest("anything", []))
    assert.isUndefined(Errors.didYouMean("warehouse", Access.Roles))
  })
})

describe("strict plugin configuration", () => {
  it("refuses an unknown key at the top and at every nested level, naming the nearest valid key", () => {
    const error = refusal(Plugin.validateConfig(shipping, {
      carier: { name: "DHL" },
      zones: [{ code: "EU", surchage: 5 }],
      mode: { kind: "flat", amount: 10, amout: 3 }
    }))
    assert.strictEqual(error.reason, "InvalidConfig")
    assert.deepStrictEqual(lines(error), [
      `plugins.shipping-rules.carrier: Invalid input: expected object, received undefined`,
      `plugins.shipping-rules.zones.0.surchage: unknown key; did you mean "surcharge"?`,
      `plugins.shipping-rules.mode.amout: unknown key; did you mean "amount"?`,
      `plugins.shipping-rules.carier: unknown key; did you mean "carrier"?`
    ])
    assert.include(error.message, `plugins.shipping-rules.carier: unknown key; did you mean "carrier"?`)
  })

  it("lists the keys an object takes when no key is near", () => {
    const error = refusal(Plugin.validateConfig(shipping, { carrier: { name: "DHL", colour: "red" } }))
    assert.deepStrictEqual(lines(error), [`plugins.shipping-rules.carrier.colour: unknown key; expected one of name, account`])
  })

  it("refuses unknown keys inside a decision table's results", () => {
    const error = refusal(Plugin.validateConfig(shipping, {
      carrier: { name: "DHL" },
      routing: { rows: [{ when: { wieght: { gt: 5 } }, then: { carrier: "UPS", expres: true } }] }
    }))
    assert.deepStrictEqual(lines(error), [
      `plugins.shipping-rules.routing.rows.0.when.wieght: no input column "wieght"; did you mean "weight"? columns are weight (expected one of weight)`,
      `plugins.shipping-rules.routing.rows.0.then.expres: unknown key; did you mean "express"?`
    ])
  })

  it("keeps what the schema says about other keys (loose objects, records) and parses as before", () => {
    const valid = Effect.runSync(Plugin.validateConfig(shipping, {
      carrier: { name: "DHL" },
      zones: [{ code: "EU" }],
      labels: { anything: "goes" },
      extras: { note: "n", more: 1 },
      mode: { kind: "table", rows: [{ upTo: 5, amount: 3 }] }
    }))
    assert.deepStrictEqual(valid, {
      carrier: { name: "DHL" },
      zones: [{ code: "EU", surcharge: 0 }],
      labels: { anything: "goes" },
      extras: { note: "n", more: 1 },
      mode: { kind: "table", rows: [{ upTo: 5, amount: 3 }] }
    })
    // A default is computed afresh on each parse, never shared between configurations.
    const first = Effect.runSync(Plugin.validateConfig(shipping, { carrier: { name: "A" } }))
    const second = Effect.runSync(Plugin.validateConfig(shipping, { carrier: { name: "B" } }))
    assert.notStrictEqual(first.zones, second.zones)
  })

  it("compose names every configuration problem of every plugin in one error", () => {
    const error = refusal(Plugin.compose([
      Plugin.enable(shipping, { carrier: { name: "DHL", acount: "1" } }),
      Plugin.enable(billing, { currency: "EURO", curency: "EUR" })
    ]))
    assert.strictEqual(error.reason, "InvalidConfig")
    assert.strictEqual(error.pluginId, "shipping-rules")
    assert.deepStrictEqual(lines(error), [
      `plugins.shipping-rules.carrier.acount: unknown key; did you mean "account"?`,
      `plugins.billing.currency: Too big: expected string to have exactly 3 characters`,
      `plugins.billing.curency: unknown key; did you mean "currency"?`
    ])
    assert.include(error.message, "plugins.shipping-rules.carrier.acount")
    assert.include(error.message, "plugins.billing.curency")
  })

  it("the JSON Schema says additionalProperties: false where unknown keys are refused, and keeps descriptions", () => {
    const schema = Plugin.configJsonSchema(shipping) as {
      additionalProperties?: unknown
      properties: Record<string, { additionalProperties?: unknown; properties?: Record<string, { description?: string }> }>
    }
    assert.strictEqual(schema.additionalProperties, false)
    assert.strictEqual(schema.properties["carrier"]!.additionalProperties, false)
    assert.strictEqual(schema.properties["carrier"]!.properties!["name"]!.description, "the carrier's name")
    assert.notStrictEqual(schema.properties["extras"]!.additionalProperties, false)
  })
})

describe("configuration files", () => {
  it("refuses an unknown top-level key, naming the nearest", () => {
    const error = refusal(Plugin.fromConfigFile([shipping], { plugin: { "shipping-rules": {} } }))
    assert.strictEqual(error.reason, "InvalidConfig")
    assert.deepStrictEqual(lines(error), [`plugin: unknown key; did you mean "plugins"?`])
  })

  it("refuses an unknown plugin id, naming the nearest installed one (or the installed ones)", () => {
    const near = refusal(Plugin.fromConfigFile([shipping, billing], { plugins: { "shiping-rules": {} } }))
    assert.strictEqual(near.reason, "UnknownPlugin")
    assert.strictEqual(near.message, `plugins.shiping-rules: no plugin "shiping-rules" is installed; did you mean "shipping-rules"?`)
    const far = refusal(Plugin.fromConfigFile([shipping, billing], { plugins: { crm: {} } }))
    assert.strictEqual(far.message, `plugins.crm: no plugin "crm" is installed; installed: shipping-rules, billing`)
  })

  it("names every problem of the file at once: top-level keys, unknown plugins, every plugin's configuration", () => {
    const error = refusal(Plugin.fromConfigFile([shipping, billing], {
      plugins: {
        "shipping-rules": { carrier: { nam: "DHL" } },
        biling: {},
        billing: { currency: 978 }
      },
      worker: { batchSize: 10 }
    }))
    assert.strictEqual(error.reason, "InvalidConfig")
    assert.deepStrictEqual(lines(error), [
      `worker: unknown key; expected one of plugins`,
      `plugins.shipping-rules.carrier.name: Invalid input: expected string, received undefined`,
      `plugins.shipping-rules.carrier.nam: unknown key; did you mean "name"?`,
      `plugins.biling: no plugin "biling" is installed; did you mean "billing"?`,
      `plugins.billing.currency: Invalid input: expected string, received number`
    ])
  })

  it("enables the plugins of a valid file", () => {
    const enabled = Effect.runSync(Plugin.fromConfigFile([shipping, billing], { plugins: { billing: { currency: "EUR" } } }))
    assert.deepStrictEqual(enabled.map((e) => e.plugin.id), ["billing"])
  })
})

describe("known roles", () => {
  it("are Procura's, the matrix's and the enabled plugins'", () => {
    const composition = Effect.runSync(Plugin.compose([Plugin.enable(shipping, { carrier: { name: "DHL" } })]))
    assert.include(composition.roles, "dispatcher")
    const known = Access.knownRoles({ ...Access.defaultMatrix, "catalog.read": ["auditor", "*"] }, composition.roles)
    for (const role of ["admin", "requester", "procurement_manager", "auditor", "dispatcher"]) assert.include(known, role)
    assert.notInclude(known, "*")
  })

  it("an unknown role names the nearest known one", () => {
    assert.deepStrictEqual(Access.unknownRoles(["requester", "procurment_manager"], Access.knownRoles(Access.defaultMatrix)), [{
      path: ["roles", 1],
      message: `unknown role "procurment_manager"; did you mean "procurement_manager"?`,
      expected: "a known role",
      received: "procurment_manager"
    }])
  })

  it("createProcura refuses an unknown role in its default principal, and accepts plugins' roles", async () => {
    const principal = (roles: ReadonlyArray<string>) => ({ userId: "pat", tenantId: "acme", roles })
    try {
      createProcura({ storage: MemoryStorage.layer(), principal: principal(["procurment_manager"]) })
      assert.fail("expected createProcura to refuse the principal")
    } catch (error) {
      assert.instanceOf(error, Errors.ValidationError)
      assert.strictEqual(
        (error as Errors.ValidationError).message,
        `Invalid input for createProcura: principal.roles.0: unknown role "procurment_manager"; did you mean "procurement_manager"?`
      )
    }
    const withPlugin = createProcura({
      storage: MemoryStorage.layer(),
      principal: principal(["dispatcher"]),
      plugins: [Plugin.enable(shipping, { carrier: { name: "DHL" } })]
    })
    await withPlugin.dispose()
    const withMatrix = createProcura({
      storage: MemoryStorage.layer(),
      principal: principal(["auditor"]),
      permissions: { ...Access.defaultMatrix, "catalog.read": ["auditor"] }
    })
    await withMatrix.dispose()
  })

  it("an access refusal names a near-miss role; an unknown operation id names the nearest", async () => {
    const procura = createProcura({ storage: MemoryStorage.layer() })
    try {
      const refused = await procura.catalog.createVendor(
        { code: "DELL", name: "Dell" },
        { principal: { userId: "pat", tenantId: "acme", roles: ["procurment_manager"] } }
      ).then(() => undefined, (error: unknown) => error)
      assert.instanceOf(refused, Errors.AccessDenied)
      assert.include((refused as Errors.AccessDenied).message, `the principal's role "procurment_manager" is not one of them: did you mean "procurement_manager"?`)
      const unknown = await procura.run("catalog.createVendr", {}).then(() => undefined, (error: unknown) => error)
      assert.instanceOf(unknown, UnknownOperation)
      assert.include((unknown as Error).message, `did you mean "catalog.createVendor"?`)
    } finally {
      await procura.dispose()
    }
  })
})
