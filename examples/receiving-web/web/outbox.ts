/**
 * The scans on their way to the server, kept in localStorage so that nothing scanned is lost to a
 * dead connection or a closed tab.
 *
 * Scans wait until the previous batch is answered, then go together, up to 100 at a time. Each
 * batch gets its `batchId` before it is first sent and keeps it: when the answer is lost (the
 * connection dropped mid-request) or the batch waited offline, sending it again under the same
 * key makes Procura answer what it did the first time instead of receiving anything twice.
 */
import type { Receiving } from "@procura/core"
import { isTransient, ProblemError } from "./api.js"

/** What the scans are received against. */
export type Target =
  | { readonly purchaseOrderId: string; readonly locationId: string; readonly storageSpace: string; readonly label: string }
  | { readonly shipmentId: string; readonly label: string }

/** One scan, as the storekeeper made it; `lineNo` says which line a new serial number is for. */
export interface Scan {
  readonly id: string
  readonly code: string
  readonly lineNo?: number
  readonly target: Target
}

/** Scans sent together under one key. */
export interface Batch {
  readonly batchId: string
  readonly target: Target
  readonly scans: ReadonlyArray<Scan>
}

/** What happened to scans, for the page to show. */
export type Report =
  | { readonly type: "sending" | "queued"; readonly scans: ReadonlyArray<Scan> }
  | { readonly type: "answered"; readonly scans: ReadonlyArray<Scan>; readonly results: ReadonlyArray<Receiving.ScanResult> }
  | { readonly type: "failed"; readonly scans: ReadonlyArray<Scan>; readonly detail: string }

interface Stored {
  readonly waiting: Array<Scan>
  readonly batches: Array<Batch>
}

const maxBatch = 100

/** A random UUID; `crypto.randomUUID` only exists on https and localhost, a dock's LAN may be neither. */
export const uuid = (): string => {
  const b = crypto.getRandomValues(new Uint8Array(16))
  b[6] = (b[6]! & 0x0f) | 0x40
  b[8] = (b[8]! & 0x3f) | 0x80
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

const sameTarget = (a: Target, b: Target) => JSON.stringify(a) === JSON.stringify(b)

/** The outbox: `add` a scan, and `report` hears what becomes of it. */
export class Outbox {
  private state: Stored
  private running: Promise<void> | undefined
  private again = false
  private readonly send: (batch: Batch) => Promise<ReadonlyArray<Receiving.ScanResult>>
  private readonly report: (report: Report) => void
  private readonly key: string

  constructor(
    send: (batch: Batch) => Promise<ReadonlyArray<Receiving.ScanResult>>,
    report: (report: Report) => void,
    key = "procura.receiving.outbox"
  ) {
    this.send = send
    this.report = report
    this.key = key
    const saved = localStorage.getItem(key)
    this.state = saved === null ? { waiting: [], batches: [] } : JSON.parse(saved) as Stored
  }

  /** The scans not answered yet, oldest first (after a reload, too). */
  get pending(): ReadonlyArray<Scan> {
    return [...this.state.batches.flatMap((b) => b.scans), ...this.state.waiting]
  }

  /** Keeps a scan and sends it as soon as the batch before it is answered. */
  add(code: string, target: Target, lineNo?: number): Scan {
    const scan = { id: uuid(), code, target, ...(lineNo !== undefined && { lineNo }) }
    this.state.waiting.push(scan)
    this.save()
    void this.flush()
    return scan
  }

  /** Sends what is waiting; a call while sending makes it look again when done. */
  flush(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true
      return this.running
    }
    this.running = this.drain().finally(() => {
      this.running = undefined
    })
    return this.running
  }

  private async drain(): Promise<void> {
    do {
      this.again = false
      for (let batch = this.next(); batch !== undefined; batch = this.next()) {
        this.report({ type: "sending", scans: batch.scans })
        try {
          const results = await this.send(batch)
          this.done(batch)
          this.report({ type: "answered", scans: batch.scans, results })
        } catch (error) {
          if (isTransient(error)) {
            // Kept with its key, for the next try: online again, or the retry timer.
            this.report({ type: "queued", scans: this.pending })
            return
          }
          this.done(batch)
          const scans = error instanceof ProblemError ? error.problem.scans : undefined
          if (scans !== undefined) this.report({ type: "answered", scans: batch.scans, results: scans })
          else this.report({ type: "failed", scans: batch.scans, detail: error instanceof Error ? error.message : String(error) })
        }
      }
    } while (this.again)
  }

  /** The batch to send: the one sent before and not answered, else a new one of what waits. */
  private next(): Batch | undefined {
    const unanswered = this.state.batches[0]
    if (unanswered !== undefined) return unanswered
    const first = this.state.waiting[0]
    if (first === undefined) return undefined
    const scans: Array<Scan> = []
    const rest: Array<Scan> = []
    for (const scan of this.state.waiting) (scans.length < maxBatch && sameTarget(scan.target, first.target) ? scans : rest).push(scan)
    const batch = { batchId: uuid(), target: first.target, scans }
    // Saved with its key before it is sent: a reload resends it under the same key.
    this.state = { waiting: rest, batches: [batch] }
    this.save()
    return batch
  }

  private done(batch: Batch) {
    this.state = { ...this.state, batches: this.state.batches.filter((b) => b.batchId !== batch.batchId) }
    this.save()
  }

  private save() {
    localStorage.setItem(this.key, JSON.stringify(this.state))
  }
}
