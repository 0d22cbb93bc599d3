/**
 * The operations catalogue as an OpenAPI 3.1 document, for hosts that put Procura behind HTTP.
 *
 * One `POST <basePath>/<operation id>` per operation (`POST /operations/purchasing.submitPurchaseOrder`),
 * so a host needs one route: `POST /operations/:id` runs `procura.run(id, body, { principal })`
 * and answers with the result, or with `toProblem(error)` as `application/problem+json`. Each
 * operation has its `operationId` (the operation id), a tag per module, its input as the request
 * body, its output as the 200 response, the error responses its kind can give (problem details
 * with the codes each status covers), and the permission it needs (`x-procura-permission`, and
 * in words in its description).
 *
 * The document is plain JSON, so a host needs no zod of its own:
 *
 * ```ts
 * import { OpenApi } from "@procura/core"
 *
 * const document = OpenApi.document({ info: { title: "Acme procurement", version: "1.0.0" } })
 * writeFileSync("openapi.json", JSON.stringify(document, null, 2))
 * ```
 *
 * @since 0.1.0
 */
import * as Access from "./Access.js"
import * as Operation from "./Operation.js"
import type * as Plugin from "./Plugin.js"
import * as Problem from "./Problem.js"
import * as Procura from "./Procura.js"

/**
 * Options of {@link document}.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /** The operations to describe; `Procura.catalogue` (the core's) by default. */
  readonly catalogue?: ReadonlyMap<string, Operation.Any> | Iterable<Operation.Any> | undefined
  /** Plugin permissions with their descriptions and default roles (`Composition.permissions`). */
  readonly permissions?: { readonly [permission: string]: Plugin.PermissionDeclaration } | undefined
  /** The permission matrix in force, for who holds each permission; seed 002's by default. */
  readonly matrix?: Access.Matrix | undefined
  /** Error families beyond the core's (`Composition.errors`, a connector's). */
  readonly families?: Iterable<Problem.Family> | undefined
  /** The document's `info`; `{ title: "Procura", version: "0.1.0" }` by default. */
  readonly info?: { readonly title?: string; readonly version?: string; readonly description?: string } | undefined
  /** Where the operations are served: `"/operations"` by default. */
  readonly basePath?: string | undefined
  readonly servers?: ReadonlyArray<{ readonly url: string; readonly description?: string }> | undefined
  /** The base of problem type URIs (see `Problem.defaultTypeBase`). */
  readonly typeBase?: string | undefined
}

/**
 * A response of an OpenAPI document.
 *
 * @since 0.1.0
 * @category models
 */
export interface Response {
  readonly description: string
  readonly content?: { readonly [mediaType: string]: { readonly schema: Operation.JsonSchema } }
  /** The problem codes a response of this status can carry. */
  readonly "x-procura-codes"?: ReadonlyArray<string>
}

/**
 * One operation of an OpenAPI document.
 *
 * @since 0.1.0
 * @category models
 */
export interface PathOperation {
  readonly operationId: string
  readonly summary: string
  readonly description: string
  readonly tags: ReadonlyArray<string>
  readonly requestBody: { readonly required: true; readonly content: { readonly "application/json": { readonly schema: Operation.JsonSchema } } }
  readonly responses: { readonly [status: string]: Response | { readonly $ref: string } }
  /** The permission the operation needs. */
  readonly "x-procura-permission": string
  /** `command` (changes state, in a transaction) or `query`. */
  readonly "x-procura-kind": "command" | "query"
  /** The event types a successful run may append. */
  readonly "x-procura-events": ReadonlyArray<string>
}

/**
 * An OpenAPI 3.1 document, as plain JSON.
 *
 * @since 0.1.0
 * @category models
 */
export interface Document {
  readonly openapi: "3.1.0"
  readonly info: { readonly title: string; readonly version: string; readonly description?: string }
  readonly servers?: ReadonlyArray<{ readonly url: string; readonly description?: string }>
  readonly tags: ReadonlyArray<{ readonly name: string; readonly description: string }>
  readonly paths: { readonly [path: string]: { readonly post: PathOperation } }
  readonly components: {
    readonly schemas: { readonly [name: string]: Operation.JsonSchema }
    readonly responses: { readonly [name: string]: Response }
  }
}

/**
 * The error responses, by status: the component's name and what the status means.
 *
 * @since 0.1.0
 * @category constants
 */
