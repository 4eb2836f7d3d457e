import { z } from 'zod'
import { MAX_MISSED_WINDOW_MS, MISSED_POLICIES, OVERLAP_POLICIES } from './vocabulary'
import { cronProblem } from './cron'
import { JobIdSchema, JobStatusSchema, LaneNameSchema, MAX_ATTEMPTS, MAX_CONCURRENCY, MAX_TIMEOUT_MS, PrioritySchema } from './job'

export { MAX_MISSED_WINDOW_MS, MISSED_POLICIES, OVERLAP_POLICIES }
/** How many runs a schedule waits to start behind one still going (overlap "queue"); more are skipped. */
export const MAX_WAITING_RUNS = 100

export const ScheduleIdSchema = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'Schedule ids are 26-character ULIDs')

export const ScheduleFields = {
  name: z.string().min(1).max(200),
  /** Five fields (minute hour day month weekday), or six with seconds first. */
  cron: z.string().min(1).max(200),
  /** An IANA time zone; the cron's times are wall-clock times there. */
  timezone: z.string().min(1).max(100),
  kind: z.string().min(1).max(100),
  params: z.record(z.string(), z.unknown()),
  priority: PrioritySchema,
  maxAttempts: z.number().int().min(1).max(MAX_ATTEMPTS).nullable(),
  timeoutMs: z.number().int().min(1).max(MAX_TIMEOUT_MS).nullable(),
  /** The lane its jobs run in; null: the kind's own lane, as for a job that names none. */
  lane: LaneNameSchema.nullable(),
  /** The slots each of its jobs takes; at most the concurrency setting, checked when the schedule is saved. */
  slots: z.number().int().min(1).max(MAX_CONCURRENCY),
  enabled: z.boolean(),
  /** When a run comes while the last is still going: skip it, queue it behind, or cancel the old one. */
  overlap: z.enum(OVERLAP_POLICIES),
  /** Runs that fell while Offload was off or asleep: none, one for them all, or each (within the window). */
  missed: z.enum(MISSED_POLICIES),
  /** How far back missed runs are made up; null: as far as they go (at most 1,000 runs). */
  missedWindowMs: z.number().int().min(1000).max(MAX_MISSED_WINDOW_MS).nullable(),
}

/** Cron and time zone are checked together (a pattern is read in its zone), each problem named by its field. */
function checkCron(input: { cron?: string | undefined; timezone?: string | undefined }, ctx: z.RefinementCtx): void {
  if (input.cron === undefined || input.timezone === undefined) return
  const problem = cronProblem(input.cron, input.timezone)
  if (problem) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message })
}

export const NewScheduleSchema = z
  .strictObject({
    ...ScheduleFields,
    name: ScheduleFields.name.optional(),
    timezone: ScheduleFields.timezone.default('UTC'),
    params: ScheduleFields.params.default({}),
    priority: ScheduleFields.priority.default('normal'),
    maxAttempts: ScheduleFields.maxAttempts.default(null),
    timeoutMs: ScheduleFields.timeoutMs.default(null),
    lane: ScheduleFields.lane.default(null),
    slots: ScheduleFields.slots.default(1),
    enabled: ScheduleFields.enabled.default(true),
    overlap: ScheduleFields.overlap.default('skip'),
    missed: ScheduleFields.missed.default('once'),
    missedWindowMs: ScheduleFields.missedWindowMs.default(24 * 3600 * 1000),
  })
  .superRefine(checkCron)
export type NewSchedule = z.input<typeof NewScheduleSchema>
export type ParsedNewSchedule = z.output<typeof NewScheduleSchema>

/** What is given changes; the store checks cron and time zone together with the stored other when only one is given. */
export const ScheduleUpdateSchema = z
  .strictObject({
    id: ScheduleIdSchema,
    name: ScheduleFields.name.optional(),
    cron: ScheduleFields.cron.optional(),
    timezone: ScheduleFields.timezone.optional(),
    kind: ScheduleFields.kind.optional(),
    params: ScheduleFields.params.optional(),
    priority: ScheduleFields.priority.optional(),
    maxAttempts: ScheduleFields.maxAttempts.optional(),
    timeoutMs: ScheduleFields.timeoutMs.optional(),
    lane: ScheduleFields.lane.optional(),
    slots: ScheduleFields.slots.optional(),
    enabled: ScheduleFields.enabled.optional(),
    overlap: ScheduleFields.overlap.optional(),
    missed: ScheduleFields.missed.optional(),
    missedWindowMs: ScheduleFields.missedWindowMs.optional(),
  })
  .superRefine(checkCron)
export type ScheduleUpdate = z.output<typeof ScheduleUpdateSchema>

export const SCHEDULE_RUN_STATES = ['enqueued', 'waiting', 'skipped'] as const
export const ScheduleRunSchema = z.object({
  /** The cron slot this run is for (or when "run now" was asked). */
  slot: z.string(),
  firedAt: z.string(),
  state: z.enum(SCHEDULE_RUN_STATES),
  manual: z.boolean(),
  /** Made up for a slot missed while Offload was off or asleep. */
  late: z.boolean(),
  jobId: JobIdSchema.nullable(),
  /** The job's status now; null when it was never made or has been removed. */
  status: JobStatusSchema.nullable(),
})
export type ScheduleRun = z.infer<typeof ScheduleRunSchema>

export const ScheduleSchema = z.object({
  id: z.string(),
  ...ScheduleFields,
  createdAt: z.string(),
  /** The next five fire times (none while disabled). */
  nextRuns: z.array(z.string()),
  lastRun: ScheduleRunSchema.nullable(),
})
export type Schedule = z.infer<typeof ScheduleSchema>

export const ScheduleDetailSchema = ScheduleSchema.extend({ history: z.array(ScheduleRunSchema) })
export type ScheduleDetail = z.infer<typeof ScheduleDetailSchema>
