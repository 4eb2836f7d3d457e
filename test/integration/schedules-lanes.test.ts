import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRequest } from '../../src/shared/api'
import type { Job } from '../../src/shared/job'
import type { NewSchedule } from '../../src/shared/schedule'
import { dataDirWithKinds, httpApi, startHost } from '../helpers'

/** A wall clock the test moves by hand; the host's timers still run, on real time. */
function fakeClock(start: number) {
  let now = start
  return { now: () => now, set: (t: number) => (now = t) }
}

const T0 = Date.UTC(2026, 0, 5, 9, 59, 0)
const slot = (hour: number) => Date.UTC(2026, 0, 5, hour, 0, 0, 5)

async function hostAt(start: number) {
  const clock = fakeClock(start)
  const dataDir = dataDirWithKinds(['noop.mjs'])
  writeFileSync(join(dataDir, 'kinds', 'encode-video.mjs'), `export default { name: 'encode-video', lane: 'video', run: () => 'done' }`)
  const host = await startHost({ clock, dataDir, engine: { concurrency: 4 } })
  // Paused: the tests read the jobs the schedules make, not what running them does.
  host.handlers.pauseQueue({})
  const add = (input: Omit<NewSchedule, 'kind' | 'cron'> & { kind?: string }) =>
    host.handlers.createSchedule(parseRequest('createSchedule', { kind: 'noop', cron: '0 * * * *', ...input }))
  const jobsOf = (name: string): Job[] => host.handlers.listJobs(parseRequest('listJobs', { q: name, sort: 'oldest' })).jobs.filter((j) => j.name === name)
  const fireAt = (t: number) => {
    clock.set(t)
    host.schedules.check()
  }
  return { host, add, jobsOf, fireAt }
}

describe('the lane and slots of a schedule’s jobs', () => {
  it('a schedule in lane encode with 2 slots fires its jobs there, taking 2; with no lane they take the kind’s', async () => {
    const { add, jobsOf, fireAt } = await hostAt(T0)
    const encode = add({ name: 'Nightly encode', lane: 'encode', slots: 2 })
    expect(encode).toMatchObject({ lane: 'encode', slots: 2 })
    const plain = add({ name: 'Plain', kind: 'encode-video' })
    expect(plain).toMatchObject({ lane: null, slots: 1 })
    const noop = add({ name: 'Noop', lane: null })
    fireAt(slot(10))
    expect(jobsOf('Nightly encode').map((j) => [j.lane, j.slots])).toEqual([['encode', 2]])
    expect(jobsOf('Plain').map((j) => [j.lane, j.slots])).toEqual([['video', 1]])
    expect(jobsOf('Noop').map((j) => [j.lane, j.slots])).toEqual([['default', 1]])
    expect(noop.lane).toBeNull()
  })

  it('an update changes the lane and slots of the jobs fired after it, not of those already made', async () => {
    const { host, add, jobsOf, fireAt } = await hostAt(T0)
    // The later runs by hand: one of the pattern would be skipped (overlap) while the first waits in the paused queue.
    const { id } = add({ name: 'Moved', kind: 'encode-video' })
    fireAt(slot(10))
    const updated = host.handlers.updateSchedule(parseRequest('updateSchedule', { id, lane: 'encode', slots: 3 }))
    expect(updated).toMatchObject({ lane: 'encode', slots: 3 })
    expect(host.handlers.getSchedule({ id })).toMatchObject({ lane: 'encode', slots: 3 })
    host.handlers.runSchedule({ id })
    host.handlers.updateSchedule(parseRequest('updateSchedule', { id, lane: null, slots: 1 }))
    host.handlers.runSchedule({ id })
    expect(jobsOf('Moved').map((j) => [j.lane, j.slots])).toEqual([
      ['video', 1],
      ['encode', 3],
      ['video', 1],
    ])
  })

  it('with the concurrency setting lowered below its slots since, a run still makes its job, taking every slot', async () => {
    const { host, add, jobsOf, fireAt } = await hostAt(T0)
    const { id } = add({ name: 'Wide', slots: 4 })
    host.engine.updateSettings({ concurrency: 2 })
    fireAt(slot(10))
    host.handlers.runSchedule({ id })
    expect(jobsOf('Wide').map((j) => j.slots)).toEqual([2, 2])
    expect(host.handlers.getSchedule({ id }).history.map((r) => r.state)).toEqual(['enqueued', 'enqueued'])
  })

  it('a bad lane, no slots or more slots than the concurrency setting is a typed 400 naming the field; nothing is stored', async () => {
    const { host } = await hostAt(T0)
    const api = await httpApi(host)
    const bad: [unknown, string, RegExp][] = [
      [{ lane: 'Bad Lane' }, 'lane', /lowercase name/],
      [{ slots: 0 }, 'slots', /./],
      [{ slots: 5 }, 'slots', /more than the 4 jobs Offload runs at once \(the concurrency setting\)/],
      [{ slots: 1.5 }, 'slots', /./],
    ]
    const refusedWith = async (method: string, path: string, body: unknown, field: string, message: RegExp) => {
      const res = await api(method, path, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.code, JSON.stringify(res.body)).toBe('invalid_input')
      expect(res.body.error.message, JSON.stringify(body)).toMatch(message)
      expect((res.body.error.detail as { path: string }[]).map((d) => d.path)).toEqual([field])
    }
    for (const [body, field, message] of bad)
      await refusedWith('POST', '/api/schedules', { kind: 'noop', cron: '0 * * * *', ...(body as object) }, field, message)
    expect((await api('GET', '/api/schedules')).body).toEqual({ schedules: [] })

    const made = await api('POST', '/api/schedules', { kind: 'noop', cron: '0 * * * *', lane: 'encode', slots: 2 })
    expect(made.status).toBe(201)
    const id = made.body.id as string
    for (const [body, field, message] of bad) await refusedWith('PUT', `/api/schedules/${id}`, body, field, message)
    expect((await api('GET', `/api/schedules/${id}`)).body).toMatchObject({ lane: 'encode', slots: 2 })
  })
})
