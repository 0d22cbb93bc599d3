/**
 * The receiving page: sign in, pick an order or a shipment, then scan. Every scan shows at once
 * (sending, queued), then what Procura made of it: received, already received, or refused and why.
 */
import type { Receiving, Shipping } from "@procura/core"
import { call, ProblemError } from "./api.js"
import { cameraSupported, startCamera } from "./camera.js"
import { type Batch, Outbox, type Report, type Scan, type Target } from "./outbox.js"
import { captureWedge } from "./wedge.js"

const $ = <E extends HTMLElement>(id: string) => document.getElementById(id) as E
const signIn = $<HTMLElement>("sign-in")
const pick = $<HTMLElement>("pick")
const scanning = $<HTMLElement>("scan")
const codeInput = $<HTMLInputElement>("code")
const results = $<HTMLOListElement>("results")
const announce = $<HTMLParagraphElement>("announce")
const connection = $<HTMLParagraphElement>("connection")
const lineSelect = $<HTMLSelectElement>("line")

/** Ids are UUIDv7: their start is a timestamp, their end tells them apart. */
const short = (id: string) => `…${id.slice(-6)}`

let token = sessionStorage.getItem("procura.token") ?? ""
let target: Target | undefined = JSON.parse(sessionStorage.getItem("procura.target") ?? "null") ?? undefined

const show = (section: HTMLElement) => {
  for (const s of [signIn, pick, scanning]) s.hidden = s !== section
}

const problemText = (error: unknown) => (error instanceof Error ? error.message : String(error))

// ----- the scans ---------------------------------------------------------------------------------

const receiveBatch = async (batch: Batch) => {
  const against = "shipmentId" in batch.target
    ? { shipmentId: batch.target.shipmentId }
    : { purchaseOrderId: batch.target.purchaseOrderId, locationId: batch.target.locationId, storageSpace: batch.target.storageSpace }
  const answer = await call<Receiving.ScanReceipt>(token, "receiving.receiveScans", {
    ...against,
    batchId: batch.batchId,
    scans: batch.scans.map((s) => ({ code: s.code, ...(s.lineNo !== undefined && { lineNo: s.lineNo }) }))
  })
  return answer.scans
}

const labels: Record<string, string> = {
  sending: "Sending",
  queued: "Queued: no connection",
  received: "Received",
  already_received: "Already received",
  rejected: "Refused",
  failed: "Not received"
}

/** The list entry of a scan, made when scanned and updated as its answer comes. */
const entryOf = (scan: Scan): HTMLLIElement => {
  const existing = document.getElementById(`scan-${scan.id}`)
  if (existing instanceof HTMLLIElement) return existing
  const li = document.createElement("li")
  li.id = `scan-${scan.id}`
  li.innerHTML = `<span class="what"></span> <code></code> <span class="why"></span>`
  li.querySelector("code")!.textContent = scan.code
  results.prepend(li)
  return li
}

const setEntry = (scan: Scan, state: string, why = "") => {
  const li = entryOf(scan)
  li.dataset["state"] = state
  li.querySelector(".what")!.textContent = labels[state] ?? state
  li.querySelector(".why")!.textContent = why
  return `${labels[state] ?? state}: ${scan.code}${why ? `. ${why}` : ""}`
}

const describe = (result: Receiving.ScanResult) =>
  result.outcome === "rejected"
    ? result.message ?? result.reason ?? ""
    : [result.lineNo !== undefined ? `line ${result.lineNo}` : "", result.assetId ? `asset ${short(result.assetId)}` : ""].filter(Boolean).join(", ")

const onReport = (report: Report) => {
  let last = ""
  if (report.type === "answered") {
    report.scans.forEach((scan, i) => {
      const result = report.results[i]
      last = result ? setEntry(scan, result.outcome, describe(result)) : setEntry(scan, "failed", "no answer for this scan")
    })
    if (report.results.some((r) => r.outcome === "rejected")) navigator.vibrate?.(300)
    void refreshBackorders()
  } else if (report.type === "failed") {
    for (const scan of report.scans) last = setEntry(scan, "failed", report.detail)
    navigator.vibrate?.(300)
  } else {
    for (const scan of report.scans) setEntry(scan, report.type)
  }
  if (report.type === "queued") setOnline(false)
  if (report.type === "answered") setOnline(true)
  if (last !== "") announce.textContent = last
  showQueue()
}

const outbox = new Outbox(receiveBatch, onReport)

const scan = (raw: string) => {
  const code = raw.trim()
  if (code === "" || target === undefined) return
  const line = lineSelect.value === "" ? undefined : Number(lineSelect.value)
  setEntry(outbox.add(code, target, line), "sending")
}

// ----- connection --------------------------------------------------------------------------------

let online = navigator.onLine
const setOnline = (value: boolean) => {
  online = value
  showQueue()
}
const showQueue = () => {
  const queued = outbox.pending.length
  connection.classList.toggle("offline", !online)
  connection.textContent = online
    ? queued > 0 ? `Online, sending ${queued}` : "Online"
    : `Offline: ${queued} scan${queued === 1 ? "" : "s"} queued`
}
window.addEventListener("online", () => {
  setOnline(true)
  void outbox.flush()
})
window.addEventListener("offline", () => setOnline(false))
// The browser's online flag says nothing about the server: try again now and then.
setInterval(() => {
  if (outbox.pending.length > 0) void outbox.flush()
}, 5000)

