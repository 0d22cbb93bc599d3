/**
 * Connectors: Procura's records mirrored to and from an external system (ServiceNow ITAM and SPO,
 * Coupa, ...).
 *
 * A connector is a value, like a plugin, and is enabled as one (`Connector.enable(connector,
 * config)` among the plugins): an id, a zod schema for its configuration (strict), the typed
 * events it subscribes to (`Events.define` definitions of the modules' `<X>Events.ts`), an
 * outbound handler, an inbound poller, and the responsibilities it claims.
 *
 * - Outbound: the handler runs under event delivery (`Delivery.drain` / `Delivery.worker`: leases,
 *   retries, dead letters, order per aggregate) as the subscriber `<connector id>/outbound`, once
 *   per event at least; it pushes idempotently, by an external key (a correlation id) and the
 *   connector's mapping records (`links.externalIdOf`, `links.link`), so a retried push updates and
 *   never duplicates.
 * - Inbound: {@link poll} (the worker on a schedule, or `procura.pollConnectors()` on demand) pulls
 *   the changes since the connector's stored watermark, applies them through normal operations as
 *   the principal the connector is configured with (`principal`: permissions, history and events
 *   apply), and only then advances the watermark. Applying a change must be idempotent: after a
 *   failure the same changes are pulled again.
 * - Responsibilities: two enabled connectors (or a connector and a plugin) claiming one
 *   exclusive responsibility are refused at start (`createProcura`, `Plugin.compose`,
 *   `procura config validate`) with a `PluginError` (`ResponsibilityConflict`) naming both, the
 *   responsibility and the fix: disable one, or configure one to drop the responsibility
 *   (`drop: ["requisition.create-on-ordered"]`).
 *
 * Every connector's configuration takes, beside its own keys, `principal` (who inbound changes
 * are applied as; required when the connector has an inbound poller) and `drop` (responsibilities
 * it must not hold).
 *
 * @since 0.1.0
 */
import { Cause, Clock, Data, Duration, Effect, Option, Random, Stream } from "effect"
import { z } from "zod"
import { failureText } from "./Delivery.js"
import * as Events from "./Events.js"
import * as Ids from "./Ids.js"
import {
  type ConnectorLink,
  connectorLinks,
  type ConnectorWatermark,
  connectorWatermarks
} from "./internal/connector/records.js"
import * as Plugin from "./Plugin.js"
import { type CurrentPrincipal, Principal, runAs } from "./Principal.js"
import type * as Problem from "./Problem.js"
import type * as Procura from "./Procura.js"
import * as Storage from "./Storage.js"

export {
  /**
   * A mapping record: the Procura record `procuraId` of kind `kind` is `externalId` in the
   * connector's system (per tenant).
   *
   * @since 0.1.0
   * @category models
   */
  ConnectorLink,
  /**
   * How far a connector has pulled from its system, per tenant.
   *
   * @since 0.1.0
   * @category models
   */
  ConnectorWatermark
} from "./internal/connector/records.js"

/**
 * The collections every connector keeps in Procura storage (mapping records and watermarks);
 * prepared at start when a connector is enabled.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections: ReadonlyArray<Storage.Collection<any>> = [connectorLinks, connectorWatermarks]

/**
 * A mapping record was refused: the Procura id or the external id is already linked to another
 * id of that kind for the connector (a mapping is one to one). Not retryable. (Failures of the
 * external system are the connector's own errors, declared in its `errors`.)
 *
 * @since 0.1.0
 * @category errors
 */
export class MappingConflict extends Data.TaggedError("MappingConflict")<{
  readonly connector: string
  readonly kind: string
  readonly procuraId: string
  readonly externalId: string
  /** The mapping already recorded. */
  readonly existing: { readonly procuraId: string; readonly externalId: string }
  readonly message: string
}> {}

/**
 * A connector's mapping records, for the tenant of the current principal.
 *
 * @since 0.1.0
 * @category models
 */
