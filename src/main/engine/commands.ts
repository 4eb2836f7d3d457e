import { monotonicFactory } from 'ulid'
import { BATCH_REF, JOB_STATUSES, MAX_DEPENDENCIES } from '../../shared/job'
import type { MethodName, MethodOutput, ParsedInput } from '../../shared/api'
import { ApiError } from '../../shared/errors'
import type { Attempt, BulkResult, BulkTarget, Job, JobPage, JobStatus, LogLine, ParsedListJobsQuery, ParsedNewJob, Priority } from '../../shared/job'
import type { KindRegistry } from '../kinds/registry'
import { BulkTally, narrowTarget, targetChunks } from './bulk'
import type { Clock, Engine } from './engine'
import type { JobInsert, JobStore } from './job-store'
import type { Retention } from './retention'
import type { Lanes } from './lanes'
import type { Schedules } from './schedules'
import type { StatsReporter } from './stats-report'
import type { Watches } from './watches'
import { StorageError } from './storage-error'
import { makeJobRow, type JobRowOptions } from './job-row'
import type { DocumentSearch } from './document-search'
import { createJobHandlers } from '../backends/backend'
import type { SqliteBackend } from './sqlite-backend'

export type CommandOptions = JobRowOptions

export const DEFAULT_COMMAND_OPTIONS: CommandOptions = {
  defaultMaxAttempts: 3,
  backoffBaseMs: 1000,
  backoffCapMs: 5 * 60_000,
  maxParamsBytes: 256 * 1024,
}

export interface CommandDeps {
  store: JobStore
  kinds: KindRegistry
  /** The scheduler: told of new jobs, and of running ones to stop. */
  engine: Engine
  clock?: Clock
}

/**
 * What users ask of their jobs: add, list, read, cancel, retry, remove,
 * re-prioritize. Input arrives parsed by the contract at the boundary (the
 * transport); here come only the checks that need the store or the kinds.
 * The scheduler is told what changed and does the rest. Schedules and the
 * like join as modules beside this one.
 */
export class JobCommands {
  private readonly options: CommandOptions
  private readonly store: JobStore
  private readonly kinds: KindRegistry
  private readonly engine: Engine
  private readonly clock: Clock
  private readonly nextId = monotonicFactory()

  constructor(deps: CommandDeps, options: Partial<CommandOptions> = {}) {
    this.options = { ...DEFAULT_COMMAND_OPTIONS, ...options }
    this.store = deps.store
    this.kinds = deps.kinds
    this.engine = deps.engine
    this.clock = deps.clock ?? { now: () => Date.now() }
  }

  createJob(input: ParsedNewJob): Job {
    const now = this.clock.now()
    const local = input.after?.findIndex((ref) => BATCH_REF.test(ref)) ?? -1
    if (local >= 0) {
      const message = '"#n" names a job of the same batch: send the jobs together to /api/jobs/batch'
      throw new ApiError('invalid_input', `after.${local}: ${message}`, [{ path: `after.${local}`, message }])
    }
    const row = this.prepareJob(input, now)
    const job = this.store.insertOne(row, now)
    this.engine.jobsAdded([job])
    return job
  }

  /** All or nothing: one bad job rejects the batch, naming its index. */
  createJobs(inputs: readonly ParsedNewJob[]): string[] {
    const now = this.clock.now()
    const rows = inputs.map((input, index) => {
      try {
        return this.prepareJob(input, now)
      } catch (error) {
        if (error instanceof ApiError) throw new ApiError(error.code, `jobs.${index}: ${error.message}`, error.detail)
        throw error
      }
    })
    const absorbed = this.store.insert(inGraphOrder(rows), now)
    this.engine.jobsAdded([])
    return rows.map((r) => absorbed.get(r.id) ?? r.id)
  }

  getJob(id: string): Job {
    const job = this.store.get(id)
    if (!job) throw notFound(id)
    return this.engine.withLiveUsage(job)
  }

  listJobs(query: ParsedListJobsQuery): JobPage {
    const jobs = this.store.list({ ...query, limit: query.limit + 1 }).map((job) => this.engine.withLiveUsage(job))
    const more = jobs.length > query.limit
    if (more) jobs.pop()
    return { jobs, nextCursor: more ? jobs[jobs.length - 1]!.id : null, total: query.count ? this.store.count(query) : null }
  }

