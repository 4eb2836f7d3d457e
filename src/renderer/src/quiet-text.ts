import type { QuietState } from '../../shared/job'

const DAY_MS = 86_400_000

/** "23:00" within the day, "Mon 09:00" within the week, a date beyond. */
function when(iso: string, now: number): string {
  const at = new Date(iso)
  const time = at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
  const ahead = at.getTime() - now
  if (ahead < DAY_MS) return time
  if (ahead < 7 * DAY_MS) return `${at.toLocaleDateString([], { weekday: 'short' })} ${time}`
  return `${at.toLocaleDateString([], { month: 'short', day: 'numeric' })} ${time}`
}

/** The header's word on quiet hours, or null while they keep nothing back. */
export function quietText(hours: QuietState | undefined, now: number): string | null {
  if (!hours) return null
  const held = hours.held > 0 ? ` · ${hours.held.toLocaleString()} ${hours.held === 1 ? 'job' : 'jobs'} held` : ''
  if (hours.quiet) return `Quiet${hours.until ? ` until ${when(hours.until, now)}` : ''}${held}`
  if (hours.kinds.length === 0) return held ? held.slice(3) : null
  const [first, ...more] = hours.kinds
  const named = more.length === 0 ? `${first!.kind}${first!.until ? ` until ${when(first!.until, now)}` : ''}` : `${hours.kinds.length} kinds`
  return `Quiet for ${named}${held}`
}
