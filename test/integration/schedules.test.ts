import Database from 'better-sqlite3'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRequest } from '../../src/shared/api'
import type { Job } from '../../src/shared/job'
import type { NewSchedule } from '../../src/shared/schedule'
import { dataDirWithKinds, exited, startHost, startServer, tempDir, waitFor } from '../helpers'

const MINUTE = 60_000
const HOUR = 60 * MINUTE

/** A wall clock the test moves by hand; the host's timers still run, on real time. */
function fakeClock(start: number) {
  let now = start
  return { now: () => now, set: (t: number) => (now = t), add: (ms: number) => (now += ms) }
}

async function hostAt(start: number, kinds = ['noop.mjs', 'sleep.mjs']) {
  const clock = fakeClock(start)
  const host = await startHost({ kinds, clock, dataDir: dataDirWithKinds(kinds), engine: { concurrency: 4 } })
  const add = (input: Omit<NewSchedule, 'kind'> & { kind?: string }) => host.handlers.createSchedule(parseRequest('createSchedule', { kind: 'noop', ...input }))
  const jobsOf = (name: string): Job[] => host.handlers.listJobs(parseRequest('listJobs', { q: name, sort: 'oldest' })).jobs.filter((j) => j.name === name)
  return { host, clock, add, jobsOf }
}

