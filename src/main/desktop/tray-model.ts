import type { Stats } from '../../shared/job'
import { STORAGE_TROUBLE_LABEL } from './storage-notice'

export type TrayAction = 'show' | 'pause' | 'resume' | 'quit'
export type TrayMenuItem = { label: string; action: TrayAction } | { separator: true }

/** "3 running · 12 queued", "Paused · 12 queued", "Disk full · 2 running", or "Idle". */
export function trayTooltip(stats: Stats): string {
  const parts: string[] = []
  if (stats.storage.status !== 'ok') parts.push(STORAGE_TROUBLE_LABEL[stats.storage.status])
  if (stats.paused) parts.push('Paused')
  else if (stats.hours.quiet) parts.push('Quiet hours')
  if (stats.counts.running > 0) parts.push(`${stats.counts.running} running`)
  if (stats.counts.queued > 0) parts.push(`${stats.counts.queued} queued`)
  if (parts.length === 0) parts.push('Idle')
  return `Offload — ${parts.join(' · ')}`
}

export function trayMenu(stats: Stats): TrayMenuItem[] {
  return [
    { label: 'Show Offload', action: 'show' },
    stats.paused ? { label: 'Resume', action: 'resume' } : { label: 'Pause all', action: 'pause' },
    { separator: true },
    { label: 'Quit', action: 'quit' },
  ]
}
