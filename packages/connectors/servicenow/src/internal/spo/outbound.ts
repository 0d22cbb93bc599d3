/** The SPO connector's outbound side: requisitions, purchase orders and read-only receipts. */
import {
  Catalog,
  type Connector,
  type Events,
  type Money,
  Operation,
  type Principal,
  Purchasing,
  PurchasingEvents,
  RequisitionEvents,
  type Storage
} from "@procura/core"
import { Effect, Option } from "effect"
import type { z } from "zod"
import type { ConnectorError } from "../../ConnectorError.js"
import * as Query from "../../Query.js"
import type * as ServiceNowClient from "../../ServiceNowClient.js"
import { ReceivingSlipMirrored, ReturnMirrored } from "../itam/events.js"
import { adopt, type Mirror, mapped, resolve, type Row, upsert, upsertAll } from "../mirror.js"
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
type Env = Storage.Storage | Principal.CurrentPrincipal
type Client = Effect.Effect<ServiceNowClient.ServiceNowClientService, ConnectorError>

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

type RequestLine = z.output<typeof RequisitionEvents.PurchaseRequestCreated.payload>["lines"][number]

/** A purchase request and its lines: the SPO requisition. */
const pushRequisition = (
  mirror: Mirror,
  config: SpoConfig,
  request: {
    readonly requestId: string
    readonly requesterId: string
    readonly status: keyof typeof requisitionStatus
    readonly total: Money.Money
    readonly lines: ReadonlyArray<RequestLine>
  }
) =>
  Effect.gen(function*() {
    const suppliers = yield* Effect.forEach(request.lines, (line) => supplierOf(mirror, line.vendorId))
    const one = new Set(suppliers).size === 1 ? suppliers[0]! : ""
    const requisition = yield* upsert(mirror, kinds.requisition, "sn_shop_purchase_requisition", {
      procuraId: request.requestId,
      values: {
        short_description: `Procura purchase request ${request.requestId}`,
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
        procuraId: key(request.requestId, line.lineNo),
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

type OrderLine = z.output<typeof PurchasingEvents.PurchaseOrderCreated.payload>["lines"][number]

/** A purchase order and its lines, mirrored to the SPO purchase order. */
const pushOrder = (
  mirror: Mirror,
  order: {
    readonly purchaseOrderId: string
    readonly vendorId: string
    readonly requestId?: string | undefined
    readonly status: keyof typeof purchaseOrderStatus
    readonly total: Money.Money
  },
  lines: ReadonlyArray<OrderLine>
) =>
  Effect.gen(function*() {
    const supplier = yield* supplierOf(mirror, order.vendorId)
    const requisition = order.requestId === undefined ? Option.none<string>() : yield* mirror.links.externalIdOf(kinds.requisition, order.requestId)
    const status = purchaseOrderStatus[order.status]
    const po = yield* upsert(mirror, kinds.purchaseOrder, "sn_shop_purchase_order", {
      procuraId: order.purchaseOrderId,
      values: {
        supplier,
        purchase_requisition: Option.getOrElse(requisition, () => ""),
        total_amount: order.total,
        status,
        short_description: `Procura purchase order ${order.purchaseOrderId}`
      }
    })
    yield* upsertAll(
      mirror,
      kinds.purchaseOrderLine,
      "sn_shop_purchase_order_line",
      lines.map((line): Row => {
        const ordered = line.quantity - line.cancelledQuantity
        return {
          procuraId: key(order.purchaseOrderId, line.lineNo),
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
  })

/** A status change of a purchase order already mirrored. */
const pushStatus = (mirror: Mirror, purchaseOrderId: string, status: keyof typeof purchaseOrderStatus) =>
  Effect.gen(function*() {
    const client = yield* mirror.client
    const po = yield* mapped(mirror, kinds.purchaseOrder, "sn_shop_purchase_order", purchaseOrderId)
    yield* client.patch("sn_shop_purchase_order", po, { status: purchaseOrderStatus[status] }, { fields: ["sys_id"] })
  })

/** The read-only SPO receipts of a receiving slip that exists in ITAM: one per order line. */
const pushReceipts = (mirror: Mirror, config: SpoConfig, slip: z.output<typeof ReceivingSlipMirrored.payload>) =>
  Effect.gen(function*() {
    const receivedBy = (yield* resolve(mirror, { kind: "user", table: "sys_user", field: config.userField }, slip.receivedBy)) ?? ""
    const received = Query.formatDateTime(new Date(slip.receivedAt))
    const lines = yield* Effect.forEach(slip.lines, (line) =>
      mapped(mirror, kinds.purchaseOrderLine, "sn_shop_purchase_order_line", key(slip.purchaseOrderId, line.lineNo)))
    yield* upsertAll(
      mirror,
      kinds.receipt,
      "sn_shop_receipt",
      slip.lines.map((line, i): Row => ({
        procuraId: key(slip.receiptId, line.lineNo),
        values: { purchase_order_line: lines[i]!, quantity_received: line.quantity, received_by: receivedBy, received, ...receiptValues }
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
      return pushRequisition(mirror, config, event.payload)
    case "purchase_request.approved":
    case "purchase_request.rejected":
      return Effect.gen(function*() {
        const api = yield* client
        const requisition = yield* mapped(mirror, kinds.requisition, "sn_shop_purchase_requisition", event.payload.requestId)
        yield* api.patch("sn_shop_purchase_requisition", requisition, { status: requisitionStatus[event.payload.status] }, { fields: ["sys_id"] })
      })
    case "purchase_order.created":
    case "purchase_order.submitted":
    case "purchase_order.revised":
      return Effect.gen(function*() {
        yield* pushOrder(mirror, event.payload, event.payload.lines)
        // The order's request is ordered now: its requisition is complete.
        const requestId = "requestId" in event.payload ? event.payload.requestId : undefined
        if (event.type !== "purchase_order.created" || requestId === undefined) return
        const requisition = yield* mirror.links.externalIdOf(kinds.requisition, requestId)
        if (Option.isSome(requisition)) {
          yield* (yield* client).patch("sn_shop_purchase_requisition", requisition.value, { status: requisitionStatus.ordered }, { fields: ["sys_id"] })
        }
      })
    case "purchase_order.lines_cancelled":
      return Effect.gen(function*() {
        const order = yield* Operation.run(Purchasing.operations.getPurchaseOrder)({ id: event.payload.purchaseOrderId })
        const cancelled = new Set(event.payload.lines.map((l) => l.lineNo))
        yield* pushOrder(mirror, { ...order, purchaseOrderId: order.id }, order.lines.filter((l) => cancelled.has(l.lineNo)))
      })
    case "purchase_order.partially_received":
    case "purchase_order.received":
    case "purchase_order.cancelled":
      return pushStatus(mirror, event.payload.purchaseOrderId, event.payload.status)
    case "servicenow.itam.return_mirrored":
      return Effect.gen(function*() {
        // A return to the vendor (integrated mode "propagate"), after the receipts before it: a
        // return receipt per line takes the units off what the SPO order line received.
        const returned = event.payload
        const returnedBy = (yield* resolve(mirror, { kind: "user", table: "sys_user", field: config.userField }, returned.returnedBy)) ?? ""
        const lines = yield* Effect.forEach(returned.lines, (line) =>
          mapped(mirror, kinds.purchaseOrderLine, "sn_shop_purchase_order_line", key(returned.purchaseOrderId, line.lineNo)))
        yield* upsertAll(
          mirror,
          kinds.receipt,
          "sn_shop_receipt",
          returned.lines.map((line, i): Row => ({
            procuraId: key(returned.returnId, line.lineNo),
            values: {
              purchase_order_line: lines[i]!,
              quantity_received: -line.quantity,
              received_by: returnedBy,
              received: Query.formatDateTime(new Date(returned.returnedAt)),
              status: receiptValues.status,
              type: "return"
            }
          }))
        )
        yield* pushStatus(mirror, returned.purchaseOrderId, returned.status)
      })
    case "servicenow.itam.receiving_slip_mirrored":
      return pushReceipts(mirror, config, event.payload)
  }
}
