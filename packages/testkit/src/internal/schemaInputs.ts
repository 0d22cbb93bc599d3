/**
 * Inputs from zod schemas, for the bad-input property: a small generator walking a zod 4 schema
 * (`schema._zod.def` and `schema._zod.bag`) to build a value of the right shape, recording every
 * place in it (a "site") that can then be broken. It covers the shapes the operations catalogue
 * uses; a shape it does not know fails loudly ({@link Unsupported}) rather than being skipped.
 *
 * Randomness comes from a {@link Source} of choices, so a property-testing library drives it (and
 * shrinks a failing case towards the first option of every choice).
 */
import { Money } from "@procura/core"
import type { z } from "zod"

/** Where a value sits in an input: object keys and array indexes. */
export type Path = ReadonlyArray<string | number>

/** The choices a generated value is made of. `int(n)` is in `0 .. n - 1`. */
export interface Source {
  readonly int: (n: number) => number
}

/**
 * A source replaying a list of choices, each taken modulo what is asked for, then going on with
 * a pseudo-random sequence seeded by them (so simpler choices give simpler values, and a retry
 * never loops on the same ones).
 */
export const sourceOf = (choices: ReadonlyArray<number>): Source => {
  let i = 0
  let state = choices.reduce((h, c) => Math.imul(h ^ c, 16_777_619) >>> 0, 2_166_136_261) || 1
  const next = () => {
    if (i < choices.length) return choices[i++]!
    // xorshift32
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state
  }
  return { int: (n) => (n <= 1 ? 0 : next() % n) }
}

/** What the generator asks its caller: a record id (or a person's) for a field, by its name. */
export interface Hints {
  readonly id: (key: string, source: Source) => string
}

/** A schema shape the generator does not know. */
export class Unsupported extends Error {
  readonly path: Path
  readonly type: string
  constructor(path: Path, type: string) {
    super(`cannot generate a value for a zod "${type}" at ${path.length === 0 ? "(input)" : path.join(".")}`)
    this.path = path
    this.type = type
  }
}

/** The kinds of leaves and nodes a site can be. */
export type Kind = "string" | "number" | "boolean" | "enum" | "literal" | "object" | "array" | "record" | "null"

/** A place in a generated value that a mutation can break. */
export interface Site {
  readonly path: Path
  readonly kind: Kind
  /** The node's schema, with optional, default, nullable and readonly wrappers removed. */
  readonly schema: z.ZodType
  /** The field's name, when the site is a field of an object. */
  readonly key?: string
  /** Whether the generated value has something here (an optional field may have been left out). */
  readonly present: boolean
  /** An object field the schema cannot do without (leaving it out is invalid). */
  readonly required: boolean
  /** The value here may be `null`. */
  readonly nullable: boolean
  /** Whether the site is in a part of the input the schema fully decides (not in a union or unknown). */
  readonly decided: boolean
  /** The string is an id (a record's, or a person's). */
  readonly id: boolean
  /** The string is a currency (`Money.Currency`). */
  readonly currency: boolean
}

