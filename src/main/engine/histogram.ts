/**
 * Log-scale histograms of milliseconds: percentiles without keeping the
 * samples. Bucket 0 holds values under 1 ms; bucket b ≥ 1 holds
 * [2^((b-1)/8), 2^(b/8)), so each bucket is 2^(1/8) ≈ 9 % wider than the one
 * below it, and its estimate (the geometric middle) is within 2^(1/16) - 1 ≈
 * 4.4 % of any value in it. Ten days fit in about 240 buckets.
 *
 * The layout is stored data (the job_stats_histogram table): changing it
 * needs a migration that moves the rows.
 */
const STEPS_PER_DOUBLING = 8

/** Buckets and how many samples fell in each. */
export type Histogram = Map<number, number>

export function bucketOf(ms: number): number {
  return ms < 1 ? 0 : Math.floor(STEPS_PER_DOUBLING * Math.log2(ms)) + 1
}

/** The value a bucket stands for: the geometric middle of its span. */
export function bucketValue(bucket: number): number {
  return bucket === 0 ? 0 : 2 ** ((bucket - 0.5) / STEPS_PER_DOUBLING)
}

/**
 * Nearest-rank quantiles (the smallest value with at least q of the samples
 * at or below it), estimated to whole milliseconds, in one pass; null for an
 * empty histogram. `qs` ascending, each in (0, 1].
 */
export function quantiles(histogram: ReadonlyMap<number, number>, qs: readonly number[]): number[] | null {
  let total = 0
  for (const n of histogram.values()) total += n
  if (total === 0) return null
  const buckets = [...histogram.keys()].sort((a, b) => a - b)
  const found: number[] = []
  let seen = 0
  let at = 0
  for (const q of qs) {
    // Less a hair, so that 0.07 × 100 (7.000000000000001 in floating point) is rank 7.
    const rank = Math.max(1, Math.ceil(q * total - 1e-9))
    while (seen + (histogram.get(buckets[at]!) ?? 0) < rank) seen += histogram.get(buckets[at++]!) ?? 0
    found.push(Math.round(bucketValue(buckets[at]!)))
  }
  return found
}

/** Adds `from` into `into`. */
export function mergeInto(into: Histogram, from: ReadonlyMap<number, number>): void {
  for (const [bucket, n] of from) into.set(bucket, (into.get(bucket) ?? 0) + n)
}
