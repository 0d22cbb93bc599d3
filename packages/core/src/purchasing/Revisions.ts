/**
 * Revisions and cancellations of purchase orders: changing lines (quantity, unit cost, added and
 * removed lines) with a revision record each, cancelling the whole order or units of its lines,
 * keeping template assets and entitlements in step.
 *
 * @since 0.1.0
 */
import { Effect, Option, Stream } from "effect"
import { z } from "zod"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Money from "../Money.js"
import * as Operation from "../Operation.js"
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { itemsById, sourcesFor } from "../catalog/internal/sourcing.js"
import { AssetTemplatesCancelled, AssetTemplatesCreated } from "../assets/AssetsEvents.js"
import { createEntitlements, reviseEntitlements as reviseSeats } from "../licensing/internal/entitlements.js"
import { type Entitlement, entitlements } from "../licensing/LicensingModel.js"
import { EntitlementCreated, EntitlementRevised } from "../licensing/LicensingEvents.js"
import { PurchaseOrderCancelled, PurchaseOrderLinesCancelled, PurchaseOrderPartiallyReceived, PurchaseOrderReceived, PurchaseOrderRevised } from "./PurchasingEvents.js"
import { adjustTemplates, entitlementRequests, type LineUpdate, sameCost } from "./internal/templates.js"
import { loadPurchaseOrder, statusChanged } from "./internal/orders.js"
import { openQuantity, orderTotal, outstandingQuantity, receivingStatus } from "./internal/quantities.js"
import { LineChange, LineTerms, PurchaseOrder, PurchaseOrderLine, PurchaseOrderRevision, PurchaseOrderStatus, purchaseOrderRevisions, purchaseOrders } from "./PurchasingModel.js"
import { PurchasingError, type PurchasingErrorReason } from "./PurchasingErrors.js"

export const Reason = Text.bounded(Text.limits.comment, "give a reason")

export const termsOf = (line: PurchaseOrderLine): LineTerms => ({
  quantity: line.quantity,
  cancelledQuantity: line.cancelledQuantity,
  unitCost: line.unitCost
})

export const lineName = (line: PurchaseOrderLine): string => `Line ${line.lineNo} (${line.description})`

/**
 * Writes a changed order (its status and total follow the lines) and its next revision record.
 * The order is written first: its version check makes concurrent changes take turns.
 */
export const saveRevision = Effect.fn("Purchasing.saveRevision")(function*(
  order: PurchaseOrder,
  lines: ReadonlyArray<PurchaseOrderLine>,
  entry: { readonly action: PurchaseOrderRevision["action"]; readonly reason: string; readonly changes: ReadonlyArray<LineChange> }
) {
  const storage = yield* Storage.Storage
  const principal = yield* CurrentPrincipal
  const now = yield* Events.now
  const status: PurchaseOrderStatus = order.status !== "draft"
    ? receivingStatus(lines)
    : lines.every((line) => openQuantity(line) === 0)
    ? "cancelled"
    : "draft"
  const revision = (order.revision ?? 0) + 1
  const total = orderTotal(lines, order.total.currency)
  const updated = yield* storage.updateOne(purchaseOrders, { ...order, lines: [...lines], status, total, revision, updatedAt: now })
  const record = yield* storage.insertOne(purchaseOrderRevisions, {
    id: yield* Ids.next,
    purchaseOrderId: order.id,
    revision,
    action: entry.action,
    by: principal.userId,
    at: now,
    reason: entry.reason,
    changes: [...entry.changes],
    totalBefore: order.total,
    totalAfter: total,
    statusBefore: order.status,
    statusAfter: status
  })
  return { order: updated, revision: record }
})

/** The number for a new line: numbers are never reused, not even those of removed lines. */
export const nextLineNo = Effect.fn("Purchasing.nextLineNo")(function*(order: PurchaseOrder) {
  const storage = yield* Storage.Storage
  const history = yield* Stream.runCollect(storage.stream(purchaseOrderRevisions, { where: { purchaseOrderId: order.id }, limit: 1000 }))
  const numbers = [...order.lines.map((l) => l.lineNo), ...history.flatMap((r) => r.changes.map((c) => c.lineNo))]
  return numbers.reduce((max, n) => Math.max(max, n), 0) + 1
})

/** The entitlement a software line of a submitted order created, if there is one. */
export const entitlementOf = Effect.fn("Purchasing.entitlementOf")(function*(purchaseOrderId: string, lineNo: number) {
  const storage = yield* Storage.Storage
  const page = yield* storage.find(entitlements, { where: { purchaseOrderId, lineNo }, limit: 1 })
  return page.items[0]
})

