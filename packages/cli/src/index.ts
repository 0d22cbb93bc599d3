/**
 * @procura/cli: the `procura` command line, usable as a library too.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Cli from "./Cli.js"
/** @since 0.1.0 */
export * as Demo from "./Demo.js"
/** @since 0.1.0 */
export * as DemoOversight from "./DemoOversight.js"
/** @since 0.2.0 */
export * as DemoServiceNow from "./DemoServiceNow.js"
/** @since 0.3.0 */
export * as DemoCoupa from "./DemoCoupa.js"
/** @since 0.4.0 */
export * as Host from "./Host.js"
