/**
 * The pure rules of licensing: an entitlement's status at a moment (active, expiring, expired),
 * seat arithmetic, and what the events of an entitlement carry. No storage.
 *
 * @since 0.1.0
 */
import type { Entitlement, EntitlementStatus, EntitlementView } from "./LicensingModel.js"

/**
 * The window, in days, within which an ending subscription counts as `expiring` by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultExpiringWithinDays = 30

/**
 * Milliseconds in a day.
 *
 * @since 0.1.0
 * @category constants
 */
export const dayMillis = 86_400_000

/**
 * The status of an entitlement at `asOf` (epoch milliseconds), with an `expiring` window in days.
 *
 * @since 0.1.0
 * @category getters
 */
export const statusAt = (
  entitlement: Pick<Entitlement, "subscriptionEnd">,
  asOf: number,
  expiringWithinDays: number = defaultExpiringWithinDays
): EntitlementStatus => {
  if (entitlement.subscriptionEnd === undefined) return "active"
  const end = Date.parse(entitlement.subscriptionEnd)
  if (end <= asOf) return "expired"
  return end <= asOf + expiringWithinDays * dayMillis ? "expiring" : "active"
}

/**
 * The view of an entitlement at a moment: its status, the seats still available (never below
 * zero), the number of licence keys, and the keys only when shown.
 *
 * @since 0.1.0
 * @category getters
 */
export const viewOf = (entitlement: Entitlement, asOf: number, expiringWithinDays: number, showKeys: boolean): EntitlementView => {
  const { licenseKeys, ...rest } = entitlement
  return {
    ...rest,
    status: statusAt(entitlement, asOf, expiringWithinDays),
    seatsAvailable: seatsAvailable(entitlement),
    licenseKeyCount: licenseKeys.length,
    ...(showKeys ? { licenseKeys } : {})
  }
}

/**
 * The seats of an entitlement still free to assign (never below zero).
 *
 * @since 0.1.0
 * @category getters
 */
export const seatsAvailable = (entitlement: Pick<Entitlement, "seats" | "seatsAssigned">): number =>
  Math.max(0, entitlement.seats - entitlement.seatsAssigned)

/**
 * Whether every seat bought is assigned.
 *
 * @since 0.1.0
 * @category predicates
 */
export const allSeatsAssigned = (entitlement: Pick<Entitlement, "seats" | "seatsAssigned">): boolean =>
  entitlement.seatsAssigned >= entitlement.seats

/**
 * What every event of an entitlement carries: the entitlement and the purchase order line it was
 * bought on.
 *
 * @since 0.1.0
 * @category internal
 */
export const entitlementEvent = (entitlement: Entitlement) => ({
  entitlementId: entitlement.id,
  purchaseOrderId: entitlement.purchaseOrderId,
  lineNo: entitlement.lineNo,
  catalogItemId: entitlement.catalogItemId
})