/** Gives software lines whose quantity or cost changed their new seats and unit cost. */
export const reviseEntitlements = Effect.fn("Purchasing.reviseEntitlements")(function*(
  changed: ReadonlyArray<{ readonly entitlement: Entitlement; readonly line: PurchaseOrderLine }>
) {
  yield* reviseSeats(changed.map(({ entitlement, line }) => ({ entitlement, seats: openQuantity(line), unitCost: line.unitCost })))
})

/**
 * Input of {@link revisePurchaseOrder}: lines to change (new quantity, unit cost or both), line
 * numbers to remove, catalog items to add (at the order's vendor's price unless a unit cost is
 * given), and why.
 *
 * @since 0.1.0
 * @category inputs
 */
export const RevisePurchaseOrderInput = z.object({
  purchaseOrderId: Text.id,
  reason: Reason,
  lines: z.array(
    z.object({
      lineNo: z.number().int().positive(),
      quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1; remove the line instead").optional(),
      unitCost: Money.Money.optional()
    }).refine((line) => line.quantity !== undefined || line.unitCost !== undefined, { message: "give the new quantity, unit cost or both" })
  ).max(1000).default([]),
  removeLines: z.array(z.number().int().positive()).max(1000).default([]),
  addLines: z.array(z.object({
    catalogItemId: Text.id,
    quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1"),
    unitCost: Money.Money.optional()
  })).max(1000).default([])
}).superRefine((input, ctx) => {
  if (input.lines.length + input.removeLines.length + input.addLines.length === 0) {
    ctx.addIssue({ code: "custom", path: [], message: "nothing to revise: give lines to change, removeLines or addLines" })
  }
  const seen = new Set<number>()
  const mentions = [
    ...input.lines.map((line, i) => ({ lineNo: line.lineNo, path: ["lines", i, "lineNo"] })),
    ...input.removeLines.map((lineNo, i) => ({ lineNo, path: ["removeLines", i] }))
  ]
  for (const { lineNo, path } of mentions) {
    if (seen.has(lineNo)) ctx.addIssue({ code: "custom", path, message: `line ${lineNo} appears more than once` })
    seen.add(lineNo)
  }
})

/**
 * What callers pass to {@link revisePurchaseOrder}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type RevisePurchaseOrderInput = z.input<typeof RevisePurchaseOrderInput>

export const revisable: ReadonlySet<PurchaseOrderStatus> = new Set(["draft", "submitted", "partially_received", "received"])

/**
 * Revises a purchase order that is not cancelled, received or not: changes line quantities and
 * unit costs, adds lines and removes lines. A quantity never goes below what the line received
 * plus what it cancelled; a line that received anything is not removed. Template assets follow
 * (new ones for more units and added lines, surplus ones retired, never a received asset), software
 * lines' entitlements follow their quantity (never below the seats assigned), the total and the
 * status are recomputed, and the revision is numbered and kept with its reason and every line
 * before and after.
 *
 * @since 0.1.0
 * @category operations
 */
