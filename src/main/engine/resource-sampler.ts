import { readGroupUsage, readProcessUsage, type ProcessUsage } from '../common/process-usage'

/** What to measure for one attempt: its worker, and the process groups its job handed over (which may grow). */
export interface SampleTarget {
  pid: number | undefined
  groups: ReadonlySet<number>
}

/** An attempt's figures as sampled so far. */
export interface AttemptMeter {
  peakRssBytes: number
  /** At the last sample; null before the first. */
  rssBytes: number | null
  /** CPU over the last sample interval, 100 = one core; null before the second sample. */
  cpuPercent: number | null
  /** CPU time since the first sample: a live figure, short of the attempt's by what it used before that sample. */
  cpuMs: number
}

interface Tracked {
  target: SampleTarget
  meter: AttemptMeter
  last?: { at: number; cpuMs: number }
  firstCpuMs?: number
}

/**
 * Samples the memory and CPU of every running attempt on one timer, which
 * runs only while there is something to sample. Groups are read in one pass
 * over /proc for all attempts, and only when some attempt has one.
 */
export class ResourceSampler<K> {
  private readonly tracked = new Map<K, Tracked>()
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number,
    private readonly sampled: (key: K, meter: Readonly<AttemptMeter>) => void,
  ) {}

  track(key: K, target: SampleTarget): void {
    this.tracked.set(key, { target, meter: { peakRssBytes: 0, rssBytes: null, cpuPercent: null, cpuMs: 0 } })
    this.timer ??= setInterval(() => this.sample(), this.intervalMs).unref()
  }

  meter(key: K): Readonly<AttemptMeter> | undefined {
    return this.tracked.get(key)?.meter
  }

  /** Stops sampling the attempt; its figures as they stand. */
  untrack(key: K): AttemptMeter | undefined {
    const tracked = this.tracked.get(key)
    this.tracked.delete(key)
    if (this.tracked.size === 0) this.stop()
    return tracked?.meter
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  private sample(): void {
    const groups = new Set<number>()
    for (const { target } of this.tracked.values()) for (const group of target.groups) groups.add(group)
    const byGroup = readGroupUsage(groups)
    const at = this.now()
    for (const [key, tracked] of this.tracked) {
      const usage = this.measure(tracked.target, byGroup)
      if (!usage) continue
      const { meter, last } = tracked
      meter.rssBytes = usage.rssBytes
      meter.peakRssBytes = Math.max(meter.peakRssBytes, usage.rssBytes)
      // A member of a group that exited takes its CPU time with it: never below nought.
      if (last && at > last.at) meter.cpuPercent = Math.max(0, ((usage.cpuMs - last.cpuMs) / (at - last.at)) * 100)
      tracked.firstCpuMs ??= usage.cpuMs
      meter.cpuMs = Math.max(0, usage.cpuMs - tracked.firstCpuMs)
      tracked.last = { at, cpuMs: usage.cpuMs }
      this.sampled(key, meter)
    }
  }

  private measure(target: SampleTarget, byGroup: ReadonlyMap<number, ProcessUsage>): ProcessUsage | undefined {
    const own = target.pid === undefined ? undefined : readProcessUsage(target.pid)
    if (!own) return undefined
    const total = { ...own }
    for (const group of target.groups) {
      const usage = byGroup.get(group)
      if (!usage) continue
      total.rssBytes += usage.rssBytes
      total.cpuMs += usage.cpuMs
    }
    return total
  }
}
