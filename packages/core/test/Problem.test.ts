// Hosts map every failure to a stable code, a suggested HTTP status and RFC 9457 problem details.
import { assert, describe, it } from "@effect/vitest"
import * as Core from "@procura/core"
import { Errors, type Operation, Problem, type Procura, Receiving, Storage } from "@procura/core"
import * as PromiseFace from "@procura/core/promise"
import { AccessDenied, createProcura, MissingPrincipal, NotFound, ReceivingError, UnknownOperation, ValidationError } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { ErrorFamilies } from "@procura/testkit"
import { Data, Redacted } from "effect"

// Compile-time: every error an operation of the catalogue can fail with has a core family. A new
// family on an operation fails to compile here until Problem.families declares its status.
// (An operation whose error type is `unknown` contributes nothing; the runtime test below covers
// its families through the exported classes.)
type Every<T> = T[keyof T]
type TagsOf<E> = unknown extends E ? never : E extends { readonly _tag: infer T extends string } ? T : never
type OperationErrorTag = Every<
  { [M in keyof Procura.Operations]: Every<{ [K in keyof Procura.Operations[M]]: TagsOf<Operation.Error<Procura.Operations[M][K]>> }> }
>
export const everyOperationErrorIsDeclared: { readonly [T in OperationErrorTag]: Problem.Family<T> } = Problem.families
// The check above is not vacuous: it sees the families of the operations.
export const operationErrorTagsSeen: ReadonlyArray<OperationErrorTag> = ["ReceivingError", "TemplatesMissing", "StorageError", "AccessDenied"]

class LocalError extends Data.TaggedError("LocalError")<{
  readonly reason: "Busy" | "Gone"
  readonly message: string
  readonly status: number
  readonly type: string
  readonly orderId: string
}> {}

const localFamily = Problem.family<LocalError>({
  tag: "LocalError",
  title: "Local refusal",
  reasons: { Busy: 409, Gone: 404 },
  rename: { status: "upstreamStatus" }
})

