/**
 * A stateful Coupa instance in the test process, on msw: the Coupa connector's tests (and
 * integrators' own tests) run against it instead of a real instance.
 *
 * It answers the OAuth 2.0 client-credentials token endpoint (`POST /oauth2/token`) and the Core
 * REST API for `suppliers`, `items`, `requisitions`, `purchase_orders`, `receiving_transactions`
 * and `invoices` the way Coupa documents them: JSON bodies with hyphenated field names, money and
 * quantities as decimal strings, ids as numbers, XML when the client forgets
 * `Accept: application/json`, the `{"errors": {"<resource>": [...]}}` envelope, lists of at most
 * 50 records paged with `offset`, `field[op]=value` filters, `order_by`/`dir`, `fields=` trimming,
 * the `exported` flag, status actions, natural-key uniqueness (Coupa has no idempotency keys),
 * scopes per resource and a token-bucket rate limit.
 *
 * Timestamps have one-second resolution, as Coupa renders them, on a clock the test controls, so
 * many records can share one `updated-at`. Faults (5xx, 429, latency, network errors, and a
 * create that is committed although its answer comes too late) are injected on demand and every
 * request is logged for assertions.
 *
 * ```ts
 * import { CoupaSimulator } from "@procura/testkit"
 *
 * const sim = CoupaSimulator.make({
 *   clients: [{ clientId: "erp", clientSecret: "secret", scopes: ["core.purchase_order.read"] }]
 * })
 * sim.listen() // in beforeAll; sim.close() in afterAll, sim.reset() in beforeEach
 * sim.seed("suppliers", { name: "Acme" })
 * sim.inject({ type: "timeoutAfterCommit", ms: 5_000, match: { method: "POST" } })
 * ```
 *
 * Facts the reference notes mark UNCONFIRMED are simulated the way the most documentation
 * describes them; each such choice is commented where it is made.
 *
 * @since 0.2.0
 */
import { Context, Effect, Layer } from "effect"
import { http, HttpResponse } from "msw"
import { setupServer, type SetupServer } from "msw/node"

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/**
 * A JSON value as the API sends and receives it.
 *
 * @since 0.2.0
 * @category models
 */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

/**
 * A record as the API renders it: hyphenated field names, ids as numbers, decimals as strings,
 * timestamps as ISO-8601 strings with an offset.
 *
 * @since 0.2.0
 * @category models
 */
export type CoupaRecord = { readonly [field: string]: Json }

/**
 * The simulated resources, named as in their paths (`/api/<resource>`).
 *
 * @since 0.2.0
 * @category models
 */
export type Resource = "suppliers" | "items" | "requisitions" | "purchase_orders" | "receiving_transactions" | "invoices"

/**
 * The simulated resources.
 *
 * @since 0.2.0
 * @category models
 */
export const resources: ReadonlyArray<Resource> = [
  "suppliers",
  "items",
  "requisitions",
  "purchase_orders",
  "receiving_transactions",
  "invoices"
]

/**
 * The OAuth scopes each resource needs: `read` for GET, `write` for POST and PUT (an invoice is
 * also created with `core.invoice.create`). Whether a write scope implies the read scope is not
 * documented (UNCONFIRMED); the simulator keeps them apart, the strictest reading.
 *
 * @since 0.2.0
 * @category auth
 */
export const scopes: { readonly [R in Resource]: { readonly read: string; readonly write: string } } = {
  suppliers: { read: "core.supplier.read", write: "core.supplier.write" },
  items: { read: "core.item.read", write: "core.item.write" },
  requisitions: { read: "core.requisition.read", write: "core.requisition.write" },
  purchase_orders: { read: "core.purchase_order.read", write: "core.purchase_order.write" },
  receiving_transactions: { read: "core.inventory.receiving.read", write: "core.inventory.receiving.write" },
  invoices: { read: "core.invoice.read", write: "core.invoice.write" }
}

/**
 * Every scope of {@link scopes}, plus `core.common.read`.
 *
 * @since 0.2.0
 * @category auth
 */
export const allScopes: ReadonlyArray<string> = [
  "core.common.read",
  ...resources.flatMap((resource) => [scopes[resource].read, scopes[resource].write])
]

/**
 * An OAuth/OpenID Connect client of the instance (Setup > Integrations > Oauth2/OpenID Connect
 * Clients) with the client-credentials grant and the scopes an administrator ticked.
 *
 * @since 0.2.0
 * @category auth
 */
export interface OAuthClient {
  readonly clientId: string
  readonly clientSecret: string
  readonly scopes: ReadonlyArray<string>
}

/**
 * The client the simulator registers when `clients` is not given: every scope of
 * {@link allScopes}.
 *
 * @since 0.2.0
 * @category auth
 */
export const defaultClient: OAuthClient = { clientId: "procura", clientSecret: "procura-secret", scopes: allScopes }

/**
 * The instance's rate limit: a token bucket holding `burst` requests, refilled at `perSecond`
 * (Coupa documents "25 requests per second with a burst limit of 20"). It counts every API
 * request to the instance, whoever sends it; the token endpoint is not counted. Over the limit
 * the answer is 429 with `{"errors":{"base":["Rate limit exceeded"]}}`, and a `Retry-After`
 * header only with `retryAfter: "seconds"` (Coupa does not document one).
 *
 * @since 0.2.0
 * @category options
 */
export interface RateLimitOptions {
  /** Default 25. */
  readonly perSecond?: number
  /** Default 20. */
  readonly burst?: number
  /** Default `"none"`. */
  readonly retryAfter?: "seconds" | "none"
}

/**
 * Options of {@link make}.
 *
 * @since 0.2.0
 * @category options
 */
export interface Options {
  /** Default `https://acme.coupahost.com`. */
  readonly instanceUrl?: string
  /** Default `[defaultClient]`. */
  readonly clients?: ReadonlyArray<OAuthClient>
  /** Access-token lifetime in seconds; default 86399, as Coupa answers. */
  readonly tokenLifetime?: number
  /** Default 25 requests per second, burst 20; `false` switches the limit off. */
  readonly rateLimit?: RateLimitOptions | false
  /**
   * The instance clock; default the real time. Timestamps are truncated to whole seconds
   * whatever the clock says. {@link Simulator.setTime} and {@link Simulator.advance} override it.
   */
  readonly clock?: () => Date
  /** The offset timestamps are rendered in, in minutes east of UTC (e.g. -420 for `-07:00`); default 0. */
  readonly utcOffsetMinutes?: number
  /**
   * Whether `PUT ...?exported=true` bumps `updated-at` (default true: Coupa is a Rails
   * application and saving a record touches it; not documented, UNCONFIRMED).
   */
  readonly exportTouchesUpdatedAt?: boolean
}

// ---------------------------------------------------------------------------------------------
// Faults and the request log
// ---------------------------------------------------------------------------------------------

/**
 * Which requests a fault applies to. Without a `path`, a fault applies to API requests only
 * (`/api/...`), not to the token endpoint; give `path: "/oauth2/token"` to hit that.
 *
 * @since 0.2.0
 * @category faults
 */
export interface FaultMatch {
  readonly method?: string
  /** A path prefix, e.g. `/api/purchase_orders`, or a pattern. */
  readonly path?: string | RegExp
}

/**
 * When a fault fires: among the requests it matches, skip the first `after` (default 0), then
 * fire on the next `times` (default 1; `Infinity` for a storm).
 *
 * @since 0.2.0
 * @category faults
 */
export interface FaultTiming {
  readonly times?: number
  readonly after?: number
  readonly match?: FaultMatch
}

/**
 * A fault to inject:
 *
 * - `status`: 500 (Coupa's JSON error envelope) or 502/503 (an HTML page from the load
 *   balancer), before the request reaches the application;
 * - `rateLimit`: 429 whatever the bucket holds;
 * - `latency`: `ms` more before the normal answer;
 * - `network`: the connection fails (`fetch` rejects);
 * - `timeoutAfterCommit`: the request is applied (a POST creates its record) and its answer held
 *   back `ms`, longer than the client waits, so the client sees a timeout for a write that
 *   happened; a client that aborts gets a network error;
 * - `mutate`: runs `change` on the instance just before the request is answered normally, e.g.
 *   records created by someone else while a client pages:
 *   `{ type: "mutate", after: 1, match: { method: "GET" }, change: (i) => i.seed("suppliers", { name: "Late" }) }`.
 *
 * Latency and mutations apply to every request they match; of the other faults due on one
 * request only the first injected fires.
 *
 * @since 0.2.0
 * @category faults
 */
export type Fault = FaultTiming & (
  | { readonly type: "status"; readonly status: 500 | 502 | 503 }
  | { readonly type: "rateLimit" }
  | { readonly type: "latency"; readonly ms: number }
  | { readonly type: "network" }
  | { readonly type: "timeoutAfterCommit"; readonly ms: number }
  | { readonly type: "mutate"; readonly change: (instance: Instance) => void }
)

/**
 * The instance's records as tests and `mutate` faults reach them, bypassing HTTP, tokens and
 * the rate limit.
 *
 * @since 0.2.0
 * @category models
 */
