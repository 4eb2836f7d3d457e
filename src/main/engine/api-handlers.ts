import type { ApiHandlers } from '../../shared/api'
import type { KindRegistry } from '../kinds/registry'
import type { Engine } from './engine'

/** The contract's methods, implemented by the engine. Every transport calls these with validated input. */
export function createApiHandlers(engine: Engine, kinds: KindRegistry): ApiHandlers {
  return {
    createJob: (input) => engine.createJob(input),
    createJobs: ({ jobs }) => ({ ids: engine.createJobs(jobs) }),
    listJobs: (query) => engine.listJobs(query),
    getJob: ({ id }) => engine.getJob(id),
    getJobLogs: ({ id }) => ({ lines: engine.getJobLogs(id) }),
    cancelJob: ({ id }) => engine.cancelJob(id),
    cancelJobs: ({ ids }) => engine.cancelJobs(ids),
    retryJobs: ({ ids }) => engine.retryJobs(ids),
    removeJobs: ({ ids }) => engine.removeJobs(ids),
    setPriority: ({ ids, priority }) => engine.setPriority(ids, priority),
    retryJob: ({ id }) => engine.retryJob(id),
    getStats: () => engine.stats(),
    pauseQueue: () => {
      engine.pause()
      return { ok: true }
    },
    resumeQueue: () => {
      engine.resume()
      return { ok: true }
    },
    getSettings: () => engine.settings(),
    updateSettings: (patch) => engine.updateSettings(patch),
    listKinds: () => ({ kinds: kinds.describe(), errors: [...kinds.errors] }),
  }
}
