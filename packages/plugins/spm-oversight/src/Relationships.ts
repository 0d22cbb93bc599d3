/**
 * The relationships between the order side and the project side (seed 001's related lists),
 * each navigable both ways:
 *
 * | kind | from | to | ServiceNow |
 * | --- | --- | --- | --- |
 * | `order_line_project` | order line | project | `sn_ind_tmt_orm_order_line_rel_task` |
 * | `site_location_project` | site location id | site project | "the relationship table" |
 * | `domain_order_project_task` | domain order | project task | `task_rel_task` |
 * | `order_task_project_task` | order task | project task | `task_rel_task` |
 *
 * Oversight records them as it creates projects and tasks; an IT project administrator may add
 * them by hand. A record links to at most one project (task) of each kind; many records may link
 * to one project task (the planned tasks that later order tasks join).
 *
 * @since 0.1.0
 */
import { Storage } from "@procura/core"
import { z } from "zod"

/**
 * The kinds of relationship.
 *
 * @since 0.1.0
 * @category models
 */
export const LinkKind = z.enum(["order_line_project", "site_location_project", "domain_order_project_task", "order_task_project_task"])

/**
 * A relationship kind.
 *
 * @since 0.1.0
 * @category models
 */
export type LinkKind = z.infer<typeof LinkKind>

/**
 * One relationship: `fromId` on the order side, `toId` on the project side; `manual` when an
 * administrator made it rather than oversight.
 *
 * @since 0.1.0
 * @category models
 */
export const Link = z.object({
  id: z.string(),
  version: z.number().int(),
  kind: LinkKind,
  fromId: z.string(),
  toId: z.string(),
  orderId: z.string().optional(),
  manual: z.boolean(),
  createdBy: z.string(),
  createdAt: z.string()
})

/**
 * A relationship.
 *
 * @since 0.1.0
 * @category models
 */
export type Link = z.infer<typeof Link>

/**
 * Where relationships are stored; indexed from both ends.
 *
 * @since 0.1.0
 * @category collections
 */
export const links = Storage.collection({
  name: "oversight_links",
  schema: Link,
  fields: { kind: "string", fromId: "string", toId: "string", orderId: "string" },
  indexes: [["kind", "fromId"], ["kind", "toId"]],
  unique: [["kind", "fromId", "toId"]]
})

/**
 * The relationship collections.
 *
 * @since 0.1.0
 * @category collections
 */
export const collections = [links] as const
