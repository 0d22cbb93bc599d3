/**
 * `@effect/sql-pg`, loaded when a PostgreSQL layer starts rather than when this package is
 * imported. Its connection code needs Node (sockets, TLS, `Buffer`, `node:crypto`, some of it at
 * module load), so a static import would put it into every bundle of the package and break the
 * PGlite path in browsers before it ran. Private to the package.
 */
import type * as PgClient from "@effect/sql-pg/PgClient"
import { Effect } from "effect"

/**
 * The `PgClient` module of `@effect/sql-pg`, imported on first use (the module system keeps it
 * after that). A failure to load it is a defect: the package is installed with it.
 */
export const loadPgClient: Effect.Effect<typeof PgClient> = Effect.promise(() => import("@effect/sql-pg/PgClient"))
