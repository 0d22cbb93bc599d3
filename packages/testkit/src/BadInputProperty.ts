/**
 * Bad input, checked as a property, over the whole operations catalogue (the core's and the
 * enabled plugins'), runnable on any storage adapter.
 *
 * For every operation, inputs are generated from its input schema (a valid shape, with ids of
 * records that exist in the tenant most of the time) and then broken: a value of the wrong type,
 * a field left out, a string over its maximum, an id nothing has, a negative, fractional,
 * infinite or huge number, an unknown currency, text no adapter can store (a NUL character, an
 * unpaired surrogate), a list over its maximum length. Each broken input must get a typed error (a tagged
 * failure: `ValidationError` naming the path for anything the schema can tell, else the module's
 * own family, `NotFound`, ...), never a defect, and must leave every record and the event log of
 * the tenant as they were (compared in full after every case that reached an operation's handler;
 * a `ValidationError` comes before any transaction begins, and then the event log's end is
 * checked). Where a change may leave the input valid (an optional field left out, an unknown id
 * in a list filter), success is allowed too; a refusal must still write nothing. One tenant holds
 * the fixtures (records of every kind, created once) the generated ids mostly refer to.
 *
 * The cases come from fast-check, seeded (`options.seed`) so a failure replays; a failing case
 * is reported with the operation, the mutation and the input.
 *
 * ```ts
 * BadInputProperty.suite("memory", MemoryStorage.layer(), { plugins: { installed: Cli.installedPlugins, config: Demo.demoConfig } })
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, it, layer } from "@effect/vitest"
import { Errors, Operation, Plugin, Principal, Procura, Storage } from "@procura/core"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import * as fc from "fast-check"
import * as EventContract from "./EventContract.js"
import * as Fixtures from "./Fixtures.js"
import {
  generate,
  type Hints,
  type Mutation,
  type MutationName,
  mutations,
  type Path,
  sourceOf,
  unbounded,
  Unsupported
} from "./internal/schemaInputs.js"

/**
 * Options of {@link suite}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The plugins to enable with the core: the installed plugins and a configuration file's content. */
  readonly plugins?: { readonly installed: ReadonlyArray<Plugin.Plugin<string, any>>; readonly config: unknown }
  /** Broken inputs tried per operation; 11 by default (one per kind of mutation). */
  readonly runsPerOperation?: number
  /** The seed of the run; a fixed one by default, so a failure reproduces. */
  readonly seed?: number
}

const people = ["ada.admin", "rae.requester", "mia.manager", "pat.procurement", "acc-northwind"]

const personKey = /^(userId|deputyId|requesterId|assignedTo|issuedTo|accountId|approvedBy|decidedBy)$/

/** The record ids of a tenant, by collection. */
type Pool = ReadonlyMap<string, ReadonlyArray<string>>

/** Which ids a field of that name refers to: the collection its name says, people, or any. */
const idsFor = (pool: Pool, key: string): ReadonlyArray<string> => {
  if (personKey.test(key)) return people
  const all = [...pool.values()].flat()
  if (key === "supplierId") return pool.get("vendors") ?? all
  const base = key.replace(/Ids?$/, "")
  if (key === "id" || base === key) return all
  const plural = `${base.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}s`
  const matching = [...pool].filter(([name]) => name === plural || name.endsWith(`_${plural}`)).flatMap(([, ids]) => ids)
  return matching.length > 0 ? matching : all
}

let unknownCounter = 0

/** Ids from the tenant's records three times in four (when there are any), else ids nothing has. */
const hintsFrom = (pool: Pool): Hints => ({
  id: (key, source) => {
    const ids = idsFor(pool, key)
    return ids.length > 0 && source.int(4) !== 0 ? ids[source.int(ids.length)]! : `unknown-${++unknownCounter}`
  }
})

const isPrefix = (a: Path, b: Path): boolean => a.length <= b.length && a.every((step, i) => String(step) === String(b[i]))

/** What a case did, for the figures. */
type Outcome = "ValidationError" | "otherError" | "accepted"

const int = fc.integer({ min: 0, max: 65_535 })
/** A case: the choices the generator draws an input from, and which mutation of it to pick. */
const cases = fc.record({ pick: int, choices: fc.array(int, { minLength: 24, maxLength: 24 }) })

const describeValue = (value: unknown): string => {
  const text = JSON.stringify(value, (_, v) => (typeof v === "string" && v.length > 60 ? `${v.slice(0, 20)}...(${v.length} characters)` : v))
  return text === undefined ? String(value) : text.length > 600 ? `${text.slice(0, 600)}...` : text
}

