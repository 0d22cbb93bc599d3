/**
 * The one shape of every list operation.
 *
 * A list takes optional filters, a `limit` (how many items a page holds: {@link defaultLimit} by
 * default, at most {@link maxLimit}) and the `cursor` of the previous page. It gives
 * `{ items, cursor }`, where `cursor` is present when more items may follow: pass it back, with the
 * same filters, to read the next page. Cursors are opaque; one from another list or other filters
 * is refused (`StorageError` with reason `InvalidInput`).
 *
 * Every filter of a list is one the storage port answers from a declared index of the collection,
 * so a list never scans a collection an index can answer.
 *
 * @since 0.1.0
 */
import { Effect } from "effect"
import { z } from "zod"
import type { NotFound } from "./Errors.js"
import type { CurrentPrincipal } from "./Principal.js"
import * as Storage from "./Storage.js"
import * as Text from "./Text.js"

/**
 * How many items a page holds when the caller gives no `limit`.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultLimit = 100

/**
 * The largest `limit` a list takes.
 *
 * @since 0.1.0
 * @category constants
 */
export const maxLimit = 1000

/**
 * The paging fields of a list's input: `limit` and `cursor`. Extend it with the list's filters
 * (`Paging.PageInput.extend({ status: ... })`).
 *
 * @since 0.1.0
 * @category inputs
 */
export const PageInput = z.object({
  limit: z.number().int().min(1).max(maxLimit).optional()
    .describe(`how many items the page holds: ${defaultLimit} unless given, at most ${maxLimit}`),
  cursor: Text.cursor.optional().describe("the cursor of the previous page, to read the next one")
})

/**
 * The paging fields callers pass.
 *
 * @since 0.1.0
 * @category inputs
 */
export type PageInput = z.input<typeof PageInput>

/**
 * The output of a list: a page of items and, when more may follow, the cursor of the next page.
 *
 * @since 0.1.0
 * @category models
 */
export const Page = <S extends z.ZodType>(item: S) =>
  z.object({
    items: z.array(item),
    cursor: z.string().optional().describe("present when more items may follow: pass it back to read the next page")
  })

/**
 * A page of items.
 *
 * @since 0.1.0
 * @category models
 */
export interface PageOf<A> {
  readonly items: Array<A>
  readonly cursor?: string
}

/**
 * The input of every get operation: the record's id.
 *
 * @since 0.1.0
 * @category inputs
 */
export const GetInput = z.object({ id: Text.id.describe("the record's id") })

/**
 * Reads one page of a collection in the caller's tenant: the filter (fields left `undefined` are
 * no condition), the order, and the caller's `limit` and `cursor`.
 *
 * @since 0.1.0
 * @category combinators
 */
export const find = <A extends Storage.Entity>(
  collection: Storage.Collection<A>,
  query: {
    readonly where?: { readonly [K in keyof Storage.Filter<A>]?: Storage.Filter<A>[K] | undefined }
    readonly orderBy?: ReadonlyArray<Storage.OrderBy<A>>
    readonly limit?: number | undefined
    readonly cursor?: string | undefined
  }
): Effect.Effect<PageOf<A>, Storage.StorageError, Storage.Storage | CurrentPrincipal> =>
  Effect.flatMap(Storage.Storage, (storage) =>
    Effect.map(
      storage.find(collection, {
        ...(query.where !== undefined
          ? { where: Object.fromEntries(Object.entries(query.where).filter(([, v]) => v !== undefined)) as Storage.Filter<A> }
          : {}),
        ...(query.orderBy !== undefined ? { orderBy: query.orderBy } : {}),
        ...(query.limit !== undefined ? { limit: query.limit } : {}),
        ...(query.cursor !== undefined && query.cursor !== "" ? { cursor: query.cursor } : {})
      }),
      (page): PageOf<A> => ({ items: [...page.items], ...(page.cursor !== undefined ? { cursor: page.cursor } : {}) })
    ))

/**
 * Reads one record of a collection in the caller's tenant, failing with `NotFound` (naming
 * `entity`) when the id is unknown there.
 *
 * @since 0.1.0
 * @category combinators
 */
export const get = <A extends Storage.Entity>(
  collection: Storage.Collection<A>,
  entity: string,
  id: string
): Effect.Effect<A, Storage.StorageError | NotFound, Storage.Storage | CurrentPrincipal> =>
  Effect.flatMap(Storage.Storage, (storage) => storage.getOrFail(collection, id, entity))
