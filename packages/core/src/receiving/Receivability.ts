/**
 * Receivability: what a purchase order line can still take, and why a receipt, a scan or a
 * shipment is refused. The one home of the rule: the quantities of a line (ordered, cancelled,
 * received, returned), the over-receipt allowance of the tolerance policy, the over-receipt
 * refusal, and line admission (the line exists, is not software, takes serial numbers only when
 * it tracks assets). Pure functions over an order's lines and the tolerance policy: receipts by
 * order, by shipment, by invoice and by scan use them, and so does shipment creation (through
 * `receiving/internal/receivability.ts`).
 *
 * @since 0.1.0
 */
import { backorderedQuantity, hasAssets, openQuantity } from "../purchasing/internal/quantities.js"
import type { PurchaseOrder, PurchaseOrderLine } from "../purchasing/PurchasingModel.js"
import * as Tolerances from "../purchasing/TolerancesModel.js"
import type { Shipment, ShipmentLine } from "../shipping/ShippingModel.js"

/**
 * Why a line (or units of it) is refused.
 *
 * @since 0.1.0
 * @category models
 */
export type LineRefusalReason =
  | "UnknownLine"
  | "NotReceivable"
  | "NotAnAssetLine"
  | "OverReceipt"
  | "OverShipment"
  | "ExceedsShipment"
  | "LineComplete"
  | "ExceedsReceived"

/**
 * A refusal of a line: the reason, a message naming the quantities, the line.
 *
 * @since 0.1.0
 * @category models
 */
export interface LineRefusal<R extends LineRefusalReason = LineRefusalReason> {
  readonly _tag: "LineRefusal"
  readonly reason: R
  readonly message: string
  readonly lineNo: number
}

const refused = <R extends LineRefusalReason>(reason: R, message: string, lineNo: number): LineRefusal<R> => ({ _tag: "LineRefusal", reason, message, lineNo })

/**
 * Whether a value is a refusal (rather than the admitted line).
 *
 * @since 0.1.0
 * @category predicates
 */
export const isRefusal = <A>(value: A): value is Extract<A, LineRefusal> =>
  typeof value === "object" && value !== null && (value as { _tag?: unknown })._tag === "LineRefusal"

// ----- quantities ------------------------------------------------------------------------------

/**
 * Whether an order takes receipts (and shipments): submitted and not yet fully received.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isReceiving = (order: PurchaseOrder): boolean => order.status === "submitted" || order.status === "partially_received"

/**
 * The over-receipt allowance of a line: units beyond its open quantity (ordered less cancelled)
 * the tolerance policy lets through (zero by default).
 *
 * @since 0.1.0
 * @category functions
 */
export const allowanceOf = (order: PurchaseOrder, line: PurchaseOrderLine, policy: Tolerances.TolerancePolicy): number =>
  Tolerances.quantityAllowance(Tolerances.forLine(policy, { kind: line.kind, vendorId: order.vendorId }), openQuantity(line))

/**
 * The units of a line that can still be received: its backorder plus what the over-receipt
 * allowance leaves after units already received beyond the open quantity; never negative.
 *
 * @since 0.1.0
 * @category functions
 */
export const receivableQuantity = (order: PurchaseOrder, line: PurchaseOrderLine, policy: Tolerances.TolerancePolicy): number =>
  Math.max(0, backorderedQuantity(line) + allowanceOf(order, line, policy) - Math.max(0, line.receivedQuantity - openQuantity(line)))

/**
 * A line's quantities for a refusal message: `Line 2 (Laptop): ordered 5, cancelled 1, already
 * received 3, over-receipt tolerance 1`.
 *
 * @since 0.1.0
 * @category functions
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
 * @category functions
 */
export const remainingOnShipment = (line: ShipmentLine): number => Math.max(0, line.quantity - line.receivedQuantity)

