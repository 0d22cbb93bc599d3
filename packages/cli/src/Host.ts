/**
 * Hosting Procura's operations catalogue in a process of its own: what the `procura` CLI, the MCP
 * server (`@procura/mcp`) and other projections of the catalogue share to go from "a storage, a
 * principal and an optional plugin configuration file" to operations that run.
 *
 * ```ts
 * import { Host } from "@procura/cli"
 *
 * const host = await Host.open({
 *   principal: "pat@acme:procurement_manager",
 *   storage: { dataDir: ".procura/data" },   // or { databaseUrl }; PROCURA_DATABASE_URL when neither
 *   config: "procura.config.yaml"            // optional: the plugins to enable
 * })
 * try {
 *   await host.run("catalog.createVendor", { code: "DELL", name: "Dell" })
 *   console.log(await host.run("catalog.listVendors", {}))
 * } finally {
 *   await host.dispose()
 * }
 * ```
 *
 * Every run goes through the operation's permission check and input validation, and the events
 * it appends carry the host's principal: that is the audit trail. The principal is the host's,
 * fixed when it opens, never taken from an operation's input.
 *
 * What cannot be used is refused with a named error before anything starts: a configuration file
 * that does not exist ({@link MissingConfigFile}) or is invalid ({@link InvalidConfig}), a
 * principal that is malformed ({@link InvalidPrincipal}) or names roles nobody grants
 * ({@link UnknownRoles}).
 *
 * @since 0.4.0
 */
import { Access, Connector, Errors, Operation, Plugin, Principal, Procura } from "@procura/core"
import type { Storage } from "@procura/core"
import { createProcura, type Problem } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"
import { SamCoupa, SpoCoupa } from "@procura/connector-coupa"
import { Itam, Spm, Spo } from "@procura/connector-servicenow"
import { approvals } from "@procura/plugin-approvals"
import { itamSpo } from "@procura/plugin-itam-spo"
import { spmOversight } from "@procura/plugin-spm-oversight"
import { Data, Effect, type Layer, Redacted } from "effect"
import { mkdirSync } from "node:fs"
import { dirname, resolve } from "node:path"
import * as ConfigFile from "./internal/configFile.js"

/**
 * The plugins a host can enable from a configuration file: the approvals, itam-spo and
 * spm-oversight plugins, the ServiceNow ITAM, SPO and SPM connectors (`servicenow-itam`,
 * `servicenow-spo`, `servicenow-spm`; their client reads `SERVICENOW_*`) and the Coupa connectors
 * (`spo-coupa`, `sam-coupa`; their client reads `COUPA_*`). A configuration file adds the host's
 * own with `modules` (files exporting plugins).
 *
 * @since 0.4.0
 * @category constants
 */
export const installedPlugins: ReadonlyArray<Plugin.Plugin<string, any>> = [
  approvals,
  itamSpo,
  spmOversight,
  Connector.plugin(Itam.connector()),
  Connector.plugin(Spo.connector()),
  Connector.plugin(Spm.connector()),
  Connector.plugin(SpoCoupa.connector()),
  Connector.plugin(SamCoupa.connector())
]

/**
 * The configuration file named does not exist. The CLI treats it as a usage error (exit 2), unlike
 * an invalid one.
 *
 * @since 0.4.0
 * @category errors
 */
export class MissingConfigFile extends Data.TaggedError("MissingConfigFile")<{
  /** The path as given. */
  readonly path: string
  readonly message: string
}> {}

/**
 * A configuration cannot be used: the file does not parse, has unknown keys, a module that does
 * not load or exports no plugin, an unknown plugin id, a plugin configuration its schema refuses,
 * or plugins that conflict once composed. `issues` names every problem with its path (empty when
 * the problem has no path, such as a file that does not parse); `cause` is the underlying error.
 *
 * @since 0.4.0
 * @category errors
 */
export class InvalidConfig extends Data.TaggedError("InvalidConfig")<{
  /** The configuration file's path; undefined for a configuration given as an object. */
  readonly path: string | undefined
  readonly issues: ReadonlyArray<Errors.Issue>
  readonly message: string
  readonly cause: unknown
}> {}

/**
 * A principal is malformed: text that is not `USER@TENANT:ROLE[,ROLE]`, or an object that is not
 * a `{ userId, tenantId, roles }`.
 *
 * @since 0.4.0
 * @category errors
 */
export class InvalidPrincipal extends Data.TaggedError("InvalidPrincipal")<{
  /** What was given, as text. */
  readonly principal: string
  readonly message: string
}> {}

