/**
 * The floor under the no-op figures (issue 15): the SQLite transitions the
 * engine makes for each no-op job, done raw on a database opened and migrated
 * as the engine's is, and the bare IPC round trip to a forked worker. An
 * engine figure divided by these is the fraction of what this machine allows.
 */
import type Database from 'better-sqlite3'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { monotonicFactory } from 'ulid'
import type { WorkerProcess } from '../../src/main/common/launcher'
import type { EngineToWorker } from '../../src/main/common/protocol'
import { DEFAULT_COMMAND_OPTIONS } from '../../src/main/engine/commands'
import { openDatabase } from '../../src/main/engine/database'
import { DependencyGraph, type GraphRow } from '../../src/main/engine/dependency-graph'
import { DEFAULT_ENGINE_OPTIONS } from '../../src/main/engine/engine'
import { JobHistory, type Ending } from '../../src/main/engine/job-history'
import { JobStore, READY_JOBS_SQL, type JobInsert } from '../../src/main/engine/job-store'
import { createForkLauncher } from '../../src/main/node/fork-launcher'
import { DEFAULT_LANE } from '../../src/shared/job'

export interface FloorFigures {
  /** No-op jobs/s through the engine's own claim and succeed statements, in its commit sizes, without JobStore, events or IPC. */
  sqliteNoopPerSec: number
  /** The same commits with one bare `UPDATE … WHERE id IN (…)` per claim and per finish: what the schema itself allows. */
  sqliteNoopMinimalPerSec: number
  /** Jobs claimed and finished per commit in both SQLite figures. */
  sqliteJobsPerCommit: number
  /** run → started + done round trips/s to one forked worker, one at a time. */
  ipcSerialPerSec: number
  /** The same with `ipcWindow` runs in flight to each of `ipcWorkers` workers. */
  ipcPipelinedPerSec: number
  ipcWindow: number
  ipcWorkers: number
}

const JOBS = 20_000
const WARMUP_JOBS = 2_000
const SQLITE_BUDGET_MS = 3_000
const IPC_WARMUP_MS = 300
const IPC_SERIAL_MS = 1_500
const IPC_PIPELINED_MS = 2_000
/** A phase whose worker has gone quiet this long past its run is a hung child, not a slow machine. */
const IPC_STALL_MS = 10_000

/**
 * A no-op's inbox settles at pipelineMaxDepth (its jobs take far less than
 * pipelineWindowMs each; worker-inbox.ts depth()), and each commit claims to
 * refill an inbox in one store.claim (engine.ts:806) while finishing the
 * outcomes that arrived in the same turn (engine.ts:546-556). So each commit
 * here finishes the jobs the one before claimed and claims as many again:
 * the largest commit the engine makes per worker, and the commonest large one.
 */
const JOBS_PER_COMMIT = DEFAULT_ENGINE_OPTIONS.pipelineMaxDepth
/** engine.ts PROMOTE_BATCH: every commit asks for this many due scheduled jobs. */
const PROMOTE_BATCH = 500

/** A claimed row, as far as finishing it needs. */
interface Claimed {
  id: string
  attempts: number
}

interface SucceededRow extends GraphRow {
  started_at: number
  run_after: number
}

interface AttemptEnd {
  id: string
  attempt: number
  now: number
  outcome: string
  code: null
  message: null
  exitCode: null
  signal: null
  cpuMs: number
  peakRssBytes: number
}

/** What the worker reports for a no-op, in the figures the engine stores (engine.ts attemptUsage). */
const USAGE = { cpuMs: 0, peakRssBytes: 48_000_000 }

/** One commit: finish `finishing`, then claim up to `claim` more, in one transaction. */
type Commit<T> = (claim: number, finishing: readonly T[]) => T[]

/**
 * The statements are copied from job-store.ts (start, succeed, attemptWhole,
 * due) in the order the engine runs them; the dependency graph and history
 * are the engine's own classes, since they run inside the same transaction.
 * A no-op's 'started' and 'done' arrive in one turn, so its start is written
 * with its outcome (attemptWhole: job-store.ts endAttempt, with the start
 * unwritten) and the separate `started` UPDATE and attemptBegin (markStarted)
 * are not run.
 */
