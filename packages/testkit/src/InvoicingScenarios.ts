/**
 * The invoice scenarios of seed 002 (Procurement levels: "one or more invoices with a purchase
 * order ... highlights any differences between the total cost from all of the invoices and the
 * expected cost"), runnable on any storage adapter: invoices and the order's variance, the
 * line-level three-way match with its outcomes and tolerances (by item kind, by vendor, percent or
 * absolute), exceptions blocking approval until overridden by a permitted role with a reason,
 * duplicate numbers, bad invoices refused without writes, and tenants kept apart.
 *
 * ```ts
 * InvoicingScenarios.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, layer } from "@effect/vitest"
import { Catalog, Invoicing, Principal, Procura, Purchasing, Receiving, Storage, Tolerances } from "@procura/core"
import { Effect, Exit, Layer } from "effect"
import * as EventContract from "./EventContract.js"
import * as Fixtures from "./Fixtures.js"

/** An invoice of the caller's tenant, or `NotFound`: a plain read through the storage port. */
const loadInvoice = (id: string) => Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(Invoicing.invoices, id, "Invoice"))

const freshTenant = () => Fixtures.freshTenant("invoicing")

const failureOf = Fixtures.failureOf

type Team = ReturnType<typeof Fixtures.team>

const eur = (amount: number) => ({ amount, currency: "EUR" })

const snapshot = Fixtures.snapshot
const refusedWithoutWrites = Fixtures.refusedWithoutWrites

const eventsOf = (tenant: Principal.Principal, type: string) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.map(
      storage.readEvents({ after: 0, limit: 100_000, tenantId: tenant.tenantId }),
      (events) => events.filter((e) => e.type === type)
    ))

/** Requests, approves, orders and (unless `draft`) submits the lines; gives the order. */
const buy = (
  team: Team,
  lines: ReadonlyArray<{ readonly catalogItemId: string; readonly quantity: number }>,
  options: { readonly channel?: "service_catalog"; readonly draft?: boolean } = {}
) => Fixtures.buy(team, lines, options)

/** Receives units of an order's lines (line number -> quantity) into the store room. */
const receive = (team: Team, purchaseOrderId: string, lines: Record<number, number>) =>
  Effect.flatMap(Receiving.Receiving, (receiving) =>
    Principal.runAs(
      receiving.receivePurchaseOrder({
        purchaseOrderId,
        locationId: "HQ",
        storageSpace: "Store room 1",
        lines: Object.entries(lines).map(([lineNo, quantity]) => ({ lineNo: Number(lineNo), quantity }))
      }),
      team.storekeeper
    ))

/** Records an invoice as the buyer. */
const record = (team: Team, input: Invoicing.RecordInvoiceInput) =>
  Effect.flatMap(Invoicing.Invoicing, (invoicing) => Principal.runAs(invoicing.recordInvoice(input), team.buyer))

/** The three-way match of an invoice, as the buyer sees it now. */
const matchOf = (team: Team, invoiceId: string) =>
  Effect.flatMap(Invoicing.Invoicing, (invoicing) => Principal.runAs(invoicing.matchInvoice({ invoiceId }), team.buyer))

/** The reasons and within-tolerance flags of a line's deviations. */
const deviationsOf = (line: Invoicing.LineMatch) => line.deviations.map((d) => [d.reason, d.withinTolerance])

/**
 * A tenant with the small catalog (Acme: laptops at 1,200.00 EUR, mice at 50.00 EUR) and a
 * submitted order for 10 laptops (line 1) and 20 mice (line 2).
 */
const ordered = Effect.gen(function*() {
  const team = Fixtures.team(freshTenant())
  const invoicing = yield* Invoicing.Invoicing
  const { vendor, laptop, mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
  const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 10 }, { catalogItemId: mouse.id, quantity: 20 }])
  return { team, invoicing, vendor, laptop, mouse, order }
})

