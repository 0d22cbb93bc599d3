/**
 * Projects from templates: a project with its template's planned tasks, a project task, and the
 * reuse of programs (per account or per order) and site projects (by reuse key).
 */
import { Ids, type Principal, type Storage } from "@procura/core"
import { Effect } from "effect"
import type { Config, FieldMapping, Template, TemplateTask } from "../Config.js"
import type * as Orders from "../Orders.js"
import type { Program, Project, ProjectKind, ProjectTask } from "../Projects.js"
import { build } from "./events.js"
import { applyMappings, programOf, type View } from "./rules.js"
import type { Work } from "./work.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

export interface NewProject {
  readonly kind: ProjectKind
  readonly template: Template
  readonly name: string
  readonly description?: string
  readonly program: Program
  readonly parent?: Project | undefined
  readonly order: Orders.CustomerOrder
  readonly orderLineId?: string
  readonly site?: { readonly id: string; readonly name: string }
  readonly reuseKey?: string
  readonly mappings?: { readonly mappings: ReadonlyArray<FieldMapping>; readonly view: View }
}

/** A project with its template's planned tasks. */
export const createProject = (work: Work, spec: NewProject) =>
  Effect.gen(function*() {
    const planned = spec.template.tasks.filter((task) => task.planned)
    const [id, ...taskIds] = yield* Ids.nextMany(1 + planned.length)
    const base: Project = {
      id: id!,
      version: 0,
      kind: spec.kind,
      name: spec.name,
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      templateId: spec.template.id,
      programId: spec.program.id,
      ...(spec.parent !== undefined ? { parentId: spec.parent.id } : {}),
      topId: spec.parent?.topId ?? id!,
      accountId: spec.order.accountId,
      orderId: spec.order.id,
      ...(spec.orderLineId !== undefined ? { orderLineId: spec.orderLineId } : {}),
      ...(spec.site !== undefined ? { siteLocationId: spec.site.id, siteLocationName: spec.site.name } : {}),
      state: "pending",
      ...(spec.reuseKey !== undefined ? { reuseKey: spec.reuseKey } : {}),
      fields: {},
      createdAt: work.now,
      updatedAt: work.now
    }
    const project = work.projects.insert(spec.mappings === undefined ? base : applyMappings(base, spec.mappings.mappings, spec.mappings.view))
    work.emit(build.projectCreated(project))
    const byKey = new Map<string, ProjectTask>()
    planned.forEach((task, i) => {
      const parent = task.parent === undefined ? undefined : byKey.get(task.parent)
      const created = work.tasks.insert(newTask(work, project, task, taskIds[i]!, i + 1, parent?.id, task.name, [...byKey.values()]))
      byKey.set(task.key, created)
      work.emit(build.taskCreated(created))
    })
    return project
  })

const day = 86_400_000

/**
 * A task's dependencies and planned dates: the earlier tasks of its project its template task
 * waits for (`after`, by key; the first task of each key), and, with a `durationDays`, a start when
 * they (and its parent) are done, else its parent's start, else when it is created, and an end
 * that many days later.
 */
const schedule = (
  task: TemplateTask,
  now: string,
  parent: ProjectTask | undefined,
  earlier: ReadonlyArray<ProjectTask>
): Pick<ProjectTask, "dependsOn" | "plannedStart" | "plannedEnd"> => {
  const predecessors = (task.after ?? []).flatMap((key) => {
    const found = earlier.find((t) => t.templateTaskKey === key)
    return found === undefined ? [] : [found]
  })
  const dependsOn = predecessors.length === 0 ? {} : { dependsOn: predecessors.map((t) => t.id) }
  if (task.durationDays === undefined) return dependsOn
  const starts = [
    Date.parse(now),
    ...(parent?.plannedStart !== undefined ? [Date.parse(parent.plannedStart)] : []),
    ...predecessors.flatMap((t) => (t.plannedEnd !== undefined ? [Date.parse(t.plannedEnd)] : []))
  ]
  const start = Math.max(...starts)
  return { ...dependsOn, plannedStart: new Date(start).toISOString(), plannedEnd: new Date(start + task.durationDays * day).toISOString() }
}

export const newTask = (
  work: Work,
  project: Project,
  task: TemplateTask & { readonly template?: string },
  id: string,
  sequence: number,
  parentTaskId: string | undefined,
  name: string,
  earlier: ReadonlyArray<ProjectTask> = []
): ProjectTask => ({
  id,
  version: 0,
  projectId: project.id,
  ...(parentTaskId !== undefined ? { parentTaskId } : {}),
  ...schedule(
    task,
    work.now,
    earlier.find((t) => t.id === parentTaskId),
    earlier.filter((t) => t.templateId === (task.template ?? project.templateId))
  ),
  templateId: task.template ?? project.templateId,
  templateTaskKey: task.key,
  name,
  ...(task.description !== undefined ? { description: task.description } : {}),
  sequence,
  planned: task.planned,
  state: "pending",
  fields: {},
  createdAt: work.now,
  updatedAt: work.now
})

/** The program for an order: the account's open one (reuse on) or the order's own; created when missing. */
export const programFor = (work: Work, config: Config, order: Orders.CustomerOrder) =>
  Effect.gen(function*() {
    const { reuseKey, name } = programOf(config, order)
    const [existing] = yield* work.programs.find({ reuseKey }, (p) => p.reuseKey === reuseKey)
    if (existing !== undefined) return { program: existing, reused: existing.orderId !== order.id }
    const program = work.programs.insert({
      id: yield* Ids.next,
      version: 0,
      name,
      accountId: order.accountId,
      accountName: order.accountName,
      orderId: order.id,
      state: "pending",
      reuseKey,
      createdAt: work.now,
      updatedAt: work.now
    })
    work.emit(build.programCreated(program))
    return { program, reused: false }
  })

/** An open project by reuse key, or a new one. */
export const projectByKey = (work: Work, reuseKey: string, create: Effect.Effect<Project>) =>
  Effect.gen(function*() {
    const [existing] = yield* work.projects.find({ reuseKey }, (p) => p.reuseKey === reuseKey)
    if (existing !== undefined) return { project: existing, reused: true }
    return { project: yield* create, reused: false }
  })
