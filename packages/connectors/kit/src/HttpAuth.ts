/**
 * How a connector authenticates: HTTP basic, an API key header, or OAuth 2.0 (client
 * credentials, password, refresh token), with secrets kept `Redacted`.
 *
 * @since 0.1.0
 */
import { type Duration, Redacted } from "effect"

/**
 * HTTP basic authentication.
 *
 * @since 0.1.0
 * @category models
 */
export interface Basic {
  readonly type: "basic"
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

/**
 * An API key sent in a header (the system's default header unless `header` names one).
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiKey {
  readonly type: "apiKey"
  readonly key: Redacted.Redacted<string>
  readonly header?: string
}

/**
 * An OAuth 2.0 grant.
 *
 * @since 0.1.0
 * @category models
 */
export type OAuthGrant =
  | { readonly type: "password"; readonly username: string; readonly password: Redacted.Redacted<string> }
  | { readonly type: "refresh_token"; readonly refreshToken: Redacted.Redacted<string> }
  | { readonly type: "client_credentials" }

/**
 * OAuth 2.0: tokens from the token endpoint (form-encoded), cached and renewed before they
 * expire, renewed once more on a 401.
 *
 * @since 0.1.0
 * @category models
 */
export interface OAuth {
  readonly type: "oauth"
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly grant: OAuthGrant
  /** The token endpoint's path on the instance; the system's default when omitted. */
  readonly tokenPath?: string
  /** The scopes to ask for, sent space-separated. */
  readonly scopes?: ReadonlyArray<string>
  /** Renew this long before the token expires (at most half its lifetime); default 60 seconds. */
  readonly refreshBefore?: Duration.Input
}

/**
 * Any of the ways to authenticate.
 *
 * @since 0.1.0
 * @category models
 */
export type Auth = Basic | ApiKey | OAuth

/**
 * A secret as given, kept `Redacted`.
 *
 * @since 0.1.0
 * @category helpers
 */
export const secret = (value: string | Redacted.Redacted<string>): Redacted.Redacted<string> =>
  typeof value === "string" ? Redacted.make(value) : value

/**
 * HTTP basic authentication.
 *
 * @since 0.1.0
 * @category constructors
 */
export const basic = (username: string, password: string | Redacted.Redacted<string>): Basic => ({
  type: "basic",
  username,
  password: secret(password)
})

/**
 * An API key, in `header` or the system's default header.
 *
 * @since 0.1.0
 * @category constructors
 */
export const apiKey = (key: string | Redacted.Redacted<string>, header?: string): ApiKey => ({
  type: "apiKey",
  key: secret(key),
  ...(header === undefined ? {} : { header })
})

/**
 * The OAuth client every grant's constructor takes.
 *
 * @since 0.1.0
 * @category models
 */
export interface OAuthClient {
  readonly clientId: string
  readonly clientSecret: string | Redacted.Redacted<string>
  /** The token endpoint's path on the instance; the system's default when omitted. */
  readonly tokenPath?: string
  /** The scopes to ask for, sent space-separated. */
  readonly scopes?: ReadonlyArray<string>
  /** Renew this long before the token expires (at most half its lifetime); default 60 seconds. */
  readonly refreshBefore?: Duration.Input
}

/**
 * The password grant's options: the client, and the user the calls run as.
 *
 * @since 0.1.0
 * @category models
 */
export interface OAuthPasswordOptions extends OAuthClient {
  readonly username: string
  readonly password: string | Redacted.Redacted<string>
}

/**
 * The refresh-token grant's options: the client, and a refresh token obtained elsewhere.
 *
 * @since 0.1.0
 * @category models
 */
export interface OAuthRefreshTokenOptions extends OAuthClient {
  readonly refreshToken: string | Redacted.Redacted<string>
}

const client = (options: OAuthClient) => ({
  type: "oauth" as const,
  clientId: options.clientId,
  clientSecret: secret(options.clientSecret),
  ...(options.tokenPath === undefined ? {} : { tokenPath: options.tokenPath }),
  ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
  ...(options.refreshBefore === undefined ? {} : { refreshBefore: options.refreshBefore })
})

/**
 * OAuth 2.0 with the password grant: the first token comes with a refresh token, later tokens
 * from the refresh token, and the password grant again if the refresh token is refused.
 *
 * @since 0.1.0
 * @category constructors
 */
export const oauthPassword = (options: OAuthPasswordOptions): OAuth => ({
  ...client(options),
  grant: { type: "password", username: options.username, password: secret(options.password) }
})

/**
 * OAuth 2.0 from a refresh token obtained elsewhere.
 *
 * @since 0.1.0
 * @category constructors
 */
export const oauthRefreshToken = (options: OAuthRefreshTokenOptions): OAuth => ({
  ...client(options),
  grant: { type: "refresh_token", refreshToken: secret(options.refreshToken) }
})

/**
 * OAuth 2.0 client credentials (system to system: the calls run as the OAuth application).
 *
 * @since 0.1.0
 * @category constructors
 */
export const oauthClientCredentials = (options: OAuthClient): OAuth => ({
  ...client(options),
  grant: { type: "client_credentials" }
})
