/**
 * Receiving: taking delivery of what a purchase order bought (seed 002: Receiving -> Asset
 * creation). A receipt records, per line, the units delivered; on asset lines each unit turns a
 * template asset into an in-stock asset with its serial number, condition, location and storage
 * space; consumables add to the stock of the storage space; capitalisable services become fixed
 * assets. Any quantity up to what remains (plus the over-receipt tolerance) can be received, in as
 * many receipts as needed.
 *
 * Goods are received from the purchase order ({@link receivePurchaseOrder}), from a shipment
 * ({@link receiveShipment}), from an invoice ({@link receiveInvoice}) or by scanning barcodes
 * ({@link receiveScans}); {@link backorders} shows what each line still waits for.
 * docs/receiving.md tells the whole story.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Stream } from "effect"
import { z } from "zod"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { type Asset, assets, Condition } from "../assets/AssetsModel.js"
import { capitalise } from "../assets/internal/fixedAssets.js"
import { activateTemplates, createTemplates, takenSerialNumbers } from "../assets/internal/templates.js"
import { ItemKind } from "../catalog/CatalogModel.js"
import { loadInvoice } from "../invoicing/Invoicing.js"
import {
  backorderedQuantity,
  hasAssets,
  loadPurchaseOrder,
  outstandingQuantity,
  type PurchaseOrder,
  type PurchaseOrderLine,
  purchaseOrders,
  PurchaseOrderStatus,
  recordReceived,
  statusEvent
} from "../purchasing/Purchasing.js"
import { PurchaseOrderPartiallyReceived, PurchaseOrderReceived } from "../purchasing/PurchasingEvents.js"
import * as Tolerances from "../purchasing/Tolerances.js"
import {
  describeLine,
  isReceiving,
  loadShipment,
  receivableQuantity,
  recordShipmentReceived,
  remainingOnShipment,
  type Shipment,
  type ShipmentLine,
  shipments,
  unitsInTransit
} from "../shipping/Shipping.js"
import { ShipmentDelivered } from "../shipping/ShippingEvents.js"
import { receive as receiveIntoStock } from "../stock/internal/movements.js"
import { ReplenishmentNeeded } from "../stock/StockEvents.js"
import { AssetTemplatesCreated, FixedAssetCapitalised } from "../assets/AssetsEvents.js"
import { ReceiptRecorded } from "./ReceivingEvents.js"

// ----- model -----------------------------------------------------------------------------------

/**
 * A line of a receipt: how many units of a purchase order line arrived, and the assets they became.
 *
 * @since 0.1.0
 * @category models
 */
export const ReceiptLine = z.object({
  lineNo: z.number().int().positive(),
  quantity: z.number().int().positive(),
  assetIds: z.array(z.string())
})

/**
 * A receipt (receiving slip), with the shipment or invoice it was received from, if any.
 *
 * @since 0.1.0
 * @category models
 */
export const Receipt = z.object({
  id: z.string(),
  version: z.number().int(),
  purchaseOrderId: z.string(),
  shipmentId: z.string().optional(),
  invoiceId: z.string().optional(),
  receivedBy: z.string(),
  receivedAt: z.string(),
  locationId: z.string(),
  storageSpace: z.string(),
  condition: Condition,
  lines: z.array(ReceiptLine)
})

/**
 * A receipt.
 *
 * @since 0.1.0
 * @category models
 */
export type Receipt = z.infer<typeof Receipt>

/**
 * Where receipts are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const receipts = Storage.collection({
  name: "receipts",
  schema: Receipt,
  fields: { purchaseOrderId: "string", shipmentId: "string", invoiceId: "string", receivedAt: "timestamp" },
  indexes: [["purchaseOrderId"], ["shipmentId"], ["invoiceId"]]
})

// ----- line codes ------------------------------------------------------------------------------

/**
 * The printable code of a purchase order line, for a label or a packing slip:
 * `PO/<purchaseOrderId>/L<lineNo>`. Scanning it receives one unit of the line (without a serial
 * number). Plain ASCII, so any Code 128 or QR printer takes it.
 *
 * @since 0.1.0
 * @category line codes
 */
export const lineCode = (purchaseOrderId: string, lineNo: number): string => `PO/${purchaseOrderId}/L${lineNo}`

const lineCodePattern = /^PO\/(.+)\/L([1-9][0-9]{0,8})$/

/**
 * Reads a code made by {@link lineCode}; `undefined` for any other code.
 *
 * @since 0.1.0
 * @category line codes
 */
export const parseLineCode = (code: string): { readonly purchaseOrderId: string; readonly lineNo: number } | undefined => {
  const match = lineCodePattern.exec(code)
  return match === null ? undefined : { purchaseOrderId: match[1]!, lineNo: Number(match[2]) }
}

// ----- scans -----------------------------------------------------------------------------------

/**
 * What became of a scan: a unit `received` (a template asset activated), `already_received`
 * (the unit was received before, or earlier in the same batch: no second asset), or `rejected`.
 *
 * @since 0.1.0
 * @category models
 */
