import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { parseRequest } from '../../src/shared/api'
import type { ExportRecord, ImportResult, JobRecord } from '../../src/shared/export'
import { BullStore } from '../../src/main/backends/bullmq/bull-store'
import { RedisTransfer } from '../../src/main/backends/bullmq/redis-transfer'
import { parseRedisUrl } from '../../src/main/backends/bullmq/redis-url'
import { createHttpServer } from '../../src/main/headless/http-server'
import { loadKinds } from '../../src/main/kinds/registry'
import { dataDirWithKinds, startHost, tempDir, waitForStatus } from '../helpers'
import { startRedis, type RedisProcess } from '../redis-server'

const KINDS = ['noop.mjs', 'flaky.mjs']
const TOKEN = 'redis-transfer-token-0123456789abcdefghijklmnop'
let redis: RedisProcess
const closing: (() => Promise<void>)[] = []

beforeAll(async () => {
  redis = await startRedis()
}, 20_000)
afterAll(async () => {
  await redis?.stop()
})
afterEach(async () => {
  for (const close of closing.splice(0)) await close()
  const flush = new Redis(redis.url)
  await flush.flushall()
  flush.disconnect()
})

/** `offload serve --redis`'s export and import routes, over HTTP as the CLI reaches them. */
async function redisQueue() {
  const backend = new BullStore(parseRedisUrl(redis.url))
  const transfer = new RedisTransfer(backend, await loadKinds(join(dataDirWithKinds(KINDS), 'kinds')))
  const http = createHttpServer({ handlers: {} as never, subscribe: () => () => undefined, token: TOKEN, transfer })
  const base = `http://127.0.0.1:${await http.listen(0)}`
  closing.push(async () => (await http.close(), await backend.close()))
  const auth = { authorization: `Bearer ${TOKEN}` }
  return {
    backend,
    exportText: async (): Promise<string> => {
      const res = await fetch(`${base}/api/export`, { headers: auth })
      expect(res.status).toBe(200)
      return res.text()
    },
    importText: async (text: string): Promise<{ status: number; body: ImportResult & { error?: { code: string; message: string; detail?: unknown } } }> => {
      const res = await fetch(`${base}/api/import`, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-ndjson' }, body: text })
      return { status: res.status, body: (await res.json()) as never }
    },
  }
}

const jobsOf = (text: string): JobRecord[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ExportRecord)
    .filter((r): r is JobRecord => r.type === 'job')

const sqliteExport = (host: Awaited<ReturnType<typeof startHost>>): string => [...host.transfer.exportChunks()].join('')

it('moves a queue from SQLite to Redis and back: the same jobs, every field', async () => {
  const host = await startHost({ kinds: KINDS })
  const api = host.api
  const succeeded = api.createJob({ kind: 'noop', name: 'done', params: { n: 1 } })
  const failed = api.createJob({ kind: 'flaky', name: 'broken', params: { counter: `${tempDir()}/n`, failures: 9 }, maxAttempts: 1 })
  await waitForStatus(host, succeeded.id, 'succeeded')
  await waitForStatus(host, failed.id, 'failed')
  api.pauseQueue({})
  const queued = api.createJob({ kind: 'noop', name: 'next', params: { n: 2 }, priority: 'high', maxAttempts: 4 })
  const scheduled = api.createJob({ kind: 'noop', name: 'later', params: {}, delayMs: 3_600_000, timeoutMs: 5000, maxMemoryMb: 256, lane: 'night' })
  const cancelled = api.createJob({ kind: 'noop', name: 'dropped', params: {}, priority: 'low' })
  api.cancelJob({ id: cancelled.id })
  const first = sqliteExport(host)
  expect(
    jobsOf(first)
      .map((j) => j.status)
      .sort(),
  ).toEqual(['cancelled', 'failed', 'queued', 'scheduled', 'succeeded'])

  const queue = await redisQueue()
  const imported = await queue.importText(first)
  expect(imported.status).toBe(200)
  expect(imported.body.jobs).toEqual({ added: 5, skipped: 0 })
  // The embedded engine's settings stay behind, and the import says so rather than dropping them quietly.
  expect(imported.body.notes).toEqual([expect.stringContaining('settings were not taken')])
  expect(await queue.backend.paused()).toBe(true)
  const onRedis = await queue.exportText()
  expect(jobsOf(onRedis)).toEqual(jobsOf(first))
  expect((await queue.importText(onRedis)).body.jobs).toEqual({ added: 0, skipped: 5 })

  const back = await startHost({ kinds: KINDS })
  const result = back.transfer.importText(onRedis)
  expect(result.jobs).toEqual({ added: 5, skipped: 0 })
  expect(back.api.getStats({}).paused).toBe(true)
  expect(jobsOf(sqliteExport(back))).toEqual(jobsOf(first))
  expect(back.api.getJob({ id: queued.id })).toMatchObject({ status: 'queued', priority: 'high', maxAttempts: 4 })
  expect(back.api.getJob({ id: scheduled.id })).toMatchObject({ status: 'scheduled', lane: 'night', maxMemoryMb: 256 })
}, 60_000)

it('refuses by its line what Redis cannot keep, and a refused file changes nothing', async () => {
  const queue = await redisQueue()
  const header = JSON.stringify({ type: 'offload-export', version: 1, exportedAt: new Date().toISOString() })
  const host = await startHost({ kinds: KINDS })
  host.api.pauseQueue({})
  const parent = host.api.createJob({ kind: 'noop', name: 'parent', params: {}, hold: true })
  host.api.createJob({ kind: 'noop', name: 'child', params: {}, after: [parent.id] })
  host.handlers.createSchedule(parseRequest('createSchedule', { name: 'nightly', cron: '0 3 * * *', kind: 'noop', params: {} }))
  const full = sqliteExport(host)
  const lines = full.trim().split('\n')
  const scheduleAt = lines.findIndex((l) => l.includes('"type":"schedule"')) + 1

  const cases: [string, string, RegExp][] = [
    [full, 'schedules', new RegExp(`^Line ${scheduleAt}: schedule .*does not support recurring schedules`)],
    [lines.filter((l) => !l.includes('"type":"schedule"')).join('\n'), 'hold', /job .* is held/],
    [lines.filter((l) => !l.includes('"type":"schedule"') && !l.includes('"name":"parent"')).join('\n'), 'dependencies', /waits for other jobs/],
  ]
  for (const [text, feature, message] of cases) {
    const answer = await queue.importText(text)
    expect(answer.status).toBe(501)
    expect(answer.body.error).toMatchObject({ code: 'unsupported', detail: { feature } })
    expect(answer.body.error!.message).toMatch(message)
  }
  const unknown = await queue.importText(`${header}\n${JSON.stringify({ ...jobsOf(full)[0], kind: 'nope' })}\n`)
  expect(unknown.body.error).toMatchObject({ code: 'unknown_kind' })
  expect(await queue.backend.counts()).toEqual(expect.objectContaining({ queued: 0, scheduled: 0, succeeded: 0, failed: 0, cancelled: 0 }))
  expect(jobsOf(await queue.exportText())).toEqual([])
}, 60_000)
