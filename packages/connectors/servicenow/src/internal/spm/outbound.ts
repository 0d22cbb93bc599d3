/**
 * The SPM connector's outbound side: the spm-oversight plugin's programs, projects and project
 * tasks mirrored to `pm_program`, `pm_project` and `pm_project_task`, their notes to the records'
 * journals.
 */
import type { Connector, Events } from "@procura/core"
import { Oversight, OversightEvents, Projects } from "@procura/plugin-spm-oversight"
import { Effect, Option, Stream } from "effect"
import { ConnectorError } from "../../ConnectorError.js"
import * as Query from "../../Query.js"
import type * as ServiceNowClient from "../../ServiceNowClient.js"
import { type Client, type Env, fieldText, type Mirror, mapped, type Row, upsert, upsertAll } from "../mirror.js"

/** The connector's configuration, as validated. */
export interface SpmConfig {
  readonly overlapSeconds: number
}

/** The field every mirrored SPM record carries Procura's id in (the one `insert_project_tasks` takes). */
export const correlationField = "external_id"

/** The events the SPM connector pushes. */
export const spmEvents = [
  OversightEvents.ProgramCreated,
  OversightEvents.ProgramStateChanged,
  OversightEvents.ProjectCreated,
  OversightEvents.ProjectUpdated,
  OversightEvents.ProjectStateChanged,
  OversightEvents.ProjectTaskCreated,
  OversightEvents.ProjectTaskUpdated,
  OversightEvents.ProjectTaskStateChanged,
  OversightEvents.NoteAdded
] as const

type SpmEvent = Events.EventOf<typeof spmEvents[number]>

/** The mapping kinds of the SPM connector. */
export const kinds = { program: "program", project: "project", projectTask: "project_task", dependency: "dependency" } as const

/** The spm-oversight plugin's operations, or a clear failure when the plugin is not enabled. */
export const oversight = Effect.flatMap(Effect.serviceOption(Oversight.Oversight), (service) =>
  Option.isSome(service) ? Effect.succeed(service.value) : Effect.fail(
    new ConnectorError({
      reason: "Invalid",
      retryable: false,
      operation: "servicenow-spm",
      message: "The servicenow-spm connector mirrors the spm-oversight plugin's projects: enable the plugin (Plugin.enable(spmOversight, config)) beside it"
    })
  ))

const programValues = (program: Projects.Program): ServiceNowClient.Values => ({
  short_description: program.name,
  state: Projects.stateValues[program.state]
})

/** The program as `pm_program`, created once by its external id. */
const pushProgram = (mirror: Mirror, programId: string) =>
  Effect.gen(function*() {
    const plugin = yield* oversight
    const program = yield* plugin.getProgram({ id: programId })
    return yield* upsert(mirror, kinds.program, "pm_program", { procuraId: program.id, values: programValues(program) })
  })

/** The sys_id of a program, pushing it first when it is not mirrored yet. */
const programSysId = (mirror: Mirror, programId: string) =>
  Effect.flatMap(mirror.links.externalIdOf(kinds.program, programId), (known) => (Option.isSome(known) ? Effect.succeed(known.value) : pushProgram(mirror, programId)))

const projectValues = (project: Projects.Project, refs: { readonly program: string; readonly parent?: string | undefined }): ServiceNowClient.Values => ({
  short_description: project.name,
  description: project.description ?? "",
  state: Projects.stateValues[project.state],
  primary_program: refs.program,
  parent: refs.parent ?? ""
})

/** A task's planned dates as SPM's `start_date` and `end_date` (UTC, `yyyy-MM-dd HH:mm:ss`), when it has them. */
const plannedDates = (task: Projects.ProjectTask): ServiceNowClient.Values => ({
  ...(task.plannedStart === undefined ? {} : { start_date: Query.formatDateTime(new Date(task.plannedStart)) }),
  ...(task.plannedEnd === undefined ? {} : { end_date: Query.formatDateTime(new Date(task.plannedEnd)) })
})

const taskValues = (task: Projects.ProjectTask, refs: { readonly project: string; readonly parent: string }): ServiceNowClient.Values => ({
  short_description: task.name,
  description: task.description ?? "",
  state: Projects.stateValues[task.state],
  order: task.sequence,
  ...plannedDates(task),
  parent: refs.parent,
  top_task: refs.project
})

