// The connector port: a small in-memory "external system" connector, on memory and PGlite storage.
// Outbound pushes each submitted purchase order once even when a delivery is retried after a
// failure mid-push; mapping records are one to one; inbound applies changes since the watermark
// once, and the watermark moves only after success; two connectors claiming one exclusive
// responsibility are refused at start, naming both and the fix.
import { assert, describe, it } from "@effect/vitest"
import {
  Catalog,
  Connector,
  Delivery,
  Operation,
  Plugin,
  Principal,
  Procura,
  Purchasing,
  PurchasingEvents,
  Requisition,
  Storage
} from "@procura/core"
import { createProcura, PluginError } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { PostgresTesting, SqlStorage } from "@procura/storage-sql"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import { z } from "zod"

/** The external system: orders upserted by correlation id, supplier changes in sequence. */
class ExternalSystem {
  readonly orders = new Map<string, { readonly externalId: string; lines: number; writes: number }>()
  readonly suppliers: Array<{ readonly seq: number; readonly code: string; readonly name: string }> = []
  /** Fail the next push after the system has written it (a timeout seen by the caller). */
  failAfterWrite = 0
  upsertOrder(correlationId: string, lines: number): string {
    const existing = this.orders.get(correlationId)
    const order = existing ?? { externalId: `EXT-${this.orders.size + 1}`, lines, writes: 0 }
    order.lines = lines
    order.writes++
    this.orders.set(correlationId, order)
    if (this.failAfterWrite > 0) {
      this.failAfterWrite--
      throw new Error("timeout after the write")
    }
    return order.externalId
  }
}

const erpConnector = (system: ExternalSystem, id = "erp") =>
  Connector.make({
    id,
    version: "1.0.0",
    description: "Mirrors purchase orders to a toy ERP and pulls its suppliers.",
    config: z.object({ url: z.string() }),
    responsibilities: ["purchase_order.mirror"],
    subscribes: [PurchasingEvents.PurchaseOrderSubmitted],
    outbound: (event, { links }) =>
      Effect.gen(function*() {
        const externalId = yield* Effect.try(() => system.upsertOrder(event.payload.purchaseOrderId, event.payload.lines.length))
        yield* links.link("purchase_order", event.payload.purchaseOrderId, externalId)
      }),
    inbound: {
      pull: (since) =>
        Effect.sync(() => {
          const changes = system.suppliers.filter((s) => s.seq > Number(since ?? 0))
          return { changes, watermark: String(changes.at(-1)?.seq ?? since ?? 0) }
        }),
      apply: (change: ExternalSystem["suppliers"][number], { links }) =>
        Effect.gen(function*() {
          if (Option.isSome(yield* links.procuraIdOf("vendor", change.code))) return
          const vendor = yield* Operation.run(Catalog.operations.createVendor)({ code: change.code, name: change.name })
          yield* links.link("vendor", vendor.id, change.code)
        })
    }
  })

const team = {
  admin: { userId: "ada", tenantId: "t1", roles: ["admin"] },
  requester: { userId: "rae", tenantId: "t1", roles: ["requester"] },
  buyer: { userId: "pat", tenantId: "t1", roles: ["procurement_manager"] },
  connector: { userId: "erp-sync", tenantId: "t1", roles: ["procurement_manager"] }
}

const submitOrder = Effect.gen(function*() {
  const vendor = yield* Principal.runAs(Operation.run(Catalog.operations.createVendor)({ code: "ACME", name: "Acme" }), team.admin)
  const item = yield* Principal.runAs(
    Operation.run(Catalog.operations.createCatalogItem)({
      sku: "LAP-14",
      name: "Laptop",
      kind: "hardware",
      approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 100_000, currency: "EUR" } }]
    }),
    team.admin
  )
  const request = yield* Principal.runAs(
    Operation.run(Requisition.operations.createRequest)({ lines: [{ catalogItemId: item.id, quantity: 2 }] }),
    team.requester
  )
  yield* Principal.runAs(Operation.run(Requisition.operations.approveRequest)({ requestId: request.id }), team.buyer)
  const [order] = yield* Principal.runAs(Operation.run(Purchasing.operations.createFromRequest)({ requestId: request.id }), team.buyer)
  return yield* Principal.runAs(Operation.run(Purchasing.operations.submitPurchaseOrder)({ purchaseOrderId: order!.id }), team.buyer)
})

