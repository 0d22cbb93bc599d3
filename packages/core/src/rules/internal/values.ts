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

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/** The days in a month (1-12) of a year; years 0 to 99 count as 1900 to 1999, as `Date.UTC` reads them. */
const daysIn = (year: number, month: number) => {
  if (month !== 2) return monthDays[month - 1]!
  const y = year < 100 ? year + 1900 : year
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (month 1-12), for years from
 * 100 on: civil-to-days arithmetic over 400-year eras, which starts each year on March 1st so that
 * February's leap day falls last.
 */
const daysFromEpoch = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** The number written by `count` ASCII digits of `text` at `at`, or -1 if any of them is not a digit (or is past the end). */
const digitsAt = (text: string, at: number, count: number): number => {
  let value = 0
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48
    if (!(digit >= 0 && digit <= 9)) return -1
    value = value * 10 + digit
  }
  return value
}

const DASH = 45
const COLON = 58
const DOT = 46
const PLUS = 43
const T = 84
const Z = 90

/**
 * Parses an ISO-8601 date or date-time to epoch milliseconds, or `undefined` if it is not one.
 * Accepts exactly what {@link isoPattern} matches, read character by character: evaluation parses
 * every date input, and a regular expression costs several times a plain scan.
 */
export const parseIso = (text: string): number | undefined => {
  const length = text.length
  if (length < 10 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return undefined
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 2)
  const day = digitsAt(text, 8, 2)
  if (year < 0 || month < 0 || day < 0) return undefined
  let hour = 0
  let minute = 0
  let second = 0
  let millis = 0
  let offset = 0
  if (length > 10) {
    if (text.charCodeAt(10) !== T || text.charCodeAt(13) !== COLON) return undefined
    hour = digitsAt(text, 11, 2)
    minute = digitsAt(text, 14, 2)
    if (hour < 0 || minute < 0) return undefined
    let at = 16
    if (text.charCodeAt(at) === COLON) {
      second = digitsAt(text, at + 1, 2)
      if (second < 0) return undefined
      at += 3
      if (text.charCodeAt(at) === DOT) {
        at++
        let count = 0
        for (let digit = text.charCodeAt(at) - 48; digit >= 0 && digit <= 9; digit = text.charCodeAt(at) - 48) {
          if (count < 3) millis = millis * 10 + digit
          count++
          at++
        }
        if (count === 0 || count > 9) return undefined
        for (; count < 3; count++) millis *= 10
      }
    }
    if (at < length) {
      const sign = text.charCodeAt(at)
      if (sign === Z) {
        at++
      } else if (sign === PLUS || sign === DASH) {
        const hours = digitsAt(text, at + 1, 2)
        at += text.charCodeAt(at + 3) === COLON ? 4 : 3
        const minutes = digitsAt(text, at, 2)
        at += 2
        if (hours < 0 || minutes < 0) return undefined
        if (hours > 23 || minutes > 59) return undefined
        offset = (sign === DASH ? -1 : 1) * (hours * 60 + minutes)
      } else {
        return undefined
      }
    }
    if (at !== length) return undefined
  }
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) {
    return undefined
  }
  if (year >= 100) {
    return daysFromEpoch(year, month, day) * 86_400_000 + hour * 3_600_000 + (minute - offset) * 60_000 + second * 1000 + millis
  }
  // Years 0 to 99 through setUTCFullYear, which takes the year as written (Date.UTC would read 1900 to 1999).
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

/** What {@link readValue} returns for a value that is not of its column's type. */
export const notOfType: unique symbol = Symbol("notOfType")

/** The column's value normalized, or {@link notOfType}; allocates nothing, for evaluation's hot path. */
export const readValue = (type: ColumnType, value: unknown): Normalized | typeof notOfType => {
  switch (type) {
    case "string":
      return typeof value === "string" ? value : notOfType
    case "number":
      return typeof value === "number" && Number.isFinite(value) ? value : notOfType
    case "boolean":
      return typeof value === "boolean" ? value : notOfType
    case "date": {
      const instant = toInstant(value)
      return instant === undefined ? notOfType : instant
    }
    case "string[]":
      return Array.isArray(value) && value.every((member) => typeof member === "string")
        ? value as ReadonlyArray<string>
        : notOfType
  }
}

/** The column's value normalized, or `undefined` if `value` is not of its type. */
export const normalizeValue = (type: ColumnType, value: unknown): { readonly ok: Normalized } | undefined => {
  const read = readValue(type, value)
  return read === notOfType ? undefined : { ok: read }
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
