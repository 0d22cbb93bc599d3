// The PGlite path runs in browsers. Bundled for a browser, the package's entry loads no Node
// built-in module: `@effect/sql-pg`, whose connection code needs Node (sockets, TLS, `Buffer` at
// module load), is only in a chunk loaded when a PostgreSQL layer starts. PGlite is left out of
// the bundle: it is a browser library of its own, importing Node's modules only under Node.
import { assert, describe, it } from "@effect/vitest"
import { isBuiltin } from "node:module"
import { fileURLToPath } from "node:url"
import { build, defaultClientConditions, type Rolldown } from "vite"

const root = fileURLToPath(new URL("..", import.meta.url))

/** Bundles the package's entry for a browser, recording which modules ask for Node built-ins. */
const bundleForBrowser = async () => {
  const nodeImporters = new Set<string>()
  const result = await build({
    configFile: false,
    root,
    logLevel: "silent",
    resolve: { conditions: ["@procura/source", ...defaultClientConditions] },
    plugins: [{
      name: "record-node-builtins",
      enforce: "pre",
      resolveId(source, importer) {
        if (isBuiltin(source) && importer !== undefined) nodeImporters.add(importer)
        return null
      }
    }],
    build: {
      write: false,
      minify: false,
      lib: { entry: "src/index.ts", formats: ["es"], fileName: "index" },
      rolldownOptions: { external: [/^@electric-sql\/pglite/] }
    }
  })
  // Not watching, so the build gives its output: one per format (lib mode gives a list).
  const outputs = Array.isArray(result) ? result : [result as Rolldown.RolldownOutput]
  const chunks = new Map(
    outputs.flatMap((output) => output.output).flatMap((file) => file.type === "chunk" ? [[file.fileName, file] as const] : [])
  )
  return { chunks, nodeImporters }
}

/** The chunks a browser loads before anything runs: the entry and what it imports statically. */
const loadedAtStart = (chunks: ReadonlyMap<string, Rolldown.OutputChunk>): ReadonlySet<Rolldown.OutputChunk> => {
  const loaded = new Set<Rolldown.OutputChunk>()
  const visit = (chunk: Rolldown.OutputChunk | undefined): void => {
    if (chunk === undefined || loaded.has(chunk)) return
    loaded.add(chunk)
    for (const name of chunk.imports) visit(chunks.get(name))
  }
  for (const chunk of chunks.values()) if (chunk.isEntry) visit(chunk)
  return loaded
}

describe("The SQL storage in a browser", () => {
  it("loads no Node built-in module on the PGlite path; @effect/sql-pg waits in a lazy chunk", { timeout: 60_000 }, async () => {
    const { chunks, nodeImporters } = await bundleForBrowser()
    const startChunks = loadedAtStart(chunks)
    const atStart = [...startChunks].flatMap((chunk) => chunk.moduleIds)
    assert.isTrue(atStart.some((id) => id.endsWith("src/PgliteClient.ts")), "the entry holds the PGlite client")
    assert.deepStrictEqual(atStart.filter((id) => nodeImporters.has(id)), [])
    assert.deepStrictEqual(atStart.filter((id) => id.includes("@effect/sql-pg")), [])

    // The PostgreSQL driver is still there, behind a dynamic import, and needs Node.
    const lazy = [...chunks.values()].filter((chunk) => !startChunks.has(chunk)).flatMap((chunk) => chunk.moduleIds)
    assert.isTrue(lazy.some((id) => id.includes("@effect/sql-pg") && nodeImporters.has(id)))
  })
})
