/**
 * @procura/connector-coupa: the Coupa Core API client.
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
