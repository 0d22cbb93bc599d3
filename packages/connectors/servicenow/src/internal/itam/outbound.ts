/** The ITAM connector's outbound side: each event pushed to its ITAM records, idempotently. */
import {
  Assets,
  AssetsEvents,
  Catalog,
  CatalogEvents,
  type Connector,
  Events,
  Licensing,
  LicensingEvents,
  Money,
  Operation,
  Purchasing,
  PurchasingEvents,
  ReceivingEvents,
  Stock,
  StockEvents,
  type Storage
} from "@procura/core"
import { Effect, Option, Stream } from "effect"
import type { z } from "zod"
import * as Query from "../../Query.js"
import type * as ServiceNowClient from "../../ServiceNowClient.js"
import { adopt, type Client, type Env, type Mirror, mapped, resolve, type Row, upsert, upsertAll } from "../mirror.js"
import { ReceivingSlipMirrored, ReturnMirrored } from "./events.js"
import { assetTable, installStatus, purchaseOrderStatus, referenceRules } from "./mappings.js"

/** The connector's configuration, as validated. */
export interface ItamConfig {
  readonly correlationField: string
  readonly userField: string
  readonly locationField: string
  readonly overlapSeconds: number
}

/** The events the ITAM connector pushes. */
export const itamEvents = [
  CatalogEvents.VendorCreated,
  PurchasingEvents.PurchaseOrderCreated,
  PurchasingEvents.PurchaseOrderSubmitted,
  PurchasingEvents.PurchaseOrderRevised,
  PurchasingEvents.PurchaseOrderLinesCancelled,
  PurchasingEvents.PurchaseOrderPartiallyReceived,
  PurchasingEvents.PurchaseOrderReceived,
  PurchasingEvents.PurchaseOrderCancelled,
  ReceivingEvents.ReceiptRecorded,
  ReceivingEvents.PurchaseOrderReturned,
  AssetsEvents.AssetTemplatesCreated,
  AssetsEvents.AssetTemplatesCancelled,
  AssetsEvents.AssetAssigned,
  AssetsEvents.AssetReturnedToStorage,
  AssetsEvents.AssetTransferred,
  AssetsEvents.AssetStatusChanged,
  AssetsEvents.AssetTagged,
  AssetsEvents.AssetReturnedToVendor,
  AssetsEvents.FixedAssetCapitalised,
  LicensingEvents.EntitlementCreated,
  LicensingEvents.EntitlementRevised,
  StockEvents.StockIssued,
  StockEvents.StockAdjusted,
  StockEvents.StockTransferred,
  StockEvents.StockReturnedToVendor
] as const

type ItamEvent = Events.EventOf<typeof itamEvents[number]>

/** The mapping kinds, one per ServiceNow table a Procura record is mirrored to. */
export const kinds = {
  vendor: "vendor",
  purchaseOrder: "purchase_order",
  purchaseOrderLine: "purchase_order_line",
  receipt: "receipt",
  receiptLine: "receipt_line",
  asset: "asset",
  consumableUnit: "consumable_unit",
  stockroom: "stockroom",
  entitlement: "entitlement",
  fixedAsset: "fixed_asset",
  stockRecord: "stock_record"
} as const

/** The id a purchase order line is mirrored under. */
export const lineKey = (purchaseOrderId: string, lineNo: number): string => `${purchaseOrderId}:${lineNo}`

/** `yyyy-MM-dd HH:mm:ss` UTC from an ISO-8601 instant. */
const dateTime = (iso: string): string => Query.formatDateTime(new Date(iso))

const times = (money: Money.Money, quantity: number): Money.Money => ({ amount: money.amount * quantity, currency: money.currency })

/** The `core_company` a Procura vendor is: its mapping, else the company of that name (marked a vendor), else a new one. */
const vendorOf = (mirror: Mirror, vendorId: string) =>
  Effect.gen(function*() {
    const linked = yield* mirror.links.externalIdOf(kinds.vendor, vendorId)
    if (Option.isSome(linked)) return linked.value
    return yield* pushVendor(mirror, yield* Operation.run(Catalog.operations.getVendor)({ id: vendorId }))
  })

