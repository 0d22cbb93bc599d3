/**
 * What the assets module offers other modules about template assets: creating them when a
 * purchase order is submitted or revised, activating them when a receipt arrives (the one
 * activation path every receiving path uses), and checking serial numbers. Not exported from the
 * package root.
 *
 * @since 0.1.0
 */
import { Effect, Stream } from "effect"
import type { z } from "zod"
import * as Events from "../../Events.js"
import * as Ids from "../../Ids.js"
import type { Money } from "../../Money.js"
import * as Storage from "../../Storage.js"
import type { ItemKind } from "../../catalog/CatalogModel.js"
import { TemplatesMissing } from "../AssetsErrors.js"
import { AssetTemplatesCreated } from "../AssetsEvents.js"
import { type Asset, assets, type Condition } from "../AssetsModel.js"
import { recordHistory } from "./history.js"

/**
 * What a purchase order line tells the assets module when it is submitted.
 *
 * @since 0.1.0
 * @category models
 */
export interface TemplateRequest {
  readonly purchaseOrderId: string
  readonly vendorId: string
  readonly lineNo: number
  readonly catalogItemId: string
  readonly name: string
  readonly kind: ItemKind
  readonly quantity: number
  readonly unitCost: Money
}

/**
 * Creates one template asset (status `on_order`) per unit of each line, in batches, with an
 * `ordered` history entry each, and appends one `asset.templates_created` event per line.
 *
 * @since 0.1.0
 * @category internal
 */
export const createTemplates = Effect.fn("Assets.createTemplates")(function*(lines: ReadonlyArray<TemplateRequest>) {
  const storage = yield* Storage.Storage
  const total = lines.reduce((n, line) => n + line.quantity, 0)
  const ids = yield* Ids.nextMany(total)
  const now = yield* Events.now
  const records: Array<Storage.New<Asset>> = []
  const perLine: Array<Events.Pending> = []
  let next = 0
  for (const line of lines) {
    const lineIds = ids.slice(next, next + line.quantity)
    next += line.quantity
    for (const id of lineIds) {
      records.push({
        id,
        status: "on_order",
        catalogItemId: line.catalogItemId,
        name: line.name,
        kind: line.kind,
        vendorId: line.vendorId,
        purchaseOrderId: line.purchaseOrderId,
        purchaseOrderLineNo: line.lineNo,
        unitCost: line.unitCost,
        createdAt: now,
        updatedAt: now
      })
    }
    perLine.push(AssetTemplatesCreated.make({
      purchaseOrderId: line.purchaseOrderId,
      lineNo: line.lineNo,
      catalogItemId: line.catalogItemId,
      name: line.name,
      kind: line.kind,
      vendorId: line.vendorId,
      unitCost: line.unitCost,
      status: "on_order",
      assetIds: lineIds
    }))
  }
  const created = yield* storage.insertMany(assets, records)
  yield* recordHistory(created.map((after) => ({ after, action: "ordered" as const })))
  yield* Events.append(...perLine)
  return total
})

/**
 * A unit a receipt activates: the template asset the receipt named (a scan of the template's id,
 * of its asset tag or of an advance serial number recorded on it), if any, and the serial number
 * and asset tag to record.
 *
 * @since 0.1.0
 * @category models
 */
export interface ReceivedUnit {
  readonly template?: Asset | undefined
  readonly serialNumber?: string | undefined
  readonly assetTag?: string | undefined
}

/**
 * `count` template assets on order for a line, not among `claimed`: untagged ones first (a
 * tagged one waits for the scan of its tag), then tagged ones, each in id order (the storage
 * port's order ends with the id), so the same receipt always picks the same templates.
 */
