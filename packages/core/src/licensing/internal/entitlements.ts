/**
 * What the licensing module offers purchasing: creating one entitlement per software line of a
 * submitted purchase order, and revising their seats and unit cost when the order is revised, so
 * that only this module writes the `entitlements` collection. Not exported from the package root.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Events from "../../Events.js"
import * as Ids from "../../Ids.js"
import type { Money } from "../../Money.js"
import * as Storage from "../../Storage.js"
import { EntitlementCreated, EntitlementRevised } from "../LicensingEvents.js"
import { type Entitlement, entitlements } from "../LicensingModel.js"
import { entitlementEvent } from "../LicensingRules.js"

/**
 * What a software purchase order line tells the licensing module when the order is submitted.
 *
 * @since 0.1.0
 * @category models
 */
export interface EntitlementRequest {
  readonly purchaseOrderId: string
  readonly vendorId: string
  readonly lineNo: number
  readonly catalogItemId: string
  readonly name: string
  readonly seats: number
  readonly unitCost: Money
}

/**
 * Creates one entitlement per software line (seats = the line's quantity, no keys, perpetual
 * until its term is recorded), in one batch, with one `entitlement.created` event each. Runs in
 * the caller's transaction.
 *
 * @since 0.1.0
 * @category internal
 */
export const createEntitlements = Effect.fn("Licensing.createEntitlements")(function*(lines: ReadonlyArray<EntitlementRequest>) {
  if (lines.length === 0) return []
  const storage = yield* Storage.Storage
  const ids = yield* Ids.nextMany(lines.length)
  const now = yield* Events.now
  const created = yield* storage.insertMany(entitlements, lines.map((line, i): Storage.New<Entitlement> => ({
    id: ids[i]!,
    catalogItemId: line.catalogItemId,
    name: line.name,
    vendorId: line.vendorId,
    purchaseOrderId: line.purchaseOrderId,
    lineNo: line.lineNo,
    unitCost: line.unitCost,
    seats: line.seats,
    seatsAssigned: 0,
    licenseKeys: [],
    createdAt: now,
    updatedAt: now
  })))
  yield* Events.append(...created.map((entitlement) =>
    EntitlementCreated.make({
      ...entitlementEvent(entitlement),
      name: entitlement.name,
      vendorId: entitlement.vendorId,
      seats: entitlement.seats,
      unitCost: entitlement.unitCost
    })
  ))
  return created
})

/**
 * Gives entitlements of revised software lines their new seats and unit cost, in one batch, with
 * one `entitlement.revised` event each (seats before and after). Runs in the caller's
 * transaction.
 *
 * @since 0.1.0
 * @category internal
 */
export const reviseEntitlements = Effect.fn("Licensing.reviseEntitlements")(function*(changes: ReadonlyArray<{
  readonly entitlement: Entitlement
  readonly seats: number
  readonly unitCost: Money
}>) {
  if (changes.length === 0) return []
  const storage = yield* Storage.Storage
  const now = yield* Events.now
  const updated = yield* storage.updateMany(entitlements, changes.map(({ entitlement, seats, unitCost }) => ({
    ...entitlement,
    seats,
    unitCost,
    updatedAt: now
  })))
  yield* Events.append(...updated.map((entitlement, i) =>
    EntitlementRevised.make({
      ...entitlementEvent(entitlement),
      seatsBefore: changes[i]!.entitlement.seats,
      seats: entitlement.seats,
      unitCost: entitlement.unitCost
    })
  ))
  return updated
})
