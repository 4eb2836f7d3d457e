import { describe, expect, it } from 'vitest'
import { quietText } from '../../../src/renderer/src/quiet-text'

const now = Date.parse('2026-03-04T12:00:00Z')
const base = { quiet: false, until: null, kinds: [], held: 0 }
const time = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })

describe('the quiet-hours note', () => {
  it('says until when, and how many jobs are held', () => {
    expect(quietText({ ...base, quiet: true, until: '2026-03-04T23:00:00Z' }, now)).toBe(`Quiet until ${time('2026-03-04T23:00:00Z')}`)
    expect(quietText({ ...base, quiet: true, until: '2026-03-04T23:00:00Z', held: 2 }, now)).toBe(`Quiet until ${time('2026-03-04T23:00:00Z')} · 2 jobs held`)
    expect(quietText({ ...base, quiet: true }, now)).toBe('Quiet')
    expect(quietText({ ...base, quiet: true, until: '2026-03-06T09:00:00Z' }, now)).toMatch(/^Quiet until \w+ /)
  })

  it('names a quiet kind, counts several, and says nothing when nothing is held back', () => {
    expect(quietText({ ...base, kinds: [{ kind: 'thumbnail', until: null }] }, now)).toBe('Quiet for thumbnail')
    expect(
      quietText(
        {
          ...base,
          kinds: [
            { kind: 'a', until: null },
            { kind: 'b', until: null },
          ],
        },
        now,
      ),
    ).toBe('Quiet for 2 kinds')
    expect(quietText(base, now)).toBeNull()
    expect(quietText(undefined, now)).toBeNull()
  })
})
