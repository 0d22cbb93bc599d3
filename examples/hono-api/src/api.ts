/**
 * A REST API over Procura's operations catalogue, on Hono.
 *
 * The glue is small on purpose: one route per operation, generated from `procura.operations`;
 * the OpenAPI 3.1 document Procura writes, with the bearer scheme added; an interactive reference
 * page; bearer tokens mapped to principals; every error as RFC 9457 problem details; one JSON
 * log line per request, with its request id.
 */
import { readFile } from "node:fs/promises"
import { fileURLToPath } from "node:url"
import { type Principal, type ProcuraClient, UnknownOperation, ValidationError } from "@procura/core/promise"
import { Scalar } from "@scalar/hono-api-reference"
import { type Context, Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import { requestId } from "hono/request-id"
import type { Authenticate } from "./auth.js"

/** One access log line: a request and what became of it. */
export interface AccessLogLine {
  readonly time: string
  readonly level: "info" | "warn" | "error"
  readonly requestId: string
  readonly method: string
  readonly path: string
  readonly status: number
  readonly durationMs: number
  readonly userId?: string
  readonly tenantId?: string
  /** The problem's code, when the request failed. */
  readonly code?: string
  /** The error itself, for a 5xx only: the response says nothing about it, the log does. */
  readonly error?: string
}

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** The Procura instance to serve (`createProcura(...)`); the host owns it and disposes it. */
  readonly procura: ProcuraClient
  /** Maps a bearer token to a principal (see `tokenTable`, or your identity provider). */
  readonly authenticate: Authenticate
  /** Where access log lines go; JSON lines on stdout by default. */
  readonly log?: (line: AccessLogLine) => void
  /** The API's title and version, for the OpenAPI document. */
  readonly info?: { readonly title: string; readonly version: string }
  /** The largest request body accepted, in bytes (5 MB by default: a catalog import fits). */
  readonly maxBodyBytes?: number
}

/** What the routes share through the request context. */
export interface ApiEnv {
  Variables: {
    requestId: string
    principal: Principal
    problem: ProblemBody
    error: unknown
  }
}

const jsonLines = (line: AccessLogLine) => process.stdout.write(`${JSON.stringify(line)}\n`)

/** Scalar's standalone bundle, served from this host: the reference page needs no CDN. */
const scalarBundle = fileURLToPath(new URL("browser/standalone.js", import.meta.resolve("@scalar/api-reference")))

/** RFC 9457 problem details: Procura's (`procura.toProblem`), or the host's own, with any HTTP status. */
export interface ProblemBody {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly instance?: string
  readonly code: string
  readonly [extension: string]: unknown
}

/** An RFC 9457 response. */
const problemResponse = (c: Context<ApiEnv>, problem: ProblemBody, headers: Record<string, string> = {}) => {
  c.set("problem", problem)
  // The status is the problem's, whatever Hono's literal status types say.
  return c.body(JSON.stringify({ ...problem, requestId: c.get("requestId") }), problem.status as 400, {
    ...headers,
    "content-type": "application/problem+json"
  })
}

/** A problem the host raises itself (authentication, body size): not a Procura error. */
const hostProblem = (c: Context<ApiEnv>, status: number, code: string, title: string, detail: string): ProblemBody => ({
  type: `https://procura.dev/problems/host/${code.toLowerCase()}`,
  title,
  status,
  detail,
  instance: c.req.path,
  code
})

const readJson = async (c: Context<ApiEnv>, operation: string): Promise<unknown> => {
  const text = await c.req.text()
  if (text.trim() === "") return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new ValidationError({ operation, issues: [{ path: [], message: "the body is not JSON" }], message: "The body is not JSON" })
  }
}

/**
 * Builds the Hono app: `POST /operations/<operation id>` for every operation of the instance
 * (the core's and its plugins'), `GET /openapi.json`, and the reference page at `GET /reference`.
 * Mount it under a prefix with `new Hono().route("/api", createApi(...))`.
 */
