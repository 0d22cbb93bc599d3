// docs/guides/hosting-over-http.md: its samples run here, and its table of codes is the code's.
import { assert, describe, it } from "@effect/vitest"
import { MemoryStorage } from "@procura/storage-memory"
import { ErrorFamilies } from "@procura/testkit"
import { mkdtempSync, readFileSync, rmSync, writeFileSync as write } from "node:fs"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { serve } from "./http-host.js"
import { assertGuideEmbedsSamples } from "./samples.js"

// --- sample: plugin-errors ---
import { Operation, Plugin, Problem } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { Data, Effect } from "effect"
import { z } from "zod"

class FleetError extends Data.TaggedError("FleetError")<{
  readonly reason: "VanBusy" | "OutOfRange"
  readonly message: string
  readonly vanId: string
}> {}

export const fleet = Plugin.make({
  id: "fleet",
  version: "1.0.0",
  description: "Delivery vans.",
  config: z.object({}),
  // Every reason needs a status: a reason added to FleetError fails to compile until it has one.
  errors: [Problem.family<FleetError>({ tag: "FleetError", title: "Fleet refused", reasons: { VanBusy: 409, OutOfRange: 422 } })],
  contribute: () => ({
    permissions: { "fleet/van.book": { description: "Book a delivery van", roles: ["dispatcher"] } },
    operations: {
      bookVan: Operation.make({
        id: "fleet.bookVan",
        summary: "Book a van for a delivery.",
        kind: "command",
        permission: "fleet/van.book",
        input: z.object({ vanId: z.string().min(1).max(64) }),
        output: z.object({ vanId: z.string() }),
        events: [],
        handler: ({ vanId }) => Effect.fail(new FleetError({ reason: "VanBusy", vanId, message: `Van ${vanId} is out on a delivery` }))
      })
    }
  })
})
// --- end sample ---

// --- sample: openapi ---
import { writeFileSync } from "node:fs"
import type { OpenApiDocument, ProcuraClient } from "@procura/core/promise"

export const describeApi = (procura: ProcuraClient, file: string): OpenApiDocument => {
  const document = procura.openApi({
    info: { title: "Acme procurement", version: "1.0.0" },
    servers: [{ url: "https://procurement.acme.example" }]
  })
  writeFileSync(file, JSON.stringify(document, null, 2))
  return document
}
// --- end sample ---

const guide = fileURLToPath(new URL("../guides/hosting-over-http.md", import.meta.url))

describe("docs/guides/hosting-over-http.md", () => {
  it("lists every core code with its status, as the code declares them", () => {
    const expected = ErrorFamilies.codeTable(Object.values(Problem.families))
    const text = readFileSync(guide, "utf8")
    if (process.env["UPDATE_DOCS"] === "1") {
      write(guide, ErrorFamilies.withTable(text, "core", expected))
      return
    }
    assert.strictEqual(
      ErrorFamilies.tableIn(text, "core"),
      expected,
      "the guide's table is out of date: run UPDATE_DOCS=1 pnpm exec vitest run docs/examples/hosting-over-http.test.ts"
    )
  })

  it("the HTTP host answers results, problem details and its OpenAPI document", async () => {
    const procura = createProcura({ storage: MemoryStorage.layer(), plugins: [Plugin.enable(fleet, {})] })
    const principals: Record<string, { userId: string; tenantId: string; roles: Array<string> }> = {
      pat: { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] },
      rita: { userId: "rita", tenantId: "acme", roles: ["requester"] },
      dee: { userId: "dee", tenantId: "acme", roles: ["dispatcher"] }
    }
    const server = serve(procura, (request) => principals[String(request.headers["x-user"])])
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const post = async (path: string, body: string, user?: string) => {
      const response = await fetch(`${base}${path}`, { method: "POST", body, headers: user === undefined ? {} : { "x-user": user } })
      return { status: response.status, type: response.headers.get("content-type"), body: await response.json() as Record<string, unknown> }
    }
    try {
      const created = await post("/operations/catalog.createVendor", JSON.stringify({ code: "DELL", name: "Dell" }), "pat")
      assert.strictEqual(created.status, 200)
      assert.strictEqual(created.body["code"], "DELL")

      const taken = await post("/operations/catalog.createVendor", JSON.stringify({ code: "DELL", name: "Dell again" }), "pat")
      assert.deepStrictEqual(taken, {
        status: 409,
        type: "application/problem+json",
        body: {
          type: "https://procura.dev/problems/catalog-error/duplicate-code",
          title: "Catalog change refused: duplicate code",
          status: 409,
          detail: "Vendor code DELL is already in the catalog",
          instance: "/operations/catalog.createVendor",
          code: "CatalogError/DuplicateCode",
          value: "DELL"
        }
      })
      assert.include((await post("/operations/catalog.createVendor", "{", "pat")).body, { status: 400, code: "ValidationError" })
      const invalid = await post("/operations/catalog.createVendor", JSON.stringify({ code: "" }), "pat")
      assert.include(invalid.body, { status: 400, code: "ValidationError", operation: "catalog.createVendor" })
      assert.include((await post("/operations/catalog.createVendor", JSON.stringify({ code: "X", name: "X" }), "rita")).body, {
        status: 403,
        code: "AccessDenied",
        permission: "catalog.manage"
      })
      assert.include((await post("/operations/catalog.createVendor", "{}")).body, { status: 401, code: "MissingPrincipal" })
      assert.include((await post("/operations/purchasing.getPurchaseOrder", JSON.stringify({ id: "po-1" }), "pat")).body, {
        status: 404,
        code: "NotFound"
      })
      assert.include((await post("/operations/catalog.createVendr", "{}", "pat")).body, { status: 404, code: "UnknownOperation" })
      assert.include((await post("/nowhere", "{}", "pat")).body, { status: 404, code: "UnknownOperation" })
      // The plugin's family gives its status and data.
      assert.include((await post("/operations/fleet.bookVan", JSON.stringify({ vanId: "van-7" }), "dee")).body, {
        status: 409,
        code: "FleetError/VanBusy",
        vanId: "van-7",
        detail: "Van van-7 is out on a delivery"
      })

      const document = await (await fetch(`${base}/openapi.json`)).json() as OpenApiDocument
      assert.deepStrictEqual(document.info, { title: "Acme procurement", version: "1.0.0" })
      assert.strictEqual(document.paths["/operations/fleet.bookVan"]!.post.operationId, "fleet.bookVan")
    } finally {
      await new Promise((resolve) => server.close(resolve))
      await procura.dispose()
    }
  })

  it("the OpenAPI sample writes the document as JSON", async () => {
    const procura = createProcura({ storage: MemoryStorage.layer() })
    const dir = mkdtempSync(join(tmpdir(), "procura-openapi-"))
    try {
      const document = describeApi(procura, join(dir, "openapi.json"))
      assert.deepStrictEqual(JSON.parse(readFileSync(join(dir, "openapi.json"), "utf8")), document)
      assert.deepStrictEqual(document.servers, [{ url: "https://procurement.acme.example" }])
      assert.strictEqual(document.paths["/operations/purchasing.submitPurchaseOrder"]!.post["x-procura-permission"], "purchase_order.manage")
    } finally {
      rmSync(dir, { recursive: true, force: true })
      await procura.dispose()
    }
  })

  it("embeds each sample verbatim", () => {
    assertGuideEmbedsSamples(new URL("./http-host.ts", import.meta.url).href, "../guides/hosting-over-http.md", ["http-host"])
    assertGuideEmbedsSamples(import.meta.url, "../guides/hosting-over-http.md", ["plugin-errors", "openapi"])
  })
})
