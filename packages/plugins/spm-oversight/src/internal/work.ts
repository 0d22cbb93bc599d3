/**
 * A unit of work: the records an operation read and changed, kept in memory so every step sees
 * the latest copy, then written in one go, parents first (orders, lines, domain orders, tasks,
 * programs, projects, project tasks), in batches, with the events last.
 */
import { Events, Principal, Storage } from "@procura/core"
import { Effect, Stream } from "effect"
import * as Notes from "../Notes.js"
import * as Orders from "../Orders.js"
import * as Projects from "../Projects.js"
import * as Relationships from "../Relationships.js"

const chunk = 500

/** Every record of a collection matching a filter, page by page. */
export const findAll = <A extends Storage.Entity>(collection: Storage.Collection<A>, where: Storage.Filter<A>) =>
  Effect.flatMap(Storage.Storage, (storage) => Stream.runCollect(storage.stream(collection, { where, limit: 1000 })))

/** The records whose `field` is one of `values` (and matching `where`), in chunks. */
export const findIn = <A extends Storage.Entity>(
  collection: Storage.Collection<A>,
  field: keyof A & string,
  values: Iterable<string>,
  where: Storage.Filter<A> = {}
) =>
  Effect.gen(function*() {
    const all = [...new Set(values)]
    const found: Array<A> = []
    for (let i = 0; i < all.length; i += chunk) {
      const filter = { ...where, [field]: { in: all.slice(i, i + chunk) } } as Storage.Filter<A>
      found.push(...(yield* findAll(collection, filter)))
    }
    return found
  })

/** Drops the version, for inserts. */
export const unversioned = <A extends Storage.Entity>(record: A): Storage.New<A> => {
  const { version: _version, ...rest } = record
  return rest as unknown as Storage.New<A>
}

/** Records of one collection as the operation sees them. */
export class Tracked<A extends Storage.Entity> {
  readonly byId = new Map<string, A>()
  readonly inserted = new Set<string>()
  readonly updated = new Set<string>()
  readonly collection: Storage.Collection<A>
  constructor(collection: Storage.Collection<A>) {
    this.collection = collection
  }

  /** Keeps the working copy of records already seen; gives the working copies. */
  adopt(records: ReadonlyArray<A>): Array<A> {
    return records.map((record) => {
      const known = this.byId.get(record.id)
      if (known !== undefined) return known
      this.byId.set(record.id, record)
      return record
    })
  }

  insert(record: A): A {
    this.byId.set(record.id, record)
    this.inserted.add(record.id)
    return record
  }

  /** Replaces the working copy; it will be written (inserted if new, else updated). */
  put(record: A): A {
    this.byId.set(record.id, record)
    if (!this.inserted.has(record.id)) this.updated.add(record.id)
    return record
  }

  /** The records with these ids (working copies first, then storage), in the order asked. */
  getMany(ids: Iterable<string>): Effect.Effect<Array<A>, Storage.StorageError, Storage.Storage | Principal.CurrentPrincipal> {
    const wanted = [...new Set(ids)]
    const missing = wanted.filter((id) => !this.byId.has(id))
    const found = () =>
      wanted.flatMap((id) => {
        const record = this.byId.get(id)
        return record === undefined ? [] : [record]
      })
    if (missing.length === 0) return Effect.sync(found)
    return Effect.flatMap(Storage.Storage, (storage) => storage.getMany(this.collection, missing)).pipe(
      Effect.map((records) => {
        this.adopt(records)
        return found()
      })
    )
  }

  /**
   * The records matching a filter (stored ones as working copies, plus new ones); `test` is the
   * same condition in code, for the working copies.
   */
  find(where: Storage.Filter<A>, test: (record: A) => boolean): Effect.Effect<Array<A>, Storage.StorageError, Storage.Storage | Principal.CurrentPrincipal> {
    return Effect.map(findAll(this.collection, where), (stored) => this.merge(stored, test))
  }

