/**
 * Issues found while loading a table: zod's issues restated with the value received, and the
 * line and column of a path in YAML or JSON source. Private to the rules module.
 */
import { isNode, LineCounter, parseDocument } from "yaml"
import type { z } from "zod"
import type { Issue } from "../../Errors.js"
import { unknownKeyMessage } from "../../internal/nearest.js"
import type { KnownKeys } from "../../internal/strict.js"
import { show } from "./values.js"

export const valueAt = (root: unknown, path: ReadonlyArray<PropertyKey>): unknown => {
  let current = root
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined
    current = (current as Record<PropertyKey, unknown>)[key]
  }
  return current
}

const zodTypeNames: Readonly<Record<string, string>> = {
  nonoptional: "a value",
  record: "an object",
  object: "an object",
  array: "a list",
  tuple: "a list"
}

/**
 * Converts zod issues to issues naming the value received, under `prefix`; an unknown key names
 * the nearest valid key when `knownKeys` (from `parseKnowingKeys`) knows the object's keys.
 */
export const fromZod = (
  error: z.ZodError,
  root: unknown,
  prefix: ReadonlyArray<string | number>,
  knownKeys: KnownKeys = () => undefined
): Array<Issue> =>
  error.issues.flatMap((issue): Array<Issue> => {
    const path = [...prefix, ...issue.path.map((p) => (typeof p === "symbol" ? String(p) : p))]
    const received = valueAt(root, issue.path)
    const got = `got ${show(received)}`
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownKeys(issue)
        return issue.keys.map((key) => ({
          path: [...path, key],
          message: known === undefined ? `unknown key "${key}"` : unknownKeyMessage(key, known),
          received: valueAt(root, [...issue.path, key])
        }))
      }
      case "invalid_type":
        if (issue.message.startsWith("Invalid input")) {
          const expected = zodTypeNames[issue.expected] ?? `${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`
          const message = received === undefined ? `missing; expected ${expected}` : `expected ${expected}, ${got}`
          return [{ path, message, expected, received }]
        }
        break
      case "invalid_value":
        if (issue.message.startsWith("Invalid")) {
          const expected = `one of ${issue.values.map((v) => show(v)).join(", ")}`
          const message = received === undefined ? `missing; expected ${expected}` : `expected ${expected}, ${got}`
          return [{ path, message, expected, received }]
        }
        break
      default:
        break
    }
    return [{ path, message: `${issue.message}, ${got}`, received }]
  })

/** Finds where a path is in YAML (or JSON) source, for messages. */
export type Locate = (path: ReadonlyArray<string | number>) => string | undefined

export const locateIn = (text: string): Locate | undefined => {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter })
  if (document.errors.length > 0) return undefined
  return (path) => {
    for (let length = path.length; length >= 0; length--) {
      const node = length === 0 ? document.contents : document.getIn(path.slice(0, length), true)
      if (isNode(node) && node.range !== undefined && node.range !== null) {
        const { line, col } = lineCounter.linePos(node.range[0])
        return `line ${line}, column ${col}`
      }
    }
    return undefined
  }
}
