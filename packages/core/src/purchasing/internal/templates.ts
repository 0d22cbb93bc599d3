/**
 * What purchasing offers other modules about an order's template assets: keeping them in step
 * with changed lines (revisions, cancellations, returns the vendor replaces).
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import * as Events from "../../Events.js"
import * as Money from "../../Money.js"
import * as Storage from "../../Storage.js"
import { type Asset, assets } from "../../assets/AssetsModel.js"
import { AssetTemplatesCancelled } from "../../assets/AssetsEvents.js"
import { writeChanges } from "../../assets/internal/history.js"
import { createTemplates, type TemplateRequest } from "../../assets/internal/templates.js"
import type { EntitlementRequest } from "../../licensing/internal/entitlements.js"
import type { PurchaseOrder, PurchaseOrderLine } from "../PurchasingModel.js"
import { backorderedQuantity, hasAssets } from "./quantities.js"

/**
 * A line before and after a change: `before` absent for a line added, `after` absent for a line
 * removed.
 *
 * @since 0.1.0
 * @category models
 */
export interface LineUpdate {
  readonly before?: PurchaseOrderLine | undefined
  readonly after?: PurchaseOrderLine | undefined
}

/** Whether two unit costs are the same amount in the same currency. */
export const sameCost = (a: Money.Money, b: Money.Money): boolean => a.amount === b.amount && a.currency === b.currency

/**
 * The template assets (on order) of `quantity` units of an order's asset line.
 *
 * @since 0.1.0
 * @category module api
 */
export const templateRequest = (order: PurchaseOrder, line: PurchaseOrderLine, quantity: number): TemplateRequest => ({
  purchaseOrderId: order.id,
  vendorId: order.vendorId,
  lineNo: line.lineNo,
  catalogItemId: line.catalogItemId,
  name: line.description,
  kind: line.kind,
  quantity,
  unitCost: line.unitCost
})

/**
 * The entitlements of an order's software lines among `lines` (one per line, its quantity the seats).
 *
 * @since 0.1.0
 * @category module api
 */
export const entitlementRequests = (order: PurchaseOrder, lines: ReadonlyArray<PurchaseOrderLine>): Array<EntitlementRequest> =>
  lines.filter((line) => line.kind === "software").map((line) => ({
    purchaseOrderId: order.id,
    vendorId: order.vendorId,
    lineNo: line.lineNo,
    catalogItemId: line.catalogItemId,
    name: line.description,
    seats: line.quantity,
    unitCost: line.unitCost
  }))

/**
 * Keeps an order's template assets in step with changed lines: one template (`on_order`) per
 * backordered unit of each asset line. Lines whose backorder grew get new templates; lines whose
 * backorder shrank (or that were removed) have their surplus templates retired, with a history
 * entry giving the reason and one `asset.templates_cancelled` event per line; a new unit cost
 * reprices the templates still on order. Received assets are never touched. Runs in the caller's
 * transaction, in batches.
 *
 * @since 0.1.0
 * @category module api
 */
export const adjustTemplates = Effect.fn("Purchasing.adjustTemplates")(function*(
  order: PurchaseOrder,
  updates: ReadonlyArray<LineUpdate>,
  reason: string
) {
  const storage = yield* Storage.Storage
  const now = yield* Events.now
  const create: Array<TemplateRequest> = []
  const changes: Array<{ readonly before: Asset; readonly after: Asset; readonly why: string; readonly retired: boolean }> = []
  const cancelled: Array<Events.Pending> = []
  for (const { before, after } of updates) {
    const line = (after ?? before)!
    if (!hasAssets(line)) continue
    const wasOnOrder = before === undefined ? 0 : backorderedQuantity(before)
    const onOrder = after === undefined ? 0 : backorderedQuantity(after)
    const repriced = before !== undefined && after !== undefined && !sameCost(before.unitCost, after.unitCost)
    if (onOrder > wasOnOrder) create.push(templateRequest(order, line, onOrder - wasOnOrder))
    const surplus = Math.max(0, wasOnOrder - onOrder)
    if (surplus === 0 && !repriced) continue
    const templates = storage.stream(assets, {
      where: { purchaseOrderId: order.id, purchaseOrderLineNo: line.lineNo, status: "on_order" },
      limit: 1000
    })
    const found = yield* Stream.runCollect(repriced ? templates : Stream.take(templates, surplus))
    const retire = found.slice(0, surplus)
    for (const template of retire) {
      changes.push({
        before: template,
        after: { ...template, status: "retired", updatedAt: now },
        why: `Cancelled on purchase order ${order.id}, line ${line.lineNo}: ${reason}`,
        retired: true
      })
    }
    for (const template of found.slice(surplus)) {
      changes.push({
        before: template,
        after: { ...template, unitCost: after!.unitCost, updatedAt: now },
        why: `Unit cost revised on purchase order ${order.id}, line ${line.lineNo}, from ` +
          `${Money.format(before!.unitCost)} to ${Money.format(after!.unitCost)}: ${reason}`,
        retired: false
      })
    }
    if (retire.length > 0) {
      cancelled.push(AssetTemplatesCancelled.make({ purchaseOrderId: order.id, lineNo: line.lineNo, assetIds: retire.map((a) => a.id), reason }))
    }
  }
  yield* writeChanges(changes.map((c) => ({ before: c.before, after: c.after, action: c.retired ? "status_changed" as const : "ordered" as const, reason: c.why })))
  yield* Events.append(...cancelled)
  const created = yield* createTemplates(create)
  return { created, retired: changes.filter((c) => c.retired).length }
})
