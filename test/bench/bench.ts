/**
 * `npm run bench`: throughput and latency of the engine with real SQLite and
 * real worker processes. Prints a line per measurement, then one JSON object
 * as the last line. Not a test: numbers vary with the machine and its load.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createForkLauncher } from '../../src/main/node/fork-launcher'
import { openHost, type Host } from '../../src/main/engine/host'
import { resolveWorkerEntry } from '../../src/main/headless/worker-entry'
import type { NewJob } from '../../src/shared/job'
import { floorBench } from './floor'
import { indexBench } from './index-documents'
import { panelBench } from './panel'
import { HOST_CONCURRENCY, NOOP_JOBS, redisBench, SLEEP_JOBS, SLEEP_MS } from './redis'
import { searchBench } from './search'
import { startupBench } from './startup'
import { thumbnailsBench } from './thumbnails'
import { percentile, until } from './wait'

const ROOT = join(import.meta.dirname, '..', '..')
const WORKER = resolveWorkerEntry(join(ROOT, 'src', 'main', 'headless'))
const cores = availableParallelism()
const dirs: string[] = []

async function freshHost(concurrency = cores, clock?: { now(): number }): Promise<Host> {
  const dataDir = mkdtempSync(join(tmpdir(), 'offload-bench-'))
  dirs.push(dataDir)
  for (const kind of ['noop.mjs', 'spin.mjs']) {
    cpSync(join(ROOT, 'test', 'fixtures', 'kinds', kind), join(dataDir, 'kinds', kind))
  }
  return openHost({ dataDir, launcher: createForkLauncher(WORKER), engine: { concurrency }, ...(clock ? { clock } : {}) })
}

const round = (n: number, digits = 0): number => Number(n.toFixed(digits))
const log = (line: string): void => console.log(line)

/** 1,000 schedules due at the same instant: how long the check that enqueues them all (one transaction) takes. */
async function scheduleFire(): Promise<number> {
  let now = Date.UTC(2026, 0, 5, 9, 59, 59)
  const host = await freshHost(cores, { now: () => now })
  host.engine.pause()
  for (let i = 0; i < 1000; i++) host.api.createSchedule({ name: `s${i}`, cron: '0 10 * * *', kind: 'noop' })
  now = Date.UTC(2026, 0, 5, 10, 0, 0)
  const start = performance.now()
  host.schedules.check()
  const ms = performance.now() - start
  await host.close(0)
  return ms
}

async function enqueueBatch(): Promise<number> {
  const host = await freshHost()
  host.engine.pause()
  const batch: NewJob[] = Array.from({ length: 10_000 }, (_, i) => ({ kind: 'noop', name: `n${i}`, params: { i } }))
  host.api.createJobs({ jobs: batch })
  const rounds = 20
  const start = performance.now()
  for (let r = 0; r < rounds; r++) host.api.createJobs({ jobs: batch })
  const rate = (rounds * batch.length) / ((performance.now() - start) / 1000)
  await host.close(0)
  return rate
}

async function enqueueSingle(): Promise<number> {
  const host = await freshHost()
  host.engine.pause()
  const n = 20_000
  const start = performance.now()
  for (let i = 0; i < n; i++) host.api.createJob({ kind: 'noop', params: { i } })
  const rate = n / ((performance.now() - start) / 1000)
  await host.close(0)
  return rate
}

async function noopThroughput(): Promise<number> {
  const host = await freshHost()
  // Warm the pool so process start-up is not what is measured.
  host.api.createJobs({ jobs: Array.from({ length: cores * 2 }, () => ({ kind: 'noop' })) })
  await until(() => host.engine.stats().counts.succeeded === cores * 2)
  host.engine.pause()
  const n = 20_000
  for (let i = 0; i < n; i += 10_000) host.api.createJobs({ jobs: Array.from({ length: 10_000 }, () => ({ kind: 'noop' })) })
  const start = performance.now()
  host.engine.resume()
  await until(() => host.engine.stats().counts.succeeded === n + cores * 2)
  const rate = n / ((performance.now() - start) / 1000)
  await host.close(0)
  return rate
}

const LAYERS = 10
const WIDTH = 1000

/** For each job of layer k > 0, one to three distinct parents in layer k − 1; the same graph every run. */
const PARENTS: number[][][] = (() => {
  let seed = 1
  const next = (below: number): number => (seed = (seed * 48_271) % 2_147_483_647) % below
  return Array.from({ length: LAYERS }, (_, k) =>
    Array.from({ length: WIDTH }, () => (k === 0 ? [] : [...new Set(Array.from({ length: 1 + next(3) }, () => next(WIDTH)))])),
  )
})()

