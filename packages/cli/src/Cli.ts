/**
 * The `procura` command line. Its operation commands are projected from the operations
 * catalogue: every operation of the SDK can be listed, described (JSON Schema of its input and
 * output) and run, without a line of CLI code per operation.
 *
 * ```sh
 * procura demo                       # the procure-to-asset demo on embedded PGlite
 * procura migrate                    # prepare a database (PGlite dir or PROCURA_DATABASE_URL)
 * procura ops                        # list every operation
 * procura op catalog.createVendor --schema
 * procura op catalog.createVendor --as pat@acme:procurement_manager --input '{"code":"DELL","name":"Dell"}'
 * procura catalog import items.csv --as pat@acme:procurement_manager [--dry-run]
 * procura worker --config procura.config.yaml   # deliver events until SIGINT/SIGTERM
 * procura dead-letters list
 * ```
 *
 * @since 0.1.0
 */
import { Delivery, Plugin, Principal, Procura, Storage } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Exit, Layer, Cause, Redacted } from "effect"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { dirname, resolve } from "node:path"
import { parseArgs } from "node:util"
import { z } from "zod"
import { approvals } from "@procura/plugin-approvals"
import { itamSpo } from "@procura/plugin-itam-spo"
import { spmOversight } from "@procura/plugin-spm-oversight"
import { parse as parseYaml } from "yaml"
import * as Demo from "./Demo.js"

/**
 * The plugins this CLI can enable from a configuration file.
 *
 * @since 0.1.0
 * @category constants
 */
export const installedPlugins: ReadonlyArray<Plugin.Plugin<string, any>> = [approvals, itamSpo, spmOversight]

/** Reads a JSON or YAML configuration file (by extension; YAML otherwise, which also reads JSON). */
const readConfigFile = (path: string): unknown => {
  const text = readFileSync(path, "utf8")
  return path.endsWith(".json") ? JSON.parse(text) : parseYaml(text)
}

/** The enabled plugins a configuration file (a path) or configuration object names. */
const pluginsFromConfig = async (config: string | object | undefined): Promise<ReadonlyArray<Plugin.Enabled>> => {
  if (config === undefined) return []
  const exit = await Effect.runPromiseExit(
    Effect.flatMap(
      Effect.try({ try: () => (typeof config === "string" ? readConfigFile(config) : config), catch: (error) => error }),
      (file) => Plugin.fromConfigFile(installedPlugins, file)
    )
  )
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

/**
 * Where the CLI writes.
 *
 * @since 0.1.0
 * @category models
 */
export interface Io {
  readonly out: (text: string) => void
  readonly err: (text: string) => void
  /** Whether `out` is a terminal (progress is redrawn in place). */
  readonly tty: boolean
  /** Stops a long-running command (`worker`) as SIGINT or SIGTERM do. */
  readonly signal?: AbortSignal
}

const defaultIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  tty: process.stdout.isTTY === true
}