export const revisePurchaseOrder = Operation.make({
  id: "purchasing.revisePurchaseOrder",
  summary: "Revise a purchase order: change quantities and unit costs, add and remove lines; templates and total follow.",
  kind: "command",
  permission: "purchase_order.manage",
  input: RevisePurchaseOrderInput,
  output: z.object({ purchaseOrder: PurchaseOrder, revision: PurchaseOrderRevision }),
  events: [
    PurchaseOrderRevised,
    PurchaseOrderPartiallyReceived,
    PurchaseOrderReceived,
    PurchaseOrderCancelled,
    AssetTemplatesCreated,
    AssetTemplatesCancelled,
    EntitlementCreated,
    EntitlementRevised
  ],
  handler: Effect.fn(function*(input) {
    const order = yield* loadPurchaseOrder(input.purchaseOrderId)
    const refuse = (reason: PurchasingErrorReason, message: string, extra: { lineNo?: number; received?: number; requested?: number } = {}) =>
      new PurchasingError({ reason, id: order.id, message, ...extra })
    if (!revisable.has(order.status)) {
      return yield* refuse("InvalidState", `Purchase order ${order.id} is ${order.status}; only a draft, submitted or received order can be revised`)
    }
    const submitted = order.status !== "draft"
    const currency = order.total.currency
    const byNo = new Map(order.lines.map((line) => [line.lineNo, line] as const))
    const lineOf = (lineNo: number) =>
      Option.match(Option.fromNullishOr(byNo.get(lineNo)), {
        onNone: () => Effect.fail(refuse("UnknownLine", `Purchase order ${order.id} has no line ${lineNo}`, { lineNo })),
        onSome: Effect.succeed
      })
    const sameCurrency = (where: string, cost: Money.Money, lineNo?: number) =>
      cost.currency === currency
        ? Effect.void
        : Effect.fail(refuse("CurrencyMismatch", `${where}: the unit cost is in ${cost.currency}, the order is in ${currency}`, lineNo !== undefined ? { lineNo } : {}))

    const updates: Array<LineUpdate> = []
    const changes: Array<LineChange> = []
    const removed = new Set<number>()
    for (const lineNo of input.removeLines) {
      const line = yield* lineOf(lineNo)
      const everReceived = line.receivedQuantity + (line.replacedQuantity ?? 0)
      if (everReceived > 0) {
        return yield* refuse(
          "LineReceived",
          `${lineName(line)} received ${everReceived} units, so it cannot be removed; cancel what is outstanding instead`,
          { lineNo, received: everReceived }
        )
      }
      if (submitted && line.kind === "software") {
        return yield* refuse(
          "SoftwareLine",
          `${lineName(line)} is software: its entitlement was created when the order was submitted, so the line cannot be removed; lower its quantity instead`,
          { lineNo }
        )
      }
      removed.add(lineNo)
      updates.push({ before: line })
      changes.push({ lineNo, description: line.description, action: "removed", before: termsOf(line) })
    }

    const changed = new Map<number, PurchaseOrderLine>()
    const seatChanges: Array<{ entitlement: Entitlement; line: PurchaseOrderLine }> = []
    for (const change of input.lines) {
      const line = yield* lineOf(change.lineNo)
      const quantity = change.quantity ?? line.quantity
      const unitCost = change.unitCost ?? line.unitCost
      yield* sameCurrency(lineName(line), unitCost, line.lineNo)
      const settled = line.receivedQuantity + line.cancelledQuantity
      if (quantity < settled) {
        const cancelled = line.cancelledQuantity > 0 ? ` and cancelled ${line.cancelledQuantity}` : ""
        return yield* refuse(
          "BelowReceived",
          `${lineName(line)} received ${line.receivedQuantity}${cancelled}, so its quantity cannot go below ${settled}; asked for ${quantity}`,
          { lineNo: line.lineNo, received: line.receivedQuantity, requested: quantity }
        )
      }
      if (quantity === line.quantity && sameCost(unitCost, line.unitCost)) continue
      const after: PurchaseOrderLine = { ...line, quantity, unitCost }
      if (submitted && line.kind === "software") {
        const entitlement = yield* entitlementOf(order.id, line.lineNo)
        if (entitlement !== undefined && openQuantity(after) < entitlement.seatsAssigned) {
          return yield* refuse(
            "SeatsAssigned",
            `${lineName(line)}: ${entitlement.seatsAssigned} seats of its entitlement ${entitlement.id} are assigned, ` +
              `so its quantity cannot go below ${entitlement.seatsAssigned}; asked for ${quantity}`,
            { lineNo: line.lineNo, requested: quantity }
          )
        }
        if (entitlement !== undefined) seatChanges.push({ entitlement, line: after })
      }
      changed.set(line.lineNo, after)
      updates.push({ before: line, after })
      changes.push({ lineNo: line.lineNo, description: line.description, action: "changed", before: termsOf(line), after: termsOf(after) })
    }

    const added: Array<PurchaseOrderLine> = []
    if (input.addLines.length > 0) {
      const items = yield* itemsById(input.addLines.map((line) => line.catalogItemId))
      let lineNo = yield* nextLineNo(order)
      for (const [index, add] of input.addLines.entries()) {
        const where = `Line to add ${index + 1}`
        const item = items.get(add.catalogItemId)
        if (item === undefined) {
          return yield* refuse("UnknownCatalogItem", `${where}: no catalog item with id ${add.catalogItemId}`)
        }
        const source = (yield* sourcesFor(item)).find((s) => s.vendorId === order.vendorId)
        if (source === undefined) {
          return yield* refuse("VendorNotApproved", `${where}: ${item.name} is not supplied by the order's vendor ${order.vendorId}`)
        }
        const unitCost = add.unitCost ?? source.unitCost
        yield* sameCurrency(`${where} (${item.name})`, unitCost)
        const line: PurchaseOrderLine = {
          lineNo: lineNo++,
          catalogItemId: item.id,
          description: item.name,
          kind: item.kind,
          quantity: add.quantity,
          unitCost,
          createAsset: item.createAsset,
          // Items stored before the flag existed are not capitalisable.
          capitalisable: item.capitalisable ?? false,
          receivedQuantity: 0,
          cancelledQuantity: 0,
          returnedQuantity: 0
        }
        added.push(line)
        updates.push({ after: line })
        changes.push({ lineNo: line.lineNo, description: line.description, action: "added", after: termsOf(line) })
      }
    }

    if (changes.length === 0) {
      return yield* refuse("NoChange", `The revision changes nothing on purchase order ${order.id}: every line already has the quantity and unit cost given`)
    }
    const lines = [...order.lines.filter((line) => !removed.has(line.lineNo)).map((line) => changed.get(line.lineNo) ?? line), ...added]
    if (lines.length === 0) {
      return yield* refuse("NoLinesLeft", `The revision would remove every line of purchase order ${order.id}; cancel the order instead`)
    }

    const saved = yield* saveRevision(order, lines, { action: "revised", reason: input.reason, changes })
    if (submitted) {
      yield* adjustTemplates(saved.order, updates, `revision ${saved.revision.revision}: ${input.reason}`)
      yield* createEntitlements(entitlementRequests(order, added))
      yield* reviseEntitlements(seatChanges)
    }
    yield* Events.append(
      PurchaseOrderRevised.make({
        purchaseOrderId: order.id,
        vendorId: order.vendorId,
        revision: saved.revision.revision,
        reason: input.reason,
        changes,
        total: saved.order.total,
        status: saved.order.status,
        previousStatus: order.status,
        lines: saved.order.lines
      }),
      ...statusChanged(order, saved.order)
    )
    return { purchaseOrder: saved.order, revision: saved.revision }
  })
})

