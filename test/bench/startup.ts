/**
 * Start-up of `offload serve` (issue 15), each run a fresh OS process so
 * that loading the modules counts: from the spawn until the panel's first
 * requests (the first page of jobs with its total, and the stats) have both
 * answered over HTTP, on an empty data folder, on one holding a million
 * finished jobs and 10,000 queued, and on one a crash left with 10,000 jobs
 * running; with the server's RSS at that moment.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SETTING_PAUSED } from '../../src/main/engine/engine'
import { openHost, type Host } from '../../src/main/engine/host'
import { resolveWorkerEntry } from '../../src/main/headless/worker-entry'
import { createForkLauncher } from '../../src/main/node/fork-launcher'
import { createHttpClient } from '../../src/shared/http-client'
import type { JobPage, Stats } from '../../src/shared/job'

const ROOT = join(import.meta.dirname, '..', '..')
/** The built command line (`npx electron-vite build` makes it); `offload serve` is this with `serve`. */
const CLI = join(ROOT, 'out', 'main', 'cli.js')
const WORKER = resolveWorkerEntry(join(ROOT, 'src', 'main', 'headless'))
const FINISHED = 1_000_000
const QUEUED = 10_000
const INTERRUPTED = 10_000
const BATCH = 10_000
/** The panel's PAGE_SIZE (src/renderer/src/state/jobs-store.ts). */
const FIRST_PAGE = 100
/** Best of this many: the machine is shared. */
const RUNS = 2
const DAY_MS = 86_400_000
const READY_TIMEOUT_MS = 60_000
const STOP_GRACE_MS = 5000

export interface StartupFigures {
  /** Spawn of `offload serve` until the first page of jobs and the stats have answered, best of RUNS; no jobs stored. */
  startupEmptyMs: number
  /** The same with 1,000,000 finished and 10,000 queued jobs stored. */
  startupMillionMs: number
  /** The server's RSS when it is ready, in the run that was quickest. */
  rssEmptyMb: number
  rssMillionMb: number
  /** Spawn until ready on a folder a crash left with 10,000 jobs running: recovery happens before the server listens. */
  recover10kMs: number
  /** openHost alone on such a folder, in this process (modules loaded): the recovery and the rest of the open. */
  recoverOpenMs: number
  rssRecoverMb: number
}

interface ServeRun {
  ms: number
  rssMb: number
  page: JobPage
  stats: Stats
}

const round = (n: number, digits = 0): number => Number(n.toFixed(digits))
const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null

function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  if (kb === undefined) throw new Error(`bench: no VmRSS for pid ${pid}`)
  return Number(kb) / 1024
}

function newDataDir(dirs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'offload-bench-startup-'))
  dirs.push(dir)
  cpSync(join(ROOT, 'test', 'fixtures', 'kinds', 'noop.mjs'), join(dir, 'kinds', 'noop.mjs'))
  return dir
}

/** A copy of `template`: a run changes its folder (jobs start, crashed ones are requeued), and every run must find it as it was. */
function copyOf(template: string, dirs: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'offload-bench-startup-'))
  dirs.push(dir)
  cpSync(template, dir, { recursive: true })
  return dir
}

/**
 * `jobs` no-op jobs enqueued through the engine while it is paused, then
 * changed by `finish` in SQL, as many at once as no API could; the folder is
 * left unpaused, as a user's would be.
 */
async function fill(dataDir: string, jobs: number, finish: (host: Host, now: number) => void): Promise<void> {
  const host = await openHost({ dataDir, launcher: createForkLauncher(WORKER) })
  try {
    host.engine.pause()
    const batch = Array.from({ length: BATCH }, (_, i) => ({ kind: 'noop', name: `job ${i}`, params: { i } }))
    for (let n = 0; n < jobs; n += BATCH) host.api.createJobs({ jobs: batch })
    finish(host, Date.now())
    host.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(SETTING_PAUSED, 'false')
  } finally {
    await host.close(0)
  }
}

/**
 * 95% succeeded, 4% failed, 1% cancelled, finished over the last 29 days
 * (inside the default 30 days they are kept, so the clean-up removes none),
 * each having run for up to a minute; then QUEUED jobs still to run, the
 * newest, so they make the panel's first page.
 */
async function millionFolder(dirs: string[]): Promise<string> {
  const dataDir = newDataDir(dirs)
  await fill(dataDir, FINISHED, (host, now) => {
    host.db
      .prepare(
        `UPDATE jobs SET
           status = CASE WHEN rowid % 100 < 95 THEN 'succeeded' WHEN rowid % 100 < 99 THEN 'failed' ELSE 'cancelled' END,
           attempts = 1, progress = 1,
           finished_at = @now - (rowid * 7919) % @span,
           started_at = @now - (rowid * 7919) % @span - rowid % 60000,
           run_after = @now - (rowid * 7919) % @span - rowid % 60000 - 500,
           created_at = @now - (rowid * 7919) % @span - rowid % 60000 - 500,
           updated_at = @now - (rowid * 7919) % @span,
           result = CASE WHEN rowid % 100 < 95 THEN 'null' END,
           error_code = CASE WHEN rowid % 100 < 95 THEN NULL WHEN rowid % 100 < 99 THEN 'job_error' ELSE 'cancelled' END,
           error_message = CASE WHEN rowid % 100 < 95 THEN NULL WHEN rowid % 100 < 99 THEN 'It failed' ELSE 'Cancelled by the user' END
         WHERE status = 'queued'`,
      )
      .run({ now, span: 29 * DAY_MS })
    for (let n = 0; n < QUEUED; n += BATCH) host.api.createJobs({ jobs: Array.from({ length: BATCH }, () => ({ kind: 'noop' })) })
  })
  return dataDir
}

