/**
 * Roles, permissions and the check every operation makes before it runs.
 *
 * The default {@link PermissionMatrix} is seed 002's: procurement managers buy, storage managers
 * and mobile asset managers receive, asset managers and administrators look after assets. The
 * `admin` role holds every permission. Hosts can replace the matrix (for example to add their
 * own requester role) by providing {@link PermissionMatrix}.
 *
 * Plugins add permissions of their own (`<plugin>/<name>`, see {@link PluginPermission}) with the
 * roles that hold them by default; the matrix in force is the host's merged over those.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import { AccessDenied, type Issue } from "./Errors.js"
import { didYouMean, nearest } from "./internal/nearest.js"
import { CurrentPrincipal, type Principal } from "./Principal.js"

/**
 * The roles Procura knows by default.
 *
 * @since 0.1.0
 * @category models
 */
export const Roles = [
  "admin",
  "procurement_manager",
  "storage_manager",
  "asset_administrator",
  "asset_manager",
  "mobile_asset_manager",
  "requester"
] as const

/**
 * A role name. Hosts may use roles of their own in a custom matrix.
 *
 * @since 0.1.0
 * @category models
 */
export type Role = (typeof Roles)[number]

/**
 * Every permission an operation can require.
 *
 * @since 0.1.0
 * @category models
 */
export const Permissions = [
  "catalog.read",
  "catalog.manage",
  "request.read",
  "request.create",
  "request.approve",
  "purchase_order.read",
  "purchase_order.manage",
  "receiving.read",
  "receiving.receive",
  "receiving.return",
  "invoice.read",
  "invoice.manage",
  "invoice.approve",
  "invoice.override",
  "shipment.read",
  "shipment.manage",
  "asset.read",
  "asset.assign",
  "asset.manage",
  "license.read",
  "license.manage",
  "license.assign",
  "stock.read",
  "stock.issue",
  "stock.manage",
  "event.read"
] as const

/**
 * A permission name.
 *
 * @since 0.1.0
 * @category models
 */
export type Permission = (typeof Permissions)[number]

/**
 * The name of a permission a plugin contributes: `<namespace>/<name>`, such as
 * `spm-oversight/project.read`. The slash keeps plugin permissions apart from the core's (a
 * misspelt core permission is a type error, not a new plugin permission); a plugin declares
 * each of its permissions with the roles that hold it by default (`Plugin.Contribution.permissions`).
 *
 * @since 0.1.0
 * @category models
 */
export type PluginPermission = `${string}/${string}`

/**
 * A permission an operation can require: one of the core's, or one a plugin contributes.
 *
 * @since 0.1.0
 * @category models
 */
export type AnyPermission = Permission | PluginPermission

/**
 * Whether a name is one of the core's permissions.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isCorePermission = (name: string): name is Permission => (Permissions as ReadonlyArray<string>).includes(name)

/**
 * Whether a name has the shape of a plugin permission, `<namespace>/<name>`.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isPluginPermission = (name: string): name is PluginPermission => /^[a-z0-9][a-z0-9._-]*\/[a-z0-9][a-z0-9._-]*$/.test(name)

/**
 * Which roles hold which permission. `admin` holds all of them whatever the matrix says; `"*"`
 * grants a permission to every principal, whatever their roles. A host's matrix may also grant
 * plugin permissions; those it leaves out keep the roles their plugin gives them by default
 * ({@link PluginPermissions}).
 *
 * @since 0.1.0
 * @category models
 */
export type Matrix =
  & { readonly [P in Permission]: ReadonlyArray<string> }
  & { readonly [P in PluginPermission]?: ReadonlyArray<string> }

const everyone = [
  "procurement_manager",
  "storage_manager",
  "asset_administrator",
  "asset_manager",
  "mobile_asset_manager"
] as const