export const createApi = (options: ApiOptions): Hono<ApiEnv> => {
  const { procura, authenticate } = options
  const log = options.log ?? jsonLines
  const app = new Hono<ApiEnv>()

  const document = procura.openApi({ info: options.info ?? { title: "Procura", version: "1.0.0" } })
  const openApi = {
    ...document,
    components: {
      ...document.components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A token your identity provider issued" } }
    },
    security: [{ bearer: [] }]
  }

  // Every request gets an id (the caller's X-Request-Id when it sends a sane one), echoed in the
  // response header, the problem details and the log line.
  app.use(requestId())
  app.use(async (c, next) => {
    const started = performance.now()
    await next()
    const principal = c.get("principal") as Principal | undefined
    const problem = c.get("problem") as ProblemBody | undefined
    const error = c.get("error")
    log({
      time: new Date().toISOString(),
      level: c.res.status >= 500 ? "error" : c.res.status >= 400 ? "warn" : "info",
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      ...(principal && { userId: principal.userId, tenantId: principal.tenantId }),
      ...(problem && { code: problem.code }),
      ...(c.res.status >= 500 && error !== undefined && { error: error instanceof Error ? error.stack ?? error.message : String(error) })
    })
  })

  app.get("/openapi.json", (c) => c.json(openApi))
  // The reference page: Scalar, loading its bundle from this host and no fonts from elsewhere, so
  // it works on a network without the internet.
  app.get("/reference", Scalar({
    url: "/openapi.json",
    pageTitle: `${openApi.info.title} API`,
    cdn: "/reference/scalar.js",
    withDefaultFonts: false,
    showDeveloperTools: "never"
  }))
  app.get("/reference/scalar.js", async (c) =>
    c.body(await readFile(scalarBundle), 200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "public, max-age=86400" }))

  // Authentication: a bearer token, mapped to the principal every call runs as.
  app.use("/operations/*", async (c, next) => {
    const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1]
    const principal = token === undefined ? undefined : await authenticate(token)
    if (principal === undefined) {
      const detail = token === undefined ? "Send Authorization: Bearer <token>" : "The bearer token is unknown or expired"
      return problemResponse(c, hostProblem(c, 401, "Unauthenticated", "Not authenticated", detail), {
        "www-authenticate": token === undefined ? `Bearer realm="procura"` : `Bearer realm="procura", error="invalid_token"`
      })
    }
    c.set("principal", principal)
    await next()
  })
  const maxSize = options.maxBodyBytes ?? 5 * 1024 * 1024
  app.use("/operations/*", bodyLimit({
    maxSize,
    onError: (c) => problemResponse(c, hostProblem(c, 413, "PayloadTooLarge", "Payload too large", `The body is over ${maxSize} bytes`))
  }))

  // One route per operation, from the catalogue: a new operation (or an enabled plugin's) is
  // served without touching this file.
  for (const id of procura.operations.keys()) {
    app.post(`/operations/${id}`, async (c) => {
      const input = await readJson(c, id)
      // A caller that goes away aborts the call (Node's adapter aborts the request's signal).
      // A client that may send a command twice sends an Idempotency-Key: the retry gets the first answer.
      const idempotencyKey = c.req.header("Idempotency-Key")
      const output = await procura.run(id, input, {
        principal: c.get("principal"),
        signal: c.req.raw.signal,
        ...(idempotencyKey !== undefined && { idempotencyKey })
      })
      return c.json(output as object)
    })
  }

  app.notFound((c) => {
    const id = /^\/operations\/([^/]+)$/.exec(c.req.path)?.[1]
    if (id !== undefined && procura.operations.has(id)) {
      return problemResponse(c, hostProblem(c, 405, "MethodNotAllowed", "Method not allowed", `${id} is called with POST`), { allow: "POST" })
    }
    const error = id !== undefined ? new UnknownOperation(id, procura.operations.keys()) : new UnknownOperation(`${c.req.method} ${c.req.path}`)
    return problemResponse(c, procura.toProblem(error, { instance: c.req.path }))
  })

  // Every error, at the edge: Procura's own carry their code and status; anything else is a 500
  // whose details stay in the log.
  app.onError((error, c) => {
    c.set("error", error)
    const principal = c.get("principal") as Principal | undefined
    return problemResponse(c, procura.toProblem(error, { tenantId: principal?.tenantId, instance: c.req.path }))
  })

  return app
}
