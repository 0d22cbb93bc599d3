/**
 * Procura's operations as Model Context Protocol tools: one tool per operation of a host's
 * catalogue (the core's and the enabled plugins'), projected from the catalogue, not written by
 * hand.
 *
 * ```ts
 * import { Host } from "@procura/cli"
 * import { Mcp } from "@procura/mcp"
 *
 * const host = await Host.open({ principal: "pat@acme:procurement_manager", storage: { dataDir: ".procura/data" } })
 * await Mcp.serveStdio(host)                    // or Mcp.serveHttp(host, { port: 3333 })
 * ```
 *
 * - **Names.** A tool is named after its operation id with each `.` replaced by `_`
 *   (`purchasing.submitPurchaseOrder` is `purchasing_submitPurchaseOrder`), as many model APIs
 *   accept only `[A-Za-z0-9_-]` in tool names; operation ids have no `_`, so the name maps back to
 *   one id. The server keeps the table both ways and refuses to start ({@link ToolCatalogueError})
 *   if two operations would share a name.
 * - **Schemas.** A tool's `inputSchema` is the operation's `Operation.inputJsonSchema`, unchanged;
 *   its `outputSchema` is `Operation.outputJsonSchema` when that is an object schema (MCP requires
 *   one; the few operations returning a list have none), and such a tool's result carries its
 *   value as `structuredContent` too.
 * - **Annotations.** Queries are `readOnlyHint: true`. Commands are `readOnlyHint: false,
 *   destructiveHint: true`: most change records that exist (approve, cancel, receive, assign,
 *   adjust stock), and the catalogue does not mark the few purely additive ones, so clients ask
 *   before running any command. All are `openWorldHint: false` (they touch Procura's own storage;
 *   connectors run on event delivery, not in the call) and `idempotentHint: false`.
 * - **Who.** Every call runs as the host's principal, fixed when the host opened, or over HTTP as
 *   the principal the server's configuration gives the caller's bearer token. Tools have no
 *   principal argument; a `tenantId` or user id in a tool's arguments is input its operation
 *   validates like any other.
 * - **Errors.** A call runs through `host.run`: permission check, validation, then the operation
 *   (its events carry the principal). Any error it fails with comes back as a tool result with
 *   `isError: true`, its text the problem's code and message (`AccessDenied: ...`,
 *   `ValidationError: ...`) followed by the RFC 9457 problem details as JSON (a validation error's
 *   issues name each field). Only an unknown tool name is a protocol error (`-32602`).
 *
 * @since 0.1.0
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js"
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js"
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js"
import {
  CallToolRequestSchema,
  type CallToolResult,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type Tool
} from "@modelcontextprotocol/sdk/types.js"
import { Host } from "@procura/cli"
import type { Operation, Principal } from "@procura/core"
import { Data } from "effect"
import { createHash, randomUUID, timingSafeEqual } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { createRequire } from "node:module"
import type { Readable, Writable } from "node:stream"

/** This package's version, from its package.json (one level above both src/ and dist/). */
const packageVersion = (createRequire(import.meta.url)("../package.json") as { readonly version: string }).version

/**
 * A catalogue cannot be served as MCP tools, and the server does not start: two operations would
 * get the same tool name (`NameConflict`, see {@link toolName}), an operation id makes no valid
 * tool name (`InvalidName`), or an operation's input is not an object (`InputNotObject`; MCP
 * tools take objects).
 *
 * @since 0.1.0
 * @category errors
 */
export class ToolCatalogueError extends Data.TaggedError("ToolCatalogueError")<{
  readonly reason: "NameConflict" | "InvalidName" | "InputNotObject"
  readonly toolName: string
  readonly operationIds: ReadonlyArray<string>
  readonly message: string
}> {}

/** What a tool name may hold: the characters and length model APIs accept. */
const validToolName = /^[A-Za-z0-9_-]{1,64}$/

/**
 * The tool name of an operation id: each `.` replaced by `_` (`catalog.createVendor` is
 * `catalog_createVendor`).
 *
 * @since 0.1.0
 * @category naming
 */
export const toolName = (operationId: string): string => operationId.replaceAll(".", "_")

/**
 * The tool names of a catalogue's operations: tool name to operation, in catalogue order.
 * Throws {@link ToolCatalogueError} when two operations would share a name or an id makes no
 * valid tool name (1 to 64 of `A-Z a-z 0-9 _ -` once dots are replaced).
 *
 * @since 0.1.0
 * @category naming
 */