const freeTemplates = Effect.fn("Assets.freeTemplates")(function*(
  purchaseOrderId: string,
  lineNo: number,
  count: number,
  claimed: ReadonlySet<string>
) {
  if (count === 0) return []
  const storage = yield* Storage.Storage
  const take = (assetTag: null | { readonly ne: null }, wanted: number) =>
    Stream.runCollect(storage.stream(assets, {
      where: { purchaseOrderId, purchaseOrderLineNo: lineNo, status: "on_order", assetTag },
      limit: Math.min(1000, wanted + claimed.size)
    }).pipe(Stream.filter((a) => !claimed.has(a.id)), Stream.take(wanted)))
  const untagged = yield* take(null, count)
  const templates = untagged.length < count ? [...untagged, ...(yield* take({ ne: null }, count - untagged.length))] : untagged
  if (templates.length < count) {
    return yield* new TemplatesMissing({
      purchaseOrderId,
      lineNo,
      wanted: count,
      found: templates.length,
      message: `Line ${lineNo} of purchase order ${purchaseOrderId} has ${templates.length} template assets on order, not ${count}`
    })
  }
  return templates
})

/**
 * THE template activation path: every receipt (by purchase order, by invoice, by shipment, by
 * scan) activates template assets through this function, so the same receipt always activates
 * the same templates whichever path it comes by.
 *
 * Which templates a line's units activate, deterministically: a unit naming a template (its
 * `template`) activates that one; the other units take the line's templates still `on_order`
 * and named by no unit, untagged ones first (a tagged template waits for the scan of its tag),
 * then tagged ones, each in id order. Each becomes `in_stock` with the unit's serial number and
 * asset tag, the receipt's condition, location and storage space, and a `received` history entry.
 *
 * Returns the activated assets in the order of `units`; fails with `TemplatesMissing` when fewer
 * templates remain on order than units need. Runs in the caller's transaction.
 *
 * @since 0.1.0
 * @category internal
 */
export const activateTemplates = Effect.fn("Assets.activateTemplates")(function*(options: {
  readonly purchaseOrderId: string
  readonly lineNo: number
  readonly units: ReadonlyArray<ReceivedUnit>
  readonly condition: z.infer<typeof Condition>
  readonly locationId: string
  readonly storageSpace: string
}) {
  if (options.units.length === 0) return []
  const storage = yield* Storage.Storage
  const claimed = new Set(options.units.flatMap((u) => (u.template !== undefined ? [u.template.id] : [])))
  const open = options.units.filter((u) => u.template === undefined).length
  const free = yield* freeTemplates(options.purchaseOrderId, options.lineNo, open, claimed)
  let next = 0
  const templates = options.units.map((u) => u.template ?? free[next++]!)
  const now = yield* Events.now
  const activated = templates.map((template, i): Asset => {
    const unit = options.units[i]!
    return {
      ...template,
      status: "in_stock",
      ...(unit.serialNumber !== undefined ? { serialNumber: unit.serialNumber } : {}),
      ...(unit.assetTag !== undefined ? { assetTag: unit.assetTag } : {}),
      condition: options.condition,
      locationId: options.locationId,
      storageSpace: options.storageSpace,
      receivedAt: now,
      updatedAt: now
    }
  })
  const updated = yield* storage.updateMany(assets, activated)
  yield* recordHistory(updated.map((after, i) => ({ before: templates[i], after, action: "received" as const })))
  return updated
})

/**
 * Of the given serial numbers, those already recorded on an asset.
 *
 * @since 0.1.0
 * @category internal
 */
export const takenSerialNumbers = Effect.fn("Assets.takenSerialNumbers")(function*(serialNumbers: ReadonlyArray<string>) {
  const storage = yield* Storage.Storage
  const taken: Array<string> = []
  for (let i = 0; i < serialNumbers.length; i += 1000) {
    const batch = serialNumbers.slice(i, i + 1000)
    const page = yield* storage.find(assets, { where: { serialNumber: { in: batch } }, limit: 1000 })
    for (const asset of page.items) taken.push(asset.serialNumber!)
  }
  return taken
})
