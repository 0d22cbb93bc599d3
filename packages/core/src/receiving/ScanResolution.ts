/**
 * Scan resolution: which unit of which line each scanned code receives, in the order of
 * `ScanResolution` (asset id, asset tag, advance serial number, line code, serial number), or why
 * it is rejected. Pure: the caller looks the codes up and writes what resolved.
 *
 * @since 0.1.0
 */
import { z } from "zod"
import { type Asset } from "../assets/AssetsModel.js"
import { hasAssets } from "../purchasing/internal/quantities.js"
import { type PurchaseOrder, type PurchaseOrderLine } from "../purchasing/PurchasingModel.js"
import * as Tolerances from "../purchasing/TolerancesModel.js"
import { type Shipment } from "../shipping/ShippingModel.js"
import { admitLine, admitSerialNumbers, isRefusal, lineComplete, roomOnLine } from "./Receivability.js"
import { Scan, ScanRejection, ScanResolution, ScanResult, parseLineCode } from "./ReceivingModel.js"

/** A unit a scan receives: a line, the template asset named by the scan (if any), a serial number (if any). */
export interface Unit {
  readonly scan: number
  readonly orderLine: PurchaseOrderLine
  readonly template?: Asset | undefined
  readonly serialNumber?: string | undefined
}

/**
 * Resolves scans in order (see {@link ScanResolution}), without writing: each either takes one
 * unit of a line that has room (counting the units taken by earlier scans of the batch), names a
 * unit received before (or earlier in the batch), or is rejected with a reason.
 */
