/**
 * The ServiceNow ITAM connector: Procura's purchase orders, receipts and assets mirrored to ITAM
 * Procurement and Asset Management, and asset changes made in ServiceNow brought back.
 *
 * Seed 000 splits the work: ITAM owns the purchase order's receipt and the assets, SPO owns
 * requisitions and purchase orders. This connector is ITAM's side (`Spo` is the other).
 *
 * **Outbound** (typed events, delivered at least once, pushed idempotently):
 *
 * | Procura | ServiceNow |
 * | --- | --- |
 * | vendor | `core_company` (`vendor = true`) |
 * | purchase order, its lines | `proc_po`, `proc_po_item` |
 * | receipt, its lines | `proc_rec_slip`, `proc_rec_slip_item` |
 * | asset (hardware, enterprise; template assets on order) | `alm_hardware` |
 * | asset of a consumable line | `alm_consumable` (one per unit) |
 * | consumables in stock (per item and storage space) | `alm_consumable`, `quantity` = on hand |
 * | entitlement (software) | `alm_license`, `rights` = seats |
 * | fixed asset (a capitalisable service received) | `alm_asset` (services never become inventory assets) |
 *
 * Every mirrored record carries the Procura id in the correlation field (`correlation_id` by
 * default), and the connector's mapping records hold Procura id <-> sys_id: a push repeated
 * after a crash or a timeout finds the record (by mapping, else by correlation id) and updates
 * it; it never creates a second one.
 *
 * **Inbound**: `alm_hardware` records mirrored from Procura and changed in ServiceNow since the
 * watermark (`sys_updated_on` plus sys_id): their state, assignee, stockroom and location reach
 * the Procura asset through its operations (`assets.assignAsset`, `returnToStorage`,
 * `transferAssets`, `changeStatus`), as the connector's configured principal, so permissions,
 * history and events apply. The conflict rule is {@link conflictRule}.
 *
 * @since 0.2.0
 */
import { Connector } from "@procura/core"
import { z } from "zod"
import * as ConnectorError from "./ConnectorError.js"
import * as ConfigFields from "./internal/config.js"
import { ReceivingSlipMirrored, ReturnMirrored } from "./internal/itam/events.js"
import { type AssetChange, inbound } from "./internal/itam/inbound.js"
import { itamEvents, outbound } from "./internal/itam/outbound.js"
import { type ClientSource, clientOf } from "./internal/mirror.js"
import * as MirrorError from "./MirrorError.js"

/**
 * The connector's id.
 *
 * @since 0.2.0
 * @category constants
 */
export const id = "servicenow-itam"

/**
 * The connector's configuration (with `principal`, who inbound changes are applied as, and
 * `drop`, as every connector's).
 *
 * @since 0.2.0
 * @category models
 */
export const Config = z.strictObject({
  correlationField: ConfigFields.correlationField,
  userField: ConfigFields.userField,
  locationField: ConfigFields.locationField,
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
 * The responsibilities the connector claims, each exclusive: one connector mirrors ITAM's
 * purchase orders, receiving slips and assets.
 *
 * @since 0.2.0
 * @category constants
 */
export const responsibilities = ["servicenow.itam.purchase-orders", "servicenow.itam.receipts", "servicenow.itam.assets"] as const

export {
  /**
   * A receipt's receiving slip and its lines exist in ITAM (`proc_rec_slip`,
   * `proc_rec_slip_item`); appended by the connector once it has written them, on the purchase
   * order's aggregate. The SPO connector writes its read-only receipts on this event, so they
   * never exist before the slip, whichever worker runs which connector and however far behind.
   *
   * @since 0.2.0
   * @category events
   */
  ReceivingSlipMirrored,
  /**
   * A return to the vendor reached ITAM (its assets' state), after the receipts before it;
   * appended by the connector on the purchase order's aggregate. The SPO connector writes the
   * return on its order lines on this event, so SPO sees receipts and returns in the order
   * they happened.
   *
   * @since 0.2.0
   * @category events
   */
  ReturnMirrored
} from "./internal/itam/events.js"

export {
  /**
   * ITAM `install_status` (and `substatus`) -> Procura asset status, for inbound changes. `9`
   * (in transit) has no Procura status and is not applied; `10` (consumed) is `retired`.
   *
   * @since 0.2.0
   * @category mappings
   */
  assetStatusOf,
  /**
   * Procura asset status -> ITAM `install_status` and `substatus`.
   *
   * @since 0.2.0
   * @category mappings
   */
  installStatus,
  /**
   * Procura purchase order status -> `proc_po.status`.
   *
   * @since 0.2.0
   * @category mappings
   */
  purchaseOrderStatus
} from "./internal/itam/mappings.js"

/**
 * How a change made in ServiceNow and one made in Procura are settled:
 *
 * 1. Procura's newer change wins: an inbound change older than the asset's last change in
 *    Procura (`sys_updated_on` before the asset's `updatedAt`) is not applied; Procura's state
 *    reaches ServiceNow with that change's event.
 * 2. Procura's lifecycle rules win: a change Procura refuses (assigning a retired asset, moving
 *    an asset on order) is not applied, and Procura's state is written back to the ServiceNow
 *    record, so both systems agree again. The refusal is logged.
 * 3. Otherwise ServiceNow's change is applied through the asset operations.
 *
 * @since 0.2.0
 * @category mappings
 */
export const conflictRule = "Procura's newer change wins; Procura's lifecycle rules win; otherwise ServiceNow's change is applied"

export {
  /**
   * The events the connector pushes.
   *
   * @since 0.2.0
   * @category constants
   */
  itamEvents as subscribes
} from "./internal/itam/outbound.js"

export type {
  /**
   * An `alm_hardware` change as the connector pulls it.
   *
   * @since 0.2.0
   * @category models
   */
  AssetChange
} from "./internal/itam/inbound.js"

export type {
  /**
   * A Procura asset status.
   *
   * @since 0.2.0
   * @category models
   */
  AssetStatus
} from "./internal/itam/mappings.js"

export type {
  /**
   * Where a connector's client comes from: a client the host built, the options to build one on
   * `fetch`, or nothing (`SERVICENOW_*`).
   *
   * @since 0.2.0
   * @category models
   */
  ClientSource
} from "./internal/mirror.js"

/**
 * Options of {@link connector}.
 *
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /**
   * The ServiceNow client: one the host built (`ServiceNowClient.make`), the options to build
   * one on `fetch`, or, when omitted, the `SERVICENOW_*` configuration
   * (`ServiceNowClient.config()`), read when the connector first pushes or pulls.
   */
  readonly client?: ClientSource
}

/**
 * The ITAM connector, to enable among the plugins: `Connector.enable(Itam.connector({ client }),
 * { principal })`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const connector = (options: Options = {}): Connector.Connector<typeof id, z.output<typeof Config>, typeof itamEvents, AssetChange> => {
  const client = clientOf(options.client)
  return Connector.make({
    id,
    version: "0.2.0",
    description: "Mirrors purchase orders, receiving slips and assets to ServiceNow ITAM; brings asset changes made there back.",
    config: Config,
    responsibilities,
    subscribes: itamEvents,
    outbound: outbound(client),
    inbound: inbound(client),
    errors: [ConnectorError.family, MirrorError.family],
    events: [ReceivingSlipMirrored, ReturnMirrored]
  })
}
