/**
 * The ITAM-SPO "better together" flow of seed 000, as a plugin.
 *
 * - **Sourcing**: with `supplierProducts` on (the default), purchases take vendor and price from
 *   supplier products (SPO's `sn_shop_supplier_product`) and never from the catalog items'
 *   approved vendors (the vendor catalog items, `pc_vendor_cat_item`); off, the reverse.
 * - **Purchase channels**: IT assets, consumables and enterprise items through the service
 *   catalog, services through the shopping hub, which refuses IT-asset items naming the channel
 *   to use. The routing is a decision table; `routing` replaces the default table.
 * - **Tolerances**: how far deliveries and invoices may stray from the purchase order, by item
 *   kind and vendor (`tolerances`, see `Tolerances` in core); zero tolerance without it.
 *
 * - **Integrated mode** (`integrated`): seed 000's transaction guards, as a capability policy.
 *   `"strict"` refuses what the integrated ITAM-SPO flow disables, with `OperationRefused`
 *   naming the rule ({@link integratedRules}); `"propagate"` keeps revisions, cancellations and
 *   returns working instead, and the ITAM and SPO connectors carry each to both systems, in the
 *   order they were made; `"off"` (the default) sets no rule.
 *
 * The plugin holds the `sourcing` and `channel-routing` responsibilities, and `tolerances` when
 * it is given tolerances.
 *
 * @since 0.1.0
 */
import { Catalog, type Guards, Operation, Plugin, Requisition, TableConfig, Tolerances } from "@procura/core"
import { Effect, Layer } from "effect"
import { z } from "zod"

/**
 * The plugin's configuration.
 *
 * @since 0.1.0
 * @category models
 */
export const Config = z.strictObject({
  supplierProducts: z.boolean().default(true)
    .describe("take vendor and price from supplier products (true) or from the catalog items' approved vendors (false)"),
  routing: TableConfig.schema({
    inputs: Catalog.routingColumns,
    result: Catalog.Route,
    hitPolicy: "first",
    description: "Purchase-channel routing over kind, category and SKU; items no row matches and with no default go by seed 000's table."
  }).optional(),
  tolerances: Tolerances.TolerancePolicy.optional()
    .describe("receiving and three-way match tolerances by item kind and vendor; without it, nothing may stray from the order"),
  integrated: z.enum(["off", "strict", "propagate"]).default("off")
    .describe("seed 000's integrated ITAM-SPO flow: strict refuses what it disables (cancel, edit, return); propagate keeps them, mirrored to both systems in order")
})

const pendingReview = (input: { readonly requestId: string }) =>
  Operation.run(Requisition.operations.getRequest)({ id: input.requestId }).pipe(
    Effect.map((request) => request.status === "pending_approval"),
    Effect.orElseSucceed(() => false)
  )

/**
 * The rules of integrated mode `"strict"`, in the order they are checked: what seed 000 says the
 * integrated ITAM-SPO flow disables, and the operations of Procura that do it.
 *
 * | rule | refuses | seed 000 |
 * | --- | --- | --- |
 * | `itam-spo/itam-po-cancel` | `purchasing.cancelPurchaseOrder`, `purchasing.cancelPurchaseOrderLines` | Cancel is disabled on the ITAM purchase order |
 * | `itam-spo/spo-po-edit` | `purchasing.revisePurchaseOrder` | edit flows of SPO purchase orders are not supported |
 * | `itam-spo/spo-return` | `receiving.returnToVendor` | return flows of SPO purchase orders are not supported |
 * | `itam-spo/confirm-revision-pending-review` | `requisition.reviseRequest` of a request pending approval | Confirm Revision is disabled while a requisition is Pending Review |
 * | `itam-spo/spo-requisition-edit` | `requisition.reviseRequest` (other states) | edit flows of SPO requisitions are not supported |
 *
 * ITAM's Order action has no counterpart to refuse: a Procura order is placed once, by
 * `purchasing.submitPurchaseOrder`, which is SPO's ordering in the integrated flow.
 *
 * @since 0.2.0
 * @category rules
 */
export const integratedRules: ReadonlyArray<Guards.Guard> = [
  {
    rule: "itam-spo/itam-po-cancel",
    operations: ["purchasing.cancelPurchaseOrder", "purchasing.cancelPurchaseOrderLines"],
    reason: "seed 000's integrated ITAM-SPO flow disables Cancel on the ITAM purchase order (set integrated: propagate to cancel in both systems)"
  },
  {
    rule: "itam-spo/spo-po-edit",
    operations: ["purchasing.revisePurchaseOrder"],
    reason: "seed 000's integrated ITAM-SPO flow does not support editing SPO purchase orders (set integrated: propagate to revise in both systems)"
  },
  {
    rule: "itam-spo/spo-return",
    operations: ["receiving.returnToVendor"],
    reason: "seed 000's integrated ITAM-SPO flow does not support returns of SPO purchase orders (set integrated: propagate to return in both systems)"
  },
  {
    rule: "itam-spo/confirm-revision-pending-review",
    operations: ["requisition.reviseRequest"],
    reason: "seed 000's integrated ITAM-SPO flow disables Confirm Revision while a requisition is Pending Review (pending approval)",
    when: pendingReview
  },
  {
    rule: "itam-spo/spo-requisition-edit",
    operations: ["requisition.reviseRequest"],
    reason: "seed 000's integrated ITAM-SPO flow does not support editing SPO requisitions (set integrated: propagate to revise in both systems)"
  }
]

/**
 * The plugin's configuration as a host writes it.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigInput = z.input<typeof Config>

/**
 * The ITAM-SPO plugin.
 *
 * @since 0.1.0
 * @category plugins
 */
export const itamSpo: Plugin.Plugin<"itam-spo", z.output<typeof Config>> = Plugin.make({
  id: "itam-spo",
  version: "0.1.0",
  description: "Seed 000's ITAM-SPO flow: supplier-product sourcing and purchase-channel routing (service catalog vs shopping hub).",
  config: Config,
  responsibilities: (config) => ["sourcing", "channel-routing", ...(config.tolerances === undefined ? [] : ["tolerances"])],
  contribute: (config) => ({
    layer: Layer.mergeAll(
      Layer.succeed(Catalog.Sourcing, config.supplierProducts ? "supplier_products" : "vendor_catalog"),
      config.routing === undefined ? Layer.empty : Layer.succeed(Catalog.ChannelRouting, Catalog.routerFromTable(config.routing)),
      config.tolerances === undefined ? Layer.empty : Layer.succeed(Tolerances.Tolerances, config.tolerances)
    ),
    guards: config.integrated === "strict" ? integratedRules : []
  })
})
