import { Auth, ServiceNowClient } from "@procura/connector-servicenow"
import { ServiceNowSimulator } from "@procura/testkit"
import { assert, describe, it } from "@effect/vitest"
import { ConfigProvider, Effect, Layer, Logger, Redacted, References, Stream } from "effect"
import { FetchHttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import { apiRequests, Client, fastRetry, instanceUrl, oauth, setup, Sim } from "./utils.js"

const tokenRequests = Effect.map(Sim, (sim) => sim.requests().filter((r) => r.api === "oauth"))

describe("Authentication", () => {
  it.live("OAuth password grant: a form-encoded token request, then Bearer on every call", () =>
    Effect.gen(function*() {
      const client = yield* Client
      yield* client.create("incident", { short_description: "a" })
      yield* client.create("incident", { short_description: "b" })
      const tokens = yield* tokenRequests
      assert.strictEqual(tokens.length, 1)
      assert.match(tokens[0]!.headers["content-type"]!, /application\/x-www-form-urlencoded/)
      assert.deepStrictEqual(tokens[0]!.body, {
        grant_type: "password",
        client_id: oauth.clientId,
        client_secret: oauth.clientSecret,
        username: "procura.integration",
        password: "user-password-91c2"
      })
      for (const request of yield* apiRequests) assert.match(request.headers["authorization"]!, /^Bearer [0-9a-f]{48}$/)
    }).pipe(Effect.provide(setup())))

  it.effect("refreshes the token with the refresh token a minute before it expires", () => {
    let simulatedNow = Date.UTC(2026, 0, 1)
    return Effect.gen(function*() {
      const client = yield* Client
      yield* TestClock.setTime(simulatedNow)
      yield* client.create("incident", { short_description: "first" })
      // 29 minutes later the 30-minute token still works, but is within a minute of expiring.
      simulatedNow += 29 * 60_000 + 1_000
      yield* TestClock.setTime(simulatedNow)
      yield* client.create("incident", { short_description: "second" })
      const tokens = yield* tokenRequests
      assert.deepStrictEqual(tokens.map((r) => (r.body as Record<string, string>)["grant_type"]), ["password", "refresh_token"])
      const api = yield* apiRequests
      assert.deepStrictEqual(api.map((r) => r.status), [201, 201], "no call was refused")
      assert.notStrictEqual(api[0]!.headers["authorization"], api[1]!.headers["authorization"])
    }).pipe(Effect.provide(setup({ now: () => simulatedNow })))
  })

  it.live("a 401 gets exactly one new token and one retry", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const [record] = sim.seed("incident", [{ number: "INC1" }])
      yield* client.get("incident", record!["sys_id"]!)
      sim.expireTokens()
      yield* client.get("incident", record!["sys_id"]!)
      assert.deepStrictEqual((yield* apiRequests).map((r) => r.status), [200, 401, 200])
      assert.deepStrictEqual(
        (yield* tokenRequests).map((r) => (r.body as Record<string, string>)["grant_type"]),
        ["password", "refresh_token"]
      )
      // A 401 that a new token does not cure is an error, not a loop.
      sim.inject({ type: "status", status: 401, times: Infinity, message: "User Not Authenticated" })
      const error = yield* Effect.flip(client.get("incident", record!["sys_id"]!))
      assert.strictEqual(error.reason, "Unauthorized")
      assert.isFalse(error.retryable)
      assert.deepStrictEqual((yield* apiRequests).map((r) => r.status), [200, 401, 200, 401, 401])
    }).pipe(Effect.provide(setup())))

  it.live("falls back to the password grant when the refresh token is refused", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      yield* client.create("incident", { short_description: "a" })
      sim.revokeRefreshTokens()
      sim.expireTokens()
      yield* client.create("incident", { short_description: "b" })
      assert.deepStrictEqual(
        (yield* tokenRequests).map((r) => `${(r.body as Record<string, string>)["grant_type"]}:${r.status}`),
        ["password:200", "refresh_token:401", "password:200"]
      )
      assert.strictEqual(sim.records("incident").length, 2)
    }).pipe(Effect.provide(setup())))

  it.live("client_credentials and refresh_token grants", () =>
    Effect.gen(function*() {
      const sim = yield* Sim
      const credentials = yield* ServiceNowClient.make({
        instanceUrl,
        auth: Auth.oauthClientCredentials({ clientId: oauth.clientId, clientSecret: oauth.clientSecret })
      })
      const created = yield* credentials.create("incident", { short_description: "machine" })
      assert.strictEqual(created["sys_created_by"], "oauth_application_user")

      // A refresh token obtained elsewhere (here: straight from the token endpoint).
      const response = yield* Effect.promise(() =>
        fetch(`${instanceUrl}/oauth_token.do`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "password",
            client_id: oauth.clientId,
            client_secret: oauth.clientSecret,
            username: "procura.integration",
            password: "user-password-91c2"
          })
        }).then((r) => r.json() as Promise<{ refresh_token: string }>)
      )
      const refreshing = yield* ServiceNowClient.make({
        instanceUrl,
        auth: Auth.oauthRefreshToken({ clientId: oauth.clientId, clientSecret: oauth.clientSecret, refreshToken: response.refresh_token })
      })
      const mine = yield* refreshing.create("incident", { short_description: "user" })
      assert.strictEqual(mine["sys_created_by"], "procura.integration")
      assert.deepStrictEqual(
        sim.requests().filter((r) => r.api === "oauth").map((r) => (r.body as Record<string, string>)["grant_type"]),
        ["client_credentials", "password", "refresh_token"]
      )
    }).pipe(
      Effect.provide(ServiceNowSimulator.layer({ instanceUrl, auth: { oauth: { ...oauth, clientCredentials: true } } })),
      Effect.provide(FetchHttpClient.layer),
      Effect.provide(Layer.succeed(References.MinimumLogLevel, "Info"))
    ))

  it.live("refused credentials fail Unauthorized without retrying", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const error = yield* Effect.flip(client.create("incident", { short_description: "a" }))
      assert.strictEqual(error.reason, "Unauthorized")
      assert.isFalse(error.retryable)
      assert.strictEqual(error.operation, "OAuth.token")
      assert.strictEqual((yield* tokenRequests).length, 1)
      assert.strictEqual((yield* apiRequests).length, 0)
    }).pipe(Effect.provide(setup({}, {
      auth: Auth.oauthPassword({ clientId: oauth.clientId, clientSecret: "wrong", username: "procura.integration", password: "x" })
    }))))

  it.live("basic authentication and API keys", () =>
    Effect.gen(function*() {
      const sim = yield* Sim
      const basic = yield* ServiceNowClient.make({ instanceUrl, auth: Auth.basic("integration", "basic-pass-55") })
      const byKey = yield* ServiceNowClient.make({ instanceUrl, auth: Auth.apiKey("key-8d41") })
      const wrong = yield* ServiceNowClient.make({ instanceUrl, auth: Auth.basic("integration", "nope"), retry: fastRetry })
      yield* basic.create("incident", { short_description: "basic" })
      yield* byKey.create("incident", { short_description: "key" })
      const error = yield* Effect.flip(wrong.create("incident", { short_description: "no" }))
      assert.strictEqual(error.reason, "Unauthorized")
      const [first, second, third] = sim.requests()
      assert.strictEqual(first!.headers["authorization"], `Basic ${Buffer.from("integration:basic-pass-55").toString("base64")}`)
      assert.strictEqual(second!.headers["x-sn-apikey"], "key-8d41")
      assert.isUndefined(second!.headers["authorization"])
      assert.strictEqual(third!.status, 401)
      assert.strictEqual(sim.requests().length, 3, "basic and API key 401s are not retried")
    }).pipe(
      Effect.provide(ServiceNowSimulator.layer({
        instanceUrl,
        auth: { basic: [{ username: "integration", password: "basic-pass-55" }], apiKeys: ["key-8d41"] }
      })),
      Effect.provide(FetchHttpClient.layer),
      Effect.provide(Layer.succeed(References.MinimumLogLevel, "Info"))
    ))

  it.live("secrets never reach logs, errors or the options' printed form", () => {
    const lines: Array<string> = []
    const capture = Logger.make((options) => {
      lines.push(`${String(options.message)} ${JSON.stringify(options.fiber.getRef(References.CurrentLogAnnotations))}`)
    })
    return Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const [record] = sim.seed("incident", [{ number: "INC1" }])
      yield* client.get("incident", record!["sys_id"]!)
      sim.expireTokens()
      sim.inject({ type: "status", status: 503, times: 2 }, { type: "rateLimit", headers: "none", after: 2 })
      yield* client.get("incident", record!["sys_id"]!)
      sim.inject({ type: "status", status: 401, times: Infinity })
      const error = yield* Effect.flip(client.get("incident", record!["sys_id"]!))
      const tokens = sim.requests().flatMap((r) => (r.headers["authorization"] ?? "").replace("Bearer ", "").split(" "))
      const refreshTokens = sim.requests().filter((r) => r.api === "oauth").map((r) => String((r.body as Record<string, string>)["refresh_token"] ?? ""))
      const secrets = [oauth.clientSecret, "user-password-91c2", ...tokens, ...refreshTokens].filter((s) => s.length > 8)
      assert.isAbove(lines.length, 2, "the retries were logged")
      const printed = [
        ...lines,
        String(error),
        JSON.stringify(error),
        error.message,
        String(Auth.oauthPassword({ clientId: "c", clientSecret: oauth.clientSecret, username: "u", password: "user-password-91c2" }).clientSecret),
        JSON.stringify(Auth.basic("u", "user-password-91c2"))
      ].join("\n")
      for (const secret of secrets) assert.notInclude(printed, secret)
    }).pipe(
      Effect.provide(setup()),
      Effect.provide(Logger.layer([capture])),
      Effect.provide(Layer.succeed(References.MinimumLogLevel, "Debug"))
    )
  })

  it.live("layerConfig reads the instance and the secrets from configuration, as Redacted", () =>
    Effect.gen(function*() {
      const env = {
        SERVICENOW_INSTANCE_URL: instanceUrl,
        SERVICENOW_AUTH: "oauth-password",
        SERVICENOW_CLIENT_ID: oauth.clientId,
        SERVICENOW_CLIENT_SECRET: oauth.clientSecret,
        SERVICENOW_USERNAME: "procura.integration",
        SERVICENOW_PASSWORD: "user-password-91c2",
        SERVICENOW_REQUESTS_PER_HOUR: "5000"
      }
      const provider = ConfigProvider.fromEnv({ env })
      const options = yield* ServiceNowClient.config().parse(provider)
      assert.strictEqual(options.auth.type, "oauth")
      if (options.auth.type === "oauth" && options.auth.grant.type === "password") {
        assert.isTrue(Redacted.isRedacted(options.auth.clientSecret))
        assert.isTrue(Redacted.isRedacted(options.auth.grant.password))
        assert.strictEqual(String(options.auth.grant.password), "<redacted>")
      }
      assert.deepStrictEqual(options.limits, { requestsPerWindow: 5000, window: "1 hour" })
      const created = yield* Effect.flatMap(Client, (client) => client.create("incident", { short_description: "from config" })).pipe(
        Effect.provide(ServiceNowClient.layerConfig().pipe(Layer.provide(Layer.succeed(ConfigProvider.ConfigProvider, provider))))
      )
      assert.strictEqual(created["sys_created_by"], "procura.integration")
      const missing = yield* Effect.flip(
        ServiceNowClient.config().parse(ConfigProvider.fromEnv({ env: { SERVICENOW_INSTANCE_URL: instanceUrl, SERVICENOW_AUTH: "basic" } }))
      )
      assert.include(String(missing), "SERVICENOW_USERNAME")
    }).pipe(Effect.provide(ServiceNowSimulator.layer({ instanceUrl, auth: { oauth } }))))

  it.live("a token expiring mid-stream still delivers every record exactly once", () =>
    Effect.gen(function*() {
      const client = yield* Client
      const sim = yield* Sim
      const seeded = sim.seed("alm_asset", Array.from({ length: 240 }, (_, i) => ({ asset_tag: `P${i}` })))
      sim.inject({ type: "expireTokens", after: 4 }, { type: "expireTokens", after: 9 })
      const records = yield* Stream.runCollect(client.list("alm_asset", { pageSize: 20, fields: ["sys_id", "asset_tag"] }))
      assert.strictEqual(records.length, 240)
      assert.deepStrictEqual(records.map((r) => r["sys_id"]).sort(), seeded.map((r) => r["sys_id"]).sort())
      const statuses = (yield* apiRequests).map((r) => r.status)
      assert.strictEqual(statuses.filter((s) => s === 401).length, 2)
      // 12 pages of 20, then the empty page that ends a keyset listing.
      assert.strictEqual(statuses.filter((s) => s === 200).length, 13)
    }).pipe(Effect.provide(setup())))
})
