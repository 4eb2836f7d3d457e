import { z } from 'zod'
import { cronProblem } from './cron'
import {
  DependencyFailureSchema,
  InstantSchema,
  JobErrorSchema,
  JobIdSchema,
  JobStatusSchema,
  LaneNameSchema,
  MAX_ATTEMPTS,
  MAX_CONCURRENCY,
  MAX_DEPENDENCIES,
  MAX_KEY_LENGTH,
  MAX_TIMEOUT_MS,
  MemoryLimitSchema,
  PrioritySchema,
  SettingsSchema,
} from './job'
import { ScheduleFields, ScheduleIdSchema } from './schedule'
import { checkTemplate, WatchFields, WatchIdSchema } from './watch'

/**
 * A queue moved between data folders (and, later, backends) as JSON Lines:
 * a header, then one record a line. The two routes stream, so they stand
 * beside the contract (which is JSON in, JSON out) rather than in it.
 */
export const EXPORT_PATH = '/api/export'
export const IMPORT_PATH = '/api/import'
export const EXPORT_VERSION = 1
export const EXPORT_CONTENT_TYPE = 'application/x-ndjson; charset=utf-8'

export const ExportHeaderSchema = z.strictObject({
  type: z.literal('offload-export'),
  version: z.number().int(),
  exportedAt: InstantSchema,
})
export type ExportHeader = z.infer<typeof ExportHeaderSchema>

/**
 * A job as stored, whole: enough to recreate its row. `after` lists every
 * job it depends on; `settled` those of them that have already done their
 * part (such a parent may since have been removed by the clean-up, so it
 * need not be in the file or the queue). The key's mode is not kept by the
 * store, only the key, so it does not travel; nor do logs and tries.
 */
export const JobRecordSchema = z
  .strictObject({
    type: z.literal('job'),
    id: JobIdSchema,
    kind: z.string().min(1).max(100),
    name: z.string().min(1).max(1000),
    params: z.record(z.string(), z.unknown()),
    priority: PrioritySchema,
    status: JobStatusSchema,
    progress: z.strictObject({ fraction: z.number(), message: z.string().nullable() }),
    attempts: z.number().int().min(0).max(1_000_000),
    maxAttempts: z.number().int().min(1).max(MAX_ATTEMPTS),
    timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).nullable(),
    backoffBaseMs: z.number().int().min(0).max(MAX_TIMEOUT_MS),
    backoffCapMs: z.number().int().min(0).max(MAX_TIMEOUT_MS),
    runAfter: InstantSchema,
    createdAt: InstantSchema,
    startedAt: InstantSchema.nullable(),
    finishedAt: InstantSchema.nullable(),
    result: z.unknown(),
    summary: z.string().nullable(),
    error: JobErrorSchema.nullable(),
    lane: LaneNameSchema,
    slots: z.number().int().min(1).max(MAX_CONCURRENCY),
    after: z.array(JobIdSchema).max(MAX_DEPENDENCIES),
    settled: z.array(JobIdSchema).max(MAX_DEPENDENCIES),
    onDependencyFailure: DependencyFailureSchema,
    key: z.string().min(1).max(MAX_KEY_LENGTH).nullable(),
    maxMemoryMb: MemoryLimitSchema.nullable(),
    usage: z.strictObject({ cpuMs: z.number().min(0).nullable(), peakRssBytes: z.number().min(0).nullable() }).nullable(),
  })
  .superRefine((job, ctx) => {
    const after = new Set(job.after)
    if (after.size !== job.after.length) ctx.addIssue({ code: 'custom', path: ['after'], message: 'Lists a job more than once' })
    const stray = job.settled.findIndex((id) => !after.has(id))
    if (stray >= 0) ctx.addIssue({ code: 'custom', path: ['settled', stray], message: 'Every settled dependency is one of after' })
    if (after.has(job.id)) ctx.addIssue({ code: 'custom', path: ['after'], message: 'A job cannot depend on itself' })
  })
export type JobRecord = z.infer<typeof JobRecordSchema>

/** A schedule with the first slot it has not handled yet; its history of runs stays behind. */
export const ScheduleRecordSchema = z
  .strictObject({
    type: z.literal('schedule'),
    id: ScheduleIdSchema,
    ...ScheduleFields,
    createdAt: InstantSchema,
    nextAt: InstantSchema.nullable(),
  })
  .superRefine((schedule, ctx) => {
    const problem = cronProblem(schedule.cron, schedule.timezone)
    if (problem) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message })
  })
export type ScheduleRecord = z.infer<typeof ScheduleRecordSchema>

/** A file a watch has handed over (or found unfit), so that the watch does not hand it over again in its new home. */
export const WatchFileRecordSchema = z.strictObject({
  path: z.string().min(1).max(4096),
  size: z.number().int().min(0),
  mtimeMs: z.number().int(),
  jobId: JobIdSchema.nullable(),
  problem: z.string().nullable(),
  seenAt: InstantSchema,
})
export const MAX_WATCH_FILES = 1_000_000

export const WatchRecordSchema = z
  .strictObject({
    type: z.literal('watch'),
    id: WatchIdSchema,
    ...WatchFields,
    createdAt: InstantSchema,
    files: z.array(WatchFileRecordSchema).max(MAX_WATCH_FILES),
  })
  .superRefine(checkTemplate)
export type WatchRecord = z.infer<typeof WatchRecordSchema>

/** A lane's own settings (a lane without any has no record). */
export const LaneRecordSchema = z.strictObject({
  type: z.literal('lane'),
  name: LaneNameSchema,
  concurrency: z.number().int().min(1).max(MAX_CONCURRENCY).nullable(),
  paused: z.boolean(),
})
export type LaneRecord = z.infer<typeof LaneRecordSchema>

/** The settings, and whether the queue is paused; a setting left out keeps the value it has where the file is imported. */
export const SettingsRecordSchema = z.strictObject({
  type: z.literal('settings'),
  settings: SettingsSchema.partial().strict(),
  paused: z.boolean().optional(),
})
export type SettingsRecord = z.infer<typeof SettingsRecordSchema>

export const RECORD_SCHEMAS = {
  job: JobRecordSchema,
  schedule: ScheduleRecordSchema,
  watch: WatchRecordSchema,
  lane: LaneRecordSchema,
  settings: SettingsRecordSchema,
} as const
export type RecordType = keyof typeof RECORD_SCHEMAS
export const RECORD_TYPES = Object.keys(RECORD_SCHEMAS) as RecordType[]
export type ExportRecord = JobRecord | ScheduleRecord | WatchRecord | LaneRecord | SettingsRecord

const Tally = z.object({ added: z.number().int(), skipped: z.number().int() })

/** What an import did: records already there (by id; a lane that has settings of its own) are skipped, so importing twice adds nothing. */
export const ImportResultSchema = z.object({
  jobs: Tally,
  schedules: Tally,
  watches: Tally,
  lanes: Tally,
  /** A settings record was applied. */
  settings: z.boolean(),
  /** What the queue took differently from how it was given (on a backend that keeps less), for a person to read. */
  notes: z.array(z.string()).optional(),
})
export type ImportResult = z.infer<typeof ImportResultSchema>

/** Export and import of the whole queue: they stream JSON Lines, so they stand beside the contract's JSON routes. */
export interface TransferRoutes {
  /** The export, a chunk of lines at a time (read from a store here, or from Redis as it answers). */
  exportChunks(): Iterable<string> | AsyncIterable<string>
  importText(text: string): ImportResult | Promise<ImportResult>
}
