import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { parseRequest, type MethodInput, type MethodName, type MethodOutput } from '../../src/shared/api'
import type { Job, JobStatus } from '../../src/shared/job'
import { BullStore } from '../../src/main/backends/bullmq/bull-store'
import { createRedisServer, type RedisServer } from '../../src/main/backends/bullmq/redis-handlers'
import { KEYS } from '../../src/main/backends/bullmq/redis-keys'
import { parseRedisUrl } from '../../src/main/backends/bullmq/redis-url'
import { loadKinds } from '../../src/main/kinds/registry'
import { CLI, offload } from '../cli-helpers'
import { dataDirWithKinds, processesMatching, tempDir, uniqueMarker, waitFor } from '../helpers'
import { startRedis, type RedisProcess } from '../redis-server'

/** Two machines, as far as one can tell: separate `offload worker` processes, each with its own data folder. */
let redis: RedisProcess
let server: RedisServer
let call: <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>
const hosts: ChildProcess[] = []
const LEASE_S = 3

beforeAll(async () => {
  redis = await startRedis()
}, 20_000)
afterAll(async () => {
  await redis?.stop()
})

beforeEach(async () => {
  const flush = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  flush.on('error', () => undefined)
  await flush.flushall()
  flush.disconnect()
  const dataDir = dataDirWithKinds(['sleep.mjs', 'spawner.mjs', 'flaky.mjs'])
  server = createRedisServer(new BullStore(parseRedisUrl(redis.url)), await loadKinds(join(dataDir, 'kinds')))
  call = async (method, input) => (await (server.handlers[method] as (input: unknown) => unknown)(parseRequest(method, input))) as never
})

afterEach(async () => {
  for (const host of hosts.splice(0)) if (host.exitCode === null && host.signalCode === null) host.kill('SIGKILL')
  await server.close()
})

async function startWorkerHost(name: string, concurrency = 2): Promise<ChildProcess> {
  const dataDir = dataDirWithKinds(['sleep.mjs', 'spawner.mjs', 'flaky.mjs'])
  const args = [CLI, 'worker', '--redis', redis.url, '--data', dataDir, '--concurrency', String(concurrency), '--lease', String(LEASE_S), '--name', name]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: tempDir() } })
  let output = ''
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  hosts.push(child)
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`worker ${name} exited (${child.exitCode}): ${output}`)
    return (await call('getBackend', {})).workers.some((w) => w.machine === name)
  }, `worker ${name} to be listed`)
  return child
}

/** Polls the job; while Redis is away the API says so, and the polling goes on. */
async function until(id: string, statuses: JobStatus[], timeoutMs = 30_000): Promise<Job> {
  let last: Job | undefined
  return waitFor(
    async () => {
      try {
        last = await call('getJob', { id })
      } catch (error) {
        if ((error as { code?: string }).code === 'storage_unavailable') return false
        throw error
      }
      return statuses.includes(last.status) && last
    },
    () => `job ${id} to be ${statuses.join(' or ')} (it is ${last?.status})`,
    timeoutMs,
  )
}

async function allJobs(): Promise<Job[]> {
  const jobs: Job[] = []
  let cursor: string | undefined
  do {
    const page = await call('listJobs', { limit: 1000, ...(cursor ? { cursor } : {}) })
    jobs.push(...page.jobs)
    cursor = page.nextCursor ?? undefined
  } while (cursor)
  return jobs
}

it('shares 2,000 jobs between two worker hosts, each job run exactly once', async () => {
  await Promise.all([startWorkerHost('host-a'), startWorkerHost('host-b')])
  const file = join(tempDir(), 'ran')
  const ids: string[] = []
  for (let batch = 0; batch < 2; batch++) {
    const jobs = Array.from({ length: 1000 }, (_, n) => ({ kind: 'sleep', params: { ms: 0, file, mark: `${batch * 1000 + n}` } }))
    ids.push(...(await call('createJobs', { jobs })).ids)
  }
  await waitFor(async () => (await call('getStats', {})).counts.succeeded === 2000, 'all 2,000 jobs to succeed', 110_000)
  const marks = readFileSync(file, 'utf8').trim().split('\n')
  expect(marks).toHaveLength(2000)
  expect(new Set(marks).size).toBe(2000)
  const jobs = await allJobs()
  expect(jobs.map((j) => j.id).sort()).toEqual([...ids].sort())
  expect(jobs.every((j) => j.status === 'succeeded' && j.attempts === 1)).toBe(true)
  const byMachine = new Map<string, number>()
  for (const job of jobs) byMachine.set(job.machine ?? '?', (byMachine.get(job.machine ?? '?') ?? 0) + 1)
  expect([...byMachine.keys()].sort()).toEqual(['host-a', 'host-b'])
}, 150_000)