  /** What is written, plus the lines still held for the next write: reading never writes. */
  getJobLogs(id: string): LogLine[] {
    this.getJob(id)
    return this.engine.withHeldLogLines(id, this.store.logs(id))
  }

  /** The jobs this one waits for, and those waiting for it (a thousand of each at most). */
  getJobDependencies(id: string): { parents: Job[]; children: Job[] } {
    this.getJob(id)
    return this.store.dependencies(id, MAX_DEPENDENCIES)
  }

  getJobAttempts(id: string): Attempt[] {
    this.getJob(id)
    return this.store.attempts(id)
  }

  cancelJob(id: string): Job {
    const job = this.cancelOne(id, this.clock.now())
    this.engine.stopRun(id)
    this.engine.jobsChanged([job])
    return job
  }

  retryJob(id: string): Job {
    const job = this.retryOne(id, this.clock.now())
    this.engine.jobsAdded([job])
    return job
  }

  /** A scheduled job is due now: it waits only for a free worker. */
  runJobNow(id: string): Job {
    const job = this.store.markDueNow(id, this.clock.now())
    if (!job) {
      const status = this.store.statusOf(id)
      if (status === undefined) throw notFound(id)
      throw new ApiError('wrong_state', `Job ${id} is ${status}; only scheduled jobs can be run now`)
    }
    this.engine.jobsAdded([job])
    return job
  }

  /** A held job goes on: queued, or scheduled if its time is still to come. */
  releaseJob(id: string): Job {
    const job = this.releaseOne(id, this.clock.now())
    this.engine.jobsAdded([job])
    return job
  }

  releaseJobs(target: BulkTarget): Promise<BulkResult> {
    return this.bulk(
      target,
      ['held'],
      (id, now) => this.releaseOne(id, now),
      (jobs) => this.engine.jobsAdded(jobs),
    )
  }

  /** Cancels each held, scheduled, queued or running job; the others are reported, not fatal. */
  cancelJobs(target: BulkTarget): Promise<BulkResult> {
    return this.bulk(
      target,
      ['held', 'waiting', 'scheduled', 'queued', 'running'],
      (id, now) => this.cancelOne(id, now),
      (jobs) => {
        for (const job of jobs) this.engine.stopRun(job.id)
        this.engine.jobsChanged(jobs)
      },
    )
  }

  retryJobs(target: BulkTarget): Promise<BulkResult> {
    return this.bulk(
      target,
      ['failed', 'cancelled'],
      (id, now) => this.retryOne(id, now),
      (jobs) => this.engine.jobsAdded(jobs),
    )
  }

  /** Deletes finished, cancelled or queued jobs and their logs; a running job must be cancelled first. */
  removeJobs(target: BulkTarget): Promise<BulkResult> {
    return this.bulk(
      target,
      // Running jobs stay in: each is reported by name ("cancel it first"), which a person removing "everything" wants to hear.
      JOB_STATUSES,
      (id, now) => {
        const { removed, was } = this.store.remove(id, now)
        if (was === undefined) throw notFound(id)
        if (!removed) throw new ApiError('wrong_state', `Job ${id} is running; cancel it before removing it`)
        return null
      },
      () => this.engine.jobsChanged([]),
    )
  }

  /** Changes the priority of waiting jobs (held, scheduled or queued); running and finished ones keep theirs. */
  setPriority(target: BulkTarget, priority: Priority): Promise<BulkResult> {
    return this.bulk(
      target,
      ['held', 'waiting', 'scheduled', 'queued'],
      (id, now) => {
        const job = this.store.setPriority(id, priority, now)
        if (job) return job
        const status = this.store.statusOf(id)
        if (status === undefined) throw notFound(id)
        throw new ApiError('wrong_state', `Job ${id} is ${status}; only held, waiting, scheduled or queued jobs can change priority`)
      },
      (jobs) => this.engine.jobsChanged(jobs),
    )
  }

  private cancelOne(id: string, now: number): Job {
    const { job, was } = this.store.markCancelled(id, now)
    if (job) return job
    if (was === undefined) throw notFound(id)
    throw new ApiError('wrong_state', `Job ${id} is already ${was}; only jobs not yet finished can be cancelled`)
  }