export const ScanOutcome = z.enum(["received", "already_received", "rejected"])

/**
 * How a scanned code was recognised, in the order codes are tried: a template asset's id, an
 * asset tag, a serial number on the shipment's advance list, a purchase order line code, or
 * (otherwise) a new serial number.
 *
 * @since 0.1.0
 * @category models
 */
export const ScanResolution = z.enum(["asset_id", "asset_tag", "advance_serial", "line_code", "serial_number"])

/**
 * Why a scan was rejected.
 *
 * - `UnknownCode`: not an asset id, asset tag, advance serial or line code, and no asset line
 *   has units left to take it as a serial number.
 * - `AmbiguousCode`: a new serial number, and several asset lines could take it: scan it with a `lineNo`.
 * - `OtherPurchaseOrder`: the asset or line code belongs to another purchase order.
 * - `SerialNumberTaken`: the serial number is on an asset of another purchase order.
 * - `NotOnOrder`: the asset was cancelled (retired) before it was received.
 * - `UnknownLine`: the line is not on the order (or not on the shipment received from).
 * - `LineComplete`: the line (or the shipment's line) has no units left, tolerance included.
 * - `NotAnAssetLine`: a code naming one asset (a serial number, a tag) for a line whose units are
 *   not assets (consumables, services): scan the line's code once per unit, or receive it by quantity.
 * - `NotReceivable`: a software line: its licences were created when the order was submitted.
 *
 * @since 0.1.0
 * @category models
 */
export const ScanRejection = z.enum([
  "UnknownCode",
  "AmbiguousCode",
  "OtherPurchaseOrder",
  "SerialNumberTaken",
  "NotOnOrder",
  "UnknownLine",
  "LineComplete",
  "NotAnAssetLine",
  "NotReceivable"
])

/**
 * A scan rejection reason.
 *
 * @since 0.1.0
 * @category models
 */
export type ScanRejection = z.infer<typeof ScanRejection>

/**
 * The result of one scan, in the order scanned.
 *
 * @since 0.1.0
 * @category models
 */
export const ScanResult = z.object({
  code: z.string(),
  outcome: ScanOutcome,
  resolvedAs: ScanResolution.optional(),
  lineNo: z.number().int().optional(),
  /** The asset received, or received before. */
  assetId: z.string().optional(),
  reason: ScanRejection.optional(),
  message: z.string().optional()
})

/**
 * A scan result.
 *
 * @since 0.1.0
 * @category models
 */
export type ScanResult = z.infer<typeof ScanResult>

// ----- errors ----------------------------------------------------------------------------------

/**
 * Why a receipt was refused.
 *
 * - `OverReceipt`: more units than remain on the line (ordered, less cancelled and received),
 *   beyond the over-receipt tolerance.
 * - `NotReceivable`: a software line: its licences (entitlements) were created when the order was submitted.
 * - `DuplicateSerialNumber`: a serial number repeats in the receipt or is already on an asset.
 * - `UnknownLine` / `DuplicateLine`: the line number is not on the order (or the shipment or
 *   invoice received from), or appears twice.
 * - `NotAnAssetLine`: serial numbers were given for a line whose units are not inventory assets
 *   (consumables without assets, services, which never become inventory assets).
 * - `InvalidState`: the order is not submitted (draft, received or cancelled), or the invoice is cancelled.
 * - `ExceedsShipment` / `ExceedsInvoice`: more units of a line than the shipment (invoice) has
 *   left to receive.
 * - `NothingReceived`: nothing was left to receive, or no scan of a batch could be received
 *   (`scans` says why, per scan).
 *
 * @since 0.1.0
 * @category models
 */
export type ReceivingErrorReason =
  | "OverReceipt"
  | "NotReceivable"
  | "DuplicateSerialNumber"
  | "UnknownLine"
  | "DuplicateLine"
  | "NotAnAssetLine"
  | "InvalidState"
  | "ExceedsShipment"
  | "ExceedsInvoice"
  | "NothingReceived"

/**
 * A receipt was refused; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class ReceivingError extends Data.TaggedError("ReceivingError")<{
  readonly reason: ReceivingErrorReason
  readonly message: string
  readonly purchaseOrderId: string
  readonly shipmentId?: string
  readonly invoiceId?: string
  readonly lineNo?: number
  readonly serialNumbers?: ReadonlyArray<string>
  /** For `NothingReceived` after scans: what became of each scan. */
  readonly scans?: ReadonlyArray<ScanResult>
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}

// ----- the receiving engine --------------------------------------------------------------------

type ConditionValue = z.infer<typeof Condition>

/** Where received units go. */
interface Place {
  readonly locationId: string
  readonly storageSpace: string
  readonly condition: ConditionValue
}

/** What a receipt is received from, besides its order. */
interface Source {
  readonly shipment?: Shipment | undefined
  readonly invoiceId?: string | undefined
}

