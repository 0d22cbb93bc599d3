/**
 * Customer orders as Order Management keeps them (seed 001): an order for an account, its lines
 * (a product offering delivered to a site location, with an action), and what fulfilment
 * decomposes a line into, domain orders and their order tasks. Work notes and comments on lines,
 * domain orders and order tasks are kept with them.
 *
 * State machines (what each operation may do):
 *
 * - Customer order: `new` -> `in_progress` (its first line is approved) -> `completed` (every line
 *   completed or cancelled, at least one completed) or `cancelled` (every line cancelled). Derived
 *   from its lines; an in-flight change adding lines takes a completed order back to `in_progress`.
 * - Order line: `new` -> `approved` (oversight runs) -> `in_progress` (a domain order started) ->
 *   `completed` (every domain order closed, at least one completed) or `cancelled`; `new` or
 *   `approved` -> `cancelled` by an in-flight change. From `approved` on it follows its domain orders.
 * - Order task: `pending` -> `open` -> `in_progress` <-> `on_hold`, then `completed` or
 *   `cancelled` (see {@link taskTransitions}); closed states are final.
 * - Domain order: the same states. With order tasks it follows them ({@link rollUp}: all closed,
 *   `completed`, or `cancelled` when all were cancelled; any started, `in_progress`; any open,
 *   `open`; else `pending`); without tasks it is moved like a task.
 *
 * @since 0.1.0
 */
import { Storage, Text } from "@procura/core"
import { z } from "zod"

// ----- states ----------------------------------------------------------------------------------

/**
 * The states of a customer order.
 *
 * @since 0.1.0
 * @category models
 */
export const OrderState = z.enum(["new", "in_progress", "completed", "cancelled"])

/**
 * A customer order state.
 *
 * @since 0.1.0
 * @category models
 */
export type OrderState = z.infer<typeof OrderState>

/**
 * The states of an order line.
 *
 * @since 0.1.0
 * @category models
 */
export const LineState = z.enum(["new", "approved", "in_progress", "completed", "cancelled"])

/**
 * An order line state.
 *
 * @since 0.1.0
 * @category models
 */
export type LineState = z.infer<typeof LineState>

/**
 * The states of domain orders and order tasks.
 *
 * @since 0.1.0
 * @category models
 */
export const FulfilmentState = z.enum(["pending", "open", "in_progress", "on_hold", "completed", "cancelled"])

/**
 * A domain order or order task state.
 *
 * @since 0.1.0
 * @category models
 */
export type FulfilmentState = z.infer<typeof FulfilmentState>

/**
 * Where an order task (or a domain order without tasks) may go from each state.
 *
 * @since 0.1.0
 * @category constants
 */
export const taskTransitions: { readonly [S in FulfilmentState]: ReadonlyArray<FulfilmentState> } = {
  pending: ["open", "in_progress", "cancelled"],
  open: ["in_progress", "on_hold", "completed", "cancelled"],
  in_progress: ["on_hold", "completed", "cancelled"],
  on_hold: ["in_progress", "cancelled"],
  completed: [],
  cancelled: []
}

/**
 * Whether a domain order or order task state is final.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isDone = (state: FulfilmentState | LineState | OrderState): boolean => state === "completed" || state === "cancelled"

/**
 * The state a parent follows from its children's (domain orders from tasks, lines from domain
 * orders): all closed, `completed` unless all were cancelled; any started (in progress, on hold
 * or closed), `in_progress`; any open, `open`; else `pending`. `undefined` without children.
 *
 * @since 0.1.0
 * @category constructors
 */
export const rollUp = (states: ReadonlyArray<FulfilmentState>): FulfilmentState | undefined => {
  if (states.length === 0) return undefined
  if (states.every(isDone)) return states.every((s) => s === "cancelled") ? "cancelled" : "completed"
  return states.some((s) => s !== "pending" && s !== "open") ? "in_progress" : states.some((s) => s === "open") ? "open" : "pending"
}

/**
 * The action of an order line.
 *
 * @since 0.1.0
 * @category models
 */
export const LineAction = z.enum(["add", "change", "delete"])

/**
 * An order line action.
 *
 * @since 0.1.0
 * @category models
 */
export type LineAction = z.infer<typeof LineAction>

/**
 * Characteristics of a line, or attributes of a domain order or order task: names to values.
 *
 * @since 0.1.0
 * @category models
 */
export const Attributes = z.record(
  z.string().min(1).max(Text.limits.name, `a name has at most ${Text.limits.name} characters`).refine(Text.isStorable, Text.unstorable),
  z.union([z.string().max(Text.limits.comment, `at most ${Text.limits.comment} characters`).refine(Text.isStorable, Text.unstorable), z.number(), z.boolean()])
)

/**
 * Characteristics or attributes.
 *
 * @since 0.1.0
 * @category models
 */
export type Attributes = z.infer<typeof Attributes>

// ----- records ---------------------------------------------------------------------------------