export interface Links {
  /**
   * Records that `procuraId` (of `kind`: `"purchase_order"`, `"asset"`, ...) is `externalId`.
   * Linking the same pair again does nothing; linking either side to another id fails with
   * {@link MappingConflict}: a mapping is one to one.
   */
  readonly link: (
    kind: string,
    procuraId: string,
    externalId: string
  ) => Effect.Effect<ConnectorLink, MappingConflict | Storage.StorageError, Storage.Storage | CurrentPrincipal>
  /**
   * {@link Links.link} for many pairs of one kind, `[procuraId, externalId]`, in three statements
   * per 1,000 pairs (two reads and one insert) rather than three per pair. Pairs already linked
   * are left as they are. When any pair conflicts, with a link stored or with another pair given,
   * it fails with the first {@link MappingConflict} and links none of them. Gives the links in the
   * order of the pairs.
   */
  readonly linkAll: (
    kind: string,
    pairs: ReadonlyArray<readonly [procuraId: string, externalId: string]>
  ) => Effect.Effect<ReadonlyArray<ConnectorLink>, MappingConflict | Storage.StorageError, Storage.Storage | CurrentPrincipal>
  /** The external id linked to a Procura id, if any. */
  readonly externalIdOf: (
    kind: string,
    procuraId: string
  ) => Effect.Effect<Option.Option<string>, Storage.StorageError, Storage.Storage | CurrentPrincipal>
  /**
   * The external ids linked to Procura ids of one kind, in one read per 1,000 ids: the ids with
   * no link are absent from the map.
   */
  readonly externalIdsOf: (
    kind: string,
    procuraIds: ReadonlyArray<string>
  ) => Effect.Effect<ReadonlyMap<string, string>, Storage.StorageError, Storage.Storage | CurrentPrincipal>
  /** The Procura id linked to an external id, if any. */
  readonly procuraIdOf: (
    kind: string,
    externalId: string
  ) => Effect.Effect<Option.Option<string>, Storage.StorageError, Storage.Storage | CurrentPrincipal>
  /** Every mapping record of one kind (read page by page), e.g. to carry them to another connector. */
  readonly list: (kind: string) => Effect.Effect<ReadonlyArray<ConnectorLink>, Storage.StorageError, Storage.Storage | CurrentPrincipal>
}

const findLink = (connector: string, where: { readonly kind: string; readonly procuraId?: string; readonly externalId?: string }) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.map(storage.find(connectorLinks, { where: { connector, ...where }, limit: 1 }), (page) => Option.fromNullishOr(page.items[0])))

/**
 * The mapping records of a connector (see {@link Links}).
 *
 * @since 0.1.0
 * @category constructors
 */
