// The receiving page in a real headless Chromium at a phone's size, against the real server on
// the built packages: scan bursts, repeats, refusals, scans queued offline and a lost answer,
// then the order's counts read back through the API.
import { mkdirSync, readFileSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { type ServerType, serve } from "@hono/node-server"
import { createProcura, type Principal, type ProcuraClient } from "@procura/core/promise"
import { developmentTokens, tokenTable } from "@procura/example-hono-api"
import { SqlStorage } from "@procura/storage-sql"
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { type Seeded, seed } from "../src/seed.js"
import { createReceivingApp } from "../src/server.js"

const screenshots = new URL("screenshots/", import.meta.url)

let procura: ProcuraClient
let server: ServerType
let browser: Browser
let context: BrowserContext
let page: Page
let seeded: Seeded
let base: string

beforeAll(async () => {
  procura = createProcura({ storage: SqlStorage.layerPglite() })
  await procura.ready()
  seeded = await seed(procura)
  const app = createReceivingApp({ procura, authenticate: tokenTable(developmentTokens), log: () => {} })
  await new Promise<void>((listening) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => listening())
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  browser = await chromium.launch({
    executablePath: process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
  })
  // A phone: 390 × 844 CSS pixels, touch, twice the pixels.
  context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
  page = await context.newPage()
})

afterAll(async () => {
  await browser?.close()
  await new Promise((closed) => server?.close(closed))
  await procura?.dispose()
})

const storekeeper = developmentTokens["dev-storekeeper"] as Principal

/** The order's received units per line, as the API reads them. */
const received = async (purchaseOrderId: string) =>
  (await procura.receiving.backorders({ purchaseOrderId }, { principal: storekeeper })).items.map((line) => line.received)

/** Types a code as a keyboard-wedge scanner does: a burst of keys a few ms apart, then Enter. */
const wedge = async (code: string) => {
  await page.keyboard.type(code, { delay: 4 })
  await page.keyboard.press("Enter")
}

const entries = (state: string) => page.locator(`#results li[data-state="${state}"]`)

/** Waits until `count` scans are in `state` (the test's code is Node's; this runs in the page). */
const until = (state: string, count: number) =>
  page.waitForFunction(`document.querySelectorAll('#results li[data-state="${state}"]').length === ${count}`)

/** Waits until no scan is on its way (sending). */
const settled = () => until("sending", 0)

describe("receiving-web", () => {
  it("signs in and lists the orders and shipments with units to receive", async () => {
    await page.goto(`${base}/receiving/`)
    await page.getByLabel("Access token").fill("dev-storekeeper")
    await page.getByRole("button", { name: "Sign in" }).click()
    await page.getByRole("heading", { name: "What arrived?" }).waitFor()
    await page.getByRole("button", { name: new RegExp(`Order …${seeded.orderId.slice(-6)}: 3 × Latitude 7450, 2 × UltraSharp`) }).waitFor()
    await page.getByRole("button", { name: /DHL JD.*: 2 units/ }).waitFor()
  })

  it("receives a shipment's serial numbers; a repeated scan is already received, a code with nowhere to go is refused", async () => {
    await page.getByRole("button", { name: /DHL JD/ }).click()
    await page.getByLabel("Scan or type a code").waitFor()
    const [first, second] = seeded.advanceSerials
    // One burst after another into the focused scan field.
    for (const code of [first!, first!, second!, "XYZ-999"]) await wedge(code)
    await settled()
    assert.strictEqual(await entries("received").count(), 2)
    assert.strictEqual(await entries("already_received").count(), 1)
    const refused = entries("rejected")
    assert.strictEqual(await refused.count(), 1)
    assert.include(await refused.first().textContent(), "XYZ-999")
    assert.include(await page.getByRole("status").filter({ hasText: "XYZ-999" }).textContent(), "Refused")
    assert.deepStrictEqual(await received(seeded.shippedOrderId), [2])
    await page.getByRole("button", { name: "Receive something else" }).click()
  })

  it("takes bursts typed in the field and with focus elsewhere; an ambiguous serial is refused with the reason", async () => {
    await page.getByRole("button", { name: new RegExp(`Order …${seeded.orderId.slice(-6)}`) }).click()
    await page.getByLabel("Scan or type a code").waitFor()
    const [laptops, , cables] = seeded.lineCodes
    await wedge(laptops!)
    await wedge(laptops!)
    // The storekeeper tapped the heading: the scanner's burst still lands.
    await page.getByRole("heading", { name: /Order/ }).click()
    for (let i = 0; i < 3; i++) await wedge(cables!)
    await page.getByLabel("Scan or type a code").focus()
    await wedge("SN-NEW-1")
    await settled()
    assert.strictEqual(await entries("received").count(), 2 + 5, "the shipment's two, then five")
    const ambiguous = entries("rejected").filter({ hasText: "SN-NEW-1" })
    assert.include(await ambiguous.textContent(), "could take it")
    assert.deepStrictEqual(await received(seeded.orderId), [2, 0, 3])
    // Saying which line it is for receives it.
    await page.getByLabel("New serial numbers are for").selectOption({ label: "line 2: UltraSharp 27 monitor (2 left)" })
    await wedge("SN-NEW-1")
    await settled()
    assert.include(await entries("received").filter({ hasText: "SN-NEW-1" }).textContent(), "line 2")
    await page.getByLabel("New serial numbers are for").selectOption({ index: 0 })
    assert.deepStrictEqual(await received(seeded.orderId), [2, 1, 3])
    await page.locator("#backorders summary").click()
    const rows = await page.locator("#backorders tbody tr").allTextContents()
    assert.deepStrictEqual(rows, ["1Latitude 7450321", "2UltraSharp 27 monitor211", "3USB-C cable 1 m1037"])
  })

  it("queues scans made offline and sends them once when the connection returns", async () => {
    const [laptops, monitors] = seeded.lineCodes
    await context.setOffline(true)
    for (const code of [monitors!, laptops!]) await wedge(code)
    await until("queued", 2)
    assert.strictEqual(await page.locator("#connection").textContent(), "Offline: 2 scans queued")
    assert.deepStrictEqual(await received(seeded.orderId), [2, 1, 3], "nothing arrives while offline")
    await context.setOffline(false)
    await settled()
    await until("queued", 0)
    assert.deepStrictEqual(await received(seeded.orderId), [3, 2, 3])
    assert.strictEqual(await page.locator("#connection").textContent(), "Online")
  })

  it("sends a batch whose answer was lost again under its key: received once", async () => {
    const cables = seeded.lineCodes[2]!
    // The server receives the batch, but the answer never reaches the phone.
    await page.route("**/operations/receiving.receiveScans", async (route) => {
      await route.fetch()
      await route.abort("connectionreset")
    }, { times: 1 })
    await wedge(cables)
    await until("queued", 1)
    assert.deepStrictEqual(await received(seeded.orderId), [3, 2, 4], "the server did receive it")
    // The page tries again (the browser's online event, or its timer).
    await page.evaluate(`window.dispatchEvent(new Event("online"))`)
    await until("queued", 0)
    assert.deepStrictEqual(await received(seeded.orderId), [3, 2, 4], "sent twice, received once")
    assert.strictEqual(await entries("received").count(), 2 + 6 + 2 + 1)
  })

  it("fits a phone screen and says what happened in words, and the screenshot shows it", async () => {
    const wider = await page.evaluate(`[...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth)
      .map((e) => e.outerHTML.slice(0, 80))`)
    assert.deepStrictEqual(wider, [], "no sideways scrolling at 390 px")
    for (const label of ["Received", "Already received", "Refused"]) {
      assert.isAbove(await page.locator("#results .what", { hasText: new RegExp(`^${label}$`) }).count(), 0, label)
    }
    mkdirSync(screenshots, { recursive: true })
    const file = new URL("receiving.png", screenshots)
    await page.screenshot({ path: file.pathname, fullPage: true })
    const png = readFileSync(file)
    assert.strictEqual(png.subarray(1, 4).toString("latin1"), "PNG")
    assert.strictEqual(png.readUInt32BE(16), 390 * 2, "the screenshot is the phone's width")
  })
})
