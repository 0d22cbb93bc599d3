/**
 * The spo-coupa connector: Procura is the system of record for procurement and pushes to Coupa;
 * Coupa's supplier and order status changes come back.
 *
 * **Outbound** (typed events, delivered at least once; every create is looked up first by a
 * natural key, so a retried push never duplicates):
 *
 * | Procura | Coupa | Natural key |
 * | --- | --- | --- |
 * | vendor | supplier (adopted by `number` = vendor code, else `name`; else created) | `number` |
 * | purchase request, its lines | requisition (a draft: Procura approves), `requisition-lines` | `external-po-reference` |
 * | submitted purchase order, its lines | external order (`ExternalOrderHeader`), `order-lines`; then `issue`, `close` when received, `cancel` when cancelled | `po-number`; lines' `external-reference-number` = `<order id>:<line>` |
 * | receipt line | receiving transaction (`InventoryReceipt`) on the order line | the custom field `receiptReferenceField` = `<receipt id>:<line>` |
 * | invoice, its lines | invoice (then `submit`), lines on the order lines; cancelled: `void` | `invoice-number` + supplier |
 *
 * Coupa's `po-number` holds 20 characters, fewer than a Procura id: the number is the prefix and
 * 17 characters made from the id (`documentNumber`), checked against the order's lines.
 *
 * **Inbound**: suppliers and purchase orders changed since the watermark (`updated-at`, neither
 * skipping nor repeating records that share a timestamp). A pushed supplier made inactive in
 * Coupa has its Procura supplier products deactivated; a pushed order cancelled or closed in
 * Coupa has what is outstanding cancelled in Procura.
 *
 * It claims `coupa.purchase-orders` and `coupa.receipts`, as `sam-coupa` does: enabling both is
 * refused at start, naming both and the migration command (seed 000: they must not both run).
 *
 * @since 0.1.0
 */
import { Connector } from "@procura/core"
import { z } from "zod"
import type * as CoupaClient from "./CoupaClient.js"
import * as CoupaError from "./CoupaError.js"
import { inbound, outbound, type SpoCoupaChange, spoCoupaEvents } from "./internal/spo.js"
import { clientOf, contested } from "./internal/sync.js"
import * as SyncError from "./SyncError.js"

export type {
  /**
   * A change spo-coupa pulls: a supplier's, or an order's status.
   *
   * @since 0.1.0
   * @category models
   */
  SpoCoupaChange
} from "./internal/spo.js"

/**
 * The connector's id.
 *
 * @since 0.1.0
 * @category constants
 */
export const id = "spo-coupa"

/**
 * The connector's configuration (with `principal`, who pulled changes are applied as, and `drop`,
 * as every connector's).
 *
 * @since 0.1.0
 * @category models
 */
export const Config = z.strictObject({
  poNumberPrefix: z.string().regex(/^[A-Za-z0-9-]{0,3}$/, "at most 3 letters, digits or hyphens").default("P")
    .describe("what Coupa purchase order numbers made from Procura ids start with"),
  requisitionPrefix: z.string().regex(/^[A-Za-z0-9-]{0,3}$/, "at most 3 letters, digits or hyphens").default("R")
    .describe("what requisitions' external-po-reference made from Procura request ids starts with"),
  receiptReferenceField: z.string().regex(/^[a-z0-9_-]{1,64}$/, "a custom field name: lower-case letters, digits, - or _").default("procura-id")
    .describe("the custom field of Coupa receiving transactions holding the Procura receipt line (define it in Coupa)")
})

/**
 * The configuration as a host writes it.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigInput = z.input<typeof Config>

/**
 * The responsibilities spo-coupa claims: Coupa's purchase orders and receipts (exclusive, as
 * sam-coupa's), requisitions and invoices (exclusive), pulling supplier changes (shared).
 *
 * @since 0.1.0
 * @category constants
 */
export const responsibilities = [
  ...contested,
  "coupa.requisitions",
  "coupa.invoices",
  { name: "coupa.suppliers.pull", mode: "shared" }
] as const

export {
  /**
   * The events spo-coupa pushes.
   *
   * @since 0.1.0
   * @category constants
   */
  spoCoupaEvents as subscribes
} from "./internal/spo.js"

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
 * The spo-coupa connector, to enable among the plugins: `Connector.enable(SpoCoupa.connector({
 * client }), { principal })`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const connector = (options: Options = {}): Connector.Connector<typeof id, z.output<typeof Config>, typeof spoCoupaEvents, SpoCoupaChange> => {
  const client = clientOf(options.client)
  return Connector.make({
    id,
    version: "0.1.0",
    description: "Pushes requisitions, purchase orders, receipts and invoices to Coupa; pulls supplier and order status changes back.",
    config: Config,
    responsibilities,
    subscribes: spoCoupaEvents,
    outbound: outbound(client),
    inbound: inbound(client),
    errors: [CoupaError.family, SyncError.family]
  })
}