export const resolveScans = (
  order: PurchaseOrder,
  shipment: Shipment | undefined,
  scans: ReadonlyArray<z.infer<typeof Scan>>,
  found: { readonly byId: ReadonlyMap<string, Asset>; readonly byTag: ReadonlyMap<string, Asset>; readonly bySerial: ReadonlyMap<string, Asset> },
  policy: Tolerances.TolerancePolicy
) => {
  const results: Array<ScanResult & { readonly sameAs?: number }> = []
  const units: Array<Unit> = []
  const taken = new Map<number, number>()
  const claimed = new Set<string>()
  const firstScan = new Map<string, number>()
  const advance = new Map<string, number>()
  for (const line of shipment?.lines ?? []) for (const serial of line.serialNumbers ?? []) advance.set(serial, line.lineNo)
  const room = (line: PurchaseOrderLine): number => roomOnLine(order, line, policy, shipment, taken.get(line.lineNo) ?? 0)
  const reject = (code: string, reason: ScanRejection, message: string, lineNo?: number): ScanResult => ({
    code,
    outcome: "rejected",
    reason,
    message,
    ...(lineNo !== undefined ? { lineNo } : {})
  })

  const unit = (index: number, code: string, lineNo: number, resolvedAs: z.infer<typeof ScanResolution>, what: Omit<Unit, "scan" | "orderLine">): ScanResult => {
    const orderLine = admitLine(order, lineNo, "receipt", shipment)
    if (isRefusal(orderLine)) return reject(code, orderLine.reason, orderLine.message, lineNo)
    // A line code counts one unit of any line; other codes name an asset, so only asset lines take them.
    const notAnAssetLine = resolvedAs === "line_code" ? undefined : admitSerialNumbers(orderLine, 1)
    if (notAnAssetLine !== undefined) return reject(code, notAnAssetLine.reason, notAnAssetLine.message, lineNo)
    if (room(orderLine) <= 0) return reject(code, "LineComplete", lineComplete(order, orderLine, policy, shipment, taken.get(lineNo)).message, lineNo)
    taken.set(lineNo, (taken.get(lineNo) ?? 0) + 1)
    if (what.template !== undefined) claimed.add(what.template.id)
    units.push({ scan: index, orderLine, ...what })
    return { code, outcome: "received", resolvedAs, lineNo }
  }

  const fromAsset = (index: number, code: string, asset: Asset, resolvedAs: z.infer<typeof ScanResolution>): ScanResult => {
    if (asset.purchaseOrderId !== order.id) {
      return resolvedAs === "asset_id" || resolvedAs === "asset_tag"
        ? reject(code, "OtherPurchaseOrder", `${code} is asset ${asset.id} of purchase order ${asset.purchaseOrderId}, not of ${order.id}`)
        : reject(code, "SerialNumberTaken", `Serial number ${code} is recorded on asset ${asset.id} of purchase order ${asset.purchaseOrderId}`)
    }
    if (asset.status === "on_order" && !claimed.has(asset.id)) {
      return unit(index, code, asset.purchaseOrderLineNo, resolvedAs, { template: asset })
    }
    if (asset.status !== "on_order" && asset.receivedAt === undefined) {
      return reject(code, "NotOnOrder", `${code} is asset ${asset.id}, which was ${asset.status} before it was received`, asset.purchaseOrderLineNo)
    }
    return { code, outcome: "already_received", resolvedAs, lineNo: asset.purchaseOrderLineNo, assetId: asset.id }
  }

  /** The one asset line (of the shipment, if any) with room for a new serial number. */
  const onlyLine = (code: string): number | ScanResult => {
    const lineNos = shipment !== undefined ? shipment.lines.map((l) => l.lineNo) : order.lines.map((l) => l.lineNo)
    const candidates = order.lines.filter((l) => lineNos.includes(l.lineNo) && hasAssets(l) && room(l) > 0)
    if (candidates.length === 1) return candidates[0]!.lineNo
    if (candidates.length === 0) {
      return reject(
        code,
        "UnknownCode",
        `${code} is not an asset id, asset tag${shipment !== undefined ? ", advance serial number" : ""} or line code of purchase order ${order.id}, ` +
          `and no asset line has units left to take it as a new serial number`
      )
    }
    return reject(
      code,
      "AmbiguousCode",
      `${code} is a new serial number and lines ${candidates.map((l) => l.lineNo).join(", ")} could take it: scan it with its lineNo`
    )
  }

  const resolveOne = (scan: z.infer<typeof Scan>, index: number): ScanResult & { readonly sameAs?: number } => {
    const code = scan.code
    const lineCodeOf = parseLineCode(code)
    // A line code receives one unit per scan; any other code names one unit, so a repeat is that unit again.
    if (lineCodeOf === undefined) {
      const earlier = firstScan.get(code)
      if (earlier !== undefined) {
        const { sameAs: _, ...prior } = results[earlier]!
        return prior.outcome === "rejected" ? prior : { ...prior, outcome: "already_received", sameAs: earlier }
      }
      firstScan.set(code, index)
    }
    const asset = found.byId.get(code)
    if (asset !== undefined) return fromAsset(index, code, asset, "asset_id")
    const tagged = found.byTag.get(code)
    if (tagged !== undefined) return fromAsset(index, code, tagged, "asset_tag")
    const recorded = found.bySerial.get(code)
    const advanceLine = advance.get(code)
    if (advanceLine !== undefined) {
      return recorded !== undefined
        ? fromAsset(index, code, recorded, "advance_serial")
        : unit(index, code, advanceLine, "advance_serial", { serialNumber: code })
    }
    if (lineCodeOf !== undefined) {
      return lineCodeOf.purchaseOrderId === order.id
        ? unit(index, code, lineCodeOf.lineNo, "line_code", {})
        : reject(code, "OtherPurchaseOrder", `${code} is the code of line ${lineCodeOf.lineNo} of purchase order ${lineCodeOf.purchaseOrderId}, not of ${order.id}`)
    }
    if (recorded !== undefined) return fromAsset(index, code, recorded, "serial_number")
    const lineNo = scan.lineNo ?? onlyLine(code)
    return typeof lineNo === "number" ? unit(index, code, lineNo, "serial_number", { serialNumber: code }) : lineNo
  }

  scans.forEach((scan, index) => results.push(resolveOne(scan, index)))
  return { results, units }
}