/**
 * Units still in transit per order line (`<purchaseOrderId>#<lineNo>`), over the given
 * shipments: what in-transit shipments carry and has not been received through them.
 *
 * @since 0.1.0
 * @category functions
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

/**
 * The units of a line that can still be sent back to the vendor: received less returned for
 * credit (units returned for replacement were taken off `receivedQuantity` already).
 *
 * @since 0.1.0
 * @category functions
 */
export const returnableQuantity = (line: PurchaseOrderLine): number => line.receivedQuantity - line.returnedQuantity

/**
 * The refusal of a return of more units than the line kept (`ExceedsReceived`), naming what it
 * received and returned.
 *
 * @since 0.1.0
 * @category functions
 */
export const admitReturn = (line: PurchaseOrderLine, quantity: number): LineRefusal<"ExceedsReceived"> | undefined => {
  const kept = returnableQuantity(line)
  if (quantity <= kept) return undefined
  const returned = line.returnedQuantity > 0 ? ` and returned ${line.returnedQuantity}` : ""
  return refused(
    "ExceedsReceived",
    `Line ${line.lineNo} (${line.description}) received ${line.receivedQuantity}${returned}, so at most ${kept} can be returned, not ${quantity}`,
    line.lineNo
  )
}

// ----- line admission --------------------------------------------------------------------------

/**
 * What admits units: a receipt (by order, shipment, invoice or scan) or a shipment being created.
 *
 * @since 0.1.0
 * @category models
 */
export type Purpose = "receipt" | "shipment"

/**
 * The order line a receipt or a shipment names, or the refusal: the order has no such line
 * (`UnknownLine`), the shipment scanned against carries none of it (`UnknownLine`), or it is
 * software, which is never received nor shipped (`NotReceivable`).
 *
 * @since 0.1.0
 * @category functions
 */
export const admitLine = (
  order: PurchaseOrder,
  lineNo: number,
  purpose: Purpose = "receipt",
  shipment?: Shipment
): PurchaseOrderLine | LineRefusal<"UnknownLine" | "NotReceivable"> => {
  const line = order.lines.find((l) => l.lineNo === lineNo)
  if (line === undefined) return refused("UnknownLine", `Purchase order ${order.id} has no line ${lineNo}`, lineNo)
  if (shipment !== undefined && !shipment.lines.some((l) => l.lineNo === lineNo)) {
    return refused("UnknownLine", `Shipment ${shipment.id} carries no units of line ${lineNo}`, lineNo)
  }
  if (line.kind === "software") {
    return refused(
      "NotReceivable",
      purpose === "receipt"
        ? `Line ${line.lineNo} (${line.description}) is software: it is not received; its licences were created when the order was submitted`
        : `Line ${line.lineNo} (${line.description}) is software: it is not shipped; its licences are created when the order is submitted`,
      lineNo
    )
  }
  return line
}

/**
 * Refuses serial numbers on a line that tracks no assets (`NotAnAssetLine`); for receipts, the
 * message says how such a line is received instead.
 *
 * @since 0.1.0
 * @category functions
 */
export const admitSerialNumbers = (line: PurchaseOrderLine, serialNumbers: number, purpose: Purpose = "receipt"): LineRefusal<"NotAnAssetLine"> | undefined => {
  if (serialNumbers === 0 || hasAssets(line)) return undefined
  const message = purpose === "shipment"
    ? `Line ${line.lineNo} (${line.description}) creates no assets, so it takes no serial numbers`
    : line.kind === "service"
    ? `Line ${line.lineNo} (${line.description}) is a service: services never become inventory assets, so it takes no serial numbers; scan its line code once per unit, or receive it by quantity`
    : `Line ${line.lineNo} (${line.description}) creates no assets, so it takes no serial numbers; scan its line code once per unit, or receive it by quantity`
  return refused("NotAnAssetLine", message, line.lineNo)
}

/**
 * The over-receipt refusal: more units than the line can still receive, tolerance included
 * (`OverReceipt`).
 *
 * @since 0.1.0
 * @category functions
 */
