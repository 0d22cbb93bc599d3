/**
 * Purchase-channel routing and the sourcing mode: which channel an item is bought through (a
 * decision table on its kind, category and SKU), and where purchases take vendor and price from.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import * as DecisionTable from "../rules/DecisionTable.js"
import { type ItemKind, Route } from "./CatalogModel.js"

/**
 * Where purchases take vendor and price from:
 * - `vendor_catalog`: the catalog item's approved vendors at agreed costs (seed 002; ServiceNow's
 *   vendor catalog items). The default.
 * - `supplier_products`: supplier products only (seed 000's ITAM-SPO flow).
 *
 * @since 0.1.0
 * @category models
 */
export type SourcingMode = "vendor_catalog" | "supplier_products"

/**
 * The sourcing mode in force. Defaults to `vendor_catalog`; the ITAM-SPO plugin switches it.
 *
 * @since 0.1.0
 * @category services
 */
export const Sourcing = Context.Reference<SourcingMode>("@procura/core/Sourcing", { defaultValue: () => "vendor_catalog" })

/**
 * Routes items to purchase channels.
 *
 * @since 0.1.0
 * @category models
 */
export interface Router {
  readonly route: (item: { readonly kind: ItemKind; readonly category?: string | undefined; readonly sku: string }) => Effect.Effect<Route>
}

/**
 * The columns a routing table decides on: the item's kind, category and SKU.
 *
 * @since 0.1.0
 * @category constants
 */
export const routingColumns = [
  { name: "kind", type: "string", description: "hardware, software, consumable, service or enterprise" },
  { name: "category", type: "string", description: "the catalog item's category, if any" },
  { name: "sku", type: "string", description: "the catalog item's SKU" }
] as const satisfies ReadonlyArray<DecisionTable.Column>

/**
 * Seed 000's routing as a decision table: services through the shopping hub, IT assets,
 * software, consumables and enterprise items through the service catalog.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRoutingTable = DecisionTable.define({
  name: "purchase-channel routing",
  hitPolicy: "first",
  inputs: routingColumns,
  rows: [
    {
      id: "services",
      description: "Services continue to flow through the shopping hub",
      when: { kind: "service" },
      then: { channel: "shopping_hub", reason: "services are bought through the shopping hub" }
    }
  ],
  default: {
    channel: "service_catalog",
    reason: "IT assets, software, consumables and enterprise items are bought through the service catalog"
  }
}, { result: Route })

/**
 * A router from a routing table (columns {@link routingColumns}, results {@link Route}).
 * Items no row matches and the table has no default for go by {@link defaultRoutingTable}.
 *
 * @since 0.1.0
 * @category constructors
 */
export const routerFromTable = (table: DecisionTable.DecisionTable<object, Route>): Router => ({
  route: (item) =>
    Effect.flatMap(
      Effect.orDie(DecisionTable.evaluate(table, { kind: item.kind, category: item.category ?? null, sku: item.sku })),
      (decision): Effect.Effect<Route> => {
        const single = decision.hitPolicy === "collect" ? decision.results[0] : decision.result
        if (single !== undefined) return Effect.succeed(single)
        return table === (defaultRoutingTable as DecisionTable.DecisionTable<object, Route>)
          ? Effect.die(new Error("the default routing table always decides"))
          : routerFromTable(defaultRoutingTable as DecisionTable.DecisionTable<object, Route>).route(item)
      }
    )
})

/**
 * Seed 000's routing, from {@link defaultRoutingTable}.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultRouter: Router = routerFromTable(defaultRoutingTable as DecisionTable.DecisionTable<object, Route>)

/**
 * The channel router in force. Defaults to {@link defaultRouter}; the ITAM-SPO plugin takes a
 * routing table from its configuration.
 *
 * @since 0.1.0
 * @category services
 */
export const ChannelRouting = Context.Reference<Router>("@procura/core/ChannelRouting", { defaultValue: () => defaultRouter })
