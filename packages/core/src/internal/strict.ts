/**
 * Strict configuration: zod schemas that refuse unknown keys at every level, and their issues
 * restated with the nearest valid key (`supplierProduct: unknown key; did you mean
 * "supplierProducts"?`). Private to core: `Plugin.validateConfig`, `Plugin.fromConfigFile` and
 * `TableConfig` use it.
 */
import { z } from "zod"
import type { Issue } from "../Errors.js"
import { unknownKeyMessage } from "./nearest.js"

type Def = Record<string, unknown> & { readonly type: string }

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def

/**
 * A copy of `schema` with some parts of its definition replaced. The definition is copied with
 * its getters (a default's value is computed afresh on each parse); metadata (descriptions) is
 * inherited.
 */
const withDef = (schema: z.ZodType, replaced: Record<string, unknown>): z.ZodType => {
  const def = Object.defineProperties({}, {
    ...Object.getOwnPropertyDescriptors(defOf(schema)),
    ...Object.getOwnPropertyDescriptors(replaced)
  }) as Def
  return (schema as unknown as { clone: (def: Def, params: { parent: boolean }) => z.ZodType }).clone(def, { parent: true })
}

const copies = new WeakMap<z.ZodType, z.ZodType>()

/** Replaces the schemas under `keys` of the definition with their strict copies; the schema itself when none changes. */
const mapChildren = (schema: z.ZodType, def: Def, keys: ReadonlyArray<string>): z.ZodType => {
  let changed = false
  const next: Record<string, unknown> = {}
  for (const key of keys) {
    const child = def[key]
    if (child === undefined || child === null) continue
    const mapped = Array.isArray(child) ? child.map((c: z.ZodType) => strict(c)) : strict(child as z.ZodType)
    if (Array.isArray(child) ? (mapped as Array<z.ZodType>).some((m, i) => m !== child[i]) : mapped !== child) changed = true
    next[key] = mapped
  }
  return changed ? withDef(schema, next) : schema
}

/** An object's strict copy: children converted on first use (so recursive schemas work), unknown keys refused. */
const strictObject = (schema: z.ZodType, def: Def): z.ZodType => {
  const shape = def["shape"] as Record<string, z.ZodType>
  const strictShape: Record<string, z.ZodType> = {}
  for (const key of Object.keys(shape)) {
    let cached: z.ZodType | undefined
    Object.defineProperty(strictShape, key, {
      enumerable: true,
      configurable: true,
      get: () => (cached ??= strict(shape[key]!))
    })
  }
  // An object that says what its other keys are (z.looseObject, .catchall(...)) keeps that.
  return withDef(schema, { shape: strictShape, catchall: def["catchall"] ?? z.never() })
}

/**
 * A copy of a schema in which every object refuses unknown keys (zod's strip mode becomes
 * strict), however deep: inside optionals, defaults, arrays, records, unions, intersections,
 * pipes and lazy schemas. Objects that declare their other keys (`z.looseObject`, `.catchall`)
 * and records are left as they say. Parsing with the copy gives the same output as the original.
 */
export const strict = <S extends z.ZodType>(schema: S): S => {
  const known = copies.get(schema)
  if (known !== undefined) return known as S
  const def = defOf(schema)
  let copy: z.ZodType
  switch (def.type) {
    case "object":
      copy = strictObject(schema, def)
      break
    case "lazy": {
      const getter = def["getter"] as () => z.ZodType
      copy = withDef(schema, { getter: () => strict(getter()) })
      break
    }
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
    case "success":
    case "promise":
      copy = mapChildren(schema, def, ["innerType"])
      break
    case "pipe":
      copy = mapChildren(schema, def, ["in", "out"])
      break
    case "array":
      copy = mapChildren(schema, def, ["element"])
      break
    case "set":
      copy = mapChildren(schema, def, ["valueType"])
      break
    case "record":
    case "map":
      copy = mapChildren(schema, def, ["valueType"])
      break
    case "tuple":
      copy = mapChildren(schema, def, ["items", "rest"])
      break
    case "union":
      copy = mapChildren(schema, def, ["options"])
      break
    case "intersection":
      copy = mapChildren(schema, def, ["left", "right"])
      break
    default:
      copy = schema
  }
  copies.set(schema, copy)
  return copy as S
}

/** The keys an object (or a record over a fixed set of keys) that reported unknown keys takes. */
const keysOf = (inst: unknown): ReadonlyArray<string> | undefined => {
  const def = (inst as { _zod?: { def?: Def } } | undefined)?._zod?.def
  if (def === undefined) return undefined
  if (def.type === "object") return Object.keys(def["shape"] as object)
  const values = (def["keyType"] as { _zod?: { values?: Set<unknown> } } | undefined)?._zod?.values
  return values === undefined ? undefined : [...values].map(String)
}

/** The keys of the objects that reported unknown keys in one parse, by issue. */
export type KnownKeys = (issue: z.core.$ZodIssueUnrecognizedKeys) => ReadonlyArray<string> | undefined

const issueKey = (path: ReadonlyArray<PropertyKey>, keys: ReadonlyArray<string>) =>
  JSON.stringify([path.map(String), keys])

/**
 * `schema.safeParse(input)`, remembering for each unknown-keys issue the keys its object takes
 * (zod's issues do not say), for messages naming the nearest valid key.
 */
export const parseKnowingKeys = <S extends z.ZodType>(
  schema: S,
  input: unknown
): { readonly result: z.ZodSafeParseResult<z.output<S>>; readonly knownKeys: KnownKeys } => {
  const known = new Map<string, ReadonlyArray<string>>()
  const result = schema.safeParse(input, {
    error: (issue) => {
      if (issue.code === "unrecognized_keys") {
        const keys = keysOf(issue.inst)
        if (keys !== undefined) known.set(issueKey(issue.path ?? [], issue.keys), keys)
      }
      return undefined
    }
  })
  return { result, knownKeys: (issue) => known.get(issueKey(issue.path, issue.keys)) }
}

const normalise = (path: ReadonlyArray<PropertyKey>): Array<string | number> =>
  path.map((p) => (typeof p === "symbol" ? String(p) : p))

/**
 * The issues of a zod error, with one issue per unknown key naming its path and the nearest valid
 * key (from `knownKeys`, which {@link parseKnowingKeys} gives).
 */
export const issuesOf = (error: z.ZodError, knownKeys: KnownKeys = () => undefined): Array<Issue> =>
  error.issues.flatMap((issue): Array<Issue> => {
    const path = normalise(issue.path)
    if (issue.code === "unrecognized_keys") {
      const known = knownKeys(issue)
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: known === undefined ? "unknown key" : unknownKeyMessage(key, known)
      }))
    }
    const expected = "expected" in issue && typeof issue.expected === "string" ? { expected: issue.expected } : {}
    return [{ path, message: issue.message, ...expected }]
  })

/**
 * Parses like `schema.safeParse`, failing with {@link issuesOf}'s issues: unknown keys each get an
 * issue of their own, with the nearest valid key.
 */
export const safeParse = <S extends z.ZodType>(
  schema: S,
  input: unknown
): { readonly success: true; readonly data: z.output<S> } | { readonly success: false; readonly issues: Array<Issue> } => {
  const { knownKeys, result } = parseKnowingKeys(schema, input)
  return result.success ? { success: true, data: result.data } : { success: false, issues: issuesOf(result.error, knownKeys) }
}
