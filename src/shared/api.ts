import { z } from 'zod'
import {
  AttemptSchema,
  BulkIdsSchema,
  BulkPrioritySchema,
  BulkResultSchema,
  JobIdSchema,
  JobPageSchema,
  JobStatusSchema,
  JobSchema,
  KindInfoSchema,
  KindLoadErrorSchema,
  ListJobsQuerySchema,
  LogLineSchema,
  NewJobBatchSchema,
  NewJobSchema,
  SettingsSchema,
  StatsReportQuerySchema,
  StatsReportSchema,
  StatsSchema,
  StorageHealthSchema,
} from './job'
import { NewScheduleSchema, ScheduleDetailSchema, ScheduleIdSchema, ScheduleSchema, ScheduleUpdateSchema } from './schedule'
import { LaneByName, LaneSchema, LaneUpdateSchema } from './lane'
import { AbsolutePathSchema, NewWatchSchema, WatchIdSchema, WatchSchema, WatchUpdateSchema } from './watch'
import { SearchQuerySchema, SearchResultSchema } from './search'
import { BackendInfoSchema } from './backend'
import { ApiError, parseOrThrow } from './errors'
import { jsonShapeProblem } from './json-shape'
import { EVENTS_PATH, METHOD_NAMES, ROUTES, type MethodName, type Route } from './methods'

/**
 * The whole API, once. Every transport (HTTP routes, the Electron bridge, the
 * renderer's clients) is derived from this table, so a method exists
 * everywhere or nowhere.
 */
interface MethodSpec {
  http: Route
  input: z.ZodType
  output: z.ZodType
}

const ById = z.strictObject({ id: JobIdSchema })
const ScheduleById = z.strictObject({ id: ScheduleIdSchema })
const WatchById = z.strictObject({ id: WatchIdSchema })
const Empty = z.strictObject({})
const Ok = z.object({ ok: z.literal(true) })

export const api = {
  createJob: { http: ROUTES.createJob, input: NewJobSchema, output: JobSchema },
  createJobs: {
    http: ROUTES.createJobs,
    input: NewJobBatchSchema,
    output: z.object({ ids: z.array(z.string()) }),
  },
  listJobs: { http: ROUTES.listJobs, input: ListJobsQuerySchema, output: JobPageSchema },
  getJob: { http: ROUTES.getJob, input: ById, output: JobSchema },
  getJobLogs: {
    http: ROUTES.getJobLogs,
    input: ById,
    output: z.object({ lines: z.array(LogLineSchema) }),
  },
  getJobAttempts: {
    http: ROUTES.getJobAttempts,
    input: ById,
    output: z.object({ attempts: z.array(AttemptSchema) }),
  },
  cancelJob: { http: ROUTES.cancelJob, input: ById, output: JobSchema },
  cancelJobs: { http: ROUTES.cancelJobs, input: BulkIdsSchema, output: BulkResultSchema },
  retryJobs: { http: ROUTES.retryJobs, input: BulkIdsSchema, output: BulkResultSchema },
  removeJobs: { http: ROUTES.removeJobs, input: BulkIdsSchema, output: BulkResultSchema },
  /** "Clear finished…": every finished job of these statuses, with its logs, in retention's small batches. */
  clearFinished: {
    http: ROUTES.clearFinished,
    input: z.strictObject({
      status: z
        .array(z.enum(['succeeded', 'failed', 'cancelled']))
        .min(1)
        .max(3),
    }),
    output: z.object({ removed: z.number().int() }),
  },
  setPriority: { http: ROUTES.setPriority, input: BulkPrioritySchema, output: BulkResultSchema },
  /** The jobs it waits for (parents) and those waiting for it (children). */
  getJobDependencies: {
    http: ROUTES.getJobDependencies,
    input: ById,
    output: z.object({ parents: z.array(JobSchema), children: z.array(JobSchema) }),
  },
  retryJob: { http: ROUTES.retryJob, input: ById, output: JobSchema },
  /** A held job goes on: queued, or scheduled if its time is still to come. */
  releaseJob: { http: ROUTES.releaseJob, input: ById, output: JobSchema },
  releaseJobs: { http: ROUTES.releaseJobs, input: BulkIdsSchema, output: BulkResultSchema },
  /** A scheduled job becomes due now. */
  runJobNow: { http: ROUTES.runJobNow, input: ById, output: JobSchema },
  getStats: { http: ROUTES.getStats, input: Empty, output: StatsSchema },
  getStatsReport: { http: ROUTES.getStatsReport, input: StatsReportQuerySchema, output: StatsReportSchema },
  pauseQueue: { http: ROUTES.pauseQueue, input: Empty, output: Ok },
  resumeQueue: { http: ROUTES.resumeQueue, input: Empty, output: Ok },
  getSettings: { http: ROUTES.getSettings, input: Empty, output: SettingsSchema },
  updateSettings: { http: ROUTES.updateSettings, input: SettingsSchema.partial().strict(), output: SettingsSchema },
  listSchedules: { http: ROUTES.listSchedules, input: Empty, output: z.object({ schedules: z.array(ScheduleSchema) }) },
  getSchedule: { http: ROUTES.getSchedule, input: ScheduleById, output: ScheduleDetailSchema },
  createSchedule: { http: ROUTES.createSchedule, input: NewScheduleSchema, output: ScheduleSchema },
  updateSchedule: { http: ROUTES.updateSchedule, input: ScheduleUpdateSchema, output: ScheduleSchema },
  deleteSchedule: { http: ROUTES.deleteSchedule, input: ScheduleById, output: Ok },
  /** One run now, outside the pattern. */
  runSchedule: { http: ROUTES.runSchedule, input: ScheduleById, output: JobSchema },
  listWatches: { http: ROUTES.listWatches, input: Empty, output: z.object({ watches: z.array(WatchSchema) }) },
  getWatch: { http: ROUTES.getWatch, input: WatchById, output: WatchSchema },
  createWatch: { http: ROUTES.createWatch, input: NewWatchSchema, output: WatchSchema },
  updateWatch: { http: ROUTES.updateWatch, input: WatchUpdateSchema, output: WatchSchema },
  deleteWatch: { http: ROUTES.deleteWatch, input: WatchById, output: Ok },
  listLanes: { http: ROUTES.listLanes, input: Empty, output: z.object({ lanes: z.array(LaneSchema) }) },
  getLane: { http: ROUTES.getLane, input: LaneByName, output: LaneSchema },
  /** A lane's limit (null: only the global one) and pause; a lane needs no making. */
  updateLane: { http: ROUTES.updateLane, input: LaneUpdateSchema, output: LaneSchema },
  listKinds: {
    http: ROUTES.listKinds,
    input: Empty,
    output: z.object({ kinds: z.array(KindInfoSchema), errors: z.array(KindLoadErrorSchema) }),
  },
  /** Ranked hits in the documents index that index-documents jobs fill; an index not made yet holds nothing. */
  searchDocuments: {
    http: ROUTES.searchDocuments,
    input: SearchQuerySchema.extend({ folder: AbsolutePathSchema.optional() }),
    output: SearchResultSchema,
  },
  /** Where the queue lives (SQLite, or BullMQ on Redis), what it supports, and the machines working from it. */
  getBackend: { http: ROUTES.getBackend, input: Empty, output: BackendInfoSchema },
} as const satisfies Record<MethodName, MethodSpec>

