import type { MethodOutput, OffloadEvent, ParsedInput } from '../../shared/api'
import type { BackendInfo, BackendName, Capabilities } from '../../shared/backend'
import { ApiError } from '../../shared/errors'
import type { BulkResult, BulkTarget, Job, JobPage, LogLine, ParsedListJobsQuery, ParsedNewJob, Priority, Stats } from '../../shared/job'
import { BACKEND_TITLES, requireFeature } from './capabilities'

/**
 * How a backend answers: `now` (the embedded engine, in this process, whose
 * in-process API answers at once) or `later` (over a network).
 */
export type Timing = 'now' | 'later'
interface Answers<T> {
  now: T
  later: Promise<T>
}
export type Answer<M extends Timing, T> = Answers<T>[M]

/**
 * The queue under the contract's job methods: what any home for Offload's
 * jobs must do, with `capabilities` saying which of the rest it does too.
 * The embedded SQLite engine is one (engine/sqlite-backend.ts), BullMQ on
 * Redis the other (backends/bullmq/redis-queue.ts).
 *
 * Claiming, leases, heartbeats and finishing stay inside each backend: the
 * engine claims and ends jobs in batches within its own commits (its speed,
 * issue 15), and BullMQ's Worker holds a lock it renews. Both run the jobs
 * in Offload's worker pool, through the same launcher.
 */
export interface Backend<M extends Timing = Timing> {
  readonly name: BackendName
  readonly capabilities: Capabilities
  /** Where the queue lives, what it does, and the machines working from it. */
  describe(): Answer<M, BackendInfo>
  add(input: ParsedNewJob): Answer<M, Job>
  /** All or nothing: one bad job refuses the batch, naming its index. */
  addMany(inputs: readonly ParsedNewJob[]): Answer<M, string[]>
  /** A job, or `not_found`. */
  get(id: string): Answer<M, Job>
  list(query: ParsedListJobsQuery): Answer<M, JobPage>
  logs(id: string): Answer<M, LogLine[]>
  stats(): Answer<M, Stats>
  cancel(id: string): Answer<M, Job>
  retry(id: string): Answer<M, Job>
  cancelMany(target: BulkTarget): Promise<BulkResult>
  retryMany(target: BulkTarget): Promise<BulkResult>
  removeMany(target: BulkTarget): Promise<BulkResult>
  prioritize(target: BulkTarget, priority: Priority): Promise<BulkResult>
  setPaused(paused: boolean): Answer<M, void>
  /** Job changes, stats and storage health as they happen. */
  subscribe(listener: (event: OffloadEvent) => void): () => void
  /** `graceMs` is what jobs running here get to finish (a backend whose jobs run elsewhere has none). */
  close(graceMs?: number): Promise<void>
}

/** The contract's methods every backend answers. */
export const JOB_METHODS = [
  'createJob',
  'createJobs',
  'listJobs',
  'getJob',
  'getJobLogs',
  'cancelJob',
  'cancelJobs',
  'retryJob',
  'retryJobs',
  'removeJobs',
  'setPriority',
  'getStats',
  'pauseQueue',
  'resumeQueue',
  'getBackend',
] as const
export type JobMethod = (typeof JOB_METHODS)[number]
type BulkMethod = 'cancelJobs' | 'retryJobs' | 'removeJobs' | 'setPriority'

export type JobHandlers<M extends Timing> = {
  [K in JobMethod]: (input: ParsedInput<K>) => K extends BulkMethod ? Promise<MethodOutput<K>> : Answer<M, MethodOutput<K>>
}

/** `f` applied to an answer, which stays as immediate as it came: the engine's in-process API never turns into promises. */
function then<M extends Timing, T, U>(answer: Answer<M, T>, f: (value: T) => U): Answer<M, U> {
  return (answer instanceof Promise ? answer.then(f) : f(answer as T)) as Answer<M, U>
}

/** A new job that asks for what this backend lacks is refused by name before anything is stored. */
function refuseLacking(backend: Backend, input: ParsedNewJob, at = ''): void {
  const name = BACKEND_TITLES[backend.name]
  try {
    if (input.after?.length) requireFeature(backend.capabilities, 'dependencies', name)
    if (input.key !== undefined) requireFeature(backend.capabilities, 'keys', name)
    if (input.hold) requireFeature(backend.capabilities, 'hold', name)
    if ((input.slots ?? 1) > 1) requireFeature(backend.capabilities, 'slots', name)
  } catch (error) {
    if (at && error instanceof ApiError) throw new ApiError(error.code, `${at}: ${error.message}`, error.detail)
    throw error
  }
}

/** The contract's job methods over a backend: the one way a transport's parsed request reaches a queue's jobs. */
export function createJobHandlers<M extends Timing>(backend: Backend<M>): JobHandlers<M> {
  return {
    createJob: (input) => (refuseLacking(backend, input), backend.add(input)),
    createJobs: ({ jobs }) => {
      jobs.forEach((job, index) => refuseLacking(backend, job, `jobs.${index}`))
      return then(backend.addMany(jobs), (ids) => ({ ids }))
    },
    listJobs: (query) => backend.list(query),
    getJob: ({ id }) => backend.get(id),
    getJobLogs: ({ id }) => then(backend.logs(id), (lines) => ({ lines })),
    cancelJob: ({ id }) => backend.cancel(id),
    cancelJobs: (target) => backend.cancelMany(target),
    retryJob: ({ id }) => backend.retry(id),
    retryJobs: (target) => backend.retryMany(target),
    removeJobs: (target) => backend.removeMany(target),
    setPriority: ({ priority, ...target }) => backend.prioritize(target, priority),
    getStats: () => backend.stats(),
    pauseQueue: () => then(backend.setPaused(true), () => ({ ok: true as const })),
    resumeQueue: () => then(backend.setPaused(false), () => ({ ok: true as const })),
    getBackend: () => backend.describe(),
  }
}
