/**
 * Everything the nodes use from Procura, in one module: the build bundles it (with Procura and
 * its dependencies) into one CommonJS file that both nodes require, so the package ships Procura
 * once. Private to the package.
 */
export { byIdResource, catalogue, eventTypes, resourceProperties } from "./catalogue.js"
export { type Connection, connectionOf, storeOf, tenantOf } from "./connection.js"
export { closeAll, withHost } from "./hosts.js"
export { describeError, failureOf, inputOf, itemsOf, messageOf } from "./run.js"
export { testCredential } from "./credentialTest.js"