/**
 * Registers the property for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>, options: Options = {}): void => {
  const enabled = options.plugins === undefined ? [] : Effect.runSync(Plugin.fromConfigFile(options.plugins.installed, options.plugins.config))
  const composition = Effect.runSync(Plugin.compose(enabled))
  const catalogue = Procura.catalogueWith(composition)
  const operations = [...catalogue.values()]
  const runs = options.runsPerOperation ?? 11
  const seed = options.seed ?? 20_261_130

  describe(`bad input, checked as a property: ${name}`, () => {
    it("generates valid-shaped input for every operation of the catalogue (none is skipped)", () => {
      const hints = hintsFrom(new Map([["any", ["some-id"]]]))
      const problems: Array<string> = []
      for (const op of operations) {
        let valid = 0
        try {
          for (let i = 0; i < 60 && valid === 0; i++) {
            const { value } = generate(op.input, sourceOf(Array.from({ length: 24 }, (_, k) => (i * 7919 + k * 104_729) % 65_536)), hints)
            if (op.input.safeParse(value).success) valid++
          }
          if (valid === 0) problems.push(`${op.id}: no generated input passed its schema`)
        } catch (error) {
          problems.push(`${op.id}: ${error instanceof Unsupported ? error.message : String(error)}`)
        }
      }
      assert.deepStrictEqual(problems, [], `the generator must handle every operation's input:\n${problems.join("\n")}`)
      assert.isAtLeast(operations.length, Procura.catalogue.size)
    })

    it("every string and every list of every operation's input has a maximum length", () => {
      const found = operations.flatMap((op) => unbounded(op.input).map((path) => `${op.id}: ${path}`))
      assert.deepStrictEqual(found, [], `strings (use a Text schema) and lists without a maximum length:\n${found.join("\n")}`)
    })

    const procura = Procura.layerFromComposition(composition).pipe(Layer.provideMerge(EventContract.checked(storageLayer, { events: composition.events })))

    layer(procura, { timeout: "300 seconds" })((it) => {
      it.effect("every broken input gets a typed error, never a defect, and writes nothing", () =>
        Effect.gen(function*() {
          const started = Date.now()
          const tenantId = Fixtures.freshTenant("bad-input")
          const admin = Fixtures.principal(tenantId, "ada.admin", "admin")
          const call = (id: string, input: unknown, who: Principal.Principal = admin) => {
            const op = catalogue.get(id)
            if (op === undefined) return Effect.die(new Error(`no operation ${id} in the catalogue`))
            return Principal.runAs(Operation.run(op)(input as never), who) as Effect.Effect<any, unknown, Storage.Storage>
          }
          yield* fixtures(call, (id) => catalogue.has(id), tenantId)
          const extra = [...composition.collections]
          const pool = yield* idPool(admin, extra)
          const hints = hintsFrom(pool)
          let before = yield* snapshot(admin, extra)
          const outcomes: Record<Outcome, number> = { ValidationError: 0, otherError: 0, accepted: 0 }
          const byMutation = new Map<MutationName, number>()
          let total = 0
          let validBases = 0
          const tags = new Map<string, number>()

          for (const op of operations) {
            // Each run of an operation takes the next kind of mutation its input allows, so every
            // kind is tried on every operation when there are as many runs as kinds.
            let run = 0
            const property = ({ pick, choices }: { readonly pick: number; readonly choices: ReadonlyArray<number> }) =>
              Effect.gen(function*() {
                const { value, sites } = generate(op.input, sourceOf(choices), hints)
                if (op.input.safeParse(value).success) validBases++
                const all = mutations(sites)
                const names = [...new Set(all.map((m) => m.name))]
                const kind = names[run++ % names.length]
                const named = all.filter((m) => m.name === kind)
                const mutation: Mutation = named[pick % named.length]!
                const input = mutation.apply(value)
                const context = `${op.id} with ${mutation.describe}; input ${describeValue(input)}`
                total++
                byMutation.set(mutation.name, (byMutation.get(mutation.name) ?? 0) + 1)
                const exit = yield* Effect.exit(call(op.id, input))
                const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
                // A ValidationError is raised before the handler runs, outside any transaction: the
                // event log's end is checked then (one read); any other outcome compares everything.
                const validation = error instanceof Errors.ValidationError
                const after = validation ? { ...before, position: yield* lastPosition(admin, before.position) } : yield* snapshot(admin, extra)
                if (Exit.isSuccess(exit)) {
                  outcomes.accepted++
                  before = after
                  if (mutation.invalid) return yield* Effect.fail(`${context}: accepted an input its schema should refuse`)
                  return true
                }
                if (error === undefined) {
                  return yield* Effect.fail(`${context}: a defect or an interruption instead of a typed error:\n${Cause.pretty(exit.cause)}`)
                }
                const tag = (error as { readonly _tag?: unknown })._tag
                const message = (error as { readonly message?: unknown }).message
                if (typeof tag !== "string" || typeof message !== "string" || message === "") {
                  return yield* Effect.fail(`${context}: failed with an untyped error ${describeValue(error)}`)
                }
                if (JSON.stringify(after) !== JSON.stringify(before)) {
                  before = after
                  return yield* Effect.fail(`${context}: refused (${tag}: ${message}) but the tenant's records or events changed`)
                }
                outcomes[tag === "ValidationError" ? "ValidationError" : "otherError"]++
                const reason = (error as { readonly reason?: unknown }).reason
                const reasonTag = typeof reason === "string" ? reason : (reason as { readonly _tag?: unknown } | undefined)?._tag
                const label = typeof reasonTag === "string" ? `${tag}/${reasonTag}` : tag
                tags.set(label, (tags.get(label) ?? 0) + 1)
                if (Storage.isReason(error, "Unavailable")) {
                  return yield* Effect.fail(`${context}: bad input made the storage report Unavailable (callers would retry it): ${message}`)
                }
                if (mutation.invalid) {
                  if (!(error instanceof Errors.ValidationError)) {
                    return yield* Effect.fail(`${context}: expected a ValidationError naming ${mutation.path.join(".")}, got ${tag}: ${message}`)
                  }
                  const named = error.issues.some((issue) => isPrefix(issue.path, mutation.path) || isPrefix(mutation.path, issue.path))
                  if (!named) {
                    return yield* Effect.fail(`${context}: the ValidationError does not name ${mutation.path.join(".")}: ${message}`)
                  }
                }
                return true
              })
            const context = yield* Effect.context<Storage.Storage>()
            const runCase = (c: { readonly pick: number; readonly choices: ReadonlyArray<number> }) =>
              Effect.runPromiseWith(context)(Effect.mapError(property(c), (failure) => (failure instanceof Error ? failure : new Error(failure))))
            const result = yield* Effect.promise(() =>
              fc.check(fc.asyncProperty(cases, runCase), { numRuns: runs, seed, endOnFailure: true })
            )
            if (result.failed) {
              const failure = result.errorInstance instanceof Error ? result.errorInstance.message : undefined
              assert.fail(`${op.id}: ${failure ?? fc.defaultReportMessage(result)}`)
            }
          }
          const seconds = ((Date.now() - started) / 1000).toFixed(1)
          console.log(
            `bad input on ${name}: ${operations.length} operations (${Procura.catalogue.size} core, ${operations.length - Procura.catalogue.size} from plugins), ` +
              `${total} cases (${outcomes.ValidationError} ValidationError, ${outcomes.otherError} other typed errors, ${outcomes.accepted} accepted; ` +
              `${validBases} broken from a valid input), ` +
              `by mutation ${[...byMutation].map(([k, v]) => `${k} ${v}`).join(", ")}; ` +
              `errors ${[...tags].toSorted((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(", ")}; ${seconds} s with fixtures`
          )
          assert.isAtLeast(total, operations.length * runs)
        }))
    })
  })
}

/**
 * Everything a tenant has stored, as one string (record ids and versions of every collection, the
 * event types in order), and the position of its last event.
 */
