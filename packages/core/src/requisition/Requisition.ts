/**
 * Purchase requests: what someone wants bought, priced from the catalog, bought through the
 * right channel, and approved along the chain the approval policy sets (seed 002: Request ->
 * Approval; seed 000: service catalog vs shopping hub).
 *
 * What is not in the catalog is requested with a custom line stating its kind, description,
 * vendor and unit cost (seed 002: "it must be manually defined"). A custom line becomes a hidden
 * catalog item (`Catalog.customItem`), so purchase orders, template assets and stock treat it
 * like any catalog item.
 *
 * A request's approval is a chain of steps decided in sequence. Each step names its approver
 * (a role, a user, or the requester's manager resolved to a user); the step's approver may
 * delegate it to a named deputy; any step may reject with a reason; a rejected request can be
 * revised and resubmitted, which plans a fresh chain. Every action lands in the request's history
 * with who, when and why.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import { z } from "zod"
import { AccessDenied } from "../Errors.js"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Operation from "../Operation.js"
import * as Paging from "../Paging.js"
import { CurrentPrincipal, type Principal } from "../Principal.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { Channel } from "../catalog/CatalogModel.js"
import { PurchaseRequestApproved, PurchaseRequestCreated, PurchaseRequestDelegated, PurchaseRequestRejected, PurchaseRequestResubmitted, PurchaseRequestStepApproved } from "./RequisitionEvents.js"
import { loadRequest, withDecider } from "./internal/requests.js"
import { ApprovalStep, PurchaseRequest, RequestStatus, purchaseRequests } from "./RequisitionModel.js"
import { RequisitionError } from "./RequisitionErrors.js"
import { type LineRequest, LinesInput, awaitingDecisionOf, describeApprover, mayDecide, planChain, priceLines } from "./RequestPlanning.js"

export { RequisitionError } from "./RequisitionErrors.js"
export type { RequisitionErrorReason } from "./RequisitionErrors.js"
export { LineInput } from "./RequestPlanning.js"
export type { LineRequest } from "./RequestPlanning.js"
// ----- model: in RequisitionModel.ts, re-exported ----------------------------------------

export * from "./RequisitionModel.js"

// ----- module API ------------------------------------------------------------------------------

// ----- operations ------------------------------------------------------------------------------

/**
 * Input of {@link createRequest}: catalog lines with quantities (the vendor defaults to the
 * item's first source) and custom lines (see {@link LineInput}). The channel defaults to the
 * service catalog.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CreateRequestInput = z.object({
  channel: Channel.default("service_catalog"),
  justification: Text.comment.optional(),
  costCenter: Text.code.optional(),
  lines: LinesInput
})

/**
 * What callers pass to {@link createRequest}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type CreateRequestInput = z.input<typeof CreateRequestInput>

/** What every event of a request carries. */
const requestEvent = (request: PurchaseRequest) => ({
  requestId: request.id,
  requesterId: request.requesterId,
  status: request.status,
  revision: request.revision
})

/** The approval of a request, by its last approver or by its policy. */
const approvedEvent = (request: PurchaseRequest, by: string) => PurchaseRequestApproved.make({ ...requestEvent(request), by, total: request.total })

/**
 * Creates a purchase request from catalog items and custom lines: prices from the catalog (custom
 * lines: the vendor and price they state), every line's channel checked by the same routing, and
 * the approval chain planned by the policy in force from all lines (no steps: approved at once).
 *
 * @since 0.1.0
 * @category operations
 */
