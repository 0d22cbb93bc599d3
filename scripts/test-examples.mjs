#!/usr/bin/env node
// Runs every example's own test (examples/*/package.json's `test` script), one after the other,
// on the built packages, then prints how long each took. Exits 1 if any failed.
//
//   node scripts/test-examples.mjs [folder...]
import { spawnSync } from "node:child_process"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const examples = join(dirname(fileURLToPath(import.meta.url)), "..", "examples")
const wanted = process.argv.slice(2)
const folders = readdirSync(examples)
  .filter((name) => existsSync(join(examples, name, "package.json")))
  .filter((name) => JSON.parse(readFileSync(join(examples, name, "package.json"), "utf8")).scripts?.test !== undefined)
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort()

const results = []
for (const name of folders) {
  process.stdout.write(`\n-- examples/${name}: pnpm test\n`)
  const started = Date.now()
  const { status } = spawnSync("pnpm", ["--dir", join(examples, name), "run", "test"], { stdio: "inherit" })
  results.push({ name, ok: status === 0, seconds: (Date.now() - started) / 1000 })
}

process.stdout.write("\nexample            result  seconds\n")
for (const { name, ok, seconds } of results) {
  process.stdout.write(`${name.padEnd(18)} ${(ok ? "passed" : "FAILED").padEnd(7)} ${seconds.toFixed(1).padStart(7)}\n`)
}
process.exitCode = results.every((r) => r.ok) && results.length > 0 ? 0 : 1