/**
 * 10,000 no-op jobs on a warm pool, a layer of 1,000 per batch while the pool
 * runs, each with `after` naming its parents by the ids the previous batch
 * returned, or none: from the first enqueue until all have succeeded. With
 * dependencies, also the edges where a child started before its parent had
 * finished.
 */
async function layered(withDependencies: boolean): Promise<{ ms: number; broken: number }> {
  const host = await freshHost()
  host.api.createJobs({ jobs: Array.from({ length: cores * 2 }, () => ({ kind: 'noop' })) })
  await until(() => host.engine.stats().counts.succeeded === cores * 2)
  const layers: string[][] = []
  const start = performance.now()
  for (const [k, parents] of PARENTS.entries()) {
    const jobs = parents.map((of) => ({ kind: 'noop', ...(withDependencies && k > 0 ? { after: of.map((p) => layers[k - 1]![p]!) } : {}) }))
    layers.push(host.api.createJobs({ jobs }).ids)
  }
  await until(() => host.engine.stats().counts.succeeded === cores * 2 + LAYERS * WIDTH)
  const ms = performance.now() - start
  let broken = 0
  if (withDependencies) {
    const jobs = layers.map((ids) => ids.map((id) => host.api.getJob({ id })))
    for (const [k, layer] of jobs.entries()) {
      for (const [j, child] of layer.entries()) {
        for (const p of PARENTS[k]![j]!) {
          const parent = jobs[k - 1]![p]!
          if (child.startedAt! >= parent.finishedAt!) continue
          if (broken++ === 0) log(`FAILED: ${child.id} started at ${child.startedAt} before its parent ${parent.id} finished at ${parent.finishedAt}`)
        }
      }
    }
  }
  await host.close(0)
  return { ms, broken }
}

/** Enqueue → start on an idle, warm pool: one job at a time, start seen by polling the store on every turn of the loop. */
async function latency(): Promise<{ p50: number; p99: number }> {
  const host = await freshHost()
  host.api.createJobs({ jobs: Array.from({ length: cores }, () => ({ kind: 'noop' })) })
  await until(() => host.engine.stats().counts.succeeded === cores)
  const samples: number[] = []
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now()
    const job = host.api.createJob({ kind: 'noop' })
    while (host.api.getJob({ id: job.id }).status === 'queued') await new Promise((resolve) => setImmediate(resolve))
    samples.push(performance.now() - t0)
    await until(() => host.api.getJob({ id: job.id }).status === 'succeeded')
  }
  samples.sort((a, b) => a - b)
  await host.close(0)
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) }
}

async function cpuRun(concurrency: number, jobs: number, rounds: number): Promise<{ seconds: number; lagP99: number }> {
  const host = await freshHost(concurrency)
  host.api.createJobs({ jobs: Array.from({ length: concurrency }, () => ({ kind: 'noop' })) })
  await until(() => host.engine.stats().counts.succeeded === concurrency)
  const lag = monitorEventLoopDelay({ resolution: 1 })
  host.engine.pause()
  host.api.createJobs({ jobs: Array.from({ length: jobs }, () => ({ kind: 'spin', params: { rounds } })) })
  lag.enable()
  const start = performance.now()
  host.engine.resume()
  await until(() => host.engine.stats().counts.succeeded === concurrency + jobs)
  const seconds = (performance.now() - start) / 1000
  lag.disable()
  await host.close(0)
  return { seconds, lagP99: lag.percentile(99) / 1e6 }
}

/**
 * Retention: 100,000 finished jobs past their term removed while the engine
 * keeps dispatching; how fast, and the host's event-loop lag meanwhile.
 */
async function cleanup(): Promise<{ perSec: number; lagP99: number }> {
  const host = await freshHost()
  const total = 100_000
  for (let i = 0; i < total; i += 10_000) host.api.createJobs({ jobs: Array.from({ length: 10_000 }, () => ({ kind: 'noop' })) })
  await until(() => host.engine.stats().counts.succeeded === total)
  host.db.prepare('UPDATE jobs SET finished_at = ?').run(Date.now() - 365 * 86_400_000)
  host.api.updateSettings({ keepFinishedDays: 30 })
  // Work to dispatch meanwhile: the clean-up must not hold it up.
  host.api.createJobs({ jobs: Array.from({ length: 10_000 }, () => ({ kind: 'noop' })) })
  const lag = monitorEventLoopDelay({ resolution: 1 })
  lag.enable()
  const start = performance.now()
  const removed = await host.retention.runOnce()
  const seconds = (performance.now() - start) / 1000
  lag.disable()
  if (removed < total) throw new Error(`clean-up removed ${removed} of ${total}`)
  await host.close(0)
  return { perSec: removed / seconds, lagP99: lag.percentile(99) / 1e6 }
}

