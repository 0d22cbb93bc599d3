/**
 * @procura/storage-sql: the SQL storage adapter, on PostgreSQL or embedded PGlite.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as SqlStorage from "./SqlStorage.js"
/** @since 0.1.0 */
export * as PgliteClient from "./PgliteClient.js"
/** @since 0.2.0 */
export * as PostgresTesting from "./PostgresTesting.js"
