import { HttpAuth, HttpTransport } from "@procura/connector-kit"
import { Effect } from "effect"
import { FetchHttpClient, HttpClient } from "effect/http"
import { http, HttpResponse } from "msw"
import { setupServer } from "msw/node"
import { afterAll, afterEach, assert, beforeAll, describe, it } from "vitest"

const base = "https://kit.example.test"
const server = setupServer()
beforeAll(() => server.listen({ onUnhandledFrame: "error" }))
afterEach(() => server.resetHandlers())
afterAll(() => server.close())

const options = (auth: HttpAuth.Auth): HttpTransport.ResolvedOptions => ({
  instanceUrl: new URL(base),
  auth,
  timeout: 5_000,
  retry: { maxRetries: 2, budget: 5_000, baseDelay: 5, maxDelay: 20, rateLimitBudget: 5_000, rateLimitMaxDelay: 50 },
  limits: { requests: undefined, window: 1_000, margin: 0, maxConcurrency: 4 }
})

const run = <A, E>(use: (transport: HttpTransport.Transport<HttpTransport.Failure>) => Effect.Effect<A, E>, auth: HttpAuth.Auth) =>
  Effect.runPromise(Effect.flatMap(HttpClient.HttpClient, (client) =>
    use(HttpTransport.make(client, options(auth), HttpTransport.plainSystem("Kit")))).pipe(Effect.provide(FetchHttpClient.layer)))

const get = (transport: HttpTransport.Transport<HttpTransport.Failure>, path: string) =>
  transport.send({ operation: "Kit.get", method: "GET", url: transport.url(path), idempotent: true })

describe("HttpTransport", () => {
  it("reads the common error envelopes", () => {
    assert.deepStrictEqual(HttpTransport.commonEnvelope({ error: { message: "No Record found", detail: "ACL" } }), { message: "No Record found", detail: "ACL" })
    assert.deepStrictEqual(HttpTransport.commonEnvelope({ error: "invalid_client", error_description: "bad secret" }), { message: "invalid_client", detail: "bad secret" })
    assert.deepStrictEqual(HttpTransport.commonEnvelope({ errors: { requisition: ["Currency can't be blank", "Lines are invalid"], base: ["Rate limit exceeded"] } }), {
      message: "requisition: Currency can't be blank; requisition: Lines are invalid; Rate limit exceeded"
    })
    assert.deepStrictEqual(HttpTransport.commonEnvelope("<html>"), {})
  })

  it("asks for client-credentials tokens form-encoded with space-separated scopes, caches them, and renews once on a 401", async () => {
    const tokens: Array<URLSearchParams> = []
    let valid = "t1"
    server.use(
      http.post(`${base}/oauth2/token`, async ({ request }) => {
        assert.strictEqual(request.headers.get("content-type"), "application/x-www-form-urlencoded")
        tokens.push(new URLSearchParams(await request.text()))
        return HttpResponse.json({ access_token: valid, token_type: "bearer", expires_in: 86399 })
      }),
      http.get(`${base}/api/things`, ({ request }) =>
        request.headers.get("authorization") === `Bearer ${valid}` && request.headers.get("accept") === "application/json"
          ? HttpResponse.json([{ id: 1 }])
          : HttpResponse.json({ errors: ["token expired"] }, { status: 401 }))
    )
    const auth = HttpAuth.oauthClientCredentials({ clientId: "kit", clientSecret: "s3cret", tokenPath: "/oauth2/token", scopes: ["core.requisition.read", "core.common.read"] })
    const bodies = await run((transport) =>
      Effect.gen(function*() {
        const first = yield* get(transport, "/api/things")
        yield* get(transport, "/api/things")
        valid = "t2" // the token is revoked: the next call gets a 401, renews once and succeeds
        const third = yield* get(transport, "/api/things")
        return [first.body, third.body]
      }), auth)
    assert.deepStrictEqual(bodies, [[{ id: 1 }], [{ id: 1 }]])
    assert.strictEqual(tokens.length, 2, "one token, then one renewal after the 401")
    assert.strictEqual(tokens[0]!.get("grant_type"), "client_credentials")
    assert.strictEqual(tokens[0]!.get("scope"), "core.requisition.read core.common.read")
    assert.strictEqual(tokens[0]!.get("client_secret"), "s3cret")
  })

  it("waits out a 429 for its Retry-After, and gives a failure with the system's message otherwise", async () => {
    let calls = 0
    server.use(
      http.get(`${base}/api/busy`, () =>
        ++calls === 1
          ? HttpResponse.json({ errors: { base: ["Rate limit exceeded"] } }, { status: 429, headers: { "retry-after": "0.05" } })
          : HttpResponse.json({ ok: true })),
      http.get(`${base}/api/missing`, () => HttpResponse.json({ errors: { invoice: ["not found"] } }, { status: 404 }))
    )
    const auth = HttpAuth.secret("k")
    const outcome = await run((transport) =>
      Effect.gen(function*() {
        const busy = yield* get(transport, "/api/busy")
        const missing = yield* Effect.flip(get(transport, "/api/missing"))
        return { busy: busy.body, missing }
      }), { type: "apiKey", key: auth, header: "x-kit-key" })
    assert.deepStrictEqual(outcome.busy, { ok: true })
    assert.strictEqual(calls, 2)
    assert.include(outcome.missing, { reason: "NotFound", retryable: false, status: 404, operation: "Kit.get" })
    assert.include(outcome.missing.message, "invoice: not found")
  })
})
