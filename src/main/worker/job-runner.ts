import { AsyncLocalStorage } from 'node:async_hooks'
import { mkdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describeIssues } from '../../shared/errors'
import { ERROR_CODES, type JobError, type JobErrorCode } from '../../shared/job'
import { formatOutputMarker, type OutputMarker } from '../common/output-markers'
import { sweepProcesses } from '../common/process-sweep'
import { JobFailure, type JobContext } from '../kinds/kind'
import { askKind, type KindRegistry } from '../kinds/registry'
import type { EngineToWorker, WorkerToEngine } from '../common/protocol'
import type { OutputCapture, OutputSink } from './output-capture'

/** How often a job's progress and log lines may cross to the engine. */
const FLUSH_INTERVAL_MS = 100
const MAX_BUFFERED_LINES = 500
/** After an abort, how long the kind has to stop its own children before they are killed. */
const CHILD_KILL_GRACE_MS = 2000
/**
 * Node announces the processes a job spawns (see noteSpawn), but not those
 * started by spawnSync, from a worker thread or by native code; an attempt
 * this long is swept anyway, as a sweep costs little next to it.
 */
const ALWAYS_SWEEP_AFTER_MS = 1000

/** The attempt whose code is running: console.log and spawn calls are filed under it, even from its timers after it ended. */
export const attemptContext = new AsyncLocalStorage<JobRun>()

/** What an attempt needs from the worker around it. */
export interface AttemptServices {
  kinds: KindRegistry
  send(message: WorkerToEngine): void
  scratchRoot: string
  /** Holds one folder per kind for what it keeps between jobs. */
  stateRoot: string
  capture: OutputCapture
  /** Processes the worker itself started before any job (a loader's helper, say); no sweep touches them. */
  ownProcesses: ReadonlySet<number>
  /** Process groups the job handed over, for the host watchdog. */
  groupsChanged(groups: ReadonlySet<number>): void
  /** Brackets the raw output of the job's child processes on the worker's own streams. */
  markOutput(marker: OutputMarker): void
}

type RunMessage = Extract<EngineToWorker, { type: 'run' }>
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

function toJobError(error: unknown, signal: AbortSignal): JobError {
  if (signal.aborted) return { code: 'cancelled', message: 'Stopped' }
  const e = error as { jobErrorCode?: unknown; message?: unknown; detail?: unknown; stack?: unknown }
  const code = ERROR_CODES.includes(e?.jobErrorCode as JobErrorCode) ? (e.jobErrorCode as JobErrorCode) : 'job_error'
  const message = typeof e?.message === 'string' ? e.message : String(error)
  const detail = code === 'job_error' && typeof e?.stack === 'string' ? { stack: e.stack } : e?.detail
  return detail === undefined ? { code, message } : { code, message, detail }
}

/** A summary is a few lines to read, not a second result. */
const MAX_SUMMARY_CHARS = 4000

/** A result is one database row and one message: a sane cap keeps both small. */
export const MAX_RESULT_BYTES = 1024 * 1024

function toResultJson(result: unknown): string {
  let json: string | undefined
  try {
    json = JSON.stringify(result ?? null)
  } catch (error) {
    throw new JobFailure('job_error', `The job's result cannot be stored as JSON: ${(error as Error).message}`)
  }
  if (json === undefined) throw new JobFailure('job_error', "The job's result cannot be stored as JSON (it is a function or symbol)")
  if (json.length > MAX_RESULT_BYTES) {
    throw new JobFailure(
      'job_error',
      `The job's result is ${(json.length / 1024 / 1024).toFixed(1)} MB; the limit is 1 MB (write big output to a file instead)`,
    )
  }
  return json
}

/** One attempt of one job inside the worker. */
export class JobRun implements OutputSink {
  readonly id: string
  private readonly controller = new AbortController()
  /** Process groups the job handed over (ctx.ownProcessGroup). */
  readonly groups = new Set<number>()
  private readonly startedAt = Date.now()
  /** The worker runs one attempt at a time, so its CPU time since the start is the attempt's. */
  private readonly cpuAtStart = process.cpuUsage()
  private lines: string[] = []
  private pendingProgress: { fraction: number; message: string | null } | undefined
  private flushTimer: NodeJS.Timeout | undefined
  private lastFlush = 0
  private finished = false
  private spawned = false
  private outputMarked = false

  constructor(
    private readonly message: RunMessage,
    private readonly services: AttemptServices,
  ) {
    this.id = message.job.id
  }

  get open(): boolean {
    return !this.finished
  }

  /** A line the job's code wrote to stdout or stderr. */
  line(text: string): void {
    this.pushLine(text)
  }

  /** The job is starting a child process: from here on, the worker's raw output may be the child's. */
  noteSpawn(): void {
    this.spawned = true
    if (this.outputMarked || this.finished) return
    this.outputMarked = true
    this.services.markOutput({ edge: 'begin', jobId: this.id })
  }

  run(): Promise<void> {
    // The engine counts an attempt, and starts its timeout, only from here.
    this.services.send({ type: 'started', id: this.id })
    return attemptContext.run(this, () => this.attempt())
  }