export const toolTable = (catalogue: ReadonlyMap<string, Operation.Any>): ReadonlyMap<string, Operation.Any> => {
  const table = new Map<string, Operation.Any>()
  for (const operation of catalogue.values()) {
    const name = toolName(operation.id)
    const taken = table.get(name)
    if (taken !== undefined) {
      throw new ToolCatalogueError({
        reason: "NameConflict",
        toolName: name,
        operationIds: [taken.id, operation.id],
        message: `Operations ${taken.id} and ${operation.id} would both be the MCP tool ${name}`
      })
    }
    if (!validToolName.test(name)) {
      throw new ToolCatalogueError({
        reason: "InvalidName",
        toolName: name,
        operationIds: [operation.id],
        message: `Operation ${operation.id} makes no valid MCP tool name (${name}: 1 to 64 of A-Z a-z 0-9 _ -)`
      })
    }
    table.set(name, operation)
  }
  return table
}

/** A JSON Schema MCP takes as a tool's input or output schema: an object schema. */
type ObjectSchema = Tool["inputSchema"]

const isObjectSchema = (schema: Operation.JsonSchema): schema is ObjectSchema => schema["type"] === "object"

/**
 * The MCP tool of an operation: its name, a description (summary, kind, permission, events), its
 * input and output JSON Schemas and its annotations (see the module's documentation). Throws
 * {@link ToolCatalogueError} for an operation whose input is not an object.
 *
 * @since 0.1.0
 * @category tools
 */
export const tool = (description: Host.Description): Tool => {
  const query = description.kind === "query"
  const text = [
    description.summary,
    "",
    query ? "Kind: query (reads only)." : "Kind: command (changes data, in one transaction).",
    `Permission: ${description.permission}.`,
    ...(description.events.length > 0 ? [`Events it may append: ${description.events.join(", ")}.`] : []),
    `Procura operation: ${description.id}.`
  ].join("\n")
  if (!isObjectSchema(description.input)) {
    // Every operation's input is an object; a plugin's that is not cannot be an MCP tool.
    throw new ToolCatalogueError({
      reason: "InputNotObject",
      toolName: toolName(description.id),
      operationIds: [description.id],
      message: `Operation ${description.id} takes no object input, which an MCP tool needs`
    })
  }
  return {
    name: toolName(description.id),
    title: description.id,
    description: text,
    inputSchema: description.input,
    ...(isObjectSchema(description.output) ? { outputSchema: description.output } : {}),
    annotations: query
      ? { readOnlyHint: true, openWorldHint: false }
      : { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false }
  }
}

/**
 * Every tool of a host's catalogue, in catalogue order.
 *
 * @since 0.1.0
 * @category tools
 */
export const tools = (host: Pick<Host.Host, "catalogue" | "describe">): ReadonlyArray<Tool> =>
  [...toolTable(host.catalogue).values()].map((operation) => tool(host.describe(operation.id)!))

/**
 * Options of {@link server}.
 *
 * @since 0.1.0
 * @category options
 */
export interface ServerOptions {
  /** The server's name in the MCP handshake; `procura` by default. */
  readonly name?: string | undefined
  /**
   * Told of every failure a call answers with `isError`, with the tool name: where a host logs
   * what a 5xx problem's generic message hides. (Never write to stdout on the stdio transport.)
   */
  readonly onError?: ((error: unknown, toolName: string) => void) | undefined
}

/** Tool results as JSON text: the SDK's result type wants plain JSON values. */
const json = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)))

/** A host's tools, made once for every server of the host (each HTTP session has one). */
interface Projection {
  readonly table: ReadonlyMap<string, Operation.Any>
  readonly listed: ReadonlyArray<Tool>
  /** The tools with an output schema, whose results carry `structuredContent`. */
  readonly structured: ReadonlySet<string>
}

const project = (host: Host.Host): Projection => {
  const table = toolTable(host.catalogue)
  const listed = [...table.values()].map((operation) => tool(host.describe(operation.id)!))
  return { table, listed, structured: new Set(listed.filter((t) => t.outputSchema !== undefined).map((t) => t.name)) }
}

/**
 * An MCP server (the SDK's low-level `Server`) whose tools are the host's operations: `tools/list`
 * answers {@link tools}, `tools/call` runs the named operation with `host.run` as the host's
 * principal. Connect it to any transport; {@link serveStdio} and {@link serveHttp} do. Throws
 * {@link ToolCatalogueError} for a catalogue that cannot be served.
 *
 * @since 0.1.0
 * @category constructors
 */
