/**
 * Codes and classification: an error's stable code (`<Family>/<reason>`, or its tag), its problem
 * type URI, its suggested status and title from the families declared (the core's first, then a
 * host's), the registry that looks families up, and the table of every code. Private to core; the
 * public face is the `Problem` module.
 */
import { families } from "./families.js"
import type { Family, Registry, Status } from "./family.js"

/**
 * Builds a {@link Registry} from groups of families: the core's first, then those given.
 *
 * @since 0.1.0
 * @category constructors
 */
export const registry = (...groups: ReadonlyArray<Iterable<Family>>): Registry => {
  const map = new Map<string, Family>(Object.values(families).map((f) => [f.tag, f as Family]))
  for (const group of groups) {
    for (const f of group) if (!map.has(f.tag)) map.set(f.tag, f)
  }
  return map
}

/** The core's families alone, built once. */
const coreRegistry = registry()

/** The family of a tag: the core's, else the first of `extra` (a list or a {@link Registry}) with that tag. */
export const lookup = (tag: string, extra: Iterable<Family> | undefined): Family | undefined => {
  const found = coreRegistry.get(tag)
  if (found !== undefined || extra === undefined) return found
  if (extra instanceof Map) return extra.get(tag) as Family | undefined
  for (const f of extra) if (f.tag === tag) return f
  return undefined
}

/**
 * The base of problem type URIs. A type is `<base>/<family>/<reason>` in kebab case, such as
 * `https://procura.dev/problems/receiving-error/over-receipt`: a stable identifier, not a page to
 * fetch. Hosts that publish their own error pages pass `typeBase`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultTypeBase = "https://procura.dev/problems"

/**
 * The code of errors that are not Procura errors (defects).
 *
 * @since 0.1.0
 * @category constants
 */
export const internalErrorCode = "InternalError"

/**
 * Options of {@link classify}.
 *
 * @since 0.1.0
 * @category options
 */
export interface ClassifyOptions {
  /** Families beyond the core's: enabled plugins', connectors'. A {@link Registry} works too. */
  readonly families?: Iterable<Family> | undefined
  /** The base of problem type URIs; {@link defaultTypeBase} by default. */
  readonly typeBase?: string | undefined
}

/**
 * What an error is to a host.
 *
 * @since 0.1.0
 * @category models
 */
export interface Classification {
  /** `<Family>/<reason>`, or the tag of a family without reasons, or `InternalError`. */
  readonly code: string
  readonly status: Status
  readonly title: string
  /** The problem type URI. */
  readonly type: string
  /** The family's tag; absent for a defect. */
  readonly family?: string
  readonly reason?: string
  /** Whether a declared family covers the error; if not, it is reported as an internal error. */
  readonly declared: boolean
}

/** Whether a value is a tagged error (has a string `_tag`). */
export const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : undefined

/** The reason of an error: its `reason` string, or the `_tag` of a tagged reason. */
const reasonOf = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null || !("reason" in error)) return undefined
  const reason = error.reason
  return typeof reason === "string" ? reason : tagOf(reason)
}

/**
 * Kebab case of a tag or reason: `ReceivingError` -> `receiving-error`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const kebab = (name: string): string =>
  name.replace(/([a-z0-9])([A-Z])/g, "$1-$2").replace(/([A-Z])([A-Z][a-z])/g, "$1-$2").replace(/[^A-Za-z0-9]+/g, "-").toLowerCase()

const words = (name: string): string => kebab(name).replace(/-/g, " ")

/**
 * The code of a family and reason: `ReceivingError/OverReceipt`, or `NotFound`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const codeOf = (tag: string, reason?: string): string => (reason === undefined ? tag : `${tag}/${reason}`)

/**
 * The problem type URI of a code.
 *
 * @since 0.1.0
 * @category conversions
 */
export const typeOf = (code: string, typeBase: string = defaultTypeBase): string =>
  `${typeBase.replace(/\/+$/, "")}/${code.split("/").map(kebab).join("/")}`

/**
 * Every code a family declares, with its status and title, in declaration order.
 *
 * @since 0.1.0
 * @category conversions
 */
export const codesOf = (
  f: Family
): ReadonlyArray<{ readonly code: string; readonly status: Status; readonly title: string }> =>
  f.reasons === undefined
    ? [{ code: f.tag, status: f.status, title: f.title }]
    : Object.entries(f.reasons).map(([reason, status]) => ({ code: codeOf(f.tag, reason), status, title: `${f.title}: ${words(reason)}` }))

/**
 * Every code of the core's families and the given ones, sorted by status then code: the table
 * of docs/guides/hosting-over-http.md.
 *
 * @since 0.1.0
 * @category conversions
 */
export const codes = (
  more: Iterable<Family> = []
): ReadonlyArray<{ readonly code: string; readonly status: Status; readonly title: string }> =>
  [...registry(more).values()].flatMap(codesOf).sort((a, b) => a.status - b.status || a.code.localeCompare(b.code))

/**
 * Classifies an error: its code, suggested status, title and problem type.
 *
 * @since 0.1.0
 * @category conversions
 */
export const classify = (error: unknown, options: ClassifyOptions = {}): Classification => {
  const typeBase = options.typeBase ?? defaultTypeBase
  const tag = tagOf(error)
  if (tag === undefined) {
    return { code: internalErrorCode, status: 500, title: "Internal error", type: typeOf(internalErrorCode, typeBase), declared: false }
  }
  const reason = reasonOf(error)
  const code = codeOf(tag, reason)
  const withReason = reason === undefined ? {} : { reason }
  const f = lookup(tag, options.families)
  if (f === undefined) {
    return { code, status: 500, title: "Internal error", type: typeOf(code, typeBase), family: tag, ...withReason, declared: false }
  }
  const status = reason !== undefined && f.reasons !== undefined && Object.hasOwn(f.reasons, reason) ? f.reasons[reason]! : f.status
  const title = reason === undefined ? f.title : `${f.title}: ${words(reason)}`
  return { code, status, title, type: typeOf(code, typeBase), family: tag, ...withReason, declared: true }
}

/**
 * The stable code of an error: `ReceivingError/OverReceipt`, `NotFound`, `InternalError`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const code = (error: unknown): string => classify(error).code

/**
 * The HTTP status Procura suggests for an error.
 *
 * @since 0.1.0
 * @category conversions
 */
export const status = (error: unknown, options: ClassifyOptions = {}): Status => classify(error, options).status
