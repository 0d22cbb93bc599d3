/**
 * What a host reads, runnable on any storage adapter: `requisition.listRequests` by status, by
 * requester and "waiting for my decision" (approvers by role, by name and as deputies), paged
 * with a cursor; and a get and a list operation for every collection of the core, each get
 * taking `{ id }` and failing with `NotFound` for an unknown id and for another tenant's, every
 * list paging the same way and never showing another tenant's records, and `AccessDenied` for a
 * role without the read permission.
 *
 * ```ts
 * ReadScenarios.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, layer } from "@effect/vitest"
import {
  Access,
  ApprovalPolicy,
  Catalog,
  Errors,
  Invoicing,
  Licensing,
  Operation,
  Principal,
  Procura,
  Purchasing,
  Receiving,
  Requisition,
  Returns,
  Shipping,
  Storage
} from "@procura/core"
import { Effect, Exit, Layer } from "effect"
import * as EventContract from "./EventContract.js"
import * as Fixtures from "./Fixtures.js"

const freshTenant = () => Fixtures.freshTenant("reads")

const eur = (amount: number) => ({ amount, currency: "EUR" })

/**
 * An approval policy for the scenarios: cost centre `NAMED` asks one named user, `TWO` an asset
 * manager then a procurement manager, anything else one procurement manager.
 */
const policy: ApprovalPolicy.Policy = {
  name: "reads",
  plan: (input) =>
    Effect.succeed({
      steps: input.costCenter === "NAMED"
        ? [{ approver: { kind: "user", userId: "uma.approver" }, label: "Uma", reason: "named approver" }]
        : input.costCenter === "TWO"
        ? [
          { approver: { kind: "role", role: "asset_manager" }, label: "an asset manager", reason: "first step" },
          { approver: { kind: "role", role: "procurement_manager" }, label: "a procurement manager", reason: "second step" }
        ]
        : [{ approver: { kind: "role", role: "procurement_manager" }, label: "a procurement manager", reason: "default" }],
      explanation: { policy: "reads" }
    })
}

/** Runs an operation of the catalogue by id, as a principal, on an unvalidated input. */
const call = (id: string, input: unknown, who: Principal.Principal) => {
  const operation = Procura.catalogue.get(id)
  assert.isDefined(operation, `no operation ${id} in the catalogue`)
  return Principal.runAs(Operation.run(operation!)(input as never), who) as Effect.Effect<any, unknown, Storage.Storage>
}

/** The error an effect fails with (fails the test if it succeeds). */
const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.map(Effect.exit(effect), Fixtures.failureOf)

/**
 * The get and list operation of each core collection, and a list input that finds a given
 * record (lists of a parent need the parent's id).
 */
const reads: Record<string, { readonly get: string; readonly list: string; readonly filter: (record: any) => Record<string, unknown> }> = {
  vendors: { get: "catalog.getVendor", list: "catalog.listVendors", filter: () => ({}) },
  catalog_items: { get: "catalog.getCatalogItem", list: "catalog.listCatalogItems", filter: (r) => ({ kind: r.kind }) },
  supplier_products: { get: "catalog.getSupplierProduct", list: "catalog.listSupplierProducts", filter: (r) => ({ supplierId: r.supplierId }) },
  purchase_requests: { get: "requisition.getRequest", list: "requisition.listRequests", filter: (r) => ({ requesterId: r.requesterId }) },
  purchase_orders: { get: "purchasing.getPurchaseOrder", list: "purchasing.listPurchaseOrders", filter: (r) => ({ vendorId: r.vendorId }) },
  purchase_order_revisions: {
    get: "purchasing.getPurchaseOrderRevision",
    list: "purchasing.listPurchaseOrderRevisions",
    filter: (r) => ({ purchaseOrderId: r.purchaseOrderId })
  },
  receipts: { get: "receiving.getReceipt", list: "receiving.listReceipts", filter: (r) => ({ purchaseOrderId: r.purchaseOrderId }) },
  vendor_returns: { get: "receiving.getVendorReturn", list: "receiving.listVendorReturns", filter: (r) => ({ vendorId: r.vendorId }) },
  shipments: { get: "shipping.getShipment", list: "shipping.listShipments", filter: (r) => ({ purchaseOrderId: r.purchaseOrderId }) },
  assets: { get: "assets.getAsset", list: "assets.listAssets", filter: (r) => ({ catalogItemId: r.catalogItemId }) },
  asset_history: { get: "assets.getAssetHistoryEntry", list: "assets.assetHistory", filter: (r) => ({ assetId: r.assetId }) },
  fixed_assets: { get: "fixedAssets.getFixedAsset", list: "fixedAssets.listFixedAssets", filter: (r) => ({ purchaseOrderId: r.purchaseOrderId }) },
  entitlements: { get: "licensing.getEntitlement", list: "licensing.listEntitlements", filter: (r) => ({ catalogItemId: r.catalogItemId }) },
  seat_assignments: { get: "licensing.getSeatAssignment", list: "licensing.listSeatAssignments", filter: (r) => ({ entitlementId: r.entitlementId }) },
  invoices: { get: "invoicing.getInvoice", list: "invoicing.listInvoices", filter: (r) => ({ purchaseOrderId: r.purchaseOrderId }) },
  stock_records: { get: "stock.getStockRecord", list: "stock.listStock", filter: (r) => ({ catalogItemId: r.catalogItemId }) },
  stock_movements: { get: "stock.getMovement", list: "stock.listMovements", filter: (r) => ({ stockRecordId: r.stockRecordId }) }
}

