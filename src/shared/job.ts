import { z } from 'zod'
import { ActiveHoursSchema, HoursTimeZoneSchema, KindActiveHoursSchema } from './active-hours'
import {
  DEFAULT_LANE,
  JOB_STATUSES,
  MAX_ATTEMPTS,
  MAX_CONCURRENCY,
  MAX_DEPENDENCIES,
  MAX_IO_OVERCOMMIT,
  MAX_KEEP_DAYS,
  MAX_KEEP_JOBS,
  MAX_MIN_FREE_MEMORY_MB,
  MAX_TIMEOUT_MS,
  PRIORITIES,
  STATS_RANGE_NAMES,
  STATS_RANGES,
  THROUGHPUT_BUCKET_SECONDS,
} from './vocabulary'

export {
  DEFAULT_LANE,
  JOB_STATUSES,
  MAX_ATTEMPTS,
  MAX_CONCURRENCY,
  MAX_DEPENDENCIES,
  MAX_IO_OVERCOMMIT,
  MAX_KEEP_DAYS,
  MAX_KEEP_JOBS,
  MAX_MIN_FREE_MEMORY_MB,
  MAX_TIMEOUT_MS,
  PRIORITIES,
  STATS_RANGE_NAMES,
  STATS_RANGES,
  THROUGHPUT_BUCKET_SECONDS,
}

export const PrioritySchema = z.enum(PRIORITIES)
export type Priority = z.infer<typeof PrioritySchema>

/**
 * In the order of a job's life: `held` waits to be released by hand (made so
 * with `hold`), `waiting` for the jobs it depends on to succeed, `scheduled` waits for its time (a delay, a retry's backoff),
 * then it is `queued`.
 */
export const JobStatusSchema = z.enum(JOB_STATUSES)
export type JobStatus = z.infer<typeof JobStatusSchema>

/** Why an attempt (or a request) ended badly; programs branch on these. */
export const ERROR_CODES = [
  'exit_code',
  'timeout',
  'worker_crashed',
  'cancelled',
  'invalid_params',
  'interrupted',
  'job_error',
  'unknown_kind',
  'dependency_failed',
  'out_of_memory',
  /** A program the kind runs (ffmpeg, say) is not installed; the message says how to get it. */
  'missing_tool',
  /** What arrived is not what was asked for (a download whose sha256 differs). */
  'checksum_mismatch',
  /** A server answered with an error status (a download's 404, say). */
  'http_error',
] as const
export const JobErrorCodeSchema = z.enum(ERROR_CODES)
export type JobErrorCode = z.infer<typeof JobErrorCodeSchema>

export const JobErrorSchema = z.object({
  code: JobErrorCodeSchema,
  message: z.string(),
  detail: z.unknown().optional(),
})
export type JobError = z.infer<typeof JobErrorSchema>

export const JobIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'Job ids are 26-character ULIDs')

/** What a job does when one it depends on fails or is cancelled: fail too (and its own dependents), run anyway, or wait for a retry. */
export const DEPENDENCY_FAILURES = ['fail', 'run', 'hold'] as const
export const DependencyFailureSchema = z.enum(DEPENDENCY_FAILURES)
export type DependencyFailure = z.infer<typeof DependencyFailureSchema>
/** In a batch, "#2" is the batch's third job. */
export const BATCH_REF = /^#(\d{1,5})$/

/**
 * What adding a job does when one with the same key is pending (held,
 * waiting, scheduled or queued) or running: `dedupe` hands back that job;
 * `replace` gives the pending one the new params (a running one is left to
 * finish, and the new job queues behind it); `debounce` does the same and
 * puts its start back to `debounceMs` from now, but never past `maxWaitMs`
 * after the first add.
 */
export const KEY_MODES = ['dedupe', 'replace', 'debounce'] as const
export const KeyModeSchema = z.enum(KEY_MODES)
export type KeyMode = z.infer<typeof KeyModeSchema>
export const MAX_KEY_LENGTH = 512

/**
 * What an attempt took. While it runs: so far, with `rssBytes` and
 * `cpuPercent` live (CPU over the last sample, 100 = one core); once it has
 * ended: its last attempt's totals, the live figures null.
 */
