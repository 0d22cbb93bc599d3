/**
 * The software licence scenarios of seed 002 ("license or entitlement records are created
 * instead of physical assets"), runnable on any storage adapter: a software purchase becomes one
 * entitlement per line with as many seats as bought and no template assets, keys and terms are
 * recorded (never in events), expired and expiring entitlements are listed, seats are never
 * assigned beyond those bought (also when assigners race), roles and tenants are checked, and
 * refusals write nothing.
 *
 * ```ts
 * LicensingScenarios.suite("memory", MemoryStorage.layer())
 * ```
 *
 * @since 0.1.0
 */
import { assert, describe, layer } from "@effect/vitest"
import { Assets, Catalog, Licensing, type Operation, Principal, Procura, Storage } from "@procura/core"
import { Effect, Exit, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as EventContract from "./EventContract.js"
import * as Fixtures from "./Fixtures.js"

const freshTenant = () => Fixtures.freshTenant("licensing")

const failureOf = Fixtures.failureOf

type Team = ReturnType<typeof Fixtures.team>

const refusedWithoutWrites = Fixtures.refusedWithoutWrites

const eventsOf = (tenant: Principal.Principal) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.readEvents({ after: 0, limit: 100_000, tenantId: tenant.tenantId }))

/** A software catalog item of the small catalog's vendor; `createAsset` set to show it is ignored. */
const softwareItem = (team: Team, vendorId: string, sku: string, name: string) =>
  Effect.flatMap(Catalog.Catalog, (catalog) =>
    Principal.runAs(
      catalog.createCatalogItem({
        sku,
        name,
        kind: "software",
        createAsset: true,
        approvedVendors: [{ vendorId, unitCost: { amount: 9_900, currency: "EUR" } }]
      }),
      team.buyer
    ))

/** Requests (through the service catalog, where software is bought), approves, orders and submits. */
const buy = (team: Team, lines: ReadonlyArray<{ readonly catalogItemId: string; readonly quantity: number }>) =>
  Fixtures.buy(team, lines, { channel: "service_catalog" })

/** A tenant with a software item bought `seats` times; gives its entitlement. */
const licensed = (seats: number) =>
  Effect.gen(function*() {
    const team = Fixtures.team(freshTenant())
    const licensing = yield* Licensing.Licensing
    const { vendor } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
    const office = yield* softwareItem(team, vendor.id, "OFFICE-365", "Office suite subscription")
    const order = yield* buy(team, [{ catalogItemId: office.id, quantity: seats }])
    const { items } = yield* Principal.runAs(licensing.listEntitlements({ purchaseOrderId: order.id }), team.assetManager)
    return { team, licensing, vendor, office, order, entitlement: items[0]! }
  })

const user = (id: string): Licensing.Assignee => ({ kind: "user", id })

const day = 86_400_000