const usage = `procura: the Procura command line

Usage:
  procura demo [--data-dir DIR] [--requests N]
      Run seed 002's procure-to-asset flow on embedded PGlite persisted in DIR
      (default .procura/demo). Each run uses a tenant of its own.
  procura migrate [--data-dir DIR | --database-url URL]
      Create or upgrade Procura's tables. Without either flag, uses PROCURA_DATABASE_URL
      when set, else PGlite in .procura/data.
  procura ops [--json] [--config FILE]
      List every operation: id, permission, summary.
  procura op <operation-id> --schema
      Print the JSON Schemas of the operation's input and output.
  procura op <operation-id> --as USER@TENANT:ROLE[,ROLE] [--input JSON | --input-file FILE]
         [--data-dir DIR | --database-url URL]
      Run one operation and print its result as JSON.
  procura catalog import <file> --as USER@TENANT:ROLE[,ROLE] [--format csv|json] [--dry-run]
         [--data-dir DIR | --database-url URL]
      Import catalog items from a CSV or JSON file (format from the extension unless given):
      catalog.importCatalog on the file. --dry-run only checks and prints the per-row report.
  procura config validate <file>
      Check a configuration file (JSON or YAML: { "plugins": { "<id>": { ... } } }) against the
      installed plugins' schemas; every problem is reported with its path.
  procura config schema <plugin>
      Print the JSON Schema of a plugin's configuration. Installed plugins: ${installedPlugins.map((p) => p.id).join(", ")}.
  procura worker [--config FILE] [--data-dir DIR | --database-url URL] [--poll-interval MS]
         [--batch-size N] [--attempts N] [--base-delay MS] [--max-delay MS] [--lease-ttl MS] [--once]
      Deliver domain events to the enabled plugins' subscribers until SIGINT or SIGTERM
      (--once: one pass, then exit). Several workers on one PostgreSQL share the subscribers
      through leases. A failing handler is retried with backoff (default 5 attempts, 1000 ms
      doubling up to 60000 ms), then its event is parked as a dead letter.
  procura dead-letters list [--subscriber ID] [--json] [--config FILE] [--data-dir DIR | --database-url URL]
      List the parked events: id, subscriber, attempts, failure times and error.
  procura dead-letters replay <id> | --all [--subscriber ID] [--config FILE] [--data-dir DIR | --database-url URL]
      Deliver parked events again now (with the parked events of their aggregate, oldest
      first); those handled are removed.
  procura help

  demo, op, worker and dead-letters take --config FILE to enable plugins.
  On PostgreSQL, PROCURA_ROW_LEVEL_SECURITY=true (or false) turns row-level security on (or
  off) for Procura's tables; unset, it stays as the database has it.
`

const storageFor = (values: { readonly "data-dir"?: string | undefined; readonly "database-url"?: string | undefined }) => {
  const url = values["database-url"] ?? (values["data-dir"] === undefined ? process.env["PROCURA_DATABASE_URL"] : undefined)
  if (url !== undefined && url !== "") {
    // Row-level security (defence in depth): on or off as PROCURA_ROW_LEVEL_SECURITY says; unset,
    // the adapter follows what the database has.
    const rls = process.env["PROCURA_ROW_LEVEL_SECURITY"]
    const rowLevelSecurity = rls === "true" ? true : rls === "false" ? false : undefined
    return {
      layer: SqlStorage.layerPg({ url: Redacted.make(url), ...(rowLevelSecurity !== undefined ? { rowLevelSecurity } : {}) }),
      description: rowLevelSecurity === true ? "PostgreSQL (row-level security on)" : "PostgreSQL"
    }
  }
  const dataDir = resolve(values["data-dir"] ?? ".procura/data")
  mkdirSync(dirname(dataDir), { recursive: true })
  return { layer: SqlStorage.layerPglite({ dataDir }), description: `embedded PGlite (${dataDir})` }
}

/**
 * Parses `USER@TENANT:ROLE,ROLE` into a principal.
 *
 * @since 0.1.0
 * @category parsing
 */
export const parsePrincipal = (text: string): Principal.Principal | undefined => {
  const match = /^([^@:]+)@([^:]+):(.*)$/.exec(text)
  if (match === null) return undefined
  return { userId: match[1]!, tenantId: match[2]!, roles: match[3]!.split(",").map((r) => r.trim()).filter((r) => r !== "") }
}

const describeError = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "_tag" in error) {
    const tagged = error as { _tag: string; message?: string; reason?: string }
    return `${tagged._tag}${tagged.reason ? ` (${tagged.reason})` : ""}: ${tagged.message ?? ""}`
  }
  return error instanceof Error ? error.message : String(error)
}

