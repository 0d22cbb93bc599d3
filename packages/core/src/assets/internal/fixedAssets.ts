/**
 * What the assets module offers receiving about fixed assets: capitalising received
 * capitalisable lines. Not exported from the package root.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Events from "../../Events.js"
import * as Ids from "../../Ids.js"
import * as Money from "../../Money.js"
import * as Storage from "../../Storage.js"
import { FixedAssetCapitalised } from "../AssetsEvents.js"
import { type FixedAsset, fixedAssets } from "../FixedAssets.js"

/**
 * What a receipt tells the module about a capitalisable line it received.
 *
 * @since 0.1.0
 * @category models
 */
export type Capitalisation = Omit<FixedAsset, "id" | "version" | "capitalisedAt" | "cost"> & { readonly unitCost: Money.Money }

/**
 * Records one fixed asset per received capitalisable line, in the caller's transaction, and
 * appends `fixed_asset.capitalised` for each.
 *
 * @since 0.1.0
 * @category internal
 */
export const capitalise = Effect.fn("FixedAssets.capitalise")(function*(lines: ReadonlyArray<Capitalisation>) {
  if (lines.length === 0) return []
  const storage = yield* Storage.Storage
  const ids = yield* Ids.nextMany(lines.length)
  const now = yield* Events.now
  const created = yield* storage.insertMany(fixedAssets, lines.map(({ unitCost, ...line }, i) => ({
    ...line,
    id: ids[i]!,
    cost: Money.times(unitCost, line.quantity),
    capitalisedAt: now
  })))
  yield* Events.append(...created.map((asset) =>
    FixedAssetCapitalised.make({
      fixedAssetId: asset.id,
      purchaseOrderId: asset.purchaseOrderId,
      lineNo: asset.lineNo,
      receiptId: asset.receiptId,
      catalogItemId: asset.catalogItemId,
      description: asset.description,
      vendorId: asset.vendorId,
      quantity: asset.quantity,
      cost: asset.cost
    })
  ))
  return created
})
