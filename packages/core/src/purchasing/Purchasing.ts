/**
 * Purchase orders: an approved request becomes one purchase order per vendor; submitting an
 * order creates a template asset ("on order") per unit of every line flagged create-asset
 * (seed 002: Approval -> Purchase Order).
 *
 * @since 0.1.0
 */
import { Context, Data, Effect, Option } from "effect"
import { z } from "zod"
import { notFound } from "../Errors.js"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Money from "../Money.js"
import * as Operation from "../Operation.js"
import * as Storage from "../Storage.js"
import { createTemplates } from "../assets/Assets.js"
import { ItemKind } from "../catalog/Catalog.js"
import { loadRequest, markOrdered } from "../requisition/Requisition.js"

// ----- model -----------------------------------------------------------------------------------

/**
 * The states of a purchase order.
 *
 * @since 0.1.0
 * @category models
 */
export const PurchaseOrderStatus = z.enum(["draft", "submitted", "partially_received", "received", "cancelled"])

/**
 * A purchase order status.
 *
 * @since 0.1.0
 * @category models
 */
export type PurchaseOrderStatus = z.infer<typeof PurchaseOrderStatus>

/**
 * A purchase order line. `receivedQuantity` never exceeds `quantity` minus `cancelledQuantity`
 * (plus the over-receipt tolerance, when one applies); `returnedQuantity` counts received units
 * sent back to the vendor. `capitalisable` service lines get a fixed-asset record when received.
 *
 * @since 0.1.0
 * @category models
 */
export const PurchaseOrderLine = z.object({
  lineNo: z.number().int().positive(),
  catalogItemId: z.string(),
  description: z.string(),
  kind: ItemKind,
  quantity: z.number().int().positive(),
  unitCost: Money.Money,
  createAsset: z.boolean(),
  capitalisable: z.boolean(),
  receivedQuantity: z.number().int().nonnegative(),
  cancelledQuantity: z.number().int().nonnegative(),
  returnedQuantity: z.number().int().nonnegative()
})

/**
 * A purchase order line.
 *
 * @since 0.1.0
 * @category models
 */
export type PurchaseOrderLine = z.infer<typeof PurchaseOrderLine>

/**
 * A purchase order to one vendor.
 *
 * @since 0.1.0
 * @category models
 */
export const PurchaseOrder = z.object({
  id: z.string(),
  version: z.number().int(),
  vendorId: z.string(),
  requestId: z.string().optional(),
  status: PurchaseOrderStatus,
  lines: z.array(PurchaseOrderLine),
  total: Money.Money,
  submittedAt: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string()
})

/**
 * A purchase order.
 *
 * @since 0.1.0
 * @category models
 */
export type PurchaseOrder = z.infer<typeof PurchaseOrder>

/**
 * Where purchase orders are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const purchaseOrders = Storage.collection({
  name: "purchase_orders",
  schema: PurchaseOrder,
  fields: { vendorId: "string", requestId: "string", status: "string", createdAt: "timestamp" },
  indexes: [["vendorId"], ["requestId"], ["status"]]
})

// ----- errors ----------------------------------------------------------------------------------

/**
 * A purchasing operation was refused because the order or request is in the wrong state.
 *
 * @since 0.1.0
 * @category errors
 */
export class PurchasingError extends Data.TaggedError("PurchasingError")<{
  readonly reason: "RequestNotApproved" | "InvalidState"
  readonly message: string
  readonly id: string
}> {}

// ----- module API ------------------------------------------------------------------------------

/**
 * Loads a purchase order of the caller's tenant or fails with `NotFound`.
 *
 * @since 0.1.0
 * @category module api
 */
export const loadPurchaseOrder = (id: string) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.flatMap(storage.get(purchaseOrders, id), Option.match({
      onNone: () => Effect.fail(notFound("PurchaseOrder", id)),
      onSome: Effect.succeed
    })))

/**
 * The status an order has given what its lines received.
 *
 * @since 0.1.0
 * @category module api
 */
export const receivingStatus = (lines: ReadonlyArray<PurchaseOrderLine>): PurchaseOrderStatus => {
  const received = lines.reduce((n, l) => n + l.receivedQuantity, 0)
  if (received === 0) return "submitted"
  return lines.every((l) => l.receivedQuantity >= openQuantity(l)) ? "received" : "partially_received"
}

/**
 * The quantity a line still expects in all: ordered minus cancelled.
 *
 * @since 0.1.0
 * @category module api
 */
export const openQuantity = (line: PurchaseOrderLine): number => line.quantity - line.cancelledQuantity

/**
 * The units of a line not yet received nor cancelled (the backorder), never negative.
 *
 * @since 0.1.0
 * @category module api
 */
export const backorderedQuantity = (line: PurchaseOrderLine): number => Math.max(0, openQuantity(line) - line.receivedQuantity)

/**
 * Records units received against an order's lines (line number -> quantity) and moves the
 * order to `partially_received` or `received`. Callers have checked the quantities.
 *
 * @since 0.1.0
 * @category module api
 */
export const recordReceived = Effect.fn("Purchasing.recordReceived")(function*(
  order: PurchaseOrder,
  received: ReadonlyMap<number, number>
) {
  const storage = yield* Storage.Storage
  const lines = order.lines.map((line) => ({ ...line, receivedQuantity: line.receivedQuantity + (received.get(line.lineNo) ?? 0) }))
  const [updated] = yield* storage.updateMany(purchaseOrders, [{
    ...order,
    lines,
    status: receivingStatus(lines),
    updatedAt: yield* Events.now
  }])
  return updated!
})

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
  input: z.object({ requestId: z.string().min(1) }),
  output: z.array(PurchaseOrder),
  events: ["purchase_order.created"],
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
        capitalisable: false,
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
    yield* Events.append(...created.map((order) => ({
      type: "purchase_order.created",
      aggregateType: "purchase_order",
      aggregateId: order.id,
      payload: { purchaseOrderId: order.id, vendorId: order.vendorId, requestId, total: order.total }
    })))
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
  input: z.object({ purchaseOrderId: z.string().min(1) }),
  output: PurchaseOrder,
  events: ["purchase_order.submitted", "asset.templates_created"],
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
    const [submitted] = yield* storage.updateMany(purchaseOrders, [{ ...order, status: "submitted", submittedAt: now, updatedAt: now }])
    const templates = yield* createTemplates(order.lines.filter((line) => line.createAsset).map((line) => ({
      purchaseOrderId,
      vendorId: order.vendorId,
      lineNo: line.lineNo,
      catalogItemId: line.catalogItemId,
      name: line.description,
      kind: line.kind,
      quantity: line.quantity,
      unitCost: line.unitCost
    })))
    yield* Events.append({
      type: "purchase_order.submitted",
      aggregateType: "purchase_order",
      aggregateId: purchaseOrderId,
      payload: { purchaseOrderId, vendorId: order.vendorId, total: order.total, templateAssets: templates }
    })
    return submitted!
  })
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
  input: z.object({ id: z.string().min(1) }),
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
    vendorId: z.string().optional(),
    status: PurchaseOrderStatus.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().optional()
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
export const operations = { createFromRequest, submitPurchaseOrder, getPurchaseOrder, listPurchaseOrders }

/**
 * The purchasing service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Purchasing extends Context.Service<Purchasing, Operation.Methods<typeof operations>>()("@procura/core/Purchasing") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Purchasing, operations)
}

/**
 * The collections the purchasing module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [purchaseOrders] as const