const demo = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parseArgs({
    args: [...args],
    options: { "data-dir": { type: "string" }, requests: { type: "string" }, config: { type: "string" } }
  })
  const started = performance.now()
  const dataDir = resolve(values["data-dir"] ?? ".procura/demo")
  mkdirSync(dirname(dataDir), { recursive: true })
  const runsFile = `${dataDir}.runs.json`
  const earlierRuns: Array<string> = existsSync(runsFile) ? JSON.parse(readFileSync(runsFile, "utf8")) : []
  const tenantId = `demo-${new Date().toISOString().replace(/[-:.]/g, "").replace("T", "-").slice(0, 15)}-${earlierRuns.length + 1}`
  const requests = values.requests === undefined ? 50 : Number(values.requests)
  if (!Number.isSafeInteger(requests) || requests < 1) {
    io.err(`--requests must be a positive whole number, got ${values.requests}\n`)
    return 2
  }

  io.out(`Procura demo: starting embedded PGlite in ${dataDir}${earlierRuns.length > 0 ? " (reusing the database of earlier runs)" : ""}\n`)
  let lastPhase = ""
  const progress = (phase: string, done: number, total: number) => {
    const width = 24
    const filled = Math.round((done / total) * width)
    const line = `  ${phase.padEnd(24)} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`
    if (io.tty) {
      io.out(`\r\x1b[2K${line}${done === total ? "\n" : ""}`)
    } else if (done === total || phase !== lastPhase) {
      if (done === total) io.out(`${line}\n`)
    }
    lastPhase = phase
  }
  let plugins: ReadonlyArray<Plugin.Enabled>
  try {
    plugins = await pluginsFromConfig(values.config ?? Demo.demoConfig)
  } catch (error) {
    io.err(`${describeError(error)}\n`)
    return 2
  }
  const layer = Procura.layerWith({ plugins }).pipe(Layer.provideMerge(SqlStorage.layerPglite({ dataDir })))
  const exit = await Effect.runPromiseExit(
    Demo.run({ tenantId, requests, progress }).pipe(Effect.provide(layer))
  )
  if (Exit.isFailure(exit)) {
    io.err(`\nThe demo failed: ${describeError(Cause.squash(exit.cause))}\n`)
    return 1
  }
  writeFileSync(runsFile, JSON.stringify([...earlierRuns, tenantId], null, 2))
  io.out(`${Demo.format(exit.value, {
    storage: `embedded PGlite (${dataDir})`,
    totalMillis: performance.now() - started,
    earlierRuns: earlierRuns.length
  })}\n`)
  return 0
}

const migrate = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parseArgs({ args: [...args], options: { "data-dir": { type: "string" }, "database-url": { type: "string" } } })
  const storage = storageFor(values)
  const exit = await Effect.runPromiseExit(
    Effect.flatMap(Storage.Storage, (s) => s.prepare(Procura.collections)).pipe(Effect.provide(storage.layer))
  )
  if (Exit.isFailure(exit)) {
    io.err(`Migration failed: ${describeError(Cause.squash(exit.cause))}\n`)
    return 1
  }
  io.out(`Procura's tables are up to date on ${storage.description} (${Procura.collections.length} collections).\n`)
  return 0
}

/** The plugins a `--config` names and the catalogue they make with the core's operations. */
const catalogueFor = async (config: string | undefined) => {
  const plugins = await pluginsFromConfig(config)
  const composition = await Effect.runPromise(Plugin.compose(plugins))
  return { plugins, composition, catalogue: Procura.catalogueWith(composition) }
}

/** {@link catalogueFor}, or `undefined` after printing why the configuration cannot be used. */
const loadConfig = async (config: string | undefined, io: Io) => {
  try {
    return await catalogueFor(config)
  } catch (error) {
    io.err(`${describeError(error)}\n`)
    return undefined
  }
}

const storageOptions = {
  "data-dir": { type: "string" },
  "database-url": { type: "string" },
  config: { type: "string" }
} as const

/** A whole number of at least `min` from a flag, or the default; undefined when malformed. */
const wholeNumber = (value: string | undefined, fallback: number, min: number): number | undefined => {
  if (value === undefined) return fallback
  const n = Number(value)
  return Number.isSafeInteger(n) && n >= min ? n : undefined
}

