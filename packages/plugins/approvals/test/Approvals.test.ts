import { assert, describe, it } from "@effect/vitest"
import { Catalog, Plugin, Principal, Procura, Requisition, Storage } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { approvals } from "@procura/plugin-approvals"
import { MemoryStorage } from "@procura/storage-memory"
import { Fixtures } from "@procura/testkit"
import { Effect, Layer } from "effect"

const tenant = "approvals-test"
const team = Fixtures.team(tenant)
const mia = Fixtures.principal(tenant, "mia.manager", "requester")
const deputy = Fixtures.principal(tenant, "dan.deputy", "requester")
const finance = Fixtures.principal(tenant, "fin.controller", "finance_controller")
const cio = Fixtures.principal(tenant, "cio", "cio")

/** Manager always; finance above 10,000 EUR; the CIO above 100,000 EUR; R&D's head for CC-RND. */
const tieredPolicy = {
  managers: { "rae.requester": "mia.manager" },
  policy: {
    hitPolicy: "collect",
    rows: [
      { id: "line-manager", description: "Every request goes to the requester's manager", then: { level: 1, approver: { kind: "manager" }, label: "Line manager" } },
      { id: "finance", when: { currency: "EUR", amount: { gt: 10000 } }, then: { level: 2, approver: { kind: "role", role: "finance_controller" }, label: "Finance" } },
      { id: "cio", when: { amount: { gt: 100000 } }, then: { level: 3, approver: { kind: "role", role: "cio" }, label: "CIO" } },
      { id: "rnd", when: { costCenter: "CC-RND" }, then: { level: 2, approver: { kind: "user", userId: "rnd.head" }, label: "Head of R&D" } }
    ]
  }
}

const failureOf = Fixtures.failureOf

const procuraWith = (config: unknown) =>
  Procura.layerWith({ plugins: [Plugin.enable(approvals, config)] }).pipe(Layer.provideMerge(MemoryStorage.layer()))

/** A laptop at 1,200 EUR: quantities pick the amount (9 = 10,800 EUR). */
const withLaptop = <A, E, R>(body: (laptopId: string) => Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const { laptop } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
    return yield* body(laptop.id)
  })

const request = (laptopId: string, quantity: number, extra: { costCenter?: string } = {}) =>
  Effect.flatMap(Requisition.Requisition, (r) =>
    Principal.runAs(r.createRequest({ lines: [{ catalogItemId: laptopId, quantity }], ...extra }), team.requester))

const approve = (requestId: string, who: Principal.Principal, comment?: string) =>
  Effect.flatMap(Requisition.Requisition, (r) =>
    Principal.runAs(r.approveRequest({ requestId, ...(comment ? { comment } : {}) }), who))

