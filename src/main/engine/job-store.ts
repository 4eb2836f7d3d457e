import type Database from 'better-sqlite3'
import type { Attempt, DependencyFailure, Job, JobError, JobFilter, JobStatus, KeyMode, KindBound, LogLine, Priority } from '../../shared/job'
import { ApiError } from '../../shared/errors'
import { DependencyGraph, type GraphMove } from './dependency-graph'
import { JOB_STATUSES } from '../../shared/job'
import { JobHistory, type Ending, type HistoryWindow } from './job-history'
import { KindCounts, noJobs, type StatusCounts } from './kind-counts'
import { asStorageError, type StorageError } from './storage-error'

/** Priorities as stored: a number, so the ready index sorts them. Every table that keeps a priority uses these. */
export const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2, urgent: 3 }
export const PRIORITY_BY_RANK: readonly Priority[] = ['low', 'normal', 'high', 'urgent']

export interface JobInsert {
  id: string
  kind: string
  name: string
  /** Params already serialized (the engine measures their size on the way). */
  paramsJson: string
  priority: Priority
  maxAttempts: number
  timeoutMs: number | null
  backoffBaseMs: number
  backoffCapMs: number
  createdAt: number
  /** Not before this time (default: at once); a job due later than its creation is `scheduled` until then. */
  runAfter?: number | undefined
  lane: string
  slots: number
  /** Held until released by hand. */
  hold?: boolean | undefined
  /** The jobs it waits for: ids of jobs stored, or inserted before it in the same call. */
  after?: readonly string[] | undefined
  onDependencyFailure?: DependencyFailure | undefined
  key?: JobKey | undefined
  maxMemoryMb?: number | null | undefined
}

/**
 * A job as an import recreates it: every column as it was, with its edges
 * already decided (settled or not). The status is the one to insert: a job
 * that was running arrives requeued (see export-import.ts).
 */
export interface JobImport {
  id: string
  kind: string
  name: string
  paramsJson: string
  priority: Priority
  status: Exclude<JobStatus, 'running'>
  progress: number
  progressMessage: string | null
  attempts: number
  maxAttempts: number
  timeoutMs: number | null
  backoffBaseMs: number
  backoffCapMs: number
  runAfter: number
  createdAt: number
  startedAt: number | null
  finishedAt: number | null
  resultJson: string | null
  summary: string | null
  error: JobError | null
  lane: string
  slots: number
  onDependencyFailure: DependencyFailure
  key: string | null
  maxMemoryMb: number | null
  cpuMs: number | null
  peakRssBytes: number | null
  after: readonly { id: string; settled: boolean }[]
  /** A parent it still waits for has already failed or been cancelled, and its policy is to fail too: why. */
  failedBy?: string | undefined
}

/** A stored job whole, as an export writes it. */
export interface ExportedJob {
  job: Job
  backoffBaseMs: number
  backoffCapMs: number
  after: { id: string; settled: boolean }[]
}

/** A job's key and what a second add with it does (see KEY_MODES). */
export interface JobKey {
  value: string
  mode: KeyMode
  debounceMs?: number | undefined
  maxWaitMs?: number | undefined
}

/** A claimed job as the scheduler needs it: the public shape plus its attempt number. */
export interface ClaimedJob {
  job: Job
  attempt: number
}

/**
 * What may be claimed now, in slots. A lane in `laneRoom` has that many
 * slots left; one not there is limited only by `room`. Claiming uses the
 * room up. A job wider than the room left stops the claim, so that smaller
 * jobs behind it cannot keep it waiting for ever; one wider than its lane's
 * room closes the lane for this claim (its jobs start in order too).
 */
export interface ClaimRoom {
  room: number
  laneRoom: Map<string, number>
  /** Lanes nothing may start in (paused, or full). */
  closedLanes: Set<string>
  exceptKinds: readonly string[]
  /** A job asking for more slots than this in its lane (the global or the lane's limit, lowered since) takes this many. */
  widest: (lane: string) => number
  /** Only jobs of one slot: those sent ahead to wait behind a running job. */
  singleSlot?: boolean
  /** Kinds whose jobs are I/O-bound; every other kind is CPU-bound. */
  ioKinds?: readonly string[]
  /** Slots CPU-bound jobs may still take, within `room`; absent: no limit of their own. */
  cpuRoom?: number
  /** Only jobs of this bound (those sent ahead behind a job of the same, so a worker's inbox is all one or the other). */
  bound?: KindBound
}

/** A worker began a job: its attempt now counts, even across a crash. */
export interface StartUpdate {
  id: string
  attempt: number
  at: number
  workerPid?: number | undefined
}

/** How an attempt began, for the outcome writes that also record its start (when both come in one turn). */
export interface AttemptStart {
  startedAt: number | null
  /** False when the start was never written, so the attempt's row is written whole, without first looking for it. */
  written?: boolean | undefined
  workerPid?: number | undefined
  usage?: AttemptUsage | undefined
}

/** What an attempt took, as far as it is known. */
export interface AttemptUsage {
  cpuMs: number | null
  peakRssBytes: number | null
}

type AttemptOutcome = Exclude<Attempt['outcome'], 'running'>

interface AttemptRow {
  seq: number
  attempt: number
  started_at: number
  finished_at: number | null
  outcome: Attempt['outcome']
  error_code: string | null
  error_message: string | null
  exit_code: number | null
  signal: string | null
  worker_pid: number | null
  cpu_ms: number | null
  peak_rss_bytes: number | null
}

/** Exit code and signal, where an error's detail carries them (a shell command, a crashed worker). */
function processEnd(error: JobError | undefined): { exitCode: number | null; signal: string | null } {
  const detail = error?.detail as { exitCode?: unknown; signal?: unknown } | undefined
  return {
    exitCode: typeof detail?.exitCode === 'number' && Number.isInteger(detail.exitCode) ? detail.exitCode : null,
    signal: typeof detail?.signal === 'string' ? detail.signal : null,
  }
}

export interface ProgressUpdate {
  id: string
  attempt: number
  fraction: number
  message: string | null
}

export interface StoreLimits {
  /** Lines kept per job; older lines are dropped as new ones arrive. */
  logLinesPerJob: number
  /** Characters kept per log line. */
  logLineLength: number
}

export const DEFAULT_STORE_LIMITS: StoreLimits = { logLinesPerJob: 2000, logLineLength: 4000 }

/** Room a recovered database must have: a few hundred jobs' worth, so one write's success is not the last. */
const PROBE_BYTES = 256 * 1024
const PROBE_BUSY_MS = 50

interface JobRow {
  id: string
  kind: string
  name: string
  params: string
  priority: number
  status: JobStatus
  progress: number
  progress_message: string | null
  attempts: number
  max_attempts: number
  timeout_ms: number | null
  run_after: number
  created_at: number
  started_at: number | null
  finished_at: number | null
  result: string | null
  summary: string | null
  error_code: JobError['code'] | null
  error_message: string | null
  error_detail: string | null
  lane: string
  slots: number
  deps_total: number
  deps_waiting: number
  on_dep_failure: DependencyFailure
  key: string | null
  max_memory_mb: number | null
  cpu_ms: number | null
  peak_rss_bytes: number | null
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString())

function toJob(row: JobRow): Job {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    params: JSON.parse(row.params),
    priority: PRIORITY_BY_RANK[row.priority]!,
    status: row.status,
    progress: { fraction: row.progress, message: row.progress_message },
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    timeoutMs: row.timeout_ms,
    createdAt: iso(row.created_at)!,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    runAfter: iso(row.run_after)!,
    result: row.result === null ? null : JSON.parse(row.result),
    summary: row.summary,
    error:
      row.error_code === null
        ? null
        : {
            code: row.error_code,
            message: row.error_message ?? '',
            ...(row.error_detail === null ? {} : { detail: JSON.parse(row.error_detail) }),
          },
    lane: row.lane,
    slots: row.slots,
    dependsOn: row.deps_total,
    waitingOn: row.deps_waiting,
    onDependencyFailure: row.on_dep_failure,
    key: row.key,
    maxMemoryMb: row.max_memory_mb,
    usage:
      row.cpu_ms === null && row.peak_rss_bytes === null
        ? null
        : { cpuMs: row.cpu_ms ?? 0, peakRssBytes: row.peak_rss_bytes ?? 0, rssBytes: null, cpuPercent: null },
  }
}

