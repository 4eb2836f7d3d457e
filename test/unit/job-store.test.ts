import Database from 'better-sqlite3'
import { writeFileSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { DatabaseOpenError, openDatabase } from '../../src/main/engine/database'
import { JobStore, openRoom, READY_JOBS_OF_KINDS_SQL, READY_JOBS_SQL, type JobInsert } from '../../src/main/engine/job-store'
import { MIGRATIONS } from '../../src/main/engine/migrations'
import type { Priority } from '../../src/shared/job'
import { tempDir } from '../helpers'

let serial = 0
function row(overrides: Partial<JobInsert> = {}): JobInsert {
  serial++
  return {
    id: `01J${String(serial).padStart(23, '0')}`,
    kind: 'shell',
    name: `job ${serial}`,
    paramsJson: JSON.stringify({ n: serial }),
    priority: 'normal',
    maxAttempts: 3,
    timeoutMs: null,
    backoffBaseMs: 1000,
    backoffCapMs: 60_000,
    createdAt: 1000 + serial,
    lane: 'default',
    slots: 1,
    ...overrides,
  }
}

function openStore(limits = {}) {
  const db = openDatabase(join(tempDir(), 'jobs.db'))
  return { db, store: new JobStore(db, limits) }
}

describe('database', () => {
  it('applies every migration once and records the schema version', () => {
    const file = join(tempDir(), 'jobs.db')
    const db = openDatabase(file)
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    db.close()
    const again = openDatabase(file)
    expect(again.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length)
    again.close()
  })

  it('refuses a corrupt file with a typed error and leaves it untouched', () => {
    const file = join(tempDir(), 'jobs.db')
    const garbage = 'this is not a database '.repeat(200)
    writeFileSync(file, garbage)
    expect(() => openDatabase(file)).toThrowError(expect.objectContaining({ code: 'corrupt_database' }))
    expect(() => openDatabase(file)).toThrowError(/damaged or is not an Offload database/)
    expect(readFileSync(file, 'utf8')).toBe(garbage)
  })

  it('refuses a database written by a newer version', () => {
    const file = join(tempDir(), 'jobs.db')
    openDatabase(file).pragma(`user_version = ${MIGRATIONS.length + 5}`)
    const error = (() => {
      try {
        openDatabase(file)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(DatabaseOpenError)
    expect((error as DatabaseOpenError).code).toBe('database_too_new')
  })
})

describe('job store', () => {
  it('claims due jobs by priority, then age', () => {
    const { store } = openStore()
    const order: Priority[] = ['low', 'normal', 'urgent', 'high', 'normal', 'urgent']
    const rows = order.map((priority) => row({ priority }))
    store.insert(rows)
    const claimed = store.claim(10, 10_000).map((c) => c.job.id)
    const expected = [rows[2], rows[5], rows[3], rows[1], rows[4], rows[0]].map((r) => r!.id)
    expect(claimed).toEqual(expected)
    expect(store.claim(10, 10_000)).toEqual([])
  })

  it('a job added on its own comes back as the database has it: queued, later, held, keyed, limited, taken in by its key, or after a parent', () => {
    const { store } = openStore()
    const parent = row()
    store.insert([parent])
    const adds = [
      row(),
      row({ runAfter: 50_000, timeoutMs: 5000, priority: 'low' }),
      row({ hold: true, lane: 'photos', slots: 2, maxMemoryMb: 128 }),
      row({ key: { value: 'k', mode: 'dedupe' } }),
      row({ key: { value: 'k', mode: 'dedupe' } }),
      row({ key: { value: 'd', mode: 'debounce', debounceMs: 1000 } }),
      row({ after: [parent.id], onDependencyFailure: 'run' }),
    ]
    const added = adds.map((job) => store.insertOne(job, 2000))
    for (const job of added) expect(job).toEqual(store.get(job.id))
    expect(added[4]!.id).toBe(added[3]!.id)
    expect(added.map((job) => job.status)).toEqual(['queued', 'scheduled', 'held', 'queued', 'queued', 'scheduled', 'waiting'])
  })

  it('a claimed job is as the database has it, on a first try and on a retry after progress, usage and an error', () => {
    const { store } = openStore()
    const job = row({ paramsJson: '{"path":"/a"}', priority: 'high', maxMemoryMb: 64 })
    store.insert([job])
    const [first] = store.claim(1, 10_000)
    expect(first!.job).toEqual(store.get(job.id))
    store.markStarted([{ id: job.id, attempt: 1, at: 10_001, workerPid: 42 }])
    store.saveProgress([{ id: job.id, attempt: 1, fraction: 0.5, message: 'half' }], 10_002)
    const error = { code: 'job_error' as const, message: 'boom' }
    store.markAttemptFailed(job.id, 1, error, { retryable: true, now: 10_003, jitter: 0, usage: { cpuMs: 5, peakRssBytes: 1000 } })
    store.promoteDue(1_000_000, 10)
    const [second] = store.claim(1, 1_000_000)
    expect(second).toMatchObject({ attempt: 2, job: { status: 'running', attempts: 2, progress: { fraction: 0, message: null }, usage: null } })
    expect(second!.job).toEqual(store.get(job.id))
  })

  it('a job succeeded from its claim is as the database has it: started or not, with progress, usage, a result and a summary', () => {
    const { store } = openStore()
    const ran = row({ paramsJson: '{"path":"/a"}', priority: 'high' })
    const quick = row({ kind: 'shell' })
    store.insert([ran, quick])
    const [a, b] = store.claim(2, 10_000)
    store.markStarted([{ id: a!.job.id, attempt: 1, at: 10_001, workerPid: 42 }])
    store.saveProgress([{ id: a!.job.id, attempt: 1, fraction: 0.5, message: 'half way' }], 10_002)
    const usage = { cpuMs: 7, peakRssBytes: 2048 }
    const done = store.markSucceeded(a!.job.id, 1, { json: '{"files":3}', summary: '3 files' }, 10_003, { startedAt: null, usage }, a!.job)
    expect(done).toMatchObject({ status: 'succeeded', progress: { fraction: 1, message: 'half way' }, result: { files: 3 }, usage: { cpuMs: 7 } })
    expect(done).toEqual(store.get(a!.job.id))
    // Its start and end in one turn: the start comes with the ending.
    const alsoDone = store.markSucceeded(b!.job.id, 1, { json: 'null' }, 10_005, { startedAt: 10_004 }, b!.job)
    expect(alsoDone).toMatchObject({ startedAt: new Date(10_004).toISOString(), usage: null })
    expect(alsoDone).toEqual(store.get(b!.job.id))
    // A job that ended is not ended again.
    expect(store.markSucceeded(b!.job.id, 1, { json: 'null' }, 10_006, { startedAt: null }, b!.job)).toBeUndefined()
    // A claim of another attempt is not taken for this one's: the row is read back.
    store.insert([row()])
    const [c] = store.claim(1, 10_007)
    const stale = { ...c!.job, name: 'not this attempt', attempts: 2 }
    expect(store.markSucceeded(c!.job.id, 1, { json: 'null' }, 10_008, { startedAt: 10_007 }, stale)).toEqual(store.get(c!.job.id))
  })

  it('claims CPU-bound jobs only within their own room; I/O-bound ones pass them, in order, within the whole room', () => {
    const { store } = openStore()
    const rows = [row({ kind: 'shell' }), row({ kind: 'shell' }), row({ kind: 'hash-files' }), row({ kind: 'shell' }), row({ kind: 'hash-files' })]
    store.insert(rows)
    const room = { ...openRoom(), room: 4, cpuRoom: 1, ioKinds: ['hash-files'] }
    // Two at a time: the first read ends on a CPU-bound job that no longer fits, so the claim reads again for I/O-bound ones.
    expect(store.claim(2, 10_000, room).map((c) => c.job.id)).toEqual([rows[0]!.id, rows[2]!.id])
    expect(store.claim(5, 10_000, room).map((c) => c.job.id)).toEqual([rows[4]!.id])
    expect(room).toMatchObject({ room: 1, cpuRoom: 0 })
    expect(store.claim(5, 10_000, { ...openRoom(), bound: 'io', ioKinds: ['hash-files'] })).toEqual([])
    expect(store.claim(5, 10_000, { ...openRoom(), bound: 'cpu', ioKinds: ['hash-files'] }).map((c) => c.job.id)).toEqual([rows[1]!.id, rows[3]!.id])
  })

  it('keeps a job due later scheduled until its time, then queues it; "run now" queues it at once', () => {
    const { store } = openStore()
    const later = row({ createdAt: 5000, runAfter: 8000 })
    const other = row({ createdAt: 5000, runAfter: 9000 })
    const now = row({ createdAt: 5000, runAfter: 1000 })
    store.insert([later, other, now])
    expect([later, other, now].map((j) => store.get(j.id)!.status)).toEqual(['scheduled', 'scheduled', 'queued'])
    expect(store.get(now.id)!.runAfter).toBe(new Date(5000).toISOString())
    expect(store.counts()).toMatchObject({ scheduled: 2, queued: 1 })
    expect(store.claim(5, 7999).map((c) => c.job.id)).toEqual([now.id])
    expect(store.nextDueAt()).toBe(8000)
    expect(store.promoteDue(7999, 10)).toEqual([])
    expect(store.promoteDue(8000, 10).map((j) => [j.id, j.status])).toEqual([[later.id, 'queued']])
    expect(store.nextDueAt()).toBe(9000)
    expect(store.markDueNow(other.id, 8100)).toMatchObject({ status: 'queued', runAfter: new Date(8100).toISOString() })
    expect(store.markDueNow(other.id, 8200)).toBeUndefined()
    expect(store.nextDueAt()).toBeNull()
    expect(store.counts()).toMatchObject({ scheduled: 0, queued: 2, running: 1 })
    expect(store.claim(5, 8200).map((c) => c.job.id)).toEqual([later.id, other.id])
  })

  it('uses indexes for "next job" and "list by status" rather than scanning', () => {
    const { db } = openStore()
    const plan = (sql: string) =>
      db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(
          ...(sql.includes('@')
            ? [{ now: 1, limit: 5, exceptKinds: null, exceptLanes: null, single: 0, ...(sql.includes('@onlyKinds') ? { onlyKinds: '["download"]' } : {}) }]
            : []),
        )
        .map((r) => (r as { detail: string }).detail)
        .join(' | ')
    const ready = plan(READY_JOBS_SQL)
    expect(ready).toContain('INDEX jobs_ready')
    expect(ready).not.toContain('TEMP B-TREE')
    // Past the CPU-bound jobs, straight to the queued ones of the I/O-bound kinds.
    expect(plan(READY_JOBS_OF_KINDS_SQL)).toContain('INDEX jobs_queued_by_kind (kind=?')
    expect(plan(`SELECT * FROM jobs WHERE status = 'failed' AND id < 'Z' ORDER BY id DESC LIMIT 5`)).toContain('jobs_by_status')
    expect(plan(`SELECT * FROM jobs WHERE kind = 'shell' ORDER BY id DESC LIMIT 5`)).toContain('jobs_by_kind')
  })

  it('a late result from an old attempt cannot finish or resurrect a job', () => {
    const { store } = openStore()
    const job = row()
    store.insert([job])
    const { attempt } = store.claim(1, 10_000)[0]!
    expect(store.markSucceeded(job.id, attempt + 1, { json: '"wrong attempt"' }, 10_001)).toBeUndefined()
    expect(store.markCancelled(job.id, 10_002).was).toBe('running')
    expect(store.markSucceeded(job.id, attempt, { json: '"too late"' }, 10_003)).toBeUndefined()
    expect(store.markAttemptFailed(job.id, attempt, { code: 'job_error', message: 'late' }, { retryable: true, now: 1, jitter: 0 })).toBeUndefined()
    expect(store.saveProgress([{ id: job.id, attempt, fraction: 0.5, message: null }], 10_004)).toEqual([])
    const final = store.get(job.id)!
    expect(final.status).toBe('cancelled')
    expect(final.error?.code).toBe('cancelled')
  })

  it('retries a failed attempt after a full-jitter exponential backoff, then fails for good', () => {
    const { store } = openStore()
    const job = row({ backoffBaseMs: 1000, backoffCapMs: 3000, maxAttempts: 3 })
    store.insert([job])
    const waits: number[] = []
    let now = 10_000
    for (let attempt = 1; attempt <= 3; attempt++) {
      store.promoteDue(now, 10)
      const [claimed] = store.claim(1, now)
      expect(claimed?.attempt).toBe(attempt)
      const after = store.markAttemptFailed(job.id, attempt, { code: 'job_error', message: `boom ${attempt}` }, { retryable: true, now, jitter: 0.999 })!
      if (attempt < 3) {
        expect(after.status).toBe('scheduled')
        const wait = Date.parse(after.runAfter) - now
        waits.push(wait)
        now += wait
      } else {
        expect(after.status).toBe('failed')
        expect(after.error).toEqual({ code: 'job_error', message: 'boom 3' })
        expect(after.finishedAt).not.toBeNull()
      }
    }
    // Just under base * 2^(attempt-1), capped: 1000, 2000.
    expect(waits).toEqual([999, 1998])
    const capped = row({ backoffBaseMs: 1000, backoffCapMs: 1500, maxAttempts: 5 })
    store.insert([capped])
    store.claim(1, now)
    store.markAttemptFailed(capped.id, 1, { code: 'timeout', message: 't' }, { retryable: true, now, jitter: 0.5 })
    now += 500
    store.promoteDue(now, 10)
    store.claim(1, now)
    const second = store.markAttemptFailed(capped.id, 2, { code: 'timeout', message: 't' }, { retryable: true, now, jitter: 0.999 })!
    expect(Date.parse(second.runAfter) - now).toBe(1498)
  })

  it('fails at once when the error is not retryable', () => {
    const { store } = openStore()
    const job = row()
    store.insert([job])
    store.claim(1, 10_000)
    const after = store.markAttemptFailed(
      job.id,
      1,
      { code: 'invalid_params', message: 'bad', detail: [{ path: 'x' }] },
      { retryable: false, now: 10_001, jitter: 0 },
    )!
    expect(after.status).toBe('failed')
    expect(after.attempts).toBe(1)
    expect(after.error).toEqual({ code: 'invalid_params', message: 'bad', detail: [{ path: 'x' }] })
  })

  it('requeues jobs a crash left running, attempt counted, with a log line', () => {
    const { store } = openStore()
    const a = row({ maxAttempts: 3 })
    const b = row({ maxAttempts: 1 })
    store.insert([a, b])
    store.claim(2, 10_000)
    expect(store.markStarted([a, b].map((j) => ({ id: j.id, attempt: 1, at: 10_001 }))).map((j) => j.startedAt)).toEqual([
      new Date(10_001).toISOString(),
      new Date(10_001).toISOString(),
    ])
    const recovered = store.requeueInterrupted(20_000)
    expect(recovered.map((j) => [j.id, j.status, j.attempts])).toEqual(
      expect.arrayContaining([
        [a.id, 'queued', 1],
        [b.id, 'failed', 1],
      ]),
    )
    expect(store.get(a.id)!.error?.code).toBe('interrupted')
    expect(store.logs(a.id).map((l) => l.line)).toEqual([expect.stringMatching(/^Interrupted: .*attempt 1; requeued/)])
    expect(store.logs(b.id)[0]!.line).toMatch(/no attempts left/)
  })

  it('puts back a job a crash caught claimed but not yet begun, its attempt not counted', () => {
    const { store } = openStore()
    const job = row({ maxAttempts: 1 })
    store.insert([job])
    const [claimed] = store.claim(1, 10_000)
    expect([claimed!.attempt, claimed!.job.startedAt]).toEqual([1, null])
    const [recovered] = store.requeueInterrupted(20_000)
    expect([recovered!.status, recovered!.attempts, recovered!.error]).toEqual(['queued', 0, null])
    expect(store.logs(job.id)).toEqual([])
    expect(store.claim(1, 20_000)[0]!.attempt).toBe(1)
  })

  it('writes a start only once, and only for the attempt under way', () => {
    const { store } = openStore()
    const job = row()
    store.insert([job])
    store.claim(1, 10_000)
    expect(store.markStarted([{ id: job.id, attempt: 2, at: 10_001 }])).toEqual([])
    expect(store.markStarted([{ id: job.id, attempt: 1, at: 10_002 }])[0]!.startedAt).toBe(new Date(10_002).toISOString())
    expect(store.markStarted([{ id: job.id, attempt: 1, at: 10_003 }])).toEqual([])
    const done = store.markSucceeded(job.id, 1, { json: 'null' }, 10_004, { startedAt: 10_009 })!
    expect(done.startedAt).toBe(new Date(10_002).toISOString())
  })

  it('requeues an unfinished job at shutdown without counting the attempt', () => {
    const { store } = openStore()
    const job = row()
    store.insert([job])
    store.claim(1, 10_000)
    const after = store.requeueUnfinished(job.id, 1, 10_001)!
    expect([after.status, after.attempts, after.startedAt]).toEqual(['queued', 0, null])
  })

  it('retry moves only failed or cancelled jobs back to the queue, with attempts reset', () => {
    const { store } = openStore()
    const job = row()
    store.insert([job])
    expect(store.markRetried(job.id, 1)).toBeUndefined()
    store.markCancelled(job.id, 2)
    const retried = store.markRetried(job.id, 3)!
    expect([retried.status, retried.attempts, retried.error, retried.finishedAt]).toEqual(['queued', 0, null, null])
  })

  it('keeps only the newest log lines of a chatty job, each cut to length', () => {
    const { store } = openStore({ logLinesPerJob: 5, logLineLength: 10 })
    const job = row()
    store.insert([job])
    store.appendLogs(job.id, ['a', 'b', 'c'], 1)
    store.appendLogs(job.id, ['d', 'e', 'f', 'g'], 2)
    store.appendLogs(job.id, ['x'.repeat(50)], 3)
    const lines = store.logs(job.id)
    expect(lines.map((l) => l.line)).toEqual(['d', 'e', 'f', 'g', 'x'.repeat(10)])
    expect(lines.map((l) => l.seq)).toEqual([4, 5, 6, 7, 8])
    store.appendLogs(
      job.id,
      Array.from({ length: 12 }, (_, i) => `n${i}`),
      4,
    )
    expect(store.logs(job.id).map((l) => l.line)).toEqual(['n7', 'n8', 'n9', 'n10', 'n11'])
  })

  it('keeps counts by status in step with every transition, and with the table', () => {
    const { db, store } = openStore()
    const rows = [row(), row(), row(), row(), row({ maxAttempts: 1 })]
    store.insert(rows)
    store.claim(2, 10_000)
    store.markSucceeded(rows[0]!.id, 1, { json: 'null' }, 10_001)
    store.markCancelled(rows[2]!.id, 10_002)
    expect(store.counts()).toEqual({ held: 0, waiting: 0, scheduled: 0, queued: 2, running: 1, succeeded: 1, failed: 0, cancelled: 1 })
    store.markRetried(rows[2]!.id, 10_003)
    store.markAttemptFailed(rows[1]!.id, 1, { code: 'timeout', message: 't' }, { retryable: true, now: 10_004, jitter: 0 })
    store.promoteDue(20_000, 10)
    store.claim(5, 20_000)
    store.requeueUnfinished(rows[3]!.id, 1, 20_001)
    store.requeueInterrupted(20_002)
    expect(store.counts()).toEqual(new JobStore(db).counts())
    expect(Object.values(store.counts()).reduce((a, b) => a + b)).toBe(rows.length)
  })

  it('a transaction that rolls back leaves the counts as they were', () => {
    const { db, store } = openStore()
    store.insert([row()])
    expect(() =>
      store.transaction(() => {
        store.claim(1, 10_000)
        throw new Error('disk full')
      }),
    ).toThrow('disk full')
    expect(store.counts()).toMatchObject({ queued: 1, running: 0 })
    store.transaction(() => {
      store.insert([row()])
      try {
        store.transaction(() => {
          store.insert([row()])
          throw new Error('inner fails')
        })
      } catch {
        // The outer transaction goes on without the inner part.
      }
    })
    expect(store.counts()).toMatchObject({ queued: 2 })
    expect(new JobStore(db).counts()).toEqual(store.counts())
  })

  it('lists newest first, filtered, a page at a time', () => {
    const { store } = openStore()
    const rows = [row({ kind: 'a' }), row({ kind: 'b' }), row({ kind: 'a' }), row({ kind: 'a' })]
    store.insert(rows)
    store.markCancelled(rows[3]!.id, 1)
    expect(store.list({ sort: 'newest', limit: 10 }).map((j) => j.id)).toEqual(rows.map((r) => r.id).reverse())
    expect(store.list({ kind: 'a', status: 'queued', sort: 'newest', limit: 10 }).map((j) => j.id)).toEqual([rows[2]!.id, rows[0]!.id])
    expect(store.list({ sort: 'newest', limit: 2, cursor: rows[2]!.id }).map((j) => j.id)).toEqual([rows[1]!.id, rows[0]!.id])
  })

  it('searches names in any case, sorts either way, pages by offset and counts matches', () => {
    const { store } = openStore()
    const rows = [row({ name: 'Backup photos' }), row({ name: 'hash PHOTOS' }), row({ name: 'index docs' }), row({ name: '100%_done' })]
    store.insert(rows)
    expect(store.list({ q: 'photos', sort: 'oldest', limit: 10 }).map((j) => j.name)).toEqual(['Backup photos', 'hash PHOTOS'])
    expect(store.list({ q: '%_', sort: 'newest', limit: 10 }).map((j) => j.name)).toEqual(['100%_done'])
    expect(store.list({ sort: 'oldest', limit: 2, offset: 1 }).map((j) => j.id)).toEqual([rows[1]!.id, rows[2]!.id])
    expect(store.list({ sort: 'oldest', limit: 2, cursor: rows[1]!.id }).map((j) => j.id)).toEqual([rows[2]!.id, rows[3]!.id])
    expect(store.count({ q: 'photos' })).toBe(2)
    expect(store.count({ status: 'queued' })).toBe(4)
    expect(store.count({})).toBe(4)
  })

  it('removes jobs that are not running, with their logs, and re-prioritizes queued ones', () => {
    const { db, store } = openStore()
    const [a, b] = [row(), row({ priority: 'low' })]
    store.insert([a, b])
    store.appendLogs(a.id, ['line'], 1)
    store.claim(1, 10_000)
    expect(store.remove(a.id, 9_000)).toEqual({ removed: false, was: 'running' })
    expect(store.setPriority(a.id, 'urgent', 2)).toBeUndefined()
    expect(store.setPriority(b.id, 'urgent', 2)!.priority).toBe('urgent')
    store.markSucceeded(a.id, 1, { json: 'null' }, 10_001)
    expect(store.remove(a.id, 9_000)).toEqual({ removed: true, was: 'succeeded' })
    expect(store.remove(a.id, 9_000)).toEqual({ removed: false, was: undefined })
    expect(db.prepare('SELECT count(*) AS n FROM job_logs').get()).toEqual({ n: 0 })
    expect(store.counts()).toMatchObject({ succeeded: 0, queued: 1 })
  })

  it('persists settings', () => {
    const { store } = openStore()
    expect(store.getSetting('concurrency')).toBeUndefined()
    store.setSetting('concurrency', '3')
    store.setSetting('concurrency', '4')
    expect(store.getSetting('concurrency')).toBe('4')
  })
})

describe('attempts as data', () => {
  it('records each try a worker began, with how it ended, in the transition’s own transaction', () => {
    const { store } = openStore()
    const job = row({ maxAttempts: 3 })
    store.insert([job])
    store.claim(1, 10_000)
    store.markStarted([{ id: job.id, attempt: 1, at: 10_001, workerPid: 4242 }])
    expect(store.attempts(job.id)).toEqual([expect.objectContaining({ seq: 1, attempt: 1, outcome: 'running', finishedAt: null, workerPid: 4242 })])
    const crash = { code: 'worker_crashed' as const, message: 'The worker exited with code 7', detail: { exitCode: 7, signal: null } }
    store.markAttemptFailed(job.id, 1, crash, { retryable: true, now: 10_002, jitter: 0 })
    // Begun and ended in one commit: the start comes with the outcome.
    store.promoteDue(20_000, 10)
    store.claim(1, 20_000)
    store.markAttemptFailed(
      job.id,
      2,
      { code: 'exit_code', message: 'false exited with code 1', detail: { exitCode: 1, signal: null } },
      {
        retryable: true,
        now: 20_002,
        jitter: 0,
        startedAt: 20_001,
        workerPid: 4343,
      },
    )
    store.promoteDue(30_000, 10)
    store.claim(1, 30_000)
    store.markSucceeded(job.id, 3, { json: 'null' }, 30_002, { startedAt: 30_001 })
    expect(store.attempts(job.id).map((a) => [a.seq, a.attempt, a.outcome, a.error?.code ?? null, a.exitCode, a.workerPid])).toEqual([
      [1, 1, 'failed', 'worker_crashed', 7, 4242],
      [2, 2, 'failed', 'exit_code', 1, 4343],
      [3, 3, 'succeeded', null, null, null],
    ])
    expect(store.attempts(job.id)[1]).toMatchObject({ startedAt: new Date(20_001).toISOString(), finishedAt: new Date(20_002).toISOString() })
  })

  it('a crash, a cancel and a user’s retry each leave their mark; a try never begun leaves none', () => {
    const { store } = openStore()
    const job = row({ maxAttempts: 3 })
    store.insert([job])
    store.claim(1, 10_000)
    store.markStarted([{ id: job.id, attempt: 1, at: 10_001 }])
    store.requeueInterrupted(11_000)
    store.claim(1, 12_000)
    // Claimed, never begun, and put back at the next start: no try.
    store.requeueInterrupted(12_500)
    store.claim(1, 13_000)
    store.markStarted([{ id: job.id, attempt: 2, at: 13_001 }])
    store.markCancelled(job.id, 13_500)
    store.markRetried(job.id, 14_000)
    store.claim(1, 14_000)
    store.markSucceeded(job.id, 1, { json: 'null' }, 14_002, { startedAt: 14_001 })
    expect(store.attempts(job.id).map((a) => [a.seq, a.attempt, a.outcome])).toEqual([
      [1, 1, 'interrupted'],
      [2, 2, 'cancelled'],
      [3, 1, 'succeeded'],
    ])
  })

  it('a held job after a parent that already failed fails at once, and the counts say it was held', () => {
    const { db, store } = openStore()
    const parent = row()
    store.insert([parent])
    store.claim(1, 10_000)
    store.markAttemptFailed(parent.id, 1, { code: 'job_error', message: 'boom' }, { retryable: false, now: 10_001, jitter: 0 })
    const child = row({ hold: true, after: [parent.id] })
    store.insert([child], 10_002)
    expect(store.get(child.id)!.status).toBe('failed')
    expect(store.counts()).toMatchObject({ held: 0, waiting: 0, failed: 2 })
    // As the jobs themselves say, counted afresh.
    expect(store.counts()).toEqual(new JobStore(db).counts())
  })

  it('a schema 5 database keeps every job, log line and try through the rebuild that adds "scheduled"; a wait for a backoff becomes one', () => {
    const file = join(tempDir(), 'v5.db')
    const old = new Database(file)
    old.pragma('foreign_keys = ON')
    for (const sql of MIGRATIONS.slice(0, 5)) old.exec(sql)
    old.pragma('user_version = 5')
    const insert = old.prepare(`INSERT INTO jobs (id, kind, name, params, priority, status, attempts, max_attempts, backoff_base_ms, backoff_cap_ms,
      run_after, created_at, updated_at, summary) VALUES (?, 'shell', 'j', '{}', 1, ?, 1, 3, 1, 1, ?, 0, 0, 'kept')`)
    const future = Date.now() + 3_600_000
    insert.run('01J00000000000000000000001', 'queued', future)
    insert.run('01J00000000000000000000002', 'queued', 0)
    insert.run('01J00000000000000000000003', 'succeeded', 0)
    old.prepare(`INSERT INTO job_logs (job_id, seq, at, line) VALUES ('01J00000000000000000000003', 1, 0, 'hello')`).run()
    old.prepare(`INSERT INTO job_attempts (job_id, seq, attempt, started_at, outcome) VALUES ('01J00000000000000000000003', 1, 1, 0, 'succeeded')`).run()
    old.close()

    const db = openDatabase(file)
    const store = new JobStore(db)
    expect(['1', '2', '3'].map((n) => store.get(`01J0000000000000000000000${n}`)!.status)).toEqual(['scheduled', 'queued', 'succeeded'])
    expect(store.get('01J00000000000000000000003')!.summary).toBe('kept')
    expect(store.nextDueAt()).toBe(future)
    expect(store.logs('01J00000000000000000000003').map((l) => l.line)).toEqual(['hello'])
    expect(store.attempts('01J00000000000000000000003')).toHaveLength(1)
    // The references point at the new table, and are enforced again.
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1)
    store.remove('01J00000000000000000000003', 9_000)
    expect(db.prepare('SELECT count(*) AS n FROM job_logs').get()).toEqual({ n: 0 })
    expect(db.prepare('SELECT count(*) AS n FROM job_attempts').get()).toEqual({ n: 0 })
  })

  it('an old database (schema 1) gains the table on open, with the last try of each job it knew', () => {
    const file = join(tempDir(), 'old.db')
    const old = new Database(file)
    old.exec(MIGRATIONS[0]!)
    old.pragma('user_version = 1')
    const insert = old.prepare(`INSERT INTO jobs (id, kind, name, params, priority, status, attempts, max_attempts, backoff_base_ms, backoff_cap_ms,
      run_after, created_at, updated_at, started_at, finished_at, error_code, error_message) VALUES (?, 'shell', 'j', '{}', 1, ?, ?, 3, 1, 1, 0, 0, 0, ?, ?, ?, ?)`)
    insert.run('01J00000000000000000000001', 'succeeded', 1, 100, 200, null, null)
    insert.run('01J00000000000000000000002', 'failed', 3, 300, 400, 'exit_code', 'false exited with code 1')
    insert.run('01J00000000000000000000003', 'queued', 0, null, null, null, null)
    old.close()
    const store = new JobStore(openDatabase(file))
    expect(store.attempts('01J00000000000000000000001')).toEqual([expect.objectContaining({ attempt: 1, outcome: 'succeeded' })])
    expect(store.attempts('01J00000000000000000000002')).toEqual([
      expect.objectContaining({ attempt: 3, outcome: 'failed', error: { code: 'exit_code', message: 'false exited with code 1' } }),
    ])
    expect(store.attempts('01J00000000000000000000003')).toEqual([])
  })
})
