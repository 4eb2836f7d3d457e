import { describe, expect, it } from 'vitest'
import { bucketOf, bucketValue, mergeInto, quantiles, type Histogram } from '../../src/main/engine/histogram'

/** How far an estimate may be from the true value: half a bucket (2^(1/16) - 1), plus rounding to whole ms. */
const within = (estimate: number, truth: number): boolean => Math.abs(estimate - truth) <= (2 ** (1 / 16) - 1) * truth + 0.5

function histogramOf(samples: readonly number[]): Histogram {
  const histogram: Histogram = new Map()
  for (const ms of samples) histogram.set(bucketOf(ms), (histogram.get(bucketOf(ms)) ?? 0) + 1)
  return histogram
}

/** The nearest-rank quantile of the samples themselves. */
function exact(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]!
}

/** A fixed-seed generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31
    return state / 2 ** 31
  }
}

describe('log-scale histogram', () => {
  it('puts each value in a bucket about 9 % wide whose middle stands for it', () => {
    expect(bucketOf(0)).toBe(0)
    expect(bucketOf(0.4)).toBe(0)
    expect(bucketOf(-5)).toBe(0)
    expect(bucketValue(0)).toBe(0)
    expect(bucketOf(1)).toBe(1)
    for (let ms = 1; ms < 1e9; ms *= 1.037) {
      const bucket = bucketOf(ms)
      const low = 2 ** ((bucket - 1) / 8)
      const high = 2 ** (bucket / 8)
      expect(ms).toBeGreaterThanOrEqual(low * (1 - 1e-12))
      expect(ms).toBeLessThan(high * (1 + 1e-12))
      expect(high / low).toBeCloseTo(1.0905, 4)
      expect(Math.abs(bucketValue(bucket) / ms - 1)).toBeLessThanOrEqual(2 ** (1 / 16) - 1 + 1e-12)
    }
    expect(bucketOf(10 * 24 * 3600 * 1000)).toBeLessThan(250)
  })

  it('estimates percentiles of known distributions within the bucket error', () => {
    const next = random(42)
    const distributions: Record<string, number[]> = {
      'uniform 1 ms – 10 s': Array.from({ length: 20_000 }, () => 1 + Math.floor(next() * 10_000)),
      'exponential, mean 200 ms': Array.from({ length: 20_000 }, () => Math.round(-200 * Math.log(1 - next()))),
      'log-normal around 1.5 s': Array.from({ length: 20_000 }, () => {
        const normal = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next())
        return Math.round(1500 * Math.exp(0.8 * normal))
      }),
      'two humps, 5 ms and 30 s': Array.from({ length: 10_000 }, (_, i) => (i % 10 === 0 ? 30_000 + Math.floor(next() * 1000) : 5 + Math.floor(next() * 3))),
      'all the same': Array.from({ length: 1000 }, () => 1234),
    }
    const qs = [0.01, 0.25, 0.5, 0.9, 0.99, 1]
    for (const [name, samples] of Object.entries(distributions)) {
      const estimates = quantiles(histogramOf(samples), qs)!
      qs.forEach((q, i) => {
        const truth = exact(samples, q)
        expect(within(estimates[i]!, truth), `${name}: p${q * 100} is ${estimates[i]}, truly ${truth}`).toBe(true)
      })
    }
  })

  it('uses nearest ranks: a p90 of ten samples is the ninth, a p50 of one sample is that one', () => {
    const tenths = [100, 200, 300, 400, 500, 600, 700, 800, 900, 10_000]
    const [p50, p90, p99] = quantiles(histogramOf(tenths), [0.5, 0.9, 0.99])!
    expect(within(p50!, 500)).toBe(true)
    expect(within(p90!, 900)).toBe(true)
    expect(within(p99!, 10_000)).toBe(true)
    expect(quantiles(histogramOf([0]), [0.5])).toEqual([0])
    expect(quantiles(histogramOf([7]), [0.5])).toEqual([7])
    // 0.07 × 100 is 7.000000000000001 in floating point; the rank is still the 7th.
    const hundred = Array.from({ length: 100 }, (_, i) => (i < 7 ? 1 : 1000))
    expect(quantiles(histogramOf(hundred), [0.07])).toEqual([1])
  })

  it('has no percentiles when empty, and merges by adding', () => {
    expect(quantiles(new Map(), [0.5])).toBeNull()
    const a = histogramOf([10, 10, 20])
    mergeInto(a, histogramOf([20, 5000]))
    expect(a.get(bucketOf(20))).toBe(2)
    expect([...a.values()].reduce((x, y) => x + y)).toBe(5)
    expect(quantiles(a, [1])![0]).toSatisfy((ms: number) => within(ms, 5000))
  })
})
