// n8n requires community nodes with `require()` and wants no runtime dependencies (its lint rule
// no-runtime-dependencies): the credential and the two nodes are built as CommonJS, and Procura
// with everything it uses is bundled once into dist/src/internal/runtime.js, which both nodes
// require (tsup's CommonJS code splitting breaks generators, so the sharing is by hand; dist
// mirrors the source folders, n8n's layout: credentials/, nodes/<Node>/, and src/internal/);
// n8n-workflow is left to n8n. Procura's packages are read from source (the `@procura/source`
// condition), so the build needs no other package built first. PGlite finds its WebAssembly and
// data files next to the file holding it, so they are copied there; the icons go next to their
// node and credential.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { defineConfig, type Options } from "tsup"

const require = createRequire(import.meta.url)

/** PGlite's files its code loads at run time, relative to its own file. */
const pgliteAssets = ["pglite.wasm", "pglite.data", "initdb.wasm"]

const copyAssets = (): void => {
  // The dist folder is CommonJS whatever the package's own `type` (ESM, for its sources and tests).
  writeFileSync("dist/package.json", `${JSON.stringify({ type: "commonjs" }, null, 2)}\n`)
  for (const folder of ["credentials", "nodes/Procura", "nodes/ProcuraTrigger"]) {
    mkdirSync(join("dist", folder), { recursive: true })
    for (const icon of readdirSync(folder).filter((file) => file.endsWith(".svg"))) copyFileSync(join(folder, icon), join("dist", folder, icon))
  }
  const storageSql = dirname(require.resolve("@procura/storage-sql/package.json"))
  const pglite = dirname(createRequire(join(storageSql, "package.json")).resolve("@electric-sql/pglite"))
  const holders = readdirSync("dist", { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".js") && readFileSync(join("dist", file), "utf8").includes("\"pglite.wasm\""))
  if (holders.length === 0) throw new Error("No chunk holds PGlite: where do its files go?")
  for (const holder of holders) {
    for (const asset of pgliteAssets) copyFileSync(join(pglite, asset), join("dist", dirname(holder), asset))
  }
}

const common = {
  format: ["cjs"],
  outExtension: () => ({ js: ".js" }),
  platform: "node",
  target: "node22",
  splitting: false,
  clean: false,
  sourcemap: false,
  dts: false
} satisfies Options

// The two builds below run at once, so neither cleans: the folder is emptied here, once.
rmSync("dist", { recursive: true, force: true })

export default defineConfig([
  {
    ...common,
    // Procura and what it uses, once: the nodes require it.
    entry: { "src/internal/runtime": "src/internal/runtime.ts" },
    shims: true,
    external: ["n8n-workflow"],
    noExternal: [/^(?!n8n-workflow$)/],
    esbuildOptions(options) {
      options.conditions = ["@procura/source"]
    },
    onSuccess: async () => copyAssets()
  },
  {
    ...common,
    entry: {
      "credentials/ProcuraApi.credentials": "credentials/ProcuraApi.credentials.ts",
      "nodes/Procura/Procura.node": "nodes/Procura/Procura.node.ts",
      "nodes/ProcuraTrigger/ProcuraTrigger.node": "nodes/ProcuraTrigger/ProcuraTrigger.node.ts"
    },
    external: ["n8n-workflow", "../../src/internal/runtime.js"]
  }
])
