/**
 * Operations as data.
 *
 * Every public operation of Procura is a value: a stable id, zod input and output schemas, the
 * permission it needs, the events it emits, and its handler. The Effect services, the Promise
 * facade and the CLI are all projections of these values, so an operation is written once.
 *
 * Running an operation ({@link run}) checks the permission, validates the input (nothing is
 * written when it is invalid), and runs a command inside one storage transaction, retrying it
 * from the start when a concurrent writer got there first (stale version).
 *
 * @since 0.1.0
 */
import { Clock, Context, Duration, Effect, Layer, Schedule } from "effect"
import { z } from "zod"
import * as Access from "./Access.js"
import { type Issue, invalid, type ValidationError } from "./Errors.js"
import type { AccessDenied, OperationRefused } from "./Errors.js"
import * as Guards from "./Guards.js"
import { digest, IdempotencyKey, IdempotencyKeyReused, records as idempotencyRecords, retention } from "./Idempotency.js"
import * as Events from "./Events.js"
import * as Ids from "./Ids.js"
import { CurrentPrincipal } from "./Principal.js"
import { isReason, Storage, type StorageError } from "./Storage.js"

/**
 * An operation: what it is called, what it takes and gives, who may run it and what it emits.
 *
 * @since 0.1.0
 * @category models
 */
export interface Operation<
  Id extends string,
  In extends z.ZodType,
  Out extends z.ZodType,
  E,
  R extends Storage | CurrentPrincipal = Storage | CurrentPrincipal
> {
  /** Stable id, `module.verbNoun`, e.g. `purchasing.submitPurchaseOrder`. */
  readonly id: Id
  /** One sentence for humans (CLI help, generated docs, flow-editor palettes). */
  readonly summary: string
  /** Commands change state and run in a transaction; queries only read. */
  readonly kind: "command" | "query"
  /**
   * Unique keys a concurrent writer may take first, for a command that checks before it writes
   * (a serial number, a derived id): a `UniqueViolation` of one of them runs the command again
   * on fresh reads, as a stale version does. Each entry is a key's field, or the fields of a
   * compound key.
   */
  readonly retryOnUnique?: ReadonlyArray<string | ReadonlyArray<string>>
  /**
   * What the caller needs: a core permission, or a plugin's (`<plugin>/<name>`), which
   * `Plugin.compose` checks is declared by an enabled plugin.
   */
  readonly permission: Access.AnyPermission
  readonly input: In
  readonly output: Out
  /**
   * The events a successful run may append (their `Events.define` definitions): those its handler
   * appends and those the functions it calls append for it. The testkit holds every operation to
   * this list.
   */
  readonly events: ReadonlyArray<Events.Any>
  readonly handler: (input: z.output<In>) => Effect.Effect<z.output<Out>, E, R>
}

/**
 * An operation with its types erased, for catalogues and projections.
 *
 * @since 0.1.0
 * @category models
 */
export type Any = Operation<string, z.ZodType, z.ZodType, any, any>

/**
 * Declares an operation.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = <
  const Id extends string,
  In extends z.ZodType,
  Out extends z.ZodType,
  E,
  R extends Storage | CurrentPrincipal = never
>(operation: Operation<Id, In, Out, E, R>): Operation<Id, In, Out, E, R> => operation

/**
 * The errors running an operation can fail with, besides its own.
 *
 * @since 0.1.0
 * @category models
 */
export type RunError = ValidationError | AccessDenied | OperationRefused | IdempotencyKeyReused | StorageError

/**
 * The input type callers pass to an operation.
 *
 * @since 0.1.0
 * @category models
 */
export type Input<O> = O extends Operation<any, infer In, any, any, any> ? z.input<In> : never

/**
 * The output type of an operation.
 *
 * @since 0.1.0
 * @category models
 */
export type Output<O> = O extends Operation<any, any, infer Out, any, any> ? z.output<Out> : never

/**
 * The error type of an operation, including {@link RunError}.
 *
 * @since 0.1.0
 * @category models
 */
export type Error<O> = O extends Operation<any, any, any, infer E, any> ? E | RunError : never

/**
 * A JSON Schema (draft 2020-12) as plain JSON: what hosts, form builders and OpenAPI tools read
 * without zod.
 *
 * @since 0.1.0
 * @category models
 */
export type JsonSchema = { readonly [keyword: string]: unknown }

