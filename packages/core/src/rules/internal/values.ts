/**
 * Values as decision tables compare and show them: normalizing input values by column type
 * (dates to epoch milliseconds), ISO-8601 parsing, and rendering values in messages and audit
 * records. Private to the rules module.
 */
import type { ColumnType, Json } from "./model.js"

/** A value shown in a message: strings quoted, dates as ISO-8601, long values cut. */
export const show = (value: unknown): string => {
  if (value === undefined) return "nothing"
  if (value === null || typeof value === "number" || typeof value === "boolean") return String(value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "an invalid Date" : value.toISOString()
  if (typeof value === "bigint") return `${value}n`
  if (typeof value === "function") return "a function"
  if (typeof value === "symbol") return value.toString()
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch {
    text = undefined
  }
  if (text === undefined) return Object.prototype.toString.call(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

export const isoPattern = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate()

/** Parses an ISO-8601 date or date-time to epoch milliseconds, or `undefined` if it is not one. */
export const parseIso = (text: string): number | undefined => {
  const m = isoPattern.exec(text)
  if (m === null) return undefined
  const year = Number(m[1])
  const month = Number(m[2])
  const day = Number(m[3])
  const hour = Number(m[4] ?? 0)
  const minute = Number(m[5] ?? 0)
  const second = Number(m[6] ?? 0)
  const millis = Number((m[7] ?? "0").padEnd(3, "0").slice(0, 3))
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    return undefined
  }
  let offset = 0
  const zone = m[8]
  if (zone !== undefined && zone !== "Z") {
    const digits = zone.slice(1).replace(":", "")
    const hours = Number(digits.slice(0, 2))
    const minutes = Number(digits.slice(2))
    if (hours > 23 || minutes > 59) return undefined
    offset = (zone[0] === "-" ? -1 : 1) * (hours * 60 + minutes)
  }
  const utc = new Date(0)
  utc.setUTCFullYear(year, month - 1, day)
  utc.setUTCHours(hour, minute, second, millis)
  return utc.getTime() - offset * 60_000
}

/** A date-like value as epoch milliseconds, or `undefined`. */
export const toInstant = (value: unknown): number | undefined => {
  if (typeof value === "string") return parseIso(value)
  if (value instanceof Date) {
    const time = value.getTime()
    return Number.isNaN(time) ? undefined : time
  }
  if (typeof value === "object" && value !== null && "epochMilliseconds" in value) {
    const millis = (value as { readonly epochMilliseconds: unknown }).epochMilliseconds
    return typeof millis === "number" && Number.isFinite(millis) ? millis : undefined
  }
  return undefined
}

/**
 * A value as the engine compares it: `undefined` when missing or null; dates as epoch
 * milliseconds; everything else as given.
 */
export type Normalized = string | number | boolean | ReadonlyArray<string> | undefined

export const expectedOf: { readonly [T in ColumnType]: string } = {
  string: "a string",
  number: "a number",
  boolean: "a boolean (true or false)",
  date: "an ISO-8601 date or date-time",
  "string[]": "a list of strings"
}

/** The column's value normalized, or `undefined` if `value` is not of its type. */
export const normalizeValue = (type: ColumnType, value: unknown): { readonly ok: Normalized } | undefined => {
  switch (type) {
    case "string":
      return typeof value === "string" ? { ok: value } : undefined
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? { ok: value } : undefined
    case "boolean":
      return typeof value === "boolean" ? { ok: value } : undefined
    case "date": {
      const instant = toInstant(value)
      return instant === undefined ? undefined : { ok: instant }
    }
    case "string[]":
      return Array.isArray(value) && value.every((member) => typeof member === "string")
        ? { ok: value as ReadonlyArray<string> }
        : undefined
  }
}

export const isEmptyValue = (value: Normalized): boolean =>
  value === undefined || value === "" || (Array.isArray(value) && value.length === 0)

export const toJson = (type: ColumnType, value: Normalized): Json => {
  if (value === undefined) return null
  if (type === "date") return new Date(value as number).toISOString()
  return value
}

/** A normalized value shown in an explanation: strings quoted, dates as ISO-8601. */
export const showValue = (type: ColumnType, value: Normalized): string => {
  if (type === "date" && typeof value === "number") return new Date(value).toISOString()
  return show(value)
}
