/**
 * @procura/node-red: Procura's operations and domain events as Node-RED nodes.
 *
 * Three node types, all projections of the operations catalogue (`@procura/cli`'s `Host`), none
 * a hand-written copy of an operation:
 *
 * - `procura-config` (a configuration node): where the data is (embedded PGlite in a directory, or
 *   a PostgreSQL URL kept in Node-RED's credentials), who runs (`USER@TENANT:ROLE[,ROLE]`) and an
 *   optional plugin configuration file (JSON or YAML). Configuration nodes on one storage and
 *   plugins file share the process's Procura host for it (`Host.share`), each running as its own
 *   principal; the host opens on first use and closes when no flow uses it.
 * - `procura-operation`: runs the operation chosen in the editor, whose form is drawn from the
 *   operation's input schema; each field is a typed input (a literal, `msg.…`, flow or global
 *   context, an environment variable or a JSONata expression), over `msg.payload` when that is an
 *   object. The result is the outgoing `msg.payload`. A refused or failed call goes to Node-RED's
 *   catch nodes with `msg.error.code` (`AccessDenied`, `ValidationError`, ...) and the problem
 *   details in `msg.error.cause`.
 * - `procura-events`: polls `events.listEvents` and sends each domain event, in order, as
 *   `msg.payload` with the type as `msg.topic`; the position reached is kept in the node's context
 *   (persistent across restarts when Node-RED's context store is).
 *
 * The editor reads the catalogue from `GET <admin root>/procura/operations?config=<node id>`.
 *
 * @since 0.1.0
 */
import { Host } from "@procura/cli"
import type { Operation } from "@procura/core"
import { resolve } from "node:path"
import type { AdminRequest, AdminResponse, Message, Node, NodeDefinition, Red } from "./red.js"

/** Reads a string property of a node's definition. */
const text = (definition: NodeDefinition, key: string): string => {
  const value = definition[key]
  return typeof value === "string" ? value.trim() : ""
}

/** A message for people from anything thrown. */
const describe = (error: unknown): string =>
  typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" ? error.message : String(error)

/** What a `procura-config` node gives the nodes that use it: runs as its principal, and the catalogue. */
interface Configured {
  readonly run: (operationId: string, input: unknown) => Promise<unknown>
  readonly toProblem: (error: unknown) => ReturnType<Host.Shared["toProblem"]> | undefined
  readonly catalogue: () => Promise<ReadonlyMap<string, Operation.Any>>
}

const configured = new WeakMap<object, Configured>()

/** The configuration node a node names, or an error saying what is missing. */
const configOf = (red: Red, id: string): Configured => {
  const node = id === "" ? undefined : red.nodes.getNode(id)
  const found = node === undefined || node === null ? undefined : configured.get(node)
  if (found === undefined) throw new Error("No Procura configuration: choose a procura-config node in this node's settings")
  return found
}

/** An error as Node-RED's catch nodes receive it: `code` from the problem details, which are its `cause`. */
const flowError = (config: Configured | undefined, error: unknown): Error & { code: string } => {
  const problem = config?.toProblem(error)
  const tag = typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : undefined
  const code = problem?.code ?? tag ?? "Error"
  return Object.assign(new Error(`${code}: ${problem?.detail ?? describe(error)}`, { cause: problem ?? error }), { code })
}

