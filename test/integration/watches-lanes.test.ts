import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRequest } from '../../src/shared/api'
import type { Job } from '../../src/shared/job'
import type { NewWatch, Watch } from '../../src/shared/watch'
import { dataDirWithKinds, httpApi, startHost, tempDir, waitFor } from '../helpers'

async function watchedHost() {
  const dataDir = dataDirWithKinds(['noop.mjs'])
  writeFileSync(join(dataDir, 'kinds', 'encode-video.mjs'), `export default { name: 'encode-video', lane: 'video', run: () => 'done' }`)
  const host = await startHost({ dataDir, engine: { watchPollMs: 100, concurrency: 4 } })
  // Paused: the tests read the jobs the watches make, not what running them does.
  host.handlers.pauseQueue({})
  const add = (input: Omit<NewWatch, 'kind'> & { kind?: string }): Watch =>
    host.handlers.createWatch(parseRequest('createWatch', { kind: 'noop', settleMs: 200, ...input }))
  const jobs = (): Job[] => host.handlers.listJobs(parseRequest('listJobs', { limit: 1000, sort: 'oldest' })).jobs
  const jobFor = (name: string) => waitFor(() => jobs().find((j) => j.name === name), `a job for ${name}`, 60_000)
  return { host, add, jobFor }
}

describe('the lane and slots of a watch’s jobs', () => {
  it('a watch in lane encode with 2 slots makes its jobs there; one with no lane makes them in the kind’s', async () => {
    const { add, jobFor } = await watchedHost()
    const [encoding, plain] = [tempDir(), tempDir()]
    expect(add({ path: encoding, lane: 'encode', slots: 2 })).toMatchObject({ lane: 'encode', slots: 2 })
    expect(add({ path: plain, kind: 'encode-video' })).toMatchObject({ lane: null, slots: 1 })
    writeFileSync(join(encoding, 'a.mov'), 'a')
    writeFileSync(join(plain, 'b.mov'), 'b')
    expect(await jobFor('a.mov')).toMatchObject({ lane: 'encode', slots: 2 })
    expect(await jobFor('b.mov')).toMatchObject({ lane: 'video', slots: 1 })
  })

  it('an update changes the lane of the jobs for files that come after it, not of those already made', async () => {
    const { host, add, jobFor } = await watchedHost()
    const folder = tempDir()
    const { id } = add({ path: folder, kind: 'encode-video' })
    writeFileSync(join(folder, 'before.mov'), 'a')
    await jobFor('before.mov')
    expect(host.handlers.updateWatch(parseRequest('updateWatch', { id, lane: 'encode', slots: 3 }))).toMatchObject({ lane: 'encode', slots: 3 })
    writeFileSync(join(folder, 'after.mov'), 'b')
    expect(await jobFor('after.mov')).toMatchObject({ lane: 'encode', slots: 3 })
    expect(await jobFor('before.mov')).toMatchObject({ lane: 'video', slots: 1 })
  })

  it('with the concurrency setting lowered below its slots since, a file still makes its job, taking every slot', async () => {
    const { host, add, jobFor } = await watchedHost()
    const folder = tempDir()
    const { id } = add({ path: folder, slots: 4 })
    host.engine.updateSettings({ concurrency: 2 })
    writeFileSync(join(folder, 'wide.mov'), 'a')
    expect(await jobFor('wide.mov')).toMatchObject({ slots: 2 })
    expect(host.handlers.getWatch({ id }).lastSkipped).toBeNull()
  })

  it('a bad lane, no slots or more slots than the concurrency setting is a typed 400 naming the field; nothing is stored', async () => {
    const { host } = await watchedHost()
    const api = await httpApi(host)
    const folder = tempDir()
    const bad: [unknown, string, RegExp][] = [
      [{ lane: 'Bad Lane' }, 'lane', /lowercase name/],
      [{ slots: 0 }, 'slots', /./],
      [{ slots: 5 }, 'slots', /more than the 4 jobs Offload runs at once \(the concurrency setting\)/],
    ]
    const refusedWith = async (method: string, path: string, body: unknown, field: string, message: RegExp) => {
      const res = await api(method, path, body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.code, JSON.stringify(res.body)).toBe('invalid_input')
      expect(res.body.error.message, JSON.stringify(body)).toMatch(message)
      expect((res.body.error.detail as { path: string }[]).map((d) => d.path)).toEqual([field])
    }
    for (const [body, field, message] of bad) await refusedWith('POST', '/api/watches', { path: folder, kind: 'noop', ...(body as object) }, field, message)
    expect((await api('GET', '/api/watches')).body).toEqual({ watches: [] })

    const made = await api('POST', '/api/watches', { path: folder, kind: 'noop', lane: 'encode', slots: 2 })
    expect(made.status).toBe(201)
    const id = made.body.id as string
    for (const [body, field, message] of bad) await refusedWith('PUT', `/api/watches/${id}`, body, field, message)
    expect((await api('GET', `/api/watches/${id}`)).body).toMatchObject({ lane: 'encode', slots: 2 })
  })
})
