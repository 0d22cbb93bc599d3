/**
 * The row index, built at load time beside the plan: it narrows the rows an input can match
 * before any row is checked. Each indexed column answers, for the input's value, the rows whose
 * condition on that column may pass (a superset: the plan still checks every condition) and the
 * rows with no indexed condition on it. Evaluation takes the column that leaves the fewest rows
 * and checks only those, in table order, so every hit policy decides, and explains, exactly as a
 * scan of every row would. Private to core; the public face is the `DecisionTable` module.
 */
import type { Column } from "./model.js"
import { type CompiledRow, nextMatch, type Plan, rowPasses } from "./plan.js"
import type { Normalized } from "./values.js"

/** Equals and `in` conditions on a string, boolean, number or date column: the rows naming each value. */
interface HashColumn {
  readonly kind: "hash"
  readonly column: number
  readonly rowsByValue: ReadonlyMap<Normalized, Uint32Array>
  /** The rows with no equals or `in` condition on the column: candidates whatever the value. */
  readonly open: Uint32Array
}

/**
 * Conditions on a number or date column as closed intervals (`equals` is `[v, v]`, `in` spans
 * its least and greatest member, `gt 5` is `[5, +∞]`, several conditions on one column intersect).
 * The line is cut into buckets at quantiles of the bounds; bucket `b` holds the values `v` with
 * `cuts[b - 1] <= v < cuts[b]` and lists every row whose interval meets it.
 */
interface RangeColumn {
  readonly kind: "range"
  readonly column: number
  readonly cuts: Float64Array
  readonly rowsByBucket: ReadonlyArray<Uint32Array>
  /** The rows with no equals, `in` or range condition on the column: candidates whatever the value. */
  readonly open: Uint32Array
}

type ColumnIndex = HashColumn | RangeColumn

/** The indexed columns of a table, and how many candidates are too many to be worth the index. */
export interface RowIndex {
  readonly columns: ReadonlyArray<ColumnIndex>
  /** An input whose best column leaves this many rows or more is scanned row by row instead. */
  readonly scanFrom: number
}

/** The rows an input can match: two disjoint lists of row indexes, each in table order. */
export interface Candidates {
  readonly hits: Uint32Array
  readonly open: Uint32Array
}

/** Below this many rows a table is scanned row by row: building candidates would cost more than it saves. */
export const defaultMinRows = 64

/** At most this many buckets per range column, and at most this many bucket entries per row. */
const maxBuckets = 256
const entriesPerRow = 16

const none = new Uint32Array(0)

const isRange = (operator: string) =>
  operator === "gt" || operator === "gte" || operator === "lt" || operator === "lte" || operator === "between"

/** The interval a row's conditions on a number or date column allow, or `undefined` if they allow any value. */
const intervalOf = (row: CompiledRow, column: number): readonly [number, number] | undefined => {
  let low = Number.NEGATIVE_INFINITY
  let high = Number.POSITIVE_INFINITY
  let bounded = false
  for (const condition of row.conditions) {
    if (condition.column !== column) continue
    const operand = condition.operand
    let least = Number.POSITIVE_INFINITY
    let greatest = Number.NEGATIVE_INFINITY
    switch (condition.operator) {
      case "equals":
        low = Math.max(low, operand as number)
        high = Math.min(high, operand as number)
        break
      case "in":
        for (const member of operand as ReadonlyArray<number>) {
          least = Math.min(least, member)
          greatest = Math.max(greatest, member)
        }
        low = Math.max(low, least)
        high = Math.min(high, greatest)
        break
      case "gt":
      case "gte":
        low = Math.max(low, operand as number)
        break
      case "lt":
      case "lte":
        high = Math.min(high, operand as number)
        break
      case "between":
        low = Math.max(low, (operand as ReadonlyArray<number>)[0]!)
        high = Math.min(high, (operand as ReadonlyArray<number>)[1]!)
        break
      default:
        continue
    }
    bounded = true
  }
  return bounded ? [low, high] : undefined
}

/** The values a row's first equals or `in` condition on a column names, or `undefined` if it has none. */
const valuesOf = (row: CompiledRow, column: number): ReadonlySet<Normalized> | undefined => {
  for (const condition of row.conditions) {
    if (condition.column !== column) continue
    if (condition.operator === "equals") return new Set([condition.operand as Normalized])
    if (condition.operator === "in") return new Set(condition.operand as ReadonlyArray<Normalized>)
  }
  return undefined
}

const hashColumn = (column: number, rows: ReadonlyArray<CompiledRow>): HashColumn => {
  const lists = new Map<Normalized, Array<number>>()
  const open: Array<number> = []
  for (const row of rows) {
    const values = valuesOf(row, column)
    if (values === undefined) {
      open.push(row.index)
      continue
    }
    for (const value of values) {
      const list = lists.get(value)
      if (list === undefined) lists.set(value, [row.index])
      else list.push(row.index)
    }
  }
  const rowsByValue = new Map<Normalized, Uint32Array>()
  for (const [value, list] of lists) rowsByValue.set(value, Uint32Array.from(list))
  return { kind: "hash", column, rowsByValue, open: Uint32Array.from(open) }
}

/** The bucket of `value`: how many cuts are at or below it. */
const bucketOf = (cuts: Float64Array, value: number): number => {
  let low = 0
  let high = cuts.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (cuts[middle]! <= value) low = middle + 1
    else high = middle
  }
  return low
}

