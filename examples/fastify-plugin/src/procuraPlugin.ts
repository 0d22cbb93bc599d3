/**
 * Procura as a Fastify plugin: `fastify.register(procuraPlugin, { storage, principalOf })`.
 *
 * - `fastify.procura` is the running Procura (a `ProcuraClient`), disposed when Fastify closes.
 * - `POST /operations/<operation id>` runs each operation of the catalogue (the core's and the
 *   enabled plugins') as the caller `principalOf(request)` names, the paths Procura's OpenAPI
 *   document gives them.
 * - Fastify validates each body with the operation's input JSON Schema and serializes each answer
 *   with its output JSON Schema (draft 2020-12, so validation runs on Ajv's 2020 dialect).
 * - Errors are RFC 9457 problem details: a body the schema refuses is a 400 shaped like Procura's
 *   `ValidationError` (`issues` with paths), anything else goes through `procura.toProblem`.
 */
import { Operation } from "@procura/core"
import {
  createProcura,
  type Principal,
  type ProcuraClient,
  type ProcuraOptions,
  UnknownOperation,
  ValidationError
} from "@procura/core/promise"
import { Ajv2020 } from "ajv/dist/2020.js"
import ajvFormats from "ajv-formats"
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from "fastify"
import fp from "fastify-plugin"
import { STATUS_CODES } from "node:http"

declare module "fastify" {
  interface FastifyInstance {
    /** The running Procura, started by `procuraPlugin` and disposed when Fastify closes. */
    procura: ProcuraClient
  }
  interface FastifyRequest {
    /** Who is calling, as `principalOf` said: set on the operation routes before anything else runs. */
    principal: Principal | undefined
  }
}

/**
 * Options of {@link procuraPlugin}: those of `createProcura` (storage, plugins, permissions,
 * error families) and how to find the caller.
 */
export interface ProcuraPluginOptions extends Omit<ProcuraOptions, "principal"> {
  /**
   * Who sent a request: verify the host's session or token here. `undefined` answers 401 before
   * the body is read.
   */
  readonly principalOf: (request: FastifyRequest) => Principal | undefined | Promise<Principal | undefined>
  /** Where the operation routes live, as in Procura's OpenAPI document; default `/operations`. */
  readonly basePath?: string
}

const problemJson = "application/problem+json"

/**
 * Problem details for a refusal of Fastify's or the host's, not Procura's (no credentials, a body
 * that is not JSON or too large): RFC 9457's `about:blank` type, whose title is the status's.
 */
const hostProblem = (status: number, detail: string, instance: string) => ({
  type: "about:blank",
  title: STATUS_CODES[status] ?? "Error",
  status,
  detail,
  instance
})

/**
 * Where an Ajv error is, as a Procura issue path: the JSON pointer's segments, array indices as
 * numbers (read off the body itself), and the property a `required` error misses.
 */
const pathOf = (error: FastifySchemaValidationError, body: unknown): ReadonlyArray<string | number> => {
  const path: Array<string | number> = []
  let node = body
  for (const segment of error.instancePath.split("/").slice(1)) {
    const key = Array.isArray(node) ? Number(segment) : segment.replaceAll("~1", "/").replaceAll("~0", "~")
    path.push(key)
    node = (node as Record<string | number, unknown> | undefined)?.[key]
  }
  const missing = error.params["missingProperty"] ?? error.params["additionalProperty"]
  return typeof missing === "string" ? [...path, missing] : path
}

/** A body Fastify's schema refused, as the `ValidationError` Procura would have failed with. */
const invalidBody = (operation: string, errors: ReadonlyArray<FastifySchemaValidationError>, body: unknown): ValidationError => {
  const issues = errors.map((error) => ({ path: pathOf(error, body), message: error.message ?? error.keyword }))
  const listed = issues.map((issue) => `${issue.path.length === 0 ? "(input)" : issue.path.join(".")}: ${issue.message}`)
  return new ValidationError({ operation, issues, message: `Invalid input for ${operation}: ${listed.join("; ")}` })
}

/**
 * Answers an operation route's errors with problem details: schema failures as Procura's
 * `ValidationError`, Fastify's own client errors (413, 415, malformed JSON) with their status,
 * everything else through `procura.toProblem`.
 */
