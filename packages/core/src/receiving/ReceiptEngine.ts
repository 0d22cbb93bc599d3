/**
 * The receiving engine every receipt goes through: checking the requested lines against the
 * order (and the shipment) by the rules of `Receivability.ts`, activating template assets through
 * the assets module's one activation path, and writing the receipt, the order's received
 * quantities, stock, fixed assets and the shipment's progress.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { z } from "zod"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { type Asset, Condition } from "../assets/AssetsModel.js"
import { capitalise } from "../assets/internal/fixedAssets.js"
import { activateTemplates, createTemplates, takenSerialNumbers } from "../assets/internal/templates.js"
import { recordReceived, statusEvent } from "../purchasing/internal/orders.js"
import { backorderedQuantity, hasAssets } from "../purchasing/internal/quantities.js"
import { type PurchaseOrder, type PurchaseOrderLine } from "../purchasing/PurchasingModel.js"
import { PurchaseOrderPartiallyReceived, PurchaseOrderReceived } from "../purchasing/PurchasingEvents.js"
import * as Tolerances from "../purchasing/TolerancesModel.js"
import { recordShipmentReceived } from "../shipping/internal/shipments.js"
import { type Shipment } from "../shipping/ShippingModel.js"
import { receive as receiveIntoStock } from "../stock/internal/movements.js"
import { ReplenishmentNeeded } from "../stock/StockEvents.js"
import { AssetTemplatesCreated, FixedAssetCapitalised } from "../assets/AssetsEvents.js"
import { ReceiptRecorded } from "./ReceivingEvents.js"
import { admitFromShipment, admitLine, admitQuantity, admitSerialNumbers, isReceiving, isRefusal } from "./Receivability.js"
import { ScanResult, receipts } from "./ReceivingModel.js"
import { ReceivingError, type ReceivingErrorReason } from "./ReceivingErrors.js"

export type ConditionValue = z.infer<typeof Condition>

/** Where received units go. */
export interface Place {
  readonly locationId: string
  readonly storageSpace: string
  readonly condition: ConditionValue
}

/** What a receipt is received from, besides its order. */
export interface Source {
  readonly shipment?: Shipment | undefined
  readonly invoiceId?: string | undefined
}

/** A line of a receipt as asked for. */
export interface LineRequest {
  readonly lineNo: number
  readonly quantity: number
  readonly serialNumbers?: ReadonlyArray<string> | undefined
}

/** A line of a receipt, checked. */
export interface Planned {
  readonly orderLine: PurchaseOrderLine
  readonly quantity: number
  readonly serialNumbers: ReadonlyArray<string>
}

export const duplicates = (values: ReadonlyArray<string>): ReadonlyArray<string> => {
  const seen = new Set<string>()
  return [...new Set(values.filter((v) => seen.size === seen.add(v).size))]
}

export const sourceFields = (source: Source) => ({
  ...(source.shipment !== undefined ? { shipmentId: source.shipment.id } : {}),
  ...(source.invoiceId !== undefined ? { invoiceId: source.invoiceId } : {})
})

export const refusal = (order: PurchaseOrder, source: Source) =>
(
  reason: ReceivingErrorReason,
  message: string,
  extra: { readonly lineNo?: number; readonly serialNumbers?: ReadonlyArray<string>; readonly scans?: ReadonlyArray<ScanResult> } = {}
) => new ReceivingError({ reason, message, purchaseOrderId: order.id, ...sourceFields(source), ...extra })

/**
 * Checks the lines of a receipt against the order (and the shipment received from): the order is
 * being received, lines exist once each, software is refused, quantities fit what remains
 * (tolerance included), serial numbers only on asset lines, unique and not yet recorded.
 */
