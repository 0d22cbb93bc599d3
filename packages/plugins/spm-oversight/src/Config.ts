/**
 * The plugin's configuration: everything seed 001's administrator sets up, as data.
 *
 * - `templates`: project, site-project and order-level project templates with their tasks
 *   (`project_template`, `project_template_task`).
 * - Four decision tables ("Project Management Oversight for Order Line Item / Domain Order /
 *   Order Task", "Site Project Management Oversight for Product Offerings"): which lines get a
 *   project and from which template, which site locations get a site project, which template task
 *   a domain order or order task becomes (or joins).
 * - `orderProject`: the order-level project for large orders (its template, and the line count
 *   from which an order gets one without asking).
 * - `fieldMappings`: values copied from order lines, domain orders and order tasks onto projects
 *   and project tasks (the CSM table maps).
 * - `stateMapping`: the project task state each order task (or domain order) state means.
 * - `properties`: `reuse` (`sn_ind_tmt_orm.reuse_existing_program_and_project_enabled`) and
 *   `autoClose` (`sn_ind_tmt_orm.project.task.auto.closure`).
 *
 * A configuration whose tables name a template or task that does not exist, or of the wrong kind,
 * is refused at start with the path of the row.
 *
 * @since 0.1.0
 */
import { type DecisionTable, TableConfig } from "@procura/core"
import { z } from "zod"
import { FulfilmentState } from "./Orders.js"
import { isClosed, ProjectState } from "./Projects.js"

// ----- decision table columns ----------------------------------------------------------------

/**
 * The facts the order-line table decides on.
 *
 * @since 0.1.0
 * @category constants
 */
export const orderLineColumns = [
  { name: "productOffering", type: "string", description: "the product offering's id" },
  { name: "productOfferingName", type: "string", description: "the product offering's name" },
  { name: "category", type: "string", description: "the product offering's category, if any" },
  { name: "action", type: "string", description: "the line's action: add, change or delete" },
  { name: "quantity", type: "number", description: "the quantity ordered" },
  { name: "siteLocation", type: "string", description: "the site location's id" },
  { name: "parentLocation", type: "string", description: "the site location's parent location id, if any" },
  { name: "account", type: "string", description: "the order's account id" },
  { name: "orderLines", type: "number", description: "how many lines the order has" },
  { name: "characteristics", type: "string[]", description: "the line's characteristics as name=value" }
] as const satisfies ReadonlyArray<DecisionTable.Column>

/**
 * The facts the site-location table decides on (one line's offering at its site).
 *
 * @since 0.1.0
 * @category constants
 */
export const siteColumns = [
  { name: "productOffering", type: "string", description: "the product offering's id" },
  { name: "productOfferingName", type: "string", description: "the product offering's name" },
  { name: "category", type: "string", description: "the product offering's category, if any" },
  { name: "siteLocation", type: "string", description: "the site location's id" },
  { name: "parentLocation", type: "string", description: "the parent location's id, if any" },
  { name: "account", type: "string", description: "the order's account id" }
] as const satisfies ReadonlyArray<DecisionTable.Column>

/**
 * The facts the domain-order table decides on.
 *
 * @since 0.1.0
 * @category constants
 */
export const domainOrderColumns = [
  { name: "domain", type: "string", description: "the domain order's domain, e.g. product, service, resource" },
  { name: "name", type: "string", description: "the domain order's name" },
  { name: "productOffering", type: "string", description: "the line's product offering id" },
  { name: "category", type: "string", description: "the line's product offering category" },
  { name: "projectTemplate", type: "string", description: "the template of the line's project" },
  { name: "attributes", type: "string[]", description: "the domain order's attributes as name=value" }
] as const satisfies ReadonlyArray<DecisionTable.Column>

/**
 * The facts the order-task table decides on.
 *
 * @since 0.1.0
 * @category constants
 */
export const orderTaskColumns = [
  { name: "requestType", type: "string", description: "the order task's request type" },
  { name: "name", type: "string", description: "the order task's name" },
  { name: "domain", type: "string", description: "its domain order's domain" },
  { name: "productOffering", type: "string", description: "the line's product offering id" },
  { name: "category", type: "string", description: "the line's product offering category" },
  { name: "projectTemplate", type: "string", description: "the template of the line's project" },
  { name: "attributes", type: "string[]", description: "the order task's attributes as name=value" }
] as const satisfies ReadonlyArray<DecisionTable.Column>