export interface Instance {
  /** The records of a resource as the API renders them, in id order. */
  readonly records: (resource: Resource) => ReadonlyArray<CoupaRecord>
  /** One record as the API renders it, or undefined. */
  readonly record: (resource: Resource, id: number) => CoupaRecord | undefined
  /**
   * Creates a record with the API's validation (throws with the error messages), assigning its
   * id and timestamps. Unlike the API it also takes `status`, `exported`, `last-exported-at`,
   * `created-at` and `updated-at`, and any purchase-order `type`.
   */
  readonly seed: (resource: Resource, values: { readonly [field: string]: Json }) => CoupaRecord
  /**
   * Changes a record as a user of the instance would (e.g. `status: "approved"` on an invoice):
   * the fields `seed` takes are writable; `updated-at` moves. Throws for an unknown id or
   * invalid values.
   */
  readonly update: (resource: Resource, id: number, values: { readonly [field: string]: Json }) => CoupaRecord
}

/**
 * One request as the simulator saw it, with the status it answered (0 for a network error or a
 * request the client abandoned). `at` is the real time in epoch milliseconds; header names are
 * lower case.
 *
 * @since 0.2.0
 * @category models
 */
export interface LoggedRequest {
  readonly seq: number
  readonly at: number
  readonly method: string
  readonly path: string
  readonly query: Readonly<Record<string, string>>
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  status: number
  fault?: Fault["type"]
}

/**
 * A simulator: its msw server and handlers, its records, clock, faults and request log.
 *
 * @since 0.2.0
 * @category models
 */
export interface Simulator extends Instance {
  readonly instanceUrl: string
  /** The msw server with the simulator's handlers (not listening until {@link Simulator.listen}). */
  readonly server: SetupServer
  /** The handlers, to mount on an msw server of your own instead: `server.use(...sim.handlers)`. */
  readonly handlers: ReadonlyArray<ReturnType<typeof http.all>>
  /** Answers one request as the instance (what the msw handlers call). */
  readonly handle: (request: Request) => Promise<Response>
  /** Starts intercepting `fetch` (unhandled requests fail). */
  readonly listen: () => void
  readonly close: () => void
  /** Clears records, ids, tokens, faults, the rate-limit bucket, the log and any clock override (keeps the options). */
  readonly reset: () => void
  readonly inject: (...faults: ReadonlyArray<Fault>) => void
  readonly clearFaults: () => void
  /** Expires every access token issued so far (a token expiring in the middle of a pull). */
  readonly expireTokens: () => void
  /** Stops the clock at an instant (ISO-8601); timestamps then stay there until moved. */
  readonly setTime: (iso: string) => void
  /** Moves the clock forward (and stops it there when it was running on the real time). */
  readonly advance: (ms: number) => void
  /** The instance clock (not truncated). */
  readonly now: () => Date
  /** The requests seen so far, oldest first. */
  readonly requests: () => ReadonlyArray<LoggedRequest>
  readonly clearLog: () => void
}

// ---------------------------------------------------------------------------------------------
// Resource definitions
// ---------------------------------------------------------------------------------------------

/** How a field is read from a body, stored, rendered and compared. */
type Kind = "text" | "decimal" | "integer" | "boolean" | "datetime" | "code" | "supplier" | "item" | "order-line" | "custom"

interface Field {
  readonly kind: Kind
  readonly writable: boolean
}

const w = (kind: Kind): Field => ({ kind, writable: true })
const r = (kind: Kind): Field => ({ kind, writable: false })

/**
 * A stored value: datetimes as epoch milliseconds, references and codes as small objects, custom
 * fields as an object of their (hyphenated) names and values.
 */
type Value =
  | string
  | number
  | boolean
  | null
  | { readonly ref: number }
  | { readonly code: string }
  | { readonly custom: Readonly<Record<string, string | number | boolean | null>> }

interface StoredLine {
  readonly id: number
  values: Record<string, Value>
}

interface Stored {
  readonly id: number
  createdAt: number
  updatedAt: number
  values: Record<string, Value>
  lines: Array<StoredLine>
  /** The highest line number ever used: Coupa keeps deleted lines, so their numbers are not reused. */
  lastLineNum: number
}

interface LineSpec {
  /** The lines' field in the header, e.g. `order-lines`. */
  readonly field: string
  readonly fields: Readonly<Record<string, Field>>
  /** The price a quantity line's total multiplies by the quantity. */
  readonly priceField: string
  /** Line-level rules, returning messages. */
  readonly validate: (line: StoredLine) => Array<string>
}

interface Transition {
  readonly from: ReadonlyArray<string>
  readonly to: string
}

interface Spec {
  /** The key of the error envelope. */
  readonly errorKey: string
  /** Coupa's model name, used in "Couldn't find ..." messages and as the XML root. */
  readonly model: string
  readonly xmlRoot: string
  readonly fields: Readonly<Record<string, Field>>
  readonly required: ReadonlyArray<string>
  /** Natural keys: each a list of fields that together must be unique. */
  readonly unique: ReadonlyArray<ReadonlyArray<string>>
  readonly defaults: Readonly<Record<string, Value>>
  readonly lines?: LineSpec
  readonly actions: Readonly<Record<string, Transition>>
}

const common = {
  exported: r("boolean"),
  "last-exported-at": r("datetime"),
  // A tenant's custom fields (any names here; a real instance has the ones its admin defined).
  // Filterable as `custom-fields[<name>]=<value>`.
  "custom-fields": w("custom")
} as const

const lineNum = { "line-num": w("integer") } as const

const isBlank = (value: Value | undefined) => value === undefined || value === null || value === ""

/** A quantity line needs a quantity; an amount line (`...AmountLine`) does not. */
const isAmountLine = (line: StoredLine) => String(line.values["type"] ?? line.values["line-type"] ?? "").endsWith("AmountLine")

const lineRules = (line: StoredLine, needs: ReadonlyArray<string>): Array<string> => {
  const n = line.values["line-num"]
  const errors: Array<string> = []
  const at = `Line ${typeof n === "number" ? n : "?"}`
  if (isBlank(line.values["description"]) && isBlank(line.values["item"])) errors.push(`${at}: Description or item can't be blank`)
  if (!isAmountLine(line) && isBlank(line.values["quantity"])) errors.push(`${at}: Quantity can't be blank`)
  for (const field of needs) if (isBlank(line.values[field])) errors.push(`${at}: ${humanize(field)} can't be blank`)
  return errors
}