  private releaseOne(id: string, now: number): Job {
    const job = this.store.markReleased(id, now)
    if (job) return job
    const status = this.store.statusOf(id)
    if (status === undefined) throw notFound(id)
    throw new ApiError('wrong_state', `Job ${id} is ${status}; only held jobs can be released`)
  }

  private retryOne(id: string, now: number): Job {
    // A cancelled attempt still stopping on its worker would otherwise run beside the new one, under the same attempt number.
    if (this.engine.isRunning(id)) throw new ApiError('wrong_state', `Job ${id} is still stopping; retry it in a moment`)
    const job = this.store.markRetried(id, now)
    if (job) return job
    const status = this.store.statusOf(id)
    if (status === undefined) throw notFound(id)
    throw new ApiError('wrong_state', `Job ${id} is ${status}; only failed or cancelled jobs can be retried`)
  }

  /**
   * Applies `change` to each target job, a chunk per transaction, and
   * `settle` to what each chunk changed once it is committed (the jobs that
   * have a new state to show; a removed one has none), so listeners hear
   * once a chunk. A job that can't be changed is reported; storage trouble
   * rolls back its chunk and ends the action.
   */
  private async bulk(
    given: BulkTarget,
    applies: readonly JobStatus[],
    change: (id: string, now: number) => Job | null,
    settle: (jobs: Job[]) => void,
  ): Promise<BulkResult> {
    const tally = new BulkTally((id) => this.store.nameOf(id))
    const target = narrowTarget(given, applies)
    if (!target) return tally.done()
    for await (const ids of targetChunks(this.store, target)) {
      const now = this.clock.now()
      const changed: string[] = []
      const jobs: Job[] = []
      const refused: [string, ApiError][] = []
      this.store.transaction(() => {
        for (const id of ids) {
          try {
            const job = change(id, now)
            changed.push(id)
            if (job) jobs.push(job)
          } catch (error) {
            if (!(error instanceof ApiError) || error instanceof StorageError) throw error
            refused.push([id, error])
          }
        }
      })
      for (const id of changed) tally.changed(id)
      for (const [id, error] of refused) tally.failed(id, error)
      if (changed.length > 0) settle(jobs)
    }
    return tally.done()
  }

  /**
   * The row of a job a schedule or watch makes on its own. Its slots were
   * checked when it was saved; should the concurrency setting have been
   * lowered below them since, the job takes every slot (as the engine gives
   * a queued job then) rather than the run being lost with no one to tell.
   */
  prepareMadeJob(input: ParsedNewJob, now: number): JobInsert {
    const slots = input.slots ?? 1
    const limit = slots > 1 ? this.engine.settings().concurrency : slots
    return this.prepareJob(slots > limit ? { ...input, slots: limit } : input, now)
  }

  /** The checks only the kinds can make (their params), and the row to insert (schedules and watches make their jobs' rows here too). */
  prepareJob(input: ParsedNewJob, now: number): JobInsert {
    return makeJobRow(input, now, {
      kinds: this.kinds,
      options: this.options,
      // Read only when it can matter: a batch of ten thousand one-slot jobs should not copy the settings each time.
      concurrency: () => this.engine.settings().concurrency,
      nextId: this.nextId,
    })
  }
}

/** The methods that work through many jobs, a chunk at a time, and so answer with a promise; the rest answer at once. */
export const CHUNKED_METHODS = ['cancelJobs', 'retryJobs', 'releaseJobs', 'removeJobs', 'clearFinished', 'setPriority'] as const satisfies readonly MethodName[]
type ChunkedMethod = (typeof CHUNKED_METHODS)[number]

/** The contract's methods as the engine answers them; a transport awaits them all (ApiHandlers allows promises). */
export type EngineHandlers = {
  [M in MethodName]: (input: ParsedInput<M>) => M extends ChunkedMethod ? Promise<MethodOutput<M>> : MethodOutput<M>
}

export interface HandlerDeps {
  /** The queue's jobs, as any backend answers for them. */
  backend: SqliteBackend
  retention: Retention
  commands: JobCommands
  schedules: Schedules
  watches: Watches
  lanes: Lanes
  engine: Engine
  kinds: KindRegistry
  reports: StatsReporter
  searchDocuments: DocumentSearch
}

