/**
 * Receiving by scan: a batch of scanned codes against an order or a shipment.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import { z } from "zod"
import * as Operation from "../Operation.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { type Asset, assets, Condition } from "../assets/AssetsModel.js"
import { activateTemplates } from "../assets/internal/templates.js"
import { loadPurchaseOrder, recordReceived } from "../purchasing/internal/orders.js"
import { hasAssets } from "../purchasing/internal/quantities.js"
import { type PurchaseOrderLine } from "../purchasing/PurchasingModel.js"
import * as Tolerances from "../purchasing/TolerancesModel.js"
import { loadShipment } from "../shipping/internal/shipments.js"
import { ShipmentDelivered } from "../shipping/ShippingEvents.js"
import { Receipt, Scan, ScanResult } from "./ReceivingModel.js"
import { receiptEvents, LocationId, type Place, StorageSpace, createExtraTemplates, receiptOfBatch, refusal, writeReceipt } from "./ReceiptEngine.js"
import { type Unit, resolveScans } from "./ScanResolution.js"

// ----- operations: receiving by scan ------------------------------------------------------------

/**
 * Input of {@link receiveScans}: a purchase order or a shipment to receive against, where the
 * units go (a shipment's destination unless given; required with a purchase order), their
 * condition, and up to 1,000 scans.
 *
 * @since 0.1.0
 * @category inputs
 */
export const ReceiveScansInput = z.object({
  purchaseOrderId: Text.id.optional(),
  shipmentId: Text.id.optional(),
  locationId: LocationId.optional(),
  storageSpace: StorageSpace.optional(),
  condition: Condition.default("new"),
  scans: z.array(Scan).min(1, "scan at least one code").max(1000, "scan at most 1,000 codes per batch"),
  batchId: Text.id.optional().describe(
    "a key the client makes up per batch (a UUID): the same batch sent again (a retry after a lost answer, an offline queue replayed) receives nothing twice and gets the first answer"
  )
})
  .refine((input) => (input.purchaseOrderId === undefined) !== (input.shipmentId === undefined), {
    message: "scan against a purchase order (purchaseOrderId) or a shipment (shipmentId): give exactly one",
    path: ["purchaseOrderId"]
  })
  .refine((input) => input.shipmentId !== undefined || (input.locationId !== undefined && input.storageSpace !== undefined), {
    message: "scans against a purchase order need the location and storage space they go to",
    path: ["locationId"]
  })

/**
 * What callers pass to {@link receiveScans}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type ReceiveScansInput = z.input<typeof ReceiveScansInput>

/**
 * The output of {@link receiveScans}: the receipt of the units received, and what became of each scan.
 *
 * @since 0.1.0
 * @category models
 */
export const ScanReceipt = z.object({ receipt: Receipt, scans: z.array(ScanResult) })

/**
 * A scan receipt.
 *
 * @since 0.1.0
 * @category models
 */
export type ScanReceipt = z.infer<typeof ScanReceipt>

/** The assets the scanned codes name: by id, by asset tag and by serial number. Three queries. */
const lookUpCodes = Effect.fn("Receiving.lookUpCodes")(function*(codes: ReadonlyArray<string>) {
  const storage = yield* Storage.Storage
  const byId = new Map((yield* storage.getMany(assets, codes)).map((a) => [a.id, a]))
  const rest = codes.filter((code) => !byId.has(code))
  // One query per key (each served by its unique index), not one query with an `$or`.
  const by = (field: "assetTag" | "serialNumber") =>
    rest.length === 0
      ? Effect.succeed(new Map<string, Asset>())
      : Effect.map(
        Stream.runCollect(storage.stream(assets, { where: { [field]: { in: rest } }, limit: 1000 })),
        (found) => new Map(found.map((asset) => [asset[field]!, asset]))
      )
  const [byTag, bySerial] = yield* Effect.all([by("assetTag"), by("serialNumber")])
  return { byId, byTag, bySerial }
})

const tally = (results: ReadonlyArray<ScanResult>): string => {
  const counts = new Map<string, number>()
  for (const r of results) {
    const key = r.outcome === "rejected" ? `rejected (${r.reason})` : r.outcome.replace("_", " ")
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts].map(([what, n]) => `${n} ${what}`).join(", ")
}

/**
 * Receives units by scanning barcodes, against a purchase order or a shipment (seed 002: "The
 * system identifies the asset via barcode; updates serial number, status, and location; converts
 * the template asset into an active asset").
 *
 * Each code is tried, in order, as: the id of a template asset of the order; the asset tag of
 * one; a serial number on the shipment's advance list (scans against a shipment); a line code
 * ({@link lineCode}: one unit of that line); otherwise a new serial number for the scan's
 * `lineNo`, or for the only asset line with units left. Each unit received becomes in stock with
 * its serial number, condition, location and storage space.
 *
 * The batch is reported per scan: `received` (with the asset), `already_received` (a code
 * scanned twice, or received before: never a second asset) or `rejected` with a reason; one bad
 * scan does not reject the others. The units received are written atomically, in one receipt.
 * When no scan can be received, it fails with `NothingReceived` (carrying the per-scan results)
 * and writes nothing.
 *
 * A client that may send a batch twice (it retries after a timeout, or replays an offline queue)
 * gives it a `batchId`: the receipt keeps the key and the per-scan results, and the same key again
 * answers them from the receipt, receiving nothing (a key used for another order or shipment is
 * refused with `BatchReused`). Serial numbers, asset tags and asset ids are never received twice
 * anyway; the key matters most for line codes, where every scan is another unit. Concurrent batches of one order take turns through the order's version,
 * and a serial number taken by a concurrent receipt of another order makes the batch run again,
 * where that scan is then rejected.
 *
 * @since 0.1.0
 * @category operations
 */
