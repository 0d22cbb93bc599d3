/**
 * Assets: the things bought, from the template asset created when a purchase order is submitted
 * ("on order"), through receipt ("in stock"), to assignment to a user or a location ("in use"),
 * return to a storage space, transfers between storage spaces, maintenance, loss and retirement
 * (seed 002: Receiving -> Asset creation -> Assignment; hardware is "stored and assigned after
 * receipt").
 *
 * Every change of an asset, from its creation on order on, writes an entry to its history (who,
 * when, from and to which status, location, storage space and assignee, and why), read back with
 * {@link assetHistory}. Other modules create, activate and change assets through what the module
 * offers them in `internal/` (template creation and the one activation path of receipts in
 * `internal/templates.ts`, history and changes in `internal/history.ts`); hosts use the
 * operations.
 *
 * @since 0.1.0
 */
import { Context, Effect, Stream } from "effect"
import { z } from "zod"
import { notFound } from "../Errors.js"
import * as Events from "../Events.js"
import * as Operation from "../Operation.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { AssetAssigned, type AssetChange, AssetReturnedToStorage, AssetStatusChanged, AssetTagged, AssetTransferred } from "./AssetsEvents.js"
import { AssetError } from "./AssetsErrors.js"
import { Asset, Condition, HistoryAction, assetHistoryEntries, assets } from "./AssetsModel.js"
import { assetHistory, countAssetsByStatus, getAsset, getAssetHistoryEntry, listAssets } from "./AssetsQueries.js"
import { changeOf, ensureTransition, refuse, unassigned, unstored } from "./AssetsRules.js"
import { type HistoryChange, recordHistory } from "./internal/history.js"

// ----- model, errors and rules: in AssetsModel.ts, AssetsErrors.ts and AssetsRules.ts, re-exported

export * from "./AssetsModel.js"
export * from "./AssetsErrors.js"
export { ensureTransition, placeOf } from "./AssetsRules.js"

// ----- read operations: in AssetsQueries.ts, re-exported

export * from "./AssetsQueries.js"

// ----- the change engine -----------------------------------------------------------------------

/**
 * Changes assets in one batch: every asset is loaded and checked first (the first refusal fails
 * the whole batch before anything is written), then one write of the assets, one of their
 * history entries, and one event per asset.
 */
const change = Effect.fn("Assets.change")(function*(options: {
  readonly assetIds: ReadonlyArray<string>
  readonly plan: (asset: Asset, now: string, index: number) => Effect.Effect<Asset, AssetError>
  readonly action: HistoryAction
  /** The event announcing the change of an asset, from what every asset change carries. */
  readonly event: (change: AssetChange, after: Asset) => Events.Pending
  readonly reason?: string | undefined
}) {
  const storage = yield* Storage.Storage
  const found = new Map((yield* storage.getMany(assets, options.assetIds)).map((a) => [a.id, a] as const))
  const now = yield* Events.now
  const planned: Array<Asset> = []
  const before: Array<Asset> = []
  for (const [index, assetId] of options.assetIds.entries()) {
    const asset = found.get(assetId)
    if (asset === undefined) return yield* notFound("Asset", assetId)
    before.push(asset)
    planned.push(yield* options.plan(asset, now, index))
  }
  const updated = yield* storage.updateMany(assets, planned)
  const changes = updated.map((after, i): HistoryChange => ({ before: before[i], after, action: options.action, reason: options.reason }))
  yield* recordHistory(changes)
  yield* Events.append(...changes.map(({ before: from, after }) => options.event(changeOf(from!, after, options.reason), after)))
  return updated
})

const AssetIds = z.array(Text.id).min(1, "give at least one asset").max(1000).refine(
  (ids) => new Set(ids).size === ids.length,
  { message: "an asset appears more than once" }
)

const Reason = Text.bounded(Text.limits.comment, "a reason cannot be empty")

const LocationId = Text.location

const StorageSpace = Text.location

// ----- operations ------------------------------------------------------------------------------

