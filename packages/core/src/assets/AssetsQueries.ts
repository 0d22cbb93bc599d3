/**
 * The read operations of assets: one asset, its history, one history entry, a filtered list,
 * and counts by status.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { z } from "zod"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { Asset, AssetHistoryEntry, AssetStatus, assetHistoryEntries, assets } from "./AssetsModel.js"

const loadAsset = (id: string) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(assets, id, "Asset"))

/**
 * Reads one asset.
 *
 * @since 0.1.0
 * @category operations
 */
export const getAsset = Operation.make({
  id: "assets.getAsset",
  summary: "Read one asset by id.",
  kind: "query",
  permission: "asset.read",
  input: z.object({ id: Text.id }),
  output: Asset,
  events: [],
  handler: ({ id }) => loadAsset(id)
})

/**
 * Reads an asset's history, oldest first, from its creation on order on: who, when, what, from
 * and to which status, location, storage space and assignee, and why.
 *
 * @since 0.1.0
 * @category operations
 */
export const assetHistory = Operation.make({
  id: "assets.assetHistory",
  summary: "Read an asset's history, oldest first: who, when, from and to which status, place and assignee, and why.",
  kind: "query",
  permission: "asset.read",
  input: z.object({
    assetId: Text.id,
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: Text.cursor.optional()
  }),
  output: z.object({ items: z.array(AssetHistoryEntry), cursor: z.string().optional() }),
  events: [],
  handler: Effect.fn(function*({ assetId, limit, cursor }) {
    const storage = yield* Storage.Storage
    yield* loadAsset(assetId)
    const page = yield* storage.find(assetHistoryEntries, {
      where: { assetId },
      orderBy: [{ field: "assetVersion" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * Reads one entry of an asset's history.
 *
 * @since 0.1.0
 * @category operations
 */
export const getAssetHistoryEntry = Operation.make({
  id: "assets.getAssetHistoryEntry",
  summary: "Read one entry of an asset's history by id.",
  kind: "query",
  permission: "asset.read",
  input: Paging.GetInput,
  output: AssetHistoryEntry,
  events: [],
  handler: ({ id }) => Paging.get(assetHistoryEntries, "AssetHistoryEntry", id)
})

/**
 * Lists assets, filtered by status, purchase order, catalog item, assignee (user or location),
 * or location and storage space.
 *
 * @since 0.1.0
 * @category operations
 */
export const listAssets = Operation.make({
  id: "assets.listAssets",
  summary: "List assets, optionally by status, purchase order, item, assignee, location or storage space.",
  kind: "query",
  permission: "asset.read",
  input: z.object({
    status: AssetStatus.optional(),
    purchaseOrderId: Text.id.optional(),
    catalogItemId: Text.id.optional(),
    assignedTo: Text.id.optional(),
    assignedLocationId: Text.id.optional(),
    locationId: Text.location.optional(),
    storageSpace: Text.location.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: Text.cursor.optional()
  }),
  output: z.object({ items: z.array(Asset), cursor: z.string().optional() }),
  events: [],
  handler: Effect.fn(function*({ limit, cursor, ...where }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(assets, {
      where: Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined)),
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * Counts assets by status.
 *
 * @since 0.1.0
 * @category operations
 */
export const countAssetsByStatus = Operation.make({
  id: "assets.countAssetsByStatus",
  summary: "Count assets in each status.",
  kind: "query",
  permission: "asset.read",
  input: z.object({}),
  output: z.record(AssetStatus, z.number().int()),
  events: [],
  handler: Effect.fn(function*() {
    const storage = yield* Storage.Storage
    const counts = Object.fromEntries(AssetStatus.options.map((s) => [s, 0])) as Record<AssetStatus, number>
    for (const group of yield* storage.countBy(assets, "status")) if (group.value !== null) counts[group.value] = group.count
    return counts
  })
})