/** A line of a receipt as asked for. */
interface LineRequest {
  readonly lineNo: number
  readonly quantity: number
  readonly serialNumbers?: ReadonlyArray<string> | undefined
}

/** A line of a receipt, checked. */
interface Planned {
  readonly orderLine: PurchaseOrderLine
  readonly quantity: number
  readonly serialNumbers: ReadonlyArray<string>
}

const duplicates = (values: ReadonlyArray<string>): ReadonlyArray<string> => {
  const seen = new Set<string>()
  return [...new Set(values.filter((v) => seen.size === seen.add(v).size))]
}

const sourceFields = (source: Source) => ({
  ...(source.shipment !== undefined ? { shipmentId: source.shipment.id } : {}),
  ...(source.invoiceId !== undefined ? { invoiceId: source.invoiceId } : {})
})

const refusal = (order: PurchaseOrder, source: Source) =>
(
  reason: ReceivingErrorReason,
  message: string,
  extra: { readonly lineNo?: number; readonly serialNumbers?: ReadonlyArray<string>; readonly scans?: ReadonlyArray<ScanResult> } = {}
) => new ReceivingError({ reason, message, purchaseOrderId: order.id, ...sourceFields(source), ...extra })

const notReceivable = (line: PurchaseOrderLine) =>
  `Line ${line.lineNo} (${line.description}) is software: it is not received; its licences were created when the order was submitted`

const notAnAssetLine = (line: PurchaseOrderLine) =>
  line.kind === "service"
    ? `Line ${line.lineNo} (${line.description}) is a service: services never become inventory assets, so it takes no serial numbers; scan its line code once per unit, or receive it by quantity`
    : `Line ${line.lineNo} (${line.description}) creates no assets, so it takes no serial numbers; scan its line code once per unit, or receive it by quantity`

/**
 * Checks the lines of a receipt against the order (and the shipment received from): the order is
 * being received, lines exist once each, software is refused, quantities fit what remains
 * (tolerance included), serial numbers only on asset lines, unique and not yet recorded.
 */
