/**
 * Where Procura keeps its data: PostgreSQL when `PROCURA_DATABASE_URL` is set, else embedded
 * PGlite (on disk in `PROCURA_DATA_DIR`, or in memory).
 */
import type { ProcuraOptions } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"

/** The storage layer the environment asks for, and a line saying which it is. */
export const storageFromEnv = (
  env: NodeJS.ProcessEnv = process.env
): { readonly storage: ProcuraOptions["storage"]; readonly description: string } => {
  if (env["PROCURA_DATABASE_URL"]) return { storage: SqlStorage.layerPgConfig(), description: "PostgreSQL (PROCURA_DATABASE_URL)" }
  const dataDir = env["PROCURA_DATA_DIR"]
  return dataDir
    ? { storage: SqlStorage.layerPglite({ dataDir }), description: `embedded PGlite in ${dataDir}` }
    : { storage: SqlStorage.layerPglite(), description: "embedded PGlite in memory (set PROCURA_DATA_DIR to keep the data)" }
}
