/**
 * @procura/core: the procure-to-asset domain on Effect.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Errors from "./Errors.js"
/** @since 0.1.0 */
export * as Ids from "./Ids.js"
/** @since 0.1.0 */
export * as Principal from "./Principal.js"
/** @since 0.1.0 */
export * as Storage from "./Storage.js"
