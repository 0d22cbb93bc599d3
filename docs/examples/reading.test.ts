// docs/reading.md: its sample runs, its table names every get and list of the catalogue (and
// nothing else), and every get and list has the one shape the guide promises.
import { assert, describe, it } from "@effect/vitest"
import { Procura } from "@procura/core"
import { createProcura, type ProcuraClient } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { z } from "zod"
import { assertGuideEmbedsSamples } from "./samples.js"

// --- sample: waiting ---
/** The requests waiting for the caller's decision, every page of them. */
const waitingForMe = async (procura: Pick<ProcuraClient, "requisition">) => {
  const requests = []
  let cursor: string | undefined
  do {
    const page = await procura.requisition.listRequests({ awaitingMyDecision: true, limit: 50, ...(cursor !== undefined ? { cursor } : {}) })
    requests.push(...page.items)
    cursor = page.cursor
  } while (cursor !== undefined)
  return requests
}
// --- end sample ---

const guide = readFileSync(fileURLToPath(new URL("../reading.md", import.meta.url)), "utf8")

/** The catalogue's operations that read records: gets, and queries that give a page. */
const reads = [...Procura.catalogue.values()].filter((op) => op.kind === "query" && (/\.get[A-Z]/.test(op.id) || "items" in (jsonSchema(op.output, "output").properties ?? {})))

function jsonSchema(schema: z.ZodType, io: "input" | "output") {
  return z.toJSONSchema(schema, { io, unrepresentable: "any" }) as { properties?: Record<string, unknown>; required?: ReadonlyArray<string> }
}

describe("docs/reading.md", () => {
  it("embeds the sample, which lists the requests waiting for the caller, a page at a time", async () => {
    assertGuideEmbedsSamples(import.meta.url, "../reading.md", ["waiting"])
    const buyer = { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] }
    await using procura = createProcura({ storage: MemoryStorage.layer(), principal: buyer })
    const vendor = await procura.catalog.createVendor({ code: "ACME", name: "Acme" })
    const item = await procura.catalog.createCatalogItem({
      sku: "LAP",
      name: "Laptop",
      kind: "hardware",
      approvedVendors: [{ vendorId: vendor.id, unitCost: { amount: 100_000, currency: "EUR" } }]
    })
    const requester = { userId: "rae", tenantId: "acme", roles: ["requester"] }
    const raised = []
    for (let i = 0; i < 3; i++) {
      raised.push(await procura.requisition.createRequest({ lines: [{ catalogItemId: item.id, quantity: 1 }] }, { principal: requester }))
    }
    const waiting = await waitingForMe(procura)
    assert.deepStrictEqual(waiting.map((r) => r.id).toSorted(), raised.map((r) => r.id).toSorted())
    assert.deepStrictEqual(await waitingForMe(procura.as(requester)), [], "nobody decides their own requests")
  })

  it("names every get and list of the catalogue, and only those", () => {
    const named = new Set([...guide.matchAll(/`([a-z][a-zA-Z]*\.(?:get|list)[A-Za-z]*|assets\.assetHistory)`/g)].map((m) => m[1]!))
    const expected = new Set(reads.filter((op) => op.id !== "receiving.backorders").map((op) => op.id))
    assert.deepStrictEqual([...named].toSorted(), [...expected].toSorted())
  })

  it("every get takes { id }; every list takes limit and cursor and gives { items, cursor }", () => {
    for (const op of reads) {
      const input = jsonSchema(op.input, "input")
      if (/\.get[A-Z]/.test(op.id)) {
        assert.deepStrictEqual(input.required, ["id"], `${op.id} takes { id }`)
      } else {
        assert.includeMembers(Object.keys(input.properties ?? {}), ["limit", "cursor"], `${op.id} pages`)
        assert.deepStrictEqual(Object.keys(jsonSchema(op.output, "output").properties ?? {}).toSorted(), ["cursor", "items"], `${op.id} gives { items, cursor }`)
      }
    }
  })
})
