import type { JobState } from 'bullmq'
import type { JobRecord } from '../../../shared/export'
import type { Job } from '../../../shared/job'
import type { JobInsert } from '../../engine/job-store'
import { fromBullJob, type Bull } from './job-shape'

/**
 * A job as an export holds it (JobRecord) is also how the BullMQ backend
 * keeps a job that ended outside a queue: cancelled before it ran, or
 * brought in finished by an import. These turn one shape into another.
 */

/** A BullMQ job whole, for an export or for keeping once it leaves its queue. */
export function recordOfBull(bull: Bull, state: JobState | 'unknown', cancelling = false, retryAt?: number): JobRecord {
  const job = fromBullJob(bull, state, cancelling, retryAt)
  const backoff = bull.opts.backoff
  return {
    ...recordOfJob(job),
    backoffBaseMs: typeof backoff === 'object' ? (backoff.delay ?? 0) : (backoff ?? 0),
    backoffCapMs: bull.data.backoffCapMs,
  }
}

function recordOfJob(job: Job): Omit<JobRecord, 'backoffBaseMs' | 'backoffCapMs'> {
  return {
    type: 'job',
    id: job.id,
    kind: job.kind,
    name: job.name,
    params: (job.params ?? {}) as Record<string, unknown>,
    priority: job.priority,
    status: job.status,
    progress: job.progress,
    attempts: job.attempts,
    maxAttempts: job.maxAttempts,
    timeoutMs: job.timeoutMs,
    runAfter: job.runAfter,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    result: job.result,
    summary: job.summary,
    error: job.error,
    lane: job.lane,
    slots: job.slots,
    after: [],
    settled: [],
    onDependencyFailure: job.onDependencyFailure,
    key: job.key,
    maxMemoryMb: job.maxMemoryMb,
    usage: job.usage && { cpuMs: job.usage.cpuMs, peakRssBytes: job.usage.peakRssBytes },
  }
}

/** A kept record as the contract shows every job. */
export function jobOfRecord(record: JobRecord): Job {
  return {
    id: record.id,
    kind: record.kind,
    name: record.name,
    params: record.params,
    priority: record.priority,
    status: record.status,
    progress: record.progress,
    attempts: record.attempts,
    maxAttempts: record.maxAttempts,
    timeoutMs: record.timeoutMs,
    createdAt: record.createdAt,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    runAfter: record.runAfter,
    result: record.result ?? null,
    summary: record.summary,
    error: record.error,
    lane: record.lane,
    slots: record.slots,
    dependsOn: record.after.length,
    waitingOn: 0,
    onDependencyFailure: record.onDependencyFailure,
    key: record.key,
    maxMemoryMb: record.maxMemoryMb,
    usage:
      record.usage?.cpuMs != null && record.usage.peakRssBytes != null
        ? { cpuMs: record.usage.cpuMs, peakRssBytes: record.usage.peakRssBytes, rssBytes: null, cpuPercent: null }
        : null,
    machine: null,
  }
}

/** A record sent to its queue: as it was asked for, due at `runAfter` (or now, if that has passed). */
export function rowOfRecord(record: JobRecord, runAfter: number): JobInsert {
  return {
    id: record.id,
    kind: record.kind,
    name: record.name,
    paramsJson: JSON.stringify(record.params),
    priority: record.priority,
    maxAttempts: record.maxAttempts,
    timeoutMs: record.timeoutMs,
    maxMemoryMb: record.maxMemoryMb,
    backoffBaseMs: record.backoffBaseMs,
    backoffCapMs: record.backoffCapMs,
    createdAt: Date.parse(record.createdAt),
    runAfter,
    lane: record.lane,
    slots: record.slots,
  }
}
