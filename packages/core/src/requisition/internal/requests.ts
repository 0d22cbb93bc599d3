/**
 * What requisition offers other modules: loading a request, recording that it became purchase
 * orders; and who decides a request's current step.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import * as Events from "../../Events.js"
import { CurrentPrincipal } from "../../Principal.js"
import * as Storage from "../../Storage.js"
import type { ApprovalStep } from "../RequisitionModel.js"
import { type PurchaseRequest, purchaseRequests } from "../RequisitionModel.js"

/**
 * Who may decide a step, as a request keeps it in `awaitingDecisionBy`: the deputy of a delegated
 * step, else the named user or the role (a manager step is resolved to a user when planned).
 */
export const deciderOf = (step: ApprovalStep): string | undefined =>
  step.delegatedTo !== undefined
    ? `user:${step.delegatedTo}`
    : step.approver.kind === "role"
    ? `role:${step.approver.role}`
    : step.approver.kind === "user"
    ? `user:${step.approver.userId}`
    : undefined

/** A request with `awaitingDecisionBy` set from its current step (absent unless pending approval). */
export const withDecider = <R extends Pick<PurchaseRequest, "status" | "approval" | "awaitingDecisionBy">>(request: R): R => {
  const { awaitingDecisionBy: _previous, ...rest } = request
  const step = request.status === "pending_approval" ? request.approval.steps.find((s) => s.status === "pending") : undefined
  const decider = step === undefined ? undefined : deciderOf(step)
  return (decider === undefined ? rest : { ...rest, awaitingDecisionBy: decider }) as R
}

/**
 * Loads a request of the caller's tenant or fails with `NotFound`.
 *
 * @since 0.1.0
 * @category module api
 */
export const loadRequest = (id: string) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(purchaseRequests, id, "PurchaseRequest"))

/**
 * Records that an approved request became purchase orders; its status becomes `ordered`.
 *
 * @since 0.1.0
 * @category module api
 */
export const markOrdered = Effect.fn("Requisition.markOrdered")(function*(request: PurchaseRequest, purchaseOrderIds: ReadonlyArray<string>) {
  const storage = yield* Storage.Storage
  const principal = yield* CurrentPrincipal
  const now = yield* Events.now
  const updated = yield* storage.updateOne(purchaseRequests, withDecider({
    ...request,
    status: "ordered",
    purchaseOrderIds: [...request.purchaseOrderIds, ...purchaseOrderIds],
    history: [...request.history, { action: "ordered", by: principal.userId, at: now, revision: request.revision }],
    updatedAt: now
  }))
  return updated
})
