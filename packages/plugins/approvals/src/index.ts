/**
 * @procura/plugin-approvals: approval policies as decision tables.
 *
 * @since 0.1.0
 */
import * as Approvals from "./Approvals.js"

/** @since 0.1.0 */
export { Approvals }

/**
 * The approvals plugin, for `Plugin.enable(approvals, config)`.
 *
 * @since 0.1.0
 * @category plugins
 */
export const approvals: typeof Approvals.approvals = Approvals.approvals
