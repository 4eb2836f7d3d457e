import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { parseRequest } from '../../src/shared/api'
import { BullStore } from '../../src/main/backends/bullmq/bull-store'
import { createRedisServer, type RedisServer } from '../../src/main/backends/bullmq/redis-handlers'
import { parseRedisUrl } from '../../src/main/backends/bullmq/redis-url'
import { joinRedis, type Joined } from '../../src/main/backends/bullmq/redis-join'
import { createForkLauncher } from '../../src/main/node/fork-launcher'
import { loadKinds } from '../../src/main/kinds/registry'
import { startHost, waitFor, WORKER } from '../helpers'
import { startRedis, type RedisProcess } from '../redis-server'

/** The desktop app's `redis` setting, as joinRedis takes it up at start (the Electron shell only passes it on). */
let redis: RedisProcess
const closing: (() => Promise<void>)[] = []
beforeAll(async () => {
  redis = await startRedis()
}, 20_000)
afterAll(async () => {
  await redis?.stop()
})
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close()
  const flush = new Redis(redis.url)
  await flush.flushall()
  flush.disconnect()
})

async function joined(role: 'worker' | 'client' | null, url = redis.url) {
  const host = await startHost({ kinds: ['sleep.mjs'] })
  const join = await joinRedis(role && { url, role }, host, { dataDir: host.dataDir, launcher: createForkLauncher(WORKER), machine: 'laptop' })
  closing.push(() => join.close())
  return { host, join }
}

async function sharedQueue(): Promise<RedisServer> {
  const { host } = await joined(null)
  const server = createRedisServer(new BullStore(parseRedisUrl(redis.url)), await loadKinds(join(host.dataDir, 'kinds')))
  closing.push(() => server.close())
  return server
}

const call = <T>(handlers: Joined['handlers'], method: keyof Joined['handlers'], input: unknown): Promise<T> =>
  Promise.resolve((handlers[method] as (input: unknown) => unknown)(parseRequest(method, input))) as Promise<T>

it('as a client, the panel drives the shared queue while the settings stay this app’s own', async () => {
  const { host, join } = await joined('client')
  expect(join.said).toContain('shared queue at redis://127.0.0.1')
  const job = await call<{ id: string }>(join.handlers, 'createJob', { kind: 'sleep', params: { ms: 10 } })
  const shared = await sharedQueue()
  expect(await call(shared.handlers, 'getJob', { id: job.id })).toMatchObject({ id: job.id, status: 'queued' })
  expect(() => host.api.getJob({ id: job.id })).toThrow(/No job/)
  expect(await call(join.handlers, 'getBackend', {})).toMatchObject({ name: 'bullmq', capabilities: { settings: true, schedules: false } })
  // The way back: the setting is this app's, so the panel can clear it.
  expect(await call(join.handlers, 'updateSettings', { redis: null })).toMatchObject({ redis: null })
  expect(host.engine.settings().redis).toBeNull()
}, 30_000)

it('as a worker, it also runs jobs from the shared queue, in its own worker processes', async () => {
  const shared = await sharedQueue()
  const { join } = await joined('worker')
  expect(join.said).toContain('Also running jobs from the shared queue')
  // Its own queue is still the panel's.
  expect(await call(join.handlers, 'getBackend', {})).toMatchObject({ name: 'sqlite' })
  const job = await call<{ id: string }>(shared.handlers, 'createJob', { kind: 'sleep', params: { ms: 10 } })
  await waitFor(async () => (await call<{ status: string }>(shared.handlers, 'getJob', { id: job.id })).status === 'succeeded', 'the shared job to succeed')
  expect(await call(shared.handlers, 'getJob', { id: job.id })).toMatchObject({ machine: 'laptop' })
}, 30_000)

it('as a worker, quitting hands its running job back to the shared queue at once, not after its lease', async () => {
  const shared = await sharedQueue()
  const { join } = await joined('worker')
  const job = await call<{ id: string }>(shared.handlers, 'createJob', { kind: 'sleep', params: { ms: 60_000 } })
  const status = async (): Promise<{ status: string; attempts: number }> => call(shared.handlers, 'getJob', { id: job.id })
  await waitFor(async () => (await status()).status === 'running', 'the job to run here')
  await join.close()
  // The lease is 15 s: back in a few, it was handed back rather than left to go stale.
  await waitFor(async () => (await status()).status === 'queued', 'the job back in the queue', 5000)
  expect((await status()).attempts).toBe(1)
}, 30_000)

it('a Redis it cannot reach leaves the app on its own queue, and says so', async () => {
  const started = Date.now()
  const { host, join } = await joined('client', 'redis://127.0.0.1:1')
  expect(Date.now() - started).toBeLessThan(10_000)
  expect(join.handlers).toBe(host.handlers)
  expect(join.said).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1.*own queue/)
}, 30_000)

it('refuses a setting that is not a Redis URL, and keeps the one it had', async () => {
  const { host } = await joined(null)
  expect(() => host.api.updateSettings({ redis: { url: 'http://example.org', role: 'client' } })).toThrow(/Redis URL/)
  expect(host.engine.settings().redis).toBeNull()
})
