// docs/architecture.md stays true: every core folder and file it names exists, every collection
// it gives a module is declared in that module's folder, and every collection of the core is named.
import { assert, describe, it } from "@effect/vitest"
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const doc = readFileSync(fileURLToPath(new URL("../architecture.md", import.meta.url)), "utf8")
const coreSrc = fileURLToPath(new URL("../../packages/core/src/", import.meta.url))
const repo = fileURLToPath(new URL("../../", import.meta.url))

const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : []
  })

/** Collection names (`name: "receipts"` of a `Storage.collection`) declared under a folder. */
const collectionsIn = (dir: string): Array<string> =>
  filesUnder(dir).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/Storage\.collection\(\{\s*name: "(\w+)"/g)].map((m) => m[1]!))

describe("docs/architecture.md", () => {
  it("names files and folders that exist", () => {
    const named = [...doc.matchAll(/`((?:[a-z]+\/)+(?:[\w.]+\.ts)?|[A-Z]\w+\.ts)`/g)].map((m) => m[1]!)
    assert.isAbove(named.length, 20)
    const missing = named.filter((path) =>
      !existsSync(join(coreSrc, path)) && !existsSync(join(repo, path)) &&
      !existsSync(join(repo, "packages/core", path)) && !existsSync(join(repo, "packages/core/test", path.replace(/^packages\/core\/test\//, ""))))
    assert.deepStrictEqual(missing, [])
  })

  it("gives each module the collections its folder declares, and names them all", () => {
    const rows = [...doc.matchAll(/^\| (\w+) \| `(\w+)\/` \| ([^|]+) \|/gm)]
    assert.isAbove(rows.length, 8)
    const documented = new Set<string>()
    for (const [, module, folder, owns] of rows) {
      const declared = collectionsIn(join(coreSrc, folder!)).toSorted()
      const listed = [...owns!.matchAll(/`(\w+)`/g)].map((m) => m[1]!).toSorted()
      assert.deepStrictEqual(listed, declared, `module ${module}: the table lists ${listed.join(", ")}; ${folder}/ declares ${declared.join(", ")}`)
      listed.forEach((name) => documented.add(name))
    }
    const all = collectionsIn(coreSrc).toSorted()
    assert.deepStrictEqual([...documented].toSorted(), all)
  })
})
