import { ulid } from 'ulid'
import { afterEach, describe, expect, it } from 'vitest'
import type { ExportRecord, ImportResult, JobRecord } from '../../src/shared/export'
import { createHttpServer } from '../../src/main/headless/http-server'
import { startHost, tempDir, waitFor, waitForStatus } from '../helpers'

type TestHost = Awaited<ReturnType<typeof startHost>>

const KINDS = ['noop.mjs', 'sleep.mjs', 'flaky.mjs']
const TOKEN = 'export-import-token-0123456789abcdefghijklmnop'
const closing: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closing.splice(0)) await close()
})

/** The host's export and import routes over HTTP, as the CLI and scripts reach them. */
async function transferApi(host: TestHost, options: { maxImportBytes?: number } = {}) {
  const http = createHttpServer({
    handlers: host.handlers,
    subscribe: (l) => host.engine.subscribe(l),
    token: TOKEN,
    transfer: host.transfer,
    ...options,
  })
  closing.push(() => http.close())
  const base = `http://127.0.0.1:${await http.listen(0)}`
  const auth = { authorization: `Bearer ${TOKEN}` }
  return {
    exportText: async (): Promise<string> => {
      const res = await fetch(`${base}/api/export`, { headers: auth })
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/)
      return res.text()
    },
    importText: async (text: string): Promise<{ status: number; body: ImportResult & { error?: { code: string; message: string; detail?: unknown } } }> => {
      const res = await fetch(`${base}/api/import`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body: text })
      return { status: res.status, body: (await res.json()) as ImportResult & { error?: { code: string; message: string; detail?: unknown } } }
    },
    unauthorized: async () => (await fetch(`${base}/api/export`)).status,
  }
}

const recordsOf = (text: string): ExportRecord[] =>
  text
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => JSON.parse(l) as ExportRecord)

const jobsOf = (records: ExportRecord[]): Map<string, JobRecord> => new Map(records.filter((r): r is JobRecord => r.type === 'job').map((r) => [r.id, r]))

/** A queue with a job of every status, a schedule, a watch, lanes with settings and changed settings; paused once all is in place. */
async function populated() {
  const host = await startHost({ kinds: KINDS, engine: { concurrency: 4 } })
  const api = host.api
  host.lanes.update({ name: 'parked', paused: true })
  host.lanes.update({ name: 'encode', concurrency: 2 })
  api.updateSettings({ keepFinishedDays: 7, ioOvercommit: 3 })
  const succeeded = api.createJob({ kind: 'noop', name: 'done', params: {} })
  const failed = api.createJob({ kind: 'flaky', name: 'broken', params: { counter: `${tempDir()}/n`, failures: 9 }, maxAttempts: 1 })
  const running = api.createJob({ kind: 'sleep', name: 'long', params: { ms: 60_000 }, lane: 'encode', slots: 2 })
  await waitForStatus(host, succeeded.id, 'succeeded')
  await waitForStatus(host, failed.id, 'failed')
  await waitFor(() => api.getJob({ id: running.id }).startedAt, 'the long job to begin')
  const queued = api.createJob({ kind: 'noop', name: 'parked', params: {}, lane: 'parked', key: 'parked-key', priority: 'high' })
  const held = api.createJob({ kind: 'noop', name: 'held', params: {}, hold: true })
  const waiting = api.createJob({ kind: 'noop', name: 'waits', params: {}, after: [held.id, succeeded.id], onDependencyFailure: 'hold' })
  const scheduled = api.createJob({ kind: 'noop', name: 'later', params: {}, delayMs: 3_600_000, timeoutMs: 5000, maxMemoryMb: 256 })
  const schedule = host.handlers.createSchedule({
    name: 'nightly',
    cron: '0 3 * * *',
    timezone: 'UTC',
    kind: 'noop',
    params: { n: 1 },
    priority: 'low',
    maxAttempts: null,
    timeoutMs: null,
    lane: null,
    slots: 1,
    enabled: true,
    overlap: 'skip',
    missed: 'once',
    missedWindowMs: 86_400_000,
  })
  const watch = api.createWatch({ path: tempDir(), kind: 'noop', glob: '*.dat' })
  api.pauseQueue({})
  return { host, ids: { succeeded, failed, running, queued, held, waiting, scheduled }, schedule, watch }
}

