/**
 * The shipment and receiving scenarios of seeds 000 and 002, runnable on any storage adapter:
 * receiving by scan (each kind of code, repeats, rejections, eight racing scanners), over-receipt
 * tolerance, shipments and receiving from them, receiving from an invoice, the backorder view,
 * software never received, services never inventory assets (capitalisable ones fixed assets),
 * roles and tenants.
 *
 * ```ts
 * ReceivingScenarios.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, layer } from "@effect/vitest"
import {
  Assets,
  Catalog,
  FixedAssets,
  Idempotency,
  Invoicing,
  Licensing,
  Principal,
  Procura,
  Purchasing,
  Receiving,
  Shipping,
  Stock,
  Storage,
  Tolerances
} from "@procura/core"
import { Effect, Exit, Layer } from "effect"
import * as EventContract from "./EventContract.js"
import * as Fixtures from "./Fixtures.js"

type Team = Fixtures.Team

const freshTenant = () => Fixtures.freshTenant("receiving")

const failureOf = Fixtures.failureOf

const refusedWithoutWrites = Fixtures.refusedWithoutWrites

const HQ = "HQ"
const dock = "Dock 1"
const eur = (amount: number) => ({ amount, currency: "EUR" })

/** A tenant with the small catalog plus a docking station, a software suite and two services. */
const setUp = Effect.gen(function*() {
  const team = Fixtures.team(freshTenant())
  const catalog = yield* Catalog.Catalog
  const { vendor, laptop, mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
  const item = (sku: string, name: string, kind: Catalog.ItemKind, unitCost: number, capitalisable?: boolean) =>
    Principal.runAs(
      catalog.createCatalogItem({
        sku,
        name,
        kind,
        ...(capitalisable !== undefined ? { capitalisable } : {}),
        approvedVendors: [{ vendorId: vendor.id, unitCost: eur(unitCost) }]
      }),
      team.buyer
    )
  const station = yield* item("DOCK-1", "Docking station", "hardware", 20_000)
  const office = yield* item("OFFICE-1", "Office suite", "software", 9_900)
  const install = yield* item("INSTALL-1", "Data centre installation", "service", 250_000, true)
  const support = yield* item("SUPPORT-1", "Help desk support", "service", 10_000)
  return { team, vendor, laptop, mouse, station, office, install, support }
})

const buy = (
  team: Team,
  lines: ReadonlyArray<{ readonly catalogItemId: string; readonly quantity: number }>,
  channel: "service_catalog" | "shopping_hub" = "service_catalog"
) => Fixtures.buy(team, lines, { channel })

const scan = (
  who: Principal.Principal,
  context: { readonly purchaseOrderId: string } | { readonly shipmentId: string },
  scans: ReadonlyArray<string | { readonly code: string; readonly lineNo: number }>
) =>
  Effect.flatMap(Receiving.Receiving, (receiving) =>
    Principal.runAs(
      receiving.receiveScans({
        ...context,
        ...("purchaseOrderId" in context ? { locationId: HQ, storageSpace: dock } : {}),
        condition: "good",
        scans: scans.map((s) => (typeof s === "string" ? { code: s } : s))
      }),
      who
    ))

const receive = (team: Team, purchaseOrderId: string, lines: ReadonlyArray<{ readonly lineNo: number; readonly quantity?: number; readonly serialNumbers?: Array<string> }>) =>
  Effect.flatMap(Receiving.Receiving, (receiving) =>
    Principal.runAs(receiving.receivePurchaseOrder({ purchaseOrderId, locationId: HQ, storageSpace: dock, lines: [...lines] }), team.storekeeper))

const getOrder = (team: Team, id: string) =>
  Effect.flatMap(Purchasing.Purchasing, (purchasing) => Principal.runAs(purchasing.getPurchaseOrder({ id }), team.assetManager))

const assetsOf = (team: Team, purchaseOrderId: string, status?: Assets.AssetStatus) =>
  Effect.flatMap(Assets.Assets, (assets) =>
    Effect.map(
      Principal.runAs(assets.listAssets({ purchaseOrderId, ...(status !== undefined ? { status } : {}), limit: 1000 }), team.assetManager),
      (page) => page.items
    ))

const eventTypes = (team: Team) =>
  Principal.runAs(
    Effect.flatMap(Storage.Storage, (storage) =>
      Effect.map(storage.readEvents({ after: 0, limit: 100_000, tenantId: team.admin.tenantId }), (events) => events.map((e) => e.type))),
    team.admin
  )

const receivingError = (error: unknown): Receiving.ReceivingError => {
  assert.instanceOf(error, Receiving.ReceivingError)
  return error as Receiving.ReceivingError
}

const shippingError = (error: unknown): Shipping.ShippingError => {
  assert.instanceOf(error, Shipping.ShippingError)
  return error as Shipping.ShippingError
}

const outcomes = (results: ReadonlyArray<Receiving.ScanResult>) => results.map((r) => [r.outcome, r.resolvedAs ?? r.reason])

/**
 * Registers the scenarios for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  const procura = Procura.layer.pipe(Layer.provideMerge(EventContract.checked(storageLayer)))

  describe(`shipment and receiving scenarios: ${name}`, () => {
    layer(procura, { timeout: "120 seconds", excludeTestServices: true })((it) => {
      it.effect("resolves each kind of code: template asset id, asset tag, advance serial, line code, serial number", () =>
        Effect.gen(function*() {
          const { team, laptop, mouse } = yield* setUp
          const shipping = yield* Shipping.Shipping
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 6 }, { catalogItemId: mouse.id, quantity: 2 }])
          const templates = yield* assetsOf(team, order.id, "on_order")
          assert.strictEqual(templates.length, 6)
          // A label printed before delivery: the asset tag of the second template.
          const assetService = yield* Assets.Assets
          const [tagged] = yield* Principal.runAs(assetService.tagAssets({ tags: [{ assetId: templates[1]!.id, assetTag: "TAG-0001" }] }), team.assetManager)
          assert.deepStrictEqual([tagged!.status, tagged!.assetTag], ["on_order", "TAG-0001"])
          const taken = (yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(assetService.tagAssets({ tags: [{ assetId: templates[2]!.id, assetTag: "TAG-0001" }] }), team.assetManager)
          )) as Assets.AssetError
          assert.deepStrictEqual([taken.reason, taken.assetId], ["TagTaken", templates[2]!.id])
          assert.include(taken.message, `already on asset ${templates[1]!.id}`)
          const denied = yield* Effect.exit(Principal.runAs(assetService.tagAssets({ tags: [{ assetId: templates[2]!.id, assetTag: "TAG-2" }] }), team.requester))
          assert.strictEqual((failureOf(denied) as { _tag: string })._tag, "AccessDenied")
          const code = Receiving.lineCode(order.id, 1)
          assert.deepStrictEqual(Receiving.parseLineCode(code), { purchaseOrderId: order.id, lineNo: 1 })
          assert.isUndefined(Receiving.parseLineCode("SN-A"))

          const { receipt, scans } = yield* scan(team.mobile, { purchaseOrderId: order.id }, [
            templates[0]!.id,
            "TAG-0001",
            code,
            { code: "SN-A", lineNo: 1 },
            "SN-B"
          ])
          assert.deepStrictEqual(outcomes(scans), [
            ["received", "asset_id"],
            ["received", "asset_tag"],
            ["received", "line_code"],
            ["received", "serial_number"],
            ["received", "serial_number"]
          ])
          assert.strictEqual(scans[0]!.assetId, templates[0]!.id)
          assert.strictEqual(scans[1]!.assetId, templates[1]!.id)
          assert.strictEqual(new Set(scans.map((s) => s.assetId)).size, 5, "five scans, five assets")
          assert.deepStrictEqual(receipt.lines.map((l) => [l.lineNo, l.quantity]), [[1, 5]])
          assert.sameMembers([...receipt.lines[0]!.assetIds], scans.map((s) => s.assetId!))

          const inStock = yield* assetsOf(team, order.id, "in_stock")
          assert.strictEqual(inStock.length, 5)
          for (const asset of inStock) {
            assert.deepStrictEqual([asset.locationId, asset.storageSpace, asset.condition], [HQ, dock, "good"])
            assert.isString(asset.receivedAt)
          }
          const bySerial = new Map(inStock.map((a) => [a.serialNumber, a.id]))
          assert.strictEqual(bySerial.get("SN-A"), scans[3]!.assetId)
          assert.strictEqual(bySerial.get("SN-B"), scans[4]!.assetId)
          assert.strictEqual(inStock.find((a) => a.id === templates[1]!.id)!.assetTag, "TAG-0001")
          const afterScans = yield* getOrder(team, order.id)
          assert.strictEqual(afterScans.status, "partially_received")
          assert.strictEqual(afterScans.lines[0]!.receivedQuantity, 5)

          // The sixth laptop comes on a shipment whose advance notice lists its serial number.
          const shipment = yield* Principal.runAs(
            shipping.createShipment({
              purchaseOrderId: order.id,
              carrier: "DHL",
              trackingNumber: "JD0001",
              shipDate: "2026-11-20",
              destinationLocationId: "Branch",
              destinationStorageSpace: "Cage 2",
              lines: [{ lineNo: 1, quantity: 1, serialNumbers: ["ASN-1"] }]
            }),
            team.buyer
          )
          const viaShipment = yield* scan(team.mobile, { shipmentId: shipment.id }, ["ASN-1"])
          assert.deepStrictEqual(outcomes(viaShipment.scans), [["received", "advance_serial"]])
          assert.strictEqual(viaShipment.receipt.shipmentId, shipment.id)
          const unit = (yield* assetsOf(team, order.id, "in_stock")).find((a) => a.serialNumber === "ASN-1")!
          assert.deepStrictEqual([unit.locationId, unit.storageSpace], ["Branch", "Cage 2"], "into the shipment's destination")
          assert.strictEqual((yield* Principal.runAs(shipping.getShipment({ id: shipment.id }), team.storekeeper)).status, "delivered")
          assert.strictEqual((yield* getOrder(team, order.id)).lines[0]!.receivedQuantity, 6)
        }))

      it.effect("a code scanned twice is one asset; a later batch reports it already received; nothing new fails NothingReceived, writing nothing", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 3 }])
          const first = yield* scan(team.mobile, { purchaseOrderId: order.id }, ["SN-1", "SN-1"])
          assert.deepStrictEqual(first.scans.map((s) => s.outcome), ["received", "already_received"])
          assert.strictEqual(first.scans[1]!.assetId, first.scans[0]!.assetId, "the repeat names the same asset")
          assert.strictEqual(first.receipt.lines[0]!.quantity, 1)

          const second = yield* scan(team.storekeeper, { purchaseOrderId: order.id }, ["SN-1", "SN-2"])
          assert.deepStrictEqual(second.scans.map((s) => s.outcome), ["already_received", "received"])
          assert.strictEqual(second.scans[0]!.assetId, first.scans[0]!.assetId)

          const error = receivingError(yield* refusedWithoutWrites(team.admin, scan(team.mobile, { purchaseOrderId: order.id }, ["SN-2", "SN-1"])))
          assert.strictEqual(error.reason, "NothingReceived")
          assert.deepStrictEqual(error.scans!.map((s) => [s.outcome, s.assetId]), [
            ["already_received", second.scans[1]!.assetId],
            ["already_received", first.scans[0]!.assetId]
          ])
          assert.include(error.message, "2 already received")
          const inStock = yield* assetsOf(team, order.id, "in_stock")
          assert.sameMembers(inStock.map((a) => a.serialNumber), ["SN-1", "SN-2"])
          assert.strictEqual((yield* getOrder(team, order.id)).lines[0]!.receivedQuantity, 2)
        }))

      it.effect("rejects bad scans, each with its reason, and receives the good ones of the batch", () =>
        Effect.gen(function*() {
          const { team, laptop, mouse, station, office } = yield* setUp
          const order = yield* buy(team, [
            { catalogItemId: laptop.id, quantity: 2 },
            { catalogItemId: station.id, quantity: 1 },
            { catalogItemId: mouse.id, quantity: 1 },
            { catalogItemId: office.id, quantity: 1 }
          ])
          const other = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 2 }])
          const [otherTemplate] = yield* assetsOf(team, other.id, "on_order")
          yield* receive(team, other.id, [{ lineNo: 1, serialNumbers: ["OTHER-1"] }])

          const { scans, receipt } = yield* scan(team.storekeeper, { purchaseOrderId: order.id }, [
            "SN-X",
            Receiving.lineCode(order.id, 3),
            { code: "SN-M", lineNo: 3 },
            Receiving.lineCode(order.id, 4),
            Receiving.lineCode(order.id, 9),
            Receiving.lineCode(other.id, 1),
            otherTemplate!.id,
            "OTHER-1",
            { code: "SN-L1", lineNo: 1 },
            { code: "SN-L2", lineNo: 1 },
            { code: "SN-L3", lineNo: 1 }
          ])
          assert.deepStrictEqual(scans.map((s) => s.reason ?? s.outcome), [
            "AmbiguousCode",
            "received",
            "NotAnAssetLine",
            "NotReceivable",
            "UnknownLine",
            "OtherPurchaseOrder",
            "OtherPurchaseOrder",
            "SerialNumberTaken",
            "received",
            "received",
            "LineComplete"
          ])
          assert.include(scans[0]!.message!, "lines 1, 2 could take it")
          assert.include(scans[2]!.message!, "USB two button mouse")
          assert.include(scans[2]!.message!, "scan its line code once per unit")
          assert.include(scans[3]!.message!, "licences")
          assert.include(scans[10]!.message!, "ordered 2")
          // The mouse's line code counted one unit into stock; the laptops became assets.
          assert.deepStrictEqual(receipt.lines.map((l) => [l.lineNo, l.quantity, l.assetIds.length]), [[1, 2, 2], [3, 1, 0]])
          const stock = yield* Stock.Stock
          const [mice] = (yield* Principal.runAs(stock.listStock({ catalogItemId: mouse.id }), team.storekeeper)).items
          assert.strictEqual(mice!.onHand, 1)

          // The station's line fills up; then a new serial number has no line to go to.
          const station1 = yield* scan(team.storekeeper, { purchaseOrderId: order.id }, [Receiving.lineCode(order.id, 2)])
          assert.deepStrictEqual(outcomes(station1.scans), [["received", "line_code"]])
          const unknown = receivingError(failureOf(yield* Effect.exit(scan(team.storekeeper, { purchaseOrderId: order.id }, ["NOPE"]))))
          assert.strictEqual(unknown.reason, "NothingReceived")
          assert.strictEqual(unknown.scans![0]!.reason, "UnknownCode")
          const invalid = failureOf(yield* Effect.exit(scan(team.storekeeper, { purchaseOrderId: order.id, shipmentId: "s" } as never, ["X"])))
          assert.strictEqual((invalid as { _tag: string })._tag, "ValidationError")
        }))

      it.effect("over-receipt: refused at zero tolerance naming ordered, received and the allowance; let through within a tolerance", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 5 }])
          const refused = receivingError(yield* refusedWithoutWrites(team.admin, receive(team, order.id, [{ lineNo: 1, quantity: 6 }])))
          assert.strictEqual(refused.reason, "OverReceipt")
          assert.include(refused.message, "ordered 5, already received 0")
          assert.include(refused.message, "at most 5 more can be received, not 6")

          const tolerance = Tolerances.policy({ rules: [{ kind: "hardware", quantityAbsolute: 1 }] })
          const tolerant = <A, Err, R>(effect: Effect.Effect<A, Err, R>) => Effect.provideService(effect, Tolerances.Tolerances, tolerance)
          yield* tolerant(receive(team, order.id, [{ lineNo: 1, quantity: 4 }]))
          const { scans } = yield* tolerant(scan(team.mobile, { purchaseOrderId: order.id }, ["T-1", "T-2", { code: "T-3", lineNo: 1 }]))
          assert.deepStrictEqual(scans.map((s) => s.reason ?? s.outcome), ["received", "received", "LineComplete"])
          assert.include(scans[2]!.message!, "over-receipt tolerance 1")
          const after = yield* getOrder(team, order.id)
          assert.strictEqual(after.lines[0]!.receivedQuantity, 6)
          assert.strictEqual(after.status, "received")
          assert.strictEqual((yield* assetsOf(team, order.id, "in_stock")).length, 6, "the extra unit is an asset too")
          assert.strictEqual((yield* assetsOf(team, order.id, "on_order")).length, 0)
          const more = receivingError(failureOf(yield* Effect.exit(tolerant(receive(team, order.id, [{ lineNo: 1, quantity: 1 }])))))
          assert.strictEqual(more.reason, "InvalidState", "a received order takes nothing more")
        }))

      it.effect("shipments: refusals, listing, receiving part then the rest with advance serials, delivered", () =>
        Effect.gen(function*() {
          const { team, laptop, mouse } = yield* setUp
          const shipping = yield* Shipping.Shipping
          const receiving = yield* Receiving.Receiving
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 4 }, { catalogItemId: mouse.id, quantity: 10 }])
          const ship = (lines: Shipping.CreateShipmentInput["lines"]) =>
            Principal.runAs(
              shipping.createShipment({
                purchaseOrderId: order.id,
                carrier: "UPS",
                trackingNumber: `1Z${lines.length}`,
                shipDate: "2026-11-21",
                destinationLocationId: HQ,
                destinationStorageSpace: "Goods in",
                lines
              }),
              team.storekeeper
            )
          const refusals: Array<[Shipping.CreateShipmentInput["lines"], Shipping.ShippingErrorReason]> = [
            [[{ lineNo: 9, quantity: 1 }], "UnknownLine"],
            [[{ lineNo: 1, quantity: 5 }], "OverShipment"],
            [[{ lineNo: 1, quantity: 1, serialNumbers: ["A", "B"] }], "TooManySerialNumbers"],
            [[{ lineNo: 1, quantity: 2, serialNumbers: ["A", "A"] }], "DuplicateSerialNumber"],
            [[{ lineNo: 2, quantity: 2, serialNumbers: ["M1"] }], "NotAnAssetLine"]
          ]
          for (const [lines, reason] of refusals) {
            assert.strictEqual(shippingError(yield* refusedWithoutWrites(team.admin, ship(lines))).reason, reason)
          }
          const first = yield* ship([{ lineNo: 1, quantity: 3, serialNumbers: ["A1", "A2", "A3"] }, { lineNo: 2, quantity: 10 }])
          assert.strictEqual(first.status, "in_transit")
          const tooMuch = shippingError(yield* refusedWithoutWrites(team.admin, ship([{ lineNo: 1, quantity: 2 }])))
          assert.strictEqual(tooMuch.reason, "OverShipment", "three of the four laptops are already in transit")
          const second = yield* ship([{ lineNo: 1, quantity: 1 }])

          const list = (input: Parameters<typeof shipping.listShipments>[0]) =>
            Effect.map(Principal.runAs(shipping.listShipments(input), team.assetManager), (page) => page.items.map((s) => s.id))
          assert.sameMembers(yield* list({ purchaseOrderId: order.id }), [first.id, second.id])
          assert.sameMembers(yield* list({ purchaseOrderId: order.id, status: "in_transit" }), [first.id, second.id])

          const part = yield* Principal.runAs(receiving.receiveShipment({ shipmentId: first.id, lines: [{ lineNo: 1, quantity: 2 }] }), team.storekeeper)
          assert.deepStrictEqual(part.lines.map((l) => [l.lineNo, l.quantity]), [[1, 2]])
          const partAssets = yield* assetsOf(team, order.id, "in_stock")
          assert.sameMembers(partAssets.map((a) => a.serialNumber), ["A1", "A2"], "the advance serial numbers")
          assert.deepStrictEqual([partAssets[0]!.locationId, partAssets[0]!.storageSpace], [HQ, "Goods in"])
          const halfway = yield* Principal.runAs(shipping.getShipment({ id: first.id }), team.storekeeper)
          assert.strictEqual(halfway.status, "in_transit")
          assert.deepStrictEqual(halfway.lines.map((l) => l.receivedQuantity), [2, 0])

          const exceeds = receivingError(yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(receiving.receiveShipment({ shipmentId: first.id, lines: [{ lineNo: 1, quantity: 2 }] }), team.storekeeper)
          ))
          assert.strictEqual(exceeds.reason, "ExceedsShipment")

          const rest = yield* Principal.runAs(receiving.receiveShipment({ shipmentId: first.id }), team.storekeeper)
          assert.deepStrictEqual(rest.lines.map((l) => [l.lineNo, l.quantity]), [[1, 1], [2, 10]])
          assert.strictEqual(rest.shipmentId, first.id)
          assert.include((yield* assetsOf(team, order.id, "in_stock")).map((a) => a.serialNumber), "A3")
          assert.strictEqual((yield* Principal.runAs(shipping.getShipment({ id: first.id }), team.storekeeper)).status, "delivered")
          assert.sameMembers(yield* list({ purchaseOrderId: order.id, status: "delivered" }), [first.id])
          const again = receivingError(failureOf(yield* Effect.exit(Principal.runAs(receiving.receiveShipment({ shipmentId: first.id }), team.storekeeper))))
          assert.strictEqual(again.reason, "NothingReceived")

          // Marked delivered by hand: what it carries can still be received through it.
          const marked = yield* Principal.runAs(shipping.markDelivered({ shipmentId: second.id }), team.storekeeper)
          assert.strictEqual(marked.status, "delivered")
          const twice = shippingError(failureOf(yield* Effect.exit(Principal.runAs(shipping.markDelivered({ shipmentId: second.id }), team.storekeeper))))
          assert.strictEqual(twice.reason, "InvalidState")
          yield* Principal.runAs(receiving.receiveShipment({ shipmentId: second.id }), team.storekeeper)
          assert.strictEqual((yield* getOrder(team, order.id)).status, "received")
          const types = yield* eventTypes(team)
          assert.strictEqual(types.filter((t) => t === "shipment.created").length, 2)
          assert.strictEqual(types.filter((t) => t === "shipment.delivered").length, 2)
        }))

      it.effect("receives what an invoice bills, once; refuses more than it bills and a cancelled invoice", () =>
        Effect.gen(function*() {
          const { team, laptop, mouse } = yield* setUp
          const invoicing = yield* Invoicing.Invoicing
          const receiving = yield* Receiving.Receiving
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 2 }, { catalogItemId: mouse.id, quantity: 5 }])
          const record = (number: string, lines: Invoicing.RecordInvoiceInput["lines"]) =>
            Principal.runAs(invoicing.recordInvoice({ purchaseOrderId: order.id, number, invoiceDate: "2026-11-22", lines }), team.buyer)
          const invoice = yield* record("INV-1", [{ lineNo: 1, quantity: 2, unitCost: eur(120_000) }, { lineNo: 2, quantity: 3, unitCost: eur(5_000) }])
          const fromInvoice = (input: Omit<Receiving.ReceiveInvoiceInput, "locationId" | "storageSpace">) =>
            Principal.runAs(receiving.receiveInvoice({ ...input, locationId: HQ, storageSpace: dock }), team.storekeeper)

          const exceeds = receivingError(yield* refusedWithoutWrites(team.admin, fromInvoice({ invoiceId: invoice.id, lines: [{ lineNo: 2, quantity: 4 }] })))
          assert.strictEqual(exceeds.reason, "ExceedsInvoice")
          const receipt = yield* fromInvoice({ invoiceId: invoice.id })
          assert.strictEqual(receipt.invoiceId, invoice.id)
          assert.deepStrictEqual(receipt.lines.map((l) => [l.lineNo, l.quantity]), [[1, 2], [2, 3]])
          assert.deepStrictEqual((yield* getOrder(team, order.id)).lines.map((l) => l.receivedQuantity), [2, 3])
          const again = receivingError(yield* refusedWithoutWrites(team.admin, fromInvoice({ invoiceId: invoice.id })))
          assert.strictEqual(again.reason, "NothingReceived")

          const cancelled = yield* record("INV-2", [{ lineNo: 2, quantity: 2, unitCost: eur(5_000) }])
          yield* Principal.runAs(invoicing.cancelInvoice({ invoiceId: cancelled.id, reason: "entered twice" }), team.buyer)
          const refused = receivingError(yield* refusedWithoutWrites(team.admin, fromInvoice({ invoiceId: cancelled.id })))
          assert.strictEqual(refused.reason, "InvalidState")
        }))

      it.effect("shows backorders after partial receipts: every line of an order, open lines across orders", () =>
        Effect.gen(function*() {
          const { team, laptop, mouse, station, office } = yield* setUp
          const shipping = yield* Shipping.Shipping
          const receiving = yield* Receiving.Receiving
          const first = yield* buy(team, [
            { catalogItemId: laptop.id, quantity: 5 },
            { catalogItemId: mouse.id, quantity: 10 },
            { catalogItemId: office.id, quantity: 2 }
          ])
          yield* receive(team, first.id, [{ lineNo: 1, quantity: 2 }, { lineNo: 2, quantity: 10 }])
          yield* Principal.runAs(
            shipping.createShipment({
              purchaseOrderId: first.id,
              carrier: "DHL",
              trackingNumber: "JD0002",
              shipDate: "2026-11-22",
              destinationLocationId: HQ,
              destinationStorageSpace: dock,
              lines: [{ lineNo: 1, quantity: 1 }]
            }),
            team.buyer
          )
          const complete = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 1 }])
          yield* receive(team, complete.id, [{ lineNo: 1, quantity: 1 }])
          const untouched = yield* buy(team, [{ catalogItemId: station.id, quantity: 2 }])

          const view = yield* Principal.runAs(receiving.backorders({ purchaseOrderId: first.id }), team.assetManager)
          assert.deepStrictEqual(
            view.items.map((l) => [l.lineNo, l.ordered, l.cancelled, l.received, l.returned, l.backordered, l.inTransit]),
            [[1, 5, 0, 2, 0, 3, 1], [2, 10, 0, 10, 0, 0, 0], [3, 2, 0, 0, 0, 0, 0]]
          )
          assert.strictEqual(view.items[0]!.status, "partially_received")

          const open = yield* Principal.runAs(receiving.backorders({}), team.assetManager)
          assert.deepStrictEqual(
            open.items.map((l) => [l.purchaseOrderId, l.lineNo, l.backordered]),
            [[first.id, 1, 3], [untouched.id, 1, 2]],
            "only lines still waiting, of orders still being received"
          )
          const paged = yield* Principal.runAs(receiving.backorders({ limit: 1 }), team.assetManager)
          assert.deepStrictEqual(paged.items.map((l) => l.purchaseOrderId), [first.id])
          const next = yield* Principal.runAs(receiving.backorders({ limit: 1, cursor: paged.cursor! }), team.assetManager)
          assert.deepStrictEqual(next.items.map((l) => l.purchaseOrderId), [untouched.id])
        }))

      it.effect("software is never received: every path refuses it, naming its licences", () =>
        Effect.gen(function*() {
          const { team, laptop, office } = yield* setUp
          const shipping = yield* Shipping.Shipping
          const invoicing = yield* Invoicing.Invoicing
          const receiving = yield* Receiving.Receiving
          const order = yield* buy(team, [{ catalogItemId: office.id, quantity: 2 }, { catalogItemId: laptop.id, quantity: 1 }])
          const byOrder = receivingError(yield* refusedWithoutWrites(team.admin, receive(team, order.id, [{ lineNo: 1, quantity: 1 }])))
          assert.strictEqual(byOrder.reason, "NotReceivable")
          assert.include(byOrder.message, "licences were created when the order was submitted")
          const shipped = shippingError(yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(
              shipping.createShipment({
                purchaseOrderId: order.id,
                carrier: "DHL",
                trackingNumber: "JD0003",
                shipDate: "2026-11-22",
                destinationLocationId: HQ,
                destinationStorageSpace: dock,
                lines: [{ lineNo: 1, quantity: 1 }]
              }),
              team.buyer
            )
          ))
          assert.strictEqual(shipped.reason, "NotReceivable")
          const scanned = receivingError(yield* refusedWithoutWrites(team.admin, scan(team.mobile, { purchaseOrderId: order.id }, [Receiving.lineCode(order.id, 1)])))
          assert.strictEqual(scanned.scans![0]!.reason, "NotReceivable")
          const invoice = yield* Principal.runAs(
            invoicing.recordInvoice({ purchaseOrderId: order.id, number: "INV-SW", invoiceDate: "2026-11-22", lines: [{ lineNo: 1, quantity: 2, unitCost: eur(9_900) }] }),
            team.buyer
          )
          const billed = receivingError(yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(receiving.receiveInvoice({ invoiceId: invoice.id, locationId: HQ, storageSpace: dock, lines: [{ lineNo: 1, quantity: 1 }] }), team.storekeeper)
          ))
          assert.strictEqual(billed.reason, "NotReceivable")
          const nothing = receivingError(yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(receiving.receiveInvoice({ invoiceId: invoice.id, locationId: HQ, storageSpace: dock }), team.storekeeper)
          ))
          assert.strictEqual(nothing.reason, "NothingReceived", "an invoice billing only software has nothing to receive")
        }))

      it.effect("a capitalisable service becomes one fixed asset per receipt, a plain service none; services never become inventory assets", () =>
        Effect.gen(function*() {
          const { team, install, support } = yield* setUp
          const fixedAssets = yield* FixedAssets.FixedAssets
          // Services are bought through the shopping hub (seed 000).
          const order = yield* buy(team, [{ catalogItemId: install.id, quantity: 3 }, { catalogItemId: support.id, quantity: 2 }], "shopping_hub")
          assert.deepStrictEqual(order.lines.map((l) => [l.kind, l.capitalisable]), [["service", true], ["service", false]])
          assert.strictEqual((yield* assetsOf(team, order.id)).length, 0, "no template assets for services")
          const serials = receivingError(yield* refusedWithoutWrites(team.admin, receive(team, order.id, [{ lineNo: 1, serialNumbers: ["S-1"] }])))
          assert.strictEqual(serials.reason, "NotAnAssetLine")
          assert.include(serials.message, "services never become inventory assets")

          const firstReceipt = yield* receive(team, order.id, [{ lineNo: 1, quantity: 2 }, { lineNo: 2, quantity: 2 }])
          const secondReceipt = yield* receive(team, order.id, [{ lineNo: 1, quantity: 1 }])
          const records = (yield* Principal.runAs(fixedAssets.listFixedAssets({ purchaseOrderId: order.id }), team.assetManager)).items
          assert.deepStrictEqual(
            records.map((r) => [r.lineNo, r.quantity, r.cost.amount, r.receiptId, r.description]).toSorted((a, b) => Number(b[1]) - Number(a[1])),
            [[1, 2, 500_000, firstReceipt.id, "Data centre installation"], [1, 1, 250_000, secondReceipt.id, "Data centre installation"]]
          )
          assert.strictEqual(records[0]!.vendorId, order.vendorId)
          assert.strictEqual((yield* assetsOf(team, order.id)).length, 0, "still no inventory assets")
          assert.strictEqual((yield* eventTypes(team)).filter((t) => t === "fixed_asset.capitalised").length, 2)
          assert.strictEqual((yield* getOrder(team, order.id)).status, "received")
        }))

      it.effect("checks roles: receivers scan and receive, requesters cannot; shipments are the buyer's and the store's", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const shipping = yield* Shipping.Shipping
          const receiving = yield* Receiving.Receiving
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 2 }])
          const denied = <R>(attempt: Effect.Effect<unknown, unknown, R>) =>
            Effect.map(Effect.exit(attempt), (exit) => (failureOf(exit) as { _tag: string })._tag)
          assert.strictEqual(yield* denied(scan(team.requester, { purchaseOrderId: order.id }, ["R-1"])), "AccessDenied")
          assert.strictEqual(yield* denied(Principal.runAs(
            receiving.receivePurchaseOrder({ purchaseOrderId: order.id, locationId: HQ, storageSpace: dock, lines: [{ lineNo: 1, quantity: 1 }] }),
            team.requester
          )), "AccessDenied")
          const shipmentInput = {
            purchaseOrderId: order.id,
            carrier: "DHL",
            trackingNumber: "JD0004",
            shipDate: "2026-11-22",
            destinationLocationId: HQ,
            destinationStorageSpace: dock,
            lines: [{ lineNo: 1, quantity: 1 }]
          }
          assert.strictEqual(yield* denied(Principal.runAs(shipping.createShipment(shipmentInput), team.requester)), "AccessDenied")
          assert.strictEqual(yield* denied(Principal.runAs(shipping.createShipment(shipmentInput), team.mobile)), "AccessDenied")
          assert.strictEqual(yield* denied(Principal.runAs(receiving.backorders({}), team.requester)), "AccessDenied")
          const scanned = yield* scan(team.mobile, { purchaseOrderId: order.id }, ["M-1"])
          assert.strictEqual(scanned.scans[0]!.outcome, "received")
          yield* Principal.runAs(shipping.createShipment(shipmentInput), team.storekeeper)
          assert.strictEqual((yield* Principal.runAs(receiving.backorders({ purchaseOrderId: order.id }), team.assetManager)).items[0]!.inTransit, 1)
        }))

      it.effect("keeps tenants apart: another tenant's order, shipment and assets are not found", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const shipping = yield* Shipping.Shipping
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 2 }])
          const [template] = yield* assetsOf(team, order.id, "on_order")
          const shipment = yield* Principal.runAs(
            shipping.createShipment({
              purchaseOrderId: order.id,
              carrier: "DHL",
              trackingNumber: "JD0005",
              shipDate: "2026-11-22",
              destinationLocationId: HQ,
              destinationStorageSpace: dock,
              lines: [{ lineNo: 1, quantity: 1, serialNumbers: ["X-1"] }]
            }),
            team.buyer
          )
          const { team: stranger, laptop: theirLaptop, station: theirStation } = yield* setUp
          const notFound = <R>(attempt: Effect.Effect<unknown, unknown, R>) =>
            Effect.map(Effect.exit(attempt), (exit) => (failureOf(exit) as { _tag: string })._tag)
          assert.strictEqual(yield* notFound(scan(stranger.storekeeper, { purchaseOrderId: order.id }, [template!.id])), "NotFound")
          assert.strictEqual(yield* notFound(scan(stranger.storekeeper, { shipmentId: shipment.id }, ["X-1"])), "NotFound")
          assert.strictEqual(yield* notFound(Principal.runAs(shipping.getShipment({ id: shipment.id }), stranger.storekeeper)), "NotFound")
          // Their own order: our template's id is just an unknown code to them.
          const theirs = yield* buy(stranger, [{ catalogItemId: theirLaptop.id, quantity: 1 }, { catalogItemId: theirStation.id, quantity: 1 }])
          const attempt = receivingError(failureOf(yield* Effect.exit(scan(stranger.storekeeper, { purchaseOrderId: theirs.id }, [template!.id]))))
          assert.strictEqual(attempt.scans![0]!.reason, "AmbiguousCode", "an unknown code, taken for a new serial number")
          assert.strictEqual((yield* assetsOf(team, order.id, "on_order")).length, 2)
        }))

      it.effect("eight scanners racing over overlapping codes of one order receive each unit once, never more than ordered", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 10 }])
          const templates = yield* assetsOf(team, order.id, "on_order")
          const codes = [...templates.slice(0, 4).map((t) => t.id), ...Array.from({ length: 10 }, (_, i) => `RACE-${i}`)]
          const scanners = [team.storekeeper, team.mobile, team.assetAdmin, team.admin]
          const attempts = yield* Effect.all(
            Array.from({ length: 8 }, (_, k) =>
              Effect.exit(scan(scanners[k % 4]!, { purchaseOrderId: order.id }, Array.from({ length: 6 }, (_, i) => codes[(k * 2 + i) % codes.length]!)))),
            { concurrency: 8 }
          )
          const succeeded = attempts.filter(Exit.isSuccess).map((exit) => exit.value)
          assert.isAbove(succeeded.length, 0)
          for (const failed of attempts.filter(Exit.isFailure)) {
            const error = failureOf(failed) as { _tag: string; reason?: unknown }
            assert.isTrue(
              (error._tag === "ReceivingError" && error.reason === "NothingReceived") ||
                // retries exhausted on a concurrent receipt: a stale version, or a serial number taken meanwhile
                Storage.isReason(error, "StaleVersion") || Storage.isUniqueViolation(error, ["serialNumber"]),
              `unexpected failure ${JSON.stringify(error)}`
            )
          }
          const received = succeeded.flatMap((r) => r.scans.filter((s) => s.outcome === "received"))
          const inStock = yield* assetsOf(team, order.id, "in_stock")
          const after = yield* getOrder(team, order.id)
          assert.strictEqual(after.lines[0]!.receivedQuantity, inStock.length, "the order counts exactly the assets received")
          assert.isAtMost(inStock.length, 10)
          assert.strictEqual(received.length, inStock.length, "one received scan per asset")
          assert.strictEqual(new Set(received.map((s) => s.assetId)).size, received.length, "no asset received twice")
          assert.strictEqual(new Set(received.map((s) => s.code)).size, received.length, "no code received twice")
          const serials = inStock.flatMap((a) => (a.serialNumber !== undefined ? [a.serialNumber] : []))
          assert.strictEqual(new Set(serials).size, serials.length, "no serial number on two assets")
          assert.strictEqual(inStock.length + (yield* assetsOf(team, order.id, "on_order")).length, 10, "no asset created beyond the order")
        }))

      it.effect("a scan batch sent again under its batchId receives nothing twice, even when the copies race", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const receiving = yield* Receiving.Receiving
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 5 }])
          const code = Receiving.lineCode(order.id, 1)
          const batch = (batchId: string, codes: ReadonlyArray<string>, purchaseOrderId = order.id) =>
            Principal.runAs(
              receiving.receiveScans({ purchaseOrderId, locationId: HQ, storageSpace: dock, batchId, scans: codes.map((c) => ({ code: c })) }),
              team.storekeeper
            )
          // Line codes: every scan is another unit, so only the key tells a replay from new scans.
          const first = yield* batch("dock-1", [code, code])
          assert.deepStrictEqual(outcomes(first.scans), [["received", "line_code"], ["received", "line_code"]])
          const replay = yield* batch("dock-1", [code, code])
          assert.strictEqual(replay.receipt.id, first.receipt.id)
          assert.deepStrictEqual(replay.scans, first.scans, "the replay answers what the first did")
          assert.strictEqual((yield* getOrder(team, order.id)).lines[0]!.receivedQuantity, 2)

          const copies = yield* Effect.all(Array.from({ length: 4 }, () => batch("dock-2", [code])), { concurrency: 4 })
          assert.strictEqual(new Set(copies.map((c) => c.receipt.id)).size, 1, "four copies, one receipt")
          assert.strictEqual((yield* getOrder(team, order.id)).lines[0]!.receivedQuantity, 3)
          assert.strictEqual((yield* assetsOf(team, order.id, "in_stock")).length, 3)

          const other = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 1 }])
          const reused = receivingError(failureOf(yield* Effect.exit(batch("dock-1", [Receiving.lineCode(other.id, 1)], other.id))))
          assert.strictEqual(reused.reason, "BatchReused")
          assert.strictEqual((yield* getOrder(team, other.id)).lines[0]!.receivedQuantity, 0)
        }))

      it.effect("an order placed elsewhere is imported once, with its templates and entitlements, and its receipts by key once", () =>
        Effect.gen(function*() {
          const { team, vendor, laptop, mouse, office } = yield* setUp
          const purchasing = yield* Purchasing.Purchasing
          const receiving = yield* Receiving.Receiving
          const input = {
            externalReference: "coupa:acme:4711",
            vendorId: vendor.id,
            lines: [
              { catalogItemId: laptop.id, quantity: 3, unitCost: eur(120_000) },
              { catalogItemId: office.id, quantity: 10, unitCost: eur(9_900), description: "Office suite, 10 seats" },
              { catalogItemId: mouse.id, quantity: 4, unitCost: eur(2_500) }
            ]
          }
          const imported = yield* Principal.runAs(purchasing.importPurchaseOrder(input), team.buyer)
          assert.strictEqual(imported.status, "submitted")
          assert.strictEqual(imported.externalReference, "coupa:acme:4711")
          assert.deepStrictEqual(imported.lines.map((l) => [l.kind, l.createAsset, l.description]), [
            ["hardware", true, laptop.name],
            ["software", false, "Office suite, 10 seats"],
            ["consumable", false, mouse.name]
          ])
          assert.deepStrictEqual(imported.total, eur(3 * 120_000 + 10 * 9_900 + 4 * 2_500))
          assert.strictEqual((yield* assetsOf(team, imported.id, "on_order")).length, 3)
          const licensing = yield* Licensing.Licensing
          const entitlements = yield* Principal.runAs(licensing.listEntitlements({ purchaseOrderId: imported.id }), team.assetManager)
          assert.deepStrictEqual(entitlements.items.map((e) => e.seats), [10])
          // Imported again (a connector pulling it twice), or by two pullers at once: one order.
          const again = yield* Effect.all(
            Array.from({ length: 3 }, () => Principal.runAs(purchasing.importPurchaseOrder(input), team.buyer)),
            { concurrency: 3 }
          )
          assert.deepStrictEqual(new Set(again.map((o) => o.id)), new Set([imported.id]))
          assert.strictEqual((yield* assetsOf(team, imported.id, "on_order")).length, 3)
          assert.deepStrictEqual((yield* eventTypes(team)).filter((t) => t === "purchase_order.created").length, 1)

          const reused = failureOf(yield* Effect.exit(Principal.runAs(
            purchasing.importPurchaseOrder({ ...input, vendorId: (yield* Principal.runAs(Catalog.Catalog.pipe(Effect.flatMap((c) => c.createVendor({ code: "OTHER", name: "Other" }))), team.buyer)).id }),
            team.buyer
          ))) as Purchasing.PurchasingError
          assert.deepStrictEqual([reused._tag, reused.reason], ["PurchasingError", "ReferenceReused"])
          const refusals: ReadonlyArray<readonly [Purchasing.ImportPurchaseOrderInput, Purchasing.PurchasingErrorReason]> = [
            [{ ...input, externalReference: "coupa:acme:1", vendorId: "no-such-vendor" }, "UnknownVendor"],
            [{ ...input, externalReference: "coupa:acme:2", lines: [{ catalogItemId: "no-such-item", quantity: 1, unitCost: eur(1) }] }, "UnknownCatalogItem"],
            [{ ...input, externalReference: "coupa:acme:3", lines: [input.lines[0]!, { ...input.lines[2]!, unitCost: { amount: 1, currency: "USD" } }] }, "CurrencyMismatch"]
          ]
          for (const [bad, reason] of refusals) {
            const refused = (yield* refusedWithoutWrites(team.admin, Principal.runAs(purchasing.importPurchaseOrder(bad), team.buyer))) as Purchasing.PurchasingError
            assert.strictEqual(refused.reason, reason)
          }
          const denied = yield* Effect.exit(Principal.runAs(purchasing.importPurchaseOrder({ ...input, externalReference: "coupa:acme:5" }), team.requester))
          assert.strictEqual((failureOf(denied) as { _tag: string })._tag, "AccessDenied")

          // An external receipt pulled twice, or by two pullers at once: received once.
          const receipt = (batchId: string, purchaseOrderId = imported.id) =>
            Principal.runAs(
              receiving.receivePurchaseOrder({ purchaseOrderId, locationId: HQ, storageSpace: dock, batchId, lines: [{ lineNo: 1, quantity: 2 }] }),
              team.storekeeper
            )
          const copies = yield* Effect.all(Array.from({ length: 3 }, () => receipt("coupa:acme:rt:1")), { concurrency: 3 })
          assert.strictEqual(new Set(copies.map((r) => r.id)).size, 1, "three copies, one receipt")
          assert.strictEqual((yield* getOrder(team, imported.id)).lines[0]!.receivedQuantity, 2)
          assert.strictEqual((yield* assetsOf(team, imported.id, "in_stock")).length, 2)
          const other = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 2 }])
          assert.strictEqual(receivingError(failureOf(yield* Effect.exit(receipt("coupa:acme:rt:1", other.id)))).reason, "BatchReused")
          assert.strictEqual((yield* getOrder(team, other.id)).lines[0]!.receivedQuantity, 0)
        }))

      it.effect("a command under an idempotency key is applied once, its first answer given again; the key on another input is refused", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const receiving = yield* Receiving.Receiving
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 5 }])
          const receive = (key: string, quantity: number) =>
            Principal.runAs(
              Idempotency.withKey(key)(receiving.receivePurchaseOrder({ purchaseOrderId: order.id, locationId: HQ, storageSpace: dock, lines: [{ lineNo: 1, quantity }] })),
              team.storekeeper
            )
          const first = yield* receive("receipt-1", 2)
          // Sent again (the answer was lost), and three copies at once under another key.
          const again = yield* receive("receipt-1", 2)
          assert.deepStrictEqual(again, first, "the first answer, again")
          const copies = yield* Effect.all(Array.from({ length: 3 }, () => receive("receipt-2", 1)), { concurrency: 3 })
          assert.strictEqual(new Set(copies.map((r) => r.id)).size, 1, "three copies, one receipt")
          assert.strictEqual((yield* getOrder(team, order.id)).lines[0]!.receivedQuantity, 3)
          assert.strictEqual((yield* eventTypes(team)).filter((t) => t === "receipt.recorded").length, 2)
          // The key with another input, or on another operation: refused, nothing written.
          const otherInput = (yield* refusedWithoutWrites(team.admin, receive("receipt-1", 1))) as Idempotency.IdempotencyKeyReused
          assert.deepStrictEqual([otherInput._tag, otherInput.operation], ["IdempotencyKeyReused", "receiving.receivePurchaseOrder"])
          const purchasing = yield* Purchasing.Purchasing
          const otherOperation = (yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(Idempotency.withKey("receipt-1")(purchasing.cancelPurchaseOrder({ purchaseOrderId: order.id, reason: "not needed" })), team.buyer)
          )) as Idempotency.IdempotencyKeyReused
          assert.include(otherOperation.message, "was used for receiving.receivePurchaseOrder, not purchasing.cancelPurchaseOrder")
          // Keys are per tenant: another tenant's same key is its own.
          const other = yield* setUp
          const theirs = yield* buy(other.team, [{ catalogItemId: other.laptop.id, quantity: 1 }])
          const received = yield* Principal.runAs(
            Idempotency.withKey("receipt-1")(receiving.receivePurchaseOrder({ purchaseOrderId: theirs.id, locationId: HQ, storageSpace: dock, lines: [{ lineNo: 1, quantity: 1 }] })),
            other.team.storekeeper
          )
          assert.notStrictEqual(received.id, first.id)
        }))

      it.effect("shipments created at the same moment never carry more than the order has open", () =>
        Effect.gen(function*() {
          const { team, laptop } = yield* setUp
          const shipping = yield* Shipping.Shipping
          const order = yield* buy(team, [{ catalogItemId: laptop.id, quantity: 5 }])
          const attempts = yield* Effect.all(
            Array.from({ length: 4 }, (_, k) =>
              Effect.exit(Principal.runAs(
                shipping.createShipment({
                  purchaseOrderId: order.id,
                  carrier: "DHL",
                  trackingNumber: `RACE-${k}`,
                  shipDate: "2026-11-22",
                  destinationLocationId: HQ,
                  destinationStorageSpace: dock,
                  lines: [{ lineNo: 1, quantity: 2 }]
                }),
                team.buyer
              ))),
            { concurrency: 4 }
          )
          const created = attempts.filter(Exit.isSuccess)
          assert.strictEqual(created.length, 2, "two shipments of 2 fit an order of 5; a third does not")
          for (const failed of attempts.filter(Exit.isFailure)) {
            const error = failureOf(failed) as Shipping.ShippingError
            assert.deepStrictEqual([error._tag, error.reason], ["ShippingError", "OverShipment"])
          }
          const inTransit = yield* Principal.runAs(shipping.listShipments({ purchaseOrderId: order.id }), team.buyer)
          assert.strictEqual(inTransit.items.reduce((n, s) => n + s.lines[0]!.quantity, 0), 4)
        }))
    })
  })
}
