import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../../src/main/engine/database'
import { HISTORY_KEEP_MINUTES, MINUTE_MS } from '../../src/main/engine/job-history'
import { JobStore, type JobInsert } from '../../src/main/engine/job-store'
import { StatsReporter } from '../../src/main/engine/stats-report'
import type { JobStatus } from '../../src/shared/job'
import { tempDir } from '../helpers'

/** Monday 6 January 2025, 12:00 UTC: on a whole hour, so every range's buckets start on it. */
const T0 = Date.UTC(2025, 0, 6, 12, 0, 0)

let serial = 0
function row(overrides: Partial<JobInsert> = {}): JobInsert {
  serial++
  return {
    id: `01J${String(serial).padStart(23, '0')}`,
    kind: 'shell',
    name: `job ${serial}`,
    paramsJson: '{}',
    priority: 'normal',
    maxAttempts: 1,
    timeoutMs: null,
    backoffBaseMs: 1000,
    backoffCapMs: 60_000,
    createdAt: T0,
    lane: 'default',
    slots: 1,
    ...overrides,
  }
}

function setUp() {
  const db = openDatabase(join(tempDir(), 'jobs.db'))
  const store = new JobStore(db)
  const clock = { now: T0 }
  const reports = new StatsReporter({ store, clock: { now: () => clock.now } })
  /** Claims the job, starts it `waitMs` after it was due, and returns its attempt. */
  const start = (job: JobInsert, at: number): number => {
    store.promoteDue(at, 10)
    const [claimed] = store.claim(1, at)
    expect(claimed?.job.id).toBe(job.id)
    store.markStarted([{ id: job.id, attempt: claimed!.attempt, at }])
    return claimed!.attempt
  }
  return { db, store, clock, reports, start }
}

const counted = (db: ReturnType<typeof openDatabase>): Record<string, Record<JobStatus, number>> => {
  const out: Record<string, Record<JobStatus, number>> = {}
  for (const { kind, status, n } of db.prepare('SELECT kind, status, count(*) AS n FROM jobs GROUP BY kind, status').all() as {
    kind: string
    status: JobStatus
    n: number
  }[]) {
    out[kind] ??= { held: 0, waiting: 0, scheduled: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 }
    out[kind][status] = n
  }
  return out
}

