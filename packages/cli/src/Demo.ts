/**
 * The demo: seed 002's procure-to-asset flow on a scenario big enough to mean something.
 *
 * Three vendors, twenty catalog items, fifty purchase requests (two of them rejected), the
 * purchase orders they become, about a thousand units received with serial numbers into storage
 * spaces, and every received asset assigned to an employee. Each run works in a tenant of its
 * own, so runs never disturb each other and earlier runs stay in the database.
 *
 * @since 0.1.0
 */
import {
  Assets,
  Catalog,
  Money,
  Principal,
  Purchasing,
  Receiving,
  Requisition,
  Storage
} from "@procura/core"
import { Clock, Effect } from "effect"

/**
 * Options of {@link run}.
 *
 * @since 0.1.0
 * @category options
 */
export interface DemoOptions {
  /** The tenant the run works in. */
  readonly tenantId: string
  /** Number of purchase requests (default 50). */
  readonly requests?: number
  /** Reports progress: a phase name, work done and work to do. */
  readonly progress?: (phase: string, done: number, total: number) => void
}

/**
 * What a run did.
 *
 * @since 0.1.0
 * @category models
 */
export interface DemoSummary {
  readonly tenantId: string
  readonly vendors: number
  readonly catalogItems: number
  readonly requests: { readonly approved: number; readonly rejected: number }
  readonly purchaseOrders: number
  readonly unitsReceived: number
  readonly assetsAssigned: number
  readonly assetsByStatus: Readonly<Record<string, number>>
  readonly perVendor: ReadonlyArray<{ readonly vendor: string; readonly orders: number; readonly units: number; readonly spend: Money.Money }>
  readonly phases: ReadonlyArray<{ readonly phase: string; readonly millis: number }>
  readonly events: number
}

const vendorSpecs = [
  { code: "NORDTECH", name: "Nordtech Distribution" },
  { code: "OFFICEPRO", name: "OfficePro Supplies" },
  { code: "CLOUDSOFT", name: "Cloudsoft Licensing" }
] as const

const itemSpecs: ReadonlyArray<{ sku: string; name: string; kind: Catalog.ItemKind; vendor: number; cost: number }> = [
  { sku: "LAP-14-PRO", name: "Laptop 14 inch Pro", kind: "hardware", vendor: 0, cost: 149_900 },
  { sku: "LAP-13-AIR", name: "Laptop 13 inch Air", kind: "hardware", vendor: 0, cost: 119_900 },
  { sku: "DSK-TOWER", name: "Desktop tower", kind: "hardware", vendor: 0, cost: 89_900 },
  { sku: "MON-27-4K", name: "Monitor 27 inch 4K", kind: "hardware", vendor: 0, cost: 39_900 },
  { sku: "MON-24", name: "Monitor 24 inch", kind: "hardware", vendor: 1, cost: 18_900 },
  { sku: "DOCK-USBC", name: "USB-C docking station", kind: "hardware", vendor: 0, cost: 21_900 },
  { sku: "PHN-STD", name: "Smartphone standard", kind: "hardware", vendor: 0, cost: 59_900 },
  { sku: "TAB-10", name: "Tablet 10 inch", kind: "hardware", vendor: 1, cost: 44_900 },
  { sku: "HDS-ANC", name: "Headset noise cancelling", kind: "hardware", vendor: 1, cost: 14_900 },
  { sku: "CAM-HD", name: "Webcam HD", kind: "hardware", vendor: 1, cost: 7_900 },
  { sku: "PRN-LASER", name: "Laser printer", kind: "hardware", vendor: 1, cost: 32_900 },
  { sku: "KBD-WL", name: "Wireless keyboard", kind: "hardware", vendor: 1, cost: 4_900 },
  { sku: "SRV-1U", name: "Rack server 1U", kind: "enterprise", vendor: 0, cost: 549_900 },
  { sku: "SW-1U", name: "Network switch 48 port", kind: "enterprise", vendor: 0, cost: 229_900 },
  { sku: "MOUSE-USB2", name: "USB two button mouse", kind: "consumable", vendor: 1, cost: 1_290 },
  { sku: "TONER-BK", name: "Toner cartridge black", kind: "consumable", vendor: 1, cost: 6_990 },
  { sku: "PAPER-A4", name: "Paper A4, box of 5 reams", kind: "consumable", vendor: 1, cost: 2_490 },
  { sku: "LIC-OFFICE", name: "Office suite licence, 1 year", kind: "software", vendor: 2, cost: 12_000 },
  { sku: "LIC-DESIGN", name: "Design suite licence, 1 year", kind: "software", vendor: 2, cost: 65_000 },
  { sku: "SVC-IMAGING", name: "Device imaging service", kind: "service", vendor: 2, cost: 2_500 }
]

/** A small deterministic generator, so every run buys the same things. */
const lcg = (seed: number) => {
  let state = seed >>> 0
  return (n: number) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0
    return state % n
  }
}

