import { describe, expect, it } from 'vitest'
import type { ScheduleRun } from '../../../src/shared/schedule'
import {
  checkCron,
  clockText,
  detailsByField,
  fireTimeText,
  missedWindowText,
  nextRunText,
  pastText,
  readMissedWindow,
  runNote,
  runStateText,
  timeZones,
} from '../../../src/renderer/src/schedule-text'

const now = Date.parse('2026-03-04T12:00:00Z')
const hhmm = (ms: number): string => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
const iso = (ms: number): string => new Date(ms).toISOString()
const MIN = 60_000

describe('when a schedule next runs', () => {
  it('says how long until, rounded up, then the time on the panel’s clock', () => {
    expect(nextRunText(iso(now + 12 * MIN), now)).toBe(`in 12 min · ${hhmm(now + 12 * MIN)}`)
    // 12.5 minutes away is "in 13 min": never sooner than it is.
    expect(nextRunText(iso(now + 12.5 * MIN), now)).toMatch(/^in 13 min · /)
    expect(nextRunText(iso(now + 45_000), now)).toMatch(/^in 45 s · /)
    expect(nextRunText(iso(now + 125 * MIN), now)).toMatch(/^in 2 h 5 min · /)
    expect(nextRunText(iso(now + 120 * MIN), now)).toMatch(/^in 2 h · /)
    expect(nextRunText(iso(now + 27 * 60 * MIN), now)).toMatch(/^in 1 day 3 h · /)
    expect(nextRunText(iso(now + 5 * 24 * 60 * MIN), now)).toMatch(/^in 5 days · /)
    expect(nextRunText(iso(now - 1000), now)).toMatch(/^due now · /)
  })

  it('names the day beyond today, and the date beyond the week', () => {
    const today = new Date(now)
    const laterToday = new Date(today.getFullYear(), today.getMonth(), today.getDate(), 23, 30).getTime()
    expect(clockText(laterToday, now)).toBe(hhmm(laterToday))
    const inTwoDays = now + 2 * 24 * 60 * MIN
    expect(clockText(inTwoDays, now)).toBe(`${new Date(inTwoDays).toLocaleDateString([], { weekday: 'short' })} ${hhmm(inTwoDays)}`)
    const inTwoWeeks = now + 14 * 24 * 60 * MIN
    expect(clockText(inTwoWeeks, now)).toBe(`${new Date(inTwoWeeks).toLocaleDateString([], { month: 'short', day: 'numeric' })} ${hhmm(inTwoWeeks)}`)
    const nextYear = Date.parse('2027-06-01T12:00:00Z')
    expect(clockText(nextYear, now)).toContain('2027')
  })

  it('says how long ago a run was', () => {
    expect(pastText(iso(now - 30_000), now)).toMatch(/^just now · /)
    expect(pastText(iso(now - 12 * MIN), now)).toBe(`12 min ago · ${hhmm(now - 12 * MIN)}`)
  })

  it('gives a fire time in the schedule’s zone too when that zone’s clocks read differently', () => {
    const local = Intl.DateTimeFormat().resolvedOptions().timeZone
    expect(fireTimeText(now, local, now)).toBe(clockText(now, now))
    const other = local === 'Pacific/Kiritimati' ? 'Pacific/Niue' : 'Pacific/Kiritimati'
    expect(fireTimeText(now, other, now)).toMatch(new RegExp(`^${clockText(now, now).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} · .+ in ${other}$`))
  })
})

