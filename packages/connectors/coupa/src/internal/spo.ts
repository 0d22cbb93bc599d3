/**
 * The spo-coupa connector's sides: Procura's requisitions, purchase orders, receipts and invoices
 * pushed to Coupa; supplier and order status changes made in Coupa pulled back.
 */
import {
  Catalog,
  type Connector,
  type Events,
  Invoicing,
  InvoicingEvents,
  Operation,
  type Principal,
  type Procura,
  Purchasing,
  PurchasingEvents,
  ReceivingEvents,
  Requisition,
  RequisitionEvents,
  Storage
} from "@procura/core"
import { Effect, Option } from "effect"
import type * as CoupaClient from "../CoupaClient.js"
import { SyncError } from "../SyncError.js"
import { type Client, decimal, documentNumber, idOf, kinds, lineKey, linked, textOf } from "./sync.js"

/** The connector's configuration, as validated. */
export interface SpoCoupaConfig {
  readonly poNumberPrefix: string
  readonly requisitionPrefix: string
  readonly receiptReferenceField: string
}

/** The events spo-coupa pushes. */
export const spoCoupaEvents = [
  RequisitionEvents.PurchaseRequestCreated,
  RequisitionEvents.PurchaseRequestResubmitted,
  PurchasingEvents.PurchaseOrderSubmitted,
  PurchasingEvents.PurchaseOrderRevised,
  PurchasingEvents.PurchaseOrderLinesCancelled,
  PurchasingEvents.PurchaseOrderReceived,
  PurchasingEvents.PurchaseOrderCancelled,
  ReceivingEvents.ReceiptRecorded,
  InvoicingEvents.InvoiceRecorded,
  InvoicingEvents.InvoiceCancelled
] as const

type SpoCoupaEvent = Events.EventOf<typeof spoCoupaEvents[number]>

type Env = Storage.Storage | Principal.CurrentPrincipal

interface Sync {
  readonly connector: string
  readonly client: Client
  readonly links: Connector.Links
  readonly config: SpoCoupaConfig
}

const orderFields: CoupaClient.Fields = [
  "id",
  "po-number",
  "status",
  { "order-lines": ["id", "line-num", "description", "quantity", "price", "external-reference-number"] }
]

/** The Coupa supplier a Procura vendor is: its mapping, else the supplier numbered with its code, else named as it, else a new one. */
const supplierOf = (sync: Sync, vendorId: string) =>
  Effect.gen(function*() {
    const known = yield* sync.links.externalIdOf(kinds.supplier, vendorId)
    if (Option.isSome(known)) return Number(known.value)
    const vendor = yield* Operation.run(Catalog.operations.getVendor)({ id: vendorId })
    const coupa = yield* sync.client
    for (const key of [{ number: vendor.code }, { name: vendor.name }]) {
      const [found] = yield* coupa.all("suppliers", { filters: key, fields: ["id"] })
      const id = found === undefined ? undefined : idOf(found)
      if (id !== undefined && Option.isNone(yield* sync.links.procuraIdOf(kinds.supplier, String(id)))) {
        yield* sync.links.link(kinds.supplier, vendor.id, String(id))
        return id
      }
    }
    const { record } = yield* coupa.createOnce("suppliers", { name: vendor.name, number: vendor.code }, { key: { number: vendor.code }, fields: ["id"] })
    yield* sync.links.link(kinds.supplier, vendor.id, String(idOf(record)))
    return idOf(record)!
  })

/** The Coupa record a mapping points at, or `Vanished`. */
const mappedRecord = (sync: Sync, resource: string, kind: string, procuraId: string, id: number, fields: CoupaClient.Fields) =>
  Effect.flatMap(sync.client, (coupa) => coupa.get(resource, id, { fields })).pipe(
    Effect.catchIf((error) => error.reason === "NotFound", () =>
      Effect.fail(new SyncError({
        reason: "Vanished",
        connector: sync.connector,
        record: `${kind} ${procuraId}`,
        retryable: false,
        message: `The Coupa ${resource} record ${id} that ${kind} ${procuraId} is mapped to no longer exists; restore it, or remove the mapping, then replay the event`
      })))
  )

