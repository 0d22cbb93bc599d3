/**
 * What submitting an order does beyond its status, shared by submitting a draft and importing an
 * order placed elsewhere: the template assets of its asset lines, the entitlements of its
 * software lines, and the `purchase_order.submitted` event.
 */
import { Effect } from "effect"
import * as Events from "../../Events.js"
import { createTemplates } from "../../assets/internal/templates.js"
import { createEntitlements } from "../../licensing/internal/entitlements.js"
import { PurchaseOrderSubmitted } from "../PurchasingEvents.js"
import type { PurchaseOrder } from "../PurchasingModel.js"
import { hasAssets } from "./quantities.js"
import { entitlementRequests, templateRequest } from "./templates.js"

/**
 * Creates a submitted order's template assets (one on order per unit of each asset line) and
 * entitlements (software is never received), then appends `purchase_order.submitted`.
 *
 * @since 0.1.0
 * @category module api
 */
export const placeOrder = Effect.fn("Purchasing.placeOrder")(function*(order: PurchaseOrder & { readonly submittedAt: string }) {
  const templates = yield* createTemplates(order.lines.filter(hasAssets).map((line) => templateRequest(order, line, line.quantity)))
  yield* createEntitlements(entitlementRequests(order, order.lines))
  yield* Events.append(PurchaseOrderSubmitted.make({
    purchaseOrderId: order.id,
    vendorId: order.vendorId,
    ...(order.requestId !== undefined ? { requestId: order.requestId } : {}),
    status: order.status,
    submittedAt: order.submittedAt,
    total: order.total,
    templateAssets: templates,
    lines: order.lines
  }))
})