const storages: ReadonlyArray<readonly [string, () => Layer.Layer<Storage.Storage, unknown>]> = [
  ["memory", () => MemoryStorage.layer()],
  ["PGlite", () => SqlStorage.layerPglite()],
  ...(process.env["PROCURA_SKIP_POSTGRES"] === "1" ? [] : [["PostgreSQL", () => PostgresTesting.layerFresh()] as const])
]

/** Runs a program on a fresh store with the connector enabled. */
const withConnector = <A, E>(
  storage: () => Layer.Layer<Storage.Storage, unknown>,
  system: ExternalSystem,
  program: (composition: Plugin.Composition) => Effect.Effect<A, E, Storage.Storage | Procura.Services>
) =>
  Effect.gen(function*() {
    const composition = yield* Plugin.compose([
      Connector.enable(erpConnector(system), { url: "https://erp.example", principal: team.connector })
    ])
    return yield* program(composition).pipe(
      Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(storage())))
    )
  })

const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  return Option.getOrThrow(Cause.findErrorOption((exit as Exit.Failure<A, E>).cause))
}

const fast: Delivery.RetryPolicy = { attempts: 3, baseDelay: "1 millis", maxDelay: "1 millis" }

for (const [name, storage] of storages) {
  describe(`connector port: ${name}`, () => {
    it.live("pushes each submitted order once although a delivery is retried after a failure mid-push", () => {
      const system = new ExternalSystem()
      return withConnector(storage, system, (composition) =>
        Effect.gen(function*() {
          const order = yield* submitOrder
          system.failAfterWrite = 1
          const [failed] = yield* Delivery.drain(composition.subscribers)
          assert.strictEqual(failed!.subscriber, "erp/outbound")
          assert.isDefined(failed!.failed)
          const [retried] = yield* Delivery.drain(composition.subscribers, { retry: fast })
          assert.deepInclude(retried, { delivered: 1, parked: 0 })
          // A crash before the checkpoint: the event is delivered again, and still one order exists.
          const store = yield* Storage.Storage
          yield* store.saveCheckpoint(Connector.outboundSubscriberId("erp"), 0)
          system.failAfterWrite = 1
          const [again] = yield* Delivery.drain(composition.subscribers, { retry: fast })
          assert.deepInclude(again, { delivered: 1, parked: 0 })
          assert.strictEqual(system.orders.size, 1)
          assert.deepInclude(system.orders.get(order.id), { externalId: "EXT-1", lines: 1 })
          const links = Connector.links("erp")
          const externalId = yield* Principal.runAs(links.externalIdOf("purchase_order", order.id), team.admin)
          assert.deepStrictEqual(externalId, Option.some("EXT-1"))
          const procuraId = yield* Principal.runAs(links.procuraIdOf("purchase_order", "EXT-1"), team.admin)
          assert.deepStrictEqual(procuraId, Option.some(order.id))
        }))
    }, 60_000)

    it.live("keeps mapping records one to one per connector, tenant and kind", () =>
      withConnector(storage, new ExternalSystem(), () =>
        Effect.gen(function*() {
          const erp = Connector.links("erp")
          const as = <A, E>(effect: Effect.Effect<A, E, Storage.Storage | Principal.CurrentPrincipal>, tenantId = "t1") =>
            Principal.runAs(effect, { ...team.admin, tenantId })
          yield* as(erp.link("asset", "a-1", "X-1"))
          yield* as(erp.link("asset", "a-1", "X-1")) // the same pair again: nothing new
          const otherExternal = yield* Effect.exit(as(erp.link("asset", "a-1", "X-2")))
          const otherProcura = yield* Effect.exit(as(erp.link("asset", "a-2", "X-1")))
          for (const exit of [otherExternal, otherProcura]) {
            assert.deepInclude(failureOf(exit), { _tag: "MappingConflict", connector: "erp", kind: "asset" })
          }
          // Another kind, another connector and another tenant have mappings of their own.
          yield* as(erp.link("purchase_order", "a-1", "X-2"))
          yield* as(Connector.links("coupa").link("asset", "a-1", "C-9"))
          yield* as(erp.link("asset", "a-1", "X-7"), "t2")
          assert.deepStrictEqual(yield* as(erp.externalIdOf("asset", "a-1")), Option.some("X-1"))
          assert.deepStrictEqual(yield* as(erp.externalIdOf("asset", "a-1"), "t2"), Option.some("X-7"))
          assert.deepStrictEqual(yield* as(erp.procuraIdOf("asset", "X-2")), Option.none())
          // Many at once, in one read: the unlinked ids are absent.
          assert.deepStrictEqual(yield* as(erp.externalIdsOf("asset", ["a-1", "a-9", "a-1"])), new Map([["a-1", "X-1"]]))
        })), 60_000)

    it.live("links many pairs at once, leaving what is linked, and none of them when one conflicts", () =>
      withConnector(storage, new ExternalSystem(), () =>
        Effect.gen(function*() {
          const erp = Connector.links("erp")
          const as = <A, E>(effect: Effect.Effect<A, E, Storage.Storage | Principal.CurrentPrincipal>) => Principal.runAs(effect, team.admin)
          yield* as(erp.link("asset", "a-0", "X-0"))
          // 2,500 pairs: three chunks; the one already linked and a pair given twice are one link each.
          const pairs = Array.from({ length: 2500 }, (_, i) => [`a-${i}`, `X-${i}`] as const)
          const linked = yield* as(erp.linkAll("asset", [...pairs, ["a-7", "X-7"]]))
          assert.strictEqual(linked.length, 2501)
          assert.deepStrictEqual(linked.map((l) => [l.procuraId, l.externalId]), [...pairs, ["a-7", "X-7"]])
          assert.strictEqual(linked[7]!.id, linked[2500]!.id)
          const all = yield* as(erp.list("asset"))
          assert.strictEqual(all.length, 2500)
          // Again: nothing new.
          yield* as(erp.linkAll("asset", pairs.slice(0, 10)))
          assert.strictEqual((yield* as(erp.list("asset"))).length, 2500)

          // A conflict with a stored link, or between two pairs given: nothing of the call is linked.
          const stored = yield* Effect.exit(as(erp.linkAll("asset", [["b-1", "Y-1"], ["a-1", "Y-2"]])))
          assert.deepInclude(failureOf(stored), { _tag: "MappingConflict", procuraId: "a-1", externalId: "Y-2", existing: { procuraId: "a-1", externalId: "X-1" } })
          const given = yield* Effect.exit(as(erp.linkAll("asset", [["b-1", "Y-1"], ["b-2", "Y-1"]])))
          assert.deepInclude(failureOf(given), { _tag: "MappingConflict", procuraId: "b-2", externalId: "Y-1", existing: { procuraId: "b-1", externalId: "Y-1" } })
          assert.deepStrictEqual(yield* as(erp.externalIdOf("asset", "b-1")), Option.none())
        })), 60_000)

    it.live("applies inbound changes since the watermark once, advancing it only after success", () => {
      const system = new ExternalSystem()
      system.suppliers.push({ seq: 1, code: "DELL", name: "Dell" }, { seq: 2, code: "HP", name: "HP Inc." })
      return withConnector(storage, system, (composition) =>
        Effect.gen(function*() {
          const [first] = yield* Connector.poll(composition.pollers)
          assert.deepInclude(first, { connector: "erp", tenantId: "t1", pulled: 2, applied: 2, watermark: "2", skipped: false })
          const [nothing] = yield* Connector.poll(composition.pollers)
          assert.deepInclude(nothing, { pulled: 0, applied: 0, watermark: "2" })
          // A change the catalog refuses (an empty name): the poll fails and the watermark stays.
          system.suppliers.push({ seq: 3, code: "LENOVO", name: "Lenovo" }, { seq: 4, code: "ASUS", name: "" })
          const [failed] = yield* Connector.poll(composition.pollers)
          assert.deepInclude(failed, { pulled: 2, applied: 1, watermark: "2" })
          assert.isDefined(failed!.failed)
          assert.deepStrictEqual(yield* Principal.runAs(Connector.watermarkOf("erp"), team.admin), Option.some("2"))
          system.suppliers[3] = { seq: 4, code: "ASUS", name: "ASUSTeK" }
          const [fixed] = yield* Connector.poll(composition.pollers)
          assert.deepInclude(fixed, { pulled: 2, applied: 2, watermark: "4" })
          assert.isUndefined(fixed!.failed)
          const vendors = yield* Principal.runAs(Operation.run(Catalog.operations.listVendors)({}), team.admin)
          assert.deepStrictEqual(vendors.items.map((v) => v.code).toSorted(), ["ASUS", "DELL", "HP", "LENOVO"])
          // Applied through the operations, as the connector's principal: the events say who.
          const store = yield* Storage.Storage
          const events = yield* store.readEvents({ after: 0, limit: 100, tenantId: "t1" })
          const created = events.filter((e) => e.type === "vendor.created")
          assert.strictEqual(created.length, 4)
          assert.isTrue(created.every((e) => e.actorId === "erp-sync"))
        }))
    }, 60_000)
  })
}