/** Links each line of a Coupa record (by line number) to its Procura line. */
const linkLines = (sync: Sync, kind: string, procuraId: string, record: CoupaClient.CoupaRecord, field: string) =>
  Effect.forEach(Array.isArray(record[field]) ? record[field] as ReadonlyArray<CoupaClient.CoupaRecord> : [], (line) => {
    const id = idOf(line)
    const lineNo = Number(line["line-num"])
    return id === undefined || !Number.isInteger(lineNo) ? Effect.void : Effect.asVoid(sync.links.link(kind, lineKey(procuraId, lineNo), String(id)))
  }, { discard: true })

/**
 * The lines of an order body that differ from the Coupa order's (new lines, or another
 * description, quantity or price), each with its Coupa id when the order has that line: a Coupa
 * order whose lines change gets a new version and may be sent to the supplier again, so what is
 * already there is not written again.
 */
const changedLines = (record: CoupaClient.CoupaRecord, lines: ReadonlyArray<CoupaClient.CoupaRecord>) => {
  const theirs = new Map((Array.isArray(record["order-lines"]) ? record["order-lines"] as ReadonlyArray<CoupaClient.CoupaRecord> : []).map((line) => [Number(line["line-num"]), line]))
  return lines.flatMap((line) => {
    const current = theirs.get(Number(line["line-num"]))
    if (current === undefined) return [line]
    const same = textOf(current["description"]) === line["description"] && Number(current["quantity"]) === Number(line["quantity"]) &&
      Number(current["price"]) === Number(line["price"])
    return same ? [] : [{ id: idOf(current)!, ...line }]
  })
}

/** The lines of a body, each with its Coupa id when the record has that line already. */
const withLineIds = (record: CoupaClient.CoupaRecord | undefined, field: string, lines: ReadonlyArray<CoupaClient.CoupaRecord>) => {
  const ids = new Map((Array.isArray(record?.[field]) ? record[field] as ReadonlyArray<CoupaClient.CoupaRecord> : []).map((line) => [Number(line["line-num"]), idOf(line)]))
  return lines.map((line) => {
    const id = ids.get(Number(line["line-num"]))
    return id === undefined ? line : { id, ...line }
  })
}

/**
 * A purchase request as it is now, as a Coupa requisition (a draft there: Procura approves it):
 * created once by its `external-po-reference`, its lines updated when the request is revised.
 */
const pushRequisition = (sync: Sync, requestId: string) =>
  Effect.gen(function*() {
    const request = yield* Operation.run(Requisition.operations.getRequest)({ id: requestId })
    const coupa = yield* sync.client
    const suppliers = yield* Effect.forEach(request.lines, (line) => supplierOf(sync, line.vendorId))
    const currency = { code: request.total.currency }
    const lines = request.lines.map((line, i): CoupaClient.CoupaRecord => ({
      "line-num": line.lineNo,
      description: line.description,
      quantity: String(line.quantity),
      "unit-price": decimal(line.unitCost),
      currency,
      supplier: { id: suppliers[i]! }
    }))
    const known = yield* sync.links.externalIdOf(kinds.requisition, request.id)
    if (Option.isSome(known)) {
      const id = Number(known.value)
      const current = yield* mappedRecord(sync, "requisitions", kinds.requisition, request.id, id, ["id", { "requisition-lines": ["id", "line-num"] }])
      yield* coupa.update("requisitions", id, { "requisition-lines": withLineIds(current, "requisition-lines", lines) }, { fields: ["id"] })
      return
    }
    const reference = documentNumber(sync.config.requisitionPrefix, request.id)
    const { record } = yield* coupa.createOnce("requisitions", {
      "external-po-reference": reference,
      "req-title": `Procura purchase request ${request.id}`,
      ...(request.justification === undefined ? {} : { justification: request.justification }),
      currency,
      "requisition-lines": lines
    }, { key: { external_po_reference: reference }, fields: ["id"] })
    yield* sync.links.link(kinds.requisition, request.id, String(idOf(record)))
  })

/**
 * What an order event asks of the Coupa order's status: to be placed (issued), closed (received:
 * its receipts, earlier events of the order, are pushed by then) or cancelled.
 */
type Placement = "issue" | "close" | "cancel"

