/**
 * The pure rules of oversight, without storage: the facts the decision tables decide on, which
 * template and project a line, site, domain order or order task gets, reuse keys, field mappings,
 * the state a record follows (state mapping and auto-closure), allowed transitions.
 */
import type { DecisionTable } from "@procura/core"
import type { Config, FieldMapping, Template } from "../Config.js"
import * as Orders from "../Orders.js"
import { derive, isClosed, type Project, type ProjectState } from "../Projects.js"

export type Value = string | number | boolean

/** `name=value` strings, for string[] columns. */
export const pairs = (attributes: Orders.Attributes): Array<string> => Object.entries(attributes).map(([k, v]) => `${k}=${String(v)}`)

/** What a field mapping can read from an order line. */
export const lineView = (order: Orders.CustomerOrder, line: Orders.OrderLine) => ({
  orderNumber: order.number,
  accountId: order.accountId,
  accountName: order.accountName,
  lineNo: line.lineNo,
  productOfferingId: line.productOfferingId,
  productOfferingName: line.productOfferingName,
  category: line.category,
  siteLocationId: line.siteLocationId,
  siteLocationName: line.siteLocationName,
  parentLocationId: line.parentLocationId,
  parentLocationName: line.parentLocationName,
  quantity: line.quantity,
  action: line.action,
  characteristics: line.characteristics
})

export type View = { readonly [key: string]: unknown }

/** The value at a mapping's source path, or undefined. */
export const valueAt = (view: View, path: string): Value | undefined => {
  for (const prefix of ["line.", "characteristics.", "attributes."]) {
    if (!path.startsWith(prefix)) continue
    const nested = view[prefix.slice(0, -1)]
    if (typeof nested !== "object" || nested === null) return undefined
    const rest = path.slice(prefix.length)
    return prefix === "line." ? valueAt(nested as View, rest) : (nested as Orders.Attributes)[rest]
  }
  const value = view[path]
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : undefined
}

export interface Mapped {
  readonly name: string
  readonly description?: string | undefined
  readonly fields: Orders.Attributes
}

/** Applies field mappings: `short_description` is the name, `description` the description, the rest fields. */
export const applyMappings = <T extends Mapped>(record: T, mappings: ReadonlyArray<FieldMapping>, view: View): T => {
  let next: T = record
  const fields = { ...record.fields }
  for (const mapping of mappings) {
    const value = valueAt(view, mapping.from)
    if (value === undefined) continue
    if (mapping.to === "short_description") next = { ...next, name: String(value) }
    else if (mapping.to === "description") next = { ...next, description: String(value) }
    else fields[mapping.to] = value
  }
  return { ...next, fields }
}

export const sameContent = (a: Mapped, b: Mapped) => JSON.stringify([a.name, a.description, a.fields]) === JSON.stringify([b.name, b.description, b.fields])

/** A record with a new project state: closing stamps `closedAt` and ends reuse; reopening clears it. */
export const withState = <T extends { readonly state: ProjectState; readonly updatedAt: string; readonly closedAt?: string | undefined }>(
  record: T,
  state: ProjectState,
  now: string
): T => {
  const next: T & { closedAt?: string | undefined; reuseKey?: string | undefined } = { ...record, state, updatedAt: now }
  if (isClosed(state)) {
    if (!isClosed(record.state)) next.closedAt = now
    delete next.reuseKey
  } else {
    delete next.closedAt
  }
  return next
}

/** Why a decision came out as it did: the row, the default, or each row's first failing condition. */
export const reasonOf = (table: string, decision: DecisionTable.Decision<unknown>): string => {
  if (decision.outcome === "matched") return `${table} rule ${decision.matched[0]}`
  const unmatched = decision.explanation.unmatched
  const why = unmatched.slice(0, 3).map((row) => `${row.id}: ${row.reason}`).join("; ") + (unmatched.length > 3 ? `; and ${unmatched.length - 3} more rows` : "")
  return decision.outcome === "default" ? `${table} default (${why})` : `no row of ${table} matched (${why})`
}

export const templateOf = (config: Config, id: string): Template => config.templates.find((t) => t.id === id)!

/** Whether an order gets a project at the order level: asked for, or by line count. */
export const wantsOrderProject = (config: Config, order: Orders.CustomerOrder): boolean =>
  config.orderProject !== undefined &&
  (order.projectAtOrderLevel || (config.orderProject.minLines !== undefined && order.lineCount >= config.orderProject.minLines))

/** Whether a line takes domain orders and tasks: approved or in progress. */
export const decomposable = (line: Orders.OrderLine) => line.state === "approved" || line.state === "in_progress"

