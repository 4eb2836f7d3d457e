import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { parseRequest, type ApiHandlers, type MethodInput, type MethodName, type MethodOutput } from '../../src/shared/api'
import type { Job, JobStatus } from '../../src/shared/job'
import { BullStore } from '../../src/main/backends/bullmq/bull-store'
import { createRedisServer } from '../../src/main/backends/bullmq/redis-handlers'
import { parseRedisUrl } from '../../src/main/backends/bullmq/redis-url'
import { RedisWorkerHost } from '../../src/main/backends/bullmq/worker-host'
import { loadKinds } from '../../src/main/kinds/registry'
import { createForkLauncher } from '../../src/main/node/fork-launcher'
import { CALM_MACHINE, dataDirWithKinds, FAST, processesMatching, startHost, tempDir, uniqueMarker, waitFor, WORKER } from '../helpers'
import { startRedis, type RedisProcess } from '../redis-server'

type Call = <M extends MethodName>(method: M, input: MethodInput<M>) => Promise<MethodOutput<M>>

interface Queue {
  call: Call
  close(): Promise<void>
}

/** Every call through the contract's own parse, as any transport makes it. */
function caller(handlers: ApiHandlers): Call {
  return async (method, input) => (await (handlers[method] as (input: unknown) => unknown)(parseRequest(method, input))) as never
}

const KINDS = ['sleep.mjs', 'chatty.mjs', 'spawner.mjs', 'flaky.mjs', 'noop.mjs']

let redis: RedisProcess
beforeAll(async () => {
  redis = await startRedis()
}, 20_000)
afterAll(async () => {
  await redis?.stop()
})

const opened: Queue[] = []
afterEach(async () => {
  for (const queue of opened.splice(0)) await queue.close()
})

/** The embedded engine: SQLite and this machine's worker processes. */
async function sqliteQueue(concurrency: number): Promise<Queue> {
  const host = await startHost({ kinds: KINDS, engine: { concurrency } })
  host.api.updateSettings({ adaptiveConcurrency: false })
  return { call: caller(host.handlers), close: async () => undefined }
}

/** BullMQ on a real Redis, with one worker host running the jobs in its own processes. */
async function bullmqQueue(concurrency: number): Promise<Queue> {
  const flush = new Redis(redis.url)
  await flush.flushall()
  flush.disconnect()
  const dataDir = dataDirWithKinds(KINDS)
  const target = parseRedisUrl(redis.url)
  const server = createRedisServer(new BullStore(target), await loadKinds(join(dataDir, 'kinds')))
  const worker = await RedisWorkerHost.start({
    target,
    dataDir,
    launcher: createForkLauncher(WORKER),
    concurrency,
    lanes: null,
    leaseMs: 5000,
    engine: FAST,
    probes: CALM_MACHINE,
  })
  return {
    call: caller(server.handlers),
    close: async () => {
      await worker.close(0)
      await server.close()
    },
  }
}

const BACKENDS = [
  ['sqlite', sqliteQueue],
  ['bullmq', bullmqQueue],
] as const

