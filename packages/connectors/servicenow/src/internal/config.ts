/** The configuration keys the ServiceNow connectors share. */
import { z } from "zod"

const fieldName = z.string().regex(/^[a-z][a-z0-9_]*$/, "a field name: lower case letters, digits and _")

export const correlationField = fieldName.default("correlation_id")
  .describe("the field holding the Procura id on every mirrored table (add u_procura_id where a table has no correlation_id)")

export const userField = fieldName.default("user_name").describe("the sys_user field Procura user ids are matched against")

export const locationField = fieldName.default("name").describe("the cmn_location field Procura location ids are matched against")

export const overlapSeconds = z.number().int().min(0).max(3600).default(5)
  .describe("seconds of changes each inbound pull reads again, for records updated in the same second as the watermark")
