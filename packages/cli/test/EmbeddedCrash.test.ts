/**
 * Embedded durability (issue 17): a host process on PGlite on disk, doing receipts, stock issues
 * and assignments in a loop, is SIGKILLed at seeded random moments and started again on the same
 * data directory, PROCURA_EMBEDDED_KILLS times (20 in CI; `PROCURA_EMBEDDED_KILLS=200` for the
 * long run). Afterwards the database opens, every operation the host saw succeed is there, none
 * is half applied (assets, order quantities, receipts, the stock ledger and the event log agree),
 * and the host went on working after each restart.
 */
import { assert, describe, it } from "@effect/vitest"
import { Assets, Operation, Principal, Procura, Purchasing, Receiving, Stock, Storage } from "@procura/core"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Layer } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { seeded } from "./fixtures/seeded.js"

const root = fileURLToPath(new URL("../../..", import.meta.url))
const script = fileURLToPath(new URL("./fixtures/embedded-host.ts", import.meta.url))



interface Ack {
  readonly op: "submitted" | "received" | "issued" | "assigned"
  readonly life: string
  readonly purchaseOrderId?: string
  readonly receiptId?: string
  readonly movementId?: string
  readonly assetId?: string
  readonly userId?: string
}

/** One life of the host: started, given `runFor` ms after it opened the database, then killed. */
const life = (dataDir: string, n: number, runFor: number) =>
  new Promise<{ readonly acks: ReadonlyArray<Ack>; readonly opened: boolean }>((resolve, reject) => {
    const acks: Array<Ack> = []
    let opened = false
    let buffer = ""
    const child: ChildProcess = spawn(process.execPath, ["--conditions=@procura/source", "--import", "tsx", script, dataDir, String(n)], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stderr = ""
    child.stderr!.on("data", (chunk: Buffer) => void (stderr += chunk.toString()))
    const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000)
    child.stdout!.on("data", (chunk: Buffer) => {
      buffer += chunk.toString()
      let at: number
      while ((at = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, at)
        buffer = buffer.slice(at + 1)
        if (line === "ready") {
          opened = true
          setTimeout(() => child.kill("SIGKILL"), runFor)
        } else if (line.startsWith("{")) {
          acks.push(JSON.parse(line) as Ack)
        }
      }
    })
    child.on("exit", (code, signal) => {
      clearTimeout(deadline)
      if (signal === "SIGKILL") resolve({ acks, opened })
      else reject(new Error(`life ${n} ended by itself (code ${code}): ${stderr}`))
    })
  })

const enabled = process.env["PROCURA_EMBEDDED_CRASH_TEST"] === "1"
const kills = Number(process.env["PROCURA_EMBEDDED_KILLS"] ?? 20)

describe.skipIf(!enabled)("embedded PGlite survives SIGKILLed hosts (PROCURA_EMBEDDED_CRASH_TEST=1 runs it)", () => {
  it.live(`loses nothing and half-applies nothing over ${kills} kills`, () =>
    Effect.gen(function*() {
      const dataDir = mkdtempSync(join(tmpdir(), "procura-embedded-crash-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dataDir, { recursive: true, force: true })))
      const random = seeded(20_261_203)
      const acks: Array<Ack> = []
      let lives = 0
      let workedAfterRestart = 0
      for (let n = 1; n <= kills; n++) {
        const result = yield* Effect.promise(() => life(dataDir, n, 150 + Math.floor(random() * 1_200)))
        assert.isTrue(result.opened, `life ${n}: the database did not open`)
        lives++
        if (n > 1 && result.acks.length > 0) workedAfterRestart++
        acks.push(...result.acks)
      }
      console.log(`embedded crash test: ${kills} kills, ${acks.length} operations acknowledged, ${workedAfterRestart} of ${lives - 1} restarts went on working`)
      assert.isAbove(workedAfterRestart, (lives - 1) / 2, "the host goes on working after most restarts")

      // The verdict, on the data directory as the last kill left it.
      const checked = yield* verify(acks).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(SqlStorage.layerPglite({ dataDir })))))
      console.log(`embedded crash test: ${checked.orders} orders, ${checked.receipts} receipts, ${checked.assets} assets, ${checked.movements} stock movements, ${checked.events} events checked`)
    }).pipe(Effect.scoped), Math.max(20, kills / 4) * 60_000) // a host lives a few seconds: 20 minutes, or 15 s a kill
})

const admin = { userId: "auditor", tenantId: "embedded", roles: ["admin"] }
const as = <A, E, R>(effect: Effect.Effect<A, E, R>) => Principal.runAs(effect, admin)

