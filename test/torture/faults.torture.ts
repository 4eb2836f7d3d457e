/**
 * Faults torture: one host with a fixture kind per fault (test/torture/kinds).
 * Each job must end in the right state, the host must keep answering while the
 * fault happens, the pool must be whole afterwards (a follow-up `echo ok`
 * succeeds) and no process the job started may be left. Two more cases kill a
 * real headless server with kill -9 while its workers are busy.
 *
 * Figures: cases, passed.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createForkLauncher } from '../../src/main/node/fork-launcher'
import { openHost, type Host } from '../../src/main/engine/host'
import { createHttpServer, type HttpServer } from '../../src/main/headless/http-server'
import { FAST, WORKER } from '../helpers'
import {
  apiClient,
  becomes,
  cpuShares,
  dataFolderWithTortureKinds,
  describeProcs,
  isWorker,
  kill9,
  killEverything,
  killPids,
  mark,
  markedProcesses,
  printFigures,
  psEvidence,
  removeTempDirs,
  sleep,
  startServer,
  TAG_ENV,
  taggedProcesses,
  tempFolder,
  waitUntil,
  type ApiCall,
} from './lib'

const CONCURRENCY = 2
const TOKEN = 'torture-token-0123456789abcdefghijklmnopqrstuvwxyz'
/** Workers get a small heap so the memory blow-up ends in seconds, not after gigabytes. */
const WORKER_HEAP_MB = 192
const FINAL = ['succeeded', 'failed', 'cancelled']

let host: Host
let http: HttpServer
let call: ApiCall
let dataDir: string
const hostTag = mark('host')
const markers: string[] = []
let cases = 0
let passed = 0
/** The slowest GET /api/stats while a fault happened, and during which case. */
let slowestStats = { ms: 0, during: '' }

