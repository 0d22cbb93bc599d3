/**
 * The demo's oversight part (seed 001): an order of a retail chain with SD-WAN at two stores and
 * desk phones, approved and overseen (one program, a site project per store, a project per SD-WAN
 * line with its planned tasks), decomposed into domain orders and order tasks that join or add
 * project tasks, then worked: state changes and notes reach the project tasks at once, and
 * auto-closure closes tasks, projects, site projects and the program as fulfilment completes.
 *
 * It runs when the spm-oversight plugin is enabled (`"spm-oversight": DemoOversight.config` in the
 * demo's configuration) and reports that it was skipped otherwise.
 *
 * @since 0.1.0
 */
import { type Errors, type Operation, Principal } from "@procura/core"
import { type Config, Oversight, type OversightError, type Projects } from "@procura/plugin-spm-oversight"
import { Effect, Option } from "effect"

/**
 * The plugin configuration the demo runs with: the same as
 * `docs/examples/spm-oversight.config.yaml`.
 *
 * @since 0.1.0
 * @category constants
 */
export const config = {
  templates: [
    {
      id: "sdwan-site",
      name: "SD-WAN site installation",
      kind: "project",
      tasks: [
        { key: "design", name: "Network design", durationDays: 5 },
        { key: "delivery", name: "Equipment delivery", after: ["design"], durationDays: 10 },
        { key: "install", name: "Installation", after: ["delivery"], durationDays: 3 },
        { key: "configure", name: "Configure device", parent: "install", planned: false },
        { key: "activate", name: "Service activation", after: ["install"], durationDays: 1 }
      ]
    },
    {
      id: "managed-lan",
      name: "Managed LAN rollout",
      kind: "project",
      tasks: [{ key: "cabling", name: "Cabling" }, { key: "switches", name: "Switch installation" }]
    },
    { id: "site-rollout", name: "Site rollout", kind: "site_project", tasks: [{ key: "survey", name: "Site survey" }] },
    {
      id: "enterprise-delivery",
      name: "Enterprise order delivery",
      kind: "order_project",
      tasks: [{ key: "governance", name: "Project governance" }, { key: "handover", name: "Customer handover" }]
    }
  ],
  orderLineTable: {
    name: "order line oversight",
    hitPolicy: "first",
    rows: [
      {
        id: "sdwan",
        description: "SD-WAN lines that add or change a service",
        when: { category: "SD-WAN", action: { in: ["add", "change"] } },
        then: { template: "sdwan-site" }
      },
      {
        id: "lan",
        description: "Managed LAN of five switches or more",
        when: { category: "LAN", quantity: { gte: 5 } },
        then: { template: "managed-lan" }
      }
    ]
  },
  siteTable: {
    name: "site project oversight",
    rows: [
      {
        id: "campus",
        description: "LAN on a campus is rolled out per campus (the parent location)",
        when: { category: "LAN", parentLocation: { isNotEmpty: true } },
        then: { template: "site-rollout", location: "parent" }
      },
      { id: "every-site", then: { template: "site-rollout" } }
    ]
  },
  domainOrderTable: {
    name: "domain order oversight",
    rows: [
      { id: "sdwan-resource", when: { domain: "resource", projectTemplate: "sdwan-site" }, then: { template: "sdwan-site", task: "delivery" } },
      { id: "sdwan-service", when: { domain: "service", projectTemplate: "sdwan-site" }, then: { template: "sdwan-site", task: "install" } },
      { id: "lan", when: { projectTemplate: "managed-lan" }, then: { template: "managed-lan", task: "switches" } }
    ]
  },
  orderTaskTable: {
    name: "order task oversight",
    rows: [
      { id: "design", when: { requestType: "design", projectTemplate: "sdwan-site" }, then: { template: "sdwan-site", task: "design" } },
      { id: "ship", when: { requestType: "ship" }, then: { template: "sdwan-site", task: "delivery" } },
      { id: "configure", when: { requestType: "configure", projectTemplate: "sdwan-site" }, then: { template: "sdwan-site", task: "configure" } },
      { id: "activate", when: { requestType: "activate", projectTemplate: "sdwan-site" }, then: { template: "sdwan-site", task: "activate" } },
      {
        id: "survey",
        description: "Site surveys are the site project's task",
        when: { requestType: "survey" },
        then: { template: "site-rollout", task: "survey" }
      },
      {
        id: "handover",
        description: "Handover is the order-level project's task",
        when: { requestType: "handover" },
        then: { template: "enterprise-delivery", task: "handover" }
      }
    ]
  },
  orderProject: { template: "enterprise-delivery", minLines: 50 },
  fieldMappings: {
    orderLineToProject: [
      { from: "characteristics.bandwidth", to: "u_bandwidth" },
      { from: "accountName", to: "u_customer" },
      { from: "quantity", to: "u_quantity" }
    ],
    domainOrderToProjectTask: [{ from: "attributes.vendor", to: "u_vendor" }],
    orderTaskToProjectTask: [
      { from: "attributes.assignmentGroup", to: "assignment_group" },
      { from: "line.siteLocationName", to: "u_site" }
    ]
  },
  stateMapping: {
    pending: "pending",
    open: "open",
    in_progress: "work_in_progress",
    on_hold: "work_in_progress",
    completed: "closed_complete",
    cancelled: "closed_skipped"
  },
  properties: { reuse: true, autoClose: true }
} as const satisfies Config.ConfigInput

