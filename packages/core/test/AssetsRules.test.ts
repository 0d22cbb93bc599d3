// The pure rules of assets without storage: status transitions, where an asset is, what an
// event about a change carries, and dropping an assignment or a storage space.
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import type { Asset } from "../src/assets/AssetsModel.js"
import * as Rules from "../src/assets/AssetsRules.js"

const asset = (overrides: Partial<Asset> = {}): Asset => ({
  id: "asset-1",
  version: 1,
  status: "in_stock",
  catalogItemId: "item-1",
  name: "Laptop",
  kind: "hardware",
  vendorId: "vendor-1",
  purchaseOrderId: "po-1",
  purchaseOrderLineNo: 2,
  unitCost: { amount: 120_000, currency: "EUR" },
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...overrides
})

describe("AssetsRules", () => {
  it("allows the transitions of the status graph and refuses the others, listing what is allowed", () => {
    assert.isTrue(Exit.isSuccess(Effect.runSyncExit(Rules.ensureTransition(asset({ status: "on_order" }), "in_stock"))))
    assert.isTrue(Exit.isSuccess(Effect.runSyncExit(Rules.ensureTransition(asset({ status: "in_stock" }), "returned"))))
    const refused = Effect.runSyncExit(Effect.flip(Rules.ensureTransition(asset({ status: "retired" }), "in_use")))
    assert.isTrue(Exit.isSuccess(refused))
    if (Exit.isSuccess(refused)) {
      assert.strictEqual(refused.value.reason, "InvalidTransition")
      assert.deepStrictEqual(refused.value.allowed, [])
      assert.match(refused.value.message, /can become nothing else, not in_use/)
    }
    const onOrder = Effect.runSyncExit(Effect.flip(Rules.ensureTransition(asset({ status: "on_order" }), "in_use")))
    assert.isTrue(Exit.isSuccess(onOrder) && onOrder.value.allowed.join(",") === "in_stock,retired")
  })

  it("gives where an asset is and who has it, leaving out what it has not", () => {
    assert.deepStrictEqual(Rules.placeOf(asset({ locationId: "HQ", storageSpace: "Shelf A", condition: "new" })), {
      status: "in_stock",
      locationId: "HQ",
      storageSpace: "Shelf A",
      condition: "new"
    })
    assert.deepStrictEqual(Rules.placeOf(asset({ status: "on_order" })), { status: "on_order" })
  })

  it("describes a change with the order line, serial number, tag, both places and the reason", () => {
    const before = asset({ locationId: "HQ", storageSpace: "Shelf A" })
    const after = asset({ status: "in_use", serialNumber: "SN-1", assetTag: "T-1", assignedTo: "u-1", locationId: "HQ" })
    assert.deepStrictEqual(Rules.changeOf(before, after, "new starter"), {
      assetId: "asset-1",
      serialNumber: "SN-1",
      assetTag: "T-1",
      catalogItemId: "item-1",
      purchaseOrderId: "po-1",
      lineNo: 2,
      from: { status: "in_stock", locationId: "HQ", storageSpace: "Shelf A" },
      to: { status: "in_use", locationId: "HQ", assignedTo: "u-1" },
      reason: "new starter"
    })
    assert.isFalse("reason" in Rules.changeOf(before, after))
  })

  it("drops an assignment and a storage space", () => {
    const assigned = asset({ status: "in_use", assignedTo: "u-1", assignedAt: "2026-01-02T00:00:00.000Z", storageSpace: "Shelf A" })
    const free = Rules.unassigned(assigned)
    assert.isFalse("assignedTo" in free || "assignedAt" in free || "assignedLocationId" in free)
    assert.strictEqual(free.storageSpace, "Shelf A")
    assert.isFalse("storageSpace" in Rules.unstored(assigned))
  })
})
