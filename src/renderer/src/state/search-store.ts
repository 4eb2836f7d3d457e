import { create } from 'zustand'
import type { ApiClient } from '../../../shared/api'
import type { SearchResult } from '../../../shared/search'
import { ApiError } from '../../../shared/wire-error'

/** Typing this long without a key asks again: each word typed is one question, not one per letter. */
export const SEARCH_DEBOUNCE_MS = 150
/** Hits asked for; a person reads the first few, and a longer list says "first 50". */
export const SEARCH_LIMIT = 50

interface SearchState {
  /** The box's text, as typed. */
  text: string
  /** The answer on screen and the words it answers; kept while a newer question is out, so the list does not blink. */
  shown: { q: string; result: SearchResult } | null
  /** A question is waiting for its debounce or its answer. */
  pending: boolean
  /** Why the last question failed, until one succeeds. */
  error: string | null
  /** The hit the arrow keys are on, -1 for none. */
  selected: number
  select: (index: number) => void
}

export const useSearch = create<SearchState>()((set, get) => ({
  text: '',
  shown: null,
  pending: false,
  error: null,
  selected: -1,
  select: (index) => {
    const hits = get().shown?.result.hits.length ?? 0
    set({ selected: hits === 0 ? -1 : Math.max(-1, Math.min(hits - 1, index)) })
  },
}))

/**
 * Type-ahead over `searchDocuments`: each change of the text asks once the
 * typing pauses, and only the answer to the latest question is shown: a
 * slow answer to an older one, arriving after, is dropped.
 */
export class Searcher {
  private timer: ReturnType<typeof setTimeout> | undefined
  /** Bumped by every change of the text; an answer counts only while it is still the latest. */
  private asked = 0

  constructor(
    private readonly api: Pick<ApiClient, 'searchDocuments'>,
    private readonly delayMs = SEARCH_DEBOUNCE_MS,
  ) {}

  type(text: string): void {
    clearTimeout(this.timer)
    const ask = ++this.asked
    const q = text.trim()
    if (q === '') {
      useSearch.setState({ text, shown: null, pending: false, error: null, selected: -1 })
      return
    }
    useSearch.setState({ text, pending: true })
    this.timer = setTimeout(() => void this.ask(ask, q), this.delayMs)
  }

  /** Asks again now for what the box holds (after a reconnect, or a retry). */
  refresh(): void {
    const { text } = useSearch.getState()
    if (text.trim() === '') return
    clearTimeout(this.timer)
    void this.ask(++this.asked, text.trim())
  }

  stop(): void {
    clearTimeout(this.timer)
    this.asked++
  }

  private async ask(ask: number, q: string): Promise<void> {
    try {
      const result = await this.api.searchDocuments({ q, limit: SEARCH_LIMIT })
      if (ask !== this.asked) return
      useSearch.setState({ shown: { q, result }, pending: false, error: null, selected: -1 })
    } catch (error) {
      if (ask !== this.asked) return
      useSearch.setState({ pending: false, error: error instanceof ApiError || error instanceof Error ? error.message : String(error) })
    }
  }
}
