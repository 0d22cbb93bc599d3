/**
 * Identifiers: time-ordered UUIDv7 values, generated from the Effect clock.
 *
 * The generator is a context reference with a working default (the clock plus
 * `crypto.getRandomValues`), so nothing needs to provide it; tests swap in {@link layerDeterministic}
 * to get repeatable ids.
 *
 * @since 0.1.0
 */
import { Clock, Context, Effect, Layer } from "effect"

/**
 * The id generator: `make(n)` returns `n` fresh, time-ordered ids.
 *
 * @since 0.1.0
 * @category models
 */
export interface IdGenerator {
  readonly make: (count: number) => Effect.Effect<ReadonlyArray<string>>
}

const hex = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))

/**
 * Formats a UUIDv7 from a millisecond timestamp and 10 random bytes (RFC 9562, section 5.7).
 *
 * @since 0.1.0
 * @category constructors
 */
export const formatUuidV7 = (millis: number, random: Uint8Array): string => {
  const bytes = new Uint8Array(16)
  let time = millis
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256
    time = Math.floor(time / 256)
  }
  bytes.set(random.subarray(0, 10), 6)
  bytes[6] = 0x70 | (bytes[6]! & 0x0f)
  bytes[8] = 0x80 | (bytes[8]! & 0x3f)
  let out = ""
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out += "-"
    out += hex[bytes[i]!]
  }
  return out
}

const randomGenerator: IdGenerator = {
  make: (count) =>
    Effect.map(Clock.currentTimeMillis, (millis) => {
      const random = new Uint8Array(10 * count)
      for (let offset = 0; offset < random.length; offset += 65_536) {
        crypto.getRandomValues(random.subarray(offset, Math.min(offset + 65_536, random.length)))
      }
      // Same millisecond, random tails: sort so a batch comes out in ascending order as promised.
      return Array.from({ length: count }, (_, i) => formatUuidV7(millis, random.subarray(i * 10, i * 10 + 10))).toSorted()
    })
}

/**
 * The id generator in use. Defaults to random UUIDv7 values on the Effect clock.
 *
 * @since 0.1.0
 * @category services
 */
export const Ids = Context.Reference<IdGenerator>("@procura/core/Ids", { defaultValue: () => randomGenerator })

/**
 * One fresh id.
 *
 * @since 0.1.0
 * @category constructors
 */
export const next: Effect.Effect<string> = Effect.flatMap(Ids, (ids) => Effect.map(ids.make(1), (all) => all[0]!))

/**
 * `count` fresh ids, in ascending order.
 *
 * @since 0.1.0
 * @category constructors
 */
export const nextMany = (count: number): Effect.Effect<ReadonlyArray<string>> =>
  count === 0 ? Effect.succeed([]) : Effect.flatMap(Ids, (ids) => ids.make(count))

/**
 * A deterministic generator for tests: UUIDv7 values built from the clock and a counter.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDeterministic = (): Layer.Layer<never> =>
  Layer.sync(Ids, (): IdGenerator => {
    let counter = 0
    return {
      make: (count) =>
        Effect.map(Clock.currentTimeMillis, (millis) => {
          return Array.from({ length: count }, () => {
            const random = new Uint8Array(10)
            let n = ++counter
            for (let b = 9; b >= 0 && n > 0; b--) {
              random[b] = n % 256
              n = Math.floor(n / 256)
            }
            return formatUuidV7(millis, random)
          })
        })
    }
  })
