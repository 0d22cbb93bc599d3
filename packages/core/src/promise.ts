/**
 * The Promise face of Procura, for hosts that do not use Effect.
 *
 * ```ts
 * import { createProcura } from "@procura/core/promise"
 * import { SqlStorage } from "@procura/storage-sql"
 *
 * const procura = createProcura({
 *   storage: SqlStorage.layerPglite({ dataDir: "./data" }),
 *   principal: { userId: "u-1", tenantId: "acme", roles: ["procurement_manager"] }
 * })
 * const vendor = await procura.catalog.createVendor({ code: "DELL", name: "Dell" })
 * await procura.dispose()
 * ```
 *
 * Every method is projected from the operations catalogue, so it validates its input, checks
 * the principal's permission and throws the same tagged error classes the Effect services fail
 * with (`instanceof` and `_tag` both work). Methods take an optional `{ principal, signal }`;
 * `procura.as(principal)` binds a principal for a whole request of a multi-user host.
 *
 * @since 0.1.0
 */
import { Cause, Effect, Exit, Layer, ManagedRuntime } from "effect"
import * as Access from "./Access.js"
import * as Connector from "./Connector.js"
import * as Delivery from "./Delivery.js"
import { didYouMean, invalid } from "./Errors.js"
import * as Idempotency from "./Idempotency.js"
import type * as Operation from "./Operation.js"
import { run } from "./Operation.js"
import type { Principal } from "./Principal.js"
import { CurrentPrincipal } from "./Principal.js"
import * as OpenApi from "./OpenApi.js"
import * as Plugin from "./Plugin.js"
import * as Problem from "./Problem.js"
import * as Procura from "./Procura.js"
import type * as Storage from "./Storage.js"
import { StorageError, Unavailable } from "./Storage.js"

export {
  /**
   * The caller's roles do not grant the permission an operation needs (403).
   *
   * @since 0.1.0
   * @category errors
   */
  AccessDenied,
  /**
   * A record the caller referred to does not exist in the caller's tenant (404).
   *
   * @since 0.1.0
   * @category errors
   */
  NotFound,
  /**
   * A rule a plugin sets refused the operation (422): seed 000's integrated ITAM-SPO flow, say.
   *
   * @since 0.2.0
   * @category errors
   */
  OperationRefused,
  /**
   * The input of an operation was rejected before anything was written (400).
   *
   * @since 0.1.0
   * @category errors
   */
  ValidationError
} from "./Errors.js"
export {
  /**
   * An idempotency key was used before for another operation or input (422); nothing was written.
   *
   * @since 0.3.0
   * @category errors
   */
  IdempotencyKeyReused
} from "./Idempotency.js"
export {
  /**
   * A failure of the storage port, with a tagged reason (`error.reason._tag`):
   * `UniqueViolation` (409), `StaleVersion` (409, retryable), `NotFound` (404),
   * `InvalidInput` (400), `Unavailable` (503, retryable).
   *
   * @since 0.1.0
   * @category errors
   */
  StorageError
} from "./Storage.js"
export {
  /**
   * A delivery call names an unknown dead letter or subscriber (404).
   *
   * @since 0.1.0
   * @category errors
   */
  DeliveryError
} from "./Delivery.js"
export {
  /**
   * A stored event is not the event a subscriber expected, or its payload does not match its
   * schema (422).
   *
   * @since 0.1.0
   * @category errors
   */
  EventDecodeError
} from "./Events.js"
export {
  /**
   * A connector's mapping record was refused: one side is already linked to another id (409).
   *
   * @since 0.1.0
   * @category errors
   */
  MappingConflict
} from "./Connector.js"
export {
  /**
   * Plugins could not start: thrown by `createProcura` for an invalid configuration, or for two
   * plugins or connectors claiming one exclusive responsibility (`conflict` names them).
   *
   * @since 0.1.0
   * @category errors
   */
  PluginError
} from "./Plugin.js"
export {
  /**
   * A decision table could not be loaded or could not decide.
   *
   * @since 0.1.0
   * @category errors
   */
  DecisionTableError
} from "./rules/DecisionTable.js"
export {
  /**
   * The approval policy could not plan a chain for a request (422).
   *
   * @since 0.1.0
   * @category errors
   */
  ApprovalPolicyError
} from "./requisition/ApprovalPolicy.js"
export {
  /**
   * A catalog operation was refused; nothing was written.
   *
   * @since 0.1.0
   * @category errors
   */
  CatalogError
} from "./catalog/Catalog.js"
export {
  /**
   * A requisition operation was refused; nothing was written.
   *
   * @since 0.1.0
   * @category errors
   */
  RequisitionError
} from "./requisition/Requisition.js"
export {
  /**
   * A purchasing operation was refused; nothing was written.
   *
   * @since 0.1.0
   * @category errors
   */
  PurchasingError
} from "./purchasing/Purchasing.js"
export {
  /**
   * A receipt was refused; nothing was written.
   *
   * @since 0.1.0
   * @category errors
   */
  ReceivingError
} from "./receiving/Receiving.js"
export {
  /**
   * A return was refused; nothing was written.
   *
   * @since 0.1.0
   * @category errors
   */
  ReturnError
} from "./receiving/Returns.js"
export {
  /**
   * A shipment was refused; nothing was written.
   *
   * @since 0.1.0
   * @category errors
   */
  ShippingError
} from "./shipping/Shipping.js"
export {
  /**
   * An asset operation was refused; nothing was written.
   *
   * @since 0.1.0
   * @category errors
   */
  AssetError,
  /**
   * Fewer template assets remain on order for a line than a receipt needs (409).
   *
   * @since 0.1.0
   * @category errors
   */
  TemplatesMissing
} from "./assets/Assets.js"
export {
  /**
   * A licensing operation was refused; nothing was written.
   *
   * @since 0.1.0
   * @category errors
   */
  LicensingError
} from "./licensing/Licensing.js"
export {
  /**
   * An invoicing operation was refused; nothing was written.
   *
   * @since 0.1.0
   * @category errors
   */
  InvoicingError
} from "./invoicing/Invoicing.js"
export {
  /**
   * A stock operation was refused; nothing was written.
   *
   * @since 0.1.0
   * @category errors
   */
  StockError
} from "./stock/Stock.js"
export type {
  /**
   * Who is calling: `{ userId, tenantId, roles }`. The host authenticates; Procura authorises.
   *
   * @since 0.1.0
   * @category models
   */
  Principal
} from "./Principal.js"
export type {
  /**
   * RFC 9457 problem details, from {@link toProblem}.
   *
   * @since 0.1.0
   * @category problems
   */
  Problem,
  /**
   * Options of {@link toProblem}.
   *
   * @since 0.1.0
   * @category problems
   */
  ProblemOptions,
  /**
   * How an error family maps to codes and statuses.
   *
   * @since 0.1.0
   * @category problems
   */
  Family,
  /**
   * A suggested HTTP status.
   *
   * @since 0.1.0
   * @category problems
   */
  Status
} from "./Problem.js"
export type {
  /**
   * An OpenAPI 3.1 document, as plain JSON.
   *
   * @since 0.1.0
   * @category openapi
   */
  Document as OpenApiDocument,
  /**
   * Options of `procura.openApi()`.
   *
   * @since 0.1.0
   * @category openapi
   */
  Options as OpenApiOptions
} from "./OpenApi.js"