const problems = (procura: ProcuraClient, operation: string) =>
  (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const where = { tenantId: request.principal?.tenantId, instance: request.url }
    const problem = error.validation !== undefined
      ? procura.toProblem(invalidBody(operation, error.validation, request.body), where)
      : error.code?.startsWith("FST_") === true && error.statusCode !== undefined && error.statusCode < 500
      ? hostProblem(error.statusCode, error.message, request.url)
      : procura.toProblem(error, where)
    if (problem.status >= 500) request.log.error(error) // a 5xx problem says nothing; the log does
    return reply.code(problem.status).type(problemJson).send(problem)
  }

/**
 * A signal that aborts when the client goes away before its response is sent. (Not
 * `request.signal`: in Fastify 5.12 it fires once a request body has been read, see
 * fastify/fastify#6725.)
 */
const abandonment = (reply: FastifyReply): AbortSignal => {
  const abandoned = new AbortController()
  reply.raw.on("close", () => {
    if (!reply.raw.writableEnded) abandoned.abort()
  })
  return abandoned.signal
}

/** The operation routes, in a context of their own: their validator, hooks and error handlers stay theirs. */
const operationRoutes = async (fastify: FastifyInstance, options: Pick<ProcuraPluginOptions, "principalOf">): Promise<void> => {
  const procura = fastify.procura
  // The catalogue's JSON Schemas are draft 2020-12; Fastify's default Ajv speaks draft-07.
  // Every error, not only the first (Procura names every bad path); types as sent, no coercion.
  const ajv = new Ajv2020({ allErrors: true, coerceTypes: false, useDefaults: false, removeAdditional: false, strict: true })
  ajvFormats.default(ajv) // CommonJS: imported from ESM, the plugin is the module's `default`
  fastify.setValidatorCompiler(({ schema }) => ajv.compile(schema))

  fastify.decorateRequest("principal", undefined)
  fastify.addHook("onRequest", async (request, reply) => {
    request.principal = await options.principalOf(request)
    if (request.principal === undefined) {
      return reply.code(401).header("www-authenticate", "Bearer").type(problemJson)
        .send(hostProblem(401, "Send Authorization: Bearer <token>", request.url))
    }
  })

  // A path under the base path that names no operation: Procura's UnknownOperation, with a suggestion.
  fastify.setNotFoundHandler((request, reply) => {
    const id = request.url.split("?")[0]!.slice(fastify.prefix.length + 1)
    const unknown = request.method === "POST"
      ? new UnknownOperation(id, procura.operations.keys())
      : new UnknownOperation(`${request.method} ${request.url}`)
    const problem = procura.toProblem(unknown, { instance: request.url })
    return reply.code(problem.status).type(problemJson).send(problem)
  })

  for (const operation of procura.operations.values()) {
    fastify.post(`/${operation.id}`, {
      schema: {
        summary: operation.summary,
        body: Operation.inputJsonSchema(operation),
        response: { 200: Operation.outputJsonSchema(operation) }
      },
      errorHandler: problems(procura, operation.id),
      // The onRequest hook has set the principal (or answered 401).
      // A client that may send a command twice sends an Idempotency-Key: the retry gets the first answer.
      handler: (request, reply) => {
        const idempotencyKey = request.headers["idempotency-key"]
        return procura.run(operation.id, request.body, {
          principal: request.principal!,
          signal: abandonment(reply),
          ...(typeof idempotencyKey === "string" && { idempotencyKey })
        })
      }
    })
  }
}

/**
 * Starts Procura, decorates `fastify.procura`, registers `POST <basePath>/<operation id>` for every
 * operation, and disposes Procura when Fastify closes. Storage is prepared before Fastify is
 * ready, so a database that cannot be reached fails `fastify.ready()` / `listen()`.
 */
export const procuraPlugin = fp<ProcuraPluginOptions>(
  async (fastify, options) => {
    const procura = createProcura(options)
    try {
      await procura.ready()
    } catch (error) {
      await procura.dispose()
      throw error
    }
    fastify.decorate("procura", procura)
    fastify.addHook("onClose", () => procura.dispose())
    await fastify.register(operationRoutes, { principalOf: options.principalOf, prefix: options.basePath ?? "/operations" })
  },
  { name: "procura", fastify: "5.x" }
)
