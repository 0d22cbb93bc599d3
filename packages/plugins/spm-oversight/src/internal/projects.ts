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
    const byKey = new Map<string, string>()
    planned.forEach((task, i) => {
      const created = work.tasks.insert(newTask(work, project, task, taskIds[i]!, i + 1, task.parent === undefined ? undefined : byKey.get(task.parent), task.name))
      byKey.set(task.key, created.id)
      work.emit(build.taskCreated(created))
    })
    return project
  })

export const newTask = (
  work: Work,
  project: Project,
  task: TemplateTask & { readonly template?: string },
  id: string,
  sequence: number,
  parentTaskId: string | undefined,
  name: string
): ProjectTask => ({
  id,
  version: 0,
  projectId: project.id,
  ...(parentTaskId !== undefined ? { parentTaskId } : {}),
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