beforeAll(async () => {
  dataDir = dataFolderWithTortureKinds('faults')
  host = await openHost({
    dataDir,
    launcher: createForkLauncher(WORKER),
    engine: {
      ...FAST,
      concurrency: CONCURRENCY,
      workerEnv: { [TAG_ENV]: hostTag, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${WORKER_HEAP_MB}`.trim() },
    },
  })
  http = createHttpServer({ handlers: host.handlers, subscribe: (l) => host.engine.subscribe(l), token: TOKEN })
  const port = await http.listen(0)
  call = apiClient({ url: `http://127.0.0.1:${port}`, token: TOKEN })
})

afterAll(async () => {
  printFigures('faults', { cases, passed, slowestStatsMs: slowestStats.ms, slowestDuring: slowestStats.during })
  await http?.close()
  await host?.close(0)
  await killEverything(markers)
  for (const proc of taggedProcesses(hostTag)) killPids([proc.pid])
  removeTempDirs()
})

// ── Helpers ──────────────────────────────────────────────────────────────

async function create(job: Record<string, unknown>, via: ApiCall = call): Promise<string> {
  const res = await via('POST', '/api/jobs', job)
  expect(res.status, `creating ${JSON.stringify(job).slice(0, 200)}: ${res.text.slice(0, 500)}`).toBe(201)
  return res.body.id as string
}

async function getJob(id: string, via: ApiCall = call): Promise<any> {
  const res = await via('GET', `/api/jobs/${id}`)
  expect(res.status, res.text).toBe(200)
  return res.body
}

async function waitForStatus(id: string, statuses: string[], timeoutMs = 30_000, via: ApiCall = call): Promise<any> {
  let job: any
  await waitUntil(
    async () => {
      job = await getJob(id, via)
      return statuses.includes(job.status)
    },
    () => `job ${id} (${job?.kind}) to be ${statuses.join(' or ')}; it is ${job?.status}, attempts ${job?.attempts}, error ${JSON.stringify(job?.error)}`,
    timeoutMs,
    50,
  )
  return job
}

async function logLines(id: string): Promise<string[]> {
  const res = await call('GET', `/api/jobs/${id}/logs`)
  expect(res.status, res.text).toBe(200)
  return (res.body.lines as { line: string }[]).map((l) => l.line)
}

/** Times GET /api/stats every 100 ms while a fault happens. */
function statsSampler(): { stop(): Promise<{ max: number; samples: number; failures: string[] }> } {
  let running = true
  let max = 0
  let samples = 0
  const failures: string[] = []
  const loop = (async () => {
    while (running) {
      const t0 = performance.now()
      try {
        const res = await call('GET', '/api/stats')
        if (res.status !== 200) failures.push(`${res.status} ${res.text.slice(0, 200)}`)
      } catch (error) {
        failures.push(String(error))
      }
      max = Math.max(max, performance.now() - t0)
      samples++
      await sleep(100)
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return { max: Math.round(max), samples, failures }
    },
  }
}

function pidsIn(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number)
  } catch {
    return []
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0]
    return state !== 'Z'
  } catch {
    return false
  }
}

/** The pool is whole: a plain job still runs to success, and no worker is left beyond the pool's size or spinning. */
async function poolIsWhole(): Promise<void> {
  const id = await create({ kind: 'shell', params: { command: 'echo ok' }, maxAttempts: 1 })
  const job = await waitForStatus(id, FINAL, 30_000)
  expect(job.status, `the follow-up "echo ok" job: ${JSON.stringify(job.error)}`).toBe('succeeded')
  expect(await logLines(id)).toEqual(['ok'])
  const fits = await becomes(() => taggedProcesses(hostTag).filter(isWorker).length <= CONCURRENCY, 5000)
  expect(fits, `at most ${CONCURRENCY} worker processes alive:\n${describeProcs(taggedProcesses(hostTag))}`).toBe(true)
  await noSpinner()
}

/** No process of this host burns a core (a worker just starting may, briefly: measured twice). */
async function noSpinner(): Promise<void> {
  const busy = async () => {
    const procs = taggedProcesses(hostTag)
    const shares = await cpuShares(
      procs.map((p) => p.pid),
      500,
    )
    return procs.filter((p) => (shares.get(p.pid) ?? 0) > 0.6)
  }
  let spinning = await busy()
  if (spinning.length > 0) {
    await sleep(1500)
    spinning = await busy()
  }
  expect(
    spinning.map((p) => p.pid),
    `processes of this host at >60% of a core:\n${describeProcs(spinning)}`,
  ).toEqual([])
}

async function noneMarked(marker: string, timeoutMs: number): Promise<void> {
  const gone = await becomes(() => markedProcesses(marker).length === 0, timeoutMs)
  expect(gone, `processes carrying ${marker} still alive ${timeoutMs / 1000} s later:\n${describeProcs(markedProcesses(marker))}`).toBe(true)
}

async function pidsDead(pids: number[], timeoutMs: number, what: string): Promise<void> {
  const dead = await becomes(() => pids.every((pid) => !alive(pid)), timeoutMs)
  expect(dead, `${what}: still alive after ${timeoutMs / 1000} s:\n${psEvidence(pids.filter(alive))}`).toBe(true)
}

/**
 * One fault: the case itself, then the checks every fault on the shared host gets (it answered
 * while the fault happened; its pool is whole afterwards). Cases on a server of their own skip those.
 */
function fault(name: string, body: () => Promise<void>, { timeoutMs = 120_000, ownServer = false } = {}): void {
  it(
    name,
    async () => {
      cases++
      if (ownServer) {
        await body()
        passed++
        return
      }
      const sampler = statsSampler()
      let timing: Awaited<ReturnType<ReturnType<typeof statsSampler>['stop']>>
      try {
        await body()
      } finally {
        timing = await sampler.stop()
      }
      if (timing.max > slowestStats.ms) slowestStats = { ms: timing.max, during: name.split(':')[0]! }
      expect(timing.failures, 'GET /api/stats while the fault happened').toEqual([])
      expect(timing.max, `slowest GET /api/stats while the fault happened (ms, of ${timing.samples})`).toBeLessThan(1000)
      await poolIsWhole()
      passed++
    },
    timeoutMs,
  )
}

function newMarker(): string {
  const m = mark()
  markers.push(m)
  return m
}

// ── The faults ───────────────────────────────────────────────────────────

describe('faults torture', () => {
  fault('a kind that throws: failed with job_error after its retries', async () => {
    const id = await create({ kind: 't-throw', maxAttempts: 3 })
    const job = await waitForStatus(id, FINAL)
    expect([job.status, job.error?.code, job.attempts]).toEqual(['failed', 'job_error', 3])
    expect(job.error.message).toContain('planned failure')
  })

  fault('process.exit(3) in a job: worker_crashed, retried', async () => {
    const id = await create({ kind: 't-exit', maxAttempts: 2 })
    const job = await waitForStatus(id, FINAL)
    expect([job.status, job.error?.code, job.attempts], JSON.stringify(job.error)).toEqual(['failed', 'worker_crashed', 2])
    expect(job.error.message).toMatch(/\b3\b/)
  })

  fault('a job that SIGKILLs its own worker: worker_crashed', async () => {
    const id = await create({ kind: 't-sigkill', maxAttempts: 2 })
    const job = await waitForStatus(id, FINAL)
    expect([job.status, job.error?.code, job.attempts], JSON.stringify(job.error)).toEqual(['failed', 'worker_crashed', 2])
    expect(job.error.message).toContain('SIGKILL')
  })

  fault('an endless synchronous loop with timeoutMs: timeout, retried, the spinning worker killed', async () => {
    const pidFile = join(tempFolder('spin'), 'pids')
    const id = await create({ kind: 't-spin', params: { pidFile }, timeoutMs: 500, maxAttempts: 2 })
    const job = await waitForStatus(id, FINAL, 60_000)
    expect([job.status, job.error?.code, job.attempts], JSON.stringify(job.error)).toEqual(['failed', 'timeout', 2])
    const pids = pidsIn(pidFile)
    expect(pids, 'each attempt wrote its worker pid').toHaveLength(2)
    await pidsDead(pids, 5000, 'the workers that spun')
    await noSpinner()
  })

  fault('a job that ignores cancel: cancelled, its worker killed after the grace', async () => {
    const pidFile = join(tempFolder('stubborn'), 'pids')
    const id = await create({ kind: 't-stubborn', params: { pidFile } })
    await waitForStatus(id, ['running'])
    const [pid] = await waitUntil(() => pidsIn(pidFile).length > 0 && pidsIn(pidFile), 'the stubborn job to start', 20_000)
    const res = await call('POST', `/api/jobs/${id}/cancel`)
    expect(res.status, res.text).toBe(200)
    const job = await waitForStatus(id, FINAL)
    expect(job.status).toBe('cancelled')
    await pidsDead([pid!], (FAST.killGraceMs ?? 0) + 5000, 'the worker of the cancelled stubborn job')
  })

  fault(
    'memory blow-up: worker_crashed, host fine',
    async () => {
      const pidFile = join(tempFolder('memory'), 'pids')
      const rssBefore = process.memoryUsage().rss
      const id = await create({ kind: 't-memory', params: { pidFile }, maxAttempts: 2 })
      const job = await waitForStatus(id, FINAL, 90_000)
      expect([job.status, job.error?.code, job.attempts], JSON.stringify(job.error)?.slice(0, 500)).toEqual(['failed', 'worker_crashed', 2])
      await pidsDead(pidsIn(pidFile), 5000, 'the workers that ran out of memory')
      const grewMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024
      expect(grewMb, 'the host grew (MB) while its worker blew up').toBeLessThan(200)
    },
    { timeoutMs: 150_000 },
  )

  fault('an unstorable result (BigInt, cycle): job_error with a clear message', async () => {
    for (const [what, pattern] of [
      ['bigint', /BigInt/i],
      ['cycle', /circular|cycl/i],
    ] as const) {
      const id = await create({ kind: 't-result', params: { what }, maxAttempts: 1 })
      const job = await waitForStatus(id, FINAL)
      expect([what, job.status, job.error?.code], JSON.stringify(job.error)).toEqual([what, 'failed', 'job_error'])
      expect(job.error.message).toMatch(/JSON/)
      expect(job.error.message).toMatch(pattern)
    }
  })

  fault('a 5 MB result: job_error, limit 1 MB', async () => {
    const id = await create({ kind: 't-result', params: { what: 'huge' }, maxAttempts: 1 })
    const job = await waitForStatus(id, FINAL)
    expect([job.status, job.error?.code], JSON.stringify(job.error)).toEqual(['failed', 'job_error'])
    expect(job.error.message).toMatch(/1 MB/)
    expect(job.result).toBeNull()
  })

  fault(
    "a log flood (100,000 lines): the flood's log ends with its last lines, the next job's log holds none of them",
    async () => {
      const LINES = 100_000
      expect((await call('PUT', '/api/settings', { concurrency: 1 })).status).toBe(200)
      try {
        const flood = await create({ kind: 't-logflood', params: { lines: LINES }, maxAttempts: 1 })
        // The side-effect file tells a job that ran twice from a line that was logged twice.
        const ran = join(tempFolder('flood'), 'hello-runs')
        const hello = await create({ kind: 'shell', params: { command: `echo hello; printf x >> ${ran}` }, maxAttempts: 1 })
        const floodJob = await waitForStatus(flood, FINAL, 90_000)
        const helloJob = await waitForStatus(hello, FINAL, 90_000)
        expect([floodJob.status, helloJob.status], JSON.stringify([floodJob.error, helloJob.error])).toEqual(['succeeded', 'succeeded'])
        // stdout may trail the job's end a little; give the last line time to land where it belongs.
        let lines: string[] = []
        await becomes(async () => (lines = await logLines(flood)).at(-1) === `flood line ${LINES}`, 10_000, 200)
        await sleep(500)
        lines = await logLines(flood)
        const tail = lines.slice(-1000)
        const expected = Array.from({ length: 1000 }, (_, i) => `flood line ${LINES - 999 + i}`)
        expect(tail.at(-1), `the flood's last log line (of ${lines.length} kept)`).toBe(`flood line ${LINES}`)
        expect(tail, "the flood's last 1,000 lines, in order").toEqual(expected)
        const helloLines = await logLines(hello)
        const runs = existsSync(ran) ? readFileSync(ran, 'utf8').length : 0
        expect(
          helloLines.length,
          `the hello job's log (it ran ${runs} time(s), attempts ${helloJob.attempts}; ${helloLines.length} lines; first: ${JSON.stringify(helloLines.slice(0, 5))})`,
        ).toBe(1)
        expect(helloLines).toEqual(['hello'])
      } finally {
        await call('PUT', '/api/settings', { concurrency: CONCURRENCY })
      }
    },
    { timeoutMs: 150_000 },
  )

  fault('a progress flood (2,000,000 reports): succeeds, host answers throughout', async () => {
    const id = await create({ kind: 't-progress', params: { calls: 2_000_000 }, maxAttempts: 1 })
    const job = await waitForStatus(id, FINAL, 60_000)
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
    expect(job.progress.fraction).toBe(1)
  })

  fault('grandchild (a): a plain spawned `sleep`, the kind returns when aborted: cancelled, no sleep left', async () => {
    const marker = newMarker()
    const id = await create({ kind: 't-child', params: { marker, mode: 'plain' } })
    await waitUntil(() => markedProcesses(marker).length > 0, 'the marked sleep to start', 20_000)
    expect((await call('POST', `/api/jobs/${id}/cancel`)).status).toBe(200)
    expect((await waitForStatus(id, FINAL)).status).toBe('cancelled')
    await noneMarked(marker, 5000)
  })

  fault("grandchild (b): `sh -c 'sleep 1000 &'`, the kind returns when aborted: cancelled, no sleep left", async () => {
    const marker = newMarker()
    const id = await create({ kind: 't-child', params: { marker, mode: 'background' } })
    await waitUntil(() => markedProcesses(marker).some((p) => p.cmdline.startsWith('sleep')), 'the background sleep to start', 20_000)
    expect((await call('POST', `/api/jobs/${id}/cancel`)).status).toBe(200)
    expect((await waitForStatus(id, FINAL)).status).toBe('cancelled')
    await noneMarked(marker, 5000)
  })

  fault('grandchild (c): a kind that leaves a child and returns: once the job has succeeded, the child is gone', async () => {
    const marker = newMarker()
    const id = await create({ kind: 't-child', params: { marker, mode: 'leave' } })
    const job = await waitForStatus(id, FINAL)
    expect(job.status, JSON.stringify(job.error)).toBe('succeeded')
    await noneMarked(marker, 2000)
  })

  fault(
    'grandchild (d): kill -9 of the server while such jobs run: no worker, no marked child within a few seconds',
    async () => {
      const dir = dataFolderWithTortureKinds('faults-kill')
      const server = await startServer(dir, ['--concurrency', '3'])
      const plain = newMarker()
      const background = newMarker()
      const shell = newMarker()
      await create({ kind: 't-child', params: { marker: plain, mode: 'plain' } }, server.call)
      await create({ kind: 't-child', params: { marker: background, mode: 'background' } }, server.call)
      await create({ kind: 'shell', params: { command: `sleep 1000; : ${shell}` } }, server.call)
      await waitUntil(
        () => [plain, background, shell].every((m) => markedProcesses(m).length > 0),
        () => `all three jobs' children to start (${[plain, background, shell].map((m) => markedProcesses(m).length).join(', ')})`,
        30_000,
      )
      const workers = taggedProcesses(server.tag).filter(isWorker)
      expect(workers.length).toBeGreaterThan(0)
      await kill9(server)
      const gone = await becomes(() => taggedProcesses(server.tag).length === 0, 5000)
      const left = taggedProcesses(server.tag)
      const evidence = describeProcs(left)
      killPids(left.map((p) => p.pid))
      expect(gone, `5 s after kill -9 of the server (pid ${server.child.pid}), still alive:\n${evidence}`).toBe(true)
    },
    { ownServer: true },
  )

  fault(
    'a worker stuck in a synchronous loop dies within a few seconds of kill -9 of its server',
    async () => {
      const dir = dataFolderWithTortureKinds('faults-spin')
      const server = await startServer(dir, ['--concurrency', '1'])
      const pidFile = join(dir, 'spin-pids')
      await create({ kind: 't-spin', params: { pidFile } }, server.call)
      const [pid] = await waitUntil(() => pidsIn(pidFile).length > 0 && pidsIn(pidFile), 'the spinning job to start', 30_000)
      const share = (await cpuShares([pid!], 500)).get(pid!) ?? 0
      expect(share, 'the worker spins').toBeGreaterThan(0.3)
      await kill9(server)
      const dead = await becomes(() => !alive(pid!), 5000)
      const evidence = psEvidence([pid!])
      const left = taggedProcesses(server.tag)
      const leftEvidence = describeProcs(left)
      killPids([pid!, ...left.map((p) => p.pid)])
      expect(dead, `5 s after kill -9 of its server, the spinning worker is still alive:\n${evidence}`).toBe(true)
      expect(
        left.map((p) => p.pid),
        leftEvidence,
      ).toEqual([])
    },
    { ownServer: true },
  )

  it('every fault case passed', () => {
    expect(passed, `${cases - passed} of ${cases} fault cases failed (see above)`).toBe(cases)
  })
})
