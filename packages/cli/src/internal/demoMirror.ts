/**
 * What the demo's connector parts share (`--servicenow`, `--coupa`): delivering the connectors'
 * events until none is left, then counting, per connector and external table, the records of the
 * tenant its mapping records point at.
 */
import { Connector, Delivery, type Plugin, Principal, Storage } from "@procura/core"
import { Effect, Stream } from "effect"

/** What was pushed: events delivered, and records per connector and external table. */
export interface Summary {
  readonly pushed: number
  readonly tables: ReadonlyArray<{ readonly connector: string; readonly table: string; readonly records: number }>
}

/** Per connector, the external table each mapping kind stands for (kinds not listed are not counted). */
export type Tables = Readonly<Record<string, Readonly<Record<string, string>>>>

/**
 * Delivers the connectors' events until none is left (one connector may follow what another
 * appends), failing on a dead letter, then counts the records pushed for the tenant.
 */
export const deliverAndCount = (composition: Plugin.Composition, tenantId: string, tables: Tables) =>
  Effect.gen(function*() {
    const outbound = new Set(Object.keys(tables).map(Connector.outboundSubscriberId))
    const subscribers = composition.subscribers.filter((subscriber) => outbound.has(subscriber.id))
    let pushed = 0
    while (true) {
      const reports = yield* Delivery.drain(subscribers, { retry: { attempts: 5, baseDelay: "200 millis", maxDelay: "5 seconds" } })
      const parked = reports.find((report) => report.parked > 0)
      if (parked !== undefined) {
        return yield* Effect.fail(new Error(`${parked.subscriber} could not push an event: ${parked.failed?.error ?? "see procura dead-letters"}`))
      }
      const delivered = reports.reduce((sum, report) => sum + report.delivered, 0)
      pushed += delivered
      if (delivered === 0) break
    }
    const storage = yield* Storage.Storage
    const counts = new Map<string, number>()
    yield* Principal.runAs(
      Stream.runForEach(storage.stream(Connector.collections[0]!, { limit: 1000 }), (link: { readonly connector: string; readonly kind: string }) =>
        Effect.sync(() => {
          const table = tables[link.connector]?.[link.kind]
          if (table === undefined) return
          const key = `${link.connector}\u0000${table}`
          counts.set(key, (counts.get(key) ?? 0) + 1)
        })),
      { userId: "demo", tenantId, roles: ["admin"] }
    )
    return {
      pushed,
      tables: [...counts].map(([key, records]) => {
        const [connector, table] = key.split("\u0000") as [string, string]
        return { connector, table, records }
      })
    } satisfies Summary
  })

/** The summary as the demo prints it: a title, then one line per connector (label, tables and counts). */
export const format = (summary: Summary, title: string, connectors: ReadonlyArray<{ readonly id: string; readonly label: string }>): string => {
  const lines = [`\n${title}: ${summary.pushed.toLocaleString("en-US")} events pushed`]
  const width = Math.max(...connectors.map((c) => c.label.length))
  for (const { id, label } of connectors) {
    const tables = summary.tables.filter((t) => t.connector === id).toSorted((a, b) => a.table.localeCompare(b.table))
    lines.push(`  ${label.padEnd(width)}  ${tables.map((t) => `${t.table} ${t.records.toLocaleString("en-US")}`).join(", ") || "nothing"}`)
  }
  return lines.join("\n")
}