export const server = (host: Host.Host, options: ServerOptions = {}): Server => serverOf(host, project(host), options)

const serverOf = (
  host: Host.Host,
  { table, listed, structured }: Projection,
  options: ServerOptions,
  runAs: Principal.Principal = host.principal
): Server => {
  const { userId, tenantId, roles } = runAs
  const mcp = new Server({ name: options.name ?? "procura", version: packageVersion }, {
    capabilities: { tools: { listChanged: false } },
    instructions: `Procura's procure-to-asset operations (catalog, requisitions and approvals, purchase orders, invoices, ` +
      `shipments, receiving, assets, licences, stock, and enabled plugins'). Every tool runs as ${userId} in tenant ` +
      `${tenantId} with roles ${roles.join(", ") || "(none)"}; a tool the roles do not permit answers AccessDenied. ` +
      `Queries only read; commands change data, each in one transaction, and are recorded as done by ${userId}. ` +
      `A refused call answers isError with a code (ValidationError names each field) and nothing is written.`
  })
  mcp.setRequestHandler(ListToolsRequestSchema, () => ({ tools: [...listed] }))
  mcp.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const name = request.params.name
    const operation = table.get(name)
    if (operation === undefined) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`)
    try {
      const result = json(await host.run(operation.id, request.params.arguments ?? {}, { signal: extra.signal, principal: runAs }))
      return {
        content: [{ type: "text", text: JSON.stringify(result, null, 2) }],
        ...(structured.has(name) ? { structuredContent: result as Record<string, unknown> } : {})
      }
    } catch (error) {
      options.onError?.(error, name)
      const problem = host.toProblem(error, { principal: runAs })
      return {
        isError: true,
        content: [{ type: "text", text: `${problem.code}: ${problem.detail}\n${JSON.stringify(problem, null, 2)}` }]
      }
    }
  })
  return mcp
}

/**
 * A running stdio server.
 *
 * @since 0.1.0
 * @category models
 */
export interface StdioHandle {
  readonly server: Server
  /** Resolves when the transport closes: the client closed stdin, or {@link StdioHandle.close}. */
  readonly closed: Promise<void>
  readonly close: () => Promise<void>
}

/**
 * Options of {@link serveStdio}.
 *
 * @since 0.1.0
 * @category options
 */
export interface StdioOptions extends ServerOptions {
  /** `process.stdin` by default. */
  readonly stdin?: Readable | undefined
  /** `process.stdout` by default: nothing else may write to it. */
  readonly stdout?: Writable | undefined
}

/**
 * Serves a host's tools over stdio (newline-delimited JSON-RPC on stdin and stdout), the
 * transport MCP clients use for a server they start themselves. Closes when stdin ends.
 *
 * @since 0.1.0
 * @category transports
 */
export const serveStdio = async (host: Host.Host, options: StdioOptions = {}): Promise<StdioHandle> => {
  const mcp = server(host, options)
  const stdin = options.stdin ?? process.stdin
  const transport = new StdioServerTransport(stdin, options.stdout ?? process.stdout)
  const closed = new Promise<void>((resolve) => {
    // oxlint-disable-next-line unicorn/prefer-add-event-listener -- the SDK's Server has on-properties only
    mcp.onclose = () => resolve()
  })
  const close = () => mcp.close()
  stdin.once("end", () => void close())
  await mcp.connect(transport)
  return { server: mcp, closed, close }
}

/**
 * Options of {@link serveHttp}.
 *
 * @since 0.1.0
 * @category options
 */
export interface HttpOptions extends ServerOptions {
  /** The port; 0 (the default) takes a free one, which {@link HttpHandle.port} tells. */
  readonly port?: number | undefined
  /** The address to bind; `127.0.0.1` by default. */
  readonly host?: string | undefined
  /** The endpoint's path; `/mcp` by default. */
  readonly path?: string | undefined
  /**
   * Host names (without port) requests may name in `Host` and `Origin` besides `localhost`,
   * `127.0.0.1` and `[::1]`: a guard against DNS rebinding. Add the names a proxy in front uses.
   */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /**
   * Bearer tokens the server accepts, each at least {@link minimumTokenLength} characters (several
   * let a token be rotated without a gap). When given, every request must carry
   * `Authorization: Bearer <token>` with one of them, or is refused with 401 and a
   * `WWW-Authenticate: Bearer` challenge. A token runs as the host's principal, or as the one it
   * names: one server for a team, each member's assistant acting as that member. Without tokens
   * there is no authentication: anyone who reaches the port acts as the host's principal.
   */
  readonly bearerTokens?: ReadonlyArray<BearerToken> | undefined
}

/**
 * A bearer token {@link serveHttp} accepts: alone, it runs as the host's principal; with a
 * principal (`USER@TENANT:ROLE[,ROLE]` or a `Principal`, checked against the roles the host knows
 * when the server starts), as that one. A session belongs to the principal of the token that
 * started it: a request of the session with a token of another principal is refused (403).
 *
 * @since 0.1.0
 * @category models
 */
export type BearerToken = string | { readonly token: string; readonly principal: string | Principal.Principal }

const tokenOf = (entry: BearerToken): string => (typeof entry === "string" ? entry : entry.token)

/**
 * The shortest bearer token {@link serveHttp} accepts: 32 characters, what `openssl rand -hex 16`
 * prints (128 bits).
 *
 * @since 0.1.0
 * @category constants
 */
export const minimumTokenLength = 32

/**
 * A bearer token given to {@link serveHttp} shorter than {@link minimumTokenLength}; the server
 * does not start. The message names the token by position, never its value.
 *
 * @since 0.1.0
 * @category errors
 */
export class WeakBearerToken extends Data.TaggedError("WeakBearerToken")<{
  /** The token's position in `bearerTokens`, from 0. */
  readonly index: number
  readonly length: number
}> {
  override get message(): string {
    return `bearer token ${this.index + 1} has ${this.length} characters; give at least ${minimumTokenLength} (openssl rand -hex 16 prints one)`
  }
}

/**
 * A running HTTP server.
 *
 * @since 0.1.0
 * @category models
 */
export interface HttpHandle {
  /** The endpoint: `http://127.0.0.1:<port>/mcp`. */
  readonly url: string
  readonly port: number
  /** Closes every session and the listening socket. */
  readonly close: () => Promise<void>
}