/**
 * Registers the scenarios for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  const procura = Procura.layer.pipe(Layer.provideMerge(EventContract.checked(storageLayer)))

  describe(`invoice scenarios: ${name}`, () => {
    layer(procura, { timeout: "120 seconds", excludeTestServices: true })((it) => {
      it.effect("two invoices on one purchase order show the variance against the expected cost, in all and per line", () =>
        Effect.gen(function*() {
          const { team, invoicing, vendor, order } = yield* ordered
          assert.deepStrictEqual(order.total, eur(1_300_000))
          const first = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-1001",
            invoiceDate: "2026-11-02",
            lines: [{ lineNo: 1, quantity: 6, unitCost: eur(120_000) }, { lineNo: 2, quantity: 20, unitCost: eur(5_000) }]
          })
          assert.deepStrictEqual(
            [first.status, first.sequence, first.vendorId, first.currency, first.total, first.recordedBy],
            ["open", 1, vendor.id, "EUR", eur(820_000), "pat.procurement"]
          )
          const second = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-1002",
            invoiceDate: "2026-11-20",
            lines: [{ lineNo: 1, quantity: 4, unitCost: eur(125_000) }]
          })
          assert.deepStrictEqual([second.sequence, second.total], [2, eur(500_000)])

          const variance = yield* Principal.runAs(invoicing.purchaseOrderVariance({ purchaseOrderId: order.id }), team.storekeeper)
          assert.deepStrictEqual(
            [variance.expected, variance.invoiced, variance.difference, variance.currency],
            [eur(1_300_000), eur(1_320_000), 20_000, "EUR"],
            "the invoices bill 200.00 EUR more than the order expects"
          )
          assert.deepStrictEqual(variance.invoiceIds, [first.id, second.id])
          assert.deepStrictEqual(
            variance.lines.map((l) => [l.lineNo, l.expectedQuantity, l.expected.amount, l.invoicedQuantity, l.invoiced.amount, l.difference]),
            [[1, 10, 1_200_000, 10, 1_220_000, 20_000], [2, 20, 100_000, 20, 100_000, 0]]
          )

          const listed = yield* Principal.runAs(invoicing.listInvoices({ purchaseOrderId: order.id }), team.assetManager)
          assert.deepStrictEqual(listed.items.map((i) => i.number), ["ACME-1001", "ACME-1002"])

          const cancelled = yield* Principal.runAs(invoicing.cancelInvoice({ invoiceId: second.id, reason: "billed twice" }), team.buyer)
          assert.deepStrictEqual(
            [cancelled.status, cancelled.cancelledBy, cancelled.cancellationReason],
            ["cancelled", "pat.procurement", "billed twice"]
          )
          const after = yield* Principal.runAs(invoicing.purchaseOrderVariance({ purchaseOrderId: order.id }), team.buyer)
          assert.deepStrictEqual(
            [after.invoiced, after.difference, after.invoiceIds],
            [eur(820_000), -480_000, [first.id]],
            "a cancelled invoice no longer counts: now 4,800.00 EUR are still to be billed"
          )
          assert.deepStrictEqual(after.lines.map((l) => l.difference), [-480_000, 0])
          const byStatus = yield* Principal.runAs(invoicing.listInvoices({ status: "cancelled" }), team.buyer)
          assert.deepStrictEqual(byStatus.items.map((i) => i.id), [second.id])
          const open = yield* Principal.runAs(invoicing.listInvoices({ status: "open", vendorId: vendor.id }), team.buyer)
          assert.deepStrictEqual(open.items.map((i) => i.id), [first.id])

          const recorded = yield* eventsOf(team.admin, "invoice.recorded")
          assert.deepStrictEqual(recorded.map((e) => (e.payload as { number: string }).number), ["ACME-1001", "ACME-1002"])
          assert.deepStrictEqual((recorded[0]!.payload as { total: unknown }).total, eur(820_000))
          const cancelledEvents = yield* eventsOf(team.admin, "invoice.cancelled")
          assert.deepStrictEqual(cancelledEvents.map((e) => [e.aggregateId, (e.payload as { reason: string }).reason]), [[second.id, "billed twice"]])

          const again = yield* refusedWithoutWrites(team.admin, Principal.runAs(invoicing.cancelInvoice({ invoiceId: second.id }), team.buyer))
          assert.strictEqual((again as Invoicing.InvoicingError).reason, "InvalidState")
          assert.include(again.message, "cancelled")
        }))

      it.effect("matches each line three ways: matched, or exceptions that change as goods arrive", () =>
        Effect.gen(function*() {
          const { team, invoicing, order } = yield* ordered
          yield* receive(team, order.id, { 1: 6, 2: 20 })
          const invoice = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-2001",
            invoiceDate: "2026-11-02",
            lines: [{ lineNo: 1, quantity: 8, unitCost: eur(120_000) }, { lineNo: 2, quantity: 20, unitCost: eur(5_000) }]
          })
          const before = yield* snapshot(team.admin)
          const early = yield* matchOf(team, invoice.id)
          assert.deepStrictEqual(yield* snapshot(team.admin), before, "matching changes nothing")
          assert.deepStrictEqual([early.status, early.approvable, early.invoiceId, early.purchaseOrderId], ["exception", false, invoice.id, order.id])
          const [laptops, mice] = early.lines
          assert.deepStrictEqual(
            [laptops!.ordered, laptops!.received, laptops!.invoicedBefore, laptops!.quantity, laptops!.invoiced, laptops!.status],
            [10, 6, 0, 8, 8, "exception"]
          )
          assert.deepStrictEqual(deviationsOf(laptops!), [["QuantityInvoicedExceedsReceived", false]])
          assert.include(laptops!.deviations[0]!.message, "Line 1 (Laptop 14 inch): 8 units invoiced, 6 received")
          assert.include(laptops!.deviations[0]!.message, "beyond the tolerance of 0 units")
          assert.deepStrictEqual([mice!.status, mice!.deviations], ["matched", []])

          yield* receive(team, order.id, { 1: 2 })
          const now = yield* matchOf(team, invoice.id)
          assert.deepStrictEqual(
            [now.status, now.approvable, now.lines[0]!.received, now.lines[0]!.status],
            ["matched", true, 8, "matched"],
            "the match is computed when asked: the receipt resolved the exception"
          )

          // A second invoice counts what the first already billed: 8 + 4 > 10 ordered and received.
          yield* receive(team, order.id, { 1: 2 })
          const second = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-2002",
            invoiceDate: "2026-11-09",
            lines: [{ lineNo: 1, quantity: 4, unitCost: eur(126_000) }]
          })
          const cumulative = yield* matchOf(team, second.id)
          const [line] = cumulative.lines
          assert.deepStrictEqual([line!.ordered, line!.received, line!.invoicedBefore, line!.invoiced], [10, 10, 8, 12])
          assert.deepStrictEqual(deviationsOf(line!), [
            ["QuantityInvoicedExceedsOrdered", false],
            ["QuantityInvoicedExceedsReceived", false],
            ["PriceVariance", false]
          ])
          assert.include(line!.deviations[0]!.message, "12 units invoiced (8 on earlier invoices, 4 on this one), 10 ordered")
          assert.include(line!.deviations[2]!.message, "invoiced at 1,260.00 EUR a unit, ordered at 1,200.00 EUR (+60.00 EUR, +5.00 %)")
          assert.strictEqual((yield* matchOf(team, invoice.id)).status, "matched", "a later invoice does not change an earlier one's match")

          yield* Principal.runAs(invoicing.cancelInvoice({ invoiceId: invoice.id }), team.buyer)
          const alone = yield* matchOf(team, second.id)
          assert.deepStrictEqual(
            [alone.lines[0]!.invoicedBefore, deviationsOf(alone.lines[0]!)],
            [0, [["PriceVariance", false]]],
            "a cancelled invoice no longer counts towards the quantities"
          )
        }))

      it.effect("follows the order as it changes: cancelled units are not expected, a removed line is an exception", () =>
        Effect.gen(function*() {
          const { team, invoicing, order } = yield* ordered
          yield* receive(team, order.id, { 1: 6 })
          const invoice = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-9001",
            invoiceDate: "2026-11-02",
            lines: [{ lineNo: 1, quantity: 6, unitCost: eur(120_000) }, { lineNo: 2, quantity: 20, unitCost: eur(5_000) }]
          })
          // What cancelling the 4 laptops still outstanding and a revision removing the mice (none
          // received) leave on the order.
          yield* Principal.runAs(
            Effect.gen(function*() {
              const storage = yield* Storage.Storage
              const current = yield* storage.getOrFail(Purchasing.purchaseOrders, order.id, "PurchaseOrder")
              yield* storage.updateMany(Purchasing.purchaseOrders, [{
                ...current,
                lines: current.lines.filter((l) => l.lineNo === 1).map((l) => ({ ...l, cancelledQuantity: 4 })),
                total: eur(720_000)
              }])
            }),
            team.buyer
          )
          const variance = yield* Principal.runAs(invoicing.purchaseOrderVariance({ purchaseOrderId: order.id }), team.buyer)
          assert.deepStrictEqual([variance.expected, variance.invoiced, variance.difference], [eur(720_000), eur(820_000), 100_000])
          assert.deepStrictEqual(
            variance.lines.map((l) => [l.lineNo, l.description, l.expectedQuantity, l.expected.amount, l.invoicedQuantity, l.invoiced.amount, l.difference]),
            [[1, "Laptop 14 inch", 6, 720_000, 6, 720_000, 0], [2, "not on the order", 0, 0, 20, 100_000, 100_000]]
          )
          const match = yield* matchOf(team, invoice.id)
          assert.deepStrictEqual(match.lines.map((l) => [l.lineNo, l.ordered, l.received, l.status]), [[1, 6, 6, "matched"], [2, 0, 0, "exception"]])
          const [, removed] = match.lines
          assert.deepStrictEqual([removed!.kind, removed!.orderedUnitCost, deviationsOf(removed!)], [undefined, undefined, [["LineNotOnOrder", false]]])
          assert.include(removed!.deviations[0]!.message, `Line 2: 20 units invoiced at 50.00 EUR a unit, but purchase order ${order.id} no longer has this line`)
          const more = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-9002",
            invoiceDate: "2026-11-03",
            lines: [{ lineNo: 1, quantity: 1, unitCost: eur(120_000) }]
          })
          assert.include(
            (yield* matchOf(team, more.id)).lines[0]!.deviations[0]!.message,
            "7 units invoiced (6 on earlier invoices, 1 on this one), 6 ordered",
            "cancelled units are no longer ordered"
          )
        }))

      it.effect("matches software two ways: it is never received", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const catalog = yield* Catalog.Catalog
          const { vendor } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
          const office = yield* Principal.runAs(
            catalog.createCatalogItem({ sku: "OFFICE", name: "Office suite", kind: "software", approvedVendors: [{ vendorId: vendor.id, unitCost: eur(9_900) }] }),
            team.buyer
          )
          const order = yield* buy(team, [{ catalogItemId: office.id, quantity: 25 }], { channel: "service_catalog" })
          const invoice = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-SW-1",
            invoiceDate: "2026-11-02",
            lines: [{ lineNo: 1, quantity: 25, unitCost: eur(9_900) }]
          })
          const match = yield* matchOf(team, invoice.id)
          assert.deepStrictEqual(
            [match.lines[0]!.kind, match.lines[0]!.receiptRequired, match.lines[0]!.received, match.lines[0]!.status],
            ["software", false, 0, "matched"]
          )
          const over = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-SW-2",
            invoiceDate: "2026-11-03",
            lines: [{ lineNo: 1, quantity: 1, unitCost: eur(9_900) }]
          })
          assert.deepStrictEqual(deviationsOf((yield* matchOf(team, over.id)).lines[0]!), [["QuantityInvoicedExceedsOrdered", false]])
        }))

      it.effect("applies the most specific tolerance rule: by kind, by vendor, percent or absolute", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const catalog = yield* Catalog.Catalog
          const { vendor: acme, laptop, mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
          const globex = yield* Principal.runAs(catalog.createVendor({ code: "GLOBEX", name: "Globex" }), team.buyer)
          const monitor = yield* Principal.runAs(
            catalog.createCatalogItem({ sku: "MON-27", name: "Monitor 27 inch", kind: "hardware", approvedVendors: [{ vendorId: globex.id, unitCost: eur(100_000) }] }),
            team.buyer
          )
          const toner = yield* Principal.runAs(
            catalog.createCatalogItem({ sku: "TONER", name: "Toner", kind: "consumable", approvedVendors: [{ vendorId: globex.id, unitCost: eur(10_000) }] }),
            team.buyer
          )
          const policy = Tolerances.policy({
            rules: [
              { pricePercent: 1 },
              { kind: "consumable", quantityPercent: 10, quantityAbsolute: 3, pricePercent: 5 },
              { vendorId: globex.id, pricePercent: 3 }
            ]
          })
          const withPolicy = (invoiceId: string) => Effect.provideService(matchOf(team, invoiceId), Tolerances.Tolerances, policy)

          const fromAcme = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 10 }, { catalogItemId: mouse.id, quantity: 20 }])
          yield* receive(team, fromAcme.id, { 1: 10, 2: 20 })
          const within = yield* record(team, {
            purchaseOrderId: fromAcme.id,
            number: "ACME-T1",
            invoiceDate: "2026-11-02",
            lines: [{ lineNo: 1, quantity: 1, unitCost: eur(121_200) }, { lineNo: 2, quantity: 23, unitCost: eur(5_250) }]
          })
          const first = yield* withPolicy(within.id)
          assert.deepStrictEqual([first.status, first.approvable], ["within_tolerance", true])
          const [laptopLine, mouseLine] = first.lines
          assert.deepStrictEqual(laptopLine!.tolerance, { quantityPercent: 0, quantityAbsolute: 0, pricePercent: 1, priceAbsolute: 0 }, "the default rule")
          assert.deepStrictEqual([laptopLine!.status, deviationsOf(laptopLine!)], ["within_tolerance", [["PriceVariance", true]]])
          assert.include(laptopLine!.deviations[0]!.message, "+1.00 %); within the tolerance of 12.00 EUR a unit")
          assert.deepStrictEqual(mouseLine!.tolerance, { quantityPercent: 10, quantityAbsolute: 3, pricePercent: 5, priceAbsolute: 0 }, "the kind rule")
          assert.deepStrictEqual(deviationsOf(mouseLine!), [
            ["QuantityInvoicedExceedsOrdered", true],
            ["QuantityInvoicedExceedsReceived", true],
            ["PriceVariance", true]
          ], "3 extra mice: 10 % of 20 is 2, but 3 units absolute lets them through; +5 % is within 5 %")
          assert.include(mouseLine!.deviations[0]!.message, "within the tolerance of 3 units")
          assert.strictEqual((yield* matchOf(team, within.id)).status, "exception", "without the policy, nothing may stray")

          const beyond = yield* record(team, {
            purchaseOrderId: fromAcme.id,
            number: "ACME-T2",
            invoiceDate: "2026-11-03",
            lines: [{ lineNo: 1, quantity: 1, unitCost: eur(121_300) }, { lineNo: 2, quantity: 1, unitCost: eur(5_000) }]
          })
          const second = yield* withPolicy(beyond.id)
          assert.deepStrictEqual(second.lines.map((l) => [l.status, deviationsOf(l)]), [
            ["exception", [["PriceVariance", false]]],
            ["exception", [["QuantityInvoicedExceedsOrdered", false], ["QuantityInvoicedExceedsReceived", false]]]
          ], "1,213.00 EUR is more than 1 % over; a 24th mouse is more than 3 over")

          const fromGlobex = yield* buy(team, [{ catalogItemId: monitor.id, quantity: 5 }, { catalogItemId: toner.id, quantity: 10 }])
          assert.strictEqual(fromGlobex.vendorId, globex.id)
          assert.notStrictEqual(fromGlobex.vendorId, acme.id)
          yield* receive(team, fromGlobex.id, { 1: 5, 2: 10 })
          const globexInvoice = yield* record(team, {
            purchaseOrderId: fromGlobex.id,
            number: "GLX-1",
            invoiceDate: "2026-11-04",
            lines: [{ lineNo: 1, quantity: 5, unitCost: eur(103_000) }, { lineNo: 2, quantity: 10, unitCost: eur(10_400) }]
          })
          const third = yield* withPolicy(globexInvoice.id)
          assert.deepStrictEqual(third.lines.map((l) => l.tolerance.pricePercent), [3, 3], "the vendor rule beats the default and the kind rule")
          assert.deepStrictEqual(third.lines.map((l) => [l.status, deviationsOf(l)]), [
            ["within_tolerance", [["PriceVariance", true]]],
            ["exception", [["PriceVariance", false]]]
          ], "+3 % on the monitor is within the vendor's 3 %; +4 % on toner is not, though the consumable rule would allow 5 %")
        }))

      it.effect("exceptions block approval until a permitted role overrides them with a reason", () =>
        Effect.gen(function*() {
          const { team, invoicing, order } = yield* ordered
          yield* receive(team, order.id, { 1: 6, 2: 5 })
          const invoice = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-3001",
            invoiceDate: "2026-11-02",
            lines: [{ lineNo: 1, quantity: 10, unitCost: eur(125_000) }, { lineNo: 2, quantity: 5, unitCost: eur(5_000) }]
          })
          const as = (who: Principal.Principal) => <A, Err>(effect: Effect.Effect<A, Err, Principal.CurrentPrincipal>) => Principal.runAs(effect, who)

          const blocked = yield* refusedWithoutWrites(team.admin, as(team.buyer)(invoicing.approveInvoice({ invoiceId: invoice.id })))
          assert.strictEqual(blocked._tag, "InvoicingError")
          const error = blocked as Invoicing.InvoicingError
          assert.strictEqual(error.reason, "MatchExceptions")
          assert.deepStrictEqual(
            error.exceptions?.map((e) => [e.lineNo, e.reasons]),
            [[1, ["QuantityInvoicedExceedsReceived", "PriceVariance"]]]
          )
          assert.include(error.message, "ACME-3001")
          assert.include(error.message, "10 units invoiced, 6 received")
          assert.include(error.message, "invoiced at 1,250.00 EUR a unit, ordered at 1,200.00 EUR")

          const override = { invoiceId: invoice.id, lineNo: 1, reason: "Vendor shipped the rest; price rise agreed by phone" }
          for (const who of [team.storekeeper, team.assetManager, team.requester]) {
            const denied = yield* refusedWithoutWrites(team.admin, as(who)(invoicing.overrideException(override)))
            assert.deepStrictEqual([denied._tag, (denied as { permission?: string }).permission], ["AccessDenied", "invoice.override"])
          }
          const approveDenied = yield* refusedWithoutWrites(team.admin, as(team.storekeeper)(invoicing.approveInvoice({ invoiceId: invoice.id })))
          assert.deepStrictEqual([approveDenied._tag, (approveDenied as { permission?: string }).permission], ["AccessDenied", "invoice.approve"])
          const noReason = yield* refusedWithoutWrites(team.admin, as(team.buyer)(invoicing.overrideException({ ...override, reason: "   " })))
          assert.strictEqual(noReason._tag, "ValidationError")
          assert.include(noReason.message, "reason")
          const unknownLine = yield* refusedWithoutWrites(team.admin, as(team.buyer)(invoicing.overrideException({ ...override, lineNo: 9 })))
          assert.strictEqual((unknownLine as Invoicing.InvoicingError).reason, "UnknownLine")
          const matchedLine = yield* refusedWithoutWrites(team.admin, as(team.buyer)(invoicing.overrideException({ ...override, lineNo: 2 })))
          assert.strictEqual((matchedLine as Invoicing.InvoicingError).reason, "NoException")
          assert.include(matchedLine.message, "matched")

          const overridden = yield* as(team.buyer)(invoicing.overrideException(override))
          assert.strictEqual(overridden.status, "open")
          assert.deepStrictEqual(
            overridden.overrides.map((o) => [o.lineNo, o.exceptions, o.reason, o.by]),
            [[1, ["QuantityInvoicedExceedsReceived", "PriceVariance"], override.reason, "pat.procurement"]]
          )
          assert.isString(overridden.overrides[0]!.at)
          const [overrideEvent] = yield* eventsOf(team.admin, "invoice.exception_overridden")
          assert.deepStrictEqual(
            [overrideEvent!.aggregateId, overrideEvent!.actorId, (overrideEvent!.payload as { lineNo: number }).lineNo],
            [invoice.id, "pat.procurement", 1]
          )
          const matched = yield* matchOf(team, invoice.id)
          assert.deepStrictEqual([matched.status, matched.approvable, matched.lines[0]!.overridden], ["exception", true, true])

          const approved = yield* as(team.admin)(invoicing.approveInvoice({ invoiceId: invoice.id }))
          assert.deepStrictEqual([approved.status, approved.approvedBy], ["approved", "ada.admin"])
          assert.isString(approved.approvedAt)
          assert.deepStrictEqual(
            approved.match?.lines.map((l) => [l.lineNo, l.status, l.overridden]),
            [[1, "exception", true], [2, "matched", false]],
            "approval stores the match it was approved on"
          )
          const [approvedEvent] = yield* eventsOf(team.admin, "invoice.approved")
          assert.deepStrictEqual(
            [approvedEvent!.aggregateId, (approvedEvent!.payload as { matchStatus: string }).matchStatus, (approvedEvent!.payload as { overriddenLines: unknown }).overriddenLines],
            [invoice.id, "exception", [1]]
          )
          const stored = yield* as(team.storekeeper)(invoicing.getInvoice({ id: invoice.id }))
          assert.deepStrictEqual(stored, approved)

          for (const attempt of [
            invoicing.approveInvoice({ invoiceId: invoice.id }),
            invoicing.cancelInvoice({ invoiceId: invoice.id }),
            invoicing.overrideException(override)
          ]) {
            const refused = yield* refusedWithoutWrites(team.admin, as(team.buyer)(attempt))
            assert.deepStrictEqual([(refused as Invoicing.InvoicingError).reason, refused.message.includes("approved")], ["InvalidState", true])
          }
        }))

      it.effect("an override covers the exceptions it saw: one that appears later still blocks", () =>
        Effect.gen(function*() {
          const { team, invoicing, order } = yield* ordered
          yield* receive(team, order.id, { 1: 4 })
          const invoice = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-4001",
            invoiceDate: "2026-11-02",
            lines: [{ lineNo: 1, quantity: 5, unitCost: eur(121_000) }]
          })
          const lenient = Tolerances.policy({ rules: [{ pricePercent: 1 }] })
          const overridden = yield* Effect.provideService(
            Principal.runAs(invoicing.overrideException({ invoiceId: invoice.id, lineNo: 1, reason: "fifth unit is on the truck" }), team.buyer),
            Tolerances.Tolerances,
            lenient
          )
          assert.deepStrictEqual(overridden.overrides[0]!.exceptions, ["QuantityInvoicedExceedsReceived"], "the price was within 1 % then")
          const blocked = yield* refusedWithoutWrites(team.admin, Principal.runAs(invoicing.approveInvoice({ invoiceId: invoice.id }), team.buyer))
          const error = blocked as Invoicing.InvoicingError
          assert.deepStrictEqual(error.exceptions?.map((e) => [e.lineNo, e.reasons]), [[1, ["PriceVariance"]]])
          assert.notInclude(error.message, "received", "only the uncovered exception is named")
          const approved = yield* Effect.provideService(
            Principal.runAs(invoicing.approveInvoice({ invoiceId: invoice.id }), team.buyer),
            Tolerances.Tolerances,
            lenient
          )
          assert.deepStrictEqual([approved.status, approved.match?.status, approved.match?.approvable], ["approved", "exception", true])
        }))

      it.effect("refuses an invoice number the vendor already used, writing nothing, also when recordings race", () =>
        Effect.gen(function*() {
          const { team, invoicing, laptop, order } = yield* ordered
          const catalog = yield* Catalog.Catalog
          const input = {
            purchaseOrderId: order.id,
            number: "ACME-5001",
            invoiceDate: "2026-11-02",
            lines: [{ lineNo: 1, quantity: 1, unitCost: eur(120_000) }]
          }
          const first = yield* record(team, input)
          const otherOrder = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 1 }])
          const duplicate = yield* refusedWithoutWrites(team.admin, record(team, { ...input, purchaseOrderId: otherOrder.id }))
          const error = duplicate as Invoicing.InvoicingError
          assert.deepStrictEqual([error._tag, error.reason, error.invoiceId], ["InvoicingError", "DuplicateInvoiceNumber", first.id])
          assert.include(error.message, "ACME-5001")
          assert.include(error.message, first.id)
          const padded = yield* refusedWithoutWrites(team.admin, record(team, { ...input, number: "  ACME-5001 " }))
          assert.strictEqual((padded as Invoicing.InvoicingError).reason, "DuplicateInvoiceNumber")

          yield* Principal.runAs(invoicing.cancelInvoice({ invoiceId: first.id }), team.buyer)
          const afterCancel = yield* refusedWithoutWrites(team.admin, record(team, input))
          assert.strictEqual((afterCancel as Invoicing.InvoicingError).reason, "DuplicateInvoiceNumber", "a cancelled invoice keeps its number")

          const globex = yield* Principal.runAs(catalog.createVendor({ code: "GLOBEX", name: "Globex" }), team.buyer)
          const monitor = yield* Principal.runAs(
            catalog.createCatalogItem({ sku: "MON-27", name: "Monitor 27 inch", kind: "hardware", approvedVendors: [{ vendorId: globex.id, unitCost: eur(100_000) }] }),
            team.buyer
          )
          const globexOrder = yield* buy(team, [{ catalogItemId: monitor.id, quantity: 2 }])
          const sameNumber = yield* record(team, { ...input, purchaseOrderId: globexOrder.id, lines: [{ lineNo: 1, quantity: 1, unitCost: eur(100_000) }] })
          assert.strictEqual(sameNumber.number, "ACME-5001", "another vendor may use the same number")

          // Racers on four orders of the vendor, so that only the number is contended.
          const orders = [order, otherOrder, yield* buy(team, [{ catalogItemId: laptop.id, quantity: 1 }]), yield* buy(team, [{ catalogItemId: laptop.id, quantity: 1 }])]
          const racers = yield* Effect.all(
            orders.map((o) => Effect.exit(record(team, { ...input, purchaseOrderId: o.id, number: "ACME-5002" }))),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(racers.filter(Exit.isSuccess).length, 1, "exactly one recording of a number wins")
          for (const lost of racers.filter(Exit.isFailure)) {
            assert.strictEqual((failureOf(lost) as Invoicing.InvoicingError).reason, "DuplicateInvoiceNumber")
          }
          const recorded = (yield* Principal.runAs(invoicing.listInvoices({ purchaseOrderId: order.id }), team.buyer)).items.length
          const racing = yield* Effect.all(
            ["ACME-6001", "ACME-6002", "ACME-6003"].map((number) => record(team, { ...input, number })),
            { concurrency: "unbounded" }
          )
          assert.deepStrictEqual(
            racing.map((i) => i.sequence).toSorted((a, b) => a - b),
            [recorded + 1, recorded + 2, recorded + 3],
            "invoices of one order recorded at the same time take turns for their sequence"
          )
        }))

      it.effect("refuses invoices against drafts, unknown or repeated lines and other currencies, writing nothing", () =>
        Effect.gen(function*() {
          const { team, invoicing, laptop, order } = yield* ordered
          const line = { lineNo: 1, quantity: 1, unitCost: eur(120_000) }
          const base = { purchaseOrderId: order.id, number: "ACME-7001", invoiceDate: "2026-11-02", lines: [line] }
          const refused = (input: Invoicing.RecordInvoiceInput, who = team.buyer) =>
            refusedWithoutWrites(team.admin, Principal.runAs(invoicing.recordInvoice(input), who))

          const draft = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 1 }], { draft: true })
          const onDraft = (yield* refused({ ...base, purchaseOrderId: draft.id })) as Invoicing.InvoicingError
          assert.deepStrictEqual([onDraft.reason, onDraft.purchaseOrderId], ["InvalidState", draft.id])
          assert.include(onDraft.message, "draft")
          const unknown = (yield* refused({ ...base, lines: [line, { ...line, lineNo: 7 }] })) as Invoicing.InvoicingError
          assert.deepStrictEqual([unknown.reason, unknown.lineNo], ["UnknownLine", 7])
          assert.include(unknown.message, "no line 7")
          const repeated = (yield* refused({ ...base, lines: [line, line] })) as Invoicing.InvoicingError
          assert.deepStrictEqual([repeated.reason, repeated.lineNo], ["DuplicateLine", 1])
          const dollars = (yield* refused({ ...base, lines: [line, { lineNo: 2, quantity: 1, unitCost: { amount: 5_500, currency: "USD" } }] })) as Invoicing.InvoicingError
          assert.deepStrictEqual([dollars.reason, dollars.lineNo], ["CurrencyMismatch", 2])
          assert.include(dollars.message, "USD")
          assert.include(dollars.message, "EUR")
          const missing = yield* refused({ ...base, purchaseOrderId: "no-such-order" })
          assert.strictEqual(missing._tag, "NotFound")
          const invalidInputs: Array<[Invoicing.RecordInvoiceInput, string]> = [
            [{ ...base, lines: [] }, "lines"],
            [{ ...base, invoiceDate: "2nd of November" }, "invoiceDate"],
            [{ ...base, number: " " }, "number"],
            [{ ...base, lines: [{ ...line, quantity: 0 }] }, "quantity"]
          ]
          for (const [input, path] of invalidInputs) {
            const invalid = yield* refused(input)
            assert.strictEqual(invalid._tag, "ValidationError")
            assert.include(invalid.message, path)
          }
          const denied = yield* refused(base, team.storekeeper)
          assert.deepStrictEqual([denied._tag, (denied as { permission?: string }).permission], ["AccessDenied", "invoice.manage"])
          const requesterRead = failureOf(yield* Effect.exit(Principal.runAs(invoicing.listInvoices({}), team.requester)))
          assert.strictEqual(requesterRead._tag, "AccessDenied")
        }))

      it.effect("keeps tenants apart: another tenant's invoices are not found", () =>
        Effect.gen(function*() {
          const { team, invoicing, order } = yield* ordered
          const invoice = yield* record(team, {
            purchaseOrderId: order.id,
            number: "ACME-8001",
            invoiceDate: "2026-11-02",
            lines: [{ lineNo: 1, quantity: 1, unitCost: eur(120_000) }]
          })
          assert.strictEqual((yield* Principal.runAs(loadInvoice(invoice.id), team.buyer)).id, invoice.id)
          const other = Fixtures.team(freshTenant())
          const as = <A, Err, R>(effect: Effect.Effect<A, Err, R>) =>
            Effect.map(Effect.exit(Principal.runAs(effect, other.admin)), (exit) => failureOf(exit) as { _tag: string; entity?: string })
          const attempts: ReadonlyArray<Effect.Effect<unknown, unknown, Principal.CurrentPrincipal>> = [
            invoicing.getInvoice({ id: invoice.id }),
            invoicing.matchInvoice({ invoiceId: invoice.id }),
            invoicing.approveInvoice({ invoiceId: invoice.id }),
            invoicing.cancelInvoice({ invoiceId: invoice.id }),
            invoicing.overrideException({ invoiceId: invoice.id, lineNo: 1, reason: "not mine" })
          ]
          for (const attempt of attempts) {
            const failure = yield* as(attempt)
            assert.deepStrictEqual([failure._tag, failure.entity], ["NotFound", "Invoice"])
          }
          const loaded = yield* as(loadInvoice(invoice.id))
          assert.strictEqual(loaded._tag, "NotFound")
          const onOrder = yield* as(invoicing.recordInvoice({
            purchaseOrderId: order.id,
            number: "X-1",
            invoiceDate: "2026-11-02",
            lines: [{ lineNo: 1, quantity: 1, unitCost: eur(120_000) }]
          }))
          assert.deepStrictEqual([onOrder._tag, onOrder.entity], ["NotFound", "PurchaseOrder"])
          const variance = yield* as(invoicing.purchaseOrderVariance({ purchaseOrderId: order.id }))
          assert.strictEqual(variance._tag, "NotFound")
          const listed = yield* Principal.runAs(invoicing.listInvoices({ purchaseOrderId: order.id }), other.admin)
          assert.strictEqual(listed.items.length, 0)
          const mine = yield* Principal.runAs(invoicing.getInvoice({ id: invoice.id }), team.buyer)
          assert.deepStrictEqual(mine, invoice, "the other tenant's attempts changed nothing")
        }))
    })
  })
}
