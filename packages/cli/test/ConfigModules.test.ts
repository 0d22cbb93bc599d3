// A configuration file's `modules`: the host's own plugin modules, loaded relative to the file, whose
// plugins `plugins` enables like the installed ones; a module that cannot be used is an invalid
// configuration (exit 1) named with the file.
import { assert, describe, it } from "@effect/vitest"
import { Cli } from "@procura/cli"
import { Principal, Storage } from "@procura/core"
import { SqlStorage } from "@procura/storage-sql"
import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const fixtures = fileURLToPath(new URL("./fixtures/host-plugins/", import.meta.url))
const hostConfig = join(fixtures, "procura.config.yaml")

/** Runs the CLI; the exit code, what it printed and what it printed as errors. */
const run = async (argv: ReadonlyArray<string>) => {
  const out: Array<string> = []
  const err: Array<string> = []
  const code = await Cli.main(argv, { out: (t) => void out.push(t), err: (t) => void err.push(t), tty: false })
  return { code, out: out.join(""), err: err.join("") }
}

/** Runs `body` with a temporary folder, removed afterwards. */
const inTempDir = async <A>(body: (dir: string) => Promise<A>): Promise<A> => {
  const dir = mkdtempSync(join(tmpdir(), "procura-modules-"))
  try {
    return await body(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Writes a JSON configuration naming `modules` (absolute paths to the fixtures) and `plugins`. */
const configIn = (dir: string, content: object) => {
  const file = join(dir, "procura.config.json")
  writeFileSync(file, JSON.stringify(content))
  return file
}

describe("procura --config with modules (the host's own plugins)", () => {
  it("enables a module's plugin like an installed one: validate, schema, worker", async () => {
    const valid = await run(["config", "validate", hostConfig])
    assert.strictEqual(valid.code, 0, valid.err)
    assert.strictEqual(valid.out, `${hostConfig} is valid: host-audit@1.2.3, itam-spo@0.1.0\n`)

    const schema = await run(["config", "schema", "host-audit", "--config", hostConfig])
    assert.strictEqual(schema.code, 0, schema.err)
    assert.deepStrictEqual(JSON.parse(schema.out).required, ["label"])
    const withoutModules = await run(["config", "schema", "host-audit"])
    assert.strictEqual(withoutModules.code, 2)
    assert.include(withoutModules.err, `No plugin "host-audit"`)

    await inTempDir(async (dir) => {
      const dataDir = join(dir, "data")
      await Effect.runPromise(
        Effect.gen(function*() {
          const storage = yield* Storage.Storage
          yield* storage.appendEvents([{
            id: "e-1",
            tenantId: "acme",
            type: "vendor.created",
            aggregateType: "vendor",
            aggregateId: "v-1",
            actorId: "pat",
            occurredAt: "2026-01-01T00:00:00.000Z",
            payload: {}
          }])
        }).pipe(Principal.runAs({ userId: "pat", tenantId: "acme", roles: [] }), Effect.provide(SqlStorage.layerPglite({ dataDir })))
      )
      const worker = await run(["worker", "--once", "--config", hostConfig, "--data-dir", dataDir])
      assert.strictEqual(worker.code, 0, worker.err)
      assert.include(worker.out, "1 subscriber(s) (host-audit)")
      assert.include(worker.out, "host-audit: delivered 1, parked 0")
    })
  }, 60_000)

  it("refuses a module that is missing, fails to load, exports no plugin or a malformed one, exiting 1 with the file", async () => {
    await inTempDir(async (dir) => {
      const missing = join(fixtures, "nope.ts")
      const file = configIn(dir, {
        modules: [missing, join(fixtures, "throws.ts"), join(fixtures, "not-a-plugin.ts"), join(fixtures, "half-plugin.ts")],
        plugins: { "host-audit": { label: "x" } }
      })
      const result = await run(["worker", "--once", "--config", file, "--data-dir", join(dir, "data")])
      assert.strictEqual(result.code, 1)
      assert.strictEqual(result.out, "")
      assert.strictEqual(
        result.err,
        [
          `${file} is invalid (4 problems):`,
          `  modules.0: no file ${missing} ("${missing}", relative to ${dir})`,
          `  modules.1: ${join(fixtures, "throws.ts")} could not be loaded: the audit database is not configured`,
          `  modules.2: ${join(fixtures, "not-a-plugin.ts")} exports no plugin (its exports: answer, default); ` +
          "export the value of Plugin.make({ id, version, description, config, contribute }), as default or named export",
          `  modules.3: the default export of ${join(fixtures, "half-plugin.ts")} is not a plugin: it lacks ` +
          "version (a string), description (a string), config (a zod schema)",
          ""
        ].join("\n"),
        "the plugins are not checked while a module that may provide them did not load"
      )
      const validate = await run(["config", "validate", file])
      assert.strictEqual(validate.code, 1)
      assert.strictEqual(validate.err, result.err, "config validate reports the same")
    })
  })

  it("resolves modules relative to the configuration file and refuses package names with the re-export to write", async () => {
    await inTempDir(async (dir) => {
      const file = configIn(dir, { modules: ["./audit.ts", "@acme/procura-audit"], plugins: {} })
      const result = await run(["ops", "--config", file])
      assert.strictEqual(result.code, 1)
      assert.include(result.err, `${file} is invalid (2 problems):\n`)
      assert.include(result.err, `  modules.0: no file ${join(dir, "audit.ts")} ("./audit.ts", relative to ${dir})\n`)
      assert.include(
        result.err,
        `  modules.1: "@acme/procura-audit" is not a file path: name a module by its path relative to the configuration file ("./plugins.js"); ` +
          `to use a plugin published as a package, re-export it from such a file (export { myPlugin } from "@acme/procura-audit")\n`
      )
    })
  })

  it("refuses a plugin id that is already taken, a malformed modules list and an unknown top-level key", async () => {
    await inTempDir(async (dir) => {
      const clash = configIn(dir, { modules: [join(fixtures, "clash.ts"), join(fixtures, "audit.ts"), join(fixtures, "audit.ts")] })
      const taken = await run(["config", "validate", clash])
      assert.strictEqual(taken.code, 1)
      assert.strictEqual(
        taken.err,
        `${clash} is invalid (1 problem):\n  modules.0: plugin "approvals" of ${join(fixtures, "clash.ts")} has the id of an installed plugin; plugin ids must be unique\n`,
        "the same module named twice is loaded once"
      )

      const malformed = configIn(dir, { modules: "./audit.ts", module: [] })
      const listed = await run(["config", "validate", malformed])
      assert.strictEqual(listed.code, 1)
      assert.strictEqual(
        listed.err,
        `${malformed} is invalid (2 problems):\n` +
          `  module: unknown key; did you mean "modules"?\n` +
          `  modules: expected a list of file paths, relative to the configuration file\n`
      )
    })
  })

  it("checks the enabled plugins' configurations, a module's as an installed one's", async () => {
    await inTempDir(async (dir) => {
      const file = configIn(dir, { modules: [join(fixtures, "audit.ts")], plugins: { "host-audit": { lable: "x" }, "host-audti": {} } })
      const result = await run(["worker", "--once", "--config", file, "--data-dir", join(dir, "data")])
      assert.strictEqual(result.code, 1)
      assert.include(result.err, `${file} is invalid (3 problems):\n`)
      assert.include(result.err, `  plugins.host-audit.lable: unknown key; did you mean "label"?\n`)
      assert.include(result.err, `  plugins.host-audti: no plugin "host-audti" is installed; did you mean "host-audit"?\n`)

      const absent = await run(["worker", "--once", "--config", join(dir, "absent.yaml")])
      assert.strictEqual(absent.code, 2, "a configuration file that does not exist is a usage error")
      assert.strictEqual(absent.err, `No configuration file ${join(dir, "absent.yaml")}\n`)
    })
  })
})