const pushVendor = (mirror: Mirror, vendor: { readonly id: string; readonly name: string }) =>
  adopt(mirror, kinds.vendor, "core_company", vendor.id, { field: "name", value: vendor.name }, { vendor: true })

/** The `alm_stockroom` of a Procura storage space: mapped, else the stockroom of that name at the location. */
const stockroomOf = (mirror: Mirror, config: ItamConfig, locationId: string | undefined, storageSpace: string | undefined) =>
  Effect.gen(function*() {
    if (locationId === undefined || storageSpace === undefined) return undefined
    const key = `${locationId}/${storageSpace}`
    const linked = yield* mirror.links.externalIdOf(kinds.stockroom, key)
    if (Option.isSome(linked)) return linked.value
    const location = yield* resolve(mirror, referenceRules(config).location, locationId)
    const client = yield* mirror.client
    let query = Query.make().where("name", "=", storageSpace)
    if (location !== undefined) query = query.and("location", "=", location)
    const [room] = yield* Stream.runCollect(client.list("alm_stockroom", { query, fields: ["sys_id"], pageSize: 1, count: false }).pipe(Stream.take(1)))
    const sysId = room === undefined ? undefined : room["sys_id"]
    if (typeof sysId !== "string") return undefined
    yield* mirror.links.link(kinds.stockroom, key, sysId)
    return sysId
  })

/** Where an asset is, as ITAM fields. */
const placeValues = (
  mirror: Mirror,
  config: ItamConfig,
  place: {
    readonly status: keyof typeof installStatus
    readonly locationId?: string | undefined
    readonly storageSpace?: string | undefined
    readonly assignedTo?: string | undefined
  }
) =>
  Effect.gen(function*() {
    const rules = referenceRules(config)
    const state = installStatus[place.status]
    return {
      install_status: state.installStatus,
      substatus: state.substatus,
      location: (yield* resolve(mirror, rules.location, place.locationId)) ?? "",
      stockroom: (yield* stockroomOf(mirror, config, place.locationId, place.storageSpace)) ?? "",
      assigned_to: (yield* resolve(mirror, rules.user, place.assignedTo)) ?? ""
    } satisfies ServiceNowClient.Values
  })

/**
 * The purchase order as it is now, with its lines (`"all"`, or only those whose ITAM status a
 * status change moves: received in full or cancelled), created or brought up to date. Pushes read
 * the current record rather than the event's copy: an event delivered again after a crash, or
 * late, writes the current state and never moves ITAM back.
 */
const pushOrder = (mirror: Mirror, purchaseOrderId: string, lines: "all" | "settled", removed: ReadonlyArray<number> = []) =>
  Effect.gen(function*() {
    const order = yield* Operation.run(Purchasing.operations.getPurchaseOrder)({ id: purchaseOrderId })
    const vendor = yield* vendorOf(mirror, order.vendorId)
    const status = purchaseOrderStatus[order.status]
    const po = yield* upsert(mirror, kinds.purchaseOrder, "proc_po", {
      procuraId: order.id,
      values: { vendor, status, total_cost: order.total, short_description: `Procura purchase order ${order.id}` }
    })
    const rows = order.lines.flatMap((line): ReadonlyArray<Row> => {
      const ordered = line.quantity - line.cancelledQuantity
      const lineStatus = ordered === 0 ? "canceled" : line.receivedQuantity >= ordered ? "received" : status
      if (lines === "settled" && lineStatus === status) return []
      return [{
        procuraId: lineKey(order.id, line.lineNo),
        values: {
          purchase_order: po,
          vendor,
          short_description: line.description,
          ordered_quantity: ordered,
          cost: line.unitCost,
          total_cost: times(line.unitCost, ordered),
          status: lineStatus
        }
      }]
    })
    yield* upsertAll(mirror, kinds.purchaseOrderLine, "proc_po_item", rows)
    const client = yield* mirror.client
    for (const lineNo of removed) {
      const sysId = yield* mirror.links.externalIdOf(kinds.purchaseOrderLine, lineKey(order.id, lineNo))
      if (Option.isSome(sysId)) yield* client.patch("proc_po_item", sysId.value, { status: "canceled", ordered_quantity: 0 }, { fields: ["sys_id"] })
    }
  })

