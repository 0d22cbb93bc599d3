/**
 * What the assets module offers other modules about the history of assets: recording entries,
 * and writing the changes other modules make to assets (a vendor return, a revised purchase
 * order), so that only this module writes the `assets` collection. Not exported from the
 * package root.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Events from "../../Events.js"
import * as Ids from "../../Ids.js"
import { CurrentPrincipal } from "../../Principal.js"
import * as Storage from "../../Storage.js"
import { type Asset, type AssetHistoryEntry, assetHistoryEntries, assets, type HistoryAction } from "../AssetsModel.js"
import { placeOf } from "../AssetsRules.js"

export { changeOf, ensureTransition } from "../AssetsRules.js"

/**
 * A change to record in an asset's history: the asset before (absent when it was just created)
 * and after, as written (with its new version).
 *
 * @since 0.1.0
 * @category models
 */
export interface HistoryChange {
  readonly before?: Asset | undefined
  readonly after: Asset
  readonly action: HistoryAction
  readonly reason?: string | undefined
}

/**
 * Appends history entries for changes made to assets, as the current principal, in one batch.
 * Runs in the caller's transaction.
 *
 * @since 0.1.0
 * @category internal
 */
export const recordHistory = Effect.fn("Assets.recordHistory")(function*(changes: ReadonlyArray<HistoryChange>) {
  if (changes.length === 0) return []
  const storage = yield* Storage.Storage
  const principal = yield* CurrentPrincipal
  const ids = yield* Ids.nextMany(changes.length)
  const at = yield* Events.now
  return yield* storage.insertMany(assetHistoryEntries, changes.map((change, i): Storage.New<AssetHistoryEntry> => ({
    id: ids[i]!,
    assetId: change.after.id,
    assetVersion: change.after.version,
    action: change.action,
    by: principal.userId,
    at,
    ...(change.before !== undefined ? { from: placeOf(change.before) } : {}),
    to: placeOf(change.after),
    ...(change.reason !== undefined ? { reason: change.reason } : {})
  })))
})

// ----- module API (for other modules) ----------------------------------------------------------


/**
 * Writes changes other modules make to assets (a vendor return sends assets back, a revised
 * purchase order retires or reprices template assets), in one batch with one history entry each
 * (`action`, `reason`), and gives the changes as written (with their new versions). Runs in the
 * caller's transaction; the caller appends its events. The only way another module writes assets.
 *
 * @since 0.1.0
 * @category internal
 */
export const writeChanges = Effect.fn("Assets.writeChanges")(function*(changes: ReadonlyArray<{
  readonly before: Asset
  readonly after: Asset
  readonly action: HistoryAction
  readonly reason?: string | undefined
}>) {
  if (changes.length === 0) return []
  const storage = yield* Storage.Storage
  const written = yield* storage.updateMany(assets, changes.map((c) => c.after))
  const recorded = written.map((after, i): HistoryChange => ({
    before: changes[i]!.before,
    after,
    action: changes[i]!.action,
    reason: changes[i]!.reason
  }))
  yield* recordHistory(recorded)
  return recorded
})
