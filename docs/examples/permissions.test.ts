// docs/permissions.md shows the permission matrix; this test keeps it equal to the code's.
import { assert, describe, it } from "@effect/vitest"
import { Access, Procura } from "@procura/core"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

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