/** The contract's methods: the jobs through the backend seam, and what only the embedded engine has beside them. Every transport calls these with input it has parsed. */
export function createHandlers({
  backend,
  commands,
  retention,
  schedules,
  watches,
  lanes,
  engine,
  kinds,
  reports,
  searchDocuments,
}: HandlerDeps): EngineHandlers {
  return {
    ...createJobHandlers<'now'>(backend),
    getJobAttempts: ({ id }) => ({ attempts: commands.getJobAttempts(id) }),
    clearFinished: async ({ status }) => ({ removed: await retention.clear(status) }),
    releaseJob: ({ id }) => commands.releaseJob(id),
    getJobDependencies: ({ id }) => commands.getJobDependencies(id),
    releaseJobs: (target) => commands.releaseJobs(target),
    runJobNow: ({ id }) => commands.runJobNow(id),
    getStatsReport: ({ range }) => reports.report(range),
    getSettings: () => engine.settings(),
    updateSettings: (patch) => engine.updateSettings(patch),
    listSchedules: () => ({ schedules: schedules.list() }),
    getSchedule: ({ id }) => schedules.get(id),
    createSchedule: (input) => schedules.create(input),
    updateSchedule: (input) => schedules.update(input),
    deleteSchedule: ({ id }) => {
      schedules.remove(id)
      return { ok: true }
    },
    runSchedule: ({ id }) => schedules.runNow(id),
    listWatches: () => ({ watches: watches.list() }),
    getWatch: ({ id }) => watches.get(id),
    createWatch: (input) => watches.create(input),
    updateWatch: (input) => watches.update(input),
    deleteWatch: ({ id }) => {
      watches.remove(id)
      return { ok: true }
    },
    listLanes: () => ({ lanes: lanes.list() }),
    getLane: ({ name }) => lanes.get(name),
    updateLane: (input) => lanes.update(input),
    listKinds: () => ({ kinds: kinds.describe(), errors: [...kinds.errors] }),
    searchDocuments,
  }
}

/**
 * A batch's jobs resolved and ordered for the store: "#n" becomes the id of
 * the batch's job n, and each job comes after those it depends on. A cycle
 * (a job waiting, however indirectly, for itself) is refused, naming a job
 * on it.
 */
function inGraphOrder(rows: readonly JobInsert[]): JobInsert[] {
  const local = rows.map((row, index) =>
    (row.after ?? []).flatMap((ref, at) => {
      const n = BATCH_REF.exec(ref)
      if (!n) return []
      const parent = Number(n[1])
      if (parent >= rows.length) {
        const message = `The batch has no job ${parent} (it has ${rows.length})`
        throw new ApiError('invalid_input', `jobs.${index}.after.${at}: ${message}`, [{ path: `jobs.${index}.after.${at}`, message }])
      }
      return [parent]
    }),
  )
  const resolved = rows.map((row) => ({
    ...row,
    after: row.after?.map((ref) => {
      const n = BATCH_REF.exec(ref)
      return n ? rows[Number(n[1])]!.id : ref
    }),
  }))
  // Depth-first, marking each job while its parents are visited: meeting a marked one again is a cycle.
  const order: JobInsert[] = []
  const state = new Uint8Array(rows.length)
  for (let root = 0; root < rows.length; root++) {
    if (state[root] === 2) continue
    const stack: [number, number][] = [[root, 0]]
    state[root] = 1
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      const [job, next] = top
      const parent = local[job]![next]
      if (parent === undefined) {
        stack.pop()
        state[job] = 2
        order.push(resolved[job]!)
        continue
      }
      top[1]++
      if (state[parent] === 2) continue
      if (state[parent] === 1) {
        const message = 'A cycle: this job would wait, through the batch, for itself'
        throw new ApiError('invalid_input', `jobs.${job}.after: ${message}`, [{ path: `jobs.${job}.after`, message }])
      }
      state[parent] = 1
      stack.push([parent, 0])
    }
  }
  return order
}

function notFound(id: string): ApiError {
  return new ApiError('not_found', `No job with id ${id}`)
}