/** One field of the operation form: a typed input's value and type (`str`, `num`, `msg`, `jsonata`, ...). */
interface Field {
  readonly value: string
  readonly type: string
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const fieldsOf = (definition: NodeDefinition): ReadonlyArray<readonly [string, Field]> => {
  const fields = definition["fields"]
  if (!isRecord(fields)) return []
  return Object.entries(fields).flatMap(([name, field]) =>
    isRecord(field) && typeof field["value"] === "string" && typeof field["type"] === "string" && field["value"] !== ""
      ? [[name, { value: field["value"], type: field["type"] }] as const]
      : []
  )
}

/** Evaluates a typed input on a message (JSONata asynchronously, as Node-RED does). */
const evaluate = (red: Red, node: Node, field: Field, msg: Message): Promise<unknown> =>
  new Promise((resolve, reject) =>
    red.util.evaluateNodeProperty(field.value, field.type, node, msg, (error, value) => (error ? reject(error) : resolve(value)))
  )

/**
 * `procura-config`: one principal on the process's host for its storage and plugins file
 * (`Host.share`), which configuration nodes with other principals on the same storage share: an
 * embedded database is opened once.
 */
const configNode = (node: Node, definition: NodeDefinition): void => {
  const storage: Host.StorageOptions = text(definition, "storage") === "postgres"
    ? { databaseUrl: node.credentials?.["databaseUrl"] ?? "" }
    : { dataDir: text(definition, "dataDir") || ".procura/data" }
  const config = text(definition, "configFile") || undefined
  let lease: Promise<Host.Shared> | undefined
  let current: Host.Shared | undefined
  const held = () =>
    (lease ??= Host.share({ principal: text(definition, "principal"), storage, config }).then(
      (shared) => (current = shared),
      (error: unknown) => {
        lease = undefined
        throw error
      }
    ))
  configured.set(node, {
    run: async (operationId, input) => (await held()).run(operationId, input),
    toProblem: (error) => current?.toProblem(error),
    catalogue: async () => current?.catalogue ?? (await Host.load(config === undefined ? undefined : resolve(config))).catalogue
  })
  node.on("close", (_removed, done) => {
    const closing = lease
    lease = undefined
    current = undefined
    if (closing === undefined) return done()
    closing.then((shared) => shared.release(), () => undefined).then(() => done(), () => done())
  })
}

/** `procura-operation`: the chosen operation, per message. */
const operationNode = (red: Red, node: Node, definition: NodeDefinition): void => {
  const operation = text(definition, "operation")
  const fields = fieldsOf(definition)
  const payloadAsInput = definition["payloadAsInput"] !== false
  node.on("input", (msg, send, done) => {
    let config: Configured | undefined
    const run = async () => {
      config = configOf(red, text(definition, "config"))
      if (operation === "") throw new Error("No operation chosen: pick one in this node's settings")
      const input: Record<string, unknown> = payloadAsInput && isRecord(msg.payload) ? { ...msg.payload } : {}
      for (const [name, field] of fields) input[name] = await evaluate(red, node, field, msg)
      return config.run(operation, input)
    }
    run().then(
      (result) => {
        node.status({})
        send({ ...msg, payload: result })
        done()
      },
      (error: unknown) => {
        const failure = flowError(config, error)
        node.status({ fill: "red", shape: "dot", text: failure.code })
        done(failure)
      }
    )
  })
}

type Page = { readonly events: ReadonlyArray<{ readonly type: string; readonly position: number }>; readonly next: number }

/** `procura-events`: polls `events.listEvents` and sends each event, keeping the position in the node's context. */
const eventsNode = (red: Red, node: Node, definition: NodeDefinition): void => {
  const types = text(definition, "types").split(",").map((type) => type.trim()).filter((type) => type !== "")
  const seconds = Number(text(definition, "interval") || "5")
  const interval = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 5000
  const fromStart = text(definition, "start") === "beginning"
  const context = node.context()
  const state: { stopped: boolean; timer: ReturnType<typeof setTimeout> | undefined; polling: Promise<void> } = {
    stopped: false,
    timer: undefined,
    polling: Promise.resolve()
  }

  const list = (config: Configured, after: number) =>
    config.run("events.listEvents", { after, limit: 500, ...(types.length > 0 ? { types } : {}) }) as Promise<Page>

  /** Where to continue: the position kept in context, or (first start) the log's start or its end. */
  const start = async (config: Configured): Promise<number> => {
    const kept = context.get("after")
    if (typeof kept === "number") return kept
    if (fromStart) return 0
    let after = 0
    for (let page = await list(config, 0); page.next !== after; page = await list(config, after)) after = page.next
    return after
  }

  /** Sends every event after the kept position, page by page, keeping the position after each page. */
  const poll = async () => {
    let config: Configured | undefined
    try {
      config = configOf(red, text(definition, "config"))
      let after = await start(config)
      context.set("after", after)
      for (let page = await list(config, after); !state.stopped; page = await list(config, after)) {
        for (const event of page.events) node.send({ topic: event.type, payload: event })
        if (page.next === after) break
        after = page.next
        context.set("after", after)
      }
      node.status({ fill: "green", shape: "dot", text: `at ${after}` })
    } catch (error) {
      const failure = flowError(config, error)
      node.status({ fill: "red", shape: "dot", text: failure.code })
      node.error(failure)
    }
  }
  const schedule = () => {
    if (state.stopped) return
    state.timer = setTimeout(() => {
      state.polling = poll().then(schedule)
    }, interval)
  }
  state.polling = poll().then(schedule)
  node.on("close", (_removed, done) => {
    state.stopped = true
    if (state.timer !== undefined) clearTimeout(state.timer)
    state.polling.then(() => done(), () => done())
  })
}

/**
 * Registers the Procura node types with Node-RED, and the editor's catalogue endpoint: what
 * Node-RED calls when it loads the package.
 *
 * @since 0.1.0
 * @category registration
 */
export default function procuraNodes(red: Red): void {
  red.nodes.registerType("procura-config", function(this: Node, definition: NodeDefinition) {
    red.nodes.createNode(this, definition)
    configNode(this, definition)
  }, { credentials: { databaseUrl: { type: "password" } } })
  red.nodes.registerType("procura-operation", function(this: Node, definition: NodeDefinition) {
    red.nodes.createNode(this, definition)
    operationNode(red, this, definition)
  })
  red.nodes.registerType("procura-events", function(this: Node, definition: NodeDefinition) {
    red.nodes.createNode(this, definition)
    eventsNode(red, this, definition)
  })

  // The catalogue for the editor: every operation of a deployed configuration node's host (its
  // plugins included), else of the installed plugins' defaults.
  red.httpAdmin.get("/procura/operations", red.auth.needsPermission("flows.read"), (req: AdminRequest, res: AdminResponse) => {
    const id = req.query["config"] ?? ""
    const node = id === "" ? undefined : red.nodes.getNode(id)
    const found = node === undefined || node === null ? undefined : configured.get(node)
    const catalogue = found === undefined ? Host.load().then((loaded) => loaded.catalogue) : found.catalogue()
    catalogue.then(
      (operations) => res.json([...operations.values()].map(Host.describe)),
      (error: unknown) => res.status(500).json({ error: describe(error) })
    )
  })
}
