/**
 * Work notes (internal) and comments (customer visible) on order lines, domain orders and order
 * tasks, and the project and project task notes they are copied to at once (seed 001: "updates
 * to project notes and comments"). A copied note names its source note.
 *
 * @since 0.1.0
 */
import { Storage } from "@procura/core"
import { z } from "zod"

/**
 * What a note is written on.
 *
 * @since 0.1.0
 * @category models
 */
export const NoteSubject = z.enum(["order_line", "domain_order", "order_task", "project", "project_task"])

/**
 * A note subject type.
 *
 * @since 0.1.0
 * @category models
 */
export type NoteSubject = z.infer<typeof NoteSubject>

/**
 * The kinds of note: ServiceNow's `work_notes` and `comments` journals.
 *
 * @since 0.1.0
 * @category models
 */
export const NoteKind = z.enum(["work_note", "comment"])

/**
 * A note kind.
 *
 * @since 0.1.0
 * @category models
 */
export type NoteKind = z.infer<typeof NoteKind>

/**
 * A note. Copies on the project side carry `sourceType`, `sourceId` and `sourceNoteId`.
 *
 * @since 0.1.0
 * @category models
 */
export const Note = z.object({
  id: z.string(),
  version: z.number().int(),
  subjectType: NoteSubject,
  subjectId: z.string(),
  kind: NoteKind,
  text: z.string(),
  by: z.string(),
  at: z.string(),
  sourceType: NoteSubject.optional(),
  sourceId: z.string().optional(),
  sourceNoteId: z.string().optional()
})

/**
 * A note.
 *
 * @since 0.1.0
 * @category models
 */
export type Note = z.infer<typeof Note>

/**
 * Where notes are stored, by subject.
 *
 * @since 0.1.0
 * @category collections
 */
export const notes = Storage.collection({
  name: "oversight_notes",
  schema: Note,
  fields: { subjectType: "string", subjectId: "string", at: "timestamp" },
  indexes: [["subjectId", "at"]]
})

/**
 * The note collections.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [notes] as const
