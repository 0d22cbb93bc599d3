/**
 * The fleet's processes: `procura worker`, the installed executable of `@procura/cli`, started as
 * a child process per worker on one database, watched through what it prints, killed with
 * SIGKILL (a crash: no cleanup, its leases left to expire) or stopped with SIGTERM (a clean stop).
 *
 * @since 0.0.0
 */
import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { hostname } from "node:os"
import { dirname, join } from "node:path"
import { createInterface } from "node:readline"

/**
 * The installed `procura` executable: the `bin` of `@procura/cli`'s package.json (its built
 * `dist/bin.js`), as `npx procura` would run it.
 *
 * @since 0.0.0
 * @category constants
 */
export const procuraBin = (): string => {
  const manifest = createRequire(import.meta.url).resolve("@procura/cli/package.json")
  const { bin } = JSON.parse(readFileSync(manifest, "utf8")) as { readonly bin: { readonly procura: string } }
  return join(dirname(manifest), bin.procura)
}

/**
 * How a worker process ended: its exit code, or the signal that ended it.
 *
 * @since 0.0.0
 * @category models
 */
export interface Ended {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

/**
 * A running `procura worker`.
 *
 * @since 0.0.0
 * @category models
 */
export interface Worker {
  readonly name: string
  readonly pid: number
  /** `<host>:<pid>`, as the fleet ledger names the process that delivered an event. */
  readonly process: string
  /** Settles when the worker said it started; fails if it ended first, with what it printed. */
  readonly started: Promise<void>
  readonly ended: Promise<Ended>
  /** SIGKILL: the process dies at once, mid-event perhaps, holding whatever lease it held. */
  readonly kill: () => void
  /** SIGTERM: the worker finishes cleanly, releasing its leases. */
  readonly stop: () => void
}

/**
 * Options of {@link start}.
 *
 * @since 0.0.0
 * @category options
 */
export interface StartOptions {
  readonly databaseUrl: string
  /** The configuration file enabling the plugins whose subscribers it runs. */
  readonly config: string
  /** More `procura worker` flags: `--lease-ttl`, `--poll-interval`, ... */
  readonly flags: ReadonlyArray<string>
  /** Called with each line the worker prints, on stdout or stderr. */
  readonly onLine: (line: string, stream: "stdout" | "stderr") => void
}

/**
 * Starts `procura worker --config <config> <flags>` with `PROCURA_DATABASE_URL` set (the URL stays
 * out of the process list).
 *
 * @since 0.0.0
 * @category constructors
 */
export const start = (name: string, options: StartOptions): Worker => {
  const child = spawn(process.execPath, [procuraBin(), "worker", "--config", options.config, ...options.flags], {
    env: { ...process.env, PROCURA_DATABASE_URL: options.databaseUrl },
    stdio: ["ignore", "pipe", "pipe"]
  })
  const printed: Array<string> = []
  let markStarted: () => void = () => {}
  const started = new Promise<void>((resolve) => (markStarted = resolve))
  for (const stream of ["stdout", "stderr"] as const) {
    createInterface({ input: child[stream] }).on("line", (line) => {
      printed.push(line)
      if (line.startsWith("Procura worker started")) markStarted()
      options.onLine(line, stream)
    })
  }
  const ended = new Promise<Ended>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })))
  return {
    name,
    pid: child.pid!,
    process: `${hostname()}:${child.pid}`,
    started: Promise.race([
      started,
      ended.then((end) => {
        throw new Error(`${name} ended (${end.signal ?? `exit code ${end.code}`}) before it started:\n${printed.join("\n")}`)
      })
    ]),
    ended,
    kill: () => child.kill("SIGKILL"),
    stop: () => child.kill("SIGTERM")
  }
}
