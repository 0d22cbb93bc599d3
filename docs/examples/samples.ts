// Keeps the guides' code samples equal to the test files that compile and run them.
import { assert } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"

/**
 * Asserts that the guide embeds, verbatim, each named sample of the test file: the code between
 * `// --- sample: NAME ---` and `// --- end sample ---` must follow `<!-- sample: NAME -->` in a
 * ```ts fence.
 */
export const assertGuideEmbedsSamples = (testFile: string, guide: string, names: ReadonlyArray<string>): void => {
  const code = readFileSync(fileURLToPath(testFile), "utf8")
  const text = readFileSync(fileURLToPath(new URL(guide, testFile)), "utf8")
  for (const name of names) {
    const marker = `// --- sample: ${name} ---\n`
    const start = code.indexOf(marker)
    assert.isAtLeast(start, 0, `no sample ${name} in ${testFile}`)
    const sample = code.slice(start + marker.length, code.indexOf("// --- end sample ---", start)).trimEnd()
    assert.include(text, `<!-- sample: ${name} -->\n\`\`\`ts\n${sample}\n\`\`\``, `sample ${name} drifted from ${guide}`)
  }
}