type Receipt = z.output<typeof ReceivingEvents.ReceiptRecorded.payload>

/** A receipt: its receiving slip and lines, then the assets and stock its lines became. */
const pushReceipt = (mirror: Mirror, config: ItamConfig, receipt: Receipt) =>
  Effect.gen(function*() {
    const rules = referenceRules(config)
    const po = yield* mapped(mirror, kinds.purchaseOrder, "proc_po", receipt.purchaseOrderId)
    const received = dateTime(receipt.receivedAt)
    const stockroom = (yield* stockroomOf(mirror, config, receipt.locationId, receipt.storageSpace)) ?? ""
    const receivedBy = (yield* resolve(mirror, rules.user, receipt.receivedBy)) ?? ""
    const vendor = yield* vendorOf(mirror, receipt.vendorId)
    const slip = yield* upsert(mirror, kinds.receipt, "proc_rec_slip", {
      procuraId: receipt.receiptId,
      values: { purchase_order: po, stockroom, received }
    })
    const orderLines = yield* Effect.forEach(receipt.lines, (line) =>
      mapped(mirror, kinds.purchaseOrderLine, "proc_po_item", lineKey(receipt.purchaseOrderId, line.lineNo)))
    const slipLines = yield* upsertAll(
      mirror,
      kinds.receiptLine,
      "proc_rec_slip_item",
      receipt.lines.map((line, i): Row => ({
        procuraId: `${receipt.receiptId}:${line.lineNo}`,
        values: { receiving_slip: slip, purchase_line: orderLines[i]!, quantity: line.quantity, cost: line.unitCost, received, received_by: receivedBy }
      }))
    )
    // The slip exists: the SPO connector may now write its read-only receipts (seed 000).
    yield* Events.append(ReceivingSlipMirrored.make({
      receiptId: receipt.receiptId,
      purchaseOrderId: receipt.purchaseOrderId,
      slipSysId: slip,
      receivedBy: receipt.receivedBy,
      receivedAt: receipt.receivedAt,
      lines: receipt.lines.map((line, i) => ({ lineNo: line.lineNo, quantity: line.quantity, slipLineSysId: slipLines[i]! }))
    }))
    for (const [i, line] of receipt.lines.entries()) {
      const common = {
        purchase_line: orderLines[i]!,
        receiving_line: slipLines[i]!,
        cost: line.unitCost,
        vendor,
        display_name: line.description
      }
      if (line.assetIds.length > 0) {
        yield* upsertAll(
          mirror,
          assetKind(line.kind),
          assetTable(line.kind),
          yield* Effect.forEach(line.assetIds, (assetId) => assetRow(mirror, config, assetId, common))
        )
      }
      if (line.stockRecordId !== undefined) yield* pushStock(mirror, config, line.stockRecordId)
    }
  })

/**
 * Consumables in a storage space: one `alm_consumable` per stock record, its quantity what is on
 * hand now (read at push time, so a push repeated or late never sets an older count).
 */
const pushStock = (mirror: Mirror, config: ItamConfig, stockRecordId: string) =>
  Effect.gen(function*() {
    const record = yield* Operation.run(Stock.operations.getStockRecord)({ id: stockRecordId })
    const stockroom = (yield* stockroomOf(mirror, config, record.locationId, record.storageSpace)) ?? ""
    const location = (yield* resolve(mirror, referenceRules(config).location, record.locationId)) ?? ""
    yield* upsert(mirror, kinds.stockRecord, "alm_consumable", {
      procuraId: record.id,
      values: {
        display_name: record.name,
        quantity: record.onHand,
        install_status: installStatus.in_stock.installStatus,
        substatus: installStatus.in_stock.substatus,
        stockroom,
        location,
        ...(record.averageUnitCost !== undefined ? { cost: record.averageUnitCost } : {})
      }
    })
  })

/** Assets of consumable lines are `alm_consumable` units, mapped under their own kind; the others `alm_hardware`. */
const assetKind = (kind: string) => (kind === "consumable" ? kinds.consumableUnit : kinds.asset)

