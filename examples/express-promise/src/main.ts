/**
 * Starts the Express host: Procura on embedded PGlite in `PROCURA_DATA_DIR` (default
 * `.procura/data`), or on PostgreSQL when `PROCURA_DATABASE_URL` is set; listens on `PORT`
 * (default 3000, `0` for any free port) and prints how to call it.
 *
 * On SIGTERM or SIGINT it stops accepting connections, lets the requests in flight finish (for
 * up to 10 seconds; then their connections are closed, which aborts their Procura calls),
 * disposes Procura and exits 0.
 */
import { createProcura } from "@procura/core/promise"
import { SqlStorage } from "@procura/storage-sql"
import type { AddressInfo } from "node:net"
import { createApp } from "./app.js"
import { ensureDemoCatalog } from "./demoCatalog.js"
import { people, principalOf } from "./identity.js"

const port = Number(process.env["PORT"] ?? 3000)
const dataDir = process.env["PROCURA_DATA_DIR"] ?? ".procura/data"
const onPostgres = process.env["PROCURA_DATABASE_URL"] !== undefined
const graceMillis = 10_000

const procura = createProcura({
  // The one place a storage layer is named; layerPgConfig reads PROCURA_DATABASE_URL.
  storage: onPostgres ? SqlStorage.layerPgConfig() : SqlStorage.layerPglite({ dataDir })
})
await procura.ready()
const laptopId = await ensureDemoCatalog(procura)

const app = createApp(procura, (request) => principalOf(request.get("authorization")))
const server = app.listen(port, "127.0.0.1", (error) => {
  if (error !== undefined) throw error
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  console.log(`Procura on Express at ${url} (${onPostgres ? "PostgreSQL at PROCURA_DATABASE_URL" : `PGlite in ${dataDir}`})`)
  console.log(`callers (Authorization: Bearer <token>): ${[...people].map(([token, { roles }]) => `${token} (${roles.join(", ")})`).join(", ")}`)
  console.log("ask for two laptops:")
  console.log(
    `  curl -s ${url}/requests -H 'authorization: Bearer rae-token' -H 'content-type: application/json' ` +
      `-d '{"lines":[{"catalogItemId":"${laptopId}","quantity":2}]}'`
  )
  console.log("then approve, order, submit and receive it: see README.md. Ctrl-C stops.")
})

let stopping = false
const shutDown = (signal: NodeJS.Signals) => {
  if (stopping) return
  stopping = true
  server.close(() => {
    procura.dispose().then(
      () => console.log("stopped"),
      (error: unknown) => {
        console.error("could not close Procura's storage", error)
        process.exitCode = 1
      }
    )
  })
  console.log(`${signal}: shutting down, finishing the requests in flight`)
  // Requests still running after the grace period lose their connection, which aborts their calls.
  setTimeout(() => server.closeAllConnections(), graceMillis).unref()
}
process.on("SIGTERM", shutDown)
process.on("SIGINT", shutDown)