describe('checking a cron pattern as it is typed', () => {
  it('gives the next five fire times of a good pattern in its zone', () => {
    const check = checkCron('0 9 * * *', 'UTC', now)
    expect(check).toMatchObject({ cron: null, timezone: null })
    expect(check.next.map(iso)).toEqual([
      '2026-03-05T09:00:00.000Z',
      '2026-03-06T09:00:00.000Z',
      '2026-03-07T09:00:00.000Z',
      '2026-03-08T09:00:00.000Z',
      '2026-03-09T09:00:00.000Z',
    ])
    // 9:00 in Tokyo is midnight UTC.
    expect(iso(checkCron('0 9 * * *', 'Asia/Tokyo', now).next[0]!)).toBe('2026-03-05T00:00:00.000Z')
  })

  it('says what is wrong, as a sentence, and gives no times', () => {
    expect(checkCron('61 * * * *', 'UTC', now)).toEqual({ cron: 'Invalid value for minute: 61', timezone: null, next: [] })
    expect(checkCron('0 9 * *', 'UTC', now).cron).toMatch(/^Invalid configuration format/)
    expect(checkCron('0 0 30 2 *', 'UTC', now).cron).toBe('This pattern never fires')
    expect(checkCron('  ', 'UTC', now).cron).toBe('Required')
  })

  it('judges the pattern and the zone each on its own, so both fields say what they need', () => {
    expect(checkCron('0 9 * * *', 'Mars/Olympus', now)).toEqual({
      cron: null,
      timezone: expect.stringContaining('Unknown time zone "Mars/Olympus"') as string,
      next: [],
    })
    const both = checkCron('nope', 'Mars/Olympus', now)
    expect(both.cron).not.toBeNull()
    expect(both.timezone).not.toBeNull()
    expect(checkCron('* * * * *', '', now).timezone).toMatch(/^Required/)
  })

  it('suggests every zone the browser knows, UTC first', () => {
    const zones = timeZones()
    expect(zones[0]).toBe('UTC')
    expect(zones).toContain('Europe/Berlin')
    expect(zones.filter((z) => z === 'UTC')).toHaveLength(1)
  })
})

describe('the missed-runs window', () => {
  it('is typed in hours; empty means no limit', () => {
    expect(readMissedWindow('24')).toEqual({ ms: 24 * 3600_000, error: null })
    expect(readMissedWindow('0.5')).toEqual({ ms: 1800_000, error: null })
    expect(readMissedWindow('')).toEqual({ ms: null, error: null })
    expect(readMissedWindow('0').error).toMatch(/^Hours/)
    expect(readMissedWindow('abc').error).toMatch(/^Hours/)
    expect(readMissedWindow('100000').error).toMatch(/at most 8,784/)
  })

  it('reads back as it was typed', () => {
    expect(missedWindowText(24 * 3600_000)).toBe('24')
    expect(missedWindowText(1800_000)).toBe('0.5')
    expect(missedWindowText(null)).toBe('')
  })
})

describe('a run in a schedule’s history', () => {
  const run = (patch: Partial<ScheduleRun>): ScheduleRun => ({
    slot: iso(now),
    firedAt: iso(now),
    state: 'enqueued',
    manual: false,
    late: false,
    jobId: '01J0000000000000000000000A',
    status: 'succeeded',
    ...patch,
  })

  it('says what became of its slot', () => {
    expect(runStateText(run({}))).toBe('enqueued · succeeded')
    expect(runStateText(run({ status: null }))).toBe('enqueued · job removed since')
    expect(runStateText(run({ state: 'waiting', jobId: null, status: null }))).toBe('waiting for the last run to end')
    expect(runStateText(run({ state: 'skipped', jobId: null, status: null }))).toBe('skipped: the last run was still going')
  })

  it('notes a run by hand or one made up for a missed slot', () => {
    expect(runNote(run({}))).toBeNull()
    expect(runNote(run({ manual: true }))).toBe('run by hand')
    expect(runNote(run({ late: true }))).toMatch(/^made up/)
  })
})

describe('the server’s word on a schedule, by field', () => {
  it('puts params problems by the param, the schedule’s own by their field, the rest on the form', () => {
    expect(
      detailsByField([
        { path: 'params.command', message: 'Too small' },
        { path: 'params.env.HOME', message: 'Expected string' },
        { path: 'cron', message: 'Invalid value for minute: 61' },
        { path: 'params', message: 'Unrecognized key: "x"' },
        { path: '', message: 'Bad' },
      ]),
    ).toEqual({
      params: { command: 'Too small', env: 'Expected string' },
      fields: { cron: 'Invalid value for minute: 61', _: 'Unrecognized key: "x"; Bad' },
    })
  })
})