describe("approvals plugin", () => {
  it.live("plans the manager alone under 10,000 EUR, then manager and finance above", () =>
    withLaptop((laptopId) =>
      Effect.gen(function*() {
        const small = yield* request(laptopId, 2)
        assert.deepStrictEqual(small.approval.steps.map((s) => [s.label, s.status]), [["Line manager (mia.manager)", "pending"]])
        assert.deepStrictEqual(small.approval.steps[0]!.approver, { kind: "user", userId: "mia.manager" })

        const large = yield* request(laptopId, 9)
        assert.deepStrictEqual(large.approval.steps.map((s) => [s.label, s.status, s.reason]), [
          ["Line manager (mia.manager)", "pending", "rule line-manager: Every request goes to the requester's manager"],
          ["Finance", "waiting", "rule finance"]
        ])
        assert.deepStrictEqual((large.approval.explanation as { matched: ReadonlyArray<{ id: string }> }).matched.map((m) => m.id), ["line-manager", "finance"])

        // Steps run in sequence: finance cannot decide before the manager.
        const early = failureOf(yield* Effect.exit(approve(large.id, finance)))
        assert.strictEqual(early._tag, "AccessDenied")
        assert.include(early.message, "Step 1 of 2")
        const afterManager = yield* approve(large.id, mia, "fine by me")
        assert.strictEqual(afterManager.status, "pending_approval")
        assert.deepStrictEqual(afterManager.approval.steps.map((s) => s.status), ["approved", "pending"])
        const done = yield* approve(large.id, finance)
        assert.strictEqual(done.status, "approved")
        assert.deepStrictEqual(done.history.map((h) => [h.action, h.by, h.step ?? null]), [
          ["submitted", "rae.requester", null],
          ["approved", "mia.manager", 1],
          ["approved", "fin.controller", 2]
        ])
      })
    ).pipe(Effect.provide(procuraWith(tieredPolicy))))

  it.live("adds the CIO above 100,000 EUR and a named user for a cost center, ordered by level", () =>
    withLaptop((laptopId) =>
      Effect.gen(function*() {
        const huge = yield* request(laptopId, 90, { costCenter: "CC-RND" })
        assert.deepStrictEqual(huge.approval.steps.map((s) => s.label), ["Line manager (mia.manager)", "Finance", "Head of R&D", "CIO"])
        const rnd = Fixtures.principal(tenant, "rnd.head", "requester")
        let current = yield* approve(huge.id, mia)
        current = yield* approve(current.id, finance)
        const wrongUser = failureOf(yield* Effect.exit(approve(current.id, cio)))
        assert.include(wrongUser.message, "awaits rnd.head")
        current = yield* approve(current.id, rnd)
        current = yield* approve(current.id, cio)
        assert.strictEqual(current.status, "approved")
      })
    ).pipe(Effect.provide(procuraWith(tieredPolicy))))

  it.live("rejects with a reason, and a revised request is resubmitted with a fresh chain", () =>
    withLaptop((laptopId) =>
      Effect.gen(function*() {
        const requisition = yield* Requisition.Requisition
        const large = yield* request(laptopId, 9)
        yield* approve(large.id, mia)
        const noReason = failureOf(yield* Effect.exit(Principal.runAs(requisition.rejectRequest({ requestId: large.id, reason: "" }), finance)))
        assert.strictEqual(noReason._tag, "ValidationError")
        assert.include(noReason.message, "say why")
        const rejected = yield* Principal.runAs(requisition.rejectRequest({ requestId: large.id, reason: "Buy 8 at most this quarter" }), finance)
        assert.strictEqual(rejected.status, "rejected")
        assert.deepStrictEqual(rejected.approval.steps.map((s) => [s.status, s.comment ?? null]), [["approved", null], ["rejected", "Buy 8 at most this quarter"]])
        const tooLate = failureOf(yield* Effect.exit(approve(large.id, finance)))
        assert.strictEqual((tooLate as Requisition.RequisitionError).reason, "InvalidState")

        const notMine = failureOf(yield* Effect.exit(Principal.runAs(requisition.reviseRequest({ requestId: large.id }), team.buyer)))
        assert.strictEqual(notMine._tag, "AccessDenied")
        const revised = yield* Principal.runAs(
          requisition.reviseRequest({ requestId: large.id, lines: [{ catalogItemId: laptopId, quantity: 8 }], comment: "Down to 8" }),
          team.requester
        )
        assert.strictEqual(revised.status, "pending_approval")
        assert.strictEqual(revised.revision, 2)
        assert.strictEqual(revised.total.amount, 8 * 120_000)
        assert.deepStrictEqual(revised.approval.steps.map((s) => s.label), ["Line manager (mia.manager)"], "under 10,000 EUR: no finance step")
        assert.deepStrictEqual(revised.history.map((h) => [h.action, h.revision]), [
          ["submitted", 1],
          ["approved", 1],
          ["rejected", 1],
          ["resubmitted", 2]
        ])
        const approved = yield* approve(revised.id, mia)
        assert.strictEqual(approved.status, "approved")
      })
    ).pipe(Effect.provide(procuraWith(tieredPolicy))))

  it.live("delegates a step to a named deputy, who decides in the approver's place", () =>
    withLaptop((laptopId) =>
      Effect.gen(function*() {
        const requisition = yield* Requisition.Requisition
        const small = yield* request(laptopId, 1)
        const toSelf = failureOf(yield* Effect.exit(Principal.runAs(requisition.delegateApproval({ requestId: small.id, deputyId: "rae.requester" }), mia)))
        assert.strictEqual((toSelf as Requisition.RequisitionError).reason, "SelfApproval")
        const notYours = failureOf(yield* Effect.exit(Principal.runAs(requisition.delegateApproval({ requestId: small.id, deputyId: "dan.deputy" }), finance)))
        assert.strictEqual(notYours._tag, "AccessDenied")
        const delegated = yield* Principal.runAs(
          requisition.delegateApproval({ requestId: small.id, deputyId: "dan.deputy", comment: "On leave until Monday" }),
          mia
        )
        assert.strictEqual(delegated.approval.steps[0]!.delegatedTo, "dan.deputy")
        const original = failureOf(yield* Effect.exit(approve(small.id, mia)))
        assert.include(original.message, "dan.deputy (deputy)")
        const approved = yield* approve(small.id, deputy, "Approved for Mia")
        assert.strictEqual(approved.status, "approved")
        assert.deepStrictEqual(approved.history.map((h) => [h.action, h.by, h.delegatedTo ?? null]), [
          ["submitted", "rae.requester", null],
          ["delegated", "mia.manager", "dan.deputy"],
          ["approved", "dan.deputy", null]
        ])
      })
    ).pipe(Effect.provide(procuraWith(tieredPolicy))))

  it.live("needs no approval when no row matches and the table has no default, and uses the default otherwise", () =>
    Effect.gen(function*() {
      const onlyLarge = { policy: { rows: [{ id: "finance", when: { amount: { gt: 10000 } }, then: { approver: { kind: "role", role: "finance_controller" } } }] } }
      const auto = yield* withLaptop((laptopId) => request(laptopId, 1)).pipe(Effect.provide(procuraWith(onlyLarge)))
      assert.strictEqual(auto.status, "approved")
      assert.strictEqual(auto.approval.steps.length, 0)
      const withDefault = { ...onlyLarge, policy: { ...onlyLarge.policy, default: { approver: { kind: "role", role: "procurement_manager" }, label: "Procurement" } } }
      const fallback = yield* withLaptop((laptopId) => request(laptopId, 1)).pipe(Effect.provide(procuraWith(withDefault)))
      assert.deepStrictEqual(fallback.approval.steps.map((s) => [s.label, s.reason]), [["Procurement", "the policy's default"]])
    }))

  it.live("refuses a request whose manager is unknown, writing nothing", () =>
    withLaptop((laptopId) =>
      Effect.gen(function*() {
        const requisition = yield* Requisition.Requisition
        const stranger = Fixtures.principal(tenant, "new.hire", "requester")
        const refused = failureOf(yield* Effect.exit(Principal.runAs(requisition.createRequest({ lines: [{ catalogItemId: laptopId, quantity: 1 }] }), stranger)))
        assert.strictEqual((refused as Requisition.RequisitionError).reason, "NoApprover")
        assert.include(refused.message, "manager of new.hire")
        const storage = yield* Storage.Storage
        const stored = yield* Principal.runAs(storage.find(Requisition.purchaseRequests, { where: { requesterId: "new.hire" } }), team.admin)
        assert.strictEqual(stored.items.length, 0)
      })
    ).pipe(Effect.provide(procuraWith(tieredPolicy))))

  it.live("compares amounts in the major units of the request's currency: JPY has no decimals, KWD three", () =>
    Effect.gen(function*() {
      const catalog = yield* Catalog.Catalog
      const priced = (sku: string, amount: number, currency: string) =>
        Effect.gen(function*() {
          const vendor = yield* catalog.createVendor({ code: `V-${sku}`, name: `Vendor of ${sku}` })
          return yield* catalog.createCatalogItem({
            sku,
            name: sku,
            kind: "hardware",
            approvedVendors: [{ vendorId: vendor.id, unitCost: { amount, currency } }]
          })
        })
      // 150,000 JPY (150000 minor units) and 250.000 KWD (250000 minor units).
      const { yen, dinar } = yield* Principal.runAs(
        Effect.all({ yen: priced("LAP-JP", 150_000, "JPY"), dinar: priced("LAP-KW", 250_000, "KWD") }),
        team.buyer
      )
      const finance = (r: Requisition.PurchaseRequest) => r.approval.steps.some((s) => s.label.startsWith("Finance"))
      // Above 100,000 JPY: finance; a "/ 100" would have seen 1,500.
      assert.isTrue(finance(yield* request(yen.id, 1)))
      // Below 1,000 KWD: no finance; a "/ 100" would have seen 2,500.
      assert.isFalse(finance(yield* request(dinar.id, 1)))
      assert.isTrue(finance(yield* request(dinar.id, 5)))
    }).pipe(Effect.provide(procuraWith({
      policy: {
        hitPolicy: "collect",
        rows: [
          { id: "manager", then: { level: 1, approver: { kind: "role", role: "procurement_manager" }, label: "Procurement" } },
          { id: "finance-jpy", when: { currency: "JPY", amount: { gt: 100000 } }, then: { level: 2, approver: { kind: "role", role: "finance_controller" }, label: "Finance" } },
          { id: "finance-kwd", when: { currency: "KWD", amount: { gt: 1000 } }, then: { level: 2, approver: { kind: "role", role: "finance_controller" }, label: "Finance" } }
        ]
      }
    }))))

  it.live("fails a unique policy that matches two rows with an error naming both", () =>
    withLaptop((laptopId) =>
      Effect.gen(function*() {
        const refused = failureOf(yield* Effect.exit(request(laptopId, 9)))
        assert.strictEqual(refused._tag, "ApprovalPolicyError")
        assert.include(refused.message, "over-5k")
        assert.include(refused.message, "eur")
      })
    ).pipe(Effect.provide(procuraWith({
      policy: {
        hitPolicy: "unique",
        rows: [
          { id: "over-5k", when: { amount: { gt: 5000 } }, then: { approver: { kind: "role", role: "finance_controller" } } },
          { id: "eur", when: { currency: "EUR" }, then: { approver: { kind: "role", role: "procurement_manager" } } }
        ]
      }
    }))))

  it("refuses a malformed policy at start, naming the path, the value and what was expected", () => {
    const bad = (config: unknown) =>
      Effect.runSyncExit(Plugin.compose([Plugin.enable(approvals, config)])).pipe((exit) => failureOf(exit) as Plugin.PluginError)
    const wrongType = bad({ policy: { rows: [{ when: { amount: { gte: "ten" } }, then: { approver: { kind: "manager" } } }] } })
    assert.strictEqual(wrongType.reason, "InvalidConfig")
    assert.include(wrongType.message, "plugins.approvals.policy.rows.0.when.amount.gte")
    const unknownColumn = bad({ policy: { rows: [{ when: { colour: "red" }, then: { approver: { kind: "manager" } } }] } })
    assert.include(unknownColumn.message, "colour")
    assert.include(unknownColumn.message, "amount")
    const badApprover = bad({ policy: { rows: [{ then: { approver: { kind: "robot" } } }] } })
    assert.include(badApprover.message, "plugins.approvals.policy.rows.0.then.approver.kind")
    const ownColumns = bad({ policy: { inputs: [], rows: [] } })
    assert.include(ownColumns.message, "the columns of this table are fixed")
  })

  it("refuses unknown keys in the configuration, its steps and their approvers, naming the nearest", () => {
    const exit = Effect.runSyncExit(Plugin.compose([Plugin.enable(approvals, {
      policy: { rows: [{ then: { levl: 2, approver: { kind: "role", role: "cio", rol: "x" } } }] },
      manager: { "rae.requester": "mia.manager" }
    })]))
    const error = failureOf(exit) as Plugin.PluginError
    assert.deepStrictEqual(error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`), [
      `plugins.approvals.policy.rows.0.then.approver.rol: unknown key; did you mean "role"?`,
      `plugins.approvals.policy.rows.0.then.levl: unknown key; did you mean "level"?`,
      `plugins.approvals.manager: unknown key; did you mean "managers"?`
    ])
  })

  it("makes the roles its policy names as approvers known roles", async () => {
    const composition = Effect.runSync(Plugin.compose([Plugin.enable(approvals, tieredPolicy)]))
    assert.deepStrictEqual(composition.roles, ["finance_controller", "cio"])
    // A default principal may carry them; without the plugin, finance_controller is unknown.
    const procura = createProcura({ storage: MemoryStorage.layer(), principal: finance, plugins: [Plugin.enable(approvals, tieredPolicy)] })
    await procura.dispose()
    assert.throws(() => createProcura({ storage: MemoryStorage.layer(), principal: finance }), /unknown role "finance_controller"/)
  })

  it("exports its configuration schema as JSON Schema", () => {
    const schema = Plugin.configJsonSchema(approvals) as { properties: Record<string, { description?: string }> }
    assert.include(Object.keys(schema.properties), "policy")
    assert.include(schema.properties["managers"]!.description!, "manager")
  })

  it("holds the approval policy: two policy plugins cannot both be enabled", () => {
    const copy = Plugin.make({ ...approvals, id: "approvals-copy" })
    const exit = Effect.runSyncExit(Plugin.compose([
      Plugin.enable(approvals, { policy: { rows: [] } }),
      Plugin.enable(copy, { policy: { rows: [] } })
    ]))
    assert.include(failureOf(exit).message, `both claim the responsibility "approval-policy"`)
  })

  it.live("keeps seed 002's single approver when the plugin is not enabled", () =>
    withLaptop((laptopId) =>
      Effect.gen(function*() {
        const created = yield* request(laptopId, 9)
        assert.deepStrictEqual(created.approval.steps.map((s) => s.approver), [{ kind: "role", role: "procurement_manager" }])
        const catalog = yield* Catalog.Catalog
        assert.isDefined(catalog)
      })
    ).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(MemoryStorage.layer())))))
})