/** Every task of a project, read page by page. */
const tasksOf = (projectId: string) =>
  Effect.gen(function*() {
    const plugin = yield* oversight
    const tasks: Array<Projects.ProjectTask> = []
    let cursor: string | undefined
    do {
      const page = yield* plugin.listProjectTasks({ projectId, limit: 1000, ...(cursor === undefined ? {} : { cursor }) })
      tasks.push(...page.items)
      cursor = page.cursor
    } while (cursor !== undefined)
    return tasks
  })

/** The tasks by depth: those under the project first, then their children, and so on. */
const byDepth = (tasks: ReadonlyArray<Projects.ProjectTask>): ReadonlyArray<ReadonlyArray<Projects.ProjectTask>> => {
  const levels: Array<Array<Projects.ProjectTask>> = []
  const depth = new Map<string, number>()
  const byId = new Map(tasks.map((task) => [task.id, task]))
  const depthOf = (task: Projects.ProjectTask): number => {
    const known = depth.get(task.id)
    if (known !== undefined) return known
    const parent = task.parentTaskId === undefined ? undefined : byId.get(task.parentTaskId)
    const d = parent === undefined ? 0 : depthOf(parent) + 1
    depth.set(task.id, d)
    return d
  }
  for (const task of tasks) (levels[depthOf(task)] ??= []).push(task)
  return levels.map((level) => level.toSorted((a, b) => a.sequence - b.sequence))
}

/**
 * The records of `table` whose external id is among `ids`, by external id (one list call per
 * 100). A listing that found every id stops there, without asking for a page that would be empty.
 */
const foundByExternalId = (mirror: Mirror, table: string, ids: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const client = yield* mirror.client
    const found = new Map<string, string>()
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100)
      const query = chunk.length === 1 ? Query.make().where(correlationField, "=", chunk[0]!) : Query.make().where(correlationField, "IN", chunk)
      const listed = client.list(table, { query, fields: ["sys_id", correlationField], pageSize: 100, count: false }).pipe(Stream.take(chunk.length))
      for (const record of yield* Stream.runCollect(listed)) {
        found.set(fieldText(record[correlationField]), fieldText(record["sys_id"]))
      }
    }
    return found
  })

/**
 * A project as it is now, with its whole task tree, in SPM: parents always before children.
 *
 * - Not mirrored yet: its program (and parent project) first; then, unless a `pm_project` with
 *   its external id exists (a push that crashed before recording its mapping), the project and
 *   every task in ONE request (`insert_project_tasks`), and the records looked up by external id
 *   and mapped.
 * - Tasks not mirrored yet (added since, or left by a crash): looked up by external id, the rest
 *   created by depth through the Batch API (100 to a call), each level after its parents'.
 *
 * Gives the project's sys_id.
 */
