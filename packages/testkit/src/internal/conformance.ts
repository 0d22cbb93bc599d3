/**
 * What the storage conformance suite's tests share: the collections they store, records to put
 * in them, a fresh tenant per test and the check of a `StorageError`'s reason.
 *
 * @internal
 */
import { assert } from "@effect/vitest"
import { Principal, Storage } from "@procura/core"
import { Cause, type Effect, Exit, Option } from "effect"
import { z } from "zod"

/**
 * The record type the suite stores.
 *
 * @since 0.1.0
 * @category models
 */
export const Widget = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  sku: z.string().optional(),
  quantity: z.number().int(),
  price: z.number(),
  active: z.boolean(),
  madeAt: z.string(),
  category: z.string().optional(),
  note: z.string().optional()
})

/**
 * A record of the suite's collection.
 *
 * @since 0.1.0
 * @category models
 */
export type Widget = z.infer<typeof Widget>

/**
 * The collection the suite stores widgets in. Adapters must be able to prepare it.
 *
 * @since 0.1.0
 * @category models
 */
export const widgets = Storage.collection({
  name: "conformance_widgets",
  schema: Widget,
  fields: {
    name: "string",
    sku: "string",
    quantity: "integer",
    price: "number",
    active: "boolean",
    madeAt: "timestamp",
    category: "string"
  },
  indexes: [["quantity"], ["category", "madeAt"]],
  unique: [["sku"]],
  counted: ["category", "active"]
})

/**
 * A second collection with a compound unique key.
 *
 * @since 0.1.0
 * @category models
 */
export const slots = Storage.collection({
  name: "conformance_slots",
  schema: z.object({ id: z.string(), version: z.number().int(), shelf: z.string(), position: z.number().int() }),
  fields: { shelf: "string", position: "integer" },
  unique: [["shelf", "position"]]
})

let tenantCounter = 0

/** Runs `body` as an admin of a tenant of its own: tests stay independent on a shared store. */
export const asFreshTenant = <A, E, R>(
  body: (tenantId: string) => Effect.Effect<A, E, R>
): Effect.Effect<A, E, Exclude<R, Principal.CurrentPrincipal>> => {
  const tenantId = `conformance-${Date.now().toString(36)}-${process.pid}-${++tenantCounter}`
  return Principal.runAs(body(tenantId), { userId: "conformance", tenantId, roles: ["admin"] })
}

export const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString()

export const widget = (n: number, overrides: Partial<Widget> = {}): Storage.New<Widget> => ({
  id: `w-${String(n).padStart(6, "0")}`,
  name: `widget ${n}`,
  sku: `SKU-${n}`,
  quantity: n % 7,
  price: n / 4,
  active: n % 2 === 0,
  madeAt: day(n % 30),
  ...(n % 3 === 0 ? {} : { category: n % 3 === 1 ? "alpha" : "beta" }),
  ...overrides
})

export const ids = (records: ReadonlyArray<{ readonly id: string }>) => records.map((record) => record.id)

/** The `StorageError` an exit failed with, checking its reason's tag; returns the reason. */
export const expectStorageError = <A, Tag extends Storage.StorageErrorReason["_tag"]>(
  exit: Exit.Exit<A, unknown>,
  tag: Tag
): Extract<Storage.StorageErrorReason, { readonly _tag: Tag }> => {
  assert.isTrue(Exit.isFailure(exit), "expected a failure")
  const value = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
  assert.instanceOf(value, Storage.StorageError)
  const error = value as Storage.StorageError
  assert.strictEqual(error.reason._tag, tag, error.message)
  assert.strictEqual(error.isRetryable, error.reason.isRetryable, "the error is retryable exactly when its reason is")
  return error.reason as Extract<Storage.StorageErrorReason, { readonly _tag: Tag }>
}
