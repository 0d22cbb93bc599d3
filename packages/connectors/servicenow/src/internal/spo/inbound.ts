/**
 * The SPO connector's inbound side: SPO's supplier products (`sn_shop_supplier_product`) pulled
 * into Procura's supplier products, with their suppliers as vendors.
 */
import { Catalog, type Connector, Operation } from "@procura/core"
import { Effect, Option } from "effect"
import * as Fields from "../../Fields.js"
import * as Query from "../../Query.js"
import { type ApplyEnv, type Client, fieldText, type Mirror, pullSince } from "../mirror.js"
import { kinds, type SpoConfig } from "./outbound.js"


/** A supplier product as pulled. */
export interface SupplierProductChange {
  readonly sysId: string
  /** The supplier's SKU: the Procura catalog item with this SKU is the one offered. */
  readonly sku: string
  readonly name: string
  /** The `sn_fin_supplier` sys_id. */
  readonly supplier: string
  /** `CODE;amount`. */
  readonly price: string
  readonly active: boolean
}

const fields = ["sku", "name", "supplier", "price", "active"]

const pull = (client: Client) => (since: string | undefined, context: Connector.Context<SpoConfig>) =>
  Effect.gen(function*() {
    const { records, watermark } = yield* pullSince(yield* client, "sn_shop_supplier_product", {
      query: Query.make().where("sku", "ISNOTEMPTY"),
      fields,
      since,
      overlapSeconds: context.config.overlapSeconds
    })
    const changes = records.map((record): SupplierProductChange => ({
      sysId: fieldText(record["sys_id"]),
      sku: fieldText(record["sku"]),
      name: fieldText(record["name"]),
      supplier: fieldText(record["supplier"]),
      price: fieldText(record["price"]),
      active: fieldText(record["active"]) !== "false"
    }))
    return { changes, watermark }
  })

/** The Procura vendor a supplier is: its mapping, else the vendor whose code is its number (or name), else a new vendor. */
const vendorOf = (mirror: Mirror, supplier: string) =>
  Effect.gen(function*() {
    const linked = yield* mirror.links.procuraIdOf(kinds.supplier, supplier)
    if (Option.isSome(linked)) return Option.some(linked.value)
    const api = yield* mirror.client
    const record = yield* api.get("sn_fin_supplier", supplier, { fields: ["name", "number"] }).pipe(
      Effect.map(Option.some),
      Effect.catchIf((error) => error.reason === "NotFound", () => Effect.succeed(Option.none()))
    )
    if (Option.isNone(record)) return Option.none<string>()
    const name = fieldText(record.value["name"]).trim()
    const code = (fieldText(record.value["number"]).trim() || name).slice(0, 64)
    if (code === "") return Option.none<string>()
    const [existing] = (yield* Operation.run(Catalog.operations.listVendors)({ code, limit: 1 })).items
    const vendor = existing ?? (yield* Operation.run(Catalog.operations.createVendor)({ code, name: name || code }))
    yield* mirror.links.link(kinds.supplier, vendor.id, supplier)
    return Option.some(vendor.id)
  })

/**
 * Applies one supplier product: creates or updates the Procura supplier product of the catalog
 * item with its SKU and the supplier's vendor. A product whose SKU no catalog item has, or
 * whose price cannot be read, is skipped and logged: Procura does not invent catalog items.
 */
const apply = (client: Client) => (change: SupplierProductChange, context: Connector.Context<SpoConfig>): Effect.Effect<void, unknown, ApplyEnv> =>
  Effect.gen(function*() {
    const mirror: Mirror = { connector: context.connectorId, client, links: context.links, correlationField: context.config.correlationField }
    const skip = (why: string) => Effect.logWarning(`SPO supplier product ${change.sysId} (${change.sku}) is not pulled: ${why}`)
    const unitCost = Fields.currency().safeParse(change.price)
    if (!unitCost.success) return yield* skip(`its price "${change.price}" is not CODE;amount`)
    const [item] = (yield* Operation.run(Catalog.operations.listCatalogItems)({ sku: change.sku, limit: 1 })).items
    if (item === undefined) return yield* skip(`no catalog item has the SKU ${change.sku}`)
    const supplierId = yield* vendorOf(mirror, change.supplier)
    if (Option.isNone(supplierId)) return yield* skip(`its supplier ${change.supplier || "(none)"} cannot be read`)
    const values = { unitCost: unitCost.data, active: change.active, supplierSku: change.sku }
    const linked = yield* mirror.links.procuraIdOf(kinds.supplierProduct, change.sysId)
    if (Option.isSome(linked)) {
      yield* Operation.run(Catalog.operations.updateSupplierProduct)({ id: linked.value, ...values })
      return
    }
    const [existing] = (yield* Operation.run(Catalog.operations.listSupplierProducts)({
      catalogItemId: item.id,
      supplierId: supplierId.value,
      limit: 1
    })).items
    const product = existing === undefined
      ? yield* Operation.run(Catalog.operations.createSupplierProduct)({ catalogItemId: item.id, supplierId: supplierId.value, ...values })
      : yield* Operation.run(Catalog.operations.updateSupplierProduct)({ id: existing.id, ...values })
    yield* mirror.links.link(kinds.supplierProduct, product.id, change.sysId)
  })

/** The inbound poller of the SPO connector. */
export const inbound = (client: Client): Connector.Inbound<SpoConfig, SupplierProductChange> => ({
  pull: pull(client),
  apply: apply(client)
})
