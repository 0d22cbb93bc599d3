/**
 * Assets: the things bought, from the template asset created when a purchase order is submitted
 * ("on order"), through receipt ("in stock"), to assignment ("in use") (seed 002).
 *
 * Other modules create and activate assets through {@link createTemplates} and
 * {@link activateTemplates}; hosts use the operations.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Option, Stream } from "effect"
import { z } from "zod"
import { notFound } from "../Errors.js"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import { Money } from "../Money.js"
import * as Operation from "../Operation.js"
import * as Storage from "../Storage.js"
import { ItemKind } from "../catalog/Catalog.js"

// ----- model -----------------------------------------------------------------------------------

/**
 * The states of an asset, as users say them.
 *
 * @since 0.1.0
 * @category models
 */
export const AssetStatus = z.enum(["on_order", "in_stock", "in_use", "in_maintenance", "retired", "missing", "returned"])

/**
 * An asset state.
 *
 * @since 0.1.0
 * @category models
 */
export type AssetStatus = z.infer<typeof AssetStatus>

/**
 * Which state may follow which.
 *
 * @since 0.1.0
 * @category constants
 */
export const transitions: { readonly [S in AssetStatus]: ReadonlyArray<AssetStatus> } = {
  on_order: ["in_stock"],
  in_stock: ["in_use", "in_maintenance", "retired", "missing", "returned"],
  in_use: ["in_stock", "in_maintenance", "retired", "missing"],
  in_maintenance: ["in_stock", "in_use", "retired"],
  missing: ["in_stock", "retired"],
  retired: [],
  returned: []
}

/**
 * The condition an asset was received in.
 *
 * @since 0.1.0
 * @category models
 */
export const Condition = z.enum(["new", "good", "fair", "damaged"])

/**
 * An asset. A template asset (status `on_order`) carries only procurement data: item, purchase
 * order and line. Receiving fills in serial number, condition, location and storage space.
 *
 * @since 0.1.0
 * @category models
 */
export const Asset = z.object({
  id: z.string(),
  version: z.number().int(),
  status: AssetStatus,
  catalogItemId: z.string(),
  name: z.string(),
  kind: ItemKind,
  vendorId: z.string(),
  purchaseOrderId: z.string(),
  purchaseOrderLineNo: z.number().int(),
  unitCost: Money,
  serialNumber: z.string().optional(),
  assetTag: z.string().optional(),
  condition: Condition.optional(),
  locationId: z.string().optional(),
  storageSpace: z.string().optional(),
  assignedTo: z.string().optional(),
  receivedAt: z.string().optional(),
  assignedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string()
})

/**
 * An asset.
 *
 * @since 0.1.0
 * @category models
 */
export type Asset = z.infer<typeof Asset>

/**
 * Where assets are stored. Serial numbers and asset tags are unique per tenant.
 *
 * @since 0.1.0
 * @category collections
 */
export const assets = Storage.collection({
  name: "assets",
  schema: Asset,
  fields: {
    status: "string",
    catalogItemId: "string",
    vendorId: "string",
    purchaseOrderId: "string",
    purchaseOrderLineNo: "integer",
    serialNumber: "string",
    assetTag: "string",
    locationId: "string",
    assignedTo: "string"
  },
  indexes: [["purchaseOrderId", "purchaseOrderLineNo", "status"], ["status"], ["assignedTo"], ["catalogItemId"]],
  unique: [["serialNumber"], ["assetTag"]]
})

// ----- errors ----------------------------------------------------------------------------------

/**
 * An asset operation was refused: the asset is not in a state that allows it.
 *
 * @since 0.1.0
 * @category errors
 */
export class AssetError extends Data.TaggedError("AssetError")<{
  readonly reason: "InvalidTransition"
  readonly assetId: string
  readonly from: AssetStatus
  readonly to: AssetStatus
  readonly message: string
}> {}

/**
 * Checks that an asset may move to a state.
 *
 * @since 0.1.0
 * @category guards
 */
export const ensureTransition = (asset: Asset, to: AssetStatus): Effect.Effect<void, AssetError> =>
  transitions[asset.status].includes(to)
    ? Effect.void
    : Effect.fail(
      new AssetError({
        reason: "InvalidTransition",
        assetId: asset.id,
        from: asset.status,
        to,
        message: `Asset ${asset.id} is ${asset.status}; it can become ${transitions[asset.status].join(", ") || "nothing else"}, not ${to}`
      })
    )

// ----- module API (for other modules) ----------------------------------------------------------

