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
import { Connector, Delivery, Errors, OpenApi, Plugin, Principal, Procura, Storage } from "@procura/core"
import { SqlStorage } from "@procura/storage-sql"
import { Effect, Exit, Layer, Cause, Option } from "effect"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { hostname } from "node:os"
import { dirname, resolve } from "node:path"
import { parseArgs, type ParseArgsOptionsConfig } from "node:util"
import { Migration } from "@procura/connector-coupa"
import * as Demo from "./Demo.js"
import * as DemoCoupa from "./DemoCoupa.js"
import * as DemoServiceNow from "./DemoServiceNow.js"
import * as Host from "./Host.js"

/**
 * The plugins this CLI can enable from a configuration file, which `procura worker` then runs:
 * `Host.installedPlugins` (the approvals, itam-spo and spm-oversight plugins, the ServiceNow and
 * Coupa connectors). A configuration file adds the host's own with `modules` (files exporting
 * plugins).
 *
 * @since 0.1.0
 * @category constants
 */
export const installedPlugins: ReadonlyArray<Plugin.Plugin<string, any>> = Host.installedPlugins

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

/** Each command's usage lines, in the order `procura help` lists them. */
const commandUsages: ReadonlyArray<{ readonly command: string; readonly usage: string }> = [
  {
    command: "demo",
    usage: `  procura demo [--data-dir DIR] [--requests N] [--config FILE] [--servicenow] [--coupa]
      Run seed 002's procure-to-asset flow on embedded PGlite persisted in DIR
      (default .procura/demo). Each run uses a tenant of its own. --servicenow also
      mirrors it to ServiceNow ITAM, SPO and SPM (the instance and credentials from
      SERVICENOW_INSTANCE_URL, SERVICENOW_AUTH, ...), prints what arrived, and closes a
      project task in SPM as a project manager would, which comes back to Procura. --coupa
      pushes it to Coupa with spo-coupa (COUPA_INSTANCE_URL, COUPA_CLIENT_ID,
      COUPA_CLIENT_SECRET, COUPA_SCOPES) and prints what arrived.
`
  },
  {
    command: "migrate",
    usage: `  procura migrate [--data-dir DIR | --database-url URL]
      Create or upgrade Procura's tables. Without either flag, uses PROCURA_DATABASE_URL
      when set, else PGlite in .procura/data.
`
  },
  {
    command: "ops",
    usage: `  procura ops [--json] [--config FILE]
      List every operation: id, permission, summary.
`
  },
  {
    command: "openapi",
    usage: `  procura openapi [--config FILE] [--base-path PATH]
      Print the OpenAPI 3.1 document of every operation (with the plugins FILE enables): one
      POST <PATH>/<operation id> each (default /operations), its schemas, problem responses
      and permission.
`
  },
  {
    command: "op",
    usage: `  procura op <operation-id> --schema [--config FILE]
      Print the JSON Schemas of the operation's input and output.
  procura op <operation-id> --as USER@TENANT:ROLE[,ROLE] [--input JSON | --input-file FILE]
         [--config FILE] [--data-dir DIR | --database-url URL]
      Run one operation and print its result as JSON. An unknown operation id or role is
      refused (exit 2) with the nearest known one.
`
  },
  {
    command: "catalog",
    usage: `  procura catalog import <file> --as USER@TENANT:ROLE[,ROLE] [--format csv|json] [--dry-run]
         [--config FILE] [--data-dir DIR | --database-url URL]
      Import catalog items from a CSV or JSON file (format from the extension unless given):
      catalog.importCatalog on the file. --dry-run only checks and prints the per-row report.
`
  },
  {
    command: "config",
    usage: `  procura config validate <file>
      Check a configuration file (JSON or YAML: { "modules": [...], "plugins": { "<id>": { ... } } })
      against the plugins' schemas. Every problem of every plugin is reported in one run, each
      with its path (unknown keys and plugin ids with the nearest valid one); exit 1 if any.
  procura config schema <plugin> [--config FILE]
      Print the JSON Schema of a plugin's configuration: an installed plugin, or one the modules
      of FILE export. Installed plugins: ${installedPlugins.map((p) => p.id).join(", ")}.
`
  },
  {
    command: "worker",
    usage: `  procura worker [--config FILE] [--data-dir DIR | --database-url URL] [--poll-interval MS]
         [--batch-size N] [--attempts N] [--base-delay MS] [--max-delay MS] [--lease-ttl MS]
         [--inbound-interval MS] [--once]
      Deliver domain events to the enabled plugins' and connectors' subscribers until SIGINT or
      SIGTERM (--once: one pass, then exit). Several workers on one PostgreSQL share the subscribers
      through leases. A failing handler is retried with backoff (default 5 attempts, 1000 ms
      doubling up to 60000 ms), then its event is parked as a dead letter. The enabled connectors'
      inbound pollers pull their changes every --inbound-interval (default 60000 ms).
`
  },
  {
    command: "connectors",
    usage: `  procura connectors plan --from sam-coupa --to spo-coupa --as USER@TENANT:ROLE[,ROLE] [--apply]
         [--config FILE] [--data-dir DIR | --database-url URL]
      Print the steps of moving between the two Coupa connectors (seed 000's checklist, each
      mapped to what Procura does, [x] when done) for the tenant. --apply performs Procura's side:
      the old connector's last pull (refused while Coupa holds records it could not take), the
      imported records linked for the new one and their external references written to Coupa,
      the old connector retired. Running it again changes nothing. FILE enables the old
      connector (its client reads COUPA_INSTANCE_URL, COUPA_CLIENT_ID, COUPA_CLIENT_SECRET,
      COUPA_SCOPES); then disable it and enable the new one.
`
  },
  {
    command: "dead-letters",
    usage: `  procura dead-letters list [--subscriber ID] [--json] [--config FILE] [--data-dir DIR | --database-url URL]
      List the parked events: id, subscriber, attempts, failure times and error.
  procura dead-letters replay <id> | --all [--subscriber ID] [--config FILE] [--data-dir DIR | --database-url URL]
      Deliver parked events again now (with the parked events of their aggregate, oldest
      first); those handled are removed.
`
  },
  {
    command: "help",
    usage: `  procura help [<command>]
      This text, or one command's usage. \`procura <command> --help\` prints it too.
`
  }
]