export const planLines = Effect.fn("Receiving.planLines")(function*(order: PurchaseOrder, lines: ReadonlyArray<LineRequest>, source: Source) {
  const policy = yield* Tolerances.Tolerances
  const refuse = refusal(order, source)
  if (!isReceiving(order)) {
    return yield* refuse("InvalidState", `Purchase order ${order.id} is ${order.status}; only a submitted order that is not fully received can be received`)
  }
  const repeatedLines = duplicates(lines.map((l) => String(l.lineNo)))
  if (repeatedLines.length > 0) {
    return yield* refuse("DuplicateLine", `Line ${repeatedLines.join(", ")} appears more than once in the receipt`, { lineNo: Number(repeatedLines[0]) })
  }
  const plan: Array<Planned> = []
  for (const line of lines) {
    const orderLine = admitLine(order, line.lineNo)
    if (isRefusal(orderLine)) return yield* refuse(orderLine.reason, orderLine.message, { lineNo: orderLine.lineNo })
    const refused = admitQuantity(order, orderLine, line.quantity, policy) ??
      admitSerialNumbers(orderLine, line.serialNumbers?.length ?? 0) ??
      (source.shipment !== undefined ? admitFromShipment(source.shipment, line.lineNo, line.quantity) : undefined)
    if (refused !== undefined) return yield* refuse(refused.reason, refused.message, { lineNo: refused.lineNo })
    plan.push({ orderLine, quantity: line.quantity, serialNumbers: line.serialNumbers ?? [] })
  }
  const serials = plan.flatMap((p) => p.serialNumbers)
  const repeated = duplicates(serials)
  if (repeated.length > 0) {
    return yield* refuse("DuplicateSerialNumber", `Serial number ${repeated.slice(0, 10).join(", ")} appears more than once in the receipt`, {
      serialNumbers: repeated
    })
  }
  const taken = yield* takenSerialNumbers(serials)
  if (taken.length > 0) {
    return yield* refuse("DuplicateSerialNumber", `Serial number ${taken.slice(0, 10).join(", ")} is already recorded on another asset`, {
      serialNumbers: taken
    })
  }
  return plan
})

/** Units of asset lines beyond the open quantity (within the tolerance) have no template yet: create them. */
export const createExtraTemplates = (order: PurchaseOrder, received: ReadonlyArray<{ readonly orderLine: PurchaseOrderLine; readonly quantity: number }>) => {
  const extra = received.filter((p) => hasAssets(p.orderLine) && p.quantity > backorderedQuantity(p.orderLine))
  return createTemplates(extra.map(({ orderLine, quantity }) => ({
    purchaseOrderId: order.id,
    vendorId: order.vendorId,
    lineNo: orderLine.lineNo,
    catalogItemId: orderLine.catalogItemId,
    name: orderLine.description,
    kind: orderLine.kind,
    quantity: quantity - backorderedQuantity(orderLine),
    unitCost: orderLine.unitCost
  })))
}

/**
 * Writes what every receipt writes once the order is updated and the assets activated: the
 * receipt, consumables into stock, capitalisable services as fixed assets, the shipment's
 * received units, and the events.
 */
export const writeReceipt = Effect.fn("Receiving.writeReceipt")(function*(
  order: PurchaseOrder,
  updated: PurchaseOrder,
  place: Place,
  source: Source,
  lines: ReadonlyArray<{ readonly orderLine: PurchaseOrderLine; readonly quantity: number; readonly assets: ReadonlyArray<Asset> }>,
  batch: { readonly batchId?: string; readonly scans?: Array<ScanResult> } = {}
) {
  const storage = yield* Storage.Storage
  const principal = yield* CurrentPrincipal
  const receiptLines = lines.map((l) => ({ lineNo: l.orderLine.lineNo, quantity: l.quantity, assetIds: l.assets.map((a) => a.id) }))
  const receipt = yield* storage.insertOne(receipts, {
    id: yield* Ids.next,
    purchaseOrderId: order.id,
    ...sourceFields(source),
    receivedBy: principal.userId,
    receivedAt: updated.updatedAt,
    locationId: place.locationId,
    storageSpace: place.storageSpace,
    condition: place.condition,
    lines: receiptLines,
    ...batch
  })
  // Consumable lines (no assets created) add to the stock of the receipt's storage space.
  const consumables = lines.filter((l) => !hasAssets(l.orderLine) && l.orderLine.kind === "consumable")
  const movements = yield* receiveIntoStock(consumables.map((l) => ({
    catalogItemId: l.orderLine.catalogItemId,
    name: l.orderLine.description,
    locationId: place.locationId,
    storageSpace: place.storageSpace,
    quantity: l.quantity,
    unitCost: l.orderLine.unitCost,
    purchaseOrderId: order.id,
    lineNo: l.orderLine.lineNo,
    receiptId: receipt.id
  })))
  // Services never become inventory assets (seed 000); a capitalisable one is a fixed asset.
  const capitalisable = lines.filter((l) => l.orderLine.kind === "service" && l.orderLine.capitalisable)
  const fixed = yield* capitalise(capitalisable.map((l) => ({
    purchaseOrderId: order.id,
    lineNo: l.orderLine.lineNo,
    catalogItemId: l.orderLine.catalogItemId,
    description: l.orderLine.description,
    vendorId: order.vendorId,
    quantity: l.quantity,
    unitCost: l.orderLine.unitCost,
    receiptId: receipt.id
  })))
  if (source.shipment !== undefined) {
    yield* recordShipmentReceived(source.shipment, new Map(lines.map((l) => [l.orderLine.lineNo, l.quantity])))
  }
  const movementOf = new Map(consumables.map((l, i) => [l.orderLine.lineNo, movements[i]] as const))
  const fixedAssetOf = new Map(capitalisable.map((l, i) => [l.orderLine.lineNo, fixed[i]?.id] as const))
  yield* Events.append(
    ReceiptRecorded.make({
      receiptId: receipt.id,
      purchaseOrderId: order.id,
      vendorId: order.vendorId,
      ...sourceFields(source),
      receivedBy: receipt.receivedBy,
      receivedAt: receipt.receivedAt,
      locationId: place.locationId,
      storageSpace: place.storageSpace,
      condition: place.condition,
      lines: lines.map(({ assets: activated, orderLine, quantity }) => {
        const movement = movementOf.get(orderLine.lineNo)
        const fixedAssetId = fixedAssetOf.get(orderLine.lineNo)
        return {
          lineNo: orderLine.lineNo,
          catalogItemId: orderLine.catalogItemId,
          description: orderLine.description,
          kind: orderLine.kind,
          quantity,
          unitCost: orderLine.unitCost,
          assetIds: activated.map((a) => a.id),
          serialNumbers: activated.flatMap((a) => (a.serialNumber === undefined ? [] : [a.serialNumber])),
          ...(movement !== undefined
            ? {
              stockMovementId: movement.id,
              stockRecordId: movement.stockRecordId,
              onHand: movement.balanceAfter,
              stockSequence: movement.sequence
            }
            : {}),
          ...(fixedAssetId !== undefined ? { fixedAssetId } : {})
        }
      }),
      status: updated.status
    }),
    ...statusEvent(order, updated)
  )
  return receipt
})