const enqueueBatchPerSec = await enqueueBatch()
log(`enqueue, batches of 10,000: ${round(enqueueBatchPerSec)} jobs/s`)
const enqueueSinglePerSec = await enqueueSingle()
log(`enqueue, one at a time: ${round(enqueueSinglePerSec)} jobs/s`)
const noopPerSec = await noopThroughput()
log(`no-op jobs through ${cores} workers: ${round(noopPerSec)} jobs/s`)
// Interleaved, best of two each, for the same reason as the CPU-bound runs below.
const graphRuns: { withDependencies: boolean; ms: number; broken: number }[] = []
for (const withDependencies of [true, false, true, false]) graphRuns.push({ withDependencies, ...(await layered(withDependencies)) })
const bestMs = (withDependencies: boolean) => Math.min(...graphRuns.filter((r) => r.withDependencies === withDependencies).map((r) => r.ms))
const graphMs = bestMs(true)
const flatMs = bestMs(false)
const graphOrderOk = graphRuns.every((r) => r.broken === 0)
if (!graphOrderOk) log(`FAILED: dependency order broken on ${graphRuns.reduce((n, r) => n + r.broken, 0)} edges`)
log(
  `dependency graph, ${LAYERS} layers of ${WIDTH}: ${round(graphMs)} ms; without dependencies ${round(flatMs)} ms → ${round(graphMs / flatMs, 2)}× (target ≤ 2)`,
)
const { p50, p99 } = await latency()
log(`enqueue → start latency: p50 ${round(p50, 2)} ms, p99 ${round(p99, 2)} ms`)
// Interleaved, best of two each: on a shared machine a neighbour's burst, or the host's clock
// speed drifting, should not decide the figure.
const rounds = 400_000
const runs: { concurrency: number; seconds: number; lagP99: number }[] = []
for (const concurrency of [1, cores, 1, cores]) runs.push({ concurrency, ...(await cpuRun(concurrency, cores * 3, rounds)) })
const fastest = (concurrency: number) => runs.filter((r) => r.concurrency === concurrency).sort((a, b) => a.seconds - b.seconds)[0]!
const one = fastest(1)
const all = fastest(cores)
const cpuSpeedup = one.seconds / all.seconds
log(`CPU-bound: ${round(one.seconds, 2)} s on 1 worker, ${round(all.seconds, 2)} s on ${cores} → speed-up ${round(cpuSpeedup, 2)}`)
log(`host event-loop lag p99 with the pool saturated: ${round(all.lagP99, 2)} ms`)

const clean = await cleanup()
log(`clean-up: ${round(clean.perSec)} finished jobs/s removed while dispatching; event-loop lag p99 ${round(clean.lagP99, 2)} ms`)

const fireMs = await scheduleFire()
log(`schedules: 1,000 due at once enqueued in ${round(fireMs, 1)} ms`)

const ui = await panelBench()
log(
  `panel: first rows ${round(ui.firstRowsMs)} ms with 100,000 jobs; main-thread work per 16.7 ms p95 ${round(ui.frameWorkP95Ms, 1)} ms (CPU ${round(ui.frameCpuP95Ms, 1)} ms), ${ui.longTasks} long tasks, while ${ui.reporting} jobs report progress`,
)

const startup = await startupBench()
log(
  `start-up to first page and stats: ${startup.startupEmptyMs} ms empty (${startup.rssEmptyMb} MB), ${startup.startupMillionMs} ms with 1,000,000 finished and 10,000 queued (${startup.rssMillionMb} MB); 10,000 interrupted recovered: ${startup.recover10kMs} ms from spawn, openHost ${startup.recoverOpenMs} ms (${startup.rssRecoverMb} MB)`,
)

// The floor: the same SQL without the engine around it, and the same messages without a job behind them.
const floor = await floorBench()
const share = (figure: number, floorFigure: number): string => `${Math.round((100 * figure) / floorFigure)} %`
log(
  `floor: the engine's SQL per no-op, raw, ${round(floor.sqliteNoopPerSec)}/s (the schema's cheapest statements ${round(floor.sqliteNoopMinimalPerSec)}/s); run/started/done round trips ${round(floor.ipcSerialPerSec)}/s one at a time, ${round(floor.ipcPipelinedPerSec)}/s pipelined on ${floor.ipcWorkers} workers → no-op dispatch is ${share(noopPerSec, Math.min(floor.sqliteNoopPerSec, floor.ipcPipelinedPerSec))} of the lower floor`,
)