const specs: { readonly [R in Resource]: Spec } = {
  suppliers: {
    errorKey: "supplier",
    model: "Supplier",
    xmlRoot: "supplier",
    fields: {
      name: w("text"),
      number: w("text"),
      "display-name": w("text"),
      status: w("text"),
      "po-method": w("text"),
      "tax-id": w("text"),
      ...common
    },
    required: ["name"],
    unique: [["name"], ["number"]],
    defaults: { status: "active", "po-method": "email" },
    actions: {}
  },
  items: {
    errorKey: "item",
    model: "Item",
    xmlRoot: "item",
    fields: {
      name: w("text"),
      "item-number": w("text"),
      description: w("text"),
      uom: w("code"),
      active: w("boolean"),
      ...common
    },
    required: ["name"],
    unique: [["item-number"]],
    defaults: { active: true },
    actions: {}
  },
  requisitions: {
    errorKey: "requisition",
    model: "RequisitionHeader",
    xmlRoot: "requisition-header",
    fields: {
      status: r("text"),
      "req-title": w("text"),
      justification: w("text"),
      "need-by-date": w("datetime"),
      currency: w("code"),
      "external-po-reference": w("text"),
      total: r("decimal"),
      ...common
    },
    required: [],
    unique: [["external-po-reference"]],
    defaults: { status: "draft" },
    lines: {
      field: "requisition-lines",
      fields: {
        ...lineNum,
        "line-type": w("text"),
        description: w("text"),
        item: w("item"),
        quantity: w("decimal"),
        "unit-price": w("decimal"),
        currency: w("code"),
        supplier: w("supplier"),
        "need-by-date": w("datetime"),
        "source-part-num": w("text"),
        total: r("decimal"),
        status: r("text")
      },
      priceField: "unit-price",
      validate: (line) => lineRules(line, ["currency"])
    },
    actions: {}
  },
  purchase_orders: {
    errorKey: "purchase_order",
    model: "OrderHeader",
    xmlRoot: "order-header",
    fields: {
      "po-number": w("text"),
      type: w("text"),
      status: r("text"),
      version: r("integer"),
      supplier: w("supplier"),
      currency: w("code"),
      "ship-to-attention": w("text"),
      total: r("decimal"),
      ...common
    },
    required: ["po-number", "supplier"],
    unique: [["po-number"]],
    // UNCONFIRMED: the status of an order created through the API is not documented. External
    // orders are placed in the ERP already, so they start `issued`; a seed may choose another.
    defaults: { status: "issued", version: 1 },
    lines: {
      field: "order-lines",
      fields: {
        ...lineNum,
        type: w("text"),
        description: w("text"),
        item: w("item"),
        quantity: w("decimal"),
        price: w("decimal"),
        currency: w("code"),
        uom: w("code"),
        "need-by-date": w("datetime"),
        "external-reference-number": w("text"),
        "external-reference-type": w("text"),
        "source-part-num": w("text"),
        "receipt-required": w("boolean"),
        "match-type": w("text"),
        total: r("decimal"),
        received: r("decimal"),
        status: r("text"),
        "order-header-id": r("integer")
      },
      priceField: "price",
      validate: (line) => lineRules(line, ["price"])
    },
    actions: {
      issue: { from: ["draft", "buyer_hold", "supplier_hold"], to: "issued" },
      close: { from: ["issued"], to: "closed" },
      cancel: { from: ["draft", "issued", "buyer_hold", "supplier_hold"], to: "cancelled" },
      reopen: { from: ["closed"], to: "issued" }
    }
  },
  receiving_transactions: {
    errorKey: "receiving_transaction",
    model: "InventoryTransaction",
    xmlRoot: "inventory-transaction",
    fields: {
      type: w("text"),
      status: r("text"),
      quantity: w("decimal"),
      price: w("decimal"),
      total: w("decimal"),
      uom: w("code"),
      "transaction-date": w("datetime"),
      "order-line": w("order-line"),
      barcode: w("text"),
      "rfid-tag": w("text"),
      "match-reference": w("text"),
      comments: w("text"),
      ...common
    },
    required: ["type", "order-line"],
    unique: [],
    defaults: { status: "created" },
    actions: { void: { from: ["created"], to: "voided" } }
  },
  invoices: {
    errorKey: "invoice",
    model: "InvoiceHeader",
    xmlRoot: "invoice-header",
    fields: {
      "invoice-number": w("text"),
      "invoice-date": w("datetime"),
      supplier: w("supplier"),
      currency: w("code"),
      status: r("text"),
      "document-type": w("text"),
      "supplier-note": w("text"),
      total: r("decimal"),
      ...common
    },
    required: ["invoice-number", "supplier", "currency", "invoice-date"],
    // An invoice is identified by its number and its supplier (CSV invoice import).
    unique: [["invoice-number", "supplier"]],
    defaults: { status: "draft", "document-type": "Invoice" },
    lines: {
      field: "invoice-lines",
      fields: {
        ...lineNum,
        type: w("text"),
        description: w("text"),
        quantity: w("decimal"),
        price: w("decimal"),
        uom: w("code"),
        "order-line-id": w("integer"),
        "po-number": w("text"),
        "match-reference": w("text"),
        total: r("decimal")
      },
      priceField: "price",
      validate: (line) => lineRules(line, ["price"])
    },
    actions: {
      // UNCONFIRMED: what a submitted invoice becomes depends on the tenant's approval chains
      // and tolerances; the simulator stops at pending_approval (`update` moves it on).
      submit: { from: ["draft"], to: "pending_approval" },
      // Coupa documents a buyer's void from these statuses.
      void: { from: ["draft", "pending_receipt", "approved"], to: "voided" }
    }
  }
}

/** Receiving transaction types that add to, or take from, what an order line received. */
const receiptTypes = new Set(["InventoryReceipt", "ReceivingQuantityConsumption", "ReceivingAmountConsumption"])
const returnTypes = new Set(["ReceivingQuantityReturnToSupplier", "ReceivingAmountReturnToSupplier"])
const transactionTypes = new Set([
  ...receiptTypes,
  ...returnTypes,
  "ReceivingQuantityDisposal",
  "ReceivingAmountDisposal"
])

/** Fields every record has, rendered before the resource's own. */
const systemFields: Readonly<Record<string, Field>> = {
  id: r("integer"),
  "created-at": r("datetime"),
  "updated-at": r("datetime")
}

/** Fields a seed or `update` may set although the API does not let clients write them. */
const trustedFields = new Set(["status", "exported", "last-exported-at", "created-at", "updated-at", "type"])

const datetimeFields = new Set(
  Object.values(specs).flatMap((spec) =>
    [...Object.entries({ ...systemFields, ...spec.fields }), ...Object.entries(spec.lines?.fields ?? {})]
      .filter(([, field]) => field.kind === "datetime")
      .map(([name]) => name)
  )
)

// ---------------------------------------------------------------------------------------------
// Values: decimals, timestamps, names
// ---------------------------------------------------------------------------------------------

const decimalPattern = /^-?\d+(\.\d+)?$/
const datetimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/

interface Decimal {
  readonly units: bigint
  readonly scale: number
}

const parseDecimal = (text: string): Decimal => {
  const negative = text.startsWith("-")
  const [whole = "0", fraction = ""] = text.replace("-", "").split(".")
  const units = BigInt(whole + fraction)
  return { units: negative ? -units : units, scale: fraction.length }
}

const rescale = (d: Decimal, scale: number) => d.units * 10n ** BigInt(scale - d.scale)

const addDecimal = (a: Decimal, b: Decimal): Decimal => {
  const scale = Math.max(a.scale, b.scale)
  return { units: rescale(a, scale) + rescale(b, scale), scale }
}

const multiplyDecimal = (a: Decimal, b: Decimal): Decimal => ({ units: a.units * b.units, scale: a.scale + b.scale })

/** Renders a decimal as Coupa renders money (at least two decimals) or quantities (at least one). */
const formatDecimal = (d: Decimal, minDecimals = 2): string => {
  const digits = (d.units < 0n ? -d.units : d.units).toString().padStart(d.scale + 1, "0")
  const whole = digits.slice(0, digits.length - d.scale)
  const fraction = digits.slice(digits.length - d.scale).replace(/0+$/, "").padEnd(minDecimals, "0")
  return `${d.units < 0n ? "-" : ""}${whole}.${fraction}`
}

const pad = (n: number) => String(n).padStart(2, "0")