const loopbackNames = ["localhost", "127.0.0.1", "[::1]", "::1"]

/** The host name of a `Host` header or an `Origin`, lower case, without the port. */
const hostnameOf = (value: string, origin: boolean): string | undefined => {
  try {
    return new URL(origin ? value : `http://${value}`).hostname.toLowerCase()
  } catch {
    return undefined
  }
}

const digest = (token: string) => createHash("sha256").update(token).digest()

/**
 * The first of `tokens` shorter than {@link minimumTokenLength}, as the error {@link serveHttp}
 * would reject with; `undefined` when all are long enough. A command checks its tokens with it
 * before it opens anything.
 *
 * @since 0.1.0
 * @category errors
 */
export const weakBearerToken = (tokens: ReadonlyArray<BearerToken>): WeakBearerToken | undefined => {
  const index = tokens.findIndex((entry) => tokenOf(entry).length < minimumTokenLength)
  return index < 0 ? undefined : new WeakBearerToken({ index, length: tokenOf(tokens[index]!).length })
}

/**
 * Who an `Authorization` header's token runs as: the host's principal when there are no tokens,
 * else the principal of the token it carries, or `undefined` for none of them. Compares SHA-256
 * digests in constant time, so neither a token's length nor its prefix leaks through timing.
 * Throws {@link WeakBearerToken}, or `Host.InvalidPrincipal` / `Host.UnknownRoles` for a token's
 * principal, before the server listens.
 */
const callerCheck = (host: Host.Host, tokens: ReadonlyArray<BearerToken> | undefined): ((header: string | undefined) => Principal.Principal | undefined) => {
  if (tokens === undefined || tokens.length === 0) return () => host.principal
  const weak = weakBearerToken(tokens)
  if (weak !== undefined) throw weak
  const accepted = tokens.map((entry) => ({
    digest: digest(tokenOf(entry)),
    principal: typeof entry === "string" ? host.principal : Host.principal(entry.principal, host.composition)
  }))
  return (header) => {
    const match = /^Bearer +(\S+) *$/i.exec(header ?? "")
    if (match === null) return undefined
    const given = digest(match[1]!)
    // Every token compared, whichever matches.
    return accepted.reduce<Principal.Principal | undefined>((found, entry) => (timingSafeEqual(entry.digest, given) ? entry.principal : found), undefined)
  }
}

