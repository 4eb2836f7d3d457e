/**
 * The contract's method names alone, free of zod, so the sandboxed preload
 * can build the bridge without bundling the schemas. `api.ts` is checked
 * against this list.
 */
export const METHOD_NAMES = [
  'createJob',
  'createJobs',
  'listJobs',
  'getJob',
  'getJobLogs',
  'getJobAttempts',
  'getJobDependencies',
  'cancelJob',
  'cancelJobs',
  'retryJobs',
  'removeJobs',
  'clearFinished',
  'setPriority',
  'retryJob',
  'releaseJob',
  'releaseJobs',
  'runJobNow',
  'getStats',
  'getStatsReport',
  'pauseQueue',
  'resumeQueue',
  'getSettings',
  'updateSettings',
  'listSchedules',
  'getSchedule',
  'createSchedule',
  'updateSchedule',
  'deleteSchedule',
  'runSchedule',
  'listWatches',
  'getWatch',
  'createWatch',
  'updateWatch',
  'deleteWatch',
  'listLanes',
  'getLane',
  'updateLane',
  'listKinds',
  'searchDocuments',
  'getBackend',
] as const
export type MethodName = (typeof METHOD_NAMES)[number]

/** Each method's HTTP route: the server's routes and the panel's client both come from here (zod-free, so the panel never loads the schemas). */
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  path: string
  /** The answer's status when not 200. */
  status?: number
}

export const ROUTES = {
  createJob: { method: 'POST', path: '/api/jobs', status: 201 },
  createJobs: { method: 'POST', path: '/api/jobs/batch', status: 201 },
  listJobs: { method: 'GET', path: '/api/jobs' },
  getJob: { method: 'GET', path: '/api/jobs/:id' },
  getJobLogs: { method: 'GET', path: '/api/jobs/:id/logs' },
  getJobAttempts: { method: 'GET', path: '/api/jobs/:id/attempts' },
  cancelJob: { method: 'POST', path: '/api/jobs/:id/cancel' },
  cancelJobs: { method: 'POST', path: '/api/jobs/cancel' },
  retryJobs: { method: 'POST', path: '/api/jobs/retry' },
  removeJobs: { method: 'POST', path: '/api/jobs/remove' },
  clearFinished: { method: 'POST', path: '/api/jobs/clear' },
  setPriority: { method: 'POST', path: '/api/jobs/priority' },
  getJobDependencies: { method: 'GET', path: '/api/jobs/:id/dependencies' },
  retryJob: { method: 'POST', path: '/api/jobs/:id/retry' },
  releaseJob: { method: 'POST', path: '/api/jobs/:id/release' },
  releaseJobs: { method: 'POST', path: '/api/jobs/release' },
  runJobNow: { method: 'POST', path: '/api/jobs/:id/run-now' },
  getStats: { method: 'GET', path: '/api/stats' },
  getStatsReport: { method: 'GET', path: '/api/stats/report' },
  pauseQueue: { method: 'POST', path: '/api/queue/pause' },
  resumeQueue: { method: 'POST', path: '/api/queue/resume' },
  getSettings: { method: 'GET', path: '/api/settings' },
  updateSettings: { method: 'PUT', path: '/api/settings' },
  listSchedules: { method: 'GET', path: '/api/schedules' },
  getSchedule: { method: 'GET', path: '/api/schedules/:id' },
  createSchedule: { method: 'POST', path: '/api/schedules', status: 201 },
  updateSchedule: { method: 'PUT', path: '/api/schedules/:id' },
  deleteSchedule: { method: 'DELETE', path: '/api/schedules/:id' },
  runSchedule: { method: 'POST', path: '/api/schedules/:id/run', status: 201 },
  listWatches: { method: 'GET', path: '/api/watches' },
  getWatch: { method: 'GET', path: '/api/watches/:id' },
  createWatch: { method: 'POST', path: '/api/watches', status: 201 },
  updateWatch: { method: 'PUT', path: '/api/watches/:id' },
  deleteWatch: { method: 'DELETE', path: '/api/watches/:id' },
  listLanes: { method: 'GET', path: '/api/lanes' },
  getLane: { method: 'GET', path: '/api/lanes/:name' },
  updateLane: { method: 'PUT', path: '/api/lanes/:name' },
  listKinds: { method: 'GET', path: '/api/kinds' },
  searchDocuments: { method: 'GET', path: '/api/search' },
  getBackend: { method: 'GET', path: '/api/backend' },
} as const satisfies Record<MethodName, Route>

export const EVENTS_PATH = '/api/events'

export const IPC_PREFIX = 'offload:'
export const IPC_EVENT_CHANNEL = 'offload:event'

/** The desktop app's own calls beside the contract: open a found document, or show it in its folder. */
export const IPC_DOCUMENT_CHANNELS = { open: 'offload:document:open', reveal: 'offload:document:reveal' } as const
