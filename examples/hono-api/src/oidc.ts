/**
 * Authentication by an OpenID Connect provider: the bearer token is an access token (a JWT) the
 * provider signed; its claims say who the caller is, in which tenant, with which roles.
 */
import type { Principal } from "@procura/core/promise"
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from "jose"
import type { Authenticate } from "./auth.js"

/** Options of {@link oidc}. */
export interface OidcOptions {
  /** The provider's issuer URL, as its tokens' `iss` claim says. */
  readonly issuer: string
  /** This API's audience, as the tokens' `aud` claim must say. */
  readonly audience: string
  /** Where the provider publishes its signing keys; `<issuer>/.well-known/jwks.json` by default. */
  readonly jwksUrl?: string
  /**
   * Maps verified claims to a principal; `undefined` refuses the token. By default: `sub` is the
   * user, `tenant` the tenant and `roles` the roles (providers name these differently: Auth0 and
   * Okta use namespaced custom claims, Entra ID has `tid` and `roles`).
   */
  readonly principalOf?: (claims: JWTPayload) => Principal | undefined
}

const defaultPrincipal = (claims: JWTPayload): Principal | undefined => {
  const roles = claims["roles"]
  const tenantId = claims["tenant"]
  if (typeof claims.sub !== "string" || typeof tenantId !== "string" || !Array.isArray(roles)) return undefined
  return { userId: claims.sub, tenantId, roles: roles.filter((role): role is string => typeof role === "string") }
}

/**
 * An `Authenticate` that verifies the token's signature (against the provider's published keys,
 * fetched and cached by `jose`), issuer, audience and expiry, then maps its claims. The tenant
 * comes from the verified token, never from anything else the caller sends: it is what keeps
 * tenants apart.
 */
export const oidc = (options: OidcOptions): Authenticate => {
  const keys = createRemoteJWKSet(new URL(options.jwksUrl ?? `${options.issuer.replace(/\/$/, "")}/.well-known/jwks.json`))
  const principalOf = options.principalOf ?? defaultPrincipal
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, { issuer: options.issuer, audience: options.audience })
      return principalOf(payload)
    } catch {
      return undefined // a bad signature, another issuer or audience, expired: 401
    }
  }
}