export const errorResponses: { readonly [S in Problem.Status]: { readonly name: string; readonly description: string } } = {
  400: { name: "InvalidInput", description: "The input was rejected before anything was written (`issues` names each problem)." },
  401: { name: "NoPrincipal", description: "The call names no principal." },
  403: { name: "AccessDenied", description: "The principal may not do this: it lacks the permission, or a rule reserves the step to someone else." },
  404: { name: "NotFound", description: "A record the input names does not exist in the caller's tenant." },
  409: { name: "Conflict", description: "The input conflicts with a record's current state (its status, a taken key, a concurrent change, nothing left); nothing was written." },
  422: { name: "Refused", description: "A business rule refuses what the input asks for; nothing was written." },
  429: { name: "RateLimited", description: "A system Procura calls asked it to slow down; retry later." },
  500: { name: "InternalError", description: "An unexpected error; the details name nothing of it." },
  502: { name: "UpstreamFailed", description: "A system Procura calls failed." },
  503: { name: "Unavailable", description: "Storage or a system Procura depends on is unavailable; retry later." },
  504: { name: "UpstreamTimeout", description: "A system Procura calls did not answer in time." }
}

/** The statuses every operation can answer with, and those only commands add. */
const everyOperation: ReadonlyArray<Problem.Status> = [400, 401, 403, 404, 422, 500, 503]
const commandsOnly: ReadonlyArray<Problem.Status> = [409]

const componentRef = (name: string): string => `#/components/schemas/${name}`

const pascal = (id: string): string =>
  id.split(/[^A-Za-z0-9]+/).filter((part) => part !== "").map((part) => part[0]!.toUpperCase() + part.slice(1)).join("")

/** Moves a generated schema's `$defs` into components (named `<name>_<def>`) and points its refs there. */
const hoist = (name: string, schema: Operation.JsonSchema, schemas: Record<string, Operation.JsonSchema>): void => {
  const { $schema: _dialect, $defs, ...rest } = schema as { $schema?: unknown; $defs?: Record<string, Operation.JsonSchema> }
  const defName = (def: string) => `${name}_${def.replace(/[^A-Za-z0-9._-]/g, "_")}`
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite)
    if (typeof value !== "object" || value === null) return value
    return Object.fromEntries(Object.entries(value).map(([key, item]) => {
      if (key !== "$ref" || typeof item !== "string") return [key, rewrite(item)]
      if (item === "#") return [key, componentRef(name)]
      if (item.startsWith("#/$defs/")) return [key, componentRef(defName(decodeURIComponent(item.slice("#/$defs/".length))))]
      return [key, item]
    }))
  }
  schemas[name] = rewrite(rest) as Operation.JsonSchema
  for (const [def, defSchema] of Object.entries($defs ?? {})) schemas[defName(def)] = rewrite(defSchema) as Operation.JsonSchema
}

const problemSchemas = (typeBase: string): Record<string, Operation.JsonSchema> => ({
  Problem: {
    type: "object",
    description: "RFC 9457 problem details. `code` is the stable machine code (`<Family>/<reason>` or the family's tag); " +
      "the error's data (ids, line numbers, expected and actual values) are further members.",
    required: ["type", "title", "status", "detail", "code"],
    properties: {
      type: { type: "string", description: `The problem type URI: ${typeBase}/<family>/<reason>, in kebab case.` },
      title: { type: "string" },
      status: { type: "integer", minimum: 400, maximum: 599 },
      detail: { type: "string" },
      instance: { type: "string" },
      code: { type: "string", examples: ["ReceivingError/OverReceipt", "NotFound"] },
      retryable: { type: "boolean", description: "Whether the same call may succeed later." }
    },
    additionalProperties: true
  },
  Issue: {
    type: "object",
    required: ["path", "message"],
    properties: {
      path: { type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } },
      message: { type: "string" },
      expected: { type: "string" },
      received: {}
    }
  },
  ValidationProblem: {
    allOf: [
      { $ref: componentRef("Problem") },
      {
        type: "object",
        properties: { operation: { type: "string" }, issues: { type: "array", items: { $ref: componentRef("Issue") } } }
      }
    ]
  }
})

const permissionText = (
  permission: string,
  matrix: Access.Matrix,
  declarations: { readonly [permission: string]: Plugin.PermissionDeclaration }
): string => {
  const declared = declarations[permission]
  const roles = (matrix as { readonly [p: string]: ReadonlyArray<string> | undefined })[permission] ?? declared?.roles ?? []
  const holders = roles.includes("*")
    ? "every principal"
    : [...roles.filter((role) => role !== "admin"), "admin"].map((role) => `\`${role}\``).join(", ")
  const what = declared === undefined ? "" : ` (${declared.description})`
  return `Requires the permission \`${permission}\`${what}, held by default by ${holders}.`
}

