/**
 * One measurement of the embedded footprint, in a process of its own (started by
 * `footprint.ts`): builds Procura the way an embedding host does, on the storage named by the
 * first argument, runs a first operation, then more, and prints one JSON line, a
 * {@link FootprintSample}.
 *
 * The argument is a {@link FootprintRequest} as JSON. `bare` imports nothing and answers at once:
 * the cost of the process and its loader alone. Storage packages are imported when needed, so
 * every target pays for what it uses and nothing else.
 */
import type { SqlStorage } from "@procura/storage-sql"

/** What a child builds: no Procura at all, Procura on memory storage, or Procura on PGlite. */
export type FootprintTarget =
  | { readonly storage: "bare" }
  | { readonly storage: "memory" }
  | { readonly storage: "pglite"; readonly options: SqlStorage.PgliteOptions }

/** What a child reports: milliseconds from its start to the first answer, its resident memory, and how long the further operations took. */
export interface FootprintSample {
  /** From the process's start (`performance.timeOrigin`) to the first operation's answer. */
  readonly firstMillis: number
  /** Resident set size in bytes right after the first operation (after a full garbage collection). */
  readonly firstRss: number
  /** Resident set size in bytes after the further operations. */
  readonly steadyRss: number
  /** How long the further operations took, in milliseconds. */
  readonly steadyMillis: number
}

/** The argument of a child: what to build, and how many operations follow the first. */
export interface FootprintRequest {
  readonly target: FootprintTarget
  readonly furtherOperations: number
}

const { target, furtherOperations } = JSON.parse(process.argv[2] ?? "") as FootprintRequest

const storageOf = async (target: Exclude<FootprintTarget, { storage: "bare" }>) => {
  if (target.storage === "memory") {
    const { MemoryStorage } = await import("@procura/storage-memory")
    return MemoryStorage.layer()
  }
  const { SqlStorage } = await import("@procura/storage-sql")
  return SqlStorage.layerPglite(target.options)
}

/**
 * The resident set size after a full garbage collection (the child runs with `--expose-gc`), so
 * the figure is what the process holds rather than when V8 last collected.
 */
const residentBytes = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().rss
}

const measure = async (): Promise<FootprintSample> => {
  if (target.storage === "bare") {
    const rss = residentBytes()
    return { firstMillis: performance.now(), firstRss: rss, steadyRss: rss, steadyMillis: 0 }
  }
  const { createProcura } = await import("@procura/core/promise")
  const procura = createProcura({ storage: await storageOf(target) })
  const buyer = procura.as({ userId: "pat", tenantId: "acme", roles: ["procurement_manager"] })
  // Codes of this process's own: a reopened database keeps the vendors of the runs before.
  const code = (i: number) => `V${process.pid}-${i}`
  try {
    await buyer.catalog.createVendor({ code: code(0), name: "Vendor 0" })
    const firstMillis = performance.now()
    const firstRss = residentBytes()
    const steadyStart = performance.now()
    for (let i = 1; i <= furtherOperations; i++) {
      await buyer.catalog.createVendor({ code: code(i), name: `Vendor ${i}` })
    }
    return { firstMillis, firstRss, steadyMillis: performance.now() - steadyStart, steadyRss: residentBytes() }
  } finally {
    await procura.dispose()
  }
}

measure().then(
  (sample) => console.log(JSON.stringify(sample)),
  (error: unknown) => {
    console.error(error)
    process.exitCode = 1
  }
)
