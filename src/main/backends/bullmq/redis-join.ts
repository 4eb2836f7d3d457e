import type { ApiHandlers, OffloadEvent } from '../../../shared/api'
import type { RedisJoin } from '../../../shared/job'
import { BullStore } from './bull-store'
import { createRedisServer } from './redis-handlers'
import { probeRedis } from './redis-probe'
import { parseRedisUrl } from './redis-url'
import { DEFAULT_LEASE_MS, RedisWorkerHost } from './worker-host'
import type { Host } from '../../engine/host'
import type { Launcher } from '../../common/launcher'

/** Past this, a Redis that answered the probe but not the worker's start-up is taken as away (the window must not wait on it). */
const WORKER_START_MS = 10_000

function withinTime<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), ms)))
  return Promise.race([promise, late]).finally(() => clearTimeout(timer))
}

/** What the desktop app serves its panel, and what it must close as it quits. */
export interface Joined {
  handlers: ApiHandlers
  subscribe(listener: (event: OffloadEvent) => void): () => void
  /** Said once, for a notification: what joining did, or why it could not. */
  said: string | null
  close(): Promise<void>
}

/**
 * The desktop app and a shared queue on Redis, as its settings say (taken
 * up at start). As a worker it runs jobs from Redis beside its own queue,
 * in worker processes of their own (up to the app's concurrency more); as a client its panel drives the shared
 * queue, while its settings stay its own (so the setting can be undone).
 * A Redis that cannot be reached leaves the app on its own queue and says so.
 */
export async function joinRedis(
  join: RedisJoin | null,
  host: Host,
  deps: { dataDir: string; launcher: Launcher; machine?: string; nativeBinding?: string },
): Promise<Joined> {
  const own: Joined = { handlers: host.handlers, subscribe: (listener) => host.engine.subscribe(listener), said: null, close: () => Promise.resolve() }
  if (!join) return own
  const alone = (error: unknown): Joined => ({ ...own, said: `${(error as Error).message}. Offload is working from this computer’s own queue.` })
  let target
  try {
    target = parseRedisUrl(join.url)
    await probeRedis(target)
  } catch (error) {
    return alone(error)
  }
  if (join.role === 'worker') {
    const starting = RedisWorkerHost.start({
      target,
      dataDir: deps.dataDir,
      launcher: deps.launcher,
      concurrency: host.engine.settings().concurrency,
      lanes: null,
      leaseMs: DEFAULT_LEASE_MS,
      ...(deps.machine ? { machine: deps.machine } : {}),
      ...(deps.nativeBinding ? { nativeBinding: deps.nativeBinding } : {}),
    })
    try {
      const worker = await withinTime(starting, WORKER_START_MS, `Redis at ${target.shown} stopped answering while this app joined it`)
      return { ...own, said: `Also running jobs from the shared queue at ${target.shown}.`, close: () => worker.close() }
    } catch (error) {
      // One that starts after all is closed at once: the app said it works alone.
      void starting.then(
        (late) => late.close(),
        () => undefined,
      )
      return alone(error)
    }
  }
  const shared = createRedisServer(new BullStore(target), host.kinds)
  const handlers: ApiHandlers = {
    ...shared.handlers,
    getSettings: host.handlers.getSettings,
    updateSettings: host.handlers.updateSettings,
    // Settings here are this app's, not the shared queue's: the panel keeps them.
    getBackend: async (input) => {
      const info = await shared.handlers.getBackend(input)
      return { ...info, capabilities: { ...info.capabilities, settings: true } }
    },
  }
  return {
    handlers,
    subscribe: (listener) => {
      const fromShared = shared.subscribe(listener)
      const fromOwn = host.engine.subscribe((event) => event.type === 'settings' && listener(event))
      return () => (fromShared(), fromOwn())
    },
    said: `The panel shows the shared queue at ${target.shown}.`,
    close: () => shared.close(),
  }
}
