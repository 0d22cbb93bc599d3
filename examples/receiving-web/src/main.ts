/**
 * Starts the API and the receiving page: `npm run example receiving-web` from the repository
 * root, then open the printed address on a phone (same network; HOST=0.0.0.0) or a desktop.
 */
import { serve } from "@hono/node-server"
import { createProcura } from "@procura/core/promise"
import { developmentTokens, storageFromEnv, tokenTable } from "@procura/example-hono-api"
import { seed } from "./seed.js"
import { createReceivingApp } from "./server.js"

const { storage, description } = storageFromEnv()
const procura = createProcura({ storage })
await procura.ready()
const seeded = process.env["PROCURA_SEED"] === "0" ? undefined : await seed(procura)

const app = createReceivingApp({ procura, authenticate: tokenTable(developmentTokens) })
const port = Number(process.env["PORT"] ?? 3000)
const server = serve({ fetch: app.fetch, port, hostname: process.env["HOST"] ?? "127.0.0.1" }, (address) => {
  console.error(`Receiving page on http://${address.address}:${address.port}/receiving/ (storage: ${description})
  sign in with the token dev-storekeeper`)
  if (seeded) {
    console.error(`  codes to scan against order ${seeded.orderId.slice(0, 8)} (each line code is one unit; any new text is a serial number):
    ${seeded.lineCodes.join("\n    ")}
  the DHL shipment's serial numbers: ${seeded.advanceSerials.join(", ")}`)
  }
})

const stop = () => {
  server.close(() => void procura.dispose().then(() => process.exit(0)))
}
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