/** The ITAM record an asset is mirrored to, and its table. */
export const assetRecordOf = (
  mirror: Mirror,
  assetId: string
): Effect.Effect<Option.Option<AssetRecord>, Storage.StorageError, Env> =>
  Effect.gen(function*() {
    const hardware = yield* mirror.links.externalIdOf(kinds.asset, assetId)
    if (Option.isSome(hardware)) return Option.some<AssetRecord>({ table: "alm_hardware", sysId: hardware.value })
    const unit = yield* mirror.links.externalIdOf(kinds.consumableUnit, assetId)
    return Option.map(unit, (sysId): AssetRecord => ({ table: "alm_consumable", sysId }))
  })

/** The ITAM record of an asset. */
export interface AssetRecord {
  readonly table: "alm_hardware" | "alm_consumable"
  readonly sysId: string
}

/** The ITAM fields of an asset's place and state. */
export const assetValues = (
  mirror: Mirror,
  config: ItamConfig,
  asset: Parameters<typeof placeValues>[2] & { readonly serialNumber?: string | undefined; readonly assetTag?: string | undefined }
) =>
  Effect.map(placeValues(mirror, config, asset), (place): ServiceNowClient.Values => ({
    ...place,
    ...(asset.serialNumber !== undefined ? { serial_number: asset.serialNumber } : {}),
    ...(asset.assetTag !== undefined ? { asset_tag: asset.assetTag } : {})
  }))

/**
 * An asset as a row of its ITAM table: its place and state as they are now (read at push time,
 * so a late or repeated event never moves ITAM back), with `extra` fields.
 */
const assetRow = (mirror: Mirror, config: ItamConfig, assetOrId: string | Assets.Asset, extra: ServiceNowClient.Values) =>
  Effect.gen(function*() {
    const asset = typeof assetOrId === "string" ? yield* Operation.run(Assets.operations.getAsset)({ id: assetOrId }) : assetOrId
    return {
      procuraId: asset.id,
      values: { ...extra, ...(yield* assetValues(mirror, config, asset)), ...(asset.kind === "consumable" ? { quantity: 1 } : {}) }
    } satisfies Row
  })

/**
 * The template assets of a purchase order not mirrored yet, all of them in one batch per table:
 * an order's lines each append `asset.templates_created`, and the first of them pushes the lot
 * (the others find their assets mirrored and cost no request).
 */
const pushTemplates = (mirror: Mirror, config: ItamConfig, purchaseOrderId: string) =>
  Effect.gen(function*() {
    const unmirrored: Array<Assets.Asset> = []
    let cursor: string | undefined
    do {
      const page = yield* Operation.run(Assets.operations.listAssets)({ purchaseOrderId, limit: 1000, ...(cursor === undefined ? {} : { cursor }) })
      for (const asset of page.items) if (Option.isNone(yield* assetRecordOf(mirror, asset.id))) unmirrored.push(asset)
      cursor = page.cursor
    } while (cursor !== undefined)
    for (const kind of [kinds.asset, kinds.consumableUnit]) {
      const group = unmirrored.filter((asset) => assetKind(asset.kind) === kind)
      if (group.length === 0) continue
      const rows = yield* Effect.forEach(group, (asset) =>
        Effect.gen(function*() {
          const extra = {
            display_name: asset.name,
            purchase_line: yield* mapped(mirror, kinds.purchaseOrderLine, "proc_po_item", lineKey(purchaseOrderId, asset.purchaseOrderLineNo)),
            cost: asset.unitCost,
            vendor: yield* vendorOf(mirror, asset.vendorId)
          }
          return yield* assetRow(mirror, config, asset, extra)
        }))
      yield* upsertAll(mirror, kind, assetTable(group[0]!.kind), rows)
    }
  })

/** An asset's new place and state. */
const pushAssetChange = (mirror: Mirror, config: ItamConfig, assetId: string) =>
  Effect.gen(function*() {
    const client = yield* mirror.client
    const record = yield* assetRecordOf(mirror, assetId)
    // Not mirrored: an asset received before the connector was enabled has no ITAM record to change.
    if (Option.isNone(record)) return yield* Effect.logDebug(`asset ${assetId} is not mirrored to ITAM; its change is not pushed`)
    const row = yield* assetRow(mirror, config, assetId, {})
    yield* client.patch(record.value.table, record.value.sysId, row.values, { fields: ["sys_id"] })
  })

