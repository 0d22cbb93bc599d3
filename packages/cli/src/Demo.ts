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
  ApprovalPolicy,
  Assets,
  Catalog,
  Errors,
  Invoicing,
  Licensing,
  Money,
  Operation,
  Principal,
  Purchasing,
  Receiving,
  Requisition,
  Shipping,
  Stock,
  Storage
} from "@procura/core"
import { OversightError } from "@procura/plugin-spm-oversight"
import { Clock, Effect } from "effect"
import * as DemoOversight from "./DemoOversight.js"

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
  readonly approvals: { readonly steps: number; readonly delegated: number; readonly policy: string }
  readonly purchaseOrders: number
  readonly unitsReceived: number
  readonly assetsAssigned: number
  readonly assetsByStatus: Readonly<Record<string, number>>
  readonly perVendor: ReadonlyArray<{ readonly vendor: string; readonly orders: number; readonly units: number; readonly spend: Money.Money }>
  readonly phases: ReadonlyArray<{ readonly phase: string; readonly millis: number }>
  readonly events: number
  /** Consumable stock: the items with most on hand in each storage space (at most three). */
  readonly consumables: ReadonlyArray<{
    readonly storageSpace: string
    readonly items: ReadonlyArray<{ readonly name: string; readonly onHand: number }>
  }>
  /** The rest of a partly delivered order, shipped with an advance serial list and received by scan. */
  readonly shipment: {
    readonly carrier: string
    readonly trackingNumber: string
    readonly status: string
    readonly scans: number
    readonly received: number
    readonly alreadyReceived: number
  } | undefined
  /** Partial deliveries: orders still waiting for units, and how many. */
  readonly backorders: { readonly orders: number; readonly units: number }
  /** Invoices against the orders, their three-way match and the variance to the orders' cost. */
  readonly invoices: {
    readonly recorded: number
    readonly approved: number
    readonly overridden: number
    readonly awaitingReceipt: number
    readonly expected: Money.Money
    readonly invoiced: Money.Money
    readonly examples: ReadonlyArray<string>
  }
  /** Software bought: entitlements and their seats. */
  readonly licences: {
    readonly entitlements: number
    readonly seats: number
    readonly assigned: number
    readonly expiringSoon: number
    readonly refusedBeyondBought: string | undefined
  }
  /** Seed 001: a customer order overseen by a program, site projects, projects and tasks. */
  readonly oversight: DemoOversight.DemoOversightSummary
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
 * What the demo can fail with: any refusal of the operations it runs.
 *
 * @since 0.1.0
 * @category models
 */
export type DemoError =
  | Errors.NotFound
  | Operation.RunError
  | ApprovalPolicy.ApprovalPolicyError
  | Catalog.CatalogError
  | Requisition.RequisitionError
  | Purchasing.PurchasingError
  | Invoicing.InvoicingError
  | Shipping.ShippingError
  | Receiving.ReceivingError
  | Assets.AssetError
  | Assets.TemplatesMissing
  | Licensing.LicensingError
  | OversightError.OversightError

