// OpenID Connect access tokens, against a provider's keys served on a local port.
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { createProcura, type ProcuraClient } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { createApi } from "../src/api.js"
import { oidc } from "../src/oidc.js"

let procura: ProcuraClient
let provider: Server
let issuer: string
let sign: (claims: JWTPayload, options?: { audience?: string; expiresIn?: string; foreignKey?: boolean }) => Promise<string>

beforeAll(async () => {
  const key = await generateKeyPair("ES256")
  const foreign = await generateKeyPair("ES256")
  const jwks = JSON.stringify({ keys: [{ ...await exportJWK(key.publicKey), kid: "k1", alg: "ES256", use: "sig" }] })
  provider = createServer((request, response) => {
    if (request.url === "/.well-known/jwks.json") response.writeHead(200, { "content-type": "application/json" }).end(jwks)
    else response.writeHead(404).end()
  })
  await new Promise<void>((listening) => provider.listen(0, "127.0.0.1", listening))
  issuer = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`
  sign = (claims, options = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer(issuer)
      .setAudience(options.audience ?? "procura")
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? "5m")
      .sign(options.foreignKey ? foreign.privateKey : key.privateKey)
  procura = createProcura({ storage: SqlStorage.layerPglite() })
})

afterAll(async () => {
  await new Promise((closed) => provider.close(closed))
  await procura.dispose()
})

describe("oidc", () => {
  it("runs calls as the verified token's principal, and refuses every token it cannot trust", async () => {
    const app = createApi({ procura, authenticate: oidc({ issuer, audience: "procura" }), log: () => {} })
    const listVendors = async (token: string) =>
      app.request("/operations/catalog.listVendors", { method: "POST", headers: { authorization: `Bearer ${token}` }, body: "{}" })
    const buyer = { sub: "pat", tenant: "acme", roles: ["procurement_manager"] }

    const created = await app.request("/operations/catalog.createVendor", {
      method: "POST",
      headers: { authorization: `Bearer ${await sign(buyer)}` },
      body: JSON.stringify({ code: "OIDC", name: "Signed in" })
    })
    assert.strictEqual(created.status, 200)
    assert.strictEqual((await (await listVendors(await sign(buyer))).json() as { items: Array<unknown> }).items.length, 1)
    // The same user in another tenant, by the token's claim: nothing of acme's.
    const elsewhere = await listVendors(await sign({ ...buyer, tenant: "globex" }))
    assert.strictEqual((await elsewhere.json() as { items: Array<unknown> }).items.length, 0)

    for (
      const [why, token] of [
        ["expired", await sign(buyer, { expiresIn: "-1m" })],
        ["another audience", await sign(buyer, { audience: "someone-else" })],
        ["signed with another key", await sign(buyer, { foreignKey: true })],
        ["no tenant claim", await sign({ sub: "pat", roles: ["procurement_manager"] })],
        ["not a JWT", "dev-buyer"]
      ] as const
    ) {
      const refused = await listVendors(token)
      assert.strictEqual(refused.status, 401, why)
      assert.include(refused.headers.get("www-authenticate")!, `error="invalid_token"`, why)
    }
  })
})