/**
 * Seed 002's permission matrix, the default.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMatrix: Matrix = {
  "catalog.read": [...everyone, "requester"],
  "catalog.manage": ["procurement_manager", "asset_administrator"],
  // Approvers are chosen per request (any role, a named user, a manager): they must read it.
  "request.read": ["*"],
  "request.create": ["procurement_manager", "asset_manager", "asset_administrator", "requester"],
  // Anyone may hold an approval step (a manager can be any employee, a step any role): the
  // request's approval chain decides who decides which step.
  "request.approve": ["*"],
  "purchase_order.read": everyone,
  "purchase_order.manage": ["procurement_manager"],
  "receiving.read": everyone,
  "receiving.receive": ["storage_manager", "asset_administrator", "mobile_asset_manager"],
  // Sending received goods back to the vendor: the buyer arranges it, the store hands them over.
  "receiving.return": ["procurement_manager", "storage_manager", "asset_administrator"],
  // Invoices are the buyer's: recording them, approving them for payment and, when the
  // three-way match found exceptions, overriding them with a recorded reason.
  "invoice.read": everyone,
  "invoice.manage": ["procurement_manager"],
  "invoice.approve": ["procurement_manager"],
  "invoice.override": ["procurement_manager"],
  // Shipments are announced by the buyer (from the vendor's notice) or the store that expects them.
  "shipment.read": everyone,
  "shipment.manage": ["procurement_manager", "storage_manager"],
  "asset.read": everyone,
  "asset.assign": ["asset_manager", "asset_administrator"],
  // Returning to storage, transfers between storage spaces and other state changes.
  "asset.manage": ["asset_manager", "asset_administrator", "storage_manager"],
  // Software entitlements: terms and keys are recorded by whoever looks after assets or bought them.
  "license.read": everyone,
  "license.manage": ["procurement_manager", "asset_administrator", "asset_manager"],
  "license.assign": ["asset_administrator", "asset_manager"],
  // Consumables: whoever keeps a storage space or looks after assets issues from it; counting,
  // transfers and reorder levels belong to the storage and asset managers.
  "stock.read": everyone,
  "stock.issue": ["storage_manager", "asset_administrator", "asset_manager", "mobile_asset_manager"],
  "stock.manage": ["storage_manager", "asset_administrator", "asset_manager"],
  // The tenant's domain events, every module's: what integrations (flows, triggers, agents) follow.
  "event.read": ["procurement_manager", "asset_administrator"]
}

/**
 * The permission matrix in force. Defaults to {@link defaultMatrix}.
 *
 * @since 0.1.0
 * @category services
 */
export const PermissionMatrix = Context.Reference<Matrix>("@procura/core/PermissionMatrix", {
  defaultValue: () => defaultMatrix
})

/**
 * The permissions the enabled plugins contribute, with the roles that hold each by default.
 * Empty unless plugins are enabled: `Plugin.compose` gathers them (refusing one that clashes with
 * a core permission or another plugin's) and the composition's layer provides them.
 *
 * @since 0.1.0
 * @category services
 */
export const PluginPermissions = Context.Reference<Readonly<Record<PluginPermission, ReadonlyArray<string>>>>(
  "@procura/core/PluginPermissions",
  { defaultValue: () => ({}) }
)

/**
 * The roles holding a permission: the matrix's entry, else (for a plugin permission the matrix
 * leaves out) the plugin's default roles; `undefined` for a permission nobody declared.
 *
 * @since 0.1.0
 * @category getters
 */
export const holdersOf = (
  matrix: Matrix,
  permission: AnyPermission,
  plugins: Readonly<Record<PluginPermission, ReadonlyArray<string>>> = {}
): ReadonlyArray<string> | undefined =>
  isCorePermission(permission) ? matrix[permission] : matrix[permission as PluginPermission] ?? plugins[permission as PluginPermission]

/**
 * The matrix in force: the host's (or the default) merged over the enabled plugins' permissions
 * and their default roles.
 *
 * @since 0.1.0
 * @category getters
 */
