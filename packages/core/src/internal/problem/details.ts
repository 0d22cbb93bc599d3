/**
 * Problem details: an error as RFC 9457 problem details, with its code, whether retrying may
 * help, and its data as extension members, sanitised (no causes, stacks, secrets, other tenants'
 * ids, functions or class instances; a generic detail for 5xx). Private to core; the public face
 * is the `Problem` module.
 */
import { Redacted } from "effect"
import { classify, type ClassifyOptions, lookup, tagOf } from "./classify.js"
import type { Status } from "./family.js"

/**
 * RFC 9457 problem details, with Procura's `code`, whether retrying may help, and the error's
 * data as extension members.
 *
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  /** The problem type URI (see {@link ClassifyOptions.typeBase}: `https://procura.dev/problems/...` by default). */
  readonly type: string
  readonly title: string
  readonly status: Status
  /** The error's message; generic for 5xx. */
  readonly detail: string
  /** The occurrence, when the host names it (a request path or id). */
  readonly instance?: string
  /** The stable machine code. */
  readonly code: string
  /** Whether the same call may succeed later, where the error says. */
  readonly retryable?: boolean
  /** The error's data fields (ids, line numbers, issues, ...), with anything sensitive left out. */
  readonly [extension: string]: unknown
}

/**
 * Options of {@link toProblem}.
 *
 * @since 0.1.0
 * @category options
 */
export interface ProblemOptions extends ClassifyOptions {
  /**
   * The caller's tenant. Tenant ids in the error's data are published only when they are the
   * caller's; without it, none are.
   */
  readonly tenantId?: string | undefined
  /** The `instance` member: the request's path or id. */
  readonly instance?: string | undefined
}

/**
 * The data fields of an error: its own fields, and those of its reason when the reason is a
 * tagged value (`StorageError`'s collection, key and ids).
 */
const dataOf = (error: object): ReadonlyArray<readonly [string, unknown]> => {
  const reason = (error as { readonly reason?: unknown }).reason
  const own = Object.entries(error)
  return typeof reason === "object" && reason !== null && tagOf(reason) !== undefined
    ? [...own, ...Object.entries(reason).filter(([key]) => key !== "_tag" && !Object.hasOwn(error, key))]
    : own
}

/** Problem members an error's data field may not overwrite. */
const members = new Set(["type", "title", "status", "detail", "instance", "code", "retryable"])

/** Top-level fields never published as data: the code and detail carry them, or they are internals. */
const internals = new Set(["_tag", "reason", "message", "cause", "stack"])

/** Fields never published at any depth. */
const nestedInternals = new Set(["cause", "stack"])

/** Field names that may hold a secret: credentials, tokens, key material, licence keys. */
const secretName =
  /pass(word|phrase)?$|^pwd$|secret|token|api[-_]?key|private[-_]?key|key[-_]?material|licen[cs]e[-_]?keys?|credential|authori[sz]ation|cookie|signature|session/i

const tenantName = /^tenant([-_]?id)?$/i

/** What 5xx problems say instead of the error's message. */
const serverDetail: { readonly [S in Status]?: string } = {
  500: "An unexpected error occurred; it has been reported to the host.",
  502: "A system Procura depends on failed.",
  503: "Procura is unavailable for now; retry later.",
  504: "A system Procura depends on did not answer in time."
}

const isPlain = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

const keep = (key: string, value: unknown, tenantId: string | undefined): boolean =>
  !nestedInternals.has(key) && !secretName.test(key) && (!tenantName.test(key) || (tenantId !== undefined && value === tenantId))

/**
 * A JSON-safe copy of a data value, without secrets, causes, stacks, other tenants' ids,
 * functions or class instances (other than dates).
 */
const sanitize = (value: unknown, tenantId: string | undefined, seen: WeakSet<object>, depth: number): unknown => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value
    case "number":
      return Number.isFinite(value) ? value : String(value)
    case "bigint":
      return value.toString()
    case "object": {
      if (value === null) return null
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString()
      if (depth > 8 || seen.has(value) || Redacted.isRedacted(value) || value instanceof Error) return undefined
      seen.add(value)
      try {
        if (Array.isArray(value)) return value.map((item) => sanitize(item, tenantId, seen, depth + 1) ?? null)
        if (!isPlain(value)) return undefined
        const out: Record<string, unknown> = {}
        for (const [key, item] of Object.entries(value)) {
          if (!keep(key, item, tenantId)) continue
          const clean = sanitize(item, tenantId, seen, depth + 1)
          if (clean !== undefined) out[key] = clean
        }
        return out
      } finally {
        seen.delete(value)
      }
    }
    default:
      return undefined
  }
}

const retryableOf = (error: object): boolean | undefined => {
  const flag = (error as { readonly isRetryable?: unknown }).isRetryable
  if (typeof flag === "boolean") return flag
  const field = (error as { readonly retryable?: unknown }).retryable
  return typeof field === "boolean" ? field : undefined
}

/**
 * RFC 9457 problem details for an error, to send as `application/problem+json` with
 * `problem.status`.
 *
 * - `detail` is the error's message; for a 5xx it is a generic sentence (log the error itself).
 * - The error's data fields become extension members, leaving out its cause and stack, fields
 *   named like a secret (password, secret, token, API or private key, key material, licence
 *   keys, credentials, authorization, cookies, sessions), tenant ids other than the caller's
 *   (`options.tenantId`), functions and class instances. Fields named like a problem member are
 *   left out unless the family renames them.
 * - An error of an undeclared family, or anything that is not a Procura error, is an
 *   `InternalError` (500) that names nothing of its internals.
 *
 * @since 0.1.0
 * @category conversions
 */
export const toProblem = (error: unknown, options: ProblemOptions = {}): Problem => {
  const classification = classify(error, options)
  const { code: c, status: s, title, type } = classification
  const instance = options.instance === undefined ? {} : { instance: options.instance }
  if (!classification.declared || s >= 500 || typeof error !== "object" || error === null) {
    const retryable = s >= 500 && classification.declared && typeof error === "object" && error !== null ? retryableOf(error) : undefined
    return {
      type,
      title,
      status: s,
      detail: serverDetail[s] ?? serverDetail[500]!,
      ...instance,
      code: c,
      ...(retryable === undefined ? {} : { retryable })
    }
  }
  const f = lookup(classification.family!, options.families)
  const rename = f?.rename ?? {}
  const extensions: Record<string, unknown> = {}
  const seen = new WeakSet<object>([error])
  for (const [key, value] of dataOf(error)) {
    const name = Object.hasOwn(rename, key) ? rename[key]! : key
    if (internals.has(key) || members.has(name) || !keep(key, value, options.tenantId)) continue
    const clean = sanitize(value, options.tenantId, seen, 1)
    if (clean !== undefined) extensions[name] = clean
  }
  const message = (error as { readonly message?: unknown }).message
  const retryable = retryableOf(error)
  return {
    ...extensions,
    type,
    title,
    status: s,
    detail: typeof message === "string" && message !== "" ? message : title,
    ...instance,
    code: c,
    ...(retryable === undefined ? {} : { retryable })
  }
}
