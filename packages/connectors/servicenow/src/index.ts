/**
 * @procura/connector-servicenow: a ServiceNow REST client on Effect (Table, Batch and Import Set
 * APIs, OAuth, paging as streams, rate limits and retries) for Procura's ServiceNow adapters.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as ServiceNowClient from "./ServiceNowClient.js"
/** @since 0.1.0 */
export * as Auth from "./Auth.js"
/** @since 0.1.0 */
export * as Query from "./Query.js"
/** @since 0.1.0 */
export * as Fields from "./Fields.js"
/** @since 0.1.0 */
export * as Batch from "./Batch.js"
/** @since 0.1.0 */
export * as ImportSet from "./ImportSet.js"
/** @since 0.1.0 */
export * as ConnectorError from "./ConnectorError.js"
/** @since 0.2.0 */
export * as MirrorError from "./MirrorError.js"
/** @since 0.2.0 */
export * as Itam from "./Itam.js"
/** @since 0.2.0 */
export * as Spo from "./Spo.js"
/** @since 0.3.0 */
export * as Spm from "./Spm.js"
