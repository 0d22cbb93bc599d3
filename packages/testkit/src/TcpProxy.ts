/**
 * A small fault-injecting TCP proxy on loopback, for tests: it relays connections to a target
 * (a PostgreSQL server, say) and, on demand, cuts every open connection, holds traffic, or cuts a
 * connection when the client sends given bytes, either before they reach the target or after the
 * target received them but before its answer reaches the client. Plain Node (`node:net`); no
 * backpressure, no TLS: meant for small test traffic.
 *
 * ```ts
 * import { TcpProxy } from "@procura/testkit"
 *
 * const proxy = await TcpProxy.start({ target: { host: "127.0.0.1", port: 5432 } })
 * const url = proxy.url("postgres://postgres@127.0.0.1:5432/app") // through the proxy
 * // The next COMMIT never reaches the server: its transaction rolls back.
 * const cut = proxy.cutWhen(TcpProxy.pgQuery("COMMIT"), { when: "before" })
 * // ... run a command on `url`, then `await cut`
 * await proxy.close()
 * ```
 *
 * @since 0.3.0
 */
import * as Net from "node:net"

/**
 * Where the proxy relays connections to.
 *
 * @since 0.3.0
 * @category options
 */
export interface Target {
  readonly host: string
  readonly port: number
}

/**
 * Options of {@link start}.
 *
 * @since 0.3.0
 * @category options
 */
export interface StartOptions {
  /** Where connections are relayed to. */
  readonly target: Target
}

/**
 * When {@link Proxy.cutWhen} cuts the connection: `"before"` the matching client bytes are
 * forwarded (the target never sees them), or `"after"` forwarding them, when the target's next
 * bytes arrive and before they are relayed (the target acted on them; the client never learns).
 *
 * @since 0.3.0
 * @category options
 */
export interface CutOptions {
  readonly when: "before" | "after"
}

/**
 * A running proxy (see {@link start}).
 *
 * @since 0.3.0
 * @category models
 */
export interface Proxy {
  /** The port the proxy listens on, on 127.0.0.1. */
  readonly port: number
  /** The same URL with its host and port replaced by the proxy's. */
  readonly url: (databaseUrl: string) => string
  /** Destroys every open connection pair now (both sides). */
  readonly cutAll: () => void
  /**
   * Holds traffic both ways (connections stay open, bytes wait) for `ms` milliseconds, or until
   * {@link Proxy.resume} when `ms` is not given.
   */
  readonly stall: (ms?: number) => void
  /** Relays held traffic again. */
  readonly resume: () => void
  /**
   * Arms a one-shot fault: the next chunk a client sends that `matcher` accepts cuts its
   * connection, before or after forwarding it (see {@link CutOptions}). The promise resolves when
   * the connection was cut.
   */
  readonly cutWhen: (matcher: (clientBytes: Buffer) => boolean, options: CutOptions) => Promise<void>
  /** Disarms the faults armed by {@link Proxy.cutWhen} that have not fired. */
  readonly disarm: () => void
  /** How many connection pairs are open. */
  readonly connections: () => number
  /** How many connections were cut so far (by {@link Proxy.cutAll} or {@link Proxy.cutWhen}). */
  readonly cuts: () => number
  /** Cuts every connection and stops listening. */
  readonly close: () => Promise<void>
}

interface Pair {
  readonly client: Net.Socket
  readonly server: Net.Socket
  /** Set by an `"after"` fault: cut when the target's next bytes arrive. */
  cutOnAnswer: (() => void) | undefined
  closed: boolean
}

interface Rule {
  readonly matcher: (clientBytes: Buffer) => boolean
  readonly when: "before" | "after"
  readonly fired: () => void
}

/**
 * A matcher of {@link Proxy.cutWhen} for PostgreSQL: accepts client bytes carrying a query whose
 * text is `text` (a simple `Query` message or an extended-protocol `Parse` of an unnamed
 * statement), such as `"COMMIT"`. A statement the client runs again from a named prepared statement
 * goes out without its text, so turn the client's statement cache off (`prepare: false` for
 * `@effect/sql-pg`) on a connection whose queries are to be matched.
 *
 * @since 0.3.0
 * @category matchers
 */
