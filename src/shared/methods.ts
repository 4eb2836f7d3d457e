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

export const IPC_PREFIX = 'offload:'
export const IPC_EVENT_CHANNEL = 'offload:event'

/** The desktop app's own calls beside the contract: open a found document, or show it in its folder. */
export const IPC_DOCUMENT_CHANNELS = { open: 'offload:document:open', reveal: 'offload:document:reveal' } as const
