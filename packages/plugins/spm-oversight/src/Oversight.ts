/**
 * The oversight operations and service (seed 001): customer orders and their fulfilment on one
 * side, programs, projects and project tasks on the other, kept in step at once.
 *
 * The flow, operation by operation:
 *
 * 1. `createOrder`: an order for an account, with lines (product offering, site location,
 *    quantity, action add/change/delete).
 * 2. `approveOrderLines`: approval starts oversight. Each line is checked against the order-line
 *    table; eligible lines get a project from the template the table names, with its planned
 *    tasks (several eligible lines: several projects). When at least one line project is made,
 *    the account gets a program (reused, or one per order) and each site location a site project
 *    from the site table (reused, or one per order), the line projects under it; a large order
 *    gets one order-level project instead, the line projects under it.
 * 3. `recordDecomposition`: domain orders and order tasks (at once, or staggered; tasks may join
 *    earlier domain orders, as in-flight changes add them). The domain-order and order-task
 *    tables name a template task: the record joins the project's planned task for it, or a task
 *    is made; field mappings copy attributes onto it.
 * 4. `setOrderTaskStates`, `setDomainOrderState`: state changes reach the linked project tasks
 *    in the same transaction (through the state mapping) and roll upward; with auto-closure a
 *    project task closes once everything it follows is complete or cancelled, then its project,
 *    the project above, the program.
 * 5. `addNote`: work notes and comments on lines, domain orders and order tasks are copied to
 *    the linked project and project tasks at once.
 * 6. `changeOrder`: in-flight changes (add, change, cancel lines).
 *
 * Every operation is authorised by a plugin permission (see `Roles`), every record is scoped to
 * the caller's tenant, and every change appends its events (see `OversightEvents`).
 *
 * The operations are top-level definitions, one file per concept under `internal/operations/`
 * (orders, decomposition, states, notes, reads, relationships); they read the configuration from
 * the context (`OversightConfig`, provided by the plugin's layer).
 *
 * @since 0.1.0
 */
import { Operation, type Principal, type Storage } from "@procura/core"
import { Context, Effect, Layer } from "effect"
import type { Config } from "./Config.js"
import * as Notes from "./Notes.js"
import * as Orders from "./Orders.js"
import * as Projects from "./Projects.js"
import * as Relationships from "./Relationships.js"
import { OversightConfig } from "./internal/config.js"
import { operations } from "./internal/operations/index.js"

export {
  /**
   * One line of a new order.
   *
   * @since 0.1.0
   * @category models
   */
  LineInput,
  /**
   * A relationship end on the order side or the project side, as related lists show it.
   *
   * @since 0.1.0
   * @category models
   */
  Summary,
  /**
   * What approving lines did.
   *
   * @since 0.1.0
   * @category models
   */
  ApprovalResult
} from "./internal/operations/shared.js"

/**
 * What the oversight service's relationship lookups need: storage and the caller.
 *
 * @since 0.1.0
 * @category models
 */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

/**
 * The oversight operations for a configuration, by method name: the plugin's operations with
 * that configuration provided, for running them outside the plugin's layer.
 *
 * @since 0.1.0
 * @category operations
 */
export const makeOperations = (config: Config): typeof operations =>
  Object.fromEntries(
    Object.entries(operations).map(([name, operation]) => [
      name,
      { ...operation, handler: (input: never) => Effect.provideService((operation.handler as (input: never) => Effect.Effect<unknown, unknown, never>)(input), OversightConfig, config) }
    ])
  ) as unknown as typeof operations

/**
 * The oversight operations' type.
 *
 * @since 0.1.0
 * @category operations
 */
export type Operations = typeof operations

/**
 * The methods of the oversight service: one per operation of the plugin, taking its input and
 * giving its output, failing with its errors.
 *
 * @since 0.1.0
 * @category services
 */
export interface OversightService extends Operation.Methods<Operations> {}

/**
 * The oversight service: one method per operation. Provided by the plugin when it is enabled.
 *
 * @since 0.1.0
 * @category services
 */
export class Oversight extends Context.Service<Oversight, OversightService>()("@procura/plugin-spm-oversight/Oversight") {
  /** @since 0.1.0 */
  static readonly layer = (config: Config): Layer.Layer<Oversight, never, Storage.Storage> => Operation.serviceLayer(Oversight, makeOperations(config))
}

/**
 * The collections the plugin stores records in.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections: ReadonlyArray<Storage.Collection<any>> = [
  ...Orders.collections,
  ...Projects.collections,
  ...Relationships.collections,
  ...Notes.collections
]