function engineCommit(db: Database.Database): Commit<Claimed> {
  const ready = db.prepare<[{ now: number; limit: number; exceptKinds: null; exceptLanes: null; single: 0 | 1 }], Claimed>(READY_JOBS_SQL)
  const start = db.prepare<[{ id: string; now: number }]>(`
    UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = NULL, updated_at = @now,
                    progress = 0, progress_message = NULL, finished_at = NULL, cpu_ms = NULL, peak_rss_bytes = NULL
    WHERE id = @id AND status = 'queued'`)
  const succeed = db.prepare<
    [{ id: string; attempt: number; result: string; summary: null; now: number; startedAt: number; cpuMs: number; peakRssBytes: number }],
    SucceededRow
  >(`
    UPDATE jobs SET status = 'succeeded', result = @result, summary = @summary, progress = 1, finished_at = @now, updated_at = @now,
                    started_at = coalesce(started_at, @startedAt), cpu_ms = @cpuMs, peak_rss_bytes = @peakRssBytes,
                    error_code = NULL, error_message = NULL, error_detail = NULL
    WHERE id = @id AND attempts = @attempt AND status = 'running'
    RETURNING *`)
  const attemptWhole = db.prepare<[AttemptEnd & { at: number; pid: number }]>(`
    INSERT INTO job_attempts (job_id, seq, attempt, started_at, finished_at, outcome, error_code, error_message, exit_code, signal, worker_pid,
                              cpu_ms, peak_rss_bytes)
    VALUES (@id, (SELECT coalesce(max(seq), 0) + 1 FROM job_attempts WHERE job_id = @id), @attempt, @at, @now, @outcome, @code, @message,
            @exitCode, @signal, @pid, @cpuMs, @peakRssBytes)`)
  const due = db
    .prepare<[{ now: number; limit: number }], string>(
      `SELECT id FROM jobs INDEXED BY jobs_scheduled WHERE status = 'scheduled' AND run_after <= @now ORDER BY run_after LIMIT @limit`,
    )
    .pluck()
  const graph = new DependencyGraph<SucceededRow>(db)
  const history = new JobHistory(db)
  return db.transaction((claim: number, finishing: readonly Claimed[]): Claimed[] => {
    const now = Date.now()
    const endings: Ending[] = []
    for (const { id, attempts } of finishing) {
      const row = succeed.get({ id, attempt: attempts, result: 'null', summary: null, now, startedAt: now, ...USAGE })
      if (!row) throw new Error(`Job ${id} was not running when the floor bench finished it`)
      const ended: AttemptEnd = { id, attempt: attempts, now, outcome: 'succeeded', code: null, message: null, exitCode: null, signal: null, ...USAGE }
      attemptWhole.run({ ...ended, at: now, pid: process.pid })
      graph.succeeded(id, now)
      endings.push({ kind: row.kind, at: now, outcome: 'succeeded', runMs: now - row.started_at, waitMs: Math.max(0, row.started_at - row.run_after) })
    }
    if (endings.length > 0) history.record(endings)
    due.all({ now, limit: PROMOTE_BATCH })
    if (claim === 0) return []
    const claimed: Claimed[] = []
    for (const { id, attempts } of ready.all({ now, limit: claim, exceptKinds: null, exceptLanes: null, single: 1 })) {
      if (start.run({ id, now }).changes > 0) claimed.push({ id, attempts: attempts + 1 })
    }
    return claimed
  })
}

/** The cheapest commit the schema allows: no read, no RETURNING, one statement per group. Ids are taken in the ready order, found beforehand. */
function minimalCommit(db: Database.Database): Commit<string> {
  const queue = db.prepare<[], string>(`SELECT id FROM jobs INDEXED BY jobs_ready WHERE status = 'queued' ORDER BY priority DESC, run_after, id`).pluck().all()
  let next = 0
  const bySize = new Map<number, Database.Statement<[string, ...string[]]>>()
  const setStatus = (status: string, ids: readonly string[]): void => {
    let stmt = bySize.get(ids.length)
    if (!stmt) bySize.set(ids.length, (stmt = db.prepare(`UPDATE jobs SET status = ? WHERE id IN (${ids.map(() => '?').join(', ')})`)))
    stmt.run(status, ...ids)
  }
  return db.transaction((claim: number, finishing: readonly string[]): string[] => {
    if (finishing.length > 0) setStatus('succeeded', finishing)
    const claimed = queue.slice(next, next + claim)
    next += claimed.length
    if (claimed.length > 0) setStatus('running', claimed)
    return claimed
  })
}

