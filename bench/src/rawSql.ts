/**
 * Raw-SQL baselines write the rows the SQL adapter would write, without the SDK: one statement
 * per batch, typed columns filled from the record as the adapter fills them.
 */
import type { Storage } from "@procura/core"
import { SqlStorage } from "@procura/storage-sql"
import { Effect } from "effect"
import { SqlClient } from "effect/sql"

const casts: Record<Storage.FieldType, string> = {
  string: "text",
  integer: "bigint",
  number: "double precision",
  boolean: "boolean",
  timestamp: "timestamptz"
}

/** The typed columns of a collection and the SQL deriving each from the record `r.data`. */
const columnsOf = (collection: Storage.Collection<any>) =>
  Object.entries(collection.fields as Record<string, Storage.FieldType>).map(([field, type]) => ({
    column: SqlStorage.columnName(field),
    value: type === "string" ? `r.data->>'${field}'` : `(r.data->>'${field}')::${casts[type]}`
  }))

/** Inserts rows (version 1) in one statement, filling the typed columns as the adapter does. */
export const insertRows = (collection: Storage.Collection<any>, tenantId: string, rows: ReadonlyArray<{ readonly id: string; readonly data: object }>) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const columns = columnsOf(collection)
    return sql.unsafe(
      `INSERT INTO ${SqlStorage.tableName(collection.name)} (tenant_id, id, version, data${columns.map((c) => `, ${c.column}`).join("")})
       SELECT $1, r.id, 1, r.data${columns.map((c) => `, ${c.value}`).join("")}
       FROM jsonb_to_recordset($2::jsonb) AS r(id text, data jsonb)`,
      [tenantId, JSON.stringify(rows)]
    )
  })

/** Updates rows read at `expected` versions in one statement; fails when any changed meanwhile. */
export const updateRows = (
  collection: Storage.Collection<any>,
  tenantId: string,
  rows: ReadonlyArray<{ readonly id: string; readonly expected: number; readonly data: object }>
) =>
  Effect.flatMap(SqlClient.SqlClient, (sql) => {
    const columns = columnsOf(collection)
    return Effect.flatMap(
      sql.unsafe<{ readonly id: string }>(
        `UPDATE ${SqlStorage.tableName(collection.name)} AS t SET version = t.version + 1, data = r.data${columns.map((c) => `, ${c.column} = ${c.value}`).join("")}
         FROM jsonb_to_recordset($2::jsonb) AS r(id text, expected integer, data jsonb)
         WHERE t.tenant_id = $1 AND t.id = r.id AND t.version = r.expected
         RETURNING t.id`,
        [tenantId, JSON.stringify(rows)]
      ),
      (updated) => (updated.length === rows.length ? Effect.void : Effect.die(new Error("raw baseline: a row changed meanwhile")))
    )
  })