/** Coupa's status actions that bring a Coupa order with `status` to the placement asked. */
const actionsFor = (placement: Placement, status: string): ReadonlyArray<string> => {
  const placed = status === "draft" || status === "buyer_hold" || status === "supplier_hold"
  const ended = status === "cancelled" || status === "canceled" || status === "closed"
  if (placement === "cancel") return ended ? [] : ["cancel"]
  if (placement === "close") return ended ? [] : placed ? ["issue", "close"] : ["close"]
  return placed ? ["issue"] : []
}

/**
 * A purchase order as it is now, as a Coupa external order (`ExternalOrderHeader`): created once
 * by its number, its lines written with their external references, then issued, closed or
 * cancelled as the event says. Drafts are not pushed: Coupa's external orders are placed orders.
 * The status follows the event, not the order's current status: an order received since must
 * not be closed in Coupa before its receipts (later events of the order) are pushed.
 */
const pushOrder = (sync: Sync, purchaseOrderId: string, placement: Placement) =>
  Effect.gen(function*() {
    const order = yield* Operation.run(Purchasing.operations.getPurchaseOrder)({ id: purchaseOrderId })
    if (order.status === "draft") return
    const coupa = yield* sync.client
    const supplier = yield* supplierOf(sync, order.vendorId)
    const currency = { code: order.total.currency }
    const lines = order.lines.map((line): CoupaClient.CoupaRecord => ({
      "line-num": line.lineNo,
      description: line.description,
      quantity: String(line.quantity - line.cancelledQuantity),
      price: decimal(line.unitCost),
      currency,
      "external-reference-number": lineKey(order.id, line.lineNo),
      "external-reference-type": "procura"
    }))
    const known = yield* sync.links.externalIdOf(kinds.purchaseOrder, order.id)
    let record: CoupaClient.CoupaRecord
    if (Option.isSome(known)) {
      const id = Number(known.value)
      const current = yield* mappedRecord(sync, "purchase_orders", kinds.purchaseOrder, order.id, id, orderFields)
      const changed = changedLines(current, lines)
      record = changed.length === 0 ? current : yield* coupa.update("purchase_orders", id, { "order-lines": changed }, { fields: orderFields })
    } else {
      const number = documentNumber(sync.config.poNumberPrefix, order.id)
      const created = yield* coupa.createOnce("purchase_orders", {
        "po-number": number,
        type: "ExternalOrderHeader",
        supplier: { id: supplier },
        currency,
        "order-lines": lines
      }, { key: { po_number: number }, fields: orderFields })
      record = created.record
      const theirs = Array.isArray(record["order-lines"]) ? record["order-lines"] as ReadonlyArray<CoupaClient.CoupaRecord> : []
      if (!theirs.every((line) => textOf(line["external-reference-number"]).startsWith(`${order.id}:`))) {
        return yield* new SyncError({
          reason: "NumberTaken",
          connector: sync.connector,
          record: `${kinds.purchaseOrder} ${order.id}`,
          retryable: false,
          message: `Coupa purchase order ${number} exists and is not purchase order ${order.id}; set another poNumberPrefix for spo-coupa`
        })
      }
      const changed = created.created ? [] : changedLines(record, lines)
      // Found, not created (a push whose answer was lost), and changed since: brought up to date.
      if (changed.length > 0) record = yield* coupa.update("purchase_orders", idOf(record)!, { "order-lines": changed }, { fields: orderFields })
      yield* sync.links.link(kinds.purchaseOrder, order.id, String(idOf(record)))
    }
    yield* linkLines(sync, kinds.purchaseOrderLine, order.id, record, "order-lines")
    for (const action of actionsFor(placement, textOf(record["status"]))) yield* coupa.act("purchase_orders", idOf(record)!, action)
  })

/** A receipt's lines as Coupa receiving transactions, each created once by its key in the configured custom field. */
const pushReceipt = (sync: Sync, receipt: { readonly receiptId: string; readonly purchaseOrderId: string; readonly receivedAt: string; readonly lines: ReadonlyArray<{ readonly lineNo: number; readonly quantity: number }> }) =>
  Effect.gen(function*() {
    const coupa = yield* sync.client
    const field = sync.config.receiptReferenceField
    for (const line of receipt.lines) {
      const key = lineKey(receipt.receiptId, line.lineNo)
      if (Option.isSome(yield* sync.links.externalIdOf(kinds.receiptLine, key))) continue
      const orderLine = yield* linked(sync.connector, sync.links, kinds.purchaseOrderLine, lineKey(receipt.purchaseOrderId, line.lineNo))
      const { record } = yield* coupa.createOnce("receiving_transactions", {
        type: "InventoryReceipt",
        quantity: String(line.quantity),
        "order-line": { id: orderLine },
        "transaction-date": receipt.receivedAt,
        "custom-fields": { [field]: key }
      }, { key: { "custom-fields": { [field]: key } }, fields: ["id"] })
      yield* sync.links.link(kinds.receiptLine, key, String(idOf(record)))
    }
  })

