/**
 * @procura/storage-memory: the reference storage adapter.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as MemoryStorage from "./MemoryStorage.js"
