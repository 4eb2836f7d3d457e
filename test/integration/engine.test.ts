import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { getPriority } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { OffloadEvent } from '../../src/shared/api'
import { ApiError } from '../../src/shared/errors'
import type { Job } from '../../src/shared/job'
import { isAlive, startHost, tempDir, waitFor, waitForStatus } from '../helpers'

describe('engine with real worker processes', () => {
  it('runs jobs by priority, then age, with concurrency 1', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 1 } })
    host.engine.pause()
    const order = ['low', 'normal', 'urgent', 'high', 'normal'] as const
    const ids = order.map((priority, i) => host.api.createJob({ kind: 'sleep', params: { ms: 10 }, priority, name: `${priority}-${i}` }).id)
    host.engine.resume()
    await Promise.all(ids.map((id) => waitForStatus(host, id, 'succeeded')))
    const started = ids
      .map((id) => host.api.getJob({ id: id }))
      .sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!) || (a.startedAt! < b.startedAt! ? -1 : 1))
    expect(started.map((j) => j.name)).toEqual(['urgent-2', 'high-3', 'normal-1', 'normal-4', 'low-0'])
  })

  it('never runs more jobs at once than the concurrency, and applies a new value live', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 1 } })
    let peak = 0
    host.engine.subscribe(() => (peak = Math.max(peak, host.engine.stats().counts.running)))
    const ids = Array.from({ length: 4 }, () => host.api.createJob({ kind: 'sleep', params: { ms: 300 } }).id)
    await waitForStatus(host, ids[0]!, 'running')
    expect(host.engine.stats().counts.running).toBe(1)
    host.engine.updateSettings({ concurrency: 2 })
    await waitFor(() => host.engine.stats().counts.running === 2, 'two running')
    await Promise.all(ids.map((id) => waitForStatus(host, id, 'succeeded')))
    expect(peak).toBe(2)
    expect(host.engine.settings()).toMatchObject({ concurrency: 2 })
    const finished = host.engine.stats().finished
    expect(finished).toHaveLength(30)
    expect(finished.reduce((a, b) => a + b)).toBe(4)
  })

  it('retries a failing job with backoff until it succeeds', async () => {
    const host = await startHost({ kinds: ['flaky.mjs'] })
    const counter = join(tempDir(), 'count')
    const job = host.api.createJob({ kind: 'flaky', params: { counter, failures: 2 } })
    const done = await waitForStatus(host, job.id, 'succeeded')
    expect(done.attempts).toBe(3)
    expect(done.result).toEqual({ attemptsSeen: 3 })
    const lines = host.api.getJobLogs({ id: job.id }).lines.map((l) => l.line)
    expect(lines).toEqual(['Attempt 1 failed (job_error): planned failure 1 of 2', 'Attempt 2 failed (job_error): planned failure 2 of 2'])
  })

  it('fails a job for good when its attempts are used up, keeping the last error', async () => {
    const host = await startHost({ kinds: ['flaky.mjs'] })
    const job = host.api.createJob({ kind: 'flaky', params: { counter: join(tempDir(), 'c'), failures: 5 }, maxAttempts: 2 })
    const failed = await waitForStatus(host, job.id, 'failed')
    expect(failed.attempts).toBe(2)
    expect(failed.error).toMatchObject({ code: 'job_error', message: 'planned failure 2 of 5' })
    expect((failed.error?.detail as { stack: string }).stack).toContain('planned failure')
  })

  it('does not retry params that turned invalid by the time the job ran', async () => {
    const host = await startHost({ kinds: [] })
    const folder = join(tempDir(), 'gone-soon')
    mkdirSync(folder)
    host.engine.pause()
    const job = host.api.createJob({ kind: 'hash-files', params: { folder } })
    rmSync(folder, { recursive: true })
    host.engine.resume()
    const failed = await waitForStatus(host, job.id, 'failed')
    expect(failed.attempts).toBe(1)
    expect(failed.error).toMatchObject({ code: 'invalid_params', message: 'folder: No such folder' })
  })

  it('kills a job that ignores its timeout and records why', async () => {
    const host = await startHost({ kinds: ['stubborn.mjs'], engine: { killGraceMs: 300 } })
    const job = host.api.createJob({ kind: 'stubborn', params: { ms: 60_000 }, timeoutMs: 300, maxAttempts: 1 })
    const failed = await waitForStatus(host, job.id, 'failed')
    expect(failed.error).toMatchObject({ code: 'timeout', message: 'Timed out after 300 ms' })
    expect(Date.parse(failed.finishedAt!) - Date.parse(failed.startedAt!)).toBeLessThan(10_000)
  })

  it('a timed-out job that stops when asked keeps its worker and is retried', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    const job = host.api.createJob({ kind: 'sleep', params: { ms: 60_000 }, timeoutMs: 200, maxAttempts: 2 })
    const failed = await waitForStatus(host, job.id, 'failed')
    expect(failed.attempts).toBe(2)
    expect(failed.error?.code).toBe('timeout')
    expect(host.engine.stats().workers).toMatchObject({ busy: 0, idle: 1 })
  })

  it('cancel of a running shell job kills its whole process tree', async () => {
    const host = await startHost({ kinds: [] })
    const dir = tempDir()
    const pidFile = join(dir, 'pids')
    const job = host.api.createJob({
      kind: 'shell',
      params: { command: `sleep 120 & echo $! > ${pidFile}; echo $$ >> ${pidFile}; wait` },
    })
    const pids = await waitFor(() => {
      try {
        const text = readFileSync(pidFile, 'utf8').trim().split('\n')
        return text.length === 2 && text.map(Number)
      } catch {
        return false
      }
    }, 'the shell to write its pids')
    expect(pids.every(isAlive)).toBe(true)
    const cancelled = host.api.cancelJob({ id: job.id })
    expect(cancelled.status).toBe('cancelled')
    await waitFor(() => pids.every((pid) => !isAlive(pid)), 'the shell and its background child to die', 5000)
    await waitFor(() => host.engine.stats().workers.busy === 0, 'the worker to be free')
    expect(host.api.getJob({ id: job.id }).status).toBe('cancelled')
  })

  it('cancel of a job that ignores it kills the worker after the grace period', async () => {
    const host = await startHost({ kinds: ['stubborn.mjs'], engine: { killGraceMs: 200 } })
    const job = host.api.createJob({ kind: 'stubborn', params: { ms: 60_000 } })
    await waitForStatus(host, job.id, 'running')
    await waitFor(() => host.engine.stats().workers.busy === 1, 'the job to be on a worker')
    host.api.cancelJob({ id: job.id })
    await waitFor(() => host.engine.stats().workers.busy === 0, 'the stubborn worker to be killed', 5000)
    const after = host.api.getJob({ id: job.id })
    expect(after.status).toBe('cancelled')
    expect(after.error?.code).toBe('cancelled')
  })

  it('refuses to retry a cancelled job while its attempt is still stopping', async () => {
    const host = await startHost({ kinds: ['stubborn.mjs'], engine: { killGraceMs: 800 } })
    const job = host.api.createJob({ kind: 'stubborn', params: { ms: 60_000 } })
    await waitFor(() => host.api.getJob({ id: job.id }).startedAt, 'the job to start')
    host.api.cancelJob({ id: job.id })
    expect(() => host.api.retryJob({ id: job.id })).toThrow(
      expect.objectContaining({ code: 'wrong_state', message: expect.stringContaining('still stopping') }),
    )
    await waitFor(() => host.engine.stats().workers.busy === 0, 'the stubborn worker to be killed')
    expect(host.api.retryJob({ id: job.id }).status).toBe('queued')
  })

  it('cancels a queued job at once and refuses to cancel a finished one', async () => {
    const host = await startHost({ kinds: ['noop.mjs'] })
    host.engine.pause()
    const job = host.api.createJob({ kind: 'noop' })
    expect(host.api.cancelJob({ id: job.id }).status).toBe('cancelled')
    expect(() => host.api.cancelJob({ id: job.id })).toThrowError(expect.objectContaining({ code: 'wrong_state' }))
    expect(() => host.api.cancelJob({ id: '01J00000000000000000000000' })).toThrowError(expect.objectContaining({ code: 'not_found' }))
  })

  it('a worker that dies mid-job ends the attempt as worker_crashed and is replaced', async () => {
    const host = await startHost({ kinds: ['crash.mjs', 'noop.mjs'] })
    const job = host.api.createJob({ kind: 'crash', params: { exitCode: 7 }, maxAttempts: 2 })
    const failed = await waitForStatus(host, job.id, 'failed')
    expect(failed.attempts).toBe(2)
    expect(failed.error).toMatchObject({ code: 'worker_crashed', message: 'The worker exited with code 7' })
    expect(failed.error?.detail).toMatchObject({ exitCode: 7, output: expect.arrayContaining(['crash kind: going down']) })
    const logs = host.api.getJobLogs({ id: job.id }).lines.map((l) => l.line)
    expect(logs).toContain('about to crash')
    const next = host.api.createJob({ kind: 'noop' })
    expect((await waitForStatus(host, next.id, 'succeeded')).attempts).toBe(1)
  })

  it('a worker killed by a signal is reported with the signal', async () => {
    const host = await startHost({ kinds: ['crash.mjs'] })
    const job = host.api.createJob({ kind: 'crash', params: { signal: 'SIGKILL' }, maxAttempts: 1 })
    const failed = await waitForStatus(host, job.id, 'failed')
    expect(failed.error).toMatchObject({ code: 'worker_crashed', message: 'The worker was killed by SIGKILL' })
  })

  it('a worker that stops answering is killed and its job retried', async () => {
    const host = await startHost({ kinds: ['hang.mjs'], engine: { stallMs: 1500 } })
    const job = host.api.createJob({ kind: 'hang', maxAttempts: 1 })
    const failed = await waitForStatus(host, job.id, 'failed', 15_000)
    expect(failed.error).toMatchObject({ code: 'worker_crashed', message: expect.stringContaining('stopped responding') })
    await waitFor(() => host.engine.stats().workers.busy === 0, 'the hung worker to be gone')
  })

  it('coalesces a flood of progress into a few updates and caps the log', async () => {
    const host = await startHost({ kinds: ['chatty.mjs'], engine: { flushMs: 250, eventMs: 100 } })
    const seen: Job[] = []
    host.engine.subscribe((event: OffloadEvent) => {
      if (event.type === 'jobs') seen.push(...event.jobs)
    })
    const job = host.api.createJob({ kind: 'chatty', params: { ticks: 50_000, lines: 3000, ms: 1000 } })
    const done = await waitForStatus(host, job.id, 'succeeded')
    expect((done.result as { ticks: number }).ticks).toBeGreaterThan(40_000)
    const progressUpdates = seen.filter((j) => j.id === job.id && j.status === 'running')
    // ~1 s of work at one write per 250 ms: a handful, not 50,000.
    expect(progressUpdates.length).toBeGreaterThan(1)
    expect(progressUpdates.length).toBeLessThan(15)
    const fractions = progressUpdates.map((j) => j.progress.fraction)
    expect([...fractions].sort((a, b) => a - b)).toEqual(fractions)
    const logs = host.api.getJobLogs({ id: job.id }).lines
    expect(logs).toHaveLength(2000)
    expect(logs.at(-1)!.line).toBe('line 3000')
  })

  it('what a job prints lands in its own log, all of it in order, never in the next job’s', async () => {
    const host = await startHost({ kinds: ['flood.mjs'], engine: { concurrency: 1 } })
    const flood = host.api.createJob({ kind: 'flood', params: { lines: 100_000 } })
    const hello = host.api.createJob({ kind: 'shell', params: { command: 'echo hello' } })
    await waitForStatus(host, hello.id, 'succeeded', 60_000)
    expect(host.api.getJob({ id: flood.id }).status).toBe('succeeded')
    expect(host.api.getJobLogs({ id: hello.id }).lines.map((l) => l.line)).toEqual(['hello'])
    const lines = host.api.getJobLogs({ id: flood.id }).lines.map((l) => l.line)
    expect(lines).toHaveLength(2000)
    expect(lines).toEqual(Array.from({ length: 2000 }, (_, i) => `flood ${98_001 + i}`))
  })

  it('a job claimed but not yet begun by its worker has no start time, so a crash then does not count its attempt', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 1 } })
    host.engine.pause()
    const job = host.api.createJob({ kind: 'sleep', params: { ms: 5000 } })
    const started: (string | null)[] = []
    host.engine.subscribe((event: OffloadEvent) => {
      if (event.type === 'jobs') for (const j of event.jobs) if (j.id === job.id && j.status === 'running') started.push(j.startedAt)
    })
    host.engine.resume()
    const startedAt = await waitFor(() => started.at(-1), 'the start to be written and announced')
    const row = host.db.prepare(`SELECT started_at FROM jobs WHERE id = ?`).get(job.id) as { started_at: number | null }
    expect(row.started_at).toBe(Date.parse(startedAt))
    // First seen running as claimed (its new worker still loading), then begun.
    expect(started[0]).toBeNull()
  })

  it('reading a log shows the lines not yet written, and writes nothing', async () => {
    const host = await startHost({ kinds: ['chatty.mjs'], engine: { flushMs: 60_000 } })
    const job = host.api.createJob({ kind: 'chatty', params: { ticks: 10, lines: 5, ms: 3000 } })
    await waitFor(() => host.api.getJobLogs({ id: job.id }).lines.length === 5, 'the lines to be seen')
    expect(host.api.getJobLogs({ id: job.id }).lines.map((l) => [l.seq, l.line])).toEqual([1, 2, 3, 4, 5].map((i) => [i, `line ${i}`]))
    expect(host.db.prepare(`SELECT count(*) FROM job_logs WHERE job_id = ?`).pluck().get(job.id)).toBe(0)
  })

  it('requeues, with the attempt counted, a job found running at start', async () => {
    const dataDir = tempDir()
    mkdirSync(join(dataDir, 'kinds'))
    writeFileSync(join(dataDir, 'kinds', 'noop.mjs'), "export default { name: 'noop', run: () => 'ok' }")
    const first = await startHost({ dataDir, engine: { concurrency: 1 } })
    first.engine.pause()
    const job = first.api.createJob({ kind: 'noop' })
    // What a crash leaves behind: the row says running (and begun), nothing runs it.
    first.db.prepare(`UPDATE jobs SET status = 'running', attempts = 1, started_at = 1 WHERE id = ?`).run(job.id)
    first.engine.resume()
    await first.close(0)
    const second = await startHost({ dataDir })
    const done = await waitForStatus(second, job.id, 'succeeded')
    expect(done.attempts).toBe(2)
    expect(second.api.getJobLogs({ id: job.id }).lines[0]!.line).toMatch(/^Interrupted/)
  })

  it('shutdown gives running jobs their grace, then requeues them without counting the attempt', async () => {
    const dataDir = tempDir()
    const host = await startHost({ dataDir: join(dataDir) })
    const quick = host.api.createJob({ kind: 'shell', params: { command: 'sleep 0.3' } })
    const slow = host.api.createJob({ kind: 'shell', params: { command: 'sleep 60' } })
    // Begun on their workers, not just claimed: a worker's start-up must not eat the quick job's grace.
    await waitFor(() => [quick, slow].every((job) => host.api.getJob({ id: job.id }).startedAt !== null), 'both jobs to begin')
    const started = Date.now()
    await host.close(1500)
    expect(Date.now() - started).toBeLessThan(8000)
    const again = await startHost({ dataDir, engine: { concurrency: 1 } })
    again.engine.pause()
    expect(again.api.getJob({ id: quick.id }).status).toBe('succeeded')
    expect(again.api.getJob({ id: slow.id })).toMatchObject({ status: 'queued', attempts: 0 })
  })

  it('starts workers when needed, reuses them, and lets them go when idle', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 2, idleWorkerMs: 400 } })
    expect(host.engine.stats().workers).toEqual({ busy: 0, idle: 0, max: 2 })
    const first = host.api.createJob({ kind: 'sleep', params: { ms: 10 } })
    const { result } = await waitForStatus(host, first.id, 'succeeded')
    const pid = (result as { pid: number }).pid
    expect(host.engine.stats().workers).toMatchObject({ busy: 0, idle: 1 })
    const second = host.api.createJob({ kind: 'sleep', params: { ms: 10 } })
    expect(((await waitForStatus(host, second.id, 'succeeded')).result as { pid: number }).pid).toBe(pid)
    await waitFor(() => !isAlive(pid), 'the idle worker to exit', 5000)
    expect(host.engine.stats().workers).toMatchObject({ busy: 0, idle: 0 })
  })

  it('runs workers at a lower OS priority than the host', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    const job = host.api.createJob({ kind: 'sleep', params: { ms: 0 } })
    const { pid } = (await waitForStatus(host, job.id, 'succeeded')).result as { pid: number }
    expect(getPriority(pid)).toBeGreaterThan(getPriority(process.pid))
  })

  it('keeps settings across restarts, and ignores a saved value that no longer validates', async () => {
    const dataDir = tempDir()
    const first = await startHost({ dataDir, engine: { concurrency: 0 } })
    first.engine.updateSettings({ concurrency: 3, closeToTray: false, batteryConcurrency: 1 })
    expect(() => first.api.updateSettings({ concurrency: 0 })).toThrowError(expect.objectContaining({ code: 'invalid_input' }))
    first.db.prepare(`UPDATE settings SET value = json_set(value, '$.notifyOnFailure', 'sometimes') WHERE key = 'settings'`).run()
    await first.close(0)
    const second = await startHost({ dataDir, engine: { concurrency: 0 } })
    expect(second.engine.settings()).toEqual({
      concurrency: 3,
      batteryConcurrency: 1,
      closeToTray: false,
      notifyOnSuccess: true,
      notifyOnFailure: true,
      localApi: true,
      startAtLogin: false,
      keepFinishedDays: 30,
      keepFailedDays: 90,
      keepFinishedMax: null,
      activeHours: null,
      kindActiveHours: {},
      quietRunning: 'continue',
      hoursTimeZone: null,
      minFreeMemoryMb: null,
      adaptiveConcurrency: true,
      ioOvercommit: 2,
      workerMaxJobs: null,
      workerMaxRssMb: 1024,
      redis: null,
    })
  })

  it('an outside ceiling lowers concurrency without changing the setting; suspension holds dispatch', async () => {
    const host = await startHost({ kinds: ['noop.mjs'], engine: { concurrency: 4 } })
    host.engine.limitConcurrency(1)
    expect(host.engine.stats().workers.max).toBe(1)
    expect(host.engine.stats().throttle).toEqual({ limit: 1, reason: 'battery' })
    expect(host.engine.settings().concurrency).toBe(4)
    host.engine.limitConcurrency(null)
    expect(host.engine.stats().workers.max).toBe(4)
    expect(host.engine.stats().throttle).toEqual({ limit: 4, reason: null })
    host.engine.setSuspended(true)
    const job = host.api.createJob({ kind: 'noop' })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(host.api.getJob({ id: job.id }).status).toBe('queued')
    expect(host.engine.stats().paused).toBe(false)
    host.engine.setSuspended(false)
    await waitForStatus(host, job.id, 'succeeded')
  })

  it('pause stops dispatching; resume continues', async () => {
    const host = await startHost({ kinds: ['noop.mjs'] })
    host.engine.pause()
    const job = host.api.createJob({ kind: 'noop' })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(host.api.getJob({ id: job.id }).status).toBe('queued')
    expect(host.engine.stats().paused).toBe(true)
    host.engine.resume()
    await waitForStatus(host, job.id, 'succeeded')
  })

  it('validates jobs before accepting them, and a bad batch adds nothing', async () => {
    const host = await startHost({ kinds: ['add.js'] })
    const reject = (fn: () => unknown) => {
      try {
        fn()
      } catch (error) {
        expect(error).toBeInstanceOf(ApiError)
        return (error as ApiError).code
      }
      throw new Error('expected a rejection')
    }
    expect(reject(() => host.api.createJob({ kind: 'resize' }))).toBe('unknown_kind')
    expect(reject(() => host.api.createJob({ kind: 'add', params: { a: 1 } }))).toBe('invalid_params')
    expect(reject(() => host.api.createJob({ kind: 'shell', params: { command: 'x', cwd: '/no/such/dir' } }))).toBe('invalid_params')
    expect(reject(() => host.api.createJob({ kind: 'shell', params: { command: 'x'.repeat(300_000) } }))).toBe('invalid_params')
    expect(reject(() => host.api.createJob({ kind: 'add', params: { a: 1, b: 2 }, priority: 'asap' as never }))).toBe('invalid_input')
    expect(
      reject(
        () =>
          host.api.createJobs({
            jobs: [
              { kind: 'add', params: { a: 1, b: 2 } },
              { kind: 'add', params: { a: 'x' } },
            ],
          }).ids,
      ),
    ).toBe('invalid_params')
    expect(host.engine.stats().counts.queued).toBe(0)
    const [id] = host.api.createJobs({ jobs: [{ kind: 'add', params: { a: 2, b: 3 } }] }).ids
    expect((await waitForStatus(host, id!, 'succeeded')).result).toEqual({ sum: 5 })
  })

  it('retry puts a failed job back with its attempts reset', async () => {
    const host = await startHost({ kinds: ['flaky.mjs'] })
    const counter = join(tempDir(), 'c')
    const job = host.api.createJob({ kind: 'flaky', params: { counter, failures: 1 }, maxAttempts: 1 })
    await waitForStatus(host, job.id, 'failed')
    expect(() => host.api.retryJob({ id: '01J00000000000000000000000' })).toThrowError(expect.objectContaining({ code: 'not_found' }))
    const retried = host.api.retryJob({ id: job.id })
    expect([retried.status, retried.attempts]).toEqual(['queued', 0])
    const done = await waitForStatus(host, job.id, 'succeeded')
    expect(done.attempts).toBe(1)
    expect(() => host.api.retryJob({ id: job.id })).toThrowError(expect.objectContaining({ code: 'wrong_state' }))
  })
})
