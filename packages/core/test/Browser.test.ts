// The core runs in browsers as in Node. Bundled for a browser with everything it imports (effect,
// zod, yaml), it needs no Node built-in module, and it loads and runs with the Web platform's
// globals alone: no `Buffer`, `process` or `require`. (Its own code also compiles against the Web
// platform's types without Node's, see tsconfig.json, so a Node global in a rarely run path fails
// the build.)
import { assert, describe, it } from "@effect/vitest"
import { isBuiltin } from "node:module"
import { fileURLToPath } from "node:url"
import { createContext, runInContext } from "node:vm"
import { build, defaultClientConditions, type Rolldown } from "vite"
import type * as BrowserEntry from "./fixtures/browserEntry.js"

const root = fileURLToPath(new URL("..", import.meta.url))

/** Bundles the fixture for a browser as one script, recording every Node built-in module asked for. */
const bundleForBrowser = async () => {
  const builtins: Array<string> = []
  const result = await build({
    configFile: false,
    root,
    logLevel: "silent",
    resolve: { conditions: ["@procura/source", ...defaultClientConditions] },
    plugins: [{
      name: "record-node-builtins",
      enforce: "pre",
      resolveId(source, importer) {
        if (isBuiltin(source)) builtins.push(`${importer} imports ${source}`)
        return null
      }
    }],
    build: {
      write: false,
      minify: false,
      lib: { entry: "test/fixtures/browserEntry.ts", formats: ["iife"], name: "Procura", fileName: "procura" }
    }
  })
  // Not watching, so the build gives its output: one per format (lib mode gives a list).
  const outputs = Array.isArray(result) ? result : [result as Rolldown.RolldownOutput]
  const chunk = outputs.flatMap((output) => output.output).find((file): file is Rolldown.OutputChunk => file.type === "chunk")
  assert.isDefined(chunk, "the build wrote no script")
  return { builtins, code: chunk!.code }
}

/** A global scope with the Web platform's APIs the core may use, and nothing of Node's. */
const webGlobals = () => ({
  console,
  crypto,
  TextEncoder,
  TextDecoder,
  URL,
  URLSearchParams,
  AbortController,
  AbortSignal,
  Event,
  EventTarget,
  DOMException,
  setTimeout,
  clearTimeout,
  setInterval,
  clearInterval,
  queueMicrotask,
  structuredClone,
  performance,
  atob,
  btoa
})

describe("The core in a browser", () => {
  it("bundles without Node built-in modules, and loads and runs with Web globals only", { timeout: 60_000 }, async () => {
    const { builtins, code } = await bundleForBrowser()
    assert.deepStrictEqual(builtins, [])

    const scope = createContext(webGlobals())
    assert.strictEqual(runInContext("typeof Buffer + typeof process + typeof require", scope), "undefinedundefinedundefined")
    runInContext(code, scope, { filename: "procura.iife.js" })
    const { PromiseFace, unavailableStorage } = (scope as { readonly Procura: typeof BrowserEntry }).Procura

    const procura = PromiseFace.createProcura({
      storage: unavailableStorage,
      principal: { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] }
    })
    const failure = await procura.catalog.createVendor({ code: "DELL", name: "Dell Technologies" }).then(
      () => assert.fail("the call succeeded without storage"),
      (error: unknown) => error
    )
    assert.include(procura.toProblem(failure), { code: "StorageError/Unavailable", status: 503 })
    assert.property(procura.openApi().paths, "/operations/catalog.createVendor")
    await procura.dispose()
  })
})