export const matrixInForce: Effect.Effect<Matrix> = Effect.map(
  Effect.all([PermissionMatrix, PluginPermissions]),
  ([matrix, plugins]) => ({ ...plugins, ...matrix })
)

/**
 * Whether a principal holds a permission under a matrix (and, for plugin permissions the
 * matrix leaves out, the plugins' default roles). Nobody but `admin` holds a permission nobody
 * declared.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isAllowed = (
  matrix: Matrix,
  principal: Principal,
  permission: AnyPermission,
  plugins: Readonly<Record<PluginPermission, ReadonlyArray<string>>> = {}
): boolean => {
  if (principal.roles.includes("admin")) return true
  const holders = holdersOf(matrix, permission, plugins) ?? []
  return holders.includes("*") || principal.roles.some((role) => holders.includes(role))
}

/**
 * The roles known under a matrix: Procura's own ({@link Roles}), every role the matrix grants a
 * permission to, and `extra`, the roles the enabled plugins know (`Plugin.Composition.roles`:
 * those their permissions grant and those their configurations name, such as approvers).
 *
 * @since 0.1.0
 * @category getters
 */
export const knownRoles = (matrix: Matrix, extra: Iterable<string> = []): ReadonlyArray<string> => {
  const known = new Set<string>(Roles)
  for (const holders of Object.values(matrix) as Array<ReadonlyArray<string> | undefined>) {
    for (const role of holders ?? []) if (role !== "*") known.add(role)
  }
  for (const role of extra) known.add(role)
  return [...known]
}

/**
 * An issue for each of `roles` that is not among `known` (see {@link knownRoles}), naming the
 * nearest known role when one is near enough: `roles.0: unknown role "procurment_manager"; did
 * you mean "procurement_manager"?`. Empty when every role is known.
 *
 * @since 0.1.0
 * @category validation
 */
export const unknownRoles = (roles: ReadonlyArray<string>, known: ReadonlyArray<string>): ReadonlyArray<Issue> =>
  roles.flatMap((role, i): Array<Issue> => {
    if (known.includes(role)) return []
    const hint = didYouMean(role, known) ?? `known roles: ${known.join(", ")}`
    return [{ path: ["roles", i], message: `unknown role "${role}"; ${hint}`, expected: "a known role", received: role }]
  })

/** When a principal's role is a near miss of a role holding the permission: the hint naming both. */
const nearMiss = (roles: ReadonlyArray<string>, holders: ReadonlyArray<string>): string => {
  for (const role of roles) {
    if (holders.includes(role)) continue
    const near = nearest(role, holders.filter((holder) => holder !== "*"))
    if (near !== undefined) return `; the principal's role "${role}" is not one of them: did you mean "${near}"?`
  }
  return ""
}

/**
 * Succeeds with the current principal if it holds the permission, fails with
 * {@link AccessDenied} otherwise.
 *
 * @since 0.1.0
 * @category combinators
 */
export const authorize = (permission: AnyPermission): Effect.Effect<Principal, AccessDenied, CurrentPrincipal> =>
  Effect.flatMap(Effect.all([CurrentPrincipal, PermissionMatrix, PluginPermissions]), ([principal, matrix, plugins]) => {
    if (isAllowed(matrix, principal, permission, plugins)) return Effect.succeed(principal)
    const holders = holdersOf(matrix, permission, plugins)
    return Effect.fail(
      new AccessDenied({
        permission,
        userId: principal.userId,
        roles: principal.roles,
        message: `${principal.userId} (roles: ${principal.roles.join(", ") || "none"}) lacks the permission ${permission}; ` +
          (holders === undefined
            ? "no matrix or enabled plugin declares it, so only admin holds it (is the plugin that contributes it enabled?)"
            : `it is granted to ${["admin", ...holders].join(", ")}${nearMiss(principal.roles, ["admin", ...holders])}`)
      })
    )
  })
