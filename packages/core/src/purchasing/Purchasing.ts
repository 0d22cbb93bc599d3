/**
 * Purchase orders: an approved request becomes one purchase order per vendor; submitting an
 * order creates a template asset ("on order") per unit of every line flagged create-asset
 * (seed 002: Approval -> Purchase Order).
 *
 * A submitted order can still change (seed 000 admits its flow cannot): {@link revisePurchaseOrder}
 * changes quantities and unit costs, adds and removes lines; {@link cancelPurchaseOrder} and
 * {@link cancelPurchaseOrderLines} cancel what is still outstanding. Template assets follow: one
 * on order per outstanding unit, never touching what was received. Every such change is a numbered
 * revision of the order, kept with who, when, why and each line before and after
 * ({@link listPurchaseOrderRevisions}).
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import { z } from "zod"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Money from "../Money.js"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { AssetTemplatesCreated } from "../assets/AssetsEvents.js"
import { EntitlementCreated } from "../licensing/LicensingEvents.js"
import { loadRequest, markOrdered } from "../requisition/internal/requests.js"
import { PurchaseOrderCreated, PurchaseOrderSubmitted } from "./PurchasingEvents.js"
import { loadPurchaseOrder } from "./internal/orders.js"
import { placeOrder } from "./internal/submission.js"
import { PurchaseOrder, PurchaseOrderRevision, PurchaseOrderStatus, purchaseOrderRevisions, purchaseOrders } from "./PurchasingModel.js"
import { PurchasingError } from "./PurchasingErrors.js"
import { importPurchaseOrder } from "./ExternalOrders.js"
import { cancelPurchaseOrder, cancelPurchaseOrderLines, revisePurchaseOrder } from "./Revisions.js"

export { PurchasingError } from "./PurchasingErrors.js"
export type { PurchasingErrorReason } from "./PurchasingErrors.js"
export { ImportPurchaseOrderInput, importPurchaseOrder } from "./ExternalOrders.js"
export { CancelPurchaseOrderLinesInput, RevisePurchaseOrderInput, cancelPurchaseOrder, cancelPurchaseOrderLines, revisePurchaseOrder } from "./Revisions.js"

// ----- model: in PurchasingModel.ts, re-exported ----------------------------------------

export * from "./PurchasingModel.js"
export type { LineUpdate } from "./internal/templates.js"
export { backorderedQuantity, hasAssets, openQuantity, orderTotal, outstandingQuantity, receivingStatus } from "./internal/quantities.js"

// ----- module API ------------------------------------------------------------------------------

// ----- operations ------------------------------------------------------------------------------

/**
 * Turns an approved request into purchase orders, one per vendor, in status `draft`.
 *
 * @since 0.1.0
 * @category operations
 */
export const createFromRequest = Operation.make({
  id: "purchasing.createFromRequest",
  summary: "Convert an approved purchase request into draft purchase orders, one per vendor.",
  kind: "command",
  permission: "purchase_order.manage",
  input: z.object({ requestId: Text.id }),
  output: z.array(PurchaseOrder),
  events: [PurchaseOrderCreated],
  handler: Effect.fn(function*({ requestId }) {
    const storage = yield* Storage.Storage
    const request = yield* loadRequest(requestId)
    if (request.status !== "approved") {
      return yield* new PurchasingError({
        reason: "RequestNotApproved",
        id: requestId,
        message: `Purchase request ${requestId} is ${request.status}; only an approved request becomes a purchase order`
      })
    }
    const byVendor = Map.groupBy(request.lines, (line) => line.vendorId)
    const ids = yield* Ids.nextMany(byVendor.size)
    const now = yield* Events.now
    const orders = [...byVendor].map(([vendorId, lines], i): Storage.New<PurchaseOrder> => ({
      id: ids[i]!,
      vendorId,
      requestId,
      status: "draft",
      lines: lines.map((line, n) => ({
        lineNo: n + 1,
        catalogItemId: line.catalogItemId,
        description: line.description,
        kind: line.kind,
        quantity: line.quantity,
        unitCost: line.unitCost,
        createAsset: line.createAsset,
        // Requests stored before the flag existed are not capitalisable.
        capitalisable: line.capitalisable ?? false,
        receivedQuantity: 0,
        cancelledQuantity: 0,
        returnedQuantity: 0
      })),
      total: Money.sum(lines.map((l) => Money.times(l.unitCost, l.quantity)), request.total.currency)!,
      createdAt: now,
      updatedAt: now
    }))
    const created = yield* storage.insertMany(purchaseOrders, orders)
    yield* markOrdered(request, created.map((o) => o.id))
    yield* Events.append(...created.map((order) =>
      PurchaseOrderCreated.make({
        purchaseOrderId: order.id,
        vendorId: order.vendorId,
        requestId,
        status: order.status,
        total: order.total,
        lines: order.lines
      })
    ))
    return [...created]
  })
})

/**
 * Submits a draft purchase order to its vendor: one template asset per unit of each
 * create-asset line, status `on_order`.
 *
 * @since 0.1.0
 * @category operations
 */