/**
 * A principal names roles that neither Procura's permission matrix nor an enabled plugin knows:
 * a typo is refused rather than run powerless. Each issue names the nearest known role.
 *
 * @since 0.4.0
 * @category errors
 */
export class UnknownRoles extends Data.TaggedError("UnknownRoles")<{
  readonly roles: ReadonlyArray<string>
  readonly issues: ReadonlyArray<Errors.Issue>
  readonly message: string
}> {}

/**
 * A configuration loaded: the plugins it enables, their composition and the catalogue they make
 * with the core's operations, by id.
 *
 * @since 0.4.0
 * @category models
 */
export interface Loaded {
  readonly plugins: ReadonlyArray<Plugin.Enabled>
  readonly composition: Plugin.Composition
  readonly catalogue: ReadonlyMap<string, Operation.Any>
}

const describeCause = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
    ? error.message
    : String(error)

/** A configuration's problem as {@link MissingConfigFile} or {@link InvalidConfig}. */
const configError = (config: string | object | undefined, error: unknown): MissingConfigFile | InvalidConfig => {
  if (error instanceof MissingConfigFile || error instanceof InvalidConfig) return error
  if (error instanceof ConfigFile.MissingConfigFile && typeof config === "string") {
    return new MissingConfigFile({ path: config, message: error.message })
  }
  const path = typeof config === "string" ? config : undefined
  const issues = error instanceof Plugin.PluginError ? error.issues : []
  const detail = issues.length > 0 ? Errors.formatIssues(issues) : describeCause(error)
  return new InvalidConfig({
    path,
    issues,
    cause: error,
    message: `${path === undefined ? "The configuration" : path} is invalid: ${detail}`
  })
}

/**
 * The plugins a configuration enables (a JSON or YAML file's path, or its parsed content), with
 * the modules it names loaded; none without a configuration. Rejects with
 * {@link MissingConfigFile} or {@link InvalidConfig}.
 *
 * @since 0.4.0
 * @category loading
 */
export const enabledPlugins = async (config?: string | object): Promise<ReadonlyArray<Plugin.Enabled>> => {
  if (config === undefined) return []
  try {
    return (await ConfigFile.load(installedPlugins, config)).enabled
  } catch (error) {
    throw configError(config, error)
  }
}

/**
 * The plugins a configuration could enable: the installed ones and those its modules export.
 * Rejects with {@link MissingConfigFile} or {@link InvalidConfig}.
 *
 * @since 0.4.0
 * @category loading
 */
export const availablePlugins = async (config?: string | object): Promise<ReadonlyArray<Plugin.Plugin<string, any>>> => {
  if (config === undefined) return installedPlugins
  try {
    return (await ConfigFile.load(installedPlugins, config)).available
  } catch (error) {
    throw configError(config, error)
  }
}

/**
 * Loads a configuration (see {@link enabledPlugins}), composes its plugins and makes the
 * catalogue: the core's operations and the enabled plugins'. Rejects with
 * {@link MissingConfigFile} or {@link InvalidConfig} (which includes plugins that conflict).
 *
 * @since 0.4.0
 * @category loading
 */
export const load = async (config?: string | object): Promise<Loaded> => {
  const plugins = await enabledPlugins(config)
  try {
    const composition = await Effect.runPromise(Plugin.compose(plugins))
    return { plugins, composition, catalogue: Procura.catalogueWith(composition) }
  } catch (error) {
    throw configError(config, error)
  }
}

/**
 * Where a host keeps its data: PostgreSQL at `databaseUrl`, or embedded PGlite persisted in
 * `dataDir`. Without either, `PROCURA_DATABASE_URL` when the environment sets it, else PGlite in
 * `.procura/data` (relative to the working directory).
 *
 * @since 0.4.0
 * @category models
 */
export interface StorageOptions {
  readonly databaseUrl?: string | undefined
  readonly dataDir?: string | undefined
}

/**
 * A storage chosen: its layer and a description for people (`embedded PGlite (/srv/data)`).
 *
 * @since 0.4.0
 * @category models
 */
export interface StorageChoice {
  readonly layer: Layer.Layer<Storage.Storage, unknown>
  readonly description: string
}

/**
 * The storage {@link StorageOptions} choose. On PostgreSQL, `PROCURA_ROW_LEVEL_SECURITY=true` (or
 * `false`) turns row-level security on (or off) for Procura's tables; unset, the adapter follows
 * what the database has. The PGlite directory's parent is created.
 *
 * @since 0.4.0
 * @category storage
 */
