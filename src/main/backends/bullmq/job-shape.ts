import type { Job as BullJob, JobsOptions, JobState } from 'bullmq'
import type { Job, JobError, JobStatus, JobUsage, Priority } from '../../../shared/job'
import type { JobInsert } from '../../engine/job-store'

/** What Offload keeps in a BullMQ job's data: the job as asked for, and what its runs said. */
export interface QueuedData {
  kind: string
  name: string
  params: unknown
  priority: Priority
  lane: string
  timeoutMs: number | null
  maxMemoryMb: number | null
  createdAt: number
  runAfter: number
  backoffCapMs: number
  /** Written by the worker host as an attempt ends. */
  outcome?: { machine: string; summary: string | null; error: JobError | null; usage: JobUsage | null; cancelled: boolean }
}

export type Bull = BullJob<QueuedData>

/** BullMQ runs the lowest number first; 0 would mean "no priority" and jump the prioritized ones. */
const RANK: Record<Priority, number> = { urgent: 1, high: 2, normal: 3, low: 4 }

export const BACKOFF_TYPE = 'offload'

/** Queue names may not hold ':' (BullMQ's key separator); lane names never do. */
export function queueName(lane: string): string {
  return `offload.${lane}`
}

export function toBullJob(row: JobInsert, now: number): { name: string; data: QueuedData; opts: JobsOptions } {
  const runAfter = row.runAfter ?? now
  return {
    name: row.kind,
    data: {
      kind: row.kind,
      name: row.name,
      params: JSON.parse(row.paramsJson) as unknown,
      priority: row.priority,
      lane: row.lane,
      timeoutMs: row.timeoutMs,
      maxMemoryMb: row.maxMemoryMb ?? null,
      createdAt: row.createdAt,
      runAfter,
      backoffCapMs: row.backoffCapMs,
    },
    opts: {
      jobId: row.id,
      priority: RANK[row.priority],
      attempts: row.maxAttempts,
      backoff: { type: BACKOFF_TYPE, delay: row.backoffBaseMs },
      ...(runAfter > now ? { delay: runAfter - now } : {}),
    },
  }
}

export function rankOf(priority: Priority): number {
  return RANK[priority]
}

/** Exponential from the job's base, capped, with jitter so retries of many jobs don't arrive together. */
export function backoffDelay(attemptsMade: number, baseMs: number, capMs: number, random: () => number): number {
  const raw = Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsMade - 1))
  return Math.round(raw * (0.75 + random() * 0.5))
}

function statusOf(state: JobState | 'unknown', bull: BullJob<QueuedData>, cancelling: boolean): JobStatus {
  if (cancelling) return 'cancelled'
  switch (state) {
    case 'active':
      return 'running'
    case 'completed':
      return 'succeeded'
    case 'failed':
      return bull.data.outcome?.cancelled ? 'cancelled' : 'failed'
    case 'delayed':
      // A retry waiting out its backoff is queued, as the embedded engine shows it; a job given a later time is scheduled.
      return bull.attemptsMade > 0 ? 'queued' : 'scheduled'
    default:
      return 'queued'
  }
}

const iso = (ms: number | undefined | null): string | null => (ms ? new Date(ms).toISOString() : null)

/** A BullMQ job as the contract shows every job. */
export function fromBullJob(bull: BullJob<QueuedData>, state: JobState | 'unknown', cancelling = false, retryAt?: number): Job {
  const data = bull.data
  const status = statusOf(state, bull, cancelling)
  const outcome = data.outcome
  const finished = status === 'succeeded' || status === 'failed' || (status === 'cancelled' && state === 'failed')
  const error: JobError | null =
    status === 'failed' || status === 'queued' ? (outcome?.error ?? (bull.failedReason ? { code: 'job_error', message: bull.failedReason } : null)) : null
  const progress = typeof bull.progress === 'object' && bull.progress !== null ? (bull.progress as { fraction?: unknown; message?: unknown }) : null
  return {
    id: bull.id!,
    kind: data.kind,
    name: data.name,
    params: data.params,
    priority: data.priority,
    status,
    progress: {
      fraction: status === 'succeeded' ? 1 : typeof progress?.fraction === 'number' ? progress.fraction : 0,
      message: typeof progress?.message === 'string' ? progress.message : null,
    },
    attempts: bull.attemptsStarted,
    maxAttempts: bull.opts.attempts ?? 1,
    timeoutMs: data.timeoutMs,
    createdAt: new Date(data.createdAt).toISOString(),
    startedAt: iso(bull.processedOn),
    finishedAt: finished ? iso(bull.finishedOn) : null,
    // A retry waiting out its backoff is due when the backoff ends; otherwise at the time it was asked for, to the millisecond.
    runAfter: new Date(retryAt ?? data.runAfter).toISOString(),
    result: status === 'succeeded' ? (bull.returnvalue ?? null) : null,
    summary: outcome?.summary ?? null,
    error: status === 'queued' && state !== 'delayed' ? null : error,
    lane: data.lane,
    slots: 1,
    dependsOn: 0,
    waitingOn: 0,
    onDependencyFailure: 'fail',
    key: null,
    maxMemoryMb: data.maxMemoryMb,
    usage: outcome?.usage ?? null,
    machine: state === 'active' ? (bull.processedBy ?? null) : (outcome?.machine ?? bull.processedBy ?? null),
  }
}
