/**
 * The sam-coupa connector's inbound side: Coupa is the system of record for procurement; its
 * purchase orders and receipts not yet exported become Procura orders (with their template assets
 * and entitlements) and receipts (assets in stock), then are marked exported in Coupa.
 */
import {
  Catalog,
  type Connector,
  Operation,
  type Principal,
  type Procura,
  Purchasing,
  Receiving,
  Storage
} from "@procura/core"
import { Effect, Option } from "effect"
import type * as CoupaClient from "../CoupaClient.js"
import { type Client, idOf, kinds, lineKey, moneyOf, textOf, wholeQuantity } from "./sync.js"

/** The connector's configuration, as validated. */
export interface SamCoupaConfig {
  /** Where received units go (Coupa's warehouses are not Procura's locations). */
  readonly receiveInto: { readonly locationId: string; readonly storageSpace: string }
  /** The prefix of the external references of imported orders and receipts (`coupa:po:4711`). */
  readonly referencePrefix: string
}

/** A change sam-coupa pulls: a purchase order or a receiving transaction not yet exported. */
export type SamCoupaChange =
  | { readonly kind: "order"; readonly record: CoupaClient.CoupaRecord }
  | { readonly kind: "receipt"; readonly record: CoupaClient.CoupaRecord }

/** The watermark sam-coupa keeps once a migration retired it: it pulls nothing more. */
export const retiredPrefix = "retired:"

/** The watermark of a retired sam-coupa, naming the migration. */
export const retired = (to: string, at: string): string => `${retiredPrefix}${JSON.stringify({ to, at })}`

/** The Coupa fields sam-coupa reads of an order. */
export const orderFields: CoupaClient.Fields = [
  "id",
  "po-number",
  "status",
  "version",
  { supplier: ["id", "name", "number"] },
  { currency: ["code"] },
  { "order-lines": ["id", "line-num", "description", "quantity", "price", "source-part-num", { item: ["id", "name", "item-number"] }, { currency: ["code"] }] }
]

/** The Coupa fields sam-coupa reads of a receiving transaction. */
export const receiptFields: CoupaClient.Fields = ["id", "type", "status", "quantity", { "order-line": ["id", "line-num", "order-header-id", "po-number"] }]

/** What is waiting in Coupa for sam-coupa: orders (not drafts) and receipts not yet exported. */
export const pending = (client: Client) =>
  Effect.gen(function*() {
    const coupa = yield* client
    const orders = yield* coupa.all("purchase_orders", { filters: { exported: false, status: { not_in: ["draft"] } }, fields: orderFields })
    const receipts = yield* coupa.all("receiving_transactions", { filters: { exported: false, type: "InventoryReceipt" }, fields: receiptFields })
    return { orders, receipts }
  })

/** Pulls the orders, then the receipts, not yet exported (the exported flag is the queue). */
const pull = (client: Client) => (since: string | undefined) =>
  Effect.gen(function*() {
    if (since?.startsWith(retiredPrefix) === true) {
      yield* Effect.logWarning(`sam-coupa was migrated (${since.slice(retiredPrefix.length)}) and pulls nothing more; disable it`)
      return { changes: [], watermark: since }
    }
    const { orders, receipts } = yield* pending(client)
    const changes: Array<SamCoupaChange> = [
      ...orders.map((record): SamCoupaChange => ({ kind: "order", record })),
      ...receipts.map((record): SamCoupaChange => ({ kind: "receipt", record }))
    ]
    return { changes, watermark: `exported-flag` }
  })

type ApplyEnv = Storage.Storage | Principal.CurrentPrincipal | Procura.Services

const lines = (record: CoupaClient.CoupaRecord): ReadonlyArray<CoupaClient.CoupaRecord> =>
  Array.isArray(record["order-lines"]) ? record["order-lines"] as ReadonlyArray<CoupaClient.CoupaRecord> : []

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error)

/** A refusal by Procura's rules (not storage failing, which the next poll retries). */
const isRefusal = (error: unknown) => !(error instanceof Storage.StorageError)

