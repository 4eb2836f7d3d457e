import { describe, expect, it } from 'vitest'
import { formatBytes, usageText, usageTitle } from '../../../src/renderer/src/format'

describe('what a job takes, as the panel says it', () => {
  it('reads memory in binary units, one decimal below ten', () => {
    expect([0, 900, 2048, 5.5 * 1024 * 1024, 240 * 1024 * 1024, 1.4 * 1024 ** 3, -1, NaN].map(formatBytes)).toEqual([
      '0 B',
      '900 B',
      '2.0 KB',
      '5.5 MB',
      '240 MB',
      '1.4 GB',
      '—',
      '—',
    ])
  })

  it('live CPU and memory while it runs, the last try’s CPU time and peak once it has ended, nothing when never measured', () => {
    const mb = 1024 * 1024
    expect(usageText({ cpuMs: 4200, peakRssBytes: 300 * mb, rssBytes: 120 * mb, cpuPercent: 35.4 })).toBe('35% · 120 MB')
    expect(usageText({ cpuMs: 1200, peakRssBytes: 240 * mb, rssBytes: null, cpuPercent: null })).toBe('1 s · 240 MB')
    expect(usageText(null)).toBeNull()
    expect(usageTitle({ cpuMs: 1200, peakRssBytes: 240 * mb, rssBytes: null, cpuPercent: null })).toBe('Last try: CPU time 1 s, peak memory 240 MB')
    expect(usageTitle({ cpuMs: 4200, peakRssBytes: 300 * mb, rssBytes: 120 * mb, cpuPercent: 150 })).toBe(
      'Now: CPU 150% (100% is one core), memory 120 MB; so far CPU time 4 s, peak memory 300 MB',
    )
  })
})
