/**
 * Returns to the vendor (seed 000 admits its flow supports none): received units of purchase
 * order lines go back to the vendor with a reason and, when the vendor issued one, an RMA number.
 * Each return is a document (`vendor_returns`) listing, per line, the units and the assets or the
 * stock they left.
 *
 * How units leave depends on how the line tracks them:
 * - asset lines: by asset id; each asset must be from that line and allowed to become `returned`
 *   (only an asset in stock is: one in use is taken back to storage first); it becomes `returned`
 *   with a `returned_to_vendor` history entry.
 * - consumable lines: a quantity from a location and storage space; stock goes down through an
 *   `issue` ledger entry issued to the vendor (`vendor:<id>`), never below zero.
 * - other goods (no assets, no stock): a quantity.
 * - software and services are not returned here.
 *
 * Credit or replacement, one model: a credited return (`replace: false`, the default) adds to the
 * line's `returnedQuantity`, and the line stays as received: the vendor owes a credit, not units.
 * A return the vendor replaces (`replace: true`) takes the units off the line's `receivedQuantity`
 * and counts them in its `replacedQuantity` instead: they no longer count as received, the
 * backorder re-opens (with a template asset per unit on asset lines) and the replacements are
 * received as usual. A line never returns more than it received and kept
 * (`receivedQuantity - returnedQuantity`).
 *
 * @since 0.1.0
 */
import { Context, Data, Effect } from "effect"
import { z } from "zod"
import { notFound } from "../Errors.js"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { type Asset, assets } from "../assets/AssetsModel.js"
import { changeOf, ensureTransition, writeChanges } from "../assets/internal/history.js"
import { AssetReturnedToVendor, AssetTemplatesCreated } from "../assets/AssetsEvents.js"
import { adjustTemplates } from "../purchasing/internal/templates.js"
import { loadPurchaseOrder, recordReturned, statusChanged } from "../purchasing/internal/orders.js"
import { hasAssets } from "../purchasing/internal/quantities.js"
import type { PurchaseOrderLine } from "../purchasing/PurchasingModel.js"
import { PurchaseOrderPartiallyReceived } from "../purchasing/PurchasingEvents.js"
import { returnToVendor as returnStock } from "../stock/internal/movements.js"
import { ReplenishmentNeeded, StockReturnedToVendor } from "../stock/StockEvents.js"
import { PurchaseOrderReturned } from "./ReceivingEvents.js"
import { admitReturn } from "./Receivability.js"

// ----- model -----------------------------------------------------------------------------------

/**
 * A line of a vendor return: the units of a purchase order line sent back, the assets among
 * them, and for consumables the storage space they left and the stock ledger entry.
 *
 * @since 0.1.0
 * @category models
 */
export const VendorReturnLine = z.object({
  lineNo: z.number().int().positive(),
  quantity: z.number().int().positive(),
  assetIds: z.array(z.string()),
  locationId: z.string().optional(),
  storageSpace: z.string().optional(),
  stockMovementId: z.string().optional()
})

/**
 * A vendor return line.
 *
 * @since 0.1.0
 * @category models
 */
export type VendorReturnLine = z.infer<typeof VendorReturnLine>

/**
 * A return to the vendor: who sent what back, when, why, under which RMA number, and whether
 * the vendor replaces the units (`replace`) or credits them.
 *
 * @since 0.1.0
 * @category models
 */
export const VendorReturn = z.object({
  id: z.string(),
  version: z.number().int(),
  purchaseOrderId: z.string(),
  vendorId: z.string(),
  returnedBy: z.string(),
  returnedAt: z.string(),
  reason: z.string(),
  rmaNumber: z.string().optional(),
  replace: z.boolean(),
  lines: z.array(VendorReturnLine)
})

/**
 * A vendor return.
 *
 * @since 0.1.0
 * @category models
 */
export type VendorReturn = z.infer<typeof VendorReturn>

