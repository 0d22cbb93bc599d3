/** SPO's state values, and Procura's statuses in them. */

/** Procura purchase request status -> `sn_shop_purchase_requisition.status`. */
export const requisitionStatus = {
  pending_approval: "pending_approval",
  approved: "pending_submission",
  ordered: "closed_complete",
  rejected: "closed_rejected"
} as const

/** Procura purchase order status -> `sn_shop_purchase_order.status` (and its lines' `state`). */
export const purchaseOrderStatus = {
  draft: "processing",
  submitted: "ordered",
  partially_received: "partially_delivered",
  received: "delivered",
  cancelled: "closed_canceled"
} as const

/** What a read-only SPO receipt is when the connector writes it: posted by the ERP later. */
export const receiptValues = { status: "pending_submission", type: "goods_receipt" } as const
