import { Auth, ServiceNowClient } from "@procura/connector-servicenow"
import { ServiceNowSimulator } from "@procura/testkit"
import { Effect, Layer } from "effect"

export const instanceUrl = "https://acme.service-now.test"

export const oauth = {
  clientId: "procura-client",
  clientSecret: "client-secret-7f3a",
  users: { "procura.integration": "user-password-91c2" }
}

export const oauthPassword = Auth.oauthPassword({
  clientId: oauth.clientId,
  clientSecret: oauth.clientSecret,
  username: "procura.integration",
  password: "user-password-91c2"
})

/** Fast retries for tests: real timers, millisecond delays. */
export const fastRetry = { baseDelay: 5, maxDelay: 40, budget: 5_000 } as const

/** A simulator (listening for the test's scope) and a client on it. */
export const setup = (
  simulator: ServiceNowSimulator.Options = {},
  client: Partial<ServiceNowClient.ClientOptions> = {}
) =>
  Layer.provideMerge(
    ServiceNowClient.layer({
      instanceUrl,
      auth: oauthPassword,
      retry: fastRetry,
      ...client
    }),
    ServiceNowSimulator.layer({ instanceUrl, auth: { oauth }, ...simulator })
  )

export const Sim = ServiceNowSimulator.ServiceNowSimulator
export const Client = ServiceNowClient.ServiceNowClient

/** The table API requests the simulator saw (not the token requests). */
export const apiRequests = Effect.map(Sim, (sim) => sim.requests().filter((r) => r.api !== "oauth"))
