import type { SearchResult } from '../../shared/search'

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en')} ${n === 1 ? one : many}`

/** How long a search took, as a person reads it: "<1 ms", "12 ms". */
export function tookText(ms: number): string {
  return ms < 1 ? '<1 ms' : `${Math.round(ms).toLocaleString('en')} ms`
}

/** The line over the hits: how many (the first `limit` when there may be more), how long, of how many documents. */
export function resultText(result: SearchResult, limit: number): string {
  const hits = result.hits.length
  const count = hits === 0 ? 'No hits' : hits >= limit ? `First ${plural(hits, 'hit')}` : plural(hits, 'hit')
  return `${count} in ${tookText(result.tookMs)} · ${plural(result.indexed, 'document')} indexed`
}
