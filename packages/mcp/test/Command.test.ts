import { assert, describe, it } from "@effect/vitest"
import { Command } from "@procura/mcp"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

const run = async (argv: ReadonlyArray<string>, env: Record<string, string> = {}) => {
  const err: Array<string> = []
  const code = await Command.main(argv, { err: (text) => void err.push(text), env })
  return { code, err: err.join("") }
}

describe("procura-mcp usage errors", () => {
  it("needs a principal, refuses a malformed one or an unknown role, before any storage starts", async () => {
    const none = await run([])
    assert.strictEqual(none.code, 2)
    assert.include(none.err, "--as USER@TENANT:ROLE[,ROLE] (or PROCURA_AS)")

    const malformed = await run(["--as", "pat"])
    assert.strictEqual(malformed.code, 2)
    assert.include(malformed.err, "pat is not a principal")

    const typo = await run([], { PROCURA_AS: "pat@acme:procurment_manager" })
    assert.strictEqual(typo.code, 2)
    assert.include(typo.err, `unknown role "procurment_manager"; did you mean "procurement_manager"?`)
  })

  it("refuses an unknown flag, a bad port and a missing or invalid configuration file", async () => {
    const flag = await run(["--as", "pat@acme:requester", "--stdio"])
    assert.strictEqual(flag.code, 2)
    assert.include(flag.err, "--stdio")

    const port = await run(["--as", "pat@acme:requester", "--http", "--port", "http"])
    assert.strictEqual(port.code, 2)
    assert.include(port.err, "--port takes a port number")

    const missing = await run(["--as", "pat@acme:requester", "--config", "nope.yaml"])
    assert.strictEqual(missing.code, 2)
    assert.include(missing.err, "No configuration file nope.yaml")

    const invalidFile = fileURLToPath(new URL("../package.json", import.meta.url))
    const invalid = await run(["--as", "pat@acme:requester", "--config", invalidFile])
    assert.strictEqual(invalid.code, 1)
    assert.include(invalid.err, "is invalid")
  })

  it("refuses to serve other machines without a token, and a token too short to guess at", async () => {
    const open = await run(["--as", "pat@acme:requester", "--http", "--host", "0.0.0.0"])
    assert.strictEqual(open.code, 2)
    assert.include(open.err, "--host 0.0.0.0 serves other machines")
    assert.include(open.err, "--token-file FILE (or PROCURA_MCP_TOKEN), or --unauthenticated")

    const weakEnv = await run(["--as", "pat@acme:requester", "--http"], { PROCURA_MCP_TOKEN: "secret" })
    assert.strictEqual(weakEnv.code, 2)
    assert.include(weakEnv.err, "PROCURA_MCP_TOKEN: the token has 6 characters; a bearer token needs at least 32")
    assert.notInclude(weakEnv.err, "secret")

    const dir = mkdtempSync(join(tmpdir(), "procura-mcp-tokens-"))
    try {
      const file = join(dir, "tokens")
      writeFileSync(file, `# rotated 2026-12\n${"a".repeat(32)}\n\nshort-one\n`)
      const weakFile = await run(["--as", "pat@acme:requester", "--http", "--token-file", file])
      assert.strictEqual(weakFile.code, 2)
      assert.include(weakFile.err, `--token-file ${file}, line 4: the token has 9 characters`)
      writeFileSync(file, `${"a".repeat(32)} sam@acme:storage_manager\n${"a".repeat(32)} rae@acme:requester\n`)
      const twice = await run(["--as", "pat@acme:requester", "--http", "--token-file", file])
      assert.strictEqual(twice.code, 2)
      assert.include(twice.err, `--token-file ${file}, line 2: the same token as --token-file ${file}, line 1`)
      writeFileSync(file, `${"b".repeat(32)} sam@acme:storage_manger\n`)
      const typo = await run(["--as", "pat@acme:requester", "--http", "--token-file", file, "--data-dir", join(dir, "data")])
      assert.strictEqual(typo.code, 2)
      assert.include(typo.err, `--token-file ${file}, line 1: unknown role "storage_manger"; did you mean "storage_manager"?`)
      writeFileSync(file, `${"a".repeat(32)} sam@acme:storage_manager extra\n`)
      const extra = await run(["--as", "pat@acme:requester", "--http", "--token-file", file])
      assert.strictEqual(extra.code, 2)
      assert.include(extra.err, "give TOKEN, or TOKEN USER@TENANT:ROLE[,ROLE]")
      writeFileSync(file, "# none yet\n")
      const empty = await run(["--as", "pat@acme:requester", "--http", "--token-file", file])
      assert.strictEqual(empty.code, 2)
      assert.include(empty.err, "has no token")
      const missing = await run(["--as", "pat@acme:requester", "--http", "--token-file", join(dir, "nope")])
      assert.strictEqual(missing.code, 2)
      assert.include(missing.err, "cannot read --token-file")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }

    // Over stdio, a token in the environment (for an HTTP server elsewhere) is not looked at.
    const stdioWithEnv = await run(["--as", "pat"], { PROCURA_MCP_TOKEN: "secret" })
    assert.include(stdioWithEnv.err, "pat is not a principal")
    assert.notInclude(stdioWithEnv.err, "PROCURA_MCP_TOKEN")

    const stdio = await run(["--as", "pat@acme:requester", "--unauthenticated"])
    assert.strictEqual(stdio.code, 2)
    assert.include(stdio.err, "--token-file and --unauthenticated are for --http")
  })

  it("prints its usage for --help", async () => {
    const help = await run(["--help"])
    assert.strictEqual(help.code, 0)
    assert.include(help.err, "procura-mcp --as USER@TENANT:ROLE[,ROLE] --http")
  })
})

describe("procura-mcp --http", () => {
  it("serves until its signal aborts, and says so on stderr", async () => {
    const controller = new AbortController()
    const dir = mkdtempSync(join(tmpdir(), "procura-mcp-cmd-"))
    const err: Array<string> = []
    try {
      const running = Command.main(["--as", "pat@acme:procurement_manager", "--http", "--port", "0", "--data-dir", join(dir, "data")], {
        err: (text) => {
          err.push(text)
          if (text.includes("serving")) controller.abort()
        },
        signal: controller.signal,
        env: {}
      })
      assert.strictEqual(await running, 0, err.join(""))
      assert.match(err.join(""), /serving \d+ tools at http:\/\/127\.0\.0\.1:\d+\/mcp as pat@acme on embedded PGlite.*, without authentication$/m)
      assert.include(err.join(""), "procura-mcp: stopped")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
