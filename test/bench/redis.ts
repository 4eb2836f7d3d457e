/**
 * The Redis rows of `npm run bench`: Offload on a BullMQ queue, jobs sent by
 * the server side in this process and run by one or two worker hosts, each
 * a separate `offload worker` process (the built CLI) with its own data
 * folder, as two machines would be; and, for scale, BullMQ's own figure
 * with a Queue and a Worker in this process on the same Redis.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Queue, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { parseRequest } from '../../src/shared/api'
import { BullStore } from '../../src/main/backends/bullmq/bull-store'
import { createRedisServer, type RedisServer } from '../../src/main/backends/bullmq/redis-handlers'
import { parseRedisUrl } from '../../src/main/backends/bullmq/redis-url'
import { loadKinds } from '../../src/main/kinds/registry'
import { startRedis } from '../redis-server'

const ROOT = join(import.meta.dirname, '..', '..')
/** The built command line (`npx electron-vite build` makes it); `offload worker` is this with `worker`. */
const CLI = join(ROOT, 'out', 'main', 'cli.js')
const KINDS = ['noop.mjs', 'sleep.mjs']

/** Job slots on each worker host; BullMQ's in-process worker gets as many as the 1-host run has. */
export const HOST_CONCURRENCY = 2
export const NOOP_JOBS = 3000
export const SLEEP_JOBS = 600
export const SLEEP_MS = 50
const BATCH = 1000
const POLL_MS = 50
const RUN_TIMEOUT_MS = 180_000
const STOP_GRACE_MS = 5000

export interface RedisFigures {
  /** BullMQ alone: Queue + Worker in this process, concurrency HOST_CONCURRENCY. */
  bullmqNoopPerSec: number
  bullmqSleepPerSec: number
  /** Offload on Redis with 1 and with 2 worker hosts of HOST_CONCURRENCY slots each. */
  redisNoopPerSec1: number
  redisNoopPerSec2: number
  redisSleepPerSec1: number
  redisSleepPerSec2: number
}

const log = (line: string): void => console.log(line)
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

function dataDir(dirs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'offload-bench-redis-'))
  dirs.push(dir)
  for (const kind of KINDS) cpSync(join(ROOT, 'test', 'fixtures', 'kinds', kind), join(dir, 'kinds', kind))
  return dir
}