/** A file's header, and a valid job record by hand with the fields given. */
const header = JSON.stringify({ type: 'offload-export', version: 1, exportedAt: new Date().toISOString() })
const at = new Date().toISOString()
const job = (fields: Partial<JobRecord> = {}): string =>
  JSON.stringify({
    type: 'job',
    id: ulid(),
    kind: 'noop',
    name: 'a job',
    params: {},
    priority: 'normal',
    status: 'queued',
    progress: { fraction: 0, message: null },
    attempts: 0,
    maxAttempts: 3,
    timeoutMs: null,
    backoffBaseMs: 1000,
    backoffCapMs: 300000,
    runAfter: at,
    createdAt: at,
    startedAt: null,
    finishedAt: null,
    result: null,
    summary: null,
    error: null,
    lane: 'default',
    slots: 1,
    after: [],
    settled: [],
    onDependencyFailure: 'fail',
    key: null,
    maxMemoryMb: null,
    usage: null,
    ...fields,
  })
describe('export and import', () => {
  it('a queue exported, imported into a fresh data folder and exported again gives the same records, the running job requeued', async () => {
    const source = await populated()
    const from = await transferApi(source.host)
    const first = await from.exportText()
    const header = JSON.parse(first.split('\n')[0]!) as { type: string; version: number; exportedAt: string }
    expect(header).toMatchObject({ type: 'offload-export', version: 1 })
    expect(Number.isNaN(Date.parse(header.exportedAt))).toBe(false)
    const records = recordsOf(first)
    expect(records.map((r) => r.type).sort()).toEqual(['job', 'job', 'job', 'job', 'job', 'job', 'job', 'lane', 'lane', 'schedule', 'settings', 'watch'])
    const jobs = jobsOf(records)
    expect(jobs.get(source.ids.running.id)).toMatchObject({ status: 'running', attempts: 1, lane: 'encode', slots: 2 })
    expect(jobs.get(source.ids.waiting.id)).toMatchObject({
      status: 'waiting',
      after: [source.ids.held.id, source.ids.succeeded.id].sort(),
      settled: [source.ids.succeeded.id],
      onDependencyFailure: 'hold',
    })
    expect(jobs.get(source.ids.queued.id)).toMatchObject({ status: 'queued', key: 'parked-key', priority: 'high', lane: 'parked' })
    expect(jobs.get(source.ids.scheduled.id)).toMatchObject({ status: 'scheduled', timeoutMs: 5000, maxMemoryMb: 256 })
    expect(records.find((r) => r.type === 'settings')).toMatchObject({ settings: { keepFinishedDays: 7, ioOvercommit: 3 }, paused: true })

    const target = await startHost({ kinds: KINDS })
    const to = await transferApi(target)
    const imported = await to.importText(first)
    expect(imported).toEqual({
      status: 200,
      body: {
        jobs: { added: 7, skipped: 0 },
        schedules: { added: 1, skipped: 0 },
        watches: { added: 1, skipped: 0 },
        lanes: { added: 2, skipped: 0 },
        settings: true,
      },
    })
    // Counters and the scheduler's view follow the rows.
    expect(target.api.getJob({ id: source.ids.waiting.id })).toMatchObject({ status: 'waiting', dependsOn: 2, waitingOn: 1 })
    expect(target.api.getStats({}).counts).toMatchObject({ succeeded: 1, failed: 1, queued: 2, held: 1, waiting: 1, scheduled: 1, running: 0 })
    expect(target.api.getStats({}).paused).toBe(true)
    expect(target.api.getSettings({})).toMatchObject({ keepFinishedDays: 7, ioOvercommit: 3 })
    expect(target.api.getLane({ name: 'parked' })).toMatchObject({ paused: true, queued: 1 })
    expect(target.api.getLane({ name: 'encode' })).toMatchObject({ concurrency: 2 })
    expect(
      target.api
        .getJobDependencies({ id: source.ids.waiting.id })
        .parents.map((j) => j.id)
        .sort(),
    ).toEqual([source.ids.held.id, source.ids.succeeded.id].sort())
    expect(target.api.listSchedules({}).schedules.map((s) => s.id)).toEqual([source.schedule.id])
    expect(target.api.listWatches({}).watches.map((w) => w.id)).toEqual([source.watch.id])

    const again = recordsOf(await to.exportText())
    const running = jobs.get(source.ids.running.id)!
    const requeued = jobsOf(again).get(running.id)!
    expect(requeued).toMatchObject({ status: 'queued', attempts: 1, progress: { fraction: 0, message: null }, error: { code: 'interrupted' } })
    const expected = records.map((r) => (r.type === 'job' && r.id === running.id ? requeued : r))
    expect(again).toEqual(expected)
    expect({ ...requeued, status: running.status, progress: running.progress, error: running.error, runAfter: running.runAfter }).toEqual(running)
  })

  it('importing the same file twice adds nothing the second time', async () => {
    const source = await populated()
    const text = await (await transferApi(source.host)).exportText()
    const target = await startHost({ kinds: KINDS })
    const to = await transferApi(target)
    expect((await to.importText(text)).status).toBe(200)
    const counts = target.api.getStats({}).counts
    const second = await to.importText(text)
    expect(second).toEqual({
      status: 200,
      body: {
        jobs: { added: 0, skipped: 7 },
        schedules: { added: 0, skipped: 1 },
        watches: { added: 0, skipped: 1 },
        lanes: { added: 0, skipped: 2 },
        settings: true,
      },
    })
    expect(target.api.getStats({}).counts).toEqual(counts)
    expect(target.api.listSchedules({}).schedules).toHaveLength(1)
  })

  it('which shared Redis queue a computer joins stays its own: never exported, never imported', async () => {
    const source = await startHost({ kinds: KINDS })
    source.api.updateSettings({ redis: { url: 'redis://:secret@10.0.0.5:6379', role: 'worker' } })
    const text = await (await transferApi(source)).exportText()
    expect(text).not.toContain('secret')
    const lines = text.split('\n')
    const at = lines.findIndex((l) => l.includes('"type":"settings"'))
    const record = JSON.parse(lines[at]!) as { settings: Record<string, unknown> }
    lines[at] = JSON.stringify({ ...record, settings: { ...record.settings, redis: { url: 'redis://10.0.0.9:6379', role: 'client' } } })
    const target = await startHost({ kinds: KINDS })
    expect((await (await transferApi(target)).importText(lines.join('\n'))).status).toBe(200)
    expect(target.api.getSettings({}).redis).toBeNull()
  })

  it('a waiting job imported with its parent runs after the parent succeeds', async () => {
    const source = await startHost({ kinds: KINDS })
    source.api.pauseQueue({})
    const parent = source.api.createJob({ kind: 'sleep', name: 'parent', params: { ms: 200 } })
    const child = source.api.createJob({ kind: 'noop', name: 'child', params: {}, after: [parent.id] })
    const text = await (await transferApi(source)).exportText()

    const target = await startHost({ kinds: KINDS })
    expect((await (await transferApi(target)).importText(text)).body.jobs).toEqual({ added: 2, skipped: 0 })
    expect(target.api.getJob({ id: child.id })).toMatchObject({ status: 'waiting', waitingOn: 1 })
    target.api.resumeQueue({})
    const done = await waitForStatus(target, child.id, 'succeeded')
    const parentDone = target.api.getJob({ id: parent.id })
    expect(parentDone.status).toBe('succeeded')
    expect(Date.parse(done.startedAt!)).toBeGreaterThanOrEqual(Date.parse(parentDone.finishedAt!))
  })

  it('imported queued jobs start at once', async () => {
    const source = await startHost({ kinds: KINDS })
    source.api.pauseQueue({})
    const job = source.api.createJob({ kind: 'noop', name: 'soon', params: {} })
    const lines = (await (await transferApi(source)).exportText()).split('\n')
    // Without the settings record, the target stays unpaused.
    const text = lines.filter((l) => !l.startsWith('{"type":"settings"')).join('\n')
    const target = await startHost({ kinds: KINDS })
    expect((await (await transferApi(target)).importText(text)).body.settings).toBe(false)
    await waitForStatus(target, job.id, 'succeeded')
  })

  describe('a bad file is a typed refusal naming its line, and stores nothing', () => {
    const lane = JSON.stringify({ type: 'lane', name: 'enc', concurrency: 1, paused: false })

    const refused = async (text: string, status: number, code: string, message: RegExp): Promise<void> => {
      const target = await startHost({ kinds: KINDS })
      const to = await transferApi(target, { maxImportBytes: 64 * 1024 })
      const answer = await to.importText(text)
      expect(answer.status).toBe(status)
      expect(answer.body.error).toMatchObject({ code })
      expect(answer.body.error!.message).toMatch(message)
      expect(target.api.getStats({}).counts).toMatchObject({ queued: 0, waiting: 0, running: 0, succeeded: 0 })
      expect(target.api.listLanes({}).lanes.filter((l) => l.concurrency !== null)).toEqual([])
    }

    it('bad JSON on line 3', async () => {
      await refused([header, job(), '{"type":"job",', lane].join('\n'), 400, 'invalid_json', /^Line 3: not valid JSON/)
    })

    it('an unknown record type', async () => {
      await refused([header, lane, job(), JSON.stringify({ type: 'queue' })].join('\n'), 400, 'invalid_input', /^Line 4, type: unknown record type \("queue"\)/)
    })

    it('a version this Offload does not read', async () => {
      await refused(
        [header.replace('"version":1', '"version":2'), job()].join('\n'),
        400,
        'invalid_input',
        /^Line 1, version: this Offload reads version 1 exports/,
      )
    })

    it('a file without its header', async () => {
      await refused([job(), lane].join('\n'), 400, 'invalid_input', /^Line 1, type: an export starts with its header/)
    })

    it('a field of the wrong shape, named', async () => {
      await refused([header, lane, job({ priority: 'soon' as never })].join('\n'), 400, 'invalid_input', /^Line 3, priority: /)
    })

    it('a dependency on an id neither in the file nor in the queue', async () => {
      const parent = ulid()
      await refused(
        [header, lane, job(), job({ status: 'waiting', after: [parent] })].join('\n'),
        400,
        'invalid_input',
        new RegExp(`^Line 4, after.0: No job with id ${parent}`),
      )
    })

    it('a kind this Offload does not know', async () => {
      await refused([header, lane, job(), job({ kind: 'resize' })].join('\n'), 400, 'unknown_kind', /^Line 4, kind: No job kind "resize"; known kinds: /)
    })

    it('the same job twice', async () => {
      const id = ulid()
      await refused([header, job({ id }), job({ id })].join('\n'), 400, 'invalid_input', /^Line 3, id: job .* again \(first on line 2\)/)
    })

    it('a body over the limit, saying the limit', async () => {
      const big = [header, ...Array.from({ length: 200 }, () => job())].join('\n')
      await refused(big, 413, 'payload_too_large', /over the 64 KiB limit; split the file/)
    })
  })

  it('a dependency on a job already in the queue is kept, and counted as that job stands', async () => {
    const target = await startHost({ kinds: KINDS })
    target.api.pauseQueue({})
    const parent = target.api.createJob({ kind: 'noop', name: 'there already', params: {} })
    const source = await startHost({ kinds: KINDS })
    source.api.pauseQueue({})
    // The same parent id in the source too: the child's edge points at it.
    source.api.createJob({ kind: 'noop', name: 'parent elsewhere', params: {} })
    const text = await (await transferApi(source)).exportText()
    const records = recordsOf(text)
    const child = JSON.parse(JSON.stringify(jobsOf(records).values().next().value)) as JobRecord
    child.id = ulid()
    child.status = 'waiting'
    child.after = [parent.id]
    const file = [text.split('\n')[0], JSON.stringify(child)].join('\n')
    const answer = await (await transferApi(target)).importText(file)
    expect(answer.body.jobs).toEqual({ added: 1, skipped: 0 })
    expect(target.api.getJob({ id: child.id })).toMatchObject({ status: 'waiting', dependsOn: 1, waitingOn: 1 })
    target.api.resumeQueue({})
    await waitForStatus(target, child.id, 'succeeded')
  })

  it('an export pages through the store: 1,200 jobs over three pages, each once', async () => {
    const source = await startHost({ kinds: KINDS })
    source.api.pauseQueue({})
    const { ids } = source.api.createJobs({ jobs: Array.from({ length: 1200 }, (_, i) => ({ kind: 'noop', name: `job ${i}`, params: { i } })) })
    const text = await (await transferApi(source)).exportText()
    const exported = [...jobsOf(recordsOf(text)).keys()]
    expect(exported).toEqual([...ids].sort())
    const target = await startHost({ kinds: KINDS })
    expect((await (await transferApi(target)).importText(text)).body.jobs).toEqual({ added: 1200, skipped: 0 })
    expect(target.api.getStats({}).counts.queued).toBe(1200)
  })

  it('a waiting job whose parent in the queue has already failed fails as a new one would', async () => {
    const target = await startHost({ kinds: KINDS })
    const parent = target.api.createJob({ kind: 'flaky', name: 'gave up', params: { counter: `${tempDir()}/n`, failures: 9 }, maxAttempts: 1 })
    await waitForStatus(target, parent.id, 'failed')
    const source = await startHost({ kinds: KINDS })
    source.api.pauseQueue({})
    source.api.createJob({ kind: 'noop', name: 'child', params: {} })
    const text = await (await transferApi(source)).exportText()
    const child = { ...jobsOf(recordsOf(text)).values().next().value!, status: 'waiting' as const, after: [parent.id] }
    const file = [text.split('\n')[0], JSON.stringify(child)].join('\n')
    expect((await (await transferApi(target)).importText(file)).body.jobs).toEqual({ added: 1, skipped: 0 })
    expect(target.api.getJob({ id: child.id })).toMatchObject({ status: 'failed', error: { code: 'dependency_failed' }, waitingOn: 1 })
    expect(target.api.getStats({}).counts).toMatchObject({ failed: 2, waiting: 0 })
  })

  it('a job exported while running comes back as recovery brings it back: claimed only, uncounted; begun with no attempts left, failed', async () => {
    const target = await startHost({ kinds: KINDS })
    target.api.pauseQueue({})
    const claimed = ulid()
    const spent = ulid()
    const file = [
      header,
      job({ id: claimed, status: 'running', attempts: 1, startedAt: null }),
      job({ id: spent, status: 'running', attempts: 3, maxAttempts: 3, startedAt: at, progress: { fraction: 0.5, message: 'half' } }),
    ].join('\n')
    expect((await (await transferApi(target)).importText(file)).body.jobs).toEqual({ added: 2, skipped: 0 })
    expect(target.api.getJob({ id: claimed })).toMatchObject({ status: 'queued', attempts: 0, error: null })
    expect(target.api.getJob({ id: spent })).toMatchObject({ status: 'failed', attempts: 3, error: { code: 'interrupted' }, progress: { fraction: 0 } })
    expect(target.api.getJob({ id: spent }).finishedAt).not.toBeNull()
  })

  it('export and import need the token', async () => {
    const host = await startHost({ kinds: KINDS })
    expect(await (await transferApi(host)).unauthorized()).toBe(401)
  })
})
