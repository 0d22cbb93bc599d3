/**
 * Notes: work notes and comments on the order side, copied to the linked projects and project
 * tasks, and reading the notes of either side.
 */
import { Errors, Ids, Operation, Paging, type Principal, type Storage, Text } from "@procura/core"
import { Effect } from "effect"
import { z } from "zod"
import * as Notes from "../../Notes.js"
import * as OversightEvents from "../../OversightEvents.js"
import * as Engine from "../engine.js"
import { build } from "../events.js"
import { RecordId, page, Page, command, loadOne, listPage, relatedLists } from "./shared.js"

/** What these definitions need from the context: storage and the caller (named here so their declarations can name it). */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

export const addNote = Operation.make({
  id: "spm-oversight.addNote",
  summary: "Post a work note or comment on an order line, domain order or order task; it is copied at once to the linked project or project tasks.",
  kind: "command",
  permission: "spm-oversight/order.note",
  input: z.object({
    subjectType: z.enum(["order_line", "domain_order", "order_task"]),
    subjectId: RecordId,
    kind: Notes.NoteKind.default("work_note"),
    text: Text.note
  }),
  output: z.object({ note: Notes.Note, copies: z.array(Notes.Note).describe("the project and project task notes it was copied to") }),
  events: [OversightEvents.NoteAdded],
  handler: Effect.fn("Oversight.addNote")(function*(input) {
    const ids = yield* Ids.nextMany(1)
    const copies: Array<string> = []
    const work = yield* command((work) =>
      Effect.gen(function*() {
        const subject = input.subjectType === "order_line"
          ? yield* Engine.loadAll(work.lines.getMany([input.subjectId]), [input.subjectId], "OrderLine")
          : input.subjectType === "domain_order"
          ? yield* Engine.loadAll(work.domainOrders.getMany([input.subjectId]), [input.subjectId], "DomainOrder")
          : yield* Engine.loadAll(work.orderTasks.getMany([input.subjectId]), [input.subjectId], "OrderTask")
        const note = work.notes.insert({
          id: ids[0]!,
          version: 0,
          subjectType: input.subjectType,
          subjectId: input.subjectId,
          kind: input.kind,
          text: input.text,
          by: work.principal.userId,
          at: work.now
        })
        work.emit(build.noteAdded(note, { type: "oversight_order", id: subject[0]!.orderId }))
        const kind = relatedLists[input.subjectType]
        const targets = (yield* Engine.linksFrom(work, kind, [input.subjectId])).map((l) => l.toId)
        const projectOf = new Map<string, string>(
          kind === "order_line_project"
            ? targets.map((id) => [id, id])
            : (yield* work.tasks.getMany(targets)).map((t) => [t.id, t.projectId])
        )
        const copyIds = yield* Ids.nextMany(targets.length)
        targets.forEach((target, i) => {
          const copy = work.notes.insert({
            ...note,
            id: copyIds[i]!,
            subjectType: kind === "order_line_project" ? "project" : "project_task",
            subjectId: target,
            sourceType: input.subjectType,
            sourceId: input.subjectId,
            sourceNoteId: note.id
          })
          copies.push(copy.id)
          work.emit(build.noteAdded(copy, { type: "oversight_project", id: projectOf.get(target) ?? target }))
        })
      })
    )
    return { note: work.notes.byId.get(ids[0]!)!, copies: copies.map((id) => work.notes.byId.get(id)!) }
  })
})


export const listOrderNotes = Operation.make({
  id: "spm-oversight.listOrderNotes",
  summary: "List the work notes and comments of an order line, domain order or order task, oldest first.",
  kind: "query",
  permission: "spm-oversight/order.read",
  input: z.object({ subjectType: z.enum(["order_line", "domain_order", "order_task"]), subjectId: RecordId, ...page }),
  output: Page(Notes.Note),
  events: [],
  handler: ({ subjectType, subjectId, limit, cursor }) => listPage(Notes.notes, { subjectId, subjectType }, [{ field: "at" }], limit, cursor)
})

/** A note of one side (order or project), or `NotFound`: the other side's notes need the other permission. */
const loadNote = (id: string, subjects: ReadonlyArray<Notes.NoteSubject>) =>
  Effect.flatMap(loadOne(Notes.notes, "Note", id), (note) =>
    subjects.includes(note.subjectType) ? Effect.succeed(note) : Effect.fail(Errors.notFound("Note", id)))

export const getOrderNote = Operation.make({
  id: "spm-oversight.getOrderNote",
  summary: "Get one work note or comment of an order line, domain order or order task by id.",
  kind: "query",
  permission: "spm-oversight/order.read",
  input: Paging.GetInput,
  output: Notes.Note,
  events: [],
  handler: ({ id }) => loadNote(id, ["order_line", "domain_order", "order_task"])
})


export const listProjectNotes = Operation.make({
  id: "spm-oversight.listProjectNotes",
  summary: "List the notes of a project or project task (those copied from the order side name their source), oldest first.",
  kind: "query",
  permission: "spm-oversight/project.read",
  input: z.object({ subjectType: z.enum(["project", "project_task"]), subjectId: RecordId, ...page }),
  output: Page(Notes.Note),
  events: [],
  handler: ({ subjectType, subjectId, limit, cursor }) => listPage(Notes.notes, { subjectId, subjectType }, [{ field: "at" }], limit, cursor)
})

export const getProjectNote = Operation.make({
  id: "spm-oversight.getProjectNote",
  summary: "Get one note of a project or project task by id.",
  kind: "query",
  permission: "spm-oversight/project.read",
  input: Paging.GetInput,
  output: Notes.Note,
  events: [],
  handler: ({ id }) => loadNote(id, ["project", "project_task"])
})

