/**
 * What a `procuraApi` credential holds, checked: where the data is, who every run is, and the
 * plugin configuration file. Private to the package.
 */
import { resolve } from "node:path"

/**
 * A Procura connection: embedded PGlite in a data directory or PostgreSQL at a URL, a principal
 * (`USER@TENANT:ROLE[,ROLE]`) and an optional plugin configuration file.
 */
export interface Connection {
  readonly storage: { readonly dataDir: string } | { readonly databaseUrl: string }
  readonly principal: string
  readonly config: string | undefined
}

/** A credential that cannot be used, with what to fix. */
export class InvalidCredential extends Error {
  readonly _tag = "InvalidCredential"
}

const text = (value: unknown): string => (typeof value === "string" ? value.trim() : "")

/**
 * Reads a `procuraApi` credential's fields into a {@link Connection}; throws
 * {@link InvalidCredential} naming the field that is missing.
 */
export const connectionOf = (fields: { readonly [name: string]: unknown }): Connection => {
  const principal = text(fields["principal"])
  if (principal === "") throw new InvalidCredential("The Procura credential has no principal: give USER@TENANT:ROLE[,ROLE]")
  const config = text(fields["configFile"])
  const common = { principal, config: config === "" ? undefined : config }
  if (fields["storage"] === "postgres") {
    const databaseUrl = text(fields["databaseUrl"])
    if (databaseUrl === "") throw new InvalidCredential("The Procura credential chooses PostgreSQL but has no database URL")
    return { ...common, storage: { databaseUrl } }
  }
  const dataDir = text(fields["dataDir"])
  if (dataDir === "") throw new InvalidCredential("The Procura credential chooses embedded storage but has no data directory")
  return { ...common, storage: { dataDir: resolve(dataDir) } }
}

/**
 * Identifies the store a connection reaches, without secrets: `pglite:<directory>`, or
 * `postgres:<host/database>` (the URL's credentials left out). A trigger's checkpoint belongs to
 * one store and tenant.
 */
export const storeOf = (connection: Connection): string => {
  if ("dataDir" in connection.storage) return `pglite:${connection.storage.dataDir}`
  try {
    const url = new URL(connection.storage.databaseUrl)
    return `postgres:${url.host}${url.pathname}`
  } catch {
    return "postgres:(unparsed URL)"
  }
}

/** The tenant of a principal text (`USER@TENANT:ROLES`); empty when malformed (opening refuses it). */
export const tenantOf = (principal: string): string => /^[^@:]+@([^:]+):/.exec(principal)?.[1] ?? ""
