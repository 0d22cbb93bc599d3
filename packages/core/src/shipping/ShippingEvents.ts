/**
 * The events of shipments. Each belongs to the shipment's aggregate (`shipment`) and carries its
 * purchase order, carrier and tracking number (ServiceNow's shipment details, SPO's "Out for
 * Delivery" and "Delivered").
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Events from "../Events.js"

/**
 * A shipment was recorded (`shipping.createShipment`), in transit.
 *
 * @since 0.1.0
 * @category events
 */
export const ShipmentCreated = Events.define("shipment.created", {
  description: "A vendor's shipment of purchase order lines was recorded, in transit, with its carrier, tracking number, destination and advance serial numbers.",
  aggregateType: "shipment",
  aggregateId: "shipmentId",
  payload: z.object({
    shipmentId: z.string(),
    purchaseOrderId: z.string(),
    invoiceId: z.string().optional(),
    carrier: z.string(),
    trackingNumber: z.string(),
    shipDate: z.string().describe("YYYY-MM-DD"),
    destinationLocationId: z.string(),
    destinationStorageSpace: z.string(),
    status: z.literal("in_transit"),
    lines: z.array(z.object({
      lineNo: z.number().int(),
      quantity: z.number().int(),
      serialNumbers: z.array(z.string()).describe("the advance serial numbers the vendor sent, if any")
    }))
  })
})

/**
 * A shipment was delivered: its last unit was received, or it was marked delivered
 * (`shipping.markDelivered`).
 *
 * @since 0.1.0
 * @category events
 */
export const ShipmentDelivered = Events.define("shipment.delivered", {
  description: "A shipment was delivered: a receipt took its last unit, or it was marked delivered.",
  aggregateType: "shipment",
  aggregateId: "shipmentId",
  payload: z.object({
    shipmentId: z.string(),
    purchaseOrderId: z.string(),
    invoiceId: z.string().optional(),
    carrier: z.string(),
    trackingNumber: z.string(),
    status: z.literal("delivered"),
    deliveredAt: z.string(),
    lines: z.array(z.object({ lineNo: z.number().int(), quantity: z.number().int(), receivedQuantity: z.number().int() }))
  })
})

/**
 * Every event of shipping.
 *
 * @since 0.1.0
 * @category events
 */
export const events = [ShipmentCreated, ShipmentDelivered] as const