export const admitQuantity = (
  order: PurchaseOrder,
  line: PurchaseOrderLine,
  quantity: number,
  policy: Tolerances.TolerancePolicy
): LineRefusal<"OverReceipt"> | undefined => {
  const remaining = receivableQuantity(order, line, policy)
  return quantity > remaining
    ? refused("OverReceipt", `${describeLine(order, line, policy)}, so at most ${remaining} more can be received, not ${quantity}`, line.lineNo)
    : undefined
}

/**
 * The over-receipt refusal of a new shipment: more units than the line can still receive, less
 * what other shipments carry in transit (`OverShipment`).
 *
 * @since 0.1.0
 * @category functions
 */
export const admitShipped = (
  order: PurchaseOrder,
  line: PurchaseOrderLine,
  quantity: number,
  inTransit: number,
  policy: Tolerances.TolerancePolicy
): LineRefusal<"OverShipment"> | undefined => {
  const open = receivableQuantity(order, line, policy) - inTransit
  return quantity > open
    ? refused(
      "OverShipment",
      `${describeLine(order, line, policy)}${inTransit > 0 ? `, ${inTransit} in transit on other shipments` : ""}, ` +
        `so a shipment can carry at most ${Math.max(0, open)}, not ${quantity}`,
      line.lineNo
    )
    : undefined
}

/**
 * Units received through a shipment: it must carry the line (`UnknownLine`) and have that many
 * left (`ExceedsShipment`).
 *
 * @since 0.1.0
 * @category functions
 */
export const admitFromShipment = (shipment: Shipment, lineNo: number, quantity: number): LineRefusal<"UnknownLine" | "ExceedsShipment"> | undefined => {
  const shipped = shipment.lines.find((l) => l.lineNo === lineNo)
  if (shipped === undefined) return refused("UnknownLine", `Shipment ${shipment.id} carries no units of line ${lineNo}`, lineNo)
  if (quantity > remainingOnShipment(shipped)) {
    return refused(
      "ExceedsShipment",
      `Shipment ${shipment.id} carries ${shipped.quantity} units of line ${lineNo}, ${shipped.receivedQuantity} already received, ` +
        `so at most ${remainingOnShipment(shipped)} more can be received through it, not ${quantity}`,
      lineNo
    )
  }
  return undefined
}

/**
 * The units a scan batch can still take on a line, `used` units already taken by earlier scans:
 * what the order can receive (nothing once it is not receiving), and through a shipment at most
 * what it has left of the line.
 *
 * @since 0.1.0
 * @category functions
 */
export const roomOnLine = (
  order: PurchaseOrder,
  line: PurchaseOrderLine,
  policy: Tolerances.TolerancePolicy,
  shipment: Shipment | undefined,
  used: number
): number => {
  const onOrder = (isReceiving(order) ? receivableQuantity(order, line, policy) : 0) - used
  if (shipment === undefined) return onOrder
  const onShipment = shipment.lines.find((l) => l.lineNo === line.lineNo)
  return Math.min(onOrder, onShipment === undefined ? 0 : remainingOnShipment(onShipment) - used)
}

/**
 * The refusal of a scan on a line with no room left (`LineComplete`), naming the quantities, the
 * units taken earlier in the batch and what the shipment carries.
 *
 * @since 0.1.0
 * @category functions
 */
export const lineComplete = (
  order: PurchaseOrder,
  line: PurchaseOrderLine,
  policy: Tolerances.TolerancePolicy,
  shipment: Shipment | undefined,
  used: number | undefined
): LineRefusal<"LineComplete"> => {
  const onShipment = shipment?.lines.find((l) => l.lineNo === line.lineNo)
  return refused(
    "LineComplete",
    `${describeLine(order, line, policy)}${used !== undefined ? `, ${used} in this batch` : ""}` +
      `${onShipment !== undefined ? `; shipment ${shipment!.id} carries ${onShipment.quantity}, ${onShipment.receivedQuantity} received through it` : ""}` +
      `: nothing more can be received`,
    line.lineNo
  )
}