/** The outbound handler of the ITAM connector. */
export const outbound = (client: Client) =>
(
  event: ItamEvent,
  context: Connector.Context<ItamConfig>
): Effect.Effect<void, unknown, Env> => {
  const config = context.config
  const mirror: Mirror = { connector: context.connectorId, client, links: context.links, correlationField: config.correlationField }
  switch (event.type) {
    case "vendor.created":
      return Effect.asVoid(pushVendor(mirror, { id: event.payload.id, name: event.payload.name }))
    case "purchase_order.created":
    case "purchase_order.submitted":
    case "purchase_order.lines_cancelled":
      return pushOrder(mirror, event.payload.purchaseOrderId, "all")
    case "purchase_order.revised":
      return pushOrder(mirror, event.payload.purchaseOrderId, "all", event.payload.changes.filter((c) => c.action === "removed").map((c) => c.lineNo))
    case "purchase_order.partially_received":
    case "purchase_order.received":
    case "purchase_order.cancelled":
      return pushOrder(mirror, event.payload.purchaseOrderId, "settled")
    case "receipt.recorded":
      return pushReceipt(mirror, config, event.payload)
    case "purchase_order.returned":
      // The returned assets' state is pushed with asset.returned_to_vendor; ITAM has no return
      // document. Say it is through, after the receipts before it, for SPO to follow in order.
      return Events.append(ReturnMirrored.make({
        returnId: event.payload.returnId,
        purchaseOrderId: event.payload.purchaseOrderId,
        returnedBy: event.actorId,
        returnedAt: event.occurredAt,
        lines: event.payload.lines.map((line) => ({ lineNo: line.lineNo, quantity: line.quantity }))
      }))
    case "asset.templates_created":
      return pushTemplates(mirror, config, event.payload.purchaseOrderId)
    case "asset.templates_cancelled":
      return Effect.forEach(event.payload.assetIds, (assetId) => pushAssetChange(mirror, config, assetId), { discard: true })
    case "asset.assigned":
    case "asset.returned_to_storage":
    case "asset.transferred":
    case "asset.status_changed":
    case "asset.tagged":
    case "asset.returned_to_vendor":
      return pushAssetChange(mirror, config, event.payload.assetId)
    case "fixed_asset.capitalised":
      return Effect.gen(function*() {
        // Services are never inventory assets (seed 000); a capitalised one is a fixed asset.
        const line = yield* mapped(mirror, kinds.purchaseOrderLine, "proc_po_item", lineKey(event.payload.purchaseOrderId, event.payload.lineNo))
        yield* upsert(mirror, kinds.fixedAsset, "alm_asset", {
          procuraId: event.payload.fixedAssetId,
          values: {
            display_name: event.payload.description,
            quantity: event.payload.quantity,
            cost: event.payload.cost,
            purchase_line: line,
            vendor: yield* vendorOf(mirror, event.payload.vendorId),
            install_status: installStatus.in_use.installStatus
          }
        })
      })
    case "entitlement.created":
    case "entitlement.revised":
      return Effect.gen(function*() {
        // The entitlement as it is now: a late "created" never takes seats back.
        const entitlement = yield* Operation.run(Licensing.operations.getEntitlement)({ id: event.payload.entitlementId })
        const line = yield* mapped(mirror, kinds.purchaseOrderLine, "proc_po_item", lineKey(entitlement.purchaseOrderId, entitlement.lineNo))
        yield* upsert(mirror, kinds.entitlement, "alm_license", {
          procuraId: entitlement.id,
          values: {
            display_name: entitlement.name,
            vendor: yield* vendorOf(mirror, entitlement.vendorId),
            rights: entitlement.seats,
            install_status: installStatus.in_use.installStatus,
            purchase_line: line,
            cost: times(entitlement.unitCost, entitlement.seats)
          }
        })
      })
    case "stock.issued":
    case "stock.adjusted":
    case "stock.transferred":
    case "stock.returned_to_vendor":
      return pushStock(mirror, config, event.payload.stockRecordId)
  }
}
