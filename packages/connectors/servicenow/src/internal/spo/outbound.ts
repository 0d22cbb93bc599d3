/** The SPO connector's outbound side: requisitions, purchase orders and read-only receipts. */
import {
  Catalog,
  type Connector,
  type Events,
  type Money,
  Operation,
  Purchasing,
  PurchasingEvents,
  Requisition,
  RequisitionEvents
} from "@procura/core"
import { Effect, Option } from "effect"
import * as Query from "../../Query.js"
import { ReceivingSlipMirrored, ReturnMirrored } from "../itam/events.js"
import { adopt, type Client, type Env, type Mirror, mapped, resolve, type Row, upsert, upsertAll } from "../mirror.js"
import { purchaseOrderStatus, receiptValues, requisitionStatus } from "./mappings.js"

/** The connector's configuration, as validated. */
export interface SpoConfig {
  readonly correlationField: string
  readonly userField: string
  readonly overlapSeconds: number
}

/** The events the SPO connector pushes. */
export const spoEvents = [
  RequisitionEvents.PurchaseRequestCreated,
  RequisitionEvents.PurchaseRequestResubmitted,
  RequisitionEvents.PurchaseRequestApproved,
  RequisitionEvents.PurchaseRequestRejected,
  PurchasingEvents.PurchaseOrderCreated,
  PurchasingEvents.PurchaseOrderSubmitted,
  PurchasingEvents.PurchaseOrderRevised,
  PurchasingEvents.PurchaseOrderLinesCancelled,
  PurchasingEvents.PurchaseOrderPartiallyReceived,
  PurchasingEvents.PurchaseOrderReceived,
  PurchasingEvents.PurchaseOrderCancelled,
  ReceivingSlipMirrored,
  ReturnMirrored
] as const

type SpoEvent = Events.EventOf<typeof spoEvents[number]>

/** The mapping kinds of the SPO connector. */
export const kinds = {
  supplier: "supplier",
  supplierProduct: "supplier_product",
  requisition: "requisition",
  requisitionLine: "requisition_line",
  purchaseOrder: "purchase_order",
  purchaseOrderLine: "purchase_order_line",
  receipt: "receipt"
} as const

const key = (id: string, lineNo: number) => `${id}:${lineNo}`

const times = (money: Money.Money, quantity: number): Money.Money => ({ amount: money.amount * quantity, currency: money.currency })

/** The `sn_fin_supplier` a Procura vendor is: its mapping, else the supplier of that name, else a new one. */
const supplierOf = (mirror: Mirror, vendorId: string) =>
  Effect.gen(function*() {
    const linked = yield* mirror.links.externalIdOf(kinds.supplier, vendorId)
    if (Option.isSome(linked)) return linked.value
    const vendor = yield* Operation.run(Catalog.operations.getVendor)({ id: vendorId })
    return yield* adopt(mirror, kinds.supplier, "sn_fin_supplier", vendor.id, { field: "name", value: vendor.name }, {})
  })

/**
 * A purchase request as it is now, with its lines: the SPO requisition. Pushes read the current
 * records rather than the event's copy, so an event delivered again, or late, never moves SPO back.
 */
const pushRequisition = (mirror: Mirror, config: SpoConfig, requestId: string) =>
  Effect.gen(function*() {
    const request = yield* Operation.run(Requisition.operations.getRequest)({ id: requestId })
    const suppliers = yield* Effect.forEach(request.lines, (line) => supplierOf(mirror, line.vendorId))
    const one = new Set(suppliers).size === 1 ? suppliers[0]! : ""
    const requisition = yield* upsert(mirror, kinds.requisition, "sn_shop_purchase_requisition", {
      procuraId: request.id,
      values: {
        short_description: `Procura purchase request ${request.id}`,
        requested_for: (yield* resolve(mirror, { kind: "user", table: "sys_user", field: config.userField }, request.requesterId)) ?? "",
        supplier: one,
        total_amount: request.total,
        status: requisitionStatus[request.status]
      }
    })
    const products = yield* Effect.forEach(request.lines, (line) =>
      line.supplierProductId === undefined
        ? Effect.succeed(Option.none<string>())
        : mirror.links.externalIdOf(kinds.supplierProduct, line.supplierProductId))
    yield* upsertAll(
      mirror,
      kinds.requisitionLine,
      "sn_shop_purchase_line",
      request.lines.map((line, i): Row => ({
        procuraId: key(request.id, line.lineNo),
        values: {
          purchase_requisition: requisition,
          short_description: line.description,
          supplier: suppliers[i]!,
          supplier_product: Option.getOrElse(products[i]!, () => ""),
          purchased_quantity: line.quantity,
          negotiated_unit_price: line.unitCost,
          total_line_amount: times(line.unitCost, line.quantity),
          product_type: line.kind === "service" ? "service" : "good"
        }
      }))
    )
  })

