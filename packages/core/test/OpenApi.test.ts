// The operations catalogue as JSON Schema and as an OpenAPI 3.1 document, checked structurally.
import { assert, describe, it } from "@effect/vitest"
import { Events, OpenApi, Operation, Plugin, Problem, Procura } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { Data, Effect, Exit } from "effect"
import { z } from "zod"

/** A plugin with a recursive input schema, an error family of its own and a permission. */
class FleetError extends Data.TaggedError("FleetError")<{ readonly reason: "VanBusy" | "Throttled"; readonly message: string }> {}

interface Stop {
  readonly stop: string
  readonly next?: ReadonlyArray<Stop> | undefined
}

const Route: z.ZodType<Stop> = z.object({
  stop: z.string(),
  get next() {
    return z.array(Route).optional()
  }
})

const RoutePlanned = Events.define("fleet.route_planned", {
  description: "A route was planned for a van.",
  aggregateType: "van",
  aggregateId: "vanId",
  payload: z.object({ vanId: z.string(), stops: z.number().int() })
})

const fleet = Plugin.make({
  id: "fleet",
  version: "1.0.0",
  description: "Vans.",
  config: z.object({}),
  errors: [Problem.family<FleetError>({ tag: "FleetError", title: "Fleet refused", reasons: { VanBusy: 409, Throttled: 429 } })],
  contribute: () => ({
    permissions: { "fleet/route.plan": { description: "Plan delivery routes", roles: ["dispatcher"] } },
    operations: {
      planRoute: Operation.make({
        id: "fleet.planRoute",
        summary: "Plan a route.",
        kind: "command",
        permission: "fleet/route.plan",
        input: z.object({ vanId: z.string().min(1), route: Route }),
        output: z.object({ vanId: z.string(), stops: z.number().int() }),
        events: [RoutePlanned],
        handler: ({ vanId }) => Effect.succeed({ vanId, stops: 1 })
      })
    }
  })
})

/** Resolves a local JSON pointer (`#/components/schemas/X`) in a document. */
const resolve = (document: unknown, ref: string): unknown => {
  assert.isTrue(ref.startsWith("#/"), `${ref} is not a local reference`)
  return ref.slice(2).split("/").map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~")).reduce<unknown>(
    (node, part) => (typeof node === "object" && node !== null && Object.hasOwn(node, part) ? (node as Record<string, unknown>)[part] : undefined),
    document
  )
}

/** Every `$ref` in a JSON value, with where it was found. */
const refs = (value: unknown, at = "#"): Array<{ readonly ref: string; readonly at: string }> => {
  if (Array.isArray(value)) return value.flatMap((item, i) => refs(item, `${at}/${i}`))
  if (typeof value !== "object" || value === null) return []
  return Object.entries(value).flatMap(([key, item]) =>
    key === "$ref" && typeof item === "string" ? [{ ref: item, at }] : refs(item, `${at}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`)
  )
}

/** The structural checks a host's OpenAPI tooling relies on. */
const assertWellFormed = (
  document: OpenApi.Document,
  catalogue: ReadonlyMap<string, Operation.Any>,
  families: ReadonlyArray<Problem.Family> = []
) => {
  const statusOf = new Map(Problem.codes(families).map((c) => [c.code, c.status]))
  assert.deepStrictEqual(JSON.parse(JSON.stringify(document)), document, "the document is plain JSON")
  assert.strictEqual(document.openapi, "3.1.0")
  assert.isString(document.info.title)
  assert.isString(document.info.version)
  for (const { ref, at } of refs(document)) assert.isDefined(resolve(document, ref), `${ref} at ${at} does not resolve`)
  for (const name of [...Object.keys(document.components.schemas), ...Object.keys(document.components.responses)]) {
    assert.match(name, /^[A-Za-z0-9._-]+$/, `component name ${name}`)
  }
  const operations = Object.entries(document.paths).map(([path, item]) => ({ path, ...item.post }))
  assert.deepStrictEqual(operations.map((op) => op.operationId).sort(), [...catalogue.keys()].sort(), "one path per operation")
  const tags = new Set(document.tags.map((tag) => tag.name))
  for (const op of operations) {
    const operation = catalogue.get(op.operationId)!
    assert.strictEqual(op.path, `/operations/${operation.id}`)
    assert.strictEqual(op["x-procura-permission"], operation.permission)
    assert.strictEqual(op["x-procura-kind"], operation.kind)
    assert.deepStrictEqual(op["x-procura-events"], operation.events.map((event) => event.type))
    assert.include(op.description, `\`${operation.permission}\``)
    assert.strictEqual(op.tags.length, 1)
    assert.isTrue(tags.has(op.tags[0]!), `tag ${op.tags[0]} is declared`)
    assert.strictEqual(op.tags[0], operation.id.split(".")[0])
    const body = resolve(document, (op.requestBody.content["application/json"].schema as { $ref: string }).$ref)
    assert.isObject(body)
    const ok = op.responses["200"] as OpenApi.Response
    assert.isObject(resolve(document, (ok.content!["application/json"]!.schema as { $ref: string }).$ref))
    const statuses = Object.keys(op.responses).filter((s) => s !== "200")
    for (const s of ["400", "401", "403", "404", "422", "500", "503", ...(operation.kind === "command" ? ["409"] : [])]) {
      assert.include(statuses, s, `${operation.id} answers ${s}`)
    }
    for (const s of statuses) {
      const response = resolve(document, (op.responses[s] as { $ref: string }).$ref) as OpenApi.Response
      assert.isString(response.description)
      assert.isDefined(response.content?.["application/problem+json"], `${operation.id} ${s} is problem+json`)
      for (const code of response["x-procura-codes"] ?? []) assert.strictEqual(statusOf.get(code), Number(s), `${code} under ${s}`)
    }
  }
}

