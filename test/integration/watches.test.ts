import { appendFileSync, copyFileSync, mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRequest } from '../../src/shared/api'
import type { Job } from '../../src/shared/job'
import type { NewWatch, Watch } from '../../src/shared/watch'
import { FIXTURE_KINDS, dataDirWithKinds, exited, httpApi, startHost, startServer, tempDir, waitFor } from '../helpers'

const SETTLE_MS = 300

async function watchedHost(dataDir = dataDirWithKinds(['noop.mjs', 'described.mjs'])) {
  // Paused: the tests count the jobs the watches make, not what running them does.
  const host = await startHost({ dataDir, engine: { watchPollMs: 100 } })
  host.handlers.pauseQueue({})
  const add = (input: Omit<NewWatch, 'kind'> & { kind?: string }): Watch =>
    host.handlers.createWatch(parseRequest('createWatch', { kind: 'noop', settleMs: SETTLE_MS, ...input }))
  const jobs = (): Job[] => host.handlers.listJobs(parseRequest('listJobs', { limit: 1000, sort: 'oldest' })).jobs
  const watching = (id: string) => waitFor(() => host.handlers.getWatch({ id }).state === 'watching', 'the first look through the folder')
  return { host, add, jobs, watching }
}

describe('watched folders', () => {
  it('a folder of 500 files, one of them 200 MB written over 3 s, makes exactly 500 jobs, none before its file is still', async () => {
    const { add, jobs, watching } = await watchedHost()
    const folder = tempDir()
    const watch = add({ path: folder, glob: '*.dat' })
    await watching(watch.id)
    const big = join(folder, 'big.dat')
    const chunk = Buffer.alloc(4 << 20, 1)
    let writing = true
    const written = (async () => {
      let lastWriteAt = 0
      for (let i = 0; i < 50; i++) {
        await sleep(60)
        appendFileSync(big, chunk)
        lastWriteAt = Date.now()
      }
      writing = false
      return lastWriteAt
    })()
    for (let i = 0; i < 499; i++) writeFileSync(join(folder, `small-${String(i).padStart(3, '0')}.dat`), `file ${i}`)
    writeFileSync(join(folder, 'notes.txt'), 'not for the glob')
    while (writing) {
      expect(jobs().filter((j) => j.name === 'big.dat')).toEqual([])
      await sleep(50)
    }
    const lastWriteAt = await written
    expect(statSync(big).size).toBe(200 << 20)
    await waitFor(
      () => jobs().length >= 500,
      () => `500 jobs, have ${jobs().length}`,
    )
    await sleep(SETTLE_MS * 3)
    const made = jobs()
    expect(made).toHaveLength(500)
    expect(new Set(made.map((j) => j.name)).size).toBe(500)
    expect(made.some((j) => j.name === 'notes.txt')).toBe(false)
    const bigJob = made.find((j) => j.name === 'big.dat')!
    expect(bigJob.params).toEqual({ path: big })
    // Its last write's event starts the settle timer; the job's time is in whole milliseconds.
    expect(Date.parse(bigJob.createdAt) - lastWriteAt).toBeGreaterThanOrEqual(SETTLE_MS - 2)
  })

  it('a file touched but unchanged adds nothing; one changed, or deleted and put back, is new', async () => {
    const { add, jobs, watching } = await watchedHost()
    const folder = tempDir()
    const file = join(folder, 'report.csv')
    writeFileSync(file, 'a,b\n')
    const watch = add({ path: folder })
    await watching(watch.id)
    await waitFor(() => jobs().length === 1, 'the job for the file already there')
    const { atime, mtime } = statSync(file)
    utimesSync(file, atime, mtime)
    writeFileSync(join(folder, 'marker'), 'x')
    // The marker settles after the touch would have: when its job is there, the touch has had its chance.
    await waitFor(() => jobs().length === 2, 'the marker file')
    await sleep(SETTLE_MS * 2)
    expect(jobs().map((j) => j.name)).toEqual(['report.csv', 'marker'])
    appendFileSync(file, 'c,d\n')
    await waitFor(() => jobs().length === 3, 'the changed file')
    rmSync(file)
    await sleep(SETTLE_MS)
    writeFileSync(file, 'a,b\nc,d\n')
    await waitFor(() => jobs().length === 4, 'the file put back')
    expect(jobs().map((j) => j.name)).toEqual(['report.csv', 'marker', 'report.csv', 'report.csv'])
    expect(statSync(file).size).toBe(8)
  })

  it('files that came while Offload was closed are handed over once at the next start; those handed over before are not', async () => {
    const dataDir = dataDirWithKinds(['noop.mjs'])
    const folder = tempDir()
    const first = await watchedHost(dataDir)
    const watch = first.add({ path: folder })
    writeFileSync(join(folder, 'one'), '1')
    writeFileSync(join(folder, 'two'), '2')
    await waitFor(() => first.jobs().length === 2, 'the first two files')
    await first.host.close(0)
    writeFileSync(join(folder, 'three'), '3')
    mkdirSync(join(folder, 'sub'))
    writeFileSync(join(folder, 'sub', 'four'), '4')
    rmSync(join(folder, 'one'))
    const second = await watchedHost(dataDir)
    await second.watching(watch.id)
    await waitFor(
      () => second.jobs().length === 4,
      () => `4 jobs, have ${second.jobs().length}`,
    )
    await sleep(SETTLE_MS * 2)
    const names = second.jobs().map((j) => j.name)
    // Files written together settle together, in whichever order the watcher reports them.
    expect([names.slice(0, 2).sort(), names.slice(2).sort()]).toEqual([
      ['one', 'two'],
      ['sub/four', 'three'],
    ])
    // "one" was deleted while closed: forgotten, so putting it back makes a job.
    await waitFor(() => second.host.handlers.getWatch({ id: watch.id }).handedOver === 3, 'the deleted file forgotten')
    writeFileSync(join(folder, 'one'), '1 again')
    await waitFor(() => second.jobs().length === 5, 'the file put back')
  })

  it('a folder deleted says it is missing, and watching goes on when it is made again', async () => {
    const { host, add, jobs, watching } = await watchedHost()
    const parent = tempDir()
    const folder = join(parent, 'inbox')
    const missing = add({ path: folder })
    expect(missing.state).toBe('missing')
    expect(missing.stateMessage).toContain(`No folder at ${folder}`)
    mkdirSync(folder)
    await watching(missing.id)
    writeFileSync(join(folder, 'a'), 'a')
    await waitFor(() => jobs().length === 1, 'the first file')
    rmSync(folder, { recursive: true })
    await waitFor(() => host.handlers.getWatch({ id: missing.id }).state === 'missing', 'the watch to see its folder gone')
    mkdirSync(folder)
    writeFileSync(join(folder, 'b'), 'b')
    await watching(missing.id)
    await waitFor(() => jobs().length === 2, 'the file in the folder made again')
    expect(jobs().map((j) => j.name)).toEqual(['a', 'b'])
    // A folder swapped for another under the same name is watched anew.
    renameSync(folder, join(parent, 'old'))
    mkdirSync(folder)
    writeFileSync(join(folder, 'c'), 'c')
    await waitFor(() => jobs().length === 3, 'the file in the swapped-in folder')
  })

  it('glob, recursion and hidden files: "*.pdf" takes PDFs at any depth, a path glob only its folder, dotfiles never', async () => {
    const { add, jobs, watching } = await watchedHost()
    const folder = tempDir()
    mkdirSync(join(folder, 'invoices', '2026'), { recursive: true })
    for (const name of ['a.pdf', 'b.txt', '.hidden.pdf', 'invoices/c.pdf', 'invoices/2026/d.pdf']) writeFileSync(join(folder, name), name)
    const byName = add({ path: folder, glob: '*.pdf' })
    const shallow = add({ path: folder, glob: '*.pdf', recursive: false, priority: 'high' })
    const byPath = add({ path: folder, glob: 'invoices/*.pdf', paramsTemplate: { file: '{{name}}', in: '{{dir}}', all: ['{{path}}'] } })
    for (const w of [byName, shallow, byPath]) await watching(w.id)
    await waitFor(
      () => jobs().length === 5,
      () =>
        `5 jobs, have ${jobs()
          .map((j) => j.name)
          .join(', ')}`,
    )
    await sleep(SETTLE_MS * 2)
    const names = (priority: string) =>
      jobs()
        .filter((j) => j.priority === priority)
        .map((j) => j.name)
        .sort()
    expect(names('high')).toEqual(['a.pdf'])
    expect(names('normal')).toEqual(['a.pdf', 'invoices/2026/d.pdf', 'invoices/c.pdf', 'invoices/c.pdf'])
    const fromPathGlob = jobs().find((j) => j.name === 'invoices/c.pdf' && 'file' in (j.params as object))!
    expect(fromPathGlob.params).toEqual({ file: 'c.pdf', in: join(folder, 'invoices'), all: [join(folder, 'invoices', 'c.pdf')] })
  })

  it('its own data folder is never looked into, so a watch around it does not feed on its own database', async () => {
    const parent = tempDir()
    const dataDir = join(parent, 'data')
    mkdirSync(join(dataDir, 'kinds'), { recursive: true })
    copyFileSync(join(FIXTURE_KINDS, 'noop.mjs'), join(dataDir, 'kinds', 'noop.mjs'))
    const { host, add, jobs, watching } = await watchedHost(dataDir)
    const watch = add({ path: parent })
    await watching(watch.id)
    host.handlers.createJob(parseRequest('createJob', { kind: 'noop', name: 'by hand' }))
    writeFileSync(join(parent, 'real-file'), 'x')
    await waitFor(
      () => jobs().length === 2,
      () =>
        `2 jobs, have ${jobs()
          .map((j) => j.name)
          .join(', ')}`,
    )
    await sleep(SETTLE_MS * 3)
    expect(jobs().map((j) => j.name)).toEqual(['by hand', 'real-file'])
  })

  it('edits: a new kind or template applies to files from then on; disabling stops watching; removing forgets it', async () => {
    const { host, add, jobs, watching } = await watchedHost()
    const folder = tempDir()
    const watch = add({ path: folder })
    await watching(watch.id)
    const edited = host.handlers.updateWatch(parseRequest('updateWatch', { id: watch.id, kind: 'described', paramsTemplate: { file: '{{name}}', words: 3 } }))
    expect(edited).toMatchObject({ kind: 'described', state: 'watching' })
    writeFileSync(join(folder, 'x.md'), 'x')
    await waitFor(() => jobs().length === 1, 'the file after the edit')
    expect(jobs()[0]).toMatchObject({ kind: 'described', params: { file: 'x.md', words: 3 } })
    const off = host.handlers.updateWatch(parseRequest('updateWatch', { id: watch.id, enabled: false }))
    expect(off.state).toBe('disabled')
    writeFileSync(join(folder, 'y.md'), 'y')
    await sleep(SETTLE_MS * 3)
    expect(jobs()).toHaveLength(1)
    host.handlers.updateWatch(parseRequest('updateWatch', { id: watch.id, enabled: true }))
    await waitFor(() => jobs().length === 2, 'the file written while disabled, at the look after enabling')
    host.handlers.deleteWatch({ id: watch.id })
    expect(host.handlers.listWatches({}).watches).toEqual([])
    expect(() => host.handlers.getWatch({ id: watch.id })).toThrow(/No watch with id/)
    writeFileSync(join(folder, 'z.md'), 'z')
    await sleep(SETTLE_MS * 3)
    expect(jobs()).toHaveLength(2)
  })
})

