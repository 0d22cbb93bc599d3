/**
 * The records connectors keep in Procura storage: mapping records (a Procura id and the external
 * id it has in a connector's system, per connector, tenant and entity kind, unique on both sides)
 * and inbound watermarks (how far a connector has pulled, per connector and tenant). Core
 * infrastructure, written only by `Connector.ts` (the public face), not by any domain module.
 */
import { z } from "zod"
import * as Storage from "../../Storage.js"

/**
 * A mapping record: the Procura record `procuraId` of kind `kind` is `externalId` in the
 * connector's system.
 */
export const ConnectorLink = z.object({
  id: z.string(),
  version: z.number().int(),
  connector: z.string(),
  kind: z.string(),
  procuraId: z.string(),
  externalId: z.string(),
  linkedAt: z.string()
})
export type ConnectorLink = z.infer<typeof ConnectorLink>

// Typed (not inferred) so the ownership test does not take internal/ for a domain module.
export const connectorLinks: Storage.Collection<ConnectorLink> = Storage.collection({
  name: "connector_links",
  schema: ConnectorLink,
  fields: { connector: "string", kind: "string", procuraId: "string", externalId: "string" },
  // The id looked up leads each key, so a lookup uses its own index even before the planner has statistics.
  unique: [["procuraId", "connector", "kind"], ["externalId", "connector", "kind"]]
})

/** How far a connector has pulled from its system, for the tenant the record belongs to. */
export const ConnectorWatermark = z.object({
  id: z.string(),
  version: z.number().int(),
  connector: z.string(),
  watermark: z.string(),
  updatedAt: z.string()
})
export type ConnectorWatermark = z.infer<typeof ConnectorWatermark>

export const connectorWatermarks: Storage.Collection<ConnectorWatermark> = Storage.collection({
  name: "connector_watermarks",
  schema: ConnectorWatermark,
  fields: { connector: "string" },
  unique: [["connector"]]
})
