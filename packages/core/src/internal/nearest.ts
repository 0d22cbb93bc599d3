/**
 * "Did you mean ...?": the known name nearest to a misspelt one, for messages about unknown
 * configuration keys, plugin ids, roles, operation ids, commands and flags. Private to core; the
 * public face is `Errors.nearest` and `Errors.didYouMean`.
 */

/**
 * The optimal string alignment distance between two strings: the insertions, deletions,
 * substitutions and swaps of two neighbouring characters that turn one into the other.
 */
export const distance = (a: string, b: string): number => {
  if (a === b) return 0
  if (a.length === 0) return b.length
  if (b.length === 0) return a.length
  // Three rows of the dynamic programming table: the one before the previous (for swaps), the previous and the current.
  let before = Array.from({ length: b.length + 1 }, () => 0)
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  let current = Array.from({ length: b.length + 1 }, () => 0)
  for (let i = 1; i <= a.length; i++) {
    current[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, before[j - 2]! + 1)
      current[j] = value
    }
    ;[before, previous, current] = [previous, current, before]
  }
  return previous[b.length]!
}

/** The last segment of a dotted or slashed name (`purchasing.submitPurchaseOrder` -> `submitPurchaseOrder`). */
const lastSegment = (name: string): string => name.slice(Math.max(name.lastIndexOf("."), name.lastIndexOf("/")) + 1)

/**
 * The candidate nearest to `word`, ignoring case, when it is near enough to be what was meant:
 * at most one edit per three characters of `word` (at least one), compared with the whole
 * candidate or with its last dotted segment (so `submitPurchaseOrder` finds
 * `purchasing.submitPurchaseOrder`). Ties go to the earlier candidate. `undefined` when none is
 * near enough, or when `word` is itself a candidate.
 */
export const nearest = (word: string, candidates: Iterable<string>): string | undefined => {
  const lower = word.toLowerCase()
  const limit = Math.max(1, Math.floor(word.length / 3))
  let best: string | undefined
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of candidates) {
    if (candidate === word) return undefined
    const folded = candidate.toLowerCase()
    const segment = lastSegment(folded)
    const d = Math.min(distance(lower, folded), segment === folded ? Number.POSITIVE_INFINITY : distance(lower, segment))
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return bestDistance <= limit && bestDistance < word.length ? best : undefined
}

/** `did you mean "<nearest>"?`, or `undefined` when no candidate is near enough. */
export const didYouMean = (word: string, candidates: Iterable<string>): string | undefined => {
  const found = nearest(word, candidates)
  return found === undefined ? undefined : `did you mean "${found}"?`
}

const maxListed = 12

/**
 * The message for an unknown key of an object whose keys are `known`: the nearest key when one
 * is near enough, else the keys it takes (the first dozen).
 */
export const unknownKeyMessage = (key: string, known: ReadonlyArray<string>): string => {
  const suggestion = didYouMean(key, known)
  if (suggestion !== undefined) return `unknown key; ${suggestion}`
  if (known.length === 0) return "unknown key; this object takes no keys"
  const listed = known.slice(0, maxListed).join(", ")
  return `unknown key; expected one of ${listed}${known.length > maxListed ? `, ... (${known.length - maxListed} more)` : ""}`
}
