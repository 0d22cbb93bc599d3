/**
 * The ServiceNow simulator on a real HTTP server at 127.0.0.1, for code in other processes:
 * workers a test starts and kills, a CLI under test, an example host. In the test process itself,
 * `ServiceNowSimulator.make(...).listen()` (msw, no socket) is simpler.
 *
 * ```ts
 * import { ServiceNowLoopback, ServiceNowTables } from "@procura/testkit"
 *
 * const loopback = await ServiceNowLoopback.serve({ auth: { basic: [{ username: "sync", password: "pw" }] }, ...ServiceNowTables.itamSpo })
 * // loopback.url: http://127.0.0.1:<port>, the instance URL to give the workers
 * // loopback.simulator.records("proc_po"): what they wrote
 * await loopback.close()
 * ```
 *
 * @since 0.2.0
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import * as ServiceNowSimulator from "./ServiceNowSimulator.js"

/**
 * A simulator served over HTTP.
 *
 * @since 0.2.0
 * @category models
 */
export interface Loopback {
  /** `http://127.0.0.1:<port>`: the simulator's instance URL. */
  readonly url: string
  readonly simulator: ServiceNowSimulator.Simulator
  /** Stops the server (connections still open are closed). */
  readonly close: () => Promise<void>
}

const readBody = (request: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks)))
    request.on("error", reject)
  })

const answer = async (simulator: ServiceNowSimulator.Simulator, url: string, request: IncomingMessage, response: ServerResponse) => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value)
  }
  const method = request.method ?? "GET"
  const body = method === "GET" || method === "HEAD" ? undefined : await readBody(request)
  const aborted = new AbortController()
  response.on("close", () => {
    if (!response.writableFinished) aborted.abort()
  })
  const reply = await simulator.handle(new Request(`${url}${request.url ?? "/"}`, {
    method,
    headers,
    signal: aborted.signal,
    ...(body === undefined || body.length === 0 ? {} : { body })
  }))
  if (reply.type === "error") {
    // A network error: drop the connection without an answer.
    response.destroy()
    return
  }
  const replyHeaders: Record<string, string> = {}
  reply.headers.forEach((value, name) => {
    replyHeaders[name] = value
  })
  response.writeHead(reply.status, replyHeaders)
  response.end(Buffer.from(await reply.arrayBuffer()))
}

/**
 * Starts a simulator (the options as `ServiceNowSimulator.make`'s, less `instanceUrl`) on an HTTP
 * server at 127.0.0.1 on a free port (or `port`).
 *
 * @since 0.2.0
 * @category constructors
 */
export const serve = async (options: Omit<ServiceNowSimulator.Options, "instanceUrl"> & { readonly port?: number } = {}): Promise<Loopback> => {
  let simulator: ServiceNowSimulator.Simulator | undefined
  let url = ""
  const server = createServer((request, response) => {
    answer(simulator!, url, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { "content-type": "application/json" })
      response.end(JSON.stringify({ error: { message: "Simulator failure", detail: String(error) }, status: "failure" }))
    })
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const { port: _port, ...simulatorOptions } = options
  simulator = ServiceNowSimulator.make({ ...simulatorOptions, instanceUrl: url })
  return {
    url,
    simulator,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      })
  }
}
