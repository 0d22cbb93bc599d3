/**
 * The oversight engine: seed 001's integration flow on a unit of work, one file per concept.
 *
 * - `approval.ts`: eligibility, order-line table, program, order-level or site projects, line
 *   projects with their planned tasks.
 * - `decomposition.ts`: domain orders and order tasks, the domain-order and order-task tables,
 *   project tasks joined or created, field mappings.
 * - `states.ts`: states follow on both sides, at once, with auto-closure cascading upward.
 * - `projects.ts` (creation from templates, program and site-project reuse), `links.ts` (loading
 *   and relationships), `determination.ts` (decision tables), `rules.ts` (the pure rules).
 */
export { approve } from "./approval.js"
export { decompose } from "./decomposition.js"
export type { DomainOrderSpec, OrderTaskSpec } from "./decomposition.js"
export { link, linksFrom, linksTo, loadAll, loadOrder } from "./links.js"
export type { Needs } from "./links.js"
export { applyMappings, isClosed, lineView, pairs, wantsOrderProject, withState } from "./rules.js"
export { resync, rollUpOrders, rollUpOrderStates, syncFromOrders, tasksLinkedTo, transition } from "./states.js"
