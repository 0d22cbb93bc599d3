/**
 * Row-level security: the tenant policies on collection tables and the event log, the
 * transaction-local tenant setting they read, and reconciling a table with the driver's option.
 *
 * @internal
 */
import { Effect, Option } from "effect"
import type { SqlClient, SqlError } from "effect/sql"
import { quote } from "./tables.js"

/**
 * Options of the driver.
 *
 * @since 0.1.0
 * @category options
 */
export interface Options {
  /**
   * PostgreSQL row-level security, as defence in depth behind the tenant filter every query
   * already has. `true`: `prepare` enables and forces it on every collection table and on the
   * event log, with a policy admitting only the rows of the tenant in the transaction-local
   * setting {@link tenantSetting}, which the driver sets from the caller's tenant before each
   * statement. `false`: `prepare` removes it. Unset: the database decides; the driver sets the
   * tenant when the event log has row-level security (so processes started without the option,
   * such as `procura worker`, keep working on a database where it was enabled).
   *
   * It only protects against a role that is neither superuser nor `BYPASSRLS`; see the guide
   * "Deploying on PostgreSQL".
   */
  readonly rowLevelSecurity?: boolean | undefined
}

/**
 * The transaction-local setting the row-level security policies compare `tenant_id` with.
 * Raw SQL run in a transaction of the driver sees the tenant the driver last set in it; raw SQL
 * run elsewhere sees no rows at all.
 *
 * @since 0.1.0
 * @category row-level security
 */
export const tenantSetting = "procura.tenant_id"

/**
 * The value of {@link tenantSetting} that admits every tenant's events (the event log only). The
 * driver sets it for the calls that are cross-tenant by design: reading the whole log
 * (delivery) and listing dead letters.
 *
 * @since 0.1.0
 * @category row-level security
 */
export const allTenants = "*"

const policyName = "procura_tenant"

/** The setting, read once per statement (an init plan), not once per row. */
const currentTenant = `(SELECT current_setting('${tenantSetting}', true))`

/**
 * The policy of a collection table: a plain equality, which the planner merges with the query's
 * own `tenant_id = $1` into a one-time check per statement, so row estimates and plans are the
 * same as without row-level security.
 */
export const collectionCheck = `(tenant_id = ${currentTenant})`

/** The policy of the event log, which delivery reads across tenants. */
export const eventLogCheck = `(tenant_id = ${currentTenant} OR ${currentTenant} = '${allTenants}')`

/** Whether the event log has row-level security: the database's state, for drivers not told. */
export const rowLevelSecurityInForce = (sql: SqlClient.SqlClient) =>
  Effect.map(
    sql.unsafe<{ readonly enabled: boolean | null }>(
      `SELECT (SELECT relrowsecurity FROM pg_class WHERE oid = to_regclass('procura_events')) AS enabled`
    ),
    (rows) => rows[0]?.enabled === true
  )

/** What {@link tenancy} gives the driver. */
export interface Tenancy {
  /** Runs statements as a tenant (setting it first, with row-level security). */
  readonly asTenant: <A, E>(tenantId: string, effect: Effect.Effect<A, E>) => Effect.Effect<A, E | SqlError.SqlError>
  /** A table's row-level security: enabled, forced, and whether it has Procura's policy. */
  readonly rowSecurity: (
    table: string
  ) => Effect.Effect<{ readonly enabled: boolean; readonly forced: boolean; readonly policy: boolean } | undefined, SqlError.SqlError>
  /** Creates, or removes, the tenant policy on a table with a `tenant_id` column. */
  readonly reconcileRowLevelSecurity: (raw: string, check: string) => Effect.Effect<void, SqlError.SqlError>
}

/**
 * What the driver does about row-level security on a client: set the tenant before statements,
 * and bring a table's policy in line with the option.
 */
export const tenancy = (sql: SqlClient.SqlClient, options: Options): Tenancy => {
  const rowLevelSecurity = options.rowLevelSecurity === true

  const setTenant = (tenantId: string) =>
    sql.unsafe(`SELECT set_config('${tenantSetting}', $1::text, true) AS tenant`, [tenantId])

  /**
   * Runs statements for a tenant. With row-level security the tenant setting comes first, in the
   * caller's transaction or in a transaction of their own (the setting lasts until it ends).
   */
  const asTenant = <A, E>(tenantId: string, effect: Effect.Effect<A, E>): Effect.Effect<A, E | SqlError.SqlError> =>
    rowLevelSecurity
      ? Effect.flatMap(Effect.serviceOption(sql.transactionService), (current) => {
        const scoped = Effect.andThen(setTenant(tenantId), effect)
        return Option.isSome(current) ? scoped : sql.withTransaction(scoped)
      })
      : effect

  /** A table's row-level security: enabled, forced, and whether it has Procura's policy. */
  const rowSecurity = (table: string) =>
    Effect.map(
      sql.unsafe<{ readonly enabled: boolean; readonly forced: boolean; readonly policy: boolean }>(
        `SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
                EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $2::text) AS policy
         FROM pg_class c WHERE c.oid = $1::text::regclass`,
        [table, policyName]
      ),
      (rows) => rows[0]
    )

  /** Creates, or removes, the tenant policy on a table with a `tenant_id` column. */
  const reconcileRowLevelSecurity = (raw: string, check: string) =>
    Effect.gen(function*() {
      const table = quote(raw)
      const state = yield* rowSecurity(table)
      if (state === undefined) return
      if (rowLevelSecurity) {
        if (!state.policy) {
          yield* sql.unsafe(`CREATE POLICY ${policyName} ON ${table} USING ${check} WITH CHECK ${check}`)
        }
        // FORCE: the policy applies to the table's owner too (Procura's role usually owns its tables).
        if (!state.enabled) yield* sql.unsafe(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`)
        if (!state.forced) yield* sql.unsafe(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`)
      } else if (options.rowLevelSecurity === false) {
        if (state.forced) yield* sql.unsafe(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`)
        if (state.enabled) yield* sql.unsafe(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`)
        if (state.policy) yield* sql.unsafe(`DROP POLICY ${policyName} ON ${table}`)
      }
    })

  return { rowSecurity, asTenant, reconcileRowLevelSecurity }
}
