/**
 * Starts Fastify with the Procura plugin: Procura on embedded PGlite in `PROCURA_DATA_DIR`
 * (default `.procura/data`), or on PostgreSQL when `PROCURA_DATABASE_URL` is set; listens on
 * `PORT` (default 3000, `0` for any free port) and prints how to call it.
 *
 * On SIGTERM or SIGINT, `fastify.close()` stops accepting connections, lets the requests in
 * flight finish, and its onClose hook disposes Procura.
 */
import { SqlStorage } from "@procura/storage-sql"
import Fastify from "fastify"
import { people, principalOf } from "./identity.js"
import { procuraPlugin } from "./procuraPlugin.js"

const port = Number(process.env["PORT"] ?? 3000)
const dataDir = process.env["PROCURA_DATA_DIR"] ?? ".procura/data"
const onPostgres = process.env["PROCURA_DATABASE_URL"] !== undefined

const fastify = Fastify({ logger: { level: process.env["LOG_LEVEL"] ?? "warn" } })
await fastify.register(procuraPlugin, {
  // The one place a storage layer is named; layerPgConfig reads PROCURA_DATABASE_URL.
  storage: onPostgres ? SqlStorage.layerPgConfig() : SqlStorage.layerPglite({ dataDir }),
  principalOf: (request) => principalOf(request.headers.authorization)
})
const url = await fastify.listen({ port, host: "127.0.0.1" })

console.log(`Procura on Fastify at ${url} (${onPostgres ? "PostgreSQL at PROCURA_DATABASE_URL" : `PGlite in ${dataDir}`})`)
console.log(`${fastify.procura.operations.size} operations at POST ${url}/operations/<operation id>`)
console.log(`callers (Authorization: Bearer <token>): ${[...people].map(([token, { roles }]) => `${token} (${roles.join(", ")})`).join(", ")}`)
console.log("create a vendor:")
console.log(
  `  curl -s ${url}/operations/catalog.createVendor -H 'authorization: Bearer pat-token' -H 'content-type: application/json' ` +
    `-d '{"code":"DELL","name":"Dell Technologies"}'`
)
console.log("the whole flow is in README.md. Ctrl-C stops.")

let stopping = false
const shutDown = (signal: NodeJS.Signals) => {
  if (stopping) return
  stopping = true
  console.log(`${signal}: shutting down, finishing the requests in flight`)
  fastify.close().then(
    () => console.log("stopped"),
    (error: unknown) => {
      console.error("could not close cleanly", error)
      process.exitCode = 1
    }
  )
}
process.on("SIGTERM", shutDown)
process.on("SIGINT", shutDown)
