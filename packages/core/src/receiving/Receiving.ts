/**
 * Receiving: taking delivery of what a purchase order bought (seed 002: Receiving -> Asset
 * creation). A receipt records, per line, the units delivered; on create-asset lines each unit
 * turns a template asset into an in-stock asset with its serial number, condition, location and
 * storage space. Any quantity up to what remains can be received, in as many receipts as needed.
 *
 * @since 0.1.0
 */
import { Context, Data, Effect } from "effect"
import { z } from "zod"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Operation from "../Operation.js"
import { CurrentPrincipal } from "../Principal.js"
import * as Storage from "../Storage.js"
import { activateTemplates, Condition, createTemplates, takenSerialNumbers } from "../assets/Assets.js"
import { capitalise } from "../assets/FixedAssets.js"
import { backorderedQuantity, hasAssets, loadPurchaseOrder, openQuantity, recordReceived } from "../purchasing/Purchasing.js"
import * as Tolerances from "../purchasing/Tolerances.js"
import { receive as receiveIntoStock } from "../stock/Stock.js"

// ----- model -----------------------------------------------------------------------------------

/**
 * A line of a receipt: how many units of a purchase order line arrived, and the assets they became.
 *
 * @since 0.1.0
 * @category models
 */
export const ReceiptLine = z.object({
  lineNo: z.number().int().positive(),
  quantity: z.number().int().positive(),
  assetIds: z.array(z.string())
})

/**
 * A receipt (receiving slip).
 *
 * @since 0.1.0
 * @category models
 */
export const Receipt = z.object({
  id: z.string(),
  version: z.number().int(),
  purchaseOrderId: z.string(),
  receivedBy: z.string(),
  receivedAt: z.string(),
  locationId: z.string(),
  storageSpace: z.string(),
  condition: Condition,
  lines: z.array(ReceiptLine)
})

/**
 * A receipt.
 *
 * @since 0.1.0
 * @category models
 */
export type Receipt = z.infer<typeof Receipt>

/**
 * Where receipts are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const receipts = Storage.collection({
  name: "receipts",
  schema: Receipt,
  fields: { purchaseOrderId: "string", receivedAt: "timestamp" },
  indexes: [["purchaseOrderId"]]
})

// ----- errors ----------------------------------------------------------------------------------

/**
 * Why a receipt was refused.
 *
 * - `OverReceipt`: more units than remain on the line (ordered, less cancelled and received), beyond
 *   the over-receipt tolerance.
 * - `NotReceivable`: a software line: its entitlements were created when the order was submitted.
 * - `DuplicateSerialNumber`: a serial number repeats in the receipt or is already on an asset.
 * - `UnknownLine` / `DuplicateLine`: the line number is not on the order, or appears twice.
 * - `NotAnAssetLine`: serial numbers were given for a line that creates no assets.
 * - `InvalidState`: the order is not submitted (draft, received or cancelled).
 *
 * @since 0.1.0
 * @category models
 */
export type ReceivingErrorReason =
  | "OverReceipt"
  | "NotReceivable"
  | "DuplicateSerialNumber"
  | "UnknownLine"
  | "DuplicateLine"
  | "NotAnAssetLine"
  | "InvalidState"

/**
 * A receipt was refused; nothing was written.
 *
 * @since 0.1.0
 * @category errors
 */
export class ReceivingError extends Data.TaggedError("ReceivingError")<{
  readonly reason: ReceivingErrorReason
  readonly message: string
  readonly purchaseOrderId: string
  readonly lineNo?: number
  readonly serialNumbers?: ReadonlyArray<string>
}> {}

// ----- operations ------------------------------------------------------------------------------

/**
 * Input of {@link receivePurchaseOrder}. Each line gives a quantity, or serial numbers (one
 * per unit), or both when they agree.
 *
 * @since 0.1.0
 * @category inputs
 */
export const ReceivePurchaseOrderInput = z.object({
  purchaseOrderId: z.string().min(1),
  locationId: z.string().trim().min(1),
  storageSpace: z.string().trim().min(1),
  condition: Condition.default("new"),
  lines: z.array(
    z.object({
      lineNo: z.number().int().positive(),
      quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1").optional(),
      serialNumbers: z.array(z.string().trim().min(1)).min(1).optional()
    })
      .refine((line) => line.quantity !== undefined || line.serialNumbers !== undefined, {
        message: "give a quantity or serial numbers"
      })
      .refine(
        (line) => line.quantity === undefined || line.serialNumbers === undefined || line.quantity === line.serialNumbers.length,
        { message: "quantity and the number of serial numbers differ" }
      )
  ).min(1, "a receipt needs at least one line")
})

/**
 * What callers pass to {@link receivePurchaseOrder}.
 *
 * @since 0.1.0
 * @category inputs
 */