type Def = {
  readonly type: string
  readonly [key: string]: any
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def
/**
 * A schema's bounds, read from its checks: `minimum` and `maximum` (lengths for strings and
 * arrays, values for numbers, with `exclusiveMinimum` / `exclusiveMaximum` for `gt` / `lt`),
 * `format` (a string's, or `safeint` for integers) and whether a string has a `pattern`.
 */
const bagOf = (schema: z.ZodType): Record<string, any> => {
  const def = defOf(schema)
  const bag: Record<string, any> = {}
  if (typeof def.format === "string") bag["format"] = def.format
  for (const check of (def.checks ?? []) as ReadonlyArray<{ _zod: { def: Record<string, any> } }>) {
    const c = check._zod.def
    switch (c["check"]) {
      case "min_length":
        bag["minimum"] = Math.max(bag["minimum"] ?? 0, c["minimum"])
        break
      case "max_length":
        bag["maximum"] = Math.min(bag["maximum"] ?? Infinity, c["maximum"])
        break
      case "length_equals":
        bag["minimum"] = bag["maximum"] = c["length"]
        break
      case "greater_than":
        if (c["inclusive"]) bag["minimum"] = Math.max(bag["minimum"] ?? -Infinity, c["value"])
        else bag["exclusiveMinimum"] = Math.max(bag["exclusiveMinimum"] ?? -Infinity, c["value"])
        break
      case "less_than":
        if (c["inclusive"]) bag["maximum"] = Math.min(bag["maximum"] ?? Infinity, c["value"])
        else bag["exclusiveMaximum"] = Math.min(bag["exclusiveMaximum"] ?? Infinity, c["value"])
        break
      case "number_format":
        bag["format"] = c["format"]
        break
      case "string_format":
        if (c["format"] === "regex") bag["pattern"] = true
        else bag["format"] = c["format"]
        break
    }
  }
  return bag
}

/** Whether a schema takes `undefined` (optional, defaulted, unknown). */
const takesUndefined = (schema: z.ZodType): boolean => {
  try {
    return schema.safeParse(undefined).success
  } catch {
    return false
  }
}

const wrappers = new Set(["optional", "default", "prefault", "readonly", "nonoptional", "catch"])

/** Removes optional, default and readonly wrappers; tells whether a nullable wrapper was met. */
export const unwrap = (schema: z.ZodType): { readonly schema: z.ZodType; readonly nullable: boolean } => {
  let current = schema
  let nullable = false
  for (;;) {
    const def = defOf(current)
    if (wrappers.has(def.type)) current = def.innerType
    else if (def.type === "nullable") {
      nullable = true
      current = def.innerType
    } else if (def.type === "lazy") current = def.getter()
    // A pipe ending in a transform is generated from its start; otherwise its end decides.
    else if (def.type === "pipe") current = defOf(def.out).type === "transform" ? def.in : def.out
    else return { schema: current, nullable }
  }
}

/** Whether a field of this name holds ids. */
export const isIdKey = (key: string | undefined): boolean =>
  key !== undefined && (key === "id" || /[a-z]Ids?$/.test(key) || key === "issuedTo" || key === "assignedTo")

const isCurrency = (schema: z.ZodType): boolean => schema === (Money.Currency as unknown as z.ZodType)

const simpleKinds: Readonly<Record<string, Kind>> = {
  string: "string",
  number: "number",
  boolean: "boolean",
  enum: "enum",
  literal: "literal",
  object: "object",
  array: "array",
  record: "record"
}

const words = ["Laptop", "Mouse", "Dock", "Cable", "Toner", "Monitor", "Desk", "Phone", "Router", "Café", "Übergröße", "network"]

/** What text fields meet in the wild: quotes, separators, line breaks, other scripts, emoji. */
const oddities = ["\"quoted\"", "a,b;c:d", "line\nbreak", "tab\there", "ünïcödé", "日本語", "עברית", "🚀", "' OR 1=1 --", "%s%n", "\\back"]

const text = (source: Source, min: number, max: number): string => {
  const pick = () => (source.int(4) === 0 ? oddities[source.int(oddities.length)]! : words[source.int(words.length)]!)
  let out = pick()
  while (out.length < min) out += ` ${pick()}`
  out = out.slice(0, Math.max(max, 1)).trim()
  while (out.length < min) out += "x"
  return out
}

const two = (n: number) => String(n).padStart(2, "0")

/** A number within a schema's bounds, small (quantities, line numbers), an integer when asked. */
const numberFor = (schema: z.ZodType, key: string | undefined, source: Source): number => {
  const bag = bagOf(schema)
  const integer = bag["format"] === "safeint" || bag["format"] === "int32" || bag["format"] === "uint32"
  let low: number = bag["minimum"] ?? (bag["exclusiveMinimum"] !== undefined ? bag["exclusiveMinimum"] + (integer ? 1 : 0.5) : 0)
  let high: number = bag["maximum"] ?? (bag["exclusiveMaximum"] !== undefined ? bag["exclusiveMaximum"] - (integer ? 1 : 0.5) : low + 100)
  if (!Number.isFinite(low) || low < -1e6) low = 0
  if (!Number.isFinite(high) || high > 1e9) high = Math.max(low, 0) + 1e6
  const small = key === "lineNo" || key === "lineNos" || key === "cancelLines" || key === "removeLines" ? 3 : key?.toLowerCase().includes("amount") ? 200_000 : 6
  const span = Math.max(0, Math.min(high - low, small))
  const value = low + source.int(Math.floor(span) + 1)
  return integer ? Math.ceil(value) : value
}

/**
 * Generates a value of the schema's shape and lists its sites. Object fields that may be left
 * out are included half the time; a union takes one of its options.
 */
export const generate = (schema: z.ZodType, source: Source, hints: Hints): { readonly value: unknown; readonly sites: ReadonlyArray<Site> } => {
  const sites: Array<Site> = []
  /**
   * An object is generated again (up to 50 times) until it passes its own schema, so that
   * refinements across its fields ("give a or b, not both") are met most of the time.
   */
  const go = (node: z.ZodType, path: Path, key: string | undefined, required: boolean, decided: boolean): unknown => {
    if (defOf(unwrap(node).schema).type !== "object") return build(node, path, key, required, decided)
    const mark = sites.length
    let value: unknown
    for (let attempt = 0; attempt < 50; attempt++) {
      sites.length = mark
      value = build(node, path, key, required, decided)
      if (node.safeParse(value).success) break
    }
    return value
  }
  const build = (node: z.ZodType, path: Path, key: string | undefined, required: boolean, decided: boolean): unknown => {
    const { schema: inner, nullable } = unwrap(node)
    const def = defOf(inner)
    const site = (kind: Kind, extra: Partial<Site> = {}) =>
      sites.push({
        path,
        kind,
        schema: inner,
        ...(key !== undefined ? { key } : {}),
        required,
        present: true,
        nullable,
        decided,
        id: false,
        currency: false,
        ...extra
      })
    if (nullable && source.int(8) === 0) {
      site("null")
      return null
    }
    switch (def.type) {
      case "string": {
        const bag = bagOf(inner)
        const min: number = bag["minimum"] ?? 0
        const max: number = bag["maximum"] ?? 40
        if (isCurrency(inner)) {
          site("string", { currency: true })
          return source.int(4) === 0 ? ["USD", "JPY", "KWD", "CHF"][source.int(4)]! : "EUR"
        }
        const format: string | undefined = bag["format"]
        if (format !== undefined) {
          site("string")
          switch (format) {
            case "date":
              return `2026-${two(1 + source.int(12))}-${two(1 + source.int(28))}`
            case "datetime":
              return `2026-${two(1 + source.int(12))}-${two(1 + source.int(28))}T10:00:00Z`
            case "email":
              return `buyer${source.int(100)}@example.com`
            default:
              throw new Unsupported(path, `string with format ${format}`)
          }
        }
        if (bag["pattern"] === true) throw new Unsupported(path, "string with a pattern")
        if (isIdKey(key)) {
          site("string", { id: true })
          return hints.id(key!, source)
        }
        site("string")
        return text(source, Math.max(min, 1), Math.min(max, 40))
      }
      case "number":
        site("number")
        return numberFor(inner, key, source)
      case "boolean":
        site("boolean")
        return source.int(2) === 0
      case "enum": {
        site("enum")
        const values = Object.values(def.entries as Record<string, string | number>)
        return values[source.int(values.length)]
      }
      case "literal": {
        site("literal")
        const values = def.values as ReadonlyArray<unknown>
        return values[source.int(values.length)]
      }
      case "object": {
        site("object")
        const out: Record<string, unknown> = {}
        for (const [field, fieldSchema] of Object.entries(def.shape as Record<string, z.ZodType>)) {
          const needed = !takesUndefined(fieldSchema)
          if (!needed && source.int(2) === 0) {
            // Left out: still a site, so that wrong values can be put there.
            const absent = unwrap(fieldSchema)
            const kind = simpleKinds[defOf(absent.schema).type]
            if (kind !== undefined) {
              sites.push({
                path: [...path, field],
                kind,
                schema: absent.schema,
                key: field,
                required: false,
                present: false,
                nullable: absent.nullable,
                decided,
                id: kind === "string" && isIdKey(field) && bagOf(absent.schema)["format"] === undefined,
                currency: isCurrency(absent.schema)
              })
            }
            continue
          }
          out[field] = go(fieldSchema, [...path, field], field, needed, decided)
        }
        return out
      }
      case "array": {
        site("array")
        const bag = bagOf(inner)
        const min: number = bag["minimum"] ?? 0
        const max: number = bag["maximum"] ?? min + 3
        const length = Math.min(max, min + source.int(3))
        return Array.from({ length }, (_, i) => go(def.element, [...path, i], key, true, decided))
      }
      case "record": {
        site("record")
        const out: Record<string, unknown> = {}
        const names = ["colour", "size", "bandwidth", "vendor"]
        for (let i = source.int(3); i > 0; i--) {
          const name = names[source.int(names.length)]!
          out[name] = go(def.valueType, [...path, name], name, false, decided)
        }
        return out
      }
      case "union": {
        const options = def.options as ReadonlyArray<z.ZodType>
        return go(options[source.int(options.length)]!, path, key, required, decided && options.length === 1)
      }
      case "unknown":
      case "any":
        // An import row given as a value: what a caller could send; the operation checks it.
        return source.int(2) === 0 ? { sku: text(source, 1, 10), name: text(source, 1, 20), kind: "hardware" } : text(source, 1, 10)
      default:
        throw new Unsupported(path, def.type)
    }
  }
  const value = go(schema, [], undefined, true, true)
  return { value, sites }
}

/**
 * Every string and every array of a schema (in every option of every union) without a maximum
 * length, by path (`lines.*.description`; an array's path ends with `[]`).
 */
export const unbounded = (schema: z.ZodType): ReadonlyArray<string> => {
  const found: Array<string> = []
  const seen = new Set<z.ZodType>()
  const go = (node: z.ZodType, path: Path): void => {
    const { schema: inner } = unwrap(node)
    if (seen.has(inner) && defOf(inner).type !== "string") return
    seen.add(inner)
    const def = defOf(inner)
    const at = path.length === 0 ? "(input)" : path.join(".")
    switch (def.type) {
      case "string":
        if (!isCurrency(inner) && bagOf(inner)["maximum"] === undefined && bagOf(inner)["format"] === undefined) found.push(at)
        return
      case "object":
        for (const [field, fieldSchema] of Object.entries(def.shape as Record<string, z.ZodType>)) go(fieldSchema, [...path, field])
        return
      case "array":
        if (bagOf(inner)["maximum"] === undefined) found.push(`${at}[]`)
        return go(def.element, [...path, "*"])
      case "record":
        go(def.keyType, [...path, "(key)"])
        return go(def.valueType, [...path, "*"])
      case "union":
        for (const option of def.options as ReadonlyArray<z.ZodType>) go(option, path)
        return
      default:
        return
    }
  }
  go(schema, [])
  return found
}

/** A change to a generated value, meant to break it. */
export interface Mutation {
  /** What kind of change. */
  readonly name: MutationName
  readonly path: Path
  /**
   * The schema must refuse the changed input (`ValidationError`, naming the path). When false
   * (an optional field left out, an id nothing has), the change may be valid: any typed answer
   * will do, and a refusal must write nothing.
   */
  readonly invalid: boolean
  readonly describe: string
  readonly apply: (value: unknown) => unknown
}

/**
 * The kinds of mutation: a value of the wrong type, a field left out, a string over its
 * maximum, an id nothing has, a negative, fractional, infinite or huge number, an unknown currency,
 * text no adapter can store (a NUL character, an unpaired UTF-16 surrogate), a list over its
 * maximum length.
 */
export type MutationName =
  | "wrongType"
  | "missingField"
  | "oversizeString"
  | "unknownId"
  | "negativeNumber"
  | "fractionalNumber"
  | "infiniteNumber"
  | "hugeNumber"
  | "unstorableText"
  | "oversizeList"
  | "unknownCurrency"

const clone = (value: unknown): unknown => (value === undefined ? undefined : structuredClone(value))

/** The value with the node at `path` replaced (or, for `undefined`, removed). */
export const setAt = (value: unknown, path: Path, replacement: unknown): unknown => {
  if (path.length === 0) return replacement
  const copy = clone(value) as Record<string | number, unknown>
  let node = copy
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>
  const last = path[path.length - 1]!
  if (replacement === undefined) delete node[last]
  else node[last] = replacement
  return copy
}

/** The JSON types a site takes (none for enums and literals: any other string is wrong too). */
const typeOf = (kind: Kind): ReadonlyArray<string> =>
  kind === "enum" || kind === "literal" ? [] : kind === "record" ? ["object"] : kind === "null" ? ["null"] : [kind]

const samples: Record<string, unknown> = { string: "not-this", number: 7, boolean: true, object: { unexpected: 1 }, array: [1, 2], null: null }

/** The mutations that can be applied to a generated value, given its sites. */
export const mutations = (sites: ReadonlyArray<Site>): ReadonlyArray<Mutation> => {
  const out: Array<Mutation> = []
  const at = (path: Path) => (path.length === 0 ? "(input)" : path.join("."))
  for (const site of sites) {
    if (site.kind === "null") continue
    const where = at(site.path)
    const accepted = new Set([...typeOf(site.kind), ...(site.nullable ? ["null"] : [])])
    for (const type of ["string", "number", "boolean", "object", "array", "null"]) {
      if (accepted.has(type)) continue
      out.push({
        name: "wrongType",
        path: site.path,
        invalid: site.decided,
        describe: `${where}: a ${type} instead of a ${site.kind}`,
        apply: (value) => setAt(value, site.path, samples[type])
      })
    }
    if (site.present && site.key !== undefined && site.path.length > 0 && typeof site.path[site.path.length - 1] === "string") {
      out.push({
        name: "missingField",
        path: site.path,
        invalid: site.required && site.decided,
        describe: `${where} left out${site.required ? "" : " (optional)"}`,
        apply: (value) => setAt(value, site.path, undefined)
      })
    }
    if (site.kind === "string" && !site.currency) {
      const max: number | undefined = bagOf(site.schema)["maximum"]
      const length = max === undefined ? 1_000_000 : max + 1 + (max % 7)
      if (length <= 1_000_000) {
        out.push({
          name: "oversizeString",
          path: site.path,
          invalid: site.decided,
          describe: `${where}: ${length} characters${max === undefined ? " (the schema states no maximum)" : ` (at most ${max})`}`,
          apply: (value) => setAt(value, site.path, "é".repeat(length))
        })
      }
    }
    if (site.kind === "string" && !site.currency) {
      for (const [what, odd] of [["a NUL character", "\u0000"], ["an unpaired surrogate", "\uD800"]] as const) {
        out.push({
          name: "unstorableText",
          path: site.path,
          invalid: site.decided,
          describe: `${where}: text with ${what}`,
          apply: (value) => setAt(value, site.path, `ab${odd}cd`)
        })
      }
    }
    if (site.kind === "array") {
      const max: number | undefined = bagOf(site.schema)["maximum"]
      if (max !== undefined && max <= 100_000) {
        out.push({
          name: "oversizeList",
          path: site.path,
          invalid: site.decided,
          describe: `${where}: ${max + 1} items (at most ${max})`,
          apply: (value) => {
            const current = site.path.reduce<any>((node, step) => node?.[step], value)
            const item = Array.isArray(current) && current.length > 0 ? current[0] : null
            return setAt(value, site.path, Array.from({ length: max + 1 }, () => item))
          }
        })
      }
    }
    if (site.id) {
      out.push({
        name: "unknownId",
        path: site.path,
        invalid: false,
        describe: `${where}: an id nothing has`,
        apply: (value) => setAt(value, site.path, "unknown-0190d7a0-0000-7000-8000-000000000000")
      })
    }
    if (site.kind === "number") {
      const bag = bagOf(site.schema)
      const nonNegative = (bag["minimum"] ?? -Infinity) >= 0 || (bag["exclusiveMinimum"] ?? -Infinity) >= 0
      const integer = bag["format"] === "safeint"
      out.push({
        name: "negativeNumber",
        path: site.path,
        invalid: nonNegative && site.decided,
        describe: `${where}: -3${nonNegative ? "" : " (the schema allows negatives)"}`,
        apply: (value) => setAt(value, site.path, -3)
      })
      out.push({
        name: "fractionalNumber",
        path: site.path,
        invalid: integer && site.decided,
        describe: `${where}: 1.5${integer ? "" : " (the schema allows fractions)"}`,
        apply: (value) => setAt(value, site.path, 1.5)
      })
      const max: number | undefined = bag["maximum"] ?? bag["exclusiveMaximum"]
      const huge = max !== undefined && max < Number.MAX_SAFE_INTEGER ? max + 1 : Number.MAX_SAFE_INTEGER
      out.push({
        name: "hugeNumber",
        path: site.path,
        invalid: max !== undefined && max < Number.MAX_SAFE_INTEGER && site.decided,
        describe: `${where}: ${huge}${max !== undefined && max < Number.MAX_SAFE_INTEGER ? ` (at most ${max})` : " (the schema states no maximum)"}`,
        apply: (value) => setAt(value, site.path, huge)
      })
      out.push({
        name: "infiniteNumber",
        path: site.path,
        invalid: site.decided,
        describe: `${where}: Infinity`,
        apply: (value) => setAt(value, site.path, Number.POSITIVE_INFINITY)
      })
    }
    if (site.currency) {
      for (const code of ["EUX", "eur", "XXX", "HRK"]) {
        out.push({
          name: "unknownCurrency",
          path: site.path,
          invalid: site.decided,
          describe: `${where}: the currency ${code}`,
          apply: (value) => setAt(value, site.path, code)
        })
      }
    }
  }
  return out
}
