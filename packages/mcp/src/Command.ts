/**
 * The `procura-mcp` command: opens a Procura host (`Host.open` of `@procura/cli`) and serves its
 * operations as MCP tools, over stdio (the default) or streamable HTTP.
 *
 * ```sh
 * procura-mcp --as pat@acme:procurement_manager [--config procura.config.yaml] [--data-dir DIR | --database-url URL]
 * procura-mcp --as pat@acme:procurement_manager --http [--port 3333] [--host 127.0.0.1] [--token-file FILE]
 * ```
 *
 * @since 0.1.0
 */
import { Host } from "@procura/cli"
import { readFileSync } from "node:fs"
import { parseArgs } from "node:util"
import * as Mcp from "./Mcp.js"

/**
 * The `procura-mcp` usage text.
 *
 * @since 0.1.0
 * @category constants
 */
export const usage = `procura-mcp: Procura's operations as Model Context Protocol tools

Usage:
  procura-mcp --as USER@TENANT:ROLE[,ROLE] [--config FILE] [--data-dir DIR | --database-url URL]
      Serve over stdio (what an MCP client runs). Every tool call runs as this principal: its
      permission checked, its input validated, its events recorded as done by USER.
  procura-mcp --as USER@TENANT:ROLE[,ROLE] --http [--port N] [--host ADDRESS] [--allowed-host NAME]...
              [--token-file FILE | --unauthenticated]
      Serve over streamable HTTP at http://ADDRESS:N/mcp (default 127.0.0.1, port 3333). Requests
      whose Host or Origin is not loopback or an --allowed-host are refused. With --token-file
      or PROCURA_MCP_TOKEN, requests need Authorization: Bearer <token> (at least 32 characters).
      A line of the file is TOKEN (runs as --as) or TOKEN USER@TENANT:ROLE[,ROLE] (runs as that
      principal: one server for a team); # starts a comment. Without a token anyone who reaches
      the port acts as the principal, so an ADDRESS other than loopback needs a token, or
      --unauthenticated behind a proxy that authenticates. Stops on SIGINT or SIGTERM.

  --config FILE enables plugins (JSON or YAML, as for \`procura --config\`): their operations become
  tools too. Without --data-dir or --database-url, PROCURA_DATABASE_URL when set, else embedded
  PGlite in .procura/data. PROCURA_AS and PROCURA_CONFIG stand for --as and --config.
  Exit codes: 0 done, 1 failed (invalid configuration, storage that does not start), 2 a usage
  error (unknown flag, missing or malformed principal, unknown role, missing configuration file).
`

/**
 * Where the command writes (never stdout: on stdio, that is the protocol's), and what stops it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Io {
  readonly err: (text: string) => void
  /** Stops an HTTP server as SIGINT or SIGTERM do. */
  readonly signal?: AbortSignal | undefined
  /** The environment; `process.env` by default. */
  readonly env?: { readonly [name: string]: string | undefined } | undefined
}

const defaultIo: Io = { err: (text) => process.stderr.write(text) }

const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)

/** Whether an address to bind is loopback: only this machine reaches it. */
const isLoopback = (address: string): boolean =>
  address === "localhost" || address === "::1" || address === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(address)

/** A bearer token of the command's configuration, and where it was given (for messages). */
interface GivenToken {
  readonly token: string
  /** `USER@TENANT:ROLE[,ROLE]` from the token file; the server's principal when absent. */
  readonly principal?: string | undefined
  readonly where: string
}

/**
 * The bearer tokens of `--token-file` and `PROCURA_MCP_TOKEN`, each checked for length, or what is
 * wrong with them. A line of the file is a token, optionally followed by the principal it runs as;
 * blank lines and lines starting with `#` are skipped. A token may appear once.
 */