/**
 * Where vendor returns are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const vendorReturns = Storage.collection({
  name: "vendor_returns",
  schema: VendorReturn,
  fields: { purchaseOrderId: "string", vendorId: "string", rmaNumber: "string", returnedAt: "timestamp" },
  indexes: [["purchaseOrderId"], ["vendorId"], ["rmaNumber"]]
})

// ----- errors ----------------------------------------------------------------------------------

/**
 * Why a return was refused.
 *
 * - `InvalidState`: the order is a draft; nothing was received.
 * - `UnknownLine`: the order has no line with that number.
 * - `NotReturnable`: software and services are not returned to the vendor here.
 * - `AssetsRequired`: the line tracks each unit as an asset; name the assets returned.
 * - `NotAnAssetLine`: asset ids were given for a line that creates no assets.
 * - `PlaceRequired`: a consumable line needs the location and storage space the units leave.
 * - `NotOnLine`: an asset is not from the purchase order line it is returned on.
 * - `ExceedsReceived`: more units than the line received and kept.
 *
 * @since 0.1.0
 * @category models
 */
export type ReturnErrorReason =
  | "InvalidState"
  | "UnknownLine"
  | "NotReturnable"
  | "AssetsRequired"
  | "NotAnAssetLine"
  | "PlaceRequired"
  | "NotOnLine"
  | "ExceedsReceived"

/**
 * A return was refused; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class ReturnError extends Data.TaggedError("ReturnError")<{
  readonly reason: ReturnErrorReason
  readonly message: string
  readonly purchaseOrderId: string
  readonly lineNo?: number
  readonly assetIds?: ReadonlyArray<string>
  readonly received?: number
  readonly requested?: number
}> {
  /** @since 0.1.0 */
  get isRetryable(): boolean {
    return false
  }
}

// ----- operations ------------------------------------------------------------------------------

/**
 * Input of {@link returnToVendor}. Each line gives the assets returned (asset lines) or a
 * quantity, and for consumables the location and storage space the units leave.
 *
 * @since 0.1.0
 * @category inputs
 */
export const ReturnToVendorInput = z.object({
  purchaseOrderId: Text.id,
  reason: Text.bounded(Text.limits.comment, "give a reason"),
  rmaNumber: Text.reference.optional(),
  replace: z.boolean().default(false),
  lines: z.array(
    z.object({
      lineNo: z.number().int().positive(),
      assetIds: z.array(Text.id).min(1).max(1000).optional(),
      quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1").optional(),
      locationId: Text.location.optional(),
      storageSpace: Text.location.optional()
    })
      .refine((line) => line.assetIds !== undefined || line.quantity !== undefined, {
        message: "give the assetIds returned (asset lines) or a quantity"
      })
      .refine((line) => line.assetIds === undefined || line.quantity === undefined || line.quantity === line.assetIds.length, {
        message: "quantity and the number of assetIds differ"
      })
      .refine((line) => (line.locationId === undefined) === (line.storageSpace === undefined), {
        message: "give both the locationId and the storageSpace the units leave, or neither",
        path: ["storageSpace"]
      })
  ).min(1, "a return needs at least one line").max(100)
    .refine((lines) => new Set(lines.map((l) => l.lineNo)).size === lines.length, { message: "a line appears more than once" })
    .refine((lines) => {
      const ids = lines.flatMap((l) => l.assetIds ?? [])
      return new Set(ids).size === ids.length
    }, { message: "an asset appears more than once" })
})

/**
 * What callers pass to {@link returnToVendor}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type ReturnToVendorInput = z.input<typeof ReturnToVendorInput>

/** How a line's units are tracked once received, and so how they are returned. */
const trackingOf = (line: PurchaseOrderLine): "assets" | "stock" | "count" | "none" =>
  line.kind === "software" || line.kind === "service"
    ? "none"
    : hasAssets(line)
    ? "assets"
    : line.kind === "consumable"
    ? "stock"
    : "count"

/** The asset once it left for the vendor: out of its storage space and of any assignment. */
const sentBack = (asset: Asset, now: string): Asset => {
  const { storageSpace: _space, assignedTo: _user, assignedLocationId: _location, assignedAt: _at, ...rest } = asset
  return { ...rest, status: "returned", updatedAt: now }
}

/**
 * Returns received units of a purchase order's lines to the vendor: assets become `returned`,
 * consumables leave stock, the lines count the units returned (credited) or take them off what
 * was received (replaced), and a return document is recorded. All or nothing.
 *
 * @since 0.1.0
 * @category operations
 */