const planLines = Effect.fn("Receiving.planLines")(function*(order: PurchaseOrder, lines: ReadonlyArray<LineRequest>, source: Source) {
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
    const orderLine = order.lines.find((l) => l.lineNo === line.lineNo)
    if (orderLine === undefined) {
      return yield* refuse("UnknownLine", `Purchase order ${order.id} has no line ${line.lineNo}`, { lineNo: line.lineNo })
    }
    if (orderLine.kind === "software") return yield* refuse("NotReceivable", notReceivable(orderLine), { lineNo: line.lineNo })
    const remaining = receivableQuantity(order, orderLine, policy)
    if (line.quantity > remaining) {
      return yield* refuse(
        "OverReceipt",
        `${describeLine(order, orderLine, policy)}, so at most ${remaining} more can be received, not ${line.quantity}`,
        { lineNo: line.lineNo }
      )
    }
    if (line.serialNumbers !== undefined && line.serialNumbers.length > 0 && !hasAssets(orderLine)) {
      return yield* refuse("NotAnAssetLine", notAnAssetLine(orderLine), { lineNo: line.lineNo })
    }
    if (source.shipment !== undefined) {
      const shipped = source.shipment.lines.find((l) => l.lineNo === line.lineNo)
      if (shipped === undefined) {
        return yield* refuse("UnknownLine", `Shipment ${source.shipment.id} carries no units of line ${line.lineNo}`, { lineNo: line.lineNo })
      }
      if (line.quantity > remainingOnShipment(shipped)) {
        return yield* refuse(
          "ExceedsShipment",
          `Shipment ${source.shipment.id} carries ${shipped.quantity} units of line ${line.lineNo}, ${shipped.receivedQuantity} already received, ` +
            `so at most ${remainingOnShipment(shipped)} more can be received through it, not ${line.quantity}`,
          { lineNo: line.lineNo }
        )
      }
    }
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
const createExtraTemplates = (order: PurchaseOrder, received: ReadonlyArray<{ readonly orderLine: PurchaseOrderLine; readonly quantity: number }>) => {
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
const writeReceipt = Effect.fn("Receiving.writeReceipt")(function*(
  order: PurchaseOrder,
  updated: PurchaseOrder,
  place: Place,
  source: Source,
  lines: ReadonlyArray<{ readonly orderLine: PurchaseOrderLine; readonly quantity: number; readonly assets: ReadonlyArray<Asset> }>
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
    lines: receiptLines
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
  const movementOf = new Map(consumables.map((l, i) => [l.orderLine.lineNo, movements[i]?.id] as const))
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
        const stockMovementId = movementOf.get(orderLine.lineNo)
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
          assets: activated.map((a) => ({
            assetId: a.id,
            ...(a.serialNumber !== undefined ? { serialNumber: a.serialNumber } : {}),
            ...(a.assetTag !== undefined ? { assetTag: a.assetTag } : {})
          })),
          ...(stockMovementId !== undefined ? { stockMovementId } : {}),
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
const serialTakenMeanwhile = (order: PurchaseOrder, source: Source) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
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
const activateAndRecord = Effect.fn("Receiving.receiveLines")(function*(order: PurchaseOrder, plan: ReadonlyArray<Planned>, place: Place, source: Source) {
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
  return yield* writeReceipt(order, updated, place, source, lines)
})

const receiveLines = (order: PurchaseOrder, plan: ReadonlyArray<Planned>, place: Place, source: Source) =>
  serialTakenMeanwhile(order, source)(activateAndRecord(order, plan, place, source))

const LineInput = z.object({
  lineNo: z.number().int().positive(),
  quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1").optional(),
  serialNumbers: z.array(Text.serialNumber).min(1).max(100_000).optional()
}).refine(
  (line) => line.quantity === undefined || line.serialNumbers === undefined || line.quantity === line.serialNumbers.length,
  { message: "quantity and the number of serial numbers differ" }
)

const quantityOf = (line: z.infer<typeof LineInput>): number | undefined => line.quantity ?? line.serialNumbers?.length

const LocationId = Text.location
const StorageSpace = Text.location

// ----- operations: receiving from an order, a shipment, an invoice -----------------------------

/**
 * Input of {@link receivePurchaseOrder}. Each line gives a quantity, or serial numbers (one
 * per unit), or both when they agree.
 *
 * @since 0.1.0
 * @category inputs
 */
export const ReceivePurchaseOrderInput = z.object({
  purchaseOrderId: Text.id,
  locationId: LocationId,
  storageSpace: StorageSpace,
  condition: Condition.default("new"),
  lines: z.array(
    LineInput.refine((line) => quantityOf(line) !== undefined, { message: "give a quantity or serial numbers" })
  ).min(1, "a receipt needs at least one line").max(1000, "a receipt has at most 1,000 lines")
})

/**
 * What callers pass to {@link receivePurchaseOrder}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type ReceivePurchaseOrderInput = z.input<typeof ReceivePurchaseOrderInput>

const receiptEvents = [
  ReceiptRecorded,
  PurchaseOrderPartiallyReceived,
  PurchaseOrderReceived,
  AssetTemplatesCreated,
  FixedAssetCapitalised,
  ReplenishmentNeeded
]

/**
 * Receives units of a submitted purchase order: template assets become in-stock assets with
 * their serial numbers, condition, location and storage space; consumables go into stock;
 * capitalisable services become fixed assets; the order becomes `partially_received` or
 * `received`. Refuses software lines, and more units than remain beyond the over-receipt
 * tolerance, naming ordered, cancelled, received and the allowance.
 *
 * @since 0.1.0
 * @category operations
 */
export const receivePurchaseOrder = Operation.make({
  id: "receiving.receivePurchaseOrder",
  summary: "Receive units of a submitted purchase order into a location and storage space.",
  kind: "command",
  permission: "receiving.receive",
  input: ReceivePurchaseOrderInput,
  output: Receipt,
  events: receiptEvents,
  handler: Effect.fn(function*(input) {
    const order = yield* loadPurchaseOrder(input.purchaseOrderId)
    const plan = yield* planLines(order, input.lines.map((l) => ({ ...l, quantity: quantityOf(l)! })), {})
    return yield* receiveLines(order, plan, input, {})
  })
})

/**
 * Input of {@link receiveShipment}: the shipment, where to (its destination unless given), and
 * optionally a subset of its lines (all it has left, otherwise).
 *
 * @since 0.1.0
 * @category inputs
 */
export const ReceiveShipmentInput = z.object({
  shipmentId: Text.id,
  locationId: LocationId.optional(),
  storageSpace: StorageSpace.optional(),
  condition: Condition.default("new"),
  lines: z.array(LineInput.refine((line) => quantityOf(line) !== undefined, { message: "give a quantity or serial numbers" })).min(1).max(1000).optional()
})

/**
 * What callers pass to {@link receiveShipment}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type ReceiveShipmentInput = z.input<typeof ReceiveShipmentInput>

/**
 * Gives each requested line of a shipment serial numbers from its advance list when none were
 * given: the listed serial numbers not yet on an asset, in the vendor's order.
 */
const withAdvanceSerials = Effect.fn("Receiving.withAdvanceSerials")(function*(
  shipment: Shipment,
  lines: ReadonlyArray<LineRequest>
) {
  const listed = (line: LineRequest) =>
    line.serialNumbers === undefined ? shipment.lines.find((l) => l.lineNo === line.lineNo)?.serialNumbers ?? [] : []
  const taken = new Set(yield* takenSerialNumbers(lines.flatMap(listed)))
  return lines.map((line): LineRequest => {
    const available = listed(line).filter((s) => !taken.has(s))
    return available.length === 0 ? line : { ...line, serialNumbers: available.slice(0, line.quantity) }
  })
})

/**
 * Receives what a shipment carries, or part of it, through its purchase order: into the
 * shipment's destination unless another location and storage space are given, with the serial
 * numbers of its advance list on asset lines (those not yet recorded) unless others are given.
 * The shipment becomes `delivered` once everything on it is received. Refuses lines it does not
 * carry and more units than it has left, besides everything {@link receivePurchaseOrder} refuses.
 *
 * @since 0.1.0
 * @category operations
 */
export const receiveShipment = Operation.make({
  id: "receiving.receiveShipment",
  summary: "Receive what a shipment carries (or part of it) into its destination, with its advance serial numbers.",
  kind: "command",
  permission: "receiving.receive",
  input: ReceiveShipmentInput,
  output: Receipt,
  events: [...receiptEvents, ShipmentDelivered],
  handler: Effect.fn(function*(input) {
    const shipment = yield* loadShipment(input.shipmentId)
    const order = yield* loadPurchaseOrder(shipment.purchaseOrderId)
    const requested: ReadonlyArray<LineRequest> = input.lines !== undefined
      ? input.lines.map((l) => ({ ...l, quantity: quantityOf(l)! }))
      : shipment.lines.filter((l) => remainingOnShipment(l) > 0).map((l) => ({ lineNo: l.lineNo, quantity: remainingOnShipment(l) }))
    if (requested.length === 0) {
      return yield* refusal(order, { shipment })("NothingReceived", `Everything shipment ${shipment.id} carries has been received`)
    }
    const plan = yield* planLines(order, yield* withAdvanceSerials(shipment, requested), { shipment })
    return yield* receiveLines(order, plan, {
      locationId: input.locationId ?? shipment.destinationLocationId,
      storageSpace: input.storageSpace ?? shipment.destinationStorageSpace,
      condition: input.condition
    }, { shipment })
  })
})

/**
 * Input of {@link receiveInvoice}: the invoice, where to, and optionally a subset of its lines
 * (all it has left to receive, otherwise).
 *
 * @since 0.1.0
 * @category inputs
 */
export const ReceiveInvoiceInput = z.object({
  invoiceId: Text.id,
  locationId: LocationId,
  storageSpace: StorageSpace,
  condition: Condition.default("new"),
  lines: z.array(LineInput.refine((line) => quantityOf(line) !== undefined, { message: "give a quantity or serial numbers" })).min(1).max(1000).optional()
})

/**
 * What callers pass to {@link receiveInvoice}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type ReceiveInvoiceInput = z.input<typeof ReceiveInvoiceInput>

/**
 * Receives the goods an invoice bills, through its purchase order: each invoice line's quantity,
 * less what earlier receipts from the same invoice took, or the lines given. Refuses a cancelled
 * invoice, lines it does not bill and more units than it has left, besides everything
 * {@link receivePurchaseOrder} refuses.
 *
 * @since 0.1.0
 * @category operations
 */
export const receiveInvoice = Operation.make({
  id: "receiving.receiveInvoice",
  summary: "Receive the goods an invoice bills (or part of them) through its purchase order.",
  kind: "command",
  permission: "receiving.receive",
  input: ReceiveInvoiceInput,
  output: Receipt,
  events: receiptEvents,
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const invoice = yield* loadInvoice(input.invoiceId)
    const order = yield* loadPurchaseOrder(invoice.purchaseOrderId)
    const source = { invoiceId: invoice.id }
    const refuse = refusal(order, source)
    if (invoice.status === "cancelled") {
      return yield* refuse("InvalidState", `Invoice ${invoice.number} (${invoice.id}) is cancelled; its goods are not received through it`)
    }
    const earlier = yield* Stream.runCollect(storage.stream(receipts, { where: { invoiceId: invoice.id }, limit: 1000 }))
    const left = new Map(invoice.lines.map((l) => [l.lineNo, l.quantity]))
    for (const line of earlier.flatMap((r) => r.lines)) left.set(line.lineNo, (left.get(line.lineNo) ?? 0) - line.quantity)
    const requested: Array<LineRequest> = []
    if (input.lines === undefined) {
      for (const [lineNo, quantity] of left) {
        const orderLine = order.lines.find((l) => l.lineNo === lineNo)
        // Software on an invoice is billed, never received.
        if (quantity > 0 && orderLine?.kind !== "software") requested.push({ lineNo, quantity })
      }
      if (requested.length === 0) {
        return yield* refuse("NothingReceived", `Everything invoice ${invoice.number} (${invoice.id}) bills has been received through it`)
      }
    } else {
      for (const line of input.lines) {
        const quantity = quantityOf(line)!
        const remaining = left.get(line.lineNo)
        if (remaining === undefined) {
          return yield* refuse("UnknownLine", `Invoice ${invoice.number} (${invoice.id}) bills no units of line ${line.lineNo}`, { lineNo: line.lineNo })
        }
        if (quantity > remaining) {
          return yield* refuse(
            "ExceedsInvoice",
            `Invoice ${invoice.number} (${invoice.id}) bills ${invoice.lines.find((l) => l.lineNo === line.lineNo)!.quantity} units of line ${line.lineNo}, ` +
              `${invoice.lines.find((l) => l.lineNo === line.lineNo)!.quantity - remaining} already received through it, so at most ` +
              `${Math.max(0, remaining)} more can be received through it, not ${quantity}`,
            { lineNo: line.lineNo }
          )
        }
        requested.push({ ...line, quantity })
      }
    }
    const plan = yield* planLines(order, requested, source)
    return yield* receiveLines(order, plan, input, source)
  })
})

// ----- operations: receiving by scan ------------------------------------------------------------

/**
 * One scanned code; `lineNo` tells which line a new serial number is for (needed only when
 * several asset lines could take it).
 *
 * @since 0.1.0
 * @category inputs
 */
export const Scan = z.object({
  code: Text.scanCode,
  lineNo: z.number().int().positive().optional()
})

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
  scans: z.array(Scan).min(1, "scan at least one code").max(1000, "scan at most 1,000 codes per batch")
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

/** A unit a scan receives: a line, the template asset named by the scan (if any), a serial number (if any). */
interface Unit {
  readonly scan: number
  readonly orderLine: PurchaseOrderLine
  readonly template?: Asset | undefined
  readonly serialNumber?: string | undefined
}

/**
 * Resolves scans in order (see {@link ScanResolution}), without writing: each either takes one
 * unit of a line that has room (counting the units taken by earlier scans of the batch), names a
 * unit received before (or earlier in the batch), or is rejected with a reason.
 */
const resolveScans = (
  order: PurchaseOrder,
  shipment: Shipment | undefined,
  scans: ReadonlyArray<z.infer<typeof Scan>>,
  found: { readonly byId: ReadonlyMap<string, Asset>; readonly byTag: ReadonlyMap<string, Asset>; readonly bySerial: ReadonlyMap<string, Asset> },
  policy: Tolerances.TolerancePolicy
) => {
  const results: Array<ScanResult & { readonly sameAs?: number }> = []
  const units: Array<Unit> = []
  const taken = new Map<number, number>()
  const claimed = new Set<string>()
  const firstScan = new Map<string, number>()
  const advance = new Map<string, number>()
  for (const line of shipment?.lines ?? []) for (const serial of line.serialNumbers ?? []) advance.set(serial, line.lineNo)
  const shipped = (lineNo: number): ShipmentLine | undefined => shipment?.lines.find((l) => l.lineNo === lineNo)
  const room = (line: PurchaseOrderLine): number => {
    const used = taken.get(line.lineNo) ?? 0
    const onOrder = (isReceiving(order) ? receivableQuantity(order, line, policy) : 0) - used
    if (shipment === undefined) return onOrder
    const onShipment = shipped(line.lineNo)
    return Math.min(onOrder, onShipment === undefined ? 0 : remainingOnShipment(onShipment) - used)
  }
  const reject = (code: string, reason: ScanRejection, message: string, lineNo?: number): ScanResult => ({
    code,
    outcome: "rejected",
    reason,
    message,
    ...(lineNo !== undefined ? { lineNo } : {})
  })

  const unit = (index: number, code: string, lineNo: number, resolvedAs: z.infer<typeof ScanResolution>, what: Omit<Unit, "scan" | "orderLine">): ScanResult => {
    const orderLine = order.lines.find((l) => l.lineNo === lineNo)
    if (orderLine === undefined) return reject(code, "UnknownLine", `Purchase order ${order.id} has no line ${lineNo}`, lineNo)
    if (shipment !== undefined && shipped(lineNo) === undefined) {
      return reject(code, "UnknownLine", `Shipment ${shipment.id} carries no units of line ${lineNo}`, lineNo)
    }
    if (orderLine.kind === "software") return reject(code, "NotReceivable", notReceivable(orderLine), lineNo)
    // A line code counts one unit of any line; other codes name an asset, so only asset lines take them.
    if (!hasAssets(orderLine) && resolvedAs !== "line_code") return reject(code, "NotAnAssetLine", notAnAssetLine(orderLine), lineNo)
    if (room(orderLine) <= 0) {
      const onShipment = shipped(lineNo)
      return reject(
        code,
        "LineComplete",
        `${describeLine(order, orderLine, policy)}${taken.has(lineNo) ? `, ${taken.get(lineNo)} in this batch` : ""}` +
          `${onShipment !== undefined ? `; shipment ${shipment!.id} carries ${onShipment.quantity}, ${onShipment.receivedQuantity} received through it` : ""}` +
          `: nothing more can be received`,
        lineNo
      )
    }
    taken.set(lineNo, (taken.get(lineNo) ?? 0) + 1)
    if (what.template !== undefined) claimed.add(what.template.id)
    units.push({ scan: index, orderLine, ...what })
    return { code, outcome: "received", resolvedAs, lineNo }
  }

  const fromAsset = (index: number, code: string, asset: Asset, resolvedAs: z.infer<typeof ScanResolution>): ScanResult => {
    if (asset.purchaseOrderId !== order.id) {
      return resolvedAs === "asset_id" || resolvedAs === "asset_tag"
        ? reject(code, "OtherPurchaseOrder", `${code} is asset ${asset.id} of purchase order ${asset.purchaseOrderId}, not of ${order.id}`)
        : reject(code, "SerialNumberTaken", `Serial number ${code} is recorded on asset ${asset.id} of purchase order ${asset.purchaseOrderId}`)
    }
    if (asset.status === "on_order" && !claimed.has(asset.id)) {
      return unit(index, code, asset.purchaseOrderLineNo, resolvedAs, { template: asset })
    }
    if (asset.status !== "on_order" && asset.receivedAt === undefined) {
      return reject(code, "NotOnOrder", `${code} is asset ${asset.id}, which was ${asset.status} before it was received`, asset.purchaseOrderLineNo)
    }
    return { code, outcome: "already_received", resolvedAs, lineNo: asset.purchaseOrderLineNo, assetId: asset.id }
  }

  /** The one asset line (of the shipment, if any) with room for a new serial number. */
  const onlyLine = (code: string): number | ScanResult => {
    const lineNos = shipment !== undefined ? shipment.lines.map((l) => l.lineNo) : order.lines.map((l) => l.lineNo)
    const candidates = order.lines.filter((l) => lineNos.includes(l.lineNo) && hasAssets(l) && room(l) > 0)
    if (candidates.length === 1) return candidates[0]!.lineNo
    if (candidates.length === 0) {
      return reject(
        code,
        "UnknownCode",
        `${code} is not an asset id, asset tag${shipment !== undefined ? ", advance serial number" : ""} or line code of purchase order ${order.id}, ` +
          `and no asset line has units left to take it as a new serial number`
      )
    }
    return reject(
      code,
      "AmbiguousCode",
      `${code} is a new serial number and lines ${candidates.map((l) => l.lineNo).join(", ")} could take it: scan it with its lineNo`
    )
  }

  const resolveOne = (scan: z.infer<typeof Scan>, index: number): ScanResult & { readonly sameAs?: number } => {
    const code = scan.code
    const lineCodeOf = parseLineCode(code)
    // A line code receives one unit per scan; any other code names one unit, so a repeat is that unit again.
    if (lineCodeOf === undefined) {
      const earlier = firstScan.get(code)
      if (earlier !== undefined) {
        const { sameAs: _, ...prior } = results[earlier]!
        return prior.outcome === "rejected" ? prior : { ...prior, outcome: "already_received", sameAs: earlier }
      }
      firstScan.set(code, index)
    }
    const asset = found.byId.get(code)
    if (asset !== undefined) return fromAsset(index, code, asset, "asset_id")
    const tagged = found.byTag.get(code)
    if (tagged !== undefined) return fromAsset(index, code, tagged, "asset_tag")
    const recorded = found.bySerial.get(code)
    const advanceLine = advance.get(code)
    if (advanceLine !== undefined) {
      return recorded !== undefined
        ? fromAsset(index, code, recorded, "advance_serial")
        : unit(index, code, advanceLine, "advance_serial", { serialNumber: code })
    }
    if (lineCodeOf !== undefined) {
      return lineCodeOf.purchaseOrderId === order.id
        ? unit(index, code, lineCodeOf.lineNo, "line_code", {})
        : reject(code, "OtherPurchaseOrder", `${code} is the code of line ${lineCodeOf.lineNo} of purchase order ${lineCodeOf.purchaseOrderId}, not of ${order.id}`)
    }
    if (recorded !== undefined) return fromAsset(index, code, recorded, "serial_number")
    const lineNo = scan.lineNo ?? onlyLine(code)
    return typeof lineNo === "number" ? unit(index, code, lineNo, "serial_number", { serialNumber: code }) : lineNo
  }

  scans.forEach((scan, index) => results.push(resolveOne(scan, index)))
  return { results, units }
}

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
 * and writes nothing. Concurrent batches of one order take turns through the order's version,
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
  retryOnUnique: ["serialNumber"],
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
    const receipt = yield* writeReceipt(order, updated, place, source, inLineOrder.map((e) => ({
      orderLine: e.orderLine,
      quantity: e.units.length,
      assets: e.units.flatMap((u) => activatedOf.get(u.scan) ?? [])
    })))
    const withAssets = results.map(({ sameAs, ...result }, index) => {
      const assetId = result.outcome === "received" ? assetOf.get(index) : sameAs !== undefined ? assetOf.get(sameAs) ?? result.assetId : result.assetId
      return assetId !== undefined ? { ...result, assetId } : result
    })
    return { receipt, scans: withAssets }
  })
})

