import { mkdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describeIssues } from '../../shared/errors'
import { ERROR_CODES, type JobError, type JobErrorCode } from '../../shared/job'
import { JobFailure, type JobContext } from '../kinds/kind'
import type { KindRegistry } from '../kinds/registry'
import { signalProcessGroup } from '../engine/process-group'
import type { EngineToWorker, WorkerToEngine } from '../engine/protocol'

/** How often a job's progress and log lines may cross to the engine. */
const FLUSH_INTERVAL_MS = 100
const MAX_BUFFERED_LINES = 500
const GROUP_KILL_GRACE_MS = 2000

type RunMessage = Extract<EngineToWorker, { type: 'run' }>

function toJobError(error: unknown, signal: AbortSignal): JobError {
  if (signal.aborted) return { code: 'cancelled', message: 'Stopped' }
  const e = error as { jobErrorCode?: unknown; message?: unknown; detail?: unknown; stack?: unknown }
  const code = ERROR_CODES.includes(e?.jobErrorCode as JobErrorCode) ? (e.jobErrorCode as JobErrorCode) : 'job_error'
  const message = typeof e?.message === 'string' ? e.message : String(error)
  const detail = code === 'job_error' && typeof e?.stack === 'string' ? { stack: e.stack } : e?.detail
  return detail === undefined ? { code, message } : { code, message, detail }
}

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
    throw new JobFailure('job_error', `The job's result is ${(json.length / 1024 / 1024).toFixed(1)} MB; the limit is 1 MB (write big output to a file instead)`)
  }
  return json
}

/** One attempt of one job inside the worker. */
export class JobRun {
  readonly id: string
  private readonly controller = new AbortController()
  private readonly groups = new Set<number>()
  private lines: string[] = []
  private pendingProgress: { fraction: number; message: string | null } | undefined
  private flushTimer: NodeJS.Timeout | undefined
  private lastFlush = 0
  private finished = false

  constructor(
    private readonly message: RunMessage,
    private readonly kinds: KindRegistry,
    private readonly send: (message: WorkerToEngine) => void,
    private readonly scratchRoot: string,
  ) {
    this.id = message.job.id
  }

  async run(): Promise<void> {
    const { job } = this.message
    const loaded = this.kinds.get(job.kind)
    if (!loaded) {
      // The host knew the kind; if this process could not load it, say why.
      const why = this.kinds.errors.map((e) => `${e.file}: ${e.message}`).join('; ')
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
    const scratch = { path: join(this.scratchRoot, `${this.id}-${job.attempt}`), made: false }
    try {
      const result = await loaded.kind.run(parsed.data, this.context(scratch))
      this.finish({ type: 'done', id: this.id, resultJson: toResultJson(result) })
    } catch (error) {
      this.finish({ type: 'failed', id: this.id, error: toJobError(error, this.controller.signal) })
    } finally {
      if (scratch.made) await rm(scratch.path, { recursive: true, force: true }).catch(() => {})
    }
  }

  abort(): void {
    if (this.controller.signal.aborted) return
    this.controller.abort()
    // The kind should stop its children itself; if it doesn't, they go anyway.
    setTimeout(() => this.killGroups('SIGKILL'), GROUP_KILL_GRACE_MS).unref()
  }

  killGroups(signal: NodeJS.Signals): void {
    for (const pid of this.groups) signalProcessGroup(pid, signal)
  }

  private pushLine(line: string): void {
    if (this.finished) return
    this.lines.push(line)
    if (this.lines.length >= MAX_BUFFERED_LINES) this.flush()
    else this.scheduleFlush()
  }

  private context(scratch: { path: string; made: boolean }): JobContext {
    return {
      signal: this.controller.signal,
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
        if (!Number.isInteger(pid) || pid <= 0) return
        this.groups.add(pid)
        this.send({ type: 'process-group', id: this.id, pid })
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
      this.send({ type: 'log', id: this.id, lines: this.lines })
      this.lines = []
    }
    if (this.pendingProgress) {
      this.send({ type: 'progress', id: this.id, ...this.pendingProgress })
      this.pendingProgress = undefined
    }
  }

  private finish(message: Extract<WorkerToEngine, { type: 'done' | 'failed' }>): void {
    this.flush()
    this.finished = true
    this.killGroups('SIGKILL')
    this.send(message)
  }
}