export const JobUsageSchema = z.object({
  cpuMs: z.number(),
  peakRssBytes: z.number(),
  rssBytes: z.number().nullable(),
  cpuPercent: z.number().nullable(),
})
export type JobUsage = z.infer<typeof JobUsageSchema>

/** Bounds of a memory limit: below 32 MB not even Node starts; above 1 TB is more likely a unit mistake. */
export const MIN_MEMORY_MB = 32
export const MAX_MEMORY_MB = 1_048_576
export const MemoryLimitSchema = z.number().int().min(MIN_MEMORY_MB).max(MAX_MEMORY_MB)

export const JobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  params: z.unknown(),
  priority: PrioritySchema,
  status: JobStatusSchema,
  progress: z.object({ fraction: z.number(), message: z.string().nullable() }),
  attempts: z.number().int(),
  maxAttempts: z.number().int(),
  timeoutMs: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  runAfter: z.string(),
  result: z.unknown(),
  /** A few readable lines about the result, where the kind says (its summary(result)). */
  summary: z.string().nullable(),
  error: JobErrorSchema.nullable(),
  lane: z.string(),
  /** How many of the limits' slots it takes while it runs (a build using several cores). */
  slots: z.number().int(),
  /** The jobs it depends on, and how many of them it still waits for. */
  dependsOn: z.number().int(),
  waitingOn: z.number().int(),
  onDependencyFailure: DependencyFailureSchema,
  /** Names the work, so that adding it again while it is pending or running dedupes, replaces or debounces. */
  key: z.string().nullable(),
  /** The job's own memory limit as given (its kind may set one too); null: none of its own. */
  maxMemoryMb: z.number().int().nullable(),
  usage: JobUsageSchema.nullable(),
  /** The machine running it or that ran it last, where the queue is shared by several (BullMQ); absent on one machine. */
  machine: z.string().nullable().optional(),
})
export type Job = z.infer<typeof JobSchema>

export const LaneNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'A lane is a lowercase name like "encode" (letters, digits, ".", "_", "-"; at most 64)')

/** A year: a delay beyond it is more likely a unit mistake than a plan. */
export const MAX_DELAY_MS = 366 * 24 * 3600 * 1000

/** An instant with its offset ("2026-12-02T14:30:00+01:00" or "…Z"): a time without one would mean different instants on client and server. */
export const InstantSchema = z.iso.datetime({ offset: true, error: 'Give a date and time with its offset, like 2026-12-02T14:30:00Z' })

export const NewJobSchema = z
  .strictObject({
    kind: z.string().min(1).max(100),
    params: z.record(z.string(), z.unknown()).default({}),
    name: z.string().min(1).max(200).optional(),
    priority: PrioritySchema.default('normal'),
    maxAttempts: z.number().int().min(1).max(MAX_ATTEMPTS).optional(),
    timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).optional(),
    /** Not before this instant (one in the past runs now); the job is `scheduled` until then. */
    runAt: InstantSchema.optional(),
    /** Or not before this many ms from now. */
    delayMs: z.number().int().min(0).max(MAX_DELAY_MS).optional(),
    /** Default: the kind's own lane, else "default". */
    lane: LaneNameSchema.optional(),
    /** Starts only once these jobs have succeeded: ids, or in a batch "#n" for the batch's job n. */
    after: z
      .array(z.string().refine((ref) => BATCH_REF.test(ref) || JobIdSchema.safeParse(ref).success, 'A job’s id, or in a batch "#n" for the batch’s job n'))
      .max(MAX_DEPENDENCIES)
      .optional(),
    onDependencyFailure: DependencyFailureSchema.optional(),
    /** Made `held`: it waits until released (then for its time, if it has one). */
    hold: z.boolean().optional(),
    /** Counts this many towards the global and the lane's limit; at most the global limit. */
    slots: z.number().int().min(1).max(MAX_CONCURRENCY).optional(),
    /** Names the work ("index ~/Documents"); see KEY_MODES for what a second add with it does. */
    key: z.string().min(1).max(MAX_KEY_LENGTH).optional(),
    /** Default: dedupe. */
    keyMode: KeyModeSchema.optional(),
    /** With keyMode "debounce": start this long after the last add. */
    debounceMs: z.number().int().min(1).max(MAX_DELAY_MS).optional(),
    /** With keyMode "debounce": but never later than this long after the first. */
    maxWaitMs: z.number().int().min(1).max(MAX_DELAY_MS).optional(),
    /** Memory limit for the attempt, its worker and the processes it starts: past it the attempt fails with out_of_memory. Default: its kind's, else none. */
    maxMemoryMb: MemoryLimitSchema.optional(),
  })
  .refine((job) => job.runAt === undefined || job.delayMs === undefined, { message: 'Give runAt or delayMs, not both', path: ['delayMs'] })
  .superRefine(checkKey)