  private async attempt(): Promise<void> {
    const { job } = this.message
    const { kinds } = this.services
    const loaded = kinds.get(job.kind)
    if (!loaded) {
      // The host knew the kind; if this process could not load it, say why.
      const why = kinds.errors.map((e) => `${e.file}: ${e.message}`).join('; ')
      return this.finish({
        type: 'failed',
        id: this.id,
        error: { code: 'unknown_kind', message: `No job kind "${job.kind}" in this worker${why ? ` (could not load ${why})` : ''}` },
      })
    }
    const parsed = loaded.kind.params.safeParse(job.params)
    if (!parsed.success) {
      const { message, detail } = describeIssues(parsed.error.issues)
      return this.finish({ type: 'failed', id: this.id, error: { code: 'invalid_params', message, detail } })
    }
    const scratch = { path: join(this.services.scratchRoot, `${this.id}-${job.attempt}`), made: false }
    try {
      const result = await loaded.kind.run(parsed.data, this.context(scratch, join(this.services.stateRoot, loaded.kind.name)))
      this.finish({ type: 'done', id: this.id, resultJson: toResultJson(result), summary: askKind(loaded.kind.summary, result, MAX_SUMMARY_CHARS) })
    } catch (error) {
      this.finish({ type: 'failed', id: this.id, error: toJobError(error, this.controller.signal) })
    } finally {
      if (scratch.made) await rm(scratch.path, { recursive: true, force: true }).catch(() => {})
    }
  }

  abort(): void {
    if (this.controller.signal.aborted) return
    this.controller.abort()
    // The kind should stop its children itself; if it doesn't, they go anyway (which may also unblock it).
    setTimeout(() => {
      if (!this.finished) this.sweep()
    }, CHILD_KILL_GRACE_MS).unref()
  }

  /**
   * The worker is exiting mid-attempt (the job called process.exit, say):
   * messages would be lost, so its unsent lines go straight to stderr,
   * bracketed with its id, where the host still files them under the job.
   */
  lastWords(write: (text: string) => void): void {
    this.services.capture.flush(this)
    if (this.finished || this.lines.length === 0) return
    this.finished = true
    write(
      formatOutputMarker({ edge: 'begin', jobId: this.id }) + this.lines.map((l) => `${l}\n`).join('') + formatOutputMarker({ edge: 'end', jobId: this.id }),
    )
    this.lines = []
  }

  /** Kills every process this attempt started (the worker runs one attempt at a time); says how many there were. */
  sweep(): number {
    return sweepProcesses({ root: process.pid, groups: this.groups, spare: this.services.ownProcesses })
  }

  private pushLine(line: string): void {
    if (this.finished) return
    this.lines.push(line)
    if (this.lines.length >= MAX_BUFFERED_LINES) this.flush()
    else this.scheduleFlush()
  }

  private context(scratch: { path: string; made: boolean }, statePath: string): JobContext {
    return {
      signal: this.controller.signal,
      get stateDir() {
        mkdirSync(statePath, { recursive: true })
        return statePath
      },
      // Made on first use: most jobs never need one, and two file-system calls per job add up.
      get scratchDir() {
        if (!scratch.made) mkdirSync(scratch.path, { recursive: true })
        scratch.made = true
        return scratch.path
      },
      progress: (fraction, message) => {
        if (this.finished || !Number.isFinite(fraction)) return
        this.pendingProgress = { fraction: Math.min(1, Math.max(0, fraction)), message: message ?? null }
        this.scheduleFlush()
      },
      log: (line) => this.pushLine(String(line)),
      ownProcessGroup: (pid) => {
        if (!Number.isInteger(pid) || pid <= 1 || this.finished) return
        this.groups.add(pid)
        this.services.groupsChanged(this.groups)
        this.services.send({ type: 'process-group', id: this.id, pid })
      },
    }
  }

  /** Leading edge: a quiet job's line goes at once, so a crash right after it loses nothing; a busy one is batched. */
  private scheduleFlush(): void {
    if (this.flushTimer) return
    const wait = this.lastFlush + FLUSH_INTERVAL_MS - Date.now()
    if (wait <= 0) this.flush()
    else this.flushTimer = setTimeout(() => this.flush(), wait)
  }

  private flush(): void {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.lastFlush = Date.now()
    if (this.lines.length > 0) {
      this.services.send({ type: 'log', id: this.id, lines: this.lines })
      this.lines = []
    }
    if (this.pendingProgress) {
      this.services.send({ type: 'progress', id: this.id, ...this.pendingProgress })
      this.pendingProgress = undefined
    }
  }

  /** The attempt is over: its last words, then no process of its own left, then the outcome. */
  private finish(outcome: DistributiveOmit<Extract<WorkerToEngine, { type: 'done' | 'failed' }>, 'usage'>): void {
    this.services.capture.flush(this)
    const mustSweep = this.spawned || this.groups.size > 0 || Date.now() - this.startedAt >= ALWAYS_SWEEP_AFTER_MS
    const swept = mustSweep ? this.sweep() : 0
    if (swept > 0) this.lines.push(`Offload stopped ${swept === 1 ? '1 process' : `${swept} processes`} the job left running`)
    this.flush()
    this.finished = true
    if (this.outputMarked) this.services.markOutput({ edge: 'end', jobId: this.id })
    if (this.groups.size > 0) this.services.groupsChanged(new Set())
    const cpu = process.cpuUsage(this.cpuAtStart)
    this.services.send({ ...outcome, usage: { cpuMs: (cpu.user + cpu.system) / 1000, rssBytes: process.memoryUsage.rss() } })
  }
}