/** An invoice as a Coupa invoice: created once by its number and supplier, then submitted. */
const pushInvoice = (sync: Sync, invoiceId: string) =>
  Effect.gen(function*() {
    const invoice = yield* Operation.run(Invoicing.operations.getInvoice)({ id: invoiceId })
    if (Option.isSome(yield* sync.links.externalIdOf(kinds.invoice, invoice.id))) return
    const order = yield* Operation.run(Purchasing.operations.getPurchaseOrder)({ id: invoice.purchaseOrderId })
    const coupa = yield* sync.client
    const supplier = yield* supplierOf(sync, invoice.vendorId)
    const orderLines = yield* Effect.forEach(invoice.lines, (line) =>
      linked(sync.connector, sync.links, kinds.purchaseOrderLine, lineKey(order.id, line.lineNo)))
    const { record } = yield* coupa.createOnce("invoices", {
      "invoice-number": invoice.number,
      "invoice-date": invoice.invoiceDate,
      supplier: { id: supplier },
      currency: { code: invoice.currency },
      "invoice-lines": invoice.lines.map((line, i) => ({
        "line-num": i + 1,
        description: order.lines.find((l) => l.lineNo === line.lineNo)?.description ?? `Line ${line.lineNo}`,
        quantity: String(line.quantity),
        price: decimal(line.unitCost),
        "order-line-id": orderLines[i]!,
        "po-number": documentNumber(sync.config.poNumberPrefix, order.id)
      }))
    }, { key: { invoice_number: invoice.number, supplier: { id: supplier } }, fields: ["id", "status"] })
    yield* sync.links.link(kinds.invoice, invoice.id, String(idOf(record)))
    if (textOf(record["status"]) === "draft") yield* coupa.act("invoices", idOf(record)!, "submit")
  })

/** A cancelled invoice: voided in Coupa when it was pushed and Coupa still allows it. */
const voidInvoice = (sync: Sync, invoiceId: string) =>
  Effect.gen(function*() {
    const known = yield* sync.links.externalIdOf(kinds.invoice, invoiceId)
    if (Option.isNone(known)) return
    const id = Number(known.value)
    const current = yield* mappedRecord(sync, "invoices", kinds.invoice, invoiceId, id, ["id", "status"])
    const status = textOf(current["status"])
    if (status === "voided") return
    if (!["draft", "pending_receipt", "approved", "pending_approval"].includes(status)) {
      return yield* Effect.logWarning(`Coupa invoice ${id} is ${status}; Coupa does not void it, so Procura's cancellation of invoice ${invoiceId} stays in Procura`)
    }
    const coupa = yield* sync.client
    yield* coupa.act("invoices", id, "void")
  })

/** The outbound handler of spo-coupa. */
export const outbound = (client: Client) => (event: SpoCoupaEvent, context: Connector.Context<SpoCoupaConfig>): Effect.Effect<void, unknown, Env> => {
  const sync: Sync = { connector: context.connectorId, client, links: context.links, config: context.config }
  switch (event.type) {
    case "purchase_request.created":
    case "purchase_request.resubmitted":
      return pushRequisition(sync, event.payload.requestId)
    case "purchase_order.submitted":
    case "purchase_order.revised":
    case "purchase_order.lines_cancelled":
      return pushOrder(sync, event.payload.purchaseOrderId, "issue")
    case "purchase_order.received":
      return pushOrder(sync, event.payload.purchaseOrderId, "close")
    case "purchase_order.cancelled":
      return pushOrder(sync, event.payload.purchaseOrderId, "cancel")
    case "receipt.recorded":
      return pushReceipt(sync, event.payload)
    case "invoice.recorded":
      return pushInvoice(sync, event.payload.invoiceId)
    case "invoice.cancelled":
      return voidInvoice(sync, event.payload.invoiceId)
  }
}