export const returnToVendor = Operation.make({
  id: "receiving.returnToVendor",
  summary: "Return received units of a purchase order to the vendor, for credit or replacement, with a reason and RMA number.",
  kind: "command",
  permission: "receiving.return",
  input: ReturnToVendorInput,
  output: VendorReturn,
  events: [
    PurchaseOrderReturned,
    PurchaseOrderPartiallyReceived,
    AssetReturnedToVendor,
    AssetTemplatesCreated,
    StockReturnedToVendor,
    ReplenishmentNeeded
  ],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const order = yield* loadPurchaseOrder(input.purchaseOrderId)
    const refuse = (
      reason: ReturnErrorReason,
      message: string,
      extra: { lineNo?: number; assetIds?: ReadonlyArray<string>; received?: number; requested?: number } = {}
    ) => new ReturnError({ reason, message, purchaseOrderId: order.id, ...extra })
    if (order.status === "draft") {
      return yield* refuse("InvalidState", `Purchase order ${order.id} is a draft; nothing was received to return`)
    }

    const plan = []
    for (const line of input.lines) {
      const orderLine = order.lines.find((l) => l.lineNo === line.lineNo)
      if (orderLine === undefined) {
        return yield* refuse("UnknownLine", `Purchase order ${order.id} has no line ${line.lineNo}`, { lineNo: line.lineNo })
      }
      const name = `Line ${orderLine.lineNo} (${orderLine.description})`
      const tracking = trackingOf(orderLine)
      if (tracking === "none") {
        return yield* refuse(
          "NotReturnable",
          `${name} is ${orderLine.kind === "software" ? "software, whose licences are entitlements" : "a service"}; it is not returned to the vendor`,
          { lineNo: line.lineNo }
        )
      }
      if (tracking === "assets" && line.assetIds === undefined) {
        return yield* refuse("AssetsRequired", `${name} tracks each unit as an asset: give the assetIds returned`, { lineNo: line.lineNo })
      }
      if (tracking !== "assets" && line.assetIds !== undefined) {
        return yield* refuse("NotAnAssetLine", `${name} creates no assets, so it takes a quantity, not assetIds`, { lineNo: line.lineNo })
      }
      if (tracking === "stock" && line.storageSpace === undefined) {
        return yield* refuse(
          "PlaceRequired",
          `${name} is counted in stock: give the locationId and storageSpace the units leave`,
          { lineNo: line.lineNo }
        )
      }
      const quantity = line.assetIds?.length ?? line.quantity!
      const exceeds = admitReturn(orderLine, quantity)
      if (exceeds !== undefined) {
        return yield* refuse(exceeds.reason, exceeds.message, { lineNo: line.lineNo, received: orderLine.receivedQuantity, requested: quantity })
      }
      plan.push({ line, orderLine, quantity })
    }

    const assetIds = plan.flatMap((p) => p.line.assetIds ?? [])
    const found = new Map((yield* storage.getMany(assets, assetIds)).map((a) => [a.id, a] as const))
    const returning: Array<Asset> = []
    for (const { line } of plan) {
      for (const assetId of line.assetIds ?? []) {
        const asset = found.get(assetId)
        if (asset === undefined) return yield* notFound("Asset", assetId)
        if (asset.purchaseOrderId !== order.id || asset.purchaseOrderLineNo !== line.lineNo) {
          return yield* refuse(
            "NotOnLine",
            `Asset ${assetId} is not from line ${line.lineNo} of purchase order ${order.id}`,
            { lineNo: line.lineNo, assetIds: [assetId] }
          )
        }
        yield* ensureTransition(asset, "returned")
        returning.push(asset)
      }
    }

    // The order is written first: its version check makes concurrent returns and receipts of the
    // order take turns.
    const updated = yield* recordReturned(order, new Map(plan.map((p) => [p.line.lineNo, p.quantity])), input.replace)
    const id = yield* Ids.next
    const note = `${input.reason}${input.rmaNumber !== undefined ? ` (RMA ${input.rmaNumber})` : ""}`
    if (input.replace) {
      yield* adjustTemplates(
        updated,
        plan.map((p) => ({ before: p.orderLine, after: updated.lines.find((l) => l.lineNo === p.line.lineNo) })),
        `replacements for vendor return ${id}: ${note}`
      )
    }
    const now = yield* Events.now
    const changes = yield* writeChanges(returning.map((asset) => ({ before: asset, after: sentBack(asset, now), action: "returned_to_vendor" as const, reason: note })))

    const lines: Array<VendorReturnLine> = []
    for (const { line, orderLine, quantity } of plan) {
      const [movement] = trackingOf(orderLine) === "stock"
        ? yield* returnStock([{
          catalogItemId: orderLine.catalogItemId,
          locationId: line.locationId!,
          storageSpace: line.storageSpace!,
          quantity,
          purchaseOrderId: order.id,
          lineNo: orderLine.lineNo,
          reason: `Returned to the vendor (return ${id}): ${note}`
        }])
        : []
      lines.push({
        lineNo: line.lineNo,
        quantity,
        assetIds: line.assetIds ?? [],
        ...(line.locationId !== undefined ? { locationId: line.locationId, storageSpace: line.storageSpace! } : {}),
        ...(movement !== undefined ? { stockMovementId: movement.id } : {})
      })
    }
    const document = yield* storage.insertOne(vendorReturns, {
      id,
      purchaseOrderId: order.id,
      vendorId: order.vendorId,
      returnedBy: principal.userId,
      returnedAt: now,
      reason: input.reason,
      ...(input.rmaNumber !== undefined ? { rmaNumber: input.rmaNumber } : {}),
      replace: input.replace,
      lines
    })
    yield* Events.append(
      PurchaseOrderReturned.make({
        returnId: id,
        purchaseOrderId: order.id,
        vendorId: order.vendorId,
        reason: input.reason,
        ...(input.rmaNumber !== undefined ? { rmaNumber: input.rmaNumber } : {}),
        replace: input.replace,
        lines: lines.map((l) => ({
          lineNo: l.lineNo,
          quantity: l.quantity,
          assetIds: l.assetIds,
          serialNumbers: l.assetIds.flatMap((assetId) => {
            const serialNumber = found.get(assetId)?.serialNumber
            return serialNumber === undefined ? [] : [serialNumber]
          }),
          ...(l.locationId !== undefined ? { locationId: l.locationId } : {}),
          ...(l.storageSpace !== undefined ? { storageSpace: l.storageSpace } : {}),
          ...(l.stockMovementId !== undefined ? { stockMovementId: l.stockMovementId } : {})
        })),
        status: updated.status,
        previousStatus: order.status
      }),
      ...statusChanged(order, updated),
      ...changes.map(({ before, after }) => AssetReturnedToVendor.make({ ...changeOf(before!, after, note), returnId: id }))
    )
    return document
  })
})

