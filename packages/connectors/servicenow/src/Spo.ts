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
import * as ConfigFields from "./internal/config.js"
import { clientOf } from "./internal/mirror.js"
import type * as Itam from "./Itam.js"
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
  correlationField: ConfigFields.correlationField,
  userField: ConfigFields.userField,
  overlapSeconds: ConfigFields.overlapSeconds
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

export {
  /**
   * The events the connector pushes.
   *
   * @since 0.2.0
   * @category constants
   */
  spoEvents as subscribes
} from "./internal/spo/outbound.js"

/**
 * Options of {@link connector}: where its client comes from, as the ITAM connector's.
 *
 * @since 0.2.0
 * @category options
 */
export type Options = Itam.Options

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
    subscribes: spoEvents,
    outbound: outbound(client),
    inbound: inbound(client),
    errors: [ConnectorError.family, MirrorError.family]
  })
}
