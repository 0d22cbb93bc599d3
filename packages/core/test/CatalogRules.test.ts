// The pure rules of the catalog without storage: channel routing and import row validation.
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Import from "../src/catalog/CatalogImportRules.js"
import type { Vendor } from "../src/catalog/CatalogModel.js"
import * as Routing from "../src/catalog/CatalogRouting.js"

describe("CatalogRouting", () => {
  it("routes services to the shopping hub and everything else to the service catalog", () => {
    const route = (kind: "service" | "hardware" | "software") => Effect.runSync(Routing.defaultRouter.route({ kind, sku: "SKU-1" }))
    assert.strictEqual(route("service").channel, "shopping_hub")
    assert.strictEqual(route("hardware").channel, "service_catalog")
    assert.strictEqual(route("software").channel, "service_catalog")
  })
})

describe("CatalogImportRules", () => {
  const vendor = { id: "v-1", code: "ACME" } as Vendor

  it("reports a row's problems by field, naming unknown fields", () => {
    const parsed = Import.CatalogImportRow.safeParse({ name: " ", kind: "gadget", colour: "red" })
    assert.isFalse(parsed.success)
    if (!parsed.success) {
      const issues = Import.importIssues(parsed.error)
      const fields = issues.map((i) => i.field)
      assert.includeMembers(fields, ["sku", "name", "kind", "colour"])
      assert.match(issues.find((i) => i.field === "colour")!.message, /unknown field "colour"; the fields are sku, name, kind/)
    }
  })

  it("resolves vendors by code to approved vendors at minor-unit prices, and names the problems", () => {
    const errors: Array<{ field: string; message: string }> = []
    const approved = Import.approvedVendorsOf([
      { vendor: "ACME", unitCost: "1200.50", currency: "EUR" },
      { vendor: "NOPE", unitCost: 1, currency: "EUR" },
      { vendor: "ACME", unitCost: 2, currency: "EUR" }
    ], errors, new Map([["ACME", vendor]]))
    assert.deepStrictEqual(approved?.[0], { vendorId: "v-1", unitCost: { amount: 120_050, currency: "EUR" } })
    assert.deepStrictEqual(errors.map((e) => e.field), ["vendors.1.vendor", "vendors.2.vendor"])
    assert.isUndefined(Import.approvedVendorsOf(undefined, [], new Map()))
  })

  it("tells whether a row changes an item, and summarises a refused import", () => {
    const item = {
      id: "i-1",
      sku: "SKU-1",
      name: "Laptop",
      kind: "hardware" as const,
      createAsset: true,
      capitalisable: false,
      source: "catalog" as const,
      approvedVendors: [],
      createdAt: "2026-01-01T00:00:00.000Z"
    }
    assert.strictEqual(Import.comparable(item), Import.comparable({ ...item, createdAt: "later" }))
    assert.notStrictEqual(Import.comparable(item), Import.comparable({ ...item, name: "Desktop" }))
    const report = Import.reportOf("import", false, [], [
      { row: 1, sku: "SKU-1", errors: [], value: undefined, plan: { status: "created", item } },
      { row: 2, sku: "SKU-2", errors: [{ field: "kind", message: "bad kind" }], value: undefined }
    ], () => undefined)
    assert.deepStrictEqual(report.counts, { rows: 2, created: 1, updated: 0, unchanged: 0, errors: 1 })
    assert.match(Import.rejection(report), /1 of 2 rows has errors\. row 2 \(SKU SKU-2\), kind: bad kind/)
  })

  it("splits work into chunks", () => {
    assert.deepStrictEqual(Import.inChunks([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]])
  })
})
