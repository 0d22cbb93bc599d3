// Draws the pictures of docs/node-red.md: starts the real Node-RED (this package's dev
// dependency) on loopback with a user directory where the built package is installed as a user
// would have it (node_modules/@procura/node-red), deploys the example flow (examples/flow.json),
// and photographs the editor with headless Chromium: the flow, then an operation node's dialog
// with the form drawn from its input schema (into docs/images, or PROCURA_SCREENSHOTS). Needs
// `pnpm build` first and /usr/bin/chromium. CI runs it too, on the package installed from its
// tarball (PROCURA_NODE_RED_PACKAGE names the installed package's directory).
//
//   pnpm --filter @procura/node-red run screenshot
import { spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"

const here = dirname(fileURLToPath(import.meta.url))
// The package Node-RED loads: this one (built), or one installed from its tarball (the packed-install check).
const pkg = resolve(process.env["PROCURA_NODE_RED_PACKAGE"] ?? resolve(here, ".."))
const images = resolve(process.env["PROCURA_SCREENSHOTS"] ?? resolve(here, "../../../docs/images"))
const require = createRequire(import.meta.url)
const nodeRed = join(dirname(require.resolve("node-red/package.json")), "red.js")

const userDir = mkdtempSync(join(tmpdir(), "procura-node-red-editor-"))
mkdirSync(join(userDir, "node_modules", "@procura"), { recursive: true })
symlinkSync(pkg, join(userDir, "node_modules", "@procura", "node-red"), "dir")
const flow = JSON.parse(readFileSync(join(pkg, "examples", "flow.json"), "utf8"))
  .map((node) => (node.type === "procura-config" ? { ...node, dataDir: join(userDir, "procura-data") } : node))
writeFileSync(join(userDir, "flows.json"), JSON.stringify(flow, null, 2))
const port = 18_800 + Math.floor(Math.random() * 100)
writeFileSync(join(userDir, "settings.js"), `module.exports = { uiHost: "127.0.0.1", uiPort: ${port}, flowFile: "flows.json", credentialSecret: false, diagnostics: { enabled: false }, telemetry: { enabled: false }, editorTheme: { tours: false } }\n`)

const red = spawn(process.execPath, [nodeRed, "--userDir", userDir, "--settings", join(userDir, "settings.js")], { stdio: ["ignore", "pipe", "inherit"] })
let log = ""
await new Promise((done, fail) => {
  const timer = setTimeout(() => fail(new Error(`Node-RED did not start:\n${log}`)), 60_000)
  red.stdout.on("data", (chunk) => {
    log += chunk
    if (log.includes("Started flows")) {
      clearTimeout(timer)
      done()
    }
  })
  red.on("exit", (code) => fail(new Error(`Node-RED exited with ${code}:\n${log}`)))
})
if (/Waiting for missing types|\[procura\].*error/i.test(log)) throw new Error(`Procura's nodes did not load:\n${log}`)

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] })
try {
  const page = await browser.newPage({ viewport: { width: 1680, height: 800 } })
  await page.goto(`http://127.0.0.1:${port}/`)
  await page.locator(".red-ui-flow-node-group").first().waitFor({ timeout: 60_000 })
  // Run the flow once: the inject node's button; the debug sidebar then shows the receipt, the
  // domain events and nothing refused.
  await page.locator(".red-ui-flow-node-button").first().click()
  await page.locator(".red-ui-debug-msg", { hasText: "receipt.recorded" }).first().waitFor({ timeout: 60_000 })
  await page.waitForTimeout(1500)
  mkdirSync(images, { recursive: true })
  await page.screenshot({ path: join(images, "node-red-flow.png") })
  // An operation node's dialog: the operations of the catalogue, and the form of the chosen one.
  await page.locator(".red-ui-flow-node-group", { hasText: "receive by scan" }).first().dblclick()
  await page.locator("#procura-operation-fields .red-ui-typedInput-container").first().waitFor({ timeout: 30_000 })
  await page.waitForTimeout(1000)
  await page.screenshot({ path: join(images, "node-red-operation-form.png") })
  console.log(`wrote ${join(images, "node-red-flow.png")} and node-red-operation-form.png`)
} finally {
  await browser.close()
  red.kill()
  rmSync(userDir, { recursive: true, force: true })
}
