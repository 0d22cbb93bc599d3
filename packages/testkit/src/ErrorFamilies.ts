/**
 * Checks that every error class a package exports has a declared problem family, so a new
 * error family cannot reach hosts as an anonymous 500.
 *
 * ```ts
 * import * as MyPlugin from "../src/index.js"
 *
 * it("declares a status for every error it exports", () => {
 *   assert.deepStrictEqual(ErrorFamilies.undeclared(MyPlugin, myPlugin.errors ?? []), [])
 * })
 * ```
 *
 * @since 0.1.0
 */
import { Problem } from "@procura/core"

/**
 * An error class found among a module's exports, with the `_tag` of its instances.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorClass {
  /** Where it was found: `Receiving.ReceivingError`. */
  readonly path: string
  readonly tag: string
}

const isErrorClass = (value: unknown): value is new(...args: ReadonlyArray<any>) => Error =>
  typeof value === "function" && value.prototype instanceof Error

const tagOf = (constructor: new(...args: ReadonlyArray<any>) => Error): string | undefined => {
  for (const args of [[{}], ["x"], []] as const) {
    try {
      const tag = (new constructor(...args) as { readonly _tag?: unknown })._tag
      if (typeof tag === "string") return tag
    } catch {
      // try the next constructor shape
    }
  }
  return undefined
}

/**
 * The tagged error classes among a module's exports and its namespaces' exports (one level
 * down, as `export * as X` gives them), each once.
 *
 * @since 0.1.0
 * @category getters
 */
export const errorClasses = (exports: object): ReadonlyArray<ErrorClass> => {
  const found = new Map<unknown, ErrorClass>()
  const visit = (namespace: object, prefix: string, depth: number) => {
    for (const [name, value] of Object.entries(namespace)) {
      if (isErrorClass(value)) {
        const tag = tagOf(value)
        if (tag !== undefined && !found.has(value)) found.set(value, { path: `${prefix}${name}`, tag })
      } else if (depth === 0 && typeof value === "object" && value !== null && !Array.isArray(value)) {
        visit(value, `${prefix}${name}.`, depth + 1)
      }
    }
  }
  visit(exports, "", 0)
  return [...found.values()]
}

/**
 * The exported error classes that neither the core nor the given families declare: each would
 * be an `InternalError` (500) to hosts. Empty when every one has a deliberate status.
 *
 * @since 0.1.0
 * @category getters
 */
export const undeclared = (exports: object, families: Iterable<Problem.Family> = []): ReadonlyArray<ErrorClass> => {
  const registry = Problem.registry(families)
  return errorClasses(exports).filter((error) => !registry.has(error.tag))
}

/**
 * The markdown table of a set of families' codes, statuses and titles, sorted by status then
 * code, as docs/guides/hosting-over-http.md carries them.
 *
 * @since 0.1.0
 * @category getters
 */
export const codeTable = (families: Iterable<Problem.Family>): string =>
  [
    "| code | status | title |",
    "| --- | :-: | --- |",
    ...[...families]
      .flatMap(Problem.codesOf)
      .sort((a, b) => a.status - b.status || a.code.localeCompare(b.code))
      .map((c) => `| \`${c.code}\` | ${c.status} | ${c.title} |`)
  ].join("\n")

const tableBounds = (markdown: string, name: string): { readonly from: number; readonly end: number } | undefined => {
  const open = `<!-- codes: ${name} -->\n`
  const start = markdown.indexOf(open)
  if (start < 0) return undefined
  const from = start + open.length
  const end = markdown.indexOf("<!-- end codes -->", from)
  return end < 0 ? undefined : { from, end }
}

/**
 * The table a markdown document carries between `<!-- codes: NAME -->` and `<!-- end codes -->`
 * (without its last newline), or `undefined` when it has no such markers.
 *
 * @since 0.1.0
 * @category getters
 */
export const tableIn = (markdown: string, name: string): string | undefined => {
  const bounds = tableBounds(markdown, name)
  return bounds === undefined ? undefined : markdown.slice(bounds.from, bounds.end).replace(/\n$/, "")
}

/**
 * The markdown document with the table between its `<!-- codes: NAME -->` markers replaced, to
 * regenerate a guide (the document unchanged when it has no such markers).
 *
 * @since 0.1.0
 * @category constructors
 */
export const withTable = (markdown: string, name: string, table: string): string => {
  const bounds = tableBounds(markdown, name)
  return bounds === undefined ? markdown : `${markdown.slice(0, bounds.from)}${table}\n${markdown.slice(bounds.end)}`
}
