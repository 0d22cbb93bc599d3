/**
 * @procura/plugin-itam-spo: seed 000's ITAM-SPO flow.
 *
 * @since 0.1.0
 */
import * as ItamSpo from "./ItamSpo.js"

/** @since 0.1.0 */
export { ItamSpo }

/**
 * The ITAM-SPO plugin, for `Plugin.enable(itamSpo, config)`.
 *
 * @since 0.1.0
 * @category plugins
 */
export const itamSpo: typeof ItamSpo.itamSpo = ItamSpo.itamSpo
