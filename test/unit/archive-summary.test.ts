import { describe, expect, it } from 'vitest'
import { archiveKind } from '../../src/main/kinds/archive'
import { extractKind } from '../../src/main/kinds/extract'

describe('what archive and extract say of their results', () => {
  it('archive: files, sizes in and out, where, and what it left out', () => {
    const result = { out: '/b/photos.zip', format: 'zip', files: 1200, folders: 3, links: 0, skipped: 2, bytesIn: 2 * 1024 ** 3, bytesOut: 1024 ** 3 }
    expect(archiveKind.summary!(result)).toBe(
      ['1,200 files, 2.00 GiB → 1.00 GiB zip (50%)', 'Written to /b/photos.zip', '2 items left out (see the log)'].join('\n'),
    )
  })

  it('extract: what it unpacked, and the first refused entries of how many', () => {
    const refused = Array.from({ length: 12 }, (_, i) => ({ path: `../x${i}`, reason: 'its path leads out of the folder ("..")' }))
    const result = { out: '/o', format: 'tar.gz', files: 5, folders: 1, links: 1, bytes: 2048, refused, refusedTotal: 250 }
    const lines = extractKind.summary!(result).split('\n')
    expect(lines[0]).toBe('5 files, 2.0 KiB, 1 symlink unpacked from a tar.gz into /o')
    expect(lines[1]).toBe('250 entries refused:')
    expect(lines[2]).toBe('../x0: its path leads out of the folder ("..")')
    expect(lines).toHaveLength(2 + 10 + 1)
    expect(lines.at(-1)).toBe('… and 240 more (see the result and the log)')
  })
})
