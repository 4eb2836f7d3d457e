import { STATS_RANGES, type KindReport, type StatsRange, type StatsReport, type StatsSummary } from '../../shared/job'
import type { Clock } from './engine'
import { mergeInto, quantiles, type Histogram } from './histogram'
import { MINUTE_MS, type KindHistory } from './job-history'
import type { JobStore } from './job-store'
import { noJobs, type StatusCounts } from './kind-counts'

const PERCENTILES = [0.5, 0.9, 0.99]

const iso = (ms: number): string => new Date(ms).toISOString()

export interface ReporterDeps {
  store: JobStore
  clock?: Clock
}

/**
 * The stats view's report: what ended in the range, per kind and in all,
 * from the history the store keeps (minute buckets that outlive the jobs),
 * and how many jobs there are now, from the counts it keeps in step. Nothing
 * here reads the jobs table.
 */
export class StatsReporter {
  private readonly store: JobStore
  private readonly clock: Clock

  constructor(deps: ReporterDeps) {
    this.store = deps.store
    this.clock = deps.clock ?? { now: () => Date.now() }
  }

  report(range: StatsRange): StatsReport {
    const now = this.clock.now()
    const { seconds, bucketSeconds } = STATS_RANGES[range]
    const slotMinutes = bucketSeconds / 60
    const slots = seconds / bucketSeconds
    // Buckets start on whole multiples of their width (UTC), the newest holding now.
    const nowMinute = Math.floor(now / MINUTE_MS)
    const fromMinute = (Math.floor(nowMinute / slotMinutes) - (slots - 1)) * slotMinutes
    const history = this.store.readHistory({ fromMinute, toMinute: nowMinute, slotMinutes })
    const current = this.store.kindCounts()
    const ended = new Map(history.kinds.map((k) => [k.kind, k]))
    const kinds: KindReport[] = [...new Set([...ended.keys(), ...current.keys()])].map((kind) => ({
      kind,
      ...summarize(current.get(kind) ?? noJobs(), ended.get(kind)),
    }))
    kinds.sort((a, b) => b.finished - a.finished || a.kind.localeCompare(b.kind))
    const throughput = Array.from({ length: slots }, (_, i) => ({
      at: iso((fromMinute + i * slotMinutes) * MINUTE_MS),
      succeeded: 0,
      failed: 0,
      cancelled: 0,
    }))
    for (const { slot, succeeded, failed, cancelled } of history.slots) {
      const bucket = throughput[slot]
      if (bucket) Object.assign(bucket, { succeeded, failed, cancelled })
    }
    return {
      range,
      from: iso(fromMinute * MINUTE_MS),
      to: iso(now),
      bucketSeconds,
      totals: summarize(this.store.counts(), history.kinds.length > 0 ? combine(history.kinds) : undefined),
      kinds,
      throughput,
    }
  }
}

function summarize(counts: StatusCounts, ended: KindHistory | undefined): StatsSummary {
  const succeeded = ended?.succeeded ?? 0
  const failed = ended?.failed ?? 0
  const cancelled = ended?.cancelled ?? 0
  return {
    counts,
    finished: succeeded + failed + cancelled,
    succeeded,
    failed,
    cancelled,
    failureRate: succeeded + failed > 0 ? failed / (succeeded + failed) : null,
    durationMs: ended ? durations(ended) : null,
    waitMs: ended ? percentiles(ended.wait) : null,
  }
}

function percentiles(histogram: Histogram, atMost = Infinity): { p50: number; p90: number; p99: number } | null {
  const found = quantiles(histogram, PERCENTILES)
  if (!found) return null
  const [p50, p90, p99] = found.map((ms) => Math.min(ms, atMost))
  return { p50: p50!, p90: p90!, p99: p99! }
}

/** An estimate is a bucket's middle, which may lie past the longest run; that one is known exactly, and bounds them. */
function durations(ended: KindHistory): StatsSummary['durationMs'] {
  const found = percentiles(ended.run, ended.runMaxMs)
  return found && { ...found, max: ended.runMaxMs }
}

/** All kinds as one. */
function combine(kinds: readonly KindHistory[]): KindHistory {
  const run: Histogram = new Map()
  const wait: Histogram = new Map()
  const all = { kind: '', succeeded: 0, failed: 0, cancelled: 0, runMaxMs: 0, run, wait }
  for (const k of kinds) {
    all.succeeded += k.succeeded
    all.failed += k.failed
    all.cancelled += k.cancelled
    all.runMaxMs = Math.max(all.runMaxMs, k.runMaxMs)
    mergeInto(run, k.run)
    mergeInto(wait, k.wait)
  }
  return all
}
