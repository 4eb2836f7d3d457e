import { availableParallelism } from 'node:os'
import { SettingsSchema, type Settings } from '../../shared/job'
import type { JobStore } from './job-store'

const KEY = 'settings'

export function defaultSettings(): Settings {
  return {
    concurrency: availableParallelism(),
    batteryConcurrency: null,
    closeToTray: true,
    notifyOnSuccess: true,
    notifyOnFailure: true,
    localApi: true,
    startAtLogin: false,
    keepFinishedDays: 30,
    keepFailedDays: 90,
    keepFinishedMax: null,
    activeHours: null,
    kindActiveHours: {},
    quietRunning: 'continue',
    hoursTimeZone: null,
    minFreeMemoryMb: null,
    adaptiveConcurrency: true,
    ioOvercommit: 2,
    workerMaxJobs: null,
    workerMaxRssMb: 1024,
    redis: null,
  }
}

/**
 * The saved settings over the defaults. A value that no longer validates
 * (hand-edited, or from another version) falls back to its default rather
 * than keeping Offload from starting.
 */
export function loadSettings(store: JobStore): Settings {
  const settings = defaultSettings()
  let saved: Record<string, unknown> = {}
  try {
    saved = JSON.parse(store.getSetting(KEY) ?? '{}') as Record<string, unknown>
  } catch {
    return settings
  }
  const fields = SettingsSchema.shape
  for (const key of Object.keys(fields) as (keyof Settings)[]) {
    const parsed = fields[key].safeParse(saved[key])
    if (saved[key] !== undefined && parsed.success) Object.assign(settings, { [key]: parsed.data })
  }
  return settings
}

export function saveSettings(store: JobStore, settings: Settings): void {
  store.setSetting(KEY, JSON.stringify(settings))
}
