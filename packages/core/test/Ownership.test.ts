// Each module owns its collections: only code in the module's folder writes them. Other modules
// (and plugins) go through the owner's functions in `src/<module>/internal/`, which the package
// does not export. This test reads the sources: a write call (`insertMany`, `updateMany`,
// `insertOne`, `updateOne`) whose collection is declared in another module's folder fails it,
// and so does a module importing another module's files other than its public model files or
// its `internal/` offer.
import { describe, expect, it } from "@effect/vitest"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"

const packages = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const coreSrc = join(packages, "core", "src")

const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith(".ts") ? [path] : []
  })

/** The module a core source file belongs to: its first folder under src/ (none for root files). */
const moduleOf = (file: string): string | undefined => {
  const parts = relative(coreSrc, file).split(sep)
  return parts.length > 1 ? parts[0] : undefined
}

/** Collection identifiers (`export const receipts = Storage.collection(`) and their module. */
const collections = new Map<string, string>()
for (const file of filesUnder(coreSrc)) {
  const module = moduleOf(file)
  if (module === undefined) continue
  for (const match of readFileSync(file, "utf8").matchAll(/export const (\w+) = Storage\.collection\(/g)) {
    collections.set(match[1]!, module)
  }
}

const writeCall = /\.(insertMany|updateMany|insertOne|updateOne)\(\s*([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?/g

interface Violation {
  readonly file: string
  readonly line: number
  readonly text: string
}

/**
 * The writes of a file to collections of another module than `owner` (undefined: any module's,
 * for plugins). Collections reach a file by a named import, or as a member of a namespace import.
 */
const foreignWrites = (file: string, owner: string | undefined): Array<Violation> => {
  const code = readFileSync(file, "utf8")
  const named = new Map<string, string>()
  const namespaces = new Set<string>()
  for (const match of code.matchAll(/^import (?:type )?\{([^}]*)\} from "([^"]+)"/gm)) {
    for (const specifier of match[1]!.split(",").map((s) => s.trim()).filter(Boolean)) {
      const [imported, local = imported] = specifier.replace(/^type\s+/, "").split(/\s+as\s+/) as [string, string?]
      named.set(local!, imported)
    }
  }
  for (const match of code.matchAll(/^import \* as (\w+) from "([^"]+)"/gm)) namespaces.add(match[1]!)
  for (const match of code.matchAll(/^import \{([^}]*)\} from "@procura\/core"/gm)) {
    for (const name of match[1]!.split(",").map((s) => s.trim())) namespaces.add(name)
  }
  const violations: Array<Violation> = []
  for (const match of code.matchAll(writeCall)) {
    const [, , head, member] = match as unknown as [string, string, string, string | undefined]
    const collection = member !== undefined && namespaces.has(head) ? member : named.get(head) ?? (owner === undefined ? undefined : head)
    const module = collection === undefined ? undefined : collections.get(collection)
    if (module === undefined || module === owner) continue
    const line = code.slice(0, match.index).split("\n").length
    violations.push({ file: relative(packages, file), line, text: `${match[0].trim()} (${collection} belongs to ${module})` })
  }
  return violations
}

/**
 * Imports of one module's files by another: allowed from the other module's `internal/` folder
 * (what it offers other modules) and from its model, events and errors files (schemas, types and
 * error classes); type-only imports are always allowed.
 */
const foreignImports = (file: string, owner: string): Array<string> => {
  const code = readFileSync(file, "utf8")
  const found: Array<string> = []
  for (const match of code.matchAll(/^import (type )?[^"]*? from "(\.\.\/[^"]+)"/gm)) {
    const [, typeOnly, path] = match as unknown as [string, string | undefined, string]
    if (typeOnly !== undefined) continue
    const target = resolve(dirname(file), path)
    const module = moduleOf(target)
    // Shared infrastructure folders (rules/, internal/) declare no collections: anyone may use them.
    if (module === undefined || module === owner || ![...collections.values()].includes(module)) continue
    const offered = target.includes(`${sep}internal${sep}`) || /(Model|Events|Errors)\.js$/.test(target)
    if (!offered) found.push(`${relative(packages, file)} imports ${path}`)
  }
  return found
}

describe("module ownership", () => {
  it("finds the collections of every module", () => {
    expect(new Set(collections.values())).toEqual(
      new Set(["catalog", "assets", "requisition", "invoicing", "receiving", "shipping", "licensing", "stock", "purchasing"])
    )
  })

  it("only the owning module writes a collection", () => {
    const violations = filesUnder(coreSrc).flatMap((file) => {
      const module = moduleOf(file)
      return module === undefined ? [] : foreignWrites(file, module)
    })
    expect(violations.map((v) => `${v.file}:${v.line} ${v.text}`)).toEqual([])
  })

  it("modules use each other only through internal/ offers and model, events and errors files", () => {
    const found = filesUnder(coreSrc).flatMap((file) => {
      const module = moduleOf(file)
      return module === undefined ? [] : foreignImports(file, module)
    })
    expect(found).toEqual([])
  })

  it("plugins write no core collection", () => {
    const pluginSources = readdirSync(join(packages, "plugins")).flatMap((plugin) => filesUnder(join(packages, "plugins", plugin, "src")))
    const violations = pluginSources.flatMap((file) => foreignWrites(file, undefined))
    expect(violations.map((v) => `${v.file}:${v.line} ${v.text}`)).toEqual([])
  })
})