const usage = `procura: the Procura command line

Usage:
${commandUsages.map((entry) => entry.usage).join("")}
  demo, op, ops, openapi, worker and dead-letters take --config FILE to enable plugins: the
  installed ones, and your own: FILE's "modules" lists files (paths relative to FILE) whose
  exported plugins "plugins" then enables like the installed ones.
  On PostgreSQL, PROCURA_ROW_LEVEL_SECURITY=true (or false) turns row-level security on (or
  off) for Procura's tables; unset, it stays as the database has it.
  Exit codes: 0 done, 1 failed (or invalid configuration), 2 a usage error (unknown command,
  flag, operation or role; a missing or malformed argument).
`

/** One command's usage lines; the whole usage for a command that has none. */
const usageOf = (command: string): string => {
  const lines = commandUsages.filter((entry) => entry.command === command).map((entry) => entry.usage)
  return lines.length === 0 ? usage : `Usage:\n${lines.join("")}`
}

/** The command line was used wrongly: `main` prints the message and the command's usage, and exits 2. */
class UsageError extends Error {
  readonly command: string
  constructor(command: string, message: string) {
    super(message)
    this.command = command
  }
}

const flag = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`)

/**
 * `parseArgs`, with usage errors instead of exceptions: an unknown flag (naming the nearest known
 * one), a flag missing its value, or an unexpected argument.
 */
const parse = <const O extends ParseArgsOptionsConfig, const P extends boolean = false>(
  command: string,
  args: ReadonlyArray<string>,
  options: O,
  allowPositionals?: P
) => {
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true })
  for (const token of tokens) {
    if (token.kind !== "option" || Object.hasOwn(options, token.name)) continue
    const near = Errors.nearest(token.name, Object.keys(options))
    const known = Object.keys(options).map(flag).join(", ")
    throw new UsageError(
      command,
      `unknown option ${token.rawName}; ${near === undefined ? `options: ${known || "none"}` : `did you mean "${flag(near)}"?`}`
    )
  }
  try {
    return parseArgs({ args: [...args], options, allowPositionals: (allowPositionals ?? false) as P, strict: true })
  } catch (error) {
    // node:util's own usage errors (a flag missing its value, an unexpected argument).
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      throw new UsageError(command, error.message.replace(/\. To specify .*$/s, ""))
    }
    throw error
  }
}

/** The storage `--data-dir` or `--database-url` chooses (see `Host.storage`). */
const storageOptionsOf = (
  values: { readonly "data-dir"?: string | undefined; readonly "database-url"?: string | undefined }
): Host.StorageOptions => ({ dataDir: values["data-dir"], databaseUrl: values["database-url"] })

const storageFor = (values: { readonly "data-dir"?: string | undefined; readonly "database-url"?: string | undefined }) =>
  Host.storage(storageOptionsOf(values))

/**
 * Parses `USER@TENANT:ROLE,ROLE` into a principal (`Host.parsePrincipal`).
 *
 * @since 0.1.0
 * @category parsing
 */
export const parsePrincipal: (text: string) => Principal.Principal | undefined = Host.parsePrincipal

const describeError = (error: unknown): string => {
  if (typeof error === "object" && error !== null && "_tag" in error) {
    const tagged = error as { _tag: string; message?: string; reason?: string }
    return `${tagged._tag}${tagged.reason ? ` (${tagged.reason})` : ""}: ${tagged.message ?? ""}`
  }
  return error instanceof Error ? error.message : String(error)
}

const demo = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse("demo", args, {
    "data-dir": { type: "string" },
    requests: { type: "string" },
    config: { type: "string" },
    servicenow: { type: "boolean" },
    coupa: { type: "boolean" }
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
    plugins = await Host.enabledPlugins(values.config ?? Demo.demoConfig)
  } catch (error) {
    return configProblem(values.config, error, io)
  }
  const servicenow = values.servicenow === true
  const coupa = values.coupa === true
  const exit = await Effect.runPromiseExit(Effect.gen(function*() {
    const composition = yield* Plugin.compose([
      ...plugins,
      ...(servicenow ? DemoServiceNow.connectors(tenantId, { spm: plugins.some((p) => p.plugin.id === "spm-oversight") }) : []),
      ...(coupa ? DemoCoupa.connectors(tenantId) : [])
    ])
    return yield* Effect.gen(function*() {
      const summary = yield* Demo.run({ tenantId, requests, progress })
      const mirrored = servicenow ? yield* DemoServiceNow.mirror(composition, tenantId) : undefined
      const closedInSpm = servicenow ? yield* DemoServiceNow.closeInSpm(composition, tenantId) : undefined
      const pushed = coupa ? yield* DemoCoupa.push(composition, tenantId) : undefined
      return { summary, mirrored, closedInSpm, pushed }
    }).pipe(Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(SqlStorage.layerPglite({ dataDir })))))
  }))
  if (Exit.isFailure(exit)) {
    io.err(`\nThe demo failed: ${describeError(Cause.squash(exit.cause))}\n`)
    return 1
  }
  writeFileSync(runsFile, JSON.stringify([...earlierRuns, tenantId], null, 2))
  io.out(`${Demo.format(exit.value.summary, {
    storage: `embedded PGlite (${dataDir})`,
    totalMillis: performance.now() - started,
    earlierRuns: earlierRuns.length
  })}\n`)
  if (exit.value.mirrored !== undefined) {
    io.out(`${DemoServiceNow.format(exit.value.mirrored, process.env["SERVICENOW_INSTANCE_URL"] ?? "SERVICENOW_INSTANCE_URL")}\n`)
  }
  if (exit.value.closedInSpm !== undefined && Option.isSome(exit.value.closedInSpm)) {
    io.out(`${DemoServiceNow.formatClosed(exit.value.closedInSpm.value)}\n`)
  }
  if (exit.value.pushed !== undefined) {
    io.out(`${DemoCoupa.format(exit.value.pushed, process.env["COUPA_INSTANCE_URL"] ?? "COUPA_INSTANCE_URL")}\n`)
  }
  return 0
}

const migrate = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse("migrate", args, { "data-dir": { type: "string" }, "database-url": { type: "string" } })
  const storage = storageFor(values)
  const exit = await Effect.runPromiseExit(
    Effect.flatMap(Storage.Storage, (s) => s.prepare([...Procura.collections, ...Procura.platformCollections])).pipe(Effect.provide(storage.layer))
  )
  if (Exit.isFailure(exit)) {
    io.err(`Migration failed: ${describeError(Cause.squash(exit.cause))}\n`)
    return 1
  }
  io.out(`Procura's tables are up to date on ${storage.description} (${Procura.collections.length + Procura.platformCollections.length} collections).\n`)
  return 0
}

