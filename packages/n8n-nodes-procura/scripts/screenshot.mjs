// Draws the pictures of docs/n8n.md in a real n8n server: installs this package's tarball into a
// fresh n8n user folder as the docs tell users to (`~/.n8n/nodes`, `npm install`), starts n8n on
// loopback, creates an owner, the two credentials and the example workflow
// (examples/procure-to-receipt.json) through n8n's REST API, runs the workflow from the editor in
// headless Chromium and photographs the canvas and the receiving node's output (into docs/images,
// or PROCURA_SCREENSHOTS).
//
// n8n's server is not a dev dependency (about 2.9 GB installed; see docs/n8n.md), so give its
// executable in N8N_BIN. n8n's own settings (DB_TYPE and DB_POSTGRESDB_* for PostgreSQL, say)
// pass through from the environment. Needs `pnpm build` first and /usr/bin/chromium.
//
//   N8N_BIN=/opt/n8n/node_modules/.bin/n8n pnpm --filter n8n-nodes-procura run screenshot
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { chromium } from "playwright-core"

const here = dirname(fileURLToPath(import.meta.url))
const packageDir = resolve(here, "..")
const images = resolve(process.env["PROCURA_SCREENSHOTS"] ?? resolve(packageDir, "../../docs/images"))
const n8nBin = process.env["N8N_BIN"]
if (n8nBin === undefined || !existsSync(n8nBin)) {
  console.error("Give n8n's executable in N8N_BIN, e.g. after `npm install n8n@2.41.1 --ignore-scripts` in /opt/n8n:\n  N8N_BIN=/opt/n8n/node_modules/.bin/n8n")
  process.exit(2)
}

const userFolder = mkdtempSync(join(tmpdir(), "procura-n8n-editor-"))
const nodesDir = join(userFolder, ".n8n", "nodes")
mkdirSync(nodesDir, { recursive: true })
// The package as users get it: its tarball, installed where n8n looks for community nodes.
execFileSync("pnpm", ["pack", "--pack-destination", userFolder], { cwd: packageDir, stdio: ["ignore", "ignore", "inherit"] })
const tarball = join(userFolder, readdirSync(userFolder).find((name) => name.endsWith(".tgz")))
writeFileSync(join(nodesDir, "package.json"), JSON.stringify({ name: "installed-nodes", private: true, dependencies: {} }))
execFileSync("npm", ["install", tarball, "--omit=peer", "--no-audit", "--no-fund"], { cwd: nodesDir, stdio: ["ignore", "ignore", "inherit"] })

const port = 15_700 + Math.floor(Math.random() * 100)
const base = `http://127.0.0.1:${port}`
const n8n = spawn(n8nBin, ["start"], {
  env: {
    ...process.env,
    N8N_USER_FOLDER: userFolder,
    N8N_PORT: String(port),
    N8N_LISTEN_ADDRESS: "127.0.0.1",
    N8N_HOST: "127.0.0.1",
    N8N_SECURE_COOKIE: "false",
    N8N_DIAGNOSTICS_ENABLED: "false",
    N8N_PERSONALIZATION_ENABLED: "false",
    N8N_VERSION_NOTIFICATIONS_ENABLED: "false",
    N8N_TEMPLATES_ENABLED: "false",
    N8N_RUNNERS_BROKER_PORT: String(port + 1)
  },
  stdio: ["ignore", "pipe", "pipe"]
})
let log = ""
await new Promise((done, fail) => {
  const timer = setTimeout(() => fail(new Error(`n8n did not start:\n${log}`)), 180_000)
  const read = (chunk) => {
    log += chunk
    if (log.includes("Editor is now accessible")) {
      clearTimeout(timer)
      done()
    }
  }
  n8n.stdout.on("data", read)
  n8n.stderr.on("data", read)
  n8n.on("exit", (code) => fail(new Error(`n8n exited with ${code}:\n${log}`)))
})

let browser
try {
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] })
  const page = await browser.newPage({ viewport: { width: 1680, height: 860 } })
  /** A call to n8n's REST API in the page's session; its `data`. */
  const rest = async (path, body) => {
    const response = await page.request.post(`${base}/rest${path}`, { data: body })
    if (!response.ok()) throw new Error(`POST /rest${path}: ${response.status()} ${await response.text()}`)
    return (await response.json()).data
  }
  await rest("/owner/setup", { email: "ada@example.com", firstName: "Ada", lastName: "Admin", password: "Procura-n8n-1" })
  const nodeTypes = await (await page.request.get(`${base}/types/nodes.json`)).json()
  const procuraTypes = nodeTypes.map((type) => type.name).filter((name) => name.startsWith("n8n-nodes-procura."))
  if (!procuraTypes.includes("n8n-nodes-procura.procura") || !procuraTypes.includes("n8n-nodes-procura.procuraTrigger")) {
    throw new Error(`n8n did not load the Procura nodes (it has ${procuraTypes.join(", ") || "none"}):\n${log}`)
  }

  // The example's credentials, on one embedded store, then the workflow naming their new ids.
  const dataDir = join(userFolder, "procura-data")
  const example = JSON.parse(readFileSync(join(packageDir, "examples", "procure-to-receipt.json"), "utf8"))
  const ids = {}
  for (const [id, principal] of [["procura-admin", "ada@acme:admin"], ["procura-requester", "rae@acme:requester"]]) {
    const name = example.nodes.flatMap((node) => Object.values(node.credentials ?? {})).find((credential) => credential.id === id).name
    ids[id] = (await rest("/credentials", { name, type: "procuraApi", data: { storage: "embedded", dataDir, principal } })).id
  }
  for (const node of example.nodes) {
    if (node.credentials?.procuraApi !== undefined) node.credentials.procuraApi.id = ids[node.credentials.procuraApi.id]
  }
  const workflow = await rest("/workflows", { ...example, active: false })

  await page.goto(`${base}/workflow/${workflow.id}`)
  await page.locator('[data-test-id="canvas-node"]').first().waitFor({ timeout: 60_000 })
  await page.locator('[data-test-id="execute-workflow-button"]').click()
  const last = page.locator('[data-test-id="canvas-node"]', { hasText: "Receive by scan" })
  await last.locator('[data-test-id="canvas-node-status-success"]').waitFor({ timeout: 120_000 })
  await page.keyboard.press("1") // zoom to fit
  await page.waitForTimeout(1500)
  mkdirSync(images, { recursive: true })
  await page.screenshot({ path: join(images, "n8n-workflow.png") })
  // The receiving node: its input (the submitted order) and output (the receipt, each scan's outcome).
  await last.dblclick()
  await page.locator('[data-test-id="ndv"]').waitFor({ timeout: 30_000 })
  await page.waitForTimeout(1500)
  await page.screenshot({ path: join(images, "n8n-receive-node.png") })
  console.log(`wrote ${join(images, "n8n-workflow.png")} and n8n-receive-node.png`)
} finally {
  await browser?.close()
  n8n.kill()
  rmSync(userFolder, { recursive: true, force: true })
}
