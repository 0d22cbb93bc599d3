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
import { Context, Effect, Stream } from "effect"
import { z } from "zod"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { Condition } from "../assets/AssetsModel.js"
import { takenSerialNumbers } from "../assets/internal/templates.js"
import { ItemKind } from "../catalog/CatalogModel.js"
import { loadInvoice } from "../invoicing/internal/invoices.js"
import { loadPurchaseOrder } from "../purchasing/internal/orders.js"
import { outstandingQuantity } from "../purchasing/internal/quantities.js"
import { purchaseOrders, PurchaseOrderStatus } from "../purchasing/PurchasingModel.js"
import { loadShipment } from "../shipping/internal/shipments.js"
import { type Shipment, shipments } from "../shipping/ShippingModel.js"
import { ShipmentDelivered } from "../shipping/ShippingEvents.js"
import { remainingOnShipment, unitsInTransit } from "./Receivability.js"
import { Receipt, receipts } from "./ReceivingModel.js"
import { LineInput, type LineRequest, LocationId, StorageSpace, planLines, quantityOf, receiptEvents, receiptOfBatch, receiveLines, refusal } from "./ReceiptEngine.js"
import { receiveScans } from "./ScanReceiving.js"

export * from "./ReceivingModel.js"
export * from "./ReceivingErrors.js"
export * from "./ScanReceiving.js"

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
  ).min(1, "a receipt needs at least one line").max(1000, "a receipt has at most 1,000 lines"),
  batchId: Text.id.optional().describe(
    "a key the caller makes up per receipt (a UUID, an external receipt's id): the same receipt sent again receives nothing twice and gets the first answer"
  )
})

/**
 * What callers pass to {@link receivePurchaseOrder}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type ReceivePurchaseOrderInput = z.input<typeof ReceivePurchaseOrderInput>

/**
 * Receives units of a submitted purchase order: template assets become in-stock assets with
 * their serial numbers, condition, location and storage space; consumables go into stock;
 * capitalisable services become fixed assets; the order becomes `partially_received` or
 * `received`. Refuses software lines, and more units than remain beyond the over-receipt
 * tolerance, naming ordered, cancelled, received and the allowance.
 *
 * A caller that may send a receipt twice (a retry after a lost answer, a connector pulling an
 * external receipt again) gives it a `batchId`: the same key again answers the receipt it made and
 * receives nothing (a key used for another order is refused with `BatchReused`).
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
  retryOnUnique: ["batchId"],
  handler: Effect.fn(function*(input) {
    const order = yield* loadPurchaseOrder(input.purchaseOrderId)
    if (input.batchId !== undefined) {
      const answered = yield* receiptOfBatch(input.batchId)
      if (answered !== undefined) {
        if (answered.purchaseOrderId === order.id && answered.shipmentId === undefined && answered.invoiceId === undefined) return answered
        return yield* refusal(order, {})("BatchReused", `Receipt ${input.batchId} was received against another purchase order; make up a new batch id per receipt`)
      }
    }
    const plan = yield* planLines(order, input.lines.map((l) => ({ ...l, quantity: quantityOf(l)! })), {})
    return yield* receiveLines(order, plan, input, {}, input.batchId === undefined ? {} : { batchId: input.batchId })
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