export const createRequest = Operation.make({
  id: "requisition.createRequest",
  summary: "Create a purchase request for catalog items or custom lines; the approval policy plans its approval chain.",
  kind: "command",
  // A custom line's hidden catalog item another request stored meanwhile: run again and find it.
  retryOnUnique: ["id", "sku"],
  permission: "request.create",
  input: CreateRequestInput,
  output: PurchaseRequest,
  events: [PurchaseRequestCreated, PurchaseRequestApproved],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const { lines, total } = yield* priceLines("requisition.createRequest", input.lines, input.channel)
    const approval = yield* planChain({ lines, total, requesterId: principal.userId, costCenter: input.costCenter, channel: input.channel })
    const now = yield* Events.now
    const request = yield* storage.insertOne(purchaseRequests, withDecider({
      id: yield* Ids.next,
      requesterId: principal.userId,
      status: approval.steps.length === 0 ? "approved" : "pending_approval",
      channel: input.channel,
      ...(input.justification !== undefined ? { justification: input.justification } : {}),
      ...(input.costCenter !== undefined ? { costCenter: input.costCenter } : {}),
      lines,
      total,
      revision: 1,
      approval,
      history: [{ action: "submitted", by: principal.userId, at: now, revision: 1 }],
      purchaseOrderIds: [],
      createdAt: now,
      updatedAt: now
    }))
    yield* Events.append(
      PurchaseRequestCreated.make({
        ...requestEvent(request),
        channel: request.channel,
        ...(request.costCenter !== undefined ? { costCenter: request.costCenter } : {}),
        ...(request.justification !== undefined ? { justification: request.justification } : {}),
        total,
        lines: request.lines,
        steps: approval.steps.length
      }),
      ...(approval.steps.length === 0 ? [approvedEvent(request, "policy")] : [])
    )
    return request
  })
})

/** Loads a pending request and its current step, checking the principal may decide it. */
const currentStep = Effect.fn("Requisition.currentStep")(function*(requestId: string, action: string) {
  const principal = yield* CurrentPrincipal
  const request = yield* loadRequest(requestId)
  if (request.status !== "pending_approval") {
    return yield* new RequisitionError({
      reason: "InvalidState",
      requestId,
      message: `Purchase request ${requestId} is ${request.status}; only a request pending approval can be ${action}`
    })
  }
  const step = request.approval.steps.find((s) => s.status === "pending")!
  if (principal.userId === request.requesterId) {
    return yield* new RequisitionError({
      reason: "SelfApproval",
      requestId,
      message: `${principal.userId} raised purchase request ${requestId} and cannot decide its approval`
    })
  }
  if (!mayDecide(principal, step)) {
    return yield* new AccessDenied({
      permission: "request.approve",
      userId: principal.userId,
      roles: principal.roles,
      message: `Step ${step.step} of ${request.approval.steps.length} of purchase request ${requestId} (${step.label}) ` +
        `awaits ${describeApprover(step)}; ${principal.userId} cannot decide it`
    })
  }
  return { request, step, principal }
})

/**
 * Records an action on the current step: the step's new fields, the request's status, the next
 * step made pending (after an approval that is not the last), and the history entry.
 */
const actOnStep = Effect.fn("Requisition.actOnStep")(function*(
  current: { readonly request: PurchaseRequest; readonly step: ApprovalStep; readonly principal: Principal },
  action: "approved" | "rejected" | "delegated",
  change: {
    readonly status: PurchaseRequest["status"]
    readonly step: (now: string) => Partial<ApprovalStep>
    readonly advance?: boolean
    readonly comment?: string | undefined
    readonly delegatedTo?: string
  }
) {
  const storage = yield* Storage.Storage
  const { request, step, principal } = current
  const now = yield* Events.now
  const steps = request.approval.steps.map((s): ApprovalStep =>
    s.step === step.step
      ? { ...s, ...change.step(now) }
      : change.advance === true && s.step === step.step + 1
      ? { ...s, status: "pending" }
      : s
  )
  const updated = yield* storage.updateOne(purchaseRequests, withDecider({
    ...request,
    status: change.status,
    approval: { ...request.approval, steps },
    history: [...request.history, {
      action,
      by: principal.userId,
      at: now,
      revision: request.revision,
      step: step.step,
      ...(change.comment !== undefined ? { comment: change.comment } : {}),
      ...(change.delegatedTo !== undefined ? { delegatedTo: change.delegatedTo } : {})
    }],
    updatedAt: now
  }))
  return updated
})

const DecisionInput = z.object({ requestId: Text.id, comment: Text.comment.optional() })

/**
 * Approves the current step of a request; the next step becomes pending, or, after the last
 * step, the request is approved.
 *
 * @since 0.1.0
 * @category operations
 */
