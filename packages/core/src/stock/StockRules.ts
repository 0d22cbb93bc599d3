/**
 * The pure rules of stock: the key of a stock record, the moving average unit cost, and when a
 * record crosses its reorder level. No storage.
 *
 * @since 0.1.0
 */
import type * as Events from "../Events.js"
import type { Money } from "../Money.js"
import { ReplenishmentNeeded } from "./StockEvents.js"
import type { StockKey, StockRecord } from "./StockModel.js"

/**
 * The identity of a stock record: its item, location and storage space.
 *
 * @since 0.1.0
 * @category getters
 */
export const keyString = (key: StockKey): string => JSON.stringify([key.catalogItemId, key.locationId, key.storageSpace])

/**
 * A storage space as people read it: location / storage space.
 *
 * @since 0.1.0
 * @category getters
 */
export const place = (key: StockKey): string => `${key.locationId} / ${key.storageSpace}`

/**
 * The moving average unit cost after `quantity` units arrive at `unitCost`: the arriving cost
 * when there was none, it is in another currency, or nothing was on hand; rounded to minor units.
 *
 * @since 0.1.0
 * @category getters
 */
export const averageCost = (record: StockRecord, quantity: number, unitCost: Money): Money => {
  const average = record.averageUnitCost
  if (average === undefined || average.currency !== unitCost.currency || record.onHand === 0) return unitCost
  return {
    amount: Math.round((record.onHand * average.amount + quantity * unitCost.amount) / (record.onHand + quantity)),
    currency: unitCost.currency
  }
}

/**
 * Re-evaluates the reorder flag; gives the `stock.replenishment_needed` event when on hand has
 * just fallen to or below the reorder level (once per crossing).
 *
 * @since 0.1.0
 * @category getters
 */
export const checkReorder = (record: StockRecord): { readonly record: StockRecord; readonly event?: Events.Pending } => {
  const below = record.reorderLevel !== undefined && record.onHand <= record.reorderLevel
  if (!below) return { record: record.belowReorderLevel ? { ...record, belowReorderLevel: false } : record }
  if (record.belowReorderLevel) return { record }
  return {
    record: { ...record, belowReorderLevel: true },
    event: ReplenishmentNeeded.make({
      stockRecordId: record.id,
      catalogItemId: record.catalogItemId,
      name: record.name,
      locationId: record.locationId,
      storageSpace: record.storageSpace,
      onHand: record.onHand,
      reorderLevel: record.reorderLevel!
    })
  }
}