/** Formats an instant as Coupa renders timestamps: `2024-05-01T10:00:00+00:00`, whole seconds. */
const formatInstant = (epochMillis: number, offsetMinutes: number): string => {
  const d = new Date(epochMillis + offsetMinutes * 60_000)
  const offset = Math.abs(offsetMinutes)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${
    pad(d.getUTCMinutes())
  }:${pad(d.getUTCSeconds())}${offsetMinutes < 0 ? "-" : "+"}${pad(Math.floor(offset / 60))}:${pad(offset % 60)}`
}

const toSecond = (epochMillis: number) => Math.floor(epochMillis / 1000) * 1000

/** `po-number` -> `Po number`, as Rails words its messages. */
const humanize = (field: string) => {
  const words = field.replaceAll("-", " ")
  return words.charAt(0).toUpperCase() + words.slice(1)
}

/** Query and body field names are accepted with hyphens or underscores (`updated_at`, `updated-at`). */
const hyphenate = (name: string) => name.startsWith("_") ? name : name.replaceAll("_", "-")

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

type Reply =
  | { readonly status: number; readonly body: Json; readonly root: string; readonly headers?: Record<string, string> }
  | {
    readonly status: number
    readonly errors: { readonly key: string; readonly messages: ReadonlyArray<string> }
    readonly headers?: Record<string, string>
  }
  | { readonly status: number; readonly html: string }

const fail = (status: number, key: string, ...messages: ReadonlyArray<string>): Reply => ({
  status,
  errors: { key, messages }
})

const xmlEscape = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll("\"", "&quot;")

const singular = (name: string) => name.endsWith("s") ? name.slice(0, -1) : name

const toXml = (name: string, value: Json): string => {
  if (value === null) return `<${name} nil="true"/>`
  if (Array.isArray(value)) {
    return `<${name} type="array">${value.map((item: Json) => toXml(singular(name), item)).join("")}</${name}>`
  }
  if (typeof value === "object") {
    return `<${name}>${Object.entries(value).map(([key, item]) => toXml(key, item)).join("")}</${name}>`
  }
  const type = typeof value === "number" ? " type=\"integer\"" : typeof value === "boolean" ? " type=\"boolean\"" : ""
  return `<${name}${type}>${xmlEscape(String(value))}</${name}>`
}

const xmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/** Renders a reply as JSON, or as XML for a client that did not ask for JSON. */
const toResponse = (reply: Reply, xml: boolean): Response => {
  if ("html" in reply) return HttpResponse.html(reply.html, { status: reply.status })
  const headers = xml ? { "Content-Type": "application/xml; charset=utf-8", ...reply.headers } : reply.headers ?? {}
  if ("errors" in reply) {
    if (xml) {
      const errors = reply.errors.messages.map((message) => `<error>${xmlEscape(message)}</error>`).join("")
      return HttpResponse.xml(`${xmlDeclaration}<errors>${errors}</errors>`, { status: reply.status, headers })
    }
    return HttpResponse.json({ errors: { [reply.errors.key]: reply.errors.messages } }, { status: reply.status, headers })
  }
  if (xml) return HttpResponse.xml(xmlDeclaration + toXml(reply.root, reply.body), { status: reply.status, headers })
  return HttpResponse.json(reply.body as Record<string, Json>, { status: reply.status, headers })
}

// ---------------------------------------------------------------------------------------------
// Lists: filters, ordering, fields
// ---------------------------------------------------------------------------------------------

const operators = [
  "contains",
  "starts_with",
  "ends_with",
  "gt",
  "lt",
  "gt_or_eq",
  "lt_or_eq",
  "not_eq",
  "in",
  "not_in",
  "blank"
] as const

type Operator = typeof operators[number] | "eq"

interface Filter {
  readonly key: string
  /** The field, or an association and its field (one level deep). */
  readonly path: ReadonlyArray<string>
  readonly operator: Operator
  readonly value: string
}

/** Parameters of a list that are not filters. */
const listParameters = new Set(["limit", "offset", "order_by", "dir", "fields", "return_object", "filter"])

/** Parses `supplier[name][starts_with]` into its path and operator; undefined when malformed. */
const parseFilterKey = (key: string): { path: Array<string>; operator: Operator } | undefined => {
  const match = /^([^[\]]+)((?:\[[^[\]]+\])*)$/.exec(key)
  if (match === null) return undefined
  const segments = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]+)\]/g)].map((m) => m[1]!)]
  const last = segments[segments.length - 1]!
  const operator = segments.length > 1 && (operators as ReadonlyArray<string>).includes(last) ? last as Operator : "eq"
  const path = (operator === "eq" ? segments : segments.slice(0, -1)).map(hyphenate)
  return { path, operator }
}

type Comparable = { readonly kind: "instant" | "number"; readonly value: number } | { readonly kind: "text"; readonly value: string }

/** How a rendered value compares: timestamps by instant, numbers and decimal strings by value, the rest as text. */
const comparable = (value: Json): Comparable | undefined => {
  if (value === null || typeof value === "object") return undefined
  if (typeof value === "number") return { kind: "number", value }
  if (typeof value === "boolean") return { kind: "text", value: String(value) }
  if (datetimePattern.test(value)) return { kind: "instant", value: Date.parse(value) }
  if (decimalPattern.test(value)) return { kind: "number", value: Number(value) }
  return { kind: "text", value }
}

const compareJson = (a: Json, b: Json): number => {
  const x = comparable(a)
  const y = comparable(b)
  if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : -1) : 1
  if (x.kind !== "text" && y.kind !== "text") return x.value - y.value
  const s = String(x.value)
  const t = String(y.value)
  return s < t ? -1 : s > t ? 1 : 0
}

/**
 * The filter's value in the terms of the record's value: an instant for a timestamp (a date
 * without a time is midnight UTC, as Coupa reads it), a number for a number. `undefined` when
 * it cannot be read so.
 */
const filterOperand = (actual: Comparable, raw: string): Comparable | undefined => {
  if (actual.kind === "instant") {
    const instant = Date.parse(raw)
    return Number.isNaN(instant) ? undefined : { kind: "instant", value: instant }
  }
  if (actual.kind === "number") return decimalPattern.test(raw.trim()) ? { kind: "number", value: Number(raw) } : { kind: "text", value: raw }
  return { kind: "text", value: raw }
}

const compareTo = (actual: Comparable, operand: Comparable): number => {
  if (actual.kind !== "text" && operand.kind !== "text") return actual.value - operand.value
  const s = String(actual.value)
  return s < operand.value ? -1 : s > String(operand.value) ? 1 : 0
}

const matchesOne = (operator: Operator, actual: Json, raw: string): boolean => {
  if (operator === "blank") {
    const blank = actual === null || actual === "" || (Array.isArray(actual) && actual.length === 0)
    return raw === "true" ? blank : !blank
  }
  const value = comparable(actual)
  // A missing value matches no condition (as NULL in SQL), `not_eq` and `not_in` included.
  if (value === undefined) return false
  const text = String(value.kind === "text" ? value.value : actual)
  switch (operator) {
    case "contains":
      return text.includes(raw)
    case "starts_with":
      return text.startsWith(raw)
    case "ends_with":
      return text.endsWith(raw)
    case "in":
    case "not_in": {
      const found = raw.split(",").some((item) => {
        const operand = filterOperand(value, item)
        return operand !== undefined && compareTo(value, operand) === 0
      })
      return operator === "in" ? found : !found
    }
    default: {
      const operand = filterOperand(value, raw)
      if (operand === undefined) return false
      const order = compareTo(value, operand)
      if (operator === "eq") return order === 0
      if (operator === "not_eq") return order !== 0
      if (operator === "gt") return order > 0
      if (operator === "lt") return order < 0
      if (operator === "gt_or_eq") return order >= 0
      return order <= 0
    }
  }
}

/** A record matches a filter on an association collection (`order_lines[...]`) when one of its items does. */
const matches = (record: CoupaRecord, filter: Filter): boolean => {
  const [first, second] = filter.path
  const value = record[first!] ?? null
  if (second === undefined) return matchesOne(filter.operator, value, filter.value)
  const pick = (item: Json) => (isObject(item) ? (item as CoupaRecord)[second] ?? null : null)
  if (Array.isArray(value)) return value.some((item: Json) => matchesOne(filter.operator, pick(item), filter.value))
  return matchesOne(filter.operator, pick(value), filter.value)
}

type FieldSelection = ReadonlyArray<string | { readonly [association: string]: FieldSelection }>

const parseFields = (raw: string): FieldSelection | undefined => {
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return undefined
  }
  const valid = (value: unknown): value is FieldSelection =>
    Array.isArray(value) &&
    value.every((item) => typeof item === "string" || (isObject(item) && Object.values(item).every(valid)))
  return valid(parsed) ? parsed : undefined
}

/** Keeps the selected fields (names with hyphens or underscores), recursing into associations. */
const select = (record: CoupaRecord, selection: FieldSelection): CoupaRecord => {
  const out: Record<string, Json> = {}
  for (const entry of selection) {
    if (typeof entry === "string") {
      const name = hyphenate(entry)
      if (name in record) out[name] = record[name]!
      continue
    }
    for (const [association, nested] of Object.entries(entry)) {
      const name = hyphenate(association)
      const value = record[name]
      if (value === undefined) continue
      out[name] = Array.isArray(value)
        ? value.map((item: Json) => (isObject(item) ? select(item as CoupaRecord, nested) : item))
        : isObject(value)
        ? select(value as CoupaRecord, nested)
        : value
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// The instance's records
// ---------------------------------------------------------------------------------------------

type Outcome = { readonly record: Stored } | { readonly errors: ReadonlyArray<string> }

type Coerced = { readonly value: Value } | { readonly error: string }

/** The records, their validation, derived fields and rendering. */
const makeStore = (now: () => number, offsetMinutes: number) => {
  let tables = new Map<Resource, Map<number, Stored>>(resources.map((resource) => [resource, new Map()]))
  let counters = new Map<string, number>()
  const nextId = (sequence: string) => {
    const id = (counters.get(sequence) ?? 0) + 1
    counters.set(sequence, id)
    return id
  }
  const table = (resource: Resource) => tables.get(resource)!

  const findOrderLine = (id: number) => {
    for (const order of table("purchase_orders").values()) {
      const line = order.lines.find((candidate) => candidate.id === id)
      if (line !== undefined) return { order, line }
    }
    return undefined
  }

  // --- rendering ------------------------------------------------------------------------------

  const renderSupplier = (id: number): Json => {
    const supplier = table("suppliers").get(id)
    return supplier === undefined
      ? { id }
      : { id, name: supplier.values["name"] ?? null, number: (supplier.values["number"] ?? null) as Json }
  }

  const renderItem = (id: number): Json => {
    const item = table("items").get(id)
    return item === undefined
      ? { id }
      : { id, name: item.values["name"] ?? null, "item-number": (item.values["item-number"] ?? null) as Json }
  }

  const renderOrderLineSummary = (id: number): Json => {
    const found = findOrderLine(id)
    if (found === undefined) return { id }
    const { line, order } = found
    return {
      id,
      "line-num": (line.values["line-num"] ?? null) as Json,
      "order-header-id": order.id,
      "po-number": (order.values["po-number"] ?? null) as Json,
      description: (line.values["description"] ?? null) as Json,
      status: (line.values["status"] ?? null) as Json
    }
  }

  const renderValue = (field: Field, value: Value | undefined): Json => {
    if (value === undefined || value === null) return null
    if (typeof value === "object") {
      if ("code" in value) return { code: value.code }
      if ("custom" in value) return { ...value.custom }
      if (field.kind === "supplier") return renderSupplier(value.ref)
      if (field.kind === "item") return renderItem(value.ref)
      return renderOrderLineSummary(value.ref)
    }
    if (field.kind === "datetime" && typeof value === "number") return formatInstant(value, offsetMinutes)
    return value
  }

  const renderFields = (fields: Readonly<Record<string, Field>>, values: Record<string, Value>) => {
    const out: Record<string, Json> = {}
    for (const [name, field] of Object.entries(fields)) out[name] = renderValue(field, values[name])
    return out
  }

  const render = (resource: Resource, record: Stored): CoupaRecord => {
    const spec = specs[resource]
    const out: Record<string, Json> = {
      id: record.id,
      "created-at": formatInstant(record.createdAt, offsetMinutes),
      "updated-at": formatInstant(record.updatedAt, offsetMinutes),
      ...renderFields(spec.fields, record.values)
    }
    if (spec.lines !== undefined) {
      const lineFields = spec.lines.fields
      out[spec.lines.field] = record.lines.map((line) => ({ id: line.id, ...renderFields(lineFields, line.values) }))
    }
    return out
  }

  // --- reading input --------------------------------------------------------------------------

  /** Resolves a reference by id or natural key; every key given must match (as Coupa reads lookups). */
  const resolve = (kind: "supplier" | "item" | "order-line", raw: unknown, label: string): Coerced => {
    const given = typeof raw === "number"
      ? { id: raw }
      : isObject(raw)
      ? Object.fromEntries(Object.entries(raw).map(([key, value]) => [hyphenate(key), value]))
      : undefined
    if (given === undefined) return { error: `${label} is invalid` }
    const missing = { error: `${label} ${JSON.stringify(raw)} does not exist` }
    if (kind === "order-line") {
      const id = given["id"]
      return typeof id === "number" && findOrderLine(id) !== undefined ? { value: { ref: id } } : missing
    }
    const keys = kind === "supplier" ? ["id", "name", "number"] : ["id", "name", "item-number"]
    const wanted = keys.filter((key) => given[key] !== undefined && given[key] !== null)
    if (wanted.length === 0) return { error: `${label} is invalid: give its ${keys.join(" or ")}` }
    for (const record of table(kind === "supplier" ? "suppliers" : "items").values()) {
      if (wanted.every((key) => given[key] === (key === "id" ? record.id : record.values[key]))) {
        return { value: { ref: record.id } }
      }
    }
    return missing
  }

  /** Reads one field of a body. */
  const coerce = (field: Field, raw: unknown, label: string): Coerced => {
    if (raw === null) return { value: null }
    switch (field.kind) {
      case "text":
        return typeof raw === "string" || typeof raw === "number" ? { value: String(raw) } : { error: `${label} is invalid` }
      case "decimal": {
        const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : ""
        return decimalPattern.test(text) ? { value: text } : { error: `${label} is not a number` }
      }
      case "integer":
        if (typeof raw === "number" && Number.isInteger(raw)) return { value: raw }
        return typeof raw === "string" && /^\d+$/.test(raw) ? { value: Number(raw) } : { error: `${label} is not a number` }
      case "boolean":
        if (typeof raw === "boolean") return { value: raw }
        return raw === "true" || raw === "false" ? { value: raw === "true" } : { error: `${label} is invalid` }
      case "datetime": {
        const instant = typeof raw === "string" ? Date.parse(raw) : Number.NaN
        return Number.isNaN(instant) ? { error: `${label} is not a valid date` } : { value: toSecond(instant) }
      }
      case "code": {
        const code = typeof raw === "string" ? raw : isObject(raw) && typeof raw["code"] === "string" ? raw["code"] : undefined
        return code === undefined ? { error: `${label} is invalid: give its code` } : { value: { code } }
      }
      case "custom": {
        if (!isObject(raw)) return { error: `${label} must be an object of custom field names and values` }
        const custom: Record<string, string | number | boolean | null> = {}
        for (const [name, value] of Object.entries(raw)) {
          if (value !== null && typeof value === "object") return { error: `${label}: ${name} is invalid` }
          custom[hyphenate(name)] = value as string | number | boolean | null
        }
        return { value: { custom } }
      }
      default:
        return resolve(field.kind, raw, label)
    }
  }

  /** Writes the body's fields into `values`; read-only fields are ignored, as Coupa ignores them. */
  const assign = (
    fields: Readonly<Record<string, Field>>,
    values: Record<string, Value>,
    body: Record<string, unknown>,
    trusted: boolean,
    prefix: string,
    errors: Array<string>
  ) => {
    for (const [key, raw] of Object.entries(body)) {
      const name = hyphenate(key)
      const field = fields[name]
      if (field === undefined || (!field.writable && !(trusted && trustedFields.has(name)))) continue
      const coerced = coerce(field, raw, `${prefix}${humanize(name)}`)
      if ("error" in coerced) errors.push(coerced.error)
      else {
        // Custom fields given are changed; the others keep their values.
        const before = values[name]
        const after = coerced.value
        values[name] = isObject(before) && "custom" in before && isObject(after) && "custom" in after
          ? { custom: { ...before.custom, ...after.custom } }
          : after
      }
    }
  }

  /**
   * Applies a body's lines: a line with an `id` changes that line (`_delete: true` removes it),
   * a line without one is added. Returns whether the lines changed.
   */
  const assignLines = (spec: LineSpec, record: Stored, raw: unknown, trusted: boolean, errors: Array<string>) => {
    if (!Array.isArray(raw)) {
      errors.push(`${humanize(spec.field)} must be a list`)
      return false
    }
    const before = JSON.stringify(record.lines)
    const lines = record.lines.map((line) => ({ id: line.id, values: { ...line.values } }))
    for (const [index, item] of raw.entries()) {
      if (!isObject(item)) {
        errors.push(`${humanize(spec.field)} ${index + 1} is invalid`)
        continue
      }
      const body = Object.fromEntries(Object.entries(item).map(([k, v]) => [hyphenate(k), v]))
      if (body["id"] !== undefined) {
        const existing = lines.findIndex((line) => line.id === body["id"])
        if (existing === -1) {
          errors.push(`${humanize(spec.field)}: line with id ${JSON.stringify(body["id"])} does not exist`)
          continue
        }
        if (body["_delete"] === true || body["_delete"] === "true") {
          lines.splice(existing, 1)
          continue
        }
        assign(spec.fields, lines[existing]!.values, body, trusted, `Line ${lines[existing]!.values["line-num"]}: `, errors)
        continue
      }
      const values: Record<string, Value> = {}
      assign(spec.fields, values, body, trusted, `Line ${index + 1}: `, errors)
      const numbers = lines.map((line) => line.values["line-num"])
      if (values["line-num"] === undefined || values["line-num"] === null) {
        values["line-num"] = numbers.reduce<number>((max, n) => Math.max(max, typeof n === "number" ? n : 0), record.lastLineNum) + 1
      } else if (spec.field === "requisition-lines" && numbers.includes(values["line-num"])) {
        // Coupa documents that a repeated requisition line number makes it ignore the later line.
        continue
      }
      lines.push({ id: nextId(spec.field), values })
    }
    record.lines = lines
    for (const line of lines) {
      const n = line.values["line-num"]
      if (typeof n === "number") record.lastLineNum = Math.max(record.lastLineNum, n)
    }
    return JSON.stringify(lines) !== before
  }

  // --- derived fields and rules ---------------------------------------------------------------

  const lineTotal = (line: StoredLine, priceField: string): Decimal | undefined => {
    const price = line.values[priceField]
    if (typeof price !== "string") return undefined
    if (isAmountLine(line)) return parseDecimal(price)
    const quantity = line.values["quantity"]
    return typeof quantity === "string" ? multiplyDecimal(parseDecimal(quantity), parseDecimal(price)) : undefined
  }

  /** Recomputes line totals and the header total (the sum of the lines). */
  const derive = (resource: Resource, record: Stored) => {
    const lines = specs[resource].lines
    if (lines === undefined) {
      if (resource === "receiving_transactions" && isBlank(record.values["total"])) {
        const { quantity, price } = record.values
        if (typeof quantity === "string" && typeof price === "string") {
          record.values["total"] = formatDecimal(multiplyDecimal(parseDecimal(quantity), parseDecimal(price)))
        }
      }
      return
    }
    let sum: Decimal = { units: 0n, scale: 0 }
    for (const line of record.lines) {
      const total = lineTotal(line, lines.priceField)
      line.values["total"] = total === undefined ? null : formatDecimal(total)
      if (total !== undefined) sum = addDecimal(sum, total)
      if (resource === "purchase_orders") {
        line.values["order-header-id"] = record.id
        line.values["currency"] ??= record.values["currency"] ?? null
        line.values["type"] ??= "OrderQuantityLine"
        line.values["received"] ??= "0.0"
        line.values["status"] ??= "created"
        line.values["receipt-required"] ??= true
        line.values["match-type"] ??= "3-way"
      }
      if (resource === "requisitions") {
        line.values["line-type"] ??= "RequisitionQuantityLine"
        line.values["status"] ??= "draft"
      }
      if (resource === "invoices") line.values["type"] ??= "InvoiceQuantityLine"
    }
    record.values["total"] = formatDecimal(sum)
  }

  /** What an order line received: receipts add, returns take away, voided transactions do not count. */
  const recomputeReceived = (orderLineId: number) => {
    const found = findOrderLine(orderLineId)
    if (found === undefined) return
    let received: Decimal = { units: 0n, scale: 1 }
    for (const transaction of table("receiving_transactions").values()) {
      const ref = transaction.values["order-line"]
      if (!isObject(ref) || !("ref" in ref) || ref.ref !== orderLineId || transaction.values["status"] === "voided") continue
      const type = String(transaction.values["type"])
      const amount = type.includes("Amount") ? transaction.values["total"] : transaction.values["quantity"]
      if (typeof amount !== "string") continue
      const value = parseDecimal(amount)
      if (receiptTypes.has(type)) received = addDecimal(received, value)
      if (returnTypes.has(type)) received = addDecimal(received, { units: -value.units, scale: value.scale })
    }
    const { line } = found
    line.values["received"] = formatDecimal(received, 1)
    const ordered = line.values["quantity"]
    if (typeof ordered === "string" && !isAmountLine(line)) {
      const done = compareJson(formatDecimal(received), ordered) >= 0
      line.values["status"] = done ? "received" : received.units > 0n ? "partially_received" : "created"
    }
    // UNCONFIRMED whether a receipt touches the order's updated-at; the simulator leaves it.
  }

  const keyOf = (record: Stored, fields: ReadonlyArray<string>) => {
    const values = fields.map((field) => record.values[field])
    if (values.some(isBlank)) return undefined
    return JSON.stringify(values.map((value) => (isObject(value) && "ref" in value ? value.ref : value)))
  }

  const validate = (resource: Resource, record: Stored): Array<string> => {
    const spec = specs[resource]
    const errors: Array<string> = []
    for (const field of spec.required) {
      if (isBlank(record.values[field])) errors.push(`${humanize(field)} can't be blank`)
    }
    if (spec.lines !== undefined) {
      if (record.lines.length === 0) errors.push(`${humanize(spec.lines.field)} can't be blank`)
      for (const line of record.lines) errors.push(...spec.lines.validate(line))
    }
    for (const fields of spec.unique) {
      const key = keyOf(record, fields)
      if (key === undefined) continue
      for (const other of table(resource).values()) {
        if (other.id !== record.id && keyOf(other, fields) === key) {
          errors.push(`${humanize(fields[0]!)} has already been taken`)
          break
        }
      }
    }
    if (resource === "receiving_transactions") errors.push(...validateTransaction(record))
    if (resource === "invoices") {
      for (const line of record.lines) {
        const id = line.values["order-line-id"]
        if (typeof id === "number" && findOrderLine(id) === undefined) {
          errors.push(`Line ${line.values["line-num"]}: Order line ${id} does not exist`)
        }
      }
    }
    return errors
  }

  const validateTransaction = (record: Stored): Array<string> => {
    const errors: Array<string> = []
    const type = record.values["type"]
    if (typeof type === "string" && !transactionTypes.has(type)) errors.push(`Type ${type} is not a receiving transaction type`)
    if (typeof type === "string" && !type.includes("Amount") && isBlank(record.values["quantity"])) {
      errors.push("Quantity can't be blank")
    }
    if (typeof type === "string" && type.includes("Amount") && isBlank(record.values["total"])) errors.push("Total can't be blank")
    return errors
  }

  /** A receipt is recorded against a line of an issued order. */
  const receivable = (record: Stored): Array<string> => {
    const ref = record.values["order-line"]
    const found = isObject(ref) && "ref" in ref ? findOrderLine(ref.ref) : undefined
    if (found === undefined || found.order.values["status"] === "issued") return []
    const { line, order } = found
    return [`Order line ${line.id} cannot be received: purchase order ${order.values["po-number"]} is ${order.values["status"]}`]
  }

  // --- writes ---------------------------------------------------------------------------------

  /** A seed or `update` may set `created-at` and `updated-at`; returns whether `updated-at` was given. */
  const applyTimestamps = (record: Stored, body: Record<string, unknown>, trusted: boolean, errors: Array<string>) => {
    if (!trusted) return false
    let updatedAtGiven = false
    for (const [key, raw] of Object.entries(body)) {
      const name = hyphenate(key)
      if (name !== "created-at" && name !== "updated-at") continue
      const coerced = coerce(r("datetime"), raw, humanize(name))
      if ("error" in coerced || typeof coerced.value !== "number") {
        errors.push("error" in coerced ? coerced.error : `${humanize(name)} can't be blank`)
      } else if (name === "created-at") {
        record.createdAt = coerced.value
      } else {
        record.updatedAt = coerced.value
        updatedAtGiven = true
      }
    }
    return updatedAtGiven
  }

  /** Creates a record from a body (nothing is stored, and no id used up, when it is invalid). */
  const create = (resource: Resource, body: Record<string, unknown>, trusted: boolean): Outcome => {
    const spec = specs[resource]
    const at = toSecond(now())
    const saved = new Map(counters)
    const record: Stored = {
      id: nextId(resource),
      createdAt: at,
      updatedAt: at,
      values: { ...spec.defaults, exported: false, "last-exported-at": null },
      lines: [],
      lastLineNum: 0
    }
    if (resource === "receiving_transactions") record.values["transaction-date"] = at
    const errors: Array<string> = []
    assign(spec.fields, record.values, body, trusted, "", errors)
    if (resource === "purchase_orders") {
      // The API creates external orders only; a seed may stand for a Coupa-native order.
      if (trusted) record.values["type"] ??= "OrderHeader"
      else if (record.values["type"] !== "ExternalOrderHeader") {
        errors.push("Type must be ExternalOrderHeader: only external purchase orders can be created through the API")
      }
    }
    const lines = spec.lines
    if (lines !== undefined) {
      const raw = Object.entries(body).find(([key]) => hyphenate(key) === lines.field)?.[1]
      if (raw !== undefined) assignLines(lines, record, raw, trusted, errors)
    }
    applyTimestamps(record, body, trusted, errors)
    if (errors.length === 0) {
      derive(resource, record)
      errors.push(...validate(resource, record))
      if (resource === "receiving_transactions") errors.push(...receivable(record))
    }
    if (errors.length > 0) {
      counters = saved
      return { errors }
    }
    table(resource).set(record.id, record)
    const ref = record.values["order-line"]
    if (isObject(ref) && "ref" in ref) recomputeReceived(ref.ref)
    return { record }
  }

  /** Changes the given fields of a record (a partial update); `updated-at` moves when something changed. */
  const update = (resource: Resource, id: number, body: Record<string, unknown>, trusted: boolean): Outcome | undefined => {
    const spec = specs[resource]
    const current = table(resource).get(id)
    if (current === undefined) return undefined
    const next: Stored = {
      ...current,
      values: { ...current.values },
      lines: current.lines.map((line) => ({ id: line.id, values: { ...line.values } }))
    }
    const errors: Array<string> = []
    assign(spec.fields, next.values, body, trusted, "", errors)
    let linesChanged = false
    const lines = spec.lines
    if (lines !== undefined) {
      const raw = Object.entries(body).find(([key]) => hyphenate(key) === lines.field)?.[1]
      if (raw !== undefined) linesChanged = assignLines(lines, next, raw, trusted, errors)
    }
    const updatedAtGiven = applyTimestamps(next, body, trusted, errors)
    if (errors.length > 0) return { errors }
    derive(resource, next)
    const invalid = validate(resource, next)
    if (invalid.length > 0) return { errors: invalid }
    if (resource === "purchase_orders" && linesChanged) {
      // A changed line makes a new supplier-facing version, and a new version is exported again.
      next.values["version"] = Number(current.values["version"] ?? 1) + 1
      next.values["exported"] = false
    }
    const changed = JSON.stringify([next.values, next.lines]) !== JSON.stringify([current.values, current.lines])
    if (changed && !updatedAtGiven) next.updatedAt = toSecond(now())
    table(resource).set(id, next)
    if (resource === "receiving_transactions") {
      const ref = next.values["order-line"]
      if (isObject(ref) && "ref" in ref) recomputeReceived(ref.ref)
    }
    return { record: next }
  }

  return {
    table,
    render,
    create,
    update,
    findOrderLine,
    reset: () => {
      tables = new Map(resources.map((resource) => [resource, new Map()]))
      counters = new Map()
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tokens and the rate limit
// ---------------------------------------------------------------------------------------------

interface Token {
  readonly scopes: ReadonlySet<string>
  readonly expiresAt: number
  expired: boolean
}

const tokenError = (status: number, error: string, description: string) =>
  HttpResponse.json({ error, error_description: description }, { status, headers: { "Cache-Control": "no-store" } })

const makeTokens = (clients: ReadonlyArray<OAuthClient>, lifetimeSeconds: number, now: () => number) => {
  let tokens = new Map<string, Token>()

  /** `POST /oauth2/token`, client credentials only. */
  const grant = async (request: Request): Promise<Response> => {
    if (request.method !== "POST") return tokenError(405, "invalid_request", "Use POST")
    if (!(request.headers.get("content-type") ?? "").includes("application/x-www-form-urlencoded")) {
      return tokenError(400, "invalid_request", "The body must be application/x-www-form-urlencoded")
    }
    const form = new URLSearchParams(await request.text())
    if (form.get("grant_type") !== "client_credentials") {
      return tokenError(400, "unsupported_grant_type", "Only grant_type=client_credentials is simulated")
    }
    const client = clients.find((c) => c.clientId === form.get("client_id") && c.clientSecret === form.get("client_secret"))
    if (client === undefined) return tokenError(401, "invalid_client", "Client authentication failed")
    // Scopes are separated by spaces; a comma-separated list reads as one unknown scope.
    const requested = (form.get("scope") ?? "").split(" ").filter((scope) => scope !== "")
    const refused = requested.filter((scope) => !client.scopes.includes(scope))
    if (refused.length > 0) return tokenError(400, "invalid_scope", `Scope not granted to this client: ${refused.join(" ")}`)
    // UNCONFIRMED: a request without `scope` gets every scope granted to the client.
    const granted = requested.length > 0 ? requested : client.scopes
    const value = `${crypto.randomUUID()}.${crypto.randomUUID()}`.replaceAll("-", "")
    tokens.set(value, { scopes: new Set(granted), expiresAt: now() + lifetimeSeconds * 1000, expired: false })
    return HttpResponse.json(
      { access_token: value, token_type: "bearer", expires_in: lifetimeSeconds },
      { headers: { "Cache-Control": "no-store" } }
    )
  }

  /** The token a request carries, or undefined when it has none or an expired or unknown one. */
  const authenticate = (request: Request): Token | undefined => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")
    const token = match === null ? undefined : tokens.get(match[1]!)
    if (token === undefined || token.expired || now() >= token.expiresAt) return undefined
    return token
  }

  return {
    grant,
    authenticate,
    expire: () => tokens.forEach((token) => (token.expired = true)),
    reset: () => {
      tokens = new Map()
    }
  }
}

/** A token bucket on the real (monotonic) time: refills whatever the instance clock says. */
const makeBucket = (options: RateLimitOptions | false | undefined) => {
  const perSecond = options === false ? 0 : options?.perSecond ?? 25
  const burst = options === false ? 0 : options?.burst ?? 20
  let tokens = burst
  let last = performance.now()
  return {
    enabled: options !== false,
    /** Takes one request from the bucket; the seconds until one is available when it is empty. */
    take: (): number | undefined => {
      const at = performance.now()
      tokens = Math.min(burst, tokens + ((at - last) / 1000) * perSecond)
      last = at
      if (tokens >= 1) {
        tokens -= 1
        return undefined
      }
      return Math.max(1, Math.ceil((1 - tokens) / perSecond))
    },
    reset: () => {
      tokens = burst
      last = performance.now()
    }
  }
}

// ---------------------------------------------------------------------------------------------
// make
// ---------------------------------------------------------------------------------------------

interface FaultState {
  readonly fault: Fault
  matched: number
  fired: number
}

const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener("abort", done)
      resolve()
    }
    signal.addEventListener("abort", done, { once: true })
  })