/**
 * Builds the OpenAPI 3.1 document of a catalogue (the core's by default). Every schema is
 * plain JSON: `JSON.parse(JSON.stringify(document))` is the same document.
 *
 * @since 0.1.0
 * @category constructors
 */
export const document = (options: Options = {}): Document => {
  const operations = options.catalogue === undefined
    ? [...Procura.catalogue.values()]
    : options.catalogue instanceof Map
    ? [...(options.catalogue as ReadonlyMap<string, Operation.Any>).values()]
    : [...(options.catalogue as Iterable<Operation.Any>)]
  const typeBase = options.typeBase ?? Problem.defaultTypeBase
  const basePath = (options.basePath ?? "/operations").replace(/\/+$/, "")
  const matrix = options.matrix ?? Access.defaultMatrix
  const declarations = options.permissions ?? {}
  const extraFamilies = [...(options.families ?? [])]
  const codes = Problem.codes(extraFamilies)
  const extraStatuses = [...new Set(extraFamilies.flatMap(Problem.codesOf).map((c) => c.status))]
    .filter((s) => !everyOperation.includes(s) && !commandsOnly.includes(s))

  const schemas: Record<string, Operation.JsonSchema> = problemSchemas(typeBase)
  const responses: Record<string, Response> = {}
  for (const status of [...everyOperation, ...commandsOnly, ...extraStatuses].sort((a, b) => a - b)) {
    const { name, description } = errorResponses[status]
    const statusCodes = codes.filter((c) => c.status === status).map((c) => c.code)
    responses[name] = {
      description: statusCodes.length === 0 ? description : `${description} Codes: ${statusCodes.map((c) => `\`${c}\``).join(", ")}.`,
      content: { "application/problem+json": { schema: { $ref: componentRef(status === 400 ? "ValidationProblem" : "Problem") } } },
      "x-procura-codes": statusCodes
    }
  }

  const paths: Record<string, { readonly post: PathOperation }> = {}
  const modules = new Map<string, number>()
  for (const operation of operations) {
    const module = operation.id.includes(".") ? operation.id.slice(0, operation.id.indexOf(".")) : operation.id
    modules.set(module, (modules.get(module) ?? 0) + 1)
    const base = pascal(operation.id)
    const inputName = `${base}Input`
    const outputName = `${base}Output`
    if (Object.hasOwn(schemas, inputName) || Object.hasOwn(schemas, outputName)) {
      throw new Error(`OpenApi.document: two operations map to the schema name ${base}; rename one (${operation.id})`)
    }
    hoist(inputName, Operation.inputJsonSchema(operation), schemas)
    hoist(outputName, Operation.outputJsonSchema(operation), schemas)
    const statuses = [...everyOperation, ...(operation.kind === "command" ? commandsOnly : []), ...extraStatuses].sort((a, b) => a - b)
    const events = operation.events.length === 0 ? "" : `\n\nEmits: ${operation.events.map((e) => `\`${e.type}\``).join(", ")}.`
    paths[`${basePath}/${operation.id}`] = {
      post: {
        operationId: operation.id,
        summary: operation.summary,
        description: `${operation.summary}\n\n${permissionText(operation.permission, matrix, declarations)}${events}`,
        tags: [module],
        requestBody: { required: true, content: { "application/json": { schema: { $ref: componentRef(inputName) } } } },
        responses: {
          "200": { description: "The operation's result.", content: { "application/json": { schema: { $ref: componentRef(outputName) } } } },
          ...Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/${errorResponses[s].name}` }]))
        },
        "x-procura-permission": operation.permission,
        "x-procura-kind": operation.kind,
        "x-procura-events": operation.events.map((event) => event.type)
      }
    }
  }

  return {
    openapi: "3.1.0",
    info: {
      title: options.info?.title ?? "Procura",
      version: options.info?.version ?? "0.1.0",
      ...(options.info?.description === undefined ? {} : { description: options.info.description })
    },
    ...(options.servers === undefined ? {} : { servers: options.servers.map((server) => ({ ...server })) }),
    tags: [...modules].map(([name, count]) => ({ name, description: `The ${name} operations (${count}).` })),
    paths,
    components: { schemas, responses }
  }
}

/**
 * The document of the core's operations and those of a plugin composition (`Plugin.compose`),
 * with the plugins' permissions and error families.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromComposition = (
  composition: Pick<Plugin.Composition, "operations" | "permissions" | "errors">,
  options: Omit<Options, "catalogue" | "permissions"> = {}
): Document =>
  document({
    ...options,
    catalogue: Procura.catalogueWith(composition),
    permissions: composition.permissions,
    families: [...composition.errors, ...(options.families ?? [])]
  })
