/**
 * Running operations for the Procura node: the input parameter read, results as n8n items, and
 * failures described by their stable code. Private to the package.
 */
import type { Host } from "@procura/cli"
import { Problem } from "@procura/core"
import type { IDataObject, INodeExecutionData } from "n8n-workflow"

/** A run that failed, as the node reports it. */
export interface Failure {
  /** The error's tag: `AccessDenied`, `ValidationError`, `PurchasingError`, `UnknownOperation`, ... */
  readonly _tag: string
  /** The stable machine code: `AccessDenied`, `ReceivingError/OverReceipt`, ... */
  readonly code: string
  /** The suggested HTTP status (403, 404, 409, 422, 500, ...). */
  readonly status: number
  readonly message: string
  /** The problem details' data (ids, issues, ...), with anything sensitive left out. */
  readonly details: IDataObject
}

const field = (error: unknown, name: string): string | undefined => {
  const value = typeof error === "object" && error !== null ? (error as { readonly [key: string]: unknown })[name] : undefined
  return typeof value === "string" && value !== "" ? value : undefined
}

/** The problem details' own members; the rest is the error's data. */
const problemMembers = new Set(["type", "title", "status", "detail", "instance", "code", "retryable"])

/**
 * Describes what a run rejected with, by the host's problem details (which know the plugins'
 * codes). An error the problem details do not know (`InternalError`) keeps its own tag and
 * message: problem details hide a 5xx's message from HTTP clients, but the n8n user runs the host.
 */
export const failureOf = (host: Pick<Host.Shared, "toProblem">, error: unknown): Failure => {
  const problem = host.toProblem(error)
  const known = problem.code !== Problem.internalErrorCode
  const tag = field(error, "_tag") ?? (known ? problem.code.split("/")[0]! : problem.code)
  const details = Object.fromEntries(Object.entries(problem).filter(([key]) => !problemMembers.has(key))) as IDataObject
  return {
    _tag: tag,
    code: known ? problem.code : tag,
    status: problem.status,
    message: known ? problem.detail : field(error, "message") ?? problem.detail,
    details
  }
}

/** What an error says, for people: its message, or the value itself. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))

/**
 * An error the nodes cannot describe by problem details (a credential that cannot open, an input
 * that is not JSON), as `<tag>: <message>`: `InvalidPrincipal: ...`, `MissingConfigFile: ...`.
 */
export const describeError = (error: unknown): string => `${field(error, "_tag") ?? "Error"}: ${messageOf(error)}`

/** Reads the `input` parameter: an object as given, or JSON text parsed; empty text is `{}`. */
export const inputOf = (value: unknown): unknown => {
  if (typeof value !== "string") return value ?? {}
  return value.trim() === "" ? {} : JSON.parse(value)
}

const isObject = (value: unknown): value is IDataObject => typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * An operation's result as n8n items of the input item `item`: a list becomes one item per
 * element, an object one item, anything else one item `{ result }`.
 */
export const itemsOf = (result: unknown, item: number): Array<INodeExecutionData> => {
  const json = (value: unknown): IDataObject => (isObject(value) ? value : { result: value as IDataObject[string] })
  const values = Array.isArray(result) ? result : [result]
  return values.map((value) => ({ json: json(value), pairedItem: { item } }))
}