async function flushAll(url: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  redis.on('error', () => undefined)
  try {
    await redis.flushall()
  } finally {
    redis.disconnect()
  }
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`)
    await sleep(POLL_MS)
  }
}

interface WorkerHostProcess {
  child: ChildProcess
  output: () => string
}

function spawnHost(url: string, name: string, dirs: string[]): WorkerHostProcess {
  const args = [CLI, 'worker', '--redis', url, '--data', dataDir(dirs), '--concurrency', String(HOST_CONCURRENCY), '--name', name]
  const home = mkdtempSync(join(tmpdir(), 'offload-bench-home-'))
  dirs.push(home)
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' } })
  let output = ''
  child.stdout.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr.on('data', (d: Buffer) => (output += d.toString()))
  return { child, output: () => output }
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null

/** SIGTERM, and SIGKILL if it is still there after STOP_GRACE_MS (said in a line); resolves once it has exited. */
async function stopHost({ child }: WorkerHostProcess, name: string): Promise<void> {
  if (exited(child)) return
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => {
    if (exited(child)) return
    log(`bench: worker ${name} still there ${STOP_GRACE_MS / 1000} s after SIGTERM; killed`)
    child.kill('SIGKILL')
  }, STOP_GRACE_MS)
  await gone
  clearTimeout(timer)
}

/**
 * Offload on Redis: `hosts` worker hosts listed, their pools warmed, then
 * `n` jobs sent while the queue is paused; timed from the resume until
 * getStats counts them all succeeded.
 */
async function offloadRun(url: string, hosts: number, kind: 'noop' | 'sleep', n: number, dirs: string[]): Promise<number> {
  await flushAll(url)
  const server: RedisServer = createRedisServer(new BullStore(parseRedisUrl(url)), await loadKinds(join(dataDir(dirs), 'kinds')))
  const { handlers } = server
  const started: WorkerHostProcess[] = []
  try {
    for (let i = 1; i <= hosts; i++) started.push(spawnHost(url, `host-${i}`, dirs))
    for (const [i, host] of started.entries()) {
      const name = `host-${i + 1}`
      await waitUntil(
        async () => {
          if (exited(host.child)) throw new Error(`bench: worker ${name} exited (${host.child.exitCode ?? host.child.signalCode}): ${host.output()}`)
          return (await handlers.getBackend({})).workers.some((w) => w.machine === name)
        },
        `worker ${name} to be listed`,
        20_000,
      )
    }
    const succeeded = async (): Promise<number> => {
      const { counts } = await handlers.getStats({})
      if (counts.failed > 0 || counts.cancelled > 0) throw new Error(`bench: ${counts.failed} failed, ${counts.cancelled} cancelled`)
      return counts.succeeded
    }
    // Warm the hosts' pools, so process start-up is not what is measured.
    const warm = 2 * HOST_CONCURRENCY * hosts
    await handlers.createJobs(parseRequest('createJobs', { jobs: Array.from({ length: warm }, () => ({ kind: 'noop' })) }))
    await waitUntil(async () => (await succeeded()) === warm, 'the warm-up jobs', 30_000)

    await handlers.pauseQueue(parseRequest('pauseQueue', {}))
    const params = kind === 'sleep' ? { ms: SLEEP_MS } : {}
    for (let at = 0; at < n; at += BATCH) {
      const jobs = Array.from({ length: Math.min(BATCH, n - at) }, () => ({ kind, params }))
      await handlers.createJobs(parseRequest('createJobs', { jobs }))
    }
    const start = performance.now()
    await handlers.resumeQueue(parseRequest('resumeQueue', {}))
    await waitUntil(async () => (await succeeded()) >= warm + n, `${n} ${kind} jobs on ${hosts} host(s)`, RUN_TIMEOUT_MS)
    return n / ((performance.now() - start) / 1000)
  } finally {
    await Promise.all(started.map((host, i) => stopHost(host, `host-${i + 1}`)))
    await server.close()
  }
}

/** BullMQ by itself: a Queue and a Worker in this process, `n` jobs added beforehand, timed from the worker's start. */
async function bullmqRun(url: string, kind: 'noop' | 'sleep', n: number): Promise<number> {
  await flushAll(url)
  const connections = [0, 1].map(() => {
    const redis = new Redis(url, { maxRetriesPerRequest: null })
    redis.on('error', () => undefined)
    return redis
  })
  const name = `bench-${kind}`
  const queue = new Queue(name, { connection: connections[0]! })
  queue.on('error', () => undefined)
  let worker: Worker | undefined
  try {
    for (let at = 0; at < n; at += BATCH) {
      await queue.addBulk(Array.from({ length: Math.min(BATCH, n - at) }, (_, i) => ({ name: kind, data: { i: at + i } })))
    }
    const processor = kind === 'sleep' ? () => sleep(SLEEP_MS) : () => Promise.resolve()
    const w = new Worker(name, processor, { connection: connections[1]!, concurrency: HOST_CONCURRENCY, autorun: false })
    worker = w
    let completed = 0
    const done = new Promise<void>((resolve, reject) => {
      w.on('completed', () => {
        if (++completed === n) resolve()
      })
      w.on('failed', (_job, error) => reject(error))
      w.on('error', reject)
    })
    const start = performance.now()
    void w.run().catch(() => undefined)
    await done
    return n / ((performance.now() - start) / 1000)
  } finally {
    await worker?.close()
    await queue.close()
    for (const connection of connections) connection.disconnect()
  }
}

function hasRedisServer(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' })
  return !probe.error && probe.status === 0
}

/** The Redis figures, or null (with a line saying so) when redis-server is not installed. */
export async function redisBench(): Promise<RedisFigures | null> {
  if (!hasRedisServer()) {
    log('Redis rows skipped: redis-server is not installed (apt install redis-server)')
    return null
  }
  if (!existsSync(CLI)) throw new Error(`bench: ${CLI} is missing; run "npx electron-vite build" first`)
  const redis = await startRedis()
  const dirs: string[] = []
  try {
    const bullmqNoopPerSec = await bullmqRun(redis.url, 'noop', NOOP_JOBS)
    const bullmqSleepPerSec = await bullmqRun(redis.url, 'sleep', SLEEP_JOBS)
    const redisNoopPerSec1 = await offloadRun(redis.url, 1, 'noop', NOOP_JOBS, dirs)
    const redisNoopPerSec2 = await offloadRun(redis.url, 2, 'noop', NOOP_JOBS, dirs)
    const redisSleepPerSec1 = await offloadRun(redis.url, 1, 'sleep', SLEEP_JOBS, dirs)
    const redisSleepPerSec2 = await offloadRun(redis.url, 2, 'sleep', SLEEP_JOBS, dirs)
    return { bullmqNoopPerSec, bullmqSleepPerSec, redisNoopPerSec1, redisNoopPerSec2, redisSleepPerSec1, redisSleepPerSec2 }
  } finally {
    await redis.stop()
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}