const Assignment = z.object({
  assetId: Text.id,
  userId: Text.externalId.optional(),
  locationId: LocationId.optional()
}).refine((a) => (a.userId === undefined) !== (a.locationId === undefined), {
  message: "assign to a user (userId) or to a location (locationId): give exactly one",
  path: ["userId"]
})

/** Assigns assets to users or locations in one batch: every asset checked first, then one write. */
const assign = (assignments: ReadonlyArray<z.infer<typeof Assignment>>) =>
  change({
    assetIds: assignments.map((a) => a.assetId),
    action: "assigned",
    event: (change, asset) =>
      AssetAssigned.make({
        ...change,
        ...(asset.assignedTo !== undefined ? { userId: asset.assignedTo } : { locationId: asset.assignedLocationId! })
      }),
    plan: (asset, now, i) => {
      const { userId, locationId } = assignments[i]!
      return Effect.as(ensureTransition(asset, "in_use"), {
        ...unstored(unassigned(asset)),
        status: "in_use" as const,
        ...(userId !== undefined ? { assignedTo: userId } : { assignedLocationId: locationId!, locationId: locationId! }),
        assignedAt: now,
        updatedAt: now
      })
    }
  })

/**
 * Assigns an in-stock asset to a user or to a location (a meeting room, a site); it becomes
 * `in_use` and leaves its storage space.
 *
 * @since 0.1.0
 * @category operations
 */
export const assignAsset = Operation.make({
  id: "assets.assignAsset",
  summary: "Assign an in-stock asset to a user or a location; the asset becomes in use.",
  kind: "command",
  permission: "asset.assign",
  input: Assignment,
  output: Asset,
  events: [AssetAssigned],
  handler: (assignment) => Effect.map(assign([assignment]), (assigned) => assigned[0]!)
})

/**
 * Assigns many in-stock assets to users or locations at once (up to 1,000): all or none, in one
 * write.
 *
 * @since 0.1.0
 * @category operations
 */
export const assignAssets = Operation.make({
  id: "assets.assignAssets",
  summary: "Assign up to 1,000 in-stock assets to users or locations at once; all or none.",
  kind: "command",
  permission: "asset.assign",
  input: z.object({
    assignments: z.array(Assignment).min(1).max(1000).refine(
      (list) => new Set(list.map((a) => a.assetId)).size === list.length,
      { message: "an asset appears more than once" }
    )
  }),
  output: z.array(Asset),
  events: [AssetAssigned],
  handler: ({ assignments }) => Effect.map(assign(assignments), (assigned) => [...assigned])
})

/**
 * Input of {@link returnToStorage}.
 *
 * @since 0.1.0
 * @category inputs
 */
export const ReturnToStorageInput = z.object({
  assetIds: AssetIds,
  locationId: LocationId,
  storageSpace: StorageSpace,
  condition: Condition.optional(),
  reason: Reason.optional()
})

/**
 * Takes assets in use back into a storage space (up to 1,000, all or none): they become
 * `in_stock` there, their assignment ends, and the condition they came back in is recorded.
 *
 * @since 0.1.0
 * @category operations
 */
export const returnToStorage = Operation.make({
  id: "assets.returnToStorage",
  summary: "Take assets in use back into a storage space; they become in stock and their assignment ends.",
  kind: "command",
  permission: "asset.manage",
  input: ReturnToStorageInput,
  output: z.array(Asset),
  events: [AssetReturnedToStorage],
  handler: Effect.fn(function*({ assetIds, locationId, storageSpace, condition, reason }) {
    return [
      ...(yield* change({
        assetIds,
        action: "returned_to_storage",
        event: (change) => AssetReturnedToStorage.make(change),
        reason,
        plan: (asset, now) =>
          asset.status !== "in_use"
            ? Effect.fail(refuse("NotInUse", asset, "in_stock", `Asset ${asset.id} is ${asset.status}, not in use; only an asset in use is returned to storage`))
            : Effect.succeed({
              ...unassigned(asset),
              status: "in_stock" as const,
              locationId,
              storageSpace,
              ...(condition !== undefined ? { condition } : {}),
              updatedAt: now
            })
      }))
    ]
  })
})

