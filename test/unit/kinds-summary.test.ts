import { describe, expect, it } from 'vitest'
import { hashFilesKind } from '../../src/main/kinds/hash-files'

describe('what hash-files says of its result', () => {
  it('says how many groups it shows of how many, what could be reclaimed, and what it could not read', () => {
    const group = (i: number) => ({ hash: `h${i}`, size: 1024 ** 2, paths: [`a${i}`, `b${i}`, `c${i}`] })
    const summary = hashFilesKind.summary!({
      files: 1000,
      bytes: 5 * 1024 ** 3,
      unreadable: 3,
      duplicateGroups: Array.from({ length: 30 }, (_, i) => group(i)),
      duplicateGroupsTotal: 324,
    })
    const lines = summary.split('\n')
    expect(lines.slice(0, 3)).toEqual([
      '1,000 files, 5.00 GiB · 324 groups of duplicates · 60.0 MiB to reclaim (in the groups kept)',
      '3 files or folders could not be read (see the log)',
      'The 20 biggest of 324 groups:',
    ])
    expect(lines).toHaveLength(3 + 20)
    expect(lines[3]).toBe('1.0 MiB × 3: a0, b0, c0')
  })
})