/** Runs an effect on the storage a command's flags choose, with the plugins' collections prepared. */
const onStorage = <A, E>(
  values: { readonly "data-dir"?: string | undefined; readonly "database-url"?: string | undefined },
  composition: Plugin.Composition,
  effect: Effect.Effect<A, E, Storage.Storage>,
  signal?: AbortSignal
) =>
  Effect.runPromiseExit(
    effect.pipe(
      Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(storageFor(values).layer)))
    ),
    signal === undefined ? undefined : { signal }
  )

const worker = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parseArgs({
    args: [...args],
    options: {
      ...storageOptions,
      "poll-interval": { type: "string" },
      "batch-size": { type: "string" },
      attempts: { type: "string" },
      "base-delay": { type: "string" },
      "max-delay": { type: "string" },
      "lease-ttl": { type: "string" },
      once: { type: "boolean" }
    }
  })
  const numbers = {
    pollInterval: wholeNumber(values["poll-interval"], 1_000, 1),
    batchSize: wholeNumber(values["batch-size"], 500, 1),
    attempts: wholeNumber(values.attempts, 5, 1),
    baseDelay: wholeNumber(values["base-delay"], 1_000, 0),
    maxDelay: wholeNumber(values["max-delay"], 60_000, 0),
    leaseTtl: wholeNumber(values["lease-ttl"], 30_000, 3)
  }
  const malformed = Object.entries(numbers).filter(([, n]) => n === undefined).map(([name]) => name)
  if (malformed.length > 0) {
    io.err(`These options need a positive whole number: ${malformed.join(", ")}\n`)
    return 2
  }
  const loaded = await loadConfig(values.config, io)
  if (loaded === undefined) return 2
  const subscribers = loaded.composition.subscribers
  const description = storageFor(values).description
  const options: Delivery.WorkerOptions = {
    // Names the lease holder for operators (`procura_leases.owner`); unique per process start.
    owner: `${hostname()}:${process.pid}:${Date.now().toString(36)}`,
    pollInterval: numbers.pollInterval!,
    batchSize: numbers.batchSize!,
    retry: { attempts: numbers.attempts!, baseDelay: numbers.baseDelay!, maxDelay: numbers.maxDelay! },
    leaseTtl: numbers.leaseTtl!,
    onDrain: (reports) =>
      Effect.sync(() => {
        for (const report of reports) {
          if (report.delivered > 0 || report.parked > 0) {
            io.out(`${report.subscriber}: delivered ${report.delivered}, parked ${report.parked}, at position ${report.position}\n`)
          }
        }
      })
  }
  const controller = new AbortController()
  const stop = () => controller.abort()
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
  io.signal?.addEventListener("abort", stop, { once: true })
  try {
    io.out(`Procura worker started on ${description}: ${subscribers.length} subscriber(s)${
      subscribers.length > 0 ? ` (${subscribers.map((s) => s.id).join(", ")})` : ""
    }\n`)
    const program = values.once
      ? Effect.flatMap(Delivery.drain(subscribers, options), (reports) => options.onDrain!(reports))
      : Delivery.worker(subscribers, options)
    const exit = await onStorage(values, loaded.composition, program, controller.signal)
    if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
      io.err(`The worker failed: ${describeError(Cause.squash(exit.cause))}\n`)
      return 1
    }
    io.out(values.once ? "Procura worker: one pass done.\n" : "Procura worker stopped.\n")
    return 0
  } finally {
    process.off("SIGINT", stop)
    process.off("SIGTERM", stop)
    io.signal?.removeEventListener("abort", stop)
  }
}

