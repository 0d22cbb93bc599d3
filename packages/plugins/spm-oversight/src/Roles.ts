/**
 * Seed 001's roles and what each may do, as plugin permissions with default roles.
 *
 * ServiceNow roles contain roles: the agents contain `it_project_user`, the managers contain
 * `order_creator`, `it_project_user` contains `order_viewer`, and `it_project_admin` contains
 * `it_project_user` and `order_creator`. The grants below are already flattened, so a principal
 * needs only its own role. `admin` holds every permission (Procura's rule). `it_project_manager`
 * (PPM's project manager, who closes what does not close by itself) is added beside seed 001's
 * roles.
 *
 * @since 0.1.0
 */
import type { Access, Plugin } from "@procura/core"

/**
 * Seed 001's roles (and PPM's project manager), as principals carry them.
 *
 * @since 0.1.0
 * @category constants
 */
export const Roles = [
  "order_fulfilment_agent",
  "service_order_agent",
  "order_fulfilment_manager",
  "service_order_manager",
  "it_project_user",
  "it_project_admin",
  "it_project_manager"
] as const

/**
 * One of the plugin's roles.
 *
 * @since 0.1.0
 * @category models
 */
export type Role = (typeof Roles)[number]

/**
 * Who each role is, in seed 001's words.
 *
 * @since 0.1.0
 * @category constants
 */
export const roleDescriptions: { readonly [R in Role]: string } = {
  order_fulfilment_agent: "works product order tasks; reads projects and the order-to-project related lists (contains it_project_user)",
  service_order_agent: "works service and resource order tasks; reads projects and the related lists (contains it_project_user)",
  order_fulfilment_manager: "reviews and approves order lines, posts notes for the project manager (contains order_creator)",
  service_order_manager: "approves service orders, posts notes for the project manager (contains order_creator)",
  it_project_user: "reads projects, templates and the order-to-project related lists (contains order_viewer)",
  it_project_admin: "writes the related lists (links order lines and order tasks to projects), manages projects (contains it_project_user, order_creator)",
  it_project_manager: "manages projects: closes or skips tasks by hand, above all when auto-closure is off"
}

const agents = ["order_fulfilment_agent", "service_order_agent"] as const
const managers = ["order_fulfilment_manager", "service_order_manager"] as const
const projectUsers = [...agents, "it_project_user", "it_project_admin", "it_project_manager"] as const

/**
 * The plugin's permissions, with the roles that hold each by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const permissions = {
  "spm-oversight/order.read": {
    description: "Read customer orders, lines, domain orders, order tasks and their notes",
    roles: [...agents, ...managers, "it_project_user", "it_project_admin"]
  },
  "spm-oversight/order.create": {
    description: "Create customer orders and change them in flight (order_creator)",
    roles: [...managers, "it_project_admin"]
  },
  "spm-oversight/order.approve": {
    description: "Approve order lines, which starts project oversight",
    roles: [...managers]
  },
  "spm-oversight/order.fulfil": {
    description: "Record decomposition (domain orders, order tasks) and fulfilment state changes",
    roles: [...agents]
  },
  "spm-oversight/order.note": {
    description: "Post work notes and comments on order lines, domain orders and order tasks",
    roles: [...agents, ...managers]
  },
  "spm-oversight/order.request_project": {
    description: "Ask for one project over a whole (large) order",
    roles: [...agents, ...managers]
  },
  "spm-oversight/project.read": {
    description: "Read programs, projects, project tasks and project notes (the Project form)",
    roles: [...projectUsers]
  },
  "spm-oversight/project.manage": {
    description: "Set the state of programs, projects and project tasks by hand",
    roles: ["it_project_admin", "it_project_manager"]
  },
  "spm-oversight/relationship.read": {
    description: "Read the related lists: order line <-> project, site location <-> site project, domain order and order task <-> project task",
    roles: [...agents, ...managers, "it_project_user", "it_project_admin", "it_project_manager"]
  },
  "spm-oversight/relationship.manage": {
    description: "Write the related lists: link order lines to projects and order tasks to project tasks by hand",
    roles: ["it_project_admin"]
  },
  "spm-oversight/template.read": {
    description: "Read the project templates (Project Template Creation)",
    roles: [...agents, "it_project_user", "it_project_admin", "it_project_manager"]
  }
} as const satisfies Readonly<Record<Access.PluginPermission, Plugin.PermissionDeclaration>>

/**
 * One of the plugin's permissions.
 *
 * @since 0.1.0
 * @category models
 */
export type Permission = keyof typeof permissions