/**
 * The JSON Schema of what callers pass to an operation (its input before defaults and
 * transforms apply). Constraints JSON Schema cannot state (refinements, transforms) are left
 * out: the schema admits them, and the operation still checks them.
 *
 * @since 0.1.0
 * @category conversions
 */
export const inputJsonSchema = (operation: Any): JsonSchema =>
  z.toJSONSchema(operation.input, { io: "input", unrepresentable: "any" }) as JsonSchema

/**
 * The JSON Schema of what an operation returns.
 *
 * @since 0.1.0
 * @category conversions
 */
export const outputJsonSchema = (operation: Any): JsonSchema =>
  z.toJSONSchema(operation.output, { io: "output", unrepresentable: "any" }) as JsonSchema

/**
 * The input and output JSON Schemas of every operation, by operation id:
 * `jsonSchemas(Procura.catalogue.values())`.
 *
 * @since 0.1.0
 * @category conversions
 */
export const jsonSchemas = (
  operations: Iterable<Any>
): { readonly [id: string]: { readonly input: JsonSchema; readonly output: JsonSchema } } =>
  Object.fromEntries([...operations].map((operation) => [operation.id, { input: inputJsonSchema(operation), output: outputJsonSchema(operation) }]))

/**
 * Converts zod issues to Procura issues, naming the path, the message and what was expected.
 *
 * @since 0.1.0
 * @category constructors
 */
export const issuesFromZod = (error: z.ZodError): ReadonlyArray<Issue> =>
  error.issues.map((issue) => {
    const expected = "expected" in issue && typeof issue.expected === "string" ? { expected: issue.expected } : {}
    return { path: issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)), message: issue.message, ...expected }
  })

/**
 * Validates an input against a schema, failing with a {@link ValidationError} that names
 * every problem.
 *
 * @since 0.1.0
 * @category combinators
 */
export const decode = <S extends z.ZodType>(
  operation: string,
  schema: S,
  input: unknown
): Effect.Effect<z.output<S>, ValidationError> =>
  Effect.suspend(() => {
    const result = schema.safeParse(input)
    return result.success ? Effect.succeed(result.data) : Effect.fail(invalid(operation, issuesFromZod(result.error)))
  })

/** Whether a command's failure is worth running it again for: a stale version, or a declared unique key taken meanwhile. */
const isRetried = (retryOnUnique: ReadonlyArray<string | ReadonlyArray<string>>) => (error: unknown): boolean =>
  isReason(error, "StaleVersion") ||
  (isReason(error, "UniqueViolation") && retryOnUnique.some((key) => error.reason.isKey(typeof key === "string" ? [key] : key)))

/**
 * Tags an operation's span and its logs with the operation id and the caller's tenant (never the
 * input, which may hold personal data).
 */