describe("connector responsibilities", () => {
  const coupa = (id: string) => ({
    ...erpConnector(new ExternalSystem(), id),
    responsibilities: ["requisition.create-on-ordered", { name: "supplier.pull", mode: "shared" as const }]
  })
  const sam = coupa("sam-coupa")
  const spo = coupa("spo-coupa")

  it.effect("refuses two connectors claiming one exclusive responsibility, naming both and the fix", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Plugin.compose([
        Connector.enable(sam, { url: "a", principal: team.connector }),
        Connector.enable(spo, { url: "b", principal: team.connector })
      ]))
      const failure = failureOf(exit)
      assert.strictEqual(failure.reason, "ResponsibilityConflict")
      assert.deepStrictEqual(failure.conflict, {
        responsibility: "requisition.create-on-ordered",
        holders: ["sam-coupa", "spo-coupa"],
        kinds: ["connector", "connector"]
      })
      assert.strictEqual(
        failure.message,
        `Connectors sam-coupa and spo-coupa both claim the responsibility "requisition.create-on-ordered", which only one may hold; ` +
          `disable one of them, or configure one to drop the responsibility ` +
          `(plugins.spo-coupa.drop: ["requisition.create-on-ordered"], or plugins.sam-coupa.drop: ["requisition.create-on-ordered"])`
      )
    }))

  it.effect("starts when one connector drops the responsibility; shared ones may be held by both", () =>
    Effect.gen(function*() {
      const composition = yield* Plugin.compose([
        Connector.enable(sam, { url: "a", principal: team.connector, drop: ["requisition.create-on-ordered"] }),
        Connector.enable(spo, { url: "b", principal: team.connector })
      ])
      assert.deepStrictEqual(composition.plugins.map((p) => p.id), ["sam-coupa", "spo-coupa"])
      assert.deepStrictEqual(composition.pollers.map((p) => p.connector), ["sam-coupa", "spo-coupa"])
      assert.strictEqual(composition.collections.length, 2)
    }))

  it.effect("refuses the conflict from a configuration file too (procura config validate)", () =>
    Effect.gen(function*() {
      const enabled = yield* Plugin.fromConfigFile([Connector.plugin(sam), Connector.plugin(spo)], {
        plugins: { "sam-coupa": { url: "a", principal: team.connector }, "spo-coupa": { url: "b", principal: team.connector } }
      })
      const exit = yield* Effect.exit(Plugin.compose(enabled))
      assert.deepStrictEqual(failureOf(exit).issues.map((i) => i.path.join(".")), ["plugins.spo-coupa"])
    }))

  it("createProcura throws the conflict before anything starts", () => {
    assert.throws(
      () =>
        createProcura({
          storage: MemoryStorage.layer(),
          plugins: [Connector.enable(sam, { url: "a", principal: team.connector }), Connector.enable(spo, { url: "b", principal: team.connector })]
        }),
      PluginError,
      /sam-coupa and spo-coupa both claim the responsibility "requisition.create-on-ordered"/
    )
  })

  it.effect("validates a connector's configuration strictly, with principal required for an inbound poller", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Plugin.compose([Connector.enable(sam, { url: "a", urls: [] })]))
      const paths = failureOf(exit).issues.map((i) => i.path.join("."))
      assert.includeMembers(paths, ["plugins.sam-coupa.principal", "plugins.sam-coupa.urls"])
      const schema = Plugin.configJsonSchema(Connector.plugin(sam))
      assert.strictEqual(schema["title"], "sam-coupa connector configuration")
      assert.includeMembers(schema["required"] as Array<string>, ["url", "principal"])
      assert.strictEqual(schema["additionalProperties"], false)
    }))
})
