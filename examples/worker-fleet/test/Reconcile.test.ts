/**
 * The checks behind the fleet's verdict, on made-up ledgers: the reconciliation finds lost,
 * redelivered and out-of-order events, and the report names who delivered what around the kill.
 */
import { assert, describe, it } from "vitest"
import { type LedgerEntry, reconcile } from "../src/FleetLedger.js"
import * as Report from "../src/Report.js"

const events = [
  { id: "e1", aggregateType: "purchase_order", aggregateId: "po-1", position: 1 },
  { id: "e2", aggregateType: "purchase_order", aggregateId: "po-2", position: 2 },
  { id: "e3", aggregateType: "purchase_order", aggregateId: "po-1", position: 3 },
  { id: "e4", aggregateType: "purchase_order", aggregateId: "po-1", position: 4 }
]

/** The entry of event `id` for subscriber `s`, first delivered by `worker` at second `at` after the previous position given. */
const entry = (s: string, id: string, worker: string, at: number, previousPosition: number, deliveries = 1): LedgerEntry => {
  const event = events.find((e) => e.id === id)!
  return {
    id: `${s}/${id}`,
    version: deliveries,
    subscriber: s,
    eventId: id,
    eventType: "purchase_order.changed",
    aggregate: `${event.aggregateType}/${event.aggregateId}`,
    position: event.position,
    previousPosition,
    firstWorker: worker,
    firstDeliveredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, at)).toISOString(),
    lastWorker: worker,
    deliveries
  }
}

describe("the fleet ledger's reconciliation", () => {
  it("passes a complete ledger in order, counting redeliveries and the workers' stretches", () => {
    const result = reconcile("acme", events, ["a"], [
      entry("a", "e1", "h:1", 1, 0),
      entry("a", "e2", "h:1", 2, 0, 2),
      entry("a", "e3", "h:2", 5, 1),
      entry("a", "e4", "h:2", 6, 3)
    ])
    assert.deepStrictEqual(result.subscribers[0], {
      subscriber: "a",
      delivered: 4,
      lost: [],
      redelivered: 1,
      deliveries: 5,
      outOfOrder: [],
      stretches: [
        { worker: "h:1", from: 1, to: 2, events: 2, startedAt: "2026-01-01T00:00:01.000Z", endedAt: "2026-01-01T00:00:02.000Z" },
        { worker: "h:2", from: 3, to: 4, events: 2, startedAt: "2026-01-01T00:00:05.000Z", endedAt: "2026-01-01T00:00:06.000Z" }
      ]
    })
  })

  it("finds lost events and events handled before an earlier event of their aggregate", () => {
    const result = reconcile("acme", events, ["a", "b"], [
      // a: e3 never arrived, so e4 followed e1 on po-1.
      entry("a", "e1", "h:1", 1, 0),
      entry("a", "e2", "h:1", 2, 0),
      entry("a", "e4", "h:1", 3, 1),
      // b: e4 was handled before e3.
      entry("b", "e1", "h:1", 1, 0),
      entry("b", "e2", "h:1", 2, 0),
      entry("b", "e4", "h:1", 3, 1),
      entry("b", "e3", "h:1", 4, 4)
    ])
    assert.deepStrictEqual(result.subscribers.map((s) => [s.subscriber, s.delivered, s.lost, s.outOfOrder]), [
      ["a", 3, ["e3"], ["e4"]],
      ["b", 4, [], ["e3", "e4"]]
    ])
  })
})

describe("the fleet report", () => {
  const workers: ReadonlyArray<Report.FleetWorker> = [
    { name: "worker-1", pid: 1, process: "h:1", killed: true, ended: { code: null, signal: "SIGKILL" } },
    { name: "worker-2", pid: 2, process: "h:2", killed: false, ended: { code: 0, signal: null } }
  ]
  const killedAt = Date.UTC(2026, 0, 1, 0, 0, 3)

  it("names who was delivering each subscriber at the kill and who carried on", () => {
    const reconciliation = reconcile("acme", events, ["a", "b"], [
      entry("a", "e1", "h:1", 1, 0),
      entry("a", "e2", "h:1", 2, 0, 2),
      entry("a", "e3", "h:2", 5, 1),
      entry("a", "e4", "h:2", 6, 3),
      entry("b", "e1", "h:2", 1, 0),
      entry("b", "e2", "h:2", 2, 0),
      entry("b", "e3", "h:2", 4, 1),
      entry("b", "e4", "h:2", 6, 3)
    ])
    const report = Report.build({ reconciliation, orders: 2, caughtUpMillis: 1_000, workers, killed: { name: "worker-1", afterOrder: 1, at: killedAt } })
    assert.isTrue(report.ok)
    assert.deepStrictEqual(report.killed.subscribers, [
      { subscriber: "a", before: "worker-1", after: "worker-2", afterMillis: 2_000 },
      { subscriber: "b", before: "worker-2", after: "worker-2", afterMillis: undefined }
    ])
    assert.deepStrictEqual(report.subscribers.map((s) => s.deliveredBy), [{ "worker-1": 2, "worker-2": 2 }, { "worker-2": 4 }])
    const text = Report.format(report)
    assert.include(text, "a           worker-1 (killed)  ->  worker-2, from 2.0 s after the kill")
    assert.include(text, "b           worker-2           ->  worker-2, carried on")
    assert.include(text, "Nothing lost")
  })

  it("fails on a lost event, and on a survivor that did not stop cleanly", () => {
    const lost = reconcile("acme", events, ["a"], [entry("a", "e1", "h:1", 1, 0), entry("a", "e2", "h:1", 2, 0), entry("a", "e3", "h:2", 5, 1)])
    const killed = { name: "worker-1", afterOrder: 1, at: killedAt }
    const report = Report.build({ reconciliation: lost, orders: 2, caughtUpMillis: undefined, workers, killed })
    assert.isFalse(report.ok)
    assert.include(Report.format(report), "LOST by a: e4")

    const complete = reconcile("acme", events, ["a"], [
      entry("a", "e1", "h:1", 1, 0),
      entry("a", "e2", "h:1", 2, 0),
      entry("a", "e3", "h:2", 5, 1),
      entry("a", "e4", "h:2", 6, 3)
    ])
    const hung = workers.map((worker) => (worker.killed ? worker : { ...worker, ended: undefined }))
    assert.isFalse(Report.build({ reconciliation: complete, orders: 2, caughtUpMillis: 1_000, workers: hung, killed }).ok)
  })
})
