/**
 * Purchase requests: what someone wants bought, priced from the catalog, and the approval
 * decision on it (seed 002: Request -> Approval).
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
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import { ItemKind, itemsById } from "../catalog/Catalog.js"

// ----- model -----------------------------------------------------------------------------------

/**
 * The states of a purchase request.
 *
 * @since 0.1.0
 * @category models
 */
export const RequestStatus = z.enum(["pending_approval", "approved", "rejected", "ordered"])

/**
 * A line of a purchase request, priced from the catalog.
 *
 * @since 0.1.0
 * @category models
 */
export const RequestLine = z.object({
  lineNo: z.number().int().positive(),
  catalogItemId: z.string(),
  description: z.string(),
  kind: ItemKind,
  vendorId: z.string(),
  quantity: z.number().int().positive(),
  unitCost: Money.Money,
  createAsset: z.boolean()
})

/**
 * An approval decision, kept as history.
 *
 * @since 0.1.0
 * @category models
 */
export const Decision = z.object({
  decision: z.enum(["approved", "rejected"]),
  by: z.string(),
  at: z.string(),
  comment: z.string().optional()
})

/**
 * A purchase request.
 *
 * @since 0.1.0
 * @category models
 */
export const PurchaseRequest = z.object({
  id: z.string(),
  version: z.number().int(),
  requesterId: z.string(),
  status: RequestStatus,
  justification: z.string().optional(),
  lines: z.array(RequestLine),
  total: Money.Money,
  decisions: z.array(Decision),
  purchaseOrderIds: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string()
})

/**
 * A purchase request.
 *
 * @since 0.1.0
 * @category models
 */
export type PurchaseRequest = z.infer<typeof PurchaseRequest>

/**
 * Where purchase requests are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const purchaseRequests = Storage.collection({
  name: "purchase_requests",
  schema: PurchaseRequest,
  fields: { status: "string", requesterId: "string", createdAt: "timestamp" },
  indexes: [["status"], ["requesterId"]]
})

// ----- errors ----------------------------------------------------------------------------------

/**
 * Why a requisition operation was refused.
 *
 * @since 0.1.0
 * @category models
 */
export type RequisitionErrorReason = "UnknownCatalogItem" | "VendorNotApproved" | "MixedCurrencies" | "InvalidState"

/**
 * A requisition operation was refused.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequisitionError extends Data.TaggedError("RequisitionError")<{
  readonly reason: RequisitionErrorReason
  readonly message: string
  readonly requestId?: string
  readonly lineIndex?: number
}> {}

// ----- operations ------------------------------------------------------------------------------

/**
 * Input of {@link createRequest}: catalog lines with quantities; the vendor defaults to the
 * item's first approved vendor.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CreateRequestInput = z.object({
  justification: z.string().max(2000).optional(),
  lines: z.array(z.object({
    catalogItemId: z.string().min(1),
    quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1").max(1_000_000),
    vendorId: z.string().min(1).optional()
  })).min(1, "a purchase request needs at least one line")
})

/**
 * Creates a purchase request from catalog items; prices come from the catalog's agreed costs.
 *
 * @since 0.1.0
 * @category operations
 */
export const createRequest = Operation.make({
  id: "requisition.createRequest",
  summary: "Create a purchase request for catalog items; it waits for approval.",
  kind: "command",
  permission: "request.create",
  input: CreateRequestInput,
  output: PurchaseRequest,
  events: ["purchase_request.created"],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const items = yield* itemsById(input.lines.map((l) => l.catalogItemId))
    const lines: Array<z.infer<typeof RequestLine>> = []
    for (const [index, line] of input.lines.entries()) {
      const item = items.get(line.catalogItemId)
      if (item === undefined) {
        return yield* new RequisitionError({
          reason: "UnknownCatalogItem",
          lineIndex: index,
          message: `Line ${index + 1}: no catalog item with id ${line.catalogItemId}`
        })
      }
      const approved = line.vendorId === undefined
        ? item.approvedVendors[0]
        : item.approvedVendors.find((v) => v.vendorId === line.vendorId)
      if (approved === undefined) {
        return yield* new RequisitionError({
          reason: "VendorNotApproved",
          lineIndex: index,
          message: `Line ${index + 1}: vendor ${line.vendorId} is not an approved vendor of ${item.name}`
        })
      }
      lines.push({
        lineNo: index + 1,
        catalogItemId: item.id,
        description: item.name,
        kind: item.kind,
        vendorId: approved.vendorId,
        quantity: line.quantity,
        unitCost: approved.unitCost,
        createAsset: item.createAsset
      })
    }
    const currency = lines[0]!.unitCost.currency
    const total = Money.sum(lines.map((l) => Money.times(l.unitCost, l.quantity)), currency)
    if (total === undefined) {
      return yield* new RequisitionError({ reason: "MixedCurrencies", message: "All lines of a request must be priced in one currency" })
    }
    const now = yield* Events.now
    const [request] = yield* storage.insertMany(purchaseRequests, [{
      id: yield* Ids.next,
      requesterId: principal.userId,
      status: "pending_approval",
      ...(input.justification !== undefined ? { justification: input.justification } : {}),
      lines,
      total,
      decisions: [],
      purchaseOrderIds: [],
      createdAt: now,
      updatedAt: now
    }])
    yield* Events.append({
      type: "purchase_request.created",
      aggregateType: "purchase_request",
      aggregateId: request!.id,
      payload: { requestId: request!.id, total, lines: lines.length }
    })
    return request!
  })
})

