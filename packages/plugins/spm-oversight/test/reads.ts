/**
 * What a host reads of the plugin's records, on any storage layer: a get (`{ id }`) and a paged
 * list for every collection (orders, lines, domain orders, order tasks, programs, projects,
 * project tasks, relationships, notes), `NotFound` for an unknown id and another tenant's,
 * lists that show nothing of another tenant, and `AccessDenied` for roles without the permission.
 * Run on memory (Flow.test.ts), PGlite and PostgreSQL.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Errors, Plugin, type Principal, Storage } from "@procura/core"
import { Oversight, spmOversight } from "@procura/plugin-spm-oversight"
import { Fixtures } from "@procura/testkit"
import { Effect, Exit, type Layer } from "effect"
import { as, example, freshTenant, oversight, procura, team, type Team } from "./fixtures.js"
import { approvedOrder, decomposedLine } from "./scenarios.js"

const operations = Oversight.makeOperations(Effect.runSync(Plugin.validateConfig(spmOversight, example())))

/** The get and list method of each collection, and a list input that finds a given record. */
const reads: Record<string, { readonly get: string; readonly list: string; readonly filter: (record: any) => Record<string, unknown> }> = {
  oversight_orders: { get: "getOrder", list: "listOrders", filter: (r) => ({ accountId: r.accountId }) },
  oversight_order_lines: { get: "getOrderLine", list: "listOrderLines", filter: (r) => ({ orderId: r.orderId }) },
  oversight_domain_orders: { get: "getDomainOrder", list: "listDomainOrders", filter: (r) => ({ orderLineId: r.orderLineId }) },
  oversight_order_tasks: { get: "getOrderTask", list: "listOrderTasks", filter: (r) => ({ domainOrderId: r.domainOrderId }) },
  oversight_programs: { get: "getProgram", list: "listPrograms", filter: (r) => ({ accountId: r.accountId }) },
  oversight_projects: { get: "getProject", list: "listProjects", filter: (r) => ({ programId: r.programId }) },
  oversight_project_tasks: { get: "getProjectTask", list: "listProjectTasks", filter: (r) => ({ projectId: r.projectId }) },
  oversight_links: { get: "getRelationship", list: "listRelationships", filter: (r) => ({ kind: r.kind, toId: r.toId }) },
  // Notes are read per side: the order side's with order.read, the project side's with project.read.
  oversight_notes: { get: "getOrderNote", list: "listOrderNotes", filter: (r) => ({ subjectType: r.subjectType, subjectId: r.subjectId }) }
}
const projectNotes = { get: "getProjectNote", list: "listProjectNotes", filter: (r: any) => ({ subjectType: r.subjectType, subjectId: r.subjectId }) }

/** Calls an oversight method by name, as a principal. */
const call = (method: string, input: unknown, who: Principal.Principal) =>
  Effect.flatMap(oversight, (o) => as(who, (o as unknown as Record<string, (input: unknown) => Effect.Effect<any, unknown, Principal.CurrentPrincipal>>)[method]!(input)))

const failure = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.map(Effect.exit(effect), Fixtures.failureOf)

/** The records of a collection matching a filter, read straight from storage as the tenant's admin. */
const stored = (t: Team, collection: Storage.Collection<any>, where: Record<string, unknown> = {}) =>
  as(t.admin, Effect.flatMap(Storage.Storage, (storage) => storage.find(collection, { where, limit: 1000 }))).pipe(Effect.map((page) => page.items))

