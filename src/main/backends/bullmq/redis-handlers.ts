import { monotonicFactory } from 'ulid'
import type { ApiHandlers, OffloadEvent } from '../../../shared/api'
import { ApiError } from '../../../shared/errors'
import {
  JOB_STATUSES,
  THROUGHPUT_BUCKETS,
  type BulkResult,
  type BulkTarget,
  type Job,
  type ParsedNewJob,
  type Stats,
  type StorageHealth,
} from '../../../shared/job'
import type { Clock } from '../../engine/engine'
import { BulkTally, narrowTarget } from '../../engine/bulk'
import { DEFAULT_COMMAND_OPTIONS } from '../../engine/commands'
import { makeJobRow } from '../../engine/job-row'
import { defaultSettings } from '../../engine/settings'
import type { KindRegistry } from '../../kinds/registry'
import { BULLMQ_CAPABILITIES, unsupported } from '../capabilities'
import type { BullBackend } from './bullmq-backend'

const BACKEND = 'BullMQ'
/** Job changes go out at most this often, as the embedded engine's do. */
const EVENT_INTERVAL_MS = 250
/** Stats (and the health of Redis) are read this often while a client listens. */
const STATS_INTERVAL_MS = 2000

export interface RedisServer {
  handlers: ApiHandlers
  subscribe(listener: (event: OffloadEvent) => void): () => void
  /** Redis's health as last seen: a server that cannot reach it says so, and answers again when it returns. */
  health(): StorageHealth
  close(): Promise<void>
}

/**
 * The contract over BullMQ: jobs, priorities, delays, retries, progress,
 * logs, cancel, bulk actions, stats and workers. What only the embedded
 * engine does is refused with an `unsupported` error naming the feature;
 * lists of what cannot exist here (schedules, watches) are empty.
 */
