import { describe, expect, it } from 'vitest'
import { parseAt } from '../../src/main/cli/when'

describe('--at', () => {
  const now = new Date(2026, 11, 2, 15, 0, 0)

  it('takes a time of day as today, or tomorrow once it has passed', () => {
    expect(parseAt('16:30', now)).toEqual(new Date(2026, 11, 2, 16, 30, 0))
    expect(parseAt('9:05', now)).toEqual(new Date(2026, 11, 3, 9, 5, 0))
    expect(parseAt('15:00', now)).toEqual(new Date(2026, 11, 3, 15, 0, 0))
    expect(parseAt('15:00:01', now)).toEqual(new Date(2026, 11, 2, 15, 0, 1))
  })

  it('takes a local date and time, and an ISO instant with its offset', () => {
    expect(parseAt('2026-12-24 18:00', now)).toEqual(new Date(2026, 11, 24, 18, 0, 0))
    expect(parseAt('2026-12-24T18:00:30', now)).toEqual(new Date(2026, 11, 24, 18, 0, 30))
    expect(parseAt('2026-12-24T18:00:00Z', now)).toEqual(new Date(Date.UTC(2026, 11, 24, 18)))
    expect(parseAt('2026-12-24T18:00:00+01:00', now)).toEqual(new Date(Date.UTC(2026, 11, 24, 17)))
  })

  it('refuses what is no time, rather than guessing', () => {
    for (const text of ['teatime', '25:00', '12:60', '2026-02-31 10:00', '2026-12-24', 'tomorrow 10:00', '2026-12-24T18:00:00+bad', ''])
      expect([text, parseAt(text, now)]).toEqual([text, null])
  })
})
