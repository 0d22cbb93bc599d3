// The real process: src/main.ts started with tsx on a PGlite data directory, stopped with SIGTERM
// while a request is in flight, then started again on the same directory.
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { mkdtempSync, rmSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const exampleDir = fileURLToPath(new URL("..", import.meta.url))
const dataDir = mkdtempSync(join(tmpdir(), "procura-express-"))
const started: Array<ChildProcess> = []

interface Host {
  readonly child: ChildProcess
  readonly url: string
  /** Resolves with the first match of `pattern` in what the host printed, so far or later. */
  readonly printed: (pattern: RegExp) => Promise<RegExpExecArray>
  /** Resolves with the exit code once the process has exited and its output is read. */
  readonly exited: Promise<number | null>
}

/** Starts `src/main.ts` on any free port and the test's data directory; resolves once it listens. */
const start = async (): Promise<Host> => {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", PROCURA_DATA_DIR: dataDir }
  delete env["PROCURA_DATABASE_URL"]
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: exampleDir, env, stdio: ["ignore", "pipe", "pipe"] })
  started.push(child)
  let output = ""
  let closed = false
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text))
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text))
  const exited = once(child, "close").then(([code]) => {
    closed = true
    return code as number | null
  })
  const printed = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output)
        if (match !== null) resolve(match)
        else if (closed) reject(new Error(`the host exited without printing ${pattern}:\n${output}`))
        else child.stdout!.once("data", check)
      }
      check()
      void exited.then(check)
    })
  const [, url] = await printed(/at (http:\/\/127\.0\.0\.1:\d+)/)
  return { child, url: url!, printed, exited }
}

const get = async (url: string) => {
  const response = await fetch(url, { headers: { authorization: "Bearer rae-token" } })
  return { status: response.status, body: (await response.json()) as Record<string, any> }
}

afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  rmSync(dataDir, { recursive: true, force: true })
})

describe("examples/express-promise: the process", () => {
  // Two starts of PGlite on disk (the first applies the migrations): allow for a slow machine.
  it("on SIGTERM: finishes the request in flight, refuses new connections, exits 0; the data survives a restart", { timeout: 180_000 }, async () => {
    const first = await start()
    const { body: catalog } = await get(`${first.url}/catalog-items?sku=LAT-7450`)
    const laptopId: string = catalog["items"][0].id

    // A request whose headers the server has read (it answered 100 Continue) and whose body has
    // not been sent yet: in flight, whatever the timing.
    const body = JSON.stringify({ lines: [{ catalogItemId: laptopId, quantity: 1 }], justification: "New starter" })
    const inFlight = request(`${first.url}/requests`, {
      method: "POST",
      headers: {
        authorization: "Bearer rae-token",
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        expect: "100-continue"
      }
    })
    const response = once(inFlight, "response")
    inFlight.flushHeaders()
    await once(inFlight, "continue")

    first.child.kill("SIGTERM")
    await first.printed(/SIGTERM: shutting down/)
    // No new connections once shutting down.
    await expect(fetch(`${first.url}/catalog-items`)).rejects.toMatchObject({ cause: { code: "ECONNREFUSED" } })

    inFlight.end(body)
    const [answer] = await response
    let text = ""
    for await (const chunk of answer) text += chunk
    expect(answer.statusCode).toBe(201)
    const created = JSON.parse(text) as { id: string; status: string }
    expect(created.status).toBe("pending_approval")
    expect(await first.exited).toBe(0)
    await first.printed(/stopped/)

    // Started again on the same data directory: the request is there, the catalog not created twice.
    const second = await start()
    expect(await get(`${second.url}/requests/${created.id}`)).toMatchObject({ status: 200, body: { id: created.id, requesterId: "rae" } })
    expect((await get(`${second.url}/catalog-items?sku=LAT-7450`)).body["items"]).toHaveLength(1)
    second.child.kill("SIGTERM")
    expect(await second.exited).toBe(0)
  })
})
