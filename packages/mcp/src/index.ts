/**
 * @procura/mcp: Procura's operations catalogue as Model Context Protocol tools, over stdio or
 * streamable HTTP, and the `procura-mcp` command.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Mcp from "./Mcp.js"
/** @since 0.1.0 */
export * as Command from "./Command.js"
