/**
 * Receipts, their lines and where they are stored; line codes; scans and their results.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import * as Storage from "../Storage.js"
import * as Text from "../Text.js"
import { Condition } from "../assets/AssetsModel.js"

// ----- line codes ------------------------------------------------------------------------------

/**
 * The printable code of a purchase order line, for a label or a packing slip:
 * `PO/<purchaseOrderId>/L<lineNo>`. Scanning it receives one unit of the line (without a serial
 * number). Plain ASCII, so any Code 128 or QR printer takes it.
 *
 * @since 0.1.0
 * @category line codes
 */
export const lineCode = (purchaseOrderId: string, lineNo: number): string => `PO/${purchaseOrderId}/L${lineNo}`

const lineCodePattern = /^PO\/(.+)\/L([1-9][0-9]{0,8})$/

/**
 * Reads a code made by {@link lineCode}; `undefined` for any other code.
 *
 * @since 0.1.0
 * @category line codes
 */
export const parseLineCode = (code: string): { readonly purchaseOrderId: string; readonly lineNo: number } | undefined => {
  const match = lineCodePattern.exec(code)
  return match === null ? undefined : { purchaseOrderId: match[1]!, lineNo: Number(match[2]) }
}

// ----- scans -----------------------------------------------------------------------------------

/**
 * What became of a scan: a unit `received` (a template asset activated), `already_received`
 * (the unit was received before, or earlier in the same batch: no second asset), or `rejected`.
 *
 * @since 0.1.0
 * @category models
 */
export const ScanOutcome = z.enum(["received", "already_received", "rejected"])

/**
 * How a scanned code was recognised, in the order codes are tried: a template asset's id, an
 * asset tag, a serial number on the shipment's advance list, a purchase order line code, or
 * (otherwise) a new serial number.
 *
 * @since 0.1.0
 * @category models
 */
export const ScanResolution = z.enum(["asset_id", "asset_tag", "advance_serial", "line_code", "serial_number"])

/**
 * Why a scan was rejected.
 *
 * - `UnknownCode`: not an asset id, asset tag, advance serial or line code, and no asset line
 *   has units left to take it as a serial number.
 * - `AmbiguousCode`: a new serial number, and several asset lines could take it: scan it with a `lineNo`.
 * - `OtherPurchaseOrder`: the asset or line code belongs to another purchase order.
 * - `SerialNumberTaken`: the serial number is on an asset of another purchase order.
 * - `NotOnOrder`: the asset was cancelled (retired) before it was received.
 * - `UnknownLine`: the line is not on the order (or not on the shipment received from).
 * - `LineComplete`: the line (or the shipment's line) has no units left, tolerance included.
 * - `NotAnAssetLine`: a code naming one asset (a serial number, a tag) for a line whose units are
 *   not assets (consumables, services): scan the line's code once per unit, or receive it by quantity.
 * - `NotReceivable`: a software line: its licences were created when the order was submitted.
 *
 * @since 0.1.0
 * @category models
 */
export const ScanRejection = z.enum([
  "UnknownCode",
  "AmbiguousCode",
  "OtherPurchaseOrder",
  "SerialNumberTaken",
  "NotOnOrder",
  "UnknownLine",
  "LineComplete",
  "NotAnAssetLine",
  "NotReceivable"
])

/**
 * A scan rejection reason.
 *
 * @since 0.1.0
 * @category models
 */
export type ScanRejection = z.infer<typeof ScanRejection>

/**
 * The result of one scan, in the order scanned.
 *
 * @since 0.1.0
 * @category models
 */
export const ScanResult = z.object({
  code: z.string(),
  outcome: ScanOutcome,
  resolvedAs: ScanResolution.optional(),
  lineNo: z.number().int().optional(),
  /** The asset received, or received before. */
  assetId: z.string().optional(),
  reason: ScanRejection.optional(),
  message: z.string().optional()
})

/**
 * A scan result.
 *
 * @since 0.1.0
 * @category models
 */
export type ScanResult = z.infer<typeof ScanResult>

/**
 * One scanned code; `lineNo` tells which line a new serial number is for (needed only when
 * several asset lines could take it).
 *
 * @since 0.1.0
 * @category inputs
 */
export const Scan = z.object({
  code: Text.scanCode,
  lineNo: z.number().int().positive().optional()
})

// ----- receipts --------------------------------------------------------------------------------

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
 * A receipt (receiving slip), with the shipment or invoice it was received from, if any.
 *
 * @since 0.1.0
 * @category models
 */
export const Receipt = z.object({
  id: z.string(),
  version: z.number().int(),
  purchaseOrderId: z.string(),
  shipmentId: z.string().optional(),
  invoiceId: z.string().optional(),
  receivedBy: z.string(),
  receivedAt: z.string(),
  locationId: z.string(),
  storageSpace: z.string(),
  condition: Condition,
  lines: z.array(ReceiptLine),
  /** The key of the scan batch this receipt received (`receiveScans`' `batchId`), if the client sent one. */
  batchId: z.string().optional(),
  /** What became of each scan of that batch, as `receiveScans` answered: a replayed batch answers it again. */
  scans: z.array(ScanResult).optional()
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
  fields: { purchaseOrderId: "string", shipmentId: "string", invoiceId: "string", receivedAt: "timestamp", batchId: "string" },
  indexes: [["purchaseOrderId"], ["shipmentId"], ["invoiceId"]],
  // One receipt per scan batch: a batch sent again (a lost answer, an offline queue) is found, not received twice.
  unique: [["batchId"]]
})
