import { describe, expect, it } from 'vitest'
import type { SearchResult } from '../../src/shared/search'
import { searchHits, searchSummary, snippetText } from '../../src/main/cli/search-output'

const result: SearchResult = {
  indexed: 1234,
  tookMs: 3.4,
  hits: [
    {
      path: '/docs/a.md',
      folder: '/docs',
      title: 'Line\none',
      snippet: [
        { text: '…the ', match: false },
        { text: 'lamp', match: true },
        { text: ' is\nlit', match: false },
      ],
      rank: -3,
      size: 10,
      modifiedAt: '2026-01-01T00:00:00.000Z',
    },
  ],
}

describe('offload search output', () => {
  it('marks matches with brackets without colour, and keeps each hit to its lines', () => {
    expect(searchHits(result, false)).toEqual(['1. Line one', '   /docs/a.md', '   …the [lamp] is lit', ''])
  })

  it('marks matches in inverse bold with colour, the title bold and the path dim', () => {
    const [title, path, snippet] = searchHits(result, true)
    expect(title).toBe('\x1b[1m1. Line one\x1b[0m')
    expect(path).toBe('   \x1b[2m/docs/a.md\x1b[0m')
    expect(snippet).toBe('   …the \x1b[7m\x1b[1mlamp\x1b[0m is lit')
    expect(snippetText([{ text: 'x', match: false }], true)).toBe('x')
  })

  it('sums up hits, nothing matching, and an empty index (in a folder too)', () => {
    expect(searchSummary(result, { q: 'lamp' })).toBe('1 hit (1,234 documents indexed; 3ms)')
    expect(searchSummary({ ...result, hits: [] }, { q: 'lamp', folder: '/docs' })).toBe('Nothing matches “lamp” (1,234 documents indexed under /docs; 3ms)')
    expect(searchSummary({ hits: [], indexed: 0, tookMs: 0 }, { q: 'lamp' })).toBe(
      'No documents are indexed yet — run `offload add index-documents --param folder=...`',
    )
    expect(searchSummary({ hits: [], indexed: 0, tookMs: 0 }, { q: 'lamp', folder: '/docs' })).toBe(
      'No documents are indexed under /docs — run `offload add index-documents --param folder=/docs`',
    )
  })
})
