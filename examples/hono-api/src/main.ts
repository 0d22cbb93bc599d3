/**
 * Starts the API: `npm run example hono-api` from the repository root (PORT, PROCURA_DATA_DIR,
 * PROCURA_DATABASE_URL). Stops on SIGINT or SIGTERM: no new connections, requests in flight
 * finish, then Procura closes its storage.
 */
import { serve } from "@hono/node-server"
import { createProcura } from "@procura/core/promise"
import { createApi } from "./api.js"
import { developmentTokens, tokenTable } from "./auth.js"
import { oidc } from "./oidc.js"
import { storageFromEnv } from "./storage.js"

const { storage, description } = storageFromEnv()
const procura = createProcura({ storage })
await procura.ready()

// An OpenID Connect provider when OIDC_ISSUER names one; the development tokens otherwise.
const issuer = process.env["OIDC_ISSUER"]
const authenticate = issuer
  ? oidc({ issuer, audience: process.env["OIDC_AUDIENCE"] ?? "procura", ...(process.env["OIDC_JWKS_URL"] && { jwksUrl: process.env["OIDC_JWKS_URL"] }) })
  : tokenTable(developmentTokens)
const app = createApi({ procura, authenticate, info: { title: "Acme procurement", version: "1.0.0" } })
const port = Number(process.env["PORT"] ?? 3000)
const server = serve({ fetch: app.fetch, port, hostname: process.env["HOST"] ?? "127.0.0.1" }, (address) => {
  const base = `http://${address.address}:${address.port}`
  console.error(`Procura API on ${base}, storage: ${description}
  reference  ${base}/reference
  OpenAPI    ${base}/openapi.json
  ${issuer ? `tokens     access tokens of ${issuer}` : `tokens     ${Object.keys(developmentTokens).join(", ")} (development only)`}`)
})

const stop = () => {
  server.close(() => void procura.dispose().then(() => process.exit(0)))
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
