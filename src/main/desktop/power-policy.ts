import type { Settings } from '../../shared/job'

/** Jobs allowed at once on battery: the setting, or half the usual, at least one. */
export function batteryConcurrency(settings: Pick<Settings, 'concurrency' | 'batteryConcurrency'>): number {
  return settings.batteryConcurrency ?? Math.max(1, Math.floor(settings.concurrency / 2))
}
