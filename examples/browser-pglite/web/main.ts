/**
 * The page: forms that call the desk (`src/desk.ts`), and what they show. Errors become
 * readable messages through `procura.toProblem`, at this one edge.
 */
import { type Assets, Money, Purchasing } from "@procura/core"
import type { ProcuraClient } from "@procura/core/promise"
import { databaseName, openDesk, openOrders, orderUnits, receive, seedCatalog, storekeeper } from "../src/desk.js"

const byId = <E extends HTMLElement>(id: string): E => {
  const element = document.getElementById(id)
  if (element === null) throw new Error(`The page has no #${id}`)
  return element as E
}

const status = byId<HTMLParagraphElement>("status")
const problem = byId<HTMLDivElement>("problem")
const desk = byId<HTMLDivElement>("desk")
const orderForm = byId<HTMLFormElement>("order-form")
const orderItem = byId<HTMLSelectElement>("order-item")
const orderQuantity = byId<HTMLInputElement>("order-quantity")
const receiveForm = byId<HTMLFormElement>("receive-form")
const receiveOrder = byId<HTMLSelectElement>("receive-order")
const receiveQuantity = byId<HTMLInputElement>("receive-quantity")
const receiveSerials = byId<HTMLTextAreaElement>("receive-serials")
const assetCounts = byId<HTMLParagraphElement>("asset-counts")
const assetRows = byId<HTMLTableSectionElement>("asset-rows")
const moreAssets = byId<HTMLButtonElement>("more-assets")

/** Assets are listed a page at a time; "Show more" follows the page's cursor. */
const assetPageSize = 10

/** The last 6 characters of an id: enough to tell the orders on the page apart. */
const shortId = (id: string) => `…${id.slice(-6)}`
const words = (state: string) => state.replaceAll("_", " ")

const showStatus = (text: string) => {
  problem.replaceChildren()
  status.textContent = text
}

/** Shows what went wrong as the problem details Procura gives for it: title, detail, code. */
const showProblem = (procura: ProcuraClient, error: unknown) => {
  const details = procura.toProblem(error)
  // A 5xx tells people nothing of its cause (the details leave it out): the console has the error.
  if (details.status >= 500) console.error(error)
  const title = document.createElement("strong")
  title.textContent = details.title
  const code = document.createElement("code")
  code.textContent = details.code
  problem.replaceChildren(title, " ", details.detail, " ", code)
  status.textContent = ""
}

const cell = (text: string) => {
  const td = document.createElement("td")
  td.textContent = text
  return td
}

const assetRow = (asset: Assets.Asset) => {
  const row = document.createElement("tr")
  row.append(
    cell(asset.name),
    cell(asset.serialNumber ?? "—"),
    cell(words(asset.status)),
    cell(asset.storageSpace ?? (asset.status === "on_order" ? "on its way" : "—"))
  )
  return row
}

/** Runs what a form asks for, with the forms disabled meanwhile and any error shown. */
const busy = async (procura: ProcuraClient, working: string, action: () => Promise<string>) => {
  const controls = [...document.querySelectorAll<HTMLButtonElement>("button")]
  controls.forEach((button) => (button.disabled = true))
  showStatus(working)
  try {
    showStatus(await action())
  } catch (error) {
    showProblem(procura, error)
  } finally {
    controls.forEach((button) => (button.disabled = false))
  }
}

/** Seeds the catalog on the first visit, shows the orders and assets, and wires the forms. */
const start = async (procura: ProcuraClient) => {
  let assetCursor: string | undefined

  const renderOrders = async () => {
    const orders = await openOrders(procura)
    receiveOrder.replaceChildren(
      ...orders.flatMap((order) =>
        order.lines
          .filter((line) => Purchasing.backorderedQuantity(line) > 0)
          .map((line) => {
            const label = `${line.description}: ${Purchasing.backorderedQuantity(line)} of ${line.quantity} to receive, order ${shortId(order.id)}`
            return new Option(label, JSON.stringify({ purchaseOrderId: order.id, lineNo: line.lineNo }))
          })
      )
    )
    if (receiveOrder.options.length === 0) receiveOrder.append(new Option("No purchase order to receive", ""))
  }

  const renderAssets = async (more: boolean) => {
    const { assets } = procura.as(storekeeper)
    const [page, counts] = await Promise.all([
      assets.listAssets({ limit: assetPageSize, ...(more && assetCursor !== undefined ? { cursor: assetCursor } : {}) }),
      assets.countAssetsByStatus({})
    ])
    assetCursor = page.cursor
    const rows = page.items.map(assetRow)
    if (more) assetRows.append(...rows)
    else assetRows.replaceChildren(...rows)
    moreAssets.hidden = assetCursor === undefined
    const summary = Object.entries(counts).filter(([, count]) => count > 0).map(([state, count]) => `${count} ${words(state)}`)
    assetCounts.textContent = summary.length === 0 ? "No assets yet: order some." : summary.join(", ")
  }

  const items = await seedCatalog(procura)
  orderItem.replaceChildren(
    ...items.map((item) => new Option(`${item.name}, ${Money.format(item.approvedVendors[0]!.unitCost)}`, item.id))
  )
  await Promise.all([renderOrders(), renderAssets(false)])

  orderForm.addEventListener("submit", (event) => {
    event.preventDefault()
    const quantity = orderQuantity.valueAsNumber
    void busy(procura, "Ordering…", async () => {
      const order = await orderUnits(procura, orderItem.value, quantity)
      await Promise.all([renderOrders(), renderAssets(false)])
      return `Ordered ${quantity} × ${order.lines[0]!.description}: purchase order ${shortId(order.id)}, ${Money.format(order.total)}.`
    })
  })

  receiveForm.addEventListener("submit", (event) => {
    event.preventDefault()
    if (receiveOrder.value === "") return showStatus("There is no purchase order to receive: order something first.")
    const { purchaseOrderId, lineNo } = JSON.parse(receiveOrder.value) as { purchaseOrderId: string; lineNo: number }
    const serialNumbers = receiveSerials.value.split("\n").map((serial) => serial.trim()).filter((serial) => serial !== "")
    const delivery = serialNumbers.length > 0 ? { serialNumbers } : { quantity: receiveQuantity.valueAsNumber }
    void busy(procura, "Receiving…", async () => {
      const receipt = await receive(procura, purchaseOrderId, lineNo, delivery)
      receiveSerials.value = ""
      await Promise.all([renderOrders(), renderAssets(false)])
      const units = receipt.lines.reduce((sum, line) => sum + line.quantity, 0)
      return `Received ${units} unit${units === 1 ? "" : "s"} of purchase order ${shortId(purchaseOrderId)} into ${receipt.storageSpace}.`
    })
  })

  moreAssets.addEventListener("click", () => {
    void busy(procura, "Loading more assets…", async () => {
      await renderAssets(true)
      return `Showing ${assetRows.rows.length} assets.`
    })
  })

  desk.hidden = false
  showStatus(`Ready. The data stays in this browser (IndexedDB database "${databaseName}") until you clear the site's data.`)
}

// PGlite's IndexedDB files take one tab at a time: the first tab holds a Web Lock for as long as it
// lives, and another tab says so instead of opening the database beside it.
void navigator.locks.request(databaseName, { ifAvailable: true }, async (lock) => {
  if (lock === null) {
    status.textContent = "Procura is open in another tab of this browser. Close it, then reload this page."
    return
  }
  const procura = openDesk()
  try {
    await start(procura)
  } catch (error) {
    showProblem(procura, error)
    return
  }
  await new Promise<never>(() => {})
})