describe.each(BACKENDS)('the queue on %s', (_name, open) => {
  async function start(concurrency = 2): Promise<Call> {
    const queue = await open(concurrency)
    opened.push(queue)
    return queue.call
  }

  async function until(call: Call, id: string, statuses: JobStatus[], timeoutMs = 20_000): Promise<Job> {
    let last: Job | undefined
    return waitFor(
      async () => {
        last = await call('getJob', { id })
        return statuses.includes(last.status) && last
      },
      () => `job ${id} to be ${statuses.join(' or ')} (it is ${last?.status})`,
      timeoutMs,
    )
  }

  it('runs a job to its result, with its progress and log lines', async () => {
    const call = await start()
    const job = await call('createJob', { kind: 'chatty', params: { ticks: 20, lines: 3, ms: 300 } })
    expect(job.status).toMatch(/queued|running/)
    const done = await until(call, job.id, ['succeeded'])
    expect(done.result).toMatchObject({ ticks: expect.any(Number) })
    expect(done.progress.fraction).toBe(1)
    expect(done.attempts).toBe(1)
    const { lines } = await call('getJobLogs', { id: job.id })
    expect(lines.map((l) => l.line)).toEqual(expect.arrayContaining(['line 1', 'line 2', 'line 3']))
  })

  it('reports progress while a job runs', async () => {
    const call = await start()
    const job = await call('createJob', { kind: 'sleep', params: { ms: 3000 } })
    await waitFor(async () => {
      const now = await call('getJob', { id: job.id })
      return now.status === 'running' && now.progress.fraction > 0
    }, 'progress above 0 while running')
    await call('cancelJob', { id: job.id })
  })

  it('starts the most urgent waiting job first', async () => {
    const call = await start(1)
    const file = join(tempDir(), 'order')
    await call('pauseQueue', {})
    const ids: string[] = []
    for (const priority of ['low', 'normal', 'urgent', 'high'] as const) {
      ids.push((await call('createJob', { kind: 'sleep', params: { ms: 10, file, mark: priority }, priority })).id)
    }
    await call('resumeQueue', {})
    for (const id of ids) await until(call, id, ['succeeded'])
    expect(readFileSync(file, 'utf8').trim().split('\n')).toEqual(['urgent', 'high', 'normal', 'low'])
  })

  it('retries a failing job with backoff until it succeeds, counting each attempt', async () => {
    const call = await start()
    const counter = join(tempDir(), 'count')
    const job = await call('createJob', { kind: 'flaky', params: { counter, failures: 1 }, maxAttempts: 3 })
    const done = await until(call, job.id, ['succeeded'])
    expect(done.attempts).toBe(2)
    expect(readFileSync(counter, 'utf8')).toBe('2')
  })

  it('fails a job whose attempts are used up, with the error of the last', async () => {
    const call = await start()
    const job = await call('createJob', { kind: 'flaky', params: { counter: join(tempDir(), 'count'), failures: 9 }, maxAttempts: 2 })
    const failed = await until(call, job.id, ['failed'])
    expect(failed.attempts).toBe(2)
    expect(failed.error).toMatchObject({ code: 'job_error', message: expect.stringContaining('planned failure 2') })
  })

  it('times out a job that runs too long', async () => {
    const call = await start()
    const job = await call('createJob', { kind: 'sleep', params: { ms: 30_000 }, timeoutMs: 500, maxAttempts: 1 })
    const failed = await until(call, job.id, ['failed'])
    expect(failed.error?.code).toBe('timeout')
  })

  it('cancels a running job and kills the processes it started', async () => {
    const call = await start()
    const marker = uniqueMarker()
    const job = await call('createJob', { kind: 'spawner', params: { marker } })
    await waitFor(() => processesMatching(marker).length > 0, 'the spawned child')
    const cancelled = await call('cancelJob', { id: job.id })
    expect(cancelled.status).toBe('cancelled')
    await waitFor(() => processesMatching(marker).length === 0, 'the spawned child to be gone', 2000)
    expect((await until(call, job.id, ['cancelled'])).status).toBe('cancelled')
  })

  it('cancels, retries and removes many jobs at once', async () => {
    const call = await start()
    await call('pauseQueue', {})
    const { ids } = await call('createJobs', { jobs: [0, 1, 2, 3].map(() => ({ kind: 'noop', params: {} })) })
    const cancelled = await call('cancelJobs', { ids })
    expect(cancelled).toMatchObject({ changedCount: 4, failedCount: 0 })
    for (const id of ids) expect((await call('getJob', { id })).status).toBe('cancelled')
    const again = await call('cancelJobs', { ids: ids.slice(0, 1) })
    expect(again).toMatchObject({ changedCount: 0, failedCount: 1, failed: [{ code: 'wrong_state' }] })
    const removed = await call('removeJobs', { filter: { status: 'cancelled' } })
    expect(removed.changedCount).toBe(4)
    await expect(call('getJob', { id: ids[0]! })).rejects.toMatchObject({ code: 'not_found' })
    const stats = await call('getStats', {})
    expect(stats.counts.cancelled).toBe(0)
  })

  it('retries a cancelled job from the start', async () => {
    const call = await start()
    await call('pauseQueue', {})
    const job = await call('createJob', { kind: 'noop', params: {} })
    await call('cancelJob', { id: job.id })
    await call('resumeQueue', {})
    await call('retryJob', { id: job.id })
    expect((await until(call, job.id, ['succeeded'])).attempts).toBe(1)
  })

  it('lists jobs newest first, by status, a page at a time', async () => {
    const call = await start()
    await call('pauseQueue', {})
    const { ids } = await call('createJobs', { jobs: [0, 1, 2, 3, 4].map((n) => ({ kind: 'noop', params: {}, name: `job ${n}` })) })
    const first = await call('listJobs', { status: 'queued', limit: 3, count: true })
    expect(first.jobs.map((j) => j.id)).toEqual([...ids].reverse().slice(0, 3))
    expect(first.total).toBe(5)
    const second = await call('listJobs', { status: 'queued', limit: 3, cursor: first.nextCursor! })
    expect(second.jobs.map((j) => j.id)).toEqual([ids[1], ids[0]])
    expect(second.nextCursor).toBeNull()
    expect((await call('listJobs', { q: 'JOB 3' })).jobs.map((j) => j.id)).toEqual([ids[3]])
  })

  it('refuses bad input with a typed error and changes nothing', async () => {
    const call = await start()
    await expect(call('createJob', { kind: 'no-such-kind', params: {} })).rejects.toMatchObject({ code: 'unknown_kind' })
    await expect(call('createJob', { kind: 'sleep', params: { ms: 'soon' } })).rejects.toMatchObject({ code: 'invalid_params' })
    await expect(
      call('createJobs', {
        jobs: [
          { kind: 'noop', params: {} },
          { kind: 'sleep', params: {} },
        ],
      }),
    ).rejects.toMatchObject({
      code: 'invalid_params',
      message: expect.stringContaining('jobs.1'),
    })
    await expect(call('getJob', { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).rejects.toMatchObject({ code: 'not_found' })
    await expect(call('createJob', { kind: 'noop', params: {}, priority: 'whenever' as never })).rejects.toMatchObject({ code: 'invalid_input' })
    expect((await call('listJobs', {})).jobs).toEqual([])
  })

  it('says what it supports, and refuses what it lacks by name, storing nothing', async () => {
    const call = await start()
    const backend = await call('getBackend', {})
    expect(backend.name).toBe(_name)
    const parent = await call('createJob', { kind: 'noop', params: {} })
    // Each feature a new job can ask for, and one call that only it answers.
    const asks: Record<string, { job?: Record<string, unknown>; call?: () => Promise<unknown> }> = {
      dependencies: { job: { after: [parent.id] }, call: () => call('getJobDependencies', { id: parent.id }) },
      keys: { job: { key: 'k' } },
      hold: { job: { hold: true }, call: () => call('releaseJobs', { ids: [parent.id] }) },
      slots: { job: { slots: 2 } },
      attempts: { call: () => call('getJobAttempts', { id: parent.id }) },
      laneLimits: { call: () => call('updateLane', { name: 'default', concurrency: 1 }) },
      schedules: { call: () => call('createSchedule', { name: 'nightly', cron: '0 3 * * *', kind: 'noop' }) },
    }
    const lacking = Object.keys(asks).filter((feature) => !backend.capabilities[feature as keyof typeof backend.capabilities])
    expect(lacking.length).toBe(_name === 'sqlite' ? 0 : Object.keys(asks).length)
    for (const feature of lacking) {
      const { job, call: only } = asks[feature]!
      const unsupported = { code: 'unsupported', detail: { feature } }
      if (job) {
        await expect(call('createJob', { kind: 'noop', params: {}, ...job })).rejects.toMatchObject(unsupported)
        await expect(
          call('createJobs', {
            jobs: [
              { kind: 'noop', params: {} },
              { kind: 'noop', params: {}, ...job },
            ],
          }),
        ).rejects.toMatchObject({
          ...unsupported,
          message: expect.stringMatching(/^jobs\.1: /),
        })
      }
      if (only) await expect(only()).rejects.toMatchObject(unsupported)
    }
    // Refused batches stored none of their jobs.
    expect((await call('listJobs', { limit: 10, count: true })).total).toBe(1)
    await waitFor(async () => (await call('getBackend', {})).workers.length > 0, 'a worker listed')
  })
})

it('finds Redis keys of its own only under offload names (the queue can share a server)', async () => {
  const keys = new Redis(redis.url)
  try {
    const all = await keys.keys('*')
    expect(all.every((key) => key.startsWith('offload:') || key.startsWith('bull:offload.'))).toBe(true)
  } finally {
    keys.disconnect()
  }
})
