/**
 * The product catalog scenarios of seed 002, runnable on any storage adapter: purchase order
 * lines priced at the vendor's agreed cost, the capitalisable flag carried from catalog item to
 * purchase order line, custom (non-catalog) request lines flowing into orders, template assets
 * and stock, and the bulk catalog import from CSV and JSON (all rows or none, with a per-row
 * report), with roles and tenants checked.
 *
 * ```ts
 * CatalogImportScenarios.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, layer } from "@effect/vitest"
import {
  ApprovalPolicy,
  Assets,
  Catalog,
  CatalogEvents,
  Errors,
  Principal,
  Procura,
  Purchasing,
  Receiving,
  Requisition,
  Stock,
  Storage
} from "@procura/core"
import { Effect, Layer } from "effect"
import * as EventContract from "./EventContract.js"
import * as Fixtures from "./Fixtures.js"

const freshTenant = () => Fixtures.freshTenant("catalog")

const failureOf = Fixtures.failureOf

type Team = ReturnType<typeof Fixtures.team>

const eur = (amount: number) => ({ amount, currency: "EUR" })

const refusedWithoutWrites = Fixtures.refusedWithoutWrites

const eventsOf = (tenant: Principal.Principal, type: string) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.map(
      storage.readEvents({ after: 0, limit: 100_000, tenantId: tenant.tenantId }),
      (events) => events.filter((e) => e.type === type)
    ))

/** Requests lines as the requester, approves as the buyer and converts into purchase orders. */
const order = (team: Team, input: Requisition.CreateRequestInput) =>
  Effect.gen(function*() {
    const requisition = yield* Requisition.Requisition
    const purchasing = yield* Purchasing.Purchasing
    const request = yield* Principal.runAs(requisition.createRequest(input), team.requester)
    yield* Principal.runAs(requisition.approveRequest({ requestId: request.id }), team.buyer)
    const orders = yield* Principal.runAs(purchasing.createFromRequest({ requestId: request.id }), team.buyer)
    return { request, orders }
  })

const submit = (team: Team, purchaseOrderId: string) =>
  Effect.flatMap(Purchasing.Purchasing, (purchasing) => Principal.runAs(purchasing.submitPurchaseOrder({ purchaseOrderId }), team.buyer))

/** A tenant with the small catalog and a second vendor, Globex. */
const setup = Effect.gen(function*() {
  const team = Fixtures.team(freshTenant())
  const catalog = yield* Catalog.Catalog
  const small = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
  const globex = yield* Principal.runAs(catalog.createVendor({ code: "GLOBEX", name: "Globex" }), team.buyer)
  return { team, catalog, globex, ...small }
})

const importAs = (who: Principal.Principal, input: Catalog.ImportCatalogInput) =>
  Effect.flatMap(Catalog.Catalog, (catalog) => Principal.runAs(catalog.importCatalog(input), who))

/** The paths and messages of a `ValidationError`. */
const issuesOf = (error: unknown) => {
  assert.instanceOf(error, Errors.ValidationError)
  return error.issues.map((issue) => [issue.path.join("."), issue.message])
}

/** The permission an `AccessDenied` names. */
const deniedPermission = (error: unknown) => {
  assert.instanceOf(error, Errors.AccessDenied)
  return error.permission
}

const rejectedReport = (error: unknown): Catalog.ImportReport => {
  assert.instanceOf(error, Catalog.CatalogError)
  assert.strictEqual(error.reason, "ImportRejected")
  assert.isDefined(error.report)
  return error.report!
}

/** A CSV exercising the quoting rules: a BOM, CRLF, quoted commas, doubled quotes, a line break in a field, a blank line. */
const quotingCsv = "\uFEFFsku,name,kind,category,createAsset,capitalisable,vendors\r\n" +
  "LAP-1,\"Laptop 14\"\", silver\",hardware,laptops,,,\"ACME:1200.00 EUR; GLOBEX:1150.5 EUR\"\r\n" +
  "SVC-1,\"Imaging service\r\n(per device)\",service,,no,yes,ACME:25 EUR\r\n" +
  "\r\n" +
  "CAB-1,Cable 24\" long,consumable,,,,GLOBEX:0.99 EUR"

