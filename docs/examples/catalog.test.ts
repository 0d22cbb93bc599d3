// The samples and example files of docs/catalog.md, type-checked and run.
import { assert, describe, it } from "@effect/vitest"
import { Catalog, Principal, Procura, Requisition } from "@procura/core"
import { createProcura } from "@procura/core/promise"
import { MemoryStorage } from "@procura/storage-memory"
import { Effect, Layer } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { assertGuideEmbedsSamples } from "./samples.js"

const guide = readFileSync(fileURLToPath(new URL("../catalog.md", import.meta.url)), "utf8")

/** The content of the fenced block of a language that follows `<!-- file: NAME -->` in the guide. */
const exampleFile = (name: string, language: string): string => {
  const marker = `<!-- file: ${name} -->\n\`\`\`${language}\n`
  const start = guide.indexOf(marker)
  assert.isAtLeast(start, 0, `docs/catalog.md has no example file ${name}`)
  return guide.slice(start + marker.length, guide.indexOf("\n```", start + marker.length))
}

const buyer: Principal.Principal = { userId: "pat", tenantId: "acme", roles: ["procurement_manager"] }

describe("docs/catalog.md", () => {
  it("embeds the samples verbatim", () => {
    assertGuideEmbedsSamples(import.meta.url, "../catalog.md", ["import", "custom-line"])
  })

  it("imports the example CSV and JSON files as the guide says", async () => {
    const procura = createProcura({ storage: MemoryStorage.layer(), principal: buyer })
    try {
      await procura.catalog.createVendor({ code: "ACME", name: "Acme Computers" })
      await procura.catalog.createVendor({ code: "DELL", name: "Dell Technologies" })
      const csv = await procura.catalog.importCatalog({ format: "csv", content: exampleFile("items.csv", "csv") })
      assert.deepStrictEqual(csv.rows.map((r) => [r.row, r.sku, r.status]), [
        [2, "LAT-7450", "created"],
        [3, "SVC-IMAGING", "created"],
        [4, "TONER-BLK", "created"]
      ])
      const laptop = await procura.catalog.getCatalogItem({ id: csv.rows[0]!.itemId! })
      assert.deepStrictEqual(laptop.name, "Latitude 7450, 14\" silver")
      assert.deepStrictEqual(laptop.approvedVendors.map((v) => v.unitCost.amount), [139_900, 135_050])
      const json = await procura.catalog.importCatalog({ format: "json", content: exampleFile("items.json", "json") })
      assert.deepStrictEqual(json.rows.map((r) => [r.row, r.sku, r.status]), [[1, "LAT-7450", "updated"], [2, "DOCK-WD22", "created"]])

      const bad = await procura.catalog.importCatalog({ format: "csv", content: exampleFile("bad.csv", "csv"), mode: "validate" })
      assert.deepStrictEqual(bad.rows.map((r) => [r.row, r.status, r.errors.map((e) => e.field)]), [
        [2, "unchanged", []],
        [3, "error", ["kind"]],
        [4, "error", ["vendors.0.vendor"]]
      ])
      const shown = JSON.parse(exampleFile("bad.csv report", "json"))
      shown.rows[0].itemId = bad.rows[0]!.itemId
      assert.deepStrictEqual(bad, shown, "the report shown is the one bad.csv gives")
    } finally {
      await procura.dispose()
    }
  })

  it("runs the samples", async () => {
    const procura = createProcura({ storage: MemoryStorage.layer(), principal: buyer })
    try {
      await procura.catalog.createVendor({ code: "ACME", name: "Acme Computers" })
      const report = await importFile(procura, "LAT-7450,Latitude 7450,hardware,ACME:1399.00 EUR\r\n")
      assert.strictEqual(report?.counts.created, 1)
      assert.isUndefined(await importFile(procura, "X-1,Thing,gadget,\r\n"))
    } finally {
      await procura.dispose()
    }
    const request = await Effect.runPromise(
      Effect.gen(function*() {
        const catalog = yield* Catalog.Catalog
        const vendor = yield* Principal.runAs(catalog.createVendor({ code: "RUGGED", name: "Rugged Devices" }), buyer)
        return yield* requestRuggedTablets(vendor.id)
      }).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(MemoryStorage.layer()))))
    )
    assert.deepStrictEqual(request.lines.map((l) => [l.custom, l.kind, l.unitCost.amount, l.createAsset]), [[true, "hardware", 89_900, true]])
  })
})

// --- sample: import ---
const importFile = async (procura: ReturnType<typeof createProcura>, rows: string) => {
  const content = `sku,name,kind,vendors\r\n${rows}`
  // Check first: the report says what each row would do, and nothing is written.
  const check = await procura.catalog.importCatalog({ format: "csv", content, mode: "validate" })
  if (check.counts.errors > 0) {
    for (const row of check.rows.filter((r) => r.status === "error")) {
      console.error(`row ${row.row}: ${row.errors.map((e) => `${e.field}: ${e.message}`).join("; ")}`)
    }
    return undefined
  }
  return procura.catalog.importCatalog({ format: "csv", content })
}
// --- end sample ---

// --- sample: custom-line ---
const requestRuggedTablets = (vendorId: string) =>
  Effect.flatMap(Requisition.Requisition, (requisition) =>
    Principal.runAs(
      requisition.createRequest({
        justification: "Warehouse scanners",
        lines: [{
          // No catalogItemId: a custom line states what it buys.
          kind: "hardware",
          description: "Rugged tablet, 10 inch",
          vendorId,
          unitCost: { amount: 89_900, currency: "EUR" },
          quantity: 4
        }]
      }),
      { userId: "rae", tenantId: "acme", roles: ["requester"] }
    ))
// --- end sample ---