export const approveRequest = Operation.make({
  id: "requisition.approveRequest",
  summary: "Approve the current step of a purchase request's approval chain.",
  kind: "command",
  permission: "request.approve",
  input: DecisionInput,
  output: PurchaseRequest,
  events: [PurchaseRequestStepApproved, PurchaseRequestApproved],
  handler: Effect.fn(function*(input) {
    const current = yield* currentStep(input.requestId, "approved")
    const { request, step, principal } = current
    const last = step.step === request.approval.steps.length
    const updated = yield* actOnStep(current, "approved", {
      status: last ? "approved" : "pending_approval",
      step: (now) => ({ status: "approved", decidedBy: principal.userId, decidedAt: now, ...(input.comment !== undefined ? { comment: input.comment } : {}) }),
      advance: true,
      comment: input.comment
    })
    yield* Events.append(
      PurchaseRequestStepApproved.make({ ...requestEvent(updated!), step: step.step, by: principal.userId }),
      ...(last ? [approvedEvent(updated!, principal.userId)] : [])
    )
    return updated!
  })
})

/**
 * Rejects a request at its current step, with the reason.
 *
 * @since 0.1.0
 * @category operations
 */
export const rejectRequest = Operation.make({
  id: "requisition.rejectRequest",
  summary: "Reject a purchase request at its current approval step, saying why.",
  kind: "command",
  permission: "request.approve",
  input: z.object({ requestId: Text.id, reason: Text.bounded(Text.limits.comment, "say why the request is rejected") }),
  output: PurchaseRequest,
  events: [PurchaseRequestRejected],
  handler: Effect.fn(function*(input) {
    const current = yield* currentStep(input.requestId, "rejected")
    const { step, principal } = current
    const updated = yield* actOnStep(current, "rejected", {
      status: "rejected",
      step: (now) => ({ status: "rejected", decidedBy: principal.userId, decidedAt: now, comment: input.reason }),
      comment: input.reason
    })
    yield* Events.append(PurchaseRequestRejected.make({ ...requestEvent(updated!), step: step.step, by: principal.userId, reason: input.reason }))
    return updated!
  })
})

/**
 * Delegates the current step to a named deputy, who then decides it in the approver's place.
 *
 * @since 0.1.0
 * @category operations
 */
export const delegateApproval = Operation.make({
  id: "requisition.delegateApproval",
  summary: "Delegate the current approval step of a purchase request to a named deputy.",
  kind: "command",
  permission: "request.approve",
  input: z.object({ requestId: Text.id, deputyId: Text.externalId, comment: Text.comment.optional() }),
  output: PurchaseRequest,
  events: [PurchaseRequestDelegated],
  handler: Effect.fn(function*(input) {
    const current = yield* currentStep(input.requestId, "delegated")
    const { request, step, principal } = current
    if (input.deputyId === request.requesterId) {
      return yield* new RequisitionError({
        reason: "SelfApproval",
        requestId: request.id,
        message: `${input.deputyId} raised purchase request ${request.id} and cannot be the deputy deciding it`
      })
    }
    const updated = yield* actOnStep(current, "delegated", {
      status: request.status,
      step: () => ({ delegatedTo: input.deputyId }),
      comment: input.comment,
      delegatedTo: input.deputyId
    })
    yield* Events.append(PurchaseRequestDelegated.make({ ...requestEvent(updated!), step: step.step, by: principal.userId, deputyId: input.deputyId }))
    return updated!
  })
})

/**
 * Revises a rejected (or still pending) request and resubmits it: new lines or details, new
 * prices, and a fresh approval chain; earlier decisions stay in the history.
 *
 * @since 0.1.0
 * @category operations
 */