export const links = (connector: string): Links => {
  const conflict = (kind: string, procuraId: string, externalId: string, existing: Pick<ConnectorLink, "kind" | "procuraId" | "externalId">) =>
    new MappingConflict({
      connector,
      kind,
      procuraId,
      externalId,
      existing: { procuraId: existing.procuraId, externalId: existing.externalId },
      message: `Connector ${connector} cannot link ${kind} ${procuraId} to ${externalId}: ` +
        `${existing.kind} ${existing.procuraId} is already linked to ${existing.externalId}`
    })
  const link = Effect.fn("Connector.link")(function*(kind: string, procuraId: string, externalId: string) {
    const storage = yield* Storage.Storage
    for (const where of [{ kind, procuraId }, { kind, externalId }]) {
      const existing = yield* findLink(connector, where)
      if (Option.isSome(existing)) {
        if (existing.value.procuraId === procuraId && existing.value.externalId === externalId) return existing.value
        return yield* conflict(kind, procuraId, externalId, existing.value)
      }
    }
    const linkedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    return yield* storage.insertOne(connectorLinks, { id: yield* Ids.next, connector, kind, procuraId, externalId, linkedAt }).pipe(
      // A concurrent link of the same pair is no conflict; of another pair, it is.
      Effect.catchIf(
        (error) => Storage.isUniqueViolation(error),
        (error) =>
          Effect.gen(function*() {
            const existing = yield* findLink(connector, { kind, procuraId })
            if (Option.isNone(existing)) return yield* error
            if (existing.value.externalId !== externalId) return yield* conflict(kind, procuraId, externalId, existing.value)
            return existing.value
          })
      )
    )
  })
  const linkAll = Effect.fn("Connector.linkAll")(function*(kind: string, pairs: ReadonlyArray<readonly [procuraId: string, externalId: string]>) {
    const storage = yield* Storage.Storage
    // The pairs given, one link each: a pair given twice is one link; two pairs sharing a side conflict.
    const byProcura = new Map<string, string>()
    const byExternal = new Map<string, string>()
    const given: Array<readonly [string, string]> = []
    for (const [procuraId, externalId] of pairs) {
      const otherExternal = byProcura.get(procuraId)
      const otherProcura = byExternal.get(externalId)
      if (otherExternal === externalId) continue
      if (otherExternal !== undefined) return yield* conflict(kind, procuraId, externalId, { kind, procuraId, externalId: otherExternal })
      if (otherProcura !== undefined) return yield* conflict(kind, procuraId, externalId, { kind, procuraId: otherProcura, externalId })
      byProcura.set(procuraId, externalId)
      byExternal.set(externalId, procuraId)
      given.push([procuraId, externalId])
    }
    const linked = new Map<string, ConnectorLink>()
    const fresh: Array<readonly [string, string]> = []
    for (let i = 0; i < given.length; i += 1000) {
      const chunk = given.slice(i, i + 1000)
      const stored = [
        ...(yield* storage.find(connectorLinks, { where: { connector, kind, procuraId: { in: chunk.map(([p]) => p) } }, limit: chunk.length })).items,
        ...(yield* storage.find(connectorLinks, { where: { connector, kind, externalId: { in: chunk.map(([, e]) => e) } }, limit: chunk.length })).items
      ]
      const storedByProcura = new Map(stored.map((l) => [l.procuraId, l]))
      const storedByExternal = new Map(stored.map((l) => [l.externalId, l]))
      for (const [procuraId, externalId] of chunk) {
        const existing = storedByProcura.get(procuraId) ?? storedByExternal.get(externalId)
        if (existing === undefined) fresh.push([procuraId, externalId])
        else if (existing.procuraId === procuraId && existing.externalId === externalId) linked.set(procuraId, existing)
        else return yield* conflict(kind, procuraId, externalId, existing)
      }
    }
    const linkedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    for (let i = 0; i < fresh.length; i += 1000) {
      const chunk = fresh.slice(i, i + 1000)
      const rows = []
      for (const [procuraId, externalId] of chunk) rows.push({ id: yield* Ids.next, connector, kind, procuraId, externalId, linkedAt })
      const inserted = yield* storage.insertMany(connectorLinks, rows).pipe(
        // A concurrent link of some of these pairs: one by one, each as link settles it.
        Effect.catchIf(
          (error) => Storage.isUniqueViolation(error),
          () => Effect.forEach(chunk, ([procuraId, externalId]) => link(kind, procuraId, externalId))
        )
      )
      for (const l of inserted) linked.set(l.procuraId, l)
    }
    return pairs.map(([procuraId]) => linked.get(procuraId)!)
  })
  return {
    link,
    linkAll,
    externalIdOf: (kind, procuraId) => Effect.map(findLink(connector, { kind, procuraId }), Option.map((l) => l.externalId)),
    externalIdsOf: (kind, procuraIds) =>
      Effect.gen(function*() {
        const storage = yield* Storage.Storage
        const found = new Map<string, string>()
        const unique = [...new Set(procuraIds)]
        for (let i = 0; i < unique.length; i += 1000) {
          const chunk = unique.slice(i, i + 1000)
          const page = yield* storage.find(connectorLinks, { where: { connector, kind, procuraId: { in: chunk } }, limit: chunk.length })
          for (const link of page.items) found.set(link.procuraId, link.externalId)
        }
        return found
      }),
    procuraIdOf: (kind, externalId) => Effect.map(findLink(connector, { kind, externalId }), Option.map((l) => l.procuraId)),
    list: (kind) =>
      Effect.flatMap(Storage.Storage, (storage) =>
        Stream.runCollect(storage.stream(connectorLinks, { where: { connector, kind }, orderBy: [{ field: "procuraId" }] })))
  }
}

/**
 * The watermark a connector has reached for the current principal's tenant, if it has pulled.
 *
 * @since 0.1.0
 * @category getters
 */
export const watermarkOf = (connector: string): Effect.Effect<Option.Option<string>, Storage.StorageError, Storage.Storage | CurrentPrincipal> =>
  Effect.map(findWatermark(connector), Option.map((record) => record.watermark))

const findWatermark = (connector: string) =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.map(storage.find(connectorWatermarks, { where: { connector }, limit: 1 }), (page) => Option.fromNullishOr(page.items[0])))

/**
 * Sets a connector's watermark for the current principal's tenant, as a poll does once its
 * changes are applied: for migrations and operators (a connector that must pull nothing more, a
 * pull to start again from a known point).
 *
 * @since 0.3.0
 * @category constructors
 */
export const setWatermark = (connector: string, watermark: string): Effect.Effect<void, Storage.StorageError, Storage.Storage | CurrentPrincipal> =>
  Effect.flatMap(findWatermark(connector), (existing) => Effect.asVoid(saveWatermark(connector, existing, watermark)))