const cutsAt = (bounds: ReadonlyArray<number>, buckets: number): Float64Array => {
  const cuts: Array<number> = []
  for (let i = 1; i < buckets; i++) {
    const cut = bounds[Math.floor((i * bounds.length) / buckets)]!
    if (cuts.length === 0 || cut > cuts[cuts.length - 1]!) cuts.push(cut)
  }
  return Float64Array.from(cuts)
}

const rangeColumn = (column: number, rows: ReadonlyArray<CompiledRow>): RangeColumn => {
  const intervals = rows.map((row) => intervalOf(row, column))
  const bounds = [...new Set(intervals.flatMap((interval) => (interval === undefined ? [] : interval)))]
    .filter(Number.isFinite)
    .sort((a, b) => a - b)
  // Fewer buckets until the lists fit the budget: rows spanning many buckets (open-ended ranges) would repeat in each.
  let buckets = Math.min(maxBuckets, bounds.length + 1)
  let cuts = cutsAt(bounds, buckets)
  const spans = () => {
    let total = 0
    for (const interval of intervals) {
      if (interval !== undefined && interval[0] <= interval[1]) {
        total += bucketOf(cuts, interval[1]) - bucketOf(cuts, interval[0]) + 1
      }
    }
    return total
  }
  while (buckets > 8 && spans() > entriesPerRow * rows.length) {
    buckets = Math.ceil(buckets / 2)
    cuts = cutsAt(bounds, buckets)
  }
  const lists = Array.from({ length: cuts.length + 1 }, () => [] as Array<number>)
  const open: Array<number> = []
  intervals.forEach((interval, r) => {
    if (interval === undefined) {
      open.push(r)
      return
    }
    // An empty interval (`gt 5` and `lt 3`) meets no bucket: the row matches no value.
    if (interval[0] > interval[1]) return
    const last = bucketOf(cuts, interval[1])
    for (let b = bucketOf(cuts, interval[0]); b <= last; b++) lists[b]!.push(r)
  })
  return { kind: "range", column, cuts, rowsByBucket: lists.map((list) => Uint32Array.from(list)), open: Uint32Array.from(open) }
}

/**
 * Builds the index of a table's rows, or `undefined` when it would not pay: fewer than
 * {@link defaultMinRows} rows, or no column whose conditions can narrow the rows to less than
 * half. Columns of type `string[]`, and conditions other than equals, `in` and the ranges, are not
 * indexed: their rows are candidates whatever the value. With `force` (tests comparing the indexed
 * and the scanning evaluation), every column that can be is indexed, at any size, and an input is
 * never scanned row by row.
 */
export const makeRowIndex = (
  columns: ReadonlyArray<Column>,
  rows: ReadonlyArray<CompiledRow>,
  options: { readonly force?: boolean } = {}
): RowIndex | undefined => {
  const force = options.force === true
  if (rows.length === 0 || (!force && rows.length < defaultMinRows)) return undefined
  const indexed: Array<ColumnIndex> = []
  columns.forEach((column, c) => {
    if (column.type === "string[]") return
    const ranged = (column.type === "number" || column.type === "date") &&
      rows.some((row) => row.conditions.some((condition) => condition.column === c && isRange(condition.operator)))
    const index = ranged ? rangeColumn(c, rows) : hashColumn(c, rows)
    if (force || index.open.length * 2 < rows.length) indexed.push(index)
  })
  if (indexed.length === 0) return undefined
  return { columns: indexed, scanFrom: force ? Number.POSITIVE_INFINITY : rows.length - (rows.length >>> 2) }
}

/**
 * The rows an input can match, from its most selective indexed column, or `undefined` when even
 * that one leaves so many rows that scanning them all is as cheap.
 */
export const candidatesFor = (index: RowIndex, values: ReadonlyArray<Normalized>): Candidates | undefined => {
  let best: Candidates | undefined
  let fewest = index.scanFrom
  for (const column of index.columns) {
    const value = values[column.column]
    const hits = value === undefined ? none
      : column.kind === "hash" ? column.rowsByValue.get(value) ?? none
      : column.rowsByBucket[bucketOf(column.cuts, value as number)]!
    const count = hits.length + column.open.length
    if (count < fewest) {
      fewest = count
      best = { hits, open: column.open }
    }
  }
  return best
}

/**
 * The rows whose conditions all pass on `keys` (the input's values as `keysOf` reads them), in
 * table order, at most `limit` of them: among the candidates when there are some (merging their
 * two lists in one pass), otherwise by scanning every row.
 */
export const matchingRows = (
  plan: Plan,
  keys: ReadonlyArray<Normalized>,
  candidates: Candidates | undefined,
  limit: number
): Array<number> => {
  const matched: Array<number> = []
  if (candidates === undefined) {
    for (let row = nextMatch(plan, keys, 0); row >= 0; row = nextMatch(plan, keys, row + 1)) {
      if (matched.push(row) === limit) break
    }
    return matched
  }
  const { hits, open } = candidates
  const hitCount = hits.length
  const openCount = open.length
  let i = 0
  let j = 0
  while (i < hitCount || j < openCount) {
    let row: number
    if (j >= openCount || (i < hitCount && hits[i]! < open[j]!)) row = hits[i++]!
    else row = open[j++]!
    if (rowPasses(plan, keys, row) && matched.push(row) === limit) break
  }
  return matched
}
