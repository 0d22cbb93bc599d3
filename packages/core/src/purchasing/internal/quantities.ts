/**
 * The quantities of purchase order lines (open, backordered, outstanding), the receiving status
 * they give an order, and what its lines still order. Pure; other modules use them.
 *
 * @since 0.1.0
 */
import * as Money from "../../Money.js"
import type { PurchaseOrderLine, PurchaseOrderStatus } from "../PurchasingModel.js"

/**
 * The status a submitted order has given what its lines received and cancelled: `received` once
 * every line received all it still expects, `cancelled` when that holds with nothing received
 * (everything was cancelled), `partially_received` or `submitted` otherwise. Software lines are
 * not received (their licences are entitlements from submission on), so they do not count.
 *
 * @since 0.1.0
 * @category functions
 */
export const receivingStatus = (lines: ReadonlyArray<PurchaseOrderLine>): PurchaseOrderStatus => {
  const receivable = lines.filter((l) => l.kind !== "software")
  const received = receivable.reduce((n, l) => n + l.receivedQuantity, 0)
  const complete = receivable.length > 0 && receivable.every((l) => l.receivedQuantity >= openQuantity(l))
  if (received === 0) return complete ? "cancelled" : "submitted"
  return complete ? "received" : "partially_received"
}

/**
 * The quantity a line still expects in all: ordered minus cancelled.
 *
 * @since 0.1.0
 * @category functions
 */
export const openQuantity = (line: PurchaseOrderLine): number => line.quantity - line.cancelledQuantity

/**
 * The units of a line not yet received nor cancelled (the backorder), never negative.
 *
 * @since 0.1.0
 * @category functions
 */
export const backorderedQuantity = (line: PurchaseOrderLine): number => Math.max(0, openQuantity(line) - line.receivedQuantity)

/**
 * The units of a line that can still be received or cancelled: the backorder, except on software
 * lines, which are never received (their entitlement is created when the order is submitted).
 *
 * @since 0.1.0
 * @category functions
 */
export const outstandingQuantity = (line: PurchaseOrderLine): number => (line.kind === "software" ? 0 : backorderedQuantity(line))

/**
 * Whether a line's units are tracked as inventory assets: create-asset lines, except software
 * (entitlements instead) and services (seed 000: no inventory asset; a fixed asset when
 * capitalisable).
 *
 * @since 0.1.0
 * @category predicates
 */
export const hasAssets = (line: Pick<PurchaseOrderLine, "createAsset" | "kind">): boolean =>
  line.createAsset && line.kind !== "software" && line.kind !== "service"

/**
 * What an order's lines still order: unit cost times quantity less cancelled, summed.
 *
 * @since 0.1.0
 * @category functions
 */
export const orderTotal = (lines: ReadonlyArray<PurchaseOrderLine>, currency: string): Money.Money => ({
  amount: lines.reduce((sum, line) => sum + line.unitCost.amount * openQuantity(line), 0),
  currency
})
