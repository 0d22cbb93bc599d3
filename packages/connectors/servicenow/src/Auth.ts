/**
 * How the client authenticates: OAuth 2.0 (password, refresh_token or client_credentials grant),
 * basic authentication, or an API key.
 *
 * Secrets are `Redacted` values from construction to the one place they are written into a
 * request, so they never appear in logs, errors or traces. With OAuth the client asks the
 * instance's `/oauth_token.do` for tokens with a form-encoded body (a JSON body is refused),
 * refreshes the access token shortly before it expires (60 s by default, as long-running jobs
 * need), and on a 401 gets a new token and retries the call exactly once.
 *
 * ```ts
 * import { Auth } from "@procura/connector-servicenow"
 * import { Redacted } from "effect"
 *
 * Auth.oauthPassword({
 *   clientId: "3f1c...",
 *   clientSecret: Redacted.make(process.env.SN_CLIENT_SECRET ?? ""),
 *   username: "procura.integration",
 *   password: Redacted.make(process.env.SN_PASSWORD ?? "")
 * })
 * Auth.basic("procura.integration", Redacted.make("..."))
 * Auth.apiKey(Redacted.make("..."))
 * ```
 *
 * @since 0.1.0
 */
import { HttpAuth } from "@procura/connector-kit"
import { Config, type Redacted } from "effect"

/**
 * Basic authentication (`Authorization: Basic ...`). Users with MFA cannot use it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Basic extends HttpAuth.Basic {}

/**
 * An API key sent in the `x-sn-apikey` header unless `header` names another (configured with an
 * API key auth profile).
 *
 * @since 0.1.0
 * @category models
 */
export interface ApiKey extends HttpAuth.ApiKey {}

/**
 * The grant the client starts from. `refresh_token` starts from a refresh token obtained
 * elsewhere; `client_credentials` needs Washington DC or later with the grant enabled.
 *
 * @since 0.1.0
 * @category models
 */
export type OAuthGrant = HttpAuth.OAuthGrant

/**
 * OAuth 2.0 against the instance's token endpoint (`/oauth_token.do` unless `tokenPath` names
 * another).
 *
 * @since 0.1.0
 * @category models
 */
export interface OAuth extends HttpAuth.OAuth {}

/**
 * How the client authenticates.
 *
 * @since 0.1.0
 * @category models
 */
export type Auth = Basic | ApiKey | OAuth

/**
 * Options shared by the OAuth constructors.
 *
 * @since 0.1.0
 * @category models
 */
export type OAuthClient = HttpAuth.OAuthClient

/**
 * Basic authentication.
 *
 * @since 0.1.0
 * @category constructors
 */
export const basic: (username: string, password: string | Redacted.Redacted<string>) => Basic = HttpAuth.basic

/**
 * API key authentication (header `x-sn-apikey` unless given).
 *
 * @since 0.1.0
 * @category constructors
 */
export const apiKey: (key: string | Redacted.Redacted<string>, header?: string) => ApiKey = HttpAuth.apiKey

/**
 * OAuth with the password grant: the first token comes with a refresh token, later tokens come
 * from the refresh token, and the password grant is used again if the refresh token is refused.
 *
 * @since 0.1.0
 * @category constructors
 */
export const oauthPassword: (options: HttpAuth.OAuthPasswordOptions) => OAuth = HttpAuth.oauthPassword

/**
 * OAuth from a refresh token obtained elsewhere.
 *
 * @since 0.1.0
 * @category constructors
 */
export const oauthRefreshToken: (options: HttpAuth.OAuthRefreshTokenOptions) => OAuth = HttpAuth.oauthRefreshToken

/**
 * OAuth with the client_credentials grant (the calls run as the OAuth application user).
 *
 * @since 0.1.0
 * @category constructors
 */
export const oauthClientCredentials: (options: OAuthClient) => OAuth = HttpAuth.oauthClientCredentials

/**
 * Reads the authentication from configuration, secrets as `Config.Redacted`. `<PREFIX>_AUTH`
 * chooses the kind (default prefix `SERVICENOW`):
 *
 * - `oauth-password`: `_CLIENT_ID`, `_CLIENT_SECRET`, `_USERNAME`, `_PASSWORD`
 * - `oauth-refresh-token`: `_CLIENT_ID`, `_CLIENT_SECRET`, `_REFRESH_TOKEN`
 * - `oauth-client-credentials`: `_CLIENT_ID`, `_CLIENT_SECRET`
 * - `basic`: `_USERNAME`, `_PASSWORD`
 * - `api-key`: `_API_KEY`
 *
 * @since 0.1.0
 * @category config
 */
export const config = (prefix = "SERVICENOW"): Config.Config<Auth> =>
  Config.Literals(
    ["oauth-password", "oauth-refresh-token", "oauth-client-credentials", "basic", "api-key"],
    `${prefix}_AUTH`
  ).pipe(
    Config.flatMap((kind): Config.Config<Auth> => {
      const name = (suffix: string) => `${prefix}_${suffix}`
      const oauthClient = Config.all({
        clientId: Config.String(name("CLIENT_ID")),
        clientSecret: Config.Redacted(name("CLIENT_SECRET"))
      })
      switch (kind) {
        case "oauth-password":
          return Config.all({
            client: oauthClient,
            username: Config.String(name("USERNAME")),
            password: Config.Redacted(name("PASSWORD"))
          }).pipe(Config.map(({ client, username, password }) => oauthPassword({ ...client, username, password })))
        case "oauth-refresh-token":
          return Config.all({ client: oauthClient, refreshToken: Config.Redacted(name("REFRESH_TOKEN")) }).pipe(
            Config.map(({ client, refreshToken }) => oauthRefreshToken({ ...client, refreshToken }))
          )
        case "oauth-client-credentials":
          return oauthClient.pipe(Config.map(oauthClientCredentials))
        case "basic":
          return Config.all({ username: Config.String(name("USERNAME")), password: Config.Redacted(name("PASSWORD")) }).pipe(
            Config.map(({ username, password }) => basic(username, password))
          )
        case "api-key":
          return Config.Redacted(name("API_KEY")).pipe(Config.map((key) => apiKey(key)))
      }
    })
  )
