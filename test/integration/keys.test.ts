import { describe, expect, it } from 'vitest'
import { MAX_KEY_LENGTH, type NewJob } from '../../src/shared/job'
import { httpApi, startHost, waitFor, waitForStatus } from '../helpers'

const jobCount = (host: Awaited<ReturnType<typeof startHost>>): number => (host.db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n

describe('keys', () => {
  it('1,000 concurrent adds over HTTP with one key make one job, and every answer names it', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    host.engine.pause()
    const call = await httpApi(host)
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => call('POST', '/api/jobs', { kind: 'sleep', key: 'index ~/Documents', params: { ms: i } })),
    )
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([201]))
    const ids = new Set(answers.map((a) => (a.body as { id: string }).id))
    expect(ids.size).toBe(1)
    expect(jobCount(host)).toBe(1)
    expect(host.api.getJob({ id: [...ids][0]! })).toMatchObject({ key: 'index ~/Documents', status: 'queued' })
  })

  it('dedupe hands back the running job; once it has finished, the key makes a new one', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    const first = host.api.createJob({ kind: 'sleep', key: 'k', params: { ms: 400 } })
    await waitForStatus(host, first.id, 'running')
    expect(host.api.createJob({ kind: 'sleep', key: 'k', params: { ms: 0 } }).id).toBe(first.id)
    await waitForStatus(host, first.id, 'succeeded')
    const next = host.api.createJob({ kind: 'sleep', key: 'k', params: { ms: 0 } })
    expect(next.id).not.toBe(first.id)
    expect(host.api.getJob({ id: first.id }).params).toEqual({ ms: 400 })
  })

  it('replace gives the queued job the new params and name; while it runs, a new job queues behind it', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    host.engine.pause()
    const first = host.api.createJob({ kind: 'sleep', key: 'thumbs', keyMode: 'replace', name: 'old', params: { ms: 300 } })
    const again = host.api.createJob({ kind: 'sleep', key: 'thumbs', keyMode: 'replace', name: 'new', params: { ms: 350 } })
    expect(again).toMatchObject({ id: first.id, name: 'new', params: { ms: 350 }, status: 'queued' })
    expect(jobCount(host)).toBe(1)
    host.engine.resume()
    await waitForStatus(host, first.id, 'running')
    const behind = host.api.createJob({ kind: 'sleep', key: 'thumbs', keyMode: 'replace', params: { ms: 1 } })
    expect(behind.id).not.toBe(first.id)
    expect(host.api.createJob({ kind: 'sleep', key: 'thumbs', keyMode: 'replace', params: { ms: 2 } }).id).toBe(behind.id)
    await waitForStatus(host, behind.id, 'succeeded')
    expect(host.api.getJob({ id: behind.id }).params).toEqual({ ms: 2 })
    expect(host.api.getJob({ id: first.id }).params).toEqual({ ms: 350 })
  })

  it('in a batch, a job taken in by a key stands for it: "#n" after it means the job that took it in', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    host.engine.pause()
    const existing = host.api.createJob({ kind: 'sleep', key: 'extract', params: { ms: 0 } })
    const { ids } = host.api.createJobs({
      jobs: [
        { kind: 'sleep', key: 'extract', params: { ms: 5 } },
        { kind: 'sleep', name: 'index', params: { ms: 0 }, after: ['#0'] },
        { kind: 'sleep', key: 'extract', params: { ms: 6 } },
      ],
    })
    expect([ids[0], ids[2]]).toEqual([existing.id, existing.id])
    expect(host.api.getJobDependencies({ id: ids[1]! }).parents.map((j) => j.id)).toEqual([existing.id])
    expect(jobCount(host)).toBe(2)
  })

  it('debounce 2 s, maxWait 10 s, an add every 500 ms for 30 s: exactly 3 runs, each at its cap or 2 s after the last add', async () => {
    let now = Date.UTC(2026, 11, 3, 9, 0, 0)
    const t0 = now
    const host = await startHost({ kinds: ['noop.mjs'], clock: { now: () => now } })
    const settled = (): boolean => {
      const { queued, running } = host.engine.stats().counts
      return queued + running === 0
    }
    for (let t = 0; t <= 30_000; t += 500) {
      now = t0 + t
      host.api.createJob({ kind: 'noop', key: 'sync', keyMode: 'debounce', debounceMs: 2000, maxWaitMs: 10_000, params: { t } })
      host.engine.timeChanged()
      await waitFor(settled, () => `t=${t}: ${JSON.stringify(host.engine.stats().counts)}`)
    }
    now = t0 + 31_000
    host.engine.timeChanged()
    await waitFor(
      () => host.engine.stats().counts.succeeded === 3 && settled(),
      () => JSON.stringify(host.engine.stats().counts),
    )
    const runs = host.api.listJobs({ sort: 'oldest' }).jobs
    expect(runs.map((job) => [job.status, Date.parse(job.startedAt!) - t0])).toEqual([
      ['succeeded', 10_000],
      ['succeeded', 20_500],
      ['succeeded', 31_000],
    ])
    // Each ran with the params of the last add it took in.
    expect(runs.map((job) => job.params)).toEqual([{ t: 10_000 }, { t: 20_500 }, { t: 30_000 }])
  })

  it('bad keys and key settings are typed 400s that store nothing', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'] })
    host.engine.pause()
    const call = await httpApi(host)
    const bad: [NewJob, string][] = [
      [{ kind: 'sleep', params: { ms: 0 }, key: 'k'.repeat(MAX_KEY_LENGTH + 1) }, 'key'],
      [{ kind: 'sleep', params: { ms: 0 }, key: '' }, 'key'],
      [{ kind: 'sleep', params: { ms: 0 }, keyMode: 'dedupe' }, 'keyMode'],
      [{ kind: 'sleep', params: { ms: 0 }, key: 'k', debounceMs: 100 }, 'debounceMs'],
      [{ kind: 'sleep', params: { ms: 0 }, key: 'k', keyMode: 'debounce' }, 'debounceMs'],
      [{ kind: 'sleep', params: { ms: 0 }, key: 'k', keyMode: 'debounce', debounceMs: 100, delayMs: 5 }, 'delayMs'],
      [{ kind: 'sleep', params: { ms: 0 }, key: 'k', keyMode: 'debounce', debounceMs: -1 }, 'debounceMs'],
      [{ kind: 'sleep', params: { ms: 0 }, key: 'k', keyMode: 'later' as never }, 'keyMode'],
    ]
    for (const [job, path] of bad) {
      const answer = await call('POST', '/api/jobs', job)
      expect([answer.status, answer.body.error.code, answer.body.error.detail.map((d: { path: string }) => d.path)]).toEqual([400, 'invalid_input', [path]])
    }
    const batch = await call('POST', '/api/jobs/batch', { jobs: [{ kind: 'sleep', params: { ms: 0 } }, bad[0]![0]] })
    expect(batch.status).toBe(400)
    expect(jobCount(host)).toBe(0)
  })
})