// ----- templates -------------------------------------------------------------------------------

const key = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "expected letters, digits, dots, dashes or underscores")

/**
 * A task of a template. `planned` tasks (the default) are created with the project; others are
 * created when a domain order or order task becomes them, one per domain order or order task.
 * `parent` names an earlier task of the same template; `after` names earlier tasks this one waits
 * for (finish to start: SPM's task dependencies); `durationDays` plans its dates (it starts when
 * the tasks it waits for, and its parent, start or end, from the project's creation).
 *
 * @since 0.1.0
 * @category models
 */
export const TemplateTask = z.strictObject({
  key: key.describe("unique within the template; decision tables name it"),
  name: z.string().min(1).describe("the project task's short description"),
  description: z.string().optional(),
  parent: key.optional().describe("the key of an earlier task of this template, the parent task"),
  planned: z.boolean().default(true)
    .describe("created with the project (order tasks arriving later join it) or only when a domain order or order task becomes it"),
  after: z.array(key).max(50).optional().describe("keys of earlier tasks of this template this task waits for (finish to start)"),
  durationDays: z.number().int().min(0).max(3650).optional().describe("planned working time in days: gives the task planned start and end dates")
})

/**
 * A template task.
 *
 * @since 0.1.0
 * @category models
 */
export type TemplateTask = z.infer<typeof TemplateTask>

/**
 * What a template makes: a line project, a site project or an order-level project.
 *
 * @since 0.1.0
 * @category models
 */
export const TemplateKind = z.enum(["project", "site_project", "order_project"])

/**
 * A project template.
 *
 * @since 0.1.0
 * @category models
 */
export const Template = z.strictObject({
  id: key.describe("unique; decision tables name it"),
  name: z.string().min(1),
  kind: TemplateKind.default("project"),
  description: z.string().optional(),
  tasks: z.array(TemplateTask).default([])
})

/**
 * A project template.
 *
 * @since 0.1.0
 * @category models
 */
export type Template = z.infer<typeof Template>

// ----- decision results ------------------------------------------------------------------------

/**
 * What the order-line table gives: the template of the line's project.
 *
 * @since 0.1.0
 * @category models
 */
export const LineResult = z.strictObject({ template: key.describe("a template of kind project") })

/**
 * What the site table gives: the site-project template, and whether the site project is for the
 * line's site location or its parent location (a line without a parent falls back to its site).
 *
 * @since 0.1.0
 * @category models
 */
export const SiteResult = z.strictObject({
  template: key.describe("a template of kind site_project"),
  location: z.enum(["site", "parent"]).default("site")
})

/**
 * What the domain-order and order-task tables give: a template task. It is placed in the
 * project of the line's chain (line project, site project, order-level project) made from that
 * template, else in the line's project.
 *
 * @since 0.1.0
 * @category models
 */
export const TaskResult = z.strictObject({
  template: key.describe("the template the task belongs to"),
  task: key.describe("the key of the template task")
})

// ----- mappings --------------------------------------------------------------------------------

/**
 * The values an order line offers to field mappings (`characteristics.<name>` too).
 *
 * @since 0.1.0
 * @category constants
 */
export const lineSources = [
  "orderNumber",
  "accountId",
  "accountName",
  "lineNo",
  "productOfferingId",
  "productOfferingName",
  "category",
  "siteLocationId",
  "siteLocationName",
  "parentLocationId",
  "parentLocationName",
  "quantity",
  "action"
] as const

/**
 * The values a domain order offers (`attributes.<name>` and `line.<line value>` too).
 *
 * @since 0.1.0
 * @category constants
 */
export const domainOrderSources = ["name", "domain"] as const

/**
 * The values an order task offers (`attributes.<name>` and `line.<line value>` too).
 *
 * @since 0.1.0
 * @category constants
 */
export const orderTaskSources = ["name", "requestType", "domain", "domainOrderName"] as const

/**
 * One field mapping: copy the value at `from` to the field `to` of the project or project task.
 * `to: short_description` sets the name, `to: description` the description; any other field is
 * kept in `fields`. A missing source value copies nothing.
 *
 * @since 0.1.0
 * @category models
 */