/**
 * Runs the demo scenario in a tenant, through the module services, and summarises it.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run: (options: DemoOptions) => Effect.Effect<
  DemoSummary,
  DemoError,
  | Storage.Storage
  | Catalog.Catalog
  | Assets.Assets
  | Licensing.Licensing
  | Requisition.Requisition
  | Purchasing.Purchasing
  | Invoicing.Invoicing
  | Shipping.Shipping
  | Stock.Stock
  | Receiving.Receiving
> = Effect.fn("Demo.run")(function*(options: DemoOptions) {
  const catalog = yield* Catalog.Catalog
  const requisition = yield* Requisition.Requisition
  const purchasing = yield* Purchasing.Purchasing
  const receiving = yield* Receiving.Receiving
  const assets = yield* Assets.Assets
  const storage = yield* Storage.Storage
  const stock = yield* Stock.Stock
  const invoicing = yield* Invoicing.Invoicing
  const licensing = yield* Licensing.Licensing
  const shipping = yield* Shipping.Shipping
  const progress = options.progress ?? (() => {})
  const phases: Array<{ phase: string; millis: number }> = []
  const people = {
    buyer: { userId: "pat.procurement", tenantId: options.tenantId, roles: ["procurement_manager"] },
    requester: { userId: "rae.requester", tenantId: options.tenantId, roles: ["requester"] },
    storekeeper: { userId: "sam.storage", tenantId: options.tenantId, roles: ["storage_manager"] },
    mobile: { userId: "mo.mobile", tenantId: options.tenantId, roles: ["mobile_asset_manager"] },
    assetManager: { userId: "ash.assets", tenantId: options.tenantId, roles: ["asset_manager"] },
    manager: { userId: "mia.manager", tenantId: options.tenantId, roles: ["requester"] },
    deputy: { userId: "dan.deputy", tenantId: options.tenantId, roles: ["requester"] },
    finance: { userId: "fin.controller", tenantId: options.tenantId, roles: ["finance_controller"] },
    architect: { userId: "ian.architect", tenantId: options.tenantId, roles: ["it_architect"] },
    cio: { userId: "cio", tenantId: options.tenantId, roles: ["cio"] }
  } satisfies Record<string, Principal.Principal>
  /** Who decides an approval step: its deputy, its named user, or someone holding its role. */
  const approverOf = (step: Requisition.ApprovalStep): Principal.Principal => {
    const everyone = Object.values(people) as ReadonlyArray<Principal.Principal>
    const wanted = step.delegatedTo ?? (step.approver.kind === "user" ? step.approver.userId : undefined)
    const found = wanted !== undefined
      ? everyone.find((p) => p.userId === wanted)
      : everyone.find((p) => step.approver.kind === "role" && p.roles.includes(step.approver.role))
    return found ?? { userId: wanted ?? "approver", tenantId: options.tenantId, roles: ["admin"] }
  }
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

  // 2. Requests and approvals, along the chains the approval policy plans.
  const { approved, rejected, steps, delegated } = yield* timed(phases, "requests and approvals", Effect.gen(function*() {
    const approved: Array<string> = []
    let rejected = 0
    let steps = 0
    let delegated = 0
    const services = items.filter((item) => item.kind === "service")
    const goods = items.filter((item) => item.kind !== "service")
    /** Decides every pending step of a request, delegating some to a deputy on the way. */
    const decideAll = (request: Requisition.PurchaseRequest, r: number) =>
      Effect.gen(function*() {
        let current = request
        while (current.status === "pending_approval") {
          const step = current.approval.steps.find((s) => s.status === "pending")!
          if (step.delegatedTo === undefined && step.step === 1 && r % 7 === 3) {
            current = yield* as(approverOf(step), requisition.delegateApproval({ requestId: current.id, deputyId: people.deputy.userId, comment: "Out of office" }))
            delegated++
            continue
          }
          const last = step.step === current.approval.steps.length
          if (last && r % 25 === 24 && current.revision === 1) {
            return yield* as(approverOf(step), requisition.rejectRequest({ requestId: current.id, reason: "Over the quarter's budget: halve it" }))
          }
          current = yield* as(approverOf(step), requisition.approveRequest({ requestId: current.id, comment: "Approved" }))
          steps++
        }
        return current
      })
    for (let r = 0; r < requestCount; r++) {
      // Services are bought through the shopping hub, everything else through the service catalog (seed 000).
      const viaHub = r % 10 === 9
      const pool = viaHub ? services : goods
      const lineCount = viaHub ? 1 : 1 + random(3)
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
      let decided = yield* decideAll(request, r)
      if (decided.status === "rejected") {
        // Rejected with a reason: the requester halves the quantities and resubmits.
        rejected++
        const revised = yield* as(people.requester, requisition.reviseRequest({
          requestId: decided.id,
          lines: decided.lines.map((l) => ({ catalogItemId: l.catalogItemId, quantity: Math.max(1, Math.floor(l.quantity / 2)) })),
          comment: "Halved as asked"
        }))
        decided = yield* decideAll(revised, r)
      }
      if (decided.status === "approved") approved.push(decided.id)
      progress("Requests and approvals", r + 1, requestCount)
    }
    return { approved, rejected, steps, delegated }
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
  // Software is not received (its entitlements were created on submit). Every sixth order is
  // delivered in part: half of each line arrives, the rest stays on backorder.
  const unitsReceived = yield* timed(phases, "receiving", Effect.gen(function*() {
    let units = 0
    const spaces = ["Main store room", "IT cage B2", "Dock 1 staging"]
    for (const [i, order] of orders.entries()) {
      const partial = i % 6 === 5
      const lines = order.lines.filter((line) => line.kind !== "software").map((line) => {
        const quantity = partial ? Math.ceil(line.quantity / 2) : line.quantity
        units += quantity
        return line.createAsset
          ? { lineNo: line.lineNo, serialNumbers: Array.from({ length: quantity }, (_, u) => `SN-${order.id.slice(-8)}-${line.lineNo}-${u + 1}`) }
          : { lineNo: line.lineNo, quantity }
      })
      if (lines.length > 0) {
        yield* as(i % 4 === 0 ? people.mobile : people.storekeeper, receiving.receivePurchaseOrder({
          purchaseOrderId: order.id,
          locationId: "HQ Amsterdam",
          storageSpace: spaces[i % spaces.length]!,
          condition: "new",
          lines
        }))
      }
      progress("Receiving", i + 1, orders.length)
    }
    return units
  }))

  // 5. The vendor ships the rest of the first partly delivered order: a shipment with its
  // advance serial list, received at the dock by scanning each serial (one scanned twice: no
  // second asset); its consumables are counted.
  const shipment = yield* timed(phases, "shipment received by scan", Effect.gen(function*() {
    const order = orders.find((_, i) => i % 6 === 5)
    if (order === undefined) return undefined
    const current = yield* as(people.buyer, purchasing.getPurchaseOrder({ id: order.id }))
    const rest = current.lines.filter((l) => l.kind !== "software" && Purchasing.backorderedQuantity(l) > 0)
    if (rest.length === 0) return undefined
    const advance = (line: Purchasing.PurchaseOrderLine) =>
      Array.from({ length: Purchasing.backorderedQuantity(line) }, (_, u) => `ASN-${order.id.slice(-8)}-${line.lineNo}-${u + 1}`)
    const shipped = yield* as(people.buyer, shipping.createShipment({
      purchaseOrderId: order.id,
      carrier: "DHL Express",
      trackingNumber: `JD0146${order.id.slice(-6).toUpperCase()}`,
      shipDate: "2026-11-21",
      destinationLocationId: "HQ Amsterdam",
      destinationStorageSpace: "Dock 1 staging",
      lines: rest.map((line) => ({
        lineNo: line.lineNo,
        quantity: Purchasing.backorderedQuantity(line),
        ...(Purchasing.hasAssets(line) ? { serialNumbers: advance(line) } : {})
      }))
    }))
    const codes = rest.filter(Purchasing.hasAssets).flatMap(advance)
    const scans = codes.length === 0 ? [] : [...codes, codes[0]!].map((code) => ({ code }))
    const result = scans.length === 0
      ? { scans: [] }
      : yield* as(people.mobile, receiving.receiveScans({ shipmentId: shipped.id, scans }))
    // Consumables on the shipment are counted, not scanned unit by unit.
    const counted = rest.filter((line) => !Purchasing.hasAssets(line))
    if (counted.length > 0) {
      yield* as(people.mobile, receiving.receiveShipment({
        shipmentId: shipped.id,
        lines: counted.map((line) => ({ lineNo: line.lineNo, quantity: Purchasing.backorderedQuantity(line) }))
      }))
    }
    const delivered = yield* as(people.buyer, shipping.getShipment({ id: shipped.id }))
    return {
      carrier: delivered.carrier,
      trackingNumber: delivered.trackingNumber,
      status: delivered.status,
      scans: scans.length,
      received: result.scans.filter((r) => r.outcome === "received").length,
      alreadyReceived: result.scans.filter((r) => r.outcome === "already_received").length
    }
  }))

  const backorders = yield* timed(phases, "backorders", Effect.gen(function*() {
    const open = []
    for (const order of orders) {
      const current = yield* as(people.buyer, purchasing.getPurchaseOrder({ id: order.id }))
      const units = current.lines.filter((l) => l.kind !== "software").reduce((n, l) => n + Purchasing.backorderedQuantity(l), 0)
      if (units > 0) open.push(units)
    }
    return { orders: open.length, units: open.reduce((a, b) => a + b, 0) }
  }))

  // 6. Invoices: one per order, for everything ordered. Every seventh vendor invoice charges 2 %
  // more on its first line: beyond the configuration's 1 % price tolerance (itam-spo's
  // `tolerances`), it is an exception the buyer overrides with a reason. Invoices of partly delivered orders bill units
  // not yet received: they wait for the goods.
  const invoices = yield* timed(phases, "invoices and match", Effect.gen(function*() {
    let approvedCount = 0
    let overridden = 0
    let awaitingReceipt = 0
    const examples: Array<string> = []
    for (const [i, order] of orders.entries()) {
      const invoice = yield* as(people.buyer, invoicing.recordInvoice({
        purchaseOrderId: order.id,
        number: `INV-${String(i + 1).padStart(5, "0")}`,
        invoiceDate: "2026-11-20",
        lines: order.lines.map((line) => ({
          lineNo: line.lineNo,
          quantity: line.quantity,
          unitCost: i % 7 === 3 && line.lineNo === 1 ? { ...line.unitCost, amount: Math.round(line.unitCost.amount * 1.02) } : line.unitCost
        }))
      }))
      const match = yield* as(people.buyer, invoicing.matchInvoice({ invoiceId: invoice.id }))
      const exceptions = match.lines.filter((l) => l.status === "exception")
      if (exceptions.some((l) => l.deviations.some((d) => d.reason === "QuantityInvoicedExceedsReceived"))) {
        awaitingReceipt++
        if (examples.length < 3) examples.push(`${invoice.number}: ${exceptions[0]!.deviations[0]!.message}`)
      } else {
        for (const line of exceptions) {
          if (examples.length < 3) examples.push(`${invoice.number}: ${line.deviations[0]!.message} (overridden)`)
          yield* as(people.buyer, invoicing.overrideException({ invoiceId: invoice.id, lineNo: line.lineNo, reason: "Price increase agreed with the vendor" }))
          overridden++
        }
        yield* as(people.buyer, invoicing.approveInvoice({ invoiceId: invoice.id }))
        approvedCount++
      }
      progress("Invoices", i + 1, orders.length)
    }
    let expected = 0
    let invoiced = 0
    for (const order of orders) {
      const variance = yield* as(people.buyer, invoicing.purchaseOrderVariance({ purchaseOrderId: order.id }))
      expected += variance.expected.amount
      invoiced += variance.invoiced.amount
    }
    return {
      recorded: orders.length,
      approved: approvedCount,
      overridden,
      awaitingReceipt,
      expected: { amount: expected, currency: "EUR" },
      invoiced: { amount: invoiced, currency: "EUR" },
      examples
    }
  }))

  // 7. Software: one entitlement per licence line, a one-year term (one ends within the month),
  // seats handed to employees until none is left; one seat more is refused.
  const licences = yield* timed(phases, "licences", Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const day = 86_400_000
    const entitlements = (yield* as(people.assetManager, licensing.listEntitlements({ limit: 1000 }))).items
    let seats = 0
    let assigned = 0
    let refusedBeyondBought: string | undefined
    for (const [i, entitlement] of entitlements.entries()) {
      yield* as(people.assetManager, licensing.updateEntitlement({
        id: entitlement.id,
        subscriptionStart: new Date(now - (i === 0 ? 345 : 30) * day).toISOString(),
        subscriptionEnd: new Date(now + (i === 0 ? 20 : 335) * day).toISOString()
      }))
      seats += entitlement.seats
      for (let n = 0; n < entitlement.seats; n++) {
        yield* as(people.assetManager, licensing.assignSeat({
          entitlementId: entitlement.id,
          assignee: { kind: "user", id: `employee-${String(1 + ((assigned + n) % 400)).padStart(4, "0")}` }
        }))
      }
      assigned += entitlement.seats
      if (refusedBeyondBought === undefined) {
        const beyond = yield* as(people.assetManager, licensing.assignSeat({
          entitlementId: entitlement.id,
          assignee: { kind: "device", id: "kiosk-01" }
        })).pipe(Effect.matchEffect({
          onSuccess: () => Effect.die(new Error("the demo could assign a seat beyond those bought")),
          onFailure: Effect.succeed
        }))
        refusedBeyondBought = beyond.message
      }
      progress("Licences", i + 1, entitlements.length)
    }
    const expiringSoon = (yield* as(people.assetManager, licensing.listEntitlements({ status: "expiring", expiringWithinDays: 30, limit: 1000 }))).items.length
    return { entitlements: entitlements.length, seats, assigned, expiringSoon, refusedBeyondBought }
  }))

  // 8. Assignment of every in-stock asset.
  const assigned = yield* timed(phases, "assignment", Effect.gen(function*() {
    const total = (yield* as(people.assetManager, assets.countAssetsByStatus({}))).in_stock
    let n = 0
    while (n < total) {
      // Assigned assets leave the in-stock list, so the first page is always the next batch.
      const page = yield* as(people.assetManager, assets.listAssets({ status: "in_stock", limit: 250 }))
      if (page.items.length === 0) break
      // A batch at a time: one write per batch, one event per asset.
      yield* as(people.assetManager, assets.assignAssets({
        assignments: page.items.map((asset, i) => ({ assetId: asset.id, userId: `employee-${String(1 + ((n + i) % 400)).padStart(4, "0")}` }))
      }))
      n += page.items.length
      progress("Assignment", n, total)
    }
    return n
  }))

  // 9. Project oversight of order fulfilment (seed 001), when the spm-oversight plugin is on.
  const oversight = yield* timed(phases, "project oversight", DemoOversight.run({ tenantId: options.tenantId }))

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
  const stockRecords = (yield* as(people.storekeeper, stock.listStock({ limit: 1000 }))).items
  const consumables = [...Map.groupBy(stockRecords, (record) => record.storageSpace)].map(([storageSpace, records]) => ({
    storageSpace,
    items: [...records].sort((a, b) => b.onHand - a.onHand).slice(0, 3).map((r) => ({ name: r.name, onHand: r.onHand }))
  }))
  const events = yield* storage.readEvents({ after: 0, limit: 1_000_000, tenantId: options.tenantId })
  return {
    tenantId: options.tenantId,
    vendors: vendors.length,
    catalogItems: items.length,
    requests: { approved: approved.length, rejected },
    approvals: { steps, delegated, policy: (yield* ApprovalPolicy.ApprovalPolicy).name },
    purchaseOrders: orders.length,
    unitsReceived,
    assetsAssigned: assigned,
    assetsByStatus,
    perVendor,
    phases,
    events: events.length,
    consumables,
    shipment,
    backorders,
    invoices,
    licences,
    oversight
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
  lines.push(`  ${count(summary.requests.approved)} purchase requests approved along "${summary.approvals.policy}":`)
  lines.push(`    ${count(summary.approvals.steps)} approval steps decided, ${count(summary.approvals.delegated)} delegated to a deputy,`)
  lines.push(`    ${count(summary.requests.rejected)} rejected with a reason, revised and resubmitted`)
  lines.push(`  ${count(summary.purchaseOrders)} purchase orders submitted, ${count(summary.unitsReceived)} units received`)
  if (summary.shipment !== undefined) {
    const shipped = summary.shipment
    lines.push(`    the rest of one order shipped by ${shipped.carrier} (${shipped.trackingNumber}) and received by scan: ` +
      `${count(shipped.scans)} scans, ${count(shipped.received)} units received, ${count(shipped.alreadyReceived)} repeated scan(s) found already received; shipment ${shipped.status}`)
  }
  lines.push(`    ${count(summary.backorders.orders)} orders still delivered in part, ${count(summary.backorders.units)} units on backorder`)
  lines.push(`  ${count(summary.invoices.recorded)} invoices: ${count(summary.invoices.approved)} approved for payment ` +
    `(${count(summary.invoices.overridden)} price exceptions overridden with a reason), ${count(summary.invoices.awaitingReceipt)} waiting for goods`)
  lines.push(`    orders' expected cost ${Money.format(summary.invoices.expected)}, invoiced ${Money.format(summary.invoices.invoiced)}, ` +
    `variance ${Money.format({ ...summary.invoices.invoiced, amount: Math.abs(summary.invoices.invoiced.amount - summary.invoices.expected.amount) })}` +
    `${summary.invoices.invoiced.amount >= summary.invoices.expected.amount ? " over" : " under"}`)
  for (const example of summary.invoices.examples) lines.push(`    ${example}`)
  lines.push(`  ${count(summary.licences.entitlements)} software entitlements: ${count(summary.licences.assigned)} of ${count(summary.licences.seats)} seats assigned, ` +
    `${count(summary.licences.expiringSoon)} expiring within 30 days`)
  if (summary.licences.refusedBeyondBought !== undefined) lines.push(`    one seat more: ${summary.licences.refusedBeyondBought}`)
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
  if (summary.consumables.length > 0) {
    lines.push("")
    lines.push("  Consumable stock")
    for (const space of summary.consumables) {
      lines.push(`    ${space.storageSpace}`)
      for (const item of space.items) lines.push(`      ${pad(item.name, 30)}${padLeft(count(item.onHand), 8)}`)
    }
  }
  lines.push(...DemoOversight.format(summary.oversight))
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

/**
 * The configuration the demo runs with unless given another: the approvals plugin with a
 * multi-level policy (line manager always; finance above 10,000 EUR; IT architecture for
 * enterprise items; the CIO above 50,000 EUR); itam-spo with approved-vendor sourcing and
 * tolerances (unit prices within 1 %, consumable quantities within 5 %); and spm-oversight. `docs/examples/procura.config.yaml` holds the
 * same configuration as YAML.
 *
 * @since 0.1.0
 * @category constants
 */
export const demoConfig = {
  plugins: {
    approvals: {
      managers: { "rae.requester": "mia.manager" },
      policy: {
        name: "demo approval policy",
        hitPolicy: "collect",
        rows: [
          {
            id: "line-manager",
            description: "Every request goes to the requester's manager",
            then: { level: 1, approver: { kind: "manager" }, label: "Line manager" }
          },
          {
            id: "finance",
            description: "Finance approves requests above 10,000 EUR",
            when: { currency: "EUR", amount: { gt: 10000 } },
            then: { level: 2, approver: { kind: "role", role: "finance_controller" }, label: "Finance" }
          },
          {
            id: "enterprise",
            description: "IT architecture approves enterprise hardware",
            when: { kinds: { contains: "enterprise" } },
            then: { level: 2, approver: { kind: "role", role: "it_architect" }, label: "IT architecture" }
          },
          {
            id: "cio",
            description: "The CIO approves requests above 50,000 EUR",
            when: { amount: { gt: 50000 } },
            then: { level: 3, approver: { kind: "role", role: "cio" }, label: "CIO" }
          }
        ]
      }
    },
    "itam-spo": {
      supplierProducts: false,
      tolerances: {
        rules: [
          { pricePercent: 1 },
          { kind: "consumable", quantityPercent: 5, pricePercent: 1 }
        ]
      }
    },
    "spm-oversight": DemoOversight.config
  }
} as const
