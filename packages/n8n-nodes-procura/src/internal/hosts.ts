/**
 * The open Procura hosts of this n8n process, shared by the executions and polls that use the same
 * credential. Private to the package.
 *
 * n8n creates a node type once and calls it for every execution, so the hosts live here, in the
 * module, not in a node instance. A host stays open while it is used and for {@link idleMillis}
 * after, so a workflow running every minute does not start the store each time (embedded PGlite
 * takes seconds to start). An embedded data directory is open at most once in the process
 * (PGlite is one process's database): a credential for the same directory with another principal
 * waits until the open one is idle, then replaces it. Hosts that failed to open are not kept.
 */
import { Host } from "@procura/cli"
import { type Connection, storeOf } from "./connection.js"

/** How long an unused host stays open. */
export const idleMillis = 30_000

interface Entry {
  readonly key: string
  readonly store: string
  readonly exclusive: boolean
  readonly host: Promise<Host.Host>
  users: number
  timer: ReturnType<typeof setTimeout> | undefined
  closing: Promise<void> | undefined
  idle: Array<() => void>
}

const entries = new Map<string, Entry>()

const keyOf = (connection: Connection): string => JSON.stringify([storeOf(connection), connection.storage, connection.principal, connection.config ?? null])

const close = (entry: Entry): Promise<void> => {
  if (entry.closing !== undefined) return entry.closing
  if (entry.timer !== undefined) clearTimeout(entry.timer)
  entry.closing = entry.host
    .then((host) => host.dispose(), () => undefined)
    .finally(() => {
      if (entries.get(entry.key) === entry) entries.delete(entry.key)
    })
  return entry.closing
}

const open = (connection: Connection, key: string): Entry => {
  const host = Host.open({
    principal: connection.principal,
    storage: connection.storage,
    ...(connection.config === undefined ? {} : { config: connection.config })
  })
  const entry: Entry = {
    key,
    store: storeOf(connection),
    exclusive: "dataDir" in connection.storage,
    host,
    users: 0,
    timer: undefined,
    closing: undefined,
    idle: []
  }
  // A host that did not open is not kept: the next call tries again (after the credential is fixed).
  host.catch(() => {
    if (entries.get(key) === entry) entries.delete(key)
  })
  entries.set(key, entry)
  return entry
}

const acquire = async (connection: Connection): Promise<Entry> => {
  const key = keyOf(connection)
  const store = storeOf(connection)
  while (true) {
    const existing = entries.get(key)
    if (existing !== undefined) {
      if (existing.closing !== undefined) {
        await existing.closing
        continue
      }
      existing.users++
      if (existing.timer !== undefined) clearTimeout(existing.timer)
      existing.timer = undefined
      return existing
    }
    const rival = [...entries.values()].find((entry) => entry.exclusive && entry.store === store)
    if (rival !== undefined) {
      if (rival.users > 0) await new Promise<void>((resume) => rival.idle.push(resume))
      else await close(rival)
      continue
    }
    const entry = open(connection, key)
    entry.users++
    return entry
  }
}

const release = (entry: Entry): void => {
  entry.users--
  if (entry.users > 0) return
  const waiting = entry.idle.splice(0)
  if (waiting.length > 0) {
    for (const resume of waiting) resume()
    return
  }
  entry.timer = setTimeout(() => void close(entry), idleMillis)
  entry.timer.unref()
}

/**
 * Runs `use` with the open host of a connection (opening it when none is), and releases it after.
 * Rejects with what opening rejected with (`Host.InvalidPrincipal`, `Host.MissingConfigFile`, ...)
 * or what `use` rejected with.
 */
export const withHost = async <A>(connection: Connection, use: (host: Host.Host) => Promise<A>): Promise<A> => {
  const entry = await acquire(connection)
  try {
    return await use(await entry.host)
  } finally {
    release(entry)
  }
}

/** Closes every open host (tests, and a process shutting down). */
export const closeAll = async (): Promise<void> => {
  await Promise.all([...entries.values()].map(close))
}
