/**
 * @procura/connector-coupa: the Coupa Core API client and the spo-coupa and sam-coupa connectors.
 *
 * @since 0.1.0
 */

/**
 * The Coupa Core API client: OAuth, rate limits, listings and pulls that neither skip nor
 * repeat, typed filters, creates that never duplicate.
 *
 * @since 0.1.0
 */
export * as CoupaClient from "./CoupaClient.js"

/**
 * The connector's error family.
 *
 * @since 0.1.0
 */
export * as CoupaError from "./CoupaError.js"

/**
 * The spo-coupa connector: Procura pushes requisitions, purchase orders, receipts and invoices
 * to Coupa, and pulls supplier and order status changes back.
 *
 * @since 0.1.0
 */
export * as SpoCoupa from "./SpoCoupa.js"

/**
 * The sam-coupa connector: Procura pulls Coupa's purchase orders and receipts into orders,
 * assets and entitlements.
 *
 * @since 0.1.0
 */
export * as SamCoupa from "./SamCoupa.js"

/**
 * Moving from sam-coupa to spo-coupa, checked and repeatable.
 *
 * @since 0.1.0
 */
export * as Migration from "./Migration.js"

/**
 * Why the Coupa connectors could not carry a record across.
 *
 * @since 0.1.0
 */
export * as SyncError from "./SyncError.js"
