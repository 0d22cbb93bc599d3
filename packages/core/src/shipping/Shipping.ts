/**
 * Shipments: what a vendor says it sent against a purchase order (an advance shipping notice).
 * A shipment names the carrier and tracking number, the ship date, where it goes (a location and
 * storage space), and per order line the units it carries, optionally with their serial numbers
 * (the ASN serials). An order may arrive in several shipments; a shipment may belong to an
 * invoice. A shipment is `in_transit` until everything it carries was received through it
 * (`receiving.receiveShipment`, or scans in its context), or until it is marked delivered.
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
import { takenSerialNumbers } from "../assets/internal/templates.js"
import { loadInvoice } from "../invoicing/Invoicing.js"
import {
  backorderedQuantity,
  hasAssets,
  loadPurchaseOrder,
  openQuantity,
  claimOrder,
  type PurchaseOrder,
  type PurchaseOrderLine
} from "../purchasing/Purchasing.js"
import * as Tolerances from "../purchasing/Tolerances.js"
import { ShipmentCreated, ShipmentDelivered } from "./ShippingEvents.js"

// ----- model -----------------------------------------------------------------------------------

/**
 * A shipment's state: `in_transit` until delivered.
 *
 * @since 0.1.0
 * @category models
 */
export const ShipmentStatus = z.enum(["in_transit", "delivered"])

/**
 * A shipment's state.
 *
 * @since 0.1.0
 * @category models
 */
export type ShipmentStatus = z.infer<typeof ShipmentStatus>

/**
 * A line of a shipment: the units of one order line it carries, the vendor's serial numbers for
 * them (at most one per unit), and what was received through the shipment so far.
 *
 * @since 0.1.0
 * @category models
 */
export const ShipmentLine = z.object({
  lineNo: z.number().int().positive(),
  quantity: z.number().int().positive(),
  serialNumbers: z.array(z.string()),
  receivedQuantity: z.number().int().nonnegative()
})

/**
 * A shipment line.
 *
 * @since 0.1.0
 * @category models
 */
export type ShipmentLine = z.infer<typeof ShipmentLine>

/**
 * A shipment.
 *
 * @since 0.1.0
 * @category models
 */
export const Shipment = z.object({
  id: z.string(),
  version: z.number().int(),
  purchaseOrderId: z.string(),
  invoiceId: z.string().optional(),
  carrier: z.string(),
  trackingNumber: z.string(),
  /** The day the vendor shipped (`YYYY-MM-DD`). */
  shipDate: z.string(),
  destinationLocationId: z.string(),
  destinationStorageSpace: z.string(),
  status: ShipmentStatus,
  lines: z.array(ShipmentLine),
  createdBy: z.string(),
  createdAt: z.string(),
  deliveredAt: z.string().optional(),
  updatedAt: z.string()
})

/**
 * A shipment.
 *
 * @since 0.1.0
 * @category models
 */
export type Shipment = z.infer<typeof Shipment>

/**
 * Where shipments are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const shipments = Storage.collection({
  name: "shipments",
  schema: Shipment,
  fields: { purchaseOrderId: "string", invoiceId: "string", status: "string", trackingNumber: "string", createdAt: "timestamp" },
  indexes: [["purchaseOrderId", "status"], ["status", "createdAt"], ["invoiceId"], ["trackingNumber"]]
})

// ----- errors ----------------------------------------------------------------------------------

/**
 * Why a shipment was refused.
 *
 * - `InvalidState`: the order is not open for receiving (a draft, received or cancelled), or the
 *   shipment is already delivered.
 * - `UnknownLine` / `DuplicateLine`: a line number is not on the order, or repeats.
 * - `OverShipment`: a line carries more units than the order still expects on it (tolerance
 *   included), less what other in-transit shipments carry.
 * - `NotReceivable`: a software line: nothing is shipped, its licences exist from submission.
 * - `TooManySerialNumbers`: a line lists more serial numbers than units.
 * - `DuplicateSerialNumber`: a serial number repeats in the shipment or is already on an asset.
 * - `NotAnAssetLine`: serial numbers were given for a line that creates no assets.
 * - `InvoiceMismatch`: the invoice belongs to another purchase order.
 *
 * @since 0.1.0
 * @category models
 */
