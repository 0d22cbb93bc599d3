/**
 * Errors as hosts see them: a stable machine code, a suggested HTTP status, and RFC 9457
 * problem details.
 *
 * Every Procura error is tagged (`_tag`), and most families say why with a `reason`. The
 * **code** is derived from both: `<Family>/<reason>` when the family has reasons
 * (`ReceivingError/OverReceipt`, `StorageError/Unavailable`), the bare tag when it has none
 * (`ValidationError`, `AccessDenied`, `NotFound`). Codes are stable: match on them, not on
 * messages.
 *
 * The **status** comes from one table of {@link Family} declarations: each family states its
 * status, per reason where it has reasons. The core declares its own ({@link families}); a
 * plugin declares the families of its operations in `Plugin.errors`, a connector exports its
 * family for hosts to pass as `families`. An error of a family nobody declared, and anything
 * that is not a Procura error (a defect), is a 500 whose details say nothing of its internals.
 *
 * ```ts
 * import { Problem } from "@procura/core"
 *
 * const problem = Problem.toProblem(error, { tenantId: principal.tenantId, instance: request.url })
 * response.status(problem.status).type("application/problem+json").send(problem)
 * ```
 *
 * @since 0.1.0
 */
import { Redacted } from "effect"
import type { AccessDenied, NotFound, ValidationError } from "./Errors.js"
import type { DeliveryError } from "./Delivery.js"
import type { EventDecodeError } from "./Events.js"
import type { PluginError } from "./Plugin.js"
import type { MissingPrincipal, UnknownOperation } from "./promise.js"
import type { StorageError } from "./Storage.js"
import type { AssetError, TemplatesMissing } from "./assets/Assets.js"
import type { CatalogError } from "./catalog/Catalog.js"
import type { InvoicingError } from "./invoicing/Invoicing.js"
import type { LicensingError } from "./licensing/Licensing.js"
import type { PurchasingError } from "./purchasing/Purchasing.js"
import type { ReceivingError } from "./receiving/Receiving.js"
import type { ReturnError } from "./receiving/Returns.js"
import type { ApprovalPolicyError } from "./requisition/ApprovalPolicy.js"
import type { RequisitionError } from "./requisition/Requisition.js"
import type { DecisionTableError } from "./rules/DecisionTable.js"
import type { ShippingError } from "./shipping/Shipping.js"
import type { StockError } from "./stock/Stock.js"

// ---------------------------------------------------------------------------------------------
// Families
// ---------------------------------------------------------------------------------------------

/**
 * The HTTP statuses Procura suggests:
 *
 * - `400` invalid input (the request itself is malformed or fails its schema);
 * - `401` no principal; `403` the principal may not do this;
 * - `404` a record the request names does not exist (in the caller's tenant);
 * - `409` the request conflicts with a record's current state (wrong status, a taken key,
 *   a concurrent change, nothing left): it may succeed once the state changes;
 * - `422` a business rule refuses what the request asks for (more than ordered, an unknown
 *   line, mixed currencies);
 * - `429` rate limited; `502`, `503`, `504` an upstream system or storage failed or timed out;
 * - `500` anything else.
 *
 * @since 0.1.0
 * @category models
 */
export type Status = 400 | 401 | 403 | 404 | 409 | 422 | 429 | 500 | 502 | 503 | 504

/**
 * The reasons an error type declares, or `never`: its `reason` field when it is a string, or the
 * `_tag` of its reason when the reason is a tagged value (as `StorageError`'s are).
 *
 * @since 0.1.0
 * @category models
 */
export type ReasonOf<E> = E extends { readonly reason: infer R }
  ? (R extends string ? R : R extends { readonly _tag: infer T extends string } ? T : never)
  : never

/**
 * How one error family maps to codes and statuses: its `_tag`, a title, and a status, per
 * reason where the family has reasons. Declare one with {@link family}, which checks that every
 * reason has its status.
 *
 * @since 0.1.0
 * @category models
 */
export interface Family<Tag extends string = string> {
  /** The `_tag` of the family's errors. */
  readonly tag: Tag
  /** A short summary of the family, the same for every occurrence: "Receipt refused". */
  readonly title: string
  /** The status of the family's errors; for a family with reasons, of a reason it does not list. */
  readonly status: Status
  /** The status of each reason. */
  readonly reasons?: { readonly [reason: string]: Status }
  /**
   * Data fields to publish under another name, for fields named like a problem member
   * (`status`, `detail`, `type`, ...), which are otherwise left out.
   */
  readonly rename?: { readonly [field: string]: string }
}