export const submitPurchaseOrder = Operation.make({
  id: "purchasing.submitPurchaseOrder",
  summary: "Submit a draft purchase order; create-asset lines get one on-order template asset per unit.",
  kind: "command",
  permission: "purchase_order.manage",
  input: z.object({ purchaseOrderId: Text.id }),
  output: PurchaseOrder,
  events: [PurchaseOrderSubmitted, AssetTemplatesCreated, EntitlementCreated],
  handler: Effect.fn(function*({ purchaseOrderId }) {
    const storage = yield* Storage.Storage
    const order = yield* loadPurchaseOrder(purchaseOrderId)
    if (order.status !== "draft") {
      return yield* new PurchasingError({
        reason: "InvalidState",
        id: purchaseOrderId,
        message: `Purchase order ${purchaseOrderId} is ${order.status}; only a draft can be submitted`
      })
    }
    const now = yield* Events.now
    const submitted = yield* storage.updateOne(purchaseOrders, { ...order, status: "submitted", submittedAt: now, updatedAt: now })
    yield* placeOrder({ ...submitted, submittedAt: now })
    return submitted
  })
})

// ----- reads ---------------------------------------------------------------------------------

/**
 * Lists the revisions of a purchase order, oldest first: revisions and cancellations, each with
 * who, when, why and every line before and after.
 *
 * @since 0.1.0
 * @category operations
 */
export const listPurchaseOrderRevisions = Operation.make({
  id: "purchasing.listPurchaseOrderRevisions",
  summary: "List the revisions of a purchase order, oldest first: who, when, why, each line before and after.",
  kind: "query",
  permission: "purchase_order.read",
  input: z.object({
    purchaseOrderId: Text.id,
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: Text.cursor.optional()
  }),
  output: z.object({ items: z.array(PurchaseOrderRevision), cursor: z.string().optional() }),
  events: [],
  handler: Effect.fn(function*({ purchaseOrderId, limit, cursor }) {
    const storage = yield* Storage.Storage
    yield* loadPurchaseOrder(purchaseOrderId)
    const page = yield* storage.find(purchaseOrderRevisions, {
      where: { purchaseOrderId },
      orderBy: [{ field: "revision" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * Reads one revision of a purchase order.
 *
 * @since 0.1.0
 * @category operations
 */
export const getPurchaseOrderRevision = Operation.make({
  id: "purchasing.getPurchaseOrderRevision",
  summary: "Read one purchase order revision by id: who, when, why, each line before and after.",
  kind: "query",
  permission: "purchase_order.read",
  input: Paging.GetInput,
  output: PurchaseOrderRevision,
  events: [],
  handler: ({ id }) => Paging.get(purchaseOrderRevisions, "PurchaseOrderRevision", id)
})

/**
 * Reads one purchase order.
 *
 * @since 0.1.0
 * @category operations
 */
export const getPurchaseOrder = Operation.make({
  id: "purchasing.getPurchaseOrder",
  summary: "Read one purchase order by id.",
  kind: "query",
  permission: "purchase_order.read",
  input: z.object({ id: Text.id }),
  output: PurchaseOrder,
  events: [],
  handler: ({ id }) => loadPurchaseOrder(id)
})

/**
 * Lists purchase orders, newest first, optionally by vendor or status.
 *
 * @since 0.1.0
 * @category operations
 */
export const listPurchaseOrders = Operation.make({
  id: "purchasing.listPurchaseOrders",
  summary: "List purchase orders, newest first, optionally by vendor or status.",
  kind: "query",
  permission: "purchase_order.read",
  input: z.object({
    vendorId: Text.id.optional(),
    status: PurchaseOrderStatus.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: Text.cursor.optional()
  }),
  output: z.object({ items: z.array(PurchaseOrder), cursor: z.string().optional() }),
  events: [],
  handler: Effect.fn(function*({ limit, cursor, ...where }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(purchaseOrders, {
      where: Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined)),
      orderBy: [{ field: "createdAt", direction: "desc" }],
      ...(limit ? { limit } : {}),
      ...(cursor ? { cursor } : {})
    })
    return { items: [...page.items], ...(page.cursor ? { cursor: page.cursor } : {}) }
  })
})

/**
 * The purchasing module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = {
  createFromRequest,
  submitPurchaseOrder,
  importPurchaseOrder,
  revisePurchaseOrder,
  cancelPurchaseOrder,
  cancelPurchaseOrderLines,
  getPurchaseOrder,
  listPurchaseOrders,
  getPurchaseOrderRevision,
  listPurchaseOrderRevisions
}

/**
 * The methods of the purchasing service: one per operation of {@link operations}, taking its input
 * and giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface PurchasingService extends Operation.Methods<typeof operations> {}

/**
 * The purchasing service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Purchasing extends Context.Service<Purchasing, PurchasingService>()("@procura/core/Purchasing") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Purchasing, operations)
}

/**
 * The collections the purchasing module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [purchaseOrders, purchaseOrderRevisions] as const