/**
 * RFC 9457 problem details for anything a call threw: the code (`ReceivingError/OverReceipt`),
 * the suggested HTTP status, the message and the error's data, without secrets, causes or other
 * tenants' ids. Anything that is not a Procura error is a generic 500. Pass the caller's
 * `tenantId`, and `families` for errors of plugins or connectors (`procura.toProblem` knows the
 * enabled plugins' already).
 *
 * ```ts
 * try {
 *   return await procura.run(id, body, { principal })
 * } catch (error) {
 *   const problem = toProblem(error, { tenantId: principal.tenantId })
 *   reply.code(problem.status).type("application/problem+json").send(problem)
 * }
 * ```
 *
 * @since 0.1.0
 * @category problems
 */
export const toProblem: (error: unknown, options?: Problem.ProblemOptions) => Problem.Problem = Problem.toProblem

/**
 * Options of {@link createProcura}.
 *
 * @since 0.1.0
 * @category options
 */
export interface ProcuraOptions {
  /** A storage adapter layer, such as `SqlStorage.layerPglite()` or `MemoryStorage.layer()`. */
  readonly storage: Layer.Layer<Storage.Storage, unknown>
  /**
   * The principal calls run as when they name none. Without it, every call must name one. Its
   * roles must be known (`Access.knownRoles`: Procura's, the matrix's and the enabled plugins'):
   * an unknown one throws a `ValidationError` naming the nearest known role. (Principals given per
   * call or to `as` are not checked: an identity provider may give users roles Procura does not use.)
   */
  readonly principal?: Principal
  /** Replaces seed 002's permission matrix. */
  readonly permissions?: Access.Matrix
  /**
   * Plugins to enable, each with its configuration: `Plugin.enable(approvals, { ... })`.
   * An invalid configuration throws a `PluginError` from `createProcura`, before anything starts.
   */
  readonly plugins?: ReadonlyArray<Plugin.Enabled>
  /**
   * Error families of the connectors or other code the host runs beside Procura (a plugin
   * declares its own), for `procura.toProblem`.
   */
  readonly errors?: ReadonlyArray<Problem.Family>
}