it('finishes the jobs of a worker host killed with -9 on the other within the lease + 5 s, as new attempts, none lost', async () => {
  const [a] = await Promise.all([startWorkerHost('host-a', 2), startWorkerHost('host-b', 2)])
  const file = join(tempDir(), 'ran')
  await call('pauseQueue', {})
  const { ids } = await call('createJobs', {
    jobs: Array.from({ length: 4 }, (_, n) => ({ kind: 'sleep', params: { ms: 1500, file, mark: `${n}` } })),
  })
  await call('resumeQueue', {})
  // A shared run: both hosts busy with two jobs each when one of them dies.
  const running = await waitFor(async () => {
    const jobs = await Promise.all(ids.map((id) => call('getJob', { id })))
    const on = (machine: string) => jobs.filter((j) => j.status === 'running' && j.machine === machine)
    return on('host-a').length === 2 && on('host-b').length === 2 && on('host-a').map((j) => j.id)
  }, 'two jobs running on each host')
  a.kill('SIGKILL')
  const killedAt = Date.now()
  const finished = await Promise.all(
    running.map(async (id) => {
      const job = await until(id, ['succeeded'], 30_000)
      return { job, afterMs: Date.now() - killedAt }
    }),
  )
  for (const { job, afterMs } of finished) {
    expect(job).toMatchObject({ machine: 'host-b', attempts: 2 })
    expect(afterMs).toBeLessThan((LEASE_S + 5) * 1000)
  }
  for (const id of ids) expect((await until(id, ['succeeded'])).status).toBe('succeeded')
  // Each job's side effect once: the killed tries never reached theirs, the new ones did.
  expect(readFileSync(file, 'utf8').trim().split('\n').sort()).toEqual(['0', '1', '2', '3'])
}, 60_000)

it('kills a job running on another host within 2 s of a cancel from the API', async () => {
  await startWorkerHost('host-a')
  const marker = uniqueMarker()
  const job = await call('createJob', { kind: 'spawner', params: { marker } })
  await waitFor(() => processesMatching(marker).length > 0, 'the job to start its child on host-a')
  const asked = Date.now()
  await call('cancelJob', { id: job.id })
  await waitFor(() => processesMatching(marker).length === 0, 'the child to be gone', 2000)
  expect(Date.now() - asked).toBeLessThan(2000)
  expect(await until(job.id, ['cancelled'])).toMatchObject({ status: 'cancelled', machine: 'host-a' })
  // Counted as cancelled, not failed, once its host has ended it (BullMQ keeps it among the failed).
  await waitFor(async () => {
    const { counts } = await call('getStats', {})
    return counts.running === 0 && counts.cancelled === 1 && counts.failed === 0
  }, 'the stats to count it cancelled')
}, 30_000)

it('a cancel whose message the host missed still reaches the job, at its next relay', async () => {
  await startWorkerHost('host-a')
  const marker = uniqueMarker()
  const job = await call('createJob', { kind: 'spawner', params: { marker } })
  await waitFor(() => processesMatching(marker).length > 0, 'the job to start its child on host-a')
  // Marked for cancel, as cancelJob does, but never published: as if the host's subscriber was reconnecting.
  const raw = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  raw.on('error', () => undefined)
  await raw.sadd(KEYS.cancelling, job.id)
  raw.disconnect()
  await waitFor(() => processesMatching(marker).length === 0, 'the child to be gone', 10_000)
  await waitFor(async () => (await call('getStats', {})).counts.cancelled === 1, 'the job counted cancelled')
}, 30_000)

it('says so while Redis is away, and goes on with every job once it is back', async () => {
  await startWorkerHost('host-a', 2)
  const { ids } = await call('createJobs', { jobs: Array.from({ length: 12 }, () => ({ kind: 'sleep', params: { ms: 150 } })) })
  await until(ids[1]!, ['succeeded'])
  const health: string[] = []
  server.subscribe((event) => event.type === 'storage' && health.push(event.storage.status))
  await redis.kill()
  await expect(
    waitFor(
      async () =>
        call('getStats', {}).then(
          () => false,
          (error: { code?: string }) => error.code === 'storage_unavailable',
        ),
      'the API to say Redis is away',
      5000,
    ),
  ).resolves.toBe(true)
  await new Promise((resolve) => setTimeout(resolve, 1000))
  await redis.start()
  for (const id of ids) await until(id, ['succeeded'], 30_000)
  await waitFor(() => health.includes('ok'), 'the health to come back')
  expect(health[0]).toBe('unavailable')
}, 60_000)

