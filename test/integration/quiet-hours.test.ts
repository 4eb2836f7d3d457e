import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseRequest } from '../../src/shared/api'
import type { Job } from '../../src/shared/job'
import { dataDirWithKinds, exited, isAlive, startHost, startServer, waitFor, waitForStatus } from '../helpers'

const MINUTE = 60_000

/** The wall clock set to a moment of the test's choosing, then running on in real time; `jump` moves it. */
function clockAt(start: number) {
  let offset = start - Date.now()
  return { now: () => Date.now() + offset, jump: (ms: number) => (offset += ms) }
}

/** A process's state letter from /proc: T is stopped. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  } catch {
    return undefined
  }
}

async function quietHost(start: number) {
  const clock = clockAt(start)
  const kinds = ['noop.mjs', 'sleep.mjs']
  const host = await startHost({ kinds, clock, dataDir: dataDirWithKinds(kinds), engine: { concurrency: 2 } })
  const create = (kind: string, params: unknown = {}): Job => host.handlers.createJob(parseRequest('createJob', { kind, params }))
  const settings = (patch: unknown) => host.handlers.updateSettings(parseRequest('updateSettings', patch))
  return { host, clock, create, settings }
}

describe('quiet hours', () => {
  it('nothing starts before "only 23:00–07:00" opens; the first job starts within 1 s of it', async () => {
    const opening = Date.UTC(2026, 2, 4, 23, 0, 0)
    const { host, create, settings } = await quietHost(opening - 1500)
    settings({ activeHours: { rule: 'only', windows: [{ from: '23:00', to: '07:00' }] }, hoursTimeZone: 'UTC' })
    expect(host.engine.stats().hours).toEqual({ quiet: true, until: '2026-03-04T23:00:00.000Z', kinds: [], held: 0 })
    const jobs = [create('noop'), create('noop'), create('noop')]
    const done = await Promise.all(jobs.map((job) => waitForStatus(host, job.id, 'succeeded')))
    const starts = done.map((job) => Date.parse(job.startedAt!)).sort((a, b) => a - b)
    expect(starts[0]).toBeGreaterThanOrEqual(opening)
    expect(starts[0]).toBeLessThan(opening + 1000)
    expect(host.engine.stats().hours).toMatchObject({ quiet: false, until: '2026-03-05T07:00:00.000Z' })
  })

  it('a kind with hours of its own waits while others run, and starts once its hours are lifted', async () => {
    const { host, create, settings } = await quietHost(Date.UTC(2026, 2, 4, 12))
    settings({ kindActiveHours: { sleep: { rule: 'never', windows: [{ from: '00:00', to: '00:00' }] } }, hoursTimeZone: 'UTC' })
    const sleeper = create('sleep', { ms: 0 })
    const other = create('noop')
    await waitForStatus(host, other.id, 'succeeded')
    expect(host.handlers.getJob({ id: sleeper.id }).status).toBe('queued')
    expect(host.engine.stats().hours).toEqual({ quiet: false, until: null, kinds: [{ kind: 'sleep', until: null }], held: 0 })
    settings({ kindActiveHours: {} })
    await waitForStatus(host, sleeper.id, 'succeeded')
  })

  it('with "suspend", a running job is held when quiet hours begin, and resumes and finishes when they end', async () => {
    const quietFrom = Date.UTC(2026, 2, 4, 23, 0, 0)
    // A minute ahead, so a slow start on a busy machine still begins before 23:00; then on to just before it.
    const { host, clock, create, settings } = await quietHost(quietFrom - MINUTE)
    settings({ activeHours: { rule: 'never', windows: [{ from: '23:00', to: '23:05' }] }, hoursTimeZone: 'UTC', quietRunning: 'suspend' })
    const job = create('sleep', { ms: 2500 })
    const running = await waitFor(() => {
      const now = host.handlers.getJob({ id: job.id })
      return now.startedAt ? now : undefined
    }, 'the job to start before 23:00')
    expect(Date.parse(running.startedAt!)).toBeLessThan(quietFrom)
    clock.jump(quietFrom - 200 - clock.now())
    host.engine.timeChanged()
    // The attempt's record may be written a flush after the job shows as started.
    const pid = await waitFor(() => host.handlers.getJobAttempts({ id: job.id }).attempts[0]?.workerPid, 'the attempt to name its worker')
    await waitFor(() => host.engine.stats().hours.held === 1, 'the job to be held at 23:00')
    expect(host.engine.stats().hours).toMatchObject({ quiet: true, until: '2026-03-04T23:05:00.000Z', held: 1 })
    expect(processState(pid)).toBe('T')
    // Held past the 2.5 s it needs: it has not finished.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    expect(host.handlers.getJob({ id: job.id }).status).toBe('running')
    const queued = create('noop')
    clock.jump(5 * MINUTE)
    host.engine.timeChanged()
    await waitForStatus(host, job.id, 'succeeded')
    await waitForStatus(host, queued.id, 'succeeded')
    expect(host.engine.stats().hours.held).toBe(0)
    expect(processState(pid)).not.toBe('T')
  })

  it('a held worker dies with its host, killed -9', async () => {
    const dataDir = dataDirWithKinds(['sleep.mjs'])
    const server = await startServer(dataDir)
    const job = (await server.call('POST', '/api/jobs', { kind: 'sleep', params: { ms: 600_000 } })) as unknown as Job
    await waitFor(async () => ((await server.call('GET', `/api/jobs/${job.id}`)) as unknown as Job).startedAt, 'the job to start')
    await server.call('PUT', '/api/settings', { activeHours: { rule: 'never', windows: [{ from: '00:00', to: '00:00' }] }, quietRunning: 'suspend' })
    const pid = await waitFor(async () => {
      const { attempts } = (await server.call('GET', `/api/jobs/${job.id}/attempts`)) as unknown as { attempts: { workerPid?: number }[] }
      return attempts[0]?.workerPid
    }, 'the attempt to name its worker')
    await waitFor(() => processState(pid) === 'T', 'the worker to be held')
    server.child.kill('SIGKILL')
    await exited(server.child)
    await waitFor(() => !isAlive(pid), 'the held worker to be gone', 5000)
  })
})
