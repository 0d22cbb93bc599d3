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
 * The plugin holds the `sourcing` and `channel-routing` responsibilities, and `tolerances` when
 * it is given tolerances.
 *
 * @since 0.1.0
 */
import { Catalog, Plugin, TableConfig, Tolerances } from "@procura/core"
import { Layer } from "effect"
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
    .describe("receiving and three-way match tolerances by item kind and vendor; without it, nothing may stray from the order")
})

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
    )
  })
})
