/**
 * What purchasing offers other modules about orders: loading one, claiming it (so concurrent
 * commands take turns), recording units received and returned, and the status events a change
 * announces.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Events from "../../Events.js"
import * as Storage from "../../Storage.js"
import { statusEvents } from "../PurchasingEvents.js"
import { type PurchaseOrder, purchaseOrders } from "../PurchasingModel.js"
import { outstandingQuantity, receivingStatus } from "./quantities.js"

/**
 * Loads a purchase order of the caller's tenant or fails with `NotFound`.
 *
 * @since 0.1.0
 * @category module api
 */
export const loadPurchaseOrder = (id: string) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(purchaseOrders, id, "PurchaseOrder"))

/**
 * Writes an order back unchanged but for its version, so that concurrent commands on one order
 * take turns: a command that read the order before another's commit fails with a stale
 * conflict here and is retried on the new state (operations retry stale conflicts). Commands
 * whose checks read what others add to the order (invoices, shipments) claim it before writing.
 *
 * @since 0.1.0
 * @category module api
 */
export const claimOrder = (order: PurchaseOrder) =>
  Effect.flatMap(Storage.Storage, (storage) => Effect.asVoid(storage.updateOne(purchaseOrders, order)))

/**
 * Records units received against an order's lines (line number -> quantity) and moves the
 * order to `partially_received` or `received`. Callers have checked the quantities.
 *
 * @since 0.1.0
 * @category module api
 */
export const recordReceived = Effect.fn("Purchasing.recordReceived")(function*(
  order: PurchaseOrder,
  received: ReadonlyMap<number, number>
) {
  const storage = yield* Storage.Storage
  const lines = order.lines.map((line) => ({ ...line, receivedQuantity: line.receivedQuantity + (received.get(line.lineNo) ?? 0) }))
  const updated = yield* storage.updateOne(purchaseOrders, {
    ...order,
    lines,
    status: receivingStatus(lines),
    updatedAt: yield* Events.now
  })
  return updated
})

/**
 * Records units of an order's lines sent back to the vendor (line number -> quantity). Credited
 * returns (`replace: false`) add to `returnedQuantity`; returns the vendor replaces
 * (`replace: true`) are taken off `receivedQuantity` instead, re-opening the backorder for the
 * replacements. The order's status follows. Callers have checked the quantities.
 *
 * @since 0.1.0
 * @category module api
 */
export const recordReturned = Effect.fn("Purchasing.recordReturned")(function*(
  order: PurchaseOrder,
  returned: ReadonlyMap<number, number>,
  replace: boolean
) {
  const storage = yield* Storage.Storage
  const lines = order.lines.map((line) => {
    const quantity = returned.get(line.lineNo) ?? 0
    if (quantity === 0) return line
    return replace
      ? { ...line, receivedQuantity: line.receivedQuantity - quantity, replacedQuantity: (line.replacedQuantity ?? 0) + quantity }
      : { ...line, returnedQuantity: line.returnedQuantity + quantity }
  })
  const updated = yield* storage.updateOne(purchaseOrders, {
    ...order,
    lines,
    status: receivingStatus(lines),
    updatedAt: yield* Events.now
  })
  return updated
})

/**
 * The event announcing the status an order has after a change (`purchase_order.partially_received`,
 * `purchase_order.received` or `purchase_order.cancelled`), with where each line stands; none for
 * a draft or a submitted order (`purchase_order.submitted` means sent to the vendor, which
 * happens once). Receipts announce the status they leave the order in, changed or not.
 *
 * @since 0.1.0
 * @category module api
 */
export const statusEvent = (before: PurchaseOrder, after: PurchaseOrder): ReadonlyArray<Events.Pending> =>
  after.status === "submitted" || after.status === "draft" ? [] : [statusEvents[after.status].make({
    purchaseOrderId: after.id,
    vendorId: after.vendorId,
    status: after.status,
    previousStatus: before.status,
    lines: after.lines.map((line) => ({
      lineNo: line.lineNo,
      quantity: line.quantity,
      receivedQuantity: line.receivedQuantity,
      cancelledQuantity: line.cancelledQuantity,
      returnedQuantity: line.returnedQuantity,
      outstandingQuantity: outstandingQuantity(line)
    }))
  })]

/**
 * {@link statusEvent} when a change moved the order to another status; none otherwise.
 *
 * @since 0.1.0
 * @category module api
 */
export const statusChanged = (before: PurchaseOrder, after: PurchaseOrder): ReadonlyArray<Events.Pending> =>
  before.status === after.status ? [] : statusEvent(before, after)
