import type { JobError, KindLoadError } from '../../shared/job'

/**
 * Messages between the engine and a worker process, one union per direction.
 * The same shapes travel over child_process IPC and utilityProcess ports.
 */
/** What a worker needs to run one attempt of a job. */
export interface RunJob {
  id: string
  attempt: number
  kind: string
  params: unknown
}

export type EngineToWorker =
  /** Jobs run in the order sent; one sent while the worker is busy waits in its inbox. */
  | { type: 'run'; job: RunJob }
  /** Several, as if each were sent as a 'run' in this order: one message per commit rather than one per job. */
  | { type: 'runs'; jobs: RunJob[] }
  | { type: 'abort'; id: string }
  /** Give back a job that is still waiting in the inbox; one already begun goes on. */
  | { type: 'recall'; id: string }
  | { type: 'exit' }

export type WorkerToEngine =
  | { type: 'ready'; kinds: string[]; errors: KindLoadError[] }
  | { type: 'heartbeat' }
  /** The job has begun: only now does its attempt count, and its timeout run. */
  | { type: 'started'; id: string }
  /** A recalled job was still waiting and has been taken out of the inbox unrun. */
  | { type: 'recalled'; id: string }
  | { type: 'progress'; id: string; fraction: number; message: string | null }
  | { type: 'log'; id: string; lines: string[] }
  | { type: 'process-group'; id: string; pid: number }
  /** The result as JSON text: what is stored is exactly what crossed, under either launcher. */
  | { type: 'done'; id: string; resultJson: string; summary: string | null; usage?: WorkerUsage }
  | { type: 'failed'; id: string; error: JobError; usage?: WorkerUsage }

/** What an attempt took in the worker itself: its CPU time, and the worker’s memory as it ended (absent from a worker that does not measure). */
export interface WorkerUsage {
  cpuMs: number
  rssBytes: number
}

/** Settings a worker reads from its environment at start. */
export const WORKER_ENV = {
  kindsDir: 'OFFLOAD_KINDS_DIR',
  scratchDir: 'OFFLOAD_SCRATCH_DIR',
  /** Where kinds keep what lasts between jobs (a search index, say): one subfolder per kind. */
  stateDir: 'OFFLOAD_STATE_DIR',
  /** better-sqlite3's addon for the worker's runtime (Electron's in the desktop app), for kinds that keep a database. */
  sqliteBinding: 'OFFLOAD_SQLITE_BINDING',
  /** The host's pid: the worker's watchdog ends it when that process is gone. */
  hostPid: 'OFFLOAD_HOST_PID',
} as const

export const HEARTBEAT_INTERVAL_MS = 1000