describe('stats report', () => {
  it('counts each ending with its run time and queue wait, by kind and minute bucket', () => {
    const { store, clock, reports, start } = setUp()
    const quick = row()
    const slow = row({ kind: 'hash' })
    const waiting = row()
    store.insert([quick, slow, waiting])
    // quick: due at T0, begun at +3 s, done at +5 s.
    store.markSucceeded(quick.id, start(quick, T0 + 3000), { json: 'null' }, T0 + 5000)
    // slow: begun at +10 s, fails for good a minute later.
    store.markAttemptFailed(slow.id, start(slow, T0 + 10_000), { code: 'job_error', message: 'x' }, { retryable: false, now: T0 + 70_000, jitter: 0 })
    store.markCancelled(waiting.id, T0 + 80_000)
    clock.now = T0 + 90_000
    const report = reports.report('1h')
    expect(report).toMatchObject({ range: '1h', bucketSeconds: 60, to: new Date(T0 + 90_000).toISOString() })
    expect(report.from).toBe(new Date(T0 + MINUTE_MS - 59 * MINUTE_MS).toISOString())
    expect(report.throughput).toHaveLength(60)
    expect(report.throughput.at(-2)).toEqual({ at: new Date(T0).toISOString(), succeeded: 1, failed: 0, cancelled: 0 })
    expect(report.throughput.at(-1)).toEqual({ at: new Date(T0 + MINUTE_MS).toISOString(), succeeded: 0, failed: 1, cancelled: 1 })
    expect(report.throughput.slice(0, -2).every((b) => b.succeeded + b.failed + b.cancelled === 0)).toBe(true)
    expect(report.totals).toMatchObject({
      counts: { held: 0, waiting: 0, scheduled: 0, queued: 0, running: 0, succeeded: 1, failed: 1, cancelled: 1 },
      finished: 3,
      succeeded: 1,
      failed: 1,
      cancelled: 1,
      failureRate: 0.5,
    })
    // Two timed endings (a cancel is not timed): runs of 2 s and 60 s, waits of 3 s and 10 s.
    const { durationMs, waitMs } = report.totals
    expect(durationMs!.max).toBe(60_000)
    expect(durationMs!.p50).toBeGreaterThan(2000 * 0.95)
    expect(durationMs!.p50).toBeLessThan(2000 * 1.05)
    expect(durationMs!.p99).toBeGreaterThan(60_000 * 0.95)
    expect(durationMs!.p99).toBeLessThanOrEqual(60_000)
    expect(waitMs!.p50).toBeGreaterThan(3000 * 0.95)
    expect(waitMs!.p50).toBeLessThan(3000 * 1.05)
    expect(waitMs!.p99).toBeGreaterThan(10_000 * 0.95)
    expect(report.kinds.map((k) => [k.kind, k.finished, k.failureRate])).toEqual([
      ['shell', 2, 0],
      ['hash', 1, 1],
    ])
    expect(report.kinds[0]!.counts).toEqual({ held: 0, waiting: 0, scheduled: 0, queued: 0, running: 0, succeeded: 1, failed: 0, cancelled: 1 })
  })

  it('buckets 24 hours by the quarter hour and 7 days by the hour, zero-filled, oldest first', () => {
    const { store, clock, reports, start } = setUp()
    const job = row()
    store.insert([job])
    store.markSucceeded(job.id, start(job, T0), { json: 'null' }, T0 + 20 * MINUTE_MS)
    clock.now = T0 + 3 * 3600_000 + 7 * MINUTE_MS
    const day = reports.report('24h')
    expect([day.bucketSeconds, day.throughput.length]).toEqual([900, 96])
    expect(day.throughput.at(-1)!.at).toBe(new Date(T0 + 3 * 3600_000).toISOString())
    expect(day.from).toBe(new Date(T0 + 3 * 3600_000 - 95 * 15 * MINUTE_MS).toISOString())
    expect(day.throughput.find((b) => b.succeeded)!.at).toBe(new Date(T0 + 15 * MINUTE_MS).toISOString())
    const week = reports.report('7d')
    expect([week.bucketSeconds, week.throughput.length]).toEqual([3600, 168])
    expect(week.throughput.at(-1)!.at).toBe(new Date(T0 + 3 * 3600_000).toISOString())
    expect(week.throughput.find((b) => b.succeeded)!.at).toBe(new Date(T0).toISOString())
    for (const report of [day, week]) {
      const times = report.throughput.map((b) => Date.parse(b.at))
      expect(times.every((t, i) => i === 0 || t - times[i - 1]! === report.bucketSeconds * 1000)).toBe(true)
      expect(report.throughput.reduce((n, b) => n + b.succeeded, 0)).toBe(report.totals.succeeded)
    }
    // An hour's range no longer reaches back to it.
    expect(reports.report('1h').totals).toMatchObject({ finished: 0, failureRate: null, durationMs: null, waitMs: null })
  })

  it('keeps history when the jobs are removed, and a kind with jobs but no history still appears', () => {
    const { db, store, clock, reports, start } = setUp()
    const done = row()
    const queued = row({ kind: 'thumbnails' })
    store.insert([done, queued])
    store.markSucceeded(done.id, start(done, T0 + 100), { json: 'null' }, T0 + 400)
    clock.now = T0 + 1000
    const before = reports.report('1h')
    store.remove(done.id, T0)
    db.prepare('DELETE FROM jobs').run()
    const after = reports.report('1h')
    expect(after.kinds.find((k) => k.kind === 'shell')).toMatchObject({
      finished: 1,
      succeeded: 1,
      durationMs: before.kinds.find((k) => k.kind === 'shell')!.durationMs,
    })
    expect(after.throughput).toEqual(before.throughput)
    expect(before.kinds.find((k) => k.kind === 'thumbnails')).toEqual({
      kind: 'thumbnails',
      counts: { held: 0, waiting: 0, scheduled: 0, queued: 1, running: 0, succeeded: 0, failed: 0, cancelled: 0 },
      finished: 0,
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      failureRate: null,
      durationMs: null,
      waitMs: null,
    })
  })

  it('writes history in the ending’s transaction: a rollback takes it back, a retried attempt is no ending', () => {
    const { db, store, clock, reports, start } = setUp()
    const job = row({ maxAttempts: 2 })
    store.insert([job])
    const attempt = start(job, T0)
    expect(() =>
      store.transaction(() => {
        store.markSucceeded(job.id, attempt, { json: 'null' }, T0 + 10)
        throw new Error('disk full')
      }),
    ).toThrow('disk full')
    expect(store.markAttemptFailed(job.id, attempt, { code: 'timeout', message: 't' }, { retryable: true, now: T0 + 20, jitter: 0 })!.status).toBe('scheduled')
    clock.now = T0 + 1000
    expect(reports.report('1h').totals.finished).toBe(0)
    expect(db.prepare('SELECT count(*) AS n FROM job_stats').get()).toEqual({ n: 0 })
    store.markSucceeded(job.id, start(job, T0 + 30), { json: 'null' }, T0 + 50)
    expect(reports.report('1h').totals).toMatchObject({ succeeded: 1, failed: 0, durationMs: { max: 20 } })
  })

  it('counts a job failed by the recovery at start, without times it does not know', () => {
    const { store, clock, reports, start } = setUp()
    const job = row({ maxAttempts: 1 })
    store.insert([job])
    start(job, T0 + 5)
    // Offload stopped here; it starts again an hour later.
    clock.now = T0 + 3600_000
    expect(store.requeueInterrupted(clock.now)[0]!.status).toBe('failed')
    expect(reports.report('1h').totals).toMatchObject({ failed: 1, failureRate: 1, durationMs: null, waitMs: null })
  })

  it('keeps the counts by kind in step with every write, rolled back with a failed one', () => {
    const { db, store } = setUp()
    const jobs = [row(), row({ kind: 'hash' }), row({ kind: 'hash' }), row({ kind: 'index' })]
    store.insert(jobs.slice(0, 2))
    expect(Object.fromEntries(store.kindCounts())).toEqual(counted(db))
    store.insert(jobs.slice(2))
    store.claim(3, T0)
    store.markSucceeded(jobs[0]!.id, 1, { json: 'null' }, T0 + 1)
    store.markCancelled(jobs[1]!.id, T0 + 2)
    store.markRetried(jobs[1]!.id, T0 + 3)
    expect(() =>
      store.transaction(() => {
        store.remove(jobs[3]!.id, T0)
        throw new Error('rolled back')
      }),
    ).toThrow('rolled back')
    store.remove(jobs[0]!.id, T0)
    expect(Object.fromEntries(store.kindCounts())).toEqual(counted(db))
    expect(store.kindCounts().has('shell')).toBe(false)
    expect(Object.fromEntries(new JobStore(db).kindCounts())).toEqual(counted(db))
  })

  it('prunes minute buckets older than eight days as it writes, at most once an hour', () => {
    const { db, store, start } = setUp()
    const old = row()
    store.insert([old])
    store.markSucceeded(old.id, start(old, T0), { json: 'null' }, T0 + 1)
    const rows = () => (db.prepare('SELECT count(*) AS n FROM job_stats').get() as { n: number }).n
    expect(rows()).toBe(1)
    const later = T0 + (HISTORY_KEEP_MINUTES + 1) * MINUTE_MS
    const recent = row({ createdAt: later })
    store.insert([recent])
    store.markSucceeded(recent.id, start(recent, later), { json: 'null' }, later + 1)
    expect(rows()).toBe(1)
    expect(db.prepare('SELECT count(*) AS n FROM job_stats_histogram WHERE minute < ?').get(Math.floor(later / MINUTE_MS) - HISTORY_KEEP_MINUTES)).toEqual({
      n: 0,
    })
  })
})