// ----- sign in and pick what to receive ----------------------------------------------------------

$<HTMLFormElement>("sign-in-form").addEventListener("submit", (event) => {
  event.preventDefault()
  token = $<HTMLInputElement>("token").value.trim()
  sessionStorage.setItem("procura.token", token)
  void showChoices()
})

const choice = (text: string, onPick: () => void) => {
  const li = document.createElement("li")
  const button = document.createElement("button")
  button.type = "button"
  button.textContent = text
  button.addEventListener("click", onPick)
  li.append(button)
  return li
}

const showChoices = async () => {
  try {
    const [open, inTransit] = await Promise.all([
      call<{ items: Array<Receiving.BackorderLine> }>(token, "receiving.backorders", { limit: 1000 }),
      call<{ items: Array<Shipping.Shipment> }>(token, "shipping.listShipments", { status: "in_transit", limit: 100 })
    ])
    const byOrder = Map.groupBy(open.items, (line) => line.purchaseOrderId)
    $("orders").replaceChildren(...[...byOrder].map(([purchaseOrderId, lines]) => {
      const left = lines.map((l) => `${l.backordered} × ${l.description}`).join(", ")
      return choice(`Order ${short(purchaseOrderId)}: ${left}`, () => {
        const locationId = $<HTMLInputElement>("location").value.trim()
        const storageSpace = $<HTMLInputElement>("storage-space").value.trim()
        startScanning({ purchaseOrderId, locationId, storageSpace, label: `Order ${short(purchaseOrderId)} into ${locationId}, ${storageSpace}` })
      })
    }))
    $("shipments").replaceChildren(...inTransit.items.map((s) =>
      choice(`${s.carrier} ${s.trackingNumber}: ${s.lines.reduce((n, l) => n + l.quantity, 0)} units`, () =>
        startScanning({ shipmentId: s.id, label: `Shipment ${s.carrier} ${s.trackingNumber}` }))
    ))
    $("pick-error").textContent = ""
    show(pick)
  } catch (error) {
    if (error instanceof ProblemError && error.problem.status === 401) {
      $("sign-in-error").textContent = error.problem.detail
      show(signIn)
    } else {
      $("pick-error").textContent = problemText(error)
      show(pick)
    }
  }
}

// ----- scanning ----------------------------------------------------------------------------------

const startScanning = (chosen: Target) => {
  target = chosen
  sessionStorage.setItem("procura.target", JSON.stringify(chosen))
  $("scan-title").textContent = chosen.label
  show(scanning)
  codeInput.focus()
  void refreshBackorders()
}

$<HTMLFormElement>("scan-form").addEventListener("submit", (event) => {
  event.preventDefault()
  scan(codeInput.value)
  codeInput.value = ""
  codeInput.focus()
})
captureWedge(codeInput)
lineSelect.addEventListener("change", () => codeInput.focus())

$("change").addEventListener("click", () => {
  target = undefined
  sessionStorage.removeItem("procura.target")
  void showChoices()
})

const cameraButton = $<HTMLButtonElement>("camera")
cameraButton.hidden = !cameraSupported()
let stopCamera: (() => void) | undefined
cameraButton.addEventListener("click", async () => {
  const video = $<HTMLVideoElement>("viewfinder")
  if (stopCamera) {
    stopCamera()
    stopCamera = undefined
    video.hidden = true
    cameraButton.textContent = "Scan with the camera"
    return
  }
  try {
    video.hidden = false
    stopCamera = await startCamera(video, scan)
    cameraButton.textContent = "Stop the camera"
  } catch (error) {
    video.hidden = true
    announce.textContent = `The camera cannot be used: ${problemText(error)}`
  }
})

const refreshBackorders = async () => {
  if (target === undefined) return
  const purchaseOrderId = "purchaseOrderId" in target
    ? target.purchaseOrderId
    : (await call<Shipping.Shipment>(token, "shipping.getShipment", { id: target.shipmentId }).catch(() => undefined))?.purchaseOrderId
  if (purchaseOrderId === undefined) return
  const order = await call<{ items: Array<Receiving.BackorderLine> }>(token, "receiving.backorders", { purchaseOrderId }).catch(() => undefined)
  if (order === undefined) return
  // Lines that can take a new serial number, for the "New serial numbers are for" choice.
  const chosen = lineSelect.value
  lineSelect.replaceChildren(lineSelect.options[0]!, ...order.items.filter((line) => line.backordered > 0).map((line) => {
    const option = new Option(`line ${line.lineNo}: ${line.description} (${line.backordered} left)`, String(line.lineNo))
    option.selected = option.value === chosen
    return option
  }))
  $("backorders").querySelector("tbody")!.replaceChildren(...order.items.map((line) => {
    const row = document.createElement("tr")
    for (const value of [line.lineNo, line.description, line.ordered - line.cancelled, line.received, line.backordered]) {
      const cell = document.createElement("td")
      cell.textContent = String(value)
      row.append(cell)
    }
    return row
  }))
}

// ----- start -------------------------------------------------------------------------------------

// Scans a closed tab left unanswered are shown and sent again, under their batch keys.
for (const pending of outbox.pending) setEntry(pending, "queued")
showQueue()
void outbox.flush()
if (token === "") show(signIn)
else if (target !== undefined) startScanning(target)
else void showChoices()