const saveWatermark = (connector: string, existing: Option.Option<ConnectorWatermark>, watermark: string) =>
  Effect.gen(function*() {
    const storage = yield* Storage.Storage
    const updatedAt = new Date(yield* Clock.currentTimeMillis).toISOString()
    if (Option.isSome(existing)) return yield* storage.updateOne(connectorWatermarks, { ...existing.value, watermark, updatedAt })
    return yield* storage.insertOne(connectorWatermarks, { id: yield* Ids.next, connector, watermark, updatedAt })
  })

/**
 * What a connector's handlers are given: its id, its validated configuration and its mapping
 * records.
 *
 * @since 0.1.0
 * @category models
 */
export interface Context<Config> {
  readonly connectorId: string
  readonly config: Config
  readonly links: Links
}

/**
 * What a pull found: the changes, and the watermark to store once they are all applied.
 *
 * @since 0.1.0
 * @category models
 */
export interface Pulled<Change> {
  readonly changes: ReadonlyArray<Change>
  readonly watermark: string
}

/**
 * An inbound poller: `pull` reads the external system's changes since a watermark (`undefined`
 * the first time); `apply` applies one through Procura's operations (as the configured principal).
 *
 * @since 0.1.0
 * @category models
 */
export interface Inbound<Config, Change> {
  readonly pull: (since: string | undefined, context: Context<Config>) => Effect.Effect<Pulled<Change>, unknown, Storage.Storage | CurrentPrincipal>
  readonly apply: (change: Change, context: Context<Config>) => Effect.Effect<void, unknown, Storage.Storage | CurrentPrincipal | Procura.Services>
}

/**
 * A connector.
 *
 * @since 0.1.0
 * @category models
 */
export interface Connector<
  Id extends string = string,
  Config extends object = any,
  Subscribes extends ReadonlyArray<Events.Any> = ReadonlyArray<Events.Any>,
  Change = any
> {
  readonly id: Id
  readonly version: string
  readonly description: string
  /**
   * Its configuration, an object schema (strict like plugins'; `principal` and `drop` are added
   * to it and may not be its own keys).
   */
  readonly config: z.ZodType<Config, any>
  /**
   * The responsibilities it claims (`"requisition.create-on-ordered"`), exclusive unless
   * `{ name, mode: "shared" }`; a function when they depend on the configuration.
   */
  readonly responsibilities?: ReadonlyArray<Plugin.Responsibility> | ((config: Config) => ReadonlyArray<Plugin.Responsibility>)
  /** The events it subscribes to, for its outbound handler. */
  readonly subscribes?: Subscribes
  /**
   * Pushes one event to the external system. Delivered at least once: it must be idempotent,
   * by an external key and the mapping records.
   */
  readonly outbound?: (
    event: Events.EventOf<Subscribes[number]>,
    context: Context<Config>
  ) => Effect.Effect<void, unknown, Storage.Storage | CurrentPrincipal>
  readonly inbound?: Inbound<Config, Change>
  /** The error families its handlers fail with, for `Problem.toProblem`. */
  readonly errors?: ReadonlyArray<Problem.Family>
  /**
   * The events its handlers append (`Events.define`), such as "this record now exists in the
   * external system", for other connectors and subscribers to follow; declared like a plugin's.
   */
  readonly events?: ReadonlyArray<Events.Any>
}

/**
 * Declares a connector.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <const Id extends string, Config extends object, const Subscribes extends ReadonlyArray<Events.Any> = [], Change = never>(
  connector: Connector<Id, Config, Subscribes, Change>
): Connector<Id, Config, Subscribes, Change> => connector

/**
 * What every connector's configuration takes beside its own keys.
 *
 * @since 0.1.0
 * @category models
 */
export interface Settings {
  /** Who inbound changes are applied as (their tenant is the one polled). */
  readonly principal?: Principal
  /** Responsibilities the connector must not hold here (to settle a conflict with another). */
  readonly drop?: ReadonlyArray<string>
}

/**
 * The name of the lease an inbound poll of a connector holds for a tenant.
 *
 * @since 0.1.0
 * @category constructors
 */
export const pollLeaseName = (connector: string, tenantId: string): string => `connector-poll:${connector}:${tenantId}`

/**
 * What one inbound poll of a connector did for a tenant.
 *
 * @since 0.1.0
 * @category models
 */
