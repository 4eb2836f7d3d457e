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
import { METHOD_NAMES, type MethodName } from './methods'

/**
 * The whole API, once. Every transport (HTTP routes, the Electron bridge, the
 * renderer's clients) is derived from this table, so a method exists
 * everywhere or nowhere.
 */
interface MethodSpec {
  http: { method: 'GET' | 'POST' | 'PUT' | 'DELETE'; path: string; status?: number }
  input: z.ZodType
  output: z.ZodType
}

const ById = z.strictObject({ id: JobIdSchema })
const ScheduleById = z.strictObject({ id: ScheduleIdSchema })
const WatchById = z.strictObject({ id: WatchIdSchema })
const Empty = z.strictObject({})
const Ok = z.object({ ok: z.literal(true) })

export const api = {
  createJob: { http: { method: 'POST', path: '/api/jobs', status: 201 }, input: NewJobSchema, output: JobSchema },
  createJobs: {
    http: { method: 'POST', path: '/api/jobs/batch', status: 201 },
    input: NewJobBatchSchema,
    output: z.object({ ids: z.array(z.string()) }),
  },
  listJobs: { http: { method: 'GET', path: '/api/jobs' }, input: ListJobsQuerySchema, output: JobPageSchema },
  getJob: { http: { method: 'GET', path: '/api/jobs/:id' }, input: ById, output: JobSchema },
  getJobLogs: {
    http: { method: 'GET', path: '/api/jobs/:id/logs' },
    input: ById,
    output: z.object({ lines: z.array(LogLineSchema) }),
  },
  getJobAttempts: {
    http: { method: 'GET', path: '/api/jobs/:id/attempts' },
    input: ById,
    output: z.object({ attempts: z.array(AttemptSchema) }),
  },
  cancelJob: { http: { method: 'POST', path: '/api/jobs/:id/cancel' }, input: ById, output: JobSchema },
  cancelJobs: { http: { method: 'POST', path: '/api/jobs/cancel' }, input: BulkIdsSchema, output: BulkResultSchema },
  retryJobs: { http: { method: 'POST', path: '/api/jobs/retry' }, input: BulkIdsSchema, output: BulkResultSchema },
  removeJobs: { http: { method: 'POST', path: '/api/jobs/remove' }, input: BulkIdsSchema, output: BulkResultSchema },
  /** "Clear finished…": every finished job of these statuses, with its logs, in retention's small batches. */
  clearFinished: {
    http: { method: 'POST', path: '/api/jobs/clear' },
    input: z.strictObject({
      status: z
        .array(z.enum(['succeeded', 'failed', 'cancelled']))
        .min(1)
        .max(3),
    }),
    output: z.object({ removed: z.number().int() }),
  },
  setPriority: { http: { method: 'POST', path: '/api/jobs/priority' }, input: BulkPrioritySchema, output: BulkResultSchema },
  /** The jobs it waits for (parents) and those waiting for it (children). */
  getJobDependencies: {
    http: { method: 'GET', path: '/api/jobs/:id/dependencies' },
    input: ById,
    output: z.object({ parents: z.array(JobSchema), children: z.array(JobSchema) }),
  },
  retryJob: { http: { method: 'POST', path: '/api/jobs/:id/retry' }, input: ById, output: JobSchema },
  /** A held job goes on: queued, or scheduled if its time is still to come. */
  releaseJob: { http: { method: 'POST', path: '/api/jobs/:id/release' }, input: ById, output: JobSchema },
  releaseJobs: { http: { method: 'POST', path: '/api/jobs/release' }, input: BulkIdsSchema, output: BulkResultSchema },
  /** A scheduled job becomes due now. */
  runJobNow: { http: { method: 'POST', path: '/api/jobs/:id/run-now' }, input: ById, output: JobSchema },
  getStats: { http: { method: 'GET', path: '/api/stats' }, input: Empty, output: StatsSchema },
  getStatsReport: { http: { method: 'GET', path: '/api/stats/report' }, input: StatsReportQuerySchema, output: StatsReportSchema },
  pauseQueue: { http: { method: 'POST', path: '/api/queue/pause' }, input: Empty, output: Ok },
  resumeQueue: { http: { method: 'POST', path: '/api/queue/resume' }, input: Empty, output: Ok },
  getSettings: { http: { method: 'GET', path: '/api/settings' }, input: Empty, output: SettingsSchema },
  updateSettings: { http: { method: 'PUT', path: '/api/settings' }, input: SettingsSchema.partial().strict(), output: SettingsSchema },
  listSchedules: { http: { method: 'GET', path: '/api/schedules' }, input: Empty, output: z.object({ schedules: z.array(ScheduleSchema) }) },
  getSchedule: { http: { method: 'GET', path: '/api/schedules/:id' }, input: ScheduleById, output: ScheduleDetailSchema },
  createSchedule: { http: { method: 'POST', path: '/api/schedules', status: 201 }, input: NewScheduleSchema, output: ScheduleSchema },
  updateSchedule: { http: { method: 'PUT', path: '/api/schedules/:id' }, input: ScheduleUpdateSchema, output: ScheduleSchema },
  deleteSchedule: { http: { method: 'DELETE', path: '/api/schedules/:id' }, input: ScheduleById, output: Ok },
  /** One run now, outside the pattern. */
  runSchedule: { http: { method: 'POST', path: '/api/schedules/:id/run', status: 201 }, input: ScheduleById, output: JobSchema },
  listWatches: { http: { method: 'GET', path: '/api/watches' }, input: Empty, output: z.object({ watches: z.array(WatchSchema) }) },
  getWatch: { http: { method: 'GET', path: '/api/watches/:id' }, input: WatchById, output: WatchSchema },
  createWatch: { http: { method: 'POST', path: '/api/watches', status: 201 }, input: NewWatchSchema, output: WatchSchema },
  updateWatch: { http: { method: 'PUT', path: '/api/watches/:id' }, input: WatchUpdateSchema, output: WatchSchema },
  deleteWatch: { http: { method: 'DELETE', path: '/api/watches/:id' }, input: WatchById, output: Ok },
  listLanes: { http: { method: 'GET', path: '/api/lanes' }, input: Empty, output: z.object({ lanes: z.array(LaneSchema) }) },
  getLane: { http: { method: 'GET', path: '/api/lanes/:name' }, input: LaneByName, output: LaneSchema },
  /** A lane's limit (null: only the global one) and pause; a lane needs no making. */
  updateLane: { http: { method: 'PUT', path: '/api/lanes/:name' }, input: LaneUpdateSchema, output: LaneSchema },
  listKinds: {
    http: { method: 'GET', path: '/api/kinds' },
    input: Empty,
    output: z.object({ kinds: z.array(KindInfoSchema), errors: z.array(KindLoadErrorSchema) }),
  },
  /** Ranked hits in the documents index that index-documents jobs fill; an index not made yet holds nothing. */
  searchDocuments: {
    http: { method: 'GET', path: '/api/search' },
    input: SearchQuerySchema.extend({ folder: AbsolutePathSchema.optional() }),
    output: SearchResultSchema,
  },
  /** Where the queue lives (SQLite, or BullMQ on Redis), what it supports, and the machines working from it. */
  getBackend: { http: { method: 'GET', path: '/api/backend' }, input: Empty, output: BackendInfoSchema },
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
export const EVENTS_PATH = '/api/events'

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
