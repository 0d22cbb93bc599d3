/**
 * Purchase orders placed in another system (Coupa, an ERP) and imported into Procura, where
 * their receiving, assets and entitlements then happen.
 *
 * @since 0.3.0
 */
import { Effect } from "effect"
import { z } from "zod"
import * as Events from "../Events.js"
import * as Ids from "../Ids.js"
import * as Money from "../Money.js"
import * as Operation from "../Operation.js"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { AssetTemplatesCreated } from "../assets/AssetsEvents.js"
import { itemsById, vendorsById } from "../catalog/internal/sourcing.js"
import { EntitlementCreated } from "../licensing/LicensingEvents.js"
import { placeOrder } from "./internal/submission.js"
import { PurchaseOrderCreated, PurchaseOrderSubmitted } from "./PurchasingEvents.js"
import { PurchasingError } from "./PurchasingErrors.js"
import { PurchaseOrder, purchaseOrders } from "./PurchasingModel.js"

/**
 * Input of {@link importPurchaseOrder}.
 *
 * @since 0.3.0
 * @category inputs
 */
export const ImportPurchaseOrderInput = z.object({
  externalReference: Text.reference.describe("the order's reference in the system it was placed in, e.g. coupa:acme:4711"),
  vendorId: Text.id,
  lines: z.array(z.object({
    catalogItemId: Text.id,
    description: Text.name.optional().describe("the catalog item's name unless given"),
    quantity: z.number().int("quantity must be a whole number").positive("quantity must be at least 1"),
    unitCost: Money.Money
  })).min(1, "an order needs at least one line").max(1000, "an order has at most 1,000 lines")
})

/**
 * What callers pass to {@link importPurchaseOrder}.
 *
 * @since 0.3.0
 * @category inputs
 */
export type ImportPurchaseOrderInput = z.input<typeof ImportPurchaseOrderInput>

/**
 * Imports a purchase order placed in another system as a submitted Procura order: its lines take
 * their kind, create-asset and capitalisable flags from their catalog items, template assets (on
 * order) and entitlements are created as on submitting, and `purchase_order.created` and
 * `purchase_order.submitted` are appended. Importing the same external reference again answers
 * the order already imported and writes nothing (`ReferenceReused` when it was another vendor's).
 * An unknown vendor or catalog item, or lines in several currencies, are refused.
 *
 * @since 0.3.0
 * @category operations
 */
export const importPurchaseOrder = Operation.make({
  id: "purchasing.importPurchaseOrder",
  summary: "Import a purchase order placed in another system as a submitted order (idempotent by its external reference).",
  kind: "command",
  permission: "purchase_order.manage",
  // Two imports of one reference at once: the second finds the first's order.
  retryOnUnique: ["externalReference"],
  input: ImportPurchaseOrderInput,
  output: PurchaseOrder,
  events: [PurchaseOrderCreated, PurchaseOrderSubmitted, AssetTemplatesCreated, EntitlementCreated],
  handler: Effect.fn(function*(input) {
    const storage = yield* Storage.Storage
    const refuse = (reason: "UnknownVendor" | "UnknownCatalogItem" | "CurrencyMismatch" | "ReferenceReused", message: string, lineNo?: number) =>
      new PurchasingError({ reason, id: input.externalReference, message, ...(lineNo === undefined ? {} : { lineNo }) })
    const [existing] = (yield* storage.find(purchaseOrders, { where: { externalReference: input.externalReference }, limit: 1 })).items
    if (existing !== undefined) {
      if (existing.vendorId === input.vendorId) return existing
      return yield* refuse("ReferenceReused", `The external order ${input.externalReference} was imported as purchase order ${existing.id} of vendor ${existing.vendorId}, not of ${input.vendorId}`)
    }
    const vendors = yield* vendorsById([input.vendorId])
    if (!vendors.has(input.vendorId)) return yield* refuse("UnknownVendor", `No vendor with id ${input.vendorId}`)
    const items = yield* itemsById([...new Set(input.lines.map((line) => line.catalogItemId))])
    const currency = input.lines[0]!.unitCost.currency
    const lines: Array<PurchaseOrder["lines"][number]> = []
    for (const [i, line] of input.lines.entries()) {
      const item = items.get(line.catalogItemId)
      if (item === undefined) return yield* refuse("UnknownCatalogItem", `Line ${i + 1}: no catalog item with id ${line.catalogItemId}`, i + 1)
      if (line.unitCost.currency !== currency) {
        return yield* refuse("CurrencyMismatch", `Line ${i + 1} costs ${line.unitCost.currency}, line 1 ${currency}: an order has one currency`, i + 1)
      }
      lines.push({
        lineNo: i + 1,
        catalogItemId: item.id,
        description: line.description ?? item.name,
        kind: item.kind,
        quantity: line.quantity,
        unitCost: line.unitCost,
        createAsset: item.createAsset,
        capitalisable: item.capitalisable ?? false,
        receivedQuantity: 0,
        cancelledQuantity: 0,
        returnedQuantity: 0
      })
    }
    const now = yield* Events.now
    const order = yield* storage.insertOne(purchaseOrders, {
      id: yield* Ids.next,
      vendorId: input.vendorId,
      externalReference: input.externalReference,
      status: "submitted",
      lines,
      total: Money.sum(lines.map((l) => Money.times(l.unitCost, l.quantity)), currency)!,
      submittedAt: now,
      createdAt: now,
      updatedAt: now
    })
    yield* Events.append(PurchaseOrderCreated.make({
      purchaseOrderId: order.id,
      vendorId: order.vendorId,
      status: order.status,
      total: order.total,
      lines: order.lines
    }))
    yield* placeOrder({ ...order, submittedAt: now })
    return order
  })
})