const snapshot = (tenant: Principal.Principal, extra: ReadonlyArray<Storage.Collection<any>>) =>
  Effect.gen(function*() {
    const stored = yield* Fixtures.snapshot(tenant, extra)
    return { stored: JSON.stringify(stored), position: yield* lastPosition(tenant, 0) }
  })

/** The position of the tenant's last event after `after` (or `after` when there is none). */
const lastPosition = (tenant: Principal.Principal, after: number) =>
  Principal.runAs(
    Effect.flatMap(Storage.Storage, (storage) =>
      Effect.map(storage.readEvents({ after, limit: 100_000, tenantId: tenant.tenantId }), (events) => events.at(-1)?.position ?? after)),
    tenant
  )

/** The ids of every record of the tenant, by collection. */
const idPool = (tenant: Principal.Principal, extra: ReadonlyArray<Storage.Collection<any>>) =>
  Principal.runAs(
    Effect.gen(function*() {
      const storage = yield* Storage.Storage
      const pool = new Map<string, ReadonlyArray<string>>()
      for (const collection of [...Procura.collections, ...extra]) {
        const ids = (yield* storage.find(collection, { limit: 1000 })).items.map((r) => r.id)
        if (ids.length > 0) pool.set(collection.name, ids)
      }
      return pool
    }),
    tenant
  )

type Call = (id: string, input: unknown, who?: Principal.Principal) => Effect.Effect<any, unknown, Storage.Storage>

/**
 * Records of every kind for the generated inputs to refer to: vendors, items, an ordered and
 * partly received purchase order with a shipment and an invoice, a request waiting for approval
 * and, with spm-oversight enabled, an approved and decomposed customer order.
 */
