/**
 * Loading and relationships on a unit of work: an order or records by id (or NotFound), the
 * links from or to records, recording a link with its event, and each line's project chain.
 */
import { Errors, Ids, type Principal, type Storage } from "@procura/core"
import { Effect } from "effect"
import type { Project } from "../Projects.js"
import type { Link, LinkKind } from "../Relationships.js"
import { build } from "./events.js"
import type { Work } from "./work.js"

/** The order, or NotFound. */
export const loadOrder = (work: Work, orderId: string) =>
  Effect.flatMap(work.orders.getMany([orderId]), ([order]) =>
    order === undefined ? Effect.fail(Errors.notFound("CustomerOrder", orderId)) : Effect.succeed(order))

/** What engine steps need from the context. */
export type Needs = Storage.Storage | Principal.CurrentPrincipal

/** The records with these ids, or NotFound naming the first missing. */
export const loadAll = <A extends { readonly id: string }, E, R extends Needs>(
  load: Effect.Effect<ReadonlyArray<A>, E, R>,
  ids: ReadonlyArray<string>,
  entity: string
) =>
  Effect.flatMap(load, (records) => {
    const found = new Set(records.map((r) => r.id))
    const missing = ids.find((id) => !found.has(id))
    return missing === undefined ? Effect.succeed(records) : Effect.fail(Errors.notFound(entity, missing))
  })

/** Links of a kind from these records. */
export const linksFrom = (work: Work, kind: LinkKind, fromIds: Iterable<string>) => {
  const set = new Set(fromIds)
  return work.links.findIn("fromId", set, (l) => l.kind === kind && set.has(l.fromId), { kind })
}

/** Links of a kind to these records. */
export const linksTo = (work: Work, kind: LinkKind, toIds: Iterable<string>) => {
  const set = new Set(toIds)
  return work.links.findIn("toId", set, (l) => l.kind === kind && set.has(l.toId), { kind })
}

/** Records a relationship, with its event. */
export const link = (work: Work, kind: LinkKind, fromId: string, toId: string, projectId: string, orderId: string | undefined, manual = false) =>
  Effect.map(Ids.next, (id) => {
    const record: Link = {
      id,
      version: 0,
      kind,
      fromId,
      toId,
      ...(orderId !== undefined ? { orderId } : {}),
      manual,
      createdBy: work.principal.userId,
      createdAt: work.now
    }
    work.links.insert(record)
    work.emit(build.linked(record, projectId))
    return record
  })

/** Each line's project chain: its project, then the projects above it (site or order-level). */
export const chainsOf = (work: Work, lineIds: Iterable<string>) =>
  Effect.gen(function*() {
    const lineLinks = yield* linksFrom(work, "order_line_project", lineIds)
    const byId = new Map<string, Project>()
    let wanted = lineLinks.map((l) => l.toId)
    while (wanted.length > 0) {
      const found = yield* work.projects.getMany(wanted)
      for (const project of found) byId.set(project.id, project)
      wanted = found.flatMap((p) => (p.parentId !== undefined && !byId.has(p.parentId) ? [p.parentId] : []))
    }
    const chains = new Map<string, Array<Project>>()
    for (const l of lineLinks) {
      const chain: Array<Project> = []
      for (let project = byId.get(l.toId); project !== undefined; project = project.parentId === undefined ? undefined : byId.get(project.parentId)) {
        chain.push(project)
      }
      chains.set(l.fromId, chain)
    }
    return chains
  })
