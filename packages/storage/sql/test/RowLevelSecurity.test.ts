/**
 * Row-level security as defence in depth (PostgreSQL only): with `rowLevelSecurity: true` a
 * query that forgets the tenant filter still sees only the caller's tenant, writes for another
 * tenant are refused, and delivery still reads the whole event log. Each test has a database of
 * its own, owned by a fresh role that is not a superuser (superusers bypass row-level security).
 */
import { assert, describe, it } from "@effect/vitest"
import { Principal, Storage } from "@procura/core"
import { Cause, Effect, Exit, Option, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { z } from "zod"
import { SqlStorage } from "../src/index.js"
import { freshDatabaseOwnedByRole, postgresEnabled } from "./utils.js"

const Note = z.object({ id: z.string(), version: z.number().int(), title: z.string() })

const notes = Storage.collection({ name: "rls_notes", schema: Note, fields: { title: "string" } })

const tenantA = Principal.Principal.parse({ userId: "ann", tenantId: "tenant-a", roles: ["admin"] })
const tenantB = Principal.Principal.parse({ userId: "bob", tenantId: "tenant-b", roles: ["admin"] })

const event = (tenantId: string, id: string): Storage.DomainEvent => ({
  id,
  tenantId,
  type: "note.written",
  aggregateType: "note",
  aggregateId: id,
  actorId: "test",
  occurredAt: "2026-01-01T00:00:00.000Z",
  payload: { secret: `${tenantId} only` }
})

type Stack = Storage.Storage | Storage.Driver | SqlClient.SqlClient

/** Runs `body` on a storage layer over the given URL, with the notes collection prepared. */
const on = <A, E>(url: string, options: SqlStorage.Options, body: Effect.Effect<A, E, Stack>) =>
  Effect.flatMap(Storage.Storage, (storage) => storage.prepare([notes])).pipe(
    Effect.andThen(body),
    Effect.provide(SqlStorage.layerPg({ url: Redacted.make(url), maxConnections: 2, ...options }))
  )

/** Two tenants' notes and events, written through the storage API. */
const seed = Effect.gen(function*() {
  const storage = yield* Storage.Storage
  yield* Principal.runAs(storage.insertMany(notes, [{ id: "a1", title: "A one" }, { id: "a2", title: "A two" }]), tenantA)
  yield* Principal.runAs(storage.insertMany(notes, [{ id: "b1", title: "B one" }]), tenantB)
  yield* storage.appendEvents([event("tenant-a", "ea1"), event("tenant-a", "ea2")])
  yield* storage.appendEvents([event("tenant-b", "eb1")])
})

const ids = (rows: ReadonlyArray<{ readonly id: string }>) => rows.map((row) => row.id)

/** Raw SQL that forgets the tenant filter, as a careless report or a bug would. */
const unfiltered = Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  const rows = yield* sql.unsafe<{ id: string }>(`SELECT id FROM c_rls_notes ORDER BY id`)
  const events = yield* sql.unsafe<{ id: string }>(`SELECT id FROM procura_events ORDER BY position`)
  return { notes: ids(rows), events: ids(events) }
})

const rowSecurity = (table: string) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) =>
    sql.unsafe<{ enabled: boolean; forced: boolean; policies: string }>(
      `SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
              (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)::text AS policies
       FROM pg_class c WHERE c.oid = $1::text::regclass`,
      [table]
    )).pipe(Effect.map((rows) => rows[0]!))

