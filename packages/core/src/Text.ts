/**
 * Bounded text: the longest value every free-text field and every id of Procura's inputs takes,
 * defined once here and used by every module and plugin, so every storage adapter refuses the
 * same inputs the same way, before anything is written (`ValidationError`, naming the path, the
 * limit and the length given).
 *
 * Free text is trimmed and must not be blank; ids and cursors are taken as given. No text may hold
 * a NUL character or broken UTF-16 ({@link isStorable}), which PostgreSQL cannot store. The table of
 * limits is in docs/limits.md (a test holds it to {@link limits}); each schema's doc comment
 * states its limit too.
 *
 * @since 0.1.0
 */
import { z } from "zod"

/**
 * The maximum length, in characters (UTF-16 code units, as JavaScript counts them), of each kind
 * of text in an input.
 *
 * @since 0.1.0
 * @category constants
 */
export const limits = {
  /** Ids of records (vendors, items, orders, assets, ...) and of the people and places they refer to. */
  id: 200,
  /** Short codes: vendor codes, SKUs, supplier SKUs, cost centres. */
  code: 64,
  /** Names and one-line descriptions: item and vendor names, request-line descriptions, categories, manufacturers, models, carriers. */
  name: 200,
  /** Other systems' numbers: vendor invoice numbers, RMA numbers, tracking numbers, order numbers. */
  reference: 200,
  /** A serial number. */
  serialNumber: 100,
  /** An asset tag (the label stuck on the thing). */
  assetTag: 100,
  /** A scanned code: an asset tag, a serial number, a SKU or another label. */
  scanCode: 200,
  /** A location id or a storage space. */
  location: 200,
  /** Comments, reasons and justifications. */
  comment: 2000,
  /** Work notes and comments posted on records. */
  note: 20_000,
  /** A software licence key. */
  licenseKey: 1000,
  /** An email address (RFC 5321's limit). */
  email: 254,
  /** A page cursor, as a list operation gave it. */
  cursor: 4096
} as const

/**
 * The kinds of text with a limit.
 *
 * @since 0.1.0
 * @category models
 */
export type Kind = keyof typeof limits

/**
 * Whether text can be stored by every adapter: well-formed UTF-16 (no unpaired surrogate) and
 * no NUL character. PostgreSQL refuses both in text and JSON, while memory would keep them, so
 * every text schema refuses them before anything is written, the same way on every adapter.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isStorable = (value: string): boolean => !value.includes("\u0000") && value.isWellFormed()

/**
 * The error of text {@link isStorable} refuses, for `.refine(Text.isStorable, Text.unstorable)`
 * on a string schema of one's own.
 *
 * @since 0.1.0
 * @category constructors
 */
export const unstorable = {
  error: (issue: { readonly input?: unknown }) =>
    typeof issue.input === "string" && issue.input.includes("\u0000")
      ? `contains a NUL character (at ${issue.input.indexOf("\u0000")}), which cannot be stored`
      : "contains an unpaired UTF-16 surrogate (broken text), which cannot be stored"
}

const tooLong = (max: number) => ({
  error: (issue: { readonly input?: unknown }) =>
    `at most ${max} characters${typeof issue.input === "string" ? `; this has ${issue.input.length}` : ""}`
})

/**
 * Free text of at most `max` characters: trimmed, and refused when blank (with `blank` as the
 * message).
 *
 * @since 0.1.0
 * @category constructors
 */
export const bounded = (max: number, blank = "must not be blank") =>
  z.string().trim().min(1, blank).max(max, tooLong(max)).refine(isStorable, unstorable)

/**
 * An id of a record, or of a person or place a record refers to: at most 200 characters
 * ({@link limits}`.id`), not empty, taken as given.
 *
 * @since 0.1.0
 * @category schemas
 */
export const id = z.string().min(1, "must not be empty").max(limits.id, tooLong(limits.id)).refine(isStorable, unstorable)

/**
 * An id the host gives for someone or something Procura does not store (a user, a deputy, an
 * account, a site, a product offering): at most 200 characters ({@link limits}`.id`), trimmed,
 * not blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const externalId = bounded(limits.id)

/**
 * A short code (vendor code, SKU, supplier SKU, cost centre): at most 64 characters
 * ({@link limits}`.code`), trimmed, not blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const code = bounded(limits.code)

/**
 * A name or one-line description (item, vendor, category, manufacturer, model, carrier, a request
 * line's description): at most 200 characters ({@link limits}`.name`), trimmed, not blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const name = bounded(limits.name)

/**
 * Another system's number (a vendor's invoice number, an RMA number, a tracking number, an order
 * number): at most 200 characters ({@link limits}`.reference`), trimmed, not blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const reference = bounded(limits.reference)

/**
 * A serial number: at most 100 characters ({@link limits}`.serialNumber`), trimmed, not blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const serialNumber = bounded(limits.serialNumber, "a serial number must not be blank")

/**
 * An asset tag: at most 100 characters ({@link limits}`.assetTag`), trimmed, not blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const assetTag = bounded(limits.assetTag, "an asset tag must not be blank")

/**
 * A scanned code (asset tag, serial number, SKU, ...): at most 200 characters
 * ({@link limits}`.scanCode`), trimmed, not blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const scanCode = bounded(limits.scanCode, "a scan needs its code")

/**
 * A location id or storage space: at most 200 characters ({@link limits}`.location`), trimmed,
 * not blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const location = bounded(limits.location)

/**
 * A comment, reason or justification: at most 2,000 characters ({@link limits}`.comment`),
 * trimmed, not blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const comment = bounded(limits.comment)

/**
 * A work note or comment posted on a record: at most 20,000 characters ({@link limits}`.note`),
 * trimmed, not blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const note = bounded(limits.note)

/**
 * A software licence key: at most 1,000 characters ({@link limits}`.licenseKey`), trimmed, not
 * blank.
 *
 * @since 0.1.0
 * @category schemas
 */
export const licenseKey = bounded(limits.licenseKey, "a licence key cannot be empty")

/**
 * An email address: at most 254 characters ({@link limits}`.email`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const email = z.email().max(limits.email, tooLong(limits.email)).refine(isStorable, unstorable)

/**
 * A page cursor, as the previous page gave it: at most 4,096 characters ({@link limits}`.cursor`).
 *
 * @since 0.1.0
 * @category schemas
 */
export const cursor = z.string().max(limits.cursor, tooLong(limits.cursor)).refine(isStorable, unstorable)
