/**
 * The open Procura hosts of this n8n process, shared by the executions and polls that use the same
 * store. Private to the package.
 *
 * n8n creates a node type once and calls it for every execution, so the hosts live in the
 * process's pool (`Host.share` of `@procura/cli`): one host per store and plugin configuration
 * file, each credential running as its own principal on it, so an embedded PGlite directory is
 * opened once whatever the credentials on it. A host stays open for {@link idleMillis} after its
 * last use, so a workflow running every minute does not start the store each time (embedded
 * PGlite takes seconds to start). Hosts that failed to open are not kept.
 */
import { Host } from "@procura/cli"
import type { Connection } from "./connection.js"

/** How long an unused host stays open. */
export const idleMillis = 30_000

/**
 * Runs `use` with the process's host for a connection, as its principal, and gives the host back
 * after. Rejects with what opening rejected with (`Host.InvalidPrincipal`, `Host.MissingConfigFile`,
 * ...) or what `use` rejected with.
 */
export const withHost = async <A>(connection: Connection, use: (host: Host.Shared) => Promise<A>): Promise<A> => {
  const shared = await Host.share({ principal: connection.principal, storage: connection.storage, config: connection.config, idleMillis })
  try {
    return await use(shared)
  } finally {
    await shared.release()
  }
}

/** Closes every open host (tests, and a process shutting down). */
export const closeAll = (): Promise<void> => Host.closeShared()
