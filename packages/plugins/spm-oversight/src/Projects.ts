/**
 * The project side (SPM / PPM, seed 001): programs (`pm_program`), projects (`pm_project`: line
 * projects, site projects and order-level projects) and project tasks (`pm_project_task`), with
 * their parent/child structure:
 *
 * ```
 * program (per account, or per order)
 * ├── order-level project (large orders)      ─┐ a project's parent is the
 * │   └── line project ─ project tasks          │ order-level project, else the
 * └── site project (per site location)          │ site project of its location,
 *     └── line project ─ project tasks         ─┘ else none (under the program)
 * ```
 *
 * States are PPM's planned-task states ({@link ProjectState}); {@link stateValues} gives the
 * numbers ServiceNow stores. A task, project or program with something to follow (linked order
 * tasks and domain orders, child tasks, child projects) takes its state from them
 * ({@link derive}); one with nothing to follow keeps the state it was given.
 *
 * @since 0.1.0
 */
import { Storage } from "@procura/core"
import { z } from "zod"
import { Attributes } from "./Orders.js"

// ----- states ----------------------------------------------------------------------------------

/**
 * The states of programs, projects and project tasks (PPM's `planned_task` states).
 *
 * @since 0.1.0
 * @category models
 */
export const ProjectState = z.enum(["pending", "open", "work_in_progress", "closed_complete", "closed_incomplete", "closed_skipped"])

/**
 * A program, project or project task state.
 *
 * @since 0.1.0
 * @category models
 */
export type ProjectState = z.infer<typeof ProjectState>

/**
 * The value ServiceNow stores for each state (`planned_task.state`): -5 Pending, 1 Open, 2 Work in
 * Progress, 3 Closed Complete, 4 Closed Incomplete, 7 Closed Skipped.
 *
 * @since 0.1.0
 * @category constants
 */
export const stateValues: { readonly [S in ProjectState]: number } = {
  pending: -5,
  open: 1,
  work_in_progress: 2,
  closed_complete: 3,
  closed_incomplete: 4,
  closed_skipped: 7
}

/**
 * Whether a project state is closed.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isClosed = (state: ProjectState): boolean => state.startsWith("closed_")

/**
 * The state of a task, project or program given the states of what it follows (linked order
 * tasks and domain orders through the state mapping, child tasks, child projects):
 *
 * - nothing to follow: its current state (set by hand);
 * - all closed: with auto-closure, that closed state when all agree, else `closed_complete`;
 *   without, it never closes by itself (`work_in_progress`, or its state if closed by hand);
 * - otherwise: without auto-closure a record closed by hand stays closed; else
 *   `work_in_progress` when any is in progress or closed, `open` when any is open, else `pending`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const derive = (current: ProjectState, followed: ReadonlyArray<ProjectState>, autoClose: boolean): ProjectState => {
  if (followed.length === 0) return current
  if (followed.every(isClosed)) {
    if (!autoClose) return isClosed(current) ? current : "work_in_progress"
    return followed.every((s) => s === followed[0]) ? followed[0]! : "closed_complete"
  }
  if (!autoClose && isClosed(current)) return current
  if (followed.some((s) => s === "work_in_progress" || isClosed(s))) return "work_in_progress"
  return followed.some((s) => s === "open") ? "open" : "pending"
}

// ----- records ---------------------------------------------------------------------------------

/**
 * Values copied onto projects and tasks by the field mappings, by target field.
 *
 * @since 0.1.0
 * @category models
 */
export const Fields = Attributes

/**
 * A program (`pm_program`): the projects of an account (with reuse on) or of one order.
 * `reuseKey` is set while it can be reused (`account:<id>` or `order:<id>`), and cleared when it
 * closes; it is unique, so two orders approved at once never create two programs for one key.
 *
 * @since 0.1.0
 * @category models
 */
export const Program = z.object({
  id: z.string(),
  version: z.number().int(),
  name: z.string(),
  accountId: z.string(),
  accountName: z.string(),
  orderId: z.string(),
  state: ProjectState,
  reuseKey: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().optional()
})

