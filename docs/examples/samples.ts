// Keeps the guides' code samples equal to the test files that compile and run them.
import { assert } from "@effect/vitest"
import { readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/** Modules a test file imports for itself, never shown in a guide. */
const testOnly = (module: string): boolean => module === "@effect/vitest" || module.startsWith("./") || module.startsWith("../")

const identifier = (name: string): RegExp => new RegExp(`(?<![\\w$.])${name.replace(/\$/g, "\\$")}(?![\\w$])`)

/**
 * The import declarations a sample needs, taken from the test file's own (single-line) imports:
 * of each, the bindings the sample uses, in the file's order. A reader copying a sample gets
 * exactly the imports that make it compile.
 */
export const importsFor = (code: string, sample: string): ReadonlyArray<string> => {
  const lines: Array<string> = []
  for (const match of code.matchAll(/^import (type )?(.+) from "([^"]+)"$/gm)) {
    const [, typeOnly = "", clause, module] = match as unknown as [string, string | undefined, string, string]
    if (testOnly(module)) continue
    const namespace = /^\* as ([\w$]+)$/.exec(clause)
    if (namespace !== null) {
      if (identifier(namespace[1]!).test(sample)) lines.push(`import ${typeOnly}* as ${namespace[1]} from "${module}"`)
      continue
    }
    const named = /^\{ (.+) \}$/.exec(clause)
    if (named === null) {
      if (identifier(clause).test(sample)) lines.push(`import ${typeOnly}${clause} from "${module}"`)
      continue
    }
    const used = named[1]!.split(",").map((s) => s.trim()).filter((specifier) => {
      const local = specifier.split(/\s+as\s+/).pop()!.replace(/^type\s+/, "")
      return identifier(local).test(sample)
    })
    if (used.length === 0) continue
    // Only types used: an `import type` declaration, as a person would write it.
    const onlyTypes = typeOnly === "" && used.every((specifier) => specifier.startsWith("type "))
    const specifiers = onlyTypes ? used.map((specifier) => specifier.slice("type ".length)) : used
    lines.push(`import ${onlyTypes ? "type " : typeOnly}{ ${specifiers.join(", ")} } from "${module}"`)
  }
  return lines
}

/** A sample as a guide shows it: its imports (unless it starts with its own), a blank line, the code. */
const shown = (code: string, sample: string): string => {
  if (/^import /m.test(sample.split("\n")[0] ?? "")) return sample
  const imports = importsFor(code, sample)
  return imports.length === 0 ? sample : `${imports.join("\n")}\n\n${sample}`
}

/**
 * Asserts that the guide embeds, verbatim, each named sample of the test file, with the imports
 * it needs: the code between `// --- sample: NAME ---` and `// --- end sample ---`, preceded by
 * the test file's imports of the bindings it uses, must follow `<!-- sample: NAME -->` in a
 * ```ts fence. `UPDATE_DOCS=1` rewrites the guide's fences instead.
 */
export const assertGuideEmbedsSamples = (testFile: string, guide: string, names: ReadonlyArray<string>): void => {
  const code = readFileSync(fileURLToPath(testFile), "utf8")
  const guidePath = fileURLToPath(new URL(guide, testFile))
  let text = readFileSync(guidePath, "utf8")
  for (const name of names) {
    const marker = `// --- sample: ${name} ---\n`
    const start = code.indexOf(marker)
    assert.isAtLeast(start, 0, `no sample ${name} in ${testFile}`)
    const sample = code.slice(start + marker.length, code.indexOf("// --- end sample ---", start)).trimEnd()
    const expected = `<!-- sample: ${name} -->\n\`\`\`ts\n${shown(code, sample)}\n\`\`\``
    if (process.env["UPDATE_DOCS"] === "1") {
      const fence = new RegExp(`<!-- sample: ${name} -->\\n\`\`\`ts\\n[\\s\\S]*?\\n\`\`\``)
      assert.match(text, fence, `no fence for sample ${name} in ${guide}`)
      text = text.replace(fence, () => expected)
      writeFileSync(guidePath, text)
    }
    assert.include(text, expected, `sample ${name} drifted from ${guide}: run UPDATE_DOCS=1 pnpm exec vitest run ${fileURLToPath(testFile)}`)
  }
}