/** Cancels units of an order's lines (line number -> units), keeping templates in step. */
export const cancelUnits = Effect.fn("Purchasing.cancelUnits")(function*(
  order: PurchaseOrder,
  units: ReadonlyMap<number, number>,
  reason: string
) {
  const updates: Array<LineUpdate> = []
  const changes: Array<LineChange> = []
  const lines = order.lines.map((line) => {
    const cancel = units.get(line.lineNo) ?? 0
    if (cancel === 0) return line
    const after = { ...line, cancelledQuantity: line.cancelledQuantity + cancel }
    updates.push({ before: line, after })
    changes.push({ lineNo: line.lineNo, description: line.description, action: "cancelled", before: termsOf(line), after: termsOf(after) })
    return after
  })
  const saved = yield* saveRevision(order, lines, { action: "cancelled", reason, changes })
  if (order.status !== "draft") yield* adjustTemplates(saved.order, updates, reason)
  yield* Events.append(
    PurchaseOrderLinesCancelled.make({
      purchaseOrderId: order.id,
      vendorId: order.vendorId,
      revision: saved.revision.revision,
      reason,
      lines: changes.map((c) => ({ lineNo: c.lineNo, cancelled: c.after!.cancelledQuantity - c.before!.cancelledQuantity, cancelledQuantity: c.after!.cancelledQuantity })),
      total: saved.order.total,
      status: saved.order.status,
      previousStatus: order.status
    }),
    ...statusChanged(order, saved.order)
  )
  return saved
})

export const CancelOutput = z.object({ purchaseOrder: PurchaseOrder, revision: PurchaseOrderRevision })

export const cancellable: ReadonlySet<PurchaseOrderStatus> = new Set(["draft", "submitted", "partially_received"])

/**
 * Cancels everything still outstanding on a purchase order: each line's cancelled quantity
 * becomes what it did not receive, and its surplus template assets are retired. The order
 * becomes `cancelled` when nothing was received, `received` otherwise (closed short). Software
 * lines are left as they are: their licences were delivered as entitlements.
 *
 * @since 0.1.0
 * @category operations
 */
