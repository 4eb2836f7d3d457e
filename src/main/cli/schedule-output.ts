import type { Schedule, ScheduleDetail, ScheduleRun } from '../../shared/schedule'
import { laneFields } from './lane-output'
import { displayWidth, fit, formatDuration, paintStatus } from './output'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const startOfDay = (d: Date): number => new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()

/**
 * A fire time on this machine's clock, as short as is clear: "14:30" today,
 * "Thu 14:30" within a week either way (a cron often picks days), else
 * "Dec 24, 14:30".
 */
export function clockTime(iso: string, now: Date): string {
  const at = new Date(iso)
  const time = at.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
  // Rounded: a day with a daylight-saving change is 23 or 25 hours long.
  const days = Math.round((startOfDay(at) - startOfDay(now)) / DAY)
  if (days === 0) return time
  if (Math.abs(days) < 7) return `${at.toLocaleDateString('en-US', { weekday: 'short' })} ${time}`
  const year = at.getFullYear() !== now.getFullYear() ? { year: 'numeric' as const } : {}
  return `${at.toLocaleDateString('en-US', { month: 'short', day: 'numeric', ...year })}, ${time}`
}

/** A span as a person would write it for a window: "3h", "2d", else to the minute. */
function span(ms: number): string {
  if (ms % DAY === 0) return `${ms / DAY}d`
  if (ms % HOUR === 0) return `${ms / HOUR}h`
  return formatDuration(ms)
}

/** How long until a time to come: "in 12 min", "in 3 h 5 min", "in 2 days". */
export function fromNow(ms: number): string {
  if (ms < MINUTE) return 'in <1 min'
  if (ms < HOUR) return `in ${Math.floor(ms / MINUTE)} min`
  if (ms < DAY) {
    const minutes = Math.floor((ms % HOUR) / MINUTE)
    return `in ${Math.floor(ms / HOUR)} h${minutes > 0 ? ` ${minutes} min` : ''}`
  }
  const days = Math.floor(ms / DAY)
  return `in ${days} ${days === 1 ? 'day' : 'days'}`
}

/** The next run as a list shows it: how soon when within the hour, else when on this machine's clock. */
export function nextRunText(schedule: Schedule, now: number): string {
  const next = schedule.nextRuns[0]
  if (!schedule.enabled || next === undefined) return '—'
  const ms = Date.parse(next) - now
  return ms < HOUR ? fromNow(ms) : clockTime(next, new Date(now))
}

/** What became of a run: its job's status, or why it has none. */
export function runOutcome(run: ScheduleRun): string {
  if (run.state !== 'enqueued') return run.state
  return run.status ?? 'removed'
}

function paintOutcome(run: ScheduleRun | null, text: string, colour: boolean): string {
  return run?.state === 'enqueued' && run.status !== null ? paintStatus(run.status, text, colour) : text
}

interface Column {
  title: string
  cell: (s: Schedule, now: number) => string
  /** The widest it grows to; longer cells end in an ellipsis. */
  max: number
  /** Columns give way from the highest down until the rest fit; 0 never. */
  drop: number
}

/** The name is kept at least this wide (when it is as long) before other columns give way. */
const MIN_NAME = 12
const COLUMNS: Column[] = [
  { title: 'ID', max: 26, drop: 0, cell: (s) => s.id },
  { title: 'NAME', max: Infinity, drop: 0, cell: (s) => s.name },
  { title: 'CRON', max: 20, drop: 1, cell: (s) => s.cron },
  { title: 'TZ', max: 20, drop: 4, cell: (s) => s.timezone },
  { title: 'KIND', max: 16, drop: 3, cell: (s) => s.kind },
  { title: 'ENABLED', max: 7, drop: 0, cell: (s) => (s.enabled ? 'yes' : 'no') },
  { title: 'NEXT', max: 24, drop: 0, cell: nextRunText },
  { title: 'LAST', max: 28, drop: 2, cell: (s, now) => (s.lastRun ? `${runOutcome(s.lastRun)} ${clockTime(s.lastRun.slot, new Date(now))}` : '—') },
]

/**
 * The schedules as a table at most `columns` wide: each column as wide as
 * its widest cell, the time zone, kind, last run and cron giving way in
 * that order, the name taking what is left; no row ever wraps.
 */