/**
 * The due jobs, most urgent first. INDEXED BY because with a million queued
 * rows the planner could otherwise pick jobs_by_status and sort in a temp B-tree.
 * Kinds in their quiet hours and lanes closed for now are passed over as the
 * index is walked; `single` keeps only jobs of one slot and no memory limit
 * of their own (those sent ahead, which share a worker).
 */
const READY_FILTERS = `
    AND (@exceptKinds IS NULL OR kind NOT IN (SELECT value FROM json_each(@exceptKinds)))
    AND (@exceptLanes IS NULL OR lane NOT IN (SELECT value FROM json_each(@exceptLanes)))
    AND (@single = 0 OR (slots = 1 AND max_memory_mb IS NULL))
  ORDER BY priority DESC, run_after, id LIMIT @limit`

export const READY_JOBS_SQL = `
  SELECT * FROM jobs INDEXED BY jobs_ready WHERE status = 'queued' AND run_after <= @now${READY_FILTERS}`

/**
 * The due jobs of some kinds only (the I/O-bound ones, once no CPU-bound job
 * fits), from the index by kind: walking jobs_ready past every queued
 * CPU-bound job took milliseconds a claim with ten thousand of them queued.
 */
export const READY_JOBS_OF_KINDS_SQL = `
  SELECT * FROM jobs INDEXED BY jobs_queued_by_kind
  WHERE status = 'queued' AND kind IN (SELECT value FROM json_each(@onlyKinds)) AND run_after <= @now${READY_FILTERS}`

/** What the `insert` statement writes; the columns it leaves out take their defaults. */
interface InsertValues {
  id: string
  kind: string
  name: string
  params: string
  priority: number
  status: JobStatus
  maxAttempts: number
  timeoutMs: number | null
  backoffBaseMs: number
  backoffCapMs: number
  runAfter: number
  createdAt: number
  lane: string
  slots: number
  depsTotal: number
  depsWaiting: number
  onDepFailure: DependencyFailure
  key: string | null
  maxMemoryMb: number | null
}

/** The row the `insert` statement makes, with the schema's defaults for the rest: the two change together. */
function asInserted(v: InsertValues): JobRow {
  return {
    id: v.id,
    kind: v.kind,
    name: v.name,
    params: v.params,
    priority: v.priority,
    status: v.status,
    progress: 0,
    progress_message: null,
    attempts: 0,
    max_attempts: v.maxAttempts,
    timeout_ms: v.timeoutMs,
    run_after: v.runAfter,
    created_at: v.createdAt,
    started_at: null,
    finished_at: null,
    result: null,
    summary: null,
    error_code: null,
    error_message: null,
    error_detail: null,
    lane: v.lane,
    slots: v.slots,
    deps_total: v.depsTotal,
    deps_waiting: v.depsWaiting,
    on_dep_failure: v.onDepFailure,
    key: v.key,
    max_memory_mb: v.maxMemoryMb,
    cpu_ms: null,
    peak_rss_bytes: null,
  }
}

/** A queued row as the `start` statement leaves it (updated_at aside, which a Job does not carry): the two change together. */
function asClaimed(row: JobRow): JobRow {
  return {
    ...row,
    status: 'running',
    attempts: row.attempts + 1,
    started_at: null,
    progress: 0,
    progress_message: null,
    finished_at: null,
    cpu_ms: null,
    peak_rss_bytes: null,
  }
}

/**
 * What the succeed statement makes of a job claimed for this attempt, next
 * to it (the test holds it equal to the row): of the claim, only the start
 * and the progress message can change while it runs.
 */
function asSucceeded(
  claimed: Job,
  changed: Pick<JobRow, 'started_at' | 'progress_message'>,
  args: { result: string; summary: string | null; now: number } & AttemptUsage,
): Job {
  return {
    ...claimed,
    status: 'succeeded',
    progress: { fraction: 1, message: changed.progress_message },
    startedAt: iso(changed.started_at),
    finishedAt: iso(args.now),
    result: JSON.parse(args.result) as unknown,
    summary: args.summary,
    error: null,
    usage:
      args.cpuMs === null && args.peakRssBytes === null
        ? null
        : { cpuMs: args.cpuMs ?? 0, peakRssBytes: args.peakRssBytes ?? 0, rssBytes: null, cpuPercent: null },
  }
}

const NO_PARENTS: readonly string[] = []

/** Room for any number of jobs, of any width, in any lane. */
export const openRoom = (): ClaimRoom => ({ room: Infinity, laneRoom: new Map(), closedLanes: new Set(), exceptKinds: [], widest: () => Infinity })

interface ReadyQuery {
  now: number
  limit: number
  exceptKinds: string | null
  exceptLanes: string | null
  single: 0 | 1
}

export type JobSort = 'newest' | 'oldest'

const statusesOf = (filter: JobFilter): JobStatus[] => [...new Set([filter.status ?? []].flat())]

function whereClause(filter: JobFilter): { where: string[]; args: (string | number)[] } {
  const where: string[] = []
  const args: (string | number)[] = []
  const statuses = statusesOf(filter)
  if (statuses.length > 0) {
    where.push(`status IN (${statuses.map(() => '?').join(', ')})`)
    args.push(...statuses)
  }
  if (filter.kind) {
    where.push('kind = ?')
    args.push(filter.kind)
  }
  if (filter.lane) {
    where.push('lane = ?')
    args.push(filter.lane)
  }
  if (filter.q) {
    where.push("name LIKE ? ESCAPE '\\'")
    args.push(namePattern(filter.q))
  }
  return { where, args }
}

const namePattern = (q: string): string => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * The next candidates for a filter, in id order, through the index that
 * narrows them most: one range per status (merged), else the kind's, else
 * the primary key. What the index does not decide comes back as `hit`. A
 * window reads at most `limit` rows per status however few of them match,
 * so none blocks for long.
 */
function filterWindow(filter: JobFilter): { sql: string; params: Record<string, string> } {
  const statuses = statusesOf(filter)
  const params: Record<string, string> = {}
  const tests: string[] = []
  if (filter.kind) params.kind = filter.kind
  if (filter.kind && statuses.length > 0) tests.push('kind = @kind')
  if (filter.lane) {
    tests.push('lane = @lane')
    params.lane = filter.lane
  }
  if (filter.q) {
    tests.push("name LIKE @q ESCAPE '\\'")
    params.q = namePattern(filter.q)
  }
  const hit = tests.length > 0 ? tests.join(' AND ') : '1'
  const range = (lead: string): string => `SELECT id, ${hit} AS hit FROM jobs WHERE ${lead}id > @after AND id <= @through ORDER BY id LIMIT @limit`
  if (statuses.length === 0) return { sql: range(filter.kind ? 'kind = @kind AND ' : ''), params }
  statuses.forEach((status, i) => (params[`s${i}`] = status))
  const parts = statuses.map((_, i) => `SELECT * FROM (${range(`status = @s${i} AND `)})`)
  return { sql: `${parts.join(' UNION ALL ')} ORDER BY id LIMIT @limit`, params }
}

interface FailAttemptArgs {
  id: string
  attempt: number
  code: string
  message: string
  detail: string | null
  retryable: 0 | 1
  now: number
  jitter: number
  startedAt: number | null
  cpuMs: number | null
  peakRssBytes: number | null
}

const usageOf = (usage: AttemptUsage | undefined): AttemptUsage => ({ cpuMs: usage?.cpuMs ?? null, peakRssBytes: usage?.peakRssBytes ?? null })

const detailJson = (error: JobError): string | null => (error.detail === undefined ? null : JSON.stringify(error.detail))

/** What one transaction (or savepoint) changed that lives outside SQL until it commits, or is written at its end. */
interface Frame {
  moves: KindCounts
  endings: Ending[]
  /** Jobs that moved because one they depend on ended (or was retried), or that a new job with their key changed. */
  followed: Job[]
}