/** Every item of a list operation, page by page (the long run makes thousands). */
const everyPage = <A, E, R>(
  list: (page: { readonly limit: number; readonly cursor?: string }) => Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly cursor?: string | undefined }, E, R>
) =>
  Effect.gen(function*() {
    const items: Array<A> = []
    let cursor: string | undefined
    do {
      const page = yield* list({ limit: 1000, ...(cursor === undefined ? {} : { cursor }) })
      items.push(...page.items)
      cursor = page.cursor
    } while (cursor !== undefined)
    return items
  })

/** Every acknowledged operation is there, and nothing is half applied. */
const verify = (acks: ReadonlyArray<Ack>) =>
  Effect.gen(function*() {
    const orders = yield* everyPage((page) => as(Operation.run(Purchasing.operations.listPurchaseOrders)(page)))
    const byId = new Map(orders.map((o) => [o.id, o]))
    const assets = yield* everyPage((page) => as(Operation.run(Assets.operations.listAssets)(page)))
    const receipts = yield* everyPage((page) => as(Operation.run(Receiving.operations.listReceipts)(page)))
    // 1. What the host saw succeed is there.
    for (const ack of acks) {
      if (ack.op === "submitted") assert.notStrictEqual(byId.get(ack.purchaseOrderId!)?.status ?? "missing", "draft", `submitted ${ack.purchaseOrderId}`)
      if (ack.op === "received") {
        assert.isTrue(receipts.some((r) => r.id === ack.receiptId), `receipt ${ack.receiptId}`)
        assert.strictEqual(byId.get(ack.purchaseOrderId!)!.status, "received")
      }
      if (ack.op === "issued") yield* as(Operation.run(Stock.operations.getMovement)({ id: ack.movementId! }))
      if (ack.op === "assigned") {
        const asset = assets.find((a) => a.id === ack.assetId)!
        assert.deepInclude(asset, { status: "in_use", assignedTo: ack.userId })
      }
    }
    // 2. Nothing half applied: an order's assets match its lines, its receipts its received quantities.
    for (const order of orders.filter((o) => o.status !== "draft")) {
      const laptop = order.lines.find((l) => l.kind === "hardware")!
      const mine = assets.filter((a) => a.purchaseOrderId === order.id)
      assert.strictEqual(mine.length, laptop.quantity, `order ${order.id}: one asset per unit`)
      assert.strictEqual(mine.filter((a) => a.status !== "on_order").length, laptop.receivedQuantity, `order ${order.id}: received assets`)
      const received = receipts.filter((r) => r.purchaseOrderId === order.id).flatMap((r) => r.lines)
      for (const line of order.lines) {
        assert.strictEqual(received.filter((l) => l.lineNo === line.lineNo).reduce((n, l) => n + l.quantity, 0), line.receivedQuantity, `order ${order.id} line ${line.lineNo}`)
      }
    }
    // The stock ledger: on hand is what was received less what was issued, movement by movement.
    const [record] = (yield* as(Operation.run(Stock.operations.listStock)({ limit: 10 }))).items
    let movements = 0
    let issues = 0
    if (record !== undefined) {
      const ledger = yield* everyPage((page) => as(Operation.run(Stock.operations.listMovements)({ stockRecordId: record.id, ...page })))
      movements = ledger.length
      let balance = 0
      for (const movement of ledger) {
        balance += movement.quantity
        assert.strictEqual(movement.balanceAfter, balance, `movement ${movement.sequence}`)
      }
      assert.strictEqual(record.onHand, balance, "on hand is the ledger's sum")
      const tonerReceived = orders.flatMap((o) => o.lines.filter((l) => l.kind === "consumable")).reduce((n, l) => n + l.receivedQuantity, 0)
      const issued = ledger.filter((m) => m.kind === "issue").reduce((n, m) => n - m.quantity, 0)
      issues = ledger.filter((m) => m.kind === "issue").length
      assert.strictEqual(record.onHand, tonerReceived - issued, "received less issued")
    }
    // The event log agrees with the records.
    const storage = yield* Storage.Storage
    const events = yield* storage.readEvents({ after: 0, limit: 1_000_000, tenantId: "embedded" })
    const count = (type: string) => events.filter((e) => e.type === type).length
    assert.strictEqual(count("purchase_order.submitted"), orders.filter((o) => o.status !== "draft").length, "one submitted event per submitted order")
    assert.strictEqual(count("receipt.recorded"), receipts.length, "one event per receipt")
    assert.strictEqual(count("asset.assigned"), assets.filter((a) => a.status === "in_use").length, "one event per assignment")
    assert.strictEqual(count("stock.issued"), issues, "one event per stock issue")
    return { orders: orders.length, receipts: receipts.length, assets: assets.length, movements, events: events.length }
  })