describe('recurring schedules', () => {
  it('lists each schedule with its next 5 fire times, and fires each slot once, at its time', async () => {
    const t0 = Date.UTC(2026, 0, 5, 9, 59, 0)
    const { host, clock, add, jobsOf } = await hostAt(t0)
    const hourly = add({ name: 'Hourly', cron: '0 * * * *' })
    expect(hourly.nextRuns).toEqual([10, 11, 12, 13, 14].map((h) => new Date(Date.UTC(2026, 0, 5, h)).toISOString()))
    expect(hourly).toMatchObject({ timezone: 'UTC', enabled: true, overlap: 'skip', missed: 'once', lastRun: null })
    host.schedules.check()
    expect(jobsOf('Hourly')).toEqual([])
    clock.set(Date.UTC(2026, 0, 5, 10, 0, 0, 5))
    host.schedules.check()
    host.schedules.check()
    const [job] = jobsOf('Hourly')
    expect(jobsOf('Hourly')).toHaveLength(1)
    const { schedules } = host.handlers.listSchedules({})
    expect(schedules[0]!.lastRun).toMatchObject({ slot: '2026-01-05T10:00:00.000Z', state: 'enqueued', late: false, manual: false, jobId: job!.id })
    expect(schedules[0]!.nextRuns[0]).toBe('2026-01-05T11:00:00.000Z')
  })

  it('after 5 h 10 min down, "once" makes up 1 run, "all" with a 3 h window 3, "skip" none; the next slot fires as usual', async () => {
    const t0 = Date.UTC(2026, 0, 5, 10, 0, 0)
    const { host, clock, add, jobsOf } = await hostAt(t0)
    for (const missed of ['once', 'all', 'skip'] as const) add({ name: `Missed ${missed}`, cron: '0 * * * *', missed, missedWindowMs: 3 * HOUR })
    host.schedules.check()
    // Down from just after 10:00 until 15:10: the slots of 11:00 … 15:00 were missed.
    clock.set(t0 + 5 * HOUR + 10 * MINUTE)
    host.schedules.check()
    expect(jobsOf('Missed once')).toHaveLength(1)
    expect(jobsOf('Missed all')).toHaveLength(3)
    expect(jobsOf('Missed skip')).toHaveLength(0)
    const detail = host.handlers.getSchedule({ id: host.handlers.listSchedules({}).schedules.find((s) => s.name === 'Missed all')!.id })
    expect(detail.history.map((r) => [r.slot.slice(11, 16), r.late])).toEqual([
      ['15:00', true],
      ['14:00', true],
      ['13:00', true],
    ])
    // Made up runs that are still going would make the next one overlap (and be skipped).
    await waitFor(() => host.engine.stats().counts.succeeded === 4, 'the made-up runs to end')
    clock.set(Date.UTC(2026, 0, 5, 16, 0, 1))
    host.schedules.check()
    expect([jobsOf('Missed once'), jobsOf('Missed all'), jobsOf('Missed skip')].map((j) => j.length)).toEqual([2, 4, 1])
  })

  it('across daylight saving, 30 2 * * * in New York runs once a day (croner: 03:00 on the spring day, the second 02:30 in the fall)', async () => {
    const { host, clock, add, jobsOf } = await hostAt(Date.UTC(2026, 2, 7, 12))
    host.handlers.pauseQueue({})
    const spring = add({ name: 'NY', cron: '30 2 * * *', timezone: 'America/New_York' })
    expect(spring.nextRuns.slice(0, 3)).toEqual(['2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z'])
    const fall = host.handlers.updateSchedule(parseRequest('updateSchedule', { id: spring.id, enabled: false }))
    expect(fall.nextRuns).toEqual([])
    clock.set(Date.UTC(2026, 9, 31, 12))
    const enabled = host.handlers.updateSchedule(parseRequest('updateSchedule', { id: spring.id, enabled: true }))
    // 02:30 happens twice on 1 November (EDT, then EST): croner takes the second.
    expect(enabled.nextRuns.slice(0, 2)).toEqual(['2026-11-01T07:30:00.000Z', '2026-11-02T07:30:00.000Z'])
    // Walk the fall-back day minute by minute: one run.
    for (let t = Date.UTC(2026, 10, 1, 5); t <= Date.UTC(2026, 10, 1, 9); t += MINUTE) {
      clock.set(t)
      host.schedules.check()
    }
    expect(jobsOf('NY')).toHaveLength(1)
    const berlin = add({ name: 'Berlin', cron: '0 9 * * *', timezone: 'Europe/Berlin' })
    const utc = add({ name: 'UTC', cron: '0 9 * * *', timezone: 'UTC' })
    expect(berlin.nextRuns[0]).toBe('2026-11-02T08:00:00.000Z')
    expect(utc.nextRuns[0]).toBe('2026-11-02T09:00:00.000Z')
  })

  it('a long job on an every-minute schedule: "skip" never runs two at once; "queue" runs them back to back; "replace" cancels the old one', async () => {
    const t0 = Date.UTC(2026, 0, 5, 10, 0, 0)
    const { host, clock, add, jobsOf } = await hostAt(t0)
    for (const overlap of ['skip', 'queue', 'replace'] as const)
      add({ name: `Long ${overlap}`, kind: 'sleep', params: { ms: 120_000 }, cron: '* * * * *', overlap })
    clock.set(t0 + MINUTE)
    host.schedules.check()
    for (const overlap of ['skip', 'queue', 'replace'])
      await waitFor(() => jobsOf(`Long ${overlap}`)[0]?.status === 'running', `Long ${overlap} to run`, 60_000)
    clock.set(t0 + 2 * MINUTE)
    host.schedules.check()
    expect(jobsOf('Long skip').length, 'skip').toBe(1)
    expect(jobsOf('Long queue').length, 'queue').toBe(1)
    expect(jobsOf('Long replace').map((j) => j.status)).toEqual(['cancelled', expect.stringMatching(/queued|running/)])
    const skip = host.handlers.listSchedules({}).schedules.find((s) => s.name === 'Long skip')!
    expect(skip.lastRun).toMatchObject({ state: 'skipped', jobId: null })

    // The queued run starts once the first has ended (here: is cancelled), not before.
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(jobsOf('Long queue')).toHaveLength(1)
    host.handlers.cancelJob({ id: jobsOf('Long queue')[0]!.id })
    const [first, second] = await waitFor(() => {
      const jobs = jobsOf('Long queue')
      return jobs.length === 2 && jobs
    }, 'the queued run to start')
    expect(first!.status).toBe('cancelled')
    await waitFor(() => host.handlers.getJob({ id: second!.id }).status === 'running', 'the queued run to run')
    expect(host.handlers.getSchedule({ id: host.handlers.listSchedules({}).schedules.find((s) => s.name === 'Long queue')!.id }).history[0]).toMatchObject({
      state: 'enqueued',
      jobId: second!.id,
    })
  })

  it('"run now" runs one at once, outside the pattern; a disabled schedule fires nothing; a deleted one is gone', async () => {
    const t0 = Date.UTC(2026, 0, 5, 10, 0, 0)
    const { host, clock, add, jobsOf } = await hostAt(t0)
    const schedule = add({ name: 'Manual', cron: '0 0 1 1 *', enabled: false })
    const job = host.handlers.runSchedule({ id: schedule.id })
    expect(job).toMatchObject({ name: 'Manual', kind: 'noop' })
    expect(host.handlers.getSchedule({ id: schedule.id }).history[0]).toMatchObject({ manual: true, jobId: job.id })
    clock.set(Date.UTC(2027, 0, 1, 0, 0, 5))
    host.schedules.check()
    expect(jobsOf('Manual')).toHaveLength(1)
    expect(host.handlers.deleteSchedule({ id: schedule.id })).toEqual({ ok: true })
    expect(() => host.handlers.getSchedule({ id: schedule.id })).toThrow(`No schedule with id ${schedule.id}`)
    expect(() => host.handlers.deleteSchedule({ id: schedule.id })).toThrow(/No schedule/)
  })

  it('1,000 schedules due at the same instant are enqueued in one check', async () => {
    const t0 = Date.UTC(2026, 0, 5, 9, 59, 59)
    const { host, clock, add } = await hostAt(t0)
    host.handlers.pauseQueue({})
    for (let i = 0; i < 1000; i++) add({ name: `Many ${i}`, cron: '0 10 * * *' })
    clock.set(Date.UTC(2026, 0, 5, 10, 0, 0))
    host.schedules.check()
    expect(host.engine.stats().counts.queued).toBe(1000)
  })

  it('refuses a bad cron, an unknown time zone, an unknown kind and params the kind refuses, naming the field; nothing is stored', async () => {
    const { host, add } = await hostAt(Date.UTC(2026, 0, 5))
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ cron: '61 * * * *' }, /^cron: Invalid value for minute: 61/],
      [{ cron: '* * * * *', timezone: 'Mars/Olympus' }, /^timezone: Unknown time zone "Mars\/Olympus"/],
      [{ cron: '* * * * *', overlap: 'sometimes' }, /^overlap: /],
      [{ cron: '* * * * *', kind: 'nope' }, /^No job kind "nope"/],
      [{ cron: '* * * * *', kind: 'sleep', params: { ms: 'long' } }, /^Invalid params for "sleep": ms: /],
    ]
    for (const [input, message] of refused) expect(() => add({ name: 'Bad', ...input } as NewSchedule)).toThrow(message)
    try {
      add({ name: 'Bad', cron: '* * * * *', kind: 'nope' })
    } catch (error) {
      expect(error).toMatchObject({ code: 'unknown_kind', detail: [{ path: 'kind' }] })
    }
    const id = add({ name: 'Good', cron: '* * * * *' }).id
    expect(() => host.handlers.updateSchedule(parseRequest('updateSchedule', { id, cron: '* * 32 * *' }))).toThrow(/^cron: /)
    expect(() => host.handlers.updateSchedule(parseRequest('updateSchedule', { id, timezone: 'Nowhere' }))).toThrow(/^timezone: Unknown time zone/)
    expect(host.handlers.listSchedules({}).schedules.map((s) => [s.name, s.cron])).toEqual([['Good', '* * * * *']])
  })
})