/**
 * A program.
 *
 * @since 0.1.0
 * @category models
 */
export type Program = z.infer<typeof Program>

/**
 * What a project oversees: one order line, one site location, or a whole order.
 *
 * @since 0.1.0
 * @category models
 */
export const ProjectKind = z.enum(["line", "site", "order"])

/**
 * A project kind.
 *
 * @since 0.1.0
 * @category models
 */
export type ProjectKind = z.infer<typeof ProjectKind>

/**
 * A project (`pm_project`). `parentId` is the order-level or site project above it, `topId` the
 * outermost project of its tree (`top_task`), `orderId` the order it was created for. Site and
 * order-level projects carry a unique `reuseKey` while open (see {@link Program}).
 *
 * @since 0.1.0
 * @category models
 */
export const Project = z.object({
  id: z.string(),
  version: z.number().int(),
  kind: ProjectKind,
  name: z.string(),
  description: z.string().optional(),
  templateId: z.string(),
  programId: z.string(),
  parentId: z.string().optional(),
  topId: z.string(),
  accountId: z.string(),
  orderId: z.string(),
  orderLineId: z.string().optional(),
  siteLocationId: z.string().optional(),
  siteLocationName: z.string().optional(),
  state: ProjectState,
  reuseKey: z.string().optional(),
  fields: Fields,
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().optional()
})

/**
 * A project.
 *
 * @since 0.1.0
 * @category models
 */
export type Project = z.infer<typeof Project>

/**
 * A project task (`pm_project_task`), made from a template task. `planned` tasks were created
 * with the project (the template's planned tasks): order tasks and domain orders that arrive
 * later (staggered decomposition, in-flight changes) link to them instead of adding tasks.
 *
 * @since 0.1.0
 * @category models
 */
export const ProjectTask = z.object({
  id: z.string(),
  version: z.number().int(),
  projectId: z.string(),
  parentTaskId: z.string().optional(),
  templateId: z.string(),
  templateTaskKey: z.string(),
  name: z.string(),
  description: z.string().optional(),
  sequence: z.number().int().nonnegative(),
  planned: z.boolean(),
  state: ProjectState,
  /** The tasks of the project it waits for (its template task's `after`), finish to start. */
  dependsOn: z.array(z.string()).optional(),
  /** Planned dates (ISO-8601), when its template task has a `durationDays`. */
  plannedStart: z.string().optional(),
  plannedEnd: z.string().optional(),
  fields: Fields,
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().optional()
})

/**
 * A project task.
 *
 * @since 0.1.0
 * @category models
 */
export type ProjectTask = z.infer<typeof ProjectTask>

// ----- collections -----------------------------------------------------------------------------

/**
 * Where programs are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const programs = Storage.collection({
  name: "oversight_programs",
  schema: Program,
  fields: { accountId: "string", orderId: "string", state: "string", reuseKey: "string", createdAt: "timestamp" },
  indexes: [["accountId"], ["state"]],
  unique: [["reuseKey"]]
})

/**
 * Where projects (line, site and order-level) are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const projects = Storage.collection({
  name: "oversight_projects",
  schema: Project,
  fields: {
    kind: "string",
    programId: "string",
    parentId: "string",
    accountId: "string",
    orderId: "string",
    orderLineId: "string",
    siteLocationId: "string",
    state: "string",
    reuseKey: "string",
    createdAt: "timestamp"
  },
  indexes: [["programId", "parentId"], ["parentId"], ["orderId"], ["accountId"], ["kind"], ["state"]],
  unique: [["reuseKey"]]
})

/**
 * Where project tasks are stored.
 *
 * @since 0.1.0
 * @category collections
 */
export const projectTasks = Storage.collection({
  name: "oversight_project_tasks",
  schema: ProjectTask,
  fields: { projectId: "string", parentTaskId: "string", templateTaskKey: "string", sequence: "integer", state: "string" },
  indexes: [["projectId", "sequence"], ["parentTaskId"]]
})

/**
 * The project-side collections.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [programs, projects, projectTasks] as const