// ----- inbound ------------------------------------------------------------------------------

/** A change spo-coupa pulls: a supplier's, or an order's status. */
export type SpoCoupaChange =
  | { readonly kind: "supplier"; readonly id: number; readonly status: string; readonly name: string }
  | { readonly kind: "order"; readonly id: number; readonly status: string; readonly poNumber: string }

interface Watermarks {
  readonly suppliers?: CoupaClient.Watermark
  readonly orders?: CoupaClient.Watermark
}

const readWatermarks = (since: string | undefined): Watermarks => {
  if (since === undefined) return {}
  try {
    return JSON.parse(since) as Watermarks
  } catch {
    return {}
  }
}

/** Pulls supplier changes and order changes since the watermarks (JSON of both). */
const pull = (client: Client) => (since: string | undefined) =>
  Effect.gen(function*() {
    const coupa = yield* client
    const marks = readWatermarks(since)
    const suppliers = yield* coupa.changes("suppliers", { ...(marks.suppliers ? { since: marks.suppliers } : {}), fields: ["id", "name", "status"] })
    const orders = yield* coupa.changes("purchase_orders", { ...(marks.orders ? { since: marks.orders } : {}), fields: ["id", "po-number", "status"] })
    const changes: Array<SpoCoupaChange> = [
      ...suppliers.records.map((r): SpoCoupaChange => ({ kind: "supplier", id: idOf(r)!, status: textOf(r["status"]), name: textOf(r["name"]) })),
      ...orders.records.map((r): SpoCoupaChange => ({ kind: "order", id: idOf(r)!, status: textOf(r["status"]), poNumber: textOf(r["po-number"]) }))
    ]
    return { changes, watermark: JSON.stringify({ suppliers: suppliers.watermark, orders: orders.watermark }) }
  })

const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error)

/**
 * Applies one change, to records spo-coupa pushed only: a supplier made inactive in Coupa has its
 * Procura supplier products deactivated (it is no longer bought from); an order cancelled or
 * closed in Coupa has what is outstanding cancelled in Procura. Procura's rules win: a change they
 * refuse is logged, and the next push brings Coupa back to Procura's state.
 */
const apply = (change: SpoCoupaChange, context: Connector.Context<SpoCoupaConfig>): Effect.Effect<void, unknown, Env | Procura.Services> =>
  Effect.gen(function*() {
    if (change.kind === "supplier") {
      const vendorId = yield* context.links.procuraIdOf(kinds.supplier, String(change.id))
      if (Option.isNone(vendorId) || change.status !== "inactive") return
      const products = yield* Operation.run(Catalog.operations.listSupplierProducts)({ supplierId: vendorId.value, active: true, limit: 1000 })
      for (const product of products.items) {
        yield* Operation.run(Catalog.operations.updateSupplierProduct)({ id: product.id, active: false })
      }
      if (products.items.length > 0) {
        yield* Effect.logInfo(`Coupa supplier ${change.name} (${change.id}) is inactive: ${products.items.length} supplier product(s) of vendor ${vendorId.value} deactivated`)
      }
      return
    }
    const orderId = yield* context.links.procuraIdOf(kinds.purchaseOrder, String(change.id))
    if (Option.isNone(orderId)) return
    const closing = change.status === "cancelled" || change.status === "canceled" ? "cancelled" : change.status === "closed" ? "closed" : undefined
    if (closing === undefined) return
    const order = yield* Operation.run(Purchasing.operations.getPurchaseOrder)({ id: orderId.value })
    if (order.status !== "submitted" && order.status !== "partially_received") return
    yield* Operation.run(Purchasing.operations.cancelPurchaseOrder)({ purchaseOrderId: order.id, reason: `${closing} in Coupa (purchase order ${change.poNumber})` }).pipe(
      Effect.catchIf((error) => !(error instanceof Storage.StorageError), (error) =>
        Effect.logWarning(`Coupa ${closing} purchase order ${change.poNumber}; Procura keeps purchase order ${order.id} ${order.status}: ${describe(error)}`))
    )
  })

/** The inbound poller of spo-coupa. */
export const inbound = (client: Client): Connector.Inbound<SpoCoupaConfig, SpoCoupaChange> => ({ pull: pull(client), apply })