describe('a schedule across crashes', () => {
  it('killed with -9 again and again, a server fires every slot of an every-second schedule exactly once', async () => {
    const dataDir = tempDir()
    let server = await startServer(dataDir, ['--concurrency', '1'])
    // Runs that overlap are skipped (the default), but recorded: every slot still has exactly one run.
    await server.call('POST', '/api/schedules', {
      name: 'Tick',
      cron: '* * * * * *',
      kind: 'shell',
      params: { command: 'true' },
      missed: 'all',
      missedWindowMs: 3_600_000,
    })
    const created = Date.now()
    for (let round = 0; round < 4; round++) {
      await new Promise((resolve) => setTimeout(resolve, 700 + Math.random() * 900))
      server.child.kill('SIGKILL')
      await exited(server.child)
      server = await startServer(dataDir, ['--concurrency', '1'])
    }
    await new Promise((resolve) => setTimeout(resolve, 1500))
    server.child.kill('SIGTERM')
    await exited(server.child)
    const db = new Database(join(dataDir, 'offload.db'), { readonly: true })
    const runs = db.prepare(`SELECT slot, state, job_id FROM schedule_runs ORDER BY slot`).all() as { slot: number; state: string; job_id: string }[]
    const jobs = db.prepare(`SELECT id FROM jobs`).all() as { id: string }[]
    db.close()
    // Every second from the first slot to the last has its one run and its one job: none lost, none doubled.
    expect(runs.length).toBeGreaterThan(5)
    expect(runs[0]!.slot).toBeGreaterThanOrEqual(Math.floor(created / 1000) * 1000)
    const slots = runs.map((r) => r.slot)
    expect(slots).toEqual(Array.from({ length: slots.length }, (_, i) => slots[0]! + i * 1000))
    const enqueued = runs.filter((r) => r.state === 'enqueued')
    // How many overlap a run still going depends on the machine's load (a busy one skips nearly all); the first
    // slot always gets through, as nothing runs yet. A CI run on a loaded machine had only 1 of them.
    expect(enqueued.length).toBeGreaterThanOrEqual(1)
    expect(runs.every((r) => r.state === 'enqueued' || (r.state === 'skipped' && r.job_id === null))).toBe(true)
    expect(new Set(enqueued.map((r) => r.job_id)).size).toBe(enqueued.length)
    expect(jobs.map((j) => j.id).sort()).toEqual(enqueued.map((r) => r.job_id).sort())
  })
})
