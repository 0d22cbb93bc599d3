/**
 * The record of an answer given under an idempotency key: core infrastructure, written only by
 * `Operation.run` (see `Idempotency.ts`).
 */
import { z } from "zod"
import * as Storage from "../../Storage.js"

/** A stored answer. */
export const IdempotencyRecord = z.object({
  id: z.string(),
  version: z.number().int(),
  key: z.string(),
  operationId: z.string(),
  /** A digest of the validated input. */
  inputDigest: z.string(),
  result: z.unknown(),
  createdAt: z.string()
})

/** A stored answer. */
export type IdempotencyRecord = z.infer<typeof IdempotencyRecord>

/** Where answers are kept, unique by key per tenant. */
export const records: Storage.Collection<IdempotencyRecord> = Storage.collection({
  name: "procura_idempotency",
  schema: IdempotencyRecord,
  fields: { key: "string", createdAt: "timestamp" },
  unique: [["key"]]
})
