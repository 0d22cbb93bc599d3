/**
 * The demo's ServiceNow part (`procura demo --servicenow`): the ITAM and SPO connectors enabled
 * beside the demo's plugins, their pushes delivered once the demo is done, and what arrived.
 * The instance and its credentials come from `SERVICENOW_*` (`ServiceNowClient.config()`);
 * `pnpm demo:servicenow` runs it against a simulated instance.
 *
 * @since 0.2.0
 */
import { Itam, Spo } from "@procura/connector-servicenow"
import { Connector, type Plugin, type Storage } from "@procura/core"
import type { Effect } from "effect"
import { deliverAndCount, format as formatSummary, type Summary, type Tables } from "./internal/demoMirror.js"

/**
 * The connectors, applying inbound changes as sync users of the demo's tenant.
 *
 * @since 0.2.0
 * @category constructors
 */
export const connectors = (tenantId: string): ReadonlyArray<Plugin.Enabled> => [
  Connector.enable(Itam.connector(), { principal: { userId: "itam-sync", tenantId, roles: ["asset_manager"] } }),
  Connector.enable(Spo.connector(), { principal: { userId: "spo-sync", tenantId, roles: ["procurement_manager"] } })
]

/**
 * What was mirrored: per connector, the ServiceNow table and how many records of this tenant
 * are mapped to it.
 *
 * @since 0.2.0
 * @category models
 */
export interface MirrorSummary extends Summary {}

const tableOfKind: Tables = {
  [Itam.id]: {
    vendor: "core_company",
    purchase_order: "proc_po",
    purchase_order_line: "proc_po_item",
    receipt: "proc_rec_slip",
    receipt_line: "proc_rec_slip_item",
    asset: "alm_hardware",
    consumable_unit: "alm_consumable",
    stock_record: "alm_consumable",
    entitlement: "alm_license",
    fixed_asset: "alm_asset"
  },
  [Spo.id]: {
    supplier: "sn_fin_supplier",
    requisition: "sn_shop_purchase_requisition",
    requisition_line: "sn_shop_purchase_line",
    purchase_order: "sn_shop_purchase_order",
    purchase_order_line: "sn_shop_purchase_order_line",
    receipt: "sn_shop_receipt"
  }
}

/**
 * Delivers the connectors' events until none is left (the SPO connector follows what the ITAM
 * connector appends), failing on a dead letter, then counts the records mirrored for the tenant.
 *
 * @since 0.2.0
 * @category constructors
 */
export const mirror = (composition: Plugin.Composition, tenantId: string): Effect.Effect<MirrorSummary, unknown, Storage.Storage> =>
  deliverAndCount(composition, tenantId, tableOfKind)

/**
 * The summary as the demo prints it.
 *
 * @since 0.2.0
 * @category formatting
 */
export const format = (summary: MirrorSummary, instanceUrl: string): string =>
  formatSummary(summary, `Mirrored to ServiceNow (${instanceUrl})`, [{ id: Itam.id, label: "ITAM" }, { id: Spo.id, label: "SPO" }])
