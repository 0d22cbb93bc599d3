import { assert, describe, it } from "@effect/vitest"
import { Cli } from "@procura/cli"
import { Principal, Storage } from "@procura/core"
import { SqlStorage } from "@procura/storage-sql"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const capture = (signal?: AbortSignal) => {
  const out: Array<string> = []
  const err: Array<string> = []
  return {
    io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t), tty: false, ...(signal ? { signal } : {}) },
    out,
    err
  }
}

describe("procura worker and dead-letters", () => {
  it("runs one delivery pass, and runs continuously until stopped", async () => {
    const dir = mkdtempSync(join(tmpdir(), "procura-worker-"))
    try {
      const dataDir = join(dir, "data")
      const once = capture()
      assert.strictEqual(await Cli.main(["worker", "--once", "--data-dir", dataDir], once.io), 0, once.err.join(""))
      assert.include(once.out.join(""), "one pass done")

      const bad = capture()
      assert.strictEqual(await Cli.main(["worker", "--attempts", "zero", "--data-dir", dataDir], bad.io), 2)
      assert.include(bad.err.join(""), "attempts")

      const controller = new AbortController()
      const running = capture(controller.signal)
      const done = Cli.main(["worker", "--poll-interval", "20", "--data-dir", dataDir], running.io)
      setTimeout(() => controller.abort(), 2_500) // PGlite starts in ~2 s; stopping earlier is fine too
      assert.strictEqual(await done, 0, running.err.join(""))
      assert.include(running.out.join(""), "Procura worker stopped.")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it("lists dead letters and refuses to replay what it cannot", async () => {
    const dir = mkdtempSync(join(tmpdir(), "procura-dead-letters-"))
    try {
      const dataDir = join(dir, "data")
      const empty = capture()
      assert.strictEqual(await Cli.main(["dead-letters", "list", "--data-dir", dataDir], empty.io), 0, empty.err.join(""))
      assert.include(empty.out.join(""), "No dead letters.")

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
          const [event] = yield* storage.readEvents({ after: 0, limit: 1 })
          yield* storage.parkEvent({
            id: Storage.deadLetterId("erp-sync", event!.id),
            subscriber: "erp-sync",
            event: event!,
            error: "ERP said no",
            attempts: 5,
            firstFailedAt: "2026-01-01T00:00:01.000Z",
            lastFailedAt: "2026-01-01T00:00:31.000Z"
          })
        }).pipe(Principal.runAs({ userId: "t", tenantId: "acme", roles: [] }), Effect.provide(SqlStorage.layerPglite({ dataDir })))
      )

      const listed = capture()
      assert.strictEqual(await Cli.main(["dead-letters", "list", "--data-dir", dataDir], listed.io), 0, listed.err.join(""))
      assert.include(listed.out.join(""), "erp-sync/e-1")
      assert.include(listed.out.join(""), "attempts 5")
      assert.include(listed.out.join(""), "ERP said no")
      const json = capture()
      assert.strictEqual(await Cli.main(["dead-letters", "list", "--json", "--data-dir", dataDir], json.io), 0)
      assert.deepStrictEqual(JSON.parse(json.out.join("")).map((l: { id: string }) => l.id), ["erp-sync/e-1"])

      const unknownSubscriber = capture()
      assert.strictEqual(await Cli.main(["dead-letters", "replay", "erp-sync/e-1", "--data-dir", dataDir], unknownSubscriber.io), 1)
      assert.include(unknownSubscriber.err.join(""), "UnknownSubscriber")
      const unknownLetter = capture()
      assert.strictEqual(await Cli.main(["dead-letters", "replay", "nope/e-9", "--data-dir", dataDir], unknownLetter.io), 1)
      assert.include(unknownLetter.err.join(""), "UnknownDeadLetter")
      const neither = capture()
      assert.strictEqual(await Cli.main(["dead-letters", "replay", "--data-dir", dataDir], neither.io), 2)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