const gatewayPage = (status: number) => {
  const title = status === 502 ? "502 Bad Gateway" : "503 Service Temporarily Unavailable"
  return `<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center></body></html>`
}

/**
 * Builds a simulator. Call `listen()` before the client's first request and `close()` after the
 * tests (or use {@link layer}).
 *
 * @since 0.2.0
 * @category constructors
 */
export const make = (options: Options = {}): Simulator => {
  const instanceUrl = (options.instanceUrl ?? "https://acme.coupahost.com").replace(/\/+$/, "")
  const origin = new URL(instanceUrl).origin
  let frozen: number | undefined
  const now = () => frozen ?? (options.clock?.() ?? new Date()).getTime()
  const store = makeStore(now, options.utcOffsetMinutes ?? 0)
  const tokens = makeTokens(options.clients ?? [defaultClient], options.tokenLifetime ?? 86_399, now)
  const bucket = makeBucket(options.rateLimit)
  const retryAfter = options.rateLimit !== false && options.rateLimit?.retryAfter === "seconds"
  const exportTouches = options.exportTouchesUpdatedAt ?? true
  let faults: Array<FaultState> = []
  let log: Array<LoggedRequest> = []
  let seq = 0

  const orThrow = (resource: Resource, outcome: Outcome | undefined, what: string): CoupaRecord => {
    if (outcome === undefined) throw new Error(`CoupaSimulator: ${what}: no such ${specs[resource].errorKey}`)
    if ("errors" in outcome) throw new Error(`CoupaSimulator: ${what}: ${outcome.errors.join("; ")}`)
    return store.render(resource, outcome.record)
  }

  const instance: Instance = {
    records: (resource) => [...store.table(resource).values()].map((record) => store.render(resource, record)),
    record: (resource, id) => {
      const record = store.table(resource).get(id)
      return record === undefined ? undefined : store.render(resource, record)
    },
    seed: (resource, values) => orThrow(resource, store.create(resource, values, true), `seed ${resource}`),
    update: (resource, id, values) => orThrow(resource, store.update(resource, id, values, true), `update ${resource} ${id}`)
  }

  // --- faults ---------------------------------------------------------------------------------

  const applies = (match: FaultMatch | undefined, method: string, path: string) => {
    if (match?.method !== undefined && match.method.toUpperCase() !== method) return false
    const wanted = match?.path
    if (wanted === undefined) return path.startsWith("/api/")
    return typeof wanted === "string" ? path.startsWith(wanted) : wanted.test(path)
  }

  /** The faults of one family due on this request; each counts the requests it matches. */
  const firing = (method: string, path: string, family: "early" | "response"): Array<Fault> => {
    const fired: Array<Fault> = []
    for (const state of faults) {
      const early = state.fault.type === "latency" || state.fault.type === "mutate"
      if (early !== (family === "early")) continue
      if (!applies(state.fault.match, method, path) || state.fired >= (state.fault.times ?? 1)) continue
      state.matched++
      if (state.matched <= (state.fault.after ?? 0)) continue
      if (family === "response" && fired.length > 0) continue
      state.fired++
      fired.push(state.fault)
    }
    return fired
  }

  // --- the API --------------------------------------------------------------------------------

  const renderOne = (resource: Resource, record: Stored, status: number, url: URL): Reply => {
    const rendered = store.render(resource, record)
    const raw = url.searchParams.get("fields")
    if (raw === null) return { status, body: rendered, root: specs[resource].xmlRoot }
    const selection = parseFields(raw)
    if (selection === undefined) return fail(400, "base", "fields must be a JSON array of names and {association: [names]} objects")
    return { status, body: select(rendered, selection), root: specs[resource].xmlRoot }
  }

  const list = (resource: Resource, url: URL, xml: boolean): Reply => {
    const spec = specs[resource]
    const known = new Set([...Object.keys(systemFields), ...Object.keys(spec.fields), ...(spec.lines ? [spec.lines.field] : [])])
    const filters: Array<Filter> = []
    for (const [key, value] of url.searchParams) {
      if (listParameters.has(key)) continue
      const parsed = parseFilterKey(key)
      if (parsed === undefined || parsed.path.length > 2 || !known.has(parsed.path[0]!)) {
        // UNCONFIRMED how Coupa treats an unknown query attribute; refusing it makes a typo visible.
        return fail(400, "base", `Unknown query attribute: ${key}`)
      }
      const field = parsed.path[parsed.path.length - 1]!
      if (datetimeFields.has(field) && ["contains", "starts_with", "ends_with", "blank"].includes(parsed.operator)) {
        return fail(400, "base", `The ${parsed.operator} operator does not apply to the datetime ${field}`)
      }
      if (datetimeFields.has(field) && parsed.operator !== "in" && parsed.operator !== "not_in" && Number.isNaN(Date.parse(value))) {
        return fail(400, "base", `Invalid datetime for ${key}: ${value} (encode + as %2B)`)
      }
      if (parsed.operator === "blank" && value !== "true" && value !== "false") {
        return fail(400, "base", `${key} takes true or false`)
      }
      filters.push({ key, path: parsed.path, operator: parsed.operator, value })
    }
    let rows = [...store.table(resource).values()].map((record) => store.render(resource, record))
    rows = rows.filter((row) => filters.every((filter) => matches(row, filter)))
    const orderBy = url.searchParams.get("order_by")
    const dir = url.searchParams.get("dir") ?? "asc"
    if (dir !== "asc" && dir !== "desc") return fail(400, "base", `dir takes asc or desc, not ${dir}`)
    if (orderBy !== null) {
      const field = hyphenate(orderBy)
      if (!known.has(field)) return fail(400, "base", `Unknown order_by attribute: ${orderBy}`)
      const sign = dir === "desc" ? -1 : 1
      rows.sort((a, b) => sign * compareJson(a[field] ?? null, b[field] ?? null) || (a["id"] as number) - (b["id"] as number))
    } else if (dir === "desc") {
      rows.reverse()
    }
    // At most 50 records per request; a larger limit is capped, not refused.
    const limit = Math.min(50, Math.max(1, Number.parseInt(url.searchParams.get("limit") ?? "50", 10) || 50))
    const offset = Math.max(0, Number.parseInt(url.searchParams.get("offset") ?? "0", 10) || 0)
    let page: Array<CoupaRecord> = rows.slice(offset, offset + limit)
    const raw = url.searchParams.get("fields")
    if (raw !== null) {
      const selection = parseFields(raw)
      if (selection === undefined) return fail(400, "base", "fields must be a JSON array of names and {association: [names]} objects")
      page = page.map((row) => select(row, selection))
    }
    // In XML an empty result is a 404; in JSON it is `[]`.
    if (xml && page.length === 0) return fail(404, "base", "No results match your search criteria.")
    return { status: 200, body: page, root: `${spec.xmlRoot}s` }
  }

  /** The JSON object a POST or PUT carries (empty when it carries nothing), or the reply refusing it. */
  const readBody = async (request: Request): Promise<{ readonly body: Record<string, unknown> } | { readonly refused: Reply }> => {
    const text = await request.text()
    if (text.trim() === "") return { body: {} }
    if (!(request.headers.get("content-type") ?? "").includes("json")) {
      return { refused: fail(415, "base", "The simulator reads JSON bodies only: send Content-Type: application/json") }
    }
    try {
      const parsed: unknown = JSON.parse(text)
      return isObject(parsed) ? { body: parsed } : { refused: fail(400, "base", "The body must be a JSON object") }
    } catch {
      return { refused: fail(400, "base", "The body is not valid JSON") }
    }
  }

  const notFound = (resource: Resource, id: string) =>
    fail(404, specs[resource].errorKey, `Couldn't find ${specs[resource].model} with 'id'=${id}`)

  const api = async (request: Request, url: URL, token: { readonly scopes: ReadonlySet<string> }, xml: boolean): Promise<Reply> => {
    const route = /^\/api\/([a-z_]+)(?:\/([^/]+))?(?:\/([a-z_]+))?\/?$/.exec(url.pathname)
    const resource = route?.[1] as Resource | undefined
    if (route === null || resource === undefined || !resources.includes(resource)) {
      return fail(404, "base", `No route matches ${request.method} ${url.pathname}`)
    }
    const [, , id, action] = route
    const method = request.method === "PATCH" ? "PUT" : request.method
    const write = method !== "GET"
    const scope = write ? scopes[resource].write : scopes[resource].read
    const allowed = token.scopes.has(scope) ||
      (resource === "invoices" && method === "POST" && token.scopes.has("core.invoice.create"))
    if (!allowed) return fail(403, "base", `Access denied: this token lacks the scope ${scope}`)
    const spec = specs[resource]
    const numericId = id !== undefined && /^\d+$/.test(id) ? Number(id) : undefined

    if (method === "GET" && id === undefined) return list(resource, url, xml)
    if (method === "GET" && action === undefined) {
      const record = numericId === undefined ? undefined : store.table(resource).get(numericId)
      return record === undefined ? notFound(resource, id!) : renderOne(resource, record, 200, url)
    }
    if (method === "POST" && id === undefined) {
      const read = await readBody(request)
      if ("refused" in read) return read.refused
      const outcome = store.create(resource, read.body, false)
      return "errors" in outcome ? fail(400, spec.errorKey, ...outcome.errors) : renderOne(resource, outcome.record, 201, url)
    }
    if (method === "PUT" && id !== undefined) {
      const current = numericId === undefined ? undefined : store.table(resource).get(numericId)
      if (current === undefined) return notFound(resource, id)
      if (action !== undefined) {
        const transition = spec.actions[action]
        if (transition === undefined) return fail(404, "base", `No route matches PUT ${url.pathname}`)
        const status = String(current.values["status"])
        if (!transition.from.includes(status)) {
          return fail(400, spec.errorKey, `Cannot ${action} this ${spec.errorKey.replaceAll("_", " ")}: its status is ${status}`)
        }
        const outcome = store.update(resource, current.id, { status: transition.to }, true)!
        return "errors" in outcome ? fail(400, spec.errorKey, ...outcome.errors) : renderOne(resource, outcome.record, 200, url)
      }
      const exported = url.searchParams.get("exported")
      if (exported !== null) {
        // Marking exported is a request of its own: a body sent with it is ignored.
        if (exported !== "true" && exported !== "false") return fail(400, spec.errorKey, "exported takes true or false")
        const values: Record<string, Json> = { exported: exported === "true" }
        if (exported === "true") values["last-exported-at"] = new Date(now()).toISOString()
        if (!exportTouches) values["updated-at"] = formatInstant(current.updatedAt, 0)
        const outcome = store.update(resource, current.id, values, true)!
        return "errors" in outcome ? fail(400, spec.errorKey, ...outcome.errors) : renderOne(resource, outcome.record, 200, url)
      }
      const read = await readBody(request)
      if ("refused" in read) return read.refused
      if (resource === "receiving_transactions") {
        // Receipts take only the exported flag after creation.
        return fail(400, spec.errorKey, "A receiving transaction can only be marked exported (PUT ?exported=true) or voided")
      }
      const outcome = store.update(resource, current.id, read.body, false)!
      return "errors" in outcome ? fail(400, spec.errorKey, ...outcome.errors) : renderOne(resource, outcome.record, 200, url)
    }
    return fail(405, "base", `${request.method} ${url.pathname} is not supported`)
  }

  // --- handling -------------------------------------------------------------------------------

  const handle = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    const method = request.method.toUpperCase()
    const entry: LoggedRequest = {
      seq: ++seq,
      at: Date.now(),
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(request.headers),
      body: method === "GET" ? undefined : await bodyForLog(request),
      status: 0
    }
    log.push(entry)
    const early = firing(method, url.pathname, "early")
    for (const fault of early) {
      entry.fault = fault.type
      if (fault.type === "mutate") fault.change(instance)
    }
    const delay = early.reduce((sum, fault) => sum + (fault.type === "latency" ? fault.ms : 0), 0)
    const fault = firing(method, url.pathname, "response")[0]
    if (fault !== undefined) entry.fault = fault.type
    const xml = !(request.headers.get("accept") ?? "").includes("application/json")

    const answer = async (): Promise<Response | "network"> => {
      if (fault?.type === "network") return "network"
      if (fault?.type === "status") {
        return toResponse(fault.status === 500 ? fail(500, "base", "Internal server error") : { status: fault.status, html: gatewayPage(fault.status) }, xml)
      }
      if (url.pathname === "/oauth2/token") return tokens.grant(request)
      const limited = (seconds: number | undefined): Reply => ({
        ...fail(429, "base", "Rate limit exceeded"),
        ...(retryAfter ? { headers: { "Retry-After": String(seconds ?? 1) } } : {})
      })
      if (fault?.type === "rateLimit") return toResponse(limited(1), xml)
      if (bucket.enabled) {
        const seconds = bucket.take()
        if (seconds !== undefined) return toResponse(limited(seconds), xml)
      }
      const token = tokens.authenticate(request)
      if (token === undefined) {
        const reply = fail(401, "base", "Invalid or expired access token")
        return toResponse({ ...reply, headers: { "WWW-Authenticate": "Bearer error=\"invalid_token\"" } }, xml)
      }
      return toResponse(await api(request, url, token, xml), xml)
    }

    const response = await answer()
    const hold = delay + (fault?.type === "timeoutAfterCommit" ? fault.ms : 0)
    await wait(hold, request.signal)
    if (response === "network" || request.signal.aborted) return HttpResponse.error()
    entry.status = response.status
    return response
  }

  const handlers = [http.all(`${origin}/*`, ({ request }) => handle(request))]
  const server = setupServer(...handlers)

  return {
    instanceUrl,
    server,
    handlers,
    handle,
    listen: () => server.listen({ onUnhandledFrame: "error" }),
    close: () => server.close(),
    ...instance,
    reset: () => {
      store.reset()
      tokens.reset()
      bucket.reset()
      faults = []
      log = []
      seq = 0
      frozen = undefined
    },
    inject: (...added) => {
      faults.push(...added.map((fault) => ({ fault, matched: 0, fired: 0 })))
    },
    clearFaults: () => {
      faults = []
    },
    expireTokens: () => tokens.expire(),
    setTime: (iso) => {
      const instant = Date.parse(iso)
      if (Number.isNaN(instant)) throw new Error(`CoupaSimulator.setTime: not an ISO-8601 instant: ${iso}`)
      frozen = instant
    },
    advance: (ms) => {
      frozen = now() + ms
    },
    now: () => new Date(now()),
    requests: () => [...log],
    clearLog: () => {
      log = []
    }
  }
}

/** The body of a request for the log: parsed JSON or form fields when it has them, else its text. */
const bodyForLog = async (request: Request): Promise<unknown> => {
  const text = await request.clone().text()
  if (text === "") return undefined
  const contentType = request.headers.get("content-type") ?? ""
  if (contentType.includes("x-www-form-urlencoded")) {
    const form = Object.fromEntries(new URLSearchParams(text))
    // The client secret stays out of the log.
    return "client_secret" in form ? { ...form, client_secret: "<redacted>" } : form
  }
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

// ---------------------------------------------------------------------------------------------
// Layer
// ---------------------------------------------------------------------------------------------

/**
 * The service tag of a simulator provided by {@link layer}.
 *
 * @since 0.2.0
 * @category services
 */
export class CoupaSimulator extends Context.Service<CoupaSimulator, Simulator>()("@procura/testkit/CoupaSimulator") {}

/**
 * A simulator listening for the layer's lifetime (closed when the layer's scope closes).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<CoupaSimulator> =>
  Layer.effect(
    CoupaSimulator,
    Effect.acquireRelease(
      Effect.sync(() => {
        const simulator = make(options)
        simulator.listen()
        return simulator
      }),
      (simulator) => Effect.sync(() => simulator.close())
    )
  )