/**
 * Loads a request of the caller's tenant or fails with `NotFound`.
 *
 * @since 0.1.0
 * @category module api
 */
export const loadRequest = (id: string) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.flatMap(storage.get(purchaseRequests, id), Option.match({
      onNone: () => Effect.fail(notFound("PurchaseRequest", id)),
      onSome: Effect.succeed
    })))

/**
 * Records that an approved request became purchase orders; its status becomes `ordered`.
 *
 * @since 0.1.0
 * @category module api
 */
export const markOrdered = Effect.fn("Requisition.markOrdered")(function*(request: PurchaseRequest, purchaseOrderIds: ReadonlyArray<string>) {
  const storage = yield* Storage.Storage
  const [updated] = yield* storage.updateMany(purchaseRequests, [{
    ...request,
    status: "ordered",
    purchaseOrderIds: [...request.purchaseOrderIds, ...purchaseOrderIds],
    updatedAt: yield* Events.now
  }])
  return updated!
})

const decide = (decision: "approved" | "rejected") =>
  Effect.fn(function*(input: { readonly requestId: string; readonly comment?: string | undefined }) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const request = yield* loadRequest(input.requestId)
    if (request.status !== "pending_approval") {
      return yield* new RequisitionError({
        reason: "InvalidState",
        requestId: request.id,
        message: `Purchase request ${request.id} is ${request.status}; only a request pending approval can be ${decision}`
      })
    }
    const now = yield* Events.now
    const [updated] = yield* storage.updateMany(purchaseRequests, [{
      ...request,
      status: decision,
      decisions: [...request.decisions, {
        decision,
        by: principal.userId,
        at: now,
        ...(input.comment !== undefined ? { comment: input.comment } : {})
      }],
      updatedAt: now
    }])
    yield* Events.append({
      type: `purchase_request.${decision}`,
      aggregateType: "purchase_request",
      aggregateId: request.id,
      payload: { requestId: request.id, by: principal.userId, comment: input.comment }
    })
    return updated!
  })

const DecisionInput = z.object({ requestId: z.string().min(1), comment: z.string().max(2000).optional() })

/**
 * Approves a request pending approval.
 *
 * @since 0.1.0
 * @category operations
 */
export const approveRequest = Operation.make({
  id: "requisition.approveRequest",
  summary: "Approve a purchase request that is pending approval.",
  kind: "command",
  permission: "request.approve",
  input: DecisionInput,
  output: PurchaseRequest,
  events: ["purchase_request.approved"],
  handler: decide("approved")
})

/**
 * Rejects a request pending approval, with a comment saying why.
 *
 * @since 0.1.0
 * @category operations
 */
export const rejectRequest = Operation.make({
  id: "requisition.rejectRequest",
  summary: "Reject a purchase request that is pending approval.",
  kind: "command",
  permission: "request.approve",
  input: DecisionInput,
  output: PurchaseRequest,
  events: ["purchase_request.rejected"],
  handler: decide("rejected")
})

/**
 * Reads one request.
 *
 * @since 0.1.0
 * @category operations
 */
export const getRequest = Operation.make({
  id: "requisition.getRequest",
  summary: "Read one purchase request by id.",
  kind: "query",
  permission: "request.read",
  input: z.object({ id: z.string().min(1) }),
  output: PurchaseRequest,
  events: [],
  handler: ({ id }) => loadRequest(id)
})

/**
 * The requisition module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = { createRequest, approveRequest, rejectRequest, getRequest }

/**
 * The requisition service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Requisition extends Context.Service<Requisition, Operation.Methods<typeof operations>>()("@procura/core/Requisition") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Requisition, operations)
}

/**
 * The collections the requisition module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [purchaseRequests] as const