/** A principal as one comparable string: two tokens of one principal may share a session (rotation). */
const principalKey = ({ userId, tenantId, roles }: Principal.Principal) => JSON.stringify([userId, tenantId, [...roles].sort()])

const jsonRpcError = (res: ServerResponse, status: number, code: number, message: string) => {
  res.writeHead(status, { "content-type": "application/json" })
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }))
}

/**
 * Serves a host's tools over MCP's streamable HTTP transport on `node:http`, at one endpoint
 * (`POST` messages, `GET` the server's stream, `DELETE` a session). Each client session (from its
 * `initialize`) gets a server of its own; all run as the host's principal. It binds `127.0.0.1` by
 * default, and refuses (403) requests whose `Host` or `Origin` names another host. With
 * `bearerTokens` it refuses (401) requests without one of them, and each session runs as its
 * token's principal; without, anyone who reaches the port acts as the host's principal. Rejects
 * before listening with {@link WeakBearerToken} when a token is too short, and with
 * `Host.InvalidPrincipal` or `Host.UnknownRoles` for a token's principal.
 *
 * @since 0.1.0
 * @category transports
 */
export const serveHttp = async (host: Host.Host, options: HttpOptions = {}): Promise<HttpHandle> => {
  const projection = project(host) // once for every session, and failing now rather than at the first
  const path = options.path ?? "/mcp"
  const allowed = new Set([...loopbackNames, ...(options.allowedHosts ?? []).map((name) => name.toLowerCase())])
  const sessions = new Map<string, { readonly transport: StreamableHTTPServerTransport; readonly server: Server; readonly principal: Principal.Principal }>()
  const callerOf = callerCheck(host, options.bearerTokens)

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (new URL(req.url ?? "/", "http://localhost").pathname !== path) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`Not found: the MCP endpoint is ${path}\n`)
      return
    }
    const hostHeader = hostnameOf(req.headers.host ?? "", false)
    const origin = req.headers.origin
    if (hostHeader === undefined || !allowed.has(hostHeader) || (origin !== undefined && !allowed.has(hostnameOf(origin, true) ?? ""))) {
      jsonRpcError(res, 403, ErrorCode.InvalidRequest, "Forbidden: Host or Origin is not an allowed host")
      return
    }
    const caller = callerOf(req.headers.authorization)
    if (caller === undefined) {
      res.setHeader("www-authenticate", 'Bearer realm="procura-mcp"')
      jsonRpcError(res, 401, ErrorCode.InvalidRequest, "Unauthorized: give Authorization: Bearer <token>")
      return
    }
    const sessionId = req.headers["mcp-session-id"]
    if (typeof sessionId === "string") {
      const session = sessions.get(sessionId)
      if (session === undefined) {
        jsonRpcError(res, 404, -32001, "Session not found: initialize a new session")
        return
      }
      if (principalKey(session.principal) !== principalKey(caller)) {
        jsonRpcError(res, 403, ErrorCode.InvalidRequest, "Forbidden: the session was started with another principal's token")
        return
      }
      await session.transport.handleRequest(req, res)
      return
    }
    if (req.method !== "POST") {
      jsonRpcError(res, 400, ErrorCode.InvalidRequest, "Bad request: no session; start one with an initialize POST")
      return
    }
    // A new session: its own transport and server; kept once the transport initialises it.
    const mcp = serverOf(host, projection, options, caller)
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server: mcp, principal: caller })
      }
    })
    // oxlint-disable-next-line unicorn/prefer-add-event-listener -- the SDK's transports have on-properties only
    transport.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId)
    }
    await mcp.connect(transport)
    await transport.handleRequest(req, res)
    // Not an initialize request: the transport refused it, and there is no session to keep.
    if (transport.sessionId === undefined) await mcp.close()
  }

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.onError?.(error, "(http)")
      if (!res.headersSent) jsonRpcError(res, 500, ErrorCode.InternalError, "Internal error")
      else res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject)
    http.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
      http.off("error", reject)
      resolve()
    })
  })
  const address = http.address() as AddressInfo
  const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address
  return {
    url: `http://${shownHost}:${address.port}${path}`,
    port: address.port,
    close: async () => {
      await Promise.all([...sessions.values()].map((session) => session.server.close()))
      sessions.clear()
      await new Promise<void>((resolve, reject) => {
        http.close((error) => (error === undefined ? resolve() : reject(error)))
        http.closeAllConnections()
      })
    }
  }
}
