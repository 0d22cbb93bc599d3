/**
 * What the stock module offers receiving: consumables received into stock, and consumables sent
 * back to the vendor, each with its ledger entries, so that only this module writes the stock
 * collections. Not exported from the package root.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Events from "../../Events.js"
import type { Money } from "../../Money.js"
import { StockReturnedToVendor } from "../StockEvents.js"
import { movementEvent, type Posting, post } from "../StockLedger.js"
import type { StockKey } from "../StockModel.js"

/**
 * Units of a consumable purchase order line that arrived in a storage space.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReceivedStock {
  readonly catalogItemId: string
  readonly name: string
  readonly locationId: string
  readonly storageSpace: string
  readonly quantity: number
  readonly unitCost: Money
  readonly purchaseOrderId: string
  readonly lineNo: number
  readonly receiptId: string
}

/**
 * Adds received consumables to stock, creating the stock record of an item and storage space
 * on its first receipt, with one `receipt` ledger entry per line referencing the purchase order,
 * the line and the receipt. Runs in the caller's transaction.
 *
 * @since 0.1.0
 * @category internal
 */
export const receive = Effect.fn("Stock.receive")(function*(lines: ReadonlyArray<ReceivedStock>) {
  if (lines.length === 0) return []
  const result = yield* post(lines.map((line): Posting => ({
    key: { catalogItemId: line.catalogItemId, locationId: line.locationId, storageSpace: line.storageSpace },
    name: line.name,
    kind: "receipt",
    quantity: line.quantity,
    unitCost: line.unitCost,
    reference: { purchaseOrderId: line.purchaseOrderId, lineNo: line.lineNo, receiptId: line.receiptId }
  }))).pipe(Effect.catchTag("StockError", (error) => Effect.die(error)))
  return result.movements
})

/**
 * What a return to the vendor takes out of one stock record.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReturnedStock extends StockKey {
  readonly quantity: number
  readonly purchaseOrderId: string
  readonly lineNo: number
  readonly reason: string
}

/**
 * Takes consumables sent back to the vendor out of stock, with one `vendor_return` ledger entry
 * per line referencing the purchase order and line (so consumption reports never count returns
 * as use). Fails with `InsufficientStock` when a storage space holds fewer units; runs in the
 * caller's transaction and appends `stock.returned_to_vendor` (and `stock.replenishment_needed`
 * when a reorder level is crossed).
 *
 * @since 0.1.0
 * @category internal
 */
export const returnToVendor = Effect.fn("Stock.returnToVendor")(function*(lines: ReadonlyArray<ReturnedStock>) {
  if (lines.length === 0) return []
  const result = yield* post(lines.map(({ quantity, purchaseOrderId, lineNo, reason, ...key }): Posting => ({
    key,
    kind: "vendor_return",
    quantity: -quantity,
    reference: { purchaseOrderId, lineNo, reason }
  })))
  yield* Events.append(...result.movements.map((movement) =>
    StockReturnedToVendor.make(movementEvent(result.records.get(movement.stockRecordId)!, movement))
  ))
  return result.movements
})