/**
 * Reads one return to a vendor.
 *
 * @since 0.1.0
 * @category operations
 */
export const getVendorReturn = Operation.make({
  id: "receiving.getVendorReturn",
  summary: "Read one return to a vendor by id.",
  kind: "query",
  permission: "receiving.read",
  input: Paging.GetInput,
  output: VendorReturn,
  events: [],
  handler: ({ id }) => Paging.get(vendorReturns, "VendorReturn", id)
})

/**
 * Lists returns to vendors, oldest first: of a purchase order (which must exist), of a vendor,
 * under an RMA number, or all of them.
 *
 * @since 0.1.0
 * @category operations
 */
export const listVendorReturns = Operation.make({
  id: "receiving.listVendorReturns",
  summary: "List returns to vendors, oldest first, optionally of one purchase order or vendor, or under an RMA number.",
  kind: "query",
  permission: "receiving.read",
  input: Paging.PageInput.extend({
    purchaseOrderId: Text.id.optional(),
    vendorId: Text.id.optional(),
    rmaNumber: Text.reference.optional()
  }),
  output: Paging.Page(VendorReturn),
  events: [],
  handler: Effect.fn(function*({ purchaseOrderId, vendorId, rmaNumber, limit, cursor }) {
    if (purchaseOrderId !== undefined) yield* loadPurchaseOrder(purchaseOrderId)
    return yield* Paging.find(vendorReturns, {
      where: { purchaseOrderId, vendorId, rmaNumber },
      orderBy: [{ field: "returnedAt" }],
      limit,
      cursor
    })
  })
})

/**
 * The returns module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = { returnToVendor, getVendorReturn, listVendorReturns }

/**
 * The methods of the returns service: one per operation of {@link operations}, taking its input
 * and giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface ReturnsService extends Operation.Methods<typeof operations> {}

/**
 * The returns service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Returns extends Context.Service<Returns, ReturnsService>()("@procura/core/Returns") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Returns, operations)
}

/**
 * The collections the returns module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [vendorReturns] as const