/**
 * What {@link family} takes for an error type `E`: a status per reason when `E` has reasons
 * (all of them, checked by the compiler), one status when it has none.
 *
 * @since 0.1.0
 * @category models
 */
export type FamilySpec<E extends { readonly _tag: string }> =
  & {
    readonly tag: E["_tag"]
    readonly title: string
    readonly rename?: { readonly [field: string]: string }
  }
  & ([ReasonOf<E>] extends [never] ? { readonly status: Status }
    : { readonly reasons: { readonly [R in ReasonOf<E>]: Status }; readonly status?: Status })

/**
 * Declares how an error family maps to codes and statuses. Name the error type, so that a
 * reason added to it later fails to compile until it has a status:
 *
 * ```ts
 * const family = Problem.family<OversightError>({
 *   tag: "OversightError",
 *   title: "Oversight refused",
 *   reasons: { InvalidState: 409, UnknownLine: 422, ... }
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const family = <E extends { readonly _tag: string }>(spec: FamilySpec<E>): Family<E["_tag"]> => {
  const { tag, title, rename } = spec
  const loose = spec as { readonly status?: Status; readonly reasons?: { readonly [reason: string]: Status } }
  const reasons = loose.reasons
  return {
    tag,
    title,
    status: loose.status ?? 500,
    ...(reasons === undefined ? {} : { reasons }),
    ...(rename === undefined ? {} : { rename })
  }
}

/**
 * The core's error families, by tag: every error a core operation, the Promise facade, the
 * storage port, delivery and plugin composition can fail with.
 *
 * @since 0.1.0
 * @category constants
 */
