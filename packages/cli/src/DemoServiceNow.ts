/**
 * The demo's ServiceNow part (`procura demo --servicenow`): the ITAM and SPO connectors (and the
 * SPM connector when the demo oversees projects) enabled beside the demo's plugins, their pushes
 * delivered once the demo is done, and what arrived; then a project task closed in SPM, as a
 * project manager would, and brought back to Procura by the SPM connector's poll.
 * The instance and its credentials come from `SERVICENOW_*` (`ServiceNowClient.config()`);
 * `pnpm demo:servicenow` runs it against a simulated instance.
 *
 * @since 0.2.0
 */
import { Itam, ServiceNowClient, Spm, Spo } from "@procura/connector-servicenow"
import { Connector, type Plugin, Principal, type Procura, type Storage } from "@procura/core"
import { Oversight, Projects } from "@procura/plugin-spm-oversight"
import { Effect, Option } from "effect"
import { deliverAndCount, format as formatSummary, type Summary, type Tables } from "./internal/demoMirror.js"

/**
 * The connectors, applying inbound changes as sync users of the demo's tenant.
 *
 * @since 0.2.0
 * @category constructors
 */
export const connectors = (tenantId: string, options: { readonly spm?: boolean } = {}): ReadonlyArray<Plugin.Enabled> => [
  Connector.enable(Itam.connector(), { principal: { userId: "itam-sync", tenantId, roles: ["asset_manager"] } }),
  Connector.enable(Spo.connector(), { principal: { userId: "spo-sync", tenantId, roles: ["procurement_manager"] } }),
  ...(options.spm === true ? [Connector.enable(Spm.connector(), { principal: { userId: "spm-sync", tenantId, roles: ["it_project_manager", "it_project_user"] } })] : [])
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
  },
  [Spm.id]: {
    program: "pm_program",
    project: "pm_project",
    project_task: "pm_project_task"
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
  formatSummary(summary, `Mirrored to ServiceNow (${instanceUrl})`, [
    { id: Itam.id, label: "ITAM" },
    { id: Spo.id, label: "SPO" },
    ...(summary.tables.some((t) => t.connector === Spm.id) ? [{ id: Spm.id, label: "SPM" }] : [])
  ])

/**
 * A project task closed in SPM and brought back: what it was, and its state in Procura after
 * the SPM connector's poll.
 *
 * @since 0.3.0
 * @category models
 */
export interface ClosedInSpm {
  readonly task: string
  readonly number: string
  readonly before: Projects.ProjectState
  readonly after: Projects.ProjectState
}

/**
 * The round trip through SPM: an order for one more SD-WAN store is created and approved
 * (oversight makes its site project, line project and planned tasks), pushed to SPM; there a
 * project manager closes the line project's first task (state 3, Closed Complete); the SPM
 * connector's poll brings it back, through the plugin, as the connector's principal. `None` when
 * the SPM connector or the spm-oversight plugin is not enabled, or the order is not overseen.
 *
 * @since 0.3.0
 * @category constructors
 */
export const closeInSpm = (
  composition: Plugin.Composition,
  tenantId: string
): Effect.Effect<Option.Option<ClosedInSpm>, unknown, Storage.Storage | Procura.Services> =>
  Effect.gen(function*() {
    const plugin = yield* Effect.serviceOption(Oversight.Oversight)
    const subscriber = composition.subscribers.find((s) => s.id === Connector.outboundSubscriberId(Spm.id))
    if (Option.isNone(plugin) || subscriber === undefined) return Option.none()
    const oversight = plugin.value
    const manager = { userId: "olga.fulfilment", tenantId, roles: ["order_fulfilment_manager"] }
    const reader = { userId: "petra.pm", tenantId, roles: ["it_project_user"] }
    const { order } = yield* Principal.runAs(oversight.createOrder({
      number: "ORD-DEMO-0002",
      account: { id: "acc-northwind", name: "Northwind Retail" },
      lines: [{ productOffering: { id: "po-sdwan", name: "SD-WAN Premium", category: "SD-WAN" }, site: { id: "store-utr", name: "Utrecht store" }, quantity: 1 }]
    }), manager)
    const approval = yield* Principal.runAs(oversight.approveOrderLines({ orderId: order.id }), manager)
    const project = approval.projects[0]
    if (project === undefined) return Option.none()
    yield* deliverAndCount(composition, tenantId, tableOfKind)
    const [task] = (yield* Principal.runAs(oversight.listProjectTasks({ projectId: project.id, limit: 1 }), reader)).items
    if (task === undefined) return Option.none()
    const sysId = yield* Principal.runAs(Connector.links(Spm.id).externalIdOf("project_task", task.id), reader)
    if (Option.isNone(sysId)) return Option.none()
    const client = yield* Effect.flatMap(ServiceNowClient.ServiceNowClient, Effect.succeed).pipe(Effect.provide(ServiceNowClient.layerConfig()))
    const record = yield* client.patch("pm_project_task", sysId.value, { state: Projects.stateValues.closed_complete }, { fields: ["number"] })
    yield* Connector.poll(composition.pollers.filter((p) => p.connector === Spm.id && p.tenantId === tenantId))
    const after = yield* Principal.runAs(oversight.getProjectTask({ id: task.id }), reader)
    return Option.some({ task: task.name, number: String(record["number"] ?? sysId.value), before: task.state, after: after.state })
  })

/**
 * The round trip as the demo prints it.
 *
 * @since 0.3.0
 * @category formatting
 */
export const formatClosed = (closed: ClosedInSpm): string =>
  `  SPM -> Procura: a new store's project in SPM, its task "${closed.task}" (${closed.number}) closed there by a project manager; in Procura ${closed.before} -> ${closed.after}`