export const storage = (
  options: StorageOptions = {},
  env: { readonly [name: string]: string | undefined } = process.env
): StorageChoice => {
  const url = options.databaseUrl ?? (options.dataDir === undefined ? env["PROCURA_DATABASE_URL"] : undefined)
  if (url !== undefined && url !== "") {
    const rls = env["PROCURA_ROW_LEVEL_SECURITY"]
    const rowLevelSecurity = rls === "true" ? true : rls === "false" ? false : undefined
    return {
      layer: SqlStorage.layerPg({ url: Redacted.make(url), ...(rowLevelSecurity !== undefined ? { rowLevelSecurity } : {}) }),
      description: rowLevelSecurity === true ? "PostgreSQL (row-level security on)" : "PostgreSQL"
    }
  }
  const dataDir = resolve(options.dataDir ?? ".procura/data")
  mkdirSync(dirname(dataDir), { recursive: true })
  return { layer: SqlStorage.layerPglite({ dataDir }), description: `embedded PGlite (${dataDir})` }
}

/**
 * Parses `USER@TENANT:ROLE,ROLE` into a principal; undefined when the text is not of that form.
 *
 * @since 0.4.0
 * @category principals
 */
export const parsePrincipal = (text: string): Principal.Principal | undefined => {
  const match = /^([^@:]+)@([^:]+):(.*)$/.exec(text)
  if (match === null) return undefined
  return { userId: match[1]!, tenantId: match[2]!, roles: match[3]!.split(",").map((r) => r.trim()).filter((r) => r !== "") }
}

/**
 * The principal a host runs as: `USER@TENANT:ROLE[,ROLE]` parsed, or a principal object checked.
 * Its roles must be known to Procura's permission matrix or to the composition's plugins (see
 * `Access.knownRoles`). Throws {@link InvalidPrincipal} or {@link UnknownRoles}.
 *
 * @since 0.4.0
 * @category principals
 */
export const principal = (given: string | Principal.Principal, composition?: Plugin.Composition): Principal.Principal => {
  const text = typeof given === "string" ? given : JSON.stringify(given)
  const parsed = typeof given === "string" ? parsePrincipal(given) : Principal.Principal.safeParse(given).data
  if (parsed === undefined) {
    throw new InvalidPrincipal({
      principal: text,
      message: `${text} is not a principal: give USER@TENANT:ROLE[,ROLE], e.g. pat@acme:procurement_manager`
    })
  }
  const issues = Access.unknownRoles(parsed.roles, Access.knownRoles(Access.defaultMatrix, composition?.roles ?? []))
  if (issues.length > 0) {
    throw new UnknownRoles({
      roles: issues.map((issue) => String(issue.received)),
      issues,
      message: issues.map((issue) => issue.message).join("; ")
    })
  }
  return parsed
}

/**
 * An operation described for people and tools: what `procura op <id> --schema` prints and what
 * an MCP tool advertises.
 *
 * @since 0.4.0
 * @category models
 */
export interface Description {
  readonly id: string
  readonly summary: string
  readonly kind: "command" | "query"
  readonly permission: string
  /** The types of the events a successful run may append. */
  readonly events: ReadonlyArray<string>
  /** JSON Schema of what callers pass (`Operation.inputJsonSchema`). */
  readonly input: Operation.JsonSchema
  /** JSON Schema of what it returns (`Operation.outputJsonSchema`). */
  readonly output: Operation.JsonSchema
}

/**
 * Describes an operation: its id, summary, kind, permission, events and JSON Schemas.
 *
 * @since 0.4.0
 * @category describing
 */
export const describe = (operation: Operation.Any): Description => ({
  id: operation.id,
  summary: operation.summary,
  kind: operation.kind,
  permission: operation.permission,
  events: operation.events.map((event) => event.type),
  input: Operation.inputJsonSchema(operation),
  output: Operation.outputJsonSchema(operation)
})

/**
 * Options of {@link open}.
 *
 * @since 0.4.0
 * @category options
 */
export interface Options {
  /** Who every run is: `USER@TENANT:ROLE[,ROLE]` or a principal object. */
  readonly principal: string | Principal.Principal
  /** Where the data is (see {@link StorageOptions}), or a storage layer of the host's own choosing. */
  readonly storage?: StorageOptions | StorageChoice | undefined
  /** The plugin configuration: a JSON or YAML file's path, or its parsed content. */
  readonly config?: string | object | undefined
  /** A configuration {@link load}ed already, used instead of `config`. */
  readonly loaded?: Loaded | undefined
  /** The environment {@link storage} reads; `process.env` by default. */
  readonly env?: { readonly [name: string]: string | undefined } | undefined
}