export function createRedisServer(backend: BullBackend, kinds: KindRegistry, clock: Clock = { now: () => Date.now() }): RedisServer {
  const nextId = monotonicFactory()
  const settings = defaultSettings()
  let health: StorageHealth = { status: 'ok', message: null, since: null }
  const listeners = new Set<(event: OffloadEvent) => void>()
  const pending = new Set<string>()
  let flushTimer: NodeJS.Timeout | undefined
  let statsTimer: NodeJS.Timeout | undefined
  let unsubscribe: (() => void) | undefined

  const guard = async <T>(work: () => Promise<T>): Promise<T> => {
    await backend.firstConnection()
    if (!backend.reachable()) {
      markHealth(false)
      throw new ApiError('storage_unavailable', health.message!)
    }
    return work()
  }

  const markHealth = (ok: boolean): void => {
    if (ok === (health.status === 'ok')) return
    health = ok
      ? { status: 'ok', message: null, since: null }
      : {
          status: 'unavailable',
          message: `Redis at ${backend.target.shown} cannot be reached. Running jobs go on on their machines; nothing new is sent until it is back, and Offload keeps trying.`,
          since: new Date(clock.now()).toISOString(),
        }
    emit({ type: 'storage', storage: health })
  }

  const emit = (event: OffloadEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event)
      } catch {
        // One broken listener must not stop the others.
      }
    }
  }

  const stats = async (): Promise<Stats> => {
    const [counts, workers, paused] = await Promise.all([backend.counts(), backend.workers(clock.now()), backend.paused()])
    const max = workers.reduce((n, w) => n + w.concurrency, 0)
    const busy = workers.reduce((n, w) => n + w.running, 0)
    return {
      counts,
      workers: { busy, idle: Math.max(0, max - busy), max },
      paused,
      finished: new Array<number>(THROUGHPUT_BUCKETS).fill(0),
      storage: health,
      hours: { quiet: false, until: null, kinds: [], held: 0 },
      throttle: { limit: max, reason: null },
    }
  }

  const flush = async (): Promise<void> => {
    flushTimer = undefined
    markHealth(backend.reachable())
    if (!backend.reachable()) return
    const ids = [...pending]
    pending.clear()
    try {
      const jobs = (await Promise.all(ids.map((id) => backend.get(id)))).filter((j): j is Job => j !== null)
      if (jobs.length > 0) emit({ type: 'jobs', jobs })
      emit({ type: 'stats', stats: await stats() })
      markHealth(true)
    } catch {
      markHealth(backend.reachable())
    }
  }

  const changed = (ids: string[]): void => {
    for (const id of ids) pending.add(id)
    flushTimer ??= setTimeout(() => void flush(), EVENT_INTERVAL_MS)
  }

  const row = (input: ParsedNewJob, now: number) => {
    if (input.after?.length) throw unsupported('dependencies', BACKEND)
    if (input.key !== undefined) throw unsupported('keys', BACKEND)
    if (input.hold) throw unsupported('hold', BACKEND)
    if ((input.slots ?? 1) > 1) throw unsupported('slots', BACKEND)
    return makeJobRow(input, now, { kinds, options: DEFAULT_COMMAND_OPTIONS, concurrency: () => settings.concurrency, nextId })
  }

  const bulk = async (target: BulkTarget, applies: Parameters<typeof narrowTarget>[1], change: (id: string) => Promise<unknown>): Promise<BulkResult> => {
    const names = new Map<string, string>()
    const tally = new BulkTally((id) => names.get(id))
    const narrowed = narrowTarget(target, applies)
    if (!narrowed) return tally.done()
    let ids: string[]
    if (narrowed.filter) {
      const statuses = [narrowed.filter.status ?? JOB_STATUSES].flat()
      ids = []
      for (const status of statuses) {
        const page = await backend.list({
          status,
          sort: 'oldest',
          limit: 1000,
          count: false,
          ...(narrowed.filter.kind ? { kind: narrowed.filter.kind } : {}),
          ...(narrowed.filter.lane ? { lane: narrowed.filter.lane } : {}),
          ...(narrowed.filter.q ? { q: narrowed.filter.q } : {}),
        })
        ids.push(...page.jobs.map((j) => j.id))
      }
    } else ids = [...new Set(narrowed.ids)]
    for (const id of ids) {
      try {
        await change(id)
        tally.changed(id)
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
        names.set(id, (await backend.get(id))?.name ?? id)
        tally.failed(id, error)
      }
    }
    return tally.done()
  }

  const found = async (id: string): Promise<Job> => {
    const job = await backend.get(id)
    if (!job) throw new ApiError('not_found', `No job with id ${id}`)
    return job
  }

  const refuse = (feature: Parameters<typeof unsupported>[0]) => (): never => {
    throw unsupported(feature, BACKEND)
  }

  const handlers: ApiHandlers = {
    createJob: (input) =>
      guard(async () => {
        const now = clock.now()
        const made = row(input, now)
        await backend.enqueue([made], now)
        return found(made.id)
      }),
    createJobs: ({ jobs }) =>
      guard(async () => {
        const now = clock.now()
        const rows = jobs.map((input, index) => {
          try {
            return row(input, now)
          } catch (error) {
            if (error instanceof ApiError) throw new ApiError(error.code, `jobs.${index}: ${error.message}`, error.detail)
            throw error
          }
        })
        await backend.enqueue(rows, now)
        return { ids: rows.map((r) => r.id) }
      }),
    listJobs: (query) => guard(() => backend.list(query)),
    getJob: ({ id }) => guard(() => found(id)),
    getJobLogs: ({ id }) => guard(async () => (await found(id), { lines: await backend.logs(id) })),
    getJobAttempts: refuse('attempts'),
    getJobDependencies: ({ id }) => guard(async () => (await found(id), { parents: [], children: [] })),
    cancelJob: ({ id }) => guard(() => backend.cancel(id, clock.now())),
    cancelJobs: (target) => guard(() => bulk(target, ['scheduled', 'queued', 'running'], (id) => backend.cancel(id, clock.now()))),
    retryJobs: (target) => guard(() => bulk(target, ['failed', 'cancelled'], (id) => backend.retry(id, clock.now()))),
    removeJobs: (target) => guard(() => bulk(target, JOB_STATUSES, (id) => backend.remove(id))),
    clearFinished: ({ status }) => guard(async () => ({ removed: (await bulk({ filter: { status } }, status, (id) => backend.remove(id))).changedCount })),
    setPriority: ({ priority, ...target }) => guard(() => bulk(target, ['scheduled', 'queued'], (id) => backend.setPriority(id, priority))),
    retryJob: ({ id }) => guard(() => backend.retry(id, clock.now())),
    releaseJob: refuse('hold'),
    releaseJobs: refuse('hold'),
    runJobNow: refuse('schedules'),
    getStats: () => guard(stats),
    getStatsReport: refuse('statsReport'),
    pauseQueue: () => guard(async () => (await backend.setPaused(true), changed([]), { ok: true as const })),
    resumeQueue: () => guard(async () => (await backend.setPaused(false), changed([]), { ok: true as const })),
    getSettings: () => settings,
    updateSettings: refuse('settings'),
    listSchedules: () => ({ schedules: [] }),
    getSchedule: ({ id }) => {
      throw new ApiError('not_found', `No schedule with id ${id}`)
    },
    createSchedule: refuse('schedules'),
    updateSchedule: refuse('schedules'),
    deleteSchedule: refuse('schedules'),
    runSchedule: refuse('schedules'),
    listWatches: () => ({ watches: [] }),
    getWatch: ({ id }) => {
      throw new ApiError('not_found', `No watch with id ${id}`)
    },
    createWatch: refuse('watches'),
    updateWatch: refuse('watches'),
    deleteWatch: refuse('watches'),
    listLanes: () =>
      guard(async () => ({
        lanes: (await backend.lanes()).map((name) => ({ name, concurrency: null, paused: false, queued: 0, running: 0, slotsInUse: 0 })),
      })),
    getLane: ({ name }) => ({ name, concurrency: null, paused: false, queued: 0, running: 0, slotsInUse: 0 }),
    updateLane: refuse('laneLimits'),
    listKinds: () => ({ kinds: kinds.describe(), errors: [...kinds.errors] }),
    searchDocuments: refuse('search'),
    getBackend: () =>
      guard(async () => ({
        name: 'bullmq' as const,
        location: backend.target.shown,
        capabilities: BULLMQ_CAPABILITIES,
        workers: await backend.workers(clock.now()),
      })),
  }

  return {
    handlers,
    health: () => health,
    subscribe(listener) {
      listeners.add(listener)
      if (!unsubscribe) {
        unsubscribe = backend.subscribe(changed)
        statsTimer = setInterval(() => changed([]), STATS_INTERVAL_MS)
        statsTimer.unref()
      }
      return () => listeners.delete(listener)
    },
    async close() {
      clearTimeout(flushTimer)
      clearInterval(statsTimer)
      unsubscribe?.()
      listeners.clear()
      await backend.close()
    },
  }
}
