import type { z } from 'zod'
import type { JobErrorCode, KindBound } from '../../shared/job'

/** What a running job may do. Given to `run` inside a worker process. */
export interface JobContext {
  /** Reports progress; `fraction` in [0, 1]. Call as often as you like: it is coalesced. */
  progress(fraction: number, message?: string): void
  /** Appends a line to the job's log. */
  log(line: string): void
  /** Aborted when the job is cancelled, times out or Offload shuts down. */
  signal: AbortSignal
  /** An empty folder for this attempt, removed when the attempt ends. */
  scratchDir: string
  /**
   * This kind's own folder in the data folder, kept between jobs (a search
   * index, say). Jobs of the kind may run at once, so what is kept there
   * must bear concurrent writers (SQLite with a busy timeout does).
   */
  stateDir: string
  /**
   * Hands a child process group to Offload (pass the pid of a child spawned
   * with `detached: true`): cancel, timeout and a worker crash then kill the
   * whole group, so no grandchild outlives the job.
   */
  ownProcessGroup(pid: number): void
}

export interface JobKind<P extends z.ZodType = z.ZodType, R = unknown> {
  name: string
  description: string
  params: P
  run(params: z.output<P>, ctx: JobContext): R | Promise<R>
  /** The lane its jobs run in unless they name one (say "encode", limited to one at a time); default "default". */
  lane?: string
  /**
   * What its jobs mostly wait for. 'io' (reading files, the network) leaves
   * the cores mostly idle, so such jobs may run beyond the concurrency, up to
   * `ioOvercommit` times it in all; default 'cpu'.
   */
  bound?: KindBound
  /** Memory limit for its jobs in MB (one job's own maxMemoryMb wins); see NewJobSchema.maxMemoryMb. */
  maxMemoryMb?: number
  /** A job's default name from its params (`resize: photo.jpg`); without it, the kind's name. */
  jobName?: (params: z.output<P>) => string
  /** A few readable lines about a result, shown above the raw JSON; runs in the worker, after `run`. */
  summary?: (result: Awaited<R>) => string
}

export function defineKind<P extends z.ZodType, R>(kind: JobKind<P, R>): JobKind {
  return kind as unknown as JobKind
}

/**
 * Thrown by a kind to end an attempt with a specific code. Custom kinds that
 * can't import this class may throw any error with a `jobErrorCode` field.
 */
export class JobFailure extends Error {
  readonly jobErrorCode: JobErrorCode
  constructor(
    code: JobErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message)
    this.name = 'JobFailure'
    this.jobErrorCode = code
  }
}