/**
 * What a purchase order line tells the assets module when it is submitted.
 *
 * @since 0.1.0
 * @category models
 */
export interface TemplateRequest {
  readonly purchaseOrderId: string
  readonly vendorId: string
  readonly lineNo: number
  readonly catalogItemId: string
  readonly name: string
  readonly kind: ItemKind
  readonly quantity: number
  readonly unitCost: Money
}

/**
 * Creates one template asset (status `on_order`) per unit of each line, in batches, and
 * appends one `asset.templates_created` event per line.
 *
 * @since 0.1.0
 * @category module api
 */
export const createTemplates = Effect.fn("Assets.createTemplates")(function*(lines: ReadonlyArray<TemplateRequest>) {
  const storage = yield* Storage.Storage
  const total = lines.reduce((n, line) => n + line.quantity, 0)
  const ids = yield* Ids.nextMany(total)
  const now = yield* Events.now
  const records: Array<Storage.New<Asset>> = []
  const perLine: Array<Events.EventSpec> = []
  let next = 0
  for (const line of lines) {
    const lineIds = ids.slice(next, next + line.quantity)
    next += line.quantity
    for (const id of lineIds) {
      records.push({
        id,
        status: "on_order",
        catalogItemId: line.catalogItemId,
        name: line.name,
        kind: line.kind,
        vendorId: line.vendorId,
        purchaseOrderId: line.purchaseOrderId,
        purchaseOrderLineNo: line.lineNo,
        unitCost: line.unitCost,
        createdAt: now,
        updatedAt: now
      })
    }
    perLine.push({
      type: "asset.templates_created",
      aggregateType: "purchase_order",
      aggregateId: line.purchaseOrderId,
      payload: { purchaseOrderId: line.purchaseOrderId, lineNo: line.lineNo, assetIds: lineIds }
    })
  }
  yield* storage.insertMany(assets, records)
  yield* Events.append(...perLine)
  return total
})

/**
 * The details recorded for each unit received.
 *
 * @since 0.1.0
 * @category models
 */
export interface Activation {
  readonly serialNumber?: string | undefined
  readonly assetTag?: string | undefined
}

/**
 * Turns `units.length` template assets of a purchase order line into in-stock assets, recording
 * serial numbers, condition, location and storage space. Returns the activated assets; fails
 * with `NotEnoughTemplates` when fewer template assets remain than units.
 *
 * @since 0.1.0
 * @category module api
 */
export const activateTemplates = Effect.fn("Assets.activateTemplates")(function*(options: {
  readonly purchaseOrderId: string
  readonly lineNo: number
  readonly units: ReadonlyArray<Activation>
  readonly condition: z.infer<typeof Condition>
  readonly locationId: string
  readonly storageSpace: string
}) {
  const storage = yield* Storage.Storage
  const wanted = options.units.length
  const templates = yield* storage.stream(assets, {
    where: { purchaseOrderId: options.purchaseOrderId, purchaseOrderLineNo: options.lineNo, status: "on_order" },
    limit: Math.min(1000, Math.max(1, wanted))
  }).pipe(Stream.take(wanted), Stream.runCollect)
  if (templates.length < wanted) {
    return yield* new TemplatesMissing({
      purchaseOrderId: options.purchaseOrderId,
      lineNo: options.lineNo,
      wanted,
      found: templates.length,
      message: `Line ${options.lineNo} of purchase order ${options.purchaseOrderId} has ${templates.length} template assets on order, not ${wanted}`
    })
  }
  const now = yield* Events.now
  const activated = templates.map((template, i): Asset => {
    const unit = options.units[i]!
    return {
      ...template,
      status: "in_stock",
      ...(unit.serialNumber !== undefined ? { serialNumber: unit.serialNumber } : {}),
      ...(unit.assetTag !== undefined ? { assetTag: unit.assetTag } : {}),
      condition: options.condition,
      locationId: options.locationId,
      storageSpace: options.storageSpace,
      receivedAt: now,
      updatedAt: now
    }
  })
  return yield* storage.updateMany(assets, activated)
})

/**
 * Fewer template assets remain on order for a line than a receipt needs.
 *
 * @since 0.1.0
 * @category errors
 */
export class TemplatesMissing extends Data.TaggedError("TemplatesMissing")<{
  readonly purchaseOrderId: string
  readonly lineNo: number
  readonly wanted: number
  readonly found: number
  readonly message: string
}> {}