/** Claims and finishes `jobs` jobs, a commit at a time, each commit finishing what the one before claimed; no new claims after `budgetMs`. Jobs/s. */
function drain<T>(commit: Commit<T>, jobs: number, budgetMs: number): number {
  const start = performance.now()
  let left = jobs
  let finished = 0
  let inFlight: T[] = []
  do {
    const claim = performance.now() - start < budgetMs ? Math.min(JOBS_PER_COMMIT, left) : 0
    const claimed = commit(claim, inFlight)
    finished += inFlight.length
    left -= claimed.length
    inFlight = claimed
  } while (inFlight.length > 0)
  if (finished === 0) throw new Error('The floor bench claimed nothing')
  return finished / ((performance.now() - start) / 1000)
}

function queuedNoops(file: string, count: number): Database.Database {
  const db = openDatabase(file)
  const nextId = monotonicFactory()
  const now = Date.now()
  const rows = Array.from({ length: count }, (): JobInsert => ({
    id: nextId(now),
    kind: 'noop',
    name: 'noop',
    paramsJson: '{}',
    priority: 'normal',
    maxAttempts: DEFAULT_COMMAND_OPTIONS.defaultMaxAttempts,
    timeoutMs: null,
    backoffBaseMs: DEFAULT_COMMAND_OPTIONS.backoffBaseMs,
    backoffCapMs: DEFAULT_COMMAND_OPTIONS.backoffCapMs,
    createdAt: now,
    lane: DEFAULT_LANE,
    slots: 1,
  }))
  new JobStore(db).insert(rows, now)
  return db
}

function sqliteFloor<T>(dir: string, name: string, makeCommit: (db: Database.Database) => Commit<T>): number {
  const db = queuedNoops(join(dir, `${name}.db`), WARMUP_JOBS + JOBS)
  try {
    const commit = makeCommit(db)
    drain(commit, WARMUP_JOBS, Infinity)
    return drain(commit, JOBS, SQLITE_BUDGET_MS)
  } finally {
    db.close()
  }
}

/**
 * Answers each run as the worker's job runner does a no-op's (job-runner.ts
 * run() and finish()): 'started', then 'done' with its usage, so a round trip
 * is one job's messages, three JSON messages in all.
 */
const ECHO_WORKER = `
process.on('message', (message) => {
  if (message.type !== 'run') return
  process.send({ type: 'started', id: message.job.id })
  process.send({ type: 'done', id: message.job.id, resultJson: 'null', summary: null, usage: { cpuMs: 0.05, rssBytes: 48000000 } })
})
process.on('disconnect', () => process.exit(0))
process.send({ type: 'ready', kinds: ['noop'], errors: [] })
`

/** A worker that answers like a no-op's, and the run messages to send it in turn. */
interface Echo {
  worker: WorkerProcess
  send: () => void
  /** Hear its 'ready' and each 'done'; set by the phase under way. */
  onReady: () => void
  onDone: () => void
}

/** The failure of the phase under way, so that a worker that exits or hangs ends the bench instead of leaving it waiting. */
let failPhase: (error: Error) => void = () => {}

function phase<T>(limitMs: number, body: (resolve: (value: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stall = setTimeout(() => reject(new Error('A floor bench worker stopped answering')), limitMs + IPC_STALL_MS)
    failPhase = reject
    body((value) => {
      clearTimeout(stall)
      resolve(value)
    })
  })
}

/** Run messages as the engine sends them (engine.ts commit), with ids of the stored length. */
function runMessages(count: number): EngineToWorker[] {
  const nextId = monotonicFactory()
  return Array.from({ length: count }, (): EngineToWorker => ({ type: 'run', job: { id: nextId(), attempt: 1, kind: 'noop', params: {} } }))
}

