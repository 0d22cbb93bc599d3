/**
 * The pure rules of assets: which status an asset may move to, where an asset is, and what an
 * event about a change of an asset carries. No storage.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { AssetError, type AssetErrorReason } from "./AssetsErrors.js"
import type { AssetChange } from "./AssetsEvents.js"
import { type Asset, type AssetPlace, type AssetStatus, transitions } from "./AssetsModel.js"

/**
 * An asset error about an asset that cannot become `to`, listing what it can become.
 *
 * @since 0.1.0
 * @category constructors
 */
export const refuse = (reason: AssetErrorReason, asset: Asset, to: AssetStatus, message: string): AssetError =>
  new AssetError({ reason, assetId: asset.id, from: asset.status, to, allowed: transitions[asset.status], message })

/**
 * Checks that an asset may move to a state; the refusal lists the states it may move to.
 *
 * @since 0.1.0
 * @category guards
 */
export const ensureTransition = (asset: Asset, to: AssetStatus): Effect.Effect<void, AssetError> =>
  transitions[asset.status].includes(to)
    ? Effect.void
    : Effect.fail(
      refuse(
        "InvalidTransition",
        asset,
        to,
        `Asset ${asset.id} is ${asset.status}; it can become ${transitions[asset.status].join(", ") || "nothing else"}, not ${to}`
      )
    )

// ----- history ---------------------------------------------------------------------------------

/**
 * Where an asset is and who has it.
 *
 * @since 0.1.0
 * @category getters
 */
export const placeOf = (asset: Asset): AssetPlace => ({
  status: asset.status,
  ...(asset.locationId !== undefined ? { locationId: asset.locationId } : {}),
  ...(asset.storageSpace !== undefined ? { storageSpace: asset.storageSpace } : {}),
  ...(asset.assignedTo !== undefined ? { assignedTo: asset.assignedTo } : {}),
  ...(asset.assignedLocationId !== undefined ? { assignedLocationId: asset.assignedLocationId } : {}),
  ...(asset.condition !== undefined ? { condition: asset.condition } : {})
})

/**
 * What an event about a change of an asset carries: the asset, its serial number and tag, the
 * purchase order line it came from, where it was and is, and why.
 *
 * @since 0.1.0
 * @category getters
 */
export const changeOf = (before: Asset, after: Asset, reason?: string): AssetChange => ({
  assetId: after.id,
  ...(after.serialNumber !== undefined ? { serialNumber: after.serialNumber } : {}),
  ...(after.assetTag !== undefined ? { assetTag: after.assetTag } : {}),
  catalogItemId: after.catalogItemId,
  purchaseOrderId: after.purchaseOrderId,
  lineNo: after.purchaseOrderLineNo,
  from: placeOf(before),
  to: placeOf(after),
  ...(reason !== undefined ? { reason } : {})
})


/** The asset without its assignment: what it is once it is no longer in use. */
export const unassigned = (asset: Asset): Asset => {
  const { assignedTo: _user, assignedLocationId: _location, assignedAt: _at, ...rest } = asset
  return rest
}

/** The asset out of any storage space. */
export const unstored = (asset: Asset): Asset => {
  const { storageSpace: _space, ...rest } = asset
  return rest
}