/**
 * Options of one call.
 *
 * @since 0.1.0
 * @category options
 */
export interface CallOptions {
  readonly principal?: Principal
  readonly signal?: AbortSignal
  /**
   * A key the caller makes up per request (a UUID; 1 to 200 characters), for commands it may send
   * twice: the same key and input within 24 hours answers the first call's result and writes
   * nothing (`Idempotency`). Queries ignore it.
   */
  readonly idempotencyKey?: string
}

/**
 * The methods of one module, as async functions.
 *
 * @since 0.1.0
 * @category models
 */
export type ModuleMethods<Ops extends Record<string, Operation.Any>> = {
  readonly [K in keyof Ops]: (input: Operation.Input<Ops[K]>, options?: CallOptions) => Promise<Operation.Output<Ops[K]>>
}

/**
 * Every module's methods: `procura.purchasing.submitPurchaseOrder(...)`.
 *
 * @since 0.1.0
 * @category models
 */
export type Modules = { readonly [M in keyof Procura.Operations]: ModuleMethods<Procura.Operations[M]> }

/**
 * A running Procura instance.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProcuraClient extends Modules, AsyncDisposable {
  /** The same methods, bound to a principal. */
  readonly as: (principal: Principal) => Modules
  /** Runs any operation of the catalogue by id, e.g. from a CLI or a flow editor. */
  readonly run: (operationId: string, input: unknown, options?: CallOptions) => Promise<unknown>
  /** The operations catalogue, by id. */
  readonly operations: ReadonlyMap<string, Operation.Any>
  /**
   * Delivers the domain events appended since last time to the enabled plugins' subscribers,
   * in order, and reports what each subscriber handled. Pass `{ retry }` to retry failing
   * handlers and park events past the limit (see `Delivery.drain`).
   */
  readonly deliverEvents: (options?: Delivery.DrainOptions) => Promise<ReadonlyArray<Delivery.DrainReport>>
  /**
   * Polls the enabled connectors' inbound side once: each pulls the changes since its stored
   * watermark, applies them as its configured principal, then advances the watermark (see
   * `Connector.poll`). A connector that failed is reported with `failed` and keeps its watermark.
   */
  readonly pollConnectors: (options?: Connector.PollOptions) => Promise<ReadonlyArray<Connector.PollReport>>
  /** The dead letters (events parked per subscriber), of one subscriber or all. */
  readonly listDeadLetters: (
    options?: { readonly subscriber?: string; readonly limit?: number }
  ) => Promise<ReadonlyArray<Storage.DeadLetter>>
  /**
   * Delivers a dead letter again now (with the parked events of its aggregate, oldest first);
   * success removes it. Rejects with a `DeliveryError` for an unknown letter or subscriber.
   */
  readonly replayDeadLetter: (id: string) => Promise<Delivery.ReplayReport>
  /** Replays every dead letter, of one subscriber when given. */
  readonly replayDeadLetters: (options?: { readonly subscriber?: string }) => Promise<ReadonlyArray<Delivery.ReplayReport>>
  /**
   * RFC 9457 problem details for an error a call threw (see {@link toProblem}), knowing the
   * error families of the enabled plugins and of `options.errors`.
   */
  readonly toProblem: (error: unknown, options?: Problem.ProblemOptions) => Problem.Problem
  /**
   * The OpenAPI 3.1 document of this instance's operations (the core's and the enabled
   * plugins'), as plain JSON: one `POST /operations/<operation id>` each.
   */
  readonly openApi: (options?: Omit<OpenApi.Options, "catalogue" | "permissions">) => OpenApi.Document
  /** Resolves once storage is prepared; rejects with the reason it could not be. */
  readonly ready: () => Promise<void>
  /**
   * Closes storage and releases resources. Calls made afterwards reject with a `StorageError`
   * `Unavailable` (503, retryable): the instance takes no more calls.
   */
  readonly dispose: () => Promise<void>
}

/**
 * Thrown when a call names no principal and the instance has no default one.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingPrincipal extends Error {
  /** @since 0.1.0 */
  readonly _tag = "MissingPrincipal"
  /** @since 0.1.0 */
  constructor(operation: string) {
    super(`${operation} needs a principal: pass { principal } to the call, use procura.as(principal), or set a default principal`)
  }
}

/**
 * Thrown for an operation id the catalogue does not have.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnknownOperation extends Error {
  /** @since 0.1.0 */
  readonly _tag = "UnknownOperation"
  /** @since 0.1.0 */
  constructor(operation: string, known: Iterable<string> = []) {
    const suggestion = didYouMean(operation, known)
    super(`There is no operation ${operation}; ${suggestion === undefined ? "" : `${suggestion} `}see procura.operations for the list`)
  }
}