const bearerTokens = (file: string | undefined, fromEnv: string | undefined): ReadonlyArray<GivenToken> | string => {
  const tokens: Array<GivenToken> = []
  if (file !== undefined) {
    let text: string
    try {
      text = readFileSync(file, "utf8")
    } catch (error) {
      return `cannot read --token-file ${file}: ${describeError(error)}`
    }
    for (const [index, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim()
      if (line === "" || line.startsWith("#")) continue
      const where = `--token-file ${file}, line ${index + 1}`
      const [token, principal, ...rest] = line.split(/\s+/)
      if (rest.length > 0) return `${where}: give TOKEN, or TOKEN USER@TENANT:ROLE[,ROLE] (no spaces in either)`
      tokens.push({ token: token!, principal, where })
    }
    if (tokens.length === 0) return `--token-file ${file} has no token (one a line, at least ${Mcp.minimumTokenLength} characters)`
  }
  const envToken = fromEnv?.trim() ?? ""
  if (envToken !== "") tokens.push({ token: envToken, where: "PROCURA_MCP_TOKEN" })
  const weak = Mcp.weakBearerToken(tokens.map((given) => given.token))
  if (weak !== undefined) {
    return `${tokens[weak.index]!.where}: the token has ${weak.length} characters; a bearer token needs at least ${Mcp.minimumTokenLength} (openssl rand -hex 16 prints one)`
  }
  for (const [index, given] of tokens.entries()) {
    const first = tokens.findIndex((other) => other.token === given.token)
    if (first < index) return `${given.where}: the same token as ${tokens[first]!.where}; each token once`
  }
  return tokens
}

/**
 * Runs the command on its arguments (without `node` and the script) until the client closes stdin
 * or, over HTTP, until SIGINT, SIGTERM or `io.signal`; resolves with the exit code.
 *
 * @since 0.1.0
 * @category constructors
 */
export const main = async (argv: ReadonlyArray<string>, io: Io = defaultIo): Promise<number> => {
  const env = io.env ?? process.env
  let values
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        as: { type: "string" },
        config: { type: "string" },
        "data-dir": { type: "string" },
        "database-url": { type: "string" },
        http: { type: "boolean" },
        port: { type: "string" },
        host: { type: "string" },
        "allowed-host": { type: "string", multiple: true },
        "token-file": { type: "string" },
        unauthenticated: { type: "boolean" },
        help: { type: "boolean", short: "h" }
      },
      strict: true,
      allowPositionals: false
    }).values
  } catch (error) {
    io.err(`procura-mcp: ${describeError(error)}\n\n${usage}`)
    return 2
  }
  if (values.help === true) {
    io.err(usage)
    return 0
  }
  const port = values.port === undefined ? 3333 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    io.err(`procura-mcp: --port takes a port number (0 to 65535), got ${values.port}\n`)
    return 2
  }
  const principal = values.as ?? env["PROCURA_AS"]
  if (principal === undefined || principal === "") {
    io.err(`procura-mcp: give the principal every tool runs as: --as USER@TENANT:ROLE[,ROLE] (or PROCURA_AS)\n\n${usage}`)
    return 2
  }
  const config = values.config ?? (env["PROCURA_CONFIG"] || undefined)
  if (values.http !== true && (values["token-file"] !== undefined || values.unauthenticated === true)) {
    io.err(`procura-mcp: --token-file and --unauthenticated are for --http (over stdio, the client that starts the server is the only one)\n`)
    return 2
  }
  const address = values.host ?? "127.0.0.1"
  // Over stdio there are no tokens: PROCURA_MCP_TOKEN set for an HTTP server elsewhere is ignored.
  const tokens = values.http === true ? bearerTokens(values["token-file"], env["PROCURA_MCP_TOKEN"]) : []
  if (typeof tokens === "string") {
    io.err(`procura-mcp: ${tokens}\n`)
    return 2
  }
  if (values.http === true && tokens.length === 0 && values.unauthenticated !== true && !isLoopback(address)) {
    io.err(
      `procura-mcp: --host ${address} serves other machines, and without a token anyone who reaches it acts as the principal: ` +
        "give --token-file FILE (or PROCURA_MCP_TOKEN), or --unauthenticated when a proxy in front authenticates\n"
    )
    return 2
  }

  let host: Host.Host
  try {
    host = await Host.open({
      principal,
      config,
      storage: { dataDir: values["data-dir"], databaseUrl: values["database-url"] },
      env
    })
  } catch (error) {
    if (error instanceof Host.InvalidConfig) {
      io.err(`${error.message}\n`)
      return 1
    }
    if (error instanceof Host.MissingConfigFile || error instanceof Host.InvalidPrincipal || error instanceof Host.UnknownRoles) {
      io.err(`procura-mcp: ${error.message}\n`)
      return 2
    }
    throw error
  }
  // Each token's principal, checked against the roles the host knows, before the storage starts.
  const principals: Array<Mcp.BearerToken> = []
  const people = new Set<string>()
  for (const given of tokens) {
    if (given.principal === undefined) {
      principals.push(given.token)
      people.add(host.principal.userId)
      continue
    }
    try {
      const principal = Host.principal(given.principal, host.composition)
      principals.push({ token: given.token, principal })
      people.add(principal.userId)
    } catch (error) {
      await host.dispose()
      io.err(`procura-mcp: ${given.where}: ${describeError(error)}\n`)
      return 2
    }
  }
  const onError = (error: unknown, tool: string) => {
    const problem = host.toProblem(error)
    // What a 5xx problem's generic message hides, for the operator (stderr, never stdout).
    if (problem.status >= 500) io.err(`procura-mcp: ${tool} failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`)
  }
  const storageProblem = (error: unknown) =>
    io.err(`procura-mcp: the storage (${host.storageDescription}) did not start: ${describeError(error)}\n`)
  try {
    if (values.http !== true) {
      // The handshake does not wait for the storage (a first PGlite start takes seconds, and clients
      // time out their initialize); tool calls do. A storage that cannot start ends the server.
      const served = await Mcp.serveStdio(host, { onError })
      io.err(`procura-mcp: serving ${host.catalogue.size} tools over stdio as ${host.principal.userId}@${host.principal.tenantId} on ${host.storageDescription}\n`)
      let failed = false
      host.ready().catch((error: unknown) => {
        failed = true
        storageProblem(error)
        return served.close()
      })
      await served.closed
      return failed ? 1 : 0
    }
    try {
      await host.ready()
    } catch (error) {
      storageProblem(error)
      return 1
    }
    let served: Mcp.HttpHandle
    try {
      served = await Mcp.serveHttp(host, {
        onError,
        port,
        host: address,
        allowedHosts: values["allowed-host"] ?? [],
        bearerTokens: principals
      })
    } catch (error) {
      io.err(`procura-mcp: cannot listen on ${address}:${port}: ${describeError(error)}\n`)
      return 1
    }
    io.err(
      `procura-mcp: serving ${host.catalogue.size} tools at ${served.url} as ${host.principal.userId}@${host.principal.tenantId} on ${host.storageDescription}` +
        `${tokens.length === 0 ? ", without authentication" : `, to holders of ${tokens.length === 1 ? "the bearer token" : `one of ${tokens.length} bearer tokens`} (running as ${[...people].join(", ")})`}\n`
    )
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop)
        process.off("SIGTERM", stop)
        io.signal?.removeEventListener("abort", stop)
        resolve()
      }
      process.once("SIGINT", stop)
      process.once("SIGTERM", stop)
      io.signal?.addEventListener("abort", stop, { once: true })
      if (io.signal?.aborted === true) stop()
    })
    await served.close()
    io.err("procura-mcp: stopped\n")
    return 0
  } finally {
    await host.dispose()
  }
}
