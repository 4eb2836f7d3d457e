import { BACKEND_FEATURES, type BackendFeature, type BackendName, type Capabilities } from '../../shared/backend'
import { ApiError } from '../../shared/errors'

export const SQLITE_CAPABILITIES: Capabilities = Object.fromEntries(BACKEND_FEATURES.map((f) => [f, true])) as Capabilities

/** BullMQ runs jobs, priorities, delays, retries with backoff, progress, logs and cancel; the rest is the embedded engine's. */
export const BULLMQ_CAPABILITIES: Capabilities = {
  laneLimits: false,
  dependencies: false,
  schedules: false,
  watches: false,
  keys: false,
  hold: false,
  slots: false,
  attempts: false,
  search: false,
  settings: false,
  statsReport: false,
}

/** Each backend as a message names it. */
export const BACKEND_TITLES: Record<BackendName, string> = { sqlite: 'SQLite', bullmq: 'BullMQ' }

const FEATURE_NAMES: Record<BackendFeature, string> = {
  laneLimits: 'lane limits and pauses',
  dependencies: 'dependencies between jobs',
  schedules: 'recurring schedules',
  watches: 'watched folders',
  keys: 'job keys (dedupe, replace, debounce)',
  hold: 'held jobs',
  slots: 'jobs taking more than one slot',
  attempts: 'the record of each attempt',
  search: 'the documents index',
  settings: 'changing settings',
  statsReport: 'the stats report',
}

/** The typed refusal of a feature this backend lacks: never a silent no. */
export function unsupported(feature: BackendFeature, backend: string): ApiError {
  return new ApiError('unsupported', `The ${backend} backend does not support ${FEATURE_NAMES[feature]}; the embedded SQLite engine does`, { feature })
}

export function requireFeature(capabilities: Capabilities, feature: BackendFeature, backend: string): void {
  if (!capabilities[feature]) throw unsupported(feature, backend)
}
