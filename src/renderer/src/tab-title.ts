import type { Stats } from '../../shared/job'
import type { ConnectionStatus } from './api/transport'

/** What the window's title (a browser tab's label) says: enough to watch the queue from another tab. */
export function tabTitle(stats: Stats | null, connection: ConnectionStatus): string {
  if (connection === 'unauthorized') return 'Token refused · Offload'
  if (connection === 'reconnecting') return 'Offline · Offload'
  if (!stats) return 'Offload'
  const { running, queued, failed } = stats.counts
  const parts = [
    running > 0 && `${running.toLocaleString()} running`,
    queued > 0 && `${queued.toLocaleString()} queued`,
    failed > 0 && `${failed.toLocaleString()} failed`,
  ]
  const shown = parts.filter(Boolean).join(' · ')
  const held = stats.paused ? 'Paused · ' : stats.hours.quiet ? 'Quiet · ' : ''
  return `${held}${shown ? `${shown} — ` : ''}Offload`
}
