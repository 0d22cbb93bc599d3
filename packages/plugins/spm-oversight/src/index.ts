/**
 * @procura/plugin-spm-oversight: project oversight of order fulfilment (seed 001).
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Config from "./Config.js"
/** @since 0.1.0 */
export * as Orders from "./Orders.js"
/** @since 0.1.0 */
export * as Projects from "./Projects.js"
/** @since 0.1.0 */
export * as Relationships from "./Relationships.js"
/** @since 0.1.0 */
export * as Notes from "./Notes.js"
/** @since 0.1.0 */
export * as Roles from "./Roles.js"
/** @since 0.1.0 */
export * as OversightEvents from "./OversightEvents.js"
/** @since 0.1.0 */
export * as OversightError from "./OversightError.js"
/** @since 0.1.0 */
export * as Oversight from "./Oversight.js"
/** @since 0.1.0 */
export * as SpmOversight from "./SpmOversight.js"

import { spmOversight as plugin } from "./SpmOversight.js"

/**
 * The spm-oversight plugin, for `Plugin.enable(spmOversight, config)`.
 *
 * @since 0.1.0
 * @category plugins
 */
export const spmOversight: typeof plugin = plugin