/** The state an order follows from its lines. */
export const orderStateOf = (lines: ReadonlyArray<Orders.OrderLine>, current: Orders.OrderState): Orders.OrderState => {
  if (lines.length === 0) return current
  if (lines.every((l) => Orders.isDone(l.state))) return lines.every((l) => l.state === "cancelled") ? "cancelled" : "completed"
  return lines.some((l) => l.state !== "new") ? "in_progress" : "new"
}

// ----- which line, site, domain order or task gets which template and project ------------------

/** The facts the order-line table decides a line on. */
export const lineFacts = (order: Orders.CustomerOrder, line: Orders.OrderLine) => ({
  productOffering: line.productOfferingId,
  productOfferingName: line.productOfferingName,
  category: line.category ?? null,
  action: line.action,
  quantity: line.quantity,
  siteLocation: line.siteLocationId,
  parentLocation: line.parentLocationId ?? null,
  account: order.accountId,
  orderLines: order.lineCount,
  characteristics: pairs(line.characteristics)
})

/** The facts the site table decides a line's site location on. */
export const siteFacts = (order: Orders.CustomerOrder, line: Orders.OrderLine) => ({
  productOffering: line.productOfferingId,
  productOfferingName: line.productOfferingName,
  category: line.category ?? null,
  siteLocation: line.siteLocationId,
  parentLocation: line.parentLocationId ?? null,
  account: order.accountId
})

/** The location a line's site project is for: its parent location when the table says so and it has one, else its site. */
export const siteOf = (line: Orders.OrderLine, location: "site" | "parent"): { readonly id: string; readonly name: string } =>
  location === "parent" && line.parentLocationId !== undefined
    ? { id: line.parentLocationId, name: line.parentLocationName ?? line.parentLocationId }
    : { id: line.siteLocationId, name: line.siteLocationName }

/** The program an order goes under: the account's (reuse on) or the order's own, by reuse key and name. */
export const programOf = (config: Config, order: Orders.CustomerOrder): { readonly reuseKey: string; readonly name: string } =>
  config.properties.reuse
    ? { reuseKey: `account:${order.accountId}`, name: order.accountName }
    : { reuseKey: `order:${order.id}`, name: `${order.accountName} ${order.number ?? order.id}` }

/** The reuse key of a site project: per account and location (reuse on), or per order and location. */
export const siteReuseKey = (config: Config, order: Orders.CustomerOrder, siteId: string): string =>
  config.properties.reuse ? `site:${order.accountId}:${siteId}` : `site:${order.id}:${siteId}`

/** The facts the domain-order or order-task table decides on. */
export const taskFacts = (
  kind: "domain_order" | "order_task",
  record: Orders.DomainOrder | Orders.OrderTask,
  domainOrder: Orders.DomainOrder,
  line: Orders.OrderLine,
  projectTemplate: string
): object => {
  const common = {
    domain: domainOrder.domain,
    name: record.name,
    productOffering: line.productOfferingId,
    category: line.category ?? null,
    projectTemplate,
    attributes: pairs(record.attributes)
  }
  return kind === "order_task" ? { ...common, requestType: (record as Orders.OrderTask).requestType ?? null } : common
}

/** The project of a line's chain a template task goes into: the one made from its template, else the line's project. */
export const projectInChain = (chain: ReadonlyArray<Project>, template: string): Project | undefined =>
  chain.find((p) => p.templateId === template) ?? chain[0]

/** The name of a project task made for a record: a planned task keeps its template name. */
export const taskName = (definition: { readonly name: string; readonly planned: boolean }, source: string): string =>
  definition.planned ? definition.name : `${definition.name}: ${source}`

// ----- states ----------------------------------------------------------------------------------

/**
 * The state a project task follows: its linked order tasks and domain orders through the state
 * mapping, and its child tasks; with auto-closure it closes once all of them are closed.
 */
export const projectTaskState = (
  config: Config,
  current: ProjectState,
  linked: ReadonlyArray<Orders.FulfilmentState>,
  children: ReadonlyArray<ProjectState>
): ProjectState => derive(current, [...linked.map((state) => config.stateMapping[state]), ...children], config.properties.autoClose)

/** Why an order task or domain order cannot move to a state, or undefined when it can. */
export const transitionProblem = (from: Orders.FulfilmentState, to: Orders.FulfilmentState, what: string): string | undefined => {
  const allowed = Orders.taskTransitions[from]
  return allowed.includes(to)
    ? undefined
    : `${what} is ${from} and cannot become ${to}; ${allowed.length === 0 ? `${from} is final` : `it can become ${allowed.join(", ")}`}`
}

/** Closed for the project side: `closed_*`. */
export { isClosed }