export function scheduleTable(schedules: readonly Schedule[], options: { columns: number; now: number; colour: boolean }): string {
  const cells = COLUMNS.map((c) => schedules.map((s) => c.cell(s, options.now)))
  const natural = COLUMNS.map((c, i) => Math.min(c.max, Math.max(displayWidth(c.title), ...cells[i]!.map(displayWidth))))
  const nameAt = COLUMNS.findIndex((c) => c.title === 'NAME')
  const leastName = Math.min(natural[nameAt]!, MIN_NAME)
  let shown = COLUMNS.map((_, i) => i)
  const fixed = (): number => shown.reduce((sum, i) => sum + (i === nameAt ? leastName : natural[i]!) + 1, -1)
  for (const rank of [4, 3, 2, 1]) {
    if (fixed() <= options.columns) break
    shown = shown.filter((i) => COLUMNS[i]!.drop < rank)
  }
  const width = (i: number): number => (i === nameAt ? Math.max(leastName, Math.min(natural[nameAt]!, options.columns - fixed() + leastName)) : natural[i]!)
  const tooNarrow = fixed() > options.columns
  const colour = options.colour && !tooNarrow
  const line = (parts: string[]): string => (tooNarrow ? fit(parts.join(' '), options.columns) : parts.join(' ')).trimEnd()
  const lastAt = COLUMNS.findIndex((c) => c.title === 'LAST')
  const rows = schedules.map((s, row) =>
    line(shown.map((i) => (i === lastAt ? paintOutcome(s.lastRun, fit(cells[i]![row]!, width(i)), colour) : fit(cells[i]![row]!, width(i))))),
  )
  return [line(shown.map((i) => fit(COLUMNS[i]!.title, width(i)))), ...rows].join('\n')
}

/** The next fire times, one a line, the first with how soon it is. */
export function nextRunLines(nextRuns: readonly string[], now: number): string[] {
  return nextRuns.map((iso, i) => `  ${clockTime(iso, new Date(now))}${i === 0 ? `  (${fromNow(Date.parse(iso) - now)})` : ''}`)
}

/** A schedule in full: its fields, its next runs, and its latest runs with what became of them. */
export function scheduleDetail(detail: ScheduleDetail, options: { now: number; colour: boolean }): string {
  const now = new Date(options.now)
  const field = (name: string, value: string): string => `  ${`${name}:`.padEnd(10)} ${value}`
  const lines = [
    `${detail.name} (${detail.id})`,
    field('kind', detail.kind),
    field('params', JSON.stringify(detail.params)),
    field('cron', `${detail.cron} in ${detail.timezone}`),
    field('enabled', detail.enabled ? 'yes' : 'no'),
    field('priority', detail.priority),
    ...laneFields(detail, field),
    field('attempts', detail.maxAttempts === null ? 'as the server’s settings say' : String(detail.maxAttempts)),
    field('timeout', detail.timeoutMs === null ? 'none' : formatDuration(detail.timeoutMs)),
    field('overlap', detail.overlap),
    field(
      'missed',
      `${detail.missed}${detail.missed === 'skip' ? '' : `, within ${detail.missedWindowMs === null ? 'any time' : span(detail.missedWindowMs)}`}`,
    ),
    field('created', clockTime(detail.createdAt, now)),
  ]
  if (detail.nextRuns.length > 0) lines.push('Next runs, on this machine’s clock:', ...nextRunLines(detail.nextRuns, options.now))
  if (detail.history.length === 0) lines.push('No runs yet')
  else {
    lines.push('Runs, newest first:')
    const whenWidth = Math.max(...detail.history.map((r) => displayWidth(clockTime(r.slot, now))))
    for (const run of detail.history) {
      const notes = [run.late ? 'made up for a missed time' : '', run.manual ? 'run by hand' : ''].filter(Boolean).join(', ')
      const parts = [fit(clockTime(run.slot, now), whenWidth), paintOutcome(run, fit(runOutcome(run), 9), options.colour), run.jobId ?? '', notes]
      lines.push(`  ${parts.filter(Boolean).join('  ')}`.trimEnd())
    }
  }
  return lines.join('\n')
}