/**
 * Prints why a configuration cannot be used (an invalid file's problems one a line under its
 * name) and gives the exit code: 2 for a missing file, a usage error; 1 for an invalid one.
 */
const configProblem = (config: string | undefined, error: unknown, io: Io): number => {
  if (error instanceof Host.MissingConfigFile) {
    io.err(`${error.message}\n`)
    return 2
  }
  const issues = error instanceof Host.InvalidConfig ? error.issues : []
  const cause = error instanceof Host.InvalidConfig ? error.cause : error
  if (config === undefined) {
    io.err(`${describeError(cause)}\n`)
  } else if (issues.length > 0) {
    io.err(`${config} is invalid (${issues.length} ${issues.length === 1 ? "problem" : "problems"}):\n`)
    for (const issue of issues) io.err(`  ${issue.path.join(".")}: ${issue.message}\n`)
  } else {
    io.err(`${config} is invalid:\n  ${describeError(cause)}\n`)
  }
  return 1
}

/** `Host.load`: the plugins a `--config` names and their catalogue, or the exit code after printing why the configuration cannot be used. */
const loadConfig = async (config: string | undefined, io: Io) => {
  try {
    return await Host.load(config)
  } catch (error) {
    return configProblem(config, error, io)
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
  effect: Effect.Effect<A, E, Storage.Storage | Procura.Services>,
  signal?: AbortSignal
) =>
  Effect.runPromiseExit(
    effect.pipe(
      Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(storageFor(values).layer)))
    ),
    signal === undefined ? undefined : { signal }
  )

