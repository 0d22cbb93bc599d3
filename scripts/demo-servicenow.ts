/**
 * `pnpm demo:servicenow`: the demo mirrored to a simulated ServiceNow instance. Starts the
 * testkit's simulator (ITAM, SPO and SPM tables and rules) on a loopback HTTP server, runs
 * `procura demo --servicenow` against it (the connectors read SERVICENOW_* as against a real
 * instance), then prints what arrived in each table. Arguments go to the demo (`--requests 10`).
 */
import { Cli } from "@procura/cli"
import { ServiceNowLoopback, ServiceNowTables } from "@procura/testkit"

const loopback = await ServiceNowLoopback.serve({
  auth: { basic: [{ username: "procura.demo", password: "demo-password" }] },
  latency: { min: 2, max: 8 },
  tables: { ...ServiceNowTables.itamSpo.tables, ...ServiceNowTables.spm.tables },
  rules: [...ServiceNowTables.itamSpo.rules, ...ServiceNowTables.spm.rules]
})
const sim = loopback.simulator
sim.seed("sys_user", [{ user_name: "sam.storekeeper" }])
Object.assign(process.env, {
  SERVICENOW_INSTANCE_URL: loopback.url,
  SERVICENOW_AUTH: "basic",
  SERVICENOW_USERNAME: "procura.demo",
  SERVICENOW_PASSWORD: "demo-password"
})
console.log(`Simulated ServiceNow instance at ${loopback.url} (ITAM, SPO and SPM tables)\n`)
const code = await Cli.main(["demo", "--servicenow", ...process.argv.slice(2)])
if (code === 0) {
  const mirrored = (record: Record<string, unknown>) => (record["correlation_id"] ?? "") !== "" || (record["external_id"] ?? "") !== ""
  const tables = [...Object.keys(ServiceNowTables.tables), ...Object.keys(ServiceNowTables.spm.tables)]
    .filter((table) => sim.records(table).some(mirrored))
  console.log("\nWhat arrived in the simulated instance:")
  for (const table of tables) {
    const records = sim.records(table)
    const example = records.find((record) => (record["number"] ?? "") !== "")
    console.log(`  ${table.padEnd(30)} ${String(records.length).padStart(6)}${example === undefined ? "" : `   e.g. ${example["number"]}`}`)
  }
  console.log(`  ${sim.stats().requests} requests answered`)
}
await loopback.close()
process.exit(code)
