/**
 * @procura/testkit: conformance suites and fixtures for Procura adapters and hosts.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as StorageConformance from "./StorageConformance.js"
/** @since 0.1.0 */
export * as FlowScenarios from "./FlowScenarios.js"
/** @since 0.1.0 */
export * as Fixtures from "./Fixtures.js"
/** @since 0.1.0 */
export * as Growth from "./Growth.js"
/** @since 0.1.0 */
export * as ServiceNowSimulator from "./ServiceNowSimulator.js"
/** @since 0.2.0 */
export * as ServiceNowTables from "./ServiceNowTables.js"
/** @since 0.2.0 */
export * as ServiceNowLoopback from "./ServiceNowLoopback.js"
/** @since 0.2.0 */
export * as CoupaSimulator from "./CoupaSimulator.js"
/** @since 0.1.0 */
export * as DeliveryScenarios from "./DeliveryScenarios.js"
/** @since 0.1.0 */
export * as StockScenarios from "./StockScenarios.js"
/** @since 0.1.0 */
export * as InvoicingScenarios from "./InvoicingScenarios.js"
/** @since 0.1.0 */
export * as LicensingScenarios from "./LicensingScenarios.js"
/** @since 0.1.0 */
export * as AssetLifecycleScenarios from "./AssetLifecycleScenarios.js"
/** @since 0.1.0 */
export * as CatalogImportScenarios from "./CatalogImportScenarios.js"
/** @since 0.1.0 */
export * as RevisionScenarios from "./RevisionScenarios.js"
/** @since 0.1.0 */
export * as ReceivingScenarios from "./ReceivingScenarios.js"
/** @since 0.1.0 */
export * as ReadScenarios from "./ReadScenarios.js"
/** @since 0.1.0 */
export * as ErrorFamilies from "./ErrorFamilies.js"
/** @since 0.1.0 */
export * as BadInputProperty from "./BadInputProperty.js"
/** @since 0.1.0 */
export * as EventContract from "./EventContract.js"
/** @since 0.3.0 */
export * as TcpProxy from "./TcpProxy.js"