export type NewJob = z.input<typeof NewJobSchema>

function checkKey(
  job: {
    key?: string | undefined
    keyMode?: KeyMode | undefined
    debounceMs?: number | undefined
    maxWaitMs?: number | undefined
    runAt?: string | undefined
    delayMs?: number | undefined
  },
  ctx: z.RefinementCtx,
): void {
  const issue = (path: string, message: string): void => ctx.addIssue({ code: 'custom', message, path: [path] })
  if (job.key === undefined) {
    for (const field of ['keyMode', 'debounceMs', 'maxWaitMs'] as const) if (job[field] !== undefined) issue(field, `${field} needs a key`)
    return
  }
  if (job.keyMode !== 'debounce') {
    for (const field of ['debounceMs', 'maxWaitMs'] as const) if (job[field] !== undefined) issue(field, `${field} is for keyMode "debounce"`)
    return
  }
  if (job.debounceMs === undefined) issue('debounceMs', 'keyMode "debounce" needs debounceMs: how long after the last add to start')
  if (job.runAt !== undefined || job.delayMs !== undefined)
    issue(job.runAt !== undefined ? 'runAt' : 'delayMs', 'A debounced job starts when its adds stop: give no runAt or delayMs')
}
/** A new job as the boundary hands it on: checked, with its defaults filled in. */
export type ParsedNewJob = z.output<typeof NewJobSchema>

export const MAX_BATCH = 10_000
export const NewJobBatchSchema = z.strictObject({
  jobs: z.array(NewJobSchema).min(1).max(MAX_BATCH),
})

/** Query strings carry "true"/"false"; the bridge carries booleans. */
const Flag = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')])

export const JOB_SORTS = ['newest', 'oldest'] as const
export const MAX_OFFSET = 10_000_000

const KindNameSchema = z.string().min(1).max(100)
/** Part of the job's name, any case. */
const NameQuerySchema = z.string().min(1).max(200)

export const ListJobsQuerySchema = z
  .strictObject({
    status: JobStatusSchema.optional(),
    kind: KindNameSchema.optional(),
    lane: LaneNameSchema.optional(),
    q: NameQuerySchema.optional(),
    sort: z.enum(JOB_SORTS).default('newest'),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    /** Keyset paging: the last id of the previous page. */
    cursor: JobIdSchema.optional(),
    /** Or positional paging, for a list that jumps (a scrollbar dragged to the middle). */
    offset: z.coerce.number().int().min(0).max(MAX_OFFSET).optional(),
    /** Also count every job matching the filters. */
    count: Flag.default(false),
  })
  .refine((q) => q.cursor === undefined || q.offset === undefined, { message: 'Give cursor or offset, not both', path: ['offset'] })
export type ListJobsQuery = z.input<typeof ListJobsQuerySchema>
export type ParsedListJobsQuery = z.output<typeof ListJobsQuerySchema>

export const JobPageSchema = z.object({
  jobs: z.array(JobSchema),
  nextCursor: z.string().nullable(),
  /** With `count`: how many jobs match the filters; otherwise null. */
  total: z.number().int().nullable(),
})