/** The Procura vendor a Coupa supplier is: its mapping, else the vendor whose code is its number (or name), else a new vendor. */
const vendorOf = (links: Connector.Links, supplier: unknown) =>
  Effect.gen(function*() {
    const id = idOf(supplier)
    if (id === undefined) return Option.none<string>()
    const known = yield* links.procuraIdOf(kinds.supplier, String(id))
    if (Option.isSome(known)) return known
    const record = supplier as CoupaClient.CoupaRecord
    const name = textOf(record["name"]).trim()
    const code = (textOf(record["number"]).trim() || name).slice(0, 64)
    if (code === "") return Option.none<string>()
    const [existing] = (yield* Operation.run(Catalog.operations.listVendors)({ code, limit: 1 })).items
    const vendor = existing ?? (yield* Operation.run(Catalog.operations.createVendor)({ code, name: name || code }))
    yield* links.link(kinds.supplier, vendor.id, String(id))
    return Option.some(vendor.id)
  })

/**
 * A Coupa order not yet exported: imported as a submitted Procura order (once, by its external
 * reference) when new; when imported before (a new version resets Coupa's flag), a cancel or a
 * close, and changed quantities, follow. Then marked exported. An order Procura cannot take (a
 * line whose item has no catalog item with its item number, an amount line) is logged and left
 * unexported, so nothing is lost and it is pulled again once the catalog has the item.
 */
const applyOrder = (client: Client, record: CoupaClient.CoupaRecord, context: Connector.Context<SamCoupaConfig>): Effect.Effect<void, unknown, ApplyEnv> =>
  Effect.gen(function*() {
    const coupa = yield* client
    const id = idOf(record)!
    const number = textOf(record["po-number"])
    const skip = (why: string) => Effect.logWarning(`Coupa purchase order ${number} (${id}) is not imported: ${why}; it stays unexported and is pulled again`)
    const known = yield* context.links.procuraIdOf(kinds.purchaseOrder, String(id))
    if (Option.isSome(known)) {
      yield* reconcile(record, known.value)
      yield* coupa.markExported("purchase_orders", id)
      return
    }
    const status = textOf(record["status"])
    const vendorId = yield* vendorOf(context.links, record["supplier"])
    if (Option.isNone(vendorId)) return yield* skip("its supplier cannot be read")
    const currency = textOf(record["currency"])
    const wanted = []
    for (const line of lines(record)) {
      const at = `line ${textOf(line["line-num"])}`
      const quantity = wholeQuantity(line["quantity"])
      if (quantity === undefined || quantity <= 0) return yield* skip(`${at} has quantity ${textOf(line["quantity"])}, not a whole number of units`)
      const unitCost = moneyOf(line["price"], textOf(line["currency"]) || currency)
      if (unitCost === undefined) return yield* skip(`${at} has price ${textOf(line["price"])}, not an amount in ${textOf(line["currency"]) || currency}`)
      const item = line["item"] as CoupaClient.CoupaRecord | null | undefined
      const sku = textOf(item?.["item-number"]) || textOf(line["source-part-num"])
      const [catalogItem] = sku === "" ? [] : (yield* Operation.run(Catalog.operations.listCatalogItems)({ sku, limit: 1 })).items
      if (catalogItem === undefined) return yield* skip(`${at} has ${sku === "" ? "no item number" : `item number ${sku}, which no catalog item has as its SKU`}`)
      const description = textOf(line["description"]).trim()
      wanted.push({ catalogItemId: catalogItem.id, quantity, unitCost, ...(description === "" ? {} : { description: description.slice(0, 200) }) })
    }
    if (wanted.length === 0) return yield* skip("it has no lines")
    const order = yield* Operation.run(Purchasing.operations.importPurchaseOrder)({
      externalReference: `${context.config.referencePrefix}:po:${id}`,
      vendorId: vendorId.value,
      lines: wanted
    })
    yield* context.links.link(kinds.purchaseOrder, order.id, String(id))
    yield* context.links.linkAll(kinds.purchaseOrderLine, lines(record).map((line, i) => [lineKey(order.id, i + 1), String(idOf(line))] as const))
    if (status === "cancelled" || status === "canceled" || status === "closed") yield* reconcile(record, order.id)
    yield* coupa.markExported("purchase_orders", id)
  })