it('loses nothing Redis acknowledged when it is killed and restarted with AOF on', async () => {
  await startWorkerHost('host-a', 2)
  const file = join(tempDir(), 'ran')
  const batch = (prefix: string) => Array.from({ length: 20 }, (_, n) => ({ kind: 'sleep', params: { ms: 50, file, mark: `${prefix}${n}` } }))
  const first = (await call('createJobs', { jobs: batch('a') })).ids
  const done = await waitFor(async () => {
    const page = await call('listJobs', { status: 'succeeded', limit: 100 })
    return page.jobs.length >= 5 && page.jobs
  }, 'some of the first batch to succeed')
  // Acknowledged just before the crash: the add's answer came, so the jobs must be there after it.
  const second = (await call('createJobs', { jobs: batch('b') })).ids
  await redis.kill()
  await redis.start()
  for (const id of [...first, ...second]) await until(id, ['succeeded'], 60_000)
  const marks = readFileSync(file, 'utf8').trim().split('\n')
  expect(new Set(marks)).toEqual(new Set([...batch('a'), ...batch('b')].map((job) => job.params.mark)))
  // What had ended before the crash is as it was, and was not run again.
  for (const job of done) {
    expect(await call('getJob', { id: job.id })).toMatchObject({ status: 'succeeded', attempts: job.attempts, finishedAt: job.finishedAt, result: job.result })
    expect(marks.filter((mark) => mark === (job.params as { mark: string }).mark)).toHaveLength(1)
  }
}, 90_000)

it('a panel that subscribes while Redis is away hears of the jobs once it is back', async () => {
  await startWorkerHost('host-a', 1)
  const first = await call('createJob', { kind: 'sleep', params: { ms: 10 } })
  await until(first.id, ['succeeded'])
  await redis.kill()
  const late = createRedisServer(new BullStore(parseRedisUrl(redis.url)), await loadKinds(join(dataDirWithKinds(['sleep.mjs']), 'kinds')))
  const succeeded = new Set<string>()
  late.subscribe((event) => {
    if (event.type === 'jobs') for (const job of event.jobs) if (job.status === 'succeeded') succeeded.add(job.id)
  })
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000))
    await redis.start()
    const { id } = await waitFor(
      () =>
        call('createJob', { kind: 'sleep', params: { ms: 10 } }).catch((error: unknown) => {
          if ((error as { code?: string }).code === 'storage_unavailable') return null
          throw error
        }),
      'Redis to take a job again',
    )
    await waitFor(() => succeeded.has(id), 'the late panel to hear the job succeed')
  } finally {
    await late.close()
  }
}, 60_000)

it('a retry waiting out its backoff is due a backoff after the try that failed, not after the job was made', async () => {
  await startWorkerHost('host-a', 1)
  const made = await call('createJob', { kind: 'flaky', params: { counter: join(tempDir(), 'count'), failures: 1 }, maxAttempts: 2, delayMs: 2000 })
  const retrying = await waitFor(async () => {
    const job = await call('getJob', { id: made.id })
    return job.attempts === 1 && job.status === 'queued' && job.error !== null && job
  }, 'the retry to wait out its backoff')
  // A retry shows queued with its error while it waits (as locally). The try ran at 2 s at the earliest and the backoff is at least 750 ms; BullMQ's own timestamp is the job's making.
  expect(Date.parse(retrying.runAfter)).toBeGreaterThanOrEqual(Date.parse(made.createdAt) + 2750)
  await until(made.id, ['succeeded'])
}, 30_000)

it('refuses an unreachable or malformed Redis URL with a clear message and exit 2, within 5 s', async () => {
  for (const command of ['worker', 'serve']) {
    const run = await offload([command, '--redis', 'redis://127.0.0.1:1', '--data', tempDir()], { timeoutMs: 10_000 })
    expect(run.code).toBe(2)
    expect(run.ms).toBeLessThan(5000)
    expect(run.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1 .*redis-server/)
    const bad = await offload([command, '--redis', 'http://example.org', '--data', tempDir()])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('is not a Redis URL')
  }
}, 30_000)

it('a bulk action by filter reaches every matching job, past the first page, and lanes count what waits', async () => {
  const jobs = Array.from({ length: 1200 }, () => ({ kind: 'sleep', params: { ms: 0 } }))
  await call('createJobs', { jobs })
  await call('createJobs', { jobs: jobs.slice(0, 3).map((job) => ({ ...job, lane: 'encode' })) })
  expect((await call('getLane', { name: 'encode' })).queued).toBe(3)
  expect((await call('listLanes', {})).lanes.find((lane) => lane.name === 'default')).toMatchObject({ queued: 1200, running: 0 })
  const result = await call('cancelJobs', { filter: { status: 'queued' } })
  expect(result.changedCount).toBe(1203)
  const { counts } = await call('getStats', {})
  expect(counts).toMatchObject({ queued: 0, cancelled: 1203 })
}, 90_000)
