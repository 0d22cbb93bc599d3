/**
 * Who is calling. Procura never authenticates anyone: the host does, and hands Procura a
 * principal (`{ userId, tenantId, roles }`) with every call.
 *
 * This token table stands in for your identity provider. In a real host, verify the session
 * cookie or the bearer JWT here (signature, expiry, audience, e.g. with `jose` against your
 * provider's JWKS) and build the principal from its claims: the user id, the tenant (an
 * organisation claim) and the roles (groups mapped to Procura's roles, see docs/permissions.md).
 */
import type { Principal } from "@procura/core/promise"

/** The demo callers, by bearer token: one requester, one buyer, one storekeeper, all of tenant `acme`. */
export const people: ReadonlyMap<string, Principal> = new Map<string, Principal>([
  ["rae-token", { userId: "rae", tenantId: "acme", roles: ["requester"] }],
  ["pat-token", { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] }],
  ["sam-token", { userId: "sam", tenantId: "acme", roles: ["storage_manager"] }]
])

/**
 * The principal an `Authorization: Bearer <token>` header names, or `undefined` when the header
 * is missing or the token unknown.
 */
export const principalOf = (authorization: string | undefined): Principal | undefined => {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1]
  return token === undefined ? undefined : people.get(token)
}