/** How a try ended, as the attempt statements take it. */
interface AttemptEnd {
  id: string
  attempt: number
  now: number
  outcome: string
  code: string | null
  message: string | null
  exitCode: number | null
  signal: string | null
  cpuMs: number | null
  peakRssBytes: number | null
}

/**
 * Every read and write of the jobs database. Each state change is one
 * statement (or one transaction) that names the status it leaves, so a late
 * message from a worker can never move a job that has already moved on:
 * the guard fails and the caller gets `undefined`.
 */
export class JobStore {
  readonly limits: StoreLimits
  private readonly stmt
  /** One wrapper for every write: better-sqlite3 builds a transaction function with four variants each time it is asked for one. */
  private readonly inTransaction: (fn: () => unknown) => unknown
  private readonly history: JobHistory
  private readonly committedCounts: StatusCounts
  /** By kind as well; counted the first time anyone asks (a scan of the table), then kept in step like committedCounts. */
  private committedKindCounts: KindCounts | undefined
  private readonly frames: Frame[] = []
  private readonly graph: DependencyGraph<JobRow>
  /** Committed moves of dependents, until the scheduler takes them (takeFollowed). */
  private followed: Job[] = []
  private readonly troubleListeners = new Set<(error: StorageError) => void>()

  constructor(
    private readonly db: Database.Database,
    limits: Partial<StoreLimits> = {},
  ) {
    this.limits = { ...DEFAULT_STORE_LIMITS, ...limits }
    this.graph = new DependencyGraph<JobRow>(db)
    this.inTransaction = db.transaction((fn: () => unknown) => fn())
    this.stmt = {
      insert: db.prepare<[InsertValues]>(`
        INSERT INTO jobs (id, kind, name, params, priority, status, max_attempts, timeout_ms,
                          backoff_base_ms, backoff_cap_ms, run_after, created_at, updated_at, lane, slots,
                          deps_total, deps_waiting, on_dep_failure, key, max_memory_mb)
        VALUES (@id, @kind, @name, @params, @priority, @status, @maxAttempts, @timeoutMs,
                @backoffBaseMs, @backoffCapMs, @runAfter, @createdAt, @createdAt, @lane, @slots,
                @depsTotal, @depsWaiting, @onDepFailure, @key, @maxMemoryMb)`),
      // The pending job with the key, else the running one: a replace or debounce can only change one that has not begun.
      keyed: db.prepare<[string], JobRow>(`
        SELECT * FROM jobs INDEXED BY jobs_by_key
        WHERE key = ? AND status IN ('held', 'waiting', 'scheduled', 'queued', 'running')
        ORDER BY status = 'running', created_at DESC LIMIT 1`),
      rekey: db.prepare<[{ id: string; params: string; name: string; runAfter: number | null; now: number }], JobRow>(`
        UPDATE jobs SET params = @params, name = @name, updated_at = @now,
                        run_after = coalesce(@runAfter, run_after),
                        status = CASE WHEN @runAfter IS NOT NULL AND status IN ('scheduled', 'queued')
                                      THEN iif(@runAfter > @now, 'scheduled', 'queued') ELSE status END
        WHERE id = @id AND status IN ('held', 'waiting', 'scheduled', 'queued')
        RETURNING *`),
      get: db.prepare<[string], JobRow>(`SELECT * FROM jobs WHERE id = ?`),
      // An import keeps every column; a job whose id is stored already is left as it is (and counted skipped).
      importWhole: db.prepare(`
        INSERT INTO jobs (id, kind, name, params, priority, status, progress, progress_message, attempts, max_attempts, timeout_ms,
                          backoff_base_ms, backoff_cap_ms, run_after, created_at, started_at, finished_at, updated_at, result,
                          error_code, error_message, error_detail, summary, lane, slots, deps_total, deps_waiting, on_dep_failure,
                          key, max_memory_mb, cpu_ms, peak_rss_bytes)
        VALUES (@id, @kind, @name, @params, @priority, @status, @progress, @progressMessage, @attempts, @maxAttempts, @timeoutMs,
                @backoffBaseMs, @backoffCapMs, @runAfter, @createdAt, @startedAt, @finishedAt, @now, @result,
                @errorCode, @errorMessage, @errorDetail, @summary, @lane, @slots, @depsTotal, @depsWaiting, @onDepFailure,
                @key, @maxMemoryMb, @cpuMs, @peakRssBytes)
        ON CONFLICT (id) DO NOTHING`),
      // Keyset paging by id, so an export of a million jobs never holds more than a page.
      exportPage: db.prepare<[string, number], JobRow & { backoff_base_ms: number; backoff_cap_ms: number }>(
        `SELECT * FROM jobs WHERE id > ? ORDER BY id LIMIT ?`,
      ),
      edgesOf: db.prepare<[string], { parent_id: string; settled: 0 | 1 }>(`SELECT parent_id, settled FROM job_deps WHERE job_id = ? ORDER BY parent_id`),
      ready: db.prepare<[ReadyQuery], JobRow>(READY_JOBS_SQL),
      readyOfKinds: db.prepare<[ReadyQuery & { onlyKinds: string }], JobRow>(READY_JOBS_OF_KINDS_SQL),
      // Claimed is not yet started: started_at stays empty until the worker says it began (markStarted).
      // No RETURNING (a tenth of a claim's cost): claim has the row from the ready query and makes the change itself (asClaimed).
      start: db.prepare<[{ id: string; now: number }]>(`
        UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = NULL, updated_at = @now,
                        progress = 0, progress_message = NULL, finished_at = NULL, cpu_ms = NULL, peak_rss_bytes = NULL
        WHERE id = @id AND status = 'queued'`),
      started: db.prepare<[{ id: string; attempt: number; at: number }], JobRow>(`
        UPDATE jobs SET started_at = @at, updated_at = @at
        WHERE id = @id AND attempts = @attempt AND status = 'running' AND started_at IS NULL
        RETURNING *`),
      nextDueAt: db.prepare<[], { at: number | null }>(`SELECT min(run_after) AS at FROM jobs WHERE status = 'scheduled'`),
      // A select then updates by id, as in claim(): the index hands out the due rows in order.
      due: db
        .prepare<[{ now: number; limit: number }], string>(
          `
        SELECT id FROM jobs INDEXED BY jobs_scheduled WHERE status = 'scheduled' AND run_after <= @now ORDER BY run_after LIMIT @limit`,
        )
        .pluck(),
      promote: db.prepare<[{ id: string; now: number }], JobRow>(`
        UPDATE jobs SET status = 'queued', updated_at = @now WHERE id = @id AND status = 'scheduled' RETURNING *`),
      runNow: db.prepare<[{ id: string; now: number }], JobRow>(`
        UPDATE jobs SET status = 'queued', run_after = @now, updated_at = @now WHERE id = @id AND status = 'scheduled' RETURNING *`),
      // The job's figures become its last attempt's, in the same statement: this runs for every job that ends.
      succeed: db.prepare<
        [{ id: string; attempt: number; result: string; summary: string | null; now: number; startedAt: number | null } & AttemptUsage],
        JobRow
      >(`
        UPDATE jobs SET status = 'succeeded', result = @result, summary = @summary, progress = 1, finished_at = @now, updated_at = @now,
                        started_at = coalesce(started_at, @startedAt), cpu_ms = @cpuMs, peak_rss_bytes = @peakRssBytes,
                        error_code = NULL, error_message = NULL, error_detail = NULL
        WHERE id = @id AND attempts = @attempt AND status = 'running'
        RETURNING *`),
      // The same, answering only what may have changed while it ran: the caller has the rest from its claim (asSucceeded).
      succeedClaimed: db.prepare<
        [{ id: string; attempt: number; result: string; summary: string | null; now: number; startedAt: number | null } & AttemptUsage],
        Pick<JobRow, 'started_at' | 'progress_message'>
      >(`
        UPDATE jobs SET status = 'succeeded', result = @result, summary = @summary, progress = 1, finished_at = @now, updated_at = @now,
                        started_at = coalesce(started_at, @startedAt), cpu_ms = @cpuMs, peak_rss_bytes = @peakRssBytes,
                        error_code = NULL, error_message = NULL, error_detail = NULL
        WHERE id = @id AND attempts = @attempt AND status = 'running'
        RETURNING started_at, progress_message`),
      // Full-jitter backoff: a random point in [0, min(cap, base * 2^(attempt-1))).
      failAttempt: db.prepare<[FailAttemptArgs], JobRow>(`
        UPDATE jobs SET
          status      = CASE WHEN @retryable AND attempts < max_attempts THEN 'scheduled' ELSE 'failed' END,
          run_after   = CASE WHEN @retryable AND attempts < max_attempts
                             THEN @now + CAST(@jitter * min(backoff_cap_ms, backoff_base_ms << min(attempts - 1, 30)) AS INTEGER)
                             ELSE run_after END,
          finished_at = CASE WHEN @retryable AND attempts < max_attempts THEN NULL ELSE @now END,
          started_at  = coalesce(started_at, @startedAt), cpu_ms = @cpuMs, peak_rss_bytes = @peakRssBytes,
          error_code = @code, error_message = @message, error_detail = @detail, updated_at = @now
        WHERE id = @id AND attempts = @attempt AND status = 'running'
        RETURNING *`),
      statusOf: db.prepare<[string], { status: JobStatus }>(`SELECT status FROM jobs WHERE id = ?`),
      stateOf: db.prepare<[string], { status: JobStatus; kind: string }>(`SELECT status, kind FROM jobs WHERE id = ?`),
      nameOf: db.prepare<[string], string>(`SELECT name FROM jobs WHERE id = ?`).pluck(),
      lastId: db.prepare<[], string | null>(`SELECT max(id) FROM jobs`).pluck(),
      remove: db.prepare<[string]>(`DELETE FROM jobs WHERE id = ? AND status <> 'running'`),
      // Walks jobs_by_status in id (creation) order, so the oldest come first and a batch stops early.
      expiring: db.prepare<[JobStatus, number, number], { id: string; kind: string }>(`
        SELECT id, kind FROM jobs INDEXED BY jobs_by_status WHERE status = ? AND finished_at < ? ORDER BY id LIMIT ?`),
      oldest: db.prepare<[JobStatus, number], { id: string; kind: string }>(`
        SELECT id, kind FROM jobs INDEXED BY jobs_by_status WHERE status = ? ORDER BY id LIMIT ?`),
      setPriority: db.prepare<[{ id: string; priority: number; now: number }], JobRow>(`
        UPDATE jobs SET priority = @priority, updated_at = @now WHERE id = @id AND status IN ('held', 'waiting', 'scheduled', 'queued') RETURNING *`),
      cancel: db.prepare<[{ id: string; now: number }], JobRow>(`
        UPDATE jobs SET status = 'cancelled', finished_at = @now, updated_at = @now,
                        error_code = 'cancelled', error_message = 'Cancelled by the user', error_detail = NULL
        WHERE id = @id AND status IN ('held', 'waiting', 'scheduled', 'queued', 'running')
        RETURNING *`),
      // Its time, if it has one still to come, it waits for as scheduled.
      release: db.prepare<[{ id: string; now: number }], JobRow>(`
        UPDATE jobs SET status = CASE WHEN deps_waiting > 0 THEN 'waiting' WHEN run_after > @now THEN 'scheduled' ELSE 'queued' END, updated_at = @now
        WHERE id = @id AND status = 'held'
        RETURNING *`),
      retry: db.prepare<[{ id: string; now: number }], JobRow>(`
        UPDATE jobs SET status = 'queued', attempts = 0, run_after = @now, updated_at = @now, progress = 0,
                        progress_message = NULL, started_at = NULL, finished_at = NULL, result = NULL, summary = NULL,
                        cpu_ms = NULL, peak_rss_bytes = NULL, error_code = NULL, error_message = NULL, error_detail = NULL
        WHERE id = @id AND status IN ('failed', 'cancelled')
        RETURNING *`),
      progress: db.prepare<[{ fraction: number; message: string | null; now: number; id: string; attempt: number }], JobRow>(`
        UPDATE jobs SET progress = @fraction, progress_message = @message, updated_at = @now
        WHERE id = @id AND attempts = @attempt AND status = 'running'
        RETURNING *`),
      running: db.prepare<[], { id: string; started: 0 | 1 }>(`SELECT id, started_at IS NOT NULL AS started FROM jobs WHERE status = 'running'`),
      requeueNeverStarted: db.prepare<[{ id: string; now: number }], JobRow>(`
        UPDATE jobs SET status = 'queued', attempts = attempts - 1, updated_at = @now, progress = 0, progress_message = NULL
        WHERE id = @id AND status = 'running' AND started_at IS NULL
        RETURNING *`),
      requeueInterrupted: db.prepare<[{ id: string; now: number }], JobRow>(`
        UPDATE jobs SET
          status      = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END,
          finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE @now END,
          run_after = @now, updated_at = @now,
          error_code = 'interrupted', error_message = 'Offload stopped while this job was running', error_detail = NULL
        WHERE id = @id AND status = 'running'
        RETURNING *`),
      // Claimed when due, a job handed back keeps its run_after, and so its place among the jobs of its priority.
      requeueUnfinished: db.prepare<[{ id: string; attempt: number; now: number }], JobRow>(`
        UPDATE jobs SET status = 'queued', attempts = attempts - 1, updated_at = @now,
                        progress = 0, progress_message = NULL, started_at = NULL
        WHERE id = @id AND attempts = @attempt AND status = 'running'
        RETURNING *`),
      bumpLogSeq: db.prepare<[number, string], { log_seq: number }>(`
        UPDATE jobs SET log_seq = log_seq + ? WHERE id = ? RETURNING log_seq`),
      insertLog: db.prepare<[string, number, number, string]>(`INSERT INTO job_logs (job_id, seq, at, line) VALUES (?, ?, ?, ?)`),
      trimLogs: db.prepare<[string, number]>(`DELETE FROM job_logs WHERE job_id = ? AND seq <= ?`),
      logs: db.prepare<[string, number, number], { seq: number; at: number; line: string }>(`
        SELECT seq, at, line FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?`),
      counts: db.prepare<[], { status: JobStatus; n: number }>(`SELECT status, count(*) AS n FROM jobs GROUP BY status`),
      kindCounts: db.prepare<[], { kind: string; status: JobStatus; n: number }>(`SELECT kind, status, count(*) AS n FROM jobs GROUP BY kind, status`),
      getSetting: db.prepare<[string], { value: string }>(`SELECT value FROM settings WHERE key = ?`),
      attemptBegin: db.prepare<[{ id: string; attempt: number; at: number; pid: number | null }]>(`
        INSERT INTO job_attempts (job_id, seq, attempt, started_at, outcome, worker_pid)
        VALUES (@id, (SELECT coalesce(max(seq), 0) + 1 FROM job_attempts WHERE job_id = @id), @attempt, @at, 'running', @pid)`),
      attemptEnd: db.prepare<[AttemptEnd]>(`
        UPDATE job_attempts SET finished_at = @now, outcome = @outcome, error_code = @code, error_message = @message,
                                exit_code = @exitCode, signal = @signal, cpu_ms = @cpuMs, peak_rss_bytes = @peakRssBytes
        WHERE job_id = @id AND attempt = @attempt AND outcome = 'running'
          AND seq = (SELECT max(seq) FROM job_attempts WHERE job_id = @id)`),
      attemptWhole: db.prepare<[AttemptEnd & { at: number; pid: number | null }]>(`
        INSERT INTO job_attempts (job_id, seq, attempt, started_at, finished_at, outcome, error_code, error_message, exit_code, signal, worker_pid,
                                  cpu_ms, peak_rss_bytes)
        VALUES (@id, (SELECT coalesce(max(seq), 0) + 1 FROM job_attempts WHERE job_id = @id), @attempt, @at, @now, @outcome, @code, @message,
                @exitCode, @signal, @pid, @cpuMs, @peakRssBytes)`),
      attempts: db.prepare<[string], AttemptRow>(`SELECT * FROM job_attempts WHERE job_id = ? ORDER BY seq`),
      probeFill: db.prepare<[number]>(`INSERT OR REPLACE INTO storage_probe (id, at, room) VALUES (1, ?, zeroblob(${PROBE_BYTES}))`),
      probeClear: db.prepare<[]>(`DELETE FROM storage_probe`),
      setSetting: db.prepare<[string, string]>(`
        INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
    }
    this.history = new JobHistory(db)
    // Counted once at open (a scan of the jobs_by_status index), then kept in step by every write.
    this.committedCounts = noJobs()
    for (const { status, n } of this.stmt.counts.all()) this.committedCounts[status] = n
  }

  /** Hears of every failure of the database itself (full, read-only, damaged), whoever's call met it. */
  onStorageTrouble(listener: (error: StorageError) => void): () => void {
    this.troubleListeners.add(listener)
    return () => this.troubleListeners.delete(listener)
  }

  /**
   * New jobs in one transaction: queued, scheduled when due later, held when
   * asked, waiting while jobs they depend on have yet to succeed. A job that
   * depends on one already failed or cancelled fails at once (or goes on, or
   * waits for its retry, as its policy says). Parents in the same call come
   * before their children. An unknown parent rejects the whole call.
   *
   * A job whose key names one pending or running is taken in by that job
   * instead (see KEY_MODES); the answer maps each such job's id to the id of
   * the job that took it in, and a later job of the call that depends on it
   * depends on that one.
   */
  insert(jobs: readonly JobInsert[], now = 0): ReadonlyMap<string, string> {
    return this.insertRows(jobs, now)
  }

  /**
   * Inserts one job and gives it back as stored: made from what was written
   * (reading it back was a sixth of an add), unless a key or a parent had a
   * say in it, when it is read back.
   */
  insertOne(job: JobInsert, now = 0): Job {
    let written: JobRow | undefined
    const absorbed = this.insertRows([job], now, (row) => (written = row))
    if (written) return toJob(written)
    return this.get(absorbed.get(job.id) ?? job.id)!
  }

  private insertRows(jobs: readonly JobInsert[], now: number, inserted?: (row: JobRow) => void): ReadonlyMap<string, string> {
    const absorbed = new Map<string, string>()
    this.write(() => {
      for (const job of jobs) {
        const taker = job.key && this.absorb(job, job.key)
        if (taker) {
          absorbed.set(job.id, taker)
          continue
        }
        const debounce = job.key?.mode === 'debounce' ? Math.min(job.key.debounceMs ?? 0, job.key.maxWaitMs ?? Infinity) : 0
        const runAfter = Math.max(job.runAfter ?? job.createdAt, job.createdAt + debounce)
        const policy = job.onDependencyFailure ?? 'fail'
        const parents = (job.after ?? NO_PARENTS).map((given, i) => {
          const id = absorbed.get(given) ?? given
          const status = this.stmt.stateOf.get(id)?.status
          if (status === undefined) {
            const message = `No job with id ${id}`
            throw new ApiError('invalid_input', `after.${i}: ${message}`, [{ path: `after.${i}`, message }])
          }
          const ended = status === 'failed' || status === 'cancelled'
          return { id, ended, settled: status === 'succeeded' || (ended && policy === 'run') }
        })
        const waiting = parents.filter((p) => !p.settled).length
        const status = waiting > 0 || job.hold ? (job.hold ? 'held' : 'waiting') : runAfter > job.createdAt ? 'scheduled' : 'queued'
        this.moved(job.kind, undefined, status)
        const values: InsertValues = {
          status,
          runAfter,
          id: job.id,
          kind: job.kind,
          name: job.name,
          params: job.paramsJson,
          priority: PRIORITY_RANK[job.priority],
          maxAttempts: job.maxAttempts,
          timeoutMs: job.timeoutMs,
          backoffBaseMs: job.backoffBaseMs,
          backoffCapMs: job.backoffCapMs,
          createdAt: job.createdAt,
          lane: job.lane,
          slots: job.slots,
          depsTotal: parents.length,
          depsWaiting: waiting,
          onDepFailure: policy,
          key: job.key?.value ?? null,
          maxMemoryMb: job.maxMemoryMb ?? null,
        }
        this.stmt.insert.run(values)
        if (parents.length === 0) {
          inserted?.(asInserted(values))
          continue
        }
        for (const p of parents) this.graph.addEdge(job.id, p.id, p.settled)
        const failedParent = policy === 'fail' && parents.find((p) => p.ended)
        if (failedParent) {
          const name = this.stmt.nameOf.get(failedParent.id) ?? failedParent.id
          this.follow(
            this.graph.failNew(
              job.id,
              `“${name}”, a job it depends on, had already ${this.stmt.stateOf.get(failedParent.id)!.status}`,
              now || job.createdAt,
              job.hold ? 'held' : 'waiting',
            ),
          )
        }
      }
    })
    return absorbed
  }

  /**
   * The job already under this key that takes the new one in, changed as
   * the key's mode says, or undefined when the new job is to be inserted.
   * Inside insert's transaction, so concurrent adds cannot both insert.
   */
  private absorb(job: JobInsert, key: JobKey): string | undefined {
    const found = this.stmt.keyed.get(key.value)
    if (!found) return undefined
    if (key.mode === 'dedupe') return found.id
    if (found.status === 'running') return undefined
    const due = Math.min(job.createdAt + (key.debounceMs ?? 0), found.created_at + (key.maxWaitMs ?? Infinity))
    // Due already (its wait is over): it keeps its place among the queued.
    const runAfter = key.mode !== 'debounce' ? null : due > job.createdAt ? due : Math.min(found.run_after, job.createdAt)
    const row = this.stmt.rekey.get({ id: found.id, params: job.paramsJson, name: job.name, runAfter, now: job.createdAt })!
    this.moved(row.kind, found.status, row.status)
    this.frames.at(-1)!.followed.push(toJob(row))
    return row.id
  }

  /**
   * Imported jobs, inserted as they were, in one transaction (the caller's,
   * if it has one). A job whose id is stored already is skipped. Its edges
   * count what it still waits for; a waiting job that waits for nothing any
   * more goes on, and one whose parent had already failed fails as a new one
   * would.
   */
  importJobs(jobs: readonly JobImport[], now: number): { added: number; skipped: number } {
    return this.write(() => {
      let added = 0
      for (const job of jobs) {
        const waiting = job.after.filter((edge) => !edge.settled).length
        const status = job.status === 'waiting' && waiting === 0 ? (job.runAfter > now ? 'scheduled' : 'queued') : job.status
        const inserted = this.stmt.importWhole.run({
          id: job.id,
          kind: job.kind,
          name: job.name,
          params: job.paramsJson,
          priority: PRIORITY_RANK[job.priority],
          status,
          progress: job.progress,
          progressMessage: job.progressMessage,
          attempts: job.attempts,
          maxAttempts: job.maxAttempts,
          timeoutMs: job.timeoutMs,
          backoffBaseMs: job.backoffBaseMs,
          backoffCapMs: job.backoffCapMs,
          runAfter: job.runAfter,
          createdAt: job.createdAt,
          startedAt: job.startedAt,
          finishedAt: job.finishedAt,
          now,
          result: job.resultJson,
          errorCode: job.error?.code ?? null,
          errorMessage: job.error?.message ?? null,
          errorDetail: job.error ? detailJson(job.error) : null,
          summary: job.summary,
          lane: job.lane,
          slots: job.slots,
          depsTotal: job.after.length,
          depsWaiting: waiting,
          onDepFailure: job.onDependencyFailure,
          key: job.key,
          maxMemoryMb: job.maxMemoryMb,
          cpuMs: job.cpuMs,
          peakRssBytes: job.peakRssBytes,
        })
        if (inserted.changes === 0) continue
        added++
        this.moved(job.kind, undefined, status)
        for (const edge of job.after) this.graph.addEdge(job.id, edge.id, edge.settled)
        if (job.failedBy !== undefined && status === 'waiting') this.follow(this.graph.failNew(job.id, job.failedBy, now, 'waiting'))
      }
      return { added, skipped: jobs.length - added }
    })
  }

  /** Up to `limit` stored jobs after `after` in id order, whole, with their edges; for an export. */
  exportPage(after: string, limit: number): ExportedJob[] {
    return this.read(() =>
      this.stmt.exportPage.all(after, limit).map((row) => ({
        job: toJob(row),
        backoffBaseMs: row.backoff_base_ms,
        backoffCapMs: row.backoff_cap_ms,
        after: this.stmt.edgesOf.all(row.id).map((edge) => ({ id: edge.parent_id, settled: edge.settled === 1 })),
      })),
    )
  }

  /** What jobs depend on this one, and which it depends on (up to `limit` of each). */
  dependencies(id: string, limit: number): { parents: Job[]; children: Job[] } {
    return this.read(() => ({ parents: this.graph.parents(id, limit).map(toJob), children: this.graph.children(id, limit).map(toJob) }))
  }

  /** Jobs moved since the last call because one they depend on ended or was retried, or a new job with their key changed them, in commit order. */
  takeFollowed(): Job[] {
    const jobs = this.followed
    this.followed = []
    return jobs
  }

  private follow(moves: readonly GraphMove<JobRow>[]): void {
    const frame = this.frames.at(-1)!
    for (const { row, was } of moves) {
      this.moved(row.kind, was, row.status)
      if (row.status === 'failed') this.ended(row, 'failed', row.finished_at ?? 0, false)
      frame.followed.push(toJob(row))
    }
  }

  get(id: string): Job | undefined {
    return this.read(() => {
      const row = this.stmt.get.get(id)
      return row && toJob(row)
    })
  }

  /** A page of jobs, newest (or oldest) first; ids sort by creation time. */
  list(query: JobFilter & { sort: JobSort; limit: number; cursor?: string | undefined; offset?: number | undefined }): Job[] {
    const { where, args } = whereClause(query)
    if (query.cursor) {
      where.push(query.sort === 'newest' ? 'id < ?' : 'id > ?')
      args.push(query.cursor)
    }
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id ${query.sort === 'newest' ? 'DESC' : 'ASC'} LIMIT ? OFFSET ?`
    return this.read(() =>
      this.db
        .prepare<(string | number)[], JobRow>(sql)
        .all(...args, query.limit, query.offset ?? 0)
        .map(toJob),
    )
  }

  /** How many jobs match: from the running counts when only the status is given, else by a scan. */
  count(filter: JobFilter): number {
    if (!filter.kind && !filter.q) {
      const statuses = statusesOf(filter)
      const counted: readonly JobStatus[] = statuses.length > 0 ? statuses : JOB_STATUSES
      return counted.reduce((n, status) => n + this.committedCounts[status], 0)
    }
    const { where, args } = whereClause(filter)
    return this.read(() => this.db.prepare<(string | number)[], { n: number }>(`SELECT count(*) AS n FROM jobs WHERE ${where.join(' AND ')}`).get(...args)!.n)
  }

  /** Deletes a job that is not running, with its log. Says which status it had, or undefined if it had none to leave. */
  remove(id: string, now: number): { removed: boolean; was: JobStatus | undefined } {
    return this.write(() => {
      const state = this.stmt.stateOf.get(id)
      if (!state || state.status === 'running') return { removed: false, was: state?.status }
      // Removed before it ran, it will never succeed: what waits for it hears so, as of a cancel.
      const unfinished = state.status !== 'succeeded' && state.status !== 'failed' && state.status !== 'cancelled'
      const name = unfinished ? (this.stmt.nameOf.get(id) ?? id) : ''
      this.stmt.remove.run(id)
      this.moved(state.kind, state.status, undefined)
      if (unfinished) this.follow(this.graph.failed({ id, name }, 'was removed', now))
      return { removed: true, was: state.status }
    })
  }

  /** Up to `limit` jobs with this (finished) status that finished before `before`, oldest first. */
  expiring(status: JobStatus, before: number, limit: number): { id: string; kind: string }[] {
    return this.read(() => this.stmt.expiring.all(status, before, limit))
  }

  /** The `limit` oldest jobs with this status. */
  oldest(status: JobStatus, limit: number): { id: string; kind: string }[] {
    return this.read(() => this.stmt.oldest.all(status, limit))
  }

  /** Removes these jobs of one finished status, with their logs and tries, in one transaction; how many went. */
  removeFinished(status: Exclude<JobStatus, 'running' | 'queued' | 'scheduled' | 'held'>, jobs: readonly { id: string; kind: string }[]): number {
    return this.write(() => {
      let removed = 0
      for (const { id, kind } of jobs) {
        if (this.stmt.remove.run(id).changes === 0) continue
        this.moved(kind, status, undefined)
        removed++
      }
      return removed
    })
  }

  /** After a clean-up: refresh the query planner's statistics and fold the WAL back into the database, without waiting on readers. */
  tidy(): void {
    this.db.pragma('optimize')
    this.db.pragma('wal_checkpoint(PASSIVE)')
  }

  /** Re-prioritizes a job still waiting (queued, or scheduled for later). */
  setPriority(id: string, priority: Priority, now: number): Job | undefined {
    return this.write(() => {
      const row = this.stmt.setPriority.get({ id, priority: PRIORITY_RANK[priority], now })
      return row && toJob(row)
    })
  }

  /**
   * queued → running for up to `limit` due jobs, most urgent first, that fit
   * `room` (which it uses up), in one transaction. (A select then updates by
   * id: several times faster than one UPDATE … WHERE id IN (subquery), which
   * SQLite plans poorly.) A lane that fills up on the way is closed and the
   * index read again past it.
   */
  claim(limit: number, now: number, room: ClaimRoom = openRoom()): ClaimedJob[] {
    if (limit <= 0 || room.room <= 0) return []
    const ioKinds = room.ioKinds ?? []
    const io = new Set(ioKinds)
    // Once a CPU-bound job does not fit, none behind it may pass it: only I/O-bound ones go on.
    let cpuClosed = room.bound === 'io' || (room.cpuRoom !== undefined && room.cpuRoom <= 0)
    return this.write(() => {
      const claimed: ClaimedJob[] = []
      for (;;) {
        if (cpuClosed && ioKinds.length === 0) return claimed
        const closedBefore = room.closedLanes.size
        const cpuClosedBefore = cpuClosed
        const want = limit - claimed.length
        const exceptKinds = room.bound === 'cpu' ? [...room.exceptKinds, ...ioKinds] : room.exceptKinds
        const query: ReadyQuery = {
          now,
          limit: want,
          exceptKinds: exceptKinds.length > 0 ? JSON.stringify(exceptKinds) : null,
          exceptLanes: room.closedLanes.size > 0 ? JSON.stringify([...room.closedLanes]) : null,
          single: room.singleSlot ? 1 : 0,
        }
        const rows = cpuClosed ? this.stmt.readyOfKinds.all({ ...query, onlyKinds: JSON.stringify(ioKinds) }) : this.stmt.ready.all(query)
        for (const ready of rows) {
          if (room.closedLanes.has(ready.lane)) continue
          const slots = Math.min(ready.slots, room.widest(ready.lane))
          const cpu = !io.has(ready.kind)
          if (cpu && (cpuClosed || (room.cpuRoom !== undefined && slots > room.cpuRoom))) {
            cpuClosed = true
            continue
          }
          if (slots > room.room) return claimed
          const inLane = room.laneRoom.get(ready.lane)
          if (inLane !== undefined && slots > inLane) {
            room.closedLanes.add(ready.lane)
            continue
          }
          if (this.stmt.start.run({ id: ready.id, now }).changes === 0) continue
          const row = asClaimed(ready)
          this.moved(row.kind, 'queued', 'running')
          claimed.push({ job: toJob(row), attempt: row.attempts })
          room.room -= slots
          if (cpu && room.cpuRoom !== undefined) room.cpuRoom -= slots
          if (inLane !== undefined) room.laneRoom.set(ready.lane, inLane - slots)
          if (claimed.length === limit || room.room <= 0) return claimed
        }
        // Read again, past the lanes (or the CPU-bound jobs) that filled up on the way, only if there were any and the index may hold more.
        if ((room.closedLanes.size === closedBefore && cpuClosed === cpuClosedBefore) || rows.length < want) return claimed
      }
    })
  }

  /** Claimed jobs that their workers have begun: from now on a crash counts their attempt. */
  markStarted(updates: readonly StartUpdate[]): Job[] {
    if (updates.length === 0) return []
    return this.write(() => {
      const jobs: Job[] = []
      for (const u of updates) {
        const row = this.stmt.started.get({ id: u.id, attempt: u.attempt, at: u.at })
        if (!row) continue
        this.stmt.attemptBegin.run({ id: u.id, attempt: u.attempt, at: u.at, pid: u.workerPid ?? null })
        jobs.push(toJob(row))
      }
      return jobs
    })
  }

  /** When the earliest scheduled job becomes due, or null when none is scheduled. */
  nextDueAt(): number | null {
    return this.read(() => this.stmt.nextDueAt.get()?.at ?? null)
  }

  /** scheduled → queued for up to `limit` jobs whose time has come, the longest due first. */
  promoteDue(now: number, limit: number): Job[] {
    return this.write(() => {
      const jobs: Job[] = []
      for (const id of this.stmt.due.all({ now, limit })) {
        const row = this.stmt.promote.get({ id, now })
        if (!row) continue
        this.moved(row.kind, 'scheduled', 'queued')
        jobs.push(toJob(row))
      }
      return jobs
    })
  }

  /** held → queued (or scheduled, if its time is still to come). */
  markReleased(id: string, now: number): Job | undefined {
    return this.write(() => {
      const row = this.stmt.release.get({ id, now })
      if (row) this.moved(row.kind, 'held', row.status)
      return row && toJob(row)
    })
  }

  /** scheduled → queued and due now ("run now"). */
  markDueNow(id: string, now: number): Job | undefined {
    return this.write(() => {
      const row = this.stmt.runNow.get({ id, now })
      if (row) this.moved(row.kind, 'scheduled', 'queued')
      return row && toJob(row)
    })
  }

  /**
   * running → succeeded, for this attempt only. `start` fills in a start not
   * yet written. Given the job as `claimed` for this attempt, the row is not
   * read back: the job is the claim plus what the ending and the run changed.
   */
  markSucceeded(
    id: string,
    attempt: number,
    result: { json: string; summary?: string | null },
    now: number,
    start: AttemptStart = { startedAt: null },
    claimed?: Job,
  ): Job | undefined {
    return this.write(() => {
      const args = { id, attempt, result: result.json, summary: result.summary ?? null, now, startedAt: start.startedAt, ...usageOf(start.usage) }
      let job: Job
      if (claimed && claimed.attempts === attempt) {
        const changed = this.stmt.succeedClaimed.get(args)
        if (!changed) return undefined
        job = asSucceeded(claimed, changed, args)
        this.ended({ kind: job.kind, started_at: changed.started_at, run_after: Date.parse(job.runAfter) }, 'succeeded', now, true)
      } else {
        const row = this.stmt.succeed.get(args)
        if (!row) return undefined
        job = toJob(row)
        this.ended(row, 'succeeded', now, true)
      }
      this.moved(job.kind, 'running', 'succeeded')
      this.endAttempt(id, attempt, 'succeeded', undefined, now, start)
      this.follow(this.graph.succeeded(id, now))
      return job
    })
  }

  /**
   * running → scheduled (retry after a full-jitter backoff) when `retryable` and
   * attempts remain, else running → failed. `jitter` is a number in [0, 1).
   */
  markAttemptFailed(
    id: string,
    attempt: number,
    error: JobError,
    opts: { retryable: boolean; now: number; jitter: number } & Partial<AttemptStart>,
  ): Job | undefined {
    return this.write(() => {
      const row = this.stmt.failAttempt.get({
        id,
        attempt,
        code: error.code,
        message: error.message,
        detail: detailJson(error),
        retryable: opts.retryable ? 1 : 0,
        now: opts.now,
        jitter: opts.jitter,
        startedAt: opts.startedAt ?? null,
        ...usageOf(opts.usage),
      })
      if (!row) return undefined
      this.moved(row.kind, 'running', row.status)
      if (row.status === 'failed') {
        this.ended(row, 'failed', opts.now, true)
        this.follow(this.graph.failed(row, 'failed', opts.now))
      }
      this.endAttempt(id, attempt, 'failed', error, opts.now, {
        startedAt: opts.startedAt ?? null,
        written: opts.written,
        workerPid: opts.workerPid,
        usage: opts.usage,
      })
      return toJob(row)
    })
  }

  /** scheduled|queued|running → cancelled. Says which status it left, so the caller knows whether to stop a worker. */
  markCancelled(id: string, now: number): { job: Job; was: JobStatus } | { job: undefined; was: JobStatus | undefined } {
    return this.write(() => {
      const was = this.stmt.statusOf.get(id)?.status
      const row = this.stmt.cancel.get({ id, now })
      if (!row) return { job: undefined, was }
      this.moved(row.kind, was, 'cancelled')
      this.ended(row, 'cancelled', now, false)
      this.follow(this.graph.failed(row, 'was cancelled', now))
      if (was === 'running') this.endAttempt(id, row.attempts, 'cancelled', { code: 'cancelled', message: 'Cancelled by the user' }, now)
      return { job: toJob(row), was: was! }
    })
  }

  /** failed|cancelled → queued, with the attempt count reset. */
  markRetried(id: string, now: number): Job | undefined {
    return this.write(() => {
      const was = this.stmt.statusOf.get(id)?.status
      const row = this.stmt.retry.get({ id, now })
      if (!row) return undefined
      this.moved(row.kind, was, 'queued')
      this.follow(this.graph.retried(id, now))
      return toJob(row)
    })
  }

  statusOf(id: string): JobStatus | undefined {
    return this.read(() => this.stmt.statusOf.get(id)?.status)
  }

  /** Latest progress of many running jobs in one transaction; returns the rows that were still running that attempt. */
  saveProgress(updates: readonly ProgressUpdate[], now: number): Job[] {
    if (updates.length === 0) return []
    return this.write(() => {
      const jobs: Job[] = []
      for (const u of updates) {
        const row = this.stmt.progress.get({ fraction: u.fraction, message: u.message, now, id: u.id, attempt: u.attempt })
        if (row) jobs.push(toJob(row))
      }
      return jobs
    })
  }

  /** Appends lines to a job's log, keeping only the newest `logLinesPerJob`. */
  appendLogs(id: string, lines: readonly string[], now: number): void {
    if (lines.length === 0) return
    this.write(() => {
      const bumped = this.stmt.bumpLogSeq.get(lines.length, id)
      if (!bumped) return
      const first = bumped.log_seq - lines.length + 1
      const keepFrom = Math.max(first, bumped.log_seq - this.limits.logLinesPerJob + 1)
      for (let i = keepFrom - first; i < lines.length; i++) {
        this.stmt.insertLog.run(id, first + i, now, lines[i]!.slice(0, this.limits.logLineLength))
      }
      const dropThrough = bumped.log_seq - this.limits.logLinesPerJob
      if (dropThrough > 0) this.stmt.trimLogs.run(id, dropThrough)
    })
  }

  logs(id: string, afterSeq = 0, limit = this.limits.logLinesPerJob): LogLine[] {
    return this.read(() => this.stmt.logs.all(id, afterSeq, limit).map((l) => ({ seq: l.seq, at: iso(l.at)!, line: l.line })))
  }

  /**
   * At start: every job found running was cut off by a crash. One that its
   * worker had begun keeps its attempt counted and goes back to the queue
   * (or fails when none remain) with a log line saying why; one that was
   * only waiting in a worker's inbox goes back as if never claimed.
   */
  requeueInterrupted(now: number): Job[] {
    return this.write(() => {
      const jobs: Job[] = []
      for (const { id, started } of this.stmt.running.all()) {
        const row = started ? this.stmt.requeueInterrupted.get({ id, now }) : this.stmt.requeueNeverStarted.get({ id, now })
        if (!row) continue
        this.moved(row.kind, 'running', row.status)
        // Its end is unknown (Offload was down) and its run_after is overwritten: counted, but not timed.
        if (row.status === 'failed') this.ended(row, 'failed', now, false)
        if (started) {
          this.appendLogs(
            id,
            [`Interrupted: Offload stopped during attempt ${row.attempts}; ${row.status === 'queued' ? 'requeued' : 'no attempts left'}`],
            now,
          )
          this.endAttempt(id, row.attempts, 'interrupted', { code: 'interrupted', message: 'Offload stopped while this attempt ran' }, now)
        }
        jobs.push(toJob(row))
      }
      return jobs
    })
  }

  /** running → queued without counting the attempt: used when Offload itself stops the job (shutdown). */
  requeueUnfinished(id: string, attempt: number, now: number): Job | undefined {
    return this.write(() => {
      const row = this.stmt.requeueUnfinished.get({ id, attempt, now })
      if (!row) return undefined
      this.moved(row.kind, 'running', 'queued')
      // Begun, then stopped by Offload itself (shutdown): the try is recorded, though not counted.
      this.endAttempt(id, attempt, 'interrupted', { code: 'interrupted', message: 'Offload stopped; requeued without counting this try' }, now)
      return toJob(row)
    })
  }

  /** Every try of a job a worker began, in order. */
  attempts(id: string): Attempt[] {
    return this.read(() =>
      this.stmt.attempts.all(id).map((r) => ({
        seq: r.seq,
        attempt: r.attempt,
        startedAt: iso(r.started_at)!,
        finishedAt: iso(r.finished_at),
        outcome: r.outcome,
        error: r.error_code === null ? null : { code: r.error_code, message: r.error_message ?? '' },
        exitCode: r.exit_code,
        signal: r.signal,
        workerPid: r.worker_pid,
        cpuMs: r.cpu_ms,
        peakRssBytes: r.peak_rss_bytes,
      })),
    )
  }

  /**
   * Ends the attempt's row, in the transaction of the job's transition. One
   * whose start was never written (begun and ended within one commit) gets
   * its row now, whole.
   */
  private endAttempt(
    id: string,
    attempt: number,
    outcome: AttemptOutcome,
    error: JobError | undefined,
    now: number,
    start: AttemptStart = { startedAt: null },
  ): void {
    const { exitCode, signal } = processEnd(error)
    const usage = { cpuMs: start.usage?.cpuMs ?? null, peakRssBytes: start.usage?.peakRssBytes ?? null }
    const ended = { id, attempt, now, outcome, code: error?.code ?? null, message: error?.message ?? null, exitCode, signal, ...usage }
    if (start.written !== false && this.stmt.attemptEnd.run(ended).changes > 0) return
    if (start.startedAt === null) return
    this.stmt.attemptWhole.run({ ...ended, at: start.startedAt, pid: start.workerPid ?? null })
  }

  counts(): Record<JobStatus, number> {
    return { ...this.committedCounts }
  }

  /** Jobs by kind and status. Outside any transaction: one under way would be counted twice. */
  kindCounts(): Map<string, StatusCounts> {
    if (!this.committedKindCounts) {
      if (this.frames.length > 0) throw new Error('kindCounts() inside a transaction')
      const counts = new KindCounts()
      for (const { kind, status, n } of this.read(() => this.stmt.kindCounts.all())) counts.add(kind, status, n)
      this.committedKindCounts = counts
    }
    return this.committedKindCounts.snapshot()
  }

  /** What ended in the window, from the kept history (never the jobs table). */
  readHistory(window: HistoryWindow): ReturnType<JobHistory['read']> {
    return this.read(() => this.history.read(window))
  }

  /** The newest job's id: jobs added later sort after it. */
  lastId(): string | null {
    return this.read(() => this.stmt.lastId.get() ?? null)
  }

  nameOf(id: string): string | undefined {
    return this.read(() => this.stmt.nameOf.get(id))
  }

  /**
   * The next window of jobs after `after`, up to `through`, that may match
   * the filter: `ids` the ones that do, `last` where the next window starts
   * (null when this one was the last).
   */
  matchingWindow(filter: JobFilter, after: string, through: string, limit: number): { ids: string[]; last: string | null } {
    const { sql, params } = filterWindow(filter)
    const rows = this.read(() => this.db.prepare<[Record<string, string | number>], { id: string; hit: 0 | 1 }>(sql).all({ ...params, after, through, limit }))
    return { ids: rows.filter((r) => r.hit).map((r) => r.id), last: rows.length < limit ? null : rows.at(-1)!.id }
  }

  getSetting(key: string): string | undefined {
    return this.read(() => this.stmt.getSetting.get(key)?.value)
  }

  setSetting(key: string, value: string): void {
    this.write(() => this.stmt.setSetting.run(key, value))
  }

  /**
   * Whether the database takes writes again after trouble, with room to
   * spare: commits a row of PROBE_BYTES, then removes it (the pages stay in
   * the file, free for the next jobs).
   */
  probe(now: number): void {
    // Against a lock held by another program, a probe that waited out the busy timeout would freeze the engine each time.
    const patience = this.db.pragma('busy_timeout', { simple: true }) as number
    this.db.pragma(`busy_timeout = ${PROBE_BUSY_MS}`)
    try {
      this.write(() => this.stmt.probeFill.run(now))
      this.write(() => this.stmt.probeClear.run())
    } finally {
      this.db.pragma(`busy_timeout = ${patience}`)
    }
  }

  /** Runs several store operations as one transaction. */
  transaction<T>(fn: () => T): T {
    return this.write(fn)
  }

  /**
   * Every write goes through here. Besides the transaction (a savepoint when
   * nested), it tracks how many jobs of each kind moved between statuses,
   * applying the moves to the counts only once the outermost transaction has
   * committed, and collects the jobs that ended, whose history it writes at
   * the end of that transaction; a part that rolls back takes its moves and
   * endings with it. (Counting in SQL, by trigger, cost every status change
   * about half its speed.) A failure of the database itself comes out as a
   * StorageError.
   */
  private write<T>(fn: () => T): T {
    const frame: Frame = { moves: new KindCounts(), endings: [], followed: [] }
    const outermost = this.frames.length === 0
    this.frames.push(frame)
    let result: T
    try {
      result = this.inTransaction(() => {
        const value = fn()
        // Once per transaction, inside it: a hundred jobs ending in one commit make a handful of upserts.
        if (outermost && frame.endings.length > 0) this.history.record(frame.endings)
        return value
      }) as T
    } catch (error) {
      throw this.translate(error)
    } finally {
      this.frames.pop()
    }
    const parent = this.frames.at(-1)
    if (parent) {
      parent.moves.addAll(frame.moves)
      for (const ending of frame.endings) parent.endings.push(ending)
      for (const job of frame.followed) parent.followed.push(job)
      return result
    }
    for (const [, moved] of frame.moves.entries()) for (const status of JOB_STATUSES) this.committedCounts[status] += moved[status]
    this.committedKindCounts?.addAll(frame.moves)
    for (const job of frame.followed) this.followed.push(job)
    return result
  }

  /** Reads by others over the same database (lanes, schedules), with a failure told as the store's own are; no transaction, so no write lock. */
  read<T>(fn: () => T): T {
    try {
      return fn()
    } catch (error) {
      throw this.translate(error)
    }
  }

  /** A database failure becomes a StorageError, told to the listeners once (not again by each enclosing transaction). */
  private translate(error: unknown): unknown {
    const storage = asStorageError(error)
    if (!storage) return error
    if (storage !== error) for (const listener of this.troubleListeners) listener(storage)
    return storage
  }

  private moved(kind: string, from: JobStatus | undefined, to: JobStatus | undefined): void {
    const { moves } = this.frames.at(-1)!
    if (from) moves.add(kind, from, -1)
    if (to) moves.add(kind, to, 1)
  }

  /** A job reached its end, for the history; `timed` when the row's start, end and run_after are its final attempt's own. */
  private ended(row: Pick<JobRow, 'kind' | 'started_at' | 'run_after'>, outcome: Ending['outcome'], now: number, timed: boolean): void {
    const started = timed ? row.started_at : null
    this.frames.at(-1)!.endings.push({
      kind: row.kind,
      at: now,
      outcome,
      runMs: started === null ? null : Math.max(0, now - started),
      waitMs: started === null ? null : Math.max(0, started - row.run_after),
    })
  }
}
