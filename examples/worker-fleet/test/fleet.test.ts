/**
 * The fleet script as its users run it: a child process on a fresh PostgreSQL database, three
 * `procura worker` processes of its own (the built CLI), one of them SIGKILLed mid-stream. The
 * verdict is the script's report; the waits inside it are on observable conditions with deadlines.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, assert, describe, it } from "vitest"
import type { FleetReport } from "../src/Report.js"

const example = fileURLToPath(new URL("..", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "procura-fleet-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Runs `src/fleet.ts` with flags; its exit code and output. */
const fleet = (flags: ReadonlyArray<string>) =>
  new Promise<{ readonly code: number | null; readonly out: string; readonly err: string }>((resolve, reject) => {
    // A fresh database of the test server (PROCURA_TEST_DATABASE_URL, else 127.0.0.1:5432), never a configured one.
    const { PROCURA_DATABASE_URL: _ignored, ...env } = process.env
    const child = spawn(process.execPath, ["--import", "tsx", "src/fleet.ts", ...flags], { cwd: example, env })
    let out = ""
    let err = ""
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()))
    child.once("error", reject)
    child.once("exit", (code) => resolve({ code, out, err }))
  })

/** As the repository's PostgreSQL tests: `PROCURA_SKIP_POSTGRES=1` skips the run where no server is at hand (CI never does). */
const postgres = process.env["PROCURA_SKIP_POSTGRES"] !== "1"

describe("examples/worker-fleet", () => {
  it.skipIf(!postgres)("kills a worker mid-stream: nothing is lost, order per aggregate is kept, the others carry on", async () => {
    const reportFile = join(dir, "report.json")
    const run = await fleet(["--workers", "3", "--orders", "12", "--kill-after", "6", "--report-file", reportFile])
    assert.strictEqual(run.code, 0, `${run.out}\n${run.err}`)
    const report = JSON.parse(readFileSync(reportFile, "utf8")) as FleetReport

    assert.isTrue(report.ok)
    assert.isAbove(report.appended, 12 * 8, "every order appended its events (request, approval, order, submit, two receipts)")
    assert.isDefined(report.caughtUpMillis)
    for (const subscriber of report.subscribers) {
      assert.strictEqual(subscriber.delivered, report.appended, `${subscriber.subscriber} holds every event`)
      assert.deepStrictEqual(subscriber.lost, [], `${subscriber.subscriber} lost nothing`)
      assert.deepStrictEqual(subscriber.outOfOrder, [], `${subscriber.subscriber} kept order per aggregate`)
    }
    assert.deepStrictEqual(report.subscribers.map((s) => s.subscriber), ["fleet-ledger-1", "fleet-ledger-2", "fleet-ledger-3"])

    const killed = report.workers.filter((worker) => worker.killed)
    assert.deepStrictEqual(killed.map((worker) => worker.name), [report.killed.name])
    assert.strictEqual(killed[0]!.ended?.signal, "SIGKILL")
    assert.strictEqual(report.killed.afterOrder, 6)
    const killedWasDelivering = report.killed.subscribers.filter((s) => s.before === report.killed.name)
    assert.isNotEmpty(killedWasDelivering, "the killed worker was delivering when it died")
    for (const subscriber of killedWasDelivering) {
      assert.isDefined(subscriber.after, `${subscriber.subscriber} went on after the kill`)
      assert.notStrictEqual(subscriber.after, report.killed.name, `another worker took ${subscriber.subscriber} over`)
      assert.isAbove(report.subscribers.find((s) => s.subscriber === subscriber.subscriber)!.deliveredBy[subscriber.after!]!, 0)
    }
    for (const survivor of report.workers.filter((worker) => !worker.killed)) {
      assert.deepStrictEqual(survivor.ended, { code: 0, signal: null }, `${survivor.name} stopped cleanly on SIGTERM`)
    }

    assert.include(run.out, `SIGKILL ${report.killed.name}`)
    assert.match(run.out, /fleet-ledger-1 +\d+\/\d+ +0 +\d+ +kept/)
    assert.include(run.out, "Nothing lost: every event reached every ledger, in order per aggregate.")
  }, 180_000)

  it("refuses a wrong flag with the usage, exit code 2", async () => {
    const run = await fleet(["--kill-after", "9", "--orders", "9"])
    assert.strictEqual(run.code, 2)
    assert.include(run.err, "--kill-after must be below --orders (9)")
    assert.include(run.err, "Usage: fleet.ts [--workers N]")
  }, 60_000)
})