describe.skipIf(!postgresEnabled)("SqlStorage row-level security (PostgreSQL)", () => {
  it.effect("enables and forces a tenant policy on every collection table and on the event log", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* freshDatabaseOwnedByRole
      yield* on(url, { rowLevelSecurity: true }, Effect.gen(function*() {
        const sql = yield* SqlClient.SqlClient
        const [role] = yield* sql.unsafe<{ rolsuper: boolean; rolbypassrls: boolean }>(
          `SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`
        )
        assert.deepStrictEqual(role, { rolsuper: false, rolbypassrls: false }, "the test role can be held to the policies")
        for (const table of ["c_rls_notes", "procura_events"]) {
          assert.deepStrictEqual(yield* rowSecurity(table), { enabled: true, forced: true, policies: "1" }, table)
        }
        // The system tables without a tenant column stay as they are.
        assert.deepStrictEqual(yield* rowSecurity("procura_checkpoints"), { enabled: false, forced: false, policies: "0" })
      }))
    })))

  it.effect("a query that forgets the tenant filter sees only the caller's tenant, or nothing", () =>
    Effect.scoped(Effect.gen(function*() {
      const { superuserUrl, url } = yield* freshDatabaseOwnedByRole
      yield* on(url, { rowLevelSecurity: true }, Effect.gen(function*() {
        const storage = yield* Storage.Storage
        const sql = yield* SqlClient.SqlClient
        yield* seed

        // In a transaction of the adapter, after any storage call has set the caller's tenant.
        const inside = yield* Principal.runAs(
          storage.transaction(Effect.andThen(storage.get(notes, "a1"), unfiltered)),
          tenantA
        )
        assert.deepStrictEqual(inside, { notes: ["a1", "a2"], events: ["ea1", "ea2"] })

        // A write that forgets the filter touches only the caller's rows.
        const touched = yield* Principal.runAs(
          storage.transaction(Effect.andThen(
            storage.get(notes, "b1"),
            sql.unsafe<{ id: string }>(`UPDATE c_rls_notes SET data = data RETURNING id`)
          )),
          tenantB
        )
        assert.deepStrictEqual(ids(touched), ["b1"])

        // Writing a row of another tenant is refused.
        const foreign = yield* Effect.exit(Principal.runAs(
          storage.transaction(Effect.andThen(
            storage.get(notes, "a1"),
            sql.unsafe(`INSERT INTO c_rls_notes (tenant_id, id, version, data) VALUES ('tenant-b', 'b2', 1, '{}')`)
          )),
          tenantA
        ))
        assert.isTrue(Exit.isFailure(foreign))
        assert.include(Cause.pretty((foreign as Exit.Failure<unknown, unknown>).cause), "row-level security")

        // Outside the adapter's transactions no tenant is set: nothing is visible.
        assert.deepStrictEqual(yield* unfiltered, { notes: [], events: [] })

        // The storage API is unchanged, and delivery still reads every tenant's events.
        assert.deepStrictEqual(ids((yield* Principal.runAs(storage.find(notes), tenantB)).items), ["b1"])
        assert.deepStrictEqual(ids(yield* storage.readEvents({ after: 0, limit: 10 })), ["ea1", "ea2", "eb1"])
        assert.deepStrictEqual(ids(yield* storage.readEvents({ after: 0, limit: 10, tenantId: "tenant-b" })), ["eb1"])
      }))

      // Control: the rows are there, as a superuser (who bypasses the policies) sees.
      const all = yield* Effect.provide(unfiltered, SqlStorage.layerPg({ url: Redacted.make(superuserUrl), maxConnections: 1 }))
      assert.deepStrictEqual(all, { notes: ["a1", "a2", "b1"], events: ["ea1", "ea2", "eb1"] })
    })))

  it.effect("processes started without the option follow the database; rowLevelSecurity: false removes it", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* freshDatabaseOwnedByRole
      yield* on(url, { rowLevelSecurity: true }, seed)

      // A worker or CLI started without the option sets the tenant too, so it reads what it should.
      yield* on(url, {}, Effect.gen(function*() {
        const storage = yield* Storage.Storage
        assert.deepStrictEqual(ids((yield* Principal.runAs(storage.find(notes), tenantA)).items), ["a1", "a2"])
        assert.deepStrictEqual(ids(yield* storage.readEvents({ after: 0, limit: 10 })), ["ea1", "ea2", "eb1"])
        const inside = yield* Principal.runAs(storage.transaction(Effect.andThen(storage.get(notes, "b1"), unfiltered)), tenantB)
        assert.deepStrictEqual(inside.notes, ["b1"])
        assert.deepStrictEqual((yield* rowSecurity("c_rls_notes")).enabled, true, "a process without the option leaves it on")
      }))

      yield* on(url, { rowLevelSecurity: false }, Effect.gen(function*() {
        for (const table of ["c_rls_notes", "procura_events"]) {
          assert.deepStrictEqual(yield* rowSecurity(table), { enabled: false, forced: false, policies: "0" }, table)
        }
        assert.deepStrictEqual(yield* unfiltered, { notes: ["a1", "a2", "b1"], events: ["ea1", "ea2", "eb1"] })
      }))
    })))

  it.effect("a newly declared field is backfilled from every tenant's records, and the policy stays forced", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* freshDatabaseOwnedByRole
      yield* on(url, { rowLevelSecurity: true }, Effect.gen(function*() {
        const storage = yield* Storage.Storage
        const before = Storage.collection({ name: "rls_cards", schema: Note, fields: {} })
        const after = Storage.collection({ name: "rls_cards", schema: Note, fields: { title: "string" } })
        yield* storage.prepare([before])
        yield* Principal.runAs(storage.insertMany(before, [{ id: "a1", title: "A one" }]), tenantA)
        yield* Principal.runAs(storage.insertMany(before, [{ id: "b1", title: "B one" }]), tenantB)
        yield* storage.prepare([after])
        assert.deepStrictEqual(ids((yield* Principal.runAs(storage.find(after, { where: { title: "A one" } }), tenantA)).items), ["a1"])
        assert.deepStrictEqual(ids((yield* Principal.runAs(storage.find(after, { where: { title: "B one" } }), tenantB)).items), ["b1"])
        assert.deepStrictEqual(yield* rowSecurity("c_rls_cards"), { enabled: true, forced: true, policies: "1" })
      }))
    })))

  it.effect("processes starting together on a new database enable it once, without racing", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* freshDatabaseOwnedByRole
      yield* Effect.all(Array.from({ length: 3 }, () => on(url, { rowLevelSecurity: true }, Effect.void)), { concurrency: "unbounded" })
      yield* on(url, { rowLevelSecurity: true }, Effect.gen(function*() {
        assert.deepStrictEqual(yield* rowSecurity("c_rls_notes"), { enabled: true, forced: true, policies: "1" })
        assert.deepStrictEqual(yield* rowSecurity("procura_events"), { enabled: true, forced: true, policies: "1" })
      }))
    })))

  it.effect("with a separate owner, an application role holding plain grants is held to the policies", () =>
    Effect.scoped(Effect.gen(function*() {
      const { role, superuserUrl, url } = yield* freshDatabaseOwnedByRole
      // The owner migrates and enables row-level security; the application role only has grants.
      yield* on(url, { rowLevelSecurity: true }, seed)
      const app = `${role}_app`
      const asSuperuser = (statements: ReadonlyArray<string>) =>
        Effect.flatMap(SqlClient.SqlClient, (sql) => Effect.forEach(statements, (text) => sql.unsafe(text), { discard: true })).pipe(
          Effect.provide(SqlStorage.layerPg({ url: Redacted.make(superuserUrl), maxConnections: 1 }))
        )
      yield* Effect.acquireRelease(
        asSuperuser([
          `CREATE ROLE "${app}" LOGIN NOSUPERUSER NOBYPASSRLS`,
          `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${app}"`,
          `GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO "${app}"`
        ]),
        () => Effect.ignore(asSuperuser([`DROP OWNED BY "${app}"`, `DROP ROLE "${app}"`]))
      )
      const appUrl = new URL(url)
      appUrl.username = app
      yield* on(appUrl.toString(), {}, Effect.gen(function*() {
        const storage = yield* Storage.Storage
        yield* Principal.runAs(storage.insertMany(notes, [{ id: "a3", title: "A three" }]), tenantA)
        yield* storage.appendEvents([event("tenant-a", "ea3")])
        const inside = yield* Principal.runAs(storage.transaction(Effect.andThen(storage.get(notes, "a1"), unfiltered)), tenantA)
        assert.deepStrictEqual(inside, { notes: ["a1", "a2", "a3"], events: ["ea1", "ea2", "ea3"] })
        assert.deepStrictEqual(yield* unfiltered, { notes: [], events: [] })
      }))
    })))

  it.effect("the driver built on a client without options does not set the tenant", () =>
    Effect.scoped(Effect.gen(function*() {
      const { url } = yield* freshDatabaseOwnedByRole
      yield* on(url, { rowLevelSecurity: true }, Effect.gen(function*() {
        yield* seed
        // fromClient is told nothing: the policies hide every row from it, which is why the
        // layers and makeWith read the database's state instead.
        const driver = SqlStorage.fromClient(yield* SqlClient.SqlClient)
        const storage = Storage.make(driver)
        assert.deepStrictEqual(ids((yield* Principal.runAs(storage.find(notes), tenantA)).items), [])
        const followed = Storage.make(yield* SqlStorage.make)
        assert.deepStrictEqual(ids((yield* Principal.runAs(followed.find(notes), tenantA)).items), ["a1", "a2"])
        assert.isTrue(Option.isSome(yield* Principal.runAs(followed.get(notes, "a1"), tenantA)))
      }))
    })))
})