describe("OpenApi", () => {
  it("gives the JSON Schema of every operation's input and output, plain JSON", () => {
    const schemas = Operation.jsonSchemas(Procura.catalogue.values())
    assert.deepStrictEqual(Object.keys(schemas).sort(), [...Procura.catalogue.keys()].sort())
    assert.deepStrictEqual(JSON.parse(JSON.stringify(schemas)), schemas)
    const createVendor = schemas["catalog.createVendor"]!
    assert.strictEqual(createVendor.input["type"], "object")
    assert.includeMembers(createVendor.input["required"] as Array<string>, ["code", "name"])
    assert.includeMembers(createVendor.output["required"] as Array<string>, ["id", "version", "code", "name"])
  })

  it("describes every core operation: one POST each, its schemas, error responses and permission", () => {
    const document = OpenApi.document()
    assertWellFormed(document, Procura.catalogue)
    const submit = document.paths["/operations/purchasing.submitPurchaseOrder"]!.post
    assert.strictEqual(submit.operationId, "purchasing.submitPurchaseOrder")
    assert.strictEqual(submit["x-procura-permission"], "purchase_order.manage")
    assert.include(submit.description, "held by default by `procurement_manager`, `admin`")
    assert.deepStrictEqual(submit.responses["409"], { $ref: "#/components/responses/Conflict" })
    assert.deepStrictEqual(submit.responses["400"], { $ref: "#/components/responses/InvalidInput" })
    const refused = document.components.responses["Refused"]!
    assert.include(refused["x-procura-codes"]!, "ReceivingError/UnknownLine")
    assert.include(refused.description, "`ReceivingError/UnknownLine`")
    assert.notInclude(refused["x-procura-codes"]!, "ReceivingError/OverReceipt")
    assert.include(document.components.responses["Conflict"]!["x-procura-codes"]!, "ReceivingError/OverReceipt")
    const query = document.paths["/operations/purchasing.getPurchaseOrder"]!.post
    assert.notProperty(query.responses, "409", "queries do not conflict")
    assert.include(document.paths["/operations/requisition.approveRequest"]!.post.description, "held by default by every principal")
  })

  it("takes the basePath, info and servers a host gives", () => {
    const document = OpenApi.document({ basePath: "/api/v1/", info: { title: "Acme", version: "2.0.0" }, servers: [{ url: "https://acme.test" }] })
    assert.deepStrictEqual(document.info, { title: "Acme", version: "2.0.0" })
    assert.deepStrictEqual(document.servers, [{ url: "https://acme.test" }])
    assert.isDefined(document.paths["/api/v1/catalog.createVendor"])
  })

  it("adds the enabled plugins' operations, permissions and error families; recursive schemas become components", async () => {
    const exit = Effect.runSyncExit(Plugin.compose([Plugin.enable(fleet, {})]))
    assert.isTrue(Exit.isSuccess(exit))
    const composition = (exit as Exit.Success<Plugin.Composition>).value
    const document = OpenApi.fromComposition(composition)
    assertWellFormed(document, Procura.catalogueWith(composition), composition.errors)
    const plan = document.paths["/operations/fleet.planRoute"]!.post
    assert.deepStrictEqual(plan.tags, ["fleet"])
    assert.deepStrictEqual(plan["x-procura-events"], ["fleet.route_planned"], "a plugin operation lists its events by type")
    assert.include(plan.description, "Requires the permission `fleet/route.plan` (Plan delivery routes), held by default by `dispatcher`, `admin`.")
    assert.deepStrictEqual(plan.responses["429"], { $ref: "#/components/responses/RateLimited" }, "a plugin family's statuses are answered")
    assert.include(document.components.responses["Conflict"]!["x-procura-codes"]!, "FleetError/VanBusy")
    // The recursive route schema is referenced, not inlined forever.
    const text = JSON.stringify(document.components.schemas["FleetPlanRouteInput"])
    assert.include(text, "$ref")

    // The Promise face gives the same document without zod in the host's hands.
    const procura = createProcura({ storage: MemoryStorage.layer(), plugins: [Plugin.enable(fleet, {})] })
    try {
      assert.deepStrictEqual(procura.openApi(), document)
    } finally {
      await procura.dispose()
    }
  })
})
