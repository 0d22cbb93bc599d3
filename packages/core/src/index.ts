/**
 * @procura/core: the procure-to-asset domain on Effect.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Errors from "./Errors.js"
/** @since 0.3.0 */
export * as Idempotency from "./Idempotency.js"
/** @since 0.1.0 */
export * as Ids from "./Ids.js"
/** @since 0.1.0 */
export * as Principal from "./Principal.js"
/** @since 0.1.0 */
export * as Storage from "./Storage.js"
/** @since 0.1.0 */
export * as Access from "./Access.js"
/** @since 0.1.0 */
export * as Events from "./Events.js"
/** @since 0.4.0 */
export * as EventLog from "./EventLog.js"
/** @since 0.1.0 */
export * as Money from "./Money.js"
/** @since 0.1.0 */
export * as Text from "./Text.js"
/** @since 0.1.0 */
export * as Operation from "./Operation.js"
/** @since 0.1.0 */
export * as Paging from "./Paging.js"
/** @since 0.1.0 */
export * as Catalog from "./catalog/Catalog.js"
/** @since 0.1.0 */
export * as Assets from "./assets/Assets.js"
/** @since 0.1.0 */
export * as FixedAssets from "./assets/FixedAssets.js"
/** @since 0.1.0 */
export * as Licensing from "./licensing/Licensing.js"
/** @since 0.1.0 */
export * as Invoicing from "./invoicing/Invoicing.js"
/** @since 0.1.0 */
export * as Requisition from "./requisition/Requisition.js"
/** @since 0.1.0 */
export * as ApprovalPolicy from "./requisition/ApprovalPolicy.js"
/** @since 0.1.0 */
export * as Purchasing from "./purchasing/Purchasing.js"
/** @since 0.1.0 */
export * as Receiving from "./receiving/Receiving.js"
/** @since 0.1.0 */
export * as Returns from "./receiving/Returns.js"
/** @since 0.1.0 */
export * as Shipping from "./shipping/Shipping.js"
/** @since 0.1.0 */
export * as Stock from "./stock/Stock.js"
/** @since 0.1.0 */
export * as Tolerances from "./purchasing/Tolerances.js"
/** @since 0.1.0 */
export * as CatalogEvents from "./catalog/CatalogEvents.js"
/** @since 0.1.0 */
export * as RequisitionEvents from "./requisition/RequisitionEvents.js"
/** @since 0.1.0 */
export * as PurchasingEvents from "./purchasing/PurchasingEvents.js"
/** @since 0.1.0 */
export * as ShippingEvents from "./shipping/ShippingEvents.js"
/** @since 0.1.0 */
export * as ReceivingEvents from "./receiving/ReceivingEvents.js"
/** @since 0.1.0 */
export * as AssetsEvents from "./assets/AssetsEvents.js"
/** @since 0.1.0 */
export * as LicensingEvents from "./licensing/LicensingEvents.js"
/** @since 0.1.0 */
export * as InvoicingEvents from "./invoicing/InvoicingEvents.js"
/** @since 0.1.0 */
export * as StockEvents from "./stock/StockEvents.js"
/** @since 0.1.0 */
export * as Procura from "./Procura.js"
/** @since 0.1.0 */
export * as Plugin from "./Plugin.js"
/** @since 0.1.0 */
export * as Delivery from "./Delivery.js"
/** @since 0.1.0 */
export * as Connector from "./Connector.js"
/** @since 0.2.0 */
export * as Guards from "./Guards.js"
/** @since 0.1.0 */
export * as DecisionTable from "./rules/DecisionTable.js"
/** @since 0.1.0 */
export * as TableConfig from "./rules/TableConfig.js"
/** @since 0.1.0 */
export * as Problem from "./Problem.js"
/** @since 0.1.0 */
export * as OpenApi from "./OpenApi.js"

/**
 * The errors running any operation can fail with besides its own (`Operation.RunError`), also
 * at the top level so that a host's inferred types including it can be named in declarations.
 *
 * @since 0.1.0
 */
export type { RunError } from "./Operation.js"
