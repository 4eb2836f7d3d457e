import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { MethodInput } from '../../../src/shared/api'
import type { SearchResult } from '../../../src/shared/search'
import { ApiError } from '../../../src/shared/wire-error'
import { SEARCH_DEBOUNCE_MS, SEARCH_LIMIT, Searcher, useSearch } from '../../../src/renderer/src/state/search-store'
import { resultText, tookText } from '../../../src/renderer/src/search-text'

const answer = (q: string, indexed = 10): SearchResult => ({
  hits: [{ path: `/d/${q}.txt`, folder: '/d', title: q, snippet: [{ text: q, match: true }], rank: -1, size: 1, modifiedAt: '2026-01-01T00:00:00.000Z' }],
  indexed,
  tookMs: 2,
})

/** An API whose answers the test releases one by one, in any order. */
function slowApi() {
  const asked: { q: string; resolve: (r: SearchResult) => void; reject: (e: unknown) => void }[] = []
  const api = {
    searchDocuments: vi.fn(
      (input: MethodInput<'searchDocuments'>) => new Promise<SearchResult>((resolve, reject) => asked.push({ q: input.q, resolve, reject })),
    ),
  }
  return { api, asked }
}

beforeEach(() => {
  vi.useFakeTimers()
  useSearch.setState({ text: '', shown: null, pending: false, error: null, selected: -1 })
})
afterEach(() => vi.useRealTimers())

describe('the search view’s type-ahead', () => {
  it('asks once the typing pauses, for what the box then holds', async () => {
    const { api, asked } = slowApi()
    const searcher = new Searcher(api)
    for (const text of ['l', 'li', 'lig', 'ligh ']) {
      searcher.type(text)
      await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS - 50)
    }
    expect(api.searchDocuments).not.toHaveBeenCalled()
    expect(useSearch.getState()).toMatchObject({ text: 'ligh ', pending: true })
    await vi.advanceTimersByTimeAsync(50)
    expect(api.searchDocuments.mock.calls).toEqual([[{ q: 'ligh', limit: SEARCH_LIMIT }]])
    asked[0]!.resolve(answer('ligh'))
    await vi.advanceTimersByTimeAsync(0)
    expect(useSearch.getState()).toMatchObject({ shown: { q: 'ligh', result: answer('ligh') }, pending: false, error: null })
  })

  it('drops a slow answer to an older question that arrives after the newer one', async () => {
    const { api, asked } = slowApi()
    const searcher = new Searcher(api)
    searcher.type('lamp')
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    searcher.type('lampo')
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    expect(asked.map((a) => a.q)).toEqual(['lamp', 'lampo'])
    asked[1]!.resolve(answer('lampo'))
    await vi.advanceTimersByTimeAsync(0)
    asked[0]!.resolve(answer('lamp'))
    await vi.advanceTimersByTimeAsync(0)
    expect(useSearch.getState()).toMatchObject({ shown: { q: 'lampo' }, pending: false, error: null })
  })

  it('keeps the last answer on screen while the next is out, and says why a question failed', async () => {
    const { api, asked } = slowApi()
    const searcher = new Searcher(api)
    searcher.type('lamp')
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    asked[0]!.resolve(answer('lamp'))
    await vi.advanceTimersByTimeAsync(0)
    searcher.type('lamps')
    expect(useSearch.getState()).toMatchObject({ shown: { q: 'lamp' }, pending: true })
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    asked[1]!.reject(new ApiError('invalid_input', 'q: Too long'))
    await vi.advanceTimersByTimeAsync(0)
    expect(useSearch.getState()).toMatchObject({ shown: { q: 'lamp' }, pending: false, error: 'q: Too long' })
  })

  it('an empty box asks nothing and clears the hits; a question still out is then dropped', async () => {
    const { api, asked } = slowApi()
    const searcher = new Searcher(api)
    searcher.type('lamp')
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    searcher.type('   ')
    asked[0]!.resolve(answer('lamp'))
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    expect(api.searchDocuments).toHaveBeenCalledTimes(1)
    expect(useSearch.getState()).toMatchObject({ text: '   ', shown: null, pending: false, selected: -1 })
  })

  it('the arrow keys’ hit stays among the hits', async () => {
    const { api, asked } = slowApi()
    new Searcher(api).type('lamp')
    await vi.advanceTimersByTimeAsync(SEARCH_DEBOUNCE_MS)
    asked[0]!.resolve(answer('lamp'))
    await vi.advanceTimersByTimeAsync(0)
    useSearch.getState().select(5)
    expect(useSearch.getState().selected).toBe(0)
    useSearch.getState().select(-3)
    expect(useSearch.getState().selected).toBe(-1)
  })
})

describe('the search view’s summary line', () => {
  it('says the hits, the time and the documents indexed, and "first" when there may be more', () => {
    expect(resultText(answer('x', 1234), 50)).toBe('1 hit in 2 ms · 1,234 documents indexed')
    expect(resultText({ hits: [], indexed: 1, tookMs: 0.2 }, 50)).toBe('No hits in <1 ms · 1 document indexed')
    expect(resultText({ ...answer('x'), hits: Array(50).fill(answer('x').hits[0]) }, 50)).toMatch(/^First 50 hits in /)
    expect(tookText(12.6)).toBe('13 ms')
  })
})