describe("Problem", () => {
  it("declares a status for every error class @procura/core and @procura/core/promise export", () => {
    const found = ErrorFamilies.errorClasses({ ...Core, promise: PromiseFace })
    const tags = new Set(found.map((error) => error.tag))
    // The walk finds the families it should (a walk that finds nothing would pass vacuously).
    for (const tag of ["ReceivingError", "StorageError", "ValidationError", "MissingPrincipal", "UnknownOperation", "TemplatesMissing"]) {
      assert.isTrue(tags.has(tag), `${tag} was not found among the exports`)
    }
    assert.deepStrictEqual(ErrorFamilies.undeclared({ ...Core, promise: PromiseFace }), [])
    // Every declared family is exported from the Promise face, for instanceof checks.
    const promiseTags = new Set(ErrorFamilies.errorClasses(PromiseFace).map((error) => error.tag))
    assert.deepStrictEqual(Object.keys(Problem.families).filter((tag) => !promiseTags.has(tag)), [])
  })

  it("gives every declared code a deliberate client or server status, never the 500 fallback", () => {
    const codes = Problem.codes()
    assert.isAbove(codes.length, 80)
    for (const c of codes) {
      assert.notStrictEqual(c.status, 500, `${c.code} has no deliberate status`)
      assert.match(c.code, /^[A-Z][A-Za-z]+(\/[A-Z][A-Za-z]+)?$/)
    }
    assert.strictEqual(new Set(codes.map((c) => c.code)).size, codes.length)
  })

  it("derives the code from the tag and the reason", () => {
    const overReceipt = new Receiving.ReceivingError({ reason: "OverReceipt", message: "too many", purchaseOrderId: "po-1", lineNo: 2 })
    assert.deepStrictEqual(Problem.classify(overReceipt), {
      code: "ReceivingError/OverReceipt",
      status: 409,
      title: "Receipt refused: over receipt",
      type: "https://procura.dev/problems/receiving-error/over-receipt",
      family: "ReceivingError",
      reason: "OverReceipt",
      declared: true
    })
    assert.strictEqual(Problem.code(Errors.notFound("PurchaseOrder", "po-9")), "NotFound")
    assert.strictEqual(Problem.status(Errors.notFound("PurchaseOrder", "po-9")), 404)
    const taken = new Storage.StorageError({
      reason: new Storage.UniqueViolation({ collection: "vendors", key: ["code"], ids: ["v-1"], message: "vendors: code taken" })
    })
    assert.strictEqual(Problem.code(taken), "StorageError/UniqueViolation")
    assert.strictEqual(Problem.status(taken), 409)
    const stale = new Storage.StorageError({ reason: new Storage.StaleVersion({ ids: ["po-1"], message: "changed" }) })
    assert.strictEqual(Problem.code(stale), "StorageError/StaleVersion")
    assert.strictEqual(Problem.status(stale), 409)
    assert.strictEqual(Problem.status(new Storage.StorageError({ reason: new Storage.InvalidInput({ message: "bad cursor" }) })), 400)
    assert.strictEqual(Problem.status(new Storage.StorageError({ reason: new Storage.Unavailable({ message: "down" }) })), 503)
    assert.strictEqual(Problem.typeOf("StorageError/Unavailable", "https://acme.test/errors/"), "https://acme.test/errors/storage-error/unavailable")
  })

  it("publishes the message and the error's data, not its internals", () => {
    const error = new Receiving.ReceivingError({
      reason: "OverReceipt",
      message: "Line 2 of po-1 has 1 unit left to receive; 3 were received",
      purchaseOrderId: "po-1",
      lineNo: 2,
      serialNumbers: ["SN-1", "SN-2"]
    })
    const problem = Problem.toProblem(error, { instance: "/operations/receiving.receivePurchaseOrder" })
    assert.deepStrictEqual(problem, {
      type: "https://procura.dev/problems/receiving-error/over-receipt",
      title: "Receipt refused: over receipt",
      status: 409,
      detail: "Line 2 of po-1 has 1 unit left to receive; 3 were received",
      instance: "/operations/receiving.receivePurchaseOrder",
      code: "ReceivingError/OverReceipt",
      retryable: false,
      purchaseOrderId: "po-1",
      lineNo: 2,
      serialNumbers: ["SN-1", "SN-2"]
    })
    assert.deepStrictEqual(JSON.parse(JSON.stringify(problem)), problem)
  })

  it("leaves out causes, secrets, redacted values and other tenants' ids", () => {
    const received = {
      userName: "pat",
      password: "hunter2",
      clientSecret: "s3",
      accessToken: "t0k",
      refresh_token: "r3f",
      apiKey: "k-1",
      privateKey: "-----BEGIN",
      keyMaterial: "aa",
      licenseKeys: ["AAAA-BBBB"],
      authorization: "Bearer x",
      credentials: { user: "u" },
      secretWord: Redacted.make("hidden"),
      tenantId: "globex",
      owner: { tenantId: "acme", userId: "u-1" },
      cause: new Error("internal"),
      stack: "at x",
      nested: { error: new Error("boom"), when: new Date(Date.UTC(2026, 0, 2)), big: 12n, fn: () => 1 }
    }
    const error = Errors.invalid("catalog.createVendor", [{ path: ["auth"], message: "bad", received }])
    const withoutCaller = Problem.toProblem(error)
    const issue = (withoutCaller["issues"] as ReadonlyArray<{ readonly received: Record<string, unknown> }>)[0]!
    assert.deepStrictEqual(issue.received, {
      userName: "pat",
      owner: { userId: "u-1" },
      nested: { when: "2026-01-02T00:00:00.000Z", big: "12" }
    })
    const asAcme = Problem.toProblem(error, { tenantId: "acme" })
    const acmeIssue = (asAcme["issues"] as ReadonlyArray<{ readonly received: Record<string, unknown> }>)[0]!
    assert.deepStrictEqual(acmeIssue.received["owner"], { tenantId: "acme", userId: "u-1" }, "the caller's own tenant id stays")
    assert.notProperty(acmeIssue.received, "tenantId", "another tenant's id never appears")
    const text = JSON.stringify(asAcme)
    for (const secret of ["hunter2", "s3\"", "t0k", "r3f", "k-1", "BEGIN", "AAAA", "Bearer", "hidden", "globex", "internal", "boom"]) {
      assert.notInclude(text, secret)
    }
  })

  it("publishes a storage error's reason data: the collection, the taken key and the ids", () => {
    const error = new Storage.StorageError({
      reason: new Storage.UniqueViolation({
        collection: "vendors",
        key: ["code"],
        ids: ["v-2"],
        message: "vendors: unique key (code) is already taken",
        cause: new Error("duplicate key value violates unique constraint c_vendors_u_1234")
      })
    })
    assert.deepStrictEqual(Problem.toProblem(error), {
      collection: "vendors",
      key: ["code"],
      ids: ["v-2"],
      type: "https://procura.dev/problems/storage-error/unique-violation",
      title: "Storage failure: unique violation",
      status: 409,
      detail: "vendors: unique key (code) is already taken",
      code: "StorageError/UniqueViolation",
      retryable: false
    })
    const stale = Problem.toProblem(new Storage.StorageError({ reason: new Storage.StaleVersion({ ids: ["po-1"], message: "changed" }) }))
    assert.include(stale, { code: "StorageError/StaleVersion", status: 409, retryable: true })
  })

  it("says nothing of a 5xx error's internals but whether to retry", () => {
    const error = new Storage.StorageError({
      reason: new Storage.Unavailable({
        collection: "purchase_orders",
        message: "connect ECONNREFUSED 10.0.0.7:5432 (postgres://procura:pw@db)",
        cause: new Error("pw")
      })
    })
    assert.deepStrictEqual(Problem.toProblem(error), {
      type: "https://procura.dev/problems/storage-error/unavailable",
      title: "Storage failure: unavailable",
      status: 503,
      detail: "Procura is unavailable for now; retry later.",
      code: "StorageError/Unavailable",
      retryable: true
    })
  })

  it("maps defects and undeclared families to a generic 500", () => {
    for (const defect of [new Error("SELECT * FROM secrets failed"), "a string", undefined, null, 42, { message: "plain object" }]) {
      const problem = Problem.toProblem(defect)
      assert.deepStrictEqual(problem, {
        type: "https://procura.dev/problems/internal-error",
        title: "Internal error",
        status: 500,
        detail: "An unexpected error occurred; it has been reported to the host.",
        code: "InternalError"
      })
    }
    const local = new LocalError({ reason: "Busy", message: "secret internals", status: 418, type: "x", orderId: "o-1" })
    const undeclared = Problem.toProblem(local)
    assert.strictEqual(undeclared.status, 500)
    assert.strictEqual(undeclared.code, "LocalError/Busy")
    assert.notInclude(JSON.stringify(undeclared), "secret internals")
    assert.notInclude(JSON.stringify(undeclared), "o-1")
  })

  it("takes the statuses of families a plugin or connector declares, renaming fields named like problem members", () => {
    const local = new LocalError({ reason: "Busy", message: "The order is busy", status: 423, type: "upstream", orderId: "o-1" })
    const problem = Problem.toProblem(local, { families: [localFamily] })
    assert.strictEqual(problem.status, 409)
    assert.strictEqual(problem.code, "LocalError/Busy")
    assert.strictEqual(problem.detail, "The order is busy")
    assert.strictEqual(problem["upstreamStatus"], 423)
    assert.strictEqual(problem["orderId"], "o-1")
    assert.strictEqual(problem.type, "https://procura.dev/problems/local-error/busy", "a data field never overwrites a problem member")
    // A family cannot change a core family's statuses.
    const impostor: Problem.Family = { tag: "NotFound", title: "Nope", status: 410 as Problem.Status }
    assert.strictEqual(Problem.status(Errors.notFound("Asset", "a-1"), { families: [impostor] }), 404)
  })

  it("maps what the Promise face throws: instanceof works, and procura.toProblem gives the details", async () => {
    const procura = createProcura({ storage: MemoryStorage.layer(), errors: [localFamily] })
    const buyer = { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] }
    const requester = { userId: "rita", tenantId: "acme", roles: ["requester"] }
    const failure = (promise: Promise<unknown>) => promise.then(() => assert.fail("expected a failure"), (error: unknown) => error)
    try {
      const invalid = await failure(procura.catalog.createVendor({ code: "", name: "Dell" }, { principal: buyer }))
      assert.instanceOf(invalid, ValidationError)
      const invalidProblem = procura.toProblem(invalid, { tenantId: "acme" })
      assert.strictEqual(invalidProblem.status, 400)
      assert.strictEqual(invalidProblem.code, "ValidationError")
      assert.strictEqual(invalidProblem["operation"], "catalog.createVendor")
      assert.deepStrictEqual((invalidProblem["issues"] as ReadonlyArray<{ readonly path: unknown }>)[0]!.path, ["code"])

      const denied = await failure(procura.catalog.createVendor({ code: "DELL", name: "Dell" }, { principal: requester }))
      assert.instanceOf(denied, AccessDenied)
      const deniedProblem = procura.toProblem(denied, { tenantId: "acme" })
      assert.strictEqual(deniedProblem.status, 403)
      assert.strictEqual(deniedProblem["permission"], "catalog.manage")

      const missing = await failure(procura.purchasing.getPurchaseOrder({ id: "po-404" }, { principal: buyer }))
      assert.instanceOf(missing, NotFound)
      assert.include(procura.toProblem(missing), { status: 404, code: "NotFound", entity: "PurchaseOrder", id: "po-404" })

      const unknown = await failure(procura.run("catalog.createVendr", {}, { principal: buyer }))
      assert.instanceOf(unknown, UnknownOperation)
      assert.include(procura.toProblem(unknown), { status: 404, code: "UnknownOperation" })

      const anonymous = await failure(procura.catalog.listVendors({}))
      assert.instanceOf(anonymous, MissingPrincipal)
      assert.include(procura.toProblem(anonymous), { status: 401, code: "MissingPrincipal" })

      assert.strictEqual(procura.toProblem(new LocalError({ reason: "Gone", message: "gone", status: 0, type: "", orderId: "o" })).status, 404)
      assert.isTrue(new ReceivingError({ reason: "OverReceipt", message: "m", purchaseOrderId: "p" }) instanceof Receiving.ReceivingError)
    } finally {
      await procura.dispose()
    }
    // A call after dispose (a request that arrived while the host shut down): a retryable 503.
    const late = await failure(procura.catalog.listVendors({}, { principal: buyer }))
    assert.include(procura.toProblem(late), { status: 503, code: "StorageError/Unavailable", retryable: true })
    assert.include(procura.toProblem(await failure(procura.ready())), { status: 503 })
    assert.include(procura.toProblem(await failure(procura.deliverEvents())), { status: 503 })
  })
})
