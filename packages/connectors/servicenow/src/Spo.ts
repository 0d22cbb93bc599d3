/**
 * The ServiceNow SPO (Sourcing and Procurement Operations) connector: Procura's purchase
 * requests and purchase orders mirrored to SPO, the read-only SPO receipt written once ITAM's
 * receiving slip exists, and SPO's supplier products pulled into Procura.
 *
 * Seed 000 splits the work: SPO owns requisitions and purchase orders, ITAM owns the receipt and
 * the assets (`Itam`), and neither does the other's job. SPO creates no assets and no receipts of
 * its own: the receipt on an SPO purchase order line is written only after the ITAM connector has
 * written the receiving slip (its `servicenow.itam.receiving_slip_mirrored` event), so it never
 * exists before the slip, whichever worker runs which connector and however far behind one is.
 * Without the ITAM connector, no SPO receipts are written.
 *
 * **Outbound**:
 *
 * | Procura | ServiceNow |
 * | --- | --- |
 * | vendor | `sn_fin_supplier` (adopted by name, else created) |
 * | purchase request, its lines | `sn_shop_purchase_requisition`, `sn_shop_purchase_line` |
 * | purchase order, its lines | `sn_shop_purchase_order`, `sn_shop_purchase_order_line` |
 * | receipt line (after the ITAM slip) | `sn_shop_receipt`, read-only: `pending_submission`, `goods_receipt` |
 *
 * **Inbound**: `sn_shop_supplier_product` records changed since the watermark become Procura
 * supplier products (`catalog.createSupplierProduct` / `updateSupplierProduct`, as the
 * configured principal): the catalog item is the one whose SKU is the product's `sku`, the
 * vendor is the supplier's (mapped, else the vendor whose code is the supplier's `number`, else
 * its name, else created). A product with no such catalog item is skipped and logged.
 *
 * @since 0.2.0
 */
import { Connector } from "@procura/core"
import { z } from "zod"
import * as ConnectorError from "./ConnectorError.js"
import { type ClientSource, clientOf } from "./internal/mirror.js"
import { inbound, type SupplierProductChange } from "./internal/spo/inbound.js"
import { outbound, spoEvents } from "./internal/spo/outbound.js"
import * as MirrorError from "./MirrorError.js"

export {
  /**
   * Procura purchase order status -> `sn_shop_purchase_order.status` (and its lines' `state`).
   *
   * @since 0.2.0
   * @category mappings
   */
  purchaseOrderStatus,
  /**
   * What a read-only SPO receipt is when written: `pending_submission`, `goods_receipt`.
   *
   * @since 0.2.0
   * @category mappings
   */
  receiptValues,
  /**
   * Procura purchase request status -> `sn_shop_purchase_requisition.status`.
   *
   * @since 0.2.0
   * @category mappings
   */
  requisitionStatus
} from "./internal/spo/mappings.js"

export type {
  /**
   * A supplier product as the connector pulls it.
   *
   * @since 0.2.0
   * @category models
   */
  SupplierProductChange
} from "./internal/spo/inbound.js"

/**
 * The connector's id.
 *
 * @since 0.2.0
 * @category constants
 */
export const id = "servicenow-spo"

/**
 * The connector's configuration (with `principal`, who pulled supplier products are written as,
 * and `drop`, as every connector's).
 *
 * @since 0.2.0
 * @category models
 */
export const Config = z.strictObject({
  correlationField: z.string().regex(/^[a-z][a-z0-9_]*$/, "a field name: lower case letters, digits and _")
    .default("correlation_id")
    .describe("the field holding the Procura id on every mirrored table"),
  userField: z.string().regex(/^[a-z][a-z0-9_]*$/).default("user_name")
    .describe("the sys_user field Procura user ids are matched against"),
  overlapSeconds: z.number().int().min(0).max(3600).default(5)
    .describe("seconds of changes each inbound pull reads again, for records updated in the same second as the watermark")
})

/**
 * The configuration as a host writes it.
 *
 * @since 0.2.0
 * @category models
 */
export type ConfigInput = z.input<typeof Config>

/**
 * The responsibilities the connector claims: SPO's requisitions, purchase orders and receipts
 * (exclusive), and pulling supplier products (shared).
 *
 * @since 0.2.0
 * @category constants
 */
export const responsibilities = [
  "servicenow.spo.requisitions",
  "servicenow.spo.purchase-orders",
  "servicenow.spo.receipts",
  { name: "supplier-products.pull", mode: "shared" }
] as const

/**
 * The events the connector pushes.
 *
 * @since 0.2.0
 * @category constants
 */
export const subscribes: typeof spoEvents = spoEvents

/**
 * Options of {@link connector}.
 *
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /**
   * The ServiceNow client: one the host built, the options to build one on `fetch`, or, when
   * omitted, the `SERVICENOW_*` configuration (`ServiceNowClient.config()`).
   */
  readonly client?: ClientSource
}

/**
 * The SPO connector, to enable among the plugins: `Connector.enable(Spo.connector({ client }),
 * { principal })`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const connector = (options: Options = {}): Connector.Connector<typeof id, z.output<typeof Config>, typeof spoEvents, SupplierProductChange> => {
  const client = clientOf(options.client)
  return Connector.make({
    id,
    version: "0.2.0",
    description: "Mirrors purchase requests and orders to ServiceNow SPO, its read-only receipts after ITAM's slips; pulls SPO's supplier products.",
    config: Config,
    responsibilities,
    subscribes,
    outbound: outbound(client),
    inbound: inbound(client),
    errors: [ConnectorError.family, MirrorError.family]
  })
}
