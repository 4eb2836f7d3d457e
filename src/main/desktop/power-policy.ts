import type { Settings } from '../../shared/job'

/** Input this recent means someone is at the computer, and its jobs should leave them room. */
export const USER_IDLE_SECONDS = 60

export function userActive(idleSeconds: number): boolean {
  return idleSeconds < USER_IDLE_SECONDS
}

/** Jobs allowed at once on battery: the setting, or half the usual, at least one. */
export function batteryConcurrency(settings: Pick<Settings, 'concurrency' | 'batteryConcurrency'>): number {
  return settings.batteryConcurrency ?? Math.max(1, Math.floor(settings.concurrency / 2))
}
