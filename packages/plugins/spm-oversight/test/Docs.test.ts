// docs/plugins/spm-oversight.md carries tables made from the code: the decision tables' columns,
// the operations and the role table. This test keeps them equal; UPDATE_DOCS=1 rewrites them.
import { assert, describe, it } from "@effect/vitest"
import { type DecisionTable, Plugin } from "@procura/core"
import { Config, Oversight, OversightEvents, Roles, spmOversight } from "@procura/plugin-spm-oversight"
import { Effect } from "effect"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { example } from "./fixtures.js"

const path = fileURLToPath(new URL("../../../../docs/plugins/spm-oversight.md", import.meta.url))

const columns = (cs: ReadonlyArray<DecisionTable.Column>) =>
  ["| column | type | what |", "| --- | --- | --- |", ...cs.map((c) => `| \`${c.name}\` | ${c.type} | ${c.description ?? ""} |`)].join("\n")

const operations = () => {
  const ops = Object.values(Oversight.makeOperations(Effect.runSync(Plugin.validateConfig(spmOversight, example()))))
  return [
    "| operation | kind | permission | what |",
    "| --- | --- | --- | --- |",
    ...ops.map((op) => `| \`${op.id}\` | ${op.kind} | \`${op.permission}\` | ${op.summary} |`)
  ].join("\n")
}

const roles = () => {
  const header = `| permission | what | ${Roles.Roles.join(" | ")} |`
  const rule = `| --- | --- | ${Roles.Roles.map(() => ":-:").join(" | ")} |`
  const rows = Object.entries(Roles.permissions).map(([permission, declaration]) =>
    `| \`${permission}\` | ${declaration.description} | ${Roles.Roles.map((role) => ((declaration.roles as ReadonlyArray<string>).includes(role) ? "yes" : "")).join(" | ")} |`
  )
  return [header, rule, ...rows].join("\n")
}

const events = () => ["| event |", "| --- |", ...OversightEvents.eventTypes.map((type) => `| \`${type}\` |`)].join("\n")

const sections: Record<string, () => string> = {
  "order-line-columns": () => columns(Config.orderLineColumns),
  "site-columns": () => columns(Config.siteColumns),
  "domain-order-columns": () => columns(Config.domainOrderColumns),
  "order-task-columns": () => columns(Config.orderTaskColumns),
  operations,
  roles,
  events
}

const begin = (name: string) => `<!-- generated: ${name} -->\n`
const end = "\n<!-- end generated -->"

describe("docs/plugins/spm-oversight.md", () => {
  it("shows the columns, operations, events and role table of the code", () => {
    let doc = readFileSync(path, "utf8")
    for (const [name, make] of Object.entries(sections)) {
      const start = doc.indexOf(begin(name))
      assert.isAtLeast(start, 0, `the guide has no ${name} section`)
      const stop = doc.indexOf(end, start)
      const current = doc.slice(start + begin(name).length, stop)
      if (process.env["UPDATE_DOCS"] === "1") doc = doc.slice(0, start + begin(name).length) + make() + doc.slice(stop)
      else assert.strictEqual(current, make(), `the ${name} section is out of date: run UPDATE_DOCS=1 pnpm vitest run packages/plugins/spm-oversight/test/Docs.test.ts`)
    }
    if (process.env["UPDATE_DOCS"] === "1") writeFileSync(path, doc)
  })
})