export type ShippingErrorReason =
  | "InvalidState"
  | "UnknownLine"
  | "DuplicateLine"
  | "OverShipment"
  | "NotReceivable"
  | "TooManySerialNumbers"
  | "DuplicateSerialNumber"
  | "NotAnAssetLine"
  | "InvoiceMismatch"

/**
 * A shipment was refused; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class ShippingError extends Data.TaggedError("ShippingError")<{
  readonly reason: ShippingErrorReason
  readonly message: string
  readonly purchaseOrderId: string
  readonly shipmentId?: string
  readonly lineNo?: number
  readonly serialNumbers?: ReadonlyArray<string>
}> {}

// ----- module api ------------------------------------------------------------------------------

/**
 * Loads a shipment of the caller's tenant or fails with `NotFound`.
 *
 * @since 0.1.0
 * @category module api
 */
export const loadShipment = (id: string) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(shipments, id, "Shipment"))

/**
 * Whether an order takes receipts (and shipments): submitted and not yet fully received.
 *
 * @since 0.1.0
 * @category module api
 */
export const isReceiving = (order: PurchaseOrder): boolean => order.status === "submitted" || order.status === "partially_received"

/**
 * The over-receipt allowance of a line: units beyond its open quantity the tolerance policy lets
 * through (zero by default).
 *
 * @since 0.1.0
 * @category module api
 */
export const allowanceOf = (order: PurchaseOrder, line: PurchaseOrderLine, policy: Tolerances.TolerancePolicy): number =>
  Tolerances.quantityAllowance(Tolerances.forLine(policy, { kind: line.kind, vendorId: order.vendorId }), openQuantity(line))

/**
 * The units of a line that can still be received: its backorder plus what the over-receipt
 * allowance leaves after units already received beyond the open quantity; never negative.
 *
 * @since 0.1.0
 * @category module api
 */
export const receivableQuantity = (order: PurchaseOrder, line: PurchaseOrderLine, policy: Tolerances.TolerancePolicy): number =>
  Math.max(0, backorderedQuantity(line) + allowanceOf(order, line, policy) - Math.max(0, line.receivedQuantity - openQuantity(line)))

/**
 * A line's quantities for a refusal message: `Line 2 (Laptop): ordered 5, cancelled 1, already
 * received 3, over-receipt tolerance 1`.
 *
 * @since 0.1.0
 * @category module api
 */
export const describeLine = (order: PurchaseOrder, line: PurchaseOrderLine, policy: Tolerances.TolerancePolicy): string => {
  const allowance = allowanceOf(order, line, policy)
  return `Line ${line.lineNo} (${line.description}): ordered ${line.quantity}` +
    `${line.cancelledQuantity > 0 ? `, cancelled ${line.cancelledQuantity}` : ""}, already received ${line.receivedQuantity}` +
    `${allowance > 0 ? `, over-receipt tolerance ${allowance}` : ""}`
}

/**
 * Units of a shipment line not yet received through the shipment.
 *
 * @since 0.1.0
 * @category module api
 */
export const remainingOnShipment = (line: ShipmentLine): number => Math.max(0, line.quantity - line.receivedQuantity)

/**
 * Units still in transit per order line (`<purchaseOrderId>#<lineNo>`), over the given
 * shipments: what in-transit shipments carry and has not been received through them.
 *
 * @since 0.1.0
 * @category module api
 */
export const unitsInTransit = (all: Iterable<Shipment>): ReadonlyMap<string, number> => {
  const units = new Map<string, number>()
  for (const shipment of all) {
    if (shipment.status !== "in_transit") continue
    for (const line of shipment.lines) {
      const key = `${shipment.purchaseOrderId}#${line.lineNo}`
      units.set(key, (units.get(key) ?? 0) + remainingOnShipment(line))
    }
  }
  return units
}

