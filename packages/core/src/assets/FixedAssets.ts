/**
 * Fixed assets: the accounting record of a capitalised purchase. Seed 000 keeps services out of
 * the inventory (no asset per unit, nothing to scan or assign) but still creates a fixed asset
 * for a service that is capitalised; goods keep their inventory assets.
 *
 * Receiving a purchase order line marked `capitalisable` (a service delivered and confirmed)
 * records one fixed asset per line per receipt, for the cost of the units received.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import { z } from "zod"
import * as Money from "../Money.js"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"

/**
 * A fixed-asset record.
 *
 * @since 0.1.0
 * @category models
 */
export const FixedAsset = z.object({
  id: z.string(),
  version: z.number().int(),
  purchaseOrderId: z.string(),
  lineNo: z.number().int().positive(),
  catalogItemId: z.string(),
  description: z.string(),
  vendorId: z.string(),
  quantity: z.number().int().positive(),
  cost: Money.Money,
  receiptId: z.string(),
  capitalisedAt: z.string()
})

/**
 * A fixed asset.
 *
 * @since 0.1.0
 * @category models
 */
export type FixedAsset = z.infer<typeof FixedAsset>

/**
 * Where fixed assets are stored: at most one per receipt and line.
 *
 * @since 0.1.0
 * @category collections
 */
export const fixedAssets = Storage.collection({
  name: "fixed_assets",
  schema: FixedAsset,
  fields: { purchaseOrderId: "string", receiptId: "string", lineNo: "integer", capitalisedAt: "timestamp" },
  indexes: [["purchaseOrderId"]],
  unique: [["receiptId", "lineNo"]]
})

/**
 * Reads one fixed-asset record.
 *
 * @since 0.1.0
 * @category operations
 */
export const getFixedAsset = Operation.make({
  id: "fixedAssets.getFixedAsset",
  summary: "Read one fixed-asset record (a capitalised service) by id.",
  kind: "query",
  permission: "asset.read",
  input: Paging.GetInput,
  output: FixedAsset,
  events: [],
  handler: ({ id }) => Paging.get(fixedAssets, "FixedAsset", id)
})

/**
 * Lists fixed assets, newest first, optionally of one purchase order.
 *
 * @since 0.1.0
 * @category operations
 */
export const listFixedAssets = Operation.make({
  id: "fixedAssets.listFixedAssets",
  summary: "List fixed-asset records (capitalised services), newest first, optionally of one purchase order.",
  kind: "query",
  permission: "asset.read",
  input: z.object({
    purchaseOrderId: Text.id.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: Text.cursor.optional()
  }),
  output: z.object({ items: z.array(FixedAsset), cursor: z.string().optional() }),
  events: [],
  handler: Effect.fn(function*({ purchaseOrderId, limit, cursor }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(fixedAssets, {
      ...(purchaseOrderId !== undefined ? { where: { purchaseOrderId } } : {}),
      orderBy: [{ field: "capitalisedAt", direction: "desc" }],
      ...(limit !== undefined ? { limit } : {}),
      ...(cursor !== undefined ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) }
  })
})

/**
 * The fixed-assets module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = { getFixedAsset, listFixedAssets }

/**
 * The methods of the fixed-asset service: one per operation of {@link operations}, taking its input
 * and giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface FixedAssetsService extends Operation.Methods<typeof operations> {}

/**
 * The fixed-assets service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class FixedAssets extends Context.Service<FixedAssets, FixedAssetsService>()("@procura/core/FixedAssets") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(FixedAssets, operations)
}

/**
 * The collections the fixed-assets module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [fixedAssets] as const