/** Registers the read scenarios for a storage layer. */
export const readsSuite = <E>(name: string, storage: Layer.Layer<Storage.Storage, E>): void => {
  describe(`spm-oversight reads: ${name}`, () => {
    layer(procura(example(), storage), { timeout: "120 seconds", excludeTestServices: true })((it) => {
      it.effect("every collection has a get ({ id }) and a paged list, in the caller's tenant, for the roles that may read it", () =>
        Effect.gen(function*() {
          assert.deepStrictEqual(Oversight.collections.map((c) => c.name).toSorted(), Object.keys(reads).toSorted(), "every collection has reads")
          const t = team(freshTenant())
          const outsider = team(freshTenant())
          const { o, order } = yield* approvedOrder(t)
          const { orderTasks } = yield* decomposedLine(t, order.id)
          yield* as(t.fulfilmentManager, o.addNote({ subjectType: "order_task", subjectId: orderTasks[0]!.id, text: "On its way" }))

          for (const collection of Oversight.collections) {
            const [record] = yield* stored(t, collection, collection.name === "oversight_notes" ? { subjectType: "order_task" } : {})
            assert.isDefined(record, `the scenario stores a record in ${collection.name}`)
            const cases = collection.name === "oversight_notes"
              ? [[reads[collection.name]!, record], [projectNotes, (yield* stored(t, collection, { subjectType: "project_task" }))[0]]] as const
              : [[reads[collection.name]!, record]] as const
            for (const [{ get, list, filter }, one] of cases) {
              assert.isDefined(one, `a record for ${get}`)
              const ops = operations as unknown as Record<string, { readonly kind: string; readonly permission: string }>
              assert.strictEqual(ops[get]!.kind, "query")
              assert.strictEqual(ops[list]!.permission, ops[get]!.permission, `${get} and ${list} need the same permission`)

              assert.deepStrictEqual(yield* call(get, { id: one.id }, t.admin), one, get)
              for (const [id, who] of [["no-such-id", t.admin], [one.id, outsider.admin]] as const) {
                const error = yield* failure(call(get, { id }, who))
                assert.instanceOf(error, Errors.NotFound, `${get} of ${id} in ${who.tenantId}`)
              }

              const page = yield* call(list, { ...filter(one), limit: 1000 }, t.admin)
              assert.include(page.items.map((r: { id: string }) => r.id), one.id, `${list} finds the record`)
              const first = yield* call(list, { ...filter(one), limit: 1 }, t.admin)
              if (page.items.length > 1) {
                const next = yield* call(list, { ...filter(one), limit: 1, cursor: first.cursor }, t.admin)
                assert.deepStrictEqual([...first.items, ...next.items].map((r: { id: string }) => r.id), page.items.slice(0, 2).map((r: { id: string }) => r.id), `${list} pages`)
              } else {
                assert.isUndefined(first.cursor, `${list}: no cursor after the last page`)
              }
              const elsewhere = yield* call(list, filter(one), outsider.admin)
              assert.notInclude(elsewhere.items.map((r: { id: string }) => r.id), one.id, `${list} shows nothing of another tenant`)

              // A procurement manager holds none of the plugin's permissions.
              for (const method of [get, list]) {
                const denied = yield* failure(call(method, method === get ? { id: one.id } : filter(one), t.buyer))
                assert.instanceOf(denied, Errors.AccessDenied, `${method} as a procurement manager`)
              }
            }
          }

          // A note is read on its own side only.
          const [orderNote] = yield* stored(t, Oversight.collections.find((c) => c.name === "oversight_notes")!, { subjectType: "order_task" })
          const [projectNote] = yield* stored(t, Oversight.collections.find((c) => c.name === "oversight_notes")!, { subjectType: "project_task" })
          assert.instanceOf(yield* failure(call("getProjectNote", { id: orderNote!.id }, t.admin)), Errors.NotFound)
          assert.instanceOf(yield* failure(call("getOrderNote", { id: projectNote!.id }, t.admin)), Errors.NotFound)

          // Seed 001's roles: a project manager reads projects, not orders; an order manager the other way round.
          const [line] = yield* stored(t, Oversight.collections.find((c) => c.name === "oversight_order_lines")!)
          const [task] = yield* stored(t, Oversight.collections.find((c) => c.name === "oversight_project_tasks")!)
          assert.instanceOf(yield* failure(call("getOrderLine", { id: line!.id }, t.projectManager)), Errors.AccessDenied)
          assert.strictEqual((yield* call("getProjectTask", { id: task!.id }, t.projectManager)).id, task!.id)
          assert.instanceOf(yield* failure(call("getProjectTask", { id: task!.id }, t.fulfilmentManager)), Errors.AccessDenied)
          assert.strictEqual((yield* call("getOrderLine", { id: line!.id }, t.fulfilmentManager)).id, line!.id)

          // The order and project forms take { id } too.
          const details = yield* as(t.fulfilmentAgent, o.orderDetails({ id: order.id }))
          assert.deepStrictEqual(details.lines.map((l) => l.lineNo), [1, 2, 3])
          const exit = yield* Effect.exit(as(t.fulfilmentAgent, o.orderDetails({ orderId: order.id } as never)))
          assert.isTrue(Exit.isFailure(exit))
          assert.strictEqual((Fixtures.failureOf(exit) as { _tag: string })._tag, "ValidationError")
        }))
    })
  })
}