export type ReceivePurchaseOrderInput = z.input<typeof ReceivePurchaseOrderInput>

const duplicates = (values: ReadonlyArray<string>): ReadonlyArray<string> => {
  const seen = new Set<string>()
  return [...new Set(values.filter((v) => seen.size === seen.add(v).size))]
}

/**
 * Receives units of a submitted purchase order: template assets become in-stock assets with
 * their serial numbers, condition, location and storage space; the order becomes
 * `partially_received` or `received`.
 *
 * @since 0.1.0
 * @category operations
 */
export const receivePurchaseOrder = Operation.make({
  id: "receiving.receivePurchaseOrder",
  summary: "Receive units of a submitted purchase order into a location and storage space.",
  kind: "command",
  permission: "receiving.receive",
  input: ReceivePurchaseOrderInput,
  output: Receipt,
  events: ["receipt.recorded", "purchase_order.partially_received", "purchase_order.received", "fixed_asset.capitalised"],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const principal = yield* CurrentPrincipal
    const order = yield* loadPurchaseOrder(input.purchaseOrderId)
    const tolerances = yield* Tolerances.Tolerances
    const refuse = (reason: ReceivingErrorReason, message: string, extra: { lineNo?: number; serialNumbers?: ReadonlyArray<string> } = {}) =>
      new ReceivingError({ reason, message, purchaseOrderId: order.id, ...extra })

    if (order.status !== "submitted" && order.status !== "partially_received") {
      return yield* refuse("InvalidState", `Purchase order ${order.id} is ${order.status}; only a submitted order can be received`)
    }
    const repeatedLines = duplicates(input.lines.map((l) => String(l.lineNo)))
    if (repeatedLines.length > 0) {
      return yield* refuse("DuplicateLine", `Line ${repeatedLines.join(", ")} appears more than once in the receipt`, {
        lineNo: Number(repeatedLines[0])
      })
    }
    const plan = []
    for (const line of input.lines) {
      const orderLine = order.lines.find((l) => l.lineNo === line.lineNo)
      if (orderLine === undefined) {
        return yield* refuse("UnknownLine", `Purchase order ${order.id} has no line ${line.lineNo}`, { lineNo: line.lineNo })
      }
      if (orderLine.kind === "software") {
        return yield* refuse(
          "NotReceivable",
          `Line ${line.lineNo} (${orderLine.description}) is software: it is not received; its entitlement was created when the order was submitted`,
          { lineNo: line.lineNo }
        )
      }
      const quantity = line.quantity ?? line.serialNumbers!.length
      const allowance = Tolerances.quantityAllowance(Tolerances.forLine(tolerances, { kind: orderLine.kind, vendorId: order.vendorId }), openQuantity(orderLine))
      const remaining = backorderedQuantity(orderLine) + allowance - Math.max(0, orderLine.receivedQuantity - openQuantity(orderLine))
      if (quantity > remaining) {
        return yield* refuse(
          "OverReceipt",
          `Line ${line.lineNo} (${orderLine.description}): ordered ${orderLine.quantity}` +
            `${orderLine.cancelledQuantity > 0 ? `, cancelled ${orderLine.cancelledQuantity}` : ""}, already received ${orderLine.receivedQuantity}` +
            `${allowance > 0 ? `, over-receipt tolerance ${allowance}` : ""}, so at most ${Math.max(0, remaining)} more can be received, not ${quantity}`,
          { lineNo: line.lineNo }
        )
      }
      if (line.serialNumbers !== undefined && !hasAssets(orderLine)) {
        return yield* refuse("NotAnAssetLine", `Line ${line.lineNo} (${orderLine.description}) creates no assets, so it takes no serial numbers`, {
          lineNo: line.lineNo
        })
      }
      plan.push({ line, orderLine, quantity })
    }
    const serials = input.lines.flatMap((l) => l.serialNumbers ?? [])
    const repeated = duplicates(serials)
    if (repeated.length > 0) {
      return yield* refuse("DuplicateSerialNumber", `Serial number ${repeated.slice(0, 10).join(", ")} appears more than once in the receipt`, {
        serialNumbers: repeated
      })
    }
    const taken = yield* takenSerialNumbers(serials)
    if (taken.length > 0) {
      return yield* refuse("DuplicateSerialNumber", `Serial number ${taken.slice(0, 10).join(", ")} is already recorded on another asset`, {
        serialNumbers: taken
      })
    }

    // The order is written first: its version check makes concurrent receipts of one order take
    // turns (a receiver that read the order before another's receipt committed gets a stale
    // conflict here and is retried on the new state) before anyone picks template assets.
    const updated = yield* recordReceived(order, new Map(plan.map((p) => [p.line.lineNo, p.quantity])))
    const status = updated.status
    const receiptLines = []
    // Units beyond the open quantity (within the over-receipt tolerance) have no template yet.
    const extra = plan.filter((p) => hasAssets(p.orderLine) && p.quantity > backorderedQuantity(p.orderLine))
    if (extra.length > 0) {
      yield* createTemplates(extra.map(({ orderLine, quantity }) => ({
        purchaseOrderId: order.id,
        vendorId: order.vendorId,
        lineNo: orderLine.lineNo,
        catalogItemId: orderLine.catalogItemId,
        name: orderLine.description,
        kind: orderLine.kind,
        quantity: quantity - backorderedQuantity(orderLine),
        unitCost: orderLine.unitCost
      })))
    }
    for (const { line, orderLine, quantity } of plan) {
      const activated = hasAssets(orderLine)
        ? yield* activateTemplates({
          purchaseOrderId: order.id,
          lineNo: line.lineNo,
          units: Array.from({ length: quantity }, (_, i) => ({ serialNumber: line.serialNumbers?.[i] })),
          condition: input.condition,
          locationId: input.locationId,
          storageSpace: input.storageSpace
        })
        : []
      receiptLines.push({ lineNo: line.lineNo, quantity, assetIds: activated.map((a) => a.id) })
    }
    const [receipt] = yield* storage.insertMany(receipts, [{
      id: yield* Ids.next,
      purchaseOrderId: order.id,
      receivedBy: principal.userId,
      receivedAt: updated.updatedAt,
      locationId: input.locationId,
      storageSpace: input.storageSpace,
      condition: input.condition,
      lines: receiptLines
    }])
    // Consumable lines (no assets created) add to the stock of the receipt's storage space.
    yield* receiveIntoStock(plan.filter((p) => !hasAssets(p.orderLine) && p.orderLine.kind === "consumable").map((p) => ({
      catalogItemId: p.orderLine.catalogItemId,
      name: p.orderLine.description,
      locationId: input.locationId,
      storageSpace: input.storageSpace,
      quantity: p.quantity,
      unitCost: p.orderLine.unitCost,
      purchaseOrderId: order.id,
      lineNo: p.line.lineNo,
      receiptId: receipt!.id
    })))
    // Services never become inventory assets (seed 000); a capitalisable one is a fixed asset.
    yield* capitalise(plan.filter((p) => p.orderLine.capitalisable).map((p) => ({
      purchaseOrderId: order.id,
      lineNo: p.line.lineNo,
      catalogItemId: p.orderLine.catalogItemId,
      description: p.orderLine.description,
      vendorId: order.vendorId,
      quantity: p.quantity,
      unitCost: p.orderLine.unitCost,
      receiptId: receipt!.id
    })))
    yield* Events.append(
      {
        type: "receipt.recorded",
        aggregateType: "purchase_order",
        aggregateId: order.id,
        payload: { receiptId: receipt!.id, purchaseOrderId: order.id, lines: receiptLines }
      },
      {
        type: `purchase_order.${status}`,
        aggregateType: "purchase_order",
        aggregateId: order.id,
        payload: { purchaseOrderId: order.id, status }
      }
    )
    return receipt!
  }, (effect, input) =>
    Effect.catchIf(
      effect,
      (error): error is Storage.StorageError =>
        error instanceof Storage.StorageError && error.reason === "Conflict" && error.key?.[0] === "serialNumber",
      () =>
        Effect.fail(
          new ReceivingError({
            reason: "DuplicateSerialNumber",
            purchaseOrderId: input.purchaseOrderId,
            message: "A serial number of this receipt was recorded on another asset at the same time"
          })
        )
    ))
})

/**
 * Lists the receipts of a purchase order, oldest first.
 *
 * @since 0.1.0
 * @category operations
 */
export const listReceipts = Operation.make({
  id: "receiving.listReceipts",
  summary: "List the receipts of a purchase order, oldest first.",
  kind: "query",
  permission: "receiving.read",
  input: z.object({ purchaseOrderId: z.string().min(1) }),
  output: z.array(Receipt),
  events: [],
  handler: Effect.fn(function*({ purchaseOrderId }) {
    const storage = yield* Storage.Storage
    const page = yield* storage.find(receipts, { where: { purchaseOrderId }, orderBy: [{ field: "receivedAt" }], limit: 1000 })
    return [...page.items]
  })
})

/**
 * The receiving module's operations, by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = { receivePurchaseOrder, listReceipts }

/**
 * The receiving service: one method per operation.
 *
 * @since 0.1.0
 * @category services
 */
export class Receiving extends Context.Service<Receiving, Operation.Methods<typeof operations>>()("@procura/core/Receiving") {
  /** @since 0.1.0 */
  static readonly layer = Operation.serviceLayer(Receiving, operations)
}

/**
 * The collections the receiving module owns.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [receipts] as const