const deadLetters = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { positionals, values } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { ...storageOptions, subscriber: { type: "string" }, json: { type: "boolean" }, all: { type: "boolean" } }
  })
  const [sub, id] = positionals
  if (sub !== "list" && sub !== "replay") {
    io.err("Usage: procura dead-letters list | procura dead-letters replay <id> | --all\n")
    return 2
  }
  if (sub === "replay" && (id === undefined) === (values.all !== true)) {
    io.err("Name one dead letter to replay, or pass --all\n")
    return 2
  }
  const loaded = await loadConfig(values.config, io)
  if (loaded === undefined) return 2
  const { composition } = loaded
  const subscriber = values.subscriber === undefined ? {} : { subscriber: values.subscriber }
  if (sub === "list") {
    const exit = await onStorage(values, composition, Delivery.listDeadLetters({ ...subscriber, limit: 100_000 }))
    if (Exit.isFailure(exit)) {
      io.err(`${describeError(Cause.squash(exit.cause))}\n`)
      return 1
    }
    if (values.json) {
      io.out(`${JSON.stringify(exit.value, null, 2)}\n`)
    } else if (exit.value.length === 0) {
      io.out("No dead letters.\n")
    } else {
      for (const letter of exit.value) {
        io.out(`${letter.id}  ${letter.event.type} ${letter.event.aggregateType} ${letter.event.aggregateId}  attempts ${letter.attempts}  ${letter.firstFailedAt} .. ${letter.lastFailedAt}\n    ${letter.error}\n`)
      }
    }
    return 0
  }
  const program = id === undefined
    ? Delivery.replayAll(composition.subscribers, subscriber)
    : Effect.map(Delivery.replay(composition.subscribers, id), (report) => [report])
  const exit = await onStorage(values, composition, program)
  if (Exit.isFailure(exit)) {
    io.err(`${describeError(Cause.squash(exit.cause))}\n`)
    return 1
  }
  for (const report of exit.value) {
    io.out(`${report.subscriber} ${report.aggregateType} ${report.aggregateId}: delivered ${report.delivered}, still parked ${report.remaining}${
      report.error === undefined ? "" : ` (${report.error})`
    }\n`)
  }
  if (exit.value.length === 0) io.out("No dead letters.\n")
  return exit.value.every((report) => report.remaining === 0) ? 0 : 1
}

const ops = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parseArgs({ args: [...args], options: { json: { type: "boolean" }, config: { type: "string" } } })
  const loaded = await loadConfig(values.config, io)
  if (loaded === undefined) return 2
  const { catalogue } = loaded
  const list = [...catalogue.values()].map((op) => ({
    id: op.id,
    kind: op.kind,
    permission: op.permission,
    events: op.events,
    summary: op.summary
  }))
  if (values.json) {
    io.out(`${JSON.stringify(list, null, 2)}\n`)
    return 0
  }
  const idWidth = Math.max(...list.map((op) => op.id.length))
  const permissionWidth = Math.max(...list.map((op) => op.permission.length))
  for (const op of list) io.out(`${op.id.padEnd(idWidth)} ${op.kind.padEnd(8)} ${op.permission.padEnd(permissionWidth)} ${op.summary}\n`)
  return 0
}

const op = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      schema: { type: "boolean" },
      as: { type: "string" },
      input: { type: "string" },
      "input-file": { type: "string" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      config: { type: "string" }
    }
  })
  const id = positionals[0]
  const loaded = await loadConfig(values.config, io)
  if (loaded === undefined) return 2
  const { plugins, catalogue } = loaded
  const operation = id === undefined ? undefined : catalogue.get(id)
  if (operation === undefined) {
    io.err(`${id === undefined ? "Name an operation" : `Unknown operation ${id}`}; \`procura ops\` lists them.\n`)
    return 2
  }
  if (values.schema) {
    io.out(`${JSON.stringify({
      id: operation.id,
      summary: operation.summary,
      permission: operation.permission,
      events: operation.events,
      input: z.toJSONSchema(operation.input, { io: "input", unrepresentable: "any" }),
      output: z.toJSONSchema(operation.output, { unrepresentable: "any" })
    }, null, 2)}\n`)
    return 0
  }
  const principal = values.as === undefined ? undefined : parsePrincipal(values.as)
  if (principal === undefined) {
    io.err("Give the principal to run as: --as USER@TENANT:ROLE[,ROLE]\n")
    return 2
  }
  let input: unknown = {}
  try {
    if (values["input-file"] !== undefined) input = JSON.parse(readFileSync(values["input-file"], "utf8"))
    else if (values.input !== undefined) input = JSON.parse(values.input)
  } catch (error) {
    io.err(`The input is not valid JSON: ${describeError(error)}\n`)
    return 2
  }
  const storage = storageFor(values)
  const procura = createProcura({ storage: storage.layer, principal, plugins })
  try {
    const result = await procura.run(operation.id, input)
    io.out(`${JSON.stringify(result, null, 2)}\n`)
    return 0
  } catch (error) {
    io.err(`${describeError(error)}\n`)
    return 1
  } finally {
    await procura.dispose()
  }
}