export const pushProject = (mirror: Mirror, projectId: string): Effect.Effect<string, unknown, Env> =>
  Effect.gen(function*() {
    const plugin = yield* oversight
    const project = yield* plugin.getProject({ id: projectId })
    const program = yield* programSysId(mirror, project.programId)
    const parent = project.parentId === undefined ? undefined : yield* projectSysId(mirror, project.parentId)
    const tasks = yield* tasksOf(project.id)
    let sysId = Option.getOrUndefined(yield* mirror.links.externalIdOf(kinds.project, project.id))
    /** Records looked up by external id already (after an insert: the whole tree, in one call). */
    let found = new Map<string, string>()
    let inserted = false
    if (sysId === undefined) {
      sysId = (yield* foundByExternalId(mirror, "pm_project", [project.id])).get(project.id)
      if (sysId === undefined) {
        const client = yield* mirror.client
        const children = new Map<string | undefined, Array<Projects.ProjectTask>>()
        for (const task of tasks) {
          const list = children.get(task.parentTaskId) ?? []
          list.push(task)
          children.set(task.parentTaskId, list)
        }
        const tree = (parentTaskId: string | undefined): ReadonlyArray<ServiceNowClient.TaskTree> =>
          (children.get(parentTaskId) ?? []).toSorted((a, b) => a.sequence - b.sequence).map((task) => ({
            short_description: task.name,
            external_id: task.id,
            values: { description: task.description ?? "", state: Projects.stateValues[task.state], order: task.sequence, ...plannedDates(task) },
            child_tasks: tree(task.id),
            ...(task.dependsOn === undefined ? {} : { dependencies: task.dependsOn.map((id) => ({ external_id: id })) })
          }))
        yield* client.insertProjectTasks({
          short_description: project.name,
          external_id: project.id,
          values: { description: project.description ?? "", state: Projects.stateValues[project.state], primary_program: program, parent: parent ?? "" },
          child_tasks: tree(undefined)
        })
        inserted = true
        // The project and its tasks extend planned_task: one listing finds them all.
        found = yield* foundByExternalId(mirror, "planned_task", [project.id, ...tasks.map((task) => task.id)])
        sysId = found.get(project.id)
        if (sysId === undefined) {
          return yield* new ConnectorError({
            reason: "Invalid",
            retryable: true,
            operation: "Ppm.insertProjectTasks",
            message: `insert_project_tasks answered, but no pm_project has external_id ${project.id}`
          })
        }
      } else {
        yield* upsert(mirror, kinds.project, "pm_project", { procuraId: project.id, values: projectValues(project, { program, parent }) })
      }
      yield* mirror.links.link(kinds.project, project.id, sysId)
    }
    // The tasks not mapped yet: found by external id (a tree just inserted, or created by a push
    // that died before mapping them), else created, by depth.
    const mappedTasks = yield* mirror.links.externalIdsOf(kinds.projectTask, tasks.map((task) => task.id))
    const unmapped = tasks.filter((task) => !mappedTasks.has(task.id))
    if (unmapped.length > 0) {
      if (!inserted) found = yield* foundByExternalId(mirror, "pm_project_task", unmapped.map((task) => task.id))
      const known = new Map(mappedTasks)
      for (const task of unmapped) {
        const taskSysId = found.get(task.id)
        if (taskSysId === undefined) continue
        yield* mirror.links.link(kinds.projectTask, task.id, taskSysId)
        known.set(task.id, taskSysId)
      }
      const created = unmapped.filter((task) => !known.has(task.id))
      for (const level of byDepth(created)) {
        const rows = level.map((task): Row => ({
          procuraId: task.id,
          values: taskValues(task, { project: sysId, parent: task.parentTaskId === undefined ? sysId : known.get(task.parentTaskId)! })
        }))
        const ids = yield* upsertAll(mirror, kinds.projectTask, "pm_project_task", rows)
        level.forEach((task, i) => known.set(task.id, ids[i]!))
      }
      // Their dependencies (an insert made those of its tree; a push that died after creating the
      // tasks may not have): `planned_task_rel_planned_task`, the task it waits for as parent.
      // Those SPM has already (by the insert, or an earlier try) are not written again.
      const waiting = (inserted ? created : unmapped).filter((task) => (task.dependsOn ?? []).length > 0)
      const existing = new Set<string>()
      if (waiting.length > 0) {
        const client = yield* mirror.client
        const children = waiting.map((task) => known.get(task.id)!)
        for (let i = 0; i < children.length; i += 100) {
          const chunk = children.slice(i, i + 100)
          const rels = yield* Stream.runCollect(client.list("planned_task_rel_planned_task", {
            query: Query.make().where("child", "IN", chunk),
            fields: ["parent", "child"],
            count: false
          }))
          for (const rel of rels) existing.add(`${fieldText(rel["parent"])}>${fieldText(rel["child"])}`)
        }
      }
      const dependencies = waiting.flatMap((task) =>
        (task.dependsOn ?? []).flatMap((predecessor): ReadonlyArray<Row> => {
          const before = known.get(predecessor) ?? mappedTasks.get(predecessor)
          const after = known.get(task.id)!
          return before === undefined || existing.has(`${before}>${after}`)
            ? []
            : [{ procuraId: `${predecessor}>${task.id}`, values: { parent: before, child: after, type: "fs" } }]
        }))
      yield* upsertAll(mirror, kinds.dependency, "planned_task_rel_planned_task", dependencies)
    }
    return sysId
  })

/** The sys_id of a project, pushing it (with its tree) first when it is not mirrored yet. */
const projectSysId = (mirror: Mirror, projectId: string): Effect.Effect<string, unknown, Env> =>
  Effect.flatMap(mirror.links.externalIdOf(kinds.project, projectId), (known) => (Option.isSome(known) ? Effect.succeed(known.value) : pushProject(mirror, projectId)))

