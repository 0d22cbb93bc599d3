/**
 * The requisition module's model: purchase requests, their lines, approval chains and history, with
 * the collection. The module's operations (Requisition.ts) and events (RequisitionEvents.ts) share
 * it; `Requisition` re-exports it.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Money from "../Money.js"
import * as Storage from "../Storage.js"
import { Channel, ItemKind } from "../catalog/CatalogModel.js"
import { Approver } from "./ApprovalPolicy.js"

/**
 * The states of a purchase request.
 *
 * @since 0.1.0
 * @category models
 */
export const RequestStatus = z.enum(["pending_approval", "approved", "rejected", "ordered"])

/**
 * A line of a purchase request, priced from the catalog. A custom line (`custom: true`) refers
 * to the hidden catalog item standing for what it stated (see `Catalog.customItem`).
 *
 * @since 0.1.0
 * @category models
 */
export const RequestLine = z.object({
  lineNo: z.number().int().positive(),
  catalogItemId: z.string(),
  description: z.string(),
  kind: ItemKind,
  category: z.string().optional(),
  vendorId: z.string(),
  quantity: z.number().int().positive(),
  unitCost: Money.Money,
  createAsset: z.boolean(),
  /** Whether the purchase order line gets a fixed-asset record when received. */
  capitalisable: z.boolean(),
  custom: z.boolean(),
  supplierProductId: z.string().optional()
})

/**
 * A request line.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestLine = z.infer<typeof RequestLine>

/**
 * One step of an approval chain.
 *
 * @since 0.1.0
 * @category models
 */
export const ApprovalStep = z.object({
  step: z.number().int().positive(),
  label: z.string(),
  approver: Approver,
  /** Why the policy asked for this step (e.g. the decision-table row). */
  reason: z.string(),
  status: z.enum(["waiting", "pending", "approved", "rejected"]),
  delegatedTo: z.string().optional(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  comment: z.string().optional()
})

/**
 * An approval step.
 *
 * @since 0.1.0
 * @category models
 */
export type ApprovalStep = z.infer<typeof ApprovalStep>

/**
 * An entry of a request's history.
 *
 * @since 0.1.0
 * @category models
 */
export const HistoryEntry = z.object({
  action: z.enum(["submitted", "approved", "rejected", "delegated", "resubmitted", "ordered"]),
  by: z.string(),
  at: z.string(),
  revision: z.number().int().positive(),
  step: z.number().int().positive().optional(),
  comment: z.string().optional(),
  delegatedTo: z.string().optional()
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
  channel: Channel,
  justification: z.string().optional(),
  costCenter: z.string().optional(),
  lines: z.array(RequestLine),
  total: Money.Money,
  /** Starts at 1; every resubmission after changes adds one. */
  revision: z.number().int().positive(),
  approval: z.object({
    policy: z.string(),
    steps: z.array(ApprovalStep),
    explanation: z.unknown()
  }),
  history: z.array(HistoryEntry),
  purchaseOrderIds: z.array(z.string()),
  /**
   * Who may decide the current approval step, while the request is pending approval:
   * `user:<userId>` for a named user (or the deputy a step was delegated to), `role:<role>` for
   * anyone holding the role. Kept from the approval chain on every change, so that
   * `listRequests` finds the requests waiting for someone's decision through an index.
   */
  awaitingDecisionBy: z.string().optional(),
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
  fields: { status: "string", requesterId: "string", costCenter: "string", awaitingDecisionBy: "string", createdAt: "timestamp" },
  indexes: [["status"], ["requesterId"], ["awaitingDecisionBy"]]
})
