import type { Stats } from '../../shared/job'

export type TrayAction = 'show' | 'pause' | 'resume' | 'quit'
export type TrayMenuItem = { label: string; action: TrayAction } | { separator: true }

/** "3 running · 12 queued", "Paused · 12 queued", or "Idle". */
export function trayTooltip(stats: Stats): string {
  const parts: string[] = []
  if (stats.paused) parts.push('Paused')
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
