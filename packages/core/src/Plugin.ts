/**
 * Plugins: behaviour switched on and shaped by data.
 *
 * A plugin is a value: an id, a version, a zod schema for its configuration, and what it adds
 * (layers that provide or override services, collections it stores, operations, error codes,
 * event subscribers). Hosts enable plugins with configuration (a typed object, or JSON/YAML
 * read from a file); Procura validates every configuration at start and refuses to start with a
 * message naming the plugin, the path, the value and what was expected. Two plugins claiming the
 * same exclusive responsibility (say, "approval-policy") is also refused at start, with the fix.
 *
 * @since 0.1.0
 */
import { Data, Effect, Layer } from "effect"
import { z } from "zod"
import * as Access from "./Access.js"
import { formatIssues, type Issue } from "./Errors.js"
import type * as Events from "./Events.js"
import * as Guards from "./Guards.js"
import { didYouMean } from "./internal/nearest.js"
import { safeParse, strict } from "./internal/strict.js"
import type * as Operation from "./Operation.js"
import type * as Problem from "./Problem.js"
import type { Poller } from "./Connector.js"
import type { CurrentPrincipal } from "./Principal.js"
import type { StoredEvent } from "./Storage.js"
import type * as Storage from "./Storage.js"

/**
 * A subscriber to domain events.
 *
 * @since 0.1.0
 * @category models
 */
export interface Subscriber {
  /** Stable id; the delivery checkpoint is kept under it. */
  readonly id: string
  /** The event types it wants (`[ReceiptRecorded.type]`); all when omitted. */
  readonly events?: ReadonlyArray<string>
  /** Runs as a system principal of the event's tenant; must be idempotent (at-least-once). */
  readonly handle: (event: StoredEvent) => Effect.Effect<void, unknown, Storage.Storage | CurrentPrincipal>
}

/**
 * A permission a plugin declares: what it allows, and the roles that hold it unless the host's
 * permission matrix says otherwise.
 *
 * @since 0.1.0
 * @category models
 */
export interface PermissionDeclaration {
  readonly description: string
  /** Roles holding it by default; `"*"` grants it to everyone. `admin` always holds it. */
  readonly roles: ReadonlyArray<string>
}

/**
 * What a plugin adds, given its validated configuration.
 *
 * @since 0.1.0
 * @category models
 */
export interface Contribution {
  /** Layers providing or overriding services and references (for example an approval policy). */
  readonly layer?: Layer.Layer<never, unknown, Storage.Storage>
  /** Collections the plugin stores records in; prepared (migrated) at start with the core's. */
  readonly collections?: ReadonlyArray<Storage.Collection<any>>
  /** Operations the plugin adds to the catalogue, keyed by method name, under the plugin's id. */
  readonly operations?: Readonly<Record<string, Operation.Any>>
  readonly subscribers?: ReadonlyArray<Subscriber>
  /**
   * Permissions of the plugin's own (`<plugin>/<name>`), with their default roles; merged into
   * the permission matrix in force. A name clashing with a core permission or another enabled
   * plugin's is refused at start.
   */
  readonly permissions?: Readonly<Record<Access.PluginPermission, PermissionDeclaration>>
  /**
   * Roles the plugin's configuration names beside those its permissions grant (the approvers of
   * an approval policy, say): they are known roles, so a principal may carry them.
   */
  readonly roles?: ReadonlyArray<string>
  /** Inbound pollers (a connector's, see `Connector`), run by `Connector.poll` and the worker. */
  readonly pollers?: ReadonlyArray<Poller>
  /** Rules refusing operations while the plugin is enabled (see `Guards`). */
  readonly guards?: ReadonlyArray<Guards.Guard>
}

/**
 * A responsibility a plugin or connector claims: exclusive (only one enabled plugin or connector
 * may hold it; a plain string is exclusive) or shared (several may hold it, none exclusively).
 * `resolution` tells whoever enables two claimants how to settle it (a migration command, say);
 * the conflict's message gives it instead of the generic advice to disable or drop one.
 *
 * @since 0.1.0
 * @category models
 */
export type Responsibility = string | {
  readonly name: string
  readonly mode: "exclusive" | "shared"
  readonly resolution?: string
}

/**
 * A responsibility's name and mode (and resolution, when it has one).
 *
 * @since 0.1.0
 * @category getters
 */
export const responsibilityOf = (
  responsibility: Responsibility
): { readonly name: string; readonly mode: "exclusive" | "shared"; readonly resolution?: string } =>
  typeof responsibility === "string" ? { name: responsibility, mode: "exclusive" } : responsibility

