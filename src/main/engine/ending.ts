import type { JobError } from '../../shared/job'

/**
 * How Offload itself ended an attempt, overriding whatever the worker says:
 * an error (timeout, stall), the user's cancel, or a requeue without counting
 * the attempt (shutdown, or a job that never started on a worker that died).
 */
export type Ending = { kind: 'error'; error: JobError; retryable: boolean } | { kind: 'cancelled' } | { kind: 'requeue' }