/** Maps a serial number taken at the same time by another receipt (the unique key) to a refusal. */
export const serialTakenMeanwhile = (order: PurchaseOrder, source: Source) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchIf(
    effect,
    (error): error is E & Storage.StorageError => Storage.isUniqueViolation(error, ["serialNumber"]),
    () => Effect.fail(refusal(order, source)("DuplicateSerialNumber", "A serial number of this receipt was recorded on another asset at the same time"))
  )

/**
 * Receives checked lines: the order is written first (its version check makes concurrent receipts
 * of one order take turns: a receiver that read the order before another's receipt committed gets
 * a stale conflict and is retried on the new state) before anyone picks template assets.
 */
export const activateAndRecord = Effect.fn("Receiving.receiveLines")(function*(
  order: PurchaseOrder,
  plan: ReadonlyArray<Planned>,
  place: Place,
  source: Source,
  batch: { readonly batchId?: string } = {}
) {
  const updated = yield* recordReceived(order, new Map(plan.map((p) => [p.orderLine.lineNo, p.quantity])))
  yield* createExtraTemplates(order, plan)
  const lines = []
  for (const { orderLine, quantity, serialNumbers } of plan) {
    const activated = hasAssets(orderLine)
      ? yield* activateTemplates({
        purchaseOrderId: order.id,
        lineNo: orderLine.lineNo,
        units: Array.from({ length: quantity }, (_, i) => ({ serialNumber: serialNumbers[i] })),
        locationId: place.locationId,
        storageSpace: place.storageSpace,
        condition: place.condition
      })
      : []
    lines.push({ orderLine, quantity, assets: activated })
  }
  return yield* writeReceipt(order, updated, place, source, lines, batch)
})

export const receiveLines = (order: PurchaseOrder, plan: ReadonlyArray<Planned>, place: Place, source: Source, batch: { readonly batchId?: string } = {}) =>
  serialTakenMeanwhile(order, source)(activateAndRecord(order, plan, place, source, batch))

/** The receipt a batch made, if it was received before (`batchId` of `receiveScans`, `receivePurchaseOrder`). */
export const receiptOfBatch = Effect.fn("Receiving.receiptOfBatch")(function*(batchId: string) {
  const storage = yield* Storage.Storage
  const page = yield* storage.find(receipts, { where: { batchId }, limit: 1 })
  return page.items[0]
})

export const LineInput = z.object({
  lineNo: z.number().int().positive(),
  quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1").optional(),
  serialNumbers: z.array(Text.serialNumber).min(1).max(100_000).optional()
}).refine(
  (line) => line.quantity === undefined || line.serialNumbers === undefined || line.quantity === line.serialNumbers.length,
  { message: "quantity and the number of serial numbers differ" }
)

export const quantityOf = (line: z.infer<typeof LineInput>): number | undefined => line.quantity ?? line.serialNumbers?.length

export const LocationId = Text.location
export const StorageSpace = Text.location

/** The events every receipt may append. */
export const receiptEvents = [
  ReceiptRecorded,
  PurchaseOrderPartiallyReceived,
  PurchaseOrderReceived,
  AssetTemplatesCreated,
  FixedAssetCapitalised,
  ReplenishmentNeeded
]
