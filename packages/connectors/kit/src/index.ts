/**
 * What Procura's connectors share.
 *
 * @since 0.1.0
 */

/**
 * How a connector authenticates: basic, API key, OAuth 2.0.
 *
 * @since 0.1.0
 */
export * as HttpAuth from "./HttpAuth.js"

/**
 * The resilient request path: rate limit, shared 429 cooldown, retries, OAuth token cache.
 *
 * @since 0.1.0
 */
export * as HttpTransport from "./HttpTransport.js"
