import { assert, describe, it } from "@effect/vitest"
import { Plugin } from "@procura/core"
import { Config, spmOversight } from "@procura/plugin-spm-oversight"
import { Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { parse } from "yaml"
import { example, examplePath } from "./fixtures.js"

const minimal = {
  templates: [{ id: "line", name: "Line project", tasks: [{ key: "build", name: "Build" }] }],
  orderLineTable: { rows: [{ then: { template: "line" } }] }
}

/** The message of the PluginError a configuration fails with. */
const problem = (config: unknown): string => {
  const exit = Effect.runSyncExit(Plugin.compose([Plugin.enable(spmOversight, config)]))
  assert.isTrue(Exit.isFailure(exit), "expected the configuration to be refused")
  const error = (exit as Exit.Failure<unknown, Plugin.PluginError>).cause.reasons.find((r) => r._tag === "Fail")
  assert.isDefined(error)
  const failure = (error as { error: Plugin.PluginError }).error
  assert.strictEqual(failure.reason, "InvalidConfig")
  return failure.message
}

describe("spm-oversight configuration", () => {
  it("the example configuration file is valid, as `procura config validate` reads it", () => {
    const file = parse(readFileSync(examplePath, "utf8"))
    const composition = Effect.runSync(Effect.flatMap(Plugin.fromConfigFile([spmOversight], file), Plugin.compose))
    assert.deepStrictEqual(composition.plugins.map((p) => p.id), ["spm-oversight"])
    const config = composition.plugins[0]!.config as Config.Config
    assert.deepStrictEqual(config.templates.map((t) => [t.id, t.kind, t.tasks.length]), [
      ["sdwan-site", "project", 5],
      ["managed-lan", "project", 2],
      ["site-rollout", "site_project", 1],
      ["enterprise-delivery", "order_project", 2]
    ])
    assert.deepStrictEqual(config.properties, { reuse: true, autoClose: true })
    assert.strictEqual(config.orderLineTable.rows.length, 2)
    assert.strictEqual(composition.operations["spm-oversight"]?.["approveOrderLines"]?.id, "spm-oversight.approveOrderLines")
    assert.strictEqual(composition.collections.length, 9)
  })

  it("fills in defaults: both properties on, seed 001's state mapping, no mappings", () => {
    const config = Effect.runSync(Plugin.validateConfig(spmOversight, minimal))
    assert.deepStrictEqual(config.properties, { reuse: true, autoClose: true })
    assert.deepStrictEqual(config.stateMapping, Config.defaultStateMapping)
    assert.deepStrictEqual(config.fieldMappings, { orderLineToProject: [], domainOrderToProjectTask: [], orderTaskToProjectTask: [] })
    assert.strictEqual(config.templates[0]!.tasks[0]!.planned, true)
  })

  it("exports its JSON Schema, with the decision tables' columns and the properties described", () => {
    const schema = Plugin.configJsonSchema(spmOversight) as {
      title: string
      required: ReadonlyArray<string>
      properties: Record<string, { description?: string; properties?: Record<string, { description?: string }> }>
    }
    assert.strictEqual(schema.title, "spm-oversight plugin configuration")
    assert.deepStrictEqual(schema.required, ["templates", "orderLineTable"])
    assert.include(JSON.stringify(schema.properties["orderLineTable"]), "productOffering")
    assert.include(schema.properties["properties"]!.properties!["autoClose"]!.description!, "sn_ind_tmt_orm.project.task.auto.closure")
    assert.include(schema.properties["properties"]!.properties!["reuse"]!.description!, "sn_ind_tmt_orm.reuse_existing_program_and_project_enabled")
  })

  it("refuses unknown keys at every level, naming the nearest valid key", () => {
    const message = problem({
      ...minimal,
      templates: [{ id: "line", name: "Line project", tasks: [{ key: "build", name: "Build", planed: false }] }],
      orderLineTable: { rows: [{ then: { template: "line", templat: "x" } }] },
      properties: { autoclose: false },
      fieldMapping: {}
    })
    for (
      const line of [
        `plugins.spm-oversight.templates.0.tasks.0.planed: unknown key; did you mean "planned"?`,
        `plugins.spm-oversight.orderLineTable.rows.0.then.templat: unknown key; did you mean "template"?`,
        `plugins.spm-oversight.properties.autoclose: unknown key; did you mean "autoClose"?`,
        `plugins.spm-oversight.fieldMapping: unknown key; did you mean "fieldMappings"?`
      ]
    ) assert.include(message, line)
  })

  it("refuses a table naming a template that does not exist, or of the wrong kind, with the row's path", () => {
    assert.include(
      problem({ ...minimal, orderLineTable: { rows: [{ then: { template: "nope" } }] } }),
      "plugins.spm-oversight.orderLineTable.rows.0.then.template: no template nope; templates: line"
    )
    assert.include(
      problem({ ...minimal, siteTable: { rows: [{ then: { template: "line" } }] } }),
      "plugins.spm-oversight.siteTable.rows.0.then.template: template line is a project template; expected a site_project template"
    )
    assert.include(
      problem({ ...minimal, orderTaskTable: { rows: [{ id: "x", then: { template: "line", task: "paint" } }] } }),
      "plugins.spm-oversight.orderTaskTable.rows.0.then.task: template line has no task paint; its tasks: build"
    )
    assert.include(problem({ ...minimal, orderProject: { template: "line" } }), "plugins.spm-oversight.orderProject.template: template line is a project template")
    assert.include(
      problem({ ...minimal, orderLineTable: { rows: [], default: { template: "gone" } } }),
      "plugins.spm-oversight.orderLineTable.default.template: no template gone"
    )
  })

  it("refuses collect tables, bad templates, unknown mapping sources and a state mapping that closes on the wrong states", () => {
    assert.include(
      problem({ ...minimal, orderLineTable: { hitPolicy: "collect", rows: [{ then: { template: "line" } }] } }),
      "plugins.spm-oversight.orderLineTable.hitPolicy: orderLineTable gives one result: use hit policy first or unique"
    )
    assert.include(
      problem({ ...minimal, templates: [...minimal.templates, { id: "line", name: "Again" }] }),
      "plugins.spm-oversight.templates.1.id: template line is declared twice"
    )
    assert.include(
      problem({ ...minimal, templates: [{ id: "line", name: "L", tasks: [{ key: "b", name: "B", parent: "a" }, { key: "a", name: "A" }] }] }),
      "plugins.spm-oversight.templates.0.tasks.0.parent: no earlier task a in template line"
    )
    assert.include(
      problem({ ...minimal, fieldMappings: { orderLineToProject: [{ from: "colour", to: "u_colour" }] } }),
      "plugins.spm-oversight.fieldMappings.orderLineToProject.0.from: unknown source colour; expected one of orderNumber"
    )
    assert.include(
      problem({ ...minimal, fieldMappings: { orderTaskToProjectTask: [{ from: "attributes.x", to: "Bad Field" }] } }),
      "plugins.spm-oversight.fieldMappings.orderTaskToProjectTask.0.to: expected a field name"
    )
    assert.include(
      problem({ ...minimal, stateMapping: { completed: "work_in_progress" } }),
      "plugins.spm-oversight.stateMapping.completed: completed must map to a closed project state, got work_in_progress"
    )
    assert.include(
      problem({ ...minimal, orderLineTable: { rows: [{ when: { colour: "red" }, then: { template: "line" } }] } }),
      "plugins.spm-oversight.orderLineTable.rows.0.when.colour"
    )
  })

  it("accepts field mappings from every documented source", () => {
    const config = Effect.runSync(Plugin.validateConfig(spmOversight, {
      ...minimal,
      fieldMappings: {
        orderLineToProject: [...Config.lineSources.map((from) => ({ from, to: "x" })), { from: "characteristics.speed", to: "x" }],
        domainOrderToProjectTask: [...Config.domainOrderSources.map((from) => ({ from, to: "x" })), { from: "line.siteLocationName", to: "x" }, { from: "attributes.a", to: "x" }],
        orderTaskToProjectTask: [...Config.orderTaskSources.map((from) => ({ from, to: "x" })), { from: "line.characteristics.speed", to: "x" }]
      }
    }))
    assert.strictEqual(config.fieldMappings.orderLineToProject.length, Config.lineSources.length + 1)
    assert.deepStrictEqual(example().properties, { reuse: true, autoClose: true })
  })
})
