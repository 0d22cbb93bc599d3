import { assert, describe, it } from "@effect/vitest"
import { Procura } from "@procura/core"
import { SpmOversight } from "@procura/plugin-spm-oversight"
import { MemoryStorage } from "@procura/storage-memory"
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"
import * as DemoOversight from "../src/DemoOversight.js"

describe("the demo's oversight part", () => {
  it("runs with the example configuration of docs/examples/spm-oversight.config.yaml", () => {
    const file = fileURLToPath(new URL("../../../docs/examples/spm-oversight.config.yaml", import.meta.url))
    assert.deepStrictEqual(parse(readFileSync(file, "utf8")).plugins["spm-oversight"], DemoOversight.config)
  })

  it.effect("oversees an order at two stores: one program, two site projects, line projects; work syncs and closes everything", () =>
    Effect.gen(function*() {
      const summary = yield* DemoOversight.run({ tenantId: "demo-oversight" })
      assert.isTrue(summary.enabled)
      assert.deepStrictEqual(summary.order, { number: "ORD-DEMO-0001", lines: 3, overseen: 2, state: "completed" })
      assert.deepStrictEqual(summary.program, { name: "Northwind Retail", state: "closed_complete" })
      assert.deepStrictEqual(summary.projects.map((p) => [p.kind, p.name, p.parent ?? null, p.state]), [
        ["site", "Site rollout: Amsterdam store", null, "closed_complete"],
        ["site", "Site rollout: Rotterdam store", null, "closed_complete"],
        ["line", "SD-WAN Premium at Amsterdam store", "Site rollout: Amsterdam store", "closed_complete"],
        ["line", "SD-WAN Premium at Rotterdam store", "Site rollout: Rotterdam store", "closed_complete"]
      ])
      assert.deepStrictEqual(summary.projects[2]!.tasks.map((t) => t.name), [
        "Network design",
        "Equipment delivery",
        "Installation",
        "Service activation",
        "Configure device: Configure CPE"
      ])
      assert.include(summary.timeline[0]!, "work_in_progress")
      assert.include(summary.timeline[1]!, "closed_complete")
      assert.strictEqual(summary.notesCopied, 2)
      const text = DemoOversight.format(summary).join("\n")
      assert.include(text, "program Northwind Retail: closed_complete")
      assert.include(text, "2 notes copied from the order to the project side")
    }).pipe(Effect.provide(SpmOversight.layer(DemoOversight.config).pipe(Layer.provideMerge(MemoryStorage.layer())))))

  it.effect("says it was skipped when the plugin is not enabled", () =>
    Effect.gen(function*() {
      const summary = yield* DemoOversight.run({ tenantId: "demo-no-oversight" })
      assert.isFalse(summary.enabled)
      assert.deepStrictEqual(DemoOversight.format(summary), ["  Project oversight (seed 001): the spm-oversight plugin is not enabled; skipped"])
    }).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(MemoryStorage.layer())))))
})