export const receiveScans = Operation.make({
  id: "receiving.receiveScans",
  summary: "Receive units by scanned codes (asset id, asset tag, advance serial, line code, serial number) against an order or a shipment.",
  kind: "command",
  // A serial number a concurrent receipt (of another order) took first: run the batch again on
  // fresh reads, where that scan is rejected instead of failing the whole batch.
  retryOnUnique: ["serialNumber", "batchId"],
  permission: "receiving.receive",
  input: ReceiveScansInput,
  output: ScanReceipt,
  events: [...receiptEvents, ShipmentDelivered],
  handler: Effect.fn(function*(input) {
    const policy = yield* Tolerances.Tolerances
    const shipment = input.shipmentId !== undefined ? yield* loadShipment(input.shipmentId) : undefined
    const order = yield* loadPurchaseOrder(shipment?.purchaseOrderId ?? input.purchaseOrderId!)
    const source = { shipment }
    const refuse = refusal(order, source)
    if (input.batchId !== undefined) {
      const answered = yield* receiptOfBatch(input.batchId)
      if (answered !== undefined) {
        if (answered.purchaseOrderId !== order.id || answered.shipmentId !== shipment?.id) {
          return yield* refuse("BatchReused", `Scan batch ${input.batchId} was received against another ${shipment ? "shipment" : "purchase order"}; make up a new batch id per batch`)
        }
        return { receipt: answered, scans: answered.scans ?? [] }
      }
    }
    if (order.status === "draft" || order.status === "cancelled") {
      return yield* refuse("InvalidState", `Purchase order ${order.id} is ${order.status}; only a submitted order can be received`)
    }
    const place: Place = {
      locationId: input.locationId ?? shipment!.destinationLocationId,
      storageSpace: input.storageSpace ?? shipment!.destinationStorageSpace,
      condition: input.condition
    }
    const found = yield* lookUpCodes([...new Set(input.scans.map((s) => s.code))])
    const { results, units } = resolveScans(order, shipment, input.scans, found, policy)
    const scans = (): Array<ScanResult> =>
      results.map((entry) => {
        const { sameAs: _, ...result } = entry
        return result
      })
    if (units.length === 0) {
      return yield* refuse("NothingReceived", `None of the ${results.length} scans could be received: ${tally(results)}`, { scans: scans() })
    }

    // The order first: concurrent batches of one order take turns (see receiveLines).
    const perLine = new Map<number, { readonly orderLine: PurchaseOrderLine; readonly units: Array<Unit> }>()
    for (const u of units) {
      const entry = perLine.get(u.orderLine.lineNo) ?? { orderLine: u.orderLine, units: [] }
      entry.units.push(u)
      perLine.set(u.orderLine.lineNo, entry)
    }
    const updated = yield* recordReceived(order, new Map([...perLine].map(([lineNo, e]) => [lineNo, e.units.length])))
    yield* createExtraTemplates(order, [...perLine.values()].map((e) => ({ orderLine: e.orderLine, quantity: e.units.length })))
    // Units of asset lines activate a template each (the one activation path, in assets); units
    // of other lines (line codes) are counted.
    const activatedOf = new Map<number, Asset>()
    for (const [lineNo, { orderLine, units: lineUnits }] of perLine) {
      if (!hasAssets(orderLine)) continue
      const activated = yield* activateTemplates({
        purchaseOrderId: order.id,
        lineNo,
        units: lineUnits.map((u) => ({ template: u.template, serialNumber: u.serialNumber })),
        condition: place.condition,
        locationId: place.locationId,
        storageSpace: place.storageSpace
      })
      lineUnits.forEach((u, i) => activatedOf.set(u.scan, activated[i]!))
    }
    const assetOf = new Map([...activatedOf].map(([scan, asset]) => [scan, asset.id]))
    const inLineOrder = [...perLine.values()].toSorted((a, b) => a.orderLine.lineNo - b.orderLine.lineNo)
    const withAssets = results.map(({ sameAs, ...result }, index) => {
      const assetId = result.outcome === "received" ? assetOf.get(index) : sameAs !== undefined ? assetOf.get(sameAs) ?? result.assetId : result.assetId
      return assetId !== undefined ? { ...result, assetId } : result
    })
    const receipt = yield* writeReceipt(
      order,
      updated,
      place,
      source,
      inLineOrder.map((e) => ({
        orderLine: e.orderLine,
        quantity: e.units.length,
        assets: e.units.flatMap((u) => activatedOf.get(u.scan) ?? [])
      })),
      input.batchId !== undefined ? { batchId: input.batchId, scans: withAssets } : {}
    )
    return { receipt, scans: withAssets }
  })
})
