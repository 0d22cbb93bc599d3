/**
 * Error classification: how a failure of the SQL layer becomes the port's `StorageError` reason.
 *
 * @internal
 */
import { Storage } from "@procura/core"
import { SqlError } from "effect/sql"
import { keyName } from "./tables.js"

type CollectionDefinition = Storage.CollectionDefinition

interface PgErrorFields {
  readonly code?: string
  readonly detail?: string
  readonly constraint?: string
  readonly message?: string
}

const pgFields = (cause: unknown): PgErrorFields =>
  typeof cause === "object" && cause !== null ? (cause as PgErrorFields) : {}

/**
 * PostgreSQL aborted the transaction to break a deadlock or a serialization conflict between
 * concurrent writers: nothing was written, and running the command again on fresh reads is the
 * cure, so it is reported as a stale version (which operations retry).
 */
const concurrencyAbort = (prefix: string, detail: string, base: { readonly collection?: string }, cause: unknown) =>
  new Storage.StorageError({
    reason: new Storage.StaleVersion({
      ...base,
      ids: [],
      message: `${prefix}aborted by a concurrent writer (${detail}); nothing was written, run it again`,
      cause
    })
  })

/**
 * Maps a failure of the SQL layer to the port's {@link Storage.StorageError}:
 *
 * - a unique violation is a `UniqueViolation`: on a collection's unique key it names the key's
 *   fields (`key`), on the primary key or the event log's id it is a taken id (`key: ["id"]`);
 * - data exceptions and other integrity violations (SQLSTATE classes 22 and 23, such as a value
 *   that does not fit its field's type) are `InvalidInput`, and so are values too large to store
 *   (SQLSTATE class 54, such as an index row over its size limit): retrying cannot help;
 * - deadlocks and serialization failures (SQLSTATE 40P01, 40001) are `StaleVersion`s: the
 *   transaction was aborted whole, and operations retry it on fresh reads;
 * - everything else (connection, authentication, timeouts, unknown failures) is
 *   `Unavailable`, with the original error kept as the reason's `cause`.
 *
 * A `StorageError` passes through unchanged.
 *
 * @since 0.1.0
 * @category errors
 */
export const classifyError = (error: unknown, collection?: CollectionDefinition): Storage.StorageError => {
  if (error instanceof Storage.StorageError) return error
  const name = collection?.name
  const base = name === undefined ? {} : { collection: name }
  const prefix = name === undefined ? "" : `${name}: `
  const invalidInput = (message: string) =>
    new Storage.StorageError({ reason: new Storage.InvalidInput({ ...base, message, cause: error }) })
  const unavailable = (message: string) =>
    new Storage.StorageError({ reason: new Storage.Unavailable({ ...base, message, cause: error }) })
  if (SqlError.isSqlError(error)) {
    const reason = error.reason
    const fields = pgFields(reason.cause)
    const detail = fields.message ?? reason.message ?? reason._tag
    const code = fields.code ?? ""
    // Class 54 (program limit exceeded), such as 54000 "index row size exceeds maximum": a value
    // too large to store. Running it again gives the same answer, so it is invalid input, never
    // `Unavailable` (which callers would retry).
    if (code.startsWith("54")) {
      return invalidInput(`${prefix}a value is too large to store, nothing was written (SQLSTATE ${code}: ${detail})`)
    }
    switch (reason._tag) {
      case "UniqueViolation": {
        const constraint = reason.constraint
        const suffix = fields.detail ? `: ${fields.detail}` : ""
        const taken = (key: ReadonlyArray<string>, message: string, where: { readonly collection?: string } = base) =>
          new Storage.StorageError({ reason: new Storage.UniqueViolation({ ...where, key, message, cause: error }) })
        const key = collection?.unique.find((keyFields) => keyName(collection.name, "u", keyFields) === constraint)
        if (key !== undefined) return taken(key, `${prefix}unique key (${key.join(", ")}) is already taken${suffix}`)
        if (constraint.startsWith("procura_events")) return taken(["id"], `event id already exists${suffix}`, {})
        if (constraint.endsWith("_pkey")) return taken(["id"], `${prefix}id already exists${suffix}`)
        return taken([], `${prefix}unique constraint ${constraint} violated${suffix}`)
      }
      case "ConstraintError":
        return invalidInput(`${prefix}${detail}`)
      case "DeadlockError":
      case "SerializationError":
        return concurrencyAbort(prefix, detail, base, error)
      case "UnknownError":
      case "SqlSyntaxError": {
        if (code === "40P01" || code === "40001") return concurrencyAbort(prefix, detail, base, error)
        if (code.startsWith("22") || code.startsWith("23")) return invalidInput(`${prefix}${detail}`)
        if (code === "42P01") {
          return unavailable(`${prefix}${detail}: run SqlStorage.migrate (the layers do) and Storage.prepare for the collection first`)
        }
        return unavailable(`${prefix}${detail}`)
      }
      default:
        return unavailable(`${prefix}${reason._tag}: ${detail}`)
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return unavailable(`${prefix}${message}`)
}

/** Ids a batch insert found taken (by an earlier record or by the batch itself). */
export const idsTaken = (collection: string, ids: ReadonlyArray<string>): Storage.StorageError =>
  new Storage.StorageError({
    reason: new Storage.UniqueViolation({
      collection,
      key: ["id"],
      ids,
      message: `${collection}: id ${ids.slice(0, 5).join(", ")} already exists`
    })
  })

/** Records a batch update found changed since they were read, or missing. */
export const staleRecords = (collection: string, ids: ReadonlyArray<string>): Storage.StorageError =>
  new Storage.StorageError({
    reason: new Storage.StaleVersion({
      collection,
      ids,
      message: `${collection}: record ${ids.slice(0, 5).join(", ")} changed since it was read, or does not exist`
    })
  })