const deliveredEvent = (shipment: Shipment) =>
  ShipmentDelivered.make({
    shipmentId: shipment.id,
    purchaseOrderId: shipment.purchaseOrderId,
    ...(shipment.invoiceId !== undefined ? { invoiceId: shipment.invoiceId } : {}),
    carrier: shipment.carrier,
    trackingNumber: shipment.trackingNumber,
    status: "delivered",
    deliveredAt: shipment.deliveredAt!,
    lines: shipment.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity, receivedQuantity: l.receivedQuantity }))
  })

/**
 * Records units received through a shipment (line number -> quantity); the
 * shipment becomes `delivered` (with a `shipment.delivered` event) once every line is complete.
 * Callers have checked the quantities.
 *
 * @since 0.1.0
 * @category module api
 */
export const recordShipmentReceived = Effect.fn("Shipping.recordShipmentReceived")(function*(
  shipment: Shipment,
  received: ReadonlyMap<number, number>
) {
  const storage = yield* Storage.Storage
  const now = yield* Events.now
  const lines = shipment.lines.map((line) => ({ ...line, receivedQuantity: line.receivedQuantity + (received.get(line.lineNo) ?? 0) }))
  // A shipment marked delivered by hand stays delivered (and announced once) as its units are received.
  const complete = shipment.status === "in_transit" && lines.every((line) => remainingOnShipment(line) === 0)
  const updated = yield* storage.updateOne(shipments, {
    ...shipment,
    lines,
    ...(complete ? { status: "delivered" as const, deliveredAt: now } : {}),
    updatedAt: now
  })
  if (complete) yield* Events.append(deliveredEvent(updated))
  return updated
})

const duplicates = (values: ReadonlyArray<string>): ReadonlyArray<string> => {
  const seen = new Set<string>()
  return [...new Set(values.filter((v) => seen.size === seen.add(v).size))]
}

// ----- operations ------------------------------------------------------------------------------

/**
 * Input of {@link createShipment}.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CreateShipmentInput = z.object({
  purchaseOrderId: Text.id,
  invoiceId: Text.id.optional(),
  carrier: Text.name,
  trackingNumber: Text.reference,
  shipDate: z.iso.date("shipDate must be a date (YYYY-MM-DD)"),
  destinationLocationId: Text.location,
  destinationStorageSpace: Text.location,
  lines: z.array(z.object({
    lineNo: z.number().int().positive(),
    quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1"),
    serialNumbers: z.array(Text.serialNumber).max(100_000).optional()
  })).min(1, "a shipment needs at least one line").max(1000, "a shipment has at most 1,000 lines")
})

/**
 * What callers pass to {@link createShipment}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type CreateShipmentInput = z.input<typeof CreateShipmentInput>

/**
 * Records a shipment (advance shipping notice) of a submitted purchase order: each line carries
 * at most what the order still expects on it, and at most one serial number per unit, none
 * already on an asset.
 *
 * @since 0.1.0
 * @category operations
 */
