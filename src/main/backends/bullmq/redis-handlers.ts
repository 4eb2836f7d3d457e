import type { ApiHandlers, OffloadEvent } from '../../../shared/api'
import type { BackendFeature } from '../../../shared/backend'
import { ApiError } from '../../../shared/errors'
import type { StorageHealth } from '../../../shared/job'
import type { Lane } from '../../../shared/lane'
import type { Clock } from '../../engine/engine'
import type { KindRegistry } from '../../kinds/registry'
import { createJobHandlers } from '../backend'
import { BACKEND_TITLES, unsupported } from '../capabilities'
import type { BullStore } from './bull-store'
import { RedisQueue } from './redis-queue'

export interface RedisServer {
  handlers: ApiHandlers
  /** The jobs behind the backend seam. */
  queue: RedisQueue
  subscribe(listener: (event: OffloadEvent) => void): () => void
  /** Redis's health as last seen: a server that cannot reach it says so, and answers again when it returns. */
  health(): StorageHealth
  close(): Promise<void>
}

/**
 * The whole contract over BullMQ: the jobs through the backend seam, and
 * for the rest what a queue on Redis has. What only the embedded engine does
 * is refused with an `unsupported` error naming the feature; lists of what
 * cannot exist here (schedules, watches) are empty.
 */
export function createRedisServer(store: BullStore, kinds: KindRegistry, clock: Clock = { now: () => Date.now() }): RedisServer {
  const queue = new RedisQueue(store, kinds, clock)
  const refuse = (feature: BackendFeature) => (): never => {
    throw unsupported(feature, BACKEND_TITLES.bullmq)
  }
  // Lanes route jobs to their queue here; their limits and pauses are the embedded engine's.
  const lane = async (name: string): Promise<Lane> => {
    const { queued, running } = await store.laneCounts(name)
    return { name, concurrency: null, paused: false, queued, running, slotsInUse: running }
  }
  const handlers: ApiHandlers = {
    ...createJobHandlers<'later'>(queue),
    getJobAttempts: refuse('attempts'),
    getJobDependencies: refuse('dependencies'),
    clearFinished: async ({ status }) => ({ removed: (await queue.removeMany({ filter: { status } })).changedCount }),
    releaseJob: refuse('hold'),
    releaseJobs: refuse('hold'),
    runJobNow: refuse('schedules'),
    getStatsReport: refuse('statsReport'),
    // Each worker host has its own (its --concurrency); the panel reads these for its defaults and offers no way to change them.
    getSettings: () => queue.settings,
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
    listLanes: () => queue.guard(async () => ({ lanes: await Promise.all((await store.lanes()).map(lane)) })),
    getLane: ({ name }) => queue.guard(() => lane(name)),
    updateLane: refuse('laneLimits'),
    listKinds: () => ({ kinds: kinds.describe(), errors: [...kinds.errors] }),
    searchDocuments: refuse('search'),
  }
  return {
    handlers,
    queue,
    health: () => queue.health(),
    subscribe: (listener) => queue.subscribe(listener),
    close: () => queue.close(),
  }
}
