/**
 * An Express app whose routes call Procura's Promise face: no Effect in sight. The glue is
 * three things: who is calling (a middleware turns the request into a principal and an abort
 * signal), the routes (translate the request, call one typed method), and one error middleware
 * (any error as RFC 9457 problem details).
 */
/* oxlint-disable oxc/no-async-endpoint-handlers -- Express 5 passes a handler's rejection to the error middleware */
import type { Principal, ProcuraClient } from "@procura/core/promise"
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from "express"
import { STATUS_CODES } from "node:http"

declare global {
  namespace Express {
    interface Locals {
      /** The options of every Procura call a request makes: who is calling, and when to give up. */
      call: { readonly principal: Principal; readonly signal: AbortSignal }
    }
  }
}

/**
 * Finds who sent a request (a session, a bearer token...), or `undefined` for nobody known.
 */
export type Authenticate = (request: Request) => Principal | undefined | Promise<Principal | undefined>

/** The input types of the filters the query strings become. */
type CatalogFilter = Parameters<ProcuraClient["catalog"]["listCatalogItems"]>[0]
type AssetFilter = Parameters<ProcuraClient["assets"]["listAssets"]>[0]

/**
 * Problem details for a refusal of the host itself, not of Procura (no credentials, a body that
 * is not JSON or too large): RFC 9457's `about:blank` type, whose title is the status's.
 */
const hostProblem = (status: number, detail: string, instance: string) => ({
  type: "about:blank",
  title: STATUS_CODES[status] ?? "Error",
  status,
  detail,
  instance
})

/** Errors of Express's body parser (malformed JSON, too large, ...): they say their status and are safe to show. */
const isClientHttpError = (error: unknown): error is { readonly status: number; readonly message: string } =>
  typeof error === "object" && error !== null && "expose" in error && error.expose === true &&
  "status" in error && typeof error.status === "number" && error.status >= 400 && error.status < 500

/**
 * Authenticates every request, answering 401 for unknown callers, and gives the others their
 * call options: their principal, and a signal that aborts when the client goes away before its
 * response is sent (Express 5 has no `req.signal`).
 */
const callers = (authenticate: Authenticate): RequestHandler => async (req, res, next) => {
  const principal = await authenticate(req)
  if (principal === undefined) {
    res.status(401).set("www-authenticate", "Bearer").type("application/problem+json")
      .json(hostProblem(401, "Send Authorization: Bearer <token>", req.originalUrl))
    return
  }
  const abandoned = new AbortController()
  res.on("close", () => {
    if (!res.writableEnded) abandoned.abort()
  })
  // A client that may send a command twice sends an Idempotency-Key: the retry gets the first answer.
  const idempotencyKey = req.get("Idempotency-Key")
  res.locals.call = { principal, signal: abandoned.signal, ...(idempotencyKey !== undefined && { idempotencyKey }) }
  next()
}

/**
 * Answers any error with problem details: Procura's through `procura.toProblem` (its code,
 * suggested status and data, nothing secret), the body parser's with their own status.
 */
const problems = (procura: ProcuraClient): ErrorRequestHandler => (error, req, res, _next) => {
  // Unset when the error came from `authenticate` itself (an identity provider that is down).
  const call = res.locals.call as Express.Locals["call"] | undefined
  // The client went away and its Procura call was aborted: nobody is left to answer.
  if (call?.signal.aborted === true) return
  const problem = isClientHttpError(error)
    ? hostProblem(error.status, error.message, req.originalUrl)
    : procura.toProblem(error, { tenantId: call?.principal.tenantId, instance: req.originalUrl })
  if (problem.status >= 500) console.error(error) // a 5xx problem says nothing; the log does
  res.status(problem.status).type("application/problem+json").json(problem)
}

/**
 * The app: purchase requests, their approval, purchase orders, receiving and the assets it
 * makes. Every route calls Procura as the caller, with the request's abort signal.
 */
export const createApp = (procura: ProcuraClient, authenticate: Authenticate): Express => {
  const app = express()
  app.use(callers(authenticate))
  app.use(express.json())

  app.get("/catalog-items", async (req, res) => {
    // Query strings are text; Procura validates them (an unknown kind is a 400 naming `kind`).
    const filter = { sku: req.query["sku"], kind: req.query["kind"], cursor: req.query["cursor"] } as CatalogFilter
    res.json(await procura.catalog.listCatalogItems(filter, res.locals.call))
  })
  app.post("/requests", async (req, res) => {
    res.status(201).json(await procura.requisition.createRequest(req.body, res.locals.call))
  })
  app.get("/requests/:id", async (req, res) => {
    res.json(await procura.requisition.getRequest({ id: req.params.id }, res.locals.call))
  })
  app.post("/requests/:id/approve", async (req, res) => {
    res.json(await procura.requisition.approveRequest({ ...req.body, requestId: req.params.id }, res.locals.call))
  })
  app.post("/requests/:id/purchase-orders", async (req, res) => {
    res.status(201).json(await procura.purchasing.createFromRequest({ requestId: req.params.id }, res.locals.call))
  })
  app.post("/purchase-orders/:id/submit", async (req, res) => {
    res.json(await procura.purchasing.submitPurchaseOrder({ purchaseOrderId: req.params.id }, res.locals.call))
  })
  app.post("/purchase-orders/:id/receive", async (req, res) => {
    res.status(201).json(await procura.receiving.receivePurchaseOrder({ ...req.body, purchaseOrderId: req.params.id }, res.locals.call))
  })
  app.get("/assets", async (req, res) => {
    const { status, cursor, limit } = req.query
    const filter = { status, cursor, limit: limit === undefined ? undefined : Number(limit) } as AssetFilter
    res.json(await procura.assets.listAssets(filter, res.locals.call))
  })

  app.use(problems(procura))
  return app
}