/** `procura catalog import <file>`: runs `catalog.importCatalog` on the file's content. */
const catalog = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { format: { type: "string" }, "dry-run": { type: "boolean" }, as: { type: "string" }, ...storageOptions }
  })
  const [sub, file] = positionals
  if (sub !== "import" || file === undefined) {
    io.err("Usage: procura catalog import <file> --as USER@TENANT:ROLE[,ROLE] [--format csv|json] [--dry-run]\n")
    return 2
  }
  if (!existsSync(file)) {
    io.err(`No file ${file}\n`)
    return 2
  }
  const format = values.format ?? (file.toLowerCase().endsWith(".json") ? "json" : "csv")
  const input = { format, content: readFileSync(file, "utf8"), mode: values["dry-run"] === true ? "validate" : "import" }
  const passed = (["as", "data-dir", "database-url", "config"] as const).flatMap((name) => {
    const value = values[name]
    return value === undefined ? [] : [`--${name}`, value]
  })
  return op(["catalog.importCatalog", "--input", JSON.stringify(input), ...passed], io)
}

const config = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const [sub, target] = args
  if (sub === "schema") {
    const plugin = installedPlugins.find((p) => p.id === target)
    if (plugin === undefined) {
      io.err(`No plugin "${target ?? ""}"; installed: ${installedPlugins.map((p) => p.id).join(", ")}\n`)
      return 2
    }
    io.out(`${JSON.stringify(Plugin.configJsonSchema(plugin), null, 2)}\n`)
    return 0
  }
  if (sub === "validate" && target !== undefined) {
    try {
      const enabled = await pluginsFromConfig(target)
      const exit = await Effect.runPromiseExit(Plugin.compose(enabled))
      if (Exit.isFailure(exit)) throw Cause.squash(exit.cause)
      io.out(`${target} is valid: ${exit.value.plugins.map((p) => `${p.id}@${p.version}`).join(", ") || "no plugins enabled"}\n`)
      return 0
    } catch (error) {
      const issues = error instanceof Plugin.PluginError ? error.issues : []
      io.err(`${target} is invalid:\n`)
      if (issues.length > 0) {
        for (const issue of issues) io.err(`  ${issue.path.join(".")}: ${issue.message}\n`)
      } else {
        io.err(`  ${describeError(error)}\n`)
      }
      return 1
    }
  }
  io.err("Usage: procura config validate <file> | procura config schema <plugin>\n")
  return 2
}

/**
 * Runs the CLI on arguments (without `node` and the script) and returns the exit code.
 *
 * @since 0.1.0
 * @category constructors
 */
export const main = async (argv: ReadonlyArray<string>, io: Io = defaultIo): Promise<number> => {
  const [command, ...rest] = argv
  switch (command) {
    case "demo":
      return demo(rest, io)
    case "migrate":
      return migrate(rest, io)
    case "ops":
      return ops(rest, io)
    case "op":
      return op(rest, io)
    case "catalog":
      return catalog(rest, io)
    case "config":
      return config(rest, io)
    case "worker":
      return worker(rest, io)
    case "dead-letters":
      return deadLetters(rest, io)
    case undefined:
    case "help":
    case "--help":
    case "-h":
      io.out(usage)
      return 0
    default:
      io.err(`Unknown command ${command}\n\n${usage}`)
      return 2
  }
}