export const reviseRequest = Operation.make({
  id: "requisition.reviseRequest",
  summary: "Revise a rejected or pending purchase request and resubmit it for approval.",
  kind: "command",
  // A custom line's hidden catalog item another request stored meanwhile: run again and find it.
  retryOnUnique: ["id", "sku"],
  permission: "request.create",
  input: z.object({
    requestId: Text.id,
    lines: LinesInput.optional(),
    justification: Text.comment.optional(),
    costCenter: Text.code.optional(),
    comment: Text.comment.optional()
  }),
  output: PurchaseRequest,
  events: [PurchaseRequestResubmitted, PurchaseRequestApproved],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const request = yield* loadRequest(input.requestId)
    if (request.requesterId !== principal.userId && !principal.roles.includes("admin")) {
      return yield* new AccessDenied({
        permission: "request.create",
        userId: principal.userId,
        roles: principal.roles,
        message: `Only ${request.requesterId}, who raised purchase request ${request.id}, can revise it`
      })
    }
    if (request.status !== "rejected" && request.status !== "pending_approval") {
      return yield* new RequisitionError({
        reason: "InvalidState",
        requestId: request.id,
        message: `Purchase request ${request.id} is ${request.status}; only a rejected or pending request can be revised`
      })
    }
    const lineInputs = input.lines ??
      request.lines.map((l): LineRequest => ({ catalogItemId: l.catalogItemId, quantity: l.quantity, vendorId: l.vendorId }))
    const { lines, total } = yield* priceLines("requisition.reviseRequest", lineInputs, request.channel)
    const costCenter = input.costCenter ?? request.costCenter
    const approval = yield* planChain({ lines, total, requesterId: request.requesterId, costCenter, channel: request.channel })
    const now = yield* Events.now
    const revision = request.revision + 1
    const justification = input.justification ?? request.justification
    const updated = yield* storage.updateOne(purchaseRequests, withDecider({
      ...request,
      status: approval.steps.length === 0 ? "approved" : "pending_approval",
      ...(justification !== undefined ? { justification } : {}),
      ...(costCenter !== undefined ? { costCenter } : {}),
      lines,
      total,
      revision,
      approval,
      history: [...request.history, {
        action: "resubmitted",
        by: principal.userId,
        at: now,
        revision,
        ...(input.comment !== undefined ? { comment: input.comment } : {})
      }],
      updatedAt: now
    }))
    yield* Events.append(
      PurchaseRequestResubmitted.make({ ...requestEvent(updated), total, lines: updated.lines, steps: approval.steps.length }),
      ...(approval.steps.length === 0 ? [approvedEvent(updated, "policy")] : [])
    )
    return updated
  })
})

/**
 * Reads one request.
 *
 * @since 0.1.0
 * @category operations
 */
export const getRequest = Operation.make({
  id: "requisition.getRequest",
  summary: "Read one purchase request by id, with its approval chain and history.",
  kind: "query",
  permission: "request.read",
  input: z.object({ id: Text.id }),
  output: PurchaseRequest,
  events: [],
  handler: ({ id }) => loadRequest(id)
})

/**
 * Input of {@link listRequests}: any of the filters, and the page (see `Paging`).
 *
 * - `status`: the requests in that status.
 * - `requesterId`: the requests someone raised.
 * - `awaitingMyDecision: true`: the requests whose current approval step the caller may decide:
 *   steps for the caller by name or as the deputy a step was delegated to, and steps for one of
 *   the caller's roles (for `admin`, every role step); never the caller's own requests.
 *
 * @since 0.1.0
 * @category inputs
 */
export const ListRequestsInput = Paging.PageInput.extend({
  status: RequestStatus.optional(),
  requesterId: Text.id.optional(),
  awaitingMyDecision: z.boolean().optional().describe("true: only the requests whose current approval step the caller may decide")
})

/**
 * What callers pass to {@link listRequests}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type ListRequestsInput = z.input<typeof ListRequestsInput>

/**
 * Lists purchase requests, newest first: by status, by requester, and those waiting for the
 * caller's decision (see {@link ListRequestsInput}); the filters combine.
 *
 * @since 0.1.0
 * @category operations
 */
export const listRequests = Operation.make({
  id: "requisition.listRequests",
  summary: "List purchase requests, newest first: by status, by requester, or those waiting for the caller's decision.",
  kind: "query",
  permission: "request.read",
  input: ListRequestsInput,
  output: Paging.Page(PurchaseRequest),
  events: [],
  handler: Effect.fn(function*({ status, requesterId, awaitingMyDecision, limit, cursor }) {
    const principal = yield* CurrentPrincipal
    const mine = awaitingMyDecision === true
    return yield* Paging.find(purchaseRequests, {
      where: {
        status,
        // Nobody decides a step of their own request.
        requesterId: mine ? { ...(requesterId !== undefined ? { eq: requesterId } : {}), ne: principal.userId } : requesterId,
        ...(mine ? awaitingDecisionOf(principal) : {})
      },
      orderBy: [{ field: "createdAt", direction: "desc" }],
      limit,
      cursor
    })
  })
})

/**
 * The requisition module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = { createRequest, approveRequest, rejectRequest, delegateApproval, reviseRequest, getRequest, listRequests }

/**
 * The methods of the requisition service: one per operation of {@link operations}, taking its input
 * and giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface RequisitionService extends Operation.Methods<typeof operations> {}

/**
 * The requisition service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Requisition extends Context.Service<Requisition, RequisitionService>()("@procura/core/Requisition") {
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
