import { describe, expect, it } from 'vitest'
import { clockTime, fromNow, nextRunText, runOutcome, scheduleDetail, scheduleTable } from '../../src/main/cli/schedule-output'
import type { Schedule, ScheduleRun } from '../../src/shared/schedule'

// On this machine's clock, as the command prints: the tests read the same whatever zone they run in.
const now = new Date(2026, 11, 2, 15, 0, 0)
const at = (day: number, hours: number, minutes = 0): string => new Date(2026, 11, day, hours, minutes).toISOString()

const run = (over: Partial<ScheduleRun>): ScheduleRun => ({
  slot: at(2, 14),
  firedAt: at(2, 14),
  state: 'enqueued',
  manual: false,
  late: false,
  jobId: '01JD3QZ8Y7W6V5T4S3R2Q1P0NM',
  status: 'succeeded',
  ...over,
})

const schedule = (over: Partial<Schedule>): Schedule => ({
  id: '01JD3QZ8Y7W6V5T4S3R2Q1P0AB',
  name: 'Nightly backup',
  cron: '0 3 * * *',
  timezone: 'Europe/Berlin',
  kind: 'shell',
  params: { command: './backup.sh' },
  priority: 'normal',
  maxAttempts: null,
  timeoutMs: null,
  lane: null,
  slots: 1,
  enabled: true,
  overlap: 'skip',
  missed: 'once',
  missedWindowMs: 86_400_000,
  createdAt: at(1, 9),
  nextRuns: [at(3, 3), at(4, 3)],
  lastRun: run({}),
  ...over,
})

describe('schedules on the command line', () => {
  it('says a fire time as short as is clear: today, this week by weekday, else by date', () => {
    expect(clockTime(at(2, 16, 30), now)).toBe('16:30')
    expect(clockTime(at(3, 3), now)).toBe('Thu 03:00')
    expect(clockTime(at(8, 9), now)).toBe('Tue 09:00')
    expect(clockTime(at(1, 9), now)).toBe('Tue 09:00')
    expect(clockTime(at(24, 18), now)).toBe('Dec 24, 18:00')
    expect(clockTime(new Date(2027, 0, 5, 8).toISOString(), now)).toBe('Jan 5, 2027, 08:00')
  })

  it('says how soon', () => {
    expect([20_000, 12 * 60_000, 3 * 3_600_000, 3 * 3_600_000 + 5 * 60_000, 86_400_000, 3 * 86_400_000].map(fromNow)).toEqual([
      'in <1 min',
      'in 12 min',
      'in 3 h',
      'in 3 h 5 min',
      'in 1 day',
      'in 3 days',
    ])
  })

  it('shows the next run as how soon within the hour, else when; none while disabled', () => {
    expect(nextRunText(schedule({ nextRuns: [at(2, 15, 12)] }), now.getTime())).toBe('in 12 min')
    expect(nextRunText(schedule({}), now.getTime())).toBe('Thu 03:00')
    expect(nextRunText(schedule({ enabled: false, nextRuns: [] }), now.getTime())).toBe('—')
  })

  it('says what became of a run: its job’s status, or why it has none', () => {
    expect([run({}), run({ status: null }), run({ state: 'skipped', jobId: null, status: null }), run({ state: 'waiting' })].map(runOutcome)).toEqual([
      'succeeded',
      'removed',
      'skipped',
      'waiting',
    ])
  })

  it('fits the list to the terminal: the zone, kind, last run and cron give way, and no row is wider', () => {
    const schedules = [schedule({}), schedule({ name: 'A schedule with a name far too long for any list', enabled: false, nextRuns: [], lastRun: null })]
    const wide = scheduleTable(schedules, { columns: 160, now: now.getTime(), colour: false }).split('\n')
    expect(wide[0]).toMatch(/^ID +NAME +CRON +TZ +KIND +ENABLED +NEXT +LAST$/)
    expect(wide[1]).toMatch(/^01JD3QZ8Y7W6V5T4S3R2Q1P0AB Nightly backup +0 3 \* \* \* +Europe\/Berlin +shell +yes +Thu 03:00 +succeeded 14:00$/)
    expect(wide[2]).toMatch(/ no +— +—$/)
    for (const [columns, header] of [
      [100, /^ID +NAME +CRON +KIND +ENABLED +NEXT +LAST$/],
      [80, /^ID +NAME +CRON +ENABLED +NEXT$/],
      [60, /^ID +NAME +ENABLED +NEXT$/],
      [40, /^ID +NAME/],
    ] as const) {
      const lines = scheduleTable(schedules, { columns, now: now.getTime(), colour: false }).split('\n')
      expect([columns, lines[0]]).toEqual([columns, expect.stringMatching(header)])
      for (const line of lines) expect([...line].length).toBeLessThanOrEqual(columns)
    }
  })

  it('shows a schedule in full, with its next runs and what became of its runs', () => {
    const text = scheduleDetail(
      {
        ...schedule({ missedWindowMs: 3 * 3_600_000 }),
        history: [run({ manual: true }), run({ slot: at(2, 3), state: 'skipped', jobId: null, status: null, late: true })],
      },
      { now: now.getTime(), colour: false },
    )
    expect(text.split('\n')).toEqual([
      'Nightly backup (01JD3QZ8Y7W6V5T4S3R2Q1P0AB)',
      '  kind:      shell',
      '  params:    {"command":"./backup.sh"}',
      '  cron:      0 3 * * * in Europe/Berlin',
      '  enabled:   yes',
      '  priority:  normal',
      '  attempts:  as the server’s settings say',
      '  timeout:   none',
      '  overlap:   skip',
      '  missed:    once, within 3h',
      '  created:   Tue 09:00',
      'Next runs, on this machine’s clock:',
      '  Thu 03:00  (in 12 h)',
      '  Fri 03:00',
      'Runs, newest first:',
      '  14:00  succeeded  01JD3QZ8Y7W6V5T4S3R2Q1P0NM  run by hand',
      '  03:00  skipped    made up for a missed time',
    ])
  })
})