const throwFailure = <A>(exit: Exit.Exit<A, unknown>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  const failure = Cause.findErrorOption(exit.cause)
  if (failure._tag === "Some") throw failure.value
  throw Cause.squash(exit.cause)
}

/**
 * Starts Procura on a storage adapter and returns its async API.
 *
 * @since 0.1.0
 * @category constructors
 */
export const createProcura = (options: ProcuraOptions): ProcuraClient => {
  const permissions = options.permissions === undefined
    ? Layer.empty
    : Layer.succeed(Access.PermissionMatrix, options.permissions)
  const composed = Effect.runSyncExit(Plugin.compose(options.plugins ?? []))
  const composition = throwFailure(composed)
  if (options.principal !== undefined) {
    const known = Access.knownRoles(options.permissions ?? Access.defaultMatrix, composition.roles)
    const issues = Access.unknownRoles(options.principal.roles, known)
    if (issues.length > 0) throw invalid("createProcura", issues.map((issue) => ({ ...issue, path: ["principal", ...issue.path] })))
  }
  const catalogue = Procura.catalogueWith(composition)
  const families = [...composition.errors, ...(options.errors ?? [])]
  const runtime = ManagedRuntime.make(
    Procura.layerFromComposition(composition).pipe(Layer.provideMerge(options.storage), Layer.provideMerge(permissions))
  )

  // After dispose, the runtime is gone: calls reject with a retryable StorageError (503), which a
  // host shutting down answers callers with, never with a bare string or a defect.
  let disposed = false
  const open = <A>(use: () => Promise<A>): Promise<A> =>
    disposed
      ? Promise.reject(new StorageError({ reason: new Unavailable({ message: "This Procura instance was disposed: it takes no more calls" }) }))
      : use()

  const call = async (operation: Operation.Any, input: unknown, callOptions: CallOptions | undefined, bound: Principal | undefined) => {
    const principal = callOptions?.principal ?? bound ?? options.principal
    if (principal === undefined) throw new MissingPrincipal(operation.id)
    const signal = callOptions?.signal
    signal?.throwIfAborted()
    const keyed = callOptions?.idempotencyKey === undefined ? run(operation)(input) : Idempotency.withKey(callOptions.idempotencyKey)(run(operation)(input))
    const effect = Effect.provideService(keyed, CurrentPrincipal, principal)
    const exit = await open(() => runtime.runPromiseExit(effect, signal ? { signal } : undefined))
    // An aborted call rejects with the signal's reason, as fetch and other Web APIs do.
    if (Exit.isFailure(exit) && signal?.aborted) signal.throwIfAborted()
    return throwFailure(exit)
  }

  const dispose = () => {
    disposed = true
    return runtime.dispose()
  }

  const modules = (bound: Principal | undefined): Modules =>
    Object.fromEntries(
      Object.entries(Procura.operations).map(([module, group]) => [
        module,
        Object.fromEntries(
          Object.entries(group).map(([name, operation]) => [
            name,
            (input: unknown, callOptions?: CallOptions) => call(operation as Operation.Any, input, callOptions, bound)
          ])
        )
      ])
    ) as unknown as Modules

  return {
    ...modules(undefined),
    as: (principal) => modules(principal),
    run: (operationId, input, callOptions) => {
      const operation = catalogue.get(operationId)
      return operation === undefined
        ? Promise.reject(new UnknownOperation(operationId, catalogue.keys()))
        : call(operation, input, callOptions, undefined)
    },
    operations: catalogue,
    toProblem: (error, problemOptions) =>
      Problem.toProblem(error, { ...problemOptions, families: [...families, ...(problemOptions?.families ?? [])] }),
    openApi: (documentOptions) =>
      OpenApi.fromComposition(composition, { ...documentOptions, families: [...(options.errors ?? []), ...(documentOptions?.families ?? [])] }),
    deliverEvents: (drainOptions) => open(() => runtime.runPromise(Delivery.drain(composition.subscribers, drainOptions))),
    pollConnectors: (pollOptions) => open(() => runtime.runPromiseExit(Connector.poll(composition.pollers, pollOptions))).then(throwFailure),
    listDeadLetters: (listOptions) => open(() => runtime.runPromiseExit(Delivery.listDeadLetters(listOptions))).then(throwFailure),
    replayDeadLetter: (id) => open(() => runtime.runPromiseExit(Delivery.replay(composition.subscribers, id))).then(throwFailure),
    replayDeadLetters: (replayOptions) =>
      open(() => runtime.runPromiseExit(Delivery.replayAll(composition.subscribers, replayOptions))).then(throwFailure),
    ready: () => open(() => runtime.runPromise(Effect.void)),
    dispose,
    [Symbol.asyncDispose]: dispose
  }
}
