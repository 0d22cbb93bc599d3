// The README's simulator example, run as a test so it cannot drift from the code.
import { Auth, ServiceNowClient } from "@procura/connector-servicenow"
import { ServiceNowSimulator } from "@procura/testkit"
import { assert, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"

const instanceUrl = "https://acme.service-now.test"

const TestLayer = Layer.provideMerge(
  ServiceNowClient.layer({
    instanceUrl,
    auth: Auth.oauthPassword({ clientId: "id", clientSecret: "secret", username: "sync", password: "pw" }),
    retry: { baseDelay: 5, maxDelay: 50 } // fast retries in tests
  }),
  ServiceNowSimulator.layer({
    instanceUrl,
    auth: { oauth: { clientId: "id", clientSecret: "secret", users: { sync: "pw" } } },
    tables: { proc_po: { references: { vendor: "core_company" }, currencyFields: ["total_cost"] } },
    importSets: { u_procura_po: { target: "proc_po", coalesce: ["correlation_id"], insertMultiple: "synchronous" } }
  })
)

it.live("reads every purchase order through a 429 storm and an expired token", () =>
  Effect.gen(function*() {
    const sim = yield* ServiceNowSimulator.ServiceNowSimulator
    const client = yield* ServiceNowClient.ServiceNowClient
    sim.seed("proc_po", Array.from({ length: 500 }, (_, i) => ({ number: `PO${i}` })))
    sim.inject(
      { type: "rateLimit", headers: "none", every: 2, times: 5 },
      { type: "expireTokens", after: 6 },
      { type: "status", status: 503, after: 9 }
    )
    const orders = yield* Stream.runCollect(client.list("proc_po", { pageSize: 50 }))
    assert.strictEqual(new Set(orders.map((o) => o["sys_id"])).size, 500)
    assert.strictEqual(sim.requests().filter((r) => r.status === 429).length, 5)
  }).pipe(Effect.provide(TestLayer)))