/**
 * Input of {@link transferAssets}.
 *
 * @since 0.1.0
 * @category inputs
 */
export const TransferAssetsInput = z.object({
  assetIds: AssetIds,
  locationId: LocationId,
  storageSpace: StorageSpace,
  reason: Reason.optional()
})

/**
 * Moves in-stock assets to another storage space, of the same or another location (up to 1,000,
 * all or none); they stay `in_stock`.
 *
 * @since 0.1.0
 * @category operations
 */
export const transferAssets = Operation.make({
  id: "assets.transferAssets",
  summary: "Move in-stock assets to another storage space (of any location); they stay in stock.",
  kind: "command",
  permission: "asset.manage",
  input: TransferAssetsInput,
  output: z.array(Asset),
  events: [AssetTransferred],
  handler: Effect.fn(function*({ assetIds, locationId, storageSpace, reason }) {
    return [
      ...(yield* change({
        assetIds,
        action: "transferred",
        event: (change) => AssetTransferred.make(change),
        reason,
        plan: (asset, now) => {
          if (asset.status !== "in_stock") {
            return Effect.fail(refuse("NotInStock", asset, "in_stock", `Asset ${asset.id} is ${asset.status}; only an asset in stock is transferred between storage spaces`))
          }
          if (asset.locationId === locationId && asset.storageSpace === storageSpace) {
            return Effect.fail(refuse("SameStorageSpace", asset, "in_stock", `Asset ${asset.id} is already in ${locationId} / ${storageSpace}`))
          }
          return Effect.succeed({ ...asset, locationId, storageSpace, updatedAt: now })
        }
      }))
    ]
  })
})

/**
 * Input of {@link tagAssets}: asset tags (the labels stuck on the things) for assets, each tag
 * unique in the tenant.
 *
 * @since 0.1.0
 * @category inputs
 */
export const TagAssetsInput = z.object({
  tags: z.array(z.object({ assetId: Text.id, assetTag: Text.assetTag })).min(1).max(1000)
    .refine((tags) => new Set(tags.map((t) => t.assetId)).size === tags.length, { message: "an asset appears more than once" })
    .refine((tags) => new Set(tags.map((t) => t.assetTag)).size === tags.length, { message: "an asset tag appears more than once" })
})

/**
 * Puts asset tags on assets (up to 1,000, all or none), for example labels printed for template
 * assets before delivery, which receiving then resolves when they are scanned. A tag already on
 * another asset is refused (`AssetError` `TagTaken`, naming it; a tag given to another asset at
 * the same moment fails on the unique key, `StorageError` `UniqueViolation`); an asset that was
 * returned or retired is not tagged.
 *
 * @since 0.1.0
 * @category operations
 */
export const tagAssets = Operation.make({
  id: "assets.tagAssets",
  summary: "Put asset tags (labels) on assets, on order or received; each tag unique.",
  kind: "command",
  permission: "asset.manage",
  input: TagAssetsInput,
  output: z.array(Asset),
  events: [AssetTagged],
  handler: Effect.fn(function*({ tags }) {
    const storage = yield* Storage.Storage
    const wanted = tags.map((t) => t.assetTag)
    const holders = yield* Stream.runCollect(storage.stream(assets, { where: { assetTag: { in: wanted } }, limit: 1000 }))
    const tagOf = new Map(tags.map((t) => [t.assetId, t.assetTag]))
    return [
      ...(yield* change({
        assetIds: tags.map((t) => t.assetId),
        action: "tagged",
        event: (change, asset) => AssetTagged.make({ ...change, assetTag: asset.assetTag! }),
        plan: (asset, now) => {
          const assetTag = tagOf.get(asset.id)!
          const holder = holders.find((h) => h.assetTag === assetTag && h.id !== asset.id)
          if (holder !== undefined) {
            return Effect.fail(refuse("TagTaken", asset, asset.status, `Asset tag ${assetTag} is already on asset ${holder.id}`))
          }
          if (asset.status === "returned" || asset.status === "retired") {
            return Effect.fail(refuse("InvalidTransition", asset, asset.status, `Asset ${asset.id} is ${asset.status}; it is not tagged any more`))
          }
          return Effect.succeed({ ...asset, assetTag, updatedAt: now })
        }
      }))
    ]
  })
})

