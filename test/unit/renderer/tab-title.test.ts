import { describe, expect, it } from 'vitest'
import type { Stats } from '../../../src/shared/job'
import { tabTitle } from '../../../src/renderer/src/tab-title'

const stats = (counts: Partial<Stats['counts']>, paused = false): Stats => ({
  counts: { held: 0, waiting: 0, scheduled: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0, ...counts },
  workers: { busy: 0, idle: 0, max: 2 },
  paused,
  finished: [],
  storage: { status: 'ok', message: null, since: null },
  hours: { quiet: false, until: null, kinds: [], held: 0 },
  throttle: { limit: 2, reason: null },
})

describe('the tab title', () => {
  it('counts what runs, waits and failed, and is just the name when there is nothing to say', () => {
    expect(tabTitle(stats({ running: 2, queued: 1200, failed: 1, succeeded: 40 }), 'open')).toBe('2 running · 1,200 queued · 1 failed — Offload')
    expect(tabTitle(stats({ succeeded: 40 }), 'open')).toBe('Offload')
    expect(tabTitle(stats({ queued: 3 }, true), 'open')).toBe('Paused · 3 queued — Offload')
    expect(tabTitle(null, 'connecting')).toBe('Offload')
    expect(tabTitle({ ...stats({ queued: 3 }), hours: { quiet: true, until: null, kinds: [], held: 0 } }, 'open')).toBe('Quiet · 3 queued — Offload')
  })

  it('says when the figures cannot be trusted', () => {
    expect(tabTitle(stats({ running: 2 }), 'reconnecting')).toBe('Offline · Offload')
    expect(tabTitle(stats({ running: 2 }), 'unauthorized')).toBe('Token refused · Offload')
  })
})
