/**
 * What shipping offers other modules: loading a shipment, recording units received through it,
 * its `shipment.delivered` event.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Events from "../../Events.js"
import * as Storage from "../../Storage.js"
import { remainingOnShipment } from "../../receiving/internal/receivability.js"
import { type Shipment, shipments } from "../ShippingModel.js"
import { ShipmentDelivered } from "../ShippingEvents.js"

/**
 * Loads a shipment of the caller's tenant or fails with `NotFound`.
 *
 * @since 0.1.0
 * @category module api
 */
export const loadShipment = (id: string) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(shipments, id, "Shipment"))

/**
 * The `shipment.delivered` event of a shipment.
 *
 * @since 0.1.0
 * @category module api
 */
export const deliveredEvent = (shipment: Shipment) =>
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