export const createShipment = Operation.make({
  id: "shipping.createShipment",
  summary: "Record a shipment of a purchase order: carrier, tracking number, destination, lines and serial numbers.",
  kind: "command",
  permission: "shipment.manage",
  input: CreateShipmentInput,
  output: Shipment,
  events: [ShipmentCreated],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const order = yield* loadPurchaseOrder(input.purchaseOrderId)
    const policy = yield* Tolerances.Tolerances
    const refuse = (reason: ShippingErrorReason, message: string, extra: { lineNo?: number; serialNumbers?: ReadonlyArray<string> } = {}) =>
      new ShippingError({ reason, message, purchaseOrderId: order.id, ...extra })

    if (!isReceiving(order)) {
      return yield* refuse("InvalidState", `Purchase order ${order.id} is ${order.status}; only a submitted order can be shipped`)
    }
    if (input.invoiceId !== undefined) {
      const invoice = yield* loadInvoice(input.invoiceId)
      if (invoice.purchaseOrderId !== order.id) {
        return yield* refuse(
          "InvoiceMismatch",
          `Invoice ${invoice.number} (${invoice.id}) belongs to purchase order ${invoice.purchaseOrderId}, not ${order.id}`
        )
      }
    }
    const repeatedLines = duplicates(input.lines.map((l) => String(l.lineNo)))
    if (repeatedLines.length > 0) {
      return yield* refuse("DuplicateLine", `Line ${repeatedLines.join(", ")} appears more than once in the shipment`, {
        lineNo: Number(repeatedLines[0])
      })
    }
    const inTransit = unitsInTransit(
      yield* Stream.runCollect(storage.stream(shipments, { where: { purchaseOrderId: order.id, status: "in_transit" }, limit: 1000 }))
    )
    for (const line of input.lines) {
      const orderLine = order.lines.find((l) => l.lineNo === line.lineNo)
      if (orderLine === undefined) {
        return yield* refuse("UnknownLine", `Purchase order ${order.id} has no line ${line.lineNo}`, { lineNo: line.lineNo })
      }
      if (orderLine.kind === "software") {
        return yield* refuse(
          "NotReceivable",
          `Line ${line.lineNo} (${orderLine.description}) is software: it is not shipped; its licences are created when the order is submitted`,
          { lineNo: line.lineNo }
        )
      }
      const shipped = inTransit.get(`${order.id}#${line.lineNo}`) ?? 0
      const open = receivableQuantity(order, orderLine, policy) - shipped
      if (line.quantity > open) {
        return yield* refuse(
          "OverShipment",
          `${describeLine(order, orderLine, policy)}${shipped > 0 ? `, ${shipped} in transit on other shipments` : ""}, ` +
            `so a shipment can carry at most ${Math.max(0, open)}, not ${line.quantity}`,
          { lineNo: line.lineNo }
        )
      }
      const serials = line.serialNumbers ?? []
      if (serials.length > 0 && !hasAssets(orderLine)) {
        return yield* refuse("NotAnAssetLine", `Line ${line.lineNo} (${orderLine.description}) creates no assets, so it takes no serial numbers`, {
          lineNo: line.lineNo
        })
      }
      if (serials.length > line.quantity) {
        return yield* refuse(
          "TooManySerialNumbers",
          `Line ${line.lineNo} carries ${line.quantity} units but lists ${serials.length} serial numbers`,
          { lineNo: line.lineNo }
        )
      }
    }
    const serials = input.lines.flatMap((l) => l.serialNumbers ?? [])
    const repeated = duplicates(serials)
    if (repeated.length > 0) {
      return yield* refuse("DuplicateSerialNumber", `Serial number ${repeated.slice(0, 10).join(", ")} appears more than once in the shipment`, {
        serialNumbers: repeated
      })
    }
    const taken = yield* takenSerialNumbers(serials)
    if (taken.length > 0) {
      return yield* refuse("DuplicateSerialNumber", `Serial number ${taken.slice(0, 10).join(", ")} is already recorded on an asset`, {
        serialNumbers: taken
      })
    }
    // Concurrent shipments of one order take turns, so two never both claim the last open units.
    yield* claimOrder(order)
    const now = yield* Events.now
    const shipment = yield* storage.insertOne(shipments, {
      id: yield* Ids.next,
      purchaseOrderId: order.id,
      ...(input.invoiceId !== undefined ? { invoiceId: input.invoiceId } : {}),
      carrier: input.carrier,
      trackingNumber: input.trackingNumber,
      shipDate: input.shipDate,
      destinationLocationId: input.destinationLocationId,
      destinationStorageSpace: input.destinationStorageSpace,
      status: "in_transit",
      lines: input.lines.map((line) => ({
        lineNo: line.lineNo,
        quantity: line.quantity,
        serialNumbers: line.serialNumbers ?? [],
        receivedQuantity: 0
      })),
      createdBy: principal.userId,
      createdAt: now,
      updatedAt: now
    })
    yield* Events.append(ShipmentCreated.make({
      shipmentId: shipment.id,
      purchaseOrderId: order.id,
      ...(shipment.invoiceId !== undefined ? { invoiceId: shipment.invoiceId } : {}),
      carrier: shipment.carrier,
      trackingNumber: shipment.trackingNumber,
      shipDate: shipment.shipDate,
      destinationLocationId: shipment.destinationLocationId,
      destinationStorageSpace: shipment.destinationStorageSpace,
      status: "in_transit",
      lines: shipment.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity, serialNumbers: l.serialNumbers }))
    }))
    return shipment
  })
})

