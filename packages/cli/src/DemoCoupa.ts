/**
 * The demo's Coupa part (`procura demo --coupa`): the spo-coupa connector enabled beside the
 * demo's plugins, its pushes delivered once the demo is done, and what arrived. The instance and
 * its OAuth client come from `COUPA_*` (`CoupaClient.config()`); `pnpm demo:coupa` runs it
 * against a simulated instance.
 *
 * @since 0.3.0
 */
import { SpoCoupa } from "@procura/connector-coupa"
import { Connector, type Plugin, type Storage } from "@procura/core"
import type { Effect } from "effect"
import { deliverAndCount, format as formatSummary, type Summary, type Tables } from "./internal/demoMirror.js"

/**
 * The connector, applying Coupa's status changes as a sync user of the demo's tenant.
 *
 * @since 0.3.0
 * @category constructors
 */
export const connectors = (tenantId: string): ReadonlyArray<Plugin.Enabled> => [
  Connector.enable(SpoCoupa.connector(), { principal: { userId: "coupa-sync", tenantId, roles: ["procurement_manager"] } })
]

/**
 * What was pushed: the Coupa resource and how many records of this tenant are mapped to it.
 *
 * @since 0.3.0
 * @category models
 */
export interface PushSummary extends Summary {}

const resourceOfKind: Tables = {
  [SpoCoupa.id]: {
    supplier: "suppliers",
    requisition: "requisitions",
    purchase_order: "purchase_orders",
    purchase_order_line: "order lines",
    receipt_line: "receiving_transactions",
    invoice: "invoices"
  }
}

/**
 * Delivers spo-coupa's events until none is left, failing on a dead letter, then counts the
 * records pushed for the tenant.
 *
 * @since 0.3.0
 * @category constructors
 */
export const push = (composition: Plugin.Composition, tenantId: string): Effect.Effect<PushSummary, unknown, Storage.Storage> =>
  deliverAndCount(composition, tenantId, resourceOfKind)

/**
 * The summary as the demo prints it.
 *
 * @since 0.3.0
 * @category formatting
 */
export const format = (summary: PushSummary, instanceUrl: string): string =>
  formatSummary(summary, `Pushed to Coupa (${instanceUrl})`, [{ id: SpoCoupa.id, label: "spo-coupa" }])