/**
 * A tenant with at least one record in every core collection: a catalog with a supplier product,
 * a submitted order of laptops, mice and software (revised once), a shipment, a receipt, a return
 * to the vendor, an invoice, a seat assigned, and a capitalised service received.
 */
const everyKind = Effect.gen(function*() {
  const team = Fixtures.team(freshTenant())
  const catalog = yield* Catalog.Catalog
  const purchasing = yield* Purchasing.Purchasing
  const shipping = yield* Shipping.Shipping
  const receiving = yield* Receiving.Receiving
  const returns = yield* Returns.Returns
  const invoicing = yield* Invoicing.Invoicing
  const licensing = yield* Licensing.Licensing
  const { vendor, laptop, mouse } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
  const item = (sku: string, name: string, kind: Catalog.ItemKind, unitCost: number, capitalisable = false) =>
    Principal.runAs(catalog.createCatalogItem({ sku, name, kind, capitalisable, approvedVendors: [{ vendorId: vendor.id, unitCost: eur(unitCost) }] }), team.buyer)
  const office = yield* item("OFFICE-1", "Office suite", "software", 9_900)
  const install = yield* item("INSTALL-1", "Data centre installation", "service", 250_000, true)
  yield* Principal.runAs(catalog.createSupplierProduct({ catalogItemId: laptop.id, supplierId: vendor.id, unitCost: eur(119_000) }), team.buyer)

  const order = yield* Fixtures.buy(team, [
    { catalogItemId: laptop.id, quantity: 2 },
    { catalogItemId: mouse.id, quantity: 5 },
    { catalogItemId: office.id, quantity: 3 }
  ])
  yield* Principal.runAs(purchasing.revisePurchaseOrder({ purchaseOrderId: order.id, reason: "one mouse more", lines: [{ lineNo: 2, quantity: 6 }] }), team.buyer)
  yield* Principal.runAs(
    shipping.createShipment({
      purchaseOrderId: order.id,
      carrier: "DHL",
      trackingNumber: "JD0001",
      shipDate: "2026-11-20",
      destinationLocationId: "HQ",
      destinationStorageSpace: "Dock 1",
      lines: [{ lineNo: 1, quantity: 1, serialNumbers: ["SN-2"] }]
    }),
    team.storekeeper
  )
  const receipt = yield* Principal.runAs(
    receiving.receivePurchaseOrder({
      purchaseOrderId: order.id,
      locationId: "HQ",
      storageSpace: "Dock 1",
      lines: [{ lineNo: 1, serialNumbers: ["SN-1"] }, { lineNo: 2, quantity: 5 }]
    }),
    team.storekeeper
  )
  yield* Principal.runAs(
    returns.returnToVendor({ purchaseOrderId: order.id, reason: "dead on arrival", rmaNumber: "RMA-1", lines: [{ lineNo: 1, assetIds: [receipt.lines[0]!.assetIds[0]!] }] }),
    team.storekeeper
  )
  yield* Principal.runAs(
    invoicing.recordInvoice({ purchaseOrderId: order.id, number: "INV-1", invoiceDate: "2026-11-22", lines: [{ lineNo: 2, quantity: 5, unitCost: eur(5_000) }] }),
    team.buyer
  )
  const [entitlement] = (yield* Principal.runAs(licensing.listEntitlements({ purchaseOrderId: order.id }), team.assetManager)).items
  yield* Principal.runAs(licensing.assignSeat({ entitlementId: entitlement!.id, assignee: { kind: "user", id: "emp-1" } }), team.assetManager)

  const service = yield* Fixtures.buy(team, [{ catalogItemId: install.id, quantity: 1 }], { channel: "shopping_hub" })
  yield* Principal.runAs(
    receiving.receivePurchaseOrder({ purchaseOrderId: service.id, locationId: "HQ", storageSpace: "Dock 1", lines: [{ lineNo: 1, quantity: 1 }] }),
    team.storekeeper
  )
  return team
})

