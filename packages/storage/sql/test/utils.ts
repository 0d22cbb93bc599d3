/**
 * Test helpers: the PostgreSQL tests run on fresh databases (`PostgresTesting`), unless
 * `PROCURA_SKIP_POSTGRES=1` says there is no server at hand (CI never sets it).
 */
import * as PostgresTesting from "../src/PostgresTesting.js"

/** A fresh database for the scope (see `PostgresTesting.freshDatabase`). */
export const freshDatabase = PostgresTesting.freshDatabase()

/** A fresh database owned by a fresh role that is not a superuser, for the scope. */
export const freshDatabaseOwnedByRole = PostgresTesting.freshDatabaseOwnedByRole()

/** The SQL storage on a fresh database. */
export const layerFreshPostgres: typeof PostgresTesting.layerFresh = PostgresTesting.layerFresh

/**
 * Whether the PostgreSQL tests run: always, unless `PROCURA_SKIP_POSTGRES=1` says there is no
 * server at hand (CI never sets it).
 */
export const postgresEnabled: boolean = PostgresTesting.enabled()

if (!postgresEnabled) {
  console.warn("PROCURA_SKIP_POSTGRES=1: the PostgreSQL tests are skipped; CI runs them")
}
