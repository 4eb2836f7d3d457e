import { z } from 'zod'
import { isTimeZone, lastFireTime, nextFireTimes } from './cron'
import { WEEKDAY_NAMES } from './vocabulary'

export { WEEKDAY_NAMES }

export const MAX_HOUR_WINDOWS = 20
export const MAX_KIND_HOURS = 100

export const TimeOfDaySchema = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Expected a time of day as HH:MM, 00:00 to 23:59')

/**
 * A span of the day, e.g. 23:00–07:00 (past midnight into the next day) on
 * the days it begins; `from` equal to `to` is the whole day.
 */
export const HoursWindowSchema = z.strictObject({
  from: TimeOfDaySchema,
  to: TimeOfDaySchema,
  /** The days on which the window begins, 0 = Sunday; all days if left out. */
  days: z
    .array(z.number().int().min(0).max(6))
    .min(1)
    .max(7)
    .refine((days) => new Set(days).size === days.length, 'Each day at most once')
    .optional(),
})
export type HoursWindow = z.infer<typeof HoursWindowSchema>

/** When new jobs may start: `only` inside the windows, or `never` inside them. */
export const ActiveHoursSchema = z.strictObject({
  rule: z.enum(['only', 'never']),
  windows: z.array(HoursWindowSchema).min(1).max(MAX_HOUR_WINDOWS),
})
export type ActiveHours = z.infer<typeof ActiveHoursSchema>

export const KindActiveHoursSchema = z
  .record(z.string().min(1).max(200), ActiveHoursSchema)
  .refine((hours) => Object.keys(hours).length <= MAX_KIND_HOURS, `At most ${MAX_KIND_HOURS} kinds with their own hours`)

export const HoursTimeZoneSchema = z.string().refine(isTimeZone, 'Unknown time zone; use an IANA name such as Europe/Berlin or UTC')

/** The machine's zone, which hours are read in unless a setting names another. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone
}

const fields = (time: string): [string, string] => {
  const [hours, minutes] = time.split(':') as [string, string]
  return [String(Number(minutes)), String(Number(hours))]
}

/**
 * A window as two crons: one fires when it opens (on its days), the other at
 * `to` every day; the first `to` after an opening closes it. Croner does the
 * calendar and the time zone, daylight-saving gaps included.
 */
function windowCrons(window: HoursWindow): { opens: string; closes: string } {
  const [fromMinute, fromHour] = fields(window.from)
  const [toMinute, toHour] = fields(window.to)
  const days = window.days ? [...window.days].sort().join(',') : '*'
  return { opens: `${fromMinute} ${fromHour} * * ${days}`, closes: `${toMinute} ${toHour} * * *` }
}

function inWindow(window: HoursWindow, timezone: string, at: number): boolean {
  const { opens, closes } = windowCrons(window)
  const opened = lastFireTime(opens, timezone, at)
  if (opened === null) return false
  const closed = nextFireTimes(closes, timezone, 1, opened)[0]
  return closed === undefined || at < closed
}

/** Whether jobs may start at `at` under these hours (null: any time). */
export function isOpenAt(hours: ActiveHours | null, timezone: string, at: number): boolean {
  if (!hours) return true
  const inside = hours.windows.some((window) => inWindow(window, timezone, at))
  return hours.rule === 'only' ? inside : !inside
}

/** Edges looked at ahead: a week of daily windows, and a little more. */
const EDGES_AHEAD = 9

/**
 * Whether jobs may start now, and when that next changes (null: not within
 * the next week, or never).
 */
export function hoursState(hours: ActiveHours | null, timezone: string, at: number): { open: boolean; changesAt: number | null } {
  const open = isOpenAt(hours, timezone, at)
  if (!hours) return { open, changesAt: null }
  const edges = new Set<number>()
  for (const window of hours.windows) {
    const { opens, closes } = windowCrons(window)
    for (const edge of nextFireTimes(opens, timezone, EDGES_AHEAD, at)) edges.add(edge)
    for (const edge of nextFireTimes(closes, timezone, EDGES_AHEAD, at)) edges.add(edge)
  }
  const changesAt = [...edges].sort((a, b) => a - b).find((edge) => isOpenAt(hours, timezone, edge) !== open) ?? null
  return { open, changesAt }
}