/** Which jobs a bulk action means, the way the list filters them; an empty filter means every job. */
export const JobFilterSchema = z.strictObject({
  status: z.union([JobStatusSchema, z.array(JobStatusSchema).min(1).max(JOB_STATUSES.length)]).optional(),
  kind: KindNameSchema.optional(),
  lane: LaneNameSchema.optional(),
  q: NameQuerySchema.optional(),
})
export type JobFilter = z.output<typeof JobFilterSchema>

export const MAX_BULK = 1000
/** Failures a bulk result lists; failedCount says how many there were in all. */
export const MAX_BULK_FAILURES_LISTED = 100

const BulkIds = z.array(JobIdSchema).min(1).max(MAX_BULK)

/** Exactly one of the two, with a message saying so: a union's "no option matched" would not. */
function oneTarget(input: { ids?: unknown; filter?: unknown }, ctx: z.RefinementCtx): void {
  const given = (input.ids !== undefined ? 1 : 0) + (input.filter !== undefined ? 1 : 0)
  if (given === 1) return
  ctx.addIssue({
    code: 'custom',
    message: given === 0 ? 'Give the jobs to act on: ids, or a filter' : 'Give ids or a filter, not both',
    path: given === 0 ? [] : ['filter'],
  })
}

/** The jobs a bulk action acts on: up to MAX_BULK ids, or every job matching a filter when the call is made. */
export const BulkIdsSchema = z.strictObject({ ids: BulkIds.optional(), filter: JobFilterSchema.optional() }).superRefine(oneTarget)
export const BulkPrioritySchema = z
  .strictObject({ ids: BulkIds.optional(), filter: JobFilterSchema.optional(), priority: PrioritySchema })
  .superRefine(oneTarget)
export type BulkTarget = Pick<z.output<typeof BulkIdsSchema>, 'ids' | 'filter'>

/**
 * Each job either changed, or says why not; one that can't be changed does
 * not stop the rest. The lists are capped (a filter may match a million
 * jobs); the counts are not.
 */
export const BulkResultSchema = z.object({
  /** The first MAX_BULK ids changed. */
  changed: z.array(z.string()),
  changedCount: z.number().int(),
  /** The first MAX_BULK_FAILURES_LISTED that could not be changed; name is null when there is no such job. */
  failed: z.array(z.object({ id: z.string(), name: z.string().nullable(), code: z.string(), message: z.string() })),
  failedCount: z.number().int(),
})
export type BulkResult = z.infer<typeof BulkResultSchema>
export type JobPage = z.infer<typeof JobPageSchema>

export const LogLineSchema = z.object({ seq: z.number().int(), at: z.string(), line: z.string() })
export type LogLine = z.infer<typeof LogLineSchema>

export const ATTEMPT_OUTCOMES = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const
/** One try of a job that a worker began. `attempt` restarts at 1 when the user retries the job; `seq` counts every try. */
export const AttemptSchema = z.object({
  seq: z.number().int(),
  attempt: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  outcome: z.enum(ATTEMPT_OUTCOMES),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** How its process ended, where it says (a shell command, a crashed worker). */
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  workerPid: z.number().int().nullable(),
  /** CPU time of the attempt in its worker (user + system); null where unknown. */
  cpuMs: z.number().nullable(),
  /** Peak resident memory of its worker and the processes it started, as sampled. */
  peakRssBytes: z.number().nullable(),
})
export type Attempt = z.infer<typeof AttemptSchema>

export const THROUGHPUT_BUCKETS = 30

/**
 * Whether the jobs database can be written. Anything but "ok" means
 * nothing new starts (running jobs go on, their outcomes kept in memory)
 * until a retry succeeds on its own.
 */
export const STORAGE_STATES = ['ok', 'full', 'readonly', 'corrupt', 'unavailable'] as const
export const StorageHealthSchema = z.object({
  status: z.enum(STORAGE_STATES),
  /** For a person: what is wrong and what to do. */
  message: z.string().nullable(),
  /** When the trouble began. */
  since: z.string().nullable(),
})
export type StorageHealth = z.infer<typeof StorageHealthSchema>