const timed = <A, E, R>(phases: Array<{ phase: string; millis: number }>, phase: string, effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const result = yield* effect
    phases.push({ phase, millis: (yield* Clock.currentTimeMillis) - start })
    return result
  })

/**
 * Runs the demo scenario in a tenant, through the module services, and summarises it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run = Effect.fn("Demo.run")(function*(options: DemoOptions) {
  const catalog = yield* Catalog.Catalog
  const requisition = yield* Requisition.Requisition
  const purchasing = yield* Purchasing.Purchasing
  const receiving = yield* Receiving.Receiving
  const assets = yield* Assets.Assets
  const storage = yield* Storage.Storage
  const progress = options.progress ?? (() => {})
  const phases: Array<{ phase: string; millis: number }> = []
  const people = {
    buyer: { userId: "pat.procurement", tenantId: options.tenantId, roles: ["procurement_manager"] },
    requester: { userId: "rae.requester", tenantId: options.tenantId, roles: ["requester"] },
    storekeeper: { userId: "sam.storage", tenantId: options.tenantId, roles: ["storage_manager"] },
    mobile: { userId: "mo.mobile", tenantId: options.tenantId, roles: ["mobile_asset_manager"] },
    assetManager: { userId: "ash.assets", tenantId: options.tenantId, roles: ["asset_manager"] }
  } satisfies Record<string, Principal.Principal>
  const as = <A, E>(who: Principal.Principal, effect: Effect.Effect<A, E, Principal.CurrentPrincipal>) => Principal.runAs(effect, who)
  const requestCount = options.requests ?? 50
  const random = lcg(2002)

  // 1. Catalog
  const { vendors, items } = yield* timed(phases, "catalog", Effect.gen(function*() {
    const vendors = []
    for (const spec of vendorSpecs) vendors.push(yield* as(people.buyer, catalog.createVendor(spec)))
    const items = []
    for (const [i, spec] of itemSpecs.entries()) {
      items.push(yield* as(people.buyer, catalog.createCatalogItem({
        sku: spec.sku,
        name: spec.name,
        kind: spec.kind,
        approvedVendors: [{ vendorId: vendors[spec.vendor]!.id, unitCost: { amount: spec.cost, currency: "EUR" } }]
      })))
      progress("Catalog", vendors.length + i + 1, vendorSpecs.length + itemSpecs.length)
    }
    return { vendors, items }
  }))

  // 2. Requests and approvals
  const { approved, rejected } = yield* timed(phases, "requests and approvals", Effect.gen(function*() {
    const approved: Array<string> = []
    let rejected = 0
    for (let r = 0; r < requestCount; r++) {
      // Services are bought through the shopping hub, everything else through the service catalog (seed 000).
      const services = items.filter((item) => item.kind === "service")
      const goods = items.filter((item) => item.kind !== "service")
      const viaHub = r % 10 === 9
      const lineCount = viaHub ? 1 : 1 + random(3)
      const pool = viaHub ? services : goods
      const chosen = new Set<number>()
      while (chosen.size < Math.min(lineCount, pool.length)) chosen.add(random(pool.length))
      const lines = [...chosen].map((i) => ({
        catalogItemId: pool[i]!.id,
        quantity: pool[i]!.kind === "enterprise" ? 1 + random(3) : pool[i]!.createAsset ? 10 + random(13) : 5 + random(20)
      }))
      const request = yield* as(people.requester, requisition.createRequest({
        channel: viaHub ? "shopping_hub" : "service_catalog",
        lines,
        justification: `Team refresh #${r + 1}`
      }))
      if (r % 25 === 24) {
        yield* as(people.buyer, requisition.rejectRequest({ requestId: request.id, reason: "Over the quarter's budget" }))
        rejected++
      } else {
        yield* as(people.buyer, requisition.approveRequest({ requestId: request.id, comment: "Approved" }))
        approved.push(request.id)
      }
      progress("Requests and approvals", r + 1, requestCount)
    }
    return { approved, rejected }
  }))

  // 3. Purchase orders
  const orders = yield* timed(phases, "purchase orders", Effect.gen(function*() {
    const orders: Array<Purchasing.PurchaseOrder> = []
    for (const [i, requestId] of approved.entries()) {
      for (const draft of yield* as(people.buyer, purchasing.createFromRequest({ requestId }))) {
        orders.push(yield* as(people.buyer, purchasing.submitPurchaseOrder({ purchaseOrderId: draft.id })))
      }
      progress("Purchase orders", i + 1, approved.length)
    }
    return orders
  }))

  // 4. Receiving: serial numbers for asset lines, quantities for the rest; some by the mobile app.
  const unitsReceived = yield* timed(phases, "receiving", Effect.gen(function*() {
    let units = 0
    const spaces = ["Main store room", "IT cage B2", "Dock 1 staging"]
    for (const [i, order] of orders.entries()) {
      const lines = order.lines.map((line) =>
        line.createAsset
          ? { lineNo: line.lineNo, serialNumbers: Array.from({ length: line.quantity }, (_, u) => `SN-${order.id.slice(-8)}-${line.lineNo}-${u + 1}`) }
          : { lineNo: line.lineNo, quantity: line.quantity }
      )
      yield* as(i % 4 === 0 ? people.mobile : people.storekeeper, receiving.receivePurchaseOrder({
        purchaseOrderId: order.id,
        locationId: "HQ Amsterdam",
        storageSpace: spaces[i % spaces.length]!,
        condition: "new",
        lines
      }))
      units += order.lines.reduce((n, l) => n + l.quantity, 0)
      progress("Receiving", i + 1, orders.length)
    }
    return units
  }))

  // 5. Assignment of every in-stock asset.
  const assigned = yield* timed(phases, "assignment", Effect.gen(function*() {
    const total = (yield* as(people.assetManager, assets.countAssetsByStatus({}))).in_stock
    let n = 0
    while (n < total) {
      // Assigned assets leave the in-stock list, so the first page is always the next batch.
      const page = yield* as(people.assetManager, assets.listAssets({ status: "in_stock", limit: 500 }))
      if (page.items.length === 0) break
      for (const asset of page.items) {
        yield* as(people.assetManager, assets.assignAsset({ assetId: asset.id, userId: `employee-${String(1 + (n % 400)).padStart(4, "0")}` }))
        n++
        if (n % 25 === 0 || n === total) progress("Assignment", n, total)
      }
    }
    return n
  }))

  // Summary
  const assetsByStatus = yield* as(people.assetManager, assets.countAssetsByStatus({}))
  const perVendor = vendors.map((vendor) => {
    const mine = orders.filter((o) => o.vendorId === vendor.id)
    return {
      vendor: vendor.name,
      orders: mine.length,
      units: mine.reduce((n, o) => n + o.lines.reduce((m, l) => m + l.quantity, 0), 0),
      spend: Money.sum(mine.map((o) => o.total), "EUR") ?? { amount: 0, currency: "EUR" }
    }
  })
  const events = yield* storage.readEvents({ after: 0, limit: 1_000_000, tenantId: options.tenantId })
  return {
    tenantId: options.tenantId,
    vendors: vendors.length,
    catalogItems: items.length,
    requests: { approved: approved.length, rejected },
    purchaseOrders: orders.length,
    unitsReceived,
    assetsAssigned: assigned,
    assetsByStatus,
    perVendor,
    phases,
    events: events.length
  } satisfies DemoSummary
})

const pad = (text: string, width: number) => text.padEnd(width)
const padLeft = (text: string, width: number) => text.padStart(width)
const count = (n: number) => n.toLocaleString("en-US")

/**
 * Formats a summary as the readable report the CLI prints.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (summary: DemoSummary, context: { readonly storage: string; readonly totalMillis: number; readonly earlierRuns: number }): string => {
  const lines: Array<string> = []
  lines.push("")
  lines.push(`Procura demo: procure-to-asset on ${context.storage}`)
  lines.push(`tenant ${summary.tenantId}`)
  lines.push("")
  lines.push(`  ${count(summary.vendors)} vendors, ${count(summary.catalogItems)} catalog items`)
  lines.push(`  ${count(summary.requests.approved + summary.requests.rejected)} purchase requests: ${count(summary.requests.approved)} approved, ${count(summary.requests.rejected)} rejected`)
  lines.push(`  ${count(summary.purchaseOrders)} purchase orders submitted and received (${count(summary.unitsReceived)} units)`)
  lines.push(`  ${count(summary.assetsAssigned)} assets assigned to employees`)
  lines.push(`  ${count(summary.events)} domain events recorded`)
  lines.push("")
  lines.push("  Assets by status")
  for (const [status, n] of Object.entries(summary.assetsByStatus)) {
    if (n > 0) lines.push(`    ${pad(status, 16)}${padLeft(count(n), 8)}`)
  }
  lines.push("")
  lines.push(`  ${pad("Vendor", 26)}${padLeft("Orders", 8)}${padLeft("Units", 8)}${padLeft("Spend", 18)}`)
  for (const row of summary.perVendor) {
    lines.push(`  ${pad(row.vendor, 26)}${padLeft(count(row.orders), 8)}${padLeft(count(row.units), 8)}${padLeft(Money.format(row.spend), 18)}`)
  }
  lines.push("")
  lines.push("  Elapsed")
  for (const phase of summary.phases) lines.push(`    ${pad(phase.phase, 26)}${padLeft((phase.millis / 1000).toFixed(2), 8)} s`)
  lines.push(`    ${pad("total (with start-up)", 26)}${padLeft((context.totalMillis / 1000).toFixed(2), 8)} s`)
  lines.push("")
  if (context.earlierRuns > 0) {
    lines.push(`  The database also holds ${count(context.earlierRuns)} earlier demo run(s), each in its own tenant.`)
  }
  return lines.join("\n")
}
