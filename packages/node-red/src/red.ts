/**
 * The parts of Node-RED's runtime API the Procura nodes use, typed here: Node-RED publishes no
 * types of its own. Private to the package.
 */

/** A message in a flow. */
export interface Message {
  payload?: unknown
  topic?: string
  [key: string]: unknown
}

/** A node as the runtime makes it (`RED.nodes.createNode` fills in these members). */
export interface Node {
  readonly id: string
  readonly credentials?: Readonly<Record<string, string | undefined>>
  on(event: "input", listener: (msg: Message, send: (msg: Message) => void, done: (error?: Error) => void) => void): void
  on(event: "close", listener: (removed: boolean, done: () => void) => void): void
  send(msg: Message): void
  status(status: { readonly fill?: "red" | "green" | "yellow" | "blue" | "grey"; readonly shape?: "dot" | "ring"; readonly text?: string }): void
  error(error: unknown, msg?: Message): void
  warn(message: unknown): void
  log(message: unknown): void
  context(): { get(key: string): unknown; set(key: string, value: unknown): void }
}

/** A node's configuration as the editor saved it. */
export interface NodeDefinition {
  readonly id: string
  readonly type: string
  readonly name?: string
  readonly [property: string]: unknown
}

/** What `req`/`res` of an admin route need to be here. */
export interface AdminRequest {
  readonly query: Readonly<Record<string, string | undefined>>
}
export interface AdminResponse {
  status(code: number): AdminResponse
  json(body: unknown): void
}

/** The runtime API handed to a node module. */
export interface Red {
  readonly nodes: {
    createNode(node: object, definition: NodeDefinition): void
    registerType(type: string, constructor: (this: Node, definition: NodeDefinition) => void, options?: { readonly credentials?: Readonly<Record<string, { readonly type: "text" | "password" }>> }): void
    getNode(id: string): unknown
  }
  readonly util: {
    evaluateNodeProperty(value: string, type: string, node: Node, msg: Message, callback: (error: Error | null, result: unknown) => void): void
  }
  readonly httpAdmin: {
    get(path: string, ...handlers: Array<(req: AdminRequest, res: AdminResponse, next?: () => void) => void>): void
  }
  readonly auth: {
    needsPermission(permission: string): (req: AdminRequest, res: AdminResponse, next?: () => void) => void
  }
}
