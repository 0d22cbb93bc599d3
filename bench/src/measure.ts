/**
 * What every benchmark measures with: medians and wall-clock timing.
 */
import { Effect } from "effect"

/** The median of measurements (the upper one of an even count). */
export const median = (values: ReadonlyArray<number>): number => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Runs an effect and gives its wall-clock duration in milliseconds. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<number, E, R> =>
  Effect.gen(function*() {
    const start = performance.now()
    yield* effect
    return performance.now() - start
  })