  /** Like {@link find} for `field in values`. */
  findIn(
    field: keyof A & string,
    values: Iterable<string>,
    test: (record: A) => boolean,
    where: Storage.Filter<A> = {}
  ): Effect.Effect<Array<A>, Storage.StorageError, Storage.Storage | Principal.CurrentPrincipal> {
    return Effect.map(findIn(this.collection, field, values, where), (stored) => this.merge(stored, test))
  }

  private merge(stored: ReadonlyArray<A>, test: (record: A) => boolean): Array<A> {
    const seen = new Set<string>()
    const out: Array<A> = []
    for (const record of this.adopt(stored)) {
      seen.add(record.id)
      if (test(record)) out.push(record)
    }
    for (const id of this.inserted) {
      const record = this.byId.get(id)!
      if (!seen.has(id) && test(record)) out.push(record)
    }
    return out
  }
}

/**
 * A unique-key race on a reusable program or project is retried like a stale version. (Every
 * operation's unit of work commits here, so the race is turned into a stale version once rather
 * than declared in each operation's `retryOnUnique`.)
 */
const retryOnReuseRace = <A, E, R>(effect: Effect.Effect<A, E | Storage.StorageError, R>) =>
  Effect.mapError(effect, (error) =>
    Storage.isUniqueViolation(error, ["reuseKey"])
      ? new Storage.StorageError({
        reason: new Storage.StaleVersion({
          ...(error.reason.collection !== undefined ? { collection: error.reason.collection } : {}),
          ids: error.reason.ids ?? [],
          message: "A program or project for the same account, location or order was created at the same time; retry",
          cause: error
        })
      })
      : error)

/** The unit of work of one operation. */
export class Work {
  readonly orders = new Tracked(Orders.orders)
  readonly lines = new Tracked(Orders.orderLines)
  readonly domainOrders = new Tracked(Orders.domainOrders)
  readonly orderTasks = new Tracked(Orders.orderTasks)
  readonly programs = new Tracked(Projects.programs)
  readonly projects = new Tracked(Projects.projects)
  readonly tasks = new Tracked(Projects.projectTasks)
  readonly links = new Tracked(Relationships.links)
  readonly notes = new Tracked(Notes.notes)
  readonly events: Array<Events.Pending> = []
  readonly now: string
  readonly principal: Principal.Principal
  constructor(now: string, principal: Principal.Principal) {
    this.now = now
    this.principal = principal
  }

  emit(...events: ReadonlyArray<Events.Pending>): void {
    this.events.push(...events)
  }
}

/** Writes everything of a unit of work, parents first, then appends its events. */
export const commit = (work: Work): Effect.Effect<void, Storage.StorageError, Storage.Storage | Principal.CurrentPrincipal> =>
  Effect.gen(function*() {
    const storage = yield* Storage.Storage
    const write = <A extends Storage.Entity>(tracked: Tracked<A>) =>
      Effect.gen(function*() {
        const updated = yield* storage.updateMany(tracked.collection, [...tracked.updated].map((id) => tracked.byId.get(id)!))
        const inserted = yield* retryOnReuseRace(
          storage.insertMany(tracked.collection, [...tracked.inserted].map((id) => unversioned(tracked.byId.get(id)!)))
        )
        for (const record of [...updated, ...inserted]) tracked.byId.set(record.id, record)
        tracked.updated.clear()
        tracked.inserted.clear()
      })
    yield* write(work.orders)
    yield* write(work.lines)
    yield* write(work.domainOrders)
    yield* write(work.orderTasks)
    yield* write(work.programs)
    yield* write(work.projects)
    yield* write(work.tasks)
    yield* write(work.links)
    yield* write(work.notes)
    yield* Events.append(...work.events)
    work.events.length = 0
  })

/** A fresh unit of work at the current time, for the current principal. */
export const begin = Effect.gen(function*() {
  return new Work(yield* Events.now, yield* Principal.CurrentPrincipal)
})
