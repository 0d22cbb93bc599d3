/**
 * The connectors' crash soak (issue 13, item 7), opt-in: `pnpm soak` (PROCURA_SOAK=1).
 *
 * Worker processes run the ITAM and SPO connectors' outbound sides on PostgreSQL, pushing to the
 * ServiceNow simulator on a loopback HTTP server, while purchase orders are submitted and
 * received; every few hundred milliseconds one of them is SIGKILLed (mid-push, the simulator
 * answering with latency) and another started, PROCURA_SOAK_KILLS times (default 100). Then every
 * purchase order, receipt and asset must exist exactly once in ServiceNow, complete, written in
 * order. CI runs a short version (PROCURA_SOAK_KILLS=12, PROCURA_SOAK_ORDERS=8).
 */
import { assert, describe, it } from "@effect/vitest"
import { Auth, Itam, Spo } from "@procura/connector-servicenow"
import { Catalog, Connector, Operation, Plugin, Principal, Procura, Purchasing, Receiving, Requisition, Storage } from "@procura/core"
import { PostgresTesting, SqlStorage } from "@procura/storage-sql"
import { ServiceNowLoopback, ServiceNowTables } from "@procura/testkit"
import { Effect, Layer, Redacted } from "effect"
import { build } from "esbuild"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const enabled = process.env["PROCURA_SOAK"] === "1" && PostgresTesting.enabled()
const kills = Number(process.env["PROCURA_SOAK_KILLS"] ?? 100)
const orders = Number(process.env["PROCURA_SOAK_ORDERS"] ?? 40)
const workers = 3

/** mulberry32: the kill schedule is the same on every run. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

/** The worker, bundled once: a process starts in a fraction of a second instead of seconds through tsx. */
const bundleWorker = async (): Promise<string> => {
  const outfile = join(mkdtempSync(join(tmpdir(), "procura-soak-")), "soak-worker.mjs")
  await build({
    entryPoints: [fileURLToPath(new URL("./fixtures/soak-worker.ts", import.meta.url))],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    conditions: ["@procura/source"],
    external: ["pg-native"],
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: "error"
  })
  return outfile
}

const team = {
  admin: { userId: "ada", tenantId: "soak", roles: ["admin"] },
  requester: { userId: "rae", tenantId: "soak", roles: ["requester"] },
  buyer: { userId: "pat", tenantId: "soak", roles: ["procurement_manager"] },
  storekeeper: { userId: "sam", tenantId: "soak", roles: ["storage_manager"] }
}
const as = <A, E, R>(effect: Effect.Effect<A, E, R>, principal: Principal.Principal = team.admin) => Principal.runAs(effect, principal)

const statusRank: Record<string, number> = { requested: 0, ordered: 1, received: 2 }