export const pgQuery = (text: string) => (clientBytes: Buffer): boolean => {
  const needle = Buffer.from(`${text}\0`, "utf8")
  let at = clientBytes.indexOf(needle)
  while (at >= 0) {
    // A simple Query: 'Q', int32 length, the text. A Parse: 'P', int32 length, a statement name
    // (empty here: one NUL), the text.
    if (at >= 5 && clientBytes[at - 5] === 0x51) return true
    if (at >= 6 && clientBytes[at - 6] === 0x50 && clientBytes[at - 1] === 0) return true
    at = clientBytes.indexOf(needle, at + 1)
  }
  return false
}

/**
 * Starts a proxy on 127.0.0.1, on a random free port, relaying to `target`.
 *
 * @since 0.3.0
 * @category constructors
 */
export const start = (options: StartOptions): Promise<Proxy> => {
  const pairs = new Set<Pair>()
  let rules: Array<Rule> = []
  let stalled = false
  let stallTimer: ReturnType<typeof setTimeout> | undefined
  let cutCount = 0

  const cut = (pair: Pair) => {
    if (pair.closed) return
    pair.closed = true
    pairs.delete(pair)
    cutCount++
    pair.client.destroy()
    pair.server.destroy()
  }

  const end = (pair: Pair) => {
    if (pair.closed) return
    pair.closed = true
    pairs.delete(pair)
    pair.client.destroy()
    pair.server.destroy()
  }

  const server = Net.createServer((client) => {
    const upstream = Net.connect({ host: options.target.host, port: options.target.port })
    const pair: Pair = { client, server: upstream, cutOnAnswer: undefined, closed: false }
    pairs.add(pair)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    if (stalled) {
      client.pause()
      upstream.pause()
    }
    client.on("data", (chunk: Buffer) => {
      if (pair.closed) return
      const index = rules.findIndex((rule) => rule.matcher(chunk))
      if (index < 0) {
        upstream.write(chunk)
        return
      }
      const rule = rules[index]!
      rules = rules.filter((_, i) => i !== index)
      if (rule.when === "before") {
        cut(pair)
        rule.fired()
        return
      }
      pair.cutOnAnswer = () => {
        cut(pair)
        rule.fired()
      }
      upstream.write(chunk)
    })
    upstream.on("data", (chunk: Buffer) => {
      if (pair.closed) return
      if (pair.cutOnAnswer !== undefined) {
        pair.cutOnAnswer()
        return
      }
      client.write(chunk)
    })
    client.on("error", () => end(pair))
    upstream.on("error", () => end(pair))
    client.on("close", () => end(pair))
    upstream.on("close", () => end(pair))
  })

  const resume = () => {
    if (stallTimer !== undefined) clearTimeout(stallTimer)
    stallTimer = undefined
    stalled = false
    for (const pair of pairs) {
      pair.client.resume()
      pair.server.resume()
    }
  }

  return new Promise<Proxy>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject)
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resolve({
        port,
        url: (databaseUrl) => {
          const parsed = new URL(databaseUrl)
          parsed.hostname = "127.0.0.1"
          parsed.port = String(port)
          return parsed.toString()
        },
        cutAll: () => {
          for (const pair of pairs) cut(pair)
        },
        stall: (ms) => {
          stalled = true
          for (const pair of pairs) {
            pair.client.pause()
            pair.server.pause()
          }
          if (stallTimer !== undefined) clearTimeout(stallTimer)
          stallTimer = ms === undefined ? undefined : setTimeout(resume, ms)
        },
        resume,
        cutWhen: (matcher, cutOptions) =>
          new Promise<void>((fired) => {
            rules = [...rules, { matcher, when: cutOptions.when, fired: () => fired() }]
          }),
        disarm: () => {
          rules = []
        },
        connections: () => pairs.size,
        cuts: () => cutCount,
        close: () =>
          new Promise<void>((closed) => {
            resume()
            rules = []
            for (const pair of pairs) end(pair)
            server.close(() => closed())
          })
      })
    })
  })
}