/**
 * The statuses {@link changeStatus} moves assets to. Assignment (`in_use`) has its own
 * operations; receipt (`on_order` to `in_stock`) and return to the vendor (`returned`) belong to
 * receiving.
 *
 * @since 0.1.0
 * @category models
 */
export const ChangeableStatus = z.enum(["in_stock", "in_maintenance", "retired", "missing"])

/**
 * Input of {@link changeStatus}: the new status, a reason (required for `retired` and
 * `missing`), and where the assets are now (required for `in_stock`).
 *
 * @since 0.1.0
 * @category inputs
 */
export const ChangeStatusInput = z.object({
  assetIds: AssetIds,
  status: ChangeableStatus,
  reason: Reason.optional(),
  locationId: LocationId.optional(),
  storageSpace: StorageSpace.optional()
})
  .refine((input) => (input.status !== "retired" && input.status !== "missing") || input.reason !== undefined, {
    message: "a reason is required to mark assets retired or missing",
    path: ["reason"]
  })
  .refine((input) => input.status !== "in_stock" || (input.locationId !== undefined && input.storageSpace !== undefined), {
    message: "putting assets back in stock needs the locationId and storageSpace they are in",
    path: ["storageSpace"]
  })
  .refine((input) => input.storageSpace === undefined || input.locationId !== undefined, {
    message: "a storageSpace needs the locationId it belongs to",
    path: ["locationId"]
  })

/**
 * Moves assets (up to 1,000, all or none) to maintenance, missing, retired, or back in stock, as
 * {@link transitions} allows; a refused asset's error lists the statuses it can move to. Any
 * assignment ends; a new location (and storage space) may be given.
 *
 * @since 0.1.0
 * @category operations
 */
export const changeStatus = Operation.make({
  id: "assets.changeStatus",
  summary: "Move assets to maintenance, missing, retired or back in stock, as the asset lifecycle allows.",
  kind: "command",
  permission: "asset.manage",
  input: ChangeStatusInput,
  output: z.array(Asset),
  events: [AssetStatusChanged],
  handler: Effect.fn(function*({ assetIds, status, reason, locationId, storageSpace }) {
    return [
      ...(yield* change({
        assetIds,
        action: "status_changed",
        event: (change) => AssetStatusChanged.make(change),
        reason,
        plan: (asset, now) => {
          // A template belongs to its order line: it leaves on_order by receipt, cancellation or revision.
          if (asset.status === "on_order") {
            return Effect.fail(refuse(
              "InvalidTransition",
              asset,
              status,
              `Asset ${asset.id} is on order (purchase order ${asset.purchaseOrderId}, line ${asset.purchaseOrderLineNo}); ` +
                `receive it, or cancel or revise the order line, instead of changing its status`
            ))
          }
          const moved = locationId === undefined ? unassigned(asset) : unstored(unassigned(asset))
          return Effect.as(ensureTransition(asset, status), {
            ...moved,
            status,
            ...(locationId !== undefined ? { locationId } : {}),
            ...(storageSpace !== undefined ? { storageSpace } : {}),
            updatedAt: now
          })
        }
      }))
    ]
  })
})

/**
 * The assets module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = {
  assignAsset,
  assignAssets,
  returnToStorage,
  transferAssets,
  changeStatus,
  tagAssets,
  getAsset,
  assetHistory,
  getAssetHistoryEntry,
  listAssets,
  countAssetsByStatus
}

/**
 * The methods of the asset service: one per operation of {@link operations}, taking its input
 * and giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface AssetsService extends Operation.Methods<typeof operations> {}

/**
 * The assets service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Assets extends Context.Service<Assets, AssetsService>()("@procura/core/Assets") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Assets, operations)
}

/**
 * The collections the assets module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [assets, assetHistoryEntries] as const
