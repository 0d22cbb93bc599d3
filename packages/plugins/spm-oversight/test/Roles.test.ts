// Seed 001's access controls, role by role and operation by operation.
import { assert, describe, it, layer } from "@effect/vitest"
import { Access, Plugin, Procura } from "@procura/core"
import { Oversight, Roles, spmOversight } from "@procura/plugin-spm-oversight"
import { MemoryStorage } from "@procura/storage-memory"
import { Fixtures } from "@procura/testkit"
import { Cause, Effect, Exit, Option } from "effect"
import { as, example, freshTenant, oversight, procura } from "./fixtures.js"

/**
 * What each role may do, written from seed 001's table ("Access controls in the SPM
 * integration") with the roles each contains: agents contain it_project_user, managers
 * order_creator, it_project_user order_viewer, it_project_admin both; plus PPM's project manager.
 */
const seedTable: Readonly<Record<string, ReadonlyArray<string>>> = {
  order_fulfilment_agent: ["order.read", "order.fulfil", "order.note", "order.request_project", "project.read", "relationship.read", "template.read"],
  service_order_agent: ["order.read", "order.fulfil", "order.note", "order.request_project", "project.read", "relationship.read", "template.read"],
  order_fulfilment_manager: ["order.read", "order.create", "order.approve", "order.note", "order.request_project", "relationship.read"],
  service_order_manager: ["order.read", "order.create", "order.approve", "order.note", "order.request_project", "relationship.read"],
  it_project_user: ["order.read", "project.read", "relationship.read", "template.read"],
  it_project_admin: ["order.read", "order.create", "project.read", "project.manage", "relationship.read", "relationship.manage", "template.read"],
  it_project_manager: ["project.read", "project.manage", "relationship.read", "template.read"],
  procurement_manager: [],
  requester: []
}

const families = [
  "order.read",
  "order.create",
  "order.approve",
  "order.fulfil",
  "order.note",
  "order.request_project",
  "project.read",
  "project.manage",
  "relationship.read",
  "relationship.manage",
  "template.read"
]

describe("spm-oversight roles", () => {
  it("declares one permission per operation family, each operation under one of them", () => {
    assert.deepStrictEqual(Object.keys(Roles.permissions).toSorted(), families.map((f) => `spm-oversight/${f}`).toSorted())
    const operations = Oversight.makeOperations(Effect.runSync(Plugin.validateConfig(spmOversight, example())))
    for (const operation of Object.values(operations)) assert.include(Object.keys(Roles.permissions), operation.permission, operation.id)
  })

  layer(procura(example(), MemoryStorage.layer()), { excludeTestServices: true })((scoped) => {
    scoped.effect("each role is allowed exactly the operation families of seed 001's table, and admin all of them", () =>
      Effect.gen(function*() {
        const o = yield* oversight
        const tenant = freshTenant("roles")
        const methods = o as unknown as Record<string, (input: unknown) => Effect.Effect<unknown, unknown, never>>
        const operations = Oversight.makeOperations(Effect.runSync(Plugin.validateConfig(spmOversight, example())))
        const mismatches: Array<string> = []
        for (const [role, allowed] of [...Object.entries(seedTable), ["admin", families] as [string, ReadonlyArray<string>]]) {
          const who = Fixtures.principal(tenant, `user.${role}`, role)
          for (const [name, operation] of Object.entries(operations)) {
            // An empty input: allowed callers get past authorisation (and fail validation, or find nothing).
            const exit = yield* Effect.exit(as(who, methods[name]!({}) as Effect.Effect<unknown, unknown, never>))
            const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
            const denied = (error as { _tag?: string } | undefined)?._tag === "AccessDenied"
            const expected = allowed.includes(operation.permission.replace("spm-oversight/", ""))
            if (denied === expected) mismatches.push(`${role} ${name}: ${denied ? "denied" : "allowed"}`)
          }
        }
        assert.deepStrictEqual(mismatches, [])
      }))

    scoped.effect("a denial names the permission and the roles that hold it", () =>
      Effect.gen(function*() {
        const o = yield* oversight
        const buyer = Fixtures.principal(freshTenant("roles"), "pat", "procurement_manager")
        const denied = Fixtures.failureOf(yield* Effect.exit(as(buyer, o.approveOrderLines({ orderId: "x" }))))
        assert.strictEqual(denied._tag, "AccessDenied")
        assert.include(denied.message, "lacks the permission spm-oversight/order.approve; it is granted to admin, order_fulfilment_manager, service_order_manager")
      }))
  })

  it("a host's matrix may re-grant a plugin permission; those it leaves out keep the plugin's roles", async () => {
    const { createProcura } = await import("@procura/core/promise")
    const procuraClient = createProcura({
      storage: MemoryStorage.layer(),
      plugins: [Plugin.enable(spmOversight, example())],
      permissions: { ...Access.defaultMatrix, "spm-oversight/order.approve": ["order_approver"] }
    })
    const tenant = freshTenant("roles")
    try {
      const manager = Fixtures.principal(tenant, "max", "order_fulfilment_manager")
      const approver = Fixtures.principal(tenant, "oli", "order_approver")
      const created = await procuraClient.run("spm-oversight.createOrder", {
        account: { id: "a", name: "A" },
        lines: [{ productOffering: { id: "p", name: "P" }, site: { id: "s", name: "S" }, quantity: 1 }]
      }, { principal: manager }) as { order: { id: string } }
      await procuraClient.run("spm-oversight.approveOrderLines", { orderId: created.order.id }, { principal: manager }).then(
        () => assert.fail("the host's matrix took approval from managers"),
        (error: { _tag: string }) => assert.strictEqual(error._tag, "AccessDenied")
      )
      const approved = await procuraClient.run("spm-oversight.approveOrderLines", { orderId: created.order.id }, { principal: approver }) as { lines: ReadonlyArray<unknown> }
      assert.strictEqual(approved.lines.length, 1)
    } finally {
      await procuraClient.dispose()
    }
  })

  it("the operations and their permissions are in the catalogue the CLI and the Promise facade project", () => {
    const composition = Effect.runSync(Plugin.compose([Plugin.enable(spmOversight, example())]))
    const catalogue = Procura.catalogueWith(composition)
    assert.strictEqual(catalogue.get("spm-oversight.approveOrderLines")?.permission, "spm-oversight/order.approve")
    assert.deepStrictEqual(composition.permissions["spm-oversight/order.approve"]?.roles, ["order_fulfilment_manager", "service_order_manager"])
    assert.strictEqual(composition.permissions["spm-oversight/order.approve"]?.pluginId, "spm-oversight")
  })
})
