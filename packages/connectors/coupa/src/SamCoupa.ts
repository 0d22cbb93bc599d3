/**
 * The sam-coupa connector: Coupa is the system of record for procurement. Procura pulls Coupa's
 * purchase orders and receipts not yet exported, makes its orders, template assets, entitlements
 * and in-stock assets from them, and marks them exported in Coupa.
 *
 * **Inbound** (`exported=false` is the queue; marked `exported=true` once applied, so a crash
 * between the two pulls the record again, and applying it again changes nothing):
 *
 * | Coupa | Procura |
 * | --- | --- |
 * | supplier | vendor (its mapping, else the vendor whose code is the supplier's `number`, else its name, else created) |
 * | purchase order (not a draft), its lines | a submitted order (`purchasing.importPurchaseOrder`, external reference `<prefix>:po:<id>`): template assets on order for asset lines, entitlements for software |
 * | order line's item (`item-number`, else `source-part-num`) | the catalog item with that SKU |
 * | a new version of an imported order | cancelled or closed: its outstanding units cancelled; quantities changed: revised |
 * | receiving transaction (`InventoryReceipt`) | a receipt of the order line (`batchId` `<prefix>:rt:<id>`) into `receiveInto`: templates become in-stock assets |
 *
 * An order Procura cannot take (an item no catalog item has, an amount line) or a receipt it
 * refuses is logged and left unexported: nothing is lost, and it is pulled again.
 *
 * It claims `coupa.purchase-orders` and `coupa.receipts`, as `spo-coupa` does: enabling both is
 * refused at start, naming both and the migration command (seed 000: they must not both run).
 *
 * @since 0.1.0
 */
import { Connector } from "@procura/core"
import { z } from "zod"
import type * as CoupaClient from "./CoupaClient.js"
import * as CoupaError from "./CoupaError.js"
import { inbound, type SamCoupaChange } from "./internal/sam.js"
import { clientOf, contested } from "./internal/sync.js"
import * as SyncError from "./SyncError.js"

export type {
  /**
   * A change sam-coupa pulls: a purchase order or a receiving transaction not yet exported.
   *
   * @since 0.1.0
   * @category models
   */
  SamCoupaChange
} from "./internal/sam.js"

/**
 * The connector's id.
 *
 * @since 0.1.0
 * @category constants
 */
export const id = "sam-coupa"

const place = z.string().min(1).max(200)

/**
 * The connector's configuration (with `principal`, required: who imported orders and receipts
 * are written as, and `drop`, as every connector's).
 *
 * @since 0.1.0
 * @category models
 */
export const Config = z.strictObject({
  receiveInto: z.strictObject({ locationId: place, storageSpace: place })
    .describe("where units received in Coupa go in Procura"),
  referencePrefix: z.string().regex(/^[a-z0-9-]{1,32}$/, "lower-case letters, digits or hyphens").default("coupa")
    .describe("what the external references of imported orders and receipts start with (one per Coupa instance)")
})

/**
 * The configuration as a host writes it.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigInput = z.input<typeof Config>

/**
 * The responsibilities sam-coupa claims: Coupa's purchase orders and receipts, exclusively (as
 * spo-coupa does).
 *
 * @since 0.1.0
 * @category constants
 */
export const responsibilities = [...contested] as const

/**
 * Options of {@link connector}.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /**
   * The client: one built by the host (`CoupaClient.fromClient`), the options to build one, or,
   * when omitted, `COUPA_*` configuration (`CoupaClient.config()`), read on first use.
   */
  readonly client?: CoupaClient.CoupaClientService | CoupaClient.ClientOptions
}

/**
 * The sam-coupa connector, to enable among the plugins: `Connector.enable(SamCoupa.connector({
 * client }), { principal, receiveInto: { locationId, storageSpace } })`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connector = (options: Options = {}): Connector.Connector<typeof id, z.output<typeof Config>, [], SamCoupaChange> => {
  const client = clientOf(options.client)
  return Connector.make({
    id,
    version: "0.1.0",
    description: "Pulls Coupa's purchase orders and receipts not yet exported into Procura's orders, assets and entitlements, and marks them exported.",
    config: Config,
    responsibilities,
    inbound: inbound(client),
    errors: [CoupaError.family, SyncError.family]
  })
}