const traced = <A, E, R>(id: string, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | CurrentPrincipal> =>
  Effect.flatMap(CurrentPrincipal, (caller) =>
    Effect.andThen(
      Effect.annotateCurrentSpan("procura.tenant", caller.tenantId),
      Effect.annotateLogs(effect, { operation: id, tenant: caller.tenantId })
    ))

/**
 * The cause of the events a run appends: the run, with the operation and the events it declares,
 * under a fresh causation id (in the span as `procura.causation`), or under the causation id of
 * what started the run (an outer run, an event a subscriber handles).
 */
const runCause = (operation: Any): Effect.Effect<Events.Cause> =>
  Effect.gen(function*() {
    const outer = yield* Events.CurrentCause
    const id = outer?.id ?? (yield* Ids.next)
    yield* Effect.annotateCurrentSpan("procura.causation", id)
    return { id, operation: { id: operation.id, events: operation.events } }
  })

/**
 * Runs an operation on an unvalidated input: authorise, validate, then run the handler (in a
 * transaction for commands, retried up to five times on a stale version or a unique key the
 * operation declares in `retryOnUnique`). The events the run appends share one causation id
 * (`Events.CurrentCause`). A command run under an idempotency key (`Idempotency.withKey`) stores
 * its answer with the key in its transaction, and answers it again for the same key and input.
 *
 * @since 0.1.0
 * @category combinators
 */
export const run = <Id extends string, In extends z.ZodType, Out extends z.ZodType, E, R extends Storage | CurrentPrincipal>(
  operation: Operation<Id, In, Out, E, R>
): (input: z.input<In>) => Effect.Effect<z.output<Out>, E | RunError, R | Storage | CurrentPrincipal> =>
  Effect.fn(operation.id, {
    attributes: { "procura.operation": operation.id, "procura.operation.kind": operation.kind, "procura.permission": operation.permission }
  })(function*(input: z.input<In>) {
    yield* Access.authorize(operation.permission)
    const parsed = yield* decode(operation.id, operation.input, input)
    yield* Guards.check(operation.id, parsed)
    const cause = yield* runCause(operation)
    if (operation.kind === "query") return yield* Effect.provideService(operation.handler(parsed), Events.CurrentCause, cause)
    const storage = yield* Storage
    const key = yield* IdempotencyKey
    if (key !== undefined && (key.length === 0 || key.length > 200)) {
      return yield* invalid(operation.id, [{ path: ["idempotencyKey"], message: "an idempotency key has 1 to 200 characters" }])
    }
    const body = key === undefined ? operation.handler(parsed) : once(operation, key, parsed)
    // Two runs under one key at once: the second finds the first's answer on its retry.
    const retried = key === undefined ? operation.retryOnUnique ?? [] : [...(operation.retryOnUnique ?? []), "key"]
    return yield* Effect.provideService(
      storage.transaction(body).pipe(
        Effect.retry({ while: isRetried(retried), schedule: Schedule.exponential("5 millis").pipe(Schedule.jittered), times: 5 })
      ),
      Events.CurrentCause,
      cause
    )
  }, (effect) => traced(operation.id, effect))

/**
 * A command under an idempotency key, in its transaction: the answer stored with the key (within
 * the retention) again, or the handler's, stored with the key. Runs the handler starts see no key.
 */
const once = <In extends z.ZodType, Out extends z.ZodType, E, R extends Storage | CurrentPrincipal>(
  operation: Operation<string, In, Out, E, R>,
  key: string,
  parsed: z.output<In>
): Effect.Effect<z.output<Out>, E | IdempotencyKeyReused | StorageError, R | Storage | CurrentPrincipal> =>
  Effect.gen(function*() {
    const storage = yield* Storage
    const inputDigest = digest(parsed)
    const [existing] = (yield* storage.find(idempotencyRecords, { where: { key }, limit: 1 })).items
    const now = yield* Clock.currentTimeMillis
    if (existing !== undefined && now - Date.parse(existing.createdAt) < Duration.toMillis(retention)) {
      if (existing.operationId === operation.id && existing.inputDigest === inputDigest) return operation.output.parse(existing.result) as z.output<Out>
      return yield* new IdempotencyKeyReused({
        key,
        operation: existing.operationId,
        message: existing.operationId === operation.id
          ? `Idempotency key ${key} was used for ${operation.id} with another input; make up a new key per request`
          : `Idempotency key ${key} was used for ${existing.operationId}, not ${operation.id}; make up a new key per request`
      })
    }
    const result = yield* Effect.provideService(operation.handler(parsed), IdempotencyKey, undefined)
    const stored = { key, operationId: operation.id, inputDigest, result: result as unknown, createdAt: new Date(now).toISOString() }
    if (existing !== undefined) yield* storage.updateOne(idempotencyRecords, { ...existing, ...stored })
    else yield* storage.insertOne(idempotencyRecords, { id: yield* Ids.next, ...stored })
    return result
  })

/**
 * The methods of a service derived from a record of operations: same names, validated input,
 * and only the principal left to provide.
 *
 * @since 0.1.0
 * @category models
 */
export type Methods<Ops extends Record<string, Any>> = {
  readonly [K in keyof Ops]: (input: Input<Ops[K]>) => Effect.Effect<Output<Ops[K]>, Error<Ops[K]>, CurrentPrincipal>
}

/**
 * Builds the layer of a module service from its operations: each method runs its operation on
 * the storage in context.
 *
 * @since 0.1.0
 * @category layers
 */
export const serviceLayer = <Self, Ops extends Record<string, Any>>(
  tag: Context.Key<Self, Methods<Ops>>,
  operations: Ops
): Layer.Layer<Self, never, Storage> =>
  Layer.effect(
    tag,
    Effect.map(Storage, (storage) => {
      const methods: Record<string, unknown> = {}
      for (const [name, operation] of Object.entries(operations)) {
        const runOperation = run(operation)
        methods[name] = (input: unknown) => Effect.provideService(runOperation(input), Storage, storage)
      }
      return methods as Methods<Ops>
    })
  )
