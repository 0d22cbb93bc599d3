/**
 * Error families as hosts see them: the HTTP statuses Procura suggests, a {@link Family}
 * declaration (an error tag, a title, a status per reason) and {@link family}, which checks that
 * every reason of an error type has its status; and a {@link Registry} of families by tag.
 * Private to core; the public face is the `Problem` module.
 */

/**
 * The HTTP statuses Procura suggests:
 *
 * - `400` invalid input (the request itself is malformed or fails its schema);
 * - `401` no principal; `403` the principal may not do this;
 * - `404` a record the request names does not exist (in the caller's tenant);
 * - `409` the request conflicts with a record's current state (wrong status, a taken key,
 *   a concurrent change, nothing left): it may succeed once the state changes;
 * - `422` a business rule refuses what the request asks for (more than ordered, an unknown
 *   line, mixed currencies);
 * - `429` rate limited; `502`, `503`, `504` an upstream system or storage failed or timed out;
 * - `500` anything else.
 *
 * @since 0.1.0
 * @category models
 */
export type Status = 400 | 401 | 403 | 404 | 409 | 422 | 429 | 500 | 502 | 503 | 504

/**
 * The reasons an error type declares, or `never`: its `reason` field when it is a string, or the
 * `_tag` of its reason when the reason is a tagged value (as `StorageError`'s are).
 *
 * @since 0.1.0
 * @category models
 */
export type ReasonOf<E> = E extends { readonly reason: infer R }
  ? (R extends string ? R : R extends { readonly _tag: infer T extends string } ? T : never)
  : never

/**
 * How one error family maps to codes and statuses: its `_tag`, a title, and a status, per
 * reason where the family has reasons. Declare one with {@link family}, which checks that every
 * reason has its status.
 *
 * @since 0.1.0
 * @category models
 */
export interface Family<Tag extends string = string> {
  /** The `_tag` of the family's errors. */
  readonly tag: Tag
  /** A short summary of the family, the same for every occurrence: "Receipt refused". */
  readonly title: string
  /** The status of the family's errors; for a family with reasons, of a reason it does not list. */
  readonly status: Status
  /** The status of each reason. */
  readonly reasons?: { readonly [reason: string]: Status }
  /**
   * Data fields to publish under another name, for fields named like a problem member
   * (`status`, `detail`, `type`, ...), which are otherwise left out.
   */
  readonly rename?: { readonly [field: string]: string }
}

/**
 * What {@link family} takes for an error type `E`: a status per reason when `E` has reasons
 * (all of them, checked by the compiler), one status when it has none.
 *
 * @since 0.1.0
 * @category models
 */
export type FamilySpec<E extends { readonly _tag: string }> =
  & {
    readonly tag: E["_tag"]
    readonly title: string
    readonly rename?: { readonly [field: string]: string }
  }
  & ([ReasonOf<E>] extends [never] ? { readonly status: Status }
    : { readonly reasons: { readonly [R in ReasonOf<E>]: Status }; readonly status?: Status })

/**
 * Declares how an error family maps to codes and statuses. Name the error type, so that a
 * reason added to it later fails to compile until it has a status:
 *
 * ```ts
 * const family = Problem.family<OversightError>({
 *   tag: "OversightError",
 *   title: "Oversight refused",
 *   reasons: { InvalidState: 409, UnknownLine: 422, ... }
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const family = <E extends { readonly _tag: string }>(spec: FamilySpec<E>): Family<E["_tag"]> => {
  const { tag, title, rename } = spec
  const loose = spec as { readonly status?: Status; readonly reasons?: { readonly [reason: string]: Status } }
  const reasons = loose.reasons
  return {
    tag,
    title,
    status: loose.status ?? 500,
    ...(reasons === undefined ? {} : { reasons }),
    ...(rename === undefined ? {} : { rename })
  }
}

/**
 * Error families by tag. The first declaration of a tag wins, so the core's statuses cannot be
 * overridden by a plugin.
 *
 * @since 0.1.0
 * @category models
 */
export type Registry = ReadonlyMap<string, Family>