/** What the active hours allow now, for the panel's "Quiet until 23:00". */
export const QuietStateSchema = z.object({
  /** Nothing new starts: outside the active hours. */
  quiet: z.boolean(),
  /** When the hours next open or close; null: not within a week. */
  until: z.string().nullable(),
  /** Kinds waiting for hours of their own while others may start, with when each may. */
  kinds: z.array(z.object({ kind: z.string(), until: z.string().nullable() })),
  /** Running jobs held (suspended) until their hours open. */
  held: z.number().int(),
})
export type QuietState = z.infer<typeof QuietStateSchema>

/** Why fewer jobs may start than the concurrency setting says, most binding first. */
export const THROTTLE_REASONS = ['battery', 'memory_low', 'machine_busy', 'user_active'] as const
export const ThrottleSchema = z.object({
  /** Slots CPU-bound jobs may take now (I/O-bound ones may go `ioOvercommit` times beyond): the setting when unthrottled, 0 while memory is low. */
  limit: z.number().int(),
  /** Null when nothing holds the limit below the setting. */
  reason: z.enum(THROTTLE_REASONS).nullable(),
})
export type Throttle = z.infer<typeof ThrottleSchema>
export type ThrottleReason = NonNullable<Throttle['reason']>

export const StatsSchema = z.object({
  counts: z.record(JobStatusSchema, z.number().int()),
  workers: z.object({ busy: z.number().int(), idle: z.number().int(), max: z.number().int() }),
  paused: z.boolean(),
  /** Jobs finished (succeeded or failed) in each of the last 30 ten-second spans, oldest first. */
  finished: z.array(z.number().int()),
  storage: StorageHealthSchema,
  hours: QuietStateSchema,
  throttle: ThrottleSchema,
})
export type Stats = z.infer<typeof StatsSchema>

export const StatsRangeSchema = z.enum(STATS_RANGE_NAMES)
export type StatsRange = z.infer<typeof StatsRangeSchema>

export const StatsReportQuerySchema = z.strictObject({ range: StatsRangeSchema.default('24h') })

/**
 * What ended in the range (endings, not jobs: a job retried after failing
 * counts once failed and once more however it ends next) and what there is
 * now. Percentiles are estimates from log-scale buckets, within about 5 %.
 */
export const StatsSummarySchema = z.object({
  /** Jobs by status now. */
  counts: z.record(JobStatusSchema, z.number().int()),
  /** succeeded + failed + cancelled. */
  finished: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  /** failed / (succeeded + failed); null when neither happened. */
  failureRate: z.number().nullable(),
  /** Run time of the final attempt of jobs that succeeded or failed (not of those failed by the recovery at start, whose end is unknown); null when there were none. */
  durationMs: z.object({ p50: z.number(), p90: z.number(), p99: z.number(), max: z.number() }).nullable(),
  /** From ready (due) to begun, for the same attempts; null when there were none. */
  waitMs: z.object({ p50: z.number(), p90: z.number(), p99: z.number() }).nullable(),
})
export type StatsSummary = z.infer<typeof StatsSummarySchema>

export const KindReportSchema = StatsSummarySchema.extend({ kind: z.string() })
export type KindReport = z.infer<typeof KindReportSchema>

