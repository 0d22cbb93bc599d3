/**
 * The embedded footprint: how long a host takes from its start to Procura's first answer, and
 * how much resident memory it holds then and after more operations, on memory storage and on
 * PGlite, against a bare process started the same way (the baseline of the ratios).
 *
 * Every measurement runs in a process of its own (`footprint-child.ts`), started as the bench
 * is (`tsx` with the `@procura/source` condition), one after the other so they do not compete.
 */
import { spawn } from "node:child_process"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import type { FootprintRequest, FootprintSample, FootprintTarget } from "./footprint-child.js"
import { median } from "./measure.js"

/** A configuration measured, by the name the bench prints. */
export interface FootprintConfiguration {
  readonly name: string
  /** What the child builds; `dataDir` stands for the round's folder of PGlite files. */
  readonly target: FootprintTarget
  /** Whether the round's folder is emptied before this configuration starts. */
  readonly freshDataDir?: boolean
}

/** The medians of a configuration's rounds. */
export interface FootprintResult extends FootprintSample {
  readonly name: string
}

/** What the bench measures: the footprint of each configuration, and of the bare process. */
export interface FootprintReport {
  readonly bare: FootprintResult
  readonly results: ReadonlyArray<FootprintResult>
  readonly rounds: number
  readonly furtherOperations: number
}

/** The placeholder of the round's folder in a configuration's PGlite options. */
export const dataDirPlaceholder = "<dataDir>"

const childScript = fileURLToPath(new URL("./footprint-child.ts", import.meta.url))

/** Starts a child as the bench itself runs, and reads the one JSON line it prints. */
const runChild = (request: FootprintRequest): Effect.Effect<FootprintSample, Error> =>
  Effect.callback<FootprintSample, Error>((resume) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", "--import", "tsx", "--conditions=@procura/source", childScript, JSON.stringify(request)],
      { stdio: ["ignore", "pipe", "pipe"] }
    )
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()))
    child.on("error", (error) => resume(Effect.fail(error)))
    child.on("close", (code) => {
      const line = stdout.trim().split("\n").at(-1)
      resume(
        code === 0 && line !== undefined && line.startsWith("{")
          ? Effect.succeed(JSON.parse(line) as FootprintSample)
          : Effect.fail(new Error(`footprint child ${JSON.stringify(request.target)} exited with ${code}: ${stderr.trim()}`))
      )
    })
    return Effect.sync(() => child.kill())
  })

/** The target with the round's folder in place of {@link dataDirPlaceholder}. */
const inFolder = (target: FootprintTarget, dataDir: string): FootprintTarget =>
  target.storage === "pglite" && target.options.dataDir === dataDirPlaceholder
    ? { ...target, options: { ...target.options, dataDir } }
    : target

const medianSample = (name: string, samples: ReadonlyArray<FootprintSample>): FootprintResult => ({
  name,
  firstMillis: median(samples.map((sample) => sample.firstMillis)),
  firstRss: median(samples.map((sample) => sample.firstRss)),
  steadyRss: median(samples.map((sample) => sample.steadyRss)),
  steadyMillis: median(samples.map((sample) => sample.steadyMillis))
})

/**
 * Measures the bare process and every configuration `rounds` times, in rounds (each round one
 * child per configuration, in order, sharing one folder of PGlite files), and gives the medians.
 */
export const footprintBenchmark = (
  configurations: ReadonlyArray<FootprintConfiguration>,
  options: { readonly rounds: number; readonly furtherOperations: number }
): Effect.Effect<FootprintReport, Error> =>
  Effect.gen(function*() {
    const bare: Array<FootprintSample> = []
    const samples = configurations.map((): Array<FootprintSample> => [])
    for (let round = 0; round < options.rounds; round++) {
      bare.push(yield* runChild({ target: { storage: "bare" }, furtherOperations: 0 }))
      const dataDir = yield* Effect.promise(() => mkdtemp(join(tmpdir(), "procura-footprint-")))
      yield* Effect.ensuring(
        Effect.forEach(configurations, (configuration, index) =>
          Effect.gen(function*() {
            if (configuration.freshDataDir === true) {
              yield* Effect.promise(() => rm(dataDir, { recursive: true, force: true }))
            }
            const target = inFolder(configuration.target, dataDir)
            samples[index]!.push(yield* runChild({ target, furtherOperations: options.furtherOperations }))
          })),
        Effect.promise(() => rm(dataDir, { recursive: true, force: true }))
      )
    }
    return {
      bare: medianSample("bare node", bare),
      results: configurations.map((configuration, index) => medianSample(configuration.name, samples[index]!)),
      rounds: options.rounds,
      furtherOperations: options.furtherOperations
    }
  })

/** PGlite's settings the footprint compares with its defaults (see `PgliteClientConfig.settings`). */
export const smallBuffers = { shared_buffers: "16MB" } as const

/**
 * What an embedding host runs on: memory storage; PGlite in memory (every start creates the
 * database); PGlite on disk, created by the first start and reopened by the next ones; each
 * PGlite start also with {@link smallBuffers}.
 */
export const embeddedConfigurations: ReadonlyArray<FootprintConfiguration> = [
  { name: "memory storage", target: { storage: "memory" } },
  { name: "PGlite in memory", target: { storage: "pglite", options: {} } },
  { name: "PGlite in memory, shared_buffers 16MB", target: { storage: "pglite", options: { settings: smallBuffers } } },
  { name: "PGlite on disk, created", target: { storage: "pglite", options: { dataDir: dataDirPlaceholder } }, freshDataDir: true },
  { name: "PGlite on disk, reopened", target: { storage: "pglite", options: { dataDir: dataDirPlaceholder } } },
  {
    name: "PGlite on disk, reopened, shared_buffers 16MB",
    target: { storage: "pglite", options: { dataDir: dataDirPlaceholder, settings: smallBuffers } }
  }
]

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0)
const count = (n: number) => n.toLocaleString("en-US", { maximumFractionDigits: 0 })

/** Prints a line per configuration: time to the first answer, resident memory, ratios to the bare process. */
export const printFootprint = (report: FootprintReport): void => {
  const { bare } = report
  console.log(
    `\nEmbedded footprint: from process start to the first operation's answer (createProcura, then createVendor), ` +
      `resident memory (after a full garbage collection) then and after ${report.furtherOperations} more operations; each in a fresh process started as the bench is ` +
      `(tsx, from source), against a bare process started the same way (median of ${report.rounds} rounds)`
  )
  console.log(`${"bare node".padEnd(46)} started ${count(bare.firstMillis).padStart(6)} ms   RSS ${mib(bare.firstRss).padStart(4)} MiB`)
  for (const result of report.results) {
    console.log(
      `${result.name.padEnd(46)} first operation ${count(result.firstMillis).padStart(6)} ms after start (bare ${count(bare.firstMillis)} ms, ratio ${(result.firstMillis / bare.firstMillis).toFixed(1)})` +
        `   RSS ${mib(result.firstRss).padStart(4)} MiB (bare ${mib(bare.firstRss)} MiB, ratio ${(result.firstRss / bare.firstRss).toFixed(1)})` +
        `, after ${report.furtherOperations} more ${mib(result.steadyRss).padStart(4)} MiB (${count(result.steadyMillis)} ms)`
    )
  }
}
