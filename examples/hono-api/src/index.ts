/**
 * The hono-api example's building blocks, for hosts that extend it (the receiving-web example
 * serves its page beside this API).
 */
export { type AccessLogLine, type ApiEnv, type ApiOptions, createApi, type ProblemBody } from "./api.js"
export { type Authenticate, developmentTokens, tokenTable } from "./auth.js"
export { oidc, type OidcOptions } from "./oidc.js"
export { storageFromEnv } from "./storage.js"