/** As the engine leaves jobs a worker had begun when the process died: running, the attempt counted, and its try open. */
async function crashedFolder(dirs: string[]): Promise<string> {
  const dataDir = newDataDir(dirs)
  await fill(dataDir, INTERRUPTED, (host, now) => {
    host.db.transaction(() => {
      host.db.prepare(`UPDATE jobs SET status = 'running', attempts = 1, started_at = @now - rowid % 60000, updated_at = @now - rowid % 60000`).run({ now })
      host.db
        .prepare(
          `INSERT INTO job_attempts (job_id, seq, attempt, started_at, outcome, worker_pid)
           SELECT id, 1, 1, started_at, 'running', 100000 + rowid % 4 FROM jobs`,
        )
        .run()
    })()
  })
  return dataDir
}

/** SIGTERM (with --grace 0, running jobs are requeued at once), and SIGKILL if it is still there after STOP_GRACE_MS. */
async function stop(child: ChildProcess): Promise<void> {
  if (exited(child)) return
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS)
  await gone
  clearTimeout(timer)
}

/** The server's address and token, from the Panel line it prints once it listens. */
function listening(child: ChildProcess, output: () => string): Promise<{ url: string; token: string }> {
  return new Promise((resolve, reject) => {
    const settle = (): void => {
      clearTimeout(timer)
      child.stdout!.off('data', check)
      child.off('exit', exit)
    }
    const check = (): void => {
      const panel = /Panel: (\S+)\/\?token=(\S+)\n/.exec(output())
      if (!panel) return
      settle()
      resolve({ url: panel[1]!, token: panel[2]! })
    }
    const exit = (): void => {
      settle()
      reject(new Error(`bench: offload serve exited (${child.exitCode ?? child.signalCode}): ${output()}`))
    }
    const timer = setTimeout(() => {
      settle()
      reject(new Error(`bench: offload serve not listening after ${READY_TIMEOUT_MS / 1000} s: ${output()}`))
    }, READY_TIMEOUT_MS)
    child.stdout!.on('data', check)
    child.once('exit', exit)
  })
}

async function serveOnce(dataDir: string, servers: Set<ChildProcess>): Promise<ServeRun> {
  const start = performance.now()
  const child = spawn(process.execPath, [CLI, 'serve', '--data', dataDir, '--port', '0', '--grace', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  })
  servers.add(child)
  try {
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    const { url, token } = await listening(child, () => output)
    const client = createHttpClient({ baseUrl: url, token, unreachable: `bench: offload serve at ${url} did not answer` })
    const [page, stats] = await Promise.all([client.listJobs({ sort: 'newest', limit: FIRST_PAGE, offset: 0, count: true }), client.getStats({})])
    const ms = performance.now() - start
    return { ms, rssMb: rssMb(child.pid!), page, stats }
  } finally {
    await stop(child)
    servers.delete(child)
  }
}

const quickest = (runs: ServeRun[]): ServeRun => runs.reduce((a, b) => (b.ms < a.ms ? b : a))

export async function startupBench(): Promise<StartupFigures> {
  if (!existsSync(CLI)) throw new Error(`bench: ${CLI} is missing; run "npx electron-vite build"`)
  const dirs: string[] = []
  const servers = new Set<ChildProcess>()
  try {
    const empty = newDataDir(dirs)
    const million = await millionFolder(dirs)
    const crashed = await crashedFolder(dirs)
    // This process's fetch loads its HTTP client on first use: that is not the server's start-up.
    await fetch('data:,')

    // Interleaved, so that a neighbour's burst does not fall on every run of one folder.
    const emptyRuns: ServeRun[] = []
    const millionRuns: ServeRun[] = []
    const recoverRuns: ServeRun[] = []
    for (let i = 0; i < RUNS; i++) {
      emptyRuns.push(await serveOnce(empty, servers))
      millionRuns.push(await serveOnce(million, servers))
      recoverRuns.push(await serveOnce(copyOf(crashed, dirs), servers))
    }
    const bestEmpty = quickest(emptyRuns)
    const bestMillion = quickest(millionRuns)
    const bestRecover = quickest(recoverRuns)
    for (const run of millionRuns) {
      if (run.page.total !== FINISHED + QUEUED) throw new Error(`bench: the million folder lists ${run.page.total} jobs, not ${FINISHED + QUEUED}`)
    }
    for (const run of recoverRuns) {
      // Dispatch may have claimed a few again by the time stats answered, never more than the workers.
      if (run.stats.counts.running > run.stats.workers.max) throw new Error(`bench: ${run.stats.counts.running} jobs still running after recovery`)
    }

    const opened = copyOf(crashed, dirs)
    const openStart = performance.now()
    const host = await openHost({ dataDir: opened, launcher: createForkLauncher(WORKER) })
    const recoverOpenMs = performance.now() - openStart
    const queued = host.engine.stats().counts.queued
    await host.close(0)
    if (queued !== INTERRUPTED) throw new Error(`bench: ${queued} of ${INTERRUPTED} interrupted jobs requeued at open`)

    return {
      startupEmptyMs: round(bestEmpty.ms),
      startupMillionMs: round(bestMillion.ms),
      rssEmptyMb: round(bestEmpty.rssMb),
      rssMillionMb: round(bestMillion.rssMb),
      recover10kMs: round(bestRecover.ms),
      recoverOpenMs: round(recoverOpenMs),
      rssRecoverMb: round(bestRecover.rssMb),
    }
  } finally {
    await Promise.all([...servers].map(stop))
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
  }
}