const indexing = await indexBench()
log(`index-documents: ${round(indexing.documentsPerSec)} documents/s; an unchanged re-run ${round(indexing.unchangedRescanMs)} ms`)
const search = await searchBench()
log(`search over ${search.documents.toLocaleString('en')} documents: p50 ${search.searchP50Ms} ms, p95 ${search.searchP95Ms} ms (target < 50)`)
const thumbs = await thumbnailsBench()
log(`thumbnails of 12 MP JPEGs: ${thumbs.thumbnailsPerSec} per second`)
// Offload on Redis: worker hosts as separate `offload worker` processes, against BullMQ by itself in this process.
// Every row runs on one redis-server with AOF at appendfsync always, BullMQ's own too.
const redis = await redisBench()
if (redis) {
  const bullmq = `BullMQ in-process (concurrency ${HOST_CONCURRENCY}, the 1-host run's slots; same Redis, AOF appendfsync always)`
  const times = (two: number, one: number): string => `×${(two / one).toFixed(1)}`
  log(
    `Redis, no-op jobs (${NOOP_JOBS.toLocaleString('en')}): 1 host ${round(redis.redisNoopPerSec1)}/s, 2 hosts ${round(redis.redisNoopPerSec2)}/s (${times(redis.redisNoopPerSec2, redis.redisNoopPerSec1)}), ${HOST_CONCURRENCY} slots each; ${bullmq} ${round(redis.bullmqNoopPerSec)}/s`,
  )
  log(
    `Redis, ${SLEEP_MS} ms sleep jobs (${SLEEP_JOBS}): 1 host ${round(redis.redisSleepPerSec1)}/s, 2 hosts ${round(redis.redisSleepPerSec2)}/s (${times(redis.redisSleepPerSec2, redis.redisSleepPerSec1)}), ${HOST_CONCURRENCY} slots each; ${bullmq} ${round(redis.bullmqSleepPerSec)}/s`,
  )
}

for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
console.log(
  JSON.stringify({
    cores,
    enqueueBatchPerSec: round(enqueueBatchPerSec),
    enqueueSinglePerSec: round(enqueueSinglePerSec),
    noopPerSec: round(noopPerSec),
    graphMs: round(graphMs),
    flatMs: round(flatMs),
    graphVsFlat: round(graphMs / flatMs, 2),
    graphOrderOk,
    latencyP50Ms: round(p50, 2),
    latencyP99Ms: round(p99, 2),
    cpuSpeedup: round(cpuSpeedup, 2),
    loopLagP99Ms: round(all.lagP99, 2),
    cleanupPerSec: round(clean.perSec),
    cleanupLoopLagP99Ms: round(clean.lagP99, 2),
    schedule1000FireMs: round(fireMs, 1),
    uiFirstRowsMs: round(ui.firstRowsMs),
    uiFrameWorkP95Ms: round(ui.frameWorkP95Ms, 1),
    uiFrameCpuP95Ms: round(ui.frameCpuP95Ms, 1),
    uiLongTasks: ui.longTasks,
    uiProgressJobs: ui.reporting,
    ...startup,
    floorSqliteNoopPerSec: round(floor.sqliteNoopPerSec),
    floorSqliteMinimalPerSec: round(floor.sqliteNoopMinimalPerSec),
    floorIpcSerialPerSec: round(floor.ipcSerialPerSec),
    floorIpcPipelinedPerSec: round(floor.ipcPipelinedPerSec),
    indexDocumentsPerSec: round(indexing.documentsPerSec),
    searchP50Ms: search.searchP50Ms,
    searchP95Ms: search.searchP95Ms,
    thumbnailsPerSec: thumbs.thumbnailsPerSec,
    bullmqNoopPerSec: redis ? round(redis.bullmqNoopPerSec) : null,
    bullmqSleepPerSec: redis ? round(redis.bullmqSleepPerSec, 1) : null,
    redisNoopPerSec1: redis ? round(redis.redisNoopPerSec1) : null,
    redisNoopPerSec2: redis ? round(redis.redisNoopPerSec2) : null,
    redisSleepPerSec1: redis ? round(redis.redisSleepPerSec1, 1) : null,
    redisSleepPerSec2: redis ? round(redis.redisSleepPerSec2, 1) : null,
  }),
)