// ----- operations: backorders and receipts -----------------------------------------------------

/**
 * Where a purchase order line stands: units ordered, cancelled, received, returned to the vendor
 * for credit, still backordered (ordered less cancelled and received; never for software, whose
 * licences exist from submission), and on shipments in transit.
 *
 * @since 0.1.0
 * @category models
 */
export const BackorderLine = z.object({
  purchaseOrderId: z.string(),
  vendorId: z.string(),
  status: PurchaseOrderStatus,
  lineNo: z.number().int(),
  catalogItemId: z.string(),
  description: z.string(),
  kind: ItemKind,
  ordered: z.number().int(),
  cancelled: z.number().int(),
  received: z.number().int(),
  returned: z.number().int(),
  backordered: z.number().int(),
  inTransit: z.number().int()
})

/**
 * A backorder line.
 *
 * @since 0.1.0
 * @category models
 */
export type BackorderLine = z.infer<typeof BackorderLine>

/**
 * The receiving status of purchase orders line by line. With a `purchaseOrderId`: every line of
 * that order. Without: the open backorders across orders still being received (lines with units
 * backordered), optionally of one vendor, oldest order first, `limit` orders per page.
 *
 * @since 0.1.0
 * @category operations
 */
export const backorders = Operation.make({
  id: "receiving.backorders",
  summary: "Ordered, cancelled, received, returned, backordered and in-transit units per line: of one order, or open backorders across orders.",
  kind: "query",
  permission: "receiving.read",
  input: z.object({
    purchaseOrderId: Text.id.optional(),
    vendorId: Text.id.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: Text.cursor.optional()
  }),
  output: z.object({ items: z.array(BackorderLine), cursor: z.string().optional() }),
  events: [],
  handler: Effect.fn(function*({ purchaseOrderId, vendorId, limit, cursor }) {
    const storage = yield* Storage.Storage
    const page = purchaseOrderId !== undefined
      ? { items: [yield* loadPurchaseOrder(purchaseOrderId)], cursor: undefined }
      : yield* storage.find(purchaseOrders, {
        where: { status: { in: ["submitted", "partially_received"] }, ...(vendorId !== undefined ? { vendorId } : {}) },
        orderBy: [{ field: "createdAt" }],
        ...(limit !== undefined ? { limit } : {}),
        ...(cursor !== undefined ? { cursor } : {})
      })
    const orderIds = page.items.map((o) => o.id)
    const inTransit = unitsInTransit(
      orderIds.length === 0 ? [] : yield* Stream.runCollect(storage.stream(shipments, {
        where: { purchaseOrderId: { in: orderIds }, status: "in_transit" },
        limit: 1000
      }))
    )
    const items = page.items.flatMap((order) =>
      order.lines
        .filter((line) => purchaseOrderId !== undefined || outstandingQuantity(line) > 0)
        .map((line): BackorderLine => ({
          purchaseOrderId: order.id,
          vendorId: order.vendorId,
          status: order.status,
          lineNo: line.lineNo,
          catalogItemId: line.catalogItemId,
          description: line.description,
          kind: line.kind,
          ordered: line.quantity,
          cancelled: line.cancelledQuantity,
          received: line.receivedQuantity,
          returned: line.returnedQuantity,
          backordered: outstandingQuantity(line),
          inTransit: inTransit.get(`${order.id}#${line.lineNo}`) ?? 0
        }))
    )
    return { items, ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) }
  })
})