/**
 * Registers the scenarios for an adapter layer providing `Storage.Storage`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const suite = <E>(name: string, storageLayer: Layer.Layer<Storage.Storage, E>): void => {
  const procura = Procura.layer.pipe(Layer.provideMerge(EventContract.checked(storageLayer)))

  describe(`software licence scenarios: ${name}`, () => {
    layer(procura, { timeout: "120 seconds", excludeTestServices: true })((it) => {
      it.effect("a software purchase creates one entitlement per software line, with its seats, and no assets", () =>
        Effect.gen(function*() {
          const team = Fixtures.team(freshTenant())
          const licensing = yield* Licensing.Licensing
          const assets = yield* Assets.Assets
          const { vendor, laptop } = yield* Principal.runAs(Fixtures.smallCatalog, team.buyer)
          const office = yield* softwareItem(team, vendor.id, "OFFICE-365", "Office suite subscription")
          const cad = yield* softwareItem(team, vendor.id, "CAD-PRO", "CAD professional")
          const order = yield* buy(team, [
            { catalogItemId: laptop.id, quantity: 2 },
            { catalogItemId: office.id, quantity: 25 },
            { catalogItemId: cad.id, quantity: 3 }
          ])
          assert.deepStrictEqual(order.lines.map((l) => [l.kind, l.createAsset]), [["hardware", true], ["software", true], ["software", true]])

          const listed = yield* Principal.runAs(licensing.listEntitlements({ purchaseOrderId: order.id }), team.assetManager)
          assert.deepStrictEqual(
            listed.items.map((e) => [e.lineNo, e.catalogItemId, e.name, e.seats, e.seatsAssigned, e.seatsAvailable, e.status]).toSorted(),
            [
              [2, office.id, "Office suite subscription", 25, 0, 25, "active"],
              [3, cad.id, "CAD professional", 3, 0, 3, "active"]
            ]
          )
          for (const entitlement of listed.items) {
            assert.strictEqual(entitlement.vendorId, vendor.id)
            assert.strictEqual(entitlement.purchaseOrderId, order.id)
            assert.deepStrictEqual(entitlement.unitCost, { amount: 9_900, currency: "EUR" })
            assert.isUndefined(entitlement.subscriptionEnd, "perpetual until a term is recorded")
            assert.strictEqual(entitlement.licenseKeyCount, 0)
          }

          const created = yield* Principal.runAs(assets.listAssets({ purchaseOrderId: order.id }), team.assetManager)
          assert.deepStrictEqual(
            created.items.map((a) => a.catalogItemId),
            [laptop.id, laptop.id],
            "template assets for the hardware only: software is never received, even when flagged create-asset"
          )

          const byItem = yield* Principal.runAs(licensing.listEntitlements({ catalogItemId: cad.id }), team.storekeeper)
          assert.deepStrictEqual(byItem.items.map((e) => e.seats), [3])

          const events = (yield* eventsOf(team.admin)).filter((e) => e.type === "entitlement.created")
          assert.strictEqual(events.length, 2)
          assert.deepStrictEqual(
            events.map((e) => (e.payload as { seats: number }).seats).toSorted((a, b) => a - b),
            [3, 25]
          )
        }))

      it.effect("records licence keys and a term; keys stay out of events and are shown only to licence managers", () =>
        Effect.gen(function*() {
          const { team, licensing, entitlement } = yield* licensed(10)
          const keys = ["AAAA-1111-SECRET", "BBBB-2222-SECRET"]
          const updated = yield* Principal.runAs(
            licensing.updateEntitlement({ id: entitlement.id, licenseKeys: keys, subscriptionStart: "2026-01-01", subscriptionEnd: "2027-01-01T00:00:00Z" }),
            team.buyer
          )
          assert.deepStrictEqual(updated.licenseKeys, keys)
          assert.strictEqual(updated.subscriptionStart, "2026-01-01T00:00:00.000Z")
          assert.strictEqual(updated.subscriptionEnd, "2027-01-01T00:00:00.000Z")

          const forManager = yield* Principal.runAs(licensing.getEntitlement({ id: entitlement.id }), team.assetManager)
          assert.deepStrictEqual(forManager.licenseKeys, keys)
          const forStore = yield* Principal.runAs(licensing.getEntitlement({ id: entitlement.id }), team.storekeeper)
          assert.isUndefined(forStore.licenseKeys, "a storage manager reads the entitlement, not its keys")
          assert.strictEqual(forStore.licenseKeyCount, 2)
          const listed = yield* Principal.runAs(licensing.listEntitlements({}), team.buyer)
          assert.isUndefined(listed.items[0]!.licenseKeys, "lists never carry keys")

          const seat = { entitlementId: entitlement.id, assignee: user("emp-1") }
          yield* Principal.runAs(licensing.assignSeat(seat), team.assetManager)
          yield* Principal.runAs(licensing.releaseSeat(seat), team.assetManager)
          const events = yield* eventsOf(team.admin)
          assert.includeMembers(events.map((e) => e.type), ["entitlement.updated", "entitlement.seat_assigned", "entitlement.seat_released"])
          assert.notInclude(JSON.stringify(events), "SECRET", "no event carries a licence key")

          const backwards = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(licensing.updateEntitlement({ id: entitlement.id, subscriptionEnd: "2025-12-31" }), team.buyer)
          )
          assert.strictEqual(backwards._tag, "LicensingError")
          assert.strictEqual((backwards as Licensing.LicensingError).reason, "InvalidTerm")
          assert.include(backwards.message, "2025-12-31T00:00:00.000Z")
          assert.include(backwards.message, "2026-01-01T00:00:00.000Z")

          const same = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(licensing.updateEntitlement({ id: entitlement.id, subscriptionStart: "2027-01-01" }), team.buyer)
          )
          assert.strictEqual((same as Licensing.LicensingError).reason, "InvalidTerm")

          const nothing = yield* refusedWithoutWrites(team.admin, Principal.runAs(licensing.updateEntitlement({ id: entitlement.id }), team.buyer))
          assert.strictEqual(nothing._tag, "ValidationError")
          assert.include(nothing.message, "nothing to update")
          const repeated = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(licensing.updateEntitlement({ id: entitlement.id, licenseKeys: ["K", "K"] }), team.buyer)
          )
          assert.include(repeated.message, "licenseKeys: a licence key appears more than once")
          const badDate = yield* refusedWithoutWrites(
            team.admin,
            Principal.runAs(licensing.updateEntitlement({ id: entitlement.id, subscriptionEnd: "next year" }), team.buyer)
          )
          assert.strictEqual(badDate._tag, "ValidationError")
          assert.include(badDate.message, "subscriptionEnd")

          const perpetual = yield* Principal.runAs(
            licensing.updateEntitlement({ id: entitlement.id, subscriptionStart: null, subscriptionEnd: null }),
            team.assetManager
          )
          assert.isUndefined(perpetual.subscriptionEnd)
          assert.strictEqual(perpetual.status, "active")
          assert.deepStrictEqual(perpetual.licenseKeys, keys, "keys are kept when only the term changes")
        }))

      it.effect("lists expired, expiring within N days and active entitlements, soonest ending first", () =>
        Effect.gen(function*() {
          const { team, licensing, vendor, office } = yield* licensed(1)
          const asOf = Date.parse("2030-06-01T00:00:00Z")
          const at = (days: number) => new Date(asOf + days * day).toISOString()
          const orders = [yield* buy(team, [{ catalogItemId: office.id, quantity: 2 }]), yield* buy(team, [{ catalogItemId: office.id, quantity: 3 }])]
          const other = yield* softwareItem(team, vendor.id, "VPN", "VPN client")
          orders.push(yield* buy(team, [{ catalogItemId: other.id, quantity: 4 }]))
          const all = (yield* Principal.runAs(licensing.listEntitlements({ limit: 10 }), team.assetManager)).items
          assert.strictEqual(all.length, 4)
          const bySeats = new Map(all.map((e) => [e.seats, e.id] as const))
          const ends: ReadonlyArray<readonly [number, string | null]> = [[1, at(-1)], [2, at(10)], [3, at(45)], [4, null]]
          for (const [seats, end] of ends) {
            yield* Principal.runAs(
              licensing.updateEntitlement({ id: bySeats.get(seats)!, subscriptionStart: at(-400), subscriptionEnd: end }),
              team.buyer
            )
          }
          const seatsOf = (input: Operation.Input<typeof Licensing.listEntitlements>) =>
            Effect.map(Principal.runAs(licensing.listEntitlements(input), team.storekeeper), (page) => page.items.map((e) => [e.seats, e.status]))
          const asOfText = new Date(asOf).toISOString()
          assert.deepStrictEqual(yield* seatsOf({ asOf: asOfText }), [[1, "expired"], [2, "expiring"], [3, "active"], [4, "active"]])
          assert.deepStrictEqual(yield* seatsOf({ asOf: asOfText, status: "expired" }), [[1, "expired"]])
          assert.deepStrictEqual(yield* seatsOf({ asOf: asOfText, status: "expiring" }), [[2, "expiring"]], "within 30 days by default")
          assert.deepStrictEqual(yield* seatsOf({ asOf: asOfText, status: "expiring", expiringWithinDays: 60 }), [[2, "expiring"], [3, "expiring"]])
          assert.deepStrictEqual(yield* seatsOf({ asOf: asOfText, status: "active" }), [[3, "active"], [4, "active"]], "perpetual last")
          assert.deepStrictEqual(yield* seatsOf({ asOf: asOfText, status: "active", expiringWithinDays: 60 }), [[4, "active"]])
          assert.deepStrictEqual(yield* seatsOf({ asOf: asOfText, catalogItemId: other.id }), [[4, "active"]])
          assert.deepStrictEqual(yield* seatsOf({ asOf: asOfText, catalogItemId: office.id, status: "expiring", expiringWithinDays: 60 }), [[2, "expiring"], [3, "expiring"]])
          assert.deepStrictEqual(yield* seatsOf({ asOf: at(-2), status: "expired" }), [], "nothing had expired two days earlier")
          const page = yield* Principal.runAs(licensing.listEntitlements({ asOf: asOfText, limit: 2 }), team.storekeeper)
          const rest = yield* Principal.runAs(licensing.listEntitlements({ asOf: asOfText, limit: 2, cursor: page.cursor! }), team.storekeeper)
          assert.deepStrictEqual([...page.items, ...rest.items].map((e) => e.seats), [1, 2, 3, 4], "the list pages")
        }))

      it.effect("derives the status from the Effect clock and assigns no seat of an expired subscription", () =>
        Effect.gen(function*() {
          const { team, licensing, entitlement } = yield* licensed(3)
          const start = Date.parse("2031-03-01T00:00:00Z")
          const status = () => Effect.map(Principal.runAs(licensing.getEntitlement({ id: entitlement.id }), team.assetManager), (e) => e.status)
          yield* Effect.gen(function*() {
            yield* TestClock.setTime(start)
            yield* Principal.runAs(
              licensing.updateEntitlement({ id: entitlement.id, subscriptionStart: new Date(start).toISOString(), subscriptionEnd: new Date(start + 40 * day).toISOString() }),
              team.buyer
            )
            assert.strictEqual(yield* status(), "active")
            yield* Principal.runAs(licensing.assignSeat({ entitlementId: entitlement.id, assignee: user("emp-1") }), team.assetManager)
            yield* TestClock.adjust("15 days")
            assert.strictEqual(yield* status(), "expiring")
            const expiring = yield* Principal.runAs(licensing.listEntitlements({ status: "expiring" }), team.assetManager)
            assert.deepStrictEqual(expiring.items.map((e) => e.id), [entitlement.id])
            yield* TestClock.adjust("25 days")
            assert.strictEqual(yield* status(), "expired")
            const refused = yield* refusedWithoutWrites(
              team.admin,
              Principal.runAs(licensing.assignSeat({ entitlementId: entitlement.id, assignee: user("emp-2") }), team.assetManager)
            )
            assert.strictEqual((refused as Licensing.LicensingError).reason, "Expired")
            assert.include(refused.message, "ended on")
            const released = yield* Principal.runAs(licensing.releaseSeat({ entitlementId: entitlement.id, assignee: user("emp-1") }), team.assetManager)
            assert.strictEqual(released.entitlement.seatsAssigned, 0, "seats of an expired subscription can still be released")
          }).pipe(Effect.provide(TestClock.layer()))
        }))

      it.effect("never assigns more seats than bought when 8 assigners race for 5 seats", () =>
        Effect.gen(function*() {
          const { team, licensing, entitlement } = yield* licensed(5)
          const who = [team.assetManager, team.assetAdmin]
          const attempts = yield* Effect.all(
            Array.from({ length: 8 }, (_, i) =>
              Effect.exit(Principal.runAs(licensing.assignSeat({ entitlementId: entitlement.id, assignee: user(`emp-${i}`) }), who[i % 2]!))),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(attempts.filter(Exit.isSuccess).length, 5, "exactly the five seats bought are assigned")
          for (const failed of attempts.filter(Exit.isFailure)) {
            const error = failureOf(failed) as Licensing.LicensingError
            assert.strictEqual(error.reason, "NoSeatsAvailable")
            assert.include(error.message, "All 5 seats")
          }
          const after = yield* Principal.runAs(licensing.getEntitlement({ id: entitlement.id }), team.assetManager)
          assert.deepStrictEqual([after.seatsAssigned, after.seatsAvailable], [5, 0])
          const holders = yield* Principal.runAs(licensing.listSeatAssignments({ entitlementId: entitlement.id }), team.assetManager)
          assert.strictEqual(holders.items.length, 5)
          assert.strictEqual(new Set(holders.items.map((a) => a.assigneeId)).size, 5)
          const assignedEvents = (yield* eventsOf(team.admin)).filter((e) => e.type === "entitlement.seat_assigned")
          assert.deepStrictEqual(
            assignedEvents.map((e) => (e.payload as { seatsAssigned: number }).seatsAssigned),
            [1, 2, 3, 4, 5],
            "every seat taken in turn"
          )
        }))

      it.effect("assigns seats to users and devices, refuses a second seat for one assignee, releases and reassigns", () =>
        Effect.gen(function*() {
          const { team, licensing, entitlement, office } = yield* licensed(2)
          const as = <A, Err>(effect: Effect.Effect<A, Err, Principal.CurrentPrincipal>) => Principal.runAs(effect, team.assetManager)
          const seat = (assignee: Licensing.Assignee) => ({ entitlementId: entitlement.id, assignee })
          const laptop: Licensing.Assignee = { kind: "device", id: "LAPTOP-0042" }

          const first = yield* as(licensing.assignSeat(seat(user("emp-1"))))
          assert.deepStrictEqual([first.assignment.assigneeKind, first.assignment.assigneeId, first.assignment.status], ["user", "emp-1", "active"])
          assert.strictEqual(first.assignment.assignedBy, "ash.assets")
          assert.strictEqual(first.entitlement.seatsAvailable, 1)
          yield* as(licensing.assignSeat(seat(laptop)))

          const twice = yield* refusedWithoutWrites(team.admin, as(licensing.assignSeat(seat(user("emp-1")))))
          assert.strictEqual((twice as Licensing.LicensingError).reason, "AlreadyAssigned")
          assert.include(twice.message, "user emp-1 already holds a seat of Office suite subscription")
          const full = yield* refusedWithoutWrites(team.admin, as(licensing.assignSeat(seat(user("emp-3")))))
          assert.strictEqual((full as Licensing.LicensingError).reason, "NoSeatsAvailable")
          assert.include(full.message, "All 2 seats of Office suite subscription")
          const badKind = yield* refusedWithoutWrites(team.admin, as(licensing.assignSeat(seat({ kind: "printer" as "user", id: "p" }))))
          assert.strictEqual(badKind._tag, "ValidationError")
          assert.include(badKind.message, "assignee.kind")

          const released = yield* as(licensing.releaseSeat(seat(user("emp-1"))))
          assert.deepStrictEqual([released.assignment.status, released.assignment.releasedBy], ["released", "ash.assets"])
          assert.strictEqual(released.entitlement.seatsAssigned, 1)
          const again = yield* refusedWithoutWrites(team.admin, as(licensing.releaseSeat(seat(user("emp-1")))))
          assert.strictEqual((again as Licensing.LicensingError).reason, "NotAssigned")
          assert.include(again.message, "user emp-1 holds no seat")
          const never = yield* refusedWithoutWrites(team.admin, as(licensing.releaseSeat(seat(user("emp-9")))))
          assert.strictEqual((never as Licensing.LicensingError).reason, "NotAssigned")

          const back = yield* as(licensing.assignSeat(seat(user("emp-1"))))
          assert.strictEqual(back.assignment.id, first.assignment.id, "one record per entitlement and assignee")
          assert.deepStrictEqual([back.assignment.status, back.assignment.releasedAt], ["active", undefined])

          const holders = yield* as(licensing.listSeatAssignments({ entitlementId: entitlement.id }))
          assert.deepStrictEqual(holders.items.map((a) => `${a.assigneeKind}:${a.assigneeId}`).toSorted(), ["device:LAPTOP-0042", "user:emp-1"])
          const mine = yield* as(licensing.listSeatAssignments({ assignee: user("emp-1") }))
          assert.deepStrictEqual(mine.items.map((a) => [a.catalogItemId, a.name]), [[office.id, "Office suite subscription"]])
          yield* as(licensing.releaseSeat(seat(laptop)))
          assert.strictEqual((yield* as(licensing.listSeatAssignments({ assignee: laptop }))).items.length, 0)
          assert.strictEqual((yield* as(licensing.listSeatAssignments({ assignee: laptop, includeReleased: true }))).items.length, 1)
          const noScope = failureOf(yield* Effect.exit(as(licensing.listSeatAssignments({}))))
          assert.include(noScope.message, "give an entitlementId, an assignee, or both")

          const types = (yield* eventsOf(team.admin)).map((e) => e.type).filter((t) => t.startsWith("entitlement.seat"))
          assert.deepStrictEqual(types, [
            "entitlement.seat_assigned",
            "entitlement.seat_assigned",
            "entitlement.seat_released",
            "entitlement.seat_assigned",
            "entitlement.seat_released"
          ])
        }))

      it.effect("checks roles: requesters read no licences, storage managers assign no seats, mobile asset managers record no keys", () =>
        Effect.gen(function*() {
          const { team, licensing, entitlement } = yield* licensed(2)
          const denied = <A, Err>(effect: Effect.Effect<A, Err, Principal.CurrentPrincipal>, who: Principal.Principal) =>
            Effect.map(refusedWithoutWrites(team.admin, Principal.runAs(effect, who)), (error) => error as { _tag: string; permission?: string })
          const seat = { entitlementId: entitlement.id, assignee: user("emp-1") }
          const get = yield* denied(licensing.getEntitlement({ id: entitlement.id }), team.requester)
          assert.deepStrictEqual([get._tag, get.permission], ["AccessDenied", "license.read"])
          const read = yield* denied(licensing.listEntitlements({}), team.requester)
          assert.deepStrictEqual([read._tag, read.permission], ["AccessDenied", "license.read"])
          const assign = yield* denied(licensing.assignSeat(seat), team.storekeeper)
          assert.deepStrictEqual([assign._tag, assign.permission], ["AccessDenied", "license.assign"])
          assert.strictEqual((yield* denied(licensing.assignSeat(seat), team.buyer))._tag, "AccessDenied")
          const keys = yield* denied(licensing.updateEntitlement({ id: entitlement.id, licenseKeys: ["K-1"] }), team.mobile)
          assert.deepStrictEqual([keys._tag, keys.permission], ["AccessDenied", "license.manage"])
          yield* Principal.runAs(licensing.assignSeat(seat), team.assetAdmin)
          const release = yield* denied(licensing.releaseSeat(seat), team.storekeeper)
          assert.strictEqual(release.permission, "license.assign")
          yield* Principal.runAs(licensing.updateEntitlement({ id: entitlement.id, licenseKeys: ["K-1"] }), team.assetAdmin)
        }))

      it.effect("keeps tenants apart: another tenant's entitlement is not found", () =>
        Effect.gen(function*() {
          const { licensing, entitlement } = yield* licensed(2)
          const other = Fixtures.team(freshTenant())
          const as = <A, Err>(effect: Effect.Effect<A, Err, Principal.CurrentPrincipal>) => Principal.runAs(effect, other.assetManager)
          assert.strictEqual((yield* as(licensing.listEntitlements({}))).items.length, 0)
          const read = failureOf(yield* Effect.exit(as(licensing.getEntitlement({ id: entitlement.id }))))
          assert.deepStrictEqual([read._tag, read.message], ["NotFound", `Entitlement ${entitlement.id} was not found`])
          const assign = yield* refusedWithoutWrites(other.admin, as(licensing.assignSeat({ entitlementId: entitlement.id, assignee: user("x") })))
          assert.strictEqual(assign._tag, "NotFound")
          const update = yield* refusedWithoutWrites(other.admin, as(licensing.updateEntitlement({ id: entitlement.id, licenseKeys: ["K"] })))
          assert.strictEqual(update._tag, "NotFound")
          const seats = failureOf(yield* Effect.exit(as(licensing.listSeatAssignments({ entitlementId: entitlement.id }))))
          assert.strictEqual(seats._tag, "NotFound")
        }))
    })
  })
}
