// The command line used wrongly: usage errors exit 2 with the command's usage and the nearest
// known flag, command, operation or role; `config validate` names every problem in one run.
import { assert, describe, it } from "@effect/vitest"
import { Cli } from "@procura/cli"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const capture = () => {
  const out: Array<string> = []
  const err: Array<string> = []
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), tty: false }, out, err }
}

/** Runs the CLI; the exit code, what it printed and what it printed as errors. */
const run = async (argv: ReadonlyArray<string>) => {
  const { io, out, err } = capture()
  const code = await Cli.main(argv, io)
  return { code, out: out.join(""), err: err.join("") }
}

const demoConfig = fileURLToPath(new URL("../../../docs/examples/procura.config.yaml", import.meta.url))

describe("procura CLI usage errors", () => {
  it("an unknown flag prints the command's usage with the nearest flag and exits 2, without a stack trace", async () => {
    const result = await run(["ops", "--jsn"])
    assert.strictEqual(result.code, 2)
    assert.isTrue(result.err.startsWith(`procura ops: unknown option --jsn; did you mean "--json"?\n\nUsage:\n  procura ops [--json] [--config FILE]`), result.err)
    assert.notInclude(result.err, "procura demo", "only the command's own usage")
    assert.notInclude(result.err, "ERR_PARSE_ARGS")
    assert.notInclude(result.err, "    at ")

    const far = await run(["migrate", "--force"])
    assert.strictEqual(far.code, 2)
    assert.include(far.err, "procura migrate: unknown option --force; options: --data-dir, --database-url")
    assert.include(far.err, "procura migrate [--data-dir DIR | --database-url URL]")

    const worker = await run(["worker", "--onec"])
    assert.strictEqual(worker.code, 2)
    assert.include(worker.err, `unknown option --onec; did you mean "--once"?`)
  })

  it("a flag missing its value, or an unexpected argument, is a usage error too", async () => {
    const missing = await run(["op", "catalog.listVendors", "--as"])
    assert.strictEqual(missing.code, 2)
    assert.include(missing.err, "procura op: ")
    assert.include(missing.err, "--as")
    assert.include(missing.err, "procura op <operation-id> --schema")

    const extra = await run(["ops", "catalog"])
    assert.strictEqual(extra.code, 2)
    assert.include(extra.err, "procura ops: ")
    assert.include(extra.err, "catalog")

    const subcommand = await run(["config", "valdate", demoConfig])
    assert.strictEqual(subcommand.code, 2)
    assert.include(subcommand.err, `procura config: unknown subcommand valdate; did you mean "validate"?`)
    assert.include(subcommand.err, "procura config schema <plugin>")
  })

  it("an unknown command prints the usage with the nearest command and exits 2", async () => {
    const result = await run(["opps"])
    assert.strictEqual(result.code, 2)
    assert.isTrue(result.err.startsWith(`Unknown command opps; did you mean "ops"?\n\nprocura: the Procura command line`), result.err)
    const far = await run(["frobnicate"])
    assert.strictEqual(far.code, 2)
    assert.isTrue(far.err.startsWith("Unknown command frobnicate\n\n"), far.err)
  })

  it("prints one command's usage for help <command> and <command> --help", async () => {
    const topic = await run(["help", "op"])
    assert.strictEqual(topic.code, 0)
    assert.include(topic.out, "procura op <operation-id> --as USER@TENANT:ROLE[,ROLE]")
    assert.notInclude(topic.out, "procura demo")
    const flag = await run(["worker", "--help"])
    assert.strictEqual(flag.code, 0)
    assert.include(flag.out, "procura worker [--config FILE]")
    const all = await run([])
    assert.strictEqual(all.code, 0)
    for (const command of ["demo", "migrate", "ops", "op", "catalog import", "config validate", "worker", "dead-letters list"]) {
      assert.include(all.out, `procura ${command}`)
    }
  })

  it("an unknown operation id names the nearest", async () => {
    const result = await run(["op", "purchasing.submitPurchaseOrdr", "--schema"])
    assert.strictEqual(result.code, 2)
    assert.strictEqual(result.err, "Unknown operation purchasing.submitPurchaseOrdr; did you mean \"purchasing.submitPurchaseOrder\"? `procura ops` lists them.\n")
    const bare = await run(["op", "submitPurchaseOrder", "--schema"])
    assert.include(bare.err, `did you mean "purchasing.submitPurchaseOrder"?`)
  })

  it("an unknown role in --as names the nearest and exits 2 before anything runs", async () => {
    const result = await run(["op", "catalog.listVendors", "--as", "pat@acme:requester,procurment_manager"])
    assert.strictEqual(result.code, 2)
    assert.strictEqual(result.err, `--as: unknown role "procurment_manager"; did you mean "procurement_manager"?\n`)
    // A role an enabled plugin names (the approvals policy's finance_controller) is known: the run
    // goes past the roles and stops at the malformed input instead.
    const unknownWithout = await run(["op", "catalog.listVendors", "--as", "fin@acme:finance_controller", "--input", "{"])
    assert.include(unknownWithout.err, `unknown role "finance_controller"`)
    const known = await run(["op", "catalog.listVendors", "--config", demoConfig, "--as", "fin@acme:finance_controller", "--input", "{"])
    assert.strictEqual(known.code, 2)
    assert.include(known.err, "The input is not valid JSON")
  })
})

describe("procura config validate", () => {
  it("reports every problem of every plugin in one run, with the nearest valid key or plugin, and exits 1", async () => {
    const dir = mkdtempSync(join(tmpdir(), "procura-validate-"))
    try {
      const file = join(dir, "procura.config.yaml")
      writeFileSync(
        file,
        [
          "plugins:",
          "  itam-spo:",
          "    supplierProduct: false",
          "  approvals:",
          "    policy:",
          "      rows:",
          "        - when: { amount: { gt: lots } }",
          "          then: { approver: { kind: manager }, lable: Manager }",
          "  spm-oversite: {}",
          ""
        ].join("\n")
      )
      const result = await run(["config", "validate", file])
      assert.strictEqual(result.code, 1)
      assert.strictEqual(result.out, "")
      assert.strictEqual(
        result.err,
        [
          `${file} is invalid (4 problems):`,
          `  plugins.itam-spo.supplierProduct: unknown key; did you mean "supplierProducts"?`,
          `  plugins.approvals.policy.rows.0.when.amount.gt: expected a number (column "amount" is a number), got "lots" (expected a number)`,
          `  plugins.approvals.policy.rows.0.then.lable: unknown key; did you mean "label"?`,
          `  plugins.spm-oversite: no plugin "spm-oversite" is installed; did you mean "spm-oversight"?`,
          ""
        ].join("\n")
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("refuses an unknown top-level key, naming the nearest", async () => {
    const dir = mkdtempSync(join(tmpdir(), "procura-validate-"))
    try {
      const file = join(dir, "procura.config.json")
      writeFileSync(file, JSON.stringify({ plugin: { "itam-spo": {} } }))
      const result = await run(["config", "validate", file])
      assert.strictEqual(result.code, 1)
      assert.strictEqual(result.err, `${file} is invalid (1 problem):\n  plugin: unknown key; did you mean "plugins"?\n`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("accepts the documented example", async () => {
    const result = await run(["config", "validate", demoConfig])
    assert.strictEqual(result.code, 0, result.err)
    assert.include(result.out, "is valid: approvals@0.1.0")
  })
})
