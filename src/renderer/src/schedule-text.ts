import { cronProblem, isTimeZone, nextFireTimes } from '../../shared/cron'
import type { ScheduleRun } from '../../shared/schedule'
import { MAX_MISSED_WINDOW_MS } from '../../shared/vocabulary'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** How far off a time is, said the short way: "45 s", "12 min", "2 h 5 min", "1 day 3 h", "5 days". */
function span(ms: number): string {
  if (ms < MINUTE_MS) return `${Math.max(1, Math.ceil(ms / 1000))} s`
  // Rounded up: a run at 14:00 seen at 13:47:30 is "in 13 min", never sooner than it is.
  const minutes = Math.ceil(ms / MINUTE_MS)
  if (minutes < 60) return `${minutes} min`
  if (ms < DAY_MS) {
    const h = Math.floor(minutes / 60)
    return minutes % 60 === 0 ? `${h} h` : `${h} h ${minutes % 60} min`
  }
  const days = Math.floor(ms / DAY_MS)
  const hours = Math.floor((ms % DAY_MS) / HOUR_MS)
  if (days >= 3 || hours === 0) return `${days} ${days === 1 ? 'day' : 'days'}`
  return `${days} ${days === 1 ? 'day' : 'days'} ${hours} h`
}

const sameDay = (a: Date, b: Date): boolean => a.toDateString() === b.toDateString()

/** A time on the panel's own clock: "14:00" today, "Mon 14:00" within the week, "3 Mar 14:00" beyond (with seconds when it has them). */
export function clockText(at: number, now: number, timeZone?: string): string {
  const date = new Date(at)
  const zone = timeZone ? { timeZone } : {}
  const time = date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', ...(date.getSeconds() !== 0 ? { second: '2-digit' } : {}), ...zone })
  const ahead = Math.abs(at - now)
  if (!timeZone && sameDay(date, new Date(now))) return time
  if (ahead < 6 * DAY_MS) return `${date.toLocaleDateString([], { weekday: 'short', ...zone })} ${time}`
  const year = new Date(now).getFullYear() === date.getFullYear() ? {} : { year: 'numeric' as const }
  return `${date.toLocaleDateString([], { month: 'short', day: 'numeric', ...year, ...zone })} ${time}`
}

/** When a schedule next fires: "in 12 min · 14:00". */
export function nextRunText(iso: string, now: number): string {
  const at = Date.parse(iso)
  if (at - now <= 0) return `due now · ${clockText(at, now)}`
  return `in ${span(at - now)} · ${clockText(at, now)}`
}

/** When something happened: "12 min ago · 13:00", "just now". */
export function pastText(iso: string, now: number): string {
  const at = Date.parse(iso)
  const ago = now - at
  if (ago < MINUTE_MS) return `just now · ${clockText(at, now)}`
  return `${span(ago)} ago · ${clockText(at, now)}`
}

/**
 * A fire time for the person at the panel: on their own clock, and when the
 * schedule's zone reads it differently, there too ("Mon 15:00 · 09:00 in
 * America/New_York").
 */
export function fireTimeText(at: number, timeZone: string, now: number): string {
  const local = clockText(at, now)
  const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone
  if (timeZone === localZone) return local
  const opts = { hour: '2-digit', minute: '2-digit', weekday: 'short', day: 'numeric' } as const
  const there = new Date(at).toLocaleString([], { ...opts, timeZone })
  if (there === new Date(at).toLocaleString([], opts)) return local
  return `${local} · ${clockText(at, now, timeZone)} in ${timeZone}`
}

export interface CronCheck {
  /** What is wrong with the pattern, or null (an empty one is "Required"). */
  cron: string | null
  /** What is wrong with the time zone, or null. */
  timezone: string | null
  /** The next fire times (ms) when both are right; otherwise none. */
  next: number[]
}

const sentence = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1)

/** The pattern and the zone as typed, checked the way the server checks them, with the next `count` fire times. */
export function checkCron(cron: string, timezone: string, now: number, count = 5): CronCheck {
  const zone = timezone.trim()
  const zoneProblem = zone === '' ? 'Required: an IANA name such as Europe/Berlin or UTC' : isTimeZone(zone) ? null : cronProblem('* * * * *', zone)!.message
  const pattern = cron.trim()
  // The pattern is judged on its own even while the zone is wrong, so both fields say what they need.
  const problem = pattern === '' ? 'Required' : (cronProblem(pattern, zoneProblem ? 'UTC' : zone)?.message ?? null)
  const cronText = problem ? sentence(problem) : null
  return { cron: cronText, timezone: zoneProblem, next: cronText || zoneProblem ? [] : nextFireTimes(pattern, zone, count, now) }
}

/** Every zone the browser knows, for the zone field's suggestions (UTC first: not every engine lists it). */
export function timeZones(): string[] {
  const known = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : []
  return ['UTC', ...known.filter((z) => z !== 'UTC')]
}

/** The browser's own zone, the default for a new schedule. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
}

/** "How far back missed runs are made up", typed in hours: empty is no limit (null). */
export function readMissedWindow(hours: string): { ms: number | null; error: string | null } {
  const text = hours.trim()
  if (text === '') return { ms: null, error: null }
  const h = Number(text)
  const ms = Math.round(h * HOUR_MS)
  if (!Number.isFinite(h) || ms < 1000 || ms > MAX_MISSED_WINDOW_MS)
    return { ms: null, error: `Hours, more than 0 and at most ${(MAX_MISSED_WINDOW_MS / HOUR_MS).toLocaleString()}; empty: no limit` }
  return { ms, error: null }
}

/** The inverse of readMissedWindow, for editing. */
export function missedWindowText(ms: number | null): string {
  if (ms === null) return ''
  return String(Number((ms / HOUR_MS).toFixed(4)))
}

/** A run in the schedule's history: what became of its slot. */
export function runStateText(run: ScheduleRun): string {
  if (run.state === 'waiting') return 'waiting for the last run to end'
  if (run.state === 'skipped') return 'skipped: the last run was still going'
  if (run.jobId === null || run.status === null) return 'enqueued · job removed since'
  return `enqueued · ${run.status}`
}

/** How a run came about, when not simply on time: by hand, or made up for a missed slot. */
export function runNote(run: ScheduleRun): string | null {
  if (run.manual) return 'run by hand'
  if (run.late) return 'made up: missed while Offload was off or asleep'
  return null
}

/**
 * A server's 400 details next to their fields: `params.<name>…` to the
 * param's field, the schedule's own fields by name, anything else (the
 * params as a whole) to the form.
 */
export function detailsByField(detail: readonly { path: string; message: string }[]): { params: Record<string, string>; fields: Record<string, string> } {
  const params: Record<string, string> = {}
  const fields: Record<string, string> = {}
  for (const d of detail) {
    const [head, name] = d.path.split('.')
    if (head === 'params' && name) params[name] = d.message
    else if (head && head !== 'params') fields[head] = d.message
    else fields._ = fields._ ? `${fields._}; ${d.message}` : d.message
  }
  return { params, fields }
}