/**
 * A plugin.
 *
 * @since 0.1.0
 * @category models
 */
export interface Plugin<Id extends string = string, Config = unknown> {
  readonly id: Id
  readonly version: string
  readonly description: string
  /**
   * The configuration schema; exported as JSON Schema for form builders. Unknown keys are refused
   * at every level (an object refuses keys its shape does not name), unless the schema says what
   * other keys are (`z.looseObject`, `.catchall(...)`, a record).
   */
  readonly config: z.ZodType<Config, any>
  /**
   * Responsibilities only one enabled plugin may hold, e.g. `approval-policy`; a function when
   * they depend on the configuration (a plugin may switch a responsibility off).
   */
  readonly responsibilities?: ReadonlyArray<Responsibility> | ((config: Config) => ReadonlyArray<Responsibility>)
  /** What the value is, for messages: a plugin (the default) or a connector (`Connector.plugin`). */
  readonly kind?: "plugin" | "connector"
  /**
   * The error families the plugin's operations can fail with, with their HTTP statuses
   * (`Problem.family`): `toProblem` gives hosts their codes and statuses. A family the core
   * declares keeps the core's statuses.
   */
  readonly errors?: ReadonlyArray<Problem.Family>
  /**
   * The events the plugin appends (`Events.define`), for subscribers, docs/events.md and the
   * testkit's check of what operations append.
   */
  readonly events?: ReadonlyArray<Events.Any>
  readonly contribute: (config: Config) => Contribution
}

/**
 * Declares a plugin.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <const Id extends string, Config>(plugin: Plugin<Id, Config>): Plugin<Id, Config> => plugin

/**
 * A plugin with the configuration a host gave it, not yet validated.
 *
 * @since 0.1.0
 * @category models
 */
export interface Enabled {
  readonly plugin: Plugin<string, any>
  readonly config: unknown
}

/**
 * Enables a plugin with a configuration (validated at start).
 *
 * @since 0.1.0
 * @category constructors
 */
export const enable = <Id extends string, Config>(plugin: Plugin<Id, Config>, config: z.input<Plugin<Id, Config>["config"]> | unknown): Enabled => ({
  plugin: plugin as Plugin<string, any>,
  config
})

/**
 * Why plugins could not start.
 *
 * @since 0.1.0
 * @category models
 */
export type PluginErrorReason =
  | "InvalidConfig"
  | "DuplicatePlugin"
  | "ResponsibilityConflict"
  | "UnknownPlugin"
  | "PermissionConflict"
  | "UnknownPermission"

/**
 * Plugins could not start; nothing was started. `issues` name every problem found, each with its
 * path from the configuration's root (`plugins.itam-spo.supplierProduct`); when several plugins
 * have problems, `reason` and `pluginId` are the first one's.
 *
 * @since 0.1.0
 * @category errors
 */
export class PluginError extends Data.TaggedError("PluginError")<{
  readonly reason: PluginErrorReason
  readonly pluginId: string
  readonly issues: ReadonlyArray<Issue>
  readonly message: string
  /**
   * With `ResponsibilityConflict`: the responsibility and the two plugins or connectors claiming
   * it (the one enabled first, then the other), and whether one of them holds it only shared.
   */
  readonly conflict?: {
    readonly responsibility: string
    readonly holders: readonly [string, string]
    readonly kinds: readonly ["plugin" | "connector", "plugin" | "connector"]
  }
}> {}

/**
 * The composition of enabled plugins: their validated configurations and what they add.
 *
 * @since 0.1.0
 * @category models
 */
export interface Composition {
  readonly plugins: ReadonlyArray<{ readonly id: string; readonly version: string; readonly config: unknown }>
  readonly layer: Layer.Layer<never, unknown, Storage.Storage>
  readonly collections: ReadonlyArray<Storage.Collection<any>>
  readonly operations: Readonly<Record<string, Readonly<Record<string, Operation.Any>>>>
  readonly subscribers: ReadonlyArray<Subscriber>
  /** The permissions the plugins declare, with the plugin declaring each. */
  readonly permissions: Readonly<Record<Access.PluginPermission, PermissionDeclaration & { readonly pluginId: string }>>
  /**
   * The roles the plugins know: those their permissions grant by default and those their
   * configurations name (`Contribution.roles`). See `Access.knownRoles`.
   */
  readonly roles: ReadonlyArray<string>
  /** The error families the plugins declare (`Plugin.errors`), for `Problem.toProblem`. */
  readonly errors: ReadonlyArray<Problem.Family>
  /** The events the plugins declare (`Plugin.events`). */
  readonly events: ReadonlyArray<Events.Any>
  /** The inbound pollers of the enabled connectors (`Connector.poll` runs them). */
  readonly pollers: ReadonlyArray<Poller>
}

