// The operations are top-level definitions reading the configuration from the context: the
// plugin's layer provides it, `Oversight.makeOperations(config)` provides it for runs outside
// that layer, and a run with neither is a defect that says how to fix it.
import { assert, describe, it } from "@effect/vitest"
import { Plugin } from "@procura/core"
import { Oversight, spmOversight } from "@procura/plugin-spm-oversight"
import { Cause, Effect, Exit } from "effect"
import { OversightConfig } from "../src/internal/config.js"
import { operations } from "../src/internal/operations/index.js"
import { example } from "./fixtures.js"

const config = Effect.runSync(Plugin.validateConfig(spmOversight, example()))
const templateIds = config.templates.map((t) => t.id)

describe("configuration from the context", () => {
  it("an operation reads the configuration the layer provides", () => {
    const result = Effect.runSync(operations.listTemplates.handler({}).pipe(Effect.provide(OversightConfig.layer(config))))
    assert.deepStrictEqual(result.templates.map((t) => t.id), templateIds)
  })

  it("makeOperations(config) provides it; the same ids, permissions and events", () => {
    const made = Oversight.makeOperations(config)
    assert.deepStrictEqual(Object.keys(made), Object.keys(operations))
    for (const [name, operation] of Object.entries(made)) {
      const original = operations[name as keyof typeof operations]
      assert.deepStrictEqual([operation.id, operation.permission, operation.events], [original.id, original.permission, original.events])
    }
    assert.deepStrictEqual(Effect.runSync(made.listTemplates.handler({})).templates.map((t) => t.id), templateIds)
  })

  it("without the plugin's layer a run is a defect naming the fix", () => {
    const exit = Effect.runSyncExit(operations.listTemplates.handler({}))
    assert.isTrue(Exit.isFailure(exit) && Cause.hasDies(exit.cause))
    assert.match(String(Cause.squash((exit as Exit.Failure<unknown, unknown>).cause)), /enable the plugin/)
  })
})