function launchEcho(script: string, index: number, messages: readonly EngineToWorker[]): Echo {
  // The engine's own launcher, so that serialization, stdio, process group and niceness are a worker's.
  const worker = createForkLauncher({ entry: script }).launch({ name: `offload-floor-${index}`, env: {} })
  let sent = 0
  const echo: Echo = { worker, send: () => worker.send(messages[sent++ % messages.length]!), onReady: () => {}, onDone: () => {} }
  worker.onMessage((message) => {
    if (message.type === 'done') echo.onDone()
    else if (message.type === 'ready') echo.onReady()
  })
  worker.onExit((code, signal) => failPhase(new Error(`A floor bench worker exited (${signal ?? code})`)))
  return echo
}

function ready(echoes: readonly Echo[]): Promise<void> {
  return phase(0, (resolve) => {
    let waiting = echoes.length
    for (const echo of echoes) {
      echo.onReady = () => {
        if (--waiting === 0) resolve()
      }
    }
  })
}

function serialRate(echo: Echo, runMs: number): Promise<number> {
  return phase(runMs, (resolve) => {
    const start = performance.now()
    let done = 0
    echo.onDone = () => {
      done++
      const elapsed = performance.now() - start
      if (elapsed < runMs) echo.send()
      else resolve(done / (elapsed / 1000))
    }
    echo.send()
  })
}

/** Keeps `window` runs in flight to every worker until `runMs` is up, then lets them drain so the next phase starts clean. */
function pipelinedRate(echoes: readonly Echo[], window: number, runMs: number): Promise<number> {
  return phase(runMs, (resolve) => {
    const start = performance.now()
    let done = 0
    let inFlight = 0
    let elapsed: number | undefined
    for (const echo of echoes) {
      echo.onDone = () => {
        inFlight--
        if (elapsed === undefined) {
          done++
          const now = performance.now() - start
          if (now < runMs) {
            echo.send()
            inFlight++
            return
          }
          elapsed = now
        }
        if (inFlight === 0) resolve(done / (elapsed / 1000))
      }
      for (let i = 0; i < window; i++) echo.send()
      inFlight += window
    }
  })
}

async function ipcFloor(dir: string, workers: number, window: number): Promise<{ serial: number; pipelined: number }> {
  const script = join(dir, 'echo-worker.mjs')
  writeFileSync(script, ECHO_WORKER)
  const messages = runMessages(1024)
  const echoes: Echo[] = []
  try {
    for (let i = 0; i < workers; i++) echoes.push(launchEcho(script, i, messages))
    await ready(echoes)
    const first = echoes[0]!
    await serialRate(first, IPC_WARMUP_MS)
    const serial = await serialRate(first, IPC_SERIAL_MS)
    await pipelinedRate(echoes, window, IPC_WARMUP_MS)
    const pipelined = await pipelinedRate(echoes, window, IPC_PIPELINED_MS)
    return { serial, pipelined }
  } finally {
    failPhase = () => {}
    for (const echo of echoes) echo.worker.kill()
  }
}

export async function floorBench(): Promise<FloorFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'offload-floor-'))
  try {
    const sqliteNoopPerSec = sqliteFloor(dir, 'engine', engineCommit)
    const sqliteNoopMinimalPerSec = sqliteFloor(dir, 'minimal', minimalCommit)
    // One worker per core and the depth a no-op inbox reaches, as in the no-op bench.
    const ipcWorkers = availableParallelism()
    const ipcWindow = DEFAULT_ENGINE_OPTIONS.pipelineMaxDepth
    const ipc = await ipcFloor(dir, ipcWorkers, ipcWindow)
    return {
      sqliteNoopPerSec: Math.round(sqliteNoopPerSec),
      sqliteNoopMinimalPerSec: Math.round(sqliteNoopMinimalPerSec),
      sqliteJobsPerCommit: JOBS_PER_COMMIT,
      ipcSerialPerSec: Math.round(ipc.serial),
      ipcPipelinedPerSec: Math.round(ipc.pipelined),
      ipcWindow,
      ipcWorkers,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