/**
 * A customer order (`sn_ind_tmt_orm_order`). `projectAtOrderLevel` asks for one project over the
 * whole order (large orders); `lineCount` counts its lines, `revision` its in-flight changes.
 *
 * @since 0.1.0
 * @category models
 */
export const CustomerOrder = z.object({
  id: z.string(),
  version: z.number().int(),
  number: z.string().optional(),
  accountId: z.string(),
  accountName: z.string(),
  state: OrderState,
  projectAtOrderLevel: z.boolean(),
  lineCount: z.number().int().nonnegative(),
  revision: z.number().int().positive(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string()
})

/**
 * A customer order.
 *
 * @since 0.1.0
 * @category models
 */
export type CustomerOrder = z.infer<typeof CustomerOrder>

/**
 * What oversight decided for a line when it was approved: a project was created for it, or why
 * not (the decision table's explanation summary).
 *
 * @since 0.1.0
 * @category models
 */
export const LineOversight = z.object({
  outcome: z.enum(["project", "not_eligible"]),
  reason: z.string(),
  projectId: z.string().optional()
})

/**
 * An order line (`sn_ind_tmt_orm_order_line_item`): a product offering, delivered to a site
 * location (with its parent location, when it has one), a quantity and an action.
 *
 * @since 0.1.0
 * @category models
 */
export const OrderLine = z.object({
  id: z.string(),
  version: z.number().int(),
  orderId: z.string(),
  lineNo: z.number().int().positive(),
  productOfferingId: z.string(),
  productOfferingName: z.string(),
  category: z.string().optional(),
  siteLocationId: z.string(),
  siteLocationName: z.string(),
  parentLocationId: z.string().optional(),
  parentLocationName: z.string().optional(),
  quantity: z.number().int().positive(),
  action: LineAction,
  characteristics: Attributes,
  state: LineState,
  approvedBy: z.string().optional(),
  approvedAt: z.string().optional(),
  oversight: LineOversight.optional(),
  createdAt: z.string(),
  updatedAt: z.string()
})

/**
 * An order line.
 *
 * @since 0.1.0
 * @category models
 */
export type OrderLine = z.infer<typeof OrderLine>

/**
 * Whether oversight linked a domain order or order task to a project task, or why not.
 *
 * @since 0.1.0
 * @category models
 */
export const TaskOversight = z.object({
  outcome: z.enum(["linked", "not_overseen"]),
  reason: z.string(),
  projectTaskId: z.string().optional()
})

/**
 * A domain order (`sn_ind_tmt_orm_domain_order`): the fulfilment of one line in one domain
 * (product, service, resource, ...).
 *
 * @since 0.1.0
 * @category models
 */
export const DomainOrder = z.object({
  id: z.string(),
  version: z.number().int(),
  orderId: z.string(),
  orderLineId: z.string(),
  lineNo: z.number().int().positive(),
  domain: z.string(),
  name: z.string(),
  state: FulfilmentState,
  attributes: Attributes,
  oversight: TaskOversight,
  createdAt: z.string(),
  updatedAt: z.string()
})

/**
 * A domain order.
 *
 * @since 0.1.0
 * @category models
 */
export type DomainOrder = z.infer<typeof DomainOrder>

/**
 * An order task (`sn_ind_tmt_orm_order_task`) of a domain order.
 *
 * @since 0.1.0
 * @category models
 */
export const OrderTask = z.object({
  id: z.string(),
  version: z.number().int(),
  orderId: z.string(),
  orderLineId: z.string(),
  domainOrderId: z.string(),
  name: z.string(),
  requestType: z.string().optional(),
  state: FulfilmentState,
  attributes: Attributes,
  oversight: TaskOversight,
  createdAt: z.string(),
  updatedAt: z.string()
})

/**
 * An order task.
 *
 * @since 0.1.0
 * @category models
 */
export type OrderTask = z.infer<typeof OrderTask>

// ----- collections -----------------------------------------------------------------------------

/**
 * Where customer orders are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const orders = Storage.collection({
  name: "oversight_orders",
  schema: CustomerOrder,
  fields: { number: "string", accountId: "string", state: "string", createdAt: "timestamp" },
  indexes: [["accountId"], ["state"]]
})

/**
 * Where order lines are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const orderLines = Storage.collection({
  name: "oversight_order_lines",
  schema: OrderLine,
  fields: { orderId: "string", lineNo: "integer", state: "string", siteLocationId: "string" },
  indexes: [["orderId", "lineNo"]],
  unique: [["orderId", "lineNo"]]
})

/**
 * Where domain orders are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const domainOrders = Storage.collection({
  name: "oversight_domain_orders",
  schema: DomainOrder,
  fields: { orderId: "string", orderLineId: "string", state: "string" },
  indexes: [["orderId"], ["orderLineId"]]
})

/**
 * Where order tasks are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const orderTasks = Storage.collection({
  name: "oversight_order_tasks",
  schema: OrderTask,
  fields: { orderId: "string", domainOrderId: "string", state: "string" },
  indexes: [["orderId"], ["domainOrderId"]]
})

/**
 * The order-side collections.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [orders, orderLines, domainOrders, orderTasks] as const
