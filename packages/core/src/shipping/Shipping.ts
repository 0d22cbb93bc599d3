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
import { Context, Effect, Stream } from "effect"
import { z } from "zod"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { takenSerialNumbers } from "../assets/internal/templates.js"
import { loadInvoice } from "../invoicing/internal/invoices.js"
import { claimOrder, loadPurchaseOrder } from "../purchasing/internal/orders.js"
import * as Tolerances from "../purchasing/TolerancesModel.js"
import { admitLine, admitSerialNumbers, admitShipped, isReceiving, isRefusal, unitsInTransit } from "../receiving/internal/receivability.js"
import { deliveredEvent, loadShipment } from "./internal/shipments.js"
import { ShippingError, type ShippingErrorReason } from "./ShippingErrors.js"
import { ShipmentCreated, ShipmentDelivered } from "./ShippingEvents.js"
import { Shipment, shipments, ShipmentStatus } from "./ShippingModel.js"

export * from "./ShippingModel.js"
export * from "./ShippingErrors.js"

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
      const orderLine = admitLine(order, line.lineNo, "shipment")
      if (isRefusal(orderLine)) return yield* refuse(orderLine.reason, orderLine.message, { lineNo: orderLine.lineNo })
      const serials = line.serialNumbers ?? []
      const refused = admitShipped(order, orderLine, line.quantity, inTransit.get(`${order.id}#${line.lineNo}`) ?? 0, policy) ??
        admitSerialNumbers(orderLine, serials.length, "shipment")
      if (refused !== undefined) return yield* refuse(refused.reason, refused.message, { lineNo: refused.lineNo })
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
