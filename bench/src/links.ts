/**
 * Benchmark: a connector's mapping records written after a batch push, `Connector.links`'
 * `linkAll` against `link` called once per pair (what the ServiceNow mirror and the Coupa order
 * lines did before), and a raw baseline: one INSERT of the same rows without the SDK.
 *
 * Each round links N fresh pairs of one kind in a tenant of its own; medians over the rounds,
 * after one warm-up round of each. Ratios are raw over measured (1.00: as fast as the raw INSERT).
 */
import { Connector, Ids, Principal, Procura, Storage } from "@procura/core"
import { Effect, Layer } from "effect"
import type { SqlClient } from "effect/sql"
import { median, timed } from "./measure.js"
import { insertRows } from "./rawSql.js"

export interface LinksResult {
  readonly pairs: number
  readonly linkAllMillis: number
  readonly perPairMillis: number
  readonly rawMillis: number
}

const links = Connector.links("bench")
const collection = Connector.collections.find((each) => each.name === "connector_links")!

const pairsOf = (count: number, round: number) =>
  Array.from({ length: count }, (_, i) => [`proc-${round}-${i}`, `ext-${round}-${i}`] as const)

const as = (tenantId: string) => <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Principal.runAs(effect, { userId: "sync", tenantId, roles: ["admin"] })

const linkAllRound = (count: number, round: number) =>
  timed(as(`links-all-${round}`)(links.linkAll("asset", pairsOf(count, round))))

const perPairRound = (count: number, round: number) =>
  timed(as(`links-each-${round}`)(Effect.forEach(pairsOf(count, round), ([procuraId, externalId]) => links.link("asset", procuraId, externalId), { discard: true })))

const rawRound = (count: number, round: number) =>
  Effect.gen(function*() {
    const linkedAt = new Date().toISOString()
    const rows = []
    for (const [procuraId, externalId] of pairsOf(count, round)) {
      const id = yield* Ids.next
      rows.push({ id, data: { id, connector: "bench", kind: "asset", procuraId, externalId, linkedAt } })
    }
    return yield* timed(insertRows(collection, `links-raw-${round}`, rows))
  })

/** Runs the benchmark on a storage layer that also provides the SqlClient. */
export const linksBenchmark = <E>(
  storage: Layer.Layer<Storage.Storage | SqlClient.SqlClient, E>,
  options: { readonly pairs: number; readonly rounds: number }
): Effect.Effect<LinksResult, unknown> =>
  Effect.gen(function*() {
    yield* (yield* Storage.Storage).prepare(Connector.collections)
    yield* linkAllRound(100, 0)
    yield* perPairRound(100, 0)
    yield* rawRound(100, 0)
    const all: Array<number> = []
    const each: Array<number> = []
    const raw: Array<number> = []
    for (let round = 1; round <= options.rounds; round++) {
      all.push(yield* linkAllRound(options.pairs, round))
      each.push(yield* perPairRound(options.pairs, round))
      raw.push(yield* rawRound(options.pairs, round))
    }
    return { pairs: options.pairs, linkAllMillis: median(all), perPairMillis: median(each), rawMillis: median(raw) }
  }).pipe(Effect.provide(Procura.layer.pipe(Layer.provideMerge(storage))))