/**
 * Options of {@link run}.
 *
 * @since 0.1.0
 * @category options
 */
export interface DemoOversightOptions {
  /** The tenant the run works in (the demo's). */
  readonly tenantId: string
}

/**
 * What the oversight part did. `enabled` is false when the plugin is not enabled (nothing ran).
 *
 * @since 0.1.0
 * @category models
 */
export interface DemoOversightSummary {
  readonly enabled: boolean
  readonly order?: { readonly number: string; readonly lines: number; readonly overseen: number; readonly state: string }
  readonly program?: { readonly name: string; readonly state: string }
  readonly projects: ReadonlyArray<{
    readonly name: string
    readonly kind: string
    readonly parent: string | undefined
    readonly state: string
    readonly tasks: ReadonlyArray<{ readonly name: string; readonly state: string }>
  }>
  /** Project task states seen while the order was worked: the sync at once. */
  readonly timeline: ReadonlyArray<string>
  readonly notesCopied: number
}

/**
 * What the oversight part can fail with: an operation's refusal (none is expected on a fresh
 * tenant), a record not found, or storage.
 *
 * @since 0.1.0
 * @category models
 */
export type DemoOversightError = OversightError.OversightError | Errors.NotFound | Operation.RunError

const tasksOf = (view: { readonly tasks: ReadonlyArray<Projects.ProjectTask> }) => view.tasks.map((t) => ({ name: t.name, state: t.state }))

/**
 * Runs the oversight part of the demo in a tenant, if the spm-oversight plugin is enabled.
 *
 * @since 0.1.0
 * @category constructors
 */
