/**
 * What every benchmark measures with: medians, wall-clock timing, and draining the connectors'
 * subscribers.
 */
import { Delivery, type Plugin, type Storage } from "@procura/core"
import { Effect } from "effect"

/** The median of measurements (the upper one of an even count). */
export const median = (values: ReadonlyArray<number>): number => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!

/** The `q` quantile of measurements (nearest rank: the smallest value at or above it). */
export const percentile = (values: ReadonlyArray<number>, q: number): number => {
  const sorted = values.toSorted((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!
}

/** Runs an effect and gives its wall-clock duration in milliseconds. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<number, E, R> =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })

/**
 * Delivers to the subscribers until none is left (one may follow what another appends), failing
 * on a parked event: how the connector benches push what their setup appended.
 */
export const drainAll = (subscribers: ReadonlyArray<Plugin.Subscriber>): Effect.Effect<void, Error | Storage.StorageError, Storage.Storage> =>
  Effect.gen(function*() {
    while (true) {
      const reports = yield* Delivery.drain(subscribers, { retry: { attempts: 5, baseDelay: "50 millis", maxDelay: "1 second" } })
      const parked = reports.find((report) => report.parked > 0)
      if (parked !== undefined) return yield* Effect.fail(new Error(`${parked.subscriber} parked an event: ${String(parked.failed?.error)}`))
      if (reports.every((report) => report.delivered === 0)) return
    }
  })
