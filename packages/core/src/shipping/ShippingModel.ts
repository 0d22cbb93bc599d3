/**
 * Shipments: the model (statuses, lines, the shipment) and where shipments are stored.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Storage from "../Storage.js"

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