/**
 * Options of one run.
 *
 * @since 0.4.0
 * @category options
 */
export interface RunOptions {
  readonly signal?: AbortSignal | undefined
  /** Makes a command safe to send twice: see `Idempotency` in `@procura/core`. */
  readonly idempotencyKey?: string | undefined
  /**
   * Runs as this principal instead of the host's: for a host that serves several principals of
   * its own configuration on one storage (Node-RED configuration nodes sharing an embedded
   * database). Never one taken from an operation's input; check it with {@link principal} first.
   */
  readonly principal?: Principal.Principal | undefined
}

/**
 * An open host: the catalogue, and runs as its principal on its storage.
 *
 * @since 0.4.0
 * @category models
 */
export interface Host extends AsyncDisposable {
  /** Every operation it runs (the core's and the enabled plugins'), by id. */
  readonly catalogue: ReadonlyMap<string, Operation.Any>
  /** The enabled plugins, composed. */
  readonly composition: Plugin.Composition
  /** Who every run is. */
  readonly principal: Principal.Principal
  /** Where the data is, for people: `embedded PGlite (/srv/data)`, `PostgreSQL`. */
  readonly storageDescription: string
  /**
   * Runs an operation by id as the host's principal: permission check, input validation, then the
   * handler (a command in one transaction, its events carrying the principal). Rejects with the
   * operation's tagged error, or `UnknownOperation` for an id the catalogue lacks.
   */
  readonly run: (operationId: string, input: unknown, options?: RunOptions) => Promise<unknown>
  /** Describes an operation of the catalogue; undefined for an unknown id. */
  readonly describe: (operationId: string) => Description | undefined
  /**
   * RFC 9457 problem details for an error a run rejected with (code, status, message, data),
   * knowing the enabled plugins' error families and publishing only the principal's tenant id
   * (the host's, or the one a run was given).
   */
  readonly toProblem: (error: unknown, options?: { readonly principal?: Principal.Principal | undefined }) => Problem
  /** Resolves once storage is ready (tables prepared); rejects with why it is not. */
  readonly ready: () => Promise<void>
  /** Closes storage. Runs afterwards reject with a `StorageError` `Unavailable`. */
  readonly dispose: () => Promise<void>
}

/**
 * Opens a host: loads the configuration (unless `loaded` is given), checks the principal against
 * the roles Procura and the enabled plugins know, and starts Procura on the chosen storage. The
 * storage starts with the first run (or {@link Host.ready}). Rejects with
 * {@link MissingConfigFile}, {@link InvalidConfig}, {@link InvalidPrincipal} or {@link UnknownRoles}.
 *
 * @since 0.4.0
 * @category constructors
 */
export const open = async (options: Options): Promise<Host> => {
  const loaded = options.loaded ?? await load(options.config)
  const runAs = principal(options.principal, loaded.composition)
  const chosen = options.storage !== undefined && "layer" in options.storage
    ? options.storage
    : storage(options.storage, options.env)
  const procura = createProcura({ storage: chosen.layer, principal: runAs, plugins: loaded.plugins })
  const dispose = () => procura.dispose()
  return {
    catalogue: loaded.catalogue,
    composition: loaded.composition,
    principal: runAs,
    storageDescription: chosen.description,
    run: (operationId, input, runOptions) =>
      procura.run(operationId, input, {
        ...(runOptions?.principal === undefined ? {} : { principal: runOptions.principal }),
        ...(runOptions?.signal === undefined ? {} : { signal: runOptions.signal }),
        ...(runOptions?.idempotencyKey === undefined ? {} : { idempotencyKey: runOptions.idempotencyKey })
      }),
    describe: (operationId) => {
      const operation = loaded.catalogue.get(operationId)
      return operation === undefined ? undefined : describe(operation)
    },
    toProblem: (error, problemOptions) => procura.toProblem(error, { tenantId: (problemOptions?.principal ?? runAs).tenantId }),
    ready: () => procura.ready(),
    dispose,
    [Symbol.asyncDispose]: dispose
  }
}

/**
 * A host held from the process's pool ({@link share}): runs as the principal it was shared
 * with, on a host other holders may share with principals of their own.
 *
 * @since 0.4.0
 * @category models
 */