export const ThroughputBucketSchema = z.object({
  /** Start of the bucket. */
  at: z.string(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
})

export const StatsReportSchema = z.object({
  range: StatsRangeSchema,
  /** Start of the oldest bucket: the range, rounded down to whole buckets. */
  from: z.string(),
  /** Now; the newest bucket is still filling. */
  to: z.string(),
  bucketSeconds: z.number().int(),
  totals: StatsSummarySchema,
  /** Every kind that ended a job in the range or has jobs now, most finished first. */
  kinds: z.array(KindReportSchema),
  /** Every bucket of the range, oldest first, empty ones as zeros. */
  throughput: z.array(ThroughputBucketSchema),
})
export type StatsReport = z.infer<typeof StatsReportSchema>

/**
 * The desktop app joining a shared queue on Redis: as a `worker` it also
 * runs jobs from there beside its own; as a `client` its panel drives that
 * queue instead of this computer's.
 */
export const RedisJoinSchema = z.strictObject({
  url: z
    .string()
    .max(2000)
    .regex(/^rediss?:\/\/[^/\s]+(\/\d{1,2})?\/?$/, 'A Redis URL, like redis://192.168.1.20:6379 (or rediss:// for TLS)'),
  role: z.enum(['worker', 'client']),
})
export type RedisJoin = z.infer<typeof RedisJoinSchema>

export const SettingsSchema = z.object({
  /** Jobs running at once. */
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY),
  /** Jobs at once while on battery; null means half of `concurrency`, at least 1. Desktop only. */
  batteryConcurrency: z.number().int().min(1).max(MAX_CONCURRENCY).nullable(),
  /** Closing the window while jobs run keeps Offload working in the tray. Desktop only. */
  closeToTray: z.boolean(),
  /** Native notifications when jobs succeed, and when they fail. Desktop only. */
  notifyOnSuccess: z.boolean(),
  notifyOnFailure: z.boolean(),
  /** "Allow scripts and the command line": the app serves this API on 127.0.0.1 too, found through server.json. Desktop only. */
  localApi: z.boolean(),
  /** Start the app, hidden in the tray, when the user logs in. Desktop only. */
  startAtLogin: z.boolean(),
  /** Succeeded and cancelled jobs (with their logs) are removed this many days after they finished; null keeps them. */
  keepFinishedDays: z.number().int().min(1).max(MAX_KEEP_DAYS).nullable(),
  /** The same for failed jobs, usually longer: they are the ones to look into. */
  keepFailedDays: z.number().int().min(1).max(MAX_KEEP_DAYS).nullable(),
  /** At most this many succeeded and cancelled jobs are kept, the oldest going first; null: no limit. */
  keepFinishedMax: z.number().int().min(100).max(MAX_KEEP_JOBS).nullable(),
  /** When new jobs may start (quiet hours); null: any time. */
  activeHours: ActiveHoursSchema.nullable(),
  /** Hours of their own for some kinds, on top of `activeHours`: a kind starts only when both allow it. */
  kindActiveHours: KindActiveHoursSchema,
  /** When quiet hours begin, running jobs go on (`continue`) or are held until they end (`suspend`, POSIX only). */
  quietRunning: z.enum(['continue', 'suspend']),
  /** The zone the hours are read in; null: the machine's. */
  hoursTimeZone: HoursTimeZoneSchema.nullable(),
  /** No new job starts while the machine has less memory available than this; null: the smaller of 10 % of its memory and 500 MB; 0: never held back. */
  minFreeMemoryMb: z.number().int().min(0).max(MAX_MIN_FREE_MEMORY_MB).nullable(),
  /** Fewer jobs start while other work keeps the machine busy (and, in the desktop app, while the user is at it). */
  adaptiveConcurrency: z.boolean(),
  /** I/O-bound jobs may take up to this many times `concurrency` slots in all; CPU-bound ones never more than `concurrency`. */
  ioOvercommit: z.number().int().min(1).max(MAX_IO_OVERCOMMIT),
  /** A worker is replaced after running this many jobs, so a kind that leaks cannot grow it forever; null: never. */
  workerMaxJobs: z.number().int().min(1).max(1_000_000).nullable(),
  /** A worker whose memory is above this after a job is replaced; null: never. */
  workerMaxRssMb: MemoryLimitSchema.nullable(),
  /** A shared queue on Redis to join, taken up at the next start; null: this computer's queue only. Desktop only. */
  redis: RedisJoinSchema.nullable(),
})
export type Settings = z.infer<typeof SettingsSchema>

export const KindBoundSchema = z.enum(['cpu', 'io'])
export type KindBound = z.infer<typeof KindBoundSchema>

export const KindInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  source: z.enum(['builtin', 'custom']),
  /** What its jobs mostly wait for: I/O-bound ones may run beyond the core-based concurrency (see `ioOvercommit`). */
  bound: KindBoundSchema,
  paramsSchema: z.unknown(),
})
export type KindInfo = z.infer<typeof KindInfoSchema>

export const KindLoadErrorSchema = z.object({ file: z.string(), message: z.string() })
export type KindLoadError = z.infer<typeof KindLoadErrorSchema>
