// The samples of docs/guides/hosting-over-http.md; hosting-over-http.test.ts runs them.
// --- sample: http-host ---
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import { type Principal, type ProcuraClient, UnknownOperation, ValidationError } from "@procura/core/promise"

const send = (response: ServerResponse, status: number, type: string, body: unknown) => {
  response.writeHead(status, { "content-type": type }).end(JSON.stringify(body))
}

const readJson = async (request: IncomingMessage, operation: string): Promise<unknown> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString("utf8")
  try {
    return text === "" ? {} : JSON.parse(text)
  } catch {
    throw new ValidationError({ operation, issues: [{ path: [], message: "the body is not JSON" }], message: "The body is not JSON" })
  }
}

/**
 * POST /operations/<operation id> runs the operation as the caller; GET /openapi.json describes
 * them all. Authentication is the host's: `principalOf` reads its session or token.
 */
export const serve = (procura: ProcuraClient, principalOf: (request: IncomingMessage) => Principal | undefined): Server =>
  createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://host")
    if (request.method === "GET" && url.pathname === "/openapi.json") {
      return send(response, 200, "application/json", procura.openApi({ info: { title: "Acme procurement", version: "1.0.0" } }))
    }
    const principal = principalOf(request)
    try {
      const id = /^\/operations\/([\w.-]+)$/.exec(url.pathname)?.[1]
      if (request.method !== "POST" || id === undefined) throw new UnknownOperation(`${request.method} ${url.pathname}`)
      const input = await readJson(request, id)
      // A client that goes away interrupts its call.
      const abandoned = new AbortController()
      response.on("close", () => abandoned.abort())
      // A client that may send a command twice sends an Idempotency-Key: the retry gets the first answer.
      const idempotencyKey = request.headers["idempotency-key"]
      const output = await procura.run(id, input, {
        ...(principal && { principal }),
        ...(typeof idempotencyKey === "string" && { idempotencyKey }),
        signal: abandoned.signal
      })
      send(response, 200, "application/json", output)
    } catch (error) {
      const problem = procura.toProblem(error, { tenantId: principal?.tenantId, instance: url.pathname })
      if (problem.status >= 500) console.error(error) // 5xx details say nothing; the log does
      send(response, problem.status, "application/problem+json", problem)
    }
  })
// --- end sample ---