/** A purchase order as it is now (with its lines, or only its status), mirrored to the SPO purchase order. */
const pushOrder = (mirror: Mirror, purchaseOrderId: string, lines: "all" | "none") =>
  Effect.gen(function*() {
    const order = yield* Operation.run(Purchasing.operations.getPurchaseOrder)({ id: purchaseOrderId })
    const status = purchaseOrderStatus[order.status]
    if (lines === "none") {
      const client = yield* mirror.client
      const po = yield* mapped(mirror, kinds.purchaseOrder, "sn_shop_purchase_order", order.id)
      yield* client.patch("sn_shop_purchase_order", po, { status }, { fields: ["sys_id"] })
      return
    }
    const supplier = yield* supplierOf(mirror, order.vendorId)
    const requisition = order.requestId === undefined ? Option.none<string>() : yield* mirror.links.externalIdOf(kinds.requisition, order.requestId)
    const po = yield* upsert(mirror, kinds.purchaseOrder, "sn_shop_purchase_order", {
      procuraId: order.id,
      values: {
        supplier,
        purchase_requisition: Option.getOrElse(requisition, () => ""),
        total_amount: order.total,
        status,
        short_description: `Procura purchase order ${order.id}`
      }
    })
    yield* upsertAll(
      mirror,
      kinds.purchaseOrderLine,
      "sn_shop_purchase_order_line",
      order.lines.map((line): Row => {
        const ordered = line.quantity - line.cancelledQuantity
        return {
          procuraId: key(order.id, line.lineNo),
          values: {
            purchase_order: po,
            short_description: line.description,
            purchased_quantity: ordered,
            individual_unit_cost: line.unitCost,
            total_line_amount: times(line.unitCost, ordered),
            state: ordered === 0 ? purchaseOrderStatus.cancelled : status
          }
        }
      })
    )
    // The order's request is ordered now: its requisition follows (complete).
    if (order.requestId !== undefined && Option.isSome(requisition)) yield* pushRequisitionStatus(mirror, order.requestId)
  })

/** A requisition's status, as its request's is now. */
const pushRequisitionStatus = (mirror: Mirror, requestId: string) =>
  Effect.gen(function*() {
    const request = yield* Operation.run(Requisition.operations.getRequest)({ id: requestId })
    const requisition = yield* mapped(mirror, kinds.requisition, "sn_shop_purchase_requisition", request.id)
    const client = yield* mirror.client
    yield* client.patch("sn_shop_purchase_requisition", requisition, { status: requisitionStatus[request.status] }, { fields: ["sys_id"] })
  })

/**
 * Read-only SPO receipts, one per order line: of a receiving slip that exists in ITAM, or of a
 * return to the vendor (integrated mode "propagate"), whose negative quantity takes the units off
 * what the line received. Both follow the ITAM connector's events, so SPO sees them in order.
 */
const pushReceipts = (
  mirror: Mirror,
  config: SpoConfig,
  receipt: {
    readonly id: string
    readonly purchaseOrderId: string
    readonly by: string
    readonly at: string
    readonly type: "goods_receipt" | "return"
    readonly lines: ReadonlyArray<{ readonly lineNo: number; readonly quantity: number }>
  }
) =>
  Effect.gen(function*() {
    const by = (yield* resolve(mirror, { kind: "user", table: "sys_user", field: config.userField }, receipt.by)) ?? ""
    const at = Query.formatDateTime(new Date(receipt.at))
    const lines = yield* Effect.forEach(receipt.lines, (line) =>
      mapped(mirror, kinds.purchaseOrderLine, "sn_shop_purchase_order_line", key(receipt.purchaseOrderId, line.lineNo)))
    yield* upsertAll(
      mirror,
      kinds.receipt,
      "sn_shop_receipt",
      receipt.lines.map((line, i): Row => ({
        procuraId: key(receipt.id, line.lineNo),
        values: {
          purchase_order_line: lines[i]!,
          quantity_received: receipt.type === "return" ? -line.quantity : line.quantity,
          received_by: by,
          received: at,
          status: receiptValues.status,
          type: receipt.type
        }
      }))
    )
  })

/** The outbound handler of the SPO connector. */
export const outbound = (client: Client) => (event: SpoEvent, context: Connector.Context<SpoConfig>): Effect.Effect<void, unknown, Env> => {
  const config = context.config
  const mirror: Mirror = { connector: context.connectorId, client, links: context.links, correlationField: config.correlationField }
  switch (event.type) {
    case "purchase_request.created":
    case "purchase_request.resubmitted":
      return pushRequisition(mirror, config, event.payload.requestId)
    case "purchase_request.approved":
    case "purchase_request.rejected":
      return pushRequisitionStatus(mirror, event.payload.requestId)
    case "purchase_order.created":
    case "purchase_order.submitted":
    case "purchase_order.revised":
    case "purchase_order.lines_cancelled":
      return pushOrder(mirror, event.payload.purchaseOrderId, "all")
    case "purchase_order.partially_received":
    case "purchase_order.received":
    case "purchase_order.cancelled":
      return pushOrder(mirror, event.payload.purchaseOrderId, "none")
    case "servicenow.itam.return_mirrored":
      return Effect.gen(function*() {
        const { lines, purchaseOrderId, returnId, returnedAt, returnedBy } = event.payload
        yield* pushReceipts(mirror, config, { id: returnId, purchaseOrderId, by: returnedBy, at: returnedAt, type: "return", lines })
        yield* pushOrder(mirror, purchaseOrderId, "none")
      })
    case "servicenow.itam.receiving_slip_mirrored": {
      const { lines, purchaseOrderId, receiptId, receivedAt, receivedBy } = event.payload
      return pushReceipts(mirror, config, { id: receiptId, purchaseOrderId, by: receivedBy, at: receivedAt, type: "goods_receipt", lines })
    }
  }
}