/**
 * Of the given serial numbers, those already recorded on an asset.
 *
 * @since 0.1.0
 * @category module api
 */
export const takenSerialNumbers = Effect.fn("Assets.takenSerialNumbers")(function*(serialNumbers: ReadonlyArray<string>) {
  const storage = yield* Storage.Storage
  const taken: Array<string> = []
  for (let i = 0; i < serialNumbers.length; i += 1000) {
    const batch = serialNumbers.slice(i, i + 1000)
    const page = yield* storage.find(assets, { where: { serialNumber: { in: batch } }, limit: 1000 })
    for (const asset of page.items) taken.push(asset.serialNumber!)
  }
  return taken
})

// ----- operations ------------------------------------------------------------------------------

const loadAsset = (id: string) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.flatMap(storage.get(assets, id), Option.match({
      onNone: () => Effect.fail(notFound("Asset", id)),
      onSome: Effect.succeed
    })))

const Assignment = z.object({ assetId: z.string().min(1), userId: z.string().trim().min(1) })

/** Assigns in-stock assets to users in one batch: every asset checked first, then one write. */
const assign = Effect.fn("Assets.assign")(function*(assignments: ReadonlyArray<z.infer<typeof Assignment>>) {
  const storage = yield* Storage.Storage
  const found = new Map((yield* storage.getMany(assets, assignments.map((a) => a.assetId))).map((a) => [a.id, a] as const))
  const now = yield* Events.now
  const changed: Array<Asset> = []
  for (const { assetId, userId } of assignments) {
    const asset = found.get(assetId)
    if (asset === undefined) return yield* notFound("Asset", assetId)
    yield* ensureTransition(asset, "in_use")
    changed.push({ ...asset, status: "in_use", assignedTo: userId, assignedAt: now, updatedAt: now })
  }
  const assigned = yield* storage.updateMany(assets, changed)
  yield* Events.append(...assigned.map((asset) => ({
    type: "asset.assigned",
    aggregateType: "asset",
    aggregateId: asset.id,
    payload: { assetId: asset.id, userId: asset.assignedTo, serialNumber: asset.serialNumber }
  })))
  return assigned
})

/**
 * Assigns an in-stock asset to a user; it becomes `in_use`.
 *
 * @since 0.1.0
 * @category operations
 */
export const assignAsset = Operation.make({
  id: "assets.assignAsset",
  summary: "Assign an in-stock asset to a user; the asset becomes in use.",
  kind: "command",
  permission: "asset.assign",
  input: Assignment,
  output: Asset,
  events: ["asset.assigned"],
  handler: (assignment) => Effect.map(assign([assignment]), (assigned) => assigned[0]!)
})

/**
 * Assigns many in-stock assets at once (up to 1,000): all or none, in one write.
 *
 * @since 0.1.0
 * @category operations
 */
export const assignAssets = Operation.make({
  id: "assets.assignAssets",
  summary: "Assign up to 1,000 in-stock assets to users at once; all or none.",
  kind: "command",
  permission: "asset.assign",
  input: z.object({
    assignments: z.array(Assignment).min(1).max(1000).refine(
      (list) => new Set(list.map((a) => a.assetId)).size === list.length,
      { message: "an asset appears more than once" }
    )
  }),
  output: z.array(Asset),
  events: ["asset.assigned"],
  handler: ({ assignments }) => Effect.map(assign(assignments), (assigned) => [...assigned])
})

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
  input: z.object({ id: z.string().min(1) }),
  output: Asset,
  events: [],
  handler: ({ id }) => loadAsset(id)
})

/**
 * Lists assets, filtered by status, purchase order or assignee.
 *
 * @since 0.1.0
 * @category operations
 */
export const listAssets = Operation.make({
  id: "assets.listAssets",
  summary: "List assets, optionally by status, purchase order or assignee.",
  kind: "query",
  permission: "asset.read",
  input: z.object({
    status: AssetStatus.optional(),
    purchaseOrderId: z.string().optional(),
    assignedTo: z.string().optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().optional()
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
    yield* storage.stream(assets, { limit: 1000 }).pipe(Stream.runForEach((asset) => Effect.sync(() => counts[asset.status]++)))
    return counts
  })
})

/**
 * The assets module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = { assignAsset, assignAssets, getAsset, listAssets, countAssetsByStatus }

/**
 * The assets service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Assets extends Context.Service<Assets, Operation.Methods<typeof operations>>()("@procura/core/Assets") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Assets, operations)
}

/**
 * The collections the assets module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [assets] as const
