/**
 * The fleet's report: the reconciliation of the ledgers with the event log, told with the
 * workers' names, which worker was killed, who took over the subscribers it was delivering, and
 * whether nothing was lost.
 *
 * @since 0.0.0
 */
import type { Reconciliation } from "./FleetLedger.js"
import type { Ended } from "./Workers.js"

/**
 * A worker of the fleet, as the report names it.
 *
 * @since 0.0.0
 * @category models
 */
export interface FleetWorker {
  readonly name: string
  readonly pid: number
  /** `<host>:<pid>`, as the ledger names it. */
  readonly process: string
  readonly killed: boolean
  /** How it ended after the run: killed, or stopped with SIGTERM (exit code 0 when clean). */
  readonly ended: Ended | undefined
}

/**
 * Who delivered a subscriber's events when the kill came, and after it.
 *
 * @since 0.0.0
 * @category models
 */
export interface AtTheKill {
  readonly subscriber: string
  /** The worker of the stretch of the log in progress at the kill; `undefined` if none had started. */
  readonly before: string | undefined
  /** The worker of the first events delivered after the kill; `undefined` if none followed. */
  readonly after: string | undefined
  /** When `after` started a new stretch: how long after the kill; `undefined` when it carried on. */
  readonly afterMillis: number | undefined
}

/**
 * The kill: which worker, after how many orders, when (epoch milliseconds).
 *
 * @since 0.0.0
 * @category models
 */
export interface Kill {
  readonly name: string
  readonly afterOrder: number
  readonly at: number
}

/**
 * The report of a run.
 *
 * @since 0.0.0
 * @category models
 */
export interface FleetReport {
  /** Nothing lost, order per aggregate kept, and every surviving worker stopped cleanly. */
  readonly ok: boolean
  readonly tenantId: string
  readonly orders: number
  readonly appended: number
  /** From the end of the load until every ledger held every event; `undefined` if the deadline passed first. */
  readonly caughtUpMillis: number | undefined
  readonly workers: ReadonlyArray<FleetWorker>
  readonly killed: { readonly name: string; readonly afterOrder: number; readonly subscribers: ReadonlyArray<AtTheKill> }
  readonly subscribers: ReadonlyArray<{
    readonly subscriber: string
    readonly delivered: number
    readonly lost: ReadonlyArray<string>
    readonly redelivered: number
    readonly outOfOrder: ReadonlyArray<string>
    /** First deliveries per worker name. */
    readonly deliveredBy: Readonly<Record<string, number>>
  }>
}

/**
 * Builds the report from the final reconciliation: names the ledger's processes after the
 * workers and, per subscriber, finds the worker delivering it when the kill came (the stretch of
 * the log in progress at `killed.at`) and the one delivering it after.
 *
 * @since 0.0.0
 * @category constructors
 */
export const build = (input: {
  readonly reconciliation: Reconciliation
  readonly orders: number
  readonly caughtUpMillis: number | undefined
  readonly workers: ReadonlyArray<FleetWorker>
  readonly killed: Kill
}): FleetReport => {
  const { reconciliation, workers, killed } = input
  const nameOf = (process: string) => workers.find((worker) => worker.process === process)?.name ?? process
  const atTheKill = reconciliation.subscribers.map((subscriber): AtTheKill => {
    const before = subscriber.stretches.findLast((stretch) => Date.parse(stretch.startedAt) <= killed.at)
    const after = subscriber.stretches.find((stretch) => Date.parse(stretch.endedAt) > killed.at)
    const started = after === undefined ? undefined : Date.parse(after.startedAt)
    return {
      subscriber: subscriber.subscriber,
      before: before === undefined ? undefined : nameOf(before.worker),
      after: after === undefined ? undefined : nameOf(after.worker),
      afterMillis: started === undefined || started <= killed.at ? undefined : started - killed.at
    }
  })
  const subscribers = reconciliation.subscribers.map((subscriber) => {
    const deliveredBy: Record<string, number> = {}
    for (const stretch of subscriber.stretches) {
      const name = nameOf(stretch.worker)
      deliveredBy[name] = (deliveredBy[name] ?? 0) + stretch.events
    }
    return {
      subscriber: subscriber.subscriber,
      delivered: subscriber.delivered,
      lost: subscriber.lost,
      redelivered: subscriber.redelivered,
      outOfOrder: subscriber.outOfOrder,
      deliveredBy
    }
  })
  const survivorsClean = workers.every((worker) => worker.killed || worker.ended?.code === 0)
  return {
    ok: reconciliation.appended > 0 && survivorsClean &&
      subscribers.every((subscriber) => subscriber.lost.length === 0 && subscriber.outOfOrder.length === 0),
    tenantId: reconciliation.tenantId,
    orders: input.orders,
    appended: reconciliation.appended,
    caughtUpMillis: input.caughtUpMillis,
    workers,
    killed: { name: killed.name, afterOrder: killed.afterOrder, subscribers: atTheKill },
    subscribers
  }
}