/** One stored record of a collection, read straight from storage as the tenant's admin. */
const anyRecord = (team: Fixtures.Team, collection: Storage.Collection<any>) =>
  Principal.runAs(Effect.flatMap(Storage.Storage, (storage) => storage.find(collection, { limit: 1 })), team.admin).pipe(
    Effect.map((page) => {
      assert.strictEqual(page.items.length, 1, `the scenario stores a record in ${collection.name}`)
      return page.items[0]! as { readonly id: string; readonly version: number }
    })
  )

/**
 * Registers the scenarios for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  const procura = Procura.layer.pipe(Layer.provideMerge(EventContract.checked(storageLayer)))

  describe(`host read scenarios: ${name}`, () => {
    layer(procura, { timeout: "120 seconds", excludeTestServices: true })((it) => {
      it.effect("lists requests by status, by requester and waiting for the caller's decision, a page at a time", () =>
        Effect.gen(function*() {
          const tenantId = freshTenant()
          const team = Fixtures.team(tenantId)
          const uma = Fixtures.principal(tenantId, "uma.approver")
          const dee = Fixtures.principal(tenantId, "dee.deputy")
          const requisition = yield* Requisition.Requisition
          const { laptop } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
          const raise = (who: Principal.Principal, costCenter?: string) =>
            Effect.gen(function*() {
              yield* Effect.sleep("3 millis") // apart in time: newest first is a strict order
              return yield* Principal.runAs(
                requisition.createRequest({ lines: [{ catalogItemId: laptop.id, quantity: 1 }], ...(costCenter !== undefined ? { costCenter } : {}) }),
                who
              ).pipe(Effect.provideService(ApprovalPolicy.ApprovalPolicy, policy))
            })
          const r1 = yield* raise(team.requester) // a procurement manager decides
          const r2 = yield* raise(team.requester, "NAMED") // uma.approver decides
          const r3 = yield* raise(team.requester, "TWO") // an asset manager, then a procurement manager
          const r4 = yield* raise(team.assetManager) // a procurement manager decides
          const r5 = yield* raise(team.buyer) // a procurement manager decides, but not its requester
          const ids = new Map([[r1.id, "r1"], [r2.id, "r2"], [r3.id, "r3"], [r4.id, "r4"], [r5.id, "r5"]])
          const names = (page: { readonly items: ReadonlyArray<{ readonly id: string }> }) => page.items.map((r) => ids.get(r.id) ?? r.id)
          const list = (who: Principal.Principal, input: Requisition.ListRequestsInput = {}) =>
            Effect.map(Principal.runAs(requisition.listRequests(input), who), names)
          const waiting = (who: Principal.Principal, input: Requisition.ListRequestsInput = {}) => list(who, { ...input, awaitingMyDecision: true })

          assert.deepStrictEqual(yield* waiting(team.buyer), ["r4", "r1"], "role steps of the caller's role, newest first, never the caller's own request")
          assert.deepStrictEqual(yield* waiting(team.assetManager), ["r3"], "the first step of r3 is an asset manager's; r4 is the asset manager's own")
          assert.deepStrictEqual(yield* waiting(uma), ["r2"], "a step naming a user waits for that user only")
          assert.deepStrictEqual(yield* waiting(team.admin), ["r5", "r4", "r3", "r1"], "admin decides every role step, not a named user's")
          assert.deepStrictEqual(yield* waiting(team.storekeeper), [])
          assert.deepStrictEqual(yield* waiting(team.requester), [])
          // The list agrees with who may decide: the storekeeper may not approve r1.
          assert.strictEqual((yield* failure(Principal.runAs(requisition.approveRequest({ requestId: r1.id }), team.storekeeper)))._tag, "AccessDenied")

          // Decisions move requests between approvers' lists.
          yield* Principal.runAs(requisition.approveRequest({ requestId: r3.id }), team.assetManager)
          yield* Principal.runAs(requisition.delegateApproval({ requestId: r1.id, deputyId: dee.userId }), team.buyer)
          yield* Principal.runAs(requisition.rejectRequest({ requestId: r2.id, reason: "not this quarter" }), uma)
          yield* Principal.runAs(requisition.approveRequest({ requestId: r4.id }), team.buyer)
          assert.deepStrictEqual(yield* waiting(team.buyer), ["r3"], "r3's second step is a procurement manager's; r1 went to the deputy")
          assert.deepStrictEqual(yield* waiting(team.assetManager), [])
          assert.deepStrictEqual(yield* waiting(dee), ["r1"], "a delegated step waits for the deputy")
          assert.deepStrictEqual(yield* waiting(uma), [])
          assert.deepStrictEqual(yield* waiting(team.admin), ["r5", "r3"], "a delegated step is the deputy's alone")
          assert.deepStrictEqual(yield* waiting(team.buyer, { requesterId: team.requester.userId }), ["r3"], "the filters combine")
          assert.deepStrictEqual(yield* waiting(dee, { status: "approved" }), [])

          assert.deepStrictEqual(yield* list(team.requester, { status: "pending_approval" }), ["r5", "r3", "r1"])
          assert.deepStrictEqual(yield* list(team.requester, { status: "rejected" }), ["r2"])
          assert.deepStrictEqual(yield* list(team.requester, { status: "approved" }), ["r4"])
          assert.deepStrictEqual(yield* list(team.requester, { requesterId: team.requester.userId }), ["r3", "r2", "r1"])
          assert.deepStrictEqual(yield* list(team.requester, { requesterId: team.assetManager.userId }), ["r4"])
          assert.deepStrictEqual(yield* list(team.requester, { requesterId: team.requester.userId, status: "pending_approval" }), ["r3", "r1"])

          // Pages: newest first, the cursor leading to the next page, none after the last.
          const first = yield* Principal.runAs(requisition.listRequests({ limit: 2 }), team.buyer)
          assert.deepStrictEqual(names(first), ["r5", "r4"])
          assert.isString(first.cursor)
          const second = yield* Principal.runAs(requisition.listRequests({ limit: 2, cursor: first.cursor! }), team.buyer)
          assert.deepStrictEqual(names(second), ["r3", "r2"])
          const third = yield* Principal.runAs(requisition.listRequests({ limit: 2, cursor: second.cursor! }), team.buyer)
          assert.deepStrictEqual(names(third), ["r1"])
          assert.isUndefined(third.cursor, "no cursor after the last page")
          const waitingPage = yield* Principal.runAs(requisition.listRequests({ awaitingMyDecision: true, limit: 1 }), team.admin)
          const waitingRest = yield* Principal.runAs(requisition.listRequests({ awaitingMyDecision: true, limit: 1, cursor: waitingPage.cursor! }), team.admin)
          assert.deepStrictEqual([...names(waitingPage), ...names(waitingRest)], ["r5", "r3"])
          assert.isUndefined(waitingRest.cursor)

          // Another tenant sees none of it; a host's matrix can keep requests from a role.
          const outsider = Fixtures.team(freshTenant())
          assert.deepStrictEqual(yield* list(outsider.buyer), [])
          assert.deepStrictEqual(yield* waiting(outsider.admin), [])
          const restricted = { ...Access.defaultMatrix, "request.read": ["procurement_manager"] }
          const denied = yield* failure(Principal.runAs(requisition.listRequests({}), team.requester).pipe(Effect.provideService(Access.PermissionMatrix, restricted)))
          assert.strictEqual((denied as Errors.AccessDenied)._tag, "AccessDenied")
          assert.strictEqual((denied as Errors.AccessDenied).permission, "request.read")

          // Once decided, the last waiting request leaves the list.
          yield* Principal.runAs(requisition.approveRequest({ requestId: r3.id }), team.buyer)
          assert.deepStrictEqual(yield* waiting(team.buyer), [])
        }))

      it.effect("every collection has a get ({ id }) and a paged list, scoped to the caller's tenant and permission", () =>
        Effect.gen(function*() {
          assert.deepStrictEqual(
            Procura.collections.map((c) => c.name).toSorted(),
            Object.keys(reads).toSorted(),
            "every core collection has a get and a list operation (add the new one to `reads`)"
          )
          const team = yield* everyKind
          const outsider = Fixtures.team(freshTenant())
          const visitor = Fixtures.principal(team.admin.tenantId, "vic.visitor", "visitor")
          for (const collection of Procura.collections) {
            const { get, list, filter } = reads[collection.name]!
            const record = yield* anyRecord(team, collection)
            for (const id of [get, list]) {
              const operation = Procura.catalogue.get(id)!
              assert.strictEqual(operation.kind, "query", `${id} is a query`)
            }

            // get: the record by its id, in the caller's tenant only.
            const got = yield* call(get, { id: record.id }, team.admin)
            if (collection.name === "entitlements") assert.deepStrictEqual([got.id, got.version], [record.id, record.version], get)
            else assert.deepStrictEqual(got, record, get)
            for (const [id, who] of [["no-such-id", team.admin], [record.id, outsider.admin]] as const) {
              const error = yield* failure(call(get, { id }, who))
              assert.instanceOf(error, Errors.NotFound, `${get} of ${id} as ${who.tenantId}`)
              assert.strictEqual((error as Errors.NotFound).id, id)
            }
            const misnamed = yield* failure(call(get, { [`${collection.name}Id`]: record.id }, team.admin))
            assert.strictEqual((misnamed as { _tag: string })._tag, "ValidationError", `${get} takes { id }`)

            // list: finds the record, pages with limit and cursor, shows nothing of another tenant.
            const page = yield* call(list, { ...filter(record), limit: 1000 }, team.admin)
            assert.include(page.items.map((r: { id: string }) => r.id), record.id, `${list} finds the record`)
            const one = yield* call(list, { ...filter(record), limit: 1 }, team.admin)
            assert.isAtMost(one.items.length, 1, `${list} takes a limit`)
            if (page.items.length > 1) {
              assert.isString(one.cursor, `${list} gives a cursor when more may follow`)
              const next = yield* call(list, { ...filter(record), limit: 1, cursor: one.cursor }, team.admin)
              assert.deepStrictEqual(next.items.map((r: { id: string }) => r.id), [page.items[1]!.id], `${list} reads the next page with the cursor`)
            } else {
              assert.isUndefined(one.cursor, `${list} gives no cursor after the last page`)
            }
            const elsewhere = yield* Effect.exit(call(list, filter(record), outsider.admin))
            if (Exit.isSuccess(elsewhere)) {
              assert.notInclude(elsewhere.value.items.map((r: { id: string }) => r.id), record.id, `${list} shows nothing of another tenant`)
            } else {
              assert.instanceOf(Fixtures.failureOf(elsewhere), Errors.NotFound, `${list} of another tenant's parent`)
            }

            // Without the read permission: AccessDenied, for the get and the list.
            const operation = Procura.catalogue.get(get)!
            assert.strictEqual(Procura.catalogue.get(list)!.permission, operation.permission, `${get} and ${list} need the same permission`)
            if (!Access.defaultMatrix[operation.permission as Access.Permission].includes("*")) {
              for (const id of [get, list]) {
                const denied = yield* failure(call(id, id === get ? { id: record.id } : filter(record), visitor))
                assert.instanceOf(denied, Errors.AccessDenied, `${id} as a role without ${operation.permission}`)
                assert.strictEqual((denied as Errors.AccessDenied).permission, operation.permission)
              }
            }
          }

          // Seed 002's requester reads the catalog and requests, not the orders and what follows them.
          const order = yield* anyRecord(team, Purchasing.purchaseOrders)
          const denied = yield* failure(call("purchasing.getPurchaseOrder", { id: order.id }, team.requester))
          assert.instanceOf(denied, Errors.AccessDenied)
          assert.strictEqual((denied as Errors.AccessDenied).permission, "purchase_order.read")
          const vendor = yield* anyRecord(team, Catalog.vendors)
          assert.strictEqual((yield* call("catalog.getVendor", { id: vendor.id }, team.requester)).id, vendor.id)
        }))
    })
  })
}