const worker = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse("worker", args, {
    ...storageOptions,
    "poll-interval": { type: "string" },
    "batch-size": { type: "string" },
    attempts: { type: "string" },
    "base-delay": { type: "string" },
    "max-delay": { type: "string" },
    "lease-ttl": { type: "string" },
    "inbound-interval": { type: "string" },
    once: { type: "boolean" }
  })
  const numbers = {
    pollInterval: wholeNumber(values["poll-interval"], 1_000, 1),
    batchSize: wholeNumber(values["batch-size"], 500, 1),
    attempts: wholeNumber(values.attempts, 5, 1),
    baseDelay: wholeNumber(values["base-delay"], 1_000, 0),
    maxDelay: wholeNumber(values["max-delay"], 60_000, 0),
    leaseTtl: wholeNumber(values["lease-ttl"], 30_000, 3),
    inboundInterval: wholeNumber(values["inbound-interval"], 60_000, 1)
  }
  const malformed = Object.entries(numbers).filter(([, n]) => n === undefined).map(([name]) => name)
  if (malformed.length > 0) {
    io.err(`These options need a positive whole number: ${malformed.join(", ")}\n`)
    return 2
  }
  const loaded = await loadConfig(values.config, io)
  if (typeof loaded === "number") return loaded
  const subscribers = loaded.composition.subscribers
  const pollers = loaded.composition.pollers
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
  const pollOptions: Connector.PollWorkerOptions = {
    owner: options.owner!,
    interval: numbers.inboundInterval!,
    onPoll: (reports) =>
      Effect.sync(() => {
        for (const report of reports) {
          if (report.failed !== undefined) io.err(`${report.connector} (${report.tenantId}): inbound poll failed: ${report.failed}\n`)
          else if (report.pulled > 0) io.out(`${report.connector} (${report.tenantId}): applied ${report.applied} change(s), watermark ${report.watermark}\n`)
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
      ? Effect.gen(function*() {
        yield* options.onDrain!(yield* Delivery.drain(subscribers, options))
        yield* pollOptions.onPoll!(yield* Connector.poll(pollers, pollOptions))
      })
      : pollers.length === 0
      ? Delivery.worker(subscribers, options)
      : Effect.all([Delivery.worker(subscribers, options), Connector.pollWorker(pollers, pollOptions)], { concurrency: "unbounded" })
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
  const { positionals, values } = parse(
    "dead-letters",
    args,
    { ...storageOptions, subscriber: { type: "string" }, json: { type: "boolean" }, all: { type: "boolean" } },
    true
  )
  const [sub, id] = positionals
  if (sub !== "list" && sub !== "replay") throw new UsageError("dead-letters", unknownSubcommand(sub, ["list", "replay"]))
  if (sub === "replay" && (id === undefined) === (values.all !== true)) {
    throw new UsageError("dead-letters", "name one dead letter to replay, or pass --all")
  }
  const loaded = await loadConfig(values.config, io)
  if (typeof loaded === "number") return loaded
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
  const { values } = parse("ops", args, { json: { type: "boolean" }, config: { type: "string" } })
  const loaded = await loadConfig(values.config, io)
  if (typeof loaded === "number") return loaded
  const { catalogue } = loaded
  const list = [...catalogue.values()].map((op) => ({
    id: op.id,
    kind: op.kind,
    permission: op.permission,
    events: op.events.map((event) => event.type),
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

const openapi = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values } = parse("openapi", args, { config: { type: "string" }, "base-path": { type: "string" } })
  const loaded = await loadConfig(values.config, io)
  if (typeof loaded === "number") return loaded
  const document = OpenApi.fromComposition(loaded.composition, values["base-path"] === undefined ? {} : { basePath: values["base-path"] })
  io.out(`${JSON.stringify(document, null, 2)}\n`)
  return 0
}

const op = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values, positionals } = parse("op", args, {
    schema: { type: "boolean" },
    as: { type: "string" },
    input: { type: "string" },
    "input-file": { type: "string" },
    "data-dir": { type: "string" },
    "database-url": { type: "string" },
    config: { type: "string" }
  }, true)
  const [id, ...extra] = positionals
  if (id === undefined) throw new UsageError("op", "name an operation; `procura ops` lists them")
  if (extra.length > 0) throw new UsageError("op", `unexpected argument ${extra[0]}: name one operation`)
  const loaded = await loadConfig(values.config, io)
  if (typeof loaded === "number") return loaded
  const { catalogue } = loaded
  const operation = catalogue.get(id)
  if (operation === undefined) {
    const suggestion = Errors.didYouMean(id, catalogue.keys())
    io.err(`Unknown operation ${id}; ${suggestion === undefined ? "" : `${suggestion} `}\`procura ops\` lists them.\n`)
    return 2
  }
  if (values.schema) {
    const { id: operationId, summary, permission, events, input, output } = Host.describe(operation)
    io.out(`${JSON.stringify({ id: operationId, summary, permission, events, input, output }, null, 2)}\n`)
    return 0
  }
  // The roles Procura, its permission matrix and the enabled plugins know; a typo is refused, not run powerless.
  let principal: Principal.Principal
  try {
    principal = Host.principal(values.as ?? "", loaded.composition)
  } catch (error) {
    if (error instanceof Host.UnknownRoles) {
      for (const issue of error.issues) io.err(`--as: ${issue.message}\n`)
      return 2
    }
    if (error instanceof Host.InvalidPrincipal) {
      io.err("Give the principal to run as: --as USER@TENANT:ROLE[,ROLE]\n")
      return 2
    }
    throw error
  }
  let input: unknown = {}
  try {
    if (values["input-file"] !== undefined) input = JSON.parse(readFileSync(values["input-file"], "utf8"))
    else if (values.input !== undefined) input = JSON.parse(values.input)
  } catch (error) {
    io.err(`The input is not valid JSON: ${describeError(error)}\n`)
    return 2
  }
  const host = await Host.open({ loaded, principal, storage: storageOptionsOf(values) })
  try {
    const result = await host.run(operation.id, input)
    io.out(`${JSON.stringify(result, null, 2)}\n`)
    return 0
  } catch (error) {
    io.err(`${describeError(error)}\n`)
    return 1
  } finally {
    await host.dispose()
  }
}

/** `procura catalog import <file>`: runs `catalog.importCatalog` on the file's content. */
const catalog = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { values, positionals } = parse(
    "catalog",
    args,
    { format: { type: "string" }, "dry-run": { type: "boolean" }, as: { type: "string" }, ...storageOptions },
    true
  )
  const [sub, file] = positionals
  if (sub !== "import") throw new UsageError("catalog", unknownSubcommand(sub, ["import"]))
  if (file === undefined) throw new UsageError("catalog", "name the file to import")
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
  const { positionals, values } = parse("config", args, { config: { type: "string" } }, true)
  const [sub, target, ...extra] = positionals
  if (sub !== "schema" && sub !== "validate") throw new UsageError("config", unknownSubcommand(sub, ["validate", "schema"]))
  if (target === undefined) throw new UsageError("config", sub === "schema" ? "name a plugin" : "name the configuration file")
  if (extra.length > 0) throw new UsageError("config", `unexpected argument ${extra[0]}`)
  if (sub === "schema") {
    // The installed plugins, and those the modules of a --config file export.
    let available: ReadonlyArray<Plugin.Plugin<string, any>>
    try {
      available = await Host.availablePlugins(values.config)
    } catch (error) {
      return configProblem(values.config, error, io)
    }
    const plugin = available.find((p) => p.id === target)
    if (plugin === undefined) {
      const ids = available.map((p) => p.id)
      const suggestion = Errors.didYouMean(target, ids)
      io.err(`No plugin "${target}"; ${suggestion === undefined ? "" : `${suggestion} `}installed: ${ids.join(", ")}\n`)
      return 2
    }
    io.out(`${JSON.stringify(Plugin.configJsonSchema(plugin), null, 2)}\n`)
    return 0
  }
  if (values.config !== undefined) throw new UsageError("config", "--config goes with `config schema`; `config validate` takes the file itself")
  try {
    // Every problem of the file and of every plugin's configuration, then the composition's own checks.
    const { composition } = await Host.load(target)
    io.out(`${target} is valid: ${composition.plugins.map((p) => `${p.id}@${p.version}`).join(", ") || "no plugins enabled"}\n`)
    return 0
  } catch (error) {
    return configProblem(target, error, io)
  }
}

const connectors = async (args: ReadonlyArray<string>, io: Io): Promise<number> => {
  const { positionals, values } = parse(
    "connectors",
    args,
    { ...storageOptions, from: { type: "string" }, to: { type: "string" }, as: { type: "string" }, apply: { type: "boolean" } },
    true
  )
  const [sub, ...extra] = positionals
  if (sub !== "plan") throw new UsageError("connectors", unknownSubcommand(sub, ["plan"]))
  if (extra.length > 0) throw new UsageError("connectors", `unexpected argument ${extra[0]}`)
  if (values.from === undefined || values.to === undefined) throw new UsageError("connectors", "name the connectors: --from ID --to ID")
  const principal = values.as === undefined ? undefined : Host.parsePrincipal(values.as)
  if (principal === undefined) throw new UsageError("connectors", "give the principal whose tenant migrates: --as USER@TENANT:ROLE[,ROLE]")
  const loaded = await loadConfig(values.config, io)
  if (typeof loaded === "number") return loaded
  const options = { from: values.from, to: values.to }
  const program = values.apply === true
    ? Effect.map(Migration.apply({ ...options, pollers: loaded.composition.pollers.filter((p) => p.tenantId === principal.tenantId) }), (applied) =>
      `${applied.changed.length === 0 ? "Nothing to do: Procura's side was done already.\n" : applied.changed.map((line) => `${line}\n`).join("")}${
        Migration.format(applied.plan)
      }`)
    : Effect.map(Migration.plan(options), Migration.format)
  const exit = await onStorage(values, loaded.composition, Principal.runAs(program, principal))
  if (Exit.isFailure(exit)) {
    io.err(`${describeError(Cause.squash(exit.cause))}\n`)
    return 1
  }
  io.out(exit.value)
  return 0
}

/** Why a subcommand is not one of `known`, naming the nearest. */
const unknownSubcommand = (sub: string | undefined, known: ReadonlyArray<string>): string => {
  if (sub === undefined) return `name a subcommand: ${known.join(" or ")}`
  const suggestion = Errors.didYouMean(sub, known)
  return `unknown subcommand ${sub}; ${suggestion ?? `expected ${known.join(" or ")}`}`
}

/** The commands, by name. */
const commands: Readonly<Record<string, (args: ReadonlyArray<string>, io: Io) => Promise<number>>> = {
  demo: (args, io) => demo(args, io),
  migrate: (args, io) => migrate(args, io),
  ops: (args, io) => ops(args, io),
  openapi: (args, io) => openapi(args, io),
  op: (args, io) => op(args, io),
  catalog: (args, io) => catalog(args, io),
  config: (args, io) => config(args, io),
  worker: (args, io) => worker(args, io),
  "dead-letters": (args, io) => deadLetters(args, io),
  connectors: (args, io) => connectors(args, io)
}

/**
 * Runs the CLI on arguments (without `node` and the script) and returns the exit code.
 *
 * @since 0.1.0
 * @category constructors
 */
export const main = async (argv: ReadonlyArray<string>, io: Io = defaultIo): Promise<number> => {
  const [command, ...rest] = argv
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    const topic = command === "help" ? rest[0] : undefined
    if (topic !== undefined && !Object.hasOwn(commands, topic)) {
      const suggestion = Errors.didYouMean(topic, Object.keys(commands))
      io.err(`Unknown command ${topic}${suggestion === undefined ? "" : `; ${suggestion}`}\n\n${usage}`)
      return 2
    }
    io.out(topic === undefined ? usage : usageOf(topic))
    return 0
  }
  const run = Object.hasOwn(commands, command) ? commands[command] : undefined
  if (run === undefined) {
    const suggestion = Errors.didYouMean(command, [...Object.keys(commands), "help"])
    io.err(`Unknown command ${command}${suggestion === undefined ? "" : `; ${suggestion}`}\n\n${usage}`)
    return 2
  }
  const options = rest.indexOf("--") === -1 ? rest : rest.slice(0, rest.indexOf("--"))
  if (options.includes("--help") || options.includes("-h")) {
    io.out(usageOf(command))
    return 0
  }
  try {
    return await run(rest, io)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.err(`procura ${error.command}: ${error.message}\n\n${usageOf(error.command)}`)
    return 2
  }
}