/**
 * Registers the scenarios for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  const procura = Procura.layer.pipe(Layer.provideMerge(EventContract.checked(storageLayer)))

  describe(`catalog and custom line scenarios: ${name}`, () => {
    layer(procura, { timeout: "180 seconds", excludeTestServices: true })((it) => {
      it.effect("prices purchase order lines at the chosen approved vendor's agreed cost", () =>
        Effect.gen(function*() {
          const { team, catalog, globex, vendor } = yield* setup
          const dock = yield* Principal.runAs(
            catalog.createCatalogItem({
              sku: "DOCK",
              name: "Docking station",
              kind: "hardware",
              approvedVendors: [{ vendorId: vendor.id, unitCost: eur(20_000) }, { vendorId: globex.id, unitCost: eur(18_500) }]
            }),
            team.buyer
          )
          const { request, orders } = yield* order(team, {
            lines: [{ catalogItemId: dock.id, quantity: 2 }, { catalogItemId: dock.id, quantity: 3, vendorId: globex.id }]
          })
          assert.deepStrictEqual(request.lines.map((l) => [l.vendorId, l.unitCost.amount]), [[vendor.id, 20_000], [globex.id, 18_500]])
          assert.strictEqual(request.total.amount, 2 * 20_000 + 3 * 18_500)
          const byVendor = new Map(orders.map((o) => [o.vendorId, o]))
          assert.deepStrictEqual(byVendor.get(vendor.id)!.lines.map((l) => [l.catalogItemId, l.quantity, l.unitCost]), [[dock.id, 2, eur(20_000)]])
          assert.deepStrictEqual(byVendor.get(globex.id)!.lines.map((l) => [l.catalogItemId, l.quantity, l.unitCost]), [[dock.id, 3, eur(18_500)]])
          assert.strictEqual(byVendor.get(globex.id)!.total.amount, 3 * 18_500)

          const stranger = yield* Principal.runAs(catalog.createVendor({ code: "INITECH", name: "Initech" }), team.buyer)
          const unapproved = yield* refusedWithoutWrites(
            team.admin,
            Effect.flatMap(Requisition.Requisition, (r) =>
              Principal.runAs(r.createRequest({ lines: [{ catalogItemId: dock.id, quantity: 1, vendorId: stranger.id }] }), team.requester))
          )
          assert.strictEqual((unapproved as Requisition.RequisitionError).reason, "VendorNotApproved")
          assert.include(unapproved.message, "Line 1: vendor")
        }))

      it.effect("carries the capitalisable flag from the catalog item to the request and purchase order lines", () =>
        Effect.gen(function*() {
          const { team, catalog, vendor, laptop } = yield* setup
          assert.isFalse(laptop.capitalisable, "items are not capitalisable unless they say so")
          const installation = yield* Principal.runAs(
            catalog.createCatalogItem({
              sku: "SVC-INSTALL",
              name: "Installation service",
              kind: "service",
              capitalisable: true,
              approvedVendors: [{ vendorId: vendor.id, unitCost: eur(50_000) }]
            }),
            team.buyer
          )
          assert.isTrue(installation.capitalisable)
          assert.isFalse(installation.createAsset, "services create no inventory assets")
          const service = yield* order(team, { channel: "shopping_hub", lines: [{ catalogItemId: installation.id, quantity: 1 }] })
          assert.isTrue(service.request.lines[0]!.capitalisable)
          assert.deepStrictEqual(service.orders[0]!.lines.map((l) => [l.kind, l.capitalisable, l.createAsset]), [["service", true, false]])
          const hardware = yield* order(team, { lines: [{ catalogItemId: laptop.id, quantity: 1 }] })
          assert.deepStrictEqual(hardware.orders[0]!.lines.map((l) => [l.kind, l.capitalisable, l.createAsset]), [["hardware", false, true]])
        }))

      it.effect("refuses custom lines that miss what they must state, naming the line and the field, writing nothing", () =>
        Effect.gen(function*() {
          const { team, laptop, vendor } = yield* setup
          const requisition = yield* Requisition.Requisition
          const create = (lines: Requisition.CreateRequestInput["lines"]) =>
            refusedWithoutWrites(team.admin, Principal.runAs(requisition.createRequest({ lines }), team.requester))

          const missing = yield* create([{ catalogItemId: laptop.id, quantity: 1 }, { quantity: 2, kind: "hardware", vendorId: vendor.id }])
          assert.deepStrictEqual(issuesOf(missing), [
            ["lines.1.description", "a custom line (one without catalogItemId) must state a description"],
            ["lines.1.unitCost", "a custom line (one without catalogItemId) must state its unit cost ({ amount, currency }, amount in minor units)"]
          ])
          assert.include(missing.message, "lines.1.description")

          const nothing = yield* create([{ quantity: 1 }])
          assert.deepStrictEqual(issuesOf(nothing).map(([path]) => path), ["lines.0.kind", "lines.0.description", "lines.0.vendorId", "lines.0.unitCost"])

          const badCost = yield* create([{ quantity: 1, kind: "consumable", description: "Toner", vendorId: vendor.id, unitCost: { amount: 12.5, currency: "EUR" } }])
          assert.deepStrictEqual(issuesOf(badCost)[0], ["lines.0.unitCost.amount", "amounts are integer minor units (cents)"])

          const unknownVendor = yield* create([
            { catalogItemId: laptop.id, quantity: 1 },
            { quantity: 1, kind: "consumable", description: "Toner", vendorId: "no-such-vendor", unitCost: eur(4_500) }
          ])
          assert.deepStrictEqual(issuesOf(unknownVendor), [["lines.1.vendorId", "line 2: no vendor with id no-such-vendor"]])

          const pricedCatalogLine = yield* create([{ catalogItemId: laptop.id, quantity: 1, unitCost: eur(1) }])
          assert.strictEqual(issuesOf(pricedCatalogLine)[0]![0], "lines.0.unitCost")
          assert.include(pricedCatalogLine.message, "a catalog line takes its unitCost from the catalog item")
        }))

      it.effect("orders a custom line from its vendor at its cost and kind; hardware gets template assets on submit", () =>
        Effect.gen(function*() {
          const { team, catalog, laptop, mouse, vendor, globex } = yield* setup
          const requisition = yield* Requisition.Requisition
          const assets = yield* Assets.Assets
          const request = yield* Principal.runAs(
            requisition.createRequest({
              lines: [
                { catalogItemId: laptop.id, quantity: 1 },
                { quantity: 2, kind: "hardware", description: "Rugged tablet", vendorId: globex.id, unitCost: eur(99_900), category: "tablets" }
              ]
            }),
            team.requester
          )
          const [, custom] = request.lines
          assert.deepStrictEqual(
            [custom!.custom, custom!.kind, custom!.description, custom!.vendorId, custom!.unitCost, custom!.createAsset, custom!.capitalisable, custom!.category],
            [true, "hardware", "Rugged tablet", globex.id, eur(99_900), true, false, "tablets"]
          )
          assert.isFalse(request.lines[0]!.custom)
          assert.strictEqual(request.total.amount, 120_000 + 2 * 99_900)

          const item = yield* Principal.runAs(catalog.getCatalogItem({ id: custom!.catalogItemId }), team.requester)
          assert.deepStrictEqual([item.source, item.name, item.kind, item.approvedVendors], ["custom", "Rugged tablet", "hardware", [{ vendorId: globex.id, unitCost: eur(99_900) }]])
          const listed = yield* Principal.runAs(catalog.listCatalogItems({}), team.requester)
          assert.deepStrictEqual(listed.items.map((i) => i.id), [laptop.id, mouse.id], "custom items stay out of the catalog listing")
          assert.strictEqual((yield* eventsOf(team.admin, "catalog_item.created")).length, 2, "a custom item is not announced as a catalog item")

          const revised = yield* Principal.runAs(requisition.reviseRequest({ requestId: request.id, comment: "same again" }), team.requester)
          assert.deepStrictEqual(revised.lines.map((l) => [l.catalogItemId, l.custom, l.unitCost.amount]), request.lines.map((l) => [l.catalogItemId, l.custom, l.unitCost.amount]))

          yield* Principal.runAs(requisition.approveRequest({ requestId: request.id }), team.buyer)
          const purchasing = yield* Purchasing.Purchasing
          const orders = yield* Principal.runAs(purchasing.createFromRequest({ requestId: request.id }), team.buyer)
          assert.sameMembers(orders.map((o) => o.vendorId), [vendor.id, globex.id], "one order per vendor")
          const globexOrder = orders.find((o) => o.vendorId === globex.id)!
          assert.deepStrictEqual(
            globexOrder.lines.map((l) => [l.catalogItemId, l.description, l.kind, l.quantity, l.unitCost, l.createAsset, l.capitalisable]),
            [[custom!.catalogItemId, "Rugged tablet", "hardware", 2, eur(99_900), true, false]]
          )
          assert.strictEqual(globexOrder.total.amount, 2 * 99_900)

          yield* submit(team, globexOrder.id)
          const templates = yield* Principal.runAs(assets.listAssets({ purchaseOrderId: globexOrder.id }), team.assetManager)
          assert.deepStrictEqual(
            templates.items.map((a) => [a.status, a.catalogItemId, a.name, a.kind, a.vendorId, a.unitCost.amount]),
            [0, 1].map(() => ["on_order", custom!.catalogItemId, "Rugged tablet", "hardware", globex.id, 99_900])
          )
        }))

      it.effect("receives a custom consumable into stock; the same custom purchase adds to the same stock record", () =>
        Effect.gen(function*() {
          const { team, globex } = yield* setup
          const receiving = yield* Receiving.Receiving
          const stock = yield* Stock.Stock
          const assets = yield* Assets.Assets
          const cable = { quantity: 10, kind: "consumable", description: "USB-C cable 2 m", vendorId: globex.id, unitCost: eur(990) } as const
          const received = []
          for (let i = 0; i < 2; i++) {
            const { orders } = yield* order(team, { lines: [cable] })
            const submitted = yield* submit(team, orders[0]!.id)
            assert.isFalse(submitted.lines[0]!.createAsset)
            yield* Principal.runAs(
              receiving.receivePurchaseOrder({ purchaseOrderId: submitted.id, locationId: "HQ", storageSpace: "Shelf A", lines: [{ lineNo: 1, quantity: 10 }] }),
              team.storekeeper
            )
            received.push(submitted)
          }
          assert.strictEqual(received[0]!.lines[0]!.catalogItemId, received[1]!.lines[0]!.catalogItemId, "the same custom purchase is the same item")
          const view = yield* Principal.runAs(stock.listStock({ locationId: "HQ", storageSpace: "Shelf A" }), team.storekeeper)
          assert.deepStrictEqual(
            view.items.map((r) => [r.catalogItemId, r.name, r.onHand, r.averageUnitCost]),
            [[received[0]!.lines[0]!.catalogItemId, "USB-C cable 2 m", 20, eur(990)]]
          )
          const created = yield* Principal.runAs(assets.listAssets({ purchaseOrderId: received[0]!.id }), team.assetManager)
          assert.strictEqual(created.items.length, 0, "a consumable creates no asset")
        }))

      it.effect("routes custom services through the shopping hub like catalog services, carrying capitalisable", () =>
        Effect.gen(function*() {
          const { team, vendor } = yield* setup
          const requisition = yield* Requisition.Requisition
          const consulting = { quantity: 1, kind: "service", description: "Network audit", vendorId: vendor.id, unitCost: eur(300_000), capitalisable: true } as const
          const wrong = yield* refusedWithoutWrites(team.admin, Principal.runAs(requisition.createRequest({ lines: [consulting] }), team.requester))
          assert.strictEqual((wrong as Requisition.RequisitionError).reason, "WrongChannel")
          assert.include(wrong.message, "Line 1: Network audit cannot be bought through the service catalog; use the shopping hub")

          const { request, orders } = yield* order(team, { channel: "shopping_hub", lines: [consulting] })
          assert.deepStrictEqual(request.lines.map((l) => [l.custom, l.kind, l.capitalisable, l.createAsset]), [[true, "service", true, false]])
          assert.deepStrictEqual(orders[0]!.lines.map((l) => [l.description, l.kind, l.capitalisable, l.createAsset]), [["Network audit", "service", true, false]])
        }))

      it.effect("gives the approval policy the kinds, categories and amount of custom lines too", () =>
        Effect.gen(function*() {
          const { team, laptop, globex } = yield* setup
          const requisition = yield* Requisition.Requisition
          const seen: Array<ApprovalPolicy.PolicyInput> = []
          const recording: ApprovalPolicy.Policy = {
            name: "recording",
            plan: (facts) => Effect.sync(() => seen.push(facts)).pipe(Effect.as({ steps: [], explanation: {} }))
          }
          const request = yield* Principal.runAs(
            requisition.createRequest({
              costCenter: "CC-7",
              lines: [
                { catalogItemId: laptop.id, quantity: 1 },
                { quantity: 4, kind: "enterprise", description: "Rack rails", category: "datacenter", vendorId: globex.id, unitCost: eur(7_500) }
              ]
            }),
            team.requester
          ).pipe(Effect.provideService(ApprovalPolicy.ApprovalPolicy, recording))
          assert.strictEqual(request.status, "approved", "the recording policy asks for no step")
          assert.strictEqual(seen.length, 1)
          const [facts] = seen
          assert.deepStrictEqual(
            [facts!.amount, facts!.currency, [...facts!.kinds], [...facts!.categories], facts!.lineCount, facts!.costCenter],
            [120_000 + 4 * 7_500, "EUR", ["hardware", "enterprise"], ["datacenter"], 2, "CC-7"]
          )
        }))

      it.effect("imports CSV with a BOM, CRLF, quoted commas, doubled quotes and line breaks in fields", () =>
        Effect.gen(function*() {
          const { team, catalog, vendor, globex } = yield* setup
          const checked = yield* importAs(team.buyer, { format: "csv", content: quotingCsv, mode: "validate" })
          assert.deepStrictEqual([checked.imported, checked.counts.created], [false, 3])
          assert.strictEqual((yield* Principal.runAs(catalog.listCatalogItems({}), team.buyer)).items.length, 2, "validate writes nothing")

          const report = yield* importAs(team.buyer, { format: "csv", content: quotingCsv })
          assert.isTrue(report.imported)
          assert.deepStrictEqual(report.counts, { rows: 3, created: 3, updated: 0, unchanged: 0, errors: 0 })
          assert.deepStrictEqual(report.rows.map((r) => [r.row, r.sku, r.status, r.errors]), [
            [2, "LAP-1", "created", []],
            [3, "SVC-1", "created", []],
            [5, "CAB-1", "created", []]
          ])
          const items = yield* Effect.forEach(report.rows, (r) => Principal.runAs(catalog.getCatalogItem({ id: r.itemId! }), team.buyer))
          assert.deepStrictEqual(
            items.map((i) => [i.sku, i.name, i.kind, i.category, i.createAsset, i.capitalisable, i.source, i.approvedVendors]),
            [
              ["LAP-1", "Laptop 14\", silver", "hardware", "laptops", true, false, "catalog", [
                { vendorId: vendor.id, unitCost: eur(120_000) },
                { vendorId: globex.id, unitCost: eur(115_050) }
              ]],
              ["SVC-1", "Imaging service\r\n(per device)", "service", undefined, false, true, "catalog", [{ vendorId: vendor.id, unitCost: eur(2_500) }]],
              ["CAB-1", "Cable 24\" long", "consumable", undefined, false, false, "catalog", [{ vendorId: globex.id, unitCost: eur(99) }]]
            ]
          )
          assert.deepStrictEqual((yield* eventsOf(team.admin, "catalog_item.created")).slice(-3).map((e) => e.aggregateId), items.map((i) => i.id))
          const imported = yield* Effect.forEach(yield* eventsOf(team.admin, "catalog.imported"), CatalogEvents.CatalogImported.decode)
          assert.deepStrictEqual(imported.map((e) => [e.payload.format, e.payload.counts, e.aggregateId === e.payload.importId]), [["csv", report.counts, true]])

          const service = yield* order(team, { channel: "shopping_hub", lines: [{ catalogItemId: items[1]!.id, quantity: 1 }] })
          assert.deepStrictEqual(service.orders[0]!.lines.map((l) => [l.capitalisable, l.unitCost]), [[true, eur(2_500)]], "imported flags and prices flow to orders")
        }))

      it.effect("imports JSON and rows, upserting by SKU: changed items are updated, identical ones left alone", () =>
        Effect.gen(function*() {
          const { team, catalog, globex, vendor } = yield* setup
          const first = yield* importAs(team.assetAdmin, {
            format: "json",
            content: JSON.stringify({
              items: [
                { sku: "MON-27", name: "Monitor 27 inch", kind: "hardware", manufacturer: "Dell", vendors: [{ vendor: "ACME", unitCost: "249.99", currency: "EUR" }] },
                { sku: "TONER-B", name: "Black toner", kind: "consumable", category: "printing", vendors: [{ vendor: "GLOBEX", unitCost: 45, currency: "EUR" }] }
              ]
            })
          })
          assert.deepStrictEqual(first.rows.map((r) => [r.row, r.sku, r.status]), [[1, "MON-27", "created"], [2, "TONER-B", "created"]])
          const [monitorId, tonerId] = first.rows.map((r) => r.itemId!)

          const second = yield* importAs(team.buyer, {
            rows: [
              { sku: "MON-27", name: "Monitor 27 inch", kind: "hardware", vendors: [{ vendor: "GLOBEX", unitCost: "239", currency: "EUR" }] },
              { sku: "TONER-B", name: "Black toner", kind: "consumable" },
              { sku: "LAP-14", name: "Laptop 14 inch", kind: "hardware", capitalisable: true },
              { sku: "KB-1", name: "Keyboard", kind: "consumable", createAsset: false }
            ]
          })
          assert.deepStrictEqual(
            second.rows.map((r) => [r.row, r.sku, r.status]),
            [[1, "MON-27", "updated"], [2, "TONER-B", "unchanged"], [3, "LAP-14", "updated"], [4, "KB-1", "created"]]
          )
          assert.deepStrictEqual([second.rows[0]!.itemId, second.rows[1]!.itemId], [monitorId, tonerId])
          const monitor = yield* Principal.runAs(catalog.getCatalogItem({ id: monitorId! }), team.buyer)
          assert.deepStrictEqual(
            [monitor.version, monitor.manufacturer, monitor.approvedVendors],
            [2, "Dell", [{ vendorId: globex.id, unitCost: eur(23_900) }]],
            "given vendors replace the list; fields left out keep their values"
          )
          const toner = yield* Principal.runAs(catalog.getCatalogItem({ id: tonerId! }), team.buyer)
          assert.deepStrictEqual([toner.version, toner.category, toner.approvedVendors], [1, "printing", [{ vendorId: globex.id, unitCost: eur(4_500) }]])
          const laptop = yield* Principal.runAs(catalog.getCatalogItem({ id: second.rows[2]!.itemId! }), team.buyer)
          assert.deepStrictEqual([laptop.capitalisable, laptop.approvedVendors], [true, [{ vendorId: vendor.id, unitCost: eur(120_000) }]])
          assert.deepStrictEqual((yield* eventsOf(team.admin, "catalog_item.updated")).map((e) => e.aggregateId), [monitorId, laptop.id])
        }))

      it.effect("imports nothing when one row is bad; the report names each bad row and field", () =>
        Effect.gen(function*() {
          const { team } = yield* setup
          const csv = [
            "sku,name,kind,createAsset,vendors",
            "OK-1,Fine item,hardware,,ACME:10 EUR",
            "BAD-KIND,Gadget,gadget,,ACME:10 EUR",
            "BAD-VENDOR,Thing,consumable,,NOPE:10 EUR",
            "BAD-PRICE,Thing,consumable,maybe,\"ACME:1,200.00 EUR\"",
            "OK-1,Twice,hardware,,",
            ",No sku,hardware,,"
          ].join("\n")
          const error = yield* refusedWithoutWrites(team.admin, importAs(team.buyer, { format: "csv", content: csv }))
          const report = rejectedReport(error)
          assert.isFalse(report.imported)
          assert.deepStrictEqual(report.counts, { rows: 6, created: 1, updated: 0, unchanged: 0, errors: 5 })
          assert.deepStrictEqual(report.rows.map((r) => [r.row, r.sku, r.status, r.errors.map((e) => e.field)]), [
            [2, "OK-1", "created", []],
            [3, "BAD-KIND", "error", ["kind"]],
            [4, "BAD-VENDOR", "error", ["vendors.0.vendor"]],
            [5, "BAD-PRICE", "error", ["createAsset", "vendors.0.unitCost"]],
            [6, "OK-1", "error", ["sku"]],
            [7, undefined, "error", ["sku"]]
          ])
          assert.include(report.rows[1]!.errors[0]!.message, "\"gadget\" is not a kind")
          assert.include(report.rows[2]!.errors[0]!.message, "no vendor has the code NOPE")
          assert.include(report.rows[4]!.errors[0]!.message, "already on row 2")
          assert.include(report.rows[3]!.errors[1]!.message, "\"1,200.00\" is not a price")
          assert.include(error.message, "nothing was imported: 5 of 6 rows have errors")
          assert.include(error.message, "row 3 (SKU BAD-KIND), kind:")

          const validated = yield* importAs(team.buyer, { format: "csv", content: csv, mode: "validate" })
          assert.deepStrictEqual(validated.rows.map((r) => r.status), report.rows.map((r) => r.status), "validate reports the same without failing")

          const price = rejectedReport(failureOf(yield* Effect.exit(importAs(team.buyer, {
            rows: [{ sku: "P", name: "P", kind: "software", vendors: [{ vendor: "ACME", unitCost: "9.999", currency: "EUR" }], colour: "red" }]
          }))))
          assert.deepStrictEqual(price.rows[0]!.errors, [
            { field: "colour", message: "unknown field \"colour\"; the fields are sku, name, kind, category, manufacturer, model, createAsset, capitalisable, vendors" }
          ])
          const decimals = rejectedReport(failureOf(yield* Effect.exit(importAs(team.buyer, {
            rows: [{ sku: "P", name: "P", kind: "software", vendors: [{ vendor: "ACME", unitCost: "9.999", currency: "EUR" }] }]
          }))))
          assert.deepStrictEqual(decimals.rows[0]!.errors, [{ field: "vendors.0.unitCost", message: "9.999 has more decimals than EUR has (2)" }])

          const header = rejectedReport(yield* refusedWithoutWrites(team.admin, importAs(team.buyer, { format: "csv", content: "sku,title,kind\nA,B,hardware\n" })))
          assert.deepStrictEqual(header.fileErrors.map((e) => e.field), ["title", "name"])
          const unclosed = rejectedReport(failureOf(yield* Effect.exit(importAs(team.buyer, { format: "csv", content: "sku,name,kind\nA,\"B,hardware\nC,D,hardware\n" }))))
          assert.deepStrictEqual(unclosed.fileErrors, [{ field: "content", message: "row 2, field 2: a quoted field is never closed" }])
          const json = rejectedReport(failureOf(yield* Effect.exit(importAs(team.buyer, { format: "json", content: "[{\"sku\": " }))))
          assert.include(json.fileErrors[0]!.message, "not valid JSON")
          const noFormat = failureOf(yield* Effect.exit(importAs(team.buyer, { content: "sku,name,kind" })))
          assert.instanceOf(noFormat, Errors.ValidationError)
          assert.include(noFormat.message, "format: say which format the content is in: csv or json")
        }))

      it.effect("refuses to import over the hidden item of a custom request line", () =>
        Effect.gen(function*() {
          const { team, vendor } = yield* setup
          const request = yield* Effect.flatMap(Requisition.Requisition, (r) =>
            Principal.runAs(r.createRequest({ lines: [{ quantity: 1, kind: "software", description: "Font licence", vendorId: vendor.id, unitCost: eur(5_000) }] }), team.requester))
          const sku = request.lines[0]!.catalogItemId
          const report = rejectedReport(failureOf(yield* Effect.exit(importAs(team.buyer, { rows: [{ sku, name: "Renamed", kind: "software" }] }))))
          assert.deepStrictEqual(report.rows[0]!.errors.map((e) => [e.field, e.message]), [
            ["sku", `the SKU ${sku} belongs to the item of a custom request line, not to the catalog`]
          ])
        }))

      it.effect("imports 10,000 rows in one pass, and finds them all unchanged on a second pass", () =>
        Effect.gen(function*() {
          const { team, catalog } = yield* setup
          const lines = ["sku,name,kind,category,vendors"]
          for (let i = 0; i < 10_000; i++) {
            lines.push(`BULK-${String(i).padStart(5, "0")},"Part ${i}, bulk",${i % 3 === 0 ? "hardware" : "consumable"},parts,ACME:${i}.25 EUR`)
          }
          const content = lines.join("\r\n")
          const report = yield* importAs(team.buyer, { format: "csv", content })
          assert.deepStrictEqual(report.counts, { rows: 10_000, created: 10_000, updated: 0, unchanged: 0, errors: 0 })
          assert.strictEqual(report.rows[9_999]!.row, 10_001)
          const last = yield* Principal.runAs(catalog.getCatalogItem({ id: report.rows[9_999]!.itemId! }), team.buyer)
          assert.deepStrictEqual([last.sku, last.name, last.kind, last.approvedVendors[0]!.unitCost], ["BULK-09999", "Part 9999, bulk", "hardware", eur(999_925)])
          assert.strictEqual((yield* eventsOf(team.admin, "catalog_item.created")).length, 10_000 + 2)

          const again = yield* importAs(team.buyer, { format: "csv", content })
          assert.deepStrictEqual(again.counts, { rows: 10_000, created: 0, updated: 0, unchanged: 10_000, errors: 0 })
          assert.strictEqual((yield* eventsOf(team.admin, "catalog_item.updated")).length, 0)
        }), { timeout: 180_000 })

      it.effect("lets racing requests share a new custom item and racing imports of new SKUs take turns", () =>
        Effect.gen(function*() {
          const { team, catalog, vendor } = yield* setup
          const requisition = yield* Requisition.Requisition
          const line = { quantity: 1, kind: "consumable", description: "Whiteboard markers", vendorId: vendor.id, unitCost: eur(800) } as const
          const requests = yield* Effect.all(
            Array.from({ length: 4 }, () => Principal.runAs(requisition.createRequest({ lines: [line] }), team.requester)),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(new Set(requests.map((r) => r.lines[0]!.catalogItemId)).size, 1, "one hidden item for one custom purchase")

          const rows = Array.from({ length: 50 }, (_, i) => ({ sku: `RACE-${i}`, name: `Race ${i}`, kind: "consumable" as const }))
          const reports = yield* Effect.all(
            Array.from({ length: 3 }, () => importAs(team.buyer, { rows })),
            { concurrency: "unbounded" }
          )
          assert.deepStrictEqual(reports.map((r) => r.counts.created).toSorted(), [0, 0, 50], "each SKU is created once; the others find it")
          const listed = yield* Principal.runAs(catalog.listCatalogItems({ limit: 1000 }), team.buyer)
          assert.strictEqual(listed.items.filter((i) => i.sku.startsWith("RACE-")).length, 50)
        }))

      it.effect("checks roles: catalog managers import, requesters and storekeepers do not; requesters raise custom lines", () =>
        Effect.gen(function*() {
          const { team, vendor } = yield* setup
          const rows = [{ sku: "R-1", name: "Role test", kind: "hardware" as const }]
          for (const who of [team.requester, team.storekeeper, team.assetManager]) {
            const denied = yield* refusedWithoutWrites(team.admin, importAs(who, { rows }))
            assert.strictEqual(deniedPermission(denied), "catalog.manage")
          }
          const byAssetAdmin = yield* importAs(team.assetAdmin, { rows, mode: "validate" })
          assert.strictEqual(byAssetAdmin.rows[0]!.status, "created")

          const requisition = yield* Requisition.Requisition
          const custom = { quantity: 1, kind: "consumable", description: "Label tape", vendorId: vendor.id, unitCost: eur(1_200) } as const
          const request = yield* Principal.runAs(requisition.createRequest({ lines: [custom] }), team.requester)
          assert.isTrue(request.lines[0]!.custom)
          const storekeeper = yield* refusedWithoutWrites(team.admin, Principal.runAs(requisition.createRequest({ lines: [custom] }), team.storekeeper))
          assert.strictEqual(deniedPermission(storekeeper), "request.create")
        }))

      it.effect("keeps tenants apart: vendor codes, SKUs and custom items are per tenant", () =>
        Effect.gen(function*() {
          const { team, catalog } = yield* setup
          const other = Fixtures.team(freshTenant())
          const otherVendor = yield* Principal.runAs(catalog.createVendor({ code: "OTHER", name: "Other Ltd" }), other.buyer)
          const foreignVendor = rejectedReport(failureOf(yield* Effect.exit(importAs(team.buyer, {
            rows: [{ sku: "T-1", name: "Tenant test", kind: "hardware", vendors: [{ vendor: "OTHER", unitCost: "1", currency: "EUR" }] }]
          }))))
          assert.deepStrictEqual(foreignVendor.rows[0]!.errors.map((e) => e.field), ["vendors.0.vendor"])

          const mine = yield* importAs(team.buyer, { rows: [{ sku: "LAP-14", name: "Laptop 14 inch", kind: "hardware" }] })
          assert.strictEqual(mine.rows[0]!.status, "unchanged", "the small catalog's laptop is this tenant's")
          const theirs = yield* importAs(other.buyer, {
            rows: [{ sku: "LAP-14", name: "Their laptop", kind: "hardware", vendors: [{ vendor: "OTHER", unitCost: "800", currency: "EUR" }] }]
          })
          assert.strictEqual(theirs.rows[0]!.status, "created", "the same SKU is free in another tenant")
          const theirList = yield* Principal.runAs(catalog.listCatalogItems({}), other.buyer)
          assert.deepStrictEqual(theirList.items.map((i) => [i.sku, i.name]), [["LAP-14", "Their laptop"]])

          const line = { quantity: 1, kind: "consumable", description: "Same thing", vendorId: otherVendor.id, unitCost: eur(100) } as const
          const foreignLine = failureOf(yield* Effect.exit(Effect.flatMap(Requisition.Requisition, (r) =>
            Principal.runAs(r.createRequest({ lines: [line] }), team.requester))))
          assert.include(foreignLine.message, `no vendor with id ${otherVendor.id}`)
          const customItem = (yield* Effect.flatMap(Requisition.Requisition, (r) => Principal.runAs(r.createRequest({ lines: [line] }), other.requester))).lines[0]!
          const hidden = failureOf(yield* Effect.exit(Principal.runAs(catalog.getCatalogItem({ id: customItem.catalogItemId }), team.buyer)))
          assert.instanceOf(hidden, Errors.NotFound)
        }))
    })
  })
}
