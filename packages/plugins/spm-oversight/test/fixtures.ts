/**
 * Test fixtures: the example configuration of docs/examples/spm-oversight.config.yaml, seed 001's
 * roles as principals, Procura with the plugin on a storage layer, and a typical order.
 */
import { type Errors, type Operation, type Plugin, Principal, type Procura, Storage } from "@procura/core"
import { Config, Oversight, type OversightError, OversightEvents, SpmOversight } from "@procura/plugin-spm-oversight"
import { EventContract, Fixtures } from "@procura/testkit"
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

/** The example configuration file's path. */
export const examplePath = fileURLToPath(new URL("../../../../docs/examples/spm-oversight.config.yaml", import.meta.url))

/** The plugin's configuration in the example file, as written. */
export const example = (): Config.ConfigInput =>
  (parse(readFileSync(examplePath, "utf8")) as { plugins: { "spm-oversight": Config.ConfigInput } }).plugins["spm-oversight"]

/** The example configuration with other property values. */
export const withProperties = (properties: { reuse?: boolean; autoClose?: boolean }): Config.ConfigInput => {
  const config = example() as Record<string, unknown> & { properties?: object }
  return { ...config, properties: { ...config.properties, ...properties } } as Config.ConfigInput
}

let counter = 0
/** A tenant no other test uses. */
export const freshTenant = (prefix = "oversight") => `${prefix}-${Date.now().toString(36)}-${process.pid}-${++counter}`

/** One principal per seed 001 role in a tenant. */
export const team = (tenantId: string) => ({
  admin: Fixtures.principal(tenantId, "ada.admin", "admin"),
  fulfilmentAgent: Fixtures.principal(tenantId, "fay.agent", "order_fulfilment_agent"),
  serviceAgent: Fixtures.principal(tenantId, "sol.agent", "service_order_agent"),
  fulfilmentManager: Fixtures.principal(tenantId, "max.manager", "order_fulfilment_manager"),
  serviceManager: Fixtures.principal(tenantId, "sam.manager", "service_order_manager"),
  projectUser: Fixtures.principal(tenantId, "pia.user", "it_project_user"),
  projectAdmin: Fixtures.principal(tenantId, "ian.admin", "it_project_admin"),
  projectManager: Fixtures.principal(tenantId, "pam.pm", "it_project_manager"),
  buyer: Fixtures.principal(tenantId, "pat.procurement", "procurement_manager")
})

/** A team. */
export type Team = ReturnType<typeof team>

/** What an oversight call can fail with. */
export type CallError = OversightError.OversightError | Errors.NotFound | Operation.RunError

/** Procura with the plugin, on a storage layer. */
export const procura = <E>(
  config: Config.ConfigInput,
  storage: Layer.Layer<Storage.Storage, E>
): Layer.Layer<Procura.Services | Oversight.Oversight | Storage.Storage, E | Storage.StorageError | Plugin.PluginError> =>
  // The events contract holds: oversight's operations append only the events they declare.
  SpmOversight.layer(config).pipe(Layer.provideMerge(EventContract.checked(storage, { events: OversightEvents.events })))

/** Runs a service call as a principal. */
export const as = <A, E, R>(who: Principal.Principal, effect: Effect.Effect<A, E, R>) => Principal.runAs(effect, who)

/** The oversight service. */
export const oversight = Oversight.Oversight

/** An SD-WAN line at a site. */
export const sdwan = (site: string, siteName: string, extra: Record<string, unknown> = {}) => ({
  productOffering: { id: "po-sdwan", name: "SD-WAN Premium", category: "SD-WAN" },
  site: { id: site, name: siteName },
  quantity: 1,
  characteristics: { bandwidth: "1 Gbps" },
  ...extra
})

/** A handset line: no oversight for it in the example configuration. */
export const handsets = (site: string, siteName: string) => ({
  productOffering: { id: "po-phone", name: "Desk phone", category: "Phones" },
  site: { id: site, name: siteName },
  quantity: 20
})

/** Creates an order (as a fulfilment manager) with the given lines. */
export const createOrder = (t: Team, lines: ReadonlyArray<unknown>, extra: Record<string, unknown> = {}) =>
  Effect.flatMap(oversight, (o) =>
    as(t.fulfilmentManager, o.createOrder({ number: "ORD0001001", account: { id: "acc-acme", name: "Acme Corp" }, lines: lines as never, ...extra })))

/** The tenant's events, typed (fails on an event that does not match its schema). */
export const eventsOf = (tenantId: string) =>
  Effect.gen(function*() {
    const storage = yield* Storage.Storage
    const stored = yield* storage.readEvents({ after: 0, limit: 100_000, tenantId })
    return yield* Effect.forEach(stored.filter((e) => e.type.startsWith("oversight.")), OversightEvents.decode)
  })
