import { describe, expect, it } from 'vitest'
import { ActiveHoursSchema, hoursState, isOpenAt, type ActiveHours } from '../../src/shared/active-hours'

const at = (iso: string): number => Date.parse(iso)
const nights: ActiveHours = { rule: 'only', windows: [{ from: '23:00', to: '07:00' }] }
const officeHours: ActiveHours = { rule: 'never', windows: [{ from: '09:00', to: '18:00', days: [1, 2, 3, 4, 5] }] }

describe('active hours', () => {
  it('"only 23:00–07:00" is open across midnight and closed by day, and says when that changes', () => {
    expect(hoursState(nights, 'UTC', at('2026-03-04T22:59:59Z'))).toEqual({ open: false, changesAt: at('2026-03-04T23:00:00Z') })
    expect(hoursState(nights, 'UTC', at('2026-03-04T23:00:00Z'))).toEqual({ open: true, changesAt: at('2026-03-05T07:00:00Z') })
    expect(hoursState(nights, 'UTC', at('2026-03-05T03:00:00Z'))).toEqual({ open: true, changesAt: at('2026-03-05T07:00:00Z') })
    expect(isOpenAt(nights, 'UTC', at('2026-03-05T07:00:00Z'))).toBe(false)
  })

  it('"never 09:00–18:00 on weekdays" is open at weekends, and through Friday night to Monday 09:00', () => {
    // 2026-03-06 is a Friday.
    expect(hoursState(officeHours, 'UTC', at('2026-03-06T12:00:00Z'))).toEqual({ open: false, changesAt: at('2026-03-06T18:00:00Z') })
    expect(hoursState(officeHours, 'UTC', at('2026-03-06T18:00:00Z'))).toEqual({ open: true, changesAt: at('2026-03-09T09:00:00Z') })
    expect(isOpenAt(officeHours, 'UTC', at('2026-03-07T12:00:00Z'))).toBe(true)
  })

  it('reads the hours in the given zone, daylight saving included', () => {
    // Berlin is UTC+1 in winter, UTC+2 from 29 March 2026.
    expect(hoursState(nights, 'Europe/Berlin', at('2026-03-04T21:30:00Z'))).toEqual({ open: false, changesAt: at('2026-03-04T22:00:00Z') })
    expect(hoursState(nights, 'Europe/Berlin', at('2026-03-29T00:00:00Z'))).toEqual({ open: true, changesAt: at('2026-03-29T05:00:00Z') })
  })

  it('from equal to to is the whole day; a window with no days is every day; null hours are always open', () => {
    const never: ActiveHours = { rule: 'never', windows: [{ from: '00:00', to: '00:00' }] }
    expect(hoursState(never, 'UTC', at('2026-03-04T12:00:00Z'))).toEqual({ open: false, changesAt: null })
    expect(hoursState(null, 'UTC', at('2026-03-04T12:00:00Z'))).toEqual({ open: true, changesAt: null })
  })

  it('refuses times that are not HH:MM, days out of range, and no windows', () => {
    for (const bad of [
      { rule: 'only', windows: [{ from: '24:00', to: '07:00' }] },
      { rule: 'only', windows: [{ from: '7:00', to: '08:00' }] },
      { rule: 'only', windows: [{ from: '07:00', to: '08:00', days: [7] }] },
      { rule: 'only', windows: [{ from: '07:00', to: '08:00', days: [1, 1] }] },
      { rule: 'only', windows: [] },
      { rule: 'sometimes', windows: [{ from: '07:00', to: '08:00' }] },
    ]) {
      expect(ActiveHoursSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false)
    }
  })
})