export const FieldMapping = z.strictObject({
  from: z.string().min(1),
  to: z.string().regex(/^[a-z_][a-z0-9_]*$/, "expected a field name: lower case letters, digits and _")
})

/**
 * A field mapping.
 *
 * @since 0.1.0
 * @category models
 */
export type FieldMapping = z.infer<typeof FieldMapping>

/**
 * The project task state each order task (and domain order) state means, seed 001's mapping by
 * default. `completed` and `cancelled` map to closed states, the others to open ones.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultStateMapping: { readonly [S in FulfilmentState]: ProjectState } = {
  pending: "pending",
  open: "open",
  in_progress: "work_in_progress",
  on_hold: "work_in_progress",
  completed: "closed_complete",
  cancelled: "closed_skipped"
}

const StateMapping = z.strictObject(
  Object.fromEntries(
    FulfilmentState.options.map((state) => [state, ProjectState.default(defaultStateMapping[state])])
  ) as { [S in FulfilmentState]: z.ZodDefault<typeof ProjectState> }
)

const singleHit = (name: string) =>
(table: DecisionTable.DecisionTable<object, unknown>) => table.hitPolicy !== "collect" || `${name} gives one result: use hit policy first or unique`

const table = <R extends z.ZodType>(inputs: ReadonlyArray<DecisionTable.Column>, result: R, description: string) =>
  TableConfig.schema({ inputs, result, hitPolicy: "first", description })

/**
 * The plugin's configuration.
 *
 * @since 0.1.0
 * @category models
 */
