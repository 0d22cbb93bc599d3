/**
 * Concurrency across processes on a real PostgreSQL: two child processes of four fibers each
 * (fixtures/concurrent-worker.ts) race, first to receive the same purchase order line by
 * scanning overlapping serial numbers (receiving.receiveScans), then to issue consumables from
 * the same stock record. The verdict reads the database afterwards and compares it with what the
 * processes say succeeded:
 *
 * - receipts: the line received exactly what was ordered (no over-receipt), one asset per serial
 *   and as many in stock as received (no duplicate asset), every reported receipt and nothing
 *   else in the database (no lost update);
 * - issues: everything on hand was issued and nothing more, on hand never went below zero, and
 *   the ledger is one unbroken sequence whose balances add up and whose issues are exactly the
 *   ones reported.
 *
 * The fibers' plans are fixed, and the verdict does not depend on timing: every fiber keeps going
 * until the order is received (or the stock is empty); deadlines only bound the run.
 */
import { assert, describe, it } from "@effect/vitest"
import { Assets, Principal, Procura, Purchasing, Receiving, Requisition, Stock, Storage } from "@procura/core"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Layer, Redacted } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { freshDatabase, postgresEnabled } from "../../storage/sql/test/utils.js"
import * as Fixtures from "../../testkit/src/Fixtures.js"

const root = fileURLToPath(new URL("../../..", import.meta.url))
const script = fileURLToPath(new URL("./fixtures/concurrent-worker.ts", import.meta.url))

const processes = 2
const fibersPerProcess = 4
const ordered = 40
const serialPool = Array.from({ length: 60 }, (_, i) => `SN-${String(i).padStart(2, "0")}`)
const onHand = 100
/** How long a task may run in a child before it gives up (the test then fails). */
const taskMillis = 60_000

/**
 * Fiber g's serials: the whole pool, rotated by 7g and reversed for odd g, so that every pair of
 * fibers wants many of the same serials at about the same time.
 */
const serialPlan = (g: number): ReadonlyArray<string> => {
  const rotated = [...serialPool.slice((7 * g) % serialPool.length), ...serialPool.slice(0, (7 * g) % serialPool.length)]
  return g % 2 === 1 ? rotated.toReversed() : rotated
}

/** Fiber g's issue quantities, in turn. */
const issuePlan = (g: number): ReadonlyArray<number> => [1 + (g % 4), 2, 3, 1]

interface FiberReport {
  readonly succeeded: ReadonlyArray<{ readonly id: string; readonly units: ReadonlyArray<string> | number }>
  readonly refused: Readonly<Record<string, number>>
  readonly retried: number
  readonly stopped: "done" | "exhausted" | "deadline" | "unexpected"
  readonly unexpected?: string
}

/** A child process and the JSON lines it prints. */
const startChild = (url: string, principal: Principal.Principal) => {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@procura/source", "--import", "tsx", script, url, JSON.stringify(principal), String(taskMillis)],
    { cwd: root, stdio: ["pipe", "pipe", "inherit"] }
  )
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]()
  const next = (what: string, millis: number) =>
    Effect.promise(() => lines.next()).pipe(
      Effect.flatMap((line) => line.done === true ? Effect.die(new Error(`the child exited before ${what}`)) : Effect.succeed(line.value)),
      Effect.timeoutOrElse({ duration: millis, orElse: () => Effect.die(new Error(`no ${what} from the child within ${millis} ms`)) })
    )
  const send = (line: string) => Effect.sync(() => child.stdin!.write(`${line}\n`))
  const ask = (command: string, task: unknown) =>
    Effect.andThen(send(`${command} ${JSON.stringify(task)}`), next(`an answer to ${command}`, taskMillis + 15_000)).pipe(
      Effect.map((line) => (JSON.parse(line) as { readonly reports: ReadonlyArray<FiberReport> }).reports)
    )
  const stop = Effect.andThen(
    send("exit"),
    Effect.promise(() =>
      child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", resolve))
    )
  ).pipe(Effect.timeoutOrElse({ duration: 10_000, orElse: () => Effect.sync(() => child.kill("SIGKILL")) }))
  return { child, next, ask, stop }
}

const sum = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0)

