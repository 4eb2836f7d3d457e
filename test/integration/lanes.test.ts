import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Job } from '../../src/shared/job'
import type { Lane } from '../../src/shared/lane'
import { dataDirWithKinds, httpApi, startHost, waitFor } from '../helpers'

type TestHost = Awaited<ReturnType<typeof startHost>>

const sleeps = (host: TestHost, n: number, job: { lane?: string; ms: number; slots?: number; name?: string }) =>
  host.api.createJobs({
    jobs: Array.from({ length: n }, (_, i) => ({
      kind: 'sleep',
      name: `${job.name ?? job.lane ?? 'job'} ${i}`,
      params: { ms: job.ms },
      ...(job.lane ? { lane: job.lane } : {}),
      ...(job.slots ? { slots: job.slots } : {}),
    })),
  }).ids

/** Every job of these statuses, read in one go: the store commits each dispatch turn whole, so a read sees one turn or the next. */
const jobsIn = (host: TestHost, status: Job['status']): Job[] => host.api.listJobs({ status, limit: 1000 }).jobs

const count = (jobs: readonly Job[], lane: string): number => jobs.filter((j) => j.lane === lane).length

/** Calls `read` every `everyMs` until `done` says so; the readings, in order. */
async function sample<T>(read: () => T, done: (value: T) => boolean, everyMs = 50, timeoutMs = 60_000): Promise<T[]> {
  const readings: T[] = []
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = read()
    readings.push(value)
    if (done(value)) return readings
    if (Date.now() > deadline) throw new Error(`Still sampling after ${timeoutMs} ms: ${JSON.stringify(value)}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

describe('lanes', () => {
  it('a lane limited to one runs one at a time, and the other slots stay busy with the rest', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 4 } })
    host.api.updateLane({ name: 'encode', concurrency: 1 })
    host.engine.pause()
    sleeps(host, 20, { lane: 'encode', ms: 150 })
    sleeps(host, 20, { lane: 'hash', ms: 150 })
    host.engine.resume()
    const readings = await sample(
      () => {
        const running = jobsIn(host, 'running')
        const queued = jobsIn(host, 'queued')
        return { encode: count(running, 'encode'), hash: count(running, 'hash'), encodeWaiting: count(queued, 'encode'), hashWaiting: count(queued, 'hash') }
      },
      (r) => r.encode + r.hash + r.encodeWaiting + r.hashWaiting === 0,
    )
    expect(Math.max(...readings.map((r) => r.encode))).toBe(1)
    // While both lanes have work waiting, the one encode slot and the three others are all taken.
    const contended = readings.filter((r) => r.encodeWaiting > 0 && r.hashWaiting > 0 && r.encode + r.hash > 0)
    expect(contended.length).toBeGreaterThan(3)
    expect(contended.filter((r) => r.encode !== 1 || r.hash !== 3)).toEqual([])
    expect(jobsIn(host, 'succeeded')).toHaveLength(40)
  })

  it('a job of two slots counts twice towards the limit', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 4 } })
    host.engine.pause()
    const [wide] = sleeps(host, 1, { name: 'wide', ms: 1500, slots: 2 })
    sleeps(host, 6, { name: 'narrow', ms: 400 })
    host.engine.resume()
    const readings = await sample(
      () => jobsIn(host, 'running'),
      (running) => running.length === 0 && jobsIn(host, 'queued').length === 0,
    )
    const slots = readings.map((running) => running.reduce((n, j) => n + j.slots, 0))
    expect(Math.max(...slots)).toBe(4)
    const withWide = readings.filter((running) => running.some((j) => j.id === wide))
    expect(withWide.length).toBeGreaterThan(5)
    // Beside the wide job, only two others at a time.
    expect(Math.max(...withWide.map((running) => running.length))).toBe(3)
    expect(host.api.getJob({ id: wide! })).toMatchObject({ status: 'succeeded', slots: 2 })
  })

  it('a wide job at the head of the queue waits for room rather than letting narrow ones pass it for ever', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 2 } })
    host.engine.pause()
    sleeps(host, 1, { name: 'first', ms: 600 })
    const [wide] = sleeps(host, 1, { name: 'wide', ms: 50, slots: 2 })
    const after = sleeps(host, 3, { name: 'after', ms: 50 })
    host.engine.resume()
    const done = await waitFor(() => {
      const jobs = [wide!, ...after].map((id) => host.api.getJob({ id }))
      return jobs.every((j) => j.status === 'succeeded') && jobs
    }, 'every job to end')
    const startOf = (j: Job): number => Date.parse(j.startedAt!)
    for (const later of done.slice(1)) expect(startOf(later)).toBeGreaterThanOrEqual(startOf(done[0]!))
  })

  it('pausing a lane: none of its queued jobs starts while the others go on, and those sent ahead come back; resuming lets them run', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 2 } })
    host.engine.pause()
    // Short jobs, so that workers hold several ahead in their inboxes: those must come back too.
    sleeps(host, 300, { lane: 'slow', ms: 2 })
    sleeps(host, 300, { lane: 'other', ms: 2 })
    host.engine.resume()
    await waitFor(() => count(jobsIn(host, 'succeeded'), 'slow') >= 20, 'jobs of the lane to end')
    expect(host.api.updateLane({ name: 'slow', paused: true })).toMatchObject({ name: 'slow', paused: true, concurrency: null })
    // Read in the same turn as the pause: the next dispatch has not run yet. None of these may start while it lasts.
    const waitingAtPause = jobsIn(host, 'queued').filter((j) => j.lane === 'slow')
    expect(waitingAtPause.length).toBeGreaterThan(0)
    await waitFor(() => count(jobsIn(host, 'succeeded'), 'other') === 300, 'the other lane to finish')
    expect(waitingAtPause.map((j) => host.api.getJob({ id: j.id })).filter((j) => j.status !== 'queued' || j.attempts > 0)).toEqual([])
    expect(count(jobsIn(host, 'queued'), 'slow')).toBeGreaterThan(0)
    expect(host.api.getLane({ name: 'slow' })).toMatchObject({ paused: true, running: 0 })
    host.api.updateLane({ name: 'slow', paused: false })
    await waitFor(() => count(jobsIn(host, 'succeeded'), 'slow') === 300, 'the lane to run again')
    // Open and unlimited again with nothing waiting or running, it is not listed.
    expect(host.api.listLanes({}).lanes.map((l) => l.name)).toEqual(['default'])
  })

  it('a paused lane stays paused across a restart, and its limit holds', async () => {
    const dataDir = dataDirWithKinds(['sleep.mjs'])
    const first = await startHost({ dataDir })
    first.api.updateLane({ name: 'night', paused: true, concurrency: 2 })
    const [id] = sleeps(first, 1, { lane: 'night', ms: 0 })
    await first.close(0)
    const second = await startHost({ dataDir })
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(second.api.getJob({ id: id! }).status).toBe('queued')
    expect(second.api.listLanes({}).lanes).toEqual([
      { name: 'default', concurrency: null, paused: false, queued: 0, running: 0, slotsInUse: 0 },
      { name: 'night', concurrency: 2, paused: true, queued: 1, running: 0, slotsInUse: 0 },
    ] satisfies Lane[])
    second.api.updateLane({ name: 'night', paused: false })
    await waitFor(() => second.api.getJob({ id: id! }).status === 'succeeded', 'the job to run once the lane is resumed')
  })

  it('a kind may name its lane; a job may name another', async () => {
    const dataDir = dataDirWithKinds(['sleep.mjs'])
    writeFileSync(join(dataDir, 'kinds', 'encode.mjs'), `export default { name: 'encode', lane: 'video', run: () => 'done' }`)
    writeFileSync(join(dataDir, 'kinds', 'bad-lane.mjs'), `export default { name: 'bad-lane', lane: 'Not A Lane', run: () => 'done' }`)
    const host = await startHost({ dataDir })
    expect(host.api.createJob({ kind: 'encode' }).lane).toBe('video')
    expect(host.api.createJob({ kind: 'encode', lane: 'other' }).lane).toBe('other')
    expect(host.api.createJob({ kind: 'sleep', params: { ms: 0 } })).toMatchObject({ lane: 'default', slots: 1 })
    const { errors } = host.api.listKinds({})
    expect(errors).toEqual([expect.objectContaining({ file: expect.stringContaining('bad-lane.mjs'), message: expect.stringContaining('"lane"') })])
  })

  it('bad input is a typed 400 and stores nothing', async () => {
    const host = await startHost({ kinds: ['sleep.mjs'], engine: { concurrency: 4 } })
    const api = await httpApi(host)
    const refused = async (method: string, path: string, body: unknown, says: string) => {
      const res = await api(method, path, body)
      expect(res.status, JSON.stringify(res.body)).toBe(400)
      expect(res.body.error.code).toMatch(/^invalid_/)
      expect(res.body.error.message).toContain(says)
    }
    await refused('PUT', '/api/lanes/encode', { concurrency: -1 }, 'concurrency')
    await refused('PUT', '/api/lanes/encode', { concurrency: 1.5 }, 'concurrency')
    await refused('PUT', '/api/lanes/encode', { paused: 'yes' }, 'paused')
    await refused('PUT', '/api/lanes/encode', { limit: 2 }, 'limit')
    await refused('PUT', '/api/lanes/Not%20A%20Lane', { paused: true }, 'lowercase name')
    await refused('POST', '/api/jobs', { kind: 'sleep', params: { ms: 0 }, slots: 5 }, 'more than the 4 jobs')
    await refused('POST', '/api/jobs', { kind: 'sleep', params: { ms: 0 }, slots: 0 }, 'slots')
    await refused('POST', '/api/jobs', { kind: 'sleep', params: { ms: 0 }, lane: 'x'.repeat(65) }, 'lane')
    await refused(
      'POST',
      '/api/jobs/batch',
      {
        jobs: [
          { kind: 'sleep', params: { ms: 0 } },
          { kind: 'sleep', params: { ms: 0 }, slots: 9 },
        ],
      },
      'jobs.1',
    )
    expect(host.api.listJobs({ limit: 10 }).jobs).toEqual([])
    expect((await api('GET', '/api/lanes', undefined)).body.lanes).toEqual([
      { name: 'default', concurrency: null, paused: false, queued: 0, running: 0, slotsInUse: 0 },
    ])
    expect((await api('GET', '/api/lanes/encode', undefined)).body).toEqual({
      name: 'encode',
      concurrency: null,
      paused: false,
      queued: 0,
      running: 0,
      slotsInUse: 0,
    })
  })
})
