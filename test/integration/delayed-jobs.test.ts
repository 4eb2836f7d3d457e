import Database from 'better-sqlite3'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import { exited, startHost, startServer, tempDir, waitFor, waitForStatus } from '../helpers'

const startDelay = (job: Job): number => Date.parse(job.startedAt!) - Date.parse(job.createdAt)

describe('jobs that wait for their time', () => {
  it('a job with delayMs 2000 on an idle pool is scheduled, then starts between 2.0 and 2.3 s after it was added', async () => {
    const host = await startHost({ kinds: ['noop.mjs'] })
    const job = host.handlers.createJob({ kind: 'noop', params: {}, priority: 'normal', delayMs: 2000 })
    expect(job.status).toBe('scheduled')
    expect(Date.parse(job.runAfter) - Date.parse(job.createdAt)).toBe(2000)
    expect(host.engine.stats().counts.scheduled).toBe(1)
    const done = await waitForStatus(host, job.id, 'succeeded')
    expect(startDelay(done)).toBeGreaterThanOrEqual(2000)
    expect(startDelay(done)).toBeLessThanOrEqual(2300)
  })

  it('a time in the past runs now; "run now" and cancel act on a scheduled job; a paused queue still shows it due', async () => {
    const host = await startHost({ kinds: ['noop.mjs'] })
    const past = host.handlers.createJob({ kind: 'noop', params: {}, priority: 'normal', runAt: '2020-01-01T00:00:00Z' })
    expect(past.status).toBe('queued')
    await waitForStatus(host, past.id, 'succeeded')

    const later = host.handlers.createJob({ kind: 'noop', params: {}, priority: 'normal', runAt: new Date(Date.now() + 3_600_000).toISOString() })
    expect(host.handlers.runJobNow({ id: later.id })).toMatchObject({ status: 'queued' })
    await waitForStatus(host, later.id, 'succeeded')
    expect(() => host.handlers.runJobNow({ id: later.id })).toThrow(/is succeeded; only scheduled jobs can be run now/)

    const cancelled = host.handlers.createJob({ kind: 'noop', params: {}, priority: 'normal', delayMs: 3_600_000 })
    const changed = host.handlers.setPriority({ ids: [cancelled.id], priority: 'high' })
    expect(await changed).toMatchObject({ changedCount: 1 })
    expect(host.handlers.cancelJob({ id: cancelled.id })).toMatchObject({ status: 'cancelled' })

    host.handlers.pauseQueue({})
    const soon = host.handlers.createJob({ kind: 'noop', params: {}, priority: 'normal', delayMs: 300 })
    const due = await waitForStatus(host, soon.id, 'queued')
    expect(due.startedAt).toBeNull()
  })

  it('a job due in 10 s starts once, on time, though its server was killed at +3 s and started again at +5 s', async () => {
    const dataDir = tempDir()
    let server = await startServer(dataDir, ['--concurrency', '1'])
    const runAt = new Date(Date.now() + 10_000)
    const job = (await server.call('POST', '/api/jobs', { kind: 'shell', params: { command: 'true' }, runAt: runAt.toISOString() })) as unknown as Job
    expect(job.status).toBe('scheduled')
    const created = Date.parse(job.createdAt)
    await new Promise((resolve) => setTimeout(resolve, created + 3000 - Date.now()))
    server.child.kill('SIGKILL')
    await exited(server.child)
    await new Promise((resolve) => setTimeout(resolve, created + 5000 - Date.now()))
    server = await startServer(dataDir, ['--concurrency', '1'])
    const done = await waitFor(async () => {
      const now = (await server.call('GET', `/api/jobs/${job.id}`)) as unknown as Job
      return now.status === 'succeeded' && now
    }, 'the job to succeed')
    expect(Math.abs(Date.parse(done.startedAt!) - runAt.getTime())).toBeLessThanOrEqual(300)
    expect(done.attempts).toBe(1)
    const db = new Database(join(dataDir, 'offload.db'), { readonly: true })
    expect(db.prepare('SELECT count(*) AS n FROM job_attempts WHERE job_id = ?').get(job.id)).toEqual({ n: 1 })
    db.close()
  })

  it('refuses runAt that is no instant, runAt with delayMs, and a delay past a year, naming the field; nothing is stored', async () => {
    const host = await startHost({ kinds: ['noop.mjs'] })
    const { parseRequest } = await import('../../src/shared/api')
    const bad: [unknown, RegExp][] = [
      [{ kind: 'noop', runAt: 'tomorrow' }, /^runAt: Give a date and time with its offset/],
      [{ kind: 'noop', runAt: '2026-12-02T14:30:00' }, /^runAt: /],
      [{ kind: 'noop', runAt: 5 }, /^runAt: /],
      [{ kind: 'noop', runAt: '2030-01-01T00:00:00Z', delayMs: 5 }, /^delayMs: Give runAt or delayMs, not both/],
      [{ kind: 'noop', delayMs: -1 }, /^delayMs: /],
      [{ kind: 'noop', delayMs: 1.5 }, /^delayMs: /],
    ]
    for (const [input, message] of bad) expect(() => parseRequest('createJob', input)).toThrow(message)
    const farAway = new Date(Date.now() + 400 * 24 * 3600 * 1000).toISOString()
    expect(() => host.handlers.createJob(parseRequest('createJob', { kind: 'noop', runAt: farAway }))).toThrow(/^runAt: .* is more than a year away/)
    expect(host.handlers.listJobs(parseRequest('listJobs', {})).jobs).toEqual([])
  })
})