const seconds = (millis: number) => `${(millis / 1000).toFixed(1)} s`

/** At most `n` ids, and how many more. */
const some = (ids: ReadonlyArray<string>, n = 5) => `${ids.slice(0, n).join(", ")}${ids.length > n ? `, ... (${ids.length - n} more)` : ""}`

/**
 * The report as the fleet script prints it.
 *
 * @since 0.0.0
 * @category formatting
 */
export const format = (report: FleetReport): string => {
  const lines: Array<string> = []
  const killed = report.workers.find((worker) => worker.name === report.killed.name)
  lines.push("", "Fleet report")
  lines.push(`  events appended to the log   ${report.appended} (${report.orders} purchase orders, tenant ${report.tenantId})`)
  lines.push(
    report.caughtUpMillis === undefined
      ? "  caught up                     NO: the deadline passed before every ledger held every event"
      : `  caught up                     ${seconds(report.caughtUpMillis)} after the last order`
  )
  lines.push(
    `  killed (SIGKILL)              ${report.killed.name}${killed === undefined ? "" : ` (pid ${killed.pid})`} after order ` +
      `${report.killed.afterOrder}; who delivered each subscriber at the kill, and after:`
  )
  const width = Math.max(10, ...report.subscribers.map((s) => s.subscriber.length))
  const named = (name: string | undefined) => (name === undefined ? "nobody" : name === report.killed.name ? `${name} (killed)` : name)
  for (const s of report.killed.subscribers) {
    const after = s.after === undefined
      ? "no event followed"
      : s.afterMillis === undefined
      ? `${s.after}, carried on`
      : `${s.after}, from ${seconds(s.afterMillis)} after the kill`
    lines.push(`    ${s.subscriber.padEnd(width)}  ${named(s.before).padEnd(report.killed.name.length + 9)}  ->  ${after}`)
  }
  const survivors = report.workers.filter((worker) => !worker.killed)
  lines.push(`  survivors stopped (SIGTERM)   ${survivors.map((worker) => `${worker.name} ${worker.ended === undefined ? "did not stop" : worker.ended.code === null ? `ended by ${worker.ended.signal}` : `exit ${worker.ended.code}`}`).join(", ")}`)
  lines.push("")
  lines.push(`  ${"subscriber".padEnd(width)}  delivered  lost  redelivered  order per aggregate  first delivered by`)
  for (const s of report.subscribers) {
    const by = Object.entries(s.deliveredBy).map(([name, events]) => `${name} ${events}`).join(", ")
    lines.push(
      `  ${s.subscriber.padEnd(width)}  ${`${s.delivered}/${report.appended}`.padStart(9)}  ${String(s.lost.length).padStart(4)}  ` +
        `${String(s.redelivered).padStart(11)}  ${(s.outOfOrder.length === 0 ? "kept" : `BROKEN (${s.outOfOrder.length})`).padEnd(19)}  ${by}`
    )
  }
  lines.push("")
  for (const s of report.subscribers) {
    if (s.lost.length > 0) lines.push(`  LOST by ${s.subscriber}: ${some(s.lost)}`)
    if (s.outOfOrder.length > 0) lines.push(`  OUT OF ORDER at ${s.subscriber}: ${some(s.outOfOrder)}`)
  }
  const redelivered = report.subscribers.reduce((sum, s) => sum + s.redelivered, 0)
  lines.push(
    !report.ok
      ? "  FAILED: see above."
      : redelivered === 0
      ? "  Nothing lost: every event reached every ledger, in order per aggregate. None was delivered twice this time."
      : `  Nothing lost: every event reached every ledger, in order per aggregate. ${redelivered} event(s) were delivered ` +
        "twice (handled after a checkpoint by the killed worker, then again from that checkpoint by the next); the ledger's key absorbed them."
  )
  return `${lines.join("\n")}\n`
}
