/**
 * Roles, permissions and the check every operation makes before it runs.
 *
 * The default {@link PermissionMatrix} is seed 002's: procurement managers buy, storage managers
 * and mobile asset managers receive, asset managers and administrators look after assets. The
 * `admin` role holds every permission. Hosts can replace the matrix (for example to add their
 * own requester role) by providing {@link PermissionMatrix}.
 *
 * @since 0.1.0
 */
import { Context, Effect } from "effect"
import { AccessDenied } from "./Errors.js"
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
  "stock.manage"
] as const

/**
 * A permission name.
 *
 * @since 0.1.0
 * @category models
 */
export type Permission = (typeof Permissions)[number]

/**
 * Which roles hold which permission. `admin` holds all of them whatever the matrix says; `"*"`
 * grants a permission to every principal, whatever their roles.
 *
 * @since 0.1.0
 * @category models
 */
export type Matrix = { readonly [P in Permission]: ReadonlyArray<string> }

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
  "stock.manage": ["storage_manager", "asset_administrator", "asset_manager"]
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
 * Whether a principal holds a permission under a matrix.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isAllowed = (matrix: Matrix, principal: Principal, permission: Permission): boolean =>
  principal.roles.includes("admin") || matrix[permission].includes("*") ||
  principal.roles.some((role) => matrix[permission].includes(role))

/**
 * Succeeds with the current principal if it holds the permission, fails with
 * {@link AccessDenied} otherwise.
 *
 * @since 0.1.0
 * @category combinators
 */
export const authorize = (permission: Permission): Effect.Effect<Principal, AccessDenied, CurrentPrincipal> =>
  Effect.flatMap(Effect.all([CurrentPrincipal, PermissionMatrix]), ([principal, matrix]) =>
    isAllowed(matrix, principal, permission)
      ? Effect.succeed(principal)
      : Effect.fail(
        new AccessDenied({
          permission,
          userId: principal.userId,
          roles: principal.roles,
          message: `${principal.userId} (roles: ${principal.roles.join(", ") || "none"}) lacks the permission ${permission}; ` +
            `it is granted to ${["admin", ...matrix[permission]].join(", ")}`
        })
      ))