const fixtures = (call: Call, has: (id: string) => boolean, tenantId: string) =>
  Effect.gen(function*() {
    const requester = Fixtures.principal(tenantId, "rae.requester", "requester")
    const vendor = yield* call("catalog.createVendor", { code: "ACME", name: "Acme Computers" })
    yield* call("catalog.createVendor", { code: "GLOBEX", name: "Globex" })
    const eur = (amount: number) => [{ vendorId: vendor.id, unitCost: { amount, currency: "EUR" } }]
    const laptop = yield* call("catalog.createCatalogItem", { sku: "LAP-14", name: "Laptop 14 inch", kind: "hardware", approvedVendors: eur(120_000) })
    const mouse = yield* call("catalog.createCatalogItem", { sku: "MOUSE", name: "USB mouse", kind: "consumable", approvedVendors: eur(5_000) })
    const licence = yield* call("catalog.createCatalogItem", { sku: "SUITE", name: "Office suite", kind: "software", approvedVendors: eur(9_900) })
    const approveFully = (requestId: string) =>
      Effect.gen(function*() {
        for (let i = 0; i < 6; i++) {
          const request = yield* call("requisition.getRequest", { id: requestId })
          const step = request.approval.steps.find((s: { status: string }) => s.status === "pending")
          if (request.status !== "pending_approval" || step === undefined) return request
          const who = step.approver.kind === "user"
            ? Fixtures.principal(tenantId, step.approver.userId, "admin")
            : Fixtures.principal(tenantId, "ada.admin", "admin", step.approver.role ?? "admin")
          yield* call("requisition.approveRequest", { requestId }, who)
        }
        return yield* Effect.die(new Error(`request ${requestId} is still not approved`))
      })
    const request = yield* call(
      "requisition.createRequest",
      { lines: [{ catalogItemId: laptop.id, quantity: 2 }, { catalogItemId: mouse.id, quantity: 10 }, { catalogItemId: licence.id, quantity: 5 }] },
      requester
    )
    yield* approveFully(request.id)
    const [draft] = yield* call("purchasing.createFromRequest", { requestId: request.id })
    const order = yield* call("purchasing.submitPurchaseOrder", { purchaseOrderId: draft.id })
    const lineOf = (itemId: string) => order.lines.find((l: { catalogItemId: string }) => l.catalogItemId === itemId).lineNo
    yield* call("receiving.receivePurchaseOrder", {
      purchaseOrderId: order.id,
      locationId: "HQ",
      storageSpace: "Store room 1",
      lines: [{ lineNo: lineOf(laptop.id), serialNumbers: ["SN-0001"] }, { lineNo: lineOf(mouse.id), quantity: 4 }]
    })
    yield* call("shipping.createShipment", {
      purchaseOrderId: order.id,
      carrier: "DHL",
      trackingNumber: "TRK-0001",
      shipDate: "2026-11-30",
      destinationLocationId: "HQ",
      destinationStorageSpace: "Store room 1",
      lines: [{ lineNo: lineOf(laptop.id), quantity: 1, serialNumbers: ["SN-0002"] }]
    })
    yield* call("invoicing.recordInvoice", {
      purchaseOrderId: order.id,
      number: "INV-0001",
      invoiceDate: "2026-11-30",
      lines: [{ lineNo: lineOf(mouse.id), quantity: 4, unitCost: { amount: 5_000, currency: "EUR" } }]
    })
    yield* call("requisition.createRequest", { lines: [{ catalogItemId: mouse.id, quantity: 1 }] }, requester)
    const oversight = (id: string) => `spm-oversight.${id}`
    if (has(oversight("createOrder"))) {
      const created = yield* call(oversight("createOrder"), {
        number: "ORD-0001",
        account: { id: "acc-northwind", name: "Northwind Retail" },
        lines: [
          { productOffering: { id: "po-sdwan", name: "SD-WAN Premium", category: "SD-WAN" }, site: { id: "store-ams", name: "Amsterdam store" }, quantity: 1 },
          { productOffering: { id: "po-phone", name: "Desk phone", category: "Phones" }, site: { id: "store-ams", name: "Amsterdam store" }, quantity: 3 }
        ]
      })
      yield* call(oversight("approveOrderLines"), { orderId: created.order.id })
      yield* call(oversight("recordDecomposition"), {
        orderId: created.order.id,
        domainOrders: [{ lineNo: 1, domain: "resource", name: "CPE delivery", tasks: [{ name: "Ship CPE", requestType: "ship" }] }]
      })
    }
  }).pipe(Effect.mapError((error) => new Error(`the fixtures could not be created: ${describeValue(error)}`)), Effect.orDie)
