/**
 * The Import Set API: rows written to a staging table and transformed into their target table
 * by the instance's transform maps. Transform maps coalesce on a key (an upsert on
 * `correlation_id`, an asset tag, ...), validate and map values on the server, and leave an
 * audit trail, which is why integrations prefer them to writing the target table directly; and
 * because a coalesced row can be sent twice without creating a duplicate, the client retries
 * import calls after a timeout or a 502/503.
 *
 * `insertMultiple` sends up to a batch of rows (200 by default, the documented guideline) in one
 * call. Its transform runs asynchronously unless a `sys_rest_insert_multiple` record makes it
 * synchronous: then each row's result comes back in the response.
 *
 * @since 0.1.0
 */

/**
 * What the transform did with one row: `inserted`, `updated`, `ignored` (nothing changed),
 * `skipped` (no coalesce value) or `error`; `sysId` is the target record's (or, for a skipped
 * row, the staging row's).
 *
 * @since 0.1.0
 * @category models
 */
export interface RowResult {
  readonly status: string
  readonly sysId: string
  readonly table?: string
  readonly transformMap?: string
  readonly displayName?: string
  readonly displayValue?: string
  readonly recordLink?: string
  readonly statusMessage?: string
  readonly errorMessage?: string
}

/**
 * The answer to a single-row import.
 *
 * @since 0.1.0
 * @category models
 */
export interface Response {
  /** The import set's number, e.g. `ISET0010001`. */
  readonly importSet: string
  readonly stagingTable: string
  readonly results: ReadonlyArray<RowResult>
}

/**
 * The answer to an `insertMultiple` call: the import set ids, and each row's result when the
 * transform is synchronous.
 *
 * @since 0.1.0
 * @category models
 */
export interface MultipleResponse {
  readonly importSetId: string
  readonly multiImportSetId: string
  /** The number of rows sent. */
  readonly records: number
  readonly results?: ReadonlyArray<RowResult>
}

/**
 * The rows whose transform failed.
 *
 * @since 0.1.0
 * @category getters
 */
export const failures = (response: Response | MultipleResponse): ReadonlyArray<RowResult> =>
  (response.results ?? []).filter((row) => row.status === "error")
