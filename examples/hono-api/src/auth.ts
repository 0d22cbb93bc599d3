/**
 * Who is calling: bearer tokens mapped to Procura principals.
 *
 * Procura never authenticates anyone; the host does and passes a `Principal` (user, tenant,
 * roles) to every call. Here a small token table stands in for the host's identity provider. In a
 * real deployment, `Authenticate` verifies a token the provider issued (an OIDC access token, a
 * session cookie) and maps its claims to a principal: see the README's "A real identity provider".
 */
import type { Principal } from "@procura/core/promise"

/**
 * Maps a bearer token to the principal it stands for; `undefined` when the token is unknown,
 * expired or revoked. May be async (a JWKS lookup, a session store).
 */
export type Authenticate = (token: string) => Principal | undefined | Promise<Principal | undefined>

/**
 * An `Authenticate` over a fixed table of opaque tokens, for development and tests.
 *
 * @example
 * ```ts
 * const authenticate = tokenTable({ "dev-buyer": { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] } })
 * ```
 */
export const tokenTable = (tokens: Readonly<Record<string, Principal>>): Authenticate => {
  const table = new Map(Object.entries(tokens))
  return (token) => table.get(token)
}

/**
 * The development token table `pnpm start` serves with: one user per role of the procure-to-asset
 * flow, all in tenant `acme`, plus one user of another tenant. Never deploy these.
 */
export const developmentTokens: Readonly<Record<string, Principal>> = {
  "dev-requester": { userId: "rae", tenantId: "acme", roles: ["requester"] },
  "dev-buyer": { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] },
  "dev-storekeeper": { userId: "sam", tenantId: "acme", roles: ["storage_manager"] },
  "dev-asset-manager": { userId: "ali", tenantId: "acme", roles: ["asset_manager"] },
  "dev-other-tenant": { userId: "oli", tenantId: "globex", roles: ["procurement_manager", "storage_manager", "asset_manager"] }
}
