import { describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import { startHost, waitFor } from '../helpers'

const DAY = 86_400_000

/** A host whose jobs have all ended: `n` succeed, and each writes a log line; one fails and one is cancelled. */
async function hostWithEndedJobs(n: number) {
  const host = await startHost({ kinds: ['noop.mjs', 'sleep.mjs'] })
  host.api.pauseQueue({})
  const jobs: Job[] = []
  for (let i = 0; i < n; i++) jobs.push(host.api.createJob({ kind: 'shell', name: `done ${i}`, params: { command: `echo line ${i}` } }))
  const failed = host.api.createJob({ kind: 'shell', name: 'broke', maxAttempts: 1, params: { command: 'exit 1' } })
  const cancelled = host.api.createJob({ kind: 'sleep', name: 'stopped', params: { ms: 60_000 } })
  host.api.cancelJob({ id: cancelled.id })
  host.api.resumeQueue({})
  await waitFor(() => {
    const { counts } = host.api.getStats({})
    return counts.succeeded === n && counts.failed === 1
  }, 'the jobs to end')
  return { host, jobs, failed, cancelled }
}

/** Makes jobs look as if they finished `days` ago. */
function age(host: Awaited<ReturnType<typeof startHost>>, ids: string[], days: number): void {
  const update = host.db.prepare('UPDATE jobs SET finished_at = ? WHERE id = ?')
  for (const id of ids) update.run(Date.now() - days * DAY, id)
}

describe('retention: finished jobs past their term are removed, with their logs', () => {
  it('removes succeeded and cancelled jobs after keepFinishedDays, failed ones only after keepFailedDays', async () => {
    const { host, jobs, failed, cancelled } = await hostWithEndedJobs(450)
    host.api.updateSettings({ keepFinishedDays: 7, keepFailedDays: 30 })
    const old = jobs.slice(0, 300).map((j) => j.id)
    age(host, [...old, cancelled.id, failed.id], 10)
    const logs = () => host.db.prepare('SELECT count(*) FROM job_logs').pluck().get() as number
    const logsBefore = logs()

    // In batches (of 50) with the event loop free between them: several here.
    expect(await host.retention.runOnce()).toBe(301)
    const { counts } = host.api.getStats({})
    expect(counts).toMatchObject({ succeeded: 150, cancelled: 0, failed: 1 })
    expect(host.api.listJobs({ status: 'succeeded', limit: 1000 }).jobs.map((j) => j.name)).not.toContain('done 0')
    expect(logs()).toBeLessThan(logsBefore - 290)
    expect(host.db.prepare('SELECT count(*) FROM job_logs WHERE job_id = ?').pluck().get(old[0])).toBe(0)

    // Past its own, longer term, the failed one goes too; a second pass has nothing left to do.
    age(host, [failed.id], 31)
    expect(await host.retention.runOnce()).toBe(1)
    expect(await host.retention.runOnce()).toBe(0)
  })

  it('keeps at most keepFinishedMax succeeded and cancelled jobs, the oldest going first; null keeps everything', async () => {
    const { host, jobs } = await hostWithEndedJobs(250)
    host.api.updateSettings({ keepFinishedDays: null, keepFailedDays: null, keepFinishedMax: 100 })
    age(
      host,
      jobs.map((j) => j.id),
      400,
    )
    expect(await host.retention.runOnce()).toBe(151)
    const { counts } = host.api.getStats({})
    expect(counts.succeeded + counts.cancelled).toBe(100)
    expect(counts.failed).toBe(1)
    const kept = host.api.listJobs({ status: 'succeeded', limit: 1000, sort: 'oldest' }).jobs
    // 250 succeeded and 1 cancelled (the newest): the 151 oldest went, done 0 to done 150.
    expect(kept[0]!.name).toBe('done 151')
    host.api.updateSettings({ keepFinishedMax: null })
    expect(await host.retention.runOnce()).toBe(0)
  })

  it('refuses a term out of range, changing nothing', async () => {
    const host = await startHost({ kinds: ['noop.mjs'] })
    for (const bad of [{ keepFinishedDays: 0 }, { keepFailedDays: 5000 }, { keepFinishedMax: 10 }, { keepFinishedDays: 'week' }]) {
      expect(() => host.api.updateSettings(bad as never)).toThrow(/keep/)
    }
    expect(host.api.getSettings({})).toMatchObject({ keepFinishedDays: 30, keepFailedDays: 90, keepFinishedMax: null })
  })
})

describe('"Clear finished…"', () => {
  it('removes every finished job of the chosen statuses with its logs, in batches, and leaves the rest', async () => {
    const { host, jobs, failed, cancelled } = await hostWithEndedJobs(180)
    const waiting = host.api.createJob({ kind: 'sleep', runAt: new Date(Date.now() + 3_600_000).toISOString(), params: { ms: 1 } })
    const logsOf = (id: string) => host.db.prepare('SELECT count(*) FROM job_logs WHERE job_id = ?').pluck().get(id) as number
    expect(logsOf(jobs[0]!.id)).toBeGreaterThan(0)
    expect(await host.api.clearFinished({ status: ['succeeded', 'cancelled'] })).toEqual({ removed: 181 })
    expect(host.api.getStats({}).counts).toMatchObject({ succeeded: 0, cancelled: 0, failed: 1, scheduled: 1 })
    expect(logsOf(jobs[0]!.id)).toBe(0)
    expect(() => host.api.getJob({ id: cancelled.id })).toThrowError(expect.objectContaining({ code: 'not_found' }))
    expect(host.api.getJob({ id: failed.id }).status).toBe('failed')
    expect(host.api.getJob({ id: waiting.id }).status).toBe('scheduled')
    expect(await host.api.clearFinished({ status: ['failed'] })).toEqual({ removed: 1 })
    expect(await host.api.clearFinished({ status: ['failed'] })).toEqual({ removed: 0 })
  })
})