describe.skipIf(!postgresEnabled)("concurrency across processes (PostgreSQL; PROCURA_SKIP_POSTGRES=1 skips)", () => {
  it.live("8 receivers and 8 issuers in 2 processes: no over-receipt, no duplicate asset, no lost update, stock never below zero", () =>
    Effect.scoped(Effect.gen(function*() {
      const url = yield* freshDatabase
      yield* Effect.gen(function*() {
        const storage = yield* Storage.Storage
        const team = Fixtures.team("concurrency")
        const stock = yield* Stock.Stock
        const { laptop, mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)

        // A submitted order of 40 laptops, and 100 mice counted into a storage space.
        const requisition = yield* Requisition.Requisition
        const purchasing = yield* Purchasing.Purchasing
        const request = yield* Principal.runAs(requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: ordered }] }), team.requester)
        yield* Principal.runAs(requisition.approveRequest({ requestId: request.id }), team.buyer)
        const [draft] = yield* Principal.runAs(purchasing.createFromRequest({ requestId: request.id }), team.buyer)
        const order = yield* Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId: draft!.id }), team.buyer)
        const key = { catalogItemId: mouse.id, locationId: "HQ", storageSpace: "Store room 1" }
        const { record } = yield* Principal.runAs(stock.adjustStock({ ...key, countedQuantity: onHand, reason: "opening count" }), team.storekeeper)

        const children = Array.from({ length: processes }, () => startChild(url, team.storekeeper))
        yield* Effect.addFinalizer(() => Effect.sync(() => children.forEach(({ child }) => child.exitCode === null && child.kill("SIGKILL"))))
        yield* Effect.forEach(children, ({ next }) => next("ready", 60_000), { concurrency: "unbounded" })
        const fiber = (p: number, f: number) => p * fibersPerProcess + f
        const everyFiber = (plan: (g: number) => unknown) => (p: number) => Array.from({ length: fibersPerProcess }, (_, f) => plan(fiber(p, f)))

        // ----- receipts ---------------------------------------------------------------------------
        const receivers = (yield* Effect.forEach(
          children,
          ({ ask }, p) => ask("receive", { purchaseOrderId: order.id, batchSize: 3, plans: everyFiber(serialPlan)(p) }),
          { concurrency: "unbounded" }
        )).flat()
        for (const [g, report] of receivers.entries()) {
          assert.include(["done", "exhausted"], report.stopped, `receiver ${g} stopped: ${report.stopped} ${report.unexpected ?? ""}`)
        }
        assert.isTrue(
          receivers.some((r) => r.stopped === "done" || Object.keys(r.refused).length > 0),
          "receivers met each other: some scans found already received, or the order complete"
        )
        const reported = receivers.flatMap((r) => r.succeeded)
        const reportedSerials = reported.flatMap((r) => r.units as ReadonlyArray<string>)

        const received = yield* Principal.runAs(Effect.gen(function*() {
          const finalOrder = yield* purchasing.getPurchaseOrder({ id: order.id })
          const assets = (yield* storage.find(Assets.assets, { where: { purchaseOrderId: order.id }, limit: 1000 })).items
          const receipts = (yield* Effect.flatMap(Receiving.Receiving, (receiving) => receiving.listReceipts({ purchaseOrderId: order.id, limit: 1000 }))).items
          return { finalOrder, assets, receipts }
        }), team.buyer)
        const line = received.finalOrder.lines[0]!
        assert.strictEqual(line.receivedQuantity, ordered, "no over-receipt: the line received what was ordered")
        assert.strictEqual(received.finalOrder.status, "received")
        const inStock = received.assets.filter((a) => a.status === "in_stock")
        assert.strictEqual(received.assets.length, ordered, "no duplicate asset: one asset per unit ordered")
        assert.strictEqual(inStock.length, line.receivedQuantity, "every received unit is an in-stock asset")
        const serials = inStock.map((a) => a.serialNumber!)
        assert.strictEqual(new Set(serials).size, serials.length, "one asset per serial number")
        assert.deepStrictEqual(serials.toSorted(), reportedSerials.toSorted(), "no lost update: the serials in stock are the ones reported received")
        assert.deepStrictEqual(
          received.receipts.map((r) => r.id).toSorted(),
          reported.map((r) => r.id).toSorted(),
          "the receipts in the database are the ones reported"
        )
        assert.strictEqual(sum(received.receipts.flatMap((r) => r.lines.map((l) => l.quantity))), ordered)
        const recorded = (yield* storage.readEvents({ after: 0, limit: 10_000, tenantId: "concurrency" })).filter((e) => e.type === "receipt.recorded")
        assert.strictEqual(recorded.length, received.receipts.length, "one receipt.recorded event per receipt")

        // ----- issues -----------------------------------------------------------------------------
        const issuers = (yield* Effect.forEach(
          children,
          ({ ask }, p) => ask("issue", { key, plans: everyFiber(issuePlan)(p) }),
          { concurrency: "unbounded" }
        )).flat()
        for (const [g, report] of issuers.entries()) {
          assert.strictEqual(report.stopped, "done", `issuer ${g} stopped: ${report.stopped} ${report.unexpected ?? ""}`)
        }
        const issues = issuers.flatMap((r) => r.succeeded)
        assert.strictEqual(sum(issues.map((i) => i.units as number)), onHand, "exactly what was on hand was issued, never more")

        const ledger = yield* Principal.runAs(Effect.gen(function*() {
          const movements = (yield* storage.find(Stock.stockMovements, { where: { stockRecordId: record.id }, orderBy: [{ field: "sequence" }], limit: 1000 })).items
          const records = (yield* storage.find(Stock.stockRecords, { where: { catalogItemId: mouse.id }, limit: 10 })).items
          return { movements, records }
        }), team.storekeeper)
        assert.strictEqual(ledger.records.length, 1, "one stock record for the item and storage space")
        assert.strictEqual(ledger.records[0]!.onHand, 0, "on hand is zero, not below")
        let balance = 0
        for (const [i, movement] of ledger.movements.entries()) {
          assert.strictEqual(movement.sequence, i + 1, "the ledger's sequence has no gap and no repeat")
          balance += movement.quantity
          assert.strictEqual(movement.balanceAfter, balance, `movement ${movement.sequence}'s balance adds up`)
          assert.isAtLeast(balance, 0, "on hand never went below zero")
        }
        assert.strictEqual(balance, ledger.records[0]!.onHand, "the ledger sums to on hand")
        assert.strictEqual(ledger.records[0]!.sequence, ledger.movements.length)
        const issued = ledger.movements.filter((m) => m.kind === "issue")
        assert.deepStrictEqual(
          issued.map((m) => m.id).toSorted(),
          issues.map((i) => i.id).toSorted(),
          "no lost update: the ledger's issues are exactly the ones reported"
        )

        yield* Effect.forEach(children, ({ stop }) => stop, { concurrency: "unbounded" })
        const contention = [...receivers, ...issuers]
        yield* Effect.logInfo(
          `receipts ${reported.length}, issues ${issues.length}, refusals ${JSON.stringify(contention.map((r) => r.refused))}, ` +
            `retried after the operation's own retries ${sum(contention.map((r) => r.retried))}`
        )
      }).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 2 })))))
    })), 180_000)
})