export const run = Effect.fn("DemoOversight.run")(function*(options: DemoOversightOptions) {
  const found = yield* Effect.serviceOption(Oversight.Oversight)
  if (Option.isNone(found)) return { enabled: false, projects: [], timeline: [], notesCopied: 0 } satisfies DemoOversightSummary
  const oversight = found.value
  const people = {
    manager: { userId: "olga.fulfilment", tenantId: options.tenantId, roles: ["order_fulfilment_manager"] },
    agent: { userId: "omar.agent", tenantId: options.tenantId, roles: ["order_fulfilment_agent"] },
    projectUser: { userId: "petra.pm", tenantId: options.tenantId, roles: ["it_project_user"] }
  } satisfies Record<string, Principal.Principal>
  const as = <A, E>(who: Principal.Principal, effect: Effect.Effect<A, E, Principal.CurrentPrincipal>) => Principal.runAs(effect, who)
  const timeline: Array<string> = []

  // 1. The order: SD-WAN at two stores, desk phones at one (not overseen).
  const sdwan = (id: string, name: string, bandwidth: string) => ({
    productOffering: { id: "po-sdwan", name: "SD-WAN Premium", category: "SD-WAN" },
    site: { id, name },
    quantity: 1,
    characteristics: { bandwidth }
  })
  const { order } = yield* as(people.manager, oversight.createOrder({
    number: "ORD-DEMO-0001",
    account: { id: "acc-northwind", name: "Northwind Retail" },
    lines: [
      sdwan("store-ams", "Amsterdam store", "1 Gbps"),
      sdwan("store-rtm", "Rotterdam store", "500 Mbps"),
      { productOffering: { id: "po-phone", name: "Desk phone", category: "Phones" }, site: { id: "store-ams", name: "Amsterdam store" }, quantity: 12 }
    ]
  }))

  // 2. Approval: oversight creates the program, the site projects, the line projects and their tasks.
  const approval = yield* as(people.manager, oversight.approveOrderLines({ orderId: order.id }))

  // 3. Decomposition into domain orders and order tasks (the phones' are recorded, not overseen).
  const decomposition = yield* as(people.agent, oversight.recordDecomposition({
    orderId: order.id,
    domainOrders: [
      { lineNo: 3, domain: "product", name: "Handsets", tasks: [{ name: "Ship desk phones", requestType: "ship" }] },
      ...[1, 2].flatMap((lineNo) => [
      { lineNo, domain: "resource", name: "CPE delivery", attributes: { vendor: "Cisco" }, tasks: [{ name: "Ship CPE", requestType: "ship" }] },
      {
        lineNo,
        domain: "service",
        name: "SD-WAN service",
        tasks: [
          { name: "Design network", requestType: "design" },
          { name: "Configure CPE", requestType: "configure", attributes: { assignmentGroup: "Network Operations" } },
          { name: "Activate service", requestType: "activate" },
          { name: "Survey site", requestType: "survey" }
        ]
      }
      ])
    ]
  }))
  const lineOf = new Map(approval.lines.map((l) => [l.id, l.lineNo]))
  const tasksOfLine = (lineNo: number) => decomposition.orderTasks.filter((t) => lineOf.get(t.orderLineId) === lineNo)

  // 4. Work: state changes and notes reach the project tasks at once; closures cascade upward.
  const closed = new Set<string>()
  const closures = Effect.gen(function*() {
    const projects = (yield* as(people.projectUser, oversight.listProjects({ accountId: "acc-northwind" }))).items
    const programs = (yield* as(people.projectUser, oversight.listPrograms({ accountId: "acc-northwind" }))).items
    const now = [...projects, ...programs].filter((p) => p.state.startsWith("closed_") && !closed.has(p.id))
    for (const p of now) closed.add(p.id)
    return now.map((p) => ("kind" in p ? p.name : `program ${p.name}`))
  })
  const move = (lineNo: number, state: "in_progress" | "completed") =>
    Effect.gen(function*() {
      const result = yield* as(people.agent, oversight.setOrderTaskStates({ changes: tasksOfLine(lineNo).map((t) => ({ orderTaskId: t.id, state })) }))
      const names = [...new Set(result.projectTasks.map((t) => `${t.name} ${t.state}`))]
      timeline.push(`line ${lineNo} order tasks ${state}: ${names.length === 0 ? "no project tasks (not overseen)" : `project tasks ${names.join(", ")}`}`)
      const closedNow = yield* closures
      if (closedNow.length > 0) timeline.push(`  closed by auto-closure: ${closedNow.join(", ")}`)
    })
  yield* move(1, "in_progress")
  const ship = tasksOfLine(1).find((t) => t.name === "Ship CPE")!
  const note = yield* as(people.agent, oversight.addNote({ subjectType: "order_task", subjectId: ship.id, text: "CPE shipped with DHL, tracking 00340434161094012345" }))
  const lineNote = yield* as(people.manager, oversight.addNote({
    subjectType: "order_line",
    subjectId: approval.lines[0]!.id,
    kind: "comment",
    text: "Store manager asks for installation before opening hours"
  }))
  yield* move(1, "completed")
  yield* move(2, "in_progress")
  yield* move(2, "completed")
  yield* move(3, "in_progress")
  yield* move(3, "completed")

  // Summary
  const projects = [...approval.siteProjects.map((s) => s.project), ...approval.projects]
  const views = yield* Effect.forEach(projects, (p) => as(people.projectUser, oversight.projectDetails({ id: p.id })))
  const names = new Map(views.map((v) => [v.project.id, v.project.name]))
  const finalOrder = yield* as(people.agent, oversight.orderDetails({ id: order.id }))
  return {
    enabled: true,
    order: {
      number: order.number ?? order.id,
      lines: finalOrder.lines.length,
      overseen: approval.projects.length,
      state: finalOrder.order.state
    },
    program: { name: views[0]!.program.name, state: views[0]!.program.state },
    projects: views.map((v) => ({
      name: v.project.name,
      kind: v.project.kind,
      parent: v.project.parentId === undefined ? undefined : names.get(v.project.parentId),
      state: v.project.state,
      tasks: tasksOf(v)
    })),
    timeline,
    notesCopied: note.copies.length + lineNote.copies.length
  } satisfies DemoOversightSummary
})

/**
 * Formats the oversight part's summary as lines for the demo's report.
 *
 * @since 0.1.0
 * @category formatting
 */
export const format = (summary: DemoOversightSummary): ReadonlyArray<string> => {
  if (!summary.enabled) return ["  Project oversight (seed 001): the spm-oversight plugin is not enabled; skipped"]
  const lines = [
    "  Project oversight (seed 001)",
    `    order ${summary.order!.number}: ${summary.order!.lines} lines, ${summary.order!.overseen} overseen as projects, ${summary.order!.state}`,
    `    program ${summary.program!.name}: ${summary.program!.state}`
  ]
  for (const project of summary.projects) {
    lines.push(`    ${project.kind === "site" ? "site project" : "project"} ${project.name}${project.parent === undefined ? "" : ` (under ${project.parent})`}: ${project.state}`)
    for (const task of project.tasks) lines.push(`      ${task.name.padEnd(34)}${task.state}`)
  }
  lines.push("    as fulfilment was worked:")
  for (const entry of summary.timeline) lines.push(`      ${entry}`)
  lines.push(`    ${summary.notesCopied} notes copied from the order to the project side`)
  return lines
}