export interface Shared {
  /** Who this holder's runs are. */
  readonly principal: Principal.Principal
  /** Every operation the host runs (the core's and the enabled plugins'), by id. */
  readonly catalogue: ReadonlyMap<string, Operation.Any>
  /** Where the data is, for people. */
  readonly storageDescription: string
  /** Runs an operation by id as this holder's principal (see {@link Host.run}). */
  readonly run: (operationId: string, input: unknown, options?: Omit<RunOptions, "principal">) => Promise<unknown>
  /** Problem details for an error a run rejected with, publishing only this principal's tenant. */
  readonly toProblem: (error: unknown) => Problem
  /** Gives the host back to the pool, which closes it when nobody holds it (after `idleMillis`). */
  readonly release: () => Promise<void>
}

/**
 * Options of {@link share}.
 *
 * @since 0.4.0
 * @category options
 */
export interface ShareOptions {
  /** Who the holder's runs are: `USER@TENANT:ROLE[,ROLE]` or a principal object. */
  readonly principal: string | Principal.Principal
  /** Where the data is; the pool keeps one host per storage and configuration file. */
  readonly storage?: StorageOptions | undefined
  /** The plugin configuration file's path. */
  readonly config?: string | undefined
  /** How long a host nobody holds stays open before it is closed; 0 (the default) closes it at once. */
  readonly idleMillis?: number | undefined
}

interface Pooled {
  readonly host: Promise<Host>
  holders: number
  timer: ReturnType<typeof setTimeout> | undefined
  closing: Promise<void> | undefined
}

const pool = new Map<string, Pooled>()

const closePooled = (key: string, entry: Pooled): Promise<void> => {
  if (entry.timer !== undefined) clearTimeout(entry.timer)
  entry.closing ??= entry.host
    .then((host) => host.dispose(), () => undefined)
    .finally(() => {
      if (pool.get(key) === entry) pool.delete(key)
    })
  return entry.closing
}

/**
 * Holds the process's host for a storage and configuration file, opening it if none is open, and
 * runs as the principal given. Hosts of flow editors and workflow engines (Node-RED configuration
 * nodes, n8n credentials) share one host per store this way, each with its own principal: an
 * embedded PGlite directory is one process's database, opened once. The principal is checked as
 * {@link open} checks it; a host that fails to open is not kept. Rejects with the errors of
 * {@link open}.
 *
 * @since 0.4.0
 * @category constructors
 */
export const share = async (options: ShareOptions): Promise<Shared> => {
  const config = options.config === undefined || options.config === "" ? undefined : resolve(options.config)
  const where = options.storage?.dataDir !== undefined ? { dataDir: resolve(options.storage.dataDir) } : options.storage ?? {}
  const key = JSON.stringify([where, config ?? null])
  let entry = pool.get(key)
  while (entry?.closing !== undefined) {
    await entry.closing
    entry = pool.get(key)
  }
  if (entry === undefined) {
    const created: Pooled = { host: open({ principal: options.principal, storage: where, config }), holders: 0, timer: undefined, closing: undefined }
    created.host.catch(() => {
      if (pool.get(key) === created) pool.delete(key)
    })
    pool.set(key, created)
    entry = created
  }
  const held = entry
  held.holders++
  if (held.timer !== undefined) clearTimeout(held.timer)
  held.timer = undefined
  let released = false
  const release = async () => {
    if (released) return
    released = true
    if (--held.holders > 0) return
    const idle = options.idleMillis ?? 0
    if (idle <= 0) return closePooled(key, held)
    held.timer = setTimeout(() => void closePooled(key, held), idle)
    held.timer.unref()
  }
  try {
    const host = await held.host
    await host.ready()
    const runAs = principal(options.principal, host.composition)
    return {
      principal: runAs,
      catalogue: host.catalogue,
      storageDescription: host.storageDescription,
      run: (operationId, input, runOptions) => host.run(operationId, input, { ...runOptions, principal: runAs }),
      toProblem: (error) => host.toProblem(error, { principal: runAs }),
      release
    }
  } catch (error) {
    await release()
    throw error
  }
}

/**
 * Closes every host of the pool ({@link share}), held or not: for tests and a process shutting down.
 *
 * @since 0.4.0
 * @category destructors
 */
export const closeShared = async (): Promise<void> => {
  await Promise.all([...pool].map(([key, entry]) => closePooled(key, entry)))
}