/**
 * Gets a shipment by id.
 *
 * @since 0.1.0
 * @category operations
 */
export const getShipment = Operation.make({
  id: "shipping.getShipment",
  summary: "Get a shipment by id.",
  kind: "query",
  permission: "shipment.read",
  input: Paging.GetInput,
  output: Shipment,
  events: [],
  handler: ({ id }) => loadShipment(id)
})

/**
 * Lists shipments, newest first, by purchase order and/or status.
 *
 * @since 0.1.0
 * @category operations
 */
export const listShipments = Operation.make({
  id: "shipping.listShipments",
  summary: "List shipments, newest first, optionally of one purchase order and/or in one status.",
  kind: "query",
  permission: "shipment.read",
  input: z.object({
    purchaseOrderId: Text.id.optional(),
    status: ShipmentStatus.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: Text.cursor.optional()
  }),
  output: z.object({ items: z.array(Shipment), cursor: z.string().optional() }),
  events: [],
  handler: Effect.fn(function*({ purchaseOrderId, status, limit, cursor }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(shipments, {
      where: { ...(purchaseOrderId !== undefined ? { purchaseOrderId } : {}), ...(status !== undefined ? { status } : {}) },
      orderBy: [{ field: "createdAt", direction: "desc" }],
      ...(limit !== undefined ? { limit } : {}),
      ...(cursor !== undefined ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) }
  })
})

/**
 * Marks a shipment delivered by hand (it arrived, whatever was received through it).
 *
 * @since 0.1.0
 * @category operations
 */
export const markDelivered = Operation.make({
  id: "shipping.markDelivered",
  summary: "Mark an in-transit shipment delivered.",
  kind: "command",
  permission: "shipment.manage",
  input: z.object({ shipmentId: Text.id }),
  output: Shipment,
  events: [ShipmentDelivered],
  handler: Effect.fn(function*({ shipmentId }) {
    const storage = yield* Storage.Storage
    const shipment = yield* loadShipment(shipmentId)
    if (shipment.status === "delivered") {
      return yield* new ShippingError({
        reason: "InvalidState",
        purchaseOrderId: shipment.purchaseOrderId,
        shipmentId,
        message: `Shipment ${shipmentId} (${shipment.carrier} ${shipment.trackingNumber}) was already delivered at ${shipment.deliveredAt}`
      })
    }
    const now = yield* Events.now
    const updated = yield* storage.updateOne(shipments, { ...shipment, status: "delivered", deliveredAt: now, updatedAt: now })
    yield* Events.append(deliveredEvent(updated))
    return updated
  })
})

/**
 * The shipping module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = { createShipment, getShipment, listShipments, markDelivered }

/**
 * The methods of the shipping service: one per operation of {@link operations}, taking its input
 * and giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface ShippingService extends Operation.Methods<typeof operations> {}

/**
 * The shipping service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Shipping extends Context.Service<Shipping, ShippingService>()("@procura/core/Shipping") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Shipping, operations)
}

/**
 * The collections the shipping module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [shipments] as const
