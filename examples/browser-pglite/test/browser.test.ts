// The page in headless Chromium, served from dist/ (the test script builds it first) by Vite's
// preview server on an ephemeral port, on a phone-sized screen: order, receive by quantity and by
// serial numbers, see a refusal, list the assets a page at a time, reload and find everything
// again. Every request goes to the page's own origin: there is no server but the static files.
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core"
import { fileURLToPath } from "node:url"
import { preview, type PreviewServer } from "vite"
import { afterAll, assert, beforeAll, describe, it } from "vitest"

const root = fileURLToPath(new URL("..", import.meta.url))
const screenshot = fileURLToPath(new URL("screenshots/browser-pglite.png", import.meta.url))

let server: PreviewServer
let browser: Browser
let origin: string

beforeAll(async () => {
  server = await preview({ root, logLevel: "warn", preview: { host: "127.0.0.1", port: 0 } })
  origin = new URL(server.resolvedUrls!.local[0]!).origin
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
  })
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** Waits until the status line (the polite live region) says `text`. */
const statusSays = (page: Page, text: string) => page.getByRole("status").filter({ hasText: text }).waitFor({ timeout: 60_000 })

const section = (page: Page, name: string) => page.getByRole("region", { name })

const assetRows = (page: Page) =>
  page.locator("#asset-rows tr").evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll("td")].map((td) => td.textContent)))

/** Opens the page in a tab of the context (a browser profile), collecting the errors it throws. */
const openPage = async (context: BrowserContext) => {
  const page = await context.newPage()
  const errors: Array<string> = []
  page.on("pageerror", (error) => errors.push(`${error.name}: ${error.message}`))
  await page.goto(origin)
  return { page, errors }
}

describe("Procura in a browser tab", () => {
  it("orders, receives and lists assets with no server, and keeps them across a reload", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
    const requests: Array<string> = []
    context.on("request", (request) => requests.push(request.url()))
    const { page, errors } = await openPage(context)
    await statusSays(page, "Ready")

    const order = section(page, "Order")
    const receiving = section(page, "Receive")
    await order.getByLabel("Item").selectOption({ label: "Latitude 7450 laptop, 1,399.00 EUR" })
    await order.getByLabel("Units").fill("12")
    await order.getByRole("button", { name: "Order" }).click()
    await statusSays(page, "Ordered 12 × Latitude 7450 laptop")

    await receiving.getByLabel("Units").fill("10")
    await receiving.getByRole("button", { name: "Receive" }).click()
    await statusSays(page, "Received 10 units")
    await receiving.getByLabel("Serial numbers, one per line").fill("SN-0001\nSN-0002\n")
    await receiving.getByRole("button", { name: "Receive" }).click()
    await statusSays(page, "Received 2 units")
    assert.deepStrictEqual(await receiving.getByLabel("Purchase order").locator("option").allTextContents(), ["No purchase order to receive"])

    await order.getByLabel("Item").selectOption({ label: "UltraSharp 27 monitor, 429.00 EUR" })
    await order.getByLabel("Units").fill("1")
    await order.getByRole("button", { name: "Order" }).click()
    await statusSays(page, "Ordered 1 × UltraSharp 27 monitor")

    // Ten assets a page, then the rest through the page's cursor.
    const assets = section(page, "Assets")
    assert.strictEqual(await assets.locator("#asset-counts").textContent(), "1 on order, 12 in stock")
    assert.lengthOf(await assetRows(page), 10)
    await assets.getByRole("button", { name: "Show more" }).click()
    await statusSays(page, "Showing 13 assets")
    const rows = await assetRows(page)
    assert.deepInclude(rows, ["Latitude 7450 laptop", "SN-0001", "in stock", "Store room 1"])
    assert.deepInclude(rows, ["UltraSharp 27 monitor", "—", "on order", "on its way"])
    assert.isTrue(await assets.getByRole("button", { name: "Show more" }).isHidden())

    // Two monitors received on an order of one: refused, and the problem details say so to people.
    await receiving.getByLabel("Units").fill("2")
    await receiving.getByRole("button", { name: "Receive" }).click()
    const alert = page.getByRole("alert")
    await alert.filter({ hasText: "Receipt refused: over receipt" }).waitFor()
    assert.include(await alert.textContent(), "ReceivingError/OverReceipt")

    // Every control has a label, and nothing is wider than the phone.
    const unlabelled = await page.locator("input, select, textarea").evaluateAll((controls) =>
      controls.filter((control) => (control as { readonly labels: ArrayLike<unknown> }).labels.length === 0).map((control) => control.id)
    )
    assert.deepStrictEqual(unlabelled, [])
    assert.isAtMost(await page.locator("html").evaluate((html) => html.scrollWidth), 390)
    await page.screenshot({ path: screenshot, fullPage: true })

    // A reload starts Procura again on the same IndexedDB database: everything is still there.
    await page.reload()
    await statusSays(page, "Ready")
    assert.strictEqual(await page.locator("#asset-counts").textContent(), "1 on order, 12 in stock")
    assert.lengthOf(await assetRows(page), 10)
    assert.lengthOf(await order.getByLabel("Item").locator("option").all(), 2, "the catalog is seeded once")
    const toReceive = await receiving.getByLabel("Purchase order").locator("option").allTextContents()
    assert.lengthOf(toReceive, 1)
    assert.match(toReceive[0]!, /^UltraSharp 27 monitor: 1 of 1 to receive, order …[0-9a-f]{6}$/)
    await assets.getByRole("button", { name: "Show more" }).click()
    await statusSays(page, "Showing 13 assets")
    assert.deepInclude(await assetRows(page), ["Latitude 7450 laptop", "SN-0002", "in stock", "Store room 1"])

    // A second tab of the same browser leaves the database to the first.
    const second = await openPage(context)
    await statusSays(second.page, "Procura is open in another tab")
    assert.isTrue(await second.page.locator("#desk").isHidden())

    assert.deepStrictEqual(errors, [])
    assert.deepStrictEqual(second.errors, [])
    // No server: PGlite's WebAssembly and data files come from the page's origin like the script,
    // and nothing else is asked of anyone. The PostgreSQL driver's chunk is never even loaded.
    assert.deepStrictEqual(requests.filter((url) => new URL(url).origin !== origin), [])
    assert.isTrue(requests.some((url) => url.endsWith(".wasm")), "PGlite's WebAssembly comes from the page's origin")
    assert.isFalse(requests.some((url) => url.includes("/PgClient-")), "the PostgreSQL driver stays unloaded")
    await context.close()
  })
})
