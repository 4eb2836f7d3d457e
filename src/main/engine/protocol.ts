import type { JobError, KindLoadError } from '../../shared/job'

/**
 * Messages between the engine and a worker process, one union per direction.
 * The same shapes travel over child_process IPC and utilityProcess ports.
 */
export type EngineToWorker =
  | { type: 'run'; job: { id: string; attempt: number; kind: string; params: unknown } }
  | { type: 'abort'; id: string; reason: 'cancelled' | 'timeout' | 'shutdown' }
  | { type: 'exit' }

export type WorkerToEngine =
  | { type: 'ready'; kinds: string[]; errors: KindLoadError[] }
  | { type: 'heartbeat' }
  | { type: 'progress'; id: string; fraction: number; message: string | null }
  | { type: 'log'; id: string; lines: string[] }
  | { type: 'process-group'; id: string; pid: number }
  | { type: 'done'; id: string; result: unknown }
  | { type: 'failed'; id: string; error: JobError }

/** Settings a worker reads from its environment at start. */
export const WORKER_ENV = {
  kindsDir: 'OFFLOAD_KINDS_DIR',
  scratchDir: 'OFFLOAD_SCRATCH_DIR',
} as const

export const HEARTBEAT_INTERVAL_MS = 1000