export interface PollReport {
  readonly connector: string
  readonly tenantId: string
  /** Changes pulled, and applied (all of them unless `failed`). */
  readonly pulled: number
  readonly applied: number
  /** The watermark stored after the poll (the previous one when it failed). */
  readonly watermark: string | undefined
  /** True when another poll held the lease, so this one did nothing. */
  readonly skipped: boolean
  /** Why the pull or an apply failed; the watermark did not move. */
  readonly failed?: string
}

/**
 * An inbound poller of an enabled connector, as a composition holds it (`Composition.pollers`).
 *
 * @since 0.1.0
 * @category models
 */
export interface Poller {
  readonly connector: string
  readonly tenantId: string
  /** One poll, holding the poll lease as `owner`. */
  readonly run: (owner: string, leaseTtl: Duration.Duration) => Effect.Effect<PollReport, Storage.StorageError, Storage.Storage | Procura.Services>
}

const poller = <Config, Change>(id: string, inbound: Inbound<Config, Change>, principal: Principal, context: Context<Config>): Poller => ({
  connector: id,
  tenantId: principal.tenantId,
  run: (owner, leaseTtl) =>
    Effect.gen(function*() {
      const storage = yield* Storage.Storage
      const lease = pollLeaseName(id, principal.tenantId)
      const base = { connector: id, tenantId: principal.tenantId }
      const ttl = Math.max(1, Math.round(Duration.toMillis(leaseTtl)))
      if (!(yield* storage.acquireLease(lease, owner, yield* Clock.currentTimeMillis, ttl))) {
        return { ...base, pulled: 0, applied: 0, watermark: undefined, skipped: true } satisfies PollReport
      }
      const once = Effect.gen(function*() {
        const existing = yield* findWatermark(id)
        const since = Option.getOrUndefined(Option.map(existing, (record) => record.watermark))
        const failed = (cause: Cause.Cause<unknown>, pulled: number, applied: number): PollReport => ({
          ...base,
          pulled,
          applied,
          watermark: since,
          skipped: false,
          failed: failureText(cause)
        })
        const pulled = yield* Effect.exit(inbound.pull(since, context))
        if (pulled._tag === "Failure") return failed(pulled.cause, 0, 0)
        const { changes, watermark } = pulled.value
        let applied = 0
        for (const change of changes) {
          const exit = yield* Effect.exit(inbound.apply(change, context))
          if (exit._tag === "Failure") return failed(exit.cause, changes.length, applied)
          applied++
        }
        // Advanced only now: every pulled change is applied.
        if (watermark !== since) yield* saveWatermark(id, existing, watermark)
        return { ...base, pulled: changes.length, applied, watermark, skipped: false } satisfies PollReport
      })
      return yield* runAs(once, principal).pipe(Effect.ensuring(Effect.ignore(storage.releaseLease(lease, owner))))
    }).pipe(Effect.withSpan("Connector.poll", { attributes: { connector: id, tenant: principal.tenantId } }))
})

const reserved = ["principal", "drop"] as const

/**
 * The connector as a plugin (what `enable` enables): its configuration with `principal` and
 * `drop`, its responsibilities less those dropped, the connector collections, its outbound
 * subscriber and its inbound poller.
 *
 * @since 0.1.0
 * @category conversions
 */
export const plugin = <Id extends string, Config extends object, Subscribes extends ReadonlyArray<Events.Any>, Change>(
  connector: Connector<Id, Config, Subscribes, Change>
): Plugin.Plugin<Id, Config & Settings> => {
  const own = connector.config as unknown
  if (!(own instanceof z.ZodObject)) throw new Error(`Connector ${connector.id}: its configuration must be a zod object schema`)
  const clash = reserved.find((key) => key in own.shape)
  if (clash !== undefined) throw new Error(`Connector ${connector.id}: its configuration may not declare "${clash}", which every connector takes`)
  const config = own.extend({
    principal: connector.inbound === undefined ? Principal.optional() : Principal,
    drop: z.array(z.string()).optional()
  }) as unknown as z.ZodType<Config & Settings, any>
  const claimed = (settings: Config & Settings) => {
    const all = typeof connector.responsibilities === "function" ? connector.responsibilities(settings) : connector.responsibilities ?? []
    return all.filter((r) => !(settings.drop ?? []).includes(Plugin.responsibilityOf(r).name))
  }
  const decode = Events.decoder(connector.subscribes ?? [])
  return Plugin.make({
    id: connector.id,
    version: connector.version,
    description: connector.description,
    kind: "connector",
    config,
    responsibilities: claimed,
    ...(connector.errors === undefined ? {} : { errors: connector.errors }),
    ...(connector.events === undefined ? {} : { events: connector.events }),
    contribute: (settings) => {
      const context: Context<Config> = { connectorId: connector.id, config: settings, links: links(connector.id) }
      const outbound = connector.outbound
      return {
        collections,
        subscribers: outbound === undefined || (connector.subscribes ?? []).length === 0 ? [] : [{
          id: outboundSubscriberId(connector.id),
          events: (connector.subscribes ?? []).map((definition: Events.Any) => definition.type),
          handle: (stored) => Effect.flatMap(decode(stored), (event) => outbound(event as never, context))
        }],
        pollers: connector.inbound === undefined || settings.principal === undefined
          ? []
          : [poller(connector.id, connector.inbound, settings.principal, context)]
      }
    }
  })
}

