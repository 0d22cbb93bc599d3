// The pure rules of licensing without storage: status at a moment, seat arithmetic, the view.
import { assert, describe, it } from "@effect/vitest"
import type { Entitlement } from "../src/licensing/LicensingModel.js"
import * as Rules from "../src/licensing/LicensingRules.js"

const day = 86_400_000
const now = Date.parse("2026-06-01T00:00:00.000Z")

const entitlement = (overrides: Partial<Entitlement> = {}): Entitlement => ({
  id: "ent-1",
  version: 1,
  catalogItemId: "item-1",
  name: "Office",
  vendorId: "vendor-1",
  purchaseOrderId: "po-1",
  lineNo: 3,
  unitCost: { amount: 1_000, currency: "EUR" },
  seats: 5,
  seatsAssigned: 2,
  licenseKeys: ["K-1", "K-2"],
  createdAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  ...overrides
})

describe("LicensingRules", () => {
  it("derives the status from the term: perpetual, active, expiring within the window, expired", () => {
    assert.strictEqual(Rules.statusAt({}, now), "active")
    assert.strictEqual(Rules.statusAt({ subscriptionEnd: new Date(now + 31 * day).toISOString() }, now), "active")
    assert.strictEqual(Rules.statusAt({ subscriptionEnd: new Date(now + 30 * day).toISOString() }, now), "expiring")
    assert.strictEqual(Rules.statusAt({ subscriptionEnd: new Date(now + 10 * day).toISOString() }, now, 5), "active")
    assert.strictEqual(Rules.statusAt({ subscriptionEnd: new Date(now).toISOString() }, now), "expired")
  })

  it("counts the seats available, never below zero, and whether all are assigned", () => {
    assert.strictEqual(Rules.seatsAvailable({ seats: 5, seatsAssigned: 2 }), 3)
    assert.strictEqual(Rules.seatsAvailable({ seats: 2, seatsAssigned: 3 }), 0)
    assert.isFalse(Rules.allSeatsAssigned({ seats: 5, seatsAssigned: 4 }))
    assert.isTrue(Rules.allSeatsAssigned({ seats: 5, seatsAssigned: 5 }))
  })

  it("shows licence keys only when asked, always their count", () => {
    const hidden = Rules.viewOf(entitlement(), now, 30, false)
    assert.isFalse("licenseKeys" in hidden)
    assert.strictEqual(hidden.licenseKeyCount, 2)
    assert.strictEqual(hidden.seatsAvailable, 3)
    assert.strictEqual(hidden.status, "active")
    assert.deepStrictEqual(Rules.viewOf(entitlement(), now, 30, true).licenseKeys, ["K-1", "K-2"])
  })

  it("gives what every entitlement event carries", () => {
    assert.deepStrictEqual(Rules.entitlementEvent(entitlement()), {
      entitlementId: "ent-1",
      purchaseOrderId: "po-1",
      lineNo: 3,
      catalogItemId: "item-1"
    })
  })
})
