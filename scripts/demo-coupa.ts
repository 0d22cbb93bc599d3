/**
 * `pnpm demo:coupa`: the demo pushed to a simulated Coupa instance. Starts the testkit's Coupa
 * simulator (in process, on `fetch`), runs `procura demo --coupa` against it (the connector reads
 * COUPA_* as against a real instance), then prints what arrived in each resource. Arguments go to
 * the demo (`--requests 10`).
 */
import { Cli } from "@procura/cli"
import { CoupaSimulator } from "@procura/testkit"

const instanceUrl = "https://demo.coupahost.test"
const sim = CoupaSimulator.make({ instanceUrl, rateLimit: { perSecond: 25, burst: 20 } })
sim.listen()
Object.assign(process.env, {
  COUPA_INSTANCE_URL: instanceUrl,
  COUPA_CLIENT_ID: CoupaSimulator.defaultClient.clientId,
  COUPA_CLIENT_SECRET: CoupaSimulator.defaultClient.clientSecret,
  COUPA_SCOPES: CoupaSimulator.defaultClient.scopes.join(" ")
})
console.log(`Simulated Coupa instance at ${instanceUrl} (25 requests per second, bursts of 20)\n`)
const code = await Cli.main(["demo", "--coupa", ...process.argv.slice(2)])
if (code === 0) {
  console.log("\nWhat arrived in the simulated instance:")
  for (const resource of CoupaSimulator.resources) {
    const records = sim.records(resource)
    if (records.length === 0) continue
    const statuses = new Map<string, number>()
    for (const record of records) statuses.set(String(record["status"] ?? "-"), (statuses.get(String(record["status"] ?? "-")) ?? 0) + 1)
    console.log(`  ${resource.padEnd(24)} ${String(records.length).padStart(6)}   ${[...statuses].map(([s, n]) => `${s} ${n}`).join(", ")}`)
  }
  const api = sim.requests().filter((request) => request.path.startsWith("/api/"))
  console.log(`  ${api.length} requests answered, ${api.filter((request) => request.status === 429).length} of them 429`)
}
sim.close()
process.exit(code)
