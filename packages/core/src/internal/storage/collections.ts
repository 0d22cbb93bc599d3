/**
 * Collections and records: how a collection is declared (its name, schema, typed queryable fields,
 * indexes and unique keys), what every record carries (id and version), and how a record travels
 * between the domain's shape and the driver's (`StoredRecord`: id, version, data), with each
 * declared field's value checked against its type. Private to core; the public face is the
 * `Storage` module.
 */
import type { z } from "zod"
import { invalid } from "./errors.js"


/**
 * The type of a queryable field. Drivers map each to a typed, indexable column.
 * `timestamp` values are ISO-8601 UTC strings as `Date.prototype.toISOString` writes them.
 *
 * @since 0.1.0
 * @category models
 */
export type FieldType = "string" | "integer" | "number" | "boolean" | "timestamp"

/**
 * Every record carries an id and a version; the version starts at 1 and grows by one per update.
 *
 * @since 0.1.0
 * @category models
 */
export interface Entity {
  readonly id: string
  readonly version: number
}

/**
 * The declaration of a collection: its name, the schema of its records, the top-level fields
 * that can be filtered and ordered on (with their types), the indexes to keep, and the unique keys.
 * Unique keys are per tenant and ignore records where any key field is missing.
 *
 * @since 0.1.0
 * @category models
 */
export interface Collection<A extends Entity> {
  readonly name: string
  readonly schema: z.ZodType<A>
  readonly fields: { readonly [K in keyof A & string]?: FieldType }
  readonly indexes: ReadonlyArray<ReadonlyArray<keyof A & string>>
  readonly unique: ReadonlyArray<ReadonlyArray<keyof A & string>>
  /**
   * Fields whose records the store keeps counted per value as it writes them, so that counting
   * a whole tenant's records by one of them (`Storage.countBy` without a filter) costs the same
   * at a million records as at ten. Each must be declared in `fields`.
   */
  readonly counted?: ReadonlyArray<keyof A & string>
}

/**
 * A collection with its record type erased, as drivers see it.
 *
 * @since 0.1.0
 * @category models
 */
export interface CollectionDefinition {
  readonly name: string
  readonly fields: { readonly [field: string]: FieldType }
  readonly indexes: ReadonlyArray<ReadonlyArray<string>>
  readonly unique: ReadonlyArray<ReadonlyArray<string>>
  /** Fields the store keeps per-value counts of (see {@link Collection.counted}); none when absent. */
  readonly counted?: ReadonlyArray<string>
}

const collectionName = /^[a-z][a-z0-9_]{0,40}$/
const fieldName = /^[a-zA-Z][a-zA-Z0-9]{0,40}$/

/**
 * Declares a collection. Names are checked here, once, so drivers can use them in DDL:
 * collection names are lower snake case, field names are alphanumeric, and every indexed or
 * unique field must be declared in `fields`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const collection = <A extends Entity>(definition: {
  readonly name: string
  readonly schema: z.ZodType<A>
  readonly fields: { readonly [K in keyof A & string]?: FieldType }
  readonly indexes?: ReadonlyArray<ReadonlyArray<keyof A & string>>
  readonly unique?: ReadonlyArray<ReadonlyArray<keyof A & string>>
  readonly counted?: ReadonlyArray<keyof A & string>
}): Collection<A> => {
  if (!collectionName.test(definition.name)) {
    throw new Error(`Collection name "${definition.name}" must match ${collectionName}`)
  }
  const fields = definition.fields as Record<string, FieldType>
  for (const field of Object.keys(fields)) {
    if (!fieldName.test(field) || field === "id" || field === "version") {
      throw new Error(`Collection ${definition.name}: field name "${field}" must match ${fieldName} and not be id or version`)
    }
  }
  for (const key of [...(definition.indexes ?? []), ...(definition.unique ?? [])]) {
    for (const field of key) {
      if (!(field in fields)) {
        throw new Error(`Collection ${definition.name}: indexed field "${field}" is not declared in fields`)
      }
    }
  }
  for (const field of definition.counted ?? []) {
    if (!(field in fields)) throw new Error(`Collection ${definition.name}: counted field "${field}" is not declared in fields`)
  }
  return { indexes: [], unique: [], ...definition }
}

/** A collection as drivers see it, its record type erased. */
export const definitionOf = (c: Collection<any>): CollectionDefinition => c as unknown as CollectionDefinition

/**
 * What a record looks like before it is stored: everything but the version.
 *
 * @since 0.1.0
 * @category models
 */
export type New<A extends Entity> = Omit<A, "version">

/**
 * A record as drivers store it: id, version and the rest of the record as `data`.
 *
 * @since 0.1.0
 * @category models
 */
export interface StoredRecord {
  readonly id: string
  readonly version: number
  readonly data: Readonly<Record<string, unknown>>
}

/** Whether a value fits a declared field type (timestamps: any string `Date.parse` reads). */
export const typeMatches = (type: FieldType, value: unknown): boolean => {
  switch (type) {
    case "string":
      return typeof value === "string"
    case "integer":
      return typeof value === "number" && Number.isSafeInteger(value)
    case "number":
      return typeof value === "number" && Number.isFinite(value)
    case "boolean":
      return typeof value === "boolean"
    case "timestamp":
      return typeof value === "string" && !Number.isNaN(Date.parse(value))
  }
}

/** The domain's record from a stored one. */
export const toEntity = <A extends Entity>(record: StoredRecord): A => ({ ...record.data, id: record.id, version: record.version }) as unknown as A

/**
 * Splits an entity into a stored record, checking every declared field's value against its type
 * (timestamps are normalised to UTC ISO strings) so that every driver stores the same values.
 */
export const toStored = (definition: CollectionDefinition, entity: Entity, version: number): StoredRecord => {
  const { id, version: _version, ...data } = entity as Entity & Record<string, unknown>
  if (typeof id !== "string" || id === "") throw invalid(definition.name, `every record needs a non-empty string id, got ${JSON.stringify(id)}`)
  for (const [field, type] of Object.entries(definition.fields)) {
    const value = data[field]
    if (value === undefined || value === null) continue
    if (!typeMatches(type, value)) {
      throw invalid(definition.name, `record ${id}: field "${field}" expects a ${type}, got ${JSON.stringify(value)}`)
    }
    if (type === "timestamp") data[field] = new Date(value as string).toISOString()
  }
  return { id, version, data }
}