/**
 * The id of a connector's outbound subscriber (its delivery checkpoint, lease and dead letters
 * are kept under it).
 *
 * @since 0.1.0
 * @category constructors
 */
export const outboundSubscriberId = (connector: string): string => `${connector}/outbound`

/**
 * Enables a connector with a configuration (validated at start), among the plugins.
 *
 * @since 0.1.0
 * @category constructors
 */
export const enable = <Id extends string, Config extends object, Subscribes extends ReadonlyArray<Events.Any>, Change>(
  connector: Connector<Id, Config, Subscribes, Change>,
  config: (z.input<Connector<Id, Config>["config"]> & Settings) | unknown
): Plugin.Enabled => Plugin.enable(plugin(connector), config)

/**
 * Options of {@link poll}.
 *
 * @since 0.1.0
 * @category options
 */
export interface PollOptions {
  /** Who holds the poll leases; a random id per poll by default. */
  readonly owner?: string
  /** How long a poll lease lasts; 5 minutes by default. */
  readonly leaseTtl?: Duration.Input
  /** Only these connectors. */
  readonly connectors?: ReadonlyArray<string>
}

/**
 * Polls every enabled connector's inbound side once (`Composition.pollers`): pulls the changes
 * since its watermark, applies them, then advances the watermark. A failing connector is
 * reported (`failed`) and keeps its watermark; the others go on.
 *
 * @since 0.1.0
 * @category constructors
 */
export const poll = (
  pollers: ReadonlyArray<Poller>,
  options: PollOptions = {}
): Effect.Effect<ReadonlyArray<PollReport>, Storage.StorageError, Storage.Storage | Procura.Services> =>
  Effect.gen(function*() {
    const owner = options.owner ?? `poll-${(yield* Random.nextInt).toString(36)}`
    const ttl = Duration.fromInputUnsafe(options.leaseTtl ?? "5 minutes")
    const chosen = options.connectors === undefined ? pollers : pollers.filter((p) => options.connectors!.includes(p.connector))
    return yield* Effect.forEach(chosen, (p) => p.run(owner, ttl))
  })

/**
 * Options of {@link pollWorker}.
 *
 * @since 0.1.0
 * @category options
 */
export interface PollWorkerOptions extends PollOptions {
  /** How long to wait between polls; 1 minute by default. */
  readonly interval?: Duration.Input
  /** Called with each poll's reports (for logging). */
  readonly onPoll?: (reports: ReadonlyArray<PollReport>) => Effect.Effect<void>
}

/**
 * Polls the connectors every `interval` until interrupted (interrupting it mid-poll is safe: the
 * watermark has not moved, so the changes are pulled again). A storage failure is logged and
 * retried at the next interval.
 *
 * @since 0.1.0
 * @category constructors
 */
export const pollWorker = (
  pollers: ReadonlyArray<Poller>,
  options: PollWorkerOptions = {}
): Effect.Effect<never, never, Storage.Storage | Procura.Services> =>
  Effect.gen(function*() {
    const interval = Duration.fromInputUnsafe(options.interval ?? "1 minute")
    while (true) {
      const reports = yield* poll(pollers, options).pipe(
        Effect.tapError((error) => Effect.logWarning(`connector poll failed, retrying: ${error.message}`)),
        Effect.orElseSucceed((): ReadonlyArray<PollReport> => [])
      )
      if (options.onPoll !== undefined) yield* options.onPoll(reports)
      yield* Effect.sleep(interval)
    }
  }).pipe(Effect.withSpan("Connector.pollWorker"))
