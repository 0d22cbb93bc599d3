/**
 * Procura assembled: every module's collections, operations and services in one place.
 *
 * {@link layer} is what an Effect host provides (on top of a storage adapter's layer);
 * {@link catalogue} is the operations catalogue the Promise facade, the CLI and host adapters
 * project from.
 *
 * @since 0.1.0
 */
import { Effect, Layer } from "effect"
import * as EventLog from "./EventLog.js"
import type * as Events from "./Events.js"
import * as Idempotency from "./Idempotency.js"
import * as Operation from "./Operation.js"
import * as Plugin from "./Plugin.js"
import * as Storage from "./Storage.js"
import * as Assets from "./assets/Assets.js"
import * as AssetsEvents from "./assets/AssetsEvents.js"
import * as FixedAssets from "./assets/FixedAssets.js"
import * as Catalog from "./catalog/Catalog.js"
import * as CatalogEvents from "./catalog/CatalogEvents.js"
import * as Invoicing from "./invoicing/Invoicing.js"
import * as InvoicingEvents from "./invoicing/InvoicingEvents.js"
import * as Licensing from "./licensing/Licensing.js"
import * as LicensingEvents from "./licensing/LicensingEvents.js"
import * as Purchasing from "./purchasing/Purchasing.js"
import * as PurchasingEvents from "./purchasing/PurchasingEvents.js"
import * as Receiving from "./receiving/Receiving.js"
import * as ReceivingEvents from "./receiving/ReceivingEvents.js"
import * as Returns from "./receiving/Returns.js"
import * as Requisition from "./requisition/Requisition.js"
import * as RequisitionEvents from "./requisition/RequisitionEvents.js"
import * as Shipping from "./shipping/Shipping.js"
import * as ShippingEvents from "./shipping/ShippingEvents.js"
import * as Stock from "./stock/Stock.js"
import * as StockEvents from "./stock/StockEvents.js"

/**
 * Every collection the core modules store records in.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections: ReadonlyArray<Storage.Collection<any>> = [
  ...Catalog.collections,
  ...Requisition.collections,
  ...Purchasing.collections,
  ...Receiving.collections,
  ...Returns.collections,
  ...Shipping.collections,
  ...Assets.collections,
  ...FixedAssets.collections,
  ...Licensing.collections,
  ...Invoicing.collections,
  ...Stock.collections
]

/**
 * The collections Procura keeps beside the modules' (the answers of commands run under an
 * idempotency key); prepared with them at start and by `procura migrate`.
 *
 * @since 0.3.0
 * @category collections
 */
export const platformCollections: ReadonlyArray<Storage.Collection<any>> = [Idempotency.records]

/**
 * The operations of every module, grouped by module, keyed by method name.
 *
 * @since 0.1.0
 * @category operations
 */
export const operations = {
  catalog: Catalog.operations,
  requisition: Requisition.operations,
  purchasing: Purchasing.operations,
  receiving: Receiving.operations,
  returns: Returns.operations,
  shipping: Shipping.operations,
  assets: Assets.operations,
  fixedAssets: FixedAssets.operations,
  licensing: Licensing.operations,
  invoicing: Invoicing.operations,
  stock: Stock.operations,
  events: EventLog.operations
} as const

/**
 * The grouped operations' type.
 *
 * @since 0.1.0
 * @category models
 */
export type Operations = typeof operations

/**
 * Every operation, by id (`purchasing.submitPurchaseOrder`, ...).
 *
 * @since 0.1.0
 * @category operations
 */
export const catalogue: ReadonlyMap<string, Operation.Any> = new Map(
  Object.values(operations).flatMap((group) => Object.values(group).map((operation) => [operation.id, operation as Operation.Any] as const))
)

/**
 * Every event the core modules append, module by module (docs/events.md lists them).
 *
 * @since 0.1.0
 * @category events
 */
export const events: ReadonlyArray<Events.Any> = [
  ...CatalogEvents.events,
  ...RequisitionEvents.events,
  ...PurchasingEvents.events,
  ...ShippingEvents.events,
  ...ReceivingEvents.events,
  ...AssetsEvents.events,
  ...LicensingEvents.events,
  ...InvoicingEvents.events,
  ...StockEvents.events
]

/**
 * The events with those the given plugins declare.
 *
 * @since 0.1.0
 * @category events
 */
export const eventsWith = (composition: Pick<Plugin.Composition, "events">): ReadonlyArray<Events.Any> => [...events, ...composition.events]

/**
 * The services of every module.
 *
 * @since 0.1.0
 * @category services
 */
export type Services = Catalog.Catalog | Requisition.Requisition | Purchasing.Purchasing | Receiving.Receiving | Returns.Returns | Shipping.Shipping | Assets.Assets | FixedAssets.FixedAssets | Licensing.Licensing | Stock.Stock | Invoicing.Invoicing

/** Every module service, each needing Storage. */
const services = Layer.mergeAll(
  Catalog.Catalog.layer,
  Requisition.Requisition.layer,
  Purchasing.Purchasing.layer,
  Receiving.Receiving.layer,
  Returns.Returns.layer,
  Shipping.Shipping.layer,
  Assets.Assets.layer,
  FixedAssets.FixedAssets.layer,
  Licensing.Licensing.layer,
  Invoicing.Invoicing.layer,
  Stock.Stock.layer
)

/**
 * Prepares storage for every collection (tables, indexes; idempotent), then provides every
 * module service.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<Services, Storage.StorageError, Storage.Storage> = services.pipe(
  Layer.provideMerge(prepare([...collections, ...platformCollections]))
)

function prepare(all: ReadonlyArray<Storage.Collection<any>>): Layer.Layer<never, Storage.StorageError, Storage.Storage> {
  return Layer.effectDiscard(Effect.flatMap(Storage.Storage, (storage) => storage.prepare(all)))
}

/**
 * Options of {@link layerWith}.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /** Plugins to enable, each with its configuration (`Plugin.enable(plugin, config)`). */
  readonly plugins?: ReadonlyArray<Plugin.Enabled>
}

/**
 * Like {@link layer}, with plugins: validates every plugin's configuration (failing at start
 * with a `PluginError` that names the problem), prepares the plugins' collections with the
 * core's, and provides what the plugins add (services, overridden policies) beside the module
 * services.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (
  options: Options
): Layer.Layer<Services, Storage.StorageError | Plugin.PluginError, Storage.Storage> =>
  Layer.unwrap(Effect.map(Plugin.compose(options.plugins ?? []), layerFromComposition))

/**
 * The module services with an already composed set of plugins (see `Plugin.compose`).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerFromComposition = (
  composition: Plugin.Composition
): Layer.Layer<Services, Storage.StorageError, Storage.Storage> =>
  services.pipe(
    Layer.provideMerge(prepare([...collections, ...platformCollections, ...composition.collections])),
    Layer.provideMerge(composition.layer as Layer.Layer<never, Storage.StorageError, Storage.Storage>)
  )

/**
 * The catalogue with the operations the given plugins add.
 *
 * @since 0.1.0
 * @category operations
 */
export const catalogueWith = (composition: Pick<Plugin.Composition, "operations">): ReadonlyMap<string, Operation.Any> =>
  new Map([
    ...catalogue,
    ...Object.values(composition.operations).flatMap((group) => Object.values(group).map((op) => [op.id, op] as const))
  ])
