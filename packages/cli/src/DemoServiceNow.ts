/**
 * The demo's ServiceNow part (`procura demo --servicenow`): the ITAM and SPO connectors enabled
 * beside the demo's plugins, their pushes delivered once the demo is done, and what arrived.
 * The instance and its credentials come from `SERVICENOW_*` (`ServiceNowClient.config()`);
 * `pnpm demo:servicenow` runs it against a simulated instance.
 *
 * @since 0.2.0
 */
import { Itam, Spo } from "@procura/connector-servicenow"
import { Connector, Delivery, type Plugin, Principal, Storage } from "@procura/core"
import { Effect, Stream } from "effect"

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
export interface MirrorSummary {
  readonly pushed: number
  readonly tables: ReadonlyArray<{ readonly connector: string; readonly table: string; readonly records: number }>
}

const tableOfKind: Readonly<Record<string, Readonly<Record<string, string>>>> = {
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
export const mirror = (composition: Plugin.Composition, tenantId: string) =>
  Effect.gen(function*() {
    const outbound = new Set([Itam.id, Spo.id].map(Connector.outboundSubscriberId))
    const subscribers = composition.subscribers.filter((subscriber) => outbound.has(subscriber.id))
    let pushed = 0
    while (true) {
      const reports = yield* Delivery.drain(subscribers, { retry: { attempts: 5, baseDelay: "200 millis", maxDelay: "5 seconds" } })
      const parked = reports.find((report) => report.parked > 0)
      if (parked !== undefined) {
        return yield* Effect.fail(new Error(`${parked.subscriber} could not push an event: ${parked.failed?.error ?? "see procura dead-letters"}`))
      }
      const delivered = reports.reduce((sum, report) => sum + report.delivered, 0)
      pushed += delivered
      if (delivered === 0) break
    }
    const storage = yield* Storage.Storage
    const counts = new Map<string, number>()
    yield* Principal.runAs(
      Stream.runForEach(storage.stream(Connector.collections[0]!, { limit: 1000 }), (link: { readonly connector: string; readonly kind: string }) =>
        Effect.sync(() => {
          const table = tableOfKind[link.connector]?.[link.kind]
          if (table === undefined) return
          const key = `${link.connector}\u0000${table}`
          counts.set(key, (counts.get(key) ?? 0) + 1)
        })),
      { userId: "demo", tenantId, roles: ["admin"] }
    )
    return {
      pushed,
      tables: [...counts].map(([key, records]) => {
        const [connector, table] = key.split("\u0000") as [string, string]
        return { connector, table, records }
      })
    } satisfies MirrorSummary
  })

/**
 * The summary as the demo prints it.
 *
 * @since 0.2.0
 * @category formatting
 */
export const format = (summary: MirrorSummary, instanceUrl: string): string => {
  const lines = [`\nMirrored to ServiceNow (${instanceUrl}): ${summary.pushed.toLocaleString("en-US")} events pushed`]
  for (const connector of [Itam.id, Spo.id]) {
    const tables = summary.tables.filter((t) => t.connector === connector).toSorted((a, b) => a.table.localeCompare(b.table))
    lines.push(`  ${connector === Itam.id ? "ITAM" : "SPO "}  ${tables.map((t) => `${t.table} ${t.records.toLocaleString("en-US")}`).join(", ") || "nothing"}`)
  }
  return lines.join("\n")
}