export type Api = typeof api
export { METHOD_NAMES, type MethodName }
export type MethodInput<M extends MethodName> = z.input<Api[M]['input']>
export type ParsedInput<M extends MethodName> = z.output<Api[M]['input']>
export type MethodOutput<M extends MethodName> = z.output<Api[M]['output']>

/** What a server implements: parsed input in, output out. */
export type ApiHandlers = { [M in MethodName]: (input: ParsedInput<M>) => MethodOutput<M> | Promise<MethodOutput<M>> }

/** What a client calls: the caller's input shape, a promise of the output. */
export type ApiClient = { [M in MethodName]: (input: MethodInput<M>) => Promise<MethodOutput<M>> }

export const EventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('jobs'), jobs: z.array(JobSchema) }),
  z.object({ type: z.literal('stats'), stats: StatsSchema }),
  z.object({ type: z.literal('settings'), settings: SettingsSchema }),
  /** The jobs database's health changed: trouble began, changed kind, or ended (stats carry it too). */
  z.object({ type: z.literal('storage'), storage: StorageHealthSchema }),
  /** Desktop only: show this job, or the list filtered to a status (a notification was clicked). */
  z.object({ type: z.literal('reveal'), jobId: z.string().optional(), status: JobStatusSchema.optional() }),
])
export type OffloadEvent = z.infer<typeof EventSchema>
export { EVENTS_PATH }

/** A problem's path is echoed in the message only this far; keys are the client's and may be long. */
const PATH_SHOWN_CHARS = 120

/**
 * The boundary's one parse of a request, shared by every transport: the
 * shape check (nesting too deep to serialize again, "__proto__" keys a copy
 * would drop), then the method's schema. Handlers get only what passes.
 */
export function parseRequest<M extends MethodName>(method: M, input: unknown, what = 'Request'): ParsedInput<M> {
  const problem = jsonShapeProblem(input)
  if (problem) {
    const path = problem.path.length > PATH_SHOWN_CHARS ? `${problem.path.slice(0, PATH_SHOWN_CHARS)}…` : problem.path
    throw new ApiError('invalid_input', `${what}${path ? ` ${path}` : ''}: ${problem.message}`, [
      { path: problem.path.slice(0, PATH_SHOWN_CHARS), message: problem.message },
    ])
  }
  return parseOrThrow(api[method].input, input) as ParsedInput<M>
}