/** A plugin's configuration validated strictly: its value, or the error naming every problem. */
const check = (plugin: Plugin<string, any>, config: unknown): { readonly valid: unknown } | { readonly error: PluginError } => {
  const parsed = safeParse(strict(plugin.config), config)
  if (parsed.success) return { valid: parsed.data }
  const issues = parsed.issues.map((issue) => ({ ...issue, path: ["plugins", plugin.id, ...issue.path] }))
  return {
    error: new PluginError({
      reason: "InvalidConfig",
      pluginId: plugin.id,
      issues,
      message: `The configuration of plugin ${plugin.id} is invalid: ${formatIssues(issues)}`
    })
  }
}

/** One error for several problems: the first one's reason and plugin, every issue. */
const combine = (problems: ReadonlyArray<PluginError>): PluginError => {
  if (problems.length === 1) return problems[0]!
  const issues = problems.flatMap((problem) =>
    problem.issues.length > 0 ? problem.issues : [{ path: ["plugins", problem.pluginId], message: problem.message }]
  )
  return new PluginError({
    reason: problems[0]!.reason,
    pluginId: problems[0]!.pluginId,
    issues,
    message: `The configuration is invalid: ${formatIssues(issues)}`
  })
}

/**
 * Validates a plugin's configuration, failing with a `PluginError` naming each bad path. Unknown
 * keys are refused at every level, each naming the nearest valid key
 * (`plugins.itam-spo.supplierProduct: unknown key; did you mean "supplierProducts"?`).
 *
 * @since 0.1.0
 * @category combinators
 */
export const validateConfig = <Id extends string, Config>(
  plugin: Plugin<Id, Config>,
  config: unknown
): Effect.Effect<Config, PluginError> =>
  Effect.suspend(() => {
    const checked = check(plugin, config)
    return "error" in checked ? Effect.fail(checked.error) : Effect.succeed(checked.valid as Config)
  })

/** Gathers the plugins' permissions, refusing malformed names and clashes with the core's or another plugin's. */
const gatherPermissions = (plugins: ReadonlyArray<{ readonly id: string }>, contributions: ReadonlyArray<Contribution>) =>
  Effect.gen(function*() {
    const declared: Record<Access.PluginPermission, PermissionDeclaration & { readonly pluginId: string }> = {}
    for (const [i, contribution] of contributions.entries()) {
      const pluginId = plugins[i]!.id
      for (const [name, declaration] of Object.entries(contribution.permissions ?? {})) {
        const path = ["plugins", pluginId, "permissions", name]
        const conflict = Access.isCorePermission(name)
          ? `core permission ${name}`
          : declared[name as Access.PluginPermission] !== undefined
          ? `permission ${name} of plugin ${declared[name as Access.PluginPermission]!.pluginId}`
          : undefined
        if (conflict !== undefined) {
          return yield* new PluginError({
            reason: "PermissionConflict",
            pluginId,
            issues: [{ path, message: `clashes with the ${conflict}` }],
            message: `Plugin ${pluginId} declares the permission ${name}, which clashes with the ${conflict}; ` +
              `name plugin permissions <plugin>/<name>, e.g. ${pluginId}/${name.replace(/^.*\//, "")}`
          })
        }
        if (!Access.isPluginPermission(name)) {
          return yield* new PluginError({
            reason: "PermissionConflict",
            pluginId,
            issues: [{ path, message: "expected <plugin>/<name> in lower case", received: name }],
            message: `Plugin ${pluginId} declares the permission "${name}": plugin permissions are named <plugin>/<name> ` +
              `(lower case letters, digits, dots, dashes, underscores), e.g. ${pluginId}/${name.toLowerCase().replace(/[^a-z0-9._-]/g, "_")}`
          })
        }
        declared[name as Access.PluginPermission] = { ...declaration, pluginId }
      }
    }
    return declared
  })

/** Checks every plugin operation requires a permission that the core or an enabled plugin declares. */
const checkOperationPermissions = (
  plugins: ReadonlyArray<{ readonly id: string }>,
  contributions: ReadonlyArray<Contribution>,
  declared: Readonly<Record<string, unknown>>
) =>
  Effect.gen(function*() {
    for (const [i, contribution] of contributions.entries()) {
      for (const [method, operation] of Object.entries(contribution.operations ?? {})) {
        const permission: string = operation.permission
        if (Access.isCorePermission(permission) || declared[permission] !== undefined) continue
        const pluginId = plugins[i]!.id
        const known = Object.keys(declared)
        return yield* new PluginError({
          reason: "UnknownPermission",
          pluginId,
          issues: [{ path: ["plugins", pluginId, "operations", method, "permission"], message: "no core permission or enabled plugin declares it", received: permission }],
          message: `Operation ${operation.id} of plugin ${pluginId} requires the permission ${permission}, which neither the core nor an enabled plugin declares; ` +
            `declared plugin permissions: ${known.join(", ") || "none"}`
        })
      }
    }
  })

