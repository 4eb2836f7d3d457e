import type Database from 'better-sqlite3'
import { bucketOf, type Histogram } from './histogram'

export const MINUTE_MS = 60_000
/** Minute buckets are kept this long: a week's report, and a day to spare. */
export const HISTORY_KEEP_MINUTES = 8 * 24 * 60
const PRUNE_EVERY_MINUTES = 60

/** A job that ended (not an attempt that will be retried), as the history counts it. */
export interface Ending {
  kind: string
  at: number
  outcome: 'succeeded' | 'failed' | 'cancelled'
  /** Run time and queue wait of its final attempt, where the row knows them truly. */
  runMs: number | null
  waitMs: number | null
}

/** Minutes `fromMinute` through `toMinute`, grouped in slots of `slotMinutes` counted from `fromMinute`. */
export interface HistoryWindow {
  fromMinute: number
  toMinute: number
  slotMinutes: number
}

export interface KindHistory {
  kind: string
  succeeded: number
  failed: number
  cancelled: number
  runMaxMs: number
  run: Histogram
  wait: Histogram
}

export interface HistorySlot {
  slot: number
  succeeded: number
  failed: number
  cancelled: number
}

interface CountRow {
  minute: number
  kind: string
  succeeded: number
  failed: number
  cancelled: number
  runMaxMs: number
}

type Metric = 'run' | 'wait'

/**
 * Per-kind, per-minute counts and histograms of ended jobs (migration 5).
 * The store hands over each transaction's endings inside that transaction,
 * so the history rolls back with a failed write and never counts twice; a
 * commit of a hundred endings is a handful of upserts. Reports read only
 * these tables, never the jobs.
 */
export class JobHistory {
  private readonly stmt
  /** The minute of the last prune; a prune that rolled back with its transaction just happens an hour later. */
  private prunedAt = -Infinity

  constructor(db: Database.Database) {
    this.stmt = {
      addCounts: db.prepare<[CountRow]>(`
        INSERT INTO job_stats (minute, kind, succeeded, failed, cancelled, run_max_ms)
        VALUES (@minute, @kind, @succeeded, @failed, @cancelled, @runMaxMs)
        ON CONFLICT (minute, kind) DO UPDATE SET
          succeeded = succeeded + excluded.succeeded, failed = failed + excluded.failed, cancelled = cancelled + excluded.cancelled,
          run_max_ms = max(run_max_ms, excluded.run_max_ms)`),
      addSamples: db.prepare<[number, string, Metric, number, number]>(`
        INSERT INTO job_stats_histogram (minute, kind, metric, bucket, n) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (minute, kind, metric, bucket) DO UPDATE SET n = n + excluded.n`),
      pruneCounts: db.prepare<[number]>(`DELETE FROM job_stats WHERE minute < ?`),
      pruneSamples: db.prepare<[number]>(`DELETE FROM job_stats_histogram WHERE minute < ?`),
      kinds: db.prepare<[HistoryWindow], Omit<KindHistory, 'run' | 'wait'>>(`
        SELECT kind, sum(succeeded) AS succeeded, sum(failed) AS failed, sum(cancelled) AS cancelled, max(run_max_ms) AS runMaxMs
        FROM job_stats WHERE minute BETWEEN @fromMinute AND @toMinute GROUP BY kind`),
      samples: db.prepare<[HistoryWindow], { kind: string; metric: Metric; bucket: number; n: number }>(`
        SELECT kind, metric, bucket, sum(n) AS n
        FROM job_stats_histogram WHERE minute BETWEEN @fromMinute AND @toMinute GROUP BY kind, metric, bucket`),
      slots: db.prepare<[HistoryWindow], HistorySlot>(`
        SELECT CAST((minute - @fromMinute) / @slotMinutes AS INTEGER) AS slot, sum(succeeded) AS succeeded, sum(failed) AS failed, sum(cancelled) AS cancelled
        FROM job_stats WHERE minute BETWEEN @fromMinute AND @toMinute GROUP BY slot ORDER BY slot`),
    }
  }

  /** Inside the transaction that ended the jobs. Prunes what is past keeping, at most once an hour. */
  record(endings: readonly Ending[]): void {
    const counts = new Map<string, CountRow>()
    const samples = new Map<string, [minute: number, kind: string, metric: Metric, bucket: number, n: number]>()
    const sample = (minute: number, kind: string, metric: Metric, ms: number): void => {
      const bucket = bucketOf(ms)
      const key = `${minute} ${metric} ${bucket} ${kind}`
      const row = samples.get(key)
      if (row) row[4]++
      else samples.set(key, [minute, kind, metric, bucket, 1])
    }
    let newest = -Infinity
    for (const ending of endings) {
      const minute = Math.floor(ending.at / MINUTE_MS)
      newest = Math.max(newest, minute)
      const key = `${minute} ${ending.kind}`
      let row = counts.get(key)
      if (!row) counts.set(key, (row = { minute, kind: ending.kind, succeeded: 0, failed: 0, cancelled: 0, runMaxMs: 0 }))
      row[ending.outcome]++
      if (ending.runMs !== null) {
        row.runMaxMs = Math.max(row.runMaxMs, ending.runMs)
        sample(minute, ending.kind, 'run', ending.runMs)
      }
      if (ending.waitMs !== null) sample(minute, ending.kind, 'wait', ending.waitMs)
    }
    for (const row of counts.values()) this.stmt.addCounts.run(row)
    for (const row of samples.values()) this.stmt.addSamples.run(...row)
    if (newest - this.prunedAt < PRUNE_EVERY_MINUTES) return
    this.stmt.pruneCounts.run(newest - HISTORY_KEEP_MINUTES)
    this.stmt.pruneSamples.run(newest - HISTORY_KEEP_MINUTES)
    this.prunedAt = newest
  }

  /** What ended in the window, by kind, and by slot for all kinds together. */
  read(window: HistoryWindow): { kinds: KindHistory[]; slots: HistorySlot[] } {
    const kinds = new Map(this.stmt.kinds.all(window).map((k): [string, KindHistory] => [k.kind, { ...k, run: new Map(), wait: new Map() }]))
    for (const { kind, metric, bucket, n } of this.stmt.samples.all(window)) kinds.get(kind)?.[metric].set(bucket, n)
    return { kinds: [...kinds.values()], slots: this.stmt.slots.all(window) }
  }
}