/** A project's header fields (name, description, state, program, parent) as they are now. */
const patchProject = (mirror: Mirror, projectId: string) =>
  Effect.gen(function*() {
    const sysId = yield* projectSysId(mirror, projectId)
    const plugin = yield* oversight
    const project = yield* plugin.getProject({ id: projectId })
    const program = yield* programSysId(mirror, project.programId)
    const parent = project.parentId === undefined ? undefined : yield* projectSysId(mirror, project.parentId)
    const client = yield* mirror.client
    yield* client.patch("pm_project", sysId, projectValues(project, { program, parent }), { fields: ["sys_id"] })
  })

/** A project task's fields and state as they are now (its project's tree pushed first if needed). */
const patchTask = (mirror: Mirror, taskId: string) =>
  Effect.gen(function*() {
    const plugin = yield* oversight
    const task = yield* plugin.getProjectTask({ id: taskId })
    if (Option.isNone(yield* mirror.links.externalIdOf(kinds.projectTask, taskId))) yield* pushProject(mirror, task.projectId)
    const sysId = yield* mapped(mirror, kinds.projectTask, "pm_project_task", task.id)
    const client = yield* mirror.client
    yield* client.patch("pm_project_task", sysId, {
      short_description: task.name,
      description: task.description ?? "",
      state: Projects.stateValues[task.state],
      order: task.sequence
    }, { fields: ["sys_id"] })
  })

/**
 * A note of a project or project task, written to the record's journal (`work_notes` or
 * `comments`) once: the journal is read first, and the note is written only if it holds fewer
 * entries with this text than Procura has notes with it up to this one (a push repeated after a
 * crash finds its entry).
 */
const pushNote = (mirror: Mirror, note: Events.EventOf<typeof OversightEvents.NoteAdded>["payload"]) =>
  Effect.gen(function*() {
    if (note.subjectType !== "project" && note.subjectType !== "project_task") return
    const plugin = yield* oversight
    const table = note.subjectType === "project" ? "pm_project" : "pm_project_task"
    const sysId = note.subjectType === "project"
      ? yield* projectSysId(mirror, note.subjectId)
      : yield* Effect.gen(function*() {
        const task = yield* plugin.getProjectTask({ id: note.subjectId })
        if (Option.isNone(yield* mirror.links.externalIdOf(kinds.projectTask, task.id))) yield* pushProject(mirror, task.projectId)
        return yield* mapped(mirror, kinds.projectTask, table, task.id)
      })
    const notes = yield* plugin.listProjectNotes({ subjectType: note.subjectType, subjectId: note.subjectId, limit: 1000 })
    const index = notes.items.findIndex((n) => n.id === note.noteId)
    const sameText = notes.items.slice(0, index < 0 ? notes.items.length : index + 1).filter((n) => n.text === note.text && n.kind === note.kind).length
    const client = yield* mirror.client
    const written = yield* Stream.runCollect(client.list("sys_journal_field", {
      query: Query.make().where("element_id", "=", sysId).where("element", "=", note.journal).where("value", "=", note.text),
      fields: ["sys_id"],
      count: false
    }))
    if (written.length >= Math.max(1, sameText)) return
    yield* client.patch(table, sysId, { [note.journal]: note.text }, { fields: ["sys_id"] })
  })

/** The outbound handler of the SPM connector. */
export const outbound = (client: Client) => (event: SpmEvent, context: Connector.Context<SpmConfig>): Effect.Effect<void, unknown, Env> => {
  const mirror: Mirror = { connector: context.connectorId, client, links: context.links, correlationField }
  switch (event.type) {
    case "oversight.program_created":
      return Effect.asVoid(pushProgram(mirror, event.payload.programId))
    case "oversight.program_state_changed":
      return Effect.asVoid(pushProgram(mirror, event.payload.id))
    case "oversight.project_created":
      return Effect.asVoid(pushProject(mirror, event.payload.projectId))
    case "oversight.project_updated":
      return patchProject(mirror, event.payload.projectId)
    case "oversight.project_state_changed":
      return patchProject(mirror, event.payload.id)
    case "oversight.project_task_created":
      // Usually in SPM already: its project's tree went in one insert.
      return Effect.flatMap(mirror.links.externalIdOf(kinds.projectTask, event.payload.projectTaskId), (known) =>
        Option.isSome(known) ? Effect.void : Effect.asVoid(pushProject(mirror, event.payload.projectId)))
    case "oversight.project_task_updated":
      return patchTask(mirror, event.payload.projectTaskId)
    case "oversight.project_task_state_changed":
      return patchTask(mirror, event.payload.id)
    case "oversight.note_added":
      return pushNote(mirror, event.payload)
  }
}