describe('watches over HTTP', () => {
  it('lists, shows, edits and removes; bad input is a 400 naming the field, and nothing is stored', async () => {
    const { host } = await watchedHost()
    const api = await httpApi(host)
    const folder = tempDir()
    const file = join(folder, 'a-file')
    writeFileSync(file, 'x')
    const bad: [unknown, string, RegExp][] = [
      [{ path: file, kind: 'noop' }, 'path', /is a file, not a folder/],
      [{ path: 'relative/dir', kind: 'noop' }, 'path', /absolute/],
      [{ path: folder, kind: 'nope' }, 'kind', /nope/],
      [{ path: folder, kind: 'noop', paramsTemplate: { p: '{{paht}}' } }, 'paramsTemplate.p', /Unknown placeholder \{\{paht\}\}/],
      [{ path: folder, kind: 'described', paramsTemplate: { file: '{{path}}' } }, 'paramsTemplate.words', /./],
      [{ path: folder, kind: 'noop', settleMs: 5 }, 'settleMs', /100/],
      [{ path: folder, kind: 'noop', glob: '' }, 'glob', /./],
      [{ path: folder, kind: 'noop', extra: 1 }, '', /extra/],
    ]
    for (const [body, field, message] of bad) {
      const res = await api('POST', '/api/watches', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(JSON.stringify(res.body), JSON.stringify(body)).toMatch(message)
      if (field)
        expect(
          (res.body.error.detail as { path: string }[]).map((d) => d.path),
          JSON.stringify(res.body),
        ).toContain(field)
    }
    expect((await api('GET', '/api/watches')).body).toEqual({ watches: [] })

    const made = await api('POST', '/api/watches', { path: folder, kind: 'noop', glob: '*.csv' })
    expect(made.status).toBe(201)
    expect(made.body).toMatchObject({ path: folder, glob: '*.csv', recursive: true, settleMs: 2000, priority: 'normal', paramsTemplate: { path: '{{path}}' } })
    const id = made.body.id as string
    expect((await api('GET', `/api/watches/${id}`)).body).toMatchObject({ id, handedOver: 0, lastJobId: null })
    expect((await api('PUT', `/api/watches/${id}`, { settleMs: 500 })).body).toMatchObject({ id, settleMs: 500 })
    expect((await api('PUT', `/api/watches/${id}`, { path: file })).status).toBe(400)
    expect((await api('GET', `/api/watches/${id}`)).body).toMatchObject({ path: folder })
    expect((await api('GET', '/api/watches/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404)
    expect((await api('DELETE', `/api/watches/${id}`)).status).toBe(200)
    expect((await api('GET', '/api/watches')).body).toEqual({ watches: [] })
  })
})

describe('watches and crashes', () => {
  it('a server killed with -9 while handing over 300 files makes each job exactly once after the restart', async () => {
    const dataDir = dataDirWithKinds(['noop.mjs'])
    const folder = tempDir()
    const first = await startServer(dataDir)
    await first.call('POST', '/api/queue/pause', {})
    const made = await first.call('POST', '/api/watches', { path: folder, kind: 'noop', settleMs: 100 })
    expect(made.id).toBeTruthy()
    for (let i = 0; i < 300; i++) writeFileSync(join(folder, `f${i}`), String(i))
    const count = async (call: typeof first.call) => ((await call('GET', '/api/jobs?limit=1000')).jobs as unknown as Job[]).length
    await waitFor(async () => (await count(first.call)) > 0, 'the first files handed over')
    first.child.kill('SIGKILL')
    await exited(first.child)
    const second = await startServer(dataDir)
    await waitFor(async () => (await count(second.call)) === 300, '300 jobs after the restart')
    await sleep(1000)
    const jobs = (await second.call('GET', '/api/jobs?limit=1000')).jobs as unknown as Job[]
    expect(new Set(jobs.map((j) => j.name)).size).toBe(300)
    second.child.kill('SIGTERM')
    await exited(second.child)
  })
})