/** Two plugins or connectors claim one responsibility that one of them holds exclusively: the error with the fix. */
const responsibilityConflict = (
  responsibility: string,
  first: Plugin<string, any>,
  second: Plugin<string, any>,
  resolution: string | undefined
): PluginError => {
  const kinds = [first.kind ?? "plugin", second.kind ?? "plugin"] as const
  const noun = kinds[0] === kinds[1] ? `${kinds[0] === "connector" ? "Connectors" : "Plugins"} ${first.id} and ${second.id}` :
    `The ${kinds[0]} ${first.id} and the ${kinds[1]} ${second.id}`
  const drop = (plugin: Plugin<string, any>) =>
    plugin.kind === "connector" ? `plugins.${plugin.id}.drop: ["${responsibility}"]` : `switch it off in plugins.${plugin.id}`
  const fix = resolution ?? `disable one of them, or configure one to drop the responsibility (${drop(second)}, or ${drop(first)})`
  return new PluginError({
    reason: "ResponsibilityConflict",
    pluginId: second.id,
    conflict: { responsibility, holders: [first.id, second.id], kinds },
    issues: [
      {
        path: ["plugins", second.id],
        message: `claims the responsibility "${responsibility}" that ${first.kind ?? "plugin"} ${first.id} also claims, and only one may hold it; ${fix}`
      }
    ],
    message: `${noun} both claim the responsibility "${responsibility}", which only one may hold; ${fix}`
  })
}

/**
 * Validates every enabled plugin and composes what they add. Fails, starting nothing, on an
 * invalid configuration, a plugin enabled twice, two plugins claiming one responsibility, a
 * plugin permission clashing with a core permission or another plugin's, or a plugin operation
 * requiring a permission nobody declares. Every plugin's configuration is checked before it
 * fails, so one error names every configuration problem of every plugin.
 *
 * @since 0.1.0
 * @category constructors
 */
export const compose = (enabled: ReadonlyArray<Enabled>): Effect.Effect<Composition, PluginError> =>
  Effect.gen(function*() {
    const seen = new Set<string>()
    const problems: Array<PluginError> = []
    const validated: Array<{ readonly plugin: Plugin<string, any>; readonly valid: unknown }> = []
    for (const { plugin, config } of enabled) {
      if (seen.has(plugin.id)) {
        problems.push(
          new PluginError({
            reason: "DuplicatePlugin",
            pluginId: plugin.id,
            issues: [],
            message: `Plugin ${plugin.id} is enabled twice; enable it once with one configuration`
          })
        )
        continue
      }
      seen.add(plugin.id)
      const checked = check(plugin, config)
      if ("error" in checked) problems.push(checked.error)
      else validated.push({ plugin, valid: checked.valid })
    }
    if (problems.length > 0) return yield* combine(problems)
    const holders = new Map<string, { readonly plugin: Plugin<string, any>; readonly mode: "exclusive" | "shared"; readonly resolution?: string | undefined }>()
    const plugins: Array<{ id: string; version: string; config: unknown }> = []
    const contributions: Array<Contribution> = []
    for (const { plugin, valid } of validated) {
      const responsibilities = typeof plugin.responsibilities === "function"
        ? plugin.responsibilities(valid)
        : plugin.responsibilities ?? []
      for (const { mode, name, resolution } of responsibilities.map(responsibilityOf)) {
        const holder = holders.get(name)
        if (holder !== undefined && (holder.mode === "exclusive" || mode === "exclusive")) {
          return yield* responsibilityConflict(name, holder.plugin, plugin, holder.resolution ?? resolution)
        }
        if (holder === undefined || mode === "exclusive") holders.set(name, { plugin, mode, resolution })
      }
      plugins.push({ id: plugin.id, version: plugin.version, config: valid })
      contributions.push(plugin.contribute(valid))
    }
    const permissions = yield* gatherPermissions(plugins, contributions)
    yield* checkOperationPermissions(plugins, contributions, permissions)
    const grants = Object.fromEntries(Object.entries(permissions).map(([name, declaration]) => [name, declaration.roles]))
    const guards = plugins.flatMap((p, i) => (contributions[i]!.guards ?? []).map((guard): Guards.Active => ({ ...guard, by: p.id })))
    const layers = [
      ...contributions.flatMap((c) => (c.layer === undefined ? [] : [c.layer])),
      ...(Object.keys(grants).length === 0 ? [] : [Layer.succeed(Access.PluginPermissions, grants)]),
      ...(guards.length === 0 ? [] : [Layer.succeed(Guards.Guards, guards)])
    ]
    const layer: Layer.Layer<never, unknown, Storage.Storage> = layers.reduce(
      (all: Layer.Layer<never, unknown, Storage.Storage>, next) => Layer.merge(all, next),
      Layer.empty
    )
    const composition: Composition = {
      plugins,
      layer,
      // Connectors share their collections (`Connector.collections`): each is prepared once.
      collections: [...new Set(contributions.flatMap((c) => c.collections ?? []))],
      operations: Object.fromEntries(
        plugins.flatMap((p, i) => (contributions[i]!.operations === undefined ? [] : [[p.id, contributions[i]!.operations!] as const]))
      ),
      subscribers: contributions.flatMap((c) => c.subscribers ?? []),
      permissions,
      errors: enabled.flatMap(({ plugin }) => plugin.errors ?? []),
      events: enabled.flatMap(({ plugin }) => plugin.events ?? []),
      pollers: contributions.flatMap((c) => c.pollers ?? []),
      roles: [
        ...new Set([
          ...Object.values(permissions).flatMap((declaration) => declaration.roles.filter((role) => role !== "*")),
          ...contributions.flatMap((c) => c.roles ?? [])
        ])
      ]
    }
    return composition
  })