/** Brings an imported order in step with Coupa's: cancelled or closed there, what is outstanding is cancelled; changed quantities revised. */
const reconcile = (record: CoupaClient.CoupaRecord, orderId: string) =>
  Effect.gen(function*() {
    const order = yield* Operation.run(Purchasing.operations.getPurchaseOrder)({ id: orderId })
    const status = textOf(record["status"])
    const open = order.status === "submitted" || order.status === "partially_received"
    const refused = (what: string) => (error: unknown) =>
      Effect.logWarning(`Coupa ${what} purchase order ${textOf(record["po-number"])}; Procura keeps purchase order ${order.id} as it is: ${describe(error)}`)
    if (status === "cancelled" || status === "canceled" || status === "closed") {
      if (!open) return
      yield* Operation.run(Purchasing.operations.cancelPurchaseOrder)({ purchaseOrderId: order.id, reason: `${status} in Coupa` }).pipe(
        Effect.catchIf(isRefusal, refused(status))
      )
      return
    }
    const changed = lines(record).flatMap((line, i) => {
      const procura = order.lines[i]
      const quantity = wholeQuantity(line["quantity"])
      return procura !== undefined && quantity !== undefined && quantity > 0 && quantity !== procura.quantity
        ? [{ lineNo: procura.lineNo, quantity }]
        : []
    })
    if (changed.length === 0 || order.status === "cancelled") return
    yield* Operation.run(Purchasing.operations.revisePurchaseOrder)({ purchaseOrderId: order.id, reason: `changed in Coupa (version ${textOf(record["version"])})`, lines: changed }).pipe(
      Effect.catchIf(isRefusal, refused("changed"))
    )
  })

/**
 * A Coupa receipt not yet exported: received in Procura against the imported order's line (once,
 * by its external reference as the receipt's batch id), so templates become in-stock assets;
 * then marked exported. A receipt of an order not imported, or one Procura refuses (more than
 * ordered), is logged and left unexported. Software is never received: its entitlement exists
 * since the order's import, so its receipt is only marked exported.
 */
const applyReceipt = (client: Client, record: CoupaClient.CoupaRecord, context: Connector.Context<SamCoupaConfig>): Effect.Effect<void, unknown, ApplyEnv> =>
  Effect.gen(function*() {
    const coupa = yield* client
    const id = idOf(record)!
    const skip = (why: string) => Effect.logWarning(`Coupa receipt ${id} is not received in Procura: ${why}; it stays unexported and is pulled again`)
    const orderLine = idOf(record["order-line"])
    const key = orderLine === undefined ? Option.none<string>() : yield* context.links.procuraIdOf(kinds.purchaseOrderLine, String(orderLine))
    if (Option.isNone(key)) return yield* skip(`its order line ${orderLine ?? "(none)"} is not of an imported purchase order`)
    const at = key.value.lastIndexOf(":")
    const purchaseOrderId = key.value.slice(0, at)
    const lineNo = Number(key.value.slice(at + 1))
    const quantity = wholeQuantity(record["quantity"])
    if (quantity === undefined || quantity <= 0) return yield* skip(`its quantity ${textOf(record["quantity"])} is not a whole number of units`)
    const order = yield* Operation.run(Purchasing.operations.getPurchaseOrder)({ id: purchaseOrderId })
    if (order.lines.find((line) => line.lineNo === lineNo)?.kind === "software") {
      yield* coupa.markExported("receiving_transactions", id)
      return
    }
    const { receiveInto } = context.config
    const received = yield* Operation.run(Receiving.operations.receivePurchaseOrder)({
      purchaseOrderId,
      locationId: receiveInto.locationId,
      storageSpace: receiveInto.storageSpace,
      batchId: `${context.config.referencePrefix}:rt:${id}`,
      lines: [{ lineNo, quantity }]
    }).pipe(
      Effect.map(Option.some),
      Effect.catchIf(isRefusal, (error) => Effect.as(skip(describe(error)), Option.none()))
    )
    if (Option.isNone(received)) return
    yield* context.links.link(kinds.receiptLine, lineKey(received.value.id, lineNo), String(id))
    yield* coupa.markExported("receiving_transactions", id)
  })

/** The inbound poller of sam-coupa. */
export const inbound = (client: Client): Connector.Inbound<SamCoupaConfig, SamCoupaChange> => ({
  pull: pull(client),
  apply: (change, context) => (change.kind === "order" ? applyOrder(client, change.record, context) : applyReceipt(client, change.record, context))
})