/**
 * Reads one receipt (receiving slip).
 *
 * @since 0.1.0
 * @category operations
 */
export const getReceipt = Operation.make({
  id: "receiving.getReceipt",
  summary: "Read one receipt (receiving slip) by id.",
  kind: "query",
  permission: "receiving.read",
  input: Paging.GetInput,
  output: Receipt,
  events: [],
  handler: ({ id }) => Paging.get(receipts, "Receipt", id)
})

/**
 * Lists receipts, oldest first: of a purchase order (which must exist), of a shipment or of an
 * invoice, or all of them.
 *
 * @since 0.1.0
 * @category operations
 */
export const listReceipts = Operation.make({
  id: "receiving.listReceipts",
  summary: "List receipts, oldest first, optionally of one purchase order, shipment or invoice.",
  kind: "query",
  permission: "receiving.read",
  input: Paging.PageInput.extend({
    purchaseOrderId: Text.id.optional(),
    shipmentId: Text.id.optional(),
    invoiceId: Text.id.optional()
  }),
  output: Paging.Page(Receipt),
  events: [],
  handler: Effect.fn(function*({ purchaseOrderId, shipmentId, invoiceId, limit, cursor }) {
    if (purchaseOrderId !== undefined) yield* loadPurchaseOrder(purchaseOrderId)
    return yield* Paging.find(receipts, {
      where: { purchaseOrderId, shipmentId, invoiceId },
      orderBy: [{ field: "receivedAt" }],
      limit,
      cursor
    })
  })
})

/**
 * The receiving module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = { receivePurchaseOrder, receiveShipment, receiveInvoice, receiveScans, backorders, getReceipt, listReceipts }

/**
 * The methods of the receiving service: one per operation of {@link operations}, taking its input
 * and giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface ReceivingService extends Operation.Methods<typeof operations> {}

/**
 * The receiving service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Receiving extends Context.Service<Receiving, ReceivingService>()("@procura/core/Receiving") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Receiving, operations)
}

/**
 * The collections the receiving module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [receipts] as const