describe.skipIf(!enabled)("connectors survive SIGKILLed workers (PROCURA_SOAK=1 runs it)", () => {
  it.live(`every order, receipt and asset exists once in ServiceNow, in order, after ${kills} kills`, () =>
    Effect.scoped(Effect.gen(function*() {
      const started = Date.now()
      const url = yield* PostgresTesting.freshDatabase({ prefix: "procura_soak" })
      const loopback = yield* Effect.acquireRelease(
        Effect.promise(() =>
          ServiceNowLoopback.serve({
            auth: { basic: [{ username: "soak", password: "soak-password" }] },
            latency: { min: 2, max: 12 },
            ...ServiceNowTables.itamSpo
          })
        ),
        (server) => Effect.promise(() => server.close())
      )
      const sim = loopback.simulator
      sim.seed("sys_user", [{ user_name: "rae" }, { user_name: "sam" }])
      const [hq] = sim.seed("cmn_location", [{ name: "HQ" }])
      sim.seed("alm_stockroom", [{ name: "Dock A", location: hq!["sys_id"]! }])
      const script = yield* Effect.promise(bundleWorker)

      // The same connectors as the workers' (their subscribers' ids and collections); this process pushes nothing.
      const composition = yield* Plugin.compose([
        Connector.enable(Itam.connector({ client: { instanceUrl: loopback.url, auth: Auth.basic("soak", "soak-password") } }), { principal: team.admin }),
        Connector.enable(Spo.connector({ client: { instanceUrl: loopback.url, auth: Auth.basic("soak", "soak-password") } }), { principal: team.admin })
      ])
      const storage = SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 3 })
      yield* Effect.gen(function*() {
        const store = yield* Storage.Storage
        // The catalog.
        const vendor = yield* as(Operation.run(Catalog.operations.createVendor)({ code: "ACME", name: "Acme" }))
        const item = (sku: string, kind: "hardware" | "consumable", amount: number) =>
          as(Operation.run(Catalog.operations.createCatalogItem)({
            sku,
            name: sku,
            kind,
            approvedVendors: [{ vendorId: vendor.id, unitCost: { amount, currency: "EUR" } }]
          }))
        const laptop = yield* item("LAP", "hardware", 120_000)
        const toner = yield* item("TON", "consumable", 4_000)

        // The workers, and the killer.
        const random = seeded(20_261_203)
        let spawned = 0
        const children: Array<ChildProcess> = []
        const ready = new Set<ChildProcess>()
        const alive = new Set<ChildProcess>()
        const start = () => {
          const child = spawn(process.execPath, [script, url, loopback.url, `soak-worker-${++spawned}`], { stdio: ["ignore", "pipe", "inherit"] })
          child.stdout!.on("data", (chunk: Buffer) => {
            if (chunk.toString().includes("ready")) ready.add(child)
          })
          children.push(child)
          alive.add(child)
        }
        for (let i = 0; i < workers; i++) start()

        // The load: each order is submitted, then received in two deliveries, one step per tick.
        const steps: Array<Effect.Effect<void, unknown, Storage.Storage>> = []
        const submitted: Array<{ readonly id: string; readonly laptopLine: number; readonly tonerLine: number }> = []
        for (let n = 0; n < orders; n++) {
          steps.push(Effect.gen(function*() {
            const request = yield* as(Operation.run(Requisition.operations.createRequest)({
              lines: [{ catalogItemId: laptop.id, quantity: 2 }, { catalogItemId: toner.id, quantity: 10 }]
            }), team.requester)
            yield* as(Operation.run(Requisition.operations.approveRequest)({ requestId: request.id }), team.buyer)
            const [draft] = yield* as(Operation.run(Purchasing.operations.createFromRequest)({ requestId: request.id }), team.buyer)
            const order = yield* as(Operation.run(Purchasing.operations.submitPurchaseOrder)({ purchaseOrderId: draft!.id }), team.buyer)
            const lineOf = (id: string) => order.lines.find((l) => l.catalogItemId === id)!.lineNo
            submitted[n] = { id: order.id, laptopLine: lineOf(laptop.id), tonerLine: lineOf(toner.id) }
          }))
        }
        for (const unit of [1, 2]) {
          for (let n = 0; n < orders; n++) {
            steps.push(Effect.gen(function*() {
              const order = submitted[n]!
              yield* as(Operation.run(Receiving.operations.receivePurchaseOrder)({
                purchaseOrderId: order.id,
                locationId: "HQ",
                storageSpace: "Dock A",
                lines: [{ lineNo: order.laptopLine, serialNumbers: [`SN-${n}-${unit}`] }, { lineNo: order.tonerLine, quantity: 5 }]
              }), team.storekeeper)
            }))
          }
        }
        let killed = 0
        while (killed < kills || steps.length > 0) {
          const step = steps.shift()
          if (step !== undefined) yield* step
          yield* Effect.sleep(`${150 + Math.floor(random() * 350)} millis`)
          if (killed >= kills) continue
          // Keep one started worker alive, so the run is not all start-up time.
          const victims = [...alive].filter((child) => ready.has(child))
          if (victims.length < 2) continue
          const victim = victims[Math.floor(random() * victims.length)]!
          victim.kill("SIGKILL")
          alive.delete(victim)
          killed++
          start()
        }

        // The survivors finish the backlog.
        const last = (yield* store.readEvents({ after: 0, limit: 1_000_000 })).at(-1)!.position
        const subscribers = composition.subscribers.map((s) => s.id)
        const deadline = Date.now() + 120_000
        let caughtUp = false
        while (Date.now() < deadline && !caughtUp) {
          const checkpoints = yield* Effect.forEach(subscribers, (id) => store.getCheckpoint(id))
          caughtUp = checkpoints.every((position) => position >= last)
          // The SPO connector follows events the ITAM connector appends while it catches up.
          if (caughtUp) {
            const newest = (yield* store.readEvents({ after: last, limit: 1_000_000 })).at(-1)?.position ?? last
            const again = yield* Effect.forEach(subscribers, (id) => store.getCheckpoint(id))
            caughtUp = again.every((position) => position >= newest)
          }
          if (!caughtUp) yield* Effect.sleep("200 millis")
        }
        for (const child of alive) child.kill("SIGTERM")
        yield* Effect.promise(() => Promise.all(children.map((child) =>
          child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", resolve))
        )))
        assert.isTrue(caughtUp, "the workers caught up")
        const parked = yield* Effect.forEach(subscribers, (id) => store.listParked({ subscriber: id, limit: 10 }))
        assert.deepStrictEqual(parked.flat().map((letter) => letter.error), [], "no dead letters")

        // Exactly once: one record per Procura id in every table, and all of them there.
        const once = (table: string, expected: number) => {
          const ids = sim.records(table).map((r) => r["correlation_id"])
          assert.strictEqual(new Set(ids).size, ids.length, `${table}: a Procura record was written twice`)
          assert.strictEqual(ids.length, expected, `${table}: records`)
        }
        once("proc_po", orders)
        once("proc_po_item", 2 * orders)
        once("proc_rec_slip", 2 * orders)
        once("proc_rec_slip_item", 4 * orders)
        once("alm_hardware", 2 * orders)
        once("alm_consumable", 1)
        once("sn_shop_purchase_requisition", orders)
        once("sn_shop_purchase_line", 2 * orders)
        once("sn_shop_purchase_order", orders)
        once("sn_shop_purchase_order_line", 2 * orders)
        once("sn_shop_receipt", 4 * orders)
        // Complete: every order received in ITAM, its lines rolled up; every laptop in stock with its serial.
        for (const po of sim.records("proc_po")) assert.strictEqual(po["status"], "received", `proc_po ${po["number"]}`)
        for (const line of sim.records("proc_po_item")) assert.strictEqual(line["remaining_quantity"], "0")
        assert.deepStrictEqual(
          sim.records("alm_hardware").map((a) => [a["install_status"], a["serial_number"]!.startsWith("SN-")]).filter(([s, serial]) => s !== "6" || !serial),
          []
        )
        assert.strictEqual(sim.records("alm_consumable")[0]!["quantity"], String(10 * orders))
        // In order: a purchase order's status only moves forward; an SPO receipt follows its ITAM slip.
        const log = sim.requests()
        const statusWrites = new Map<string, Array<number>>()
        const poOf = new Map(sim.records("proc_po").map((po) => [po["sys_id"]!, po["correlation_id"]!]))
        for (const entry of log) {
          const body = entry.body as Record<string, unknown> | undefined
          if (entry.status >= 300 || body === undefined || typeof body["status"] !== "string" || !entry.path.includes("/proc_po")) continue
          if (entry.path.includes("/proc_po_item")) continue
          const id = entry.method === "POST" ? String(body["correlation_id"]) : poOf.get(entry.path.split("/").at(-1)!)
          if (id === undefined) continue
          statusWrites.set(id, [...(statusWrites.get(id) ?? []), statusRank[body["status"]]!])
        }
        for (const [id, ranks] of statusWrites) assert.deepStrictEqual(ranks, [...ranks].sort((a, b) => a - b), `proc_po ${id} written out of order`)
        const firstWrite = (table: string) => {
          const seen = new Map<string, number>()
          for (const entry of log) {
            const body = entry.body as Record<string, unknown> | undefined
            if (entry.method === "POST" && entry.status < 300 && entry.path.endsWith(`/${table}`) && body !== undefined) {
              const id = String(body["correlation_id"])
              if (!seen.has(id)) seen.set(id, entry.seq)
            }
          }
          return seen
        }
        const slipLines = firstWrite("proc_rec_slip_item")
        for (const [id, seq] of firstWrite("sn_shop_receipt")) {
          assert.isBelow(slipLines.get(id)!, seq, `SPO receipt ${id} before its ITAM slip line`)
        }

        const requests = sim.stats().requests
        const records = ["proc_po", "proc_po_item", "proc_rec_slip", "proc_rec_slip_item", "alm_hardware", "alm_consumable", "sn_shop_purchase_requisition", "sn_shop_purchase_line", "sn_shop_purchase_order", "sn_shop_purchase_order_line", "sn_shop_receipt", "core_company", "sn_fin_supplier"]
          .reduce((sum, table) => sum + sim.records(table).length, 0)
        console.log(
          `soak: ${killed} workers SIGKILLed (${spawned} started), ${orders} orders, ${records} ServiceNow records each written once, ` +
            `${requests} requests (${(requests / records).toFixed(2)} per record), ${((Date.now() - started) / 1000).toFixed(0)} s`
        )
      }).pipe(Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(storage))))
    })), 900_000)
})
