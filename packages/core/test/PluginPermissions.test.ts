// Plugins declare permissions of their own, with default roles; the composition checks them.
import { assert, describe, it } from "@effect/vitest"
import { Access, Operation, Plugin, Principal, Procura } from "@procura/core"
import { MemoryStorage } from "@procura/storage-memory"
import { Cause, Effect, Exit, Layer, Option } from "effect"
import { z } from "zod"

const ping = (permission: Access.AnyPermission) =>
  Operation.make({
    id: "radar.ping",
    summary: "Answer pong.",
    kind: "query",
    permission,
    input: z.object({}),
    output: z.object({ answer: z.string() }),
    events: [],
    handler: () => Effect.succeed({ answer: "pong" })
  })

const radar = (permissions: Record<string, Plugin.PermissionDeclaration>, permission: Access.AnyPermission = "radar/ping", id = "radar") =>
  Plugin.make({
    id,
    version: "1.0.0",
    description: "A plugin with a permission of its own.",
    config: z.object({}),
    contribute: () => ({ operations: { ping: ping(permission) }, permissions: permissions as Record<Access.PluginPermission, Plugin.PermissionDeclaration> })
  })

const refusal = (enabled: ReadonlyArray<Plugin.Enabled>): Plugin.PluginError => {
  const exit = Effect.runSyncExit(Plugin.compose(enabled))
  assert.isTrue(Exit.isFailure(exit), "expected the composition to be refused")
  return Option.getOrThrow(Cause.findErrorOption((exit as Exit.Failure<unknown, Plugin.PluginError>).cause))
}

const pinger = { description: "Ping the radar", roles: ["radar_operator"] }

describe("plugin permissions", () => {
  it("refuses a plugin permission named like a core permission, naming both", () => {
    const error = refusal([Plugin.enable(radar({ "catalog.read": pinger }, "catalog.read"), {})])
    assert.strictEqual(error.reason, "PermissionConflict")
    assert.include(error.message, "Plugin radar declares the permission catalog.read, which clashes with the core permission catalog.read")
    assert.include(error.message, "e.g. radar/catalog.read")
    assert.deepStrictEqual(error.issues[0]!.path, ["plugins", "radar", "permissions", "catalog.read"])
  })

  it("refuses two plugins declaring one permission, naming the first holder", () => {
    const error = refusal([
      Plugin.enable(radar({ "radar/ping": pinger }), {}),
      Plugin.enable(radar({ "radar/ping": pinger }, "radar/ping", "sonar"), {})
    ])
    assert.strictEqual(error.reason, "PermissionConflict")
    assert.include(error.message, "Plugin sonar declares the permission radar/ping, which clashes with the permission radar/ping of plugin radar")
  })

  it("refuses a permission name without a namespace", () => {
    const error = refusal([Plugin.enable(radar({ "Ping Radar": pinger }, "radar/ping"), {})])
    assert.strictEqual(error.reason, "PermissionConflict")
    assert.include(error.message, "plugin permissions are named <plugin>/<name>")
  })

  it("refuses an operation requiring a permission nobody declares", () => {
    const error = refusal([Plugin.enable(radar({ "radar/ping": pinger }, "radar/pnig"), {})])
    assert.strictEqual(error.reason, "UnknownPermission")
    assert.include(error.message, "Operation radar.ping of plugin radar requires the permission radar/pnig, which neither the core nor an enabled plugin declares; declared plugin permissions: radar/ping")
  })

  it("grants a plugin permission to its default roles and admin; a host matrix may re-grant it", () =>
    Effect.gen(function*() {
      const composition = yield* Plugin.compose([Plugin.enable(radar({ "radar/ping": pinger }), {})])
      const operation = Procura.catalogueWith(composition).get("radar.ping")!
      const run = (roles: ReadonlyArray<string>) =>
        Effect.exit(Principal.runAs(Operation.run(operation)({}), { userId: "u", tenantId: "t", roles }).pipe(
          Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(MemoryStorage.layer())))
        ))
      assert.isTrue(Exit.isSuccess(yield* run(["radar_operator"])))
      assert.isTrue(Exit.isSuccess(yield* run(["admin"])))
      const denied = yield* run(["procurement_manager"])
      const error = Option.getOrThrow(Cause.findErrorOption((denied as Exit.Failure<unknown, { message: string }>).cause))
      assert.include(error.message, "lacks the permission radar/ping; it is granted to admin, radar_operator")

      const matrix: Access.Matrix = { ...Access.defaultMatrix, "radar/ping": ["procurement_manager"] }
      const regranted = yield* Effect.exit(
        Principal.runAs(Operation.run(operation)({}), { userId: "u", tenantId: "t", roles: ["procurement_manager"] }).pipe(
          Effect.provide(Procura.layerFromComposition(composition).pipe(Layer.provideMerge(MemoryStorage.layer()))),
          Effect.provideService(Access.PermissionMatrix, matrix)
        )
      )
      assert.isTrue(Exit.isSuccess(regranted))
      assert.deepStrictEqual(
        Access.holdersOf(matrix, "radar/ping", { "radar/ping": ["radar_operator"] }),
        ["procurement_manager"],
        "the host's entry wins over the plugin's default"
      )
    }))

  it("without the plugin, nobody but admin holds its permission, and the message says why", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Principal.runAs(Access.authorize("radar/ping"), { userId: "u", tenantId: "t", roles: ["radar_operator"] }))
      const error = Option.getOrThrow(Cause.findErrorOption((exit as Exit.Failure<unknown, { message: string }>).cause))
      assert.include(error.message, "no matrix or enabled plugin declares it")
      assert.isTrue(Access.isAllowed(Access.defaultMatrix, { userId: "a", tenantId: "t", roles: ["admin"] }, "radar/ping"))
      const merged = yield* Effect.provideService(Access.matrixInForce, Access.PluginPermissions, { "radar/ping": ["radar_operator"] })
      assert.deepStrictEqual(merged["radar/ping"], ["radar_operator"])
      assert.deepStrictEqual(merged["catalog.read"], Access.defaultMatrix["catalog.read"])
    }))
})