/**
 * The JSON Schema of a plugin's configuration, for form builders and editors. Objects say
 * `additionalProperties: false` wherever the configuration refuses unknown keys.
 *
 * @since 0.1.0
 * @category conversions
 */
export const configJsonSchema = (plugin: Plugin<string, any>): Record<string, unknown> =>
  ({
    title: `${plugin.id} ${plugin.kind ?? "plugin"} configuration`,
    description: plugin.description,
    ...z.toJSONSchema(strict(plugin.config), { io: "input", unrepresentable: "any" })
  }) as Record<string, unknown>

/**
 * The shape of a Procura configuration file: plugin ids mapped to their configurations. Other
 * top-level keys are refused.
 *
 * @since 0.1.0
 * @category models
 */
export const ConfigFile = z.strictObject({
  plugins: z.record(z.string(), z.unknown()).default({})
})

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * Enables the plugins a configuration file names, from the plugins a host has installed. Checks
 * the whole file first and fails naming every problem at once: unknown top-level keys, plugin ids
 * not installed (`UnknownPlugin`, with the nearest installed id) and every invalid plugin
 * configuration (`InvalidConfig`, each path with what was expected).
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromConfigFile = (
  installed: ReadonlyArray<Plugin<string, any>>,
  file: unknown
): Effect.Effect<ReadonlyArray<Enabled>, PluginError> =>
  Effect.suspend(() => {
    const problems: Array<PluginError> = []
    const parsed = safeParse(ConfigFile, file)
    if (!parsed.success) {
      problems.push(
        new PluginError({
          reason: "InvalidConfig",
          pluginId: "(file)",
          issues: parsed.issues,
          message: `The configuration file is invalid: ${formatIssues(parsed.issues)}`
        })
      )
    }
    // The plugins are checked even beside a problem elsewhere in the file, so every problem is named at once.
    const named = parsed.success ? parsed.data.plugins : isRecord(file) && isRecord(file["plugins"]) ? file["plugins"] : {}
    const byId = new Map(installed.map((plugin) => [plugin.id, plugin]))
    const enabled: Array<Enabled> = []
    for (const [id, config] of Object.entries(named)) {
      const plugin = byId.get(id)
      if (plugin === undefined) {
        const ids = [...byId.keys()]
        const hint = didYouMean(id, ids) ?? `installed: ${ids.join(", ") || "none"}`
        problems.push(
          new PluginError({
            reason: "UnknownPlugin",
            pluginId: id,
            issues: [{ path: ["plugins", id], message: `no plugin "${id}" is installed; ${hint}`, received: id }],
            message: `plugins.${id}: no plugin "${id}" is installed; ${hint}`
          })
        )
        continue
      }
      const checked = check(plugin, config)
      if ("error" in checked) problems.push(checked.error)
      enabled.push({ plugin, config })
    }
    return problems.length > 0 ? Effect.fail(combine(problems)) : Effect.succeed(enabled)
  })