export const Config = z.strictObject({
  templates: z.array(Template).min(1).describe("project, site-project and order-level project templates with their tasks"),
  orderLineTable: table(
    orderLineColumns,
    LineResult,
    "Project Management Oversight for Order Line Item: rows over a line's facts; the first match gives the template of the line's project. No match (and no default): no oversight."
  ),
  siteTable: table(
    siteColumns,
    SiteResult,
    "Site Project Management Oversight for Product Offerings: which site locations of overseen lines get a site project, from which template."
  ).optional(),
  domainOrderTable: table(
    domainOrderColumns,
    TaskResult,
    "Project Management Oversight for Domain Order: the template task a domain order becomes (or joins)."
  ).optional(),
  orderTaskTable: table(
    orderTaskColumns,
    TaskResult,
    "Project Management Oversight for Order Task: the template task an order task becomes (or joins)."
  ).optional(),
  orderProject: z.strictObject({
    template: key.describe("a template of kind order_project"),
    minLines: z.number().int().positive().optional()
      .describe("orders with at least this many lines get an order-level project without asking")
  }).optional().describe("one project over a whole order, its line projects under it; asked for per order, or by line count"),
  fieldMappings: z.strictObject({
    orderLineToProject: z.array(FieldMapping).default([]),
    domainOrderToProjectTask: z.array(FieldMapping).default([]),
    orderTaskToProjectTask: z.array(FieldMapping).default([])
  }).prefault({}).describe("values copied onto projects and project tasks (the CSM table maps)"),
  stateMapping: StateMapping.prefault({}).describe("the project task state each order task or domain order state means"),
  properties: z.strictObject({
    reuse: z.boolean().default(true)
      .describe("sn_ind_tmt_orm.reuse_existing_program_and_project_enabled: reuse the account's program and the location's site project; off: new ones per order"),
    autoClose: z.boolean().default(true)
      .describe("sn_ind_tmt_orm.project.task.auto.closure: close project tasks (and upward) when everything they follow is complete or cancelled; off: nothing closes by itself")
  }).prefault({})
}).superRefine((config, context) => {
  const issue = (path: ReadonlyArray<string | number>, message: string, input?: unknown) =>
    context.addIssue({ code: "custom", path: [...path], message, input })
  const templates = new Map<string, Template>()
  config.templates.forEach((template, i) => {
    if (templates.has(template.id)) issue(["templates", i, "id"], `template ${template.id} is declared twice`, template.id)
    templates.set(template.id, template)
    const keys = new Set<string>()
    template.tasks.forEach((task, j) => {
      if (keys.has(task.key)) issue(["templates", i, "tasks", j, "key"], `task ${task.key} is declared twice in template ${template.id}`, task.key)
      if (task.parent !== undefined && !keys.has(task.parent)) {
        issue(["templates", i, "tasks", j, "parent"], `no earlier task ${task.parent} in template ${template.id}`, task.parent)
      }
      ;(task.after ?? []).forEach((predecessor, k) => {
        if (!keys.has(predecessor)) issue(["templates", i, "tasks", j, "after", k], `no earlier task ${predecessor} in template ${template.id}`, predecessor)
      })
      keys.add(task.key)
    })
  })
  const known = [...templates.keys()].join(", ")
  const checkTemplate = (path: ReadonlyArray<string | number>, id: string, kind: z.infer<typeof TemplateKind>) => {
    const template = templates.get(id)
    if (template === undefined) return issue(path, `no template ${id}; templates: ${known}`, id)
    if (template.kind !== kind) issue(path, `template ${id} is a ${template.kind} template; expected a ${kind} template`, id)
  }
  const rowsOf = <A>(name: string, t: DecisionTable.DecisionTable<object, A> | undefined, check: (path: ReadonlyArray<string | number>, result: A) => void) => {
    if (t === undefined) return
    const single = singleHit(name)(t)
    if (single !== true) issue([name, "hitPolicy"], single, t.hitPolicy)
    t.rows.forEach((row, i) => check([name, "rows", i, "then"], row.then))
    if (t.default._tag === "Some") check([name, "default"], t.default.value)
  }
  rowsOf("orderLineTable", config.orderLineTable, (path, result) => checkTemplate([...path, "template"], result.template, "project"))
  rowsOf("siteTable", config.siteTable, (path, result) => checkTemplate([...path, "template"], result.template, "site_project"))
  const checkTask = (path: ReadonlyArray<string | number>, result: z.infer<typeof TaskResult>) => {
    const template = templates.get(result.template)
    if (template === undefined) return issue([...path, "template"], `no template ${result.template}; templates: ${known}`, result.template)
    if (!template.tasks.some((task) => task.key === result.task)) {
      issue([...path, "task"], `template ${result.template} has no task ${result.task}; its tasks: ${template.tasks.map((t) => t.key).join(", ") || "none"}`, result.task)
    }
  }
  rowsOf("domainOrderTable", config.domainOrderTable, checkTask)
  rowsOf("orderTaskTable", config.orderTaskTable, checkTask)
  if (config.orderProject !== undefined) checkTemplate(["orderProject", "template"], config.orderProject.template, "order_project")
  for (const state of FulfilmentState.options) {
    const mapped = config.stateMapping[state]
    const closing = state === "completed" || state === "cancelled"
    if (closing !== isClosed(mapped)) {
      issue(["stateMapping", state], `${state} must map to ${closing ? "a closed" : "an open"} project state, got ${mapped}`, mapped)
    }
  }
  const checkSources = (name: string, mappings: ReadonlyArray<FieldMapping>, own: ReadonlyArray<string>, prefixes: ReadonlyArray<string>) =>
    mappings.forEach((mapping, i) => {
      if (own.includes(mapping.from) || prefixes.some((prefix) => mapping.from.startsWith(prefix) && mapping.from.length > prefix.length)) return
      const expected = [...own, ...prefixes.map((prefix) => `${prefix}<name>`)].join(", ")
      issue(["fieldMappings", name, i, "from"], `unknown source ${mapping.from}; expected one of ${expected}`, mapping.from)
    })
  const lineOnes = lineSources.map((s) => `line.${s}`)
  checkSources("orderLineToProject", config.fieldMappings.orderLineToProject, lineSources, ["characteristics."])
  checkSources("domainOrderToProjectTask", config.fieldMappings.domainOrderToProjectTask, [...domainOrderSources, ...lineOnes], ["attributes.", "line.characteristics."])
  checkSources("orderTaskToProjectTask", config.fieldMappings.orderTaskToProjectTask, [...orderTaskSources, ...lineOnes], ["attributes.", "line.characteristics."])
})

/**
 * The validated configuration.
 *
 * @since 0.1.0
 * @category models
 */
export type Config = z.output<typeof Config>

/**
 * The configuration as a host writes it.
 *
 * @since 0.1.0
 * @category models
 */
export type ConfigInput = z.input<typeof Config>