export const cancelPurchaseOrder = Operation.make({
  id: "purchasing.cancelPurchaseOrder",
  summary: "Cancel everything outstanding on a purchase order; it becomes cancelled, or received when some units arrived.",
  kind: "command",
  permission: "purchase_order.manage",
  input: z.object({ purchaseOrderId: Text.id, reason: Reason }),
  output: CancelOutput,
  events: [PurchaseOrderLinesCancelled, PurchaseOrderCancelled, PurchaseOrderReceived, AssetTemplatesCancelled],
  handler: Effect.fn(function*({ purchaseOrderId, reason }) {
    const order = yield* loadPurchaseOrder(purchaseOrderId)
    if (!cancellable.has(order.status)) {
      return yield* new PurchasingError({
        reason: "InvalidState",
        id: order.id,
        message: `Purchase order ${order.id} is ${order.status}; nothing is outstanding to cancel`
      })
    }
    const units = new Map(
      order.lines
        .map((line) => [line.lineNo, order.status === "draft" ? openQuantity(line) : outstandingQuantity(line)] as const)
        .filter(([, n]) => n > 0)
    )
    if (units.size === 0) {
      return yield* new PurchasingError({
        reason: "NothingToCancel",
        id: order.id,
        message: `Purchase order ${order.id} has nothing outstanding to cancel: its lines are received or software (delivered as entitlements)`
      })
    }
    const saved = yield* cancelUnits(order, units, reason)
    return { purchaseOrder: saved.order, revision: saved.revision }
  })
})

/**
 * Input of {@link cancelPurchaseOrderLines}: the lines, each with the units to cancel (all it
 * still has outstanding when omitted), and why.
 *
 * @since 0.1.0
 * @category inputs
 */
export const CancelPurchaseOrderLinesInput = z.object({
  purchaseOrderId: Text.id,
  reason: Reason,
  lines: z.array(z.object({
    lineNo: z.number().int().positive(),
    quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1").optional()
  })).min(1, "give at least one line").max(1000).refine(
    (lines) => new Set(lines.map((l) => l.lineNo)).size === lines.length,
    { message: "a line appears more than once" }
  )
})

/**
 * Cancels outstanding units of some lines of a submitted order: all that is outstanding on a
 * line, or the quantity given. Surplus template assets are retired; the order becomes `received`
 * (or `cancelled`, when nothing was received) once no line expects anything.
 *
 * @since 0.1.0
 * @category operations
 */
export const cancelPurchaseOrderLines = Operation.make({
  id: "purchasing.cancelPurchaseOrderLines",
  summary: "Cancel the outstanding units (or some of them) of lines of a submitted purchase order.",
  kind: "command",
  permission: "purchase_order.manage",
  input: CancelPurchaseOrderLinesInput,
  output: CancelOutput,
  events: [PurchaseOrderLinesCancelled, PurchaseOrderCancelled, PurchaseOrderReceived, AssetTemplatesCancelled],
  handler: Effect.fn(function*({ purchaseOrderId, reason, lines }) {
    const order = yield* loadPurchaseOrder(purchaseOrderId)
    const refuse = (reason: PurchasingErrorReason, message: string, extra: { lineNo?: number; received?: number; requested?: number } = {}) =>
      new PurchasingError({ reason, id: order.id, message, ...extra })
    if (order.status !== "submitted" && order.status !== "partially_received") {
      return yield* refuse(
        "InvalidState",
        `Purchase order ${order.id} is ${order.status}; lines are cancelled on a submitted order (revise a draft, or cancel it whole)`
      )
    }
    const units = new Map<number, number>()
    for (const request of lines) {
      const line = order.lines.find((l) => l.lineNo === request.lineNo)
      if (line === undefined) {
        return yield* refuse("UnknownLine", `Purchase order ${order.id} has no line ${request.lineNo}`, { lineNo: request.lineNo })
      }
      const outstanding = outstandingQuantity(line)
      if (outstanding === 0) {
        return yield* refuse(
          "NothingToCancel",
          line.kind === "software"
            ? `${lineName(line)} is software: its licences were delivered as an entitlement when the order was submitted`
            : `${lineName(line)} has nothing outstanding: ordered ${line.quantity}, received ${line.receivedQuantity}, cancelled ${line.cancelledQuantity}`,
          { lineNo: line.lineNo, received: line.receivedQuantity }
        )
      }
      const quantity = request.quantity ?? outstanding
      if (quantity > outstanding) {
        return yield* refuse(
          "OverCancel",
          `${lineName(line)} has ${outstanding} units outstanding (ordered ${line.quantity}, received ${line.receivedQuantity}, ` +
            `cancelled ${line.cancelledQuantity}); cannot cancel ${quantity}`,
          { lineNo: line.lineNo, received: line.receivedQuantity, requested: quantity }
        )
      }
      units.set(line.lineNo, quantity)
    }
    const saved = yield* cancelUnits(order, units, reason)
    return { purchaseOrder: saved.order, revision: saved.revision }
  })
})
