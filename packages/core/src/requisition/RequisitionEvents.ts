/**
 * The events of purchase requests and their approval. Each belongs to the request's aggregate
 * (`purchase_request`) and carries its id, requester, status and revision; creation and
 * resubmission carry the priced lines, what a connector needs to raise the request elsewhere
 * (a ServiceNow `sc_request`, an SPO or Coupa requisition).
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Events from "../Events.js"
import { Money } from "../Money.js"
import { Channel } from "../catalog/CatalogModel.js"
import { RequestLine, RequestStatus } from "./RequisitionModel.js"

const RequestEvent = z.object({
  requestId: z.string(),
  requesterId: z.string(),
  status: RequestStatus.describe("the request's status after the change"),
  revision: z.number().int().describe("1, plus one per resubmission")
})

/**
 * A purchase request was created (`requisition.createRequest`).
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseRequestCreated = Events.define("purchase_request.created", {
  description: "A purchase request was created with its priced lines and the approval chain its policy planned (steps; none: approved at once, with purchase_request.approved).",
  aggregateType: "purchase_request",
  aggregateId: "requestId",
  payload: RequestEvent.extend({
    channel: Channel,
    costCenter: z.string().optional(),
    justification: z.string().optional(),
    total: Money,
    lines: z.array(RequestLine),
    steps: z.number().int().describe("approval steps planned")
  })
})

/**
 * A purchase request was approved: its last step was approved, or its policy planned no step.
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseRequestApproved = Events.define("purchase_request.approved", {
  description: "A purchase request was approved: the last step of its chain was approved (by the approver), or its policy planned no step (by policy). It can now become purchase orders.",
  aggregateType: "purchase_request",
  aggregateId: "requestId",
  payload: RequestEvent.extend({
    by: z.string().describe("the approver of the last step, or policy"),
    total: Money
  })
})

/**
 * A step of a request's approval chain was approved (`requisition.approveRequest`).
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseRequestStepApproved = Events.define("purchase_request.step_approved", {
  description: "A step of a purchase request's approval chain was approved.",
  aggregateType: "purchase_request",
  aggregateId: "requestId",
  payload: RequestEvent.extend({ step: z.number().int(), by: z.string() })
})

/**
 * A request was rejected at its current step (`requisition.rejectRequest`).
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseRequestRejected = Events.define("purchase_request.rejected", {
  description: "A purchase request was rejected at its current approval step, with the reason.",
  aggregateType: "purchase_request",
  aggregateId: "requestId",
  payload: RequestEvent.extend({ step: z.number().int(), by: z.string(), reason: z.string() })
})

/**
 * A step was delegated to a deputy (`requisition.delegateApproval`).
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseRequestDelegated = Events.define("purchase_request.delegated", {
  description: "The current approval step of a purchase request was delegated to a deputy, who decides it in the approver's place.",
  aggregateType: "purchase_request",
  aggregateId: "requestId",
  payload: RequestEvent.extend({ step: z.number().int(), by: z.string(), deputyId: z.string() })
})

/**
 * A request was revised and resubmitted with a fresh approval chain (`requisition.reviseRequest`).
 *
 * @since 0.1.0
 * @category events
 */
export const PurchaseRequestResubmitted = Events.define("purchase_request.resubmitted", {
  description: "A rejected or pending purchase request was revised and resubmitted with a fresh approval chain (none: approved at once, with purchase_request.approved).",
  aggregateType: "purchase_request",
  aggregateId: "requestId",
  payload: RequestEvent.extend({
    total: Money,
    lines: z.array(RequestLine),
    steps: z.number().int().describe("approval steps planned")
  })
})

/**
 * Every event of requisition.
 *
 * @since 0.1.0
 * @category events
 */
export const events = [
  PurchaseRequestCreated,
  PurchaseRequestApproved,
  PurchaseRequestStepApproved,
  PurchaseRequestRejected,
  PurchaseRequestDelegated,
  PurchaseRequestResubmitted
] as const