export const families = {
  ValidationError: family<ValidationError>({ tag: "ValidationError", title: "Invalid input", status: 400 }),
  AccessDenied: family<AccessDenied>({ tag: "AccessDenied", title: "Access denied", status: 403 }),
  NotFound: family<NotFound>({ tag: "NotFound", title: "Not found", status: 404 }),
  MissingPrincipal: family<MissingPrincipal>({ tag: "MissingPrincipal", title: "No principal", status: 401 }),
  UnknownOperation: family<UnknownOperation>({ tag: "UnknownOperation", title: "Unknown operation", status: 404 }),
  StorageError: family<StorageError>({
    tag: "StorageError",
    title: "Storage failure",
    reasons: { UniqueViolation: 409, StaleVersion: 409, NotFound: 404, InvalidInput: 400, Unavailable: 503 }
  }),
  DeliveryError: family<DeliveryError>({
    tag: "DeliveryError",
    title: "Delivery refused",
    reasons: { UnknownDeadLetter: 404, UnknownSubscriber: 404 }
  }),
  EventDecodeError: family<EventDecodeError>({ tag: "EventDecodeError", title: "Malformed event", status: 422, rename: { type: "eventType" } }),
  PluginError: family<PluginError>({
    tag: "PluginError",
    title: "Plugins could not start",
    reasons: {
      InvalidConfig: 400,
      UnknownPlugin: 400,
      UnknownPermission: 400,
      DuplicatePlugin: 409,
      ResponsibilityConflict: 409,
      PermissionConflict: 409
    }
  }),
  DecisionTableError: family<DecisionTableError>({
    tag: "DecisionTableError",
    title: "Decision table failure",
    reasons: { InvalidTable: 400, InvalidInput: 422, AmbiguousMatch: 422 }
  }),
  ApprovalPolicyError: family<ApprovalPolicyError>({ tag: "ApprovalPolicyError", title: "No approval chain", status: 422 }),
  CatalogError: family<CatalogError>({
    tag: "CatalogError",
    title: "Catalog change refused",
    reasons: {
      DuplicateCode: 409,
      DuplicateSku: 409,
      DuplicateSupplierProduct: 409,
      UnknownVendor: 422,
      UnknownCatalogItem: 422,
      ImportRejected: 422
    }
  }),
  RequisitionError: family<RequisitionError>({
    tag: "RequisitionError",
    title: "Request refused",
    reasons: {
      InvalidState: 409,
      UnknownCatalogItem: 422,
      VendorNotApproved: 422,
      NoSource: 422,
      WrongChannel: 422,
      MixedCurrencies: 422,
      NoApprover: 422,
      SelfApproval: 403
    }
  }),
  PurchasingError: family<PurchasingError>({
    tag: "PurchasingError",
    title: "Purchase order change refused",
    reasons: {
      RequestNotApproved: 409,
      InvalidState: 409,
      LineReceived: 409,
      SeatsAssigned: 409,
      NothingToCancel: 409,
      UnknownLine: 422,
      BelowReceived: 422,
      NoLinesLeft: 422,
      SoftwareLine: 422,
      UnknownCatalogItem: 422,
      VendorNotApproved: 422,
      CurrencyMismatch: 422,
      NoChange: 422,
      OverCancel: 422
    }
  }),
  ReceivingError: family<ReceivingError>({
    tag: "ReceivingError",
    title: "Receipt refused",
    reasons: {
      InvalidState: 409,
      DuplicateSerialNumber: 409,
      OverReceipt: 422,
      NotReceivable: 422,
      UnknownLine: 422,
      DuplicateLine: 422,
      NotAnAssetLine: 422,
      ExceedsShipment: 422,
      ExceedsInvoice: 422,
      NothingReceived: 422
    }
  }),
  ReturnError: family<ReturnError>({
    tag: "ReturnError",
    title: "Return refused",
    reasons: {
      InvalidState: 409,
      UnknownLine: 422,
      NotReturnable: 422,
      AssetsRequired: 422,
      NotAnAssetLine: 422,
      PlaceRequired: 422,
      NotOnLine: 422,
      ExceedsReceived: 422
    }
  }),
  ShippingError: family<ShippingError>({
    tag: "ShippingError",
    title: "Shipment refused",
    reasons: {
      InvalidState: 409,
      DuplicateSerialNumber: 409,
      UnknownLine: 422,
      DuplicateLine: 422,
      OverShipment: 422,
      NotReceivable: 422,
      TooManySerialNumbers: 422,
      NotAnAssetLine: 422,
      InvoiceMismatch: 422
    }
  }),
  AssetError: family<AssetError>({
    tag: "AssetError",
    title: "Asset change refused",
    reasons: { InvalidTransition: 409, NotInUse: 409, NotInStock: 409, TagTaken: 409, SameStorageSpace: 422 }
  }),
  TemplatesMissing: family<TemplatesMissing>({ tag: "TemplatesMissing", title: "Template assets missing", status: 409 }),
  LicensingError: family<LicensingError>({
    tag: "LicensingError",
    title: "Licensing refused",
    reasons: { NoSeatsAvailable: 409, AlreadyAssigned: 409, NotAssigned: 409, Expired: 409, InvalidTerm: 422 }
  }),
  InvoicingError: family<InvoicingError>({
    tag: "InvoicingError",
    title: "Invoice refused",
    reasons: {
      InvalidState: 409,
      DuplicateInvoiceNumber: 409,
      UnknownLine: 422,
      DuplicateLine: 422,
      CurrencyMismatch: 422,
      MatchExceptions: 422,
      NoException: 422
    }
  }),
  StockError: family<StockError>({ tag: "StockError", title: "Stock movement refused", reasons: { InsufficientStock: 409 } })
} as const

/**
 * Error families by tag. The first declaration of a tag wins, so the core's statuses cannot be
 * overridden by a plugin.
 *
 * @since 0.1.0
 * @category models
 */
export type Registry = ReadonlyMap<string, Family>

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

const coreRegistry = registry()

const lookup = (tag: string, extra: Iterable<Family> | undefined): Family | undefined => {
  const found = coreRegistry.get(tag)
  if (found !== undefined || extra === undefined) return found
  if (extra instanceof Map) return extra.get(tag) as Family | undefined
  for (const f of extra) if (f.tag === tag) return f
  return undefined
}

// ---------------------------------------------------------------------------------------------
// Classifying
// ---------------------------------------------------------------------------------------------

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
const tagOf = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "_tag" in error && typeof error._tag === "string" ? error._tag : undefined

/** The reason of an error: its `reason` string, or the `_tag` of a tagged reason. */
const reasonOf = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null || !("reason" in error)) return undefined
  const reason = error.reason
  return typeof reason === "string" ? reason : tagOf(reason)
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

// ---------------------------------------------------------------------------------------------
// Problem details
// ---------------------------------------------------------------------------------------------

/**
 * RFC 9457 problem details, with Procura's `code`, whether retrying may help, and the error's
 * data as extension members.
 *
 * @since 0.1.0
 * @category models
 */
export interface Problem {
  /** The problem type URI (see {@link defaultTypeBase}). */
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
